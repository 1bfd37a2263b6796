//! The human report: miette's graphical diagnostics with labelled source, help and docs link.

use super::escape;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Outcome;
use crate::source::{FileId, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

/// One finding, or the part of a finding that lies in another file, as miette wants it.
#[derive(Debug)]
struct Rendered {
    header: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<Text>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

/// Lines longer than this are not shown: a minified file's one line would be printed whole for each
/// finding on it (and miette cannot pad past column 65535).
const MAX_SHOWN_LINE: usize = 1_000;

/// A label spanning more lines than this is shown on its first line only.
const MAX_SHOWN_LINES: usize = 40;

/// A file's text for miette, read through a table of line starts: miette's own reading of a `str`
/// counts lines from the start of the file for every label, which is quadratic in long files
/// with many findings. Lines are cut as miette cuts them (`\n`, `\r\n` and a lone `\r`). Control
/// characters are escaped ([`escape::snippet`]); spans are moved to match.
#[derive(Clone, Debug)]
struct Text {
    text: Arc<str>,
    starts: Arc<[usize]>,
    shifts: Arc<escape::Shifts>,
}

impl Text {
    fn new(source: &str) -> Self {
        let (text, shifts) = escape::snippet(source);
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(found) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r')) {
            let at = i + found;
            let len = if bytes.get(at..at + 2) == Some(b"\r\n") { 2 } else { 1 };
            i = at + len;
            starts.push(i);
        }
        Text { text: Arc::from(text.as_ref()), starts: starts.into(), shifts: Arc::new(shifts) }
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    fn line_len(&self, line: usize) -> usize {
        let start = self.starts.get(line).copied().unwrap_or(0);
        self.starts.get(line + 1).copied().unwrap_or(self.text.len()).saturating_sub(start)
    }

    /// The span as miette should show it: `None` when its line is too long to show, and cut to
    /// its first line when it spans too many.
    fn shown(&self, span: Span) -> Option<SourceSpan> {
        let (start, end) = (self.shifts.offset(span.start()), self.shifts.offset(span.end()));
        let (first, last) = (self.line_of(start), self.line_of(end));
        if (first..=last).take(MAX_SHOWN_LINES + 1).any(|l| self.line_len(l) > MAX_SHOWN_LINE) {
            return None;
        }
        let end = if last - first > MAX_SHOWN_LINES {
            let next = self.starts.get(first + 1).copied().unwrap_or(self.text.len());
            let line = self.text.get(start..next).unwrap_or("");
            start + line.trim_end_matches(['\n', '\r']).len()
        } else {
            end
        };
        Some(SourceSpan::new(start.into(), end.saturating_sub(start)))
    }
}

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette's reading of a slice that starts a few lines before the span and ends a few lines
        // after it, shifted back into the file: the same result, at the cost of those lines.
        let end = span.offset() + span.len();
        let first = self.line_of(span.offset()).saturating_sub(context_lines_before + 1);
        let last = self.line_of(end) + context_lines_after + 2;
        let from = self.starts.get(first).copied().unwrap_or(0);
        let to = self.starts.get(last).copied().unwrap_or(self.text.len());
        let slice = self.text.as_bytes().get(from..to).ok_or(MietteError::OutOfBounds)?;
        let inner_span = SourceSpan::new(span.offset().saturating_sub(from).into(), span.len());
        let inner = slice.read_span(&inner_span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

/// Each file's [`Text`], made once for all the findings in it.
#[derive(Default)]
struct Texts(HashMap<FileId, Text>);

impl Texts {
    fn get(&mut self, outcome: &Outcome, id: FileId) -> Option<Text> {
        let file = outcome.project.file(id)?;
        Some(self.0.entry(id).or_insert_with(|| Text::new(&file.text)).clone())
    }
}

fn render(outcome: &Outcome, d: &Diagnostic, texts: &mut Texts) -> Option<Rendered> {
    let file = outcome.project.file(d.span.file)?;
    let text = texts.get(outcome, d.span.file)?;
    let mut header = format!("{} {}: {}", d.code, d.severity, escape::value(&d.message));
    let mut labels = Vec::new();
    match text.shown(d.span) {
        Some(span) => labels.push(LabeledSpan::new_primary_with_span(
            d.primary_label.as_deref().map(|l| escape::value(l).into_owned()),
            span,
        )),
        None => {
            let at = file.position(d.span.start());
            header.push_str(&format!(
                "\n  at {}:{}:{} (the line is too long to show)",
                escape::path(&file.path),
                at.row,
                at.column
            ));
        }
    }
    let mut related = Vec::new();
    for label in &d.labels {
        let Some(other) = texts.get(outcome, label.span.file) else { continue };
        let Some(span) = other.shown(label.span) else { continue };
        let message = escape::value(&label.message).into_owned();
        if label.span.file == d.span.file {
            labels.push(LabeledSpan::new_with_span(Some(message), span));
        } else if let Some(other_file) = outcome.project.file(label.span.file) {
            related.push(Rendered {
                header: message.clone(),
                severity: miette::Severity::Advice,
                help: None,
                source: NamedSource::new(escape::path(&other_file.path), other),
                labels: vec![LabeledSpan::new_with_span(Some(message), span)],
                related: Vec::new(),
            });
        }
    }
    let docs = format!("docs: corslint rule {}", d.code);
    Some(Rendered {
        header,
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: Some(match &d.help {
            Some(help) => format!("{}\n{docs}", escape::lines(help)),
            None => docs,
        }),
        source: NamedSource::new(escape::path(&file.path), text),
        labels,
        related,
    })
}

pub fn write(out: &mut dyn Write, outcome: &Outcome, color: bool) -> io::Result<()> {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut texts = Texts::default();
    for d in &outcome.diagnostics {
        let Some(rendered) = render(outcome, d, &mut texts) else { continue };
        let mut text = String::new();
        if handler.render_report(&mut text, &rendered).is_err() {
            // Rendering our own data cannot fail; should it, the concise line still says everything.
            text = format!("{} {}: {}\n", d.code, d.severity, escape::value(&d.message));
        }
        writeln!(out, "{}", escape::guard_lines(&text))?;
    }
    super::write_summary(out, outcome)
}
