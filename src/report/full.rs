//! The human report: miette's graphical diagnostics with labelled source, help and docs link.

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Outcome;
use crate::source::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::io::{self, Write};

/// One finding, or the part of a finding that lies in another file, as miette wants it.
#[derive(Debug)]
struct Rendered {
    header: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
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

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start().into(), span.range.len())
}

fn render(outcome: &Outcome, d: &Diagnostic) -> Option<Rendered> {
    let file = outcome.project.file(d.span.file)?;
    let mut labels = vec![LabeledSpan::new_primary_with_span(d.primary_label.clone(), source_span(d.span))];
    let mut related = Vec::new();
    for label in &d.labels {
        if label.span.file == d.span.file {
            labels.push(LabeledSpan::new_with_span(Some(label.message.clone()), source_span(label.span)));
        } else if let Some(other) = outcome.project.file(label.span.file) {
            related.push(Rendered {
                header: label.message.clone(),
                severity: miette::Severity::Advice,
                help: None,
                source: NamedSource::new(super::path_string(other), other.text.clone()),
                labels: vec![LabeledSpan::new_with_span(Some(label.message.clone()), source_span(label.span))],
                related: Vec::new(),
            });
        }
    }
    let docs = format!("docs: corslint rule {}", d.code);
    Some(Rendered {
        header: format!("{} {}: {}", d.code, d.severity, d.message),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: Some(match &d.help {
            Some(help) => format!("{help}\n{docs}"),
            None => docs,
        }),
        source: NamedSource::new(super::path_string(file), file.text.clone()),
        labels,
        related,
    })
}

pub fn write(out: &mut dyn Write, outcome: &Outcome, color: bool) -> io::Result<()> {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    for d in &outcome.diagnostics {
        let Some(rendered) = render(outcome, d) else { continue };
        let mut text = String::new();
        if handler.render_report(&mut text, &rendered).is_err() {
            // Rendering our own data cannot fail; should it, the concise line still says everything.
            text = format!("{} {}: {}\n", d.code, d.severity, d.message);
        }
        writeln!(out, "{text}")?;
    }
    writeln!(out, "{}", super::summary(outcome))
}
