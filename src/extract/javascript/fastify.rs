//! fastify apps with `@fastify/cors`: one [`App`] per receiver of `X.register(cors, opts)` (with
//! `cors` bound to the package, or `require("@fastify/cors")` / `import("@fastify/cors")` written
//! in place), and NestJS apps on `FastifyAdapter` (`app.enableCors(opts)`,
//! `NestFactory.create(M, new FastifyAdapter(), { cors })`), which register the same plugin.
//!
//! The plugin's hook runs in its phase (`hook`, default `onRequest`) in the order `register` and
//! `addHook` are written; hooks of an earlier phase run first whatever their order. An
//! `addHook(phase, fn)` whose function's name says it authenticates (`fastify.authenticate`,
//! `verifyJWT`) is authentication; any other hook is not judged. Routes are recorded for their
//! methods: the plugin applies to every route whatever the order (fastify-plugin).

use super::express::{AUTH_NAMES, calls_in_order, handler_name};
use super::node_apps::{NodeApps, ROUTE_METHODS, extract_with, loads_module, member_call, module_bindings};
use super::plugin_policy::{FASTIFY, FASTIFY_10, Flavour};
use super::value::{Evaluator, Lookup, ValueKind};
use crate::model::app::{App, AuthBackend, Framework, Install, Middleware, MiddlewareKind};
use crate::model::{CorsPolicy, Project};
use crate::parse::Parsed;
use crate::source::FileId;
use tree_sitter::Node;

const MODULE: &str = "@fastify/cors";

/// fastify's request hooks in the order a request meets them.
const PHASES: &[&str] = &["onRequest", "preParsing", "preValidation", "preHandler"];

pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    let pins = pinned_majors(project, parsed);
    let flavour_of = |file: FileId| {
        let path = project.file(file).map(|f| f.path.as_path());
        // The nearest `package.json` above the file that names the package decides.
        let pin = pins
            .iter()
            .filter(|(dir, _)| path.is_some_and(|p| p.starts_with(dir)))
            .max_by_key(|(d, _)| d.components().count());
        match pin {
            Some((_, Some(major))) if *major < 11 => &FASTIFY_10,
            _ => &FASTIFY,
        }
    };
    let flavours: Vec<&Flavour> = (0..parsed.len()).map(flavour_of).collect();
    // `@fastify/cors`, or NestJS's `@nestjs/platform-fastify`.
    extract_with(project, parsed, "fastify", |file, root, text, _| {
        read(flavours.get(file).copied().unwrap_or(&FASTIFY), file, root, text)
    });
}

/// Each `package.json` that depends on `@fastify/cors`: its directory and the highest major its
/// range allows (`^10.0.1` → 10), `None` when the range has no upper bound (`latest`, `>=10`,
/// `workspace:*`), which installs the newest.
fn pinned_majors(project: &Project, parsed: &[Parsed]) -> Vec<(std::path::PathBuf, Option<u64>)> {
    let mut pins = Vec::new();
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::Json(json) = tree else { continue };
        let Some(file) = project.file(id) else { continue };
        if !file.path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("package.json")) {
            continue;
        }
        let range = ["dependencies", "devDependencies", "peerDependencies"]
            .iter()
            .find_map(|section| json.get(section)?.get(MODULE)?.as_str());
        let Some(range) = range else { continue };
        let dir = file.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        pins.push((dir, crate::extract::versions::npm_major(range)));
    }
    pins
}

fn read(flavour: &Flavour, file: FileId, root: Node<'_>, text: &str) -> Vec<(App, Vec<CorsPolicy>)> {
    let eval = Evaluator::new(root, text);
    let names = module_bindings(root, text, MODULE);
    let nest = text.contains("FastifyAdapter");
    let mut apps = NodeApps::new(file);
    // (phase, source position) of each stack entry, to order the stacks once all are read.
    let mut order: Vec<(usize, usize)> = Vec::new();
    // The function each `register(cors)` is written in: a hook added in another function is one
    // of an encapsulated plugin, which never sees the root's `OPTIONS *` preflights.
    let mut cors_scopes: Vec<(String, Option<usize>)> = Vec::new();
    let mut hooks: Vec<(String, Option<usize>, Middleware, usize)> = Vec::new();
    for call in calls_in_order(root) {
        let Some((receiver, method, args)) = member_call(call, text) else { continue };
        match method {
            "register" => {
                let Some(plugin) = args.first() else { continue };
                let plugin = eval.resolve(*plugin);
                let is_cors = names.contains(&eval.text(plugin)) || loads_module(plugin, text, MODULE);
                if !is_cors {
                    continue;
                }
                let options = args.get(1).map(|a| eval.eval(*a));
                let phase = match options.as_ref().map(|o| &o.kind) {
                    Some(ValueKind::Object(object)) => match object.get("hook") {
                        Lookup::Found(p) => p.value.kind.as_str().map(str::to_owned),
                        Lookup::Absent => Some("onRequest".to_owned()),
                        Lookup::Unknown => None,
                    },
                    Some(ValueKind::Function | ValueKind::Unknown) => None,
                    _ => Some("onRequest".to_owned()),
                };
                let in_stack = phase.as_deref().is_some_and(|p| PHASES.contains(&p));
                let (framework, install) = (Framework::Fastify, Install::Plugin);
                apps.cors(flavour, receiver, framework, call, options.as_ref(), install, None, in_stack);
                if in_stack {
                    order.push((phase_index(phase.as_deref()), call.start_byte()));
                }
                cors_scopes.push((receiver.to_owned(), enclosing_function(call)));
            }
            "addHook" => {
                let (Some(phase), Some(hook)) = (args.first(), args.get(1)) else { continue };
                let phase = eval.eval(*phase).kind.as_str().map(str::to_owned);
                if !phase.as_deref().is_some_and(|p| PHASES.contains(&p)) {
                    continue;
                }
                let name = eval.text(handler_name(*hook)).to_owned();
                let last = name.rsplit('.').next().unwrap_or(&name);
                if !AUTH_NAMES.contains(&name.as_str()) && !AUTH_NAMES.contains(&last) {
                    continue;
                }
                let span = apps.span(*hook);
                let backend =
                    AuthBackend { definition: span, raises_without_credentials: Some(span), reads_headers: Vec::new() };
                let kind = MiddlewareKind::Authentication { backend: Some(backend) };
                let middleware = Middleware { name, span: apps.span(call), install: Install::Plugin, kind };
                hooks.push((receiver.to_owned(), enclosing_function(call), middleware, phase_index(phase.as_deref())));
            }
            "enableCors" if nest => {
                let options = args.first().map(|a| eval.eval(*a));
                let framework = Framework::NestJsFastify;
                apps.cors(flavour, receiver, framework, call, options.as_ref(), Install::Plugin, None, true);
            }
            "create" if nest && receiver == "NestFactory" => {
                let Some(options) = args.get(2).map(|a| eval.eval(*a)) else { continue };
                let ValueKind::Object(object) = &options.kind else { continue };
                let Lookup::Found(property) = object.get("cors") else { continue };
                let name = format!("NestFactory@{}", call.start_byte());
                let framework = Framework::NestJsFastify;
                let value = match &property.value.kind {
                    ValueKind::Bool(true) => None,
                    ValueKind::Bool(false) | ValueKind::Undefined | ValueKind::Null => continue,
                    _ => Some(property.value.clone()),
                };
                apps.cors(flavour, &name, framework, call, value.as_ref(), Install::Plugin, None, true);
            }
            m if ROUTE_METHODS.contains(&m) && args.len() >= 2 => {
                let path = args.first().and_then(|p| eval.eval(*p).kind.as_str().map(str::to_owned));
                apps.route(receiver, Framework::Fastify, m, path, call);
            }
            _ => {}
        }
    }
    for (receiver, scope, middleware, phase) in hooks {
        if cors_scopes.iter().any(|(r, s)| *r == receiver && *s == scope) {
            order.push((phase, middleware.span.start()));
            apps.middleware(&receiver, Framework::Fastify, middleware);
        }
    }
    let mut found = apps.finish();
    // The registration order within a phase, earlier phases first. Entries not in `order`
    // (NestJS's, which have no hooks beside them) keep their place.
    for (app, _) in &mut found {
        let key = |m: &Middleware| {
            order.iter().find(|(_, at)| *at == m.span.start()).map_or((0, m.span.start()), |(phase, at)| (*phase, *at))
        };
        app.middleware.sort_by_key(key);
    }
    found
}

/// The start of the innermost function `node` is written in (`None`: the module's top level).
fn enclosing_function(node: Node<'_>) -> Option<usize> {
    let mut parent = node.parent();
    while let Some(p) = parent {
        if matches!(
            p.kind(),
            "arrow_function" | "function_expression" | "function" | "function_declaration" | "method_definition"
        ) {
            return Some(p.start_byte());
        }
        parent = p.parent();
    }
    None
}

fn phase_index(phase: Option<&str>) -> usize {
    phase.and_then(|p| PHASES.iter().position(|q| *q == p)).unwrap_or(0)
}
