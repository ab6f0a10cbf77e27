//! The core's error table (`renderiq_sdk::error_table`) as each language spells it: one class
//! per error kind with the language's name and parent, its fields, and the hints rendered with
//! the language's own method names (`renderiq_sdk::call::Language::render_hint`).
//!
//! ```
//! use renderiq_codegen::{errors, Target};
//!
//! let rows = errors::classes(Target::CSharp);
//! let rate = rows.iter().find(|c| c.kind == "rate_limited").unwrap();
//! assert_eq!(rate.class_name, "RateLimitException");
//! assert_eq!(rate.fields, ["retryAfter"]);
//! ```

use renderiq_sdk::error_table::{CLASSES, HINTS};

use crate::Target;

/// The value type of an error field beyond the base fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A whole number (credits).
    Int,
    /// Seconds, possibly fractional (`retryAfter`).
    Seconds,
}

/// The type of each field an error class may carry beyond `BASE_FIELDS`, as the core's
/// `Error::to_json` writes it.
pub const FIELD_TYPES: [(&str, FieldType); 3] = [
    ("requiredCredits", FieldType::Int),
    ("availableCredits", FieldType::Int),
    ("retryAfter", FieldType::Seconds),
];

/// The type of an error field; `None` for a field this generator does not know yet.
pub fn field_type(wire: &str) -> Option<FieldType> {
    FIELD_TYPES
        .iter()
        .find(|(w, _)| *w == wire)
        .map(|(_, t)| *t)
}

/// One error class as a language spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    /// The core's kind, `ErrorKind::as_str` (`"rate_limited"`).
    pub kind: &'static str,
    /// The core's stem (`"RateLimit"`).
    pub stem: &'static str,
    /// The language's class name (`"RateLimitError"`).
    pub class_name: String,
    /// The language's base error class, the parent of every class.
    pub parent: &'static str,
    /// Fields beyond the base fields, camelCase as in the core.
    pub fields: Vec<&'static str>,
    /// When it is raised.
    pub doc: &'static str,
}

/// The base error class of a language, the parent of every generated class.
pub fn base_class(target: Target) -> &'static str {
    match target {
        Target::Python => "RenderiqError",
        Target::Ruby | Target::Cpp => "Error",
        Target::CSharp => "RenderiqException",
    }
}

/// The class name of a stem: `Error` or `Exception` appended, except where that would take
/// the name of a platform type a user has in scope (C#'s `System.TimeoutException`).
pub fn class_name(target: Target, stem: &str) -> String {
    match target {
        Target::CSharp if stem == "Timeout" => "RenderiqTimeoutException".to_owned(),
        Target::CSharp => format!("{stem}Exception"),
        Target::Python | Target::Ruby | Target::Cpp => format!("{stem}Error"),
    }
}

/// Every class, in `ErrorKind::ALL` order.
pub fn classes(target: Target) -> Vec<ClassRow> {
    CLASSES
        .iter()
        .map(|c| ClassRow {
            kind: c.kind.as_str(),
            stem: c.stem,
            class_name: class_name(target, c.stem),
            parent: base_class(target),
            fields: c.fields.to_vec(),
            doc: c.doc,
        })
        .collect()
}

/// Every hint id with its text in the language's names, in table order.
pub fn hints(target: Target) -> Vec<(&'static str, String)> {
    HINTS
        .iter()
        .map(|(id, template)| (*id, target.language().render_hint(template)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use renderiq_sdk::error_table::BASE_FIELDS;

    #[test]
    fn every_class_field_has_a_type_and_is_in_the_error_json() {
        let json = renderiq_sdk::Error::cancelled().to_json();
        for c in CLASSES {
            for f in c.fields {
                assert!(
                    field_type(f).is_some(),
                    "{}: add {f} to FIELD_TYPES",
                    c.stem
                );
                assert!(json.get(*f).is_some(), "{f} is not in Error::to_json");
            }
        }
        for f in BASE_FIELDS {
            assert!(field_type(f).is_none(), "{f} is a base field");
        }
    }

    #[test]
    fn class_names_are_unique_per_language_and_keep_the_stem() {
        for target in Target::ALL {
            let rows = classes(target);
            assert_eq!(rows.len(), CLASSES.len());
            let mut names: Vec<_> = rows.iter().map(|r| r.class_name.clone()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), rows.len(), "{target:?}");
            for r in &rows {
                assert!(
                    r.class_name.contains(r.stem),
                    "{target:?}: {}",
                    r.class_name
                );
            }
        }
        assert_eq!(class_name(Target::Python, "Timeout"), "TimeoutError");
        assert_eq!(
            class_name(Target::CSharp, "Timeout"),
            "RenderiqTimeoutException"
        );
    }

    #[test]
    fn hints_are_rendered_in_each_languages_names() {
        let find = |t: Target, id: &str| {
            hints(t)
                .into_iter()
                .find(|(i, _)| *i == id)
                .map(|(_, text)| text)
                .unwrap()
        };
        assert!(find(Target::Python, "auth").contains("sign_in"));
        assert!(find(Target::CSharp, "auth").contains("SignInAsync"));
        assert!(find(Target::Cpp, "auth").contains("signIn"));
        assert!(find(Target::Ruby, "token_store").contains("Renderiq::EncryptedFileStore"));
        for target in Target::ALL {
            for (id, text) in hints(target) {
                assert!(
                    !text.contains("{call:") && !text.contains("{sym:"),
                    "{target:?} {id}: {text}"
                );
            }
        }
    }
}
