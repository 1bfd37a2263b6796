//! Express apps with the `cors` middleware, and NestJS apps on their Express adapter: one
//! [`App`] per receiver of `X.use(cors(...))`, `X.get(path, cors(), handler)`,
//! `X.options(path, cors())` or `X.enableCors(...)`, and per `NestFactory.create(M, { cors })`.
//!
//! `cors` is the name the file binds to `require("cors")` or `import … from "cors"`. The middleware
//! list keeps registration order (Express runs middleware in that order); routes are recorded
//! with their methods and paths; a middleware is authentication only when its name says so
//! (`passport.authenticate(...)`, `auth`, `requireAuth`, `jwt(...)`, `authenticateToken`), else it is
//! not judged. NestJS apps built on `FastifyAdapter` are not read (fastify's CORS plugin has
//! other semantics).

use super::express_paths::CorsPath;
use super::modules::Modules;
use super::value::{Evaluator, Lookup, Object, Value, ValueKind, import_source};
use crate::extract::versions::Resolver;
use crate::model::app::{
    App, ArgShape, AuthBackend, CorsArg, CorsSetup, Framework, Install, Middleware, MiddlewareKind, OriginNote,
    OriginNoteKind, PathScope, Route,
};
use crate::model::versions::Package;
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting};
use crate::model::{Project, Value as ModelValue};
use crate::parse::Parsed;
use crate::source::{FileId, Span, Spanned};
use std::rc::Rc;
use tree_sitter::Node;

/// npm `cors` `defaults.methods`.
const DEFAULT_METHODS: &[&str] = &["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];

/// Express router methods that register a route for one method.
const ROUTE_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "options", "head"];

/// Middleware names (the called function, or the identifier) that authenticate.
pub(super) const AUTH_NAMES: &[&str] = &[
    "passport.authenticate",
    "auth",
    "authenticate",
    "authenticateToken",
    "authenticateJWT",
    "authenticateJwt",
    "requireAuth",
    "isAuthenticated",
    "ensureAuthenticated",
    "verifyToken",
    "verifyJWT",
    "verifyJwt",
    "jwt",
    "expressjwt",
    "expressJwt",
    "checkJwt",
    "requiresAuth",
];

/// A test, mock or example by its place or name (`app.test.js`, `test/cors.js`,
/// `examples/with-cors/server.js`): not the app (issue #16's decision). A walk never reads tests;
/// a file named on the command line or sent from an editor still arrives here.
pub(super) fn is_not_the_app(path: &std::path::Path) -> bool {
    let in_examples = path.parent().into_iter().flat_map(|p| p.components()).any(|c| c.as_os_str() == "examples");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    crate::discover::is_javascript_test(path) || in_examples || stem.is_empty()
}

/// Fills `project.apps` (and their policies) from every parsed JavaScript/TypeScript file, and
/// `project.policies` from the CORS headers the app code writes itself ([`super::headers`]).
pub fn extract(project: &mut Project, parsed: &[Parsed], releases: &mut Resolver) {
    let mut found = Vec::new();
    let mut own_headers = Vec::new();
    let mut refusals = Vec::new();
    let modules = Modules::new(&project.files, parsed);
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::JavaScript(tree) = tree else { continue };
        let Some(file) = project.files.get(id) else { continue };
        if is_not_the_app(file.path.strip_prefix(&project.root).unwrap_or(&file.path)) {
            continue;
        }
        // `require("cors")`, `import cors from "cors"`, NestJS's `enableCors`/`{ cors: … }`: an app
        // without one of them has no CORS component to install.
        if super::mentions_any(&file.text, &["cors", "Cors"]) {
            let (apps, cors_paths) = FileApps::read(id, tree.root(), &file.text, &modules);
            found.extend(apps);
            if !cors_paths.is_empty() {
                let pin = releases.pin(&file.path, Package::Express);
                refusals.extend(cors_paths.iter().filter_map(|p| p.refusal(&pin)));
            }
        }
        if crate::parse::names_cors_header(file.text.as_bytes()) {
            own_headers.extend(super::headers::policies(id, tree.root(), &file.text));
        }
    }
    drop(modules);
    project.policies.extend(own_headers);
    project.startup_refusals.extend(refusals);
    for (mut app, policies) in found {
        let base = project.policies.len();
        for setup in &mut app.cors {
            setup.policy += base;
        }
        project.policies.extend(policies);
        project.apps.push(app);
    }
}

/// The apps of one file, by receiver name, in the order first seen.
struct FileApps<'m, 't> {
    file: FileId,
    eval: Rc<Evaluator<'t>>,
    /// The project's other modules, where imported options and middleware are read.
    modules: &'m Modules<'t>,
    cors_names: Vec<&'t str>,
    fastify: bool,
    apps: Vec<(String, App, Vec<CorsPolicy>)>,
    /// Path strings of the calls that install `cors()`, which Express 5 may refuse at start-up.
    cors_paths: Vec<CorsPath>,
}

impl<'m, 't> FileApps<'m, 't> {
    fn read(
        file: FileId,
        root: Node<'t>,
        text: &str,
        modules: &'m Modules<'t>,
    ) -> (Vec<(App, Vec<CorsPolicy>)>, Vec<CorsPath>) {
        let Some(eval) = modules.evaluator(file) else { return (Vec::new(), Vec::new()) };
        let cors_names = cors_bindings(root, &eval);
        let fastify = text.contains("FastifyAdapter");
        let mut reader =
            FileApps { file, eval, modules, cors_names, fastify, apps: Vec::new(), cors_paths: Vec::new() };
        for call in calls_in_order(root) {
            reader.call(call);
        }
        let apps =
            reader.apps.into_iter().filter(|(_, app, _)| !app.cors.is_empty()).map(|(_, app, p)| (app, p)).collect();
        (apps, reader.cors_paths)
    }

    fn cors_path(&mut self, node: Node<'t>, path: &str, method: &str) {
        let span = self.span(node);
        self.cors_paths.push(CorsPath { span, path: path.to_owned(), method: method.to_owned() });
    }

    fn span(&self, node: Node<'_>) -> Span {
        Span::new(self.file, node.start_byte(), node.end_byte())
    }

    /// The value of `node`, following imports into the project's other modules.
    fn value(&self, node: Node<'t>) -> Value {
        self.eval.eval_linked(node, self.modules, 0)
    }

    fn call(&mut self, call: Node<'t>) {
        let Some(function) = call.child_by_field_name("function") else { return };
        let arguments = arguments(call);
        if function.kind() != "member_expression" {
            return;
        }
        let (Some(receiver), Some(method)) =
            (function.child_by_field_name("object"), function.child_by_field_name("property"))
        else {
            return;
        };
        let method = self.eval.text(method);
        let receiver_text = self.eval.text(receiver);
        match method {
            "use" => self.use_call(receiver_text, call, &arguments),
            "enableCors" if !self.fastify => {
                let options = arguments.first().map(|a| self.value(*a));
                self.add_cors(receiver_text, Framework::NestJs, call, options.as_ref(), Install::Use, None, None);
            }
            "create" if receiver_text == "NestFactory" && !self.fastify => {
                let Some(options) = arguments.get(1).map(|a| self.value(*a)) else { return };
                let ValueKind::Object(object) = &options.kind else { return };
                let name = format!("NestFactory@{}", call.start_byte());
                match object.get("cors") {
                    Lookup::Found(property) => match &property.value.kind {
                        ValueKind::Bool(true) => {
                            self.add_cors(&name, Framework::NestJs, call, None, Install::Use, None, None);
                        }
                        ValueKind::Bool(false) | ValueKind::Undefined | ValueKind::Null => {}
                        _ => {
                            let value = property.value.clone();
                            self.add_cors(&name, Framework::NestJs, call, Some(&value), Install::Use, None, None);
                        }
                    },
                    Lookup::Absent | Lookup::Unknown => {}
                }
            }
            m if ROUTE_METHODS.contains(&m) || m == "all" => self.route_call(receiver_text, m, call, &arguments),
            _ => {}
        }
    }

    /// `app.use([path,] ...handlers)`.
    fn use_call(&mut self, receiver: &str, call: Node<'t>, arguments: &[Node<'t>]) {
        let mut handlers = arguments;
        let mut mount = None;
        if let Some(first) = arguments.first() {
            match self.value(*first).kind {
                ValueKind::String(path) => {
                    mount = Some(path);
                    handlers = arguments.get(1..).unwrap_or_default();
                }
                ValueKind::Array(_) | ValueKind::RegExp { .. } => return,
                _ => {}
            }
        }
        let mut installs_cors = false;
        for handler in handlers {
            if let Some(options) = self.cors_call(*handler) {
                if let (Some(path), Some(first), false) = (&mount, arguments.first(), installs_cors) {
                    self.cors_path(*first, path, "use");
                }
                installs_cors = true;
                let paths = mount.clone().filter(|m| m != "/" && m != "*").map(PathScope::Route);
                self.add_cors(receiver, Framework::Express, *handler, options.as_ref(), Install::Use, paths, None);
                continue;
            }
            // Only an app that also installs `cors()` is recorded; its other middleware is kept in
            // order so the CORS one can be placed among them.
            let name = self.eval.text(handler_name(*handler)).to_owned();
            let kind = if AUTH_NAMES.contains(&name.as_str()) {
                let span = self.span(*handler);
                MiddlewareKind::Authentication {
                    backend: Some(AuthBackend {
                        definition: span,
                        raises_without_credentials: Some(span),
                        reads_headers: Vec::new(),
                    }),
                }
            } else {
                MiddlewareKind::Unknown
            };
            let span = self.span(call);
            let app = self.app(receiver, Framework::Express);
            app.middleware.push(Middleware { name, span, install: Install::Use, kind });
        }
    }

    /// `app.get("/path", ...handlers)`, `app.options("*", cors())`.
    fn route_call(&mut self, receiver: &str, method: &str, call: Node<'t>, arguments: &[Node<'t>]) {
        let Some(first) = arguments.first() else { return };
        // `app.get("setting")` reads a setting: a route has a handler after its path.
        if arguments.len() < 2 {
            return;
        }
        let path = match self.value(*first).kind {
            ValueKind::String(path) => Some(path),
            _ => None,
        };
        let upper = method.to_ascii_uppercase();
        let handlers = arguments.get(1..).unwrap_or_default();
        let mut only_cors = true;
        let mut installs_cors = false;
        for handler in handlers {
            let Some(options) = self.cors_call(*handler) else {
                only_cors = false;
                continue;
            };
            if let Some(path) = path.as_ref().filter(|_| !installs_cors) {
                self.cors_path(*first, path, method);
            }
            installs_cors = true;
            {
                let paths = Some(path.clone().map_or(PathScope::Unknown, PathScope::Route));
                let route_method = (method != "all").then(|| upper.clone());
                self.add_cors(
                    receiver,
                    Framework::Express,
                    *handler,
                    options.as_ref(),
                    Install::RouteHandler,
                    paths,
                    route_method,
                );
            }
        }
        // `app.options("*", cors())` installs CORS; it serves no route of the app.
        if method == "all" || only_cors {
            return;
        }
        let span = self.span(call);
        let method_span = self.span(call.child_by_field_name("function").unwrap_or(call));
        let app = self.app(receiver, Framework::Express);
        app.routes.push(Route {
            methods: vec![Spanned::new(upper, method_span)],
            path,
            span,
            json_body: None,
            headers: Vec::new(),
        });
    }

    /// `cors(...)` with the file's name for the package: `Some(options)` (`None` inside for no
    /// argument). The call may be a middleware another module exports
    /// (`export const corsMiddleware = cors({…})`): it is then read with that module's names.
    fn cors_call(&self, node: Node<'t>) -> Option<Option<Value>> {
        let (module, eval, node) = self.modules.resolve_across(&self.eval, self.file, node)?;
        let cors_names = match module == self.file {
            true => None,
            false => Some(cors_bindings(self.modules.root(module)?, &eval)),
        };
        if node.kind() != "call_expression" {
            return None;
        }
        let function = eval.text(node.child_by_field_name("function")?);
        if !cors_names.as_ref().unwrap_or(&self.cors_names).contains(&function) {
            return None;
        }
        Some(arguments(node).first().map(|a| eval.eval_linked(*a, self.modules, 0)))
    }

    fn app(&mut self, receiver: &str, framework: Framework) -> &mut App {
        let app = super::node_apps::app_named(&mut self.apps, self.file, receiver, framework);
        if framework == Framework::NestJs {
            app.framework = framework;
        }
        app
    }

    #[allow(clippy::too_many_arguments)]
    fn add_cors(
        &mut self,
        receiver: &str,
        framework: Framework,
        node: Node<'t>,
        options: Option<&Value>,
        install: Install,
        paths: Option<PathScope>,
        route_method: Option<String>,
    ) {
        let span = self.span(node);
        let Some(Options { policy, mut args, unknown_args, origin_notes }) = policy_of(self.file, options, span) else {
            return;
        };
        if let Some(method) = route_method {
            // Not an option: the method of the route it guards, for `simulate`.
            args.push(CorsArg { name: "@method".into(), span, value_span: span, shape: ArgShape::Str(Some(method)) });
        }
        let app = self.app(receiver, framework);
        // The app is shown where its first CORS setup is: the receiver's declaration may be in
        // another file.
        if app.cors.is_empty() {
            app.span = span;
        }
        let setup = CorsSetup { policy: 0, span, install, args, unknown_args, origin_notes, paths: paths.clone() };
        app.cors.push(setup);
        let index = app.cors.len() - 1;
        if install == Install::Use && paths.is_none() {
            let name = "cors".to_owned();
            app.middleware.push(Middleware { name, span, install, kind: MiddlewareKind::Cors { setup: index } });
        }
        let Some((_, app, policies)) = self.apps.iter_mut().find(|(name, _, _)| name == receiver) else { return };
        if let Some(setup) = app.cors.get_mut(index) {
            setup.policy = policies.len();
        }
        policies.push(policy);
    }
}

/// The names the file binds to the `cors` package (`import cors = require("cors")` too).
fn cors_bindings<'t>(root: Node<'t>, eval: &Evaluator<'t>) -> Vec<&'t str> {
    let mut names = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "variable_declarator" => {
                let value = node.child_by_field_name("value");
                let is_require = value.is_some_and(|v| {
                    v.kind() == "call_expression"
                        && v.child_by_field_name("function").is_some_and(|f| eval.text(f) == "require")
                        && arguments(v).first().is_some_and(|a| eval.eval(*a).kind.as_str() == Some("cors"))
                });
                if let (true, Some(name)) = (is_require, node.child_by_field_name("name"))
                    && name.kind() == "identifier"
                {
                    names.push(eval.text(name));
                }
            }
            "import_statement" => {
                let from_cors = import_source(node).is_some_and(|s| eval.eval(s).kind.as_str() == Some("cors"));
                if from_cors {
                    let mut inner = vec![node];
                    while let Some(n) = inner.pop() {
                        if n.kind() == "identifier" {
                            names.push(eval.text(n));
                        }
                        let mut cursor = n.walk();
                        inner.extend(n.named_children(&mut cursor).filter(|c| c.kind() != "string"));
                    }
                }
            }
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}

/// Every call expression in document order (outer calls before the calls in their arguments).
pub(super) fn calls_in_order(root: Node<'_>) -> Vec<Node<'_>> {
    let mut calls = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call_expression" {
            calls.push(node);
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    calls
}

pub(super) fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(arguments) = call.child_by_field_name("arguments") else { return Vec::new() };
    let mut cursor = arguments.walk();
    arguments.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect()
}

/// What names a middleware: the called function of `passport.authenticate("jwt")`, or the identifier.
pub(super) fn handler_name(handler: Node<'_>) -> Node<'_> {
    match handler.kind() {
        "call_expression" => handler.child_by_field_name("function").unwrap_or(handler),
        _ => handler,
    }
}

/// What a Node CORS middleware (`cors(options)`, `@fastify/cors`, Hono's `cors()`) is given, as
/// the model holds it.
pub(super) struct Options {
    pub(super) policy: CorsPolicy,
    pub(super) args: Vec<CorsArg>,
    /// Some options are not seen.
    pub(super) unknown_args: bool,
    pub(super) origin_notes: Vec<OriginNote>,
}

/// The policy `cors(options)` applies, its arguments and whether some are unseen; `None` when the
/// options turn the middleware off (`origin: false`, `null`, `""`).
fn policy_of(file: FileId, options: Option<&Value>, span: Span) -> Option<Options> {
    let empty = Object::default();
    let (object, unknown) = match options.map(|o| &o.kind) {
        None | Some(ValueKind::Undefined | ValueKind::Null) => (&empty, false),
        Some(ValueKind::Object(object)) => (object, object.open),
        // An options delegate or a value not known: every option is unknown.
        Some(_) => (&empty, true),
    };
    let get = |key: &str| if unknown && !object.open { Lookup::Unknown } else { object.get(key) };
    let at = |value: &Value| value.span(file);
    let mut origins = Origins::default();
    let mut origin_notes = Vec::new();
    match get("origin") {
        Lookup::Absent => origins.entries.push(OriginEntry { kind: OriginKind::Any, span, text_start: None }),
        Lookup::Unknown => origins.has_unknown = true,
        Lookup::Found(property) => match &property.value.kind {
            ValueKind::Bool(false) | ValueKind::Null | ValueKind::Undefined => return None,
            ValueKind::String(s) if s.is_empty() => return None,
            ValueKind::Bool(true) => origins.entries.push(OriginEntry {
                kind: OriginKind::Reflect,
                span: at(&property.value),
                text_start: None,
            }),
            ValueKind::Array(items) => {
                for item in items {
                    if matches!(&item.kind, ValueKind::String(s) if s == "*") {
                        let span = at(item);
                        origin_notes.push(OriginNote { entry: None, kind: OriginNoteKind::WildcardInList, span });
                        continue;
                    }
                    match origin_entry(item, false, file) {
                        Some(entry) => origins.entries.push(entry),
                        None => origins.has_unknown = true,
                    }
                }
            }
            _ => match origin_entry(&property.value, true, file) {
                Some(entry) => origins.entries.push(entry),
                None => origins.has_unknown = true,
            },
        },
    }
    let setting_span = |key: &str| match object.get(key) {
        Lookup::Found(property) => property.span(file),
        _ => span,
    };
    let credentials = match get("credentials") {
        Lookup::Found(property) => match &property.value.kind {
            // `options.credentials === true`: any other known value sends nothing.
            ValueKind::Bool(b) => Setting::explicit(ModelValue::Known(*b), setting_span("credentials")),
            ValueKind::String(_) | ValueKind::Number(_) | ValueKind::Null | ValueKind::Undefined => {
                Setting::explicit(ModelValue::Known(false), setting_span("credentials"))
            }
            _ => Setting::explicit(ModelValue::Unknown, setting_span("credentials")),
        },
        Lookup::Absent => Setting::default_at(false, span),
        Lookup::Unknown => Setting { value: ModelValue::Unknown, span, explicit: false },
    };
    // Lists are sent as written: the browser compares the requested method byte for byte.
    let names = |keys: &[&str], default: &[&str]| -> Setting<NameList> {
        let found = keys.iter().find_map(|k| match get(k) {
            Lookup::Found(p) if !matches!(p.value.kind, ValueKind::Undefined | ValueKind::Null) => Some(Ok((k, p))),
            Lookup::Unknown => Some(Err(())),
            _ => None,
        });
        match found {
            Some(Ok((key, property))) => Setting::explicit(name_list(&property.value, file), setting_span(key)),
            Some(Err(())) => Setting { value: ModelValue::Unknown, span, explicit: false },
            None => {
                let default = default.iter().map(|m| Spanned::new(m.to_string(), span)).collect();
                Setting::default_at(default, span)
            }
        }
    };
    let max_age = match get("maxAge") {
        Lookup::Found(property) => match property.value.kind {
            ValueKind::Number(n) if n >= 0.0 && n.fract() == 0.0 => {
                Setting::explicit(ModelValue::Known(n as u64), setting_span("maxAge"))
            }
            ValueKind::String(ref s) if s.parse::<u64>().is_ok() => {
                Setting::explicit(ModelValue::Known(s.parse().unwrap_or(5)), setting_span("maxAge"))
            }
            _ => Setting::explicit(ModelValue::Unknown, setting_span("maxAge")),
        },
        Lookup::Absent => Setting::default_at(5, span),
        Lookup::Unknown => Setting { value: ModelValue::Unknown, span, explicit: false },
    };
    let policy = CorsPolicy {
        layer: Layer::ExpressCors,
        span,
        origins,
        credentials,
        methods: names(&["methods"], DEFAULT_METHODS),
        // Unset: the preflight reflects the requested headers, which `*` stands for.
        headers: names(&["allowedHeaders", "headers"], &["*"]),
        expose_headers: names(&["exposedHeaders"], &[]),
        max_age,
    };
    let args = object
        .properties
        .iter()
        .map(|p| CorsArg {
            name: p.key.clone(),
            span: p.span(file),
            value_span: at(&p.value),
            shape: shape(&p.value.kind),
        })
        .collect();
    Some(Options { policy, args, unknown_args: unknown, origin_notes })
}

/// One origin: a string (sent as written when `whole`, else compared with `===`), a RegExp
/// (`.test()`: an unanchored search), `true` in an array (allows every origin); `None` when unknown.
fn origin_entry(value: &Value, whole: bool, file: FileId) -> Option<OriginEntry> {
    let span = value.span(file);
    let kind = match &value.kind {
        ValueKind::String(s) if whole && s == "*" => OriginKind::Any,
        ValueKind::String(s) => OriginKind::Literal(s.clone()),
        ValueKind::RegExp { pattern, flags } => OriginKind::Pattern {
            pattern: pattern.replace("\\/", "/"),
            semantics: PatternSemantics::Search { case_insensitive: flags.contains('i') },
        },
        ValueKind::Bool(true) if !whole => OriginKind::Reflect,
        _ => return None,
    };
    // A literal's text starts after its quote when written without escapes.
    let text_start = match &value.kind {
        ValueKind::String(s) if value.range.len() == s.len() + 2 => Some(value.range.start + 1),
        _ => None,
    };
    Some(OriginEntry { kind, span, text_start })
}

/// `methods: "GET,POST"` or `["GET", "POST"]` (joined with `,` and sent as written).
pub(super) fn name_list(value: &Value, file: FileId) -> ModelValue<NameList> {
    let span = value.span(file);
    match &value.kind {
        ValueKind::String(s) => ModelValue::Known(
            s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| Spanned::new(p.to_owned(), span)).collect(),
        ),
        ValueKind::Array(items) => items
            .iter()
            .map(|item| match &item.kind {
                ValueKind::String(s) => Some(Spanned::new(s.clone(), item.span(file))),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map_or(ModelValue::Unknown, ModelValue::Known),
        _ => ModelValue::Unknown,
    }
}

pub(super) fn shape(kind: &ValueKind) -> ArgShape {
    match kind {
        ValueKind::String(s) => ArgShape::Str(Some(s.clone())),
        ValueKind::Env(_) => ArgShape::EnvStr,
        ValueKind::Bool(b) => ArgShape::Bool(*b),
        ValueKind::Number(_) => ArgShape::Number,
        ValueKind::Null | ValueKind::Undefined => ArgShape::NoneValue,
        ValueKind::Array(_) => ArgShape::List,
        ValueKind::RegExp { .. } | ValueKind::Object(_) | ValueKind::Function => ArgShape::Other,
        ValueKind::Unknown => ArgShape::Unknown,
    }
}
