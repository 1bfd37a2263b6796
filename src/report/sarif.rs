//! SARIF 2.1.0, as GitHub code scanning accepts it.

use super::range_of;
use crate::diagnostic::{Diagnostic, Severity, rule_url};
use crate::docs;
use crate::lint::Outcome;
use crate::rules::RULES;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub ranks security alerts by this CVSS-like score; only the origin-trust rules are security holes.
fn security_severity(code: &str, severity: Severity) -> Option<&'static str> {
    match (code.get(..5), severity) {
        (Some("CORS1"), Severity::Error) => Some("8.1"),
        (Some("CORS1"), _) => Some("5.3"),
        _ => None,
    }
}

fn rule_descriptor(code: &str, name: &str, severity: Severity) -> Value {
    let page = docs::page(code).unwrap_or("");
    let why = docs::section(page, "Why is this bad?")
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let mut tags = vec!["cors"];
    let mut properties = json!({});
    if let Some(score) = security_severity(code, severity) {
        tags.push("security");
        properties["security-severity"] = json!(score);
    }
    properties["tags"] = json!(tags);
    json!({
        "id": code,
        "name": name,
        "shortDescription": { "text": docs::summary(code) },
        "fullDescription": { "text": why },
        "help": { "text": page, "markdown": page },
        "helpUri": rule_url(code),
        "defaultConfiguration": { "level": level(severity) },
        "properties": properties,
    })
}

/// FNV-1a: a stable hash, the same on every machine and release.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn location(outcome: &Outcome, span: crate::source::Span, message: Option<&str>) -> Option<Value> {
    let (file, start, end) = range_of(outcome, span)?;
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": super::path_string(file) },
            "region": {
                "startLine": start.row,
                "startColumn": start.column,
                "endLine": end.row,
                "endColumn": end.column,
            }
        }
    });
    if let Some(message) = message {
        value["message"] = json!({ "text": message });
    }
    Some(value)
}

/// Fingerprints by rule, file and row: each hashes the whole line, which must not be done again
/// for every finding on one long line.
type Fingerprints = HashMap<(&'static str, usize, usize), String>;

fn result(outcome: &Outcome, d: &Diagnostic, fingerprints: &mut Fingerprints) -> Option<Value> {
    let primary = location(outcome, d.span, None)?;
    let file = outcome.project.file(d.span.file)?;
    let row = file.position(d.span.start()).row;
    let fingerprint = fingerprints
        .entry((d.code, d.span.file, row))
        .or_insert_with(|| fingerprint(&[d.code, &super::path_string(file), file.line(row).trim()]))
        .clone();
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let mut loc = location(outcome, l.span, Some(&l.message))?;
            loc["id"] = json!(i);
            Some(loc)
        })
        .collect();
    Some(json!({
        "ruleId": d.code,
        "ruleIndex": RULES.iter().position(|r| r.code == d.code).map_or(-1, |i| i as i64),
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [primary],
        "relatedLocations": related,
        "partialFingerprints": { "corslint/v1": fingerprint },
    }))
}

/// The results, each built only when it is written.
struct Results<'a> {
    outcome: &'a Outcome,
    fingerprints: std::cell::RefCell<Fingerprints>,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fingerprints = self.fingerprints.borrow_mut();
        serializer
            .collect_seq(self.outcome.diagnostics.iter().filter_map(|d| result(self.outcome, d, &mut fingerprints)))
    }
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    column_kind: &'static str,
    results: Results<'a>,
}

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let rules: Vec<Value> = RULES.iter().map(|r| rule_descriptor(r.code, r.name, r.severity)).collect();
    let tool = json!({
        "driver": {
            "name": "corslint",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": crate::diagnostic::DOCS_BASE_URL.trim_end_matches("/blob/main/rules/"),
            "rules": rules,
        }
    });
    let results = Results { outcome, fingerprints: std::cell::RefCell::new(Fingerprints::new()) };
    let sarif =
        Log { schema: SCHEMA, version: "2.1.0", runs: [Run { tool, column_kind: "unicodeCodePoints", results }] };
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}
