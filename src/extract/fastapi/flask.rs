//! Flask apps and Flask-CORS: `CORS(app, ...)`, `CORS(...).init_app(app, ...)`, `resources=`,
//! `@cross_origin(...)`, and the `CORS_*` keys of `app.config` (item assignments, `update`,
//! `from_object`). Options merge as flask_cors/core.py `get_cors_options` does: defaults, then
//! the app's config, then the constructor, then `init_app`, then the resource's own dict.

use super::Ctx;
use super::objects::{Objects, Op, OpKind, Target};
use super::syntax::{children, field, text, unparen};
use super::value::{Arg, CallV, Scope, V, Val};
use crate::model::app::{CorsArg, CorsSetup, Framework, Install, PathScope};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting, Value};
use crate::source::{Span, Spanned};
use tree_sitter::Node;

/// flask_cors/core.py `CONFIG_OPTIONS`, as options (`CORS_ORIGINS` is `origins`).
const OPTIONS: &[&str] = &[
    "origins",
    "methods",
    "allow_headers",
    "expose_headers",
    "supports_credentials",
    "max_age",
    "send_wildcard",
    "automatic_options",
    "vary_header",
    "resources",
    "intercept_exceptions",
    "always_send",
    "allow_private_network",
];

/// `ALL_METHODS`, the default of `methods`.
const ALL_METHODS: &[&str] = &["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"];

/// The characters that make flask_cors `probably_regex` a string.
const REGEX_CHARS: &[char] = &['*', '\\', ']', '?', '$', '^', '[', '(', ')'];

/// Whether a dotted path names Flask-CORS's extension class.
pub fn is_extension(path: &str) -> bool {
    matches!(path, "flask_cors.CORS" | "flask_cors.extension.CORS")
}

fn is_decorator(path: &str) -> bool {
    matches!(path, "flask_cors.cross_origin" | "flask_cors.decorator.cross_origin")
}

/// The options a setup was given, in the order they apply (a later one wins), with whether some
/// could not be seen.
#[derive(Default)]
pub(super) struct FlaskOptions<'t> {
    pub args: Vec<Arg<'t>>,
    pub unknown: bool,
}

impl<'t> FlaskOptions<'t> {
    fn get(&self, name: &str) -> Option<&Arg<'t>> {
        self.args.iter().rev().find(|a| a.name.as_deref() == Some(name))
    }

    fn extend_known(&mut self, args: &[Arg<'t>], unknown: bool) {
        self.unknown |= unknown;
        for arg in args {
            match arg.name.as_deref() {
                Some(name) if OPTIONS.contains(&name) => self.args.push(arg.clone()),
                Some(_) => {}
                // A positional option is not part of the signature (`CORS(app, **kwargs)`).
                None => self.unknown = true,
            }
        }
    }
}

impl<'t> Ctx<'t> {
    /// `CORS(app, ...)`: recorded on the app (or blueprint) it is given.
    pub(super) fn walk_flask_cors(&self, call: Node<'t>, scope: &Scope<'t>, key: &[usize]) {
        let Some(parts) = self.eval_call_parts(call, scope) else { return };
        let Some(target) = parts.arg(Some(0), "app").and_then(|a| target_of(&a.val)) else { return };
        let options = without_app(&parts);
        self.record(target, call, scope, Op { key: key.to_vec(), kind: OpKind::FlaskCors(options) });
    }

    /// `cors.init_app(app, ...)` on a `CORS(...)` object, and `app.config.update(...)`-like calls.
    /// Returns whether the call was one of them.
    pub(super) fn walk_flask_method(
        &self,
        call: Node<'t>,
        object: Node<'t>,
        attr: &str,
        scope: &Scope<'t>,
        key: &[usize],
    ) -> bool {
        if attr == "init_app" {
            let V::Call(ctor) = self.eval(object, scope, 0).v else { return false };
            if !is_extension(&ctor.path) {
                return false;
            }
            let Some(parts) = self.eval_call_parts(call, scope) else { return true };
            let Some(target) = parts.arg(Some(0), "app").and_then(|a| target_of(&a.val)) else { return true };
            let mut merged = without_app(&parts);
            let mut args = without_app(&ctor).args;
            args.extend(merged.args);
            merged.args = args;
            merged.unknown_args |= ctor.unknown_args;
            self.record(target, call, scope, Op { key: key.to_vec(), kind: OpKind::FlaskCors(merged) });
            return true;
        }
        let Some(target) = self.config_owner(object, scope) else { return false };
        let Some(parts) = self.eval_call_parts(call, scope) else { return true };
        let (entries, unknown) = match attr {
            "update" | "from_mapping" => {
                let mut entries: Vec<(String, Arg<'t>)> = Vec::new();
                let mut unknown = parts.unknown_args;
                for arg in &parts.args {
                    match (&arg.name, &arg.val.v) {
                        (Some(name), _) => entries.push((name.clone(), arg.clone())),
                        (None, V::Dict(dict)) => {
                            unknown |= dict.unknown;
                            for (name, val, span) in &dict.entries {
                                let arg = Arg {
                                    name: Some(name.clone()),
                                    val: val.clone(),
                                    span: *span,
                                    value_span: val.span,
                                };
                                entries.push((name.clone(), arg));
                            }
                        }
                        (None, _) => unknown = true,
                    }
                }
                (entries, unknown)
            }
            "from_object" => match parts.arg(Some(0), "obj").map(|a| a.val.clone()) {
                Some(object @ Val { v: V::Class(..) | V::Instance(..) | V::Module(_), .. }) => {
                    let mut entries = Vec::new();
                    for option in OPTIONS {
                        let name = format!("CORS_{}", option.to_ascii_uppercase());
                        let val = self.attribute(object.clone(), &name, parts.span, 0);
                        if matches!(val.v, V::Unknown | V::Path(_)) {
                            continue;
                        }
                        let arg =
                            Arg { name: Some(name.clone()), val: val.clone(), span: val.span, value_span: val.span };
                        entries.push((name, arg));
                    }
                    (entries, false)
                }
                _ => (Vec::new(), true),
            },
            "from_pyfile" | "from_envvar" | "from_prefixed_env" | "from_file" => (Vec::new(), true),
            _ => return false,
        };
        let entries = entries.into_iter().filter(|(name, _)| name.starts_with("CORS_")).collect();
        self.record(target, call, scope, Op { key: key.to_vec(), kind: OpKind::Config { entries, unknown } });
        true
    }

    /// A Flask app handed to project code that is not followed (a method of a project object,
    /// `settings.init_app(app)`, or a name that resolves nowhere): that code may fill
    /// `app.config`, so the `CORS_*` keys `@cross_origin` and `CORS()` read are no longer known.
    /// Library calls (`db.init_app(app)`, `Migrate(app)`) do not set Flask-CORS's keys.
    pub(super) fn flask_config_escapes(&self, callee: &Val<'t>, call: Node<'t>, scope: &Scope<'t>, key: &[usize]) {
        // What the called name belongs to: a method takes its receiver's side.
        let owner = match field(call, "function").map(unparen) {
            Some(function) if function.kind() == "attribute" => match field(function, "object") {
                Some(object) => self.eval(object, scope, 0),
                None => return,
            },
            _ => callee.clone(),
        };
        let project_code = match &owner.v {
            V::Instance(..) | V::Class(..) | V::Module(_) | V::Unknown => true,
            V::Path(path) => path.starts_with("?."),
            _ => false,
        };
        if !project_code {
            return;
        }
        let Some(arguments) = field(call, "arguments") else { return };
        for argument in children(arguments) {
            let value = if argument.kind() == "keyword_argument" { field(argument, "value") } else { Some(argument) };
            let Some(value) = value.filter(|v| v.kind() == "identifier") else { continue };
            let V::App(id) = self.eval(value, scope, 0).v else { continue };
            let flask = self.objects.borrow().apps.get(id).is_some_and(|a| a.framework == Framework::Flask);
            if flask {
                let op = OpKind::Config { entries: Vec::new(), unknown: true };
                self.record(Target::App(id), call, scope, Op { key: key.to_vec(), kind: op });
            }
        }
    }

    /// `app.config["CORS_ORIGINS"] = ...`. Returns whether the assignment was one.
    pub(super) fn walk_flask_config_item(&self, assignment: Node<'t>, scope: &Scope<'t>, key: &[usize]) -> bool {
        let Some(left) = field(assignment, "left").filter(|l| l.kind() == "subscript") else { return false };
        let (Some(config), Some(right)) = (field(left, "value"), field(assignment, "right")) else { return false };
        let Some(target) = self.config_owner(config, scope) else { return false };
        let Some(name) = field(left, "subscript").and_then(|s| self.eval(s, scope, 0).str().map(str::to_string)) else {
            return true;
        };
        if !name.starts_with("CORS_") {
            return true;
        }
        let val = self.eval(right, scope, 0);
        let span = self.span_in(scope.module, assignment);
        let arg = Arg { name: Some(name.clone()), val, span, value_span: self.span_in(scope.module, right) };
        let op = OpKind::Config { entries: vec![(name, arg)], unknown: false };
        self.record(target, assignment, scope, Op { key: key.to_vec(), kind: op });
        true
    }

    /// The app whose `config` `node` (`app.config`) is.
    fn config_owner(&self, node: Node<'t>, scope: &Scope<'t>) -> Option<Target> {
        let node = unparen(node);
        if node.kind() != "attribute" {
            return None;
        }
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        if field(node, "attribute").map(|a| text(a, source)) != Some("config") {
            return None;
        }
        match self.eval(field(node, "object")?, scope, 0).v {
            V::App(id) => Some(Target::App(id)),
            _ => None,
        }
    }

    /// Whether a decorator expression is `cross_origin(...)`.
    pub(super) fn is_cross_origin(&self, expr: Node<'t>, scope: &Scope<'t>) -> bool {
        field(expr, "function").is_some_and(|f| self.eval(f, scope, 0).path().is_some_and(is_decorator))
    }

    pub(super) fn record_cross_origin(
        &self,
        target: Target,
        route: Option<String>,
        expr: Node<'t>,
        decorator: Node<'t>,
        scope: &Scope<'t>,
        key: &[usize],
    ) {
        let Some(call) = self.eval_call_parts(expr, scope) else { return };
        let span = self.span_in(scope.module, expr);
        self.record(
            target,
            decorator,
            scope,
            Op { key: key.to_vec(), kind: OpKind::CrossOrigin { call, route, span } },
        );
    }

    /// The setups on routes and blueprints reached from `ops`: `@cross_origin` on each route (its
    /// path under `prefix`), and `CORS(blueprint)`, which answers that blueprint's requests only.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn flask_route_setups(
        &self,
        objects: &Objects<'t>,
        ops: &[&Op<'t>],
        prefix: &str,
        config: &FlaskOptions<'t>,
        policies: &mut Vec<CorsPolicy>,
        out: &mut Vec<CorsSetup>,
        visited: &mut Vec<usize>,
    ) {
        for op in ops {
            match &op.kind {
                OpKind::CrossOrigin { call, route, span } => {
                    let path = route.as_ref().map(|r| format!("{prefix}{r}"));
                    out.push(self.flask_decorator_setup(config, call, path.as_deref(), *span, policies));
                }
                // A blueprint has no config of its own: `get_app_kwarg_dict` reads nothing.
                OpKind::FlaskCors(call) if !visited.is_empty() => {
                    for mut setup in self.flask_extension_setups(&FlaskOptions::default(), call, policies) {
                        setup.paths = Some(PathScope::Unknown);
                        out.push(setup);
                    }
                }
                OpKind::Include { router, prefix: include_prefix, .. } => {
                    if visited.contains(router) || visited.len() > 16 {
                        continue;
                    }
                    let Some(obj) = objects.routers.get(*router) else { continue };
                    let own = obj.ctor.arg(None, "url_prefix").and_then(|a| a.val.str().map(str::to_string));
                    // `register_blueprint(url_prefix=...)` replaces the blueprint's own prefix.
                    let full = format!("{prefix}{}", include_prefix.as_deref().or(own.as_deref()).unwrap_or(""));
                    let mut router_ops: Vec<&Op<'t>> = obj.ops.iter().collect();
                    router_ops.sort_by(|a, b| a.key.cmp(&b.key));
                    visited.push(*router);
                    self.flask_route_setups(objects, &router_ops, &full, config, policies, out, visited);
                    visited.pop();
                }
                _ => {}
            }
        }
    }

    /// The Flask-CORS setups of a `CORS(...)` given `options` while the app's config held `config`:
    /// one per resource.
    pub(super) fn flask_extension_setups(
        &self,
        config: &FlaskOptions<'t>,
        call: &CallV<'t>,
        policies: &mut Vec<CorsPolicy>,
    ) -> Vec<CorsSetup> {
        let mut options = FlaskOptions { args: config.args.clone(), unknown: config.unknown };
        options.extend_known(&call.args, call.unknown_args);
        let resources = match options.get("resources").map(|a| &a.val) {
            None => vec![(Some(PathScope::StartAnchoredRegex("/*".to_owned())), Vec::new())],
            Some(Val { v: V::Str(s), .. }) => vec![(Some(resource_scope(&s.value)), Vec::new())],
            Some(Val { v: V::Seq(seq), .. }) if !seq.unknown => seq
                .items
                .iter()
                .map(|i| (Some(i.str().map_or(PathScope::Unknown, resource_scope)), Vec::new()))
                .collect(),
            Some(Val { v: V::Dict(dict), .. }) if !dict.unknown => dict
                .entries
                .iter()
                .map(|(pattern, val, _)| {
                    let own = match &val.v {
                        V::Dict(inner) => {
                            (inner.entries.iter().map(|(n, v, s)| option_arg(n, v, *s)).collect(), inner.unknown)
                        }
                        _ => (Vec::new(), true),
                    };
                    (Some(resource_scope(pattern)), vec![own])
                })
                .collect(),
            Some(_) => vec![(Some(PathScope::Unknown), Vec::new())],
        };
        let mut setups = Vec::new();
        for (paths, own) in resources {
            let mut merged = FlaskOptions { args: options.args.clone(), unknown: options.unknown };
            for (args, unknown) in own {
                merged.extend_known(&args, unknown);
            }
            let paths = paths.filter(|p| !covers_every_path(p));
            setups.push(self.flask_setup(&merged, call.span, Install::Extension, paths, policies));
        }
        setups
    }

    /// The setup of `@cross_origin(...)` on the route at `route`; it reads the app's config at
    /// request time, so `config` is the app's final one.
    pub(super) fn flask_decorator_setup(
        &self,
        config: &FlaskOptions<'t>,
        call: &CallV<'t>,
        route: Option<&str>,
        span: Span,
        policies: &mut Vec<CorsPolicy>,
    ) -> CorsSetup {
        let mut options = FlaskOptions { args: config.args.clone(), unknown: config.unknown };
        options.extend_known(&call.args, call.unknown_args);
        let paths = Some(route.map_or(PathScope::Unknown, |r| PathScope::Route(r.to_owned())));
        self.flask_setup(&options, span, Install::ViewDecorator, paths, policies)
    }

    fn flask_setup(
        &self,
        options: &FlaskOptions<'t>,
        span: Span,
        install: Install,
        paths: Option<PathScope>,
        policies: &mut Vec<CorsPolicy>,
    ) -> CorsSetup {
        let unknown = options.unknown;
        let get = |name: &str| options.get(name);
        let credentials = match get("supports_credentials") {
            Some(arg) => Setting::explicit(super::cors::credentials_of(&arg.val), arg.span),
            None if unknown => Setting { value: Value::Unknown, span, explicit: false },
            None => Setting::default_at(false, span),
        };
        let send_wildcard = match get("send_wildcard") {
            Some(arg) => super::cors::credentials_of(&arg.val),
            None if unknown => Value::Unknown,
            None => Value::Known(false),
        };
        let mut origins = Origins::default();
        match get("origins") {
            Some(arg) => add_origins(&arg.val, send_wildcard, &mut origins),
            None if unknown => origins.has_unknown = true,
            // The default `*`: written nowhere, so the finding points at the `CORS(...)` call.
            None => origins.entries.push(OriginEntry {
                kind: if send_wildcard == Value::Known(true) { OriginKind::Any } else { OriginKind::Reflect },
                span,
                text_start: None,
            }),
        }
        let names = |name: &str, default: &[&str], upper: bool| -> Setting<NameList> {
            let default: Vec<Spanned<String>> = default.iter().map(|m| Spanned::new(m.to_string(), span)).collect();
            match get(name) {
                Some(arg) => Setting::explicit(names_of(&arg.val, upper), arg.span),
                None if unknown => Setting { value: Value::Unknown, span, explicit: false },
                None => Setting::default_at(default, span),
            }
        };
        let max_age = match get("max_age") {
            Some(arg) => match arg.val.v {
                V::Int(i) if i >= 0 => Setting::explicit(Value::Known(i as u64), arg.span),
                V::NoneVal => Setting::default_at(5, span),
                _ => Setting::explicit(Value::Unknown, arg.span),
            },
            None if unknown => Setting { value: Value::Unknown, span, explicit: false },
            // No `Access-Control-Max-Age`: browsers cache the preflight for 5 seconds.
            None => Setting::default_at(5, span),
        };
        let policy = CorsPolicy {
            layer: Layer::FlaskCors,
            span,
            origins,
            credentials,
            methods: names("methods", ALL_METHODS, true),
            headers: names("allow_headers", &["*"], false),
            expose_headers: names("expose_headers", &[], false),
            max_age,
        };
        policies.push(policy);
        let args = options
            .args
            .iter()
            .filter_map(|a| {
                let name = a.name.clone()?;
                Some(CorsArg { name, span: a.span, value_span: a.value_span, shape: super::cors::shape(&a.val) })
            })
            .collect();
        CorsSetup {
            policy: policies.len() - 1,
            span,
            install,
            args,
            unknown_args: unknown,
            origin_notes: Vec::new(),
            paths,
        }
    }
}

/// The app or blueprint a `CORS(...)` is given.
fn target_of(val: &Val<'_>) -> Option<Target> {
    match val.v {
        V::App(id) => Some(Target::App(id)),
        V::Router(id) => Some(Target::Router(id)),
        _ => None,
    }
}

/// The call's arguments without the app (its first positional, or `app=`).
fn without_app<'t>(call: &CallV<'t>) -> CallV<'t> {
    let mut rest = call.clone();
    if let Some(at) = rest.args.iter().position(|a| a.name.as_deref() == Some("app")) {
        rest.args.remove(at);
    } else if let Some(at) = rest.args.iter().position(|a| a.name.is_none()) {
        rest.args.remove(at);
    }
    rest
}

/// A `CORS_ORIGINS`-style config key or a resource dict key as an option argument.
fn option_arg<'t>(name: &str, val: &Val<'t>, span: Span) -> Arg<'t> {
    let name = name.strip_prefix("CORS_").map_or_else(|| name.to_owned(), str::to_ascii_lowercase);
    Arg { name: Some(name), val: val.clone(), span, value_span: val.span }
}

/// The config keys set so far, as options.
pub(super) fn config_options<'t>(config: &mut FlaskOptions<'t>, entries: &[(String, Arg<'t>)], unknown: bool) {
    config.unknown |= unknown;
    for (name, arg) in entries {
        // `get_app_kwarg_dict` skips keys whose value is `None`.
        if matches!(arg.val.v, V::NoneVal) {
            continue;
        }
        let arg = option_arg(name, &arg.val, arg.span);
        if arg.name.as_deref().is_some_and(|n| OPTIONS.contains(&n)) {
            config.args.push(Arg { value_span: arg.val.span, ..arg });
        }
    }
}

/// `re_fix`: `*` is `.*`; every resource is `re.match`ed (a plain path too, which then only
/// matches paths that start with it... or equals it: `try_match_pattern` compares plain strings).
fn resource_scope(pattern: &str) -> PathScope {
    let pattern = if pattern == "*" { ".*" } else { pattern };
    if pattern.contains(REGEX_CHARS) {
        PathScope::StartAnchoredRegex(pattern.to_owned())
    } else {
        PathScope::Route(pattern.to_owned())
    }
}

/// `r"/*"` (the default) and `.*` match every path.
fn covers_every_path(scope: &PathScope) -> bool {
    matches!(scope, PathScope::StartAnchoredRegex(p) if p == "/*" || p == ".*" || p == "/.*")
}

/// `origins`: a string is wrapped into a list; `*` (`.*` after `re_fix`) allows every origin,
/// echoed unless `send_wildcard`; a string with a regex character is `re.match`ed.
fn add_origins(val: &Val<'_>, send_wildcard: Value<bool>, origins: &mut Origins) {
    let items: Vec<&Val<'_>> = match &val.v {
        V::Str(_) => vec![val],
        V::Seq(seq) => {
            origins.has_unknown |= seq.unknown;
            seq.items.iter().collect()
        }
        _ => {
            origins.has_unknown = true;
            return;
        }
    };
    for item in items {
        let V::Str(s) = &item.v else {
            origins.has_unknown = true;
            continue;
        };
        if s.url {
            origins.has_unknown = true;
            continue;
        }
        let kind = if s.value == "*" || s.value == ".*" {
            match send_wildcard {
                Value::Known(true) => OriginKind::Any,
                Value::Known(false) => OriginKind::Reflect,
                Value::Unknown => {
                    origins.has_unknown = true;
                    continue;
                }
            }
        } else if s.value.contains(REGEX_CHARS) {
            OriginKind::Pattern { pattern: s.value.clone(), semantics: PatternSemantics::StartAnchored }
        } else {
            OriginKind::Literal(s.value.clone())
        };
        origins.entries.push(OriginEntry { kind, span: item.span, text_start: s.text_start });
    }
}

/// Methods and headers: a string is one entry (`flexible_str` keeps it whole), a list its items.
fn names_of(val: &Val<'_>, upper: bool) -> Value<NameList> {
    let one = |i: &Val<'_>| match &i.v {
        V::Str(s) if !s.url => {
            let value = if upper { s.value.to_ascii_uppercase() } else { s.value.clone() };
            Some(Spanned::new(value, i.span))
        }
        _ => None,
    };
    match &val.v {
        // `"PUT" in "GET, PUT"`: a string of methods works as a list; headers stay one pattern.
        V::Str(s) if !upper => one(val).map_or(Value::Unknown, |name| Value::Known(vec![name])),
        V::Str(s) => s
            .value
            .split(',')
            .map(|part| {
                let part = part.trim();
                let value = if upper { part.to_ascii_uppercase() } else { part.to_owned() };
                Some(Spanned::new(value, val.span))
            })
            .collect::<Option<Vec<_>>>()
            .map_or(Value::Unknown, Value::Known),
        V::Seq(seq) if !seq.unknown => {
            seq.items.iter().map(one).collect::<Option<Vec<_>>>().map_or(Value::Unknown, Value::Known)
        }
        _ => Value::Unknown,
    }
}
