//! One CORSMiddleware installation → a `CorsPolicy` with Starlette's defaults, and the argument
//! shapes and origin notes the app-specific rules need.

use super::Ctx;
use super::value::{Arg, SeqKind, V, Val};
use crate::model::app::{ArgShape, CorsArg, CorsSetup, Install, OriginNote, OriginNoteKind};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting, Value};
use crate::source::{Span, Spanned};

/// `CORSMiddleware.__init__` parameters after `app`, in order (positional use past the fifth is
/// ambiguous across Starlette versions: `allow_private_network` was inserted in 0.51).
const POSITIONAL: &[&str] =
    &["allow_origins", "allow_methods", "allow_headers", "allow_credentials", "allow_origin_regex"];

const KNOWN: &[&str] = &[
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "expose_headers",
    "max_age",
];

/// Whether a dotted path names Starlette's CORSMiddleware (or FastAPI's re-export).
pub fn is_cors_class(val: &Val<'_>) -> bool {
    match &val.v {
        V::Path(path) => super::middleware::starlette_name(path) == Some("CORSMiddleware"),
        _ => false,
    }
}

impl<'t> Ctx<'t> {
    /// Builds the policy of one setup from its options (the arguments after the app/class) and pushes
    /// it onto `policies`.
    pub fn cors_setup(
        &self,
        options: &[Arg<'t>],
        unknown_args: bool,
        span: Span,
        install: Install,
        policies: &mut Vec<CorsPolicy>,
    ) -> CorsSetup {
        let mut unknown_args = unknown_args;
        let mut named: Vec<(String, &Arg<'t>)> = Vec::new();
        for (index, arg) in options.iter().filter(|a| a.name.is_none()).enumerate() {
            match POSITIONAL.get(index) {
                Some(name) => named.push((name.to_string(), arg)),
                None => unknown_args = true,
            }
        }
        for arg in options.iter() {
            if let Some(name) = &arg.name
                && KNOWN.contains(&name.as_str())
            {
                named.retain(|(n, _)| n != name);
                named.push((name.clone(), arg));
            }
        }
        let get = |name: &str| named.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
        let args = named
            .iter()
            .map(|(name, arg)| CorsArg {
                name: name.clone(),
                span: arg.span,
                value_span: arg.value_span,
                shape: shape(&arg.val),
            })
            .collect();

        let mut notes = Vec::new();
        let mut origins = Origins::default();
        match get("allow_origins") {
            Some(arg) => add_origins(&arg.val, &mut origins, &mut notes),
            None => origins.has_unknown |= unknown_args,
        }
        match get("allow_origin_regex").map(|a| &a.val) {
            Some(Val { v: V::Str(s), span }) => origins.entries.push(OriginEntry {
                kind: OriginKind::Pattern { pattern: s.value.clone(), semantics: PatternSemantics::FullMatch },
                span: *span,
                text_start: s.text_start,
            }),
            Some(Val { v: V::NoneVal, .. }) => {}
            Some(_) => origins.has_unknown = true,
            None => origins.has_unknown |= unknown_args,
        }

        let credentials = match get("allow_credentials") {
            Some(arg) => Setting::explicit(credentials_of(&arg.val), arg.span),
            None if unknown_args => Setting { value: Value::Unknown, span, explicit: false },
            None => Setting::default_at(false, span),
        };
        let names = |name: &str, default: &[&str]| -> Setting<NameList> {
            let default: Vec<Spanned<String>> = default.iter().map(|m| Spanned::new(m.to_string(), span)).collect();
            match get(name) {
                Some(arg) => Setting::explicit(names_of(&arg.val), arg.span),
                None if unknown_args => Setting { value: Value::Unknown, span, explicit: false },
                None => Setting::default_at(default, span),
            }
        };
        let max_age = match get("max_age") {
            Some(arg) => match arg.val.v {
                V::Int(i) if i >= 0 => Setting::explicit(Value::Known(i as u64), arg.span),
                _ => Setting::explicit(Value::Unknown, arg.span),
            },
            None if unknown_args => Setting { value: Value::Unknown, span, explicit: false },
            None => Setting::default_at(600, span),
        };
        let policy = CorsPolicy {
            layer: Layer::Starlette,
            span,
            origins,
            credentials,
            methods: names("allow_methods", &["GET"]),
            headers: names("allow_headers", &[]),
            expose_headers: names("expose_headers", &[]),
            max_age,
        };
        policies.push(policy);
        CorsSetup { policy: policies.len() - 1, span, install, args, unknown_args, origin_notes: notes, paths: None }
    }
}

/// Starlette only tests `if self.allow_credentials`: Python truthiness.
pub(super) fn credentials_of(val: &Val<'_>) -> Value<bool> {
    match &val.v {
        V::Bool(b) => Value::Known(*b),
        V::NoneVal => Value::Known(false),
        V::Int(i) => Value::Known(*i != 0),
        V::Str(s) if !s.url => Value::Known(!s.value.is_empty()),
        _ => Value::Unknown,
    }
}

fn names_of(val: &Val<'_>) -> Value<NameList> {
    match &val.v {
        V::Seq(seq) if !seq.unknown => seq
            .items
            .iter()
            .map(|i| match &i.v {
                V::Str(s) if !s.url => Some(Spanned::new(s.value.clone(), i.span)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map_or(Value::Unknown, Value::Known),
        _ => Value::Unknown,
    }
}

pub(super) fn shape(val: &Val<'_>) -> ArgShape {
    match &val.v {
        V::Seq(seq) => match seq.kind {
            SeqKind::List => ArgShape::List,
            SeqKind::Tuple => ArgShape::Tuple,
            SeqKind::Set => ArgShape::Set,
        },
        V::Str(s) if s.url => ArgShape::Unknown,
        V::Str(s) => ArgShape::Str(Some(s.value.clone())),
        V::EnvStr => ArgShape::EnvStr,
        V::Bool(b) => ArgShape::Bool(*b),
        V::Int(_) | V::Float => ArgShape::Number,
        V::NoneVal => ArgShape::NoneValue,
        V::Dict(_) | V::Class(..) | V::Func(..) | V::Module(_) | V::App(_) | V::Router(_) => ArgShape::Other,
        V::Path(_) | V::Method(..) | V::Call(_) | V::Instance(..) | V::Unknown => ArgShape::Unknown,
    }
}

/// `allow_origins`: each string of a list is an exact origin (`"*"` allows all); a plain string is a
/// substring test (CORS105), which allows everything when it contains `*`.
fn add_origins(val: &Val<'_>, origins: &mut Origins, notes: &mut Vec<OriginNote>) {
    match &val.v {
        V::Seq(seq) => {
            origins.has_unknown |= seq.unknown;
            for item in seq.items.iter() {
                match &item.v {
                    V::Str(s) if !s.url => {
                        let kind = if s.value == "*" { OriginKind::Any } else { OriginKind::Literal(s.value.clone()) };
                        if let Some(at) = s.slash_added {
                            notes.push(OriginNote {
                                entry: Some(origins.entries.len()),
                                kind: OriginNoteKind::UrlTrailingSlash,
                                span: at,
                            });
                        }
                        origins.entries.push(OriginEntry { kind, span: item.span, text_start: s.text_start });
                    }
                    V::Seq(_) => {
                        notes.push(OriginNote { entry: None, kind: OriginNoteKind::NestedList, span: item.span })
                    }
                    V::Str(_) => {
                        notes.push(OriginNote { entry: None, kind: OriginNoteKind::UrlObject, span: item.span })
                    }
                    // Never equal to an origin string.
                    V::NoneVal | V::Bool(_) | V::Int(_) | V::Float => {}
                    _ => origins.has_unknown = true,
                }
            }
        }
        V::Str(s) if !s.url && s.value.contains('*') => {
            origins.entries.push(OriginEntry { kind: OriginKind::Any, span: val.span, text_start: s.text_start });
        }
        // Not iterable: Starlette fails on every request (CORS105 says so).
        V::NoneVal | V::Bool(_) | V::Int(_) | V::Float => {}
        _ => origins.has_unknown = true,
    }
}

/// Whether a dotted path names Litestar's `CORSConfig`.
pub fn is_litestar_config(path: &str) -> bool {
    matches!(path, "litestar.config.cors.CORSConfig" | "litestar.config.CORSConfig")
}

impl<'t> Ctx<'t> {
    /// `Litestar(cors_config=CORSConfig(...))`: a policy with Litestar's defaults; each origin
    /// entry a `fullmatch`ed regex (`*.` rewritten to `.*\.`), `*` alone allowing every origin.
    pub fn litestar_setup(&self, config: &Val<'t>, policies: &mut Vec<CorsPolicy>) -> Option<CorsSetup> {
        let V::Call(call) = &config.v else { return None };
        if !is_litestar_config(&call.path) {
            return None;
        }
        let span = config.span;
        let unknown = call.unknown_args || call.positional().next().is_some();
        let get = |name: &str| call.arg(None, name);
        let mut origins = Origins::default();
        let pattern = |text: &str| OriginKind::Pattern {
            pattern: text.replace("*.", r".*\."),
            semantics: PatternSemantics::FullMatch,
        };
        match get("allow_origins").map(|a| &a.val) {
            None if unknown => origins.has_unknown = true,
            None => origins.entries.push(OriginEntry { kind: OriginKind::Any, span, text_start: None }),
            Some(Val { v: V::Seq(seq), .. }) => {
                origins.has_unknown |= seq.unknown;
                for item in seq.items.iter() {
                    match &item.v {
                        V::Str(s) if !s.url => {
                            let kind = if s.value == "*" { OriginKind::Any } else { pattern(&s.value) };
                            origins.entries.push(OriginEntry { kind, span: item.span, text_start: s.text_start });
                        }
                        _ => origins.has_unknown = true,
                    }
                }
            }
            Some(_) => origins.has_unknown = true,
        }
        match get("allow_origin_regex").map(|a| &a.val) {
            Some(Val { v: V::Str(s), span }) => origins.entries.push(OriginEntry {
                kind: OriginKind::Pattern { pattern: s.value.clone(), semantics: PatternSemantics::FullMatch },
                span: *span,
                text_start: s.text_start,
            }),
            Some(Val { v: V::NoneVal, .. }) | None => {}
            Some(_) => origins.has_unknown = true,
        }
        let credentials = match get("allow_credentials") {
            Some(arg) => Setting::explicit(credentials_of(&arg.val), arg.span),
            None if unknown => Setting { value: Value::Unknown, span, explicit: false },
            None => Setting::default_at(false, span),
        };
        let names = |name: &str, default: &[&str]| -> Setting<NameList> {
            match get(name) {
                Some(arg) => Setting::explicit(names_of(&arg.val), arg.span),
                None if unknown => Setting { value: Value::Unknown, span, explicit: false },
                None => Setting::default_at(default.iter().map(|d| Spanned::new(d.to_string(), span)).collect(), span),
            }
        };
        let max_age = match get("max_age") {
            Some(arg) => match arg.val.v {
                V::Int(i) if i >= 0 => Setting::explicit(Value::Known(i as u64), arg.span),
                _ => Setting::explicit(Value::Unknown, arg.span),
            },
            None if unknown => Setting { value: Value::Unknown, span, explicit: false },
            None => Setting::default_at(600, span),
        };
        policies.push(CorsPolicy {
            layer: Layer::Litestar,
            span,
            origins,
            credentials,
            methods: names("allow_methods", &["*"]),
            headers: names("allow_headers", &["*"]),
            expose_headers: names("expose_headers", &[]),
            max_age,
        });
        let args = call
            .args
            .iter()
            .filter_map(|a| {
                let name = a.name.clone()?;
                Some(CorsArg { name, span: a.span, value_span: a.value_span, shape: shape(&a.val) })
            })
            .collect();
        Some(CorsSetup {
            policy: policies.len() - 1,
            span,
            install: Install::ConstructorConfig,
            args,
            unknown_args: unknown,
            origin_notes: Vec::new(),
            paths: None,
        })
    }
}
