//! The deployment layer's side of the generic origin rules' contract: for each `# expect:` of a
//! generic rule (CORS101, 102, 103, 104, 106, 107, 206, 207) in a YAML fixture, the `CorsPolicy`
//! that ingress-nginx or Traefik enforces has the fact that rule reads, on that row. The rules
//! themselves live elsewhere; this keeps the policies exact until (and after) they are merged.

use corslint::lint::{Options, lint};
use corslint::model::{CorsPolicy, OriginKind, PatternSemantics, Project};
use corslint::source::{FileKind, SourceFile, Span};
use corslint::suppress::comment_directives;
use std::path::{Path, PathBuf};

const GENERIC: &[&str] = &["CORS101", "CORS102", "CORS103", "CORS104", "CORS106", "CORS107", "CORS206", "CORS207"];

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for code in GENERIC {
        for entry in std::fs::read_dir(root.join(code)).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn row(project: &Project, span: Span) -> usize {
    project.file(span.file).map_or(0, |f| f.position(span.start()).row)
}

/// Whether `policy` holds, on `at`, what rule `code` needs to report there.
fn has_fact(project: &Project, policy: &CorsPolicy, code: &str, at: usize) -> bool {
    let on_row = |span: Span| row(project, span) == at;
    let credentials = policy.credentials.known() == Some(&true);
    let entries = policy.origins.entries.iter().filter(|e| on_row(e.span));
    let mut entries = entries.map(|e| &e.kind);
    match code {
        "CORS101" => credentials && entries.any(|k| *k == OriginKind::Any),
        "CORS102" => entries.any(|k| match k {
            OriginKind::Reflect => true,
            OriginKind::Pattern { pattern, .. } => pattern == ".*",
            _ => false,
        }),
        "CORS103" => entries.any(|k| *k == OriginKind::Literal("null".into())),
        "CORS104" => {
            let ingress_note = project
                .deploy
                .ingress_of(policy)
                .and_then(|i| i.cors.as_ref())
                .is_some_and(|c| !c.origin_notes.is_empty());
            ingress_note
                || entries.any(|k| {
                    matches!(k, OriginKind::Literal(o) if o.ends_with('/') || o.ends_with(":443") || !o.contains("://"))
                })
        }
        "CORS106" => entries.any(|k| {
            matches!(k, OriginKind::Pattern { semantics: PatternSemantics::Glob | PatternSemantics::Search { .. }, .. })
        }),
        "CORS107" => credentials && entries.any(|k| matches!(k, OriginKind::Literal(o) if o.starts_with("http://"))),
        "CORS206" => {
            credentials
                && [&policy.headers, &policy.methods, &policy.expose_headers]
                    .iter()
                    .filter_map(|s| s.known())
                    .flatten()
                    .any(|name| name.value == "*" && on_row(name.span))
        }
        "CORS207" => policy.max_age.known().is_some_and(|&age| age > 7200) && on_row(policy.max_age.span),
        _ => false,
    }
}

#[test]
fn generic_rule_fixtures_have_their_facts_in_the_deployment_policies() {
    let files = fixture_files();
    assert!(files.len() >= 20, "{} fixtures", files.len());
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let source = SourceFile::new(path.clone(), FileKind::Yaml, text);
        let outcome = match lint(&Options { paths: vec![path.clone()], ..Options::default() }) {
            Ok(outcome) => outcome,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let project = &outcome.project;
        for directive in comment_directives(&source, 0, "expect") {
            for code in directive.codes.iter().filter(|c| GENERIC.contains(&c.code.as_str())) {
                checked += 1;
                if !project.policies.iter().any(|p| has_fact(project, p, &code.code, directive.target_row)) {
                    problems.push(format!("{}:{} {}", path.display(), directive.target_row, code.code));
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} expectations checked");
    assert!(problems.is_empty(), "policies lack the fact a generic rule needs:\n  {}", problems.join("\n  "));
}
