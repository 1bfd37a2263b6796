//! The policy of a fastify `@fastify/cors` or Hono `cors()` options object. Both read their
//! options the same way (spread over defaults, truthy `credentials`); what differs (option names,
//! defaults, what a string or a RegExp origin does) is the [`Flavour`]. Express `cors` has its own
//! reader in [`super::express`], whose `credentials` must be `=== true`.

use super::express::{Options, name_list, shape};
use super::value::{Lookup, Object, Value, ValueKind};
use crate::model::Value as ModelValue;
use crate::model::app::{ArgShape, CorsArg, OriginNote, OriginNoteKind};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting};
use crate::source::{FileId, Span, Spanned};

/// What one library makes of its options.
pub(super) struct Flavour {
    pub layer: Layer,
    /// The option that lists the allowed methods (`methods`, `allowMethods`).
    pub methods_key: &'static str,
    pub headers_key: &'static str,
    pub expose_key: &'static str,
    pub default_methods: &'static [&'static str],
    /// `origin` may be a RegExp (or hold RegExps) that is `.test()`ed, and `true` reflects.
    pub tests_regexps: bool,
    /// List options may be comma-separated strings (fastify sends a string as written).
    pub strings_are_lists: bool,
}

/// `@fastify/cors` 11 (`defaultOptions` in index.js): the newest, used unless a `package.json`
/// pins an older major.
pub(super) const FASTIFY: Flavour = Flavour {
    layer: Layer::FastifyCors,
    methods_key: "methods",
    headers_key: "allowedHeaders",
    expose_key: "exposedHeaders",
    default_methods: &["GET", "HEAD", "POST"],
    tests_regexps: true,
    strings_are_lists: true,
};

/// `@fastify/cors` 10 and older: `methods` defaulted to every common method (v11.0.0, "change
/// default `methods` to cors-safelisted methods", fastify/fastify-cors#359).
pub(super) const FASTIFY_10: Flavour =
    Flavour { default_methods: &["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"], ..FASTIFY };

/// Hono's `cors()` (the `opts` defaults in src/middleware/cors/index.ts).
pub(super) const HONO: Flavour = Flavour {
    layer: Layer::HonoCors,
    methods_key: "allowMethods",
    headers_key: "allowHeaders",
    expose_key: "exposeHeaders",
    default_methods: &["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "QUERY"],
    tests_regexps: false,
    strings_are_lists: false,
};

/// The policy `options` apply, the options as arguments, whether some are unseen, and what of
/// `origin` can never match; `None` when `origin: false` turns the component off.
pub(super) fn policy_of(flavour: &Flavour, file: FileId, options: Option<&Value>, span: Span) -> Option<Options> {
    let empty = Object::default();
    let (object, unknown) = match options.map(|o| &o.kind) {
        None | Some(ValueKind::Undefined | ValueKind::Null) => (&empty, false),
        Some(ValueKind::Object(object)) => (object, object.open),
        // A delegator function or a value not known: every option is unknown.
        Some(_) => (&empty, true),
    };
    let get = |key: &str| if unknown && !object.open { Lookup::Unknown } else { object.get(key) };
    let at = |value: &Value| value.span(file);
    let setting_span = |key: &str| match object.get(key) {
        Lookup::Found(property) => property.span(file),
        _ => span,
    };
    let mut origins = Origins::default();
    let mut origin_notes = Vec::new();
    match get("origin") {
        Lookup::Absent => origins.entries.push(OriginEntry { kind: OriginKind::Any, span, text_start: None }),
        Lookup::Unknown => origins.has_unknown = true,
        Lookup::Found(property) => match &property.value.kind {
            ValueKind::Bool(false) if flavour.tests_regexps => return None,
            ValueKind::Array(items) => {
                for item in items {
                    // Hono compares with `.includes`: a `"*"` entry equals no browser's `Origin`.
                    if !flavour.tests_regexps && matches!(&item.kind, ValueKind::String(s) if s == "*") {
                        let span = at(item);
                        origin_notes.push(OriginNote { entry: None, kind: OriginNoteKind::WildcardInList, span });
                        continue;
                    }
                    match origin_entry(flavour, item, file) {
                        Some(entry) => origins.entries.push(entry),
                        None => origins.has_unknown = true,
                    }
                }
                // `@fastify/cors` sends `*` for an array that holds it; Hono compares it as a string.
                if flavour.tests_regexps && origins.entries.iter().any(|e| e.kind == OriginKind::Literal("*".into())) {
                    let star = OriginEntry { kind: OriginKind::Any, span: at(&property.value), text_start: None };
                    origins = Origins { entries: vec![star], ..Origins::default() };
                }
            }
            ValueKind::String(s) if s == "*" => {
                origins.entries.push(OriginEntry { kind: OriginKind::Any, span: at(&property.value), text_start: None })
            }
            _ => match origin_entry(flavour, &property.value, file) {
                Some(entry) => origins.entries.push(entry),
                None => origins.has_unknown = true,
            },
        },
    }
    let credentials = match get("credentials") {
        // Both test `if (options.credentials)`: any truthy value.
        Lookup::Found(property) => match truthy(&property.value.kind) {
            Some(on) => Setting::explicit(ModelValue::Known(on), setting_span("credentials")),
            None => Setting::explicit(ModelValue::Unknown, setting_span("credentials")),
        },
        Lookup::Absent => Setting::default_at(false, span),
        Lookup::Unknown => Setting { value: ModelValue::Unknown, span, explicit: false },
    };
    let names = |key: &str, default: &[&str]| -> Setting<NameList> {
        match get(key) {
            Lookup::Found(p) if matches!(p.value.kind, ValueKind::Undefined | ValueKind::Null) => {
                Setting::default_at(defaults(default, span), span)
            }
            Lookup::Found(p) => {
                let value = match &p.value.kind {
                    ValueKind::String(_) if !flavour.strings_are_lists => ModelValue::Unknown,
                    _ => name_list(&p.value, file),
                };
                Setting::explicit(value, setting_span(key))
            }
            Lookup::Unknown => Setting { value: ModelValue::Unknown, span, explicit: false },
            Lookup::Absent => Setting::default_at(defaults(default, span), span),
        }
    };
    let max_age = match get("maxAge") {
        Lookup::Found(property) => match property.value.kind {
            ValueKind::Number(n) if n >= 0.0 && n.fract() == 0.0 => {
                Setting::explicit(ModelValue::Known(n as u64), setting_span("maxAge"))
            }
            ValueKind::Null | ValueKind::Undefined => Setting::default_at(5, span),
            _ => Setting::explicit(ModelValue::Unknown, setting_span("maxAge")),
        },
        // No `Access-Control-Max-Age`: browsers cache a preflight 5 seconds.
        Lookup::Absent => Setting::default_at(5, span),
        Lookup::Unknown => Setting { value: ModelValue::Unknown, span, explicit: false },
    };
    let policy = CorsPolicy {
        layer: flavour.layer,
        span,
        origins,
        credentials,
        methods: names(flavour.methods_key, flavour.default_methods),
        // Unset or empty: the preflight reflects the requested headers, which `*` stands for.
        headers: names(flavour.headers_key, &["*"]),
        expose_headers: names(flavour.expose_key, &[]),
        max_age,
    };
    let args = object
        .properties
        .iter()
        .map(|p| CorsArg {
            name: p.key.clone(),
            span: p.span(file),
            value_span: at(&p.value),
            // A function decides at run time: not a value of the wrong type.
            shape: if p.value.kind == ValueKind::Function { ArgShape::Unknown } else { shape(&p.value.kind) },
        })
        .collect();
    Some(Options { policy, args, unknown_args: unknown, origin_notes })
}

fn defaults(names: &[&str], span: Span) -> NameList {
    names.iter().map(|m| Spanned::new(m.to_string(), span)).collect()
}

/// JavaScript truthiness of a known value.
fn truthy(kind: &ValueKind) -> Option<bool> {
    match kind {
        ValueKind::Bool(b) => Some(*b),
        ValueKind::String(s) => Some(!s.is_empty()),
        ValueKind::Number(n) => Some(*n != 0.0 && !n.is_nan()),
        ValueKind::Null | ValueKind::Undefined => Some(false),
        ValueKind::Array(_) | ValueKind::Object(_) | ValueKind::RegExp { .. } | ValueKind::Function => Some(true),
        ValueKind::Env(_) | ValueKind::Unknown => None,
    }
}

/// One origin: a string (compared with `===`, or sent as written when it is the whole option of
/// `@fastify/cors`: `simulate` reads that from the argument), a RegExp `.test()`ed and `true`
/// (reflect) where the library has them; `None` when unknown or not an origin the library reads.
fn origin_entry(flavour: &Flavour, value: &Value, file: FileId) -> Option<OriginEntry> {
    let span = value.span(file);
    let kind = match &value.kind {
        ValueKind::String(s) => OriginKind::Literal(s.clone()),
        ValueKind::RegExp { pattern, flags } if flavour.tests_regexps => OriginKind::Pattern {
            pattern: pattern.replace("\\/", "/"),
            semantics: PatternSemantics::Search { case_insensitive: flags.contains('i') },
        },
        ValueKind::Bool(true) if flavour.tests_regexps => OriginKind::Reflect,
        _ => return None,
    };
    let text_start = match &value.kind {
        ValueKind::String(s) if value.range.len() == s.len() + 2 => Some(value.range.start + 1),
        _ => None,
    };
    Some(OriginEntry { kind, span, text_start })
}
