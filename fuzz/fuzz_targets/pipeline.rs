//! The whole pipeline on one in-memory file (what `--stdin-filename` and editors do): the first
//! byte picks the kind and the report format, the rest is the text. No panic, every finding inside
//! its file, and the report writes.
#![no_main]

use corslint::lint::{Options, lint};
use corslint::report::{self, OutputFormat, ReportOptions};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = ["app/main.py", "nginx/conf.d/site.conf", "k8s/ingress.yaml", ".env", "docker-compose.yml", "nginx.conf"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let text = String::from_utf8_lossy(rest).into_owned();
    let options = Options { stdin: Some((name.into(), text)), ..Options::default() };
    let outcome = lint(&options).expect("an in-memory file of a known kind always lints");
    for d in &outcome.diagnostics {
        let file = outcome.project.file(d.span.file).expect("a finding in a known file");
        assert!(d.span.end() <= file.text.len() && file.text.is_char_boundary(d.span.start()), "{d:?}");
        assert!(file.text.is_char_boundary(d.span.end()), "{d:?}");
    }
    // One format per input, picked by the selector's high bits: writing them all made the
    // (constant) SARIF rule metadata most of every execution.
    let formats = [
        OutputFormat::Full,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Gitlab,
        OutputFormat::Junit,
        OutputFormat::Checkstyle,
    ];
    let format = formats[usize::from(selector) / NAMES.len() % formats.len()];
    let options = ReportOptions { format, ..ReportOptions::default() };
    report::write(&mut Vec::new(), &outcome, &options).expect("writing to memory");
});
