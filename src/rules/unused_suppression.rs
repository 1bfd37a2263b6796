//! CORS902: a `corslint: ignore[...]` comment that suppresses nothing.
//!
//! Only the filter stage knows which suppressions matched a finding, so `crate::suppress` reports
//! this rule's findings; the rule itself has nothing to check in the model.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::rules::{Rule, Sink};

pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    const CODE: &'static str = "CORS902";
    const NAME: &'static str = "unused-suppression";
    const SEVERITY: Severity = Severity::Warning;

    fn check(_project: &Project, _sink: &mut Sink) {}
}
