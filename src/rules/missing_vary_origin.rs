//! CORS306: `Access-Control-Allow-Origin` depends on the request's `Origin`, but `Vary: Origin`
//! is not sent, so caches can serve one origin's answer to another.
//!
//! Proxy parts: ingress-nginx (any origin list other than `*`) and Traefik (an origin list or regex
//! without `addVaryHeader: true`).
//!
//! nginx part: `check_nginx`, over the nginx model.

use crate::diagnostic::Severity;
use crate::model::deploy::Written;
use crate::model::nginx::syntax::{self, has_variables, header, list_items};
use crate::model::nginx::{HeaderRef, Requests};
use crate::model::{CorsPolicy, OriginKind, Project};
use crate::rules::{Rule, Sink, nginx_words};
use crate::source::Span;
use std::collections::HashSet;

pub struct MissingVaryOrigin;

impl Rule for MissingVaryOrigin {
    const CODE: &'static str = "CORS306";
    const NAME: &'static str = "missing-vary-origin";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress(project, sink);
        check_traefik(project, sink);
    }
}

/// The answer depends on the request's origin (anything but a lone `*`).
fn origin_dependent(policy: &CorsPolicy) -> bool {
    policy.origins.entries.iter().any(|e| !matches!(e.kind, OriginKind::Any))
}

fn check_ingress(project: &Project, sink: &mut Sink) {
    for ingress in &project.deploy.ingresses {
        let Some(cors) = ingress.cors.as_ref().filter(|c| c.enabled) else { continue };
        let Some(policy) = project.policies.iter().find(|p| p.span == cors.policy_span) else { continue };
        if !origin_dependent(policy) {
            continue;
        }
        // A snippet that adds the header itself (`more_set_headers "Vary: Origin"`) fixes it.
        let snippet_varies = ingress.configuration_snippet().is_some_and(|s| {
            let text = s.value.value.to_ascii_lowercase();
            text.contains("vary") && text.contains("origin")
        });
        if snippet_varies {
            continue;
        }
        let Some(origin) = ingress.nginx_annotation("cors-allow-origin") else { continue };
        sink.report(
            origin.value.span,
            "ingress-nginx answers each allowed origin with `Access-Control-Allow-Origin: <that origin>` and other \
             origins without it, but never sends `Vary: Origin`: a shared cache or the browser can serve one \
             origin's response to another, which then fails CORS",
        )
        .primary("the response depends on the request's Origin")
        .help(
            "add the header in a snippet: `nginx.ingress.kubernetes.io/configuration-snippet: \
             more_set_headers \"Vary: Origin\";`",
        );
    }
}

fn check_traefik(project: &Project, sink: &mut Sink) {
    for middleware in &project.deploy.traefik_middlewares {
        let Some(headers) = middleware.headers.as_ref().filter(|h| h.handles_cors()) else { continue };
        let Some(policy) = project.policies.iter().find(|p| Some(p.span) == middleware.policy_span) else { continue };
        // A listed origin with a placeholder (`https://${DOMAIN}`) is still one origin, not `*`.
        let listed = headers.origin_list.iter().flat_map(|f| &f.value);
        if !origin_dependent(policy) && !listed.into_iter().any(|w| w.value != "*" && !w.is_bare_placeholder()) {
            continue;
        }
        let vary = headers.add_vary_header.as_ref();
        if vary.is_some_and(|f| f.value != Some(false)) {
            continue; // `true`, or a value corslint cannot see
        }
        let Some(list) =
            headers.origin_list.as_ref().filter(|f| !f.value.is_empty()).or(headers.origin_list_regex.as_ref())
        else {
            continue;
        };
        let what = if headers.origin_list_regex.as_ref().is_some_and(|f| !f.value.is_empty()) {
            "echoes each origin its regex accepts in `Access-Control-Allow-Origin`"
        } else {
            "answers each listed origin with `Access-Control-Allow-Origin: <that origin>`"
        };
        let first = list.value.first().map_or(list.key, |w: &Written| w.span);
        let report = sink.report(
            first,
            format!(
                "Traefik {what} and answers other origins without the header, but adds `Vary: Origin` only with \
                 `addVaryHeader: true`: a shared cache or the browser can serve one origin's response to another"
            ),
        );
        report.primary("the response depends on the request's Origin");
        if let Some(f) = vary {
            report.label(f.key, "`addVaryHeader` is off");
        }
        if let Some(pruned) = headers.pruned_keys.iter().find(|k| k.value.eq_ignore_ascii_case("addVaryHeader")) {
            report.label(pruned.span, "not `addVaryHeader`: the Kubernetes API drops a field spelled in another case");
        }
        let help = match &middleware.source {
            crate::model::deploy::TraefikSource::ComposeLabels { .. } => {
                format!("add the label `traefik.http.middlewares.{}.headers.addvaryheader=true`", middleware.name.value)
            }
            _ => "add `addVaryHeader: true` to the middleware's `headers`".to_string(),
        };
        report.help(help);
    }
}

/// A `Vary` header that covers `Origin` (or `Referer`, when `referer` is set, or whose value
/// corslint cannot see).
fn varies_on_origin(h: &HeaderRef<'_>, referer: bool) -> bool {
    let covers =
        |v: &str| v.eq_ignore_ascii_case("origin") || v == "*" || (referer && v.eq_ignore_ascii_case("referer"));
    h.is("vary") && (has_variables(&h.value.value) || list_items(&h.value.value).iter().any(|(_, _, v)| covers(v)))
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for (ctx, headers) in model.cors_contexts() {
        // Preflight answers are not stored by HTTP caches; a fixed `return 204` is how nginx
        // configurations answer them, even when the condition is too indirect to prove it.
        if ctx.requests == Requests::Preflight || model.context_return(ctx.block).and_then(|r| r.status) == Some(204) {
            continue;
        }
        let Some(acao) = headers.iter().find(|h| h.is(header::ALLOW_ORIGIN)) else { continue };
        let resolution = model.origin_facts(ctx.block, acao.value);
        // Even when corslint cannot tell which origins an `if` lets through, an echoed
        // `$http_origin` still varies with the request.
        if !resolution.request_dependent {
            continue;
        }
        // An include corslint does not have may send `Vary` here.
        if model.effective_headers(ctx.block).iter().any(|h| varies_on_origin(h, resolution.from_referer))
            || model.unknown_headers(ctx.block).is_some()
            || reported.contains(&acao.span)
        {
            continue;
        }
        reported.insert(acao.span);
        let echoes = syntax::single_variable(&acao.value.value).as_deref() == Some("http_origin");
        let place = nginx_words::block(project, ctx.block);
        if resolution.from_referer {
            sink.report(
                acao.span,
                format!(
                    "`Access-Control-Allow-Origin` is chosen from the request's `Referer` in {place}, but the \
                     response carries no `Vary: Referer`: a shared cache or the browser can hand the answer for one \
                     page to another, whose request then fails"
                ),
            )
            .primary("depends on the request's Referer")
            .help(
                "send `Vary: Referer` with it (`add_header Vary Referer always;`), or better, choose the origin \
                 from `$http_origin`, which every CORS request carries, and send `Vary: Origin`",
            );
            continue;
        }
        let how = if echoes || resolution.reflects {
            "echoes the request's `Origin`"
        } else {
            "is chosen from the request's `Origin`"
        };
        let diagnostic = sink.report(
            acao.span,
            format!(
                "`Access-Control-Allow-Origin` {how} in {place}, but the response carries no `Vary: Origin`: a shared \
                 cache or the browser can hand one origin's response to another origin, whose request then fails"
            ),
        );
        diagnostic
            .primary("depends on the request's Origin")
            .help("send `Vary: Origin` with it, in the same block:\n    add_header Vary Origin always;");
        if let Some(edit) = vary_beside(project, acao.span) {
            diagnostic.fix("add `add_header Vary Origin always;`", vec![edit]);
        }
    }
}

/// `add_header Vary Origin always;` on its own line after the `add_header` at `directive` (or right
/// after it when more follows on that line). The block already has an `add_header`, so one more
/// changes no inheritance; anything else (`more_set_headers`) gets no fix.
fn vary_beside(project: &Project, directive: Span) -> Option<crate::diagnostic::Edit> {
    let file = project.file(directive.file)?;
    if !file.slice(directive.range).starts_with("add_header") || !file.slice(directive.range).ends_with(';') {
        return None;
    }
    let row = file.position(directive.start()).row;
    let line_start = file.line_start(row)?;
    let indent: String = file.line(row).chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let line_end = line_start + file.line(row).len();
    let rest = file.text.get(directive.end()..line_end)?.trim();
    let (at, content) = if rest.is_empty() || rest.starts_with('#') {
        (line_end, format!("\n{indent}add_header Vary Origin always;"))
    } else {
        (directive.end(), " add_header Vary Origin always;".to_owned())
    };
    Some(crate::diagnostic::Edit { span: Span::new(directive.file, at, at), content })
}

#[cfg(test)]
mod nginx_tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS306";

    #[test]
    fn a_map_allowlist_without_vary() {
        let f = findings(
            RULE,
            r#"
            map $http_origin $cors_origin { default ""; "~^https://(app|admin)\.example\.com$" $http_origin; }
            server {
                add_header Access-Control-Allow-Origin $cors_origin always;
                location /a/ { proxy_pass http://a; }
                location /b/ { proxy_pass http://b; }
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("is chosen from the request's `Origin`"));
    }

    #[test]
    fn vary_sent_or_static_origin() {
        let f = findings(
            RULE,
            r#"
            map $http_origin $cors_origin { default ""; "~^https://app\.example\.com$" $http_origin; }
            server {
                location /a/ {
                    add_header Access-Control-Allow-Origin $cors_origin always;
                    add_header Vary "Accept-Encoding, Origin" always;
                }
                location /b/ { add_header Access-Control-Allow-Origin https://app.example.com always; }
                location /c/ { more_set_headers "Access-Control-Allow-Origin: $http_origin" "Vary: Origin"; }
                location /d/ {
                    if ($request_method = OPTIONS) {
                        add_header Access-Control-Allow-Origin $http_origin;
                        return 204;
                    }
                }
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn an_echo_behind_an_unresolvable_flag_still_needs_vary() {
        let f = findings(
            RULE,
            r#"
            location / {
                if ($http_origin ~* ^https://app\.example\.com$) { set $cors "true"; }
                if ($request_method = GET) { set $cors "${cors}get"; }
                if ($cors = "trueget") { add_header Access-Control-Allow-Origin $http_origin always; }
                proxy_pass http://app;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
    }

    #[test]
    fn reflection_without_vary() {
        let f = findings(RULE, "location / { add_header Access-Control-Allow-Origin $http_origin always; }");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("echoes the request's `Origin`"));
    }
}
