//! CORS202: authentication covers the OPTIONS preflight, which never carries credentials.
//!
//! Proxy parts: ingress-nginx (`auth-url`/`auth-type` while CORS is left to the app behind it) and
//! Traefik (an auth middleware that runs before the CORS headers middleware on a router).

use crate::diagnostic::Severity;
use crate::model::deploy::{Ingress, TraefikMiddleware};
use crate::model::{CorsPolicy, Layer, Project};
use crate::rules::{Rule, Sink};
use crate::source::Span;

pub struct PreflightRequiresAuth;

impl Rule for PreflightRequiresAuth {
    const CODE: &'static str = "CORS202";
    const NAME: &'static str = "preflight-requires-auth";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_ingress(project, sink);
        check_traefik(project, sink);
    }
}

/// Policies of the application layer: the app behind the proxy answers CORS itself.
fn app_policies(project: &Project) -> impl Iterator<Item = &CorsPolicy> {
    project.policies.iter().filter(|p| !matches!(p.layer, Layer::Nginx | Layer::IngressNginx | Layer::Traefik))
}

/// Why CORS matters for this Ingress although ingress-nginx does not handle it: the place to point at.
fn cors_left_elsewhere(project: &Project, ingress: &Ingress) -> Option<(Span, String)> {
    if let Some(ignored) = ingress.nginx_annotations_starting("cors-").next() {
        let label = "`cors-*` annotations do nothing without `enable-cors: \"true\"`".to_string();
        return Some((ignored.entry_span(), label));
    }
    if let Some(snippet) = ingress.configuration_snippet() {
        let text = &snippet.value.value;
        // `if ($request_method = OPTIONS) { ... return 204; }` runs in the rewrite phase, before auth.
        let answers_options = text.contains("OPTIONS") && text.contains("return");
        if text.to_ascii_lowercase().contains("access-control-") && !answers_options {
            let label = "CORS headers are added here, but only after authentication has run".to_string();
            return Some((snippet.value.span, label));
        }
    }
    app_policies(project).next().map(|p| {
        let label = format!(
            "the {} app answers CORS itself, but its preflights are rejected before they reach it",
            p.layer.name()
        );
        (p.span, label)
    })
}

fn check_ingress(project: &Project, sink: &mut Sink) {
    for ingress in &project.deploy.ingresses {
        // With enable-cors, ingress-nginx answers the preflight with 204 in the rewrite phase, before auth.
        if ingress.cors.as_ref().is_some_and(|c| c.enabled) {
            continue;
        }
        let Some(auth) = ingress.auth_annotations().next() else { continue };
        let Some((evidence, why)) = cors_left_elsewhere(project, ingress) else { continue };
        let is_url = auth.key.value.ends_with("auth-url");
        let message = if is_url {
            format!(
                "ingress-nginx sends every request to `{}` for authentication first, OPTIONS preflights included; \
                 browsers send preflights without cookies or `Authorization`, so the auth service rejects them and \
                 the browser blocks the real request",
                auth.value.value
            )
        } else {
            format!(
                "ingress-nginx demands `{}` authentication on every request, OPTIONS preflights included; browsers \
                 send preflights without credentials, so they get 401 and the browser blocks the real request",
                auth.value.value
            )
        };
        let help = if is_url {
            "let ingress-nginx answer preflights before auth: `nginx.ingress.kubernetes.io/enable-cors: \"true\"` with \
             `cors-allow-origin` listing your frontends; or make the auth service accept OPTIONS (oauth2-proxy: \
             `--skip-auth-preflight=true`)"
        } else {
            "let ingress-nginx answer preflights before auth: `nginx.ingress.kubernetes.io/enable-cors: \"true\"` with \
             `cors-allow-origin` listing your frontends"
        };
        sink.report(auth.value.span, message)
            .primary("preflights must authenticate here")
            .label(evidence, why)
            .help(help);
    }
}

fn check_traefik(project: &Project, sink: &mut Sink) {
    let middlewares = &project.deploy.traefik_middlewares;
    let find = |reference: &str| middlewares.iter().find(|m| m.is_referenced_by(reference));
    let handles_cors = |m: &TraefikMiddleware| m.headers.as_ref().is_some_and(|h| h.handles_cors());
    for router in &project.deploy.traefik_routers {
        let chain: Vec<(&crate::model::deploy::Written, Option<&TraefikMiddleware>)> =
            router.middlewares.iter().map(|r| (r, find(&r.value))).collect();
        let Some(cors_at) = chain.iter().position(|(_, m)| m.is_some_and(handles_cors)) else { continue };
        let Some((auth_ref, Some(auth))) = chain
            .get(..cors_at)
            .and_then(|before| before.iter().find(|(_, m)| m.is_some_and(TraefikMiddleware::authenticates)).copied())
        else {
            continue;
        };
        let Some((cors_ref, _)) = chain.get(cors_at) else { continue };
        let kind = auth.types.iter().find(|t| t.ends_with("auth")).map_or("auth", String::as_str);
        sink.report(
            auth_ref.span,
            format!(
                "Traefik runs the `{kind}` middleware `{}` before the CORS middleware on router `{}`: OPTIONS \
                 preflights, which never carry credentials, are rejected before Traefik can answer them",
                auth.name.value, router.name.value
            ),
        )
        .primary("runs first and rejects the preflight")
        .label(cors_ref.span, "would answer the preflight, but never sees it")
        .help(format!(
            "list the CORS middleware before `{}` in the router's middlewares: Traefik then answers preflights itself",
            auth.name.value
        ));
    }
}
