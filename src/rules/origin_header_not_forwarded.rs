//! CORS305: the proxy blanks or replaces the request's `Origin` in front of an app whose CORS
//! middleware decides by it.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{header, same_header};
use crate::rules::{Rule, Sink, stack_words};

pub struct OriginHeaderNotForwarded;

impl Rule for OriginHeaderNotForwarded {
    const CODE: &'static str = "CORS305";
    const NAME: &'static str = "origin-header-not-forwarded";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress_snippets(project, sink);
    }
}

/// `proxy_set_header Origin ""` in an ingress-nginx `configuration-snippet`, in front of an app with
/// CORS middleware, when ingress-nginx does not answer CORS itself (`enable-cors`).
fn check_ingress_snippets(project: &Project, sink: &mut Sink) {
    for (i, ingress) in project.deploy.ingresses.iter().enumerate() {
        let Some(snippet) = ingress.configuration_snippet() else { continue };
        if ingress.cors.as_ref().is_some_and(|c| c.enabled) {
            continue;
        }
        let Some(directive) = ingress
            .snippet
            .iter()
            .find(|d| d.name == "proxy_set_header" && d.arg(0).is_some_and(|name| same_header(name, "Origin")))
        else {
            continue;
        };
        let value = directive.arg(1).unwrap_or("");
        if value.contains('$') {
            continue;
        }
        let Some((app, link)) = project.apps_behind_ingress(i).find(|(app, _)| stack_words::cors(app).is_some()) else {
            continue;
        };
        let Some(setup) = stack_words::cors(app) else { continue };
        let component = stack_words::component(project, setup);
        sink.report(
            directive.span,
            format!(
                "the `configuration-snippet` {} before passing it to {}, so its {component} never answers the \
                 browser's origin: the browser blocks the responses",
                if value.is_empty() {
                    "removes the request's `Origin`".to_string()
                } else {
                    format!("replaces the request's `Origin` with `{value}`")
                },
                stack_words::app_behind(project, app, link)
            ),
        )
        .primary("the browser's `Origin` is lost here")
        .label(setup.span, format!("this {component} decides by the request's `Origin`"))
        .label(snippet.key.span, stack_words::link_label(project, app, link))
        .help("forward it unchanged: remove this line from the snippet");
    }
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    for ctx in model.contexts() {
        let Some(pass) = model.pass_of(ctx.block) else { continue };
        // nginx answering CORS itself may blank `Origin` on purpose, so the app stays out of it.
        if model.effective_headers(ctx.block).iter().any(|h| h.is(header::ALLOW_ORIGIN)) {
            continue;
        }
        for set in model.effective_proxy_set_headers(ctx.block) {
            let set = set.item;
            let value = set.value.value.as_str();
            // `$http_origin` forwards it; another variable (a map) is not known here.
            if !same_header(&set.name.value, "Origin") || value.contains('$') {
                continue;
            }
            for (app, link) in project.apps_behind_nginx(ctx.block) {
                let Some(setup) = stack_words::cors(app) else { continue };
                let component = stack_words::component(project, setup);
                let what = if value.is_empty() {
                    "removes the request's `Origin`".to_string()
                } else {
                    format!("replaces the request's `Origin` with `{value}`")
                };
                let consequence = if value.is_empty() {
                    format!(
                        "so its {component} never sees a cross-origin request and sends no CORS headers: the \
                         browser blocks every response"
                    )
                } else {
                    format!(
                        "so its {component} answers that origin, not the browser's: the browser blocks every \
                         response whose page has another origin"
                    )
                };
                sink.report(
                    set.span,
                    format!(
                        "nginx {what} before passing it to {}, {consequence}",
                        stack_words::app_behind(project, app, link)
                    ),
                )
                .primary("the browser's `Origin` is lost here")
                .label(setup.span, format!("this {component} decides by the request's `Origin`"))
                .label(pass.item.span, stack_words::link_label(project, app, link))
                .help("forward it unchanged: `proxy_set_header Origin $http_origin;`, or remove this line");
            }
        }
    }
}
