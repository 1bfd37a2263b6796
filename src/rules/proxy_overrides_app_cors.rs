//! CORS308: a proxy replaces the CORS headers of the app behind it, so the app's CORS settings
//! never reach a browser in that deployment.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{header, same_header};
use crate::model::nginx::{HeaderSource, Requests};
use crate::model::stack::Link;
use crate::rules::{Rule, Sink, nginx_words, stack_words};
use crate::source::Span;

pub struct ProxyOverridesAppCors;

impl Rule for ProxyOverridesAppCors {
    const CODE: &'static str = "CORS308";
    const NAME: &'static str = "proxy-overrides-app-cors";
    const SEVERITY: Severity = Severity::Info;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress(project, sink);
        check_traefik(project, sink);
    }
}

/// "the CORS headers of the FastAPI app behind it (path): only {proxy}'s policy reaches browsers, and the
/// app's CORSMiddleware (`allow_origins=[...]`) is dead in this deployment".
fn dead_settings(project: &Project, app: &crate::model::app::App, link: &Link, proxy: &str) -> String {
    let policy = stack_words::cors(app).map_or_else(String::new, |s| stack_words::app_policy(project, s));
    let policy = policy.replacen("its ", "the app's ", 1);
    format!(
        "the CORS headers of {}: only {proxy}'s policy reaches browsers, and {policy} is dead in this deployment \
         (changing it changes nothing)",
        stack_words::app_behind(project, app, link)
    )
}

/// "the CORS headers of the app behind it (path, Express `cors`): only {proxy}'s policy reaches
/// browsers, ..." for an app corslint does not model.
fn own_cors_replaced(project: &Project, own: &crate::model::app::OwnCors, proxy: &str) -> String {
    let file = project.file(own.span.file).map_or_else(String::new, |f| f.path.display().to_string());
    format!(
        "the CORS headers of the app behind it ({file}, {}): only {proxy}'s policy reaches browsers, and the app's \
         own CORS code is dead in this deployment (changing it changes nothing)",
        own.framework
    )
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    for ctx in model.contexts() {
        if ctx.requests == Requests::Preflight || model.context_return(ctx.block).is_some() {
            continue;
        }
        let Some(pass) = model.pass_of(ctx.block) else { continue };
        let hidden = model.effective_hidden(ctx.block, pass.item.module);
        let hides = hidden.iter().any(|x| same_header(&x.item.name.value, header::ALLOW_ORIGIN));
        // headers-more clears (or replaces) the app's header before `add_header` adds nginx's.
        let cleared = model.more_replaces_upstream(ctx.block, header::ALLOW_ORIGIN).is_some();
        let headers = model.effective_headers(ctx.block);
        let Some(own) = headers
            .iter()
            .find(|h| h.is(header::ALLOW_ORIGIN) && (h.source == HeaderSource::MoreSet || hides || cleared))
        else {
            continue;
        };
        for (app, link) in project.apps_behind_nginx(ctx.block) {
            let Some(setup) = stack_words::cors(app) else { continue };
            let how = match own.source {
                HeaderSource::MoreSet => "nginx's `more_set_headers` replaces",
                HeaderSource::AddHeader if hides => "nginx hides (`proxy_hide_header`) and replaces (`add_header`)",
                HeaderSource::AddHeader => "nginx clears (`more_clear_headers`) and replaces (`add_header`)",
            };
            let place = nginx_words::block(project, ctx.block);
            let component = stack_words::component(project, setup);
            sink.report(own.span, format!("{how} {}", dead_settings(project, app, link, "nginx")))
                .primary(format!("nginx's CORS policy for {place}"))
                .label(setup.span, "dead in this deployment")
                .label(pass.item.span, stack_words::link_label(project, app, link))
                .help(format!("keep CORS in one layer: remove the app's {component}, or nginx's CORS headers"));
        }
    }
}

/// A `configuration-snippet` that replaces the app's `Access-Control-Allow-Origin`: `more_set_headers`,
/// or `proxy_hide_header` with its own `add_header`.
fn snippet_override(ingress: &crate::model::deploy::Ingress) -> Option<(Span, &'static str)> {
    // `more_set_headers 'Access-Control-Allow-Origin: ...'` names the header before its colon.
    let header_of = |d: &crate::model::deploy::SnippetDirective| {
        let text = d.arg(0).unwrap_or("");
        text.split(':').next().unwrap_or(text).trim().to_string()
    };
    // `proxy_hide_header`, or headers-more clearing the app's header before `add_header` runs.
    let hides = ingress.snippet_replaces_upstream(header::ALLOW_ORIGIN).map(|d| d.name.as_str());
    ingress.snippet.iter().find_map(|d| {
        if !same_header(&header_of(d), header::ALLOW_ORIGIN) {
            return None;
        }
        let how = match d.name.as_str() {
            "more_set_headers" => "the `configuration-snippet`'s `more_set_headers` replaces",
            "add_header" if hides == Some("proxy_hide_header") => {
                "the `configuration-snippet` hides (`proxy_hide_header`) and replaces (`add_header`)"
            }
            "add_header" if hides == Some("more_clear_headers") => {
                "the `configuration-snippet` clears (`more_clear_headers`) and replaces (`add_header`)"
            }
            _ => return None,
        };
        Some((d.span, how))
    })
}

fn check_ingress(project: &Project, sink: &mut Sink) {
    for (i, ingress) in project.deploy.ingresses.iter().enumerate() {
        if ingress.cors.as_ref().is_none_or(|c| !c.enabled)
            && let Some((span, how)) = snippet_override(ingress)
            && let Some((app, link)) = project.apps_behind_ingress(i).find(|(app, _)| stack_words::cors(app).is_some())
            && let Some(setup) = stack_words::cors(app)
        {
            let component = stack_words::component(project, setup);
            sink.report(span, format!("{how} {}", dead_settings(project, app, link, "ingress-nginx")))
                .primary("the CORS policy browsers see")
                .label(setup.span, "dead in this deployment")
                .help(format!(
                    "keep CORS in one layer: remove these headers from the snippet, or the app's {component}"
                ));
        }
        let Some(cors) = ingress.cors.as_ref().filter(|c| c.enabled) else { continue };
        let modelled = project.apps_behind_ingress(i).any(|(app, _)| stack_words::cors(app).is_some());
        if !modelled && let Some((own, why)) = project.own_cors_behind_ingress(i).first() {
            sink.report(
                cors.enable_span,
                format!(
                    "ingress-nginx answers CORS itself (`enable-cors` and the `cors-*` annotations) and replaces {}",
                    own_cors_replaced(project, own, "ingress-nginx")
                ),
            )
            .primary("the CORS policy browsers see")
            .label(own.span, "dead in this deployment")
            .label(ingress.name.as_ref().map_or(ingress.span, |n| n.span), format!("reaches the app ({why})"))
            .help(format!(
                "keep CORS in one layer: remove `enable-cors` (and the `cors-*` annotations), or the app's {}",
                own.framework
            ));
        }
        if let Some((app, link)) = project.apps_behind_ingress(i).find(|(app, _)| stack_words::cors(app).is_some()) {
            let Some(setup) = stack_words::cors(app) else { continue };
            let component = stack_words::component(project, setup);
            sink.report(
                cors.enable_span,
                format!(
                    "ingress-nginx answers CORS itself (`enable-cors` and the `cors-*` annotations) and replaces {}",
                    dead_settings(project, app, link, "ingress-nginx")
                ),
            )
            .primary("the CORS policy browsers see")
            .label(setup.span, "dead in this deployment")
            .label(ingress.name.as_ref().map_or(ingress.span, |n| n.span), stack_words::link_label(project, app, link))
            .help(format!(
                "keep CORS in one layer: remove `enable-cors` (and the `cors-*` annotations), or the app's {component}"
            ));
        }
    }
}

fn check_traefik(project: &Project, sink: &mut Sink) {
    for middleware in &project.deploy.traefik_middlewares {
        if !middleware.headers.as_ref().is_some_and(|h| h.handles_cors()) {
            continue;
        }
        let behind = project.apps_behind_traefik(middleware);
        let Some((app, link)) = behind.iter().find(|(app, _)| stack_words::cors(app).is_some()) else {
            if let Some((own, why)) = project.own_cors_behind_traefik(middleware).first() {
                sink.report(
                    middleware.name.span,
                    format!(
                        "the Traefik headers middleware `{}` answers preflights itself and replaces {}",
                        middleware.name.value,
                        own_cors_replaced(project, own, "Traefik")
                    ),
                )
                .primary("the CORS policy browsers see")
                .label(own.span, format!("dead in this deployment (reached: {why})"))
                .help(format!(
                    "keep CORS in one layer: remove the `accessControl*` settings of `{}`, or the app's {}",
                    middleware.name.value, own.framework
                ));
            }
            continue;
        };
        let Some(setup) = stack_words::cors(app) else { continue };
        let component = stack_words::component(project, setup);
        let router = match link.front() {
            Some(crate::model::stack::Node::TraefikRouter(r)) => project.deploy.traefik_routers.get(r),
            _ => None,
        };
        let diagnostic = sink
            .report(
                middleware.name.span,
                format!(
                    "the Traefik headers middleware `{}` answers preflights itself and replaces {}",
                    middleware.name.value,
                    dead_settings(project, app, link, "Traefik")
                ),
            )
            .primary("the CORS policy browsers see")
            .label(setup.span, "dead in this deployment")
            .help(format!(
                "keep CORS in one layer: remove the `accessControl*` settings of `{}`, or the app's {component}",
                middleware.name.value
            ));
        if let Some(router) = router {
            diagnostic.label(router.name.span, stack_words::link_label(project, app, link));
        }
    }
}
