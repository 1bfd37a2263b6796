//! CORS105: a list setting of an app's CORS component given a string, a bool, a number or `None`.
//! What the component then does is its layer's (`AppLayerSpec::wrong_type`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::app::ArgShape;
use crate::rules::{Rule, Sink};

pub struct OriginsNotAList;

impl Rule for OriginsNotAList {
    const CODE: &'static str = "CORS105";
    const NAME: &'static str = "origins-not-a-list";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for setup in project.apps.iter().flat_map(|a| &a.cors) {
            let Some(layer) = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()) else { continue };
            for arg in &setup.args {
                let Some(advice) = layer.wrong_type(arg, setup.install) else { continue };
                let diagnostic = sink.report(arg.span, advice.message).help(advice.help).primary(primary(&arg.shape));
                if !(arg.value_span.file == arg.span.file
                    && arg.span.start() <= arg.value_span.start()
                    && arg.value_span.end() <= arg.span.end())
                {
                    diagnostic.label(arg.value_span, "the value is written here");
                }
            }
        }
    }
}

fn primary(shape: &ArgShape) -> &'static str {
    match shape {
        ArgShape::Str(_) => "a `str`, not a list",
        ArgShape::EnvStr => "a `str` from the environment, not a list",
        _ => "not a list of strings",
    }
}
