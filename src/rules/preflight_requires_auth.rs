//! CORS202: authentication covers the OPTIONS preflight, which never carries credentials.
//!
//! Proxy parts: ingress-nginx (`auth-url`/`auth-type` while CORS is left to the app behind it) and
//! Traefik (an auth middleware that runs before the CORS headers middleware on a router).
//!
//! nginx part: `check_nginx`, over the nginx model.

use crate::diagnostic::Severity;
use crate::model::deploy::{Ingress, TraefikMiddleware};
use crate::model::layer::AppLayerSpec;
use crate::model::nginx::syntax::header;
use crate::model::nginx::{AccessKind, BlockId, BlockKind};
use crate::model::{CorsPolicy, Project};
use crate::rules::{Rule, Sink, nginx_words};
use crate::source::Span;
use std::collections::{HashMap, HashSet};

pub struct PreflightRequiresAuth;

impl Rule for PreflightRequiresAuth {
    const CODE: &'static str = "CORS202";
    const NAME: &'static str = "preflight-requires-auth";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress(project, sink);
        check_traefik(project, sink);
    }
}

/// Policies of the application layer (the app behind the proxy answers CORS itself), with their component.
fn app_policies(project: &Project) -> impl Iterator<Item = (&CorsPolicy, &'static dyn AppLayerSpec)> {
    project.policies.iter().filter_map(|p| p.layer.spec().app().map(|app| (p, app)))
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
    app_policies(project).next().map(|(p, app)| {
        let label = format!(
            "the {} app answers CORS itself, but its preflights are rejected before they reach it",
            app.app_kind()
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

/// The `Access-Control-Allow-Origin` a location sends on some response, if any; `blocks` are the
/// location's contexts, in order.
fn cors_origin_header(project: &Project, blocks: &[BlockId]) -> Option<Span> {
    let model = &project.nginx;
    blocks
        .iter()
        .find_map(|b| model.effective_headers(*b).into_iter().find(|h| h.is(header::ALLOW_ORIGIN)).map(|h| h.span))
}

fn answer_preflights_help(project: &Project, origin: Span) -> String {
    let acao = nginx_words::with_always(project, origin);
    format!(
        "answer preflights in the rewrite phase, before access checks run:\n{}",
        nginx_words::code(&[
            "if ($request_method = OPTIONS) {".into(),
            format!("    {acao}"),
            "    add_header Access-Control-Allow-Methods \"GET, POST, PUT, DELETE\" always;".into(),
            "    add_header Access-Control-Allow-Headers \"Authorization, Content-Type\" always;".into(),
            "    return 204;".into(),
            "}".into(),
        ])
    )
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    let contexts = model.contexts();
    // Each location's contexts, looked up once (a scan of all contexts per location is quadratic in
    // configurations that include the same locations many times).
    let mut by_location: HashMap<BlockId, Vec<BlockId>> = HashMap::new();
    for ctx in contexts {
        by_location.entry(ctx.location).or_default().push(ctx.block);
    }
    for ctx in contexts {
        if ctx.block != ctx.location {
            continue;
        }
        let location = ctx.location;
        let blocks = by_location.get(&location).map_or(&[][..], Vec::as_slice);
        let Some(origin) = cors_origin_header(project, blocks) else { continue };
        // `return` in an OPTIONS `if` runs in the rewrite phase, before any access check; an
        // include corslint does not have may hold one.
        if model.may_answer_preflight_early(location) || model.unknown_phases(location).is_some() {
            continue;
        }
        let place = nginx_words::block(project, location);
        limit_except_without_options(project, sink, location, origin, &mut reported);
        for d in model.effective_access(location).rejects_anonymous() {
            if !reported.insert(d.item.span) {
                continue;
            }
            let (status, why) = match d.item.kind {
                AccessKind::AuthBasic => ("401", "browsers send preflights without credentials"),
                AccessKind::AuthJwt => ("401", "browsers send preflights without a token"),
                AccessKind::AuthRequest => {
                    ("401 or 403", "browsers send preflights without credentials, so the auth subrequest fails")
                }
                AccessKind::Deny | AccessKind::Allow => ("403", "`deny all` turns every request away"),
            };
            sink.report(
                d.item.span,
                format!(
                    "`{}` also covers the OPTIONS preflight of {place}: {why}, nginx answers it with {status}, and \
                     the browser blocks the request that was to follow",
                    d.item.directive()
                ),
            )
            .primary("runs before any preflight answer")
            .label(origin, "CORS headers are sent for this location")
            .help(answer_preflights_help(project, origin));
        }
    }
}

/// `limit_except GET POST { deny all; }`: every other method, OPTIONS included, is refused.
fn limit_except_without_options(
    project: &Project,
    sink: &mut Sink,
    location: BlockId,
    origin: Span,
    reported: &mut HashSet<Span>,
) {
    let model = &project.nginx;
    let Some(block) = model.block(location) else { return };
    for child in &block.children {
        let Some(le) = model.block(*child) else { continue };
        let BlockKind::LimitExcept { methods } = &le.kind else { continue };
        if methods.iter().any(|m| m.value.eq_ignore_ascii_case("OPTIONS")) {
            continue;
        }
        let restricts = le.rare().access.iter().any(|a| a.kind == AccessKind::Deny || a.is_active_auth());
        if !restricts || !reported.insert(le.head) {
            continue;
        }
        let listed: Vec<&str> = methods.iter().map(|m| m.value.as_str()).collect();
        sink.report(
            le.head,
            format!(
                "{} does not list OPTIONS, so its restrictions also refuse the preflight of {}: browsers then block \
                 the request that was to follow",
                nginx_words::block(project, *child),
                nginx_words::block(project, location)
            ),
        )
        .primary("OPTIONS is not listed")
        .label(origin, "CORS headers are sent for this location")
        .help(format!("list OPTIONS: `limit_except {} OPTIONS {{ ... }}`", listed.join(" ")));
    }
}

#[cfg(test)]
mod nginx_tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS202";

    #[test]
    fn auth_basic_over_a_cors_location() {
        let f = findings(
            RULE,
            r#"
            server {
                auth_basic "Staging";
                auth_basic_user_file /etc/nginx/htpasswd;
                location /api/ {
                    add_header Access-Control-Allow-Origin https://app.example.com always;
                    proxy_pass http://127.0.0.1:8000;
                }
                location /v2/ {
                    add_header Access-Control-Allow-Origin https://app.example.com always;
                    proxy_pass http://127.0.0.1:8001;
                }
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`auth_basic` also covers the OPTIONS preflight of `location /api/`"));
    }

    #[test]
    fn an_options_return_before_auth_is_fine() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                auth_request /auth;
                if ($request_method = OPTIONS) {
                    add_header Access-Control-Allow-Origin https://app.example.com always;
                    return 204;
                }
                add_header Access-Control-Allow-Origin https://app.example.com always;
                proxy_pass http://app;
            }
            location /private/ { auth_basic "x"; proxy_pass http://app; }
            location /off/ {
                auth_basic off;
                add_header Access-Control-Allow-Origin https://app.example.com always;
                proxy_pass http://app;
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn limit_except_and_deny_all() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                add_header Access-Control-Allow-Origin * always;
                limit_except GET POST { deny all; }
                proxy_pass http://app;
            }
            location /ok/ {
                add_header Access-Control-Allow-Origin * always;
                limit_except GET POST OPTIONS { deny all; }
                proxy_pass http://app;
            }
            location /closed/ {
                add_header Access-Control-Allow-Origin * always;
                deny all;
            }
            location /office/ {
                add_header Access-Control-Allow-Origin * always;
                allow 10.0.0.0/8;
                deny all;
                proxy_pass http://app;
            }"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.starts_with("`limit_except GET POST` does not list OPTIONS"));
        assert_eq!(f[0].help.as_deref(), Some("list OPTIONS: `limit_except GET POST OPTIONS { ... }`"));
        assert!(f[1].message.starts_with("`deny` also covers"));
    }
}
