//! `wire_enum!`: the one place a string enum's wire spellings are written.
//!
//! Each variant is declared with its spelling, `Variant = "spelling"`, and the macro derives the
//! rest from that one list, so the spellings cannot disagree:
//!
//! - the enum, with `Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`, and serde
//!   `Serialize`/`Deserialize` renaming each variant to its spelling (plus utoipa's `ToSchema`
//!   with the `openapi` feature);
//! - `ALL`, every value in declaration order, and `as_str()`, the spelling;
//! - `Display`, which writes the spelling;
//! - `FromStr`, which reads it (ASCII case and surrounding spaces ignored) and otherwise fails
//!   with a message naming the allowed spellings: `unknown quality "best": use one of standard,
//!   high, ultra`.
//!
//! Attributes before the enum (docs, `#[derive(Default)]`) and before a variant (docs,
//! `#[default]`, `#[serde(other)]` for the value an unknown spelling reads as) are kept.
//!
//! The spellings are taken as `tt`, not `literal`: a `literal` fragment reaches other derive
//! macros wrapped in an invisible group, and utoipa then misses the serde rename and would
//! publish the Rust variant names in the OpenAPI schema (a test checks it does not).
//!
//! ```text
//! wire_enum! {
//!     /// Render quality.
//!     #[derive(Default)]
//!     pub enum Quality("quality") {
//!         /// Fast preview.
//!         Standard = "standard",
//!         #[default]
//!         High = "high",
//!     }
//! }
//! ```

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident($what:tt) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:tt,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                let wanted = s.trim();
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| {
                        format!(
                            "unknown {} {s:?}: use one of {}",
                            $what,
                            [$($wire),+].join(", ")
                        )
                    })
            }
        }
    };
}

#[cfg(test)]
#[cfg(feature = "openapi")]
mod tests {
    use utoipa::PartialSchema;

    use crate::types::{ErrorCode, Platform, Quality, RenderStatus, TransactionType, WaitUntil};

    fn schema_values<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()["enum"].clone()
    }

    #[test]
    fn openapi_schemas_list_the_wire_spellings() {
        let spellings = |all: &[&str]| serde_json::json!(all);
        assert_eq!(
            schema_values::<Platform>(),
            spellings(&Platform::ALL.map(Platform::as_str))
        );
        assert_eq!(
            schema_values::<Quality>(),
            spellings(&Quality::ALL.map(Quality::as_str))
        );
        assert_eq!(
            schema_values::<RenderStatus>(),
            spellings(&RenderStatus::ALL.map(RenderStatus::as_str))
        );
        assert_eq!(
            schema_values::<WaitUntil>(),
            spellings(&WaitUntil::ALL.map(WaitUntil::as_str))
        );
        assert_eq!(
            schema_values::<TransactionType>(),
            spellings(&TransactionType::ALL.map(TransactionType::as_str))
        );
        assert_eq!(
            schema_values::<ErrorCode>(),
            spellings(&ErrorCode::ALL.map(ErrorCode::as_str))
        );
    }
}
