//! Output formats. Each module serializes the same sorted list of diagnostics.

mod checkstyle;
mod concise;
pub mod escape;
mod fingerprint;
mod full;
mod github;
mod gitlab;
mod json;
mod junit;
pub mod output_file;
mod sarif;
mod srcroot;
mod statistics;
mod step_summary;
mod xml;

use crate::diagnostic::Diagnostic;
use crate::lint::Outcome;
use crate::source::{Position, SourceFile, Span};
use std::io::{self, Write};

pub use json::diagnostic_json;
pub use statistics::has_statistics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Full,
    Concise,
    Json,
    JsonLines,
    Sarif,
    Github,
    Gitlab,
    Junit,
    Checkstyle,
}

pub struct ReportOptions {
    pub format: OutputFormat,
    pub color: bool,
    pub statistics: bool,
}

pub fn write(out: &mut dyn Write, outcome: &Outcome, options: &ReportOptions) -> io::Result<()> {
    if options.statistics {
        return statistics::write(out, outcome, options.format);
    }
    match options.format {
        OutputFormat::Full => full::write(out, outcome, options.color),
        OutputFormat::Concise => concise::write(out, outcome),
        OutputFormat::Json => json::write(out, outcome, false),
        OutputFormat::JsonLines => json::write(out, outcome, true),
        OutputFormat::Sarif => sarif::write(out, outcome),
        OutputFormat::Github => github::write(out, outcome),
        OutputFormat::Gitlab => gitlab::write(out, outcome),
        OutputFormat::Junit => junit::write(out, outcome),
        OutputFormat::Checkstyle => checkstyle::write(out, outcome),
    }
}

/// Start and end positions of a span (end exclusive, as a 1-based column just past the text).
pub(crate) fn range_of(outcome: &Outcome, span: Span) -> Option<(&SourceFile, Position, Position)> {
    let file = outcome.project.file(span.file)?;
    Some((file, file.position(span.start()), file.position(span.end())))
}

/// Writes the summary line, when there is one (see [`summary`]).
pub(crate) fn write_summary(out: &mut dyn std::io::Write, outcome: &Outcome) -> std::io::Result<()> {
    match summary(outcome) {
        Some(line) => writeln!(out, "{line}"),
        None => Ok(()),
    }
}

/// `Found 3 errors, 1 warning in 2 files (40 files linted).` or the clean line, with the files
/// not analysed when there are any. `None` when nothing was selected at all: "All checks passed"
/// about zero files would be a silent pass on a wrong path (the CLI warns on stderr instead).
pub(crate) fn summary(outcome: &Outcome) -> Option<String> {
    let diagnostics = &outcome.diagnostics;
    if diagnostics.is_empty() && outcome.nothing_selected() {
        return None;
    }
    let linted = outcome.files_linted;
    let skipped = outcome.files_not_analysed;
    if diagnostics.is_empty() {
        let not_analysed = if skipped == 0 { String::new() } else { format!(" ({skipped} not analysed)") };
        return Some(format!(
            "All checks passed: no CORS problems found in {linted} {}{not_analysed}.",
            plural(linted, "file")
        ));
    }
    let not_analysed = if skipped == 0 { String::new() } else { format!(", {skipped} not analysed") };
    let count = |s| diagnostics.iter().filter(|d: &&Diagnostic| d.severity == s).count();
    let mut parts = Vec::new();
    for (severity, word) in [
        (crate::diagnostic::Severity::Error, "error"),
        (crate::diagnostic::Severity::Warning, "warning"),
        (crate::diagnostic::Severity::Info, "info"),
    ] {
        let n = count(severity);
        if n > 0 {
            parts.push(format!("{n} {}", if word == "info" { word.to_string() } else { plural(n, word) }));
        }
    }
    let mut files: Vec<_> = diagnostics.iter().map(|d| d.span.file).collect();
    files.sort_unstable();
    files.dedup();
    Some(format!(
        "Found {} in {} {} ({linted} {} linted{not_analysed}).",
        parts.join(", "),
        files.len(),
        plural(files.len(), "file"),
        plural(linted, "file")
    ))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}

/// The path as written in reports, always with `/`.
pub(crate) fn path_string(file: &SourceFile) -> String {
    file.path.to_string_lossy().replace('\\', "/")
}
