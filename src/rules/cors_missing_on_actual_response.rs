//! CORS208: the preflight succeeds but the actual response carries no `Access-Control-Allow-Origin`.
//! Two causes: a CORS component installed with `app.use` (Express `cors()`, NestJS `enableCors`,
//! Hono `cors()`) after routes of the same file, and a middleware outside the app's CORS component
//! that answers some actual requests itself (Django's `CommonMiddleware` above `CorsMiddleware` redirects
//! slash-less paths). Which middleware answers outside is the layer's (`AppLayerSpec::answers_outside`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::app::{App, Install, Route};
use crate::rules::{Rule, Sink};

pub struct CorsMissingOnActualResponse;

impl Rule for CorsMissingOnActualResponse {
    const CODE: &'static str = "CORS208";
    const NAME: &'static str = "cors-missing-on-actual-response";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            registered_after_routes(project, app, sink);
            answered_outside_cors(project, app, sink);
        }
    }
}

/// A router that runs middleware and routes in registration order skips a route for a method it
/// does not handle, so OPTIONS reaches `cors()`, which answers the preflight; the route's own
/// method is answered by the route's handler before `cors()` runs, without CORS headers. Which
/// layers do this, and how to fix it there, is the layer's (`AppLayerSpec::register_before_routes`).
fn registered_after_routes(project: &Project, app: &App, sink: &mut Sink) {
    for setup in app.cors.iter().filter(|s| s.install == Install::Use && s.paths.is_none()) {
        let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else {
            continue;
        };
        let Some(help) = layer.register_before_routes() else { continue };
        let earlier: Vec<&Route> = app
            .routes
            .iter()
            .filter(|r| r.span.file == setup.span.file && r.span.start() < setup.span.start())
            .collect();
        let Some(first) = earlier.first() else { continue };
        let method = first.methods.first().map_or("GET", |m| m.value.as_str());
        let more = match earlier.len() {
            1 => String::new(),
            2 => " and 1 more route".to_owned(),
            n => format!(" and {} more routes", n - 1),
        };
        let component = layer.component();
        sink.report(
            setup.span,
            format!(
                "{component} is registered after `{}`{more}: the route's handler answers its actual requests \
                 before {component} runs, so they carry no `Access-Control-Allow-Origin`, while {component} still \
                 answers their preflights; the browser blocks the response after the server has run the request",
                first.describe(method)
            ),
        )
        .primary("registered after the routes")
        .label(first.span, "answers its requests without CORS headers")
        .help(help);
    }
}

/// A middleware that runs before the CORS component and answers some requests itself: its
/// responses never pass through the component.
fn answered_outside_cors(project: &Project, app: &App, sink: &mut Sink) {
    let Some((position, setup)) = app.outermost_cors() else { return };
    let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else { return };
    for outer in app.middleware.iter().take(position) {
        let Some(answers) = layer.answers_outside(&outer.name) else { continue };
        let component = layer.component();
        let short = outer.name.rsplit('.').next().unwrap_or(&outer.name);
        sink.report(
            outer.span,
            format!(
                "`{short}` runs outside {component}, so {answers} leave without `Access-Control-Allow-Origin`: the \
                 preflight succeeds ({component} answers it), then the browser blocks the response"
            ),
        )
        .primary(format!("runs before {component}"))
        .label(setup.span, format!("{component} never sees these responses"))
        .help(layer.move_outermost(outer.install, setup.install));
    }
}
