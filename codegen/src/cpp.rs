//! The generated files of the C ABI and its C++ wrapper (`bindings/ffi`):
//!
//! - `include/renderiq_models.hpp`: C++17 structs of the wire models (`std::optional` for what
//!   may be absent), the enums with their wire spellings, the error-class table and the hints in
//!   C++'s names. Header-only and dependency-free; times stay RFC 3339 strings.
//! - `include/renderiq_errors.hpp`: one exception class per error kind and the dispatch from a
//!   status code to its class.
//! - `src/error_kinds.rs`: the C status code and snake_case name of each error kind.
//!
//! ```text
//! struct Credits {
//!     std::int64_t balance = 0;  ///< Credits available now.
//! ```

use std::fmt::Write as _;

use renderiq_sdk::error_table::BASE_FIELDS;

use crate::errors;
use crate::schema::{Api, DefaultValue, EnumDef, Field, Model, Presence, Ty};
use crate::text::{pascal, quoted};
use crate::{header, Target};

/// Where the models header goes.
pub const PATH: &str = "bindings/ffi/include/renderiq_models.hpp";
/// Where the error classes go.
pub const ERRORS_PATH: &str = "bindings/ffi/include/renderiq_errors.hpp";
/// Where the status codes of the error kinds go.
pub const STATUS_CODES_PATH: &str = "bindings/ffi/src/error_kinds.rs";

const PRELUDE: &str = r#"#pragma once

// The Renderiq API's models, enums and error table for C++17, generated from the Rust core.
// The structs mirror the wire JSON that renderiq.hpp's calls return (camelCase members, times
// as RFC 3339 strings, std::optional for what may be absent or null); this header parses no
// JSON itself. The error table maps an error's "kind" to its class in renderiq.hpp, and
// hintFor() gives what to do next for an error's "hintId", in this wrapper's names.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace renderiq::models {
"#;

/// The whole header.
pub fn render(api: &Api) -> String {
    let mut s = header(
        "//",
        "its wire types (utoipa schemas), error table and naming table",
    );
    s.push_str(PRELUDE);
    for e in &api.enums {
        s.push('\n');
        s.push_str(&enum_decl(e));
    }
    for m in &api.models {
        s.push('\n');
        s.push_str(&model_struct(m));
    }
    s.push('\n');
    s.push_str(&error_table());
    s.push_str("\n}  // namespace renderiq::models\n");
    s
}

fn member(wire: &str) -> String {
    pascal(&wire.replace(['-', '.', ':'], "_"))
}

fn enum_decl(e: &EnumDef) -> String {
    let mut s = format!("/// {}\nenum class {} {{\n", e.doc, e.name);
    for v in &e.values {
        let _ = writeln!(s, "    {},  ///< `{v}`", member(v));
    }
    s.push_str("};\n\n");
    let _ = write!(
        s,
        "/// The wire spelling of a {0}.\nconstexpr std::string_view toWire({0} value) noexcept {{\n    switch (value) {{\n",
        e.name
    );
    for v in &e.values {
        let _ = writeln!(
            s,
            "        case {}::{}: return {};",
            e.name,
            member(v),
            quoted(v)
        );
    }
    s.push_str("    }\n    return {};\n}\n\n");
    let unknown = match &e.fallback {
        Some(f) => format!(
            "an unknown one reads as {}::{}, as the core reads it",
            e.name,
            member(f)
        ),
        None => "std::nullopt for one this SDK version does not know".to_owned(),
    };
    let _ = write!(
        s,
        "/// Reads a {0} from its wire spelling; {unknown}.\nconstexpr std::optional<{0}> parse{0}(std::string_view wire) noexcept {{\n",
        e.name
    );
    for v in &e.values {
        let _ = writeln!(
            s,
            "    if (wire == {}) return {}::{};",
            quoted(v),
            e.name,
            member(v)
        );
    }
    match &e.fallback {
        Some(f) => {
            let _ = writeln!(s, "    return {}::{};", e.name, member(f));
        }
        None => s.push_str("    return std::nullopt;\n"),
    }
    s.push_str("}\n");
    s
}

fn cpp_type(ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Time => "std::string".into(),
        Ty::Int32 => "std::int32_t".into(),
        Ty::Int64 => "std::int64_t".into(),
        Ty::Float => "double".into(),
        Ty::Bool => "bool".into(),
        Ty::Enum(n) | Ty::Model(n) => n.clone(),
        Ty::List(inner) => format!("std::vector<{}>", cpp_type(inner)),
        Ty::Item => "T".into(),
    }
}

fn member_decl(f: &Field) -> String {
    let ty = cpp_type(&f.ty);
    let (ty, init) = match &f.presence {
        Presence::Optional => (format!("std::optional<{ty}>"), String::new()),
        Presence::Defaulted(v) => (
            ty,
            match (v, &f.ty) {
                (DefaultValue::Int(i), _) => format!(" = {i}"),
                (DefaultValue::Bool(b), _) => format!(" = {b}"),
                (DefaultValue::Str(s), _) if s.is_empty() => String::new(),
                (DefaultValue::Str(s), _) => format!(" = {}", quoted(s)),
                (DefaultValue::Enum(w), Ty::Enum(n)) => format!(" = {n}::{}", member(w)),
                (DefaultValue::Enum(w), _) => format!(" = {}", quoted(w)),
                (DefaultValue::EmptyList, _) => String::new(),
            },
        ),
        Presence::Required => (
            ty,
            match &f.ty {
                Ty::Int32 | Ty::Int64 | Ty::Float => " = 0".to_owned(),
                Ty::Bool => " = false".to_owned(),
                Ty::Enum(_) => "{}".to_owned(),
                _ => String::new(),
            },
        ),
    };
    let time = if f.ty == Ty::Time { " (RFC 3339)" } else { "" };
    format!("    {ty} {}{init};  ///< {}{time}\n", f.wire, f.doc)
}

fn model_struct(m: &Model) -> String {
    let mut s = format!("/// {}\n", m.doc);
    if m.generic {
        s.push_str("template <class T>\n");
    }
    let _ = writeln!(s, "struct {} {{", m.name);
    for f in &m.fields {
        s.push_str(&member_decl(f));
    }
    s.push_str("};\n");
    s
}

fn error_table() -> String {
    let classes = errors::classes(Target::Cpp);
    let max_fields = classes
        .iter()
        .map(|c| c.fields.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = format!(
        "/// The fields every error has (camelCase, as the error JSON names them).\n\
         inline constexpr std::array<std::string_view, {}> kBaseErrorFields{{{{\n",
        BASE_FIELDS.len()
    );
    for f in BASE_FIELDS {
        let _ = writeln!(s, "    {},", quoted(f));
    }
    let _ = write!(
        s,
        "}}}};\n\n\
         /// One error class: the error JSON's \"kind\", the class in renderiq.hpp and its fields.\n\
         struct ErrorClassInfo {{\n    \
         std::string_view kind;       ///< \"rate_limited\"\n    \
         std::string_view stem;       ///< \"RateLimit\", the same in every language\n    \
         std::string_view className;  ///< \"RateLimitError\", renderiq::RateLimitError\n    \
         std::string_view parent;     ///< \"Error\", renderiq::Error, for every class\n    \
         std::array<std::string_view, {max_fields}> fields;  ///< beyond kBaseErrorFields; unused entries are empty\n    \
         std::string_view doc;        ///< when it is thrown\n}};\n\n\
         /// Every class, in the order of the error kinds.\n\
         inline constexpr std::array<ErrorClassInfo, {}> kErrorClasses{{{{\n",
        classes.len()
    );
    for c in &classes {
        let fields: Vec<String> = c.fields.iter().map(|f| quoted(f)).collect();
        let _ = writeln!(
            s,
            "    {{{}, {}, {}, {}, {{{}}}, {}}},",
            quoted(c.kind),
            quoted(c.stem),
            quoted(&c.class_name),
            quoted(c.parent),
            fields.join(", "),
            quoted(c.doc)
        );
    }
    s.push_str(
        "}};\n\n\
         /// The class of an error kind, or nullptr for a kind this table does not have.\n\
         constexpr const ErrorClassInfo* errorClassOf(std::string_view kind) noexcept {\n    \
         for (const auto& c : kErrorClasses) {\n        \
         if (c.kind == kind) return &c;\n    \
         }\n    \
         return nullptr;\n}\n\n",
    );
    let hints = errors::hints(Target::Cpp);
    let _ = write!(
        s,
        "/// What to do next, by hint id, in this wrapper's names.\n\
         inline constexpr std::array<std::pair<std::string_view, std::string_view>, {}> kHints{{{{\n",
        hints.len()
    );
    for (id, text) in &hints {
        let _ = writeln!(s, "    {{{}, {}}},", quoted(id), quoted(text));
    }
    s.push_str(
        "}};\n\n\
         /// The hint for an error's \"hintId\", or an empty view for an unknown id.\n\
         constexpr std::string_view hintFor(std::string_view hintId) noexcept {\n    \
         for (const auto& [id, text] : kHints) {\n        \
         if (id == hintId) return text;\n    \
         }\n    \
         return {};\n}\n",
    );
    s
}

/// The C constant of an error kind's status code: `RENDERIQ_ERROR_RATE_LIMITED`.
fn status_constant(kind: &str) -> String {
    format!("RENDERIQ_ERROR_{}", kind.to_ascii_uppercase())
}

/// `renderiq_errors.hpp`: the exception class of each error kind (the core's error table, in
/// `ErrorKind::ALL` order) and `detail::throwKind`, which throws an `Error` as its kind's class.
pub fn render_errors() -> String {
    let mut s = header("//", "its error table (renderiq_sdk::error_table)");
    s.push_str(
        "#pragma once\n\n\
         // The exception class of each error kind, derived from renderiq::Error, and the dispatch\n\
         // from a status code to its class. renderiq.hpp includes this file after defining\n\
         // renderiq::Error: include renderiq.hpp, not this file.\n\n\
         namespace renderiq {\n",
    );
    let classes = errors::classes(Target::Cpp);
    for c in &classes {
        let fields = if c.fields.is_empty() {
            String::new()
        } else {
            let getters: Vec<String> = c.fields.iter().map(|f| format!("{f}()")).collect();
            format!(" See {}.", getters.join(" and "))
        };
        let _ = write!(
            s,
            "\n/// {}{fields}\nclass {1} : public {2} {{\npublic:\n    explicit {1}({2} e) : {2}(std::move(e)) {{}}\n}};\n",
            c.doc, c.class_name, c.parent
        );
    }
    s.push_str(
        "\nnamespace detail {\n\n\
         /// Throws `e` as the class of status `code` when it is an error kind's code\n\
         /// (RENDERIQ_ERROR_AUTH ... RENDERIQ_ERROR_DECODE); returns for any other code.\n\
         inline void throwKind(int32_t code, Error e) {\n    switch (code) {\n",
    );
    for c in &classes {
        let _ = writeln!(
            s,
            "        case {}: throw {}(std::move(e));",
            status_constant(c.kind),
            c.class_name
        );
    }
    s.push_str(
        "        default: return;\n    }\n}\n\n}  // namespace detail\n}  // namespace renderiq\n",
    );
    s
}

/// `src/error_kinds.rs` of the C ABI: the status code of each error kind, its position in
/// `ErrorKind::ALL` plus one, documented from the core's error table, and its snake_case name.
pub fn render_status_codes() -> String {
    let mut s = header("//", "its error table (renderiq_sdk::error_table)");
    s.push_str(
        "//! The status codes of the SDK's error kinds: one per `renderiq_sdk::ErrorKind`, numbered\n\
         //! by its position in `ErrorKind::ALL` plus one, and the kind's snake_case name.\n\n\
         use std::ffi::CStr;\n",
    );
    let classes = errors::classes(Target::Cpp);
    for (i, c) in classes.iter().enumerate() {
        let fields = if c.fields.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = c.fields.iter().map(|f| format!("`{f}`")).collect();
            format!(" Its JSON carries {}.", quoted.join(" and "))
        };
        let _ = write!(
            s,
            "\n/// {}{fields} C++: `renderiq::{}`.\npub const {}: i32 = {};\n",
            c.doc,
            c.class_name,
            status_constant(c.kind),
            i + 1
        );
    }
    s.push_str(
        "\n/// The snake_case name of an error kind's status code (`ErrorKind::as_str`), or `None` for\n\
         /// another code.\n\
         pub(crate) fn kind_name(code: i32) -> Option<&'static CStr> {\n    Some(match code {\n",
    );
    for c in &classes {
        let _ = writeln!(
            s,
            "        {} => c{},",
            status_constant(c.kind),
            quoted(c.kind)
        );
    }
    s.push_str("        _ => return None,\n    })\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_renders_the_expected_lines() {
        let t = render(&Api::load());
        let expected = "/// Credit balance.\nstruct Credits {\n    \
            std::int64_t balance = 0;  ///< Credits available now.\n";
        assert!(t.contains(expected), "{t}");
    }

    #[test]
    fn optional_defaulted_and_generic_members() {
        let t = render(&Api::load());
        assert!(t.contains("    std::optional<std::string> completedAt;  ///< When it reached a terminal state. (RFC 3339)\n"), "{t}");
        assert!(t.contains("    Platform platform = Platform::Other;"));
        assert!(t.contains("template <class T>\nstruct Page {\n    std::vector<T> items;"));
        assert!(t.contains("    std::optional<Render> render;"));
    }

    #[test]
    fn the_error_table_maps_kinds_to_classes() {
        let t = render(&Api::load());
        assert!(t.contains(
            "    {\"insufficient_credits\", \"InsufficientCredits\", \"InsufficientCreditsError\", \"Error\", {\"requiredCredits\", \"availableCredits\"}, "
        ), "{t}");
        assert!(t.contains("    {\"auth\", \"sign in again with signIn, or check the API key given to useApiKey\"},\n"));
    }

    #[test]
    fn every_kind_has_a_class_and_a_status_code_in_error_kind_order() {
        let classes = render_errors();
        let codes = render_status_codes();
        for (i, kind) in renderiq_sdk::ErrorKind::ALL.iter().enumerate() {
            let class = errors::class_name(Target::Cpp, errors::classes(Target::Cpp)[i].stem);
            let constant = status_constant(kind.as_str());
            assert!(classes.contains(&format!("class {class} : public Error {{")));
            assert!(classes.contains(&format!("case {constant}: throw {class}(std::move(e));")));
            assert!(codes.contains(&format!("pub const {constant}: i32 = {};", i + 1)));
            assert!(codes.contains(&format!("{constant} => c\"{}\",", kind.as_str())));
        }
        assert!(
            codes.contains("`requiredCredits` and `availableCredits`"),
            "{codes}"
        );
    }
}
