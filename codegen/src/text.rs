//! Spelling helpers shared by the emitters: case conversion, documentation text and string
//! literals for each target language.
//!
//! ```
//! use renderiq_codegen::text::{pascal, snake};
//! assert_eq!(snake("aspectRatio"), "aspect_ratio");
//! assert_eq!(pascal("rate_limited"), "RateLimited");
//! ```

/// `aspectRatio` → `aspect_ratio`.
pub fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `aspectRatio` or `rate_limited` → `AspectRatio` / `RateLimited`.
pub fn pascal(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `rate_limited` or `RateLimited` → `RATE_LIMITED`.
pub fn screaming(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// The first paragraph of a Rust doc comment as one line, without intra-doc link brackets:
/// ``"A render job.\n\nThe id is…"`` → ``"A render job."``.
pub fn summary(doc: &str) -> String {
    let para = doc.split("\n\n").next().unwrap_or("");
    let line = para.split_whitespace().collect::<Vec<_>>().join(" ");
    // [`Event`] → `Event`; [text](target) is not used in the core's docs.
    line.replace("[`", "`").replace("`]", "`")
}

/// A double-quoted literal that Python, JSON and C++ all read back as `s` (escapes `"`, `\` and
/// control characters; other characters are written as they are, in UTF-8).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Ruby double-quoted literal: [`quoted`], with `#` escaped so `#{…}` is not interpolated.
pub fn ruby_quoted(s: &str) -> String {
    quoted(s).replace('#', "\\#")
}

/// A C# regular string literal (C# has no `\x` escapes of two digits, so controls use `\u`).
pub fn csharp_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Documentation text for a C# XML doc comment: `<`, `>`, `&` escaped and `` `code` `` as
/// `<c>code</c>`.
pub fn csharp_doc(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut out = String::with_capacity(escaped.len() + 8);
    let mut open = false;
    for c in escaped.chars() {
        if c == '`' {
            out.push_str(if open { "</c>" } else { "<c>" });
            open = !open;
        } else {
            out.push(c);
        }
    }
    if open {
        out.push_str("</c>");
    }
    out
}

/// Documentation text for a Python docstring: backticks doubled (reStructuredText literals) and
/// quotes that would end the docstring escaped.
pub fn python_doc(text: &str) -> String {
    let out = text
        .replace('\\', "\\\\")
        .replace('`', "``")
        .replace("\"\"\"", "\\\"\\\"\\\"");
    // A docstring may not end in the quote that closes it.
    if out.ends_with('"') {
        format!("{out} ")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_convert_both_ways() {
        assert_eq!(snake("hasMore"), "has_more");
        assert_eq!(snake("id"), "id");
        assert_eq!(pascal("hasMore"), "HasMore");
        assert_eq!(pascal("webhook_verification"), "WebhookVerification");
        assert_eq!(screaming("retryAfter"), "RETRY_AFTER");
    }

    #[test]
    fn summary_keeps_the_first_paragraph_on_one_line() {
        let doc = "A render event's body,\nas the server sends it. See [`Event`].\n\n# Examples";
        assert_eq!(
            summary(doc),
            "A render event's body, as the server sends it. See `Event`."
        );
    }

    #[test]
    fn literals_escape_what_each_language_needs() {
        assert_eq!(quoted("a \"b\" \\ \n"), r#""a \"b\" \\ \n""#);
        assert_eq!(ruby_quoted("#{x}"), r#""\#{x}""#);
        assert_eq!(csharp_quoted("\u{1}"), r#""\u0001""#);
        assert_eq!(csharp_doc("`a` < b & c"), "<c>a</c> &lt; b &amp; c");
        assert_eq!(python_doc("`x` \"q\""), "``x`` \"q\" ");
    }
}
