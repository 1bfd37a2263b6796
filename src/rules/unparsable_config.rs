//! CORS901: a file selected as Python, nginx or YAML could not be parsed, or what reads it refuses it
//! (nginx refuses to load the configuration, Express 5 throws at start-up).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::rules::{Rule, Sink};
use crate::source::FileKind;

pub struct UnparsableConfig;

impl Rule for UnparsableConfig {
    const CODE: &'static str = "CORS901";
    const NAME: &'static str = "unparsable-config";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        for (file, error) in &project.parse_errors {
            let what = match project.file(*file).map(|f| f.kind) {
                Some(FileKind::Python) => "Python",
                Some(FileKind::Nginx) => "nginx",
                Some(FileKind::Yaml) => "YAML",
                Some(FileKind::JavaScript) => "JavaScript",
                Some(FileKind::FrontendJson) => "JSON",
                Some(FileKind::StaticHeaders) => "platform configuration",
                Some(FileKind::Dotenv | FileKind::AppSource) | None => "this",
            };
            sink.report(error.range.in_file(*file), format!("{what} file cannot be parsed: {}", error.message))
                .primary("parsing stopped here")
                .help("fix the syntax here; corslint still lints what comes before it and every other file");
        }
        for refusal in &project.startup_refusals {
            sink.report(refusal.span, refusal.message.clone())
                .primary("the app throws here at start-up")
                .help(refusal.help.clone());
        }
        // A file included from several places is refused once per place: reported once.
        let mut reported = std::collections::HashSet::new();
        for (span, why) in &project.nginx.refusals {
            if !reported.insert((*span, why)) {
                continue;
            }
            sink.report(*span, format!("nginx refuses to load this configuration: {why}"))
                .primary("`nginx -t` fails here")
                .help(
                    "move the directive where nginx allows it, or remove it; corslint still reports what the \
                     configuration would do once it loads",
                );
        }
    }
}
