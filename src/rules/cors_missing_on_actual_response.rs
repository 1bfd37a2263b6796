//! CORS208: the preflight succeeds but the actual response carries no `Access-Control-Allow-Origin`:
//! a middleware outside the app's CORS component answers some actual requests itself (Django's
//! `CommonMiddleware` above `CorsMiddleware` redirects slash-less paths). Which middleware does so
//! is the layer's (`AppLayerSpec::answers_outside`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::rules::{Rule, Sink};

pub struct CorsMissingOnActualResponse;

impl Rule for CorsMissingOnActualResponse {
    const CODE: &'static str = "CORS208";
    const NAME: &'static str = "cors-missing-on-actual-response";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            let Some((position, setup)) = app.outermost_cors() else { continue };
            let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else { continue };
            for outer in app.middleware.iter().take(position) {
                let Some(answers) = layer.answers_outside(&outer.name) else { continue };
                let component = layer.component();
                let short = outer.name.rsplit('.').next().unwrap_or(&outer.name);
                sink.report(
                    outer.span,
                    format!(
                        "`{short}` runs outside {component}, so {answers} leave without `Access-Control-Allow-Origin`: \
                         the preflight succeeds ({component} answers it), then the browser blocks the response"
                    ),
                )
                .primary(format!("runs before {component}"))
                .label(setup.span, format!("{component} never sees these responses"))
                .help(layer.move_outermost(outer.install, setup.install));
            }
        }
    }
}
