//! `lib/renderiq/calls.rb` and `sig/calls.rbs`: the [`CALLS`] as methods of a module that
//! `Renderiq::Client` includes. Required parameters are positional (keywords when the table
//! names them), the others keywords defaulting to nil.

use std::fmt::Write as _;

use renderiq_sdk::call::Language;

use super::{ordered, CallDef, Kind, Param, Returns, CALLS};
use crate::ruby::type_name;
use crate::schema::{Api, Ty};
use crate::text::snake;

/// Where the methods go.
pub const PATH: &str = "bindings/ruby/lib/renderiq/calls.rb";
/// Where their RBS signatures go.
pub const RBS_PATH: &str = "bindings/ruby/sig/calls.rbs";

const PRELUDE: &str = r#"# frozen_string_literal: true

module Renderiq
  module Generated
    # The typed methods of {Renderiq::Client} that are one simple call each, from
    # renderiq-codegen's call table (the same methods, parameters and docs in every language).
    # Each builds the call and reads the answer into a model; the core checks every value.
    module Calls
"#;

const HELPERS: &str = r#"
      private

      # An id, or the +id+ of a model (a Render, ApiKey, WebhookEndpoint).
      def id_of(value)
        value.respond_to?(:id) ? value.id : value
      end

      # A Time as RFC 3339; anything else is the core's to check.
      def wire_time(value)
        value.is_a?(Time) ? Generated.format_time(value) : value
      end

      # A list of text (one String is a list of one); nil stays nil.
      def texts(value)
        value.is_a?(String) ? [value] : value
      end
    end
  end
end
"#;

/// Documentation text for a Ruby comment: `code` becomes +code+.
fn ruby_doc(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 && !part.contains(' ') {
            let _ = write!(out, "+{part}+");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn yard_type(kind: Kind) -> String {
    match kind {
        Kind::Text => "String".into(),
        Kind::Texts => "Array<String>".into(),
        Kind::Int => "Integer".into(),
        Kind::Time => "Time, String".into(),
        Kind::Enum(_) => "Symbol, String".into(),
        Kind::Ref(m) => format!("String, {}", type_name(m)),
        Kind::Fields(_) => unreachable!("expanded into its fields"),
    }
}

fn rbs_type(kind: Kind) -> String {
    match kind {
        Kind::Text => "String".into(),
        Kind::Texts => "Array[String] | String".into(),
        Kind::Int => "Integer".into(),
        Kind::Time => "Time | String".into(),
        Kind::Enum(_) => "Symbol | String".into(),
        Kind::Ref(m) => format!("String | Generated::{}", type_name(m)),
        Kind::Fields(_) => unreachable!("expanded into its fields"),
    }
}

fn field_rbs(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str => "String",
        Ty::Int32 | Ty::Int64 => "Integer",
        Ty::Float => "Float",
        Ty::Bool => "bool",
        Ty::Time => "Time | String",
        Ty::Enum(_) => "Symbol | String",
        Ty::Model(_) | Ty::List(_) | Ty::Item => "untyped",
    }
}

fn wire_value(p: &Param) -> String {
    match p.kind {
        Kind::Texts => format!("texts({})", p.name),
        Kind::Time => format!("wire_time({})", p.name),
        Kind::Ref(_) => format!("id_of({})", p.name),
        _ => p.name.to_owned(),
    }
}

fn return_doc(r: Returns) -> String {
    match r {
        Returns::Nothing => "[nil]".into(),
        Returns::Bool => "[Boolean]".into(),
        Returns::Text => "[String]".into(),
        Returns::Model(m) => format!("[{}]", type_name(m)),
        Returns::List(m) => format!("[Array<{}>]", type_name(m)),
        Returns::Page(m) => format!("[Page<{}>]", type_name(m)),
    }
}

fn return_rbs(r: Returns) -> String {
    match r {
        Returns::Nothing => "nil".into(),
        Returns::Bool => "bool".into(),
        Returns::Text => "String".into(),
        Returns::Model(m) => format!("Generated::{}", type_name(m)),
        Returns::List(m) => format!("Array[Generated::{}]", type_name(m)),
        Returns::Page(m) => format!("Generated::Page[Generated::{}]", type_name(m)),
    }
}

/// One method: its Ruby text and its RBS line.
fn method(api: &Api, c: &CallDef) -> (String, String) {
    let (positional, named) = ordered(c);
    let mut params = Vec::new();
    let mut rbs = Vec::new();
    let mut fields = vec![format!("call: :{}", c.call)];
    let mut docs = String::new();
    for p in &positional {
        params.push(p.name.to_owned());
        rbs.push(format!("{} {}", rbs_type(p.kind), p.name));
        fields.push(format!("{}: {}", p.wire, wire_value(p)));
        let _ = writeln!(docs, "      # @param {} [{}]", p.name, yard_type(p.kind));
    }
    for p in &named {
        if let Kind::Fields(model) = p.kind {
            let m = api.model(model).expect("the table names a wire model");
            let mut inner = Vec::new();
            for f in &m.fields {
                let name = snake(&f.wire);
                params.push(format!("{name}: nil"));
                rbs.push(format!("?{name}: {}?", field_rbs(&f.ty)));
                inner.push(format!("{}: {name}", f.wire));
                let _ = writeln!(docs, "      # @param {name} {}", ruby_doc(&f.doc));
            }
            fields.push(format!("{}: {{ {} }}.compact", p.wire, inner.join(", ")));
            continue;
        }
        if p.required {
            params.push(format!("{}:", p.name));
            rbs.push(format!("{}: {}", p.name, rbs_type(p.kind)));
        } else {
            params.push(format!("{}: nil", p.name));
            rbs.push(format!("?{}: ({})?", p.name, rbs_type(p.kind)));
        }
        fields.push(format!("{}: {}", p.wire, wire_value(p)));
        let _ = writeln!(docs, "      # @param {} [{}]", p.name, yard_type(p.kind));
    }
    let name = Language::Ruby.method(c.call);
    let call = format!("call({})", fields.join(", "));
    let body = match c.returns {
        Returns::Nothing => format!("{call}\n        nil"),
        Returns::Bool => format!("{call} ? true : false"),
        Returns::Text => call.clone(),
        Returns::Model(m) => format!("{}.from_wire({call})", type_name(m)),
        Returns::List(m) => format!("{call}.map {{ |x| {}.from_wire(x) }}", type_name(m)),
        Returns::Page(m) => format!(
            "Page.from_wire({call}) {{ |x| {}.from_wire(x) }}",
            type_name(m)
        ),
    };
    let signature = if params.is_empty() {
        String::new()
    } else {
        format!("({})", params.join(", "))
    };
    let text = format!(
        "\n      # {}\n{docs}      # @return {}\n      def {name}{signature}\n        {body}\n      end\n",
        ruby_doc(c.doc),
        return_doc(c.returns),
    );
    let rbs_line = format!(
        "      def {name}: ({}) -> {}\n",
        rbs.join(", "),
        return_rbs(c.returns)
    );
    (text, rbs_line)
}

/// The Ruby file.
pub fn render(api: &Api) -> String {
    let mut out = crate::header(
        "#",
        "renderiq-codegen's call table (codegen/src/calls/mod.rs)",
    );
    out.push_str(PRELUDE);
    for c in CALLS {
        out.push_str(&method(api, &c).0);
    }
    out.push_str(HELPERS);
    out
}

/// The RBS file.
pub fn render_rbs(api: &Api) -> String {
    let mut out = crate::header(
        "#",
        "renderiq-codegen's call table (codegen/src/calls/mod.rs)",
    );
    out.push_str("module Renderiq\n  module Generated\n    module Calls\n");
    for c in CALLS {
        out.push_str(&method(api, &c).1);
    }
    out.push_str("      def call: (Hash[Symbol, untyped] call, ?String? data) -> untyped\n    end\n  end\nend\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_use_the_ruby_names_and_keywords() {
        let t = render(&Api::load());
        assert!(
            t.contains("      def signed_in?\n        call(call: :is_signed_in) ? true : false\n"),
            "{t}"
        );
        assert!(t.contains("      def create_api_key(name, scopes:, expires_at: nil)\n        CreatedApiKey.from_wire(call(call: :create_api_key, name: name, scopes: texts(scopes), expiresAt: wire_time(expires_at)))\n"), "{t}");
        assert!(t.contains("      def webhooks\n        call(call: :webhooks).map { |x| WebhookEndpoint.from_wire(x) }\n"), "{t}");
        assert!(
            t.contains("settings: { defaultAspectRatio: default_aspect_ratio,"),
            "{t}"
        );
    }

    #[test]
    fn signatures_match_the_methods() {
        let t = render_rbs(&Api::load());
        assert!(
            t.contains("      def revoke_api_key: (String | Generated::ApiKey api_key) -> nil\n"),
            "{t}"
        );
        assert!(t.contains("?limit: (Integer)?"), "{t}");
    }
}
