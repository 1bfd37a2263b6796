//! CORS301: nginx `add_header Access-Control-*` without `always`.

use crate::diagnostic::{Edit, Severity};
use crate::model::Project;
use crate::model::nginx::syntax::{header, same_header};
use crate::model::nginx::{ADD_HEADER_STATUSES, HeaderSource};
use crate::rules::{Rule, Sink, nginx_words};
use crate::source::Span;
use std::collections::HashSet;

pub struct CorsHeaderNotAlways;

impl Rule for CorsHeaderNotAlways {
    const CODE: &'static str = "CORS301";
    const NAME: &'static str = "cors-header-not-always";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
    }
}

/// What a context answers with that `add_header` without `always` does not cover.
enum Lost {
    /// The context always ends in `return` with this status.
    Return(u16),
    /// Error responses of the upstream and of nginx.
    Proxied,
    /// Error responses of nginx itself (static files, no handler).
    Static,
}

/// The CORS headers a browser reads on an error response. `-Allow-Methods`, `-Allow-Headers`
/// and `-Max-Age` are read only from a successful (2xx) preflight: without `always` they lose
/// nothing.
fn read_on_errors(name: &str) -> bool {
    [header::ALLOW_ORIGIN, header::ALLOW_CREDENTIALS, header::EXPOSE_HEADERS].iter().any(|h| same_header(h, name))
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for ctx in model.contexts() {
        let lost = match model.context_return(ctx.block) {
            // A `return` with a status add_header covers: the header is always sent.
            Some(r) => match r.status {
                Some(s) if ADD_HEADER_STATUSES.contains(&s) => continue,
                // 444 closes the connection: there is no response to carry a header.
                Some(444) | None => continue,
                Some(s) => Lost::Return(s),
            },
            None if model.pass_of(ctx.block).is_some() => Lost::Proxied,
            None => Lost::Static,
        };
        let headers = model.effective_headers(ctx.block);
        // A `more_set_headers` of the same name already sends it with every status (and with it,
        // `add_header` sends a second value on 2xx/3xx: CORS304, whose fix is not `always`).
        let set_on_every_status = |name: &str| {
            headers.iter().any(|m| m.source == HeaderSource::MoreSet && m.always && !m.typed && m.is(name))
        };
        for h in &headers {
            if h.source != HeaderSource::AddHeader
                || h.always
                || !read_on_errors(&h.name.value)
                || set_on_every_status(&h.name.value)
                || model.sent_only_for_content_types(ctx.block, h.value)
                || !reported.insert(h.span)
            {
                continue;
            }
            let name = crate::model::nginx::syntax::canonical_header(&h.name.value);
            // A `return` is the block's own answer; errors come from the location's handler.
            let place = match lost {
                Lost::Return(_) => nginx_words::block(project, ctx.block),
                Lost::Proxied | Lost::Static => nginx_words::block(project, ctx.location),
            };
            let message = match lost {
                Lost::Return(status) => format!(
                    "{place} answers with {status}, and `add_header` without `always` leaves `{name}` off that \
                     response: the browser reports a CORS error instead of the {status}"
                ),
                Lost::Proxied => format!(
                    "`{name}` is only added to 2xx and 3xx responses: a 401, 404 or 500 from the upstream of {place}, \
                     or nginx's own 413 or 502, reaches the browser without it, and the browser reports a CORS error \
                     instead of the real status"
                ),
                Lost::Static => format!(
                    "`{name}` is only added to 2xx and 3xx responses: a 403, 404, 413 or 500 from {place} reaches \
                     the browser without it, and the browser reports a CORS error instead of the real status"
                ),
            };
            let end = h.value.span.end();
            let tail =
                project.file(h.span.file).map_or("", |f| f.slice(crate::source::TextRange::new(end, h.span.end())));
            let diagnostic = sink
                .report(h.span, message)
                .primary("no `always`")
                .help(format!("add `always`: {}", nginx_words::with_always(project, h.span)));
            // Safe only when the value is the last argument (`name value;`).
            if tail.trim() == ";" {
                diagnostic.fix(
                    "add `always`",
                    vec![Edit { span: Span::new(h.span.file, end, end), content: " always".into() }],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS301";

    #[test]
    fn flags_cors_headers_without_always_once() {
        let f = findings(
            RULE,
            r#"
            server {
                add_header Access-Control-Allow-Origin https://app.example.com;
                add_header Vary Origin;
                location /api/ { proxy_pass http://127.0.0.1:8000; }
                location /v2/ { proxy_pass http://127.0.0.1:8001; }
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("upstream of `location /api/`"), "{}", f[0].message);
        let fix = f[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.edits[0].content, " always");
        assert!(fix.edits[0].span.range.is_empty());
        assert_eq!(
            f[0].help.as_deref(),
            Some("add `always`: add_header Access-Control-Allow-Origin https://app.example.com always;")
        );
    }

    #[test]
    fn fix_lands_after_a_quoted_value() {
        let text = "location / { add_header 'Access-Control-Allow-Origin' 'https://a.example.com'; }";
        let f = findings(RULE, text);
        let at = f[0].fix.as_ref().map(|x| x.edits[0].span.start()).unwrap_or_default();
        assert_eq!(&text[at..], "; }");
    }

    #[test]
    fn a_covered_return_is_fine_and_an_uncovered_one_is_named() {
        let f = findings(
            RULE,
            r#"
            location / {
                if ($request_method = OPTIONS) {
                    add_header Access-Control-Allow-Origin https://app.example.com;
                    add_header Access-Control-Allow-Methods "GET, POST, PUT";
                    return 204;
                }
                add_header Access-Control-Allow-Origin https://app.example.com always;
                proxy_pass http://app;
            }
            location /x/ {
                add_header Access-Control-Allow-Origin https://app.example.com;
                return 403;
            }
            location /y/ {
                add_header Access-Control-Allow-Origin https://app.example.com;
                return 200 "ok";
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`location /x/` answers with 403"), "{}", f[0].message);
    }

    #[test]
    fn other_headers_and_headers_more_are_not_this_rule() {
        let f = findings(
            RULE,
            r#"
            location / {
                add_header X-Frame-Options DENY;
                more_set_headers "Access-Control-Allow-Origin: https://app.example.com";
                proxy_pass http://app;
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    /// With a `more_set_headers` of the same name, the header is sent on every status already;
    /// the `add_header` is a second value (CORS304), and `always` would not fix that.
    #[test]
    fn not_flagged_next_to_more_set_headers_of_the_same_name() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                add_header Access-Control-Allow-Origin https://app.example.com;
                add_header Access-Control-Allow-Credentials true;
                proxy_pass http://127.0.0.1:8000;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("`Access-Control-Allow-Credentials`"), "{}", f[0].message);
    }
}
