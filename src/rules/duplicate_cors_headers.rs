//! CORS304: two layers (or two directives) put `Access-Control-Allow-Origin` or `-Credentials` on
//! one response: nginx `add_header` appends to what the app behind it already sends.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{canonical_header, header, same_header};
use crate::model::nginx::{HeaderSource, Requests};
use crate::rules::{Rule, Sink, nginx_words, stack_words};
use crate::source::Span;
use std::collections::HashSet;

pub struct DuplicateCorsHeaders;

impl Rule for DuplicateCorsHeaders {
    const CODE: &'static str = "CORS304";
    const NAME: &'static str = "duplicate-cors-headers";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress_snippets(project, sink);
    }
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for ctx in model.contexts() {
        let headers = model.effective_headers(ctx.block);
        let appended: Vec<_> = headers.iter().filter(|h| h.source == HeaderSource::AddHeader).collect();
        let place = nginx_words::block(project, ctx.block);
        // Two `add_header Access-Control-Allow-Origin` in one effective set: nginx sends both.
        let origins: Vec<_> = appended.iter().filter(|h| h.is(header::ALLOW_ORIGIN)).collect();
        if let [first, second, ..] = origins.as_slice()
            && reported.insert(second.span)
        {
            sink.report(
                second.span,
                format!(
                    "{place} sends `Access-Control-Allow-Origin` twice (`add_header` appends): the browser sees two \
                     values and rejects the response"
                ),
            )
            .primary("second `Access-Control-Allow-Origin`")
            .label(first.span, "first one")
            .help("keep one `add_header Access-Control-Allow-Origin` per block");
        }
        // Responses nginx answers itself (the preflight branch, a `return`) never carry the app's headers.
        if ctx.requests == Requests::Preflight || model.context_return(ctx.block).is_some() {
            continue;
        }
        let Some(pass) = model.pass_of(ctx.block) else { continue };
        let hidden = model.effective_hidden(ctx.block, pass.item.module);
        for (app, link) in project.apps_behind_nginx(ctx.block) {
            let Some(setup) = stack_words::cors(app) else { continue };
            for h in &appended {
                let app_sends = h.is(header::ALLOW_ORIGIN)
                    || (h.is(header::ALLOW_CREDENTIALS) && stack_words::sends_credentials(project, setup));
                let is_hidden = hidden.iter().any(|x| same_header(&x.item.name.value, &h.name.value));
                if !app_sends || is_hidden || !reported.insert(h.span) {
                    continue;
                }
                let name = canonical_header(&h.name.value);
                sink.report(
                    h.span,
                    format!(
                        "nginx adds `{name}` here and {} sends its own: the browser gets two values and rejects the \
                         response",
                        stack_words::app_behind(project, app, link)
                    ),
                )
                .primary("appended to the app's header")
                .label(setup.span, format!("the app's CORSMiddleware sends `{name}` too"))
                .label(pass.item.span, stack_words::link_label(project, app, link))
                .help(format!(
                    "let one layer answer CORS: hide the app's header in {place} with\n    \
                     proxy_hide_header {name};\nor remove this `add_header` and keep the app's CORSMiddleware"
                ));
            }
        }
    }
}

/// `add_header Access-Control-Allow-Origin ...` in an ingress-nginx `configuration-snippet`.
fn check_ingress_snippets(project: &Project, sink: &mut Sink) {
    let mut reported: HashSet<Span> = HashSet::new();
    for (i, ingress) in project.deploy.ingresses.iter().enumerate() {
        let Some(snippet) = ingress.configuration_snippet() else { continue };
        let header_of = |d: &crate::model::deploy::SnippetDirective| d.arg(0).unwrap_or("").to_string();
        let hides = |name: &str| {
            ingress.snippet.iter().any(|d| d.name == "proxy_hide_header" && same_header(&header_of(d), name))
        };
        for (app, link) in project.apps_behind_ingress(i) {
            let Some(setup) = stack_words::cors(app) else { continue };
            for directive in &ingress.snippet {
                let name = header_of(directive);
                let name = name.as_str();
                let app_sends = same_header(name, header::ALLOW_ORIGIN)
                    || (same_header(name, header::ALLOW_CREDENTIALS) && stack_words::sends_credentials(project, setup));
                if directive.name != "add_header" || !app_sends || hides(name) {
                    continue;
                }
                let span = directive.span;
                if !reported.insert(span) {
                    continue;
                }
                let name = canonical_header(name);
                sink.report(
                    span,
                    format!(
                        "the `configuration-snippet` adds `{name}` and {} sends its own: the browser gets two values \
                         and rejects the response",
                        stack_words::app_behind(project, app, link)
                    ),
                )
                .primary("appended to the app's header")
                .label(setup.span, format!("the app's CORSMiddleware sends `{name}` too"))
                .label(snippet.key.span, stack_words::link_label(project, app, link))
                .help(format!(
                    "let one layer answer CORS: add `proxy_hide_header {name};` to the snippet, or remove this \
                     `add_header` and keep the app's CORSMiddleware"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings;

    #[test]
    fn two_origins_in_one_set() {
        let f = findings(
            "CORS304",
            r#"
            location /api/ {
                add_header Access-Control-Allow-Origin https://a.example.com always;
                add_header Access-Control-Allow-Origin https://a.example.com always;
                proxy_pass http://127.0.0.1:8000;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("twice"));
    }
}
