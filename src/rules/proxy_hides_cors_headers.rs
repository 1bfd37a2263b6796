//! CORS303: a proxy removes the upstream's CORS headers and sends none of its own.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::MoreCommand;
use crate::model::nginx::syntax::{canonical_header, header, is_cors_header};
use crate::rules::{Rule, Sink, nginx_words, stack_words};
use crate::source::Span;
use std::collections::HashSet;

pub struct ProxyHidesCorsHeaders;

impl Rule for ProxyHidesCorsHeaders {
    const CODE: &'static str = "CORS303";
    const NAME: &'static str = "proxy-hides-cors-headers";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_traefik(project, sink);
    }
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for ctx in model.contexts() {
        // Hiding matters only where a response comes from an upstream; an include corslint does
        // not have may send nginx's own headers.
        let Some(pass) = model.pass_of(ctx.block) else { continue };
        if model.unknown_headers(ctx.block).is_some() {
            continue;
        }
        let headers = model.effective_headers(ctx.block);
        let sets_itself = |name: &str| headers.iter().any(|h| h.is(name));
        let place = nginx_words::block(project, ctx.block);
        for hidden in model.effective_hidden(ctx.block, pass.item.module) {
            let name = &hidden.item.name.value;
            if !is_cors_header(name) || sets_itself(name) || !reported.insert(hidden.item.span) {
                continue;
            }
            let name = canonical_header(name);
            let directive = format!("{}_hide_header", pass.item.module.prefix());
            let diagnostic = sink
                .report(
                    hidden.item.span,
                    format!(
                        "`{directive}` removes the `{name}` the upstream sends, and {place} does not send its own: \
                     cross-origin requests to it fail"
                    ),
                )
                .primary("the upstream's header is dropped here")
                .label(pass.item.span, "the upstream whose CORS headers are dropped")
                .help(format!(
                    "let the app's header through (remove this line), or send nginx's own in {place}, e.g.\n    \
                 add_header {name} <value> always;"
                ));
            label_app(project, ctx.block, diagnostic);
        }
        let commands = model.more_commands(ctx.block);
        for clear in model.effective_more_clear(ctx.block) {
            // A clear limited to some statuses or types is deliberate.
            if clear.item.statuses.is_some() || clear.item.types.is_some() || reported.contains(&clear.item.span) {
                continue;
            }
            let cleared: Vec<String> = header::RESPONSE
                .iter()
                .take(3)
                .filter(|n| clear.item.clears(n) && !sets_itself(n))
                .map(|n| (*n).to_string())
                .collect();
            if cleared.is_empty() || !reported.insert(clear.item.span) {
                continue;
            }
            let diagnostic = sink
                .report(
                    clear.item.span,
                    format!(
                        "`more_clear_headers` removes {} the upstream sends, and {place} does not send its own: \
                     cross-origin requests to it fail",
                        nginx_words::list(&cleared)
                    ),
                )
                .primary("the upstream's CORS headers are dropped here")
                .label(pass.item.span, "the upstream whose CORS headers are dropped");
            // A `more_set_headers` written before the clear: headers-more runs them in order.
            let earlier = commands.iter().position(|c| c.span() == clear.item.span).unwrap_or(0);
            for command in commands.get(..earlier).unwrap_or_default() {
                if let MoreCommand::Set(set) = command
                    && set
                        .item
                        .headers
                        .iter()
                        .any(|h| clear.item.clears(&h.name.value) && is_cors_header(&h.name.value))
                {
                    diagnostic.label(set.item.span, "cleared too: headers-more runs in the order written");
                }
            }
            diagnostic.help(
                "leave the `Access-Control-*` headers out of `more_clear_headers`, or send nginx's own: \
                 `more_set_headers` written after the clear, or `add_header ... always` (headers-more never \
                 touches `add_header`'s headers)",
            );
            label_app(project, ctx.block, diagnostic);
        }
    }
}

/// Traefik `customResponseHeaders` with an empty `Access-Control-*` value deletes the backend's
/// header; flagged when the middleware does not send its own CORS headers.
fn check_traefik(project: &Project, sink: &mut Sink) {
    for middleware in &project.deploy.traefik_middlewares {
        let Some(headers) = &middleware.headers else { continue };
        if headers.handles_cors() || headers.has_unknown {
            continue;
        }
        for (name, value) in &headers.custom_response_headers {
            if !is_cors_header(&name.value) || !value.value.trim().is_empty() {
                continue;
            }
            let canonical = canonical_header(&name.value);
            let diagnostic = sink
                .report(
                    name.span,
                    format!(
                        "the Traefik headers middleware `{}` deletes the `{canonical}` the backend sends (an empty \
                         `customResponseHeaders` value removes the header) and sets no CORS headers of its own: \
                         cross-origin requests through it fail",
                        middleware.name.value
                    ),
                )
                .primary("the backend's header is deleted here")
                .help(format!(
                    "remove `{canonical}` from `customResponseHeaders`, or let the middleware answer CORS \
                     (`accessControlAllowOriginList`)"
                ));
            for (app, _) in project.apps_behind_traefik(middleware) {
                if let Some(setup) = stack_words::cors(app) {
                    diagnostic.label(
                        setup.span,
                        format!("the CORS headers of this app ({}) never reach the browser", project.app_path(app)),
                    );
                }
            }
        }
    }
}

/// When the app behind is in the repository: point at the CORS setup whose headers never arrive.
fn label_app(project: &Project, block: crate::model::nginx::BlockId, diagnostic: &mut crate::diagnostic::Diagnostic) {
    for (app, _) in project.apps_behind_nginx(block) {
        if let Some(setup) = stack_words::cors(app) {
            diagnostic.label(
                setup.span,
                format!("the CORS headers of this app ({}) never reach the browser", project.app_path(app)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS303";

    #[test]
    fn hiding_without_replacing_is_flagged() {
        let f = findings(
            RULE,
            r#"
            server {
                proxy_hide_header Access-Control-Allow-Origin;
                location /api/ { proxy_pass http://127.0.0.1:8000; }
                location /ws/ { proxy_pass http://127.0.0.1:8001; }
                location /static/ { root /srv; }
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`proxy_hide_header` removes the `Access-Control-Allow-Origin`"));
    }

    #[test]
    fn hiding_and_adding_nginxs_own_is_the_fix_for_duplicates() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                proxy_hide_header Access-Control-Allow-Origin;
                add_header Access-Control-Allow-Origin https://app.example.com always;
                more_clear_headers 'Access-Control-Allow-Credentials';
                more_set_headers 'Access-Control-Allow-Credentials: true';
                proxy_pass http://app;
            }
            location /b/ { proxy_hide_header X-Powered-By; proxy_pass http://app; }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn headers_more_wildcards() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                more_clear_headers 'Access-Control-*' Server;
                fastcgi_pass unix:/run/php-fpm.sock;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("`Access-Control-Allow-Origin`, `Access-Control-Allow-Credentials` and"));
    }

    /// headers-more runs set and clear in the order written: a clear after the set removes the
    /// set's value too, a clear before it does not; and it never touches `add_header`'s.
    #[test]
    fn headers_more_order_decides_what_is_left() {
        let f = findings(
            RULE,
            r#"
            location /set-then-clear/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                more_clear_headers 'Access-Control-Allow-Origin';
                proxy_pass http://127.0.0.1:8000;
            }
            location /clear-then-set/ {
                more_clear_headers 'Access-Control-Allow-Origin';
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                proxy_pass http://127.0.0.1:8000;
            }
            location /clear-then-add/ {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                more_clear_headers 'Access-Control-Allow-Origin';
                proxy_pass http://127.0.0.1:8000;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].labels[0].message, "the upstream whose CORS headers are dropped");
        assert_eq!(f[0].labels[1].message, "cleared too: headers-more runs in the order written");
    }
}
