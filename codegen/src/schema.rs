//! The wire models and enums, read from the core's utoipa schemas (the `openapi` feature) into a
//! small description every emitter shares.
//!
//! What a schema cannot say is asked of the Rust types themselves: an enum's default (its
//! `Default` impl, used for fields the server may leave out) and its fallback (the value an
//! unknown spelling reads as, when the type has `#[serde(other)]`).
//!
//! ```
//! let api = renderiq_codegen::schema::Api::load();
//! let render = api.model("Render").unwrap();
//! assert!(render.field("createdAt").unwrap().presence.is_required());
//! ```

use std::collections::BTreeMap;

use renderiq_sdk::operation::Progress;
use renderiq_sdk::types::{
    ApiKey, CallbackSecret, CreatedApiKey, CreatedWebhook, CreditTransaction, Credits, Health,
    Page, Platform, Project, Quality, Render, RenderStatus, Settings, SettingsUpdate,
    TransactionType, User, WaitUntil, Webhook, WebhookEvent,
};
use serde_json::Value;
use utoipa::OpenApi;

/// Every wire type a binding reads or writes. Request bodies other than `SettingsUpdate` are
/// left out (the bindings send calls, see `renderiq_sdk::call::Call`), and so is `AuthSession`,
/// whose tokens never leave the core.
#[derive(OpenApi)]
#[openapi(components(schemas(
    User,
    Render,
    Page<Render>,
    Progress,
    Credits,
    CreditTransaction,
    Project,
    Settings,
    SettingsUpdate,
    ApiKey,
    CreatedApiKey,
    Webhook,
    CreatedWebhook,
    CallbackSecret,
    Health,
    WebhookEvent,
    RenderStatus,
    Quality,
    Platform,
    TransactionType,
    WaitUntil,
)))]
struct WireModels;

/// Fields whose value is a secret: left out of `repr`/`inspect`/`ToString`, as the core's
/// `Debug` leaves them out (a test checks the two agree).
pub const SECRET_FIELDS: [(&str, &str); 3] = [
    ("CreatedApiKey", "key"),
    ("CreatedWebhook", "secret"),
    ("CallbackSecret", "secret"),
];

/// A field's value type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// Text.
    Str,
    /// A 32-bit integer (the core's `u8`, `u32`).
    Int32,
    /// A 64-bit integer.
    Int64,
    /// A floating-point number.
    Float,
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 time.
    Time,
    /// One of the named [`EnumDef`]s.
    Enum(String),
    /// One of the named [`Model`]s.
    Model(String),
    /// A list.
    List(Box<Ty>),
    /// The item type of a generic model (`Page`'s `T`).
    Item,
}

/// Whether a field is always there, may be null or absent, or has a default when absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Always present.
    Required,
    /// May be absent or null.
    Optional,
    /// Absent means this value.
    Defaulted(DefaultValue),
}

impl Presence {
    /// `true` for [`Presence::Required`].
    pub fn is_required(&self) -> bool {
        matches!(self, Self::Required)
    }
}

/// The value of a field the server may leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// An enum value, by its wire spelling.
    Enum(String),
    /// An empty list.
    EmptyList,
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The wire (camelCase) name.
    pub wire: String,
    /// One line of documentation.
    pub doc: String,
    /// The value type.
    pub ty: Ty,
    /// Required, optional or defaulted.
    pub presence: Presence,
    /// The value is a secret (see [`SECRET_FIELDS`]).
    pub secret: bool,
}

/// A wire model (a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The core's type name.
    pub name: String,
    /// One line of documentation.
    pub doc: String,
    /// Required fields in declaration order, then the others (optional or defaulted) by name.
    pub fields: Vec<Field>,
    /// `true` when the model has an item type parameter (`Page<T>`).
    pub generic: bool,
}

impl Model {
    /// The field with this wire name.
    pub fn field(&self, wire: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.wire == wire)
    }

    /// `true` when a field holds a secret.
    pub fn has_secret(&self) -> bool {
        self.fields.iter().any(|f| f.secret)
    }
}

/// A string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// The core's type name.
    pub name: String,
    /// One line of documentation.
    pub doc: String,
    /// Wire spellings, in declaration order.
    pub values: Vec<String>,
    /// The core's `Default`, when it has one.
    pub default: Option<String>,
    /// What an unknown spelling reads as (`#[serde(other)]`); `None` when it is refused.
    pub fallback: Option<String>,
}

/// Every model and enum, in an order where each model follows the models it contains.
#[derive(Debug, Clone)]
pub struct Api {
    /// Enums by name.
    pub enums: Vec<EnumDef>,
    /// Models, dependencies first.
    pub models: Vec<Model>,
}

impl Api {
    /// Reads the core's schemas.
    ///
    /// # Panics
    ///
    /// When a schema has a shape this generator does not know: extend [`Api::load`] for it.
    pub fn load() -> Self {
        let components = WireModels::openapi()
            .components
            .expect("the OpenApi derive registers components");
        let schemas: BTreeMap<String, Value> = components
            .schemas
            .into_iter()
            .map(|(name, schema)| {
                let value = serde_json::to_value(schema).expect("a schema serialises");
                (name, value)
            })
            .collect();
        let facts = enum_facts();
        let mut enums = Vec::new();
        let mut models = Vec::new();
        for (name, schema) in &schemas {
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let (default, fallback) = facts
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .map(|(_, d, f)| (d.clone(), f.clone()))
                    .unwrap_or_else(|| panic!("enum {name} is not in enum_facts(): add it"));
                enums.push(EnumDef {
                    name: name.clone(),
                    doc: doc_of(schema),
                    values: values
                        .iter()
                        .map(|v| v.as_str().expect("enum values are strings").to_owned())
                        .collect(),
                    default,
                    fallback,
                });
            }
        }
        for (name, schema) in &schemas {
            if schema.get("enum").is_none() {
                models.push(read_model(name, schema, &schemas, &enums));
            }
        }
        let models = dependency_order(models);
        Self { enums, models }
    }

    /// The model with this name.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The enum with this name.
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// Each enum's default and fallback, asked of the Rust type.
fn enum_facts() -> Vec<(String, Option<String>, Option<String>)> {
    fn wire<T: serde::Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .expect("an enum serialises as a string")
    }
    fn fallback<T: serde::Serialize + serde::de::DeserializeOwned>() -> Option<String> {
        serde_json::from_value::<T>(Value::from("\u{1}not-a-known-value"))
            .ok()
            .map(wire)
    }
    macro_rules! facts {
        ($t:ty, default) => {
            (
                stringify!($t).to_owned(),
                Some(wire(<$t>::default())),
                fallback::<$t>(),
            )
        };
        ($t:ty) => {
            (stringify!($t).to_owned(), None, fallback::<$t>())
        };
    }
    vec![
        facts!(Platform, default),
        facts!(Quality, default),
        facts!(WaitUntil, default),
        facts!(RenderStatus),
        facts!(TransactionType),
    ]
}

fn doc_of(schema: &Value) -> String {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(crate::text::summary)
        .unwrap_or_default()
}

fn read_model(
    name: &str,
    schema: &Value,
    schemas: &BTreeMap<String, Value>,
    enums: &[EnumDef],
) -> Model {
    // `Page<Render>` is registered as `Page_Render`: the generated `Page` is generic.
    let (model_name, generic) = match name.split_once('_') {
        Some((base, _)) => (base.to_owned(), true),
        None => (name.to_owned(), false),
    };
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{name} has no properties"));
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut order: Vec<&String> = Vec::new();
    for r in &required {
        order.extend(properties.keys().filter(|k| k == r));
    }
    order.extend(
        properties
            .keys()
            .filter(|k| !required.contains(&k.as_str())),
    );
    let mut fields: Vec<Field> = order
        .into_iter()
        .map(|wire| {
            let prop = &properties[wire];
            let (ty, nullable, doc) = if generic && wire == "items" {
                (Ty::List(Box::new(Ty::Item)), false, doc_of(prop))
            } else {
                read_type(prop, schemas, &format!("{name}.{wire}"))
            };
            let presence = if required.contains(&wire.as_str()) && !nullable {
                Presence::Required
            } else if nullable {
                Presence::Optional
            } else {
                Presence::Defaulted(default_for(&ty, enums, &format!("{name}.{wire}")))
            };
            Field {
                wire: wire.clone(),
                doc,
                secret: SECRET_FIELDS.contains(&(model_name.as_str(), wire.as_str())),
                ty,
                presence,
            }
        })
        .collect();
    // A required field that may be null is optional: it goes after the truly required ones.
    fields.sort_by_key(|f| !f.presence.is_required());
    Model {
        name: model_name,
        doc: doc_of(schema),
        fields,
        generic,
    }
}

/// A property's type, whether it may be null, and its documentation.
fn read_type(prop: &Value, schemas: &BTreeMap<String, Value>, at: &str) -> (Ty, bool, String) {
    let doc = doc_of(prop);
    if let Some(one_of) = prop.get("oneOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = one_of
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        assert!(
            non_null.len() == 1 && non_null.len() < one_of.len(),
            "{at}: only `oneOf [null, T]` is supported, got {prop}"
        );
        let (ty, _, inner_doc) = read_type(non_null[0], schemas, at);
        return (ty, true, if doc.is_empty() { inner_doc } else { doc });
    }
    if let Some(reference) = prop.get("$ref").and_then(Value::as_str) {
        let target = reference.rsplit('/').next().unwrap_or(reference).to_owned();
        let schema = schemas
            .get(&target)
            .unwrap_or_else(|| panic!("{at}: {target} is not registered in WireModels"));
        let ty = if schema.get("enum").is_some() {
            Ty::Enum(target)
        } else {
            Ty::Model(target)
        };
        return (ty, false, doc);
    }
    let (type_name, nullable) = match prop.get("type") {
        Some(Value::String(t)) => (t.as_str(), false),
        Some(Value::Array(ts)) => {
            let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            assert_eq!(non_null.len(), 1, "{at}: unsupported type list {names:?}");
            (non_null[0], names.contains(&"null"))
        }
        _ => panic!("{at}: a property without a type: {prop}"),
    };
    let format = prop.get("format").and_then(Value::as_str);
    let ty = match (type_name, format) {
        ("string", Some("date-time")) => Ty::Time,
        ("string", _) => Ty::Str,
        ("integer", Some("int64")) => Ty::Int64,
        ("integer", _) => Ty::Int32,
        ("number", _) => Ty::Float,
        ("boolean", _) => Ty::Bool,
        ("array", _) => {
            let items = prop
                .get("items")
                .unwrap_or_else(|| panic!("{at}: an array without items"));
            let (item, _, _) = read_type(items, schemas, at);
            Ty::List(Box::new(item))
        }
        (other, _) => panic!("{at}: unsupported type {other}"),
    };
    (ty, nullable, doc)
}

fn default_for(ty: &Ty, enums: &[EnumDef], at: &str) -> DefaultValue {
    match ty {
        Ty::Str => DefaultValue::Str(String::new()),
        Ty::Int32 | Ty::Int64 => DefaultValue::Int(0),
        Ty::Bool => DefaultValue::Bool(false),
        Ty::List(_) => DefaultValue::EmptyList,
        Ty::Enum(name) => DefaultValue::Enum(
            enums
                .iter()
                .find(|e| &e.name == name)
                .and_then(|e| e.default.clone())
                .unwrap_or_else(|| {
                    panic!("{at}: {name} has no Default, yet the field may be left out")
                }),
        ),
        other => panic!("{at}: a {other:?} field that may be left out needs a default"),
    }
}

/// Models ordered so that each follows every model it contains (ties by name).
fn dependency_order(mut pending: Vec<Model>) -> Vec<Model> {
    fn refs(ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::Model(n) => out.push(n.clone()),
            Ty::List(inner) => refs(inner, out),
            _ => {}
        }
    }
    let mut ordered: Vec<Model> = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|m| {
                let mut needed = Vec::new();
                for f in &m.fields {
                    refs(&f.ty, &mut needed);
                }
                needed
                    .iter()
                    .all(|n| n == &m.name || ordered.iter().any(|o| &o.name == n))
            })
            .expect("models do not contain each other in a cycle");
        ordered.push(pending.remove(ready));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_reads_with_its_types_and_presence() {
        let api = Api::load();
        let render = api.model("Render").unwrap();
        let f = |w: &str| render.field(w).unwrap().clone();
        assert_eq!(f("id").ty, Ty::Str);
        assert_eq!(f("id").presence, Presence::Required);
        assert_eq!(f("status").ty, Ty::Enum("RenderStatus".into()));
        assert_eq!(f("creditsCost").ty, Ty::Int64);
        assert_eq!(f("createdAt").ty, Ty::Time);
        assert_eq!(f("completedAt").presence, Presence::Optional);
        assert_eq!(
            f("platform").presence,
            Presence::Defaulted(DefaultValue::Enum("other".into()))
        );
        assert_eq!(
            f("progress").presence,
            Presence::Defaulted(DefaultValue::Int(0))
        );
        assert_eq!(render.fields[0].wire, "id", "required fields come first");
        assert!(!render.generic);
    }

    #[test]
    fn page_is_generic_over_its_items() {
        let api = Api::load();
        let page = api.model("Page").unwrap();
        assert!(page.generic);
        assert_eq!(
            page.field("items").unwrap().ty,
            Ty::List(Box::new(Ty::Item))
        );
        assert_eq!(page.field("hasMore").unwrap().ty, Ty::Bool);
    }

    #[test]
    fn every_model_the_bindings_need_is_there() {
        let api = Api::load();
        for name in [
            "User",
            "Render",
            "Page",
            "Progress",
            "Credits",
            "CreditTransaction",
            "Project",
            "Settings",
            "SettingsUpdate",
            "ApiKey",
            "CreatedApiKey",
            "Webhook",
            "CreatedWebhook",
            "CallbackSecret",
            "Health",
            "WebhookEvent",
        ] {
            assert!(api.model(name).is_some(), "{name}");
        }
        for name in [
            "RenderStatus",
            "Quality",
            "Platform",
            "TransactionType",
            "WaitUntil",
        ] {
            assert!(api.enum_def(name).is_some(), "{name}");
        }
    }

    #[test]
    fn enum_facts_come_from_the_rust_types() {
        let api = Api::load();
        let platform = api.enum_def("Platform").unwrap();
        assert_eq!(platform.default.as_deref(), Some("other"));
        assert_eq!(platform.fallback.as_deref(), Some("other"));
        let status = api.enum_def("RenderStatus").unwrap();
        assert_eq!(status.default, None);
        assert_eq!(status.fallback, None);
        assert_eq!(status.values[0], "pending");
        assert_eq!(
            api.enum_def("Quality").unwrap().default.as_deref(),
            Some("high")
        );
    }

    #[test]
    fn models_follow_the_models_they_contain() {
        let api = Api::load();
        let pos = |n: &str| api.models.iter().position(|m| m.name == n).unwrap();
        assert!(pos("ApiKey") < pos("CreatedApiKey"));
        assert!(pos("Render") < pos("WebhookEvent"));
        assert!(pos("Render") < pos("Progress"));
        assert!(pos("Webhook") < pos("CreatedWebhook"));
    }

    #[test]
    fn the_secret_fields_are_the_ones_the_core_redacts() {
        use chrono::Utc;
        let api_key = ApiKey {
            id: "k".into(),
            name: "n".into(),
            prefix: "p".into(),
            scopes: vec![],
            last_used_at: None,
            expires_at: None,
            created_at: Utc::now(),
        };
        let webhook = Webhook {
            id: "w".into(),
            url: "u".into(),
            events: vec![],
            active: true,
            failure_count: 0,
            created_at: Utc::now(),
            last_delivery_at: None,
        };
        let shown = [
            format!(
                "{:?}",
                CreatedApiKey {
                    key: "SECRET-1".into(),
                    api_key
                }
            ),
            format!(
                "{:?}",
                CreatedWebhook {
                    secret: "SECRET-2".into(),
                    webhook
                }
            ),
            format!(
                "{:?}",
                CallbackSecret {
                    secret: "SECRET-3".into()
                }
            ),
        ];
        for text in &shown {
            assert!(!text.contains("SECRET-"), "{text}");
        }
        let api = Api::load();
        for (model, field) in SECRET_FIELDS {
            assert!(api.model(model).unwrap().field(field).unwrap().secret);
        }
        let secret_count: usize = api
            .models
            .iter()
            .map(|m| m.fields.iter().filter(|f| f.secret).count())
            .sum();
        assert_eq!(secret_count, SECRET_FIELDS.len());
    }
}
