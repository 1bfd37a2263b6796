//! GitHub Actions workflow commands, which the runner turns into annotations on the pull request.
//!
//! GitHub keeps the first 10 annotations of each level (error, warning, notice) per step and drops
//! the rest silently. So each level is ranked (one finding of every rule before a second of any,
//! security rules first), cut to 9 with a closing "N more" annotation when it overflows, and the
//! overflow still goes to the log as plain lines. When `GITHUB_STEP_SUMMARY` is set, a Markdown
//! summary of every finding is appended to it.

use super::escape;
use super::range_of;
use super::srcroot::SourceRoot;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Outcome;
use std::collections::HashMap;
use std::io::{self, Write};

/// Annotations GitHub shows per level and step.
const PER_LEVEL: usize = 10;

/// Escaping of a command's message, as the runner requires.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a property value, which also may not hold `:` or `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The findings of one level, most important first: the first finding of each rule before the
/// second of any (so one noisy rule cannot hide the others), security rules (CORS1xx) first in
/// each round, then by rule code and place.
fn ranked(outcome: &Outcome, severity: Severity) -> Vec<&Diagnostic> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut keyed: Vec<_> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .enumerate()
        .map(|(place, d)| {
            let round = seen.entry(d.code).or_insert(0);
            *round += 1;
            ((*round, !d.code.starts_with("CORS1"), d.code, place), d)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, d)| d).collect()
}

fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let root = SourceRoot::find(&outcome.project.root, &outcome.project.files);
    let path = |d: &Diagnostic| outcome.project.file(d.span.file).map(|f| root.relative(&outcome.project.root, f));
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let ranked = ranked(outcome, severity);
        let shown = if ranked.len() > PER_LEVEL { PER_LEVEL - 1 } else { ranked.len() };
        for d in &ranked[..shown] {
            let (Some((_, start, end)), Some(path)) = (range_of(outcome, d.span), path(d)) else { continue };
            // A column on a span over several lines makes GitHub draw it on the wrong line.
            let columns = if start.row == end.row {
                format!(",col={},endColumn={}", start.column, end.column)
            } else {
                String::new()
            };
            writeln!(
                out,
                "::{} file={},line={},endLine={}{columns},title={}::{}",
                command(severity),
                escape_property(&path),
                start.row,
                end.row,
                escape_property(&format!("corslint ({})", d.code)),
                escape_data(&message(d))
            )?;
        }
        let hidden = &ranked[shown..];
        if hidden.is_empty() {
            continue;
        }
        writeln!(
            out,
            "::{} title=corslint::{} more: see the SARIF report or the step summary",
            command(severity),
            hidden.len()
        )?;
        // The rest still reach the log, as lines the runner does not read as commands, with
        // control characters escaped as in the human formats.
        for d in hidden {
            let Some((_, start, _)) = range_of(outcome, d.span) else { continue };
            let path = path(d).unwrap_or_default();
            writeln!(
                out,
                "corslint: {}:{}:{}: {} {}",
                escape::value(&path),
                start.row,
                start.column,
                d.code,
                escape::value(&d.message)
            )?;
        }
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let mut file = std::fs::OpenOptions::new().append(true).create(true).open(&summary)?;
        file.write_all(super::step_summary::markdown(outcome, &root).as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_as_the_runner_requires() {
        assert_eq!(super::escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(super::escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
