//! The CORS policy a Traefik `headers` middleware enforces.
//!
//! Traefik has no CORS defaults that allow anything: an origin is allowed only if listed
//! (`accessControlAllowOriginList`, exact string compare; `*` answers a literal `*`) or matched by
//! `accessControlAllowOriginListRegex` (Go `regexp.MatchString`: unanchored, case-sensitive), which
//! then reflects the origin; credentials, methods and headers are sent only as written.

use crate::analysis::origin::LiteralContext;
use crate::extract::yaml::never_an_origin;
use crate::model::deploy::{Field, TraefikHeaders, Written};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting, Value};
use crate::source::{Span, Spanned};

/// A list of names as Traefik sends it; a placeholder among them (or an unknown value elsewhere
/// with nothing written here) makes it Unknown: the missing name may be the placeholder's.
fn names(field: &Option<Field<Vec<Written>>>, at: Span, has_unknown: bool) -> Setting<NameList> {
    match field {
        Some(f) if (has_unknown && f.value.is_empty()) || f.value.iter().any(Written::has_placeholder) => {
            Setting::explicit(Value::Unknown, f.key)
        }
        Some(f) => {
            let list = f.value.iter().map(|w| Spanned::new(w.value.clone(), w.span)).collect();
            let span = match (f.value.first(), f.value.last()) {
                (Some(first), Some(last)) if first.span.file == last.span.file => {
                    Span::new(first.span.file, first.span.start(), last.span.end().max(first.span.start()))
                }
                _ => f.key,
            };
            Setting::explicit(Value::Known(list), span)
        }
        None => Setting::default_at(Vec::new(), at),
    }
}

pub(super) fn policy(headers: &TraefikHeaders, declared: Span) -> Option<CorsPolicy> {
    if headers.handles_cors() {
        return Some(cors_policy(headers, declared));
    }
    static_header_policy(headers, declared)
}

/// The `accessControl*` fields: Traefik answers preflights itself and sets the CORS headers.
fn cors_policy(headers: &TraefikHeaders, declared: Span) -> CorsPolicy {
    let mut origins = Origins { entries: Vec::new(), has_unknown: headers.has_unknown };
    for w in headers.origin_list.iter().flat_map(|f| &f.value) {
        let kind = match w.value.as_str() {
            "*" => OriginKind::Any,
            // Unknown, unless no value of the placeholder can make it an origin (CORS104).
            value if w.has_placeholder() && !never_an_origin(value, LiteralContext::EXACT) => continue,
            value => OriginKind::Literal(value.to_owned()),
        };
        origins.entries.push(OriginEntry { kind, span: w.span, text_start: w.text_start });
    }
    for w in headers.origin_list_regex.iter().flat_map(|f| &f.value).filter(|w| !w.has_placeholder()) {
        let kind = OriginKind::Pattern {
            pattern: w.value.clone(),
            semantics: PatternSemantics::Search { case_insensitive: false },
        };
        origins.entries.push(OriginEntry { kind, span: w.span, text_start: w.text_start });
    }
    let credentials = match &headers.credentials {
        Some(Field { value: Some(b), key }) => Setting::explicit(Value::Known(*b), *key),
        Some(Field { value: None, key }) => Setting::explicit(Value::Unknown, *key),
        None => Setting::default_at(false, declared),
    };
    let max_age = match &headers.max_age {
        Some(Field { value: Some(n), key }) => Setting::explicit(Value::Known(u64::try_from(*n).unwrap_or(0)), *key),
        Some(Field { value: None, key }) => Setting::explicit(Value::Unknown, *key),
        // Traefik sends `Access-Control-Max-Age: 0` in every preflight it answers.
        None => Setting::default_at(0, declared),
    };
    CorsPolicy {
        layer: Layer::Traefik,
        span: declared,
        origins,
        credentials,
        methods: names(&headers.methods, declared, headers.has_unknown),
        headers: names(&headers.headers, declared, headers.has_unknown),
        expose_headers: names(&headers.expose_headers, declared, headers.has_unknown),
        max_age,
    }
}

/// `customResponseHeaders` with `Access-Control-Allow-Origin` and no `accessControl*` field: the
/// same static headers on every response (preflights go to the backend).
fn static_header_policy(headers: &TraefikHeaders, declared: Span) -> Option<CorsPolicy> {
    let (_, origin) = headers.custom_response_header("Access-Control-Allow-Origin")?;
    if origin.value.trim().is_empty() {
        return None; // an empty value removes the header: CORS303's business, not a policy
    }
    let mut origins = Origins::default();
    if origin.has_placeholder() {
        origins.has_unknown = true;
    } else {
        let kind = if origin.value.trim() == "*" { OriginKind::Any } else { OriginKind::Literal(origin.value.clone()) };
        origins.entries.push(OriginEntry { kind, span: origin.span, text_start: origin.text_start });
    }
    let header = |name: &str| headers.custom_response_header(name).map(|(_, w)| w);
    let list = |name: &str| match header(name) {
        Some(w) if w.has_placeholder() => Setting::explicit(Value::Unknown, w.span),
        Some(w) => Setting::explicit(
            Value::Known(
                w.comma_parts()
                    .into_iter()
                    .filter(|p| !p.value.is_empty())
                    .map(|p| Spanned::new(p.value, p.span))
                    .collect(),
            ),
            w.span,
        ),
        None => Setting::default_at(Vec::new(), declared),
    };
    let credentials = match header("Access-Control-Allow-Credentials") {
        Some(w) if w.has_placeholder() => Setting::explicit(Value::Unknown, w.span),
        // Only the exact value `true` allows credentials.
        Some(w) => Setting::explicit(Value::Known(w.value.trim() == "true"), w.span),
        None => Setting::default_at(false, declared),
    };
    let max_age = match header("Access-Control-Max-Age") {
        Some(w) => Setting::explicit(w.value.trim().parse().map_or(Value::Unknown, Value::Known), w.span),
        None => Setting::default_at(5, declared),
    };
    Some(CorsPolicy {
        layer: Layer::Traefik,
        span: declared,
        origins,
        credentials,
        methods: list("Access-Control-Allow-Methods"),
        headers: list("Access-Control-Allow-Headers"),
        expose_headers: list("Access-Control-Expose-Headers"),
        max_age,
    })
}
