//! `bindings/ruby/lib/renderiq/generated.rb` (frozen keyword Structs with snake_case readers,
//! enums as Symbol modules, the error table and hints as data) and its RBS signatures,
//! `bindings/ruby/sig/generated.rbs`.
//!
//! ```text
//! Credits = Struct.new(:balance, :total_earned, :total_spent, keyword_init: true) do
//!   def initialize(balance:, total_earned:, total_spent:)
//!   def self.from_wire(hash)
//!   def to_wire
//! ```

use std::fmt::Write as _;

use crate::errors;
use crate::schema::{Api, DefaultValue, EnumDef, Field, Model, Presence, Ty};
use crate::text::{ruby_quoted, screaming, snake};
use crate::{header, Target};

/// Where the Ruby file goes.
pub const PATH: &str = "bindings/ruby/lib/renderiq/generated.rb";
/// Where the RBS signatures go.
pub const RBS_PATH: &str = "bindings/ruby/sig/generated.rbs";

/// Ruby names for models whose core name is taken in the binding (`Renderiq::Webhook` verifies
/// deliveries).
const RENAMES: [(&str, &str); 1] = [("Webhook", "WebhookEndpoint")];

/// The Ruby name of a model or enum.
pub fn type_name(core: &str) -> &str {
    RENAMES
        .iter()
        .find(|(c, _)| *c == core)
        .map(|(_, r)| *r)
        .unwrap_or(core)
}

const PRELUDE: &str = r#"# frozen_string_literal: true

require "time"

module Renderiq
  # Models, enums and the error table of the Renderiq API, generated from the Rust core.
  #
  # Each model is a frozen keyword Struct with snake_case readers: +from_wire+ builds one from the
  # wire JSON (a Hash with camelCase String keys; unknown keys are ignored, so a newer server does
  # not break an older plugin) and +to_wire+ writes it back, leaving nil values out. Enum values
  # are Symbols; times are UTC Time objects.
  module Generated
    # Reads an RFC 3339 time as a UTC Time.
    def self.parse_time(value)
      Time.iso8601(value).utc
    end

    # Writes a Time as RFC 3339 in UTC, to the nanosecond.
    def self.format_time(value)
      value.getutc.iso8601(9)
    end

    # The value at +key+, passed through the block; +default+ when it is absent or null.
    def self.read(hash, key, default = nil)
      value = hash[key]
      return default if value.nil?

      block_given? ? yield(value) : value
    end
"#;

/// The whole Ruby file.
pub fn render(api: &Api) -> String {
    let mut out = header(
        "#",
        "its wire types (utoipa schemas), error table and naming table",
    );
    out.push_str(PRELUDE);
    for e in &api.enums {
        out.push('\n');
        out.push_str(&enum_module(e));
    }
    for m in &api.models {
        out.push('\n');
        out.push_str(&model_struct(m));
    }
    out.push('\n');
    out.push_str(&error_table());
    out.push_str("  end\nend\n");
    out
}

/// The constant of a wire spelling: `:end` → `END_VALUE` (`BEGIN` and `END` are keywords).
fn constant(wire: &str) -> String {
    match screaming(&wire.replace(['-', '.', ':'], "_")) {
        k if k == "BEGIN" || k == "END" => format!("{k}_VALUE"),
        name => name,
    }
}

fn enum_module(e: &EnumDef) -> String {
    let mut s = format!("    # {}\n    module {}\n", e.doc, type_name(&e.name));
    for v in &e.values {
        let _ = writeln!(s, "      {} = :{v}", constant(v));
    }
    let all: Vec<String> = e.values.iter().map(|v| constant(v)).collect();
    let _ = write!(
        s,
        "      # Every value, in the core's order.\n      ALL = [{}].freeze\n",
        all.join(", ")
    );
    if let Some(d) = &e.default {
        let _ = write!(
            s,
            "      # The value when none is given.\n      DEFAULT = {}\n",
            constant(d)
        );
    }
    match &e.fallback {
        Some(f) => {
            let _ = write!(
                s,
                "\n      # The value of a wire spelling; an unknown one reads as +:{f}+, as the core reads it.\n      \
                 def self.parse(value)\n        \
                 sym = value.to_sym\n        \
                 ALL.include?(sym) ? sym : {}\n      \
                 end\n",
                constant(f)
            );
        }
        None => {
            let _ = write!(
                s,
                "\n      # The value of a wire spelling; ArgumentError for one this SDK version does not know.\n      \
                 def self.parse(value)\n        \
                 sym = value.to_sym\n        \
                 return sym if ALL.include?(sym)\n\n        \
                 raise ArgumentError, \"unknown {name} #{{value.inspect}}: expected one of #{{ALL.join(', ')}}; update the SDK\"\n      \
                 end\n",
                name = e.name
            );
        }
    }
    s.push_str("    end\n");
    s
}

fn default_literal(v: &DefaultValue, ty: &Ty) -> String {
    match (v, ty) {
        (DefaultValue::Int(i), _) => i.to_string(),
        (DefaultValue::Bool(b), _) => b.to_string(),
        (DefaultValue::Str(s), _) => ruby_quoted(s),
        (DefaultValue::Enum(w), Ty::Enum(n)) => format!("{}::{}", type_name(n), constant(w)),
        (DefaultValue::Enum(w), _) => format!(":{w}"),
        (DefaultValue::EmptyList, _) => "[].freeze".into(),
    }
}

/// Reads `expr` (a wire value) as `ty`.
fn read(ty: &Ty, expr: &str) -> String {
    match ty {
        Ty::Str | Ty::Int32 | Ty::Int64 | Ty::Bool => expr.to_owned(),
        Ty::Float => format!("Float({expr})"),
        Ty::Time => format!("Generated.parse_time({expr})"),
        Ty::Enum(n) => format!("{}.parse({expr})", type_name(n)),
        Ty::Model(n) => format!("{}.from_wire({expr})", type_name(n)),
        Ty::List(inner) => match read(inner, "x").as_str() {
            "x" => format!("{expr}.dup.freeze"),
            item => format!("{expr}.map {{ |x| {item} }}.freeze"),
        },
        Ty::Item => format!("item.call({expr})"),
    }
}

/// Writes `expr` (a member) as a wire value.
fn write(ty: &Ty, expr: &str) -> String {
    match ty {
        Ty::Str | Ty::Int32 | Ty::Int64 | Ty::Bool | Ty::Float => expr.to_owned(),
        Ty::Time => format!("Generated.format_time({expr})"),
        Ty::Enum(_) => format!("{expr}.to_s"),
        Ty::Model(_) => format!("{expr}.to_wire"),
        Ty::List(inner) => match write(inner, "x").as_str() {
            "x" => format!("{expr}.to_a"),
            item => format!("{expr}.map {{ |x| {item} }}"),
        },
        Ty::Item => format!("item.call({expr})"),
    }
}

fn keyword(f: &Field) -> String {
    let name = snake(&f.wire);
    match &f.presence {
        Presence::Required => format!("{name}:"),
        Presence::Optional => format!("{name}: nil"),
        Presence::Defaulted(v) => format!("{name}: {}", default_literal(v, &f.ty)),
    }
}

fn model_struct(m: &Model) -> String {
    let name = type_name(&m.name);
    let members: Vec<String> = m
        .fields
        .iter()
        .map(|f| format!(":{}", snake(&f.wire)))
        .collect();
    let mut s = format!(
        "    # {}\n    {name} = Struct.new({}, keyword_init: true) do\n",
        m.doc,
        members.join(", ")
    );
    for f in &m.fields {
        let _ = writeln!(
            s,
            "      # @!attribute [r] {}\n      #   {}",
            snake(&f.wire),
            f.doc
        );
    }
    let keywords: Vec<String> = m.fields.iter().map(keyword).collect();
    let _ = write!(
        s,
        "\n      def initialize({})\n        super\n        freeze\n      end\n",
        keywords.join(", ")
    );
    let (item_param, item_doc) = if m.generic {
        ("(hash, &item)", "; the block reads one item")
    } else {
        ("(hash)", "")
    };
    let _ = write!(
        s,
        "\n      # Builds it from the wire JSON (a Hash with camelCase String keys){item_doc}.\n      \
         def self.from_wire{item_param}\n        new(\n"
    );
    for f in &m.fields {
        let key = ruby_quoted(&f.wire);
        let value = match &f.presence {
            Presence::Required => read(&f.ty, &format!("hash.fetch({key})")),
            Presence::Optional | Presence::Defaulted(_) => {
                let default = match &f.presence {
                    Presence::Defaulted(v) => format!(", {}", default_literal(v, &f.ty)),
                    _ => String::new(),
                };
                match read(&f.ty, "v").as_str() {
                    "v" => format!("Generated.read(hash, {key}{default})"),
                    conv => format!("Generated.read(hash, {key}{default}) {{ |v| {conv} }}"),
                }
            }
        };
        let _ = writeln!(s, "          {}: {value},", snake(&f.wire));
    }
    s.push_str("        )\n      end\n");
    let (item_param, item_doc) = if m.generic {
        ("(&item)", "; the block writes one item")
    } else {
        ("", "")
    };
    let _ = write!(
        s,
        "\n      # The wire JSON (camelCase String keys, nil values left out){item_doc}.\n      \
         def to_wire{item_param}\n        out = {{}}\n"
    );
    for f in &m.fields {
        let member = snake(&f.wire);
        let key = ruby_quoted(&f.wire);
        match f.presence {
            Presence::Optional => {
                let _ = writeln!(
                    s,
                    "        out[{key}] = {} unless {member}.nil?",
                    write(&f.ty, &member)
                );
            }
            _ => {
                let _ = writeln!(s, "        out[{key}] = {}", write(&f.ty, &member));
            }
        }
    }
    s.push_str("        out\n      end\n");
    if m.has_secret() {
        let shown: Vec<String> = m
            .fields
            .iter()
            .map(|f| {
                let member = snake(&f.wire);
                if f.secret {
                    format!("{member}=[REDACTED]")
                } else {
                    format!("{member}=#{{{member}.inspect}}")
                }
            })
            .collect();
        let _ = write!(
            s,
            "\n      # Every member but the secret, which is shown once and never logged.\n      \
             def inspect\n        \"#<struct #{{self.class.name}} {}>\"\n      end\n      \
             alias_method :to_s, :inspect\n",
            shown.join(", ")
        );
    }
    s.push_str("    end\n");
    s
}

fn error_table() -> String {
    let base: Vec<String> = renderiq_sdk::error_table::BASE_FIELDS
        .iter()
        .map(|f| snake(f))
        .collect();
    let mut s = format!(
        "    # The attributes every error has.\n    BASE_FIELDS = %i[{}].freeze\n\n",
        base.join(" ")
    );
    s.push_str(
        "    # One row per error kind: [kind, class_name, parent, fields, doc]. Names are constants of\n    \
         # Renderiq; every parent is Renderiq::Error; fields are the readers beyond BASE_FIELDS.\n    \
         ERROR_CLASSES = [\n",
    );
    for c in errors::classes(Target::Ruby) {
        let fields: Vec<String> = c.fields.iter().map(|f| snake(f)).collect();
        let _ = writeln!(
            s,
            "      [:{}, {}, {}, %i[{}].freeze, {}].freeze,",
            c.kind,
            ruby_quoted(&c.class_name),
            ruby_quoted(c.parent),
            fields.join(" "),
            ruby_quoted(c.doc)
        );
    }
    s.push_str("    ].freeze\n\n    # What to do next, by hint id (an error's hint_id), in this gem's names.\n    HINTS = {\n");
    for (id, text) in errors::hints(Target::Ruby) {
        let _ = writeln!(s, "      {} => {},", ruby_quoted(id), ruby_quoted(&text));
    }
    s.push_str("    }.freeze\n");
    s
}

fn rbs_type(ty: &Ty) -> String {
    match ty {
        Ty::Str => "String".into(),
        Ty::Int32 | Ty::Int64 => "Integer".into(),
        Ty::Float => "Float".into(),
        Ty::Bool => "bool".into(),
        Ty::Time => "Time".into(),
        Ty::Enum(n) => format!("{}::value", type_name(n)),
        Ty::Model(n) => type_name(n).to_owned(),
        Ty::List(inner) => format!("Array[{}]", rbs_type(inner)),
        Ty::Item => "T".into(),
    }
}

fn rbs_field_type(f: &Field) -> String {
    match f.presence {
        Presence::Optional => format!("{}?", rbs_type(&f.ty)),
        _ => rbs_type(&f.ty),
    }
}

/// The RBS signatures of [`render`]'s file.
pub fn render_rbs(api: &Api) -> String {
    let mut s = header(
        "#",
        "its wire types (utoipa schemas), error table and naming table",
    );
    s.push_str(
        "module Renderiq\n  module Generated\n    \
         def self.parse_time: (String value) -> Time\n    \
         def self.format_time: (Time value) -> String\n    \
         def self.read: (Hash[String, untyped] hash, String key, ?untyped default) ?{ (untyped) -> untyped } -> untyped\n",
    );
    for e in &api.enums {
        let _ = write!(s, "\n    module {}\n", type_name(&e.name));
        let symbols: Vec<String> = e.values.iter().map(|v| format!(":{v}")).collect();
        let _ = writeln!(s, "      type value = {}", symbols.join(" | "));
        for v in &e.values {
            let _ = writeln!(s, "      {}: :{v}", constant(v));
        }
        s.push_str("      ALL: Array[value]\n");
        if e.default.is_some() {
            s.push_str("      DEFAULT: value\n");
        }
        s.push_str("      def self.parse: (String | Symbol value) -> value\n    end\n");
    }
    for m in &api.models {
        let name = type_name(&m.name);
        let generic = if m.generic { "[T]" } else { "" };
        let _ = write!(s, "\n    class {name}{generic} < Struct[untyped]\n");
        for f in &m.fields {
            let _ = writeln!(
                s,
                "      attr_reader {}: {}",
                snake(&f.wire),
                rbs_field_type(f)
            );
        }
        let keywords: Vec<String> = m
            .fields
            .iter()
            .map(|f| {
                let optional = if f.presence.is_required() { "" } else { "?" };
                format!("{optional}{}: {}", snake(&f.wire), rbs_field_type(f))
            })
            .collect();
        let _ = writeln!(s, "      def initialize: ({}) -> void", keywords.join(", "));
        if m.generic {
            let _ = write!(
                s,
                "      def self.from_wire: [T] (Hash[String, untyped] hash) {{ (untyped) -> T }} -> {name}[T]\n      \
                 def to_wire: () {{ (T) -> untyped }} -> Hash[String, untyped]\n"
            );
        } else {
            let _ = write!(
                s,
                "      def self.from_wire: (Hash[String, untyped] hash) -> {name}\n      \
                 def to_wire: () -> Hash[String, untyped]\n"
            );
        }
        s.push_str("    end\n");
    }
    s.push_str(
        "\n    BASE_FIELDS: Array[Symbol]\n    \
         ERROR_CLASSES: Array[[Symbol, String, String, Array[Symbol], String]]\n    \
         HINTS: Hash[String, String]\n  end\n\n  \
         # One error class per kind of ERROR_CLASSES (lib/renderiq/errors.rb declares them).\n",
    );
    for c in errors::classes(Target::Ruby) {
        let _ = writeln!(s, "  class {} < {} end", c.class_name, c.parent);
    }
    s.push_str("end\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_renders_the_expected_lines() {
        let t = render(&Api::load());
        assert!(t.contains(
            "    # Credit balance.\n    Credits = Struct.new(:balance, :total_earned, :total_spent, keyword_init: true) do\n"
        ), "{t}");
        assert!(t.contains("      def initialize(balance:, total_earned:, total_spent:)\n        super\n        freeze\n      end\n"));
        assert!(t.contains("          total_earned: hash.fetch(\"totalEarned\"),\n"));
        assert!(t.contains("        out[\"totalSpent\"] = total_spent\n"));
    }

    #[test]
    fn conversions_defaults_and_renames() {
        let t = render(&Api::load());
        assert!(
            t.contains("          created_at: Generated.parse_time(hash.fetch(\"createdAt\")),\n")
        );
        assert!(t.contains(
            "          platform: Generated.read(hash, \"platform\", Platform::OTHER) { |v| Platform.parse(v) },\n"
        ));
        assert!(
            t.contains("          webhook: WebhookEndpoint.from_wire(hash.fetch(\"webhook\")),\n")
        );
        assert!(t.contains("    WebhookEndpoint = Struct.new("));
        assert!(t.contains("key=[REDACTED]"));
        assert!(t.contains(
            "      [:rate_limited, \"RateLimitError\", \"Error\", %i[retry_after].freeze, "
        ));
        assert!(t.contains("      \"auth.invalid_credentials\" => \"check the e-mail and password given to sign_in\",\n"));
    }

    #[test]
    fn signatures_type_every_reader() {
        let t = render_rbs(&Api::load());
        assert!(
            t.contains("    class Render < Struct[untyped]\n      attr_reader id: String\n"),
            "{t}"
        );
        assert!(t.contains("      attr_reader completed_at: Time?\n"));
        assert!(t.contains("      attr_reader platform: Platform::value\n"));
        assert!(t.contains("      type value = :sketchup | :revit"));
        assert!(t.contains("      END_VALUE: :end\n"));
        assert!(
            t.contains("    class Page[T] < Struct[untyped]\n      attr_reader items: Array[T]\n")
        );
    }
}
