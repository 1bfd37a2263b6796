//! The rule registry. A rule is one file: its code, name, default severity and a check over the model.
//!
//! Adding a rule: write `src/rules/<name>.rs` implementing [`Rule`], add one `rule!` line to
//! [`RULES`], a page `rules/CODE.md`, and fixtures under `fixtures/CODE/`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Project;
use crate::source::Span;

mod header_not_allowed;
mod method_not_allowed;
mod origins_not_a_list;
mod preflight_blocked_by_middleware;
mod unparsable_config;
mod unused_suppression;

pub use unused_suppression::UnusedSuppression;

pub trait Rule {
    const CODE: &'static str;
    const NAME: &'static str;
    const SEVERITY: Severity;
    fn check(project: &Project, sink: &mut Sink);
}

/// A registered rule, as the registry and the reports see it.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub check: fn(&Project, &mut Sink),
}

macro_rules! rule {
    ($rule:ty) => {
        RuleMeta { code: <$rule>::CODE, name: <$rule>::NAME, severity: <$rule>::SEVERITY, check: <$rule>::check }
    };
}

/// Every rule, in code order.
pub static RULES: &[RuleMeta] = &[
    rule!(origins_not_a_list::OriginsNotAList),
    rule!(preflight_blocked_by_middleware::PreflightBlockedByMiddleware),
    rule!(method_not_allowed::MethodNotAllowed),
    rule!(header_not_allowed::HeaderNotAllowed),
    rule!(unparsable_config::UnparsableConfig),
    rule!(unused_suppression::UnusedSuppression),
];

pub fn find(code: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Collects one rule's findings, stamped with its code, name and default severity.
pub struct Sink {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(rule: &RuleMeta) -> Self {
        Sink { code: rule.code, name: rule.name, severity: rule.severity, diagnostics: Vec::new() }
    }

    /// Starts a finding at `span`; chain `.help()`, `.label()`, `.primary()`, `.fix()` on the result.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            code: self.code,
            name: self.name,
            severity: self.severity,
            message: message.into(),
            help: None,
            span,
            primary_label: None,
            labels: Vec::new(),
            fix: None,
        });
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// Runs every rule over the project.
pub fn check_all(project: &Project) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        let mut sink = Sink::new(rule);
        (rule.check)(project, &mut sink);
        out.extend(sink.into_diagnostics());
    }
    out
}
