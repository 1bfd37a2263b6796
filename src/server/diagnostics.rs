//! corslint findings as LSP diagnostics, and their safe fixes as code actions.

use super::convert::{self, Encoding};
use crate::diagnostic::{Applicability, Severity};
use crate::lint::Outcome;
use crate::source::Span;
use lsp_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    Location, NumberOrString, TextEdit, Url, WorkspaceEdit,
};
use std::collections::HashMap;
use std::path::Path;

/// One published diagnostic and the quick fix that goes with it.
#[derive(Clone, Debug)]
pub struct Published {
    pub diagnostic: Diagnostic,
    pub fix: Option<CodeAction>,
}

/// The diagnostics for the file at `path`: the findings whose primary span is in it, and the
/// findings reported elsewhere that have a label in it (shown at that label, pointing back).
pub fn for_file(outcome: &Outcome, path: &Path, encoding: Encoding) -> Vec<Published> {
    let absolute = crate::config::absolute(path);
    let Some(id) = outcome.project.files.iter().position(|f| crate::config::absolute(&f.path) == absolute) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in &outcome.diagnostics {
        let here = if d.span.file == id {
            d.span
        } else if let Some(label) = d.labels.iter().find(|l| l.span.file == id) {
            label.span
        } else {
            continue;
        };
        let Some(range) = lsp_range(outcome, here, encoding) else { continue };
        let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
        if let Some(location) = location(outcome, d.span, encoding).filter(|_| here != d.span) {
            let message = format!("reported here: {}", d.primary_label.as_deref().unwrap_or(&d.message));
            related.push(DiagnosticRelatedInformation { location, message });
        }
        for label in d.labels.iter().filter(|l| l.span != here) {
            if let Some(location) = location(outcome, label.span, encoding) {
                related.push(DiagnosticRelatedInformation { location, message: label.message.clone() });
            }
        }
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let diagnostic = Diagnostic {
            range,
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(d.code.to_owned())),
            code_description: Url::parse(&d.url()).ok().map(|href| CodeDescription { href }),
            source: Some("corslint".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        };
        let fix = d.fix.as_ref().filter(|f| f.applicability == Applicability::Safe).and_then(|fix| {
            let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
            for edit in &fix.edits {
                let location = location(outcome, edit.span, encoding)?;
                changes
                    .entry(location.uri)
                    .or_default()
                    .push(TextEdit { range: location.range, new_text: edit.content.clone() });
            }
            Some(CodeAction {
                title: format!("{} ({})", capitalised(&fix.message), d.code),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            })
        });
        out.push(Published { diagnostic, fix });
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn lsp_range(outcome: &Outcome, span: Span, encoding: Encoding) -> Option<lsp_types::Range> {
    let file = outcome.project.file(span.file)?;
    Some(convert::range(&file.text, span.start(), span.end(), encoding))
}

fn location(outcome: &Outcome, span: Span, encoding: Encoding) -> Option<Location> {
    let file = outcome.project.file(span.file)?;
    Some(Location { uri: convert::uri_of(&file.path)?, range: lsp_range(outcome, span, encoding)? })
}
