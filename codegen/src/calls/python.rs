//! `renderiq/_calls.py`: the [`CALLS`] as methods of a mixin class that `renderiq.Client`
//! derives from. Required parameters are positional, the others keyword-only.

use std::fmt::Write as _;

use renderiq_sdk::call::Language;

use super::{ordered, CallDef, Kind, Param, Returns, CALLS};
use crate::schema::{Api, Ty};
use crate::text::{python_doc, snake};

/// Where the file goes.
pub const PATH: &str = "bindings/python/python/renderiq/_calls.py";

const PRELUDE: &str = r#""""The typed methods of :class:`renderiq.Client` that are one simple call each, generated from
renderiq-codegen's call table (the same methods, parameters and docs in every language). Each
builds the call's JSON and reads the answer into a model; the core checks every value."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from ._generated import (
"#;

const HELPERS: &str = r#"

def _call(call: str, /, **fields: Any) -> Dict[str, Any]:
    """The call's JSON object; a field given as ``None`` is left out (the core's default applies)."""
    return {"call": call, **_fields(**fields)}


def _fields(**fields: Any) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _id(obj: Any) -> Any:
    """An id, or the ``id`` of a model object (a Render, ApiKey, Webhook)."""
    return getattr(obj, "id", obj)


def _texts(value: Any) -> Any:
    """A list of text; one string is a list of one."""
    return [value] if isinstance(value, str) else value if value is None else list(value)


def _time(value: Any) -> Any:
    """A datetime as RFC 3339 (a naive one is taken as UTC); other values are the core's to check."""
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    return value


class Calls:
    """The simple calls of :class:`renderiq.Client`, one typed method each."""

    __slots__ = ()

    def call(self, call: Mapping[str, Any], data: Any = None) -> Any:
        raise NotImplementedError  # renderiq.Client makes the call
"#;

/// The Python type of a parameter of `kind` (before `Optional`).
fn py_type(kind: Kind) -> String {
    match kind {
        Kind::Text => "str".into(),
        Kind::Texts => "Iterable[str]".into(),
        Kind::Int => "int".into(),
        Kind::Time => "Union[datetime, str]".into(),
        Kind::Enum(e) => format!("Union[str, {e}]"),
        Kind::Ref(m) => format!("Union[str, {m}]"),
        Kind::Fields(_) => unreachable!("expanded into its fields"),
    }
}

/// The Python type of a model field given as a keyword.
fn field_type(ty: &Ty) -> String {
    match ty {
        Ty::Str => "str".into(),
        Ty::Int32 | Ty::Int64 => "int".into(),
        Ty::Float => "float".into(),
        Ty::Bool => "bool".into(),
        Ty::Time => "Union[datetime, str]".into(),
        Ty::Enum(e) => format!("Union[str, {e}]"),
        Ty::Model(_) | Ty::List(_) | Ty::Item => "Any".into(),
    }
}

/// The wire value of a parameter.
fn wire_value(p: &Param) -> String {
    match p.kind {
        Kind::Texts => format!("_texts({})", p.name),
        Kind::Time => format!("_time({})", p.name),
        Kind::Ref(_) => format!("_id({})", p.name),
        _ => p.name.to_owned(),
    }
}

fn return_type(r: Returns) -> String {
    match r {
        Returns::Nothing => "None".into(),
        Returns::Bool => "bool".into(),
        Returns::Text => "str".into(),
        Returns::Model(m) => m.into(),
        Returns::List(m) => format!("List[{m}]"),
        Returns::Page(m) => format!("Page[{m}]"),
    }
}

fn method(api: &Api, c: &CallDef) -> String {
    let (positional, named) = ordered(c);
    let mut sig = vec!["self".to_owned()];
    let mut fields = Vec::new();
    let mut doc_extra = String::new();
    for p in &positional {
        sig.push(format!("{}: {}", p.name, py_type(p.kind)));
        fields.push(format!("{}={}", p.wire, wire_value(p)));
    }
    if !named.is_empty() {
        sig.push("*".into());
    }
    for p in &named {
        if let Kind::Fields(model) = p.kind {
            let m = api.model(model).expect("the table names a wire model");
            let mut inner = Vec::new();
            doc_extra.push_str("\n\n        Keywords (``None`` leaves one as it is):");
            for f in &m.fields {
                let name = snake(&f.wire);
                sig.push(format!("{name}: Optional[{}] = None", field_type(&f.ty)));
                inner.push(format!("{}={name}", f.wire));
                let _ = write!(
                    doc_extra,
                    "\n        ``{name}``: {}",
                    python_doc(&f.doc).trim_end()
                );
            }
            fields.push(format!("{}=_fields({})", p.wire, inner.join(", ")));
        } else if p.required {
            sig.push(format!("{}: {}", p.name, py_type(p.kind)));
            fields.push(format!("{}={}", p.wire, wire_value(p)));
        } else {
            sig.push(format!("{}: Optional[{}] = None", p.name, py_type(p.kind)));
            fields.push(format!("{}={}", p.wire, wire_value(p)));
        }
    }
    let mut call_args = vec![format!("\"{}\"", c.call)];
    call_args.extend(fields);
    let call = format!("self.call(_call({}))", call_args.join(", "));
    let ret_ty = return_type(c.returns);
    let body = match c.returns {
        Returns::Nothing => call,
        Returns::Bool => format!("return bool({call})"),
        Returns::Text => format!("return str({call})"),
        Returns::Model(m) => format!("return {m}._from_wire({call})"),
        Returns::List(m) => format!("return [{m}._from_wire(x) for x in {call}]"),
        Returns::Page(m) => format!("return Page._from_wire({call}, {m}._from_wire)"),
    };
    format!(
        "\n    def {}({}) -> {ret_ty}:\n        \"\"\"{}{doc_extra}\"\"\"\n        {body}\n",
        Language::Python.method(c.call),
        sig.join(", "),
        python_doc(c.doc),
    )
}

/// The names the file imports from `_generated`.
fn imports(api: &Api) -> Vec<String> {
    let mut names = vec!["Page".to_owned()];
    for c in CALLS {
        if let Returns::Model(m) | Returns::List(m) | Returns::Page(m) = c.returns {
            names.push(m.to_owned());
        }
        for p in c.params {
            match p.kind {
                Kind::Enum(e) | Kind::Ref(e) => names.push(e.to_owned()),
                Kind::Fields(model) => {
                    for f in &api.model(model).expect("a wire model").fields {
                        if let Ty::Enum(e) = &f.ty {
                            names.push(e.clone());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The whole file.
pub fn render(api: &Api) -> String {
    let mut out = crate::header(
        "#",
        "renderiq-codegen's call table (codegen/src/calls/mod.rs)",
    );
    out.push_str(PRELUDE);
    for name in imports(api) {
        let _ = writeln!(out, "    {name},");
    }
    out.push_str(")\n");
    out.push_str(HELPERS);
    for c in CALLS {
        out.push_str(&method(api, &c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_take_positional_then_keyword_only_parameters() {
        let t = render(&Api::load());
        assert!(t.contains(
            "    def create_api_key(self, name: str, *, scopes: Iterable[str], expires_at: Optional[Union[datetime, str]] = None) -> CreatedApiKey:\n"
        ), "{t}");
        assert!(t.contains(
            "        return CreatedApiKey._from_wire(self.call(_call(\"create_api_key\", name=name, scopes=_texts(scopes), expiresAt=_time(expires_at))))\n"
        ), "{t}");
        assert!(
            t.contains("    def retrieve_render(self, render: Union[str, Render]) -> Render:\n")
        );
        assert!(t.contains("        return bool(self.call(_call(\"is_signed_in\")))\n"));
        assert!(t.contains("        self.call(_call(\"sign_out\"))\n"));
    }

    #[test]
    fn settings_become_keywords_with_their_docs() {
        let t = render(&Api::load());
        assert!(
            t.contains("default_quality: Optional[Union[str, Quality]] = None"),
            "{t}"
        );
        assert!(t.contains("defaultStyle=default_style"), "{t}");
        assert!(t.contains("        ``notify_on_complete``: "), "{t}");
    }
}
