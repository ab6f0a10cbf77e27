//! One vocabulary: each call's name in every language, and the symbols hints may name.
//!
//! The codegen crate renders every binding's method names and error hints from this table, so
//! an operation has the same name everywhere (`create_render` / `CreateRenderAsync` /
//! `createRender`) and a hint names the caller's own API.

/// Every call's snake_case name, as [`Call::name`](super::Call::name) gives it.
pub const CALL_NAMES: [&str; 27] = [
    "sign_in",
    "use_api_key",
    "sign_out",
    "is_signed_in",
    "me",
    "health",
    "credits",
    "credit_transactions",
    "projects",
    "create_project",
    "settings",
    "update_settings",
    "create_api_key",
    "api_keys",
    "revoke_api_key",
    "register_webhook",
    "webhooks",
    "delete_webhook",
    "callback_secret",
    "create_render",
    "render",
    "retrieve_render",
    "list_renders",
    "cancel_render",
    "wait_for_render",
    "download_render",
    "prepare_image",
];

/// A language the SDK speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Rust: `client.create_render(…)`.
    Rust,
    /// Python: `client.create_render(…)`.
    Python,
    /// Ruby: `client.create_render(…)`, `client.signed_in?`.
    Ruby,
    /// C#: `client.CreateRenderAsync(…)`.
    CSharp,
    /// C++: `client.createRender(…)`.
    Cpp,
    /// C: `renderiq_call(client, "{\"call\":\"create_render\",…}", …)`.
    C,
    /// Kotlin (uniffi): `client.call("{\"call\":\"create_render\",…}")`, named
    /// `createRender` in hints and in the Kotlin layer.
    Kotlin,
    /// Swift (uniffi): `try await client.call(callJson: …)`, named `createRender` in hints.
    Swift,
}

impl Language {
    /// Every language, in a stable order.
    pub const ALL: [Language; 8] = [
        Self::Rust,
        Self::Python,
        Self::Ruby,
        Self::CSharp,
        Self::Cpp,
        Self::C,
        Self::Kotlin,
        Self::Swift,
    ];

    /// The language's short name: `"rust"`, `"python"`, `"ruby"`, `"csharp"`, `"cpp"`, `"c"`,
    /// `"kotlin"`, `"swift"` (what a binding passes as its `sdkLanguage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Ruby => "ruby",
            Self::CSharp => "csharp",
            Self::Cpp => "cpp",
            Self::C => "c",
            Self::Kotlin => "kotlin",
            Self::Swift => "swift",
        }
    }

    /// The language of a short name ([`as_str`](Self::as_str)), `None` for another name.
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// assert_eq!(Language::from_name("kotlin"), Some(Language::Kotlin));
    /// assert_eq!(Language::from_name("cobol"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// The method that makes `call` in this language.
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// assert_eq!(Language::CSharp.method("create_render"), "CreateRenderAsync");
    /// assert_eq!(Language::CSharp.method("credits"), "GetCreditsAsync");
    /// assert_eq!(Language::Ruby.method("is_signed_in"), "signed_in?");
    /// assert_eq!(Language::Cpp.method("wait_for_render"), "waitForRender");
    /// assert_eq!(Language::C.method("me"), "renderiq_call(\"me\")");
    /// assert_eq!(Language::Kotlin.method("is_signed_in"), "isSignedIn");
    /// ```
    pub fn method(self, call: &str) -> String {
        match self {
            Self::Rust | Self::Python => call.to_owned(),
            Self::Ruby => match call.strip_prefix("is_") {
                Some(rest) => format!("{rest}?"),
                None => call.to_owned(),
            },
            Self::CSharp => format!("{}Async", csharp_verb(call)),
            Self::Cpp | Self::Kotlin | Self::Swift => {
                let p = pascal(call);
                let mut chars = p.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            Self::C => format!("renderiq_call(\"{call}\")"),
        }
    }

    /// How this language spells a named piece of its API that hints refer to; `None` for an
    /// unknown symbol.
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// assert_eq!(
    ///     Language::CSharp.symbol("encrypted_file_store").unwrap(),
    ///     "TokenStore.EncryptedFile(path, passphrase)"
    /// );
    /// ```
    pub fn symbol(self, name: &str) -> Option<&'static str> {
        use Language::*;
        Some(match (name, self) {
            ("encrypted_file_store", Rust) => "token_store::EncryptedFileStore",
            ("encrypted_file_store", Python) => "renderiq.EncryptedFileStore(path, passphrase)",
            ("encrypted_file_store", Ruby) => "Renderiq::EncryptedFileStore.new(path, passphrase:)",
            ("encrypted_file_store", CSharp) => "TokenStore.EncryptedFile(path, passphrase)",
            ("encrypted_file_store", Cpp | C) => {
                "the \"tokenStore\": {\"file\", \"passphrase\"} client option"
            }
            ("encrypted_file_store", Kotlin) => "TokenStore.EncryptedFile(path, passphrase)",
            ("encrypted_file_store", Swift) => ".encryptedFile(path:passphrase:)",
            ("timeout_option", Rust) => "WaitOptions::timeout",
            ("timeout_option", Python) => "the timeout= argument",
            ("timeout_option", Ruby) => "the timeout: argument",
            ("timeout_option", CSharp) => "the Timeout option",
            ("timeout_option", Cpp | C | Kotlin | Swift) => "the wait's \"timeoutMs\"",
            ("retry_after", Rust) => "Error::retry_after",
            ("retry_after", Python | Ruby) => "retry_after",
            ("retry_after", CSharp) => "RetryAfter",
            ("retry_after", Cpp) => "retryAfter()",
            ("retry_after", Kotlin | Swift) => "retryAfterMs",
            ("retry_after", C) => "the \"retryAfter\" of renderiq_error_json",
            _ => return None,
        })
    }

    /// Fills a hint template: `{call:sign_in}` becomes this language's method, `{sym:name}`
    /// its [`symbol`](Self::symbol).
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// assert_eq!(
    ///     Language::CSharp.render_hint("call {call:sign_in} again"),
    ///     "call SignInAsync again"
    /// );
    /// ```
    pub fn render_hint(self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let token = &rest[start + 1..start + len];
            match token.split_once(':') {
                Some(("call", name)) => out.push_str(&self.method(name)),
                Some(("sym", name)) => match self.symbol(name) {
                    Some(text) => out.push_str(text),
                    None => out.push_str(&rest[start..=start + len]),
                },
                _ => out.push_str(&rest[start..=start + len]),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// .NET names a method by a verb: the calls named by a noun get `Get` or `List`, and the
/// download to a file says so (`DownloadRenderAsync` answers the bytes).
fn csharp_verb(call: &str) -> String {
    match call {
        "credits" | "credit_transactions" | "settings" | "callback_secret" => {
            format!("Get{}", pascal(call))
        }
        "projects" | "api_keys" | "webhooks" => format!("List{}", pascal(call)),
        "download_render" => "DownloadRenderToFile".to_owned(),
        _ => pascal(call),
    }
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
