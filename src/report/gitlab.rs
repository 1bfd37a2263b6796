//! GitLab Code Quality (a subset of the Code Climate issue format): the report a merge request
//! widget shows, from `artifacts: reports: codequality`.

use super::fingerprint::stable_hash;
use super::range_of;
use super::srcroot::SourceRoot;
use crate::diagnostic::Severity;
use crate::lint::Outcome;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let root = SourceRoot::find(&outcome.project.root, &outcome.project.files);
    // GitLab matches issues across pipelines by fingerprint, and keeps one per fingerprint: two
    // findings on equal lines get an occurrence number.
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = outcome
        .diagnostics
        .iter()
        .filter_map(|d| {
            let (file, start, end) = range_of(outcome, d.span)?;
            let path = root.relative(&outcome.project.root, file);
            let base = stable_hash(&[d.code, &path, file.line(start.row).trim(), &d.message]);
            let occurrence = occurrences.entry(base.clone()).or_insert(0);
            *occurrence += 1;
            let fingerprint = if *occurrence == 1 { base } else { stable_hash(&[&base, &occurrence.to_string()]) };
            let description = match &d.help {
                Some(help) => format!("{} ({}) help: {help}", d.message, d.code),
                None => format!("{} ({})", d.message, d.code),
            };
            Some(json!({
                "type": "issue",
                "check_name": d.code,
                "description": description,
                "categories": [if d.code.starts_with("CORS1") { "Security" } else { "Bug Risk" }],
                "severity": severity(d.severity),
                "fingerprint": fingerprint,
                "location": {
                    "path": path,
                    "lines": { "begin": start.row, "end": end.row },
                },
            }))
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
