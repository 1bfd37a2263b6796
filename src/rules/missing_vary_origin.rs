//! CORS306: `Access-Control-Allow-Origin` depends on the request, but `Vary: Origin` is not sent.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{self, has_variables, header, list_items};
use crate::model::nginx::{HeaderRef, Requests};
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
    }
}

/// A `Vary` header that covers `Origin` (or whose value corslint cannot see).
fn varies_on_origin(h: &HeaderRef<'_>) -> bool {
    h.is("vary")
        && (has_variables(&h.value.value)
            || list_items(&h.value.value).iter().any(|(_, _, v)| v.eq_ignore_ascii_case("origin") || *v == "*"))
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
        let resolution = model.resolve_origin(ctx.block, acao.value);
        // Even when corslint cannot tell which origins an `if` lets through, an echoed
        // `$http_origin` still varies with the request.
        if !resolution.request_dependent {
            continue;
        }
        if model.effective_headers(ctx.block).iter().any(varies_on_origin) || reported.contains(&acao.span) {
            continue;
        }
        reported.insert(acao.span);
        let echoes = syntax::single_variable(&acao.value.value).as_deref() == Some("http_origin");
        let how = if echoes || resolution.origins.entries.iter().any(|e| e.kind == crate::model::OriginKind::Reflect) {
            "echoes the request's `Origin`"
        } else {
            "is chosen from the request's `Origin`"
        };
        sink.report(
            acao.span,
            format!(
                "`Access-Control-Allow-Origin` {how} in {}, but the response carries no `Vary: Origin`: a shared \
                 cache or the browser can hand one origin's response to another origin, whose request then fails",
                nginx_words::block(project, ctx.block)
            ),
        )
        .primary("depends on the request's Origin")
        .help("send `Vary: Origin` with it, in the same block:\n    add_header Vary Origin always;");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings;

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
