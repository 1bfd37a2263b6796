//! Django projects with django-cors-headers: the settings modules that apply (the ones
//! `DJANGO_SETTINGS_MODULE` names in `manage.py`/`wsgi.py`/`asgi.py`, and outside those projects
//! every settings module no other one star-imports), their `MIDDLEWARE` and `CORS_*` settings (old
//! names as aliases, `from .base import *` followed), read with the same static evaluation as the
//! other apps: `env.list(...)`, `os.environ[...]` and other values it cannot see are `Unknown`.

use super::Ctx;
use super::bindings::{Binding, UpdateKind};
use super::modules::ModId;
use super::value::{Scope, V, Val};
use crate::model::app::{
    App, CorsArg, CorsSetup, Framework, Install, Middleware, MiddlewareKind, OriginNote, OriginNoteKind, PathScope,
};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting, Value};
use crate::source::{Span, Spanned};

const CORS_MIDDLEWARE: &str = "corsheaders.middleware.CorsMiddleware";

/// corsheaders/defaults.py.
const DEFAULT_METHODS: &[&str] = &["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];
const DEFAULT_HEADERS: &[&str] =
    &["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"];

/// Each setting with its old name (corsheaders/conf.py reads the new one first).
const ALLOW_ALL: [&str; 2] = ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"];
const ALLOWED: [&str; 2] = ["CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"];
const REGEXES: [&str; 2] = ["CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"];

impl<'t> Ctx<'t> {
    /// One app per settings module that applies and installs `CorsMiddleware`.
    pub(super) fn django_apps(&self, policies: &mut Vec<CorsPolicy>, apps: &mut Vec<App>) {
        for module in self.settings_modules() {
            if let Some(app) = self.django_app(module, policies) {
                apps.push(app);
            }
        }
    }

    /// The settings modules that apply: those `DJANGO_SETTINGS_MODULE` names, and every module with
    /// a `MIDDLEWARE` setting outside the projects that name theirs and that no other such module
    /// star-imports (a split `base.py` is read through the `production.py` that imports it). A
    /// project is the directory of its `manage.py`, or the one above a `wsgi.py`/`asgi.py`'s
    /// package: a monorepo's second Django project is read even when the first names its settings.
    fn settings_modules(&self) -> Vec<ModId> {
        static NAMED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r#"DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']"#).ok()
        });
        let mut named: Vec<ModId> = Vec::new();
        let mut projects: Vec<&std::path::Path> = Vec::new();
        if let Some(re) = NAMED.as_ref() {
            for (id, module) in self.modules.iter().enumerate() {
                if !module.text.contains("DJANGO_SETTINGS_MODULE") {
                    continue;
                }
                for captures in re.captures_iter(module.text) {
                    let Some(dotted) = captures.get(1) else { continue };
                    let path: Vec<String> = dotted.as_str().split('.').map(str::to_string).collect();
                    let Some(found) = self.index.find(&path, false, id) else { continue };
                    if !named.contains(&found) {
                        named.push(found);
                    }
                    let project = match module.path.last().map(String::as_str) {
                        Some("manage") => Some(module.dir.as_path()),
                        _ => module.dir.parent(),
                    };
                    projects.extend(project);
                }
            }
        }
        let candidates: Vec<ModId> = (0..self.modules.len())
            .filter(|m| !named.contains(m))
            .filter(|&m| self.modules.get(m).is_some_and(|module| !projects.iter().any(|p| module.dir.starts_with(p))))
            .filter(|&m| self.setting(m, "MIDDLEWARE").is_some())
            .collect();
        let star_imported = |base: ModId| {
            candidates.iter().any(|&other| {
                other != base
                    && self.modules.get(other).is_some_and(|m| {
                        m.symbols.stars.iter().any(|s| self.index.find(&s.module, s.relative, other) == Some(base))
                    })
            })
        };
        let unnamed = candidates.iter().copied().filter(|&m| !star_imported(m));
        named.into_iter().chain(unnamed.collect::<Vec<_>>()).collect()
    }

    /// A setting of the module, through star imports; `None` when it is not set anywhere.
    fn setting(&self, module: ModId, name: &str) -> Option<Val<'t>> {
        // Django reads a setting once the module has run: after every change made to it there.
        let end = self.source(module).len();
        let at = Span::new(self.file_of(module), end, end);
        let val = self.module_name(module, name, at, 0);
        match &val.v {
            V::Path(path) if path.starts_with("?.") => None,
            _ => Some(val),
        }
    }

    /// The list first assigned to `MIDDLEWARE`, evaluated in the module that assigns it.
    fn first_written_middleware(&self, module: ModId) -> Option<(ModId, Val<'t>)> {
        let module = self.binding_module(module, "MIDDLEWARE", 0)?;
        let first = match self.modules.get(module)?.symbols.get("MIDDLEWARE")? {
            Binding::Value { value, .. } => (*value)?,
            Binding::Rebound(values) => values.iter().flatten().next().copied()?,
            _ => return None,
        };
        Some((module, self.eval(first, &Scope::module(module), 0)))
    }

    /// Where `CorsMiddleware` is written in the list first assigned to `MIDDLEWARE`, for a
    /// `MIDDLEWARE` changed later in ways not followed (`MIDDLEWARE.insert(8, ...)` under an `if`):
    /// the policy is pointed at the entry, not at the last change.
    fn first_written_entry(&self, module: ModId) -> Option<Span> {
        match self.first_written_middleware(module)?.1.v {
            V::Seq(seq) => seq.items.iter().find(|i| i.str() == Some(CORS_MIDDLEWARE)).map(|i| i.span),
            _ => None,
        }
    }

    /// `MIDDLEWARE` as first written, when every later change may or may not run and only adds
    /// entries other than `CorsMiddleware` (`if DEBUG: MIDDLEWARE.insert(3, "debug_toolbar...")`):
    /// whichever of them run, the written entries keep their order, so those above
    /// `CorsMiddleware` stay above it.
    fn middleware_whichever_additions_run(&self, module: ModId) -> Option<Val<'t>> {
        let (module, first) = self.first_written_middleware(module)?;
        let additions = self.modules.get(module)?.symbols.maybe_grown.get("MIDDLEWARE")?;
        let scope = Scope::module(module);
        let other_entry = |val: &Val<'t>| val.str().is_some_and(|name| name != CORS_MIDDLEWARE);
        let only_other_entries = additions.iter().all(|update| match update.kind {
            UpdateKind::Append(item) | UpdateKind::Insert { item, .. } => other_entry(&self.eval(item, &scope, 0)),
            UpdateKind::Extend(items) => match self.eval(items, &scope, 0).v {
                V::Seq(seq) => !seq.unknown && seq.items.iter().all(other_entry),
                _ => false,
            },
            UpdateKind::SetItem { .. } | UpdateKind::Merge(_) => false,
        });
        (only_other_entries && matches!(&first.v, V::Seq(seq) if !seq.unknown)).then_some(first)
    }

    /// The first of the names (a setting and its old alias) that is set.
    fn setting_of(&self, module: ModId, names: &[&str]) -> Option<(String, Val<'t>)> {
        names.iter().find_map(|name| self.setting(module, name).map(|v| (name.to_string(), v)))
    }

    fn django_app(&self, module: ModId, policies: &mut Vec<CorsPolicy>) -> Option<App> {
        let middleware = self.setting(module, "MIDDLEWARE")?;
        let middleware = self.middleware_whichever_additions_run(module).unwrap_or(middleware);
        let (span, outside) = match &middleware.v {
            V::Seq(seq) => match seq.items.iter().position(|i| i.str() == Some(CORS_MIDDLEWARE)) {
                Some(at) => {
                    let above = if seq.unknown { &[][..] } else { seq.items.get(..at).unwrap_or_default() };
                    (seq.items.get(at).map_or(middleware.span, |e| e.span), self.entries_outside(module, above))
                }
                // A known list without it: the CORS settings do nothing.
                None if !seq.unknown => return self.configured_without_middleware(module, &middleware),
                None => (self.first_written_entry(module).unwrap_or(middleware.span), Vec::new()),
            },
            _ => (self.first_written_entry(module).unwrap_or(middleware.span), Vec::new()),
        };
        let mut args = Vec::new();
        let mut arg = |name: &str, val: &Val<'t>| {
            args.push(CorsArg {
                name: name.to_owned(),
                span: val.span,
                value_span: val.span,
                shape: super::cors::shape(val),
            });
        };

        let mut origins = Origins::default();
        let mut origin_notes = Vec::new();
        let allow_all = self.setting_of(module, &ALLOW_ALL);
        let credentials = match self.setting_of(module, &["CORS_ALLOW_CREDENTIALS"]) {
            Some((name, val)) => {
                arg(&name, &val);
                Setting::explicit(super::cors::credentials_of(&val), val.span)
            }
            None => Setting::default_at(false, span),
        };
        if let Some((name, val)) = &allow_all {
            arg(name, val);
            match super::cors::credentials_of(val) {
                Value::Known(true) => {
                    origins.entries.push(OriginEntry { kind: OriginKind::Any, span: val.span, text_start: None })
                }
                Value::Known(false) => {}
                Value::Unknown => origins.has_unknown = true,
            }
        }
        if let Some((name, val)) = self.setting_of(module, &ALLOWED) {
            arg(&name, &val);
            let hostnames = self.modules.get(module).is_some_and(|m| pins_hostname_whitelist(&m.dir));
            add_listed(&val, hostnames, &mut origins);
            refused_at_startup(&val, hostnames, &mut origin_notes);
        }
        if let Some((name, val)) = self.setting_of(module, &REGEXES) {
            arg(&name, &val);
            add_regexes(&val, &mut origins);
        }
        let names = |name: &str, default: &[&str]| -> Setting<NameList> {
            match self.setting(module, name) {
                Some(val) => Setting::explicit(names_of(&val), val.span),
                None => Setting::default_at(default.iter().map(|d| Spanned::new(d.to_string(), span)).collect(), span),
            }
        };
        for name in ["CORS_ALLOW_METHODS", "CORS_ALLOW_HEADERS", "CORS_EXPOSE_HEADERS"] {
            if let Some(val) = self.setting(module, name) {
                arg(name, &val);
            }
        }
        let max_age = match self.setting(module, "CORS_PREFLIGHT_MAX_AGE") {
            Some(val) => match val.v {
                V::Int(i) if i >= 0 => Setting::explicit(Value::Known(i as u64), val.span),
                _ => Setting::explicit(Value::Unknown, val.span),
            },
            None => Setting::default_at(86400, span),
        };
        let paths = match self.setting(module, "CORS_URLS_REGEX").map(|v| v.v) {
            None => None,
            Some(V::Str(s)) if s.value == "^.*$" => None,
            Some(V::Str(s)) => Some(PathScope::StartAnchoredRegex(s.value)),
            Some(_) => Some(PathScope::Unknown),
        };
        policies.push(CorsPolicy {
            layer: Layer::DjangoCors,
            span,
            origins,
            credentials,
            methods: names("CORS_ALLOW_METHODS", DEFAULT_METHODS),
            headers: names("CORS_ALLOW_HEADERS", DEFAULT_HEADERS),
            expose_headers: names("CORS_EXPOSE_HEADERS", &[]),
            max_age,
        });
        let setup = CorsSetup {
            policy: policies.len() - 1,
            span,
            install: Install::Settings,
            args,
            unknown_args: false,
            origin_notes,
            paths,
        };
        let cors_entry = Middleware {
            name: "CorsMiddleware".to_owned(),
            span,
            install: Install::Settings,
            kind: MiddlewareKind::Cors { setup: 0 },
        };
        let mut middleware = outside;
        middleware.push(cors_entry);
        Some(App {
            span,
            framework: Framework::Django,
            cors: vec![setup],
            middleware,
            routes: Vec::new(),
            header_needs: Vec::new(),
        })
    }
}

impl<'t> Ctx<'t> {
    /// The `MIDDLEWARE` entries above `CorsMiddleware` that answer some requests themselves
    /// (CORS208), in order; `CommonMiddleware` only while `APPEND_SLASH` or `PREPEND_WWW` is on.
    fn entries_outside(&self, module: ModId, above: &[Val<'t>]) -> Vec<Middleware> {
        let redirects = !matches!(self.setting(module, "APPEND_SLASH").map(|v| v.v), Some(V::Bool(false)))
            || matches!(self.setting(module, "PREPEND_WWW").map(|v| v.v), Some(V::Bool(true)));
        above
            .iter()
            .filter_map(|entry| {
                let name = entry.str()?;
                let answers = match name {
                    "django.middleware.common.CommonMiddleware" => redirects,
                    "whitenoise.middleware.WhiteNoiseMiddleware" => true,
                    _ => false,
                };
                answers.then(|| Middleware {
                    name: name.to_owned(),
                    span: entry.span,
                    install: Install::Settings,
                    kind: MiddlewareKind::PassThrough,
                })
            })
            .collect()
    }

    /// A settings module that configures django-cors-headers (`corsheaders` in `INSTALLED_APPS`,
    /// or a `CORS_*` setting) while `MIDDLEWARE` is known and lacks `CorsMiddleware`: an app whose
    /// CORS settings do nothing, so it sends no CORS headers at all.
    fn configured_without_middleware(&self, module: ModId, middleware: &Val<'t>) -> Option<App> {
        let installed = match self.setting(module, "INSTALLED_APPS").map(|v| v.v) {
            Some(V::Seq(apps)) => apps.items.iter().any(|a| a.str() == Some("corsheaders")),
            _ => false,
        };
        let configured = [&ALLOW_ALL[..], &ALLOWED[..], &REGEXES[..], &["CORS_ALLOW_CREDENTIALS"][..]]
            .concat()
            .iter()
            .any(|name| self.setting(module, name).is_some());
        (installed || configured).then(|| App {
            span: middleware.span,
            framework: Framework::Django,
            cors: Vec::new(),
            middleware: Vec::new(),
            routes: Vec::new(),
            header_needs: Vec::new(),
        })
    }
}

/// Whether the project pins a release that compares `CORS_ORIGIN_WHITELIST` entries with the
/// origin's host (`localhost:3000`, any scheme): django-cors-headers before 3.0, or the
/// `django-cors-middleware` fork. Read from the `requirements*.txt` next to the settings or up to
/// three directories above.
fn pins_hostname_whitelist(dir: &std::path::Path) -> bool {
    static OLD: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?im)^\s*django-cors-(?:middleware\b|headers\s*(?:==|<=|~=)\s*[12]\.|headers\s*<\s*3\b)")
            .ok()
    });
    let Some(old) = OLD.as_ref() else { return false };
    for dir in dir.ancestors().take(4) {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("requirements") && name.ends_with(".txt") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if old.is_match(&text) {
                    return true;
                }
            }
        }
    }
    false
}

/// `CORS_ALLOWED_ORIGINS`: `urlsplit` of each entry is compared by scheme (lower-cased by
/// `urlsplit`) and netloc, so a path or trailing `/` is ignored; `"null"` is compared as written.
/// Before 3.0 (`hostnames`), an entry is a host matched with any scheme. A string is iterated by
/// character (corsheaders.E006, CORS105): no entry matches.
fn add_listed(val: &Val<'_>, hostnames: bool, origins: &mut Origins) {
    let V::Seq(seq) = &val.v else {
        if !matches!(val.v, V::Str(_)) {
            origins.has_unknown = true;
        }
        return;
    };
    origins.has_unknown |= seq.unknown;
    for item in seq.items.iter() {
        let V::Str(s) = &item.v else {
            origins.has_unknown = true;
            continue;
        };
        if hostnames && !s.value.contains("://") {
            for scheme in ["http", "https"] {
                let kind = OriginKind::Literal(format!("{scheme}://{}", s.value));
                origins.entries.push(OriginEntry { kind, span: item.span, text_start: None });
            }
            continue;
        }
        let compared = compared_origin(&s.value);
        let text_start = if compared == s.value { s.text_start } else { None };
        origins.entries.push(OriginEntry { kind: OriginKind::Literal(compared), span: item.span, text_start });
    }
}

/// corsheaders.E014 (checks.py): an entry with a scheme and host that also has a path, query or
/// fragment. `urlsplit` puts everything after the host into them, so even a lone trailing `/` is
/// refused (`null` and `file://` are exempt).
fn refused_at_startup(val: &Val<'_>, hostnames: bool, notes: &mut Vec<OriginNote>) {
    let V::Seq(seq) = &val.v else { return };
    if hostnames {
        return;
    }
    for item in seq.items.iter() {
        let Some(entry) = item.str() else { continue };
        let Some((_, rest)) = entry.split_once("://") else { continue };
        let has_host = !rest.split(['/', '?', '#']).next().unwrap_or("").is_empty();
        let has_more = rest.contains(['/', '?', '#']);
        if entry == "file://" || !has_host || !has_more {
            continue;
        }
        notes.push(OriginNote { entry: None, kind: OriginNoteKind::RefusedAtStartup, span: item.span });
    }
}

/// What `urlsplit` leaves for the comparison: `scheme://netloc`, or the entry itself when it has
/// no scheme or host (it then never matches, as written).
fn compared_origin(entry: &str) -> String {
    let Some((scheme, rest)) = entry.split_once("://") else { return entry.to_owned() };
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme || netloc.is_empty() {
        return entry.to_owned();
    }
    format!("{}://{netloc}", scheme.to_ascii_lowercase())
}

/// `CORS_ALLOWED_ORIGIN_REGEXES`: strings or `re.compile(...)`, `re.match`ed.
fn add_regexes(val: &Val<'_>, origins: &mut Origins) {
    let V::Seq(seq) = &val.v else {
        origins.has_unknown = true;
        return;
    };
    origins.has_unknown |= seq.unknown;
    for item in seq.items.iter() {
        let (pattern, text_start) = match &item.v {
            V::Str(s) => (s.value.clone(), s.text_start),
            V::Call(call) if call.path == "re.compile" => match call.arg(Some(0), "pattern").map(|a| &a.val.v) {
                Some(V::Str(s)) if call.args.len() == 1 => (s.value.clone(), s.text_start),
                _ => {
                    origins.has_unknown = true;
                    continue;
                }
            },
            _ => {
                origins.has_unknown = true;
                continue;
            }
        };
        let kind = OriginKind::Pattern { pattern, semantics: PatternSemantics::StartAnchored };
        origins.entries.push(OriginEntry { kind, span: item.span, text_start });
    }
}

/// `", ".join(setting)`: each string of a sequence as written.
fn names_of(val: &Val<'_>) -> Value<NameList> {
    match &val.v {
        V::Seq(seq) if !seq.unknown => seq
            .items
            .iter()
            .map(|i| i.str().map(|s| Spanned::new(s.to_owned(), i.span)))
            .collect::<Option<Vec<_>>>()
            .map_or(Value::Unknown, Value::Known),
        _ => Value::Unknown,
    }
}
