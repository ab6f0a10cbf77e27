//! `bindings/python/python/renderiq/_generated.py`: frozen dataclasses with snake_case
//! attributes, `str` enums, and the error table and hints as data.
//!
//! ```text
//! @dataclass(frozen=True)
//! class Credits:
//!     """Credit balance."""
//!
//!     balance: int
//!     …
//!     @classmethod
//!     def _from_wire(cls, d: Mapping[str, Any]) -> Credits:
//! ```

use std::fmt::Write as _;

use crate::errors::{self, FieldType};
use crate::schema::{Api, DefaultValue, EnumDef, Field, Model, Presence, Ty};
use crate::text::{python_doc, quoted, screaming, snake};
use crate::{header, Target};

/// Where the file goes.
pub const PATH: &str = "bindings/python/python/renderiq/_generated.py";

const PRELUDE: &str = r#""""Models, enums and the error table of the Renderiq API, generated from the Rust core.

Each model is a frozen dataclass with snake_case attributes. ``_from_wire`` builds one from the
wire JSON (a camelCase ``dict``); unknown keys are ignored, so a newer server does not break an
older plugin. ``_to_wire`` writes it back (``None`` values left out). Times are timezone-aware
UTC datetimes, read by :func:`parse_time`. Enums are ``str`` enums: ``Quality.HIGH == "high"``.

The exception classes are the core's error table: :class:`RenderiqError` and one subclass per
error kind (``ERROR_TYPES`` maps each kind to its class), with the same parent in every language;
Python adds the built-in second bases ``TimeoutError`` and ``ValueError``. ``HINTS`` says what to
do next for each hint id, in this package's names.
"""

from __future__ import annotations

import builtins
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Callable, Dict, Generic, Mapping, Optional, Tuple, Type, TypeVar

"#;

const HELPERS: &str = r#"T = TypeVar("T")

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: str) -> datetime:
    """Reads an RFC 3339 time (``2026-01-02T03:04:05.123456789Z``) on every Python from 3.9,
    as a timezone-aware datetime in UTC."""
    if sys.version_info >= (3, 11):
        parsed = datetime.fromisoformat(value)
    else:
        # Older versions read neither "Z" nor more than 6 fraction digits (the core sends 9).
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    """Writes a time as RFC 3339 in UTC (``2026-01-02T03:04:05.123456Z``); a naive datetime is
    taken as local time."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
"#;

/// The whole file.
pub fn render(api: &Api) -> String {
    let mut out = header(
        "#",
        "its wire types (utoipa schemas), error table and naming table",
    );
    out.push_str(PRELUDE);
    out.push_str("__all__ = [\n");
    let mut names: Vec<String> = api
        .enums
        .iter()
        .map(|e| e.name.clone())
        .chain(api.models.iter().map(|m| m.name.clone()))
        .chain(
            [
                "BASE_FIELDS",
                "ERROR_TYPES",
                "HINTS",
                "RenderiqError",
                "format_time",
                "parse_time",
            ]
            .map(str::to_owned),
        )
        .collect();
    names.sort();
    for n in names {
        let _ = writeln!(out, "    {},", quoted(&n));
    }
    out.push_str("]\n\n");
    out.push_str(HELPERS);
    for e in &api.enums {
        out.push_str("\n\n");
        out.push_str(&enum_class(e));
    }
    for m in &api.models {
        out.push_str("\n\n");
        out.push_str(&model_class(m));
    }
    out.push_str("\n\n");
    out.push_str(&error_table());
    out
}

fn enum_class(e: &EnumDef) -> String {
    let mut s = format!(
        "class {}(str, Enum):\n    \"\"\"{}\"\"\"\n\n",
        e.name,
        python_doc(&e.doc)
    );
    for v in &e.values {
        let _ = writeln!(s, "    {} = {}", member(v), quoted(v));
    }
    s.push_str("\n    def __str__(self) -> str:\n        return str(self.value)\n");
    if let Some(fallback) = &e.fallback {
        let _ = write!(
            s,
            "\n    @classmethod\n    def _missing_(cls, value: object) -> {name}:\n        \
             \"\"\"An unknown spelling reads as ``{fallback}``, as the core reads it.\"\"\"\n        \
             return cls.{member}\n",
            name = e.name,
            member = member(fallback),
        );
    }
    s
}

fn member(wire: &str) -> String {
    screaming(&wire.replace(['-', '.', ':'], "_"))
}

fn py_type(ty: &Ty) -> String {
    match ty {
        Ty::Str => "str".into(),
        Ty::Int32 | Ty::Int64 => "int".into(),
        Ty::Float => "float".into(),
        Ty::Bool => "bool".into(),
        Ty::Time => "datetime".into(),
        Ty::Enum(n) | Ty::Model(n) => n.clone(),
        Ty::List(inner) => format!("Tuple[{}, ...]", py_type(inner)),
        Ty::Item => "T".into(),
    }
}

fn default_literal(v: &DefaultValue, ty: &Ty) -> String {
    match (v, ty) {
        (DefaultValue::Int(i), _) => i.to_string(),
        (DefaultValue::Bool(b), _) => if *b { "True" } else { "False" }.into(),
        (DefaultValue::Str(s), _) => quoted(s),
        (DefaultValue::Enum(w), Ty::Enum(n)) => format!("{n}.{}", member(w)),
        (DefaultValue::Enum(w), _) => quoted(w),
        (DefaultValue::EmptyList, _) => "()".into(),
    }
}

/// Reads `expr` (a wire value) as `ty`.
fn read(ty: &Ty, expr: &str) -> String {
    match ty {
        Ty::Str | Ty::Int32 | Ty::Int64 | Ty::Bool => expr.to_owned(),
        Ty::Float => format!("float({expr})"),
        Ty::Time => format!("parse_time({expr})"),
        Ty::Enum(n) => format!("{n}({expr})"),
        Ty::Model(n) => format!("{n}._from_wire({expr})"),
        Ty::List(inner) => match read(inner, "x").as_str() {
            "x" => format!("tuple({expr})"),
            item => format!("tuple({item} for x in {expr})"),
        },
        Ty::Item => format!("item({expr})"),
    }
}

/// Writes `expr` (an attribute) as a wire value.
fn write(ty: &Ty, expr: &str) -> String {
    match ty {
        Ty::Str | Ty::Int32 | Ty::Int64 | Ty::Bool | Ty::Float => expr.to_owned(),
        Ty::Time => format!("format_time({expr})"),
        Ty::Enum(_) => format!("{expr}.value"),
        Ty::Model(_) => format!("{expr}._to_wire()"),
        Ty::List(inner) => match write(inner, "x").as_str() {
            "x" => format!("list({expr})"),
            item => format!("[{item} for x in {expr}]"),
        },
        Ty::Item => format!("item({expr})"),
    }
}

fn attribute(f: &Field) -> String {
    let name = snake(&f.wire);
    let ty = py_type(&f.ty);
    let (annotation, default) = match &f.presence {
        Presence::Required => (ty, None),
        Presence::Optional => (format!("Optional[{ty}]"), Some("None".to_owned())),
        Presence::Defaulted(v) => (ty, Some(default_literal(v, &f.ty))),
    };
    let value = match (f.secret, default) {
        (false, None) => String::new(),
        (false, Some(d)) => format!(" = {d}"),
        (true, None) => " = field(repr=False)".to_owned(),
        (true, Some(d)) => format!(" = field(repr=False, default={d})"),
    };
    format!(
        "    {name}: {annotation}{value}\n    \"\"\"{}\"\"\"\n",
        python_doc(&f.doc)
    )
}

fn model_class(m: &Model) -> String {
    let (base, ret, item_param, item_write) = if m.generic {
        (
            "Generic[T]",
            format!("{}[T]", m.name),
            ", item: Callable[[Any], T]",
            ", item: Callable[[T], Any]",
        )
    } else {
        ("", m.name.clone(), "", "")
    };
    let mut s = String::from("@dataclass(frozen=True)\n");
    if base.is_empty() {
        let _ = writeln!(s, "class {}:", m.name);
    } else {
        let _ = writeln!(s, "class {}({base}):", m.name);
    }
    let _ = writeln!(s, "    \"\"\"{}\"\"\"\n", python_doc(&m.doc));
    for f in &m.fields {
        s.push_str(&attribute(f));
    }
    let item_doc = if m.generic {
        " ``item`` reads one item."
    } else {
        ""
    };
    let _ = write!(
        s,
        "\n    @classmethod\n    def _from_wire(cls, d: Mapping[str, Any]{item_param}) -> {ret}:\n        \
         \"\"\"Builds it from the wire JSON (camelCase keys).{item_doc}\"\"\"\n        return cls(\n"
    );
    for f in &m.fields {
        let key = quoted(&f.wire);
        let value = match &f.presence {
            Presence::Required => read(&f.ty, &format!("d[{key}]")),
            Presence::Optional => match read(&f.ty, &format!("d[{key}]")) {
                plain if plain == format!("d[{key}]") => format!("d.get({key})"),
                converted => format!("None if d.get({key}) is None else {converted}"),
            },
            Presence::Defaulted(v) => format!(
                "{} if d.get({key}) is not None else {}",
                read(&f.ty, &format!("d[{key}]")),
                default_literal(v, &f.ty)
            ),
        };
        let _ = writeln!(s, "            {}={value},", snake(&f.wire));
    }
    s.push_str("        )\n");
    let item_doc = if m.generic {
        " ``item`` writes one item."
    } else {
        ""
    };
    let _ = write!(
        s,
        "\n    def _to_wire(self{item_write}) -> Dict[str, Any]:\n        \
         \"\"\"The wire JSON (camelCase keys; ``None`` values left out).{item_doc}\"\"\"\n        \
         out: Dict[str, Any] = {{}}\n"
    );
    for f in &m.fields {
        let attr = format!("self.{}", snake(&f.wire));
        let key = quoted(&f.wire);
        match f.presence {
            Presence::Optional => {
                let _ = write!(
                    s,
                    "        if {attr} is not None:\n            out[{key}] = {}\n",
                    write(&f.ty, &attr)
                );
            }
            _ => {
                let _ = writeln!(s, "        out[{key}] = {}", write(&f.ty, &attr));
            }
        }
    }
    s.push_str("        return out\n");
    s
}

/// Python's second base of an error class, beyond the table's parent: a refused value is also
/// a `ValueError`, a timeout also the built-in `TimeoutError`.
fn builtin_base(kind: &str) -> Option<&'static str> {
    match kind {
        "invalid_input" => Some("ValueError"),
        "timeout" => Some("builtins.TimeoutError"),
        _ => None,
    }
}

fn error_table() -> String {
    let mut s = String::from("BASE_FIELDS: Tuple[str, ...] = (\n");
    for f in renderiq_sdk::error_table::BASE_FIELDS {
        let _ = writeln!(s, "    {},", quoted(&snake(f)));
    }
    s.push_str(")\n\"\"\"The attributes every error has.\"\"\"\n\n\n");
    let base = errors::base_class(Target::Python);
    let _ = writeln!(
        s,
        "class {base}(Exception):\n    \"\"\"Base class of every error the Renderiq SDK raises: ``str(e)`` is the message with\n    what to do next and the request id; the attributes carry the error's fields (``None``\n    where it has none; ``details`` is the API's field-error map).\"\"\"\n"
    );
    for f in renderiq_sdk::error_table::BASE_FIELDS {
        let ty = match f {
            "status" => "Optional[int]",
            "details" => "Any",
            _ => "Optional[str]",
        };
        let _ = writeln!(s, "    {}: {ty} = None", snake(f));
    }
    for (wire, ty) in errors::FIELD_TYPES {
        let ty = match ty {
            FieldType::Int => "Optional[int]",
            FieldType::Seconds => "Optional[float]",
        };
        let _ = writeln!(s, "    {}: {ty} = None", snake(wire));
    }
    let classes = errors::classes(Target::Python);
    for c in &classes {
        let bases = match builtin_base(c.kind) {
            Some(extra) => format!("{}, {extra}", c.parent),
            None => c.parent.to_owned(),
        };
        let _ = write!(
            s,
            "\n\nclass {}({bases}):\n    {}\n",
            c.class_name,
            quoted_doc(c.doc)
        );
    }
    s.push_str("\n\nERROR_TYPES: Dict[str, Type[RenderiqError]] = {\n");
    for c in &classes {
        let _ = writeln!(s, "    {}: {},", quoted(c.kind), c.class_name);
    }
    s.push_str(
        "}\n\"\"\"The exception class of each error kind (``ErrorKind`` wire names).\"\"\"\n\n\
         for _class in (RenderiqError, *ERROR_TYPES.values()):\n    \
         _class.__module__ = \"renderiq\"\n\n",
    );
    s.push_str("HINTS: Dict[str, str] = {\n");
    for (id, text) in errors::hints(Target::Python) {
        let _ = writeln!(s, "    {}: {},", quoted(id), quoted(&text));
    }
    s.push_str("}\n\"\"\"What to do next, by hint id (an error's ``hint_id``), in this package's names.\"\"\"\n");
    s
}

/// A one-line docstring.
fn quoted_doc(doc: &str) -> String {
    format!("\"\"\"{}\"\"\"", python_doc(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        render(&Api::load())
    }

    #[test]
    fn credits_renders_the_expected_lines() {
        let t = text();
        let expected = "@dataclass(frozen=True)\n\
            class Credits:\n    \"\"\"Credit balance.\"\"\"\n\n    \
            balance: int\n    \"\"\"Credits available now.\"\"\"\n    \
            total_earned: int\n";
        assert!(t.contains(expected), "{t}");
        assert!(t.contains("            total_earned=d[\"totalEarned\"],\n"));
        assert!(t.contains("        out[\"totalSpent\"] = self.total_spent\n"));
    }

    #[test]
    fn times_enums_and_defaults_are_converted() {
        let t = text();
        assert!(t.contains("            created_at=parse_time(d[\"createdAt\"]),\n"));
        assert!(t.contains(
            "            completed_at=None if d.get(\"completedAt\") is None else parse_time(d[\"completedAt\"]),\n"
        ));
        assert!(t.contains("    platform: Platform = Platform.OTHER\n"));
        assert!(t.contains(
            "            platform=Platform(d[\"platform\"]) if d.get(\"platform\") is not None else Platform.OTHER,\n"
        ));
        assert!(t.contains("            status=RenderStatus(d[\"status\"]),\n"));
        assert!(t.contains("    def _missing_(cls, value: object) -> Platform:\n"));
        assert!(t.contains("            scopes=tuple(d[\"scopes\"]),\n"));
        assert!(t.contains("            items=tuple(item(x) for x in d[\"items\"]),\n"));
    }

    #[test]
    fn secrets_stay_out_of_repr() {
        let t = text();
        assert!(t.contains("    key: str = field(repr=False)\n"), "{t}");
        assert!(t.contains("    secret: str = field(repr=False)\n"));
    }

    #[test]
    fn the_error_table_is_classes() {
        let t = text();
        assert!(
            t.contains("\nclass RateLimitError(RenderiqError):\n    \"\"\"Too many requests"),
            "{t}"
        );
        assert!(
            t.contains("\nclass ValidationError(RenderiqError, ValueError):\n"),
            "{t}"
        );
        assert!(
            t.contains("    retry_after: Optional[float] = None\n"),
            "{t}"
        );
        assert!(t.contains("    \"rate_limited\": RateLimitError,\n"), "{t}");
        assert!(t.contains("    \"auth.invalid_credentials\": \"check the e-mail and password given to sign_in\",\n"));
    }
}
