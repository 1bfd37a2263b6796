//! The JSON contract of design.md: an array (or one object per line) of diagnostics.

use super::range_of;
use crate::diagnostic::Diagnostic;
use crate::lint::Outcome;
use crate::source::Position;
use serde_json::{Value, json};
use std::io::{self, Write};

fn position(p: Position) -> Value {
    json!({ "row": p.row, "column": p.column })
}

pub fn diagnostic_json(outcome: &Outcome, d: &Diagnostic) -> Value {
    let located = |span| {
        range_of(outcome, span).map(|(file, start, end)| (super::path_string(file), position(start), position(end)))
    };
    let (filename, location, end_location) = located(d.span).unwrap_or((String::new(), Value::Null, Value::Null));
    let labels: Vec<Value> = d
        .labels
        .iter()
        .filter_map(|l| {
            let (filename, location, end_location) = located(l.span)?;
            Some(json!({ "message": l.message, "filename": filename, "location": location, "end_location": end_location }))
        })
        .collect();
    let fix = d.fix.as_ref().map(|fix| {
        let edits: Vec<Value> = fix
            .edits
            .iter()
            .filter_map(|e| {
                let (_, location, end_location) = located(e.span)?;
                Some(json!({ "content": e.content, "location": location, "end_location": end_location }))
            })
            .collect();
        json!({ "message": fix.message, "applicability": fix.applicability, "edits": edits })
    });
    json!({
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "help": d.help,
        "url": d.url(),
        "filename": filename,
        "location": location,
        "end_location": end_location,
        "labels": labels,
        "fix": fix,
    })
}

/// The diagnostics as a JSON array, each built only when it is written (a run with many findings
/// never holds them all as JSON at once).
struct All<'a>(&'a Outcome);

impl serde::Serialize for All<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.diagnostics.iter().map(|d| diagnostic_json(self.0, d)))
    }
}

pub fn write(out: &mut dyn Write, outcome: &Outcome, lines: bool) -> io::Result<()> {
    if lines {
        for d in &outcome.diagnostics {
            writeln!(out, "{}", diagnostic_json(outcome, d))?;
        }
        Ok(())
    } else {
        serde_json::to_writer_pretty(&mut *out, &All(outcome))?;
        writeln!(out)
    }
}
