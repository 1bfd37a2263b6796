//! CORS201: a middleware outside the app's CORS component answers OPTIONS preflights itself. What
//! becomes of its errors and how to reorder the stack are the layer's (`AppLayerSpec`).

use crate::diagnostic::Severity;
use crate::model::app::{CorsSetup, Middleware, MiddlewareKind};
use crate::model::layer::AppLayerSpec;
use crate::model::{Project, Value};
use crate::rules::{Rule, Sink};

pub struct PreflightBlockedByMiddleware;

impl Rule for PreflightBlockedByMiddleware {
    const CODE: &'static str = "CORS201";
    const NAME: &'static str = "preflight-blocked-by-middleware";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            let Some((position, setup)) = app.outermost_cors() else { continue };
            let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else { continue };
            // Only what runs before the CORS component can answer a preflight: inner middleware never sees one.
            for outer in app.middleware.iter().take(position) {
                report(project, layer, outer, setup, sink);
            }
        }
    }
}

fn report(project: &Project, layer: &dyn AppLayerSpec, outer: &Middleware, setup: &CorsSetup, sink: &mut Sink) {
    let name = &outer.name;
    let component = layer.component();
    let help = help(layer, outer, setup);
    match &outer.kind {
        MiddlewareKind::Custom(custom) => {
            let Some(exit) = custom.preflight_exit else { return };
            let exit_text = project.file(exit.file).map_or("", |f| f.slice(exit.range));
            let (how, label) = if exit_text.starts_with("raise") {
                (
                    format!("it raises before calling the next app, and {}", layer.outer_raise()),
                    "raises here for a preflight",
                )
            } else if exit_text.starts_with("return") {
                ("it returns its own response before calling the next app".to_string(), "a preflight is answered here")
            } else {
                (
                    format!("`{exit_text}` raises `KeyError` for a preflight, which carries no such header: a 500"),
                    "fails for a preflight",
                )
            };
            sink.report(
                outer.span,
                format!(
                    "`{name}` runs outside {component} and answers the OPTIONS preflight itself: {how}, without \
                     `Access-Control-Allow-Origin`, so the browser blocks every cross-origin request that needs a \
                     preflight"
                ),
            )
            .primary(format!("runs before {component}"))
            .label(exit, label)
            .label(setup.span, "never sees the preflight")
            .help(help);
        }
        MiddlewareKind::Authentication { backend: Some(backend) } => {
            let Some(raise) = backend.raises_without_credentials else { return };
            sink.report(
                outer.span,
                format!(
                    "`{name}` runs outside {component} and its backend raises for a request without credentials, \
                     which every preflight is: {} without `Access-Control-Allow-Origin`, so the browser blocks the \
                     request",
                    layer.outer_auth_refusal()
                ),
            )
            .primary(format!("runs before {component}"))
            .label(raise, "raises for a preflight, which never carries credentials")
            .label(setup.span, "never sees the preflight")
            .help(help);
        }
        MiddlewareKind::TrustedHost { allowed_hosts: Value::Known(hosts) } => {
            let is_url = |h: &str| h.contains("://") || h.contains('/');
            if hosts.is_empty() || !hosts.iter().all(|h| is_url(&h.value)) {
                return;
            }
            let first = hosts.first().map_or("", |h| h.value.as_str());
            let diagnostic = sink.report(
                outer.span,
                format!(
                    "`{name}` runs outside {component} and none of its `allowed_hosts` can match a `Host` header \
                     (`{first}` is a URL, not a host name): every request, preflights included, gets 400 `Invalid \
                     host header` without CORS headers"
                ),
            );
            diagnostic.primary(format!("runs before {component}")).help(format!(
                "write host names without scheme or path, e.g. `allowed_hosts=[\"{}\"]`",
                host_of(first)
            ));
            for host in hosts {
                diagnostic.label(host.span, "a URL, not a host name");
            }
        }
        _ => {}
    }
}

fn help(layer: &dyn AppLayerSpec, outer: &Middleware, setup: &CorsSetup) -> String {
    let reorder = layer.move_outermost(outer.install, setup.install);
    match outer.kind {
        MiddlewareKind::Custom(_) => format!("{reorder}; or let preflights through first: {}", layer.pass_preflights()),
        _ => reorder.to_string(),
    }
}

/// `http://localhost:5173/` → `localhost`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = if host.starts_with('[') { host } else { host.split(':').next().unwrap_or(host) };
    if host.is_empty() { "api.example.com".to_string() } else { host.to_string() }
}
