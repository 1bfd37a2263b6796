//! FastAPI/Starlette: finds every application object, its CORS setups (one `CorsPolicy` each, with
//! Starlette's defaults), its middleware stack in effective order, its routes and the request
//! headers and bodies they need.
//!
//! - `modules`, `bindings`: module names from file paths, what each name is bound to (imports,
//!   `try`/`except ImportError` alternatives, containers changed in place), and aliases.
//! - `value` (types), `eval`, `names`, `calls`: static evaluation (constants across modules,
//!   `**kwargs`, concatenation, comprehensions, small functions); everything else is `Unknown`.
//!   `budget` bounds it and reports what a bound cut short (CORS903).
//! - `settings`, `service`: pydantic `BaseSettings` fields, the `.env` files and compose settings
//!   of the module's own service, simple properties.
//! - `objects`, `walk`: app and router objects and the statement-order walk that records
//!   `add_middleware`, decorators, wraps, routes and `include_router` on them.
//! - `cors`, `middleware` (+ `preflight`, `conditions`), `routes`: the model facts for each.

mod bindings;
mod budget;
mod calls;
mod conditions;
mod cors;
mod django;
mod eval;
mod flask;
mod groups;
mod hand_written;
mod middleware;
mod modules;
mod names;
mod objects;
mod preflight;
mod routes;
mod service;
mod settings;
mod syntax;
mod value;
mod walk;

use crate::model::app::{App, HeaderNeed, Install, Middleware, MiddlewareKind, Route};
use crate::model::{CorsPolicy, Project};
use crate::parse::Parsed;
use crate::source::SourceFile;
pub use groups::{ParsePython, extract_in_groups};
use modules::{ModId, Module, ModuleIndex};
use objects::{Objects, Op, OpKind};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use value::{Arg, CallV, V, Val};

/// Everything extraction knows while it runs; `'t` is the lifetime of the files and trees.
pub struct Ctx<'t> {
    pub files: &'t [SourceFile],
    /// Where each service of the repository begins, and what its compose services give it.
    pub services: &'t service::Services<'t>,
    pub modules: Vec<Module<'t>>,
    pub index: ModuleIndex,
    pub dotenvs: &'t service::Dotenvs<'t>,
    memo: RefCell<HashMap<(ModId, String), Val<'t>>>,
    active: RefCell<HashSet<(ModId, String)>>,
    budget: budget::Budget,
    pub objects: RefCell<Objects<'t>>,
    /// Per function (node id): its only `return` value, and its local bindings.
    returns: RefCell<HashMap<usize, Option<tree_sitter::Node<'t>>>>,
    locals: RefCell<HashMap<usize, std::rc::Rc<modules::Symbols<'t>>>>,
}

/// Adds the FastAPI/Starlette facts of the project: policies and apps.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    let found = {
        let services = service::Services::new(&project.root, &project.files, &project.deploy.compose_services);
        let dotenvs = service::Dotenvs::of(&project.files, parsed, &services);
        let mut modules = Vec::new();
        for (id, (file, tree)) in project.files.iter().zip(parsed).enumerate() {
            if let Parsed::Python(tree) = tree {
                modules.push(Module::new(id, &services.absolute(&file.path), &file.text, tree.root()));
            }
        }
        if modules.is_empty() {
            return;
        }
        let index = ModuleIndex::new(&modules);
        let ctx = Ctx::new(&project.files, modules, index, &services, &dotenvs, budget::Budget::default());
        ctx.run()
    };
    found.add_to(project);
}

/// What extraction found in some modules, with policy indices local to `policies`.
#[derive(Default)]
struct Found {
    policies: Vec<CorsPolicy>,
    apps: Vec<App>,
    hand_written: Vec<crate::model::app::HandWrittenCors>,
    not_analysed: Vec<crate::model::NotAnalysed>,
}

impl Found {
    fn append(&mut self, mut more: Found) {
        let base = self.policies.len();
        renumber(&mut more.apps, &mut more.hand_written, base);
        self.policies.append(&mut more.policies);
        self.apps.append(&mut more.apps);
        self.hand_written.append(&mut more.hand_written);
        self.not_analysed.append(&mut more.not_analysed);
    }

    fn add_to(mut self, project: &mut Project) {
        renumber(&mut self.apps, &mut self.hand_written, project.policies.len());
        project.not_analysed.extend(self.not_analysed);
        project.hand_written_cors.extend(self.hand_written);
        project.policies.extend(self.policies);
        project.apps.extend(self.apps);
    }
}

/// A run of the extraction over some modules.
struct Run {
    found: Found,
    /// The project roots of the apps with a CORS component ([`Ctx::cors_roots`]).
    cors_roots: Vec<std::path::PathBuf>,
    /// The project roots of the modules read for hand-written CORS.
    read_roots: Vec<std::path::PathBuf>,
    /// A lookup named a module the run did not hold.
    escaped: bool,
    project_ran_out: bool,
    project_left: u64,
}

/// Moves the policy indices of `apps` and `hand_written` past `base` earlier policies.
fn renumber(apps: &mut [App], hand_written: &mut [crate::model::app::HandWrittenCors], base: usize) {
    for found in hand_written {
        found.policy += base;
    }
    for app in apps {
        for setup in &mut app.cors {
            setup.policy += base;
        }
    }
}

impl<'t> Ctx<'t> {
    fn new(
        files: &'t [SourceFile],
        modules: Vec<Module<'t>>,
        index: ModuleIndex,
        services: &'t service::Services<'t>,
        dotenvs: &'t service::Dotenvs<'t>,
        budget: budget::Budget,
    ) -> Self {
        Ctx {
            files,
            services,
            modules,
            index,
            dotenvs,
            memo: RefCell::default(),
            active: RefCell::default(),
            budget,
            objects: RefCell::default(),
            returns: RefCell::default(),
            locals: RefCell::default(),
        }
    }

    /// Walks the modules and turns what was recorded into apps, policies and hand-written CORS.
    fn run(self) -> Found {
        self.run_reporting().found
    }

    /// [`Self::run`], and what tells whether a group's run is the project's ([`groups`]).
    fn run_reporting(self) -> Run {
        self.walk_all();
        let (mut policies, mut apps) = self.finish();
        self.django_apps(&mut policies, &mut apps);
        let cors_roots = self.cors_roots(&apps);
        let read = self.hand_written_modules(&cors_roots);
        let hand_written = self.hand_written_cors(&mut policies, &read);
        let escaped = self.index.escaped();
        let (project_ran_out, project_left) = (self.budget.project_ran_out(), self.budget.project_left());
        Run {
            found: Found { policies, apps, hand_written, not_analysed: self.budget.into_findings() },
            cors_roots,
            read_roots: read.into_iter().map(|(_, root)| root).collect(),
            escaped,
            project_ran_out,
            project_left,
        }
    }

    /// Turns the recorded objects into model apps and their policies (indices local to the returned
    /// policy list).
    fn finish(&self) -> (Vec<CorsPolicy>, Vec<App>) {
        let objects = std::mem::take(&mut *self.objects.borrow_mut());
        let mut policies = Vec::new();
        let mut apps = Vec::new();
        for app in &objects.apps {
            self.refuel(app.span);
            let mut cors = Vec::new();
            let mut listed = Vec::new();
            let mut added = Vec::new();
            let mut wraps = Vec::new();
            let mut extensions = Vec::new();
            let mut config = flask::FlaskOptions::default();
            if let Some(config) = app.ctor.as_ref().and_then(|c| c.arg(None, "cors_config"))
                && let Some(setup) = self.litestar_setup(&config.val, &mut policies)
            {
                wraps.push(Middleware {
                    name: "CORSConfig".to_owned(),
                    span: setup.span,
                    install: Install::ConstructorConfig,
                    kind: MiddlewareKind::Cors { setup: cors.len() },
                });
                cors.push(setup);
            }
            if let Some(ctor) = &app.ctor {
                for item in objects::seq_items(ctor.arg(None, "middleware").map(|a| &a.val)) {
                    let V::Call(entry) = &item.v else { continue };
                    if middleware::starlette_name(&entry.path) != Some("Middleware") {
                        continue;
                    }
                    let (class, options) = split_first(entry, "cls");
                    let Some(class) = class else { continue };
                    let built = self.middleware_entry(
                        &class,
                        &options,
                        entry,
                        Install::MiddlewareList,
                        &mut cors,
                        &mut policies,
                    );
                    listed.push(built);
                }
            }
            let mut ops: Vec<&Op<'t>> = app.ops.iter().collect();
            ops.sort_by(|a, b| a.key.cmp(&b.key));
            for op in &ops {
                match &op.kind {
                    OpKind::AddMiddleware(call) => {
                        let (class, options) = split_first(call, "middleware_class");
                        let Some(class) = class else { continue };
                        added.push(self.middleware_entry(
                            &class,
                            &options,
                            call,
                            Install::AddMiddleware,
                            &mut cors,
                            &mut policies,
                        ));
                    }
                    OpKind::Decorator { module, def, span } => {
                        let source = self.modules.get(*module).map_or("", |m| m.text);
                        let name = syntax::field(*def, "name").map_or("middleware", |n| syntax::text(n, source));
                        added.push(Middleware {
                            name: name.to_string(),
                            span: *span,
                            install: Install::Decorator,
                            kind: MiddlewareKind::Custom(self.dispatch_function(*module, *def, false)),
                        });
                    }
                    OpKind::Wrap(call) => {
                        let (_, options) = split_first(call, "app");
                        let class = call.callee.clone();
                        wraps.push(self.middleware_entry(
                            &class,
                            &options,
                            call,
                            Install::Wrap,
                            &mut cors,
                            &mut policies,
                        ));
                    }
                    OpKind::Config { entries, unknown } => flask::config_options(&mut config, entries, *unknown),
                    OpKind::FlaskCors(call) => {
                        for setup in self.flask_extension_setups(&config, call, &mut policies) {
                            extensions.push(Middleware {
                                name: "CORS".to_owned(),
                                span: setup.span,
                                install: Install::Extension,
                                kind: MiddlewareKind::Cors { setup: cors.len() },
                            });
                            cors.push(setup);
                        }
                    }
                    OpKind::CrossOrigin { .. } | OpKind::Route(_) | OpKind::Include { .. } => {}
                }
            }
            // `@cross_origin` reads the app's config when a request comes, so after every change.
            self.flask_route_setups(&objects, &ops, "", &config, &mut policies, &mut cors, &mut Vec::new());
            let mut middleware: Vec<Middleware> = wraps.into_iter().rev().collect();
            middleware.extend(added.into_iter().rev());
            middleware.extend(listed);
            middleware.extend(extensions);

            let mut header_needs = Vec::new();
            for m in &middleware {
                let (headers, source) = match &m.kind {
                    MiddlewareKind::Authentication { backend: Some(backend) } => {
                        (&backend.reads_headers, format!("the authentication backend of `{}`", m.name))
                    }
                    MiddlewareKind::Custom(custom) => (&custom.gate_headers, format!("the middleware `{}`", m.name)),
                    _ => continue,
                };
                for header in headers {
                    header_needs.push(HeaderNeed {
                        name: header.value.clone(),
                        span: header.span,
                        source: source.clone(),
                        optional: false,
                    });
                }
            }
            let mut routes = Vec::new();
            let app_dependencies =
                app.ctor.as_ref().map(|c| objects::seq_items(c.arg(None, "dependencies").map(|a| &a.val)));
            let app_dependencies = app_dependencies.unwrap_or_default();
            if let Some(ctor) = &app.ctor {
                self.starlette_routes(&objects, ctor, "", &app_dependencies, &mut routes);
            }
            self.collect_routes(&objects, &ops, "", &app_dependencies, &mut routes, &mut Vec::new());
            apps.push(App { span: app.span, framework: app.framework, cors, middleware, routes, header_needs });
            // Whatever stopped while this app's facts were gathered leaves a gap in them.
            self.budget.keep_pending();
        }
        (policies, apps)
    }

    fn middleware_entry(
        &self,
        class: &Val<'t>,
        options: &[Arg<'t>],
        call: &CallV<'t>,
        install: Install,
        cors: &mut Vec<crate::model::app::CorsSetup>,
        policies: &mut Vec<CorsPolicy>,
    ) -> Middleware {
        let name = self.display_name(class);
        let kind = if cors::is_cors_class(class) {
            cors.push(self.cors_setup(options, call.unknown_args, call.span, install, policies));
            MiddlewareKind::Cors { setup: cors.len() - 1 }
        } else {
            self.classify_middleware(class, options)
        };
        Middleware { name, span: call.span, install, kind }
    }

    fn display_name(&self, class: &Val<'t>) -> String {
        match &class.v {
            V::Path(p) => p.rsplit('.').next().unwrap_or(p).to_string(),
            V::Class(m, node) | V::Func(m, node) => {
                let source = self.modules.get(*m).map_or("", |x| x.text);
                syntax::field(*node, "name").map_or("middleware", |n| syntax::text(n, source)).to_string()
            }
            _ => "middleware".to_string(),
        }
    }

    fn collect_routes(
        &self,
        objects: &Objects<'t>,
        ops: &[&Op<'t>],
        prefix: &str,
        dependencies: &[Val<'t>],
        out: &mut Vec<Route>,
        visited: &mut Vec<usize>,
    ) {
        for op in ops {
            match &op.kind {
                OpKind::Route(route) => {
                    self.refuel(route.span);
                    out.push(self.route_facts(route, prefix, dependencies));
                }
                OpKind::Include { router, prefix: include_prefix, dependencies: include_deps } => {
                    if visited.contains(router) || visited.len() > 16 {
                        continue;
                    }
                    let Some(obj) = objects.routers.get(*router) else { continue };
                    let router_prefix = obj.ctor.arg(None, "prefix").and_then(|a| a.val.str().map(str::to_string));
                    let blueprint_prefix =
                        obj.ctor.arg(None, "url_prefix").and_then(|a| a.val.str().map(str::to_string));
                    let full = match blueprint_prefix {
                        // `register_blueprint(url_prefix=...)` replaces the blueprint's own prefix.
                        Some(own) => format!("{prefix}{}", include_prefix.as_deref().unwrap_or(&own)),
                        None => format!(
                            "{prefix}{}{}",
                            include_prefix.as_deref().unwrap_or(""),
                            router_prefix.as_deref().unwrap_or("")
                        ),
                    };
                    let mut deps = dependencies.to_vec();
                    deps.extend(include_deps.iter().cloned());
                    deps.extend(objects::seq_items(obj.ctor.arg(None, "dependencies").map(|a| &a.val)));
                    let mut router_ops: Vec<&Op<'t>> = obj.ops.iter().collect();
                    router_ops.sort_by(|a, b| a.key.cmp(&b.key));
                    visited.push(*router);
                    self.starlette_routes(objects, &obj.ctor, &full, &deps, out);
                    self.collect_routes(objects, &router_ops, &full, &deps, out, visited);
                    visited.pop();
                }
                _ => {}
            }
        }
    }

    /// `routes=[Route("/x", endpoint, methods=[...])]` given to `Starlette(...)` or a router.
    fn starlette_routes(
        &self,
        objects: &Objects<'t>,
        ctor: &CallV<'t>,
        prefix: &str,
        dependencies: &[Val<'t>],
        out: &mut Vec<Route>,
    ) {
        let items = objects::seq_items(ctor.arg(None, "routes").map(|a| &a.val));
        self.route_table(objects, &items, prefix, dependencies, out, 0);
    }

    /// The entries of a Starlette route table: `Route(...)`, and `Mount(path, routes=[...])` or
    /// `Mount(path, app=Router(routes=[...]))` with the mount path as prefix (a mounted app has its
    /// own middleware and is an app of its own).
    fn route_table(
        &self,
        objects: &Objects<'t>,
        items: &[Val<'t>],
        prefix: &str,
        dependencies: &[Val<'t>],
        out: &mut Vec<Route>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        for item in items {
            let route = match &item.v {
                V::Call(route) => route,
                V::Router(router) => {
                    let Some(obj) = objects.routers.get(*router) else { continue };
                    let nested = objects::seq_items(obj.ctor.arg(None, "routes").map(|a| &a.val));
                    self.route_table(objects, &nested, prefix, dependencies, out, depth + 1);
                    continue;
                }
                _ => continue,
            };
            match middleware::starlette_name(&route.path) {
                Some("Route" | "APIRoute") => {}
                Some("Mount") => {
                    let Some(path) = route.arg(Some(0), "path").and_then(|a| a.val.str()) else { continue };
                    let full = format!("{prefix}{}", path.trim_end_matches('/'));
                    let nested = match route.arg(None, "routes") {
                        Some(routes) => objects::seq_items(Some(&routes.val)),
                        None => route.arg(Some(1), "app").map(|a| vec![a.val.clone()]).unwrap_or_default(),
                    };
                    self.route_table(objects, &nested, &full, dependencies, out, depth + 1);
                    continue;
                }
                _ => continue,
            }
            let path = route.arg(Some(0), "path").and_then(|a| a.val.str().map(str::to_string));
            let handler = match route.arg(Some(1), "endpoint").map(|a| &a.val.v) {
                Some(V::Func(m, def)) => Some((*m, *def)),
                _ => None,
            };
            let methods = match route.arg(None, "methods").map(|a| &a.val.v) {
                None => vec![crate::source::Spanned::new("GET".to_string(), route.span)],
                Some(V::Seq(seq)) if !seq.unknown => {
                    let methods: Option<Vec<_>> = seq
                        .items
                        .iter()
                        .map(|i| i.str().map(|m| crate::source::Spanned::new(m.to_ascii_uppercase(), i.span)))
                        .collect();
                    match methods {
                        Some(methods) => methods,
                        None => continue,
                    }
                }
                _ => continue,
            };
            let op = objects::RouteOp { methods, path, span: route.span, handler, dependencies: Vec::new() };
            out.push(self.route_facts(&op, prefix, dependencies));
        }
    }
}

/// A call's first argument (positional, or by keyword `name`) and the remaining arguments.
fn split_first<'t>(call: &CallV<'t>, name: &str) -> (Option<Val<'t>>, Vec<Arg<'t>>) {
    if let Some(index) = call.args.iter().position(|a| a.name.as_deref() == Some(name)) {
        let mut rest = call.args.clone();
        let first = rest.remove(index);
        return (Some(first.val), rest);
    }
    match call.args.iter().position(|a| a.name.is_none()) {
        Some(index) => {
            let mut rest = call.args.clone();
            let first = rest.remove(index);
            (Some(first.val), rest)
        }
        None => (None, call.args.clone()),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hand_written;
#[cfg(test)]
mod tests_resolution;
