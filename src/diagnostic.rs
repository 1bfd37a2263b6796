//! The one finding type that every rule emits and every output format serializes.

use crate::source::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that tells the other half of the story.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One text replacement; `span` may be empty (an insertion).
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

/// Whether `--fix` may apply a fix on its own. A fix is unsafe when it can change what the
/// configuration allows beyond making the rule's intent work (`--unsafe-fixes` applies it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Safe,
    Unsafe,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
    /// Text under the primary span in the human report.
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
}

/// Where each rule's documentation lives; every diagnostic links to its page.
pub const DOCS_BASE_URL: &str = "https://github.com/corslint/corslint/blob/main/rules/";

pub fn rule_url(code: &str) -> String {
    format!("{DOCS_BASE_URL}{code}.md")
}

impl Diagnostic {
    pub fn url(&self) -> String {
        rule_url(self.code)
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// The text shown under the primary span.
    pub fn primary(&mut self, label: impl Into<String>) -> &mut Self {
        self.primary_label = Some(label.into());
        self
    }

    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// A fix `--fix` applies: it only makes what was written work as intended.
    pub fn fix(&mut self, message: impl Into<String>, edits: Vec<Edit>) -> &mut Self {
        self.fix = Some(Fix { message: message.into(), edits, applicability: Applicability::Safe });
        self
    }

    /// A fix applied only with `--unsafe-fixes`: it can widen what the configuration allows.
    pub fn unsafe_fix(&mut self, message: impl Into<String>, edits: Vec<Edit>) -> &mut Self {
        self.fix = Some(Fix { message: message.into(), edits, applicability: Applicability::Unsafe });
        self
    }
}
