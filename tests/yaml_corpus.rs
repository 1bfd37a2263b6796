//! Every YAML file of the shared real-world corpus parses without a crash and without a false
//! CORS901, whether or not the prefilter would pick it. The corpus lives outside the repository:
//! `CORSLINT_SHARED` or `<crate>/../shared`; without it the test is skipped with a note.

use corslint::lint::{Options, lint};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let shared = std::env::var_os("CORSLINT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("corpus/yaml");
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_yaml_file_parses() {
    let Some(dir) = corpus() else {
        eprintln!("note: shared corpus not found (set CORSLINT_SHARED); skipping");
        return;
    };
    let files = yaml_files(&dir);
    assert!(files.len() > 20, "only {} YAML files under {}", files.len(), dir.display());
    let mut problems = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let (parsed, errors) = corslint::parse::yaml::parse(&text);
        if !errors.is_empty() {
            problems.push(format!("{}: {:?}", path.display(), errors));
        }
        if parsed.docs.is_empty() && !text.trim().is_empty() {
            problems.push(format!("{}: no document", path.display()));
        }
    }
    assert!(problems.is_empty(), "corpus files that do not parse:\n  {}", problems.join("\n  "));
}

#[test]
fn linting_the_corpus_gives_no_cors901() {
    let Some(dir) = corpus() else {
        eprintln!("note: shared corpus not found (set CORSLINT_SHARED); skipping");
        return;
    };
    let outcome = match lint(&Options { paths: vec![dir.clone()], ..Options::default() }) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    let unparsable: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "CORS901")
        .map(|d| {
            let path = outcome.project.file(d.span.file).map(|f| f.path.display().to_string()).unwrap_or_default();
            format!("{path}: {}", d.message)
        })
        .collect();
    assert!(unparsable.is_empty(), "false CORS901:\n  {}", unparsable.join("\n  "));
    // The compose files with Traefik labels and the ingress examples are read as facts.
    assert!(outcome.project.deploy.compose_services.iter().any(|s| s.name.value == "backend"));
    assert!(outcome.project.deploy.ingresses.iter().any(|i| i.auth_annotations().next().is_some()));
}
