//! Positions of deployment-layer facts, through the whole pipeline: a finding must point at the
//! annotation value or the part of a label that causes it, in whichever document it stands.

use corslint::lint::{Options, lint};
use corslint::model::OriginKind;
use corslint::source::Position;
use std::path::PathBuf;

fn lint_one(name: &str, text: &str) -> corslint::lint::Outcome {
    let options = Options { stdin: Some((PathBuf::from(name), text.to_string())), ..Options::default() };
    match lint(&options) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn annotation_value_in_the_third_document() {
    let text = "\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
---
# the Ingress — ünïcödé before the value, so byte offsets and columns differ
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api-ü
  annotations:
    nginx.ingress.kubernetes.io/enable-cors: \"true\"
    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://a.example.com, https://b.example.com\"
";
    let outcome = lint_one("k8s/app.yaml", text);
    let file = &outcome.project.files[0];
    let policy = &outcome.project.policies[0];
    let first = &policy.origins.entries[0];
    assert_eq!(file.position(first.span.start()), Position { row: 20, column: 53 });
    assert_eq!(file.slice(first.span.range), "https://a.example.com");
    assert_eq!(first.text_start, Some(first.span.start()));
    let second = &policy.origins.entries[1];
    assert_eq!(file.position(second.span.start()), Position { row: 20, column: 76 });
    assert_eq!(file.slice(second.span.range), "https://b.example.com");
    assert_eq!(second.kind, OriginKind::Literal("https://b.example.com".into()));
    let vary = outcome.diagnostics.iter().find(|d| d.code == "CORS306").expect("CORS306");
    assert_eq!(file.position(vary.span.start()), Position { row: 20, column: 52 });
}

#[test]
fn list_form_labels_point_at_the_right_column() {
    let text = "\
services:
  api:
    build: .
    labels:
      - traefik.http.routers.api.middlewares=cors
      - \"traefik.http.middlewares.cors.headers.accesscontrolalloworiginlist=https://app.example.com, http://localhost:5173\"
";
    let outcome = lint_one("compose.yml", text);
    let file = &outcome.project.files[0];
    let entries = &outcome.project.policies[0].origins.entries;
    let at: Vec<(Position, &str)> =
        entries.iter().map(|e| (file.position(e.span.start()), file.slice(e.span.range))).collect();
    assert_eq!(
        at,
        vec![
            (Position { row: 6, column: 77 }, "https://app.example.com"),
            (Position { row: 6, column: 102 }, "http://localhost:5173"),
        ]
    );
    let vary = outcome.diagnostics.iter().find(|d| d.code == "CORS306").expect("CORS306");
    assert_eq!(file.position(vary.span.start()), Position { row: 6, column: 77 });
}

#[test]
fn alias_bomb_through_the_pipeline() {
    let mut text = String::from("services:\n  a0: &a0 {image: \"lol\", labels: [\"x=y\"]}\n");
    for i in 1..40 {
        text.push_str(&format!("  a{i}: &a{i} {{<<: [*a{}, *a{}], image: x}}\n", i - 1, i - 1));
    }
    let started = std::time::Instant::now();
    let outcome = lint_one("compose.yml", &text);
    // A hang guard, not a benchmark: undefused, this input takes exponential time and memory.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(outcome.diagnostics.iter().all(|d| d.code != "CORS901"), "{:?}", outcome.diagnostics);
}
