//! CORS208: the preflight succeeds but the actual response carries no `Access-Control-Allow-Origin`.
//! Here: a CORS component installed with `app.use` (Express `cors()`, NestJS `enableCors`) after
//! routes of the same file. Express's router skips a route for a method it does not handle, so
//! OPTIONS reaches `cors()`, which answers the preflight; the route's own method is answered by the
//! route's handler before `cors()` runs, without CORS headers, and the browser blocks the response
//! of a request the server has already run.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::app::{Install, Route};
use crate::rules::{Rule, Sink};

pub struct CorsMissingOnActualResponse;

impl Rule for CorsMissingOnActualResponse {
    const CODE: &'static str = "CORS208";
    const NAME: &'static str = "cors-missing-on-actual-response";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            for setup in app.cors.iter().filter(|s| s.install == Install::Use && s.paths.is_none()) {
                let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else {
                    continue;
                };
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
                        "{component} is registered after `{}`{more}: the route's handler answers its actual \
                         requests before {component} runs, so they carry no `Access-Control-Allow-Origin`, while \
                         {component} still answers their preflights; the browser blocks the response after the \
                         server has run the request",
                        first.describe(method)
                    ),
                )
                .primary("registered after the routes")
                .label(first.span, "answers its requests without CORS headers")
                .help(format!(
                    "register {component} before the routes, right after the app is created (Express runs \
                     middleware and routes in the order they are registered)"
                ));
            }
        }
    }
}
