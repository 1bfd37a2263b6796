//! SARIF 2.1.0, as GitHub code scanning reads it: URIs relative to `%SRCROOT%` (the repository
//! root), descriptions within GitHub's 1024-character limit, GitHub's own line-hash fingerprint,
//! related locations linked from the message.

use super::fingerprint::{line_hashes, stable_hash};
use super::range_of;
use super::srcroot::{SourceRoot, percent_encode};
use crate::diagnostic::{Diagnostic, Severity, rule_url};
use crate::docs;
use crate::lint::Outcome;
use crate::rules::RULES;
use crate::source::{FileId, SourceFile, Span};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// GitHub truncates or rejects longer `shortDescription` and `fullDescription` texts.
const DESCRIPTION_LIMIT: usize = 1024;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub ranks security alerts by this CVSS-like score; only the origin-trust rules (CORS1xx)
/// are security holes. The others break requests, and get `problem.severity` instead.
fn security_severity(code: &str, severity: Severity) -> Option<&'static str> {
    match (code.get(..5), severity) {
        // A frontend the API refuses breaks the app; it exposes nothing.
        _ if code == "CORS109" => None,
        (Some("CORS1"), Severity::Error) => Some("8.1"),
        (Some("CORS1"), _) => Some("5.3"),
        _ => None,
    }
}

/// How often a finding of the rule is right. `very-high`: the rule reads one written value or
/// directive. `high`: it reasons over several layers or models a server's behaviour, where a
/// link corslint infers (a proxy to an app, an `if` that can match) could be one the deployment
/// does not have.
fn precision(code: &str) -> &'static str {
    match code {
        "CORS102" | "CORS106" | "CORS201" | "CORS202" | "CORS203" | "CORS204" | "CORS205" | "CORS302" | "CORS303"
        | "CORS304" | "CORS305" | "CORS306" | "CORS308" | "CORS109" => "high",
        _ => "very-high",
    }
}

/// `text` with its whitespace collapsed, cut at the last sentence (else word) that keeps it
/// within `limit` characters.
fn clip(text: &str, limit: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= limit {
        return text;
    }
    let budget: String = text.chars().take(limit - 1).collect();
    if let Some(end) = budget.rfind(". ") {
        return budget[..=end].to_string();
    }
    let end = budget.rfind(' ').unwrap_or(budget.len());
    format!("{}…", &budget[..end])
}

fn rule_descriptor(code: &str, name: &str, severity: Severity) -> Value {
    let page = docs::page(code).unwrap_or("");
    let what = docs::summary(code);
    let why = docs::section(page, "Why is this bad?").unwrap_or("");
    let first_sentence = what.split_once(". ").map_or(what.as_str(), |(first, _)| first);
    let mut tags = vec!["cors"];
    let mut properties = json!({ "precision": precision(code) });
    match security_severity(code, severity) {
        Some(score) => {
            tags.push("security");
            properties["security-severity"] = json!(score);
        }
        None => {
            properties["problem.severity"] = json!(match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            });
        }
    }
    properties["tags"] = json!(tags);
    json!({
        "id": code,
        "name": name,
        "shortDescription": { "text": clip(first_sentence, DESCRIPTION_LIMIT) },
        "fullDescription": { "text": clip(&format!("{what} {why}"), DESCRIPTION_LIMIT) },
        "help": { "text": page, "markdown": page },
        "helpUri": rule_url(code),
        "defaultConfiguration": { "level": level(severity) },
        "properties": properties,
    })
}

/// SARIF plain-text messages read `[text](id)` as a link: literal brackets and backslashes are
/// escaped (SARIF 2.1.0, 3.11.6).
fn escape_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What every result needs to know about the run.
struct Context<'a> {
    outcome: &'a Outcome,
    root: SourceRoot,
    /// Per file with findings or related locations: its path below the root, and, for files
    /// with findings, GitHub's line hashes.
    files: RefCell<HashMap<FileId, FileFacts>>,
}

struct FileFacts {
    relative: String,
    /// Computed for the first finding whose primary location is in the file; `None` inside
    /// when the file cannot be read again as GitHub's action would read it (stdin).
    line_hashes: Option<Option<Vec<String>>>,
    /// corslint's own fingerprint per (row, code): a line may be megabytes long and carry
    /// thousands of findings, and is hashed once for each code on it.
    fingerprints: HashMap<(usize, &'static str), String>,
}

impl Context<'_> {
    fn with_facts<T>(&self, id: FileId, read: impl FnOnce(&mut FileFacts, &SourceFile) -> T) -> Option<T> {
        let file = self.outcome.project.file(id)?;
        let mut files = self.files.borrow_mut();
        let facts = files.entry(id).or_insert_with(|| FileFacts {
            relative: self.root.relative(&self.outcome.project.root, file),
            line_hashes: None,
            fingerprints: HashMap::new(),
        });
        Some(read(facts, file))
    }

    fn uri(&self, file: FileId) -> Option<String> {
        self.with_facts(file, |facts, _| percent_encode(&facts.relative))
    }

    /// corslint's fingerprint of `code` on line `row`, and GitHub's hash of that line.
    fn primary_facts(&self, id: FileId, row: usize, code: &'static str) -> Option<(String, Option<String>)> {
        self.with_facts(id, |facts, file| {
            let root = &self.outcome.project.root;
            let hashes = facts.line_hashes.get_or_insert_with(|| {
                // The action hashes the file on disk, byte order mark and all, so it is read
                // again here (once, and only for files with findings): a hash of other text
                // would be a wrong one.
                let on_disk = crate::source::read_file(&root.join(&file.path)).ok();
                on_disk.map(|bytes| line_hashes(&String::from_utf8_lossy(&bytes)))
            });
            let line_hash = hashes.as_ref().and_then(|h| h.get(row.saturating_sub(1))).cloned();
            let relative = &facts.relative;
            // The same wherever the run starts, and while lines move.
            let own = facts
                .fingerprints
                .entry((row, code))
                .or_insert_with(|| stable_hash(&[code, relative, file.line(row).trim()]))
                .clone();
            (own, line_hash)
        })
    }

    fn location(&self, span: Span, message: Option<&str>) -> Option<Value> {
        let (_, start, end) = range_of(self.outcome, span)?;
        let mut value = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": self.uri(span.file)?, "uriBaseId": SRCROOT },
                "region": {
                    "startLine": start.row,
                    "startColumn": start.column,
                    "endLine": end.row,
                    "endColumn": end.column,
                }
            }
        });
        if let Some(message) = message {
            value["message"] = json!({ "text": escape_message(message) });
        }
        Some(value)
    }

    fn result(&self, d: &Diagnostic) -> Option<Value> {
        let primary = self.location(d.span, None)?;
        let file = self.outcome.project.file(d.span.file)?;
        let row = file.position(d.span.start()).row;
        let (own, line_hash) = self.primary_facts(d.span.file, row, d.code)?;
        let mut fingerprints = json!({ "corslint/v1": own });
        if let Some(hash) = line_hash {
            fingerprints["primaryLocationLineHash"] = json!(hash);
        }
        let mut text = escape_message(&d.message);
        let mut related = Vec::new();
        for label in &d.labels {
            let id = related.len() + 1;
            let Some(mut location) = self.location(label.span, Some(&label.message)) else { continue };
            location["id"] = json!(id);
            text.push_str(&format!("\n[{}]({id})", escape_message(&label.message)));
            related.push(location);
        }
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(&escape_message(help));
        }
        Some(json!({
            "ruleId": d.code,
            "ruleIndex": RULES.iter().position(|r| r.code == d.code).map_or(-1, |i| i as i64),
            "level": level(d.severity),
            "message": { "text": text },
            "locations": [primary],
            "relatedLocations": related,
            "partialFingerprints": fingerprints,
        }))
    }
}

/// The results, each built only when it is written.
struct Results<'a>(&'a Context<'a>);

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.outcome.diagnostics.iter().filter_map(|d| self.0.result(d)))
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
    original_uri_base_ids: Value,
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
    let context = Context {
        outcome,
        root: SourceRoot::find(&outcome.project.root, &outcome.project.files),
        files: RefCell::new(HashMap::new()),
    };
    let original_uri_base_ids = json!({ SRCROOT: { "uri": context.root.file_uri() } });
    let run = Run { tool, original_uri_base_ids, column_kind: "unicodeCodePoints", results: Results(&context) };
    serde_json::to_writer_pretty(&mut *out, &Log { schema: SCHEMA, version: "2.1.0", runs: [run] })?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_stay_within_github_limit_and_end_at_a_sentence() {
        for rule in RULES {
            let descriptor = rule_descriptor(rule.code, rule.name, rule.severity);
            for field in ["shortDescription", "fullDescription"] {
                let text = descriptor[field]["text"].as_str().unwrap_or("");
                assert!(!text.is_empty() && text.chars().count() <= DESCRIPTION_LIMIT, "{} {field}", rule.code);
            }
            assert_eq!(descriptor["help"]["markdown"].as_str(), docs::page(rule.code), "{}", rule.code);
        }
        let long = "First sentence here. ".repeat(100);
        let clipped = clip(&long, 50);
        assert_eq!(clipped, "First sentence here. First sentence here.");
    }

    #[test]
    fn every_rule_has_a_precision_and_one_kind_of_severity() {
        for rule in RULES {
            let properties = &rule_descriptor(rule.code, rule.name, rule.severity)["properties"];
            assert!(properties["precision"].is_string(), "{}", rule.code);
            let security = properties.get("security-severity").is_some();
            assert_ne!(security, properties.get("problem.severity").is_some(), "{}", rule.code);
        }
    }

    #[test]
    fn brackets_in_messages_cannot_forge_links() {
        assert_eq!(escape_message(r"see [x](1) \ y"), r"see \[x\](1) \\ y");
    }
}
