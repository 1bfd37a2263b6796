//! Every YAML file of the shared real-world corpus parses without a crash and without a false
//! CORS901, whether or not the prefilter would pick it. The corpus lives outside the repository:
//! `CORSLINT_SHARED` or `<crate>/../shared`; without it the test is skipped with a note.

use corslint::lint::{Options, lint};
use std::path::{Path, PathBuf};

mod common;

fn corpus() -> Option<PathBuf> {
    common::corpus("yaml")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir, |p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
}

#[test]
fn every_corpus_yaml_file_parses() {
    let Some(dir) = corpus() else { return };
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
    let Some(dir) = corpus() else { return };
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
