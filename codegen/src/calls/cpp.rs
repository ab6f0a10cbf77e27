//! `include/renderiq_calls.hpp`: the [`CALLS`] as methods of `renderiq::detail::CallMethods`,
//! the base `renderiq::Client` derives from (CRTP). Each answers the call's JSON text, as
//! `Client::call` does; optional parameters are `std::optional`s defaulting to "leave it out".

use std::fmt::Write as _;

use renderiq_sdk::call::Language;

use super::{ordered, CallDef, Kind, Param, Returns, CALLS};
use crate::schema::{Api, Ty};
use crate::text::pascal;

/// Where the file goes.
pub const PATH: &str = "bindings/ffi/include/renderiq_calls.hpp";

const PRELUDE: &str = r#"#pragma once
// Included by renderiq.hpp after detail::CallJson; not a header of its own.

namespace renderiq {
namespace detail {

/// The typed methods of the simple calls, from renderiq-codegen's call table (the same calls,
/// parameters and docs in every language). Each builds one call's JSON and makes it through
/// `Self::call`; the core checks every value (ValidationError naming the field).
template <class Self>
class CallMethods {
public:
"#;

const EPILOGUE: &str = r#"
private:
    const Self& self() const noexcept { return static_cast<const Self&>(*this); }
};

}  // namespace detail
}  // namespace renderiq
"#;

/// A parameter's C++ name: camelCase, and a reference names the id it takes (`renderId`).
fn name(p: &Param) -> String {
    let camel = {
        let p = pascal(p.name);
        let mut c = p.chars();
        c.next()
            .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    match p.kind {
        Kind::Ref(_) => format!("{camel}Id"),
        _ => camel,
    }
}

fn value_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Time | Kind::Enum(_) | Kind::Ref(_) => "std::string",
        Kind::Texts => "std::vector<std::string>",
        Kind::Int => "uint32_t",
        Kind::Fields(_) => unreachable!("a model parameter"),
    }
}

fn declaration(p: &Param) -> String {
    if let Kind::Fields(model) = p.kind {
        return format!("const models::{model}& {}", name(p));
    }
    let ty = value_type(p.kind);
    match (p.required, p.kind) {
        (true, Kind::Int) => format!("{ty} {}", name(p)),
        (true, _) => format!("const {ty}& {}", name(p)),
        (false, Kind::Int) => format!("std::optional<{ty}> {} = std::nullopt", name(p)),
        (false, _) => format!("const std::optional<{ty}>& {} = std::nullopt", name(p)),
    }
}

/// The builder method that adds a value of `kind`.
fn adder(kind: Kind) -> &'static str {
    match kind {
        Kind::Texts => "strs",
        Kind::Int => "num",
        _ => "str",
    }
}

/// The statements that add a parameter to the call `c`.
fn add(api: &Api, p: &Param) -> String {
    let n = name(p);
    if let Kind::Fields(model) = p.kind {
        let m = api.model(model).expect("the table names a wire model");
        let mut s = "        CallJson fields;\n".to_owned();
        for f in &m.fields {
            let (method, value) = match &f.ty {
                Ty::Bool => ("flag", format!("*{n}.{}", f.wire)),
                Ty::Int32 | Ty::Int64 => ("num", format!("*{n}.{}", f.wire)),
                Ty::Enum(_) => ("str", format!("models::toWire(*{n}.{})", f.wire)),
                _ => ("str", format!("*{n}.{}", f.wire)),
            };
            let _ = writeln!(
                s,
                "        if ({n}.{0}) fields.{method}(\"{0}\", {value});",
                f.wire
            );
        }
        let _ = writeln!(s, "        c.raw(\"{}\", fields.text());", p.wire);
        return s;
    }
    let method = adder(p.kind);
    if p.required {
        format!("        c.{method}(\"{}\", {n});\n", p.wire)
    } else {
        format!("        if ({n}) c.{method}(\"{}\", *{n});\n", p.wire)
    }
}

fn return_type(r: Returns) -> &'static str {
    match r {
        Returns::Nothing => "void",
        Returns::Bool => "bool",
        _ => "std::string",
    }
}

/// What the method says it answers, after its doc.
fn answers(r: Returns) -> String {
    match r {
        Returns::Nothing | Returns::Bool | Returns::Text => String::new(),
        Returns::Model(m) => format!(" Answers the {m} JSON."),
        Returns::List(m) => format!(" Answers a JSON array of {m}."),
        Returns::Page(m) => format!(" Answers the Page<{m}> JSON."),
    }
}

fn method(api: &Api, c: &CallDef) -> String {
    let (positional, named) = ordered(c);
    let params: Vec<&Param> = positional.iter().chain(named.iter()).collect();
    let decls: Vec<String> = params.iter().map(|p| declaration(p)).collect();
    let mut body = format!("        CallJson c(\"{}\");\n", c.call);
    for p in &params {
        body.push_str(&add(api, p));
    }
    let result = match c.returns {
        Returns::Nothing => "        (void)self().call(c.text());\n".to_owned(),
        Returns::Bool => "        return self().call(c.text()) == \"true\";\n".to_owned(),
        Returns::Text => "        return text(self().call(c.text()));\n".to_owned(),
        _ => "        return self().call(c.text());\n".to_owned(),
    };
    let nodiscard = if c.reads { "[[nodiscard]] " } else { "" };
    format!(
        "    /// {}{}\n    {nodiscard}{} {}({}) const {{\n{body}{result}    }}\n",
        c.doc,
        answers(c.returns),
        return_type(c.returns),
        Language::Cpp.method(c.call),
        decls.join(", "),
    )
}

/// The whole file.
pub fn render(api: &Api) -> String {
    let mut out = crate::header(
        "//",
        "renderiq-codegen's call table (codegen/src/calls/mod.rs)",
    );
    out.push_str(PRELUDE);
    for (i, c) in CALLS.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&method(api, c));
    }
    out.push_str(EPILOGUE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_parameters_are_left_out_when_empty() {
        let t = render(&Api::load());
        assert!(t.contains("    std::string createApiKey(const std::string& name, const std::vector<std::string>& scopes, const std::optional<std::string>& expiresAt = std::nullopt) const {\n"), "{t}");
        assert!(t.contains("        c.strs(\"scopes\", scopes);\n        if (expiresAt) c.str(\"expiresAt\", *expiresAt);\n"), "{t}");
        assert!(
            t.contains("std::optional<uint32_t> limit = std::nullopt"),
            "{t}"
        );
        assert!(
            t.contains("    void revokeApiKey(const std::string& apiKeyId) const {\n"),
            "{t}"
        );
        assert!(
            t.contains("        return self().call(c.text()) == \"true\";\n"),
            "{t}"
        );
    }

    #[test]
    fn settings_are_written_from_the_model() {
        let t = render(&Api::load());
        assert!(
            t.contains("updateSettings(const models::SettingsUpdate& settings) const"),
            "{t}"
        );
        assert!(t.contains(
            "        if (settings.defaultQuality) fields.str(\"defaultQuality\", models::toWire(*settings.defaultQuality));\n"
        ), "{t}");
        assert!(t.contains(
            "        if (settings.notifyOnComplete) fields.flag(\"notifyOnComplete\", *settings.notifyOnComplete);\n"
        ), "{t}");
    }
}
