//! Hono apps with `cors()` from `hono/cors`: one [`App`] per receiver of `X.use([path,] cors(opts))`.
//!
//! Hono runs the handlers that match a request in registration order, middleware and routes
//! alike, so the middleware list and the routes keep their source positions. A middleware is
//! authentication when its name says so (`bearerAuth(...)`, `basicAuth(...)`, `jwt(...)`, and the
//! Express names); it is placed in the stack when it covers every path or the same pattern as
//! `cors()`.

use super::express::{AUTH_NAMES, arguments, calls_in_order, handler_name};
use super::modules::Modules;
use super::node_apps::{NodeApps, ROUTE_METHODS, extract_with, member_call, module_bindings};
use super::plugin_policy::HONO;
use super::value::ValueKind;
use crate::model::app::{App, AuthBackend, Framework, Install, Middleware, MiddlewareKind, PathScope};
use crate::model::{CorsPolicy, Project};
use crate::parse::Parsed;
use crate::source::FileId;
use tree_sitter::Node;

/// How `cors` is imported: from npm, and under Deno from npm or JSR.
const MODULES: &[&str] = &["hono/cors", "npm:hono/cors", "jsr:@hono/hono/cors", "@hono/hono/cors"];

/// Hono's own authentication middleware (`hono/bearer-auth`, `hono/basic-auth`, `hono/jwt`, `hono/jwk`).
const HONO_AUTH: &[&str] = &["bearerAuth", "basicAuth", "jwt", "jwk"];

pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    // `hono`, not `hono/cors`: the `cors()` middleware may be imported from another module.
    extract_with(project, parsed, "hono", read);
}

/// A `use` pattern that covers every path.
fn every_path(pattern: &str) -> bool {
    matches!(pattern, "*" | "/*" | "/")
}

fn read<'t>(file: FileId, root: Node<'t>, text: &'t str, modules: &Modules<'t>) -> Vec<(App, Vec<CorsPolicy>)> {
    let Some(eval) = modules.evaluator(file) else { return Vec::new() };
    let cors_names = |root: Node<'t>, text: &'t str| -> Vec<&'t str> {
        MODULES.iter().flat_map(|m| module_bindings(root, text, m)).collect()
    };
    let names = cors_names(root, text);
    let mut apps = NodeApps::new(file);
    // Authentication middleware by receiver, with its pattern (`None`: every path).
    let mut auth: Vec<(String, Option<String>, Middleware)> = Vec::new();
    for call in calls_in_order(root) {
        let Some((receiver, method, args)) = member_call(call, text) else { continue };
        match method {
            "use" => {
                let mut handlers = args.as_slice();
                let mut pattern = None;
                if let Some(first) = args.first() {
                    match eval.eval(*first).kind {
                        ValueKind::String(p) => {
                            pattern = Some(p);
                            handlers = args.get(1..).unwrap_or_default();
                        }
                        // A path not known: which requests it covers is not known.
                        ValueKind::Unknown | ValueKind::Env(_) if first.kind() != "call_expression" => continue,
                        _ => {}
                    }
                }
                let pattern = pattern.filter(|p| !every_path(p));
                for handler in handlers {
                    let Some((module, module_eval, node)) = modules.resolve_across(&eval, file, *handler) else {
                        continue;
                    };
                    let callee = (node.kind() == "call_expression")
                        .then(|| node.child_by_field_name("function"))
                        .flatten()
                        .map(|f| module_eval.text(f));
                    let module_names = match (module == file, modules.root(module), modules.text(module)) {
                        (false, Some(root), Some(text)) => cors_names(root, text),
                        _ => Vec::new(),
                    };
                    let known = if module == file { &names } else { &module_names };
                    if callee.is_some_and(|c| known.contains(&c)) {
                        let options = arguments(node).first().map(|a| module_eval.eval_linked(*a, modules, 0));
                        let paths = pattern.clone().map(PathScope::Route);
                        apps.cors(
                            &HONO,
                            receiver,
                            Framework::Hono,
                            *handler,
                            options.as_ref(),
                            Install::Use,
                            paths,
                            true,
                        );
                        continue;
                    }
                    let name = eval.text(handler_name(*handler)).to_owned();
                    if !AUTH_NAMES.contains(&name.as_str()) && !HONO_AUTH.contains(&name.as_str()) {
                        continue;
                    }
                    let span = apps.span(*handler);
                    let backend = AuthBackend {
                        definition: span,
                        raises_without_credentials: Some(span),
                        reads_headers: Vec::new(),
                    };
                    let kind = MiddlewareKind::Authentication { backend: Some(backend) };
                    let middleware = Middleware { name, span: apps.span(call), install: Install::Use, kind };
                    auth.push((receiver.to_owned(), pattern.clone(), middleware));
                }
            }
            m if ROUTE_METHODS.contains(&m) && args.len() >= 2 => {
                let path = args.first().and_then(|p| eval.eval(*p).kind.as_str().map(str::to_owned));
                apps.route(receiver, Framework::Hono, m, path, call);
            }
            _ => {}
        }
    }
    // Authentication in front of `cors()` only matters where both cover the same requests.
    for (receiver, pattern, middleware) in auth {
        let app = apps.app(&receiver, Framework::Hono);
        let cors_pattern = app.cors.first().map(|s| match &s.paths {
            Some(PathScope::Route(p)) => Some(p.clone()),
            _ => None,
        });
        if pattern.is_none() || cors_pattern.as_ref() == Some(&pattern) {
            app.middleware.push(middleware);
        }
    }
    let mut found = apps.finish();
    for (app, _) in &mut found {
        app.middleware.sort_by_key(|m| m.span.start());
    }
    found
}
