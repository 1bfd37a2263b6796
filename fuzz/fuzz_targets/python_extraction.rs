//! The FastAPI/Starlette extraction on any Python (and `.env`) text, past the byte prefilter:
//! parse, extract, run every rule; no panic, every finding inside its file.
#![no_main]

use corslint::model::Project;
use corslint::parse;
use corslint::source::{FileKind, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `main.py`, then after the first NUL byte a `.env` the settings may read.
    let (py, env) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut project = Project::default();
    project.files.push(SourceFile::new("app/main.py".into(), FileKind::Python, String::from_utf8_lossy(py).into_owned()));
    project.files.push(SourceFile::new(".env".into(), FileKind::Dotenv, String::from_utf8_lossy(env).into_owned()));
    let mut trees = Vec::new();
    for (id, file) in project.files.iter().enumerate() {
        let (tree, errors) = parse::parse_file(file);
        for e in errors {
            assert!(e.range.end <= file.text.len());
            project.parse_errors.push((id, e));
        }
        trees.push(tree);
    }
    corslint::extract::extract(&mut project, &trees);
    for d in corslint::rules::check_all(&project) {
        let file = project.file(d.span.file).expect("a finding in a known file");
        assert!(d.span.start() <= d.span.end() && d.span.end() <= file.text.len(), "{d:?}");
        assert!(file.text.is_char_boundary(d.span.start()) && file.text.is_char_boundary(d.span.end()), "{d:?}");
    }
});
