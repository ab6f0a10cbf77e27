//! The typed methods of the simple calls: one table, rendered into every binding.
//!
//! A "simple" call takes text, numbers, times, lists of text or a reference to a resource and
//! answers a model, a list or page of models, a flag or nothing. Each binding gets one typed
//! method per row, named by [`Language::method`], so the names, parameters, defaults and docs
//! cannot drift between languages. The calls that carry an image, wait with progress or answer
//! bytes (`create_render`, `render`, `wait_for_render`, `download_render`, `prepare_image`)
//! keep their hand-written sugar.
//!
//! ```
//! use renderiq_codegen::calls::{Returns, CALLS};
//! let me = CALLS.iter().find(|c| c.call == "me").unwrap();
//! assert_eq!(me.returns, Returns::Model("User"));
//! ```

pub mod cpp;
pub mod python;
pub mod ruby;

/// What a parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A list of text (a single string is taken as a list of one where the language allows).
    Texts,
    /// A whole number.
    Int,
    /// A point in time (RFC 3339 on the wire).
    Time,
    /// A value of the named string enum.
    Enum(&'static str),
    /// A resource (the named model) or its id; the wire field is its id.
    Ref(&'static str),
    /// The fields of the named model, each an optional named parameter of its own; the object
    /// is always sent (empty when none is given).
    Fields(&'static str),
}

/// One parameter of a typed method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name, snake_case (each language cases it).
    pub name: &'static str,
    /// The call's JSON field it fills.
    pub wire: &'static str,
    /// What it carries.
    pub kind: Kind,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it is passed by name where a language has keyword arguments (the optional ones
    /// always are).
    pub named: bool,
}

const fn arg(name: &'static str, wire: &'static str, kind: Kind) -> Param {
    Param {
        name,
        wire,
        kind,
        required: true,
        named: false,
    }
}

const fn opt(name: &'static str, wire: &'static str, kind: Kind) -> Param {
    Param {
        name,
        wire,
        kind,
        required: false,
        named: true,
    }
}

/// What a typed method answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// Nothing: the call answers `null`.
    Nothing,
    /// `true` or `false`.
    Bool,
    /// Text.
    Text,
    /// One model, by its core name.
    Model(&'static str),
    /// A list of a model.
    List(&'static str),
    /// A page of a model.
    Page(&'static str),
}

/// One typed method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallDef {
    /// The call's name in `renderiq_sdk::call::Call`.
    pub call: &'static str,
    /// Its parameters: the required ones first.
    pub params: &'static [Param],
    /// What it answers.
    pub returns: Returns,
    /// Whether it only reads (changes nothing), so ignoring its answer is a mistake.
    pub reads: bool,
    /// What it does, one or two sentences with `code` in backticks.
    pub doc: &'static str,
}

const RENDER: Kind = Kind::Ref("Render");

/// Every typed method generated for every binding.
pub const CALLS: [CallDef; 22] = [
    CallDef {
        call: "sign_in",
        params: &[
            arg("email", "email", Kind::Text),
            arg("password", "password", Kind::Text),
        ],
        returns: Returns::Model("User"),
        reads: false,
        doc: "Signs in with email and password and keeps the session in the token store.",
    },
    CallDef {
        call: "use_api_key",
        params: &[arg("key", "key", Kind::Text)],
        returns: Returns::Nothing,
        reads: false,
        doc: "Uses an API key (`rq_…`) for every further request and keeps it in the token store.",
    },
    CallDef {
        call: "sign_out",
        params: &[],
        returns: Returns::Nothing,
        reads: false,
        doc: "Signs out: revokes the session on the server (best effort) and clears the token store.",
    },
    CallDef {
        call: "is_signed_in",
        params: &[],
        returns: Returns::Bool,
        reads: true,
        doc: "Whether a session or an API key is at hand (reads the token store, sends no request, never fails).",
    },
    CallDef {
        call: "me",
        params: &[],
        returns: Returns::Model("User"),
        reads: true,
        doc: "The signed-in user.",
    },
    CallDef {
        call: "health",
        params: &[],
        returns: Returns::Model("Health"),
        reads: true,
        doc: "Server health; needs no sign-in.",
    },
    CallDef {
        call: "credits",
        params: &[],
        returns: Returns::Model("Credits"),
        reads: true,
        doc: "The credit balance.",
    },
    CallDef {
        call: "credit_transactions",
        params: &[opt("page", "page", Kind::Int), opt("limit", "limit", Kind::Int)],
        returns: Returns::Page("CreditTransaction"),
        reads: true,
        doc: "One page of the credit ledger, newest first (pages count from 1; the size defaults to 20).",
    },
    CallDef {
        call: "projects",
        params: &[],
        returns: Returns::List("Project"),
        reads: true,
        doc: "The user's projects.",
    },
    CallDef {
        call: "create_project",
        params: &[
            arg("name", "name", Kind::Text),
            opt("description", "description", Kind::Text),
        ],
        returns: Returns::Model("Project"),
        reads: false,
        doc: "Creates a project; the server derives a unique slug from its name.",
    },
    CallDef {
        call: "settings",
        params: &[],
        returns: Returns::Model("Settings"),
        reads: true,
        doc: "The user's defaults for new renders.",
    },
    CallDef {
        call: "update_settings",
        params: &[Param {
            named: true,
            ..arg("settings", "settings", Kind::Fields("SettingsUpdate"))
        }],
        returns: Returns::Model("Settings"),
        reads: false,
        doc: "Changes the settings given (the others stay as they are) and answers all of them.",
    },
    CallDef {
        call: "create_api_key",
        params: &[
            arg("name", "name", Kind::Text),
            Param {
                named: true,
                ..arg("scopes", "scopes", Kind::Texts)
            },
            opt("expires_at", "expiresAt", Kind::Time),
        ],
        returns: Returns::Model("CreatedApiKey"),
        reads: false,
        doc: "Creates an API key with `scopes` (`renders:create`, `renders:read`, …); its secret `key` is in the answer this once.",
    },
    CallDef {
        call: "api_keys",
        params: &[],
        returns: Returns::List("ApiKey"),
        reads: true,
        doc: "The user's API keys (without their secrets).",
    },
    CallDef {
        call: "revoke_api_key",
        params: &[arg("api_key", "id", Kind::Ref("ApiKey"))],
        returns: Returns::Nothing,
        reads: false,
        doc: "Revokes an API key.",
    },
    CallDef {
        call: "register_webhook",
        params: &[
            arg("url", "url", Kind::Text),
            opt("events", "events", Kind::Texts),
        ],
        returns: Returns::Model("CreatedWebhook"),
        reads: false,
        doc: "Registers a webhook for `events` (default: every render outcome); its signing `secret` is in the answer this once.",
    },
    CallDef {
        call: "webhooks",
        params: &[],
        returns: Returns::List("Webhook"),
        reads: true,
        doc: "The user's webhooks.",
    },
    CallDef {
        call: "delete_webhook",
        params: &[arg("webhook", "id", Kind::Ref("Webhook"))],
        returns: Returns::Nothing,
        reads: false,
        doc: "Deletes a webhook.",
    },
    CallDef {
        call: "callback_secret",
        params: &[],
        returns: Returns::Text,
        reads: true,
        doc: "The secret (`whsec_…`) that signs the deliveries to a render's `callbackUrl`.",
    },
    CallDef {
        call: "retrieve_render",
        params: &[arg("render", "id", RENDER)],
        returns: Returns::Model("Render"),
        reads: true,
        doc: "A render's current state.",
    },
    CallDef {
        call: "cancel_render",
        params: &[arg("render", "id", RENDER)],
        returns: Returns::Model("Render"),
        reads: false,
        doc: "Withdraws a render that has not started processing; its credits are refunded.",
    },
    CallDef {
        call: "list_renders",
        params: &[
            opt("page", "page", Kind::Int),
            opt("limit", "limit", Kind::Int),
            opt("status", "status", Kind::Enum("RenderStatus")),
            opt("project_id", "projectId", Kind::Text),
        ],
        returns: Returns::Page("Render"),
        reads: true,
        doc: "One page of the user's renders, newest first (pages count from 1; the size defaults to 20).",
    },
];

/// The parameters in a language's order: positional ones (required, not named) first.
pub fn ordered(c: &CallDef) -> (Vec<Param>, Vec<Param>) {
    c.params.iter().partition(|p| p.required && !p.named)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use renderiq_sdk::call::{Call, CALL_NAMES};

    /// A value of each kind that the core accepts.
    fn sample(kind: Kind) -> Value {
        match kind {
            Kind::Text | Kind::Ref(_) => json!("x"),
            Kind::Texts => json!(["renders:read"]),
            Kind::Int => json!(1),
            Kind::Time => json!("2030-01-01T00:00:00Z"),
            Kind::Enum(_) => json!("completed"),
            Kind::Fields(_) => json!({"notifyOnComplete": true}),
        }
    }

    fn call_with(c: &CallDef, keep: impl Fn(&Param) -> bool) -> Value {
        let mut fields = Map::new();
        fields.insert("call".into(), json!(c.call));
        for p in c.params.iter().filter(|p| keep(p)) {
            fields.insert(p.wire.into(), sample(p.kind));
        }
        Value::Object(fields)
    }

    #[test]
    fn every_row_is_a_call_of_the_core_with_exactly_its_fields() {
        for c in CALLS {
            assert!(CALL_NAMES.contains(&c.call), "{}", c.call);
            let all = call_with(&c, |_| true);
            let parsed = Call::from_json(&all.to_string());
            assert!(parsed.is_ok(), "{}: {parsed:?}", c.call);
            let required = call_with(&c, |p| p.required);
            let parsed = Call::from_json(&required.to_string());
            assert!(
                parsed.is_ok(),
                "{} with the required fields only: {parsed:?}",
                c.call
            );
            for p in c.params.iter().filter(|p| p.required) {
                let without = call_with(&c, |q| q.required && q != p);
                assert!(
                    Call::from_json(&without.to_string()).is_err(),
                    "{}: `{}` is required in the table but not in the core",
                    c.call,
                    p.wire
                );
            }
        }
    }

    #[test]
    fn csharp_generates_the_same_calls() {
        // C#'s typed methods come from its own table (blocking + `…Async` pairs with .NET
        // types); the set of calls must be this one. C# adds the two calls whose sugar is
        // hand-written elsewhere (a wait with progress, a file download).
        let csharp: Vec<&str> = crate::csharp::CALLS.iter().map(|c| c.call).collect();
        let shared: Vec<&str> = CALLS.iter().map(|c| c.call).collect();
        for call in &shared {
            assert!(
                csharp.contains(call) || *call == "list_renders",
                "C# lacks {call}"
            );
        }
        for call in &csharp {
            assert!(
                shared.contains(call) || ["wait_for_render", "download_render"].contains(call),
                "C# has {call}, the others do not"
            );
        }
    }

    #[test]
    fn calls_are_listed_once_and_required_parameters_come_first() {
        for (i, c) in CALLS.iter().enumerate() {
            assert!(CALLS[..i].iter().all(|d| d.call != c.call), "{}", c.call);
            let first_optional = c.params.iter().position(|p| !p.required);
            if let Some(at) = first_optional {
                assert!(c.params[at..].iter().all(|p| !p.required), "{}", c.call);
            }
        }
    }
}
