//! The rule registry. A rule is one file: its code, name, default severity and a check over the model.
//!
//! Adding a rule: write `src/rules/<name>.rs` implementing [`Rule`], add one `rule!` line to
//! [`RULES`], a page `rules/CODE.md`, and fixtures under `fixtures/CODE/`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Project;
use crate::source::Span;

mod cors_header_dropped_by_inner_block;
mod cors_header_not_always;
mod cors_missing_on_actual_response;
mod duplicate_cors_headers;
mod frontend_origin_not_allowed;
mod header_not_allowed;
mod insecure_origin_trusted;
mod malformed_cors_header;
mod max_age_capped;
mod method_not_allowed;
mod missing_vary_origin;
mod multiple_origins_in_header;
mod nginx_words;
mod not_analysed;
mod null_origin_allowed;
mod origin_header_not_forwarded;
mod origin_never_matches;
mod origin_outside_policy;
mod origin_support;
mod origins_not_a_list;
mod permissive_origin_regex;
mod preflight_blocked_by_middleware;
mod preflight_not_answered;
mod preflight_requires_auth;
mod proxy_hides_cors_headers;
mod proxy_overrides_app_cors;
mod reflected_origin;
mod stack_words;
mod unparsable_config;
mod unused_suppression;
mod wildcard_ignored_with_credentials;
mod wildcard_origin_with_credentials;

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
    rule!(wildcard_origin_with_credentials::WildcardOriginWithCredentials),
    rule!(reflected_origin::ReflectedOrigin),
    rule!(null_origin_allowed::NullOriginAllowed),
    rule!(origin_never_matches::OriginNeverMatches),
    rule!(origins_not_a_list::OriginsNotAList),
    rule!(permissive_origin_regex::PermissiveOriginRegex),
    rule!(insecure_origin_trusted::InsecureOriginTrusted),
    rule!(origin_outside_policy::OriginOutsidePolicy),
    rule!(frontend_origin_not_allowed::FrontendOriginNotAllowed),
    rule!(preflight_blocked_by_middleware::PreflightBlockedByMiddleware),
    rule!(preflight_requires_auth::PreflightRequiresAuth),
    rule!(preflight_not_answered::PreflightNotAnswered),
    rule!(method_not_allowed::MethodNotAllowed),
    rule!(header_not_allowed::HeaderNotAllowed),
    rule!(wildcard_ignored_with_credentials::WildcardIgnoredWithCredentials),
    rule!(max_age_capped::MaxAgeCapped),
    rule!(cors_missing_on_actual_response::CorsMissingOnActualResponse),
    rule!(cors_header_not_always::CorsHeaderNotAlways),
    rule!(cors_header_dropped_by_inner_block::CorsHeaderDroppedByInnerBlock),
    rule!(proxy_hides_cors_headers::ProxyHidesCorsHeaders),
    rule!(duplicate_cors_headers::DuplicateCorsHeaders),
    rule!(origin_header_not_forwarded::OriginHeaderNotForwarded),
    rule!(missing_vary_origin::MissingVaryOrigin),
    rule!(multiple_origins_in_header::MultipleOriginsInHeader),
    rule!(proxy_overrides_app_cors::ProxyOverridesAppCors),
    rule!(malformed_cors_header::MalformedCorsHeader),
    rule!(unparsable_config::UnparsableConfig),
    rule!(unused_suppression::UnusedSuppression),
    rule!(not_analysed::NotAnalysed),
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

/// Runs every rule over the project; one finding per code and primary span (see [`merge_same_span`]).
pub fn check_all(project: &Project) -> Vec<Diagnostic> {
    check_selected(project, |_| true)
}

/// Runs the rules `runs` accepts: one that no configuration of the run selects would only have its
/// findings filtered out afterwards.
pub fn check_selected(project: &Project, runs: impl Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|rule| runs(rule)) {
        let mut sink = Sink::new(rule);
        (rule.check)(project, &mut sink);
        out.extend(sink.into_diagnostics());
    }
    merge_same_span(out)
}

/// One cause, one finding: the same code at the same span is one finding, whatever reached it
/// (a policy behind two proxies, a settings module read by two apps, a config linked through two
/// compose files). The first one found keeps its message, help and fix; the secondary labels of
/// the others are added to it, each once. Rules that find several distinct problems at one span
/// say so in one message themselves.
fn merge_same_span(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut first_at: std::collections::HashMap<(&'static str, Span), usize> = std::collections::HashMap::new();
    for diagnostic in diagnostics {
        let Some(&kept) = first_at.get(&(diagnostic.code, diagnostic.span)) else {
            first_at.insert((diagnostic.code, diagnostic.span), out.len());
            out.push(diagnostic);
            continue;
        };
        let Some(kept) = out.get_mut(kept) else { continue };
        kept.severity = kept.severity.max(diagnostic.severity);
        for label in diagnostic.labels {
            if !kept.labels.contains(&label) {
                kept.labels.push(label);
            }
        }
    }
    out
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    fn finding(code: &'static str, span: Span, labels: &[(Span, &str)]) -> Diagnostic {
        let meta = find(code).expect("registered");
        let mut sink = Sink::new(meta);
        let d = sink.report(span, "message");
        for (at, text) in labels {
            d.label(*at, *text);
        }
        sink.into_diagnostics().remove(0)
    }

    #[test]
    fn one_finding_per_code_and_span_with_every_secondary_label_once() {
        let (policy, front_a, front_b) = (Span::new(0, 10, 20), Span::new(1, 0, 5), Span::new(2, 0, 5));
        let merged = merge_same_span(vec![
            finding("CORS304", policy, &[(front_a, "also adds it")]),
            finding("CORS304", policy, &[(front_b, "also adds it")]),
            finding("CORS304", policy, &[(front_a, "also adds it")]),
            finding("CORS301", policy, &[]),
            finding("CORS304", Span::new(0, 30, 40), &[]),
        ]);
        let summary: Vec<(&str, Span, usize)> = merged.iter().map(|d| (d.code, d.span, d.labels.len())).collect();
        assert_eq!(summary, [("CORS304", policy, 2), ("CORS301", policy, 0), ("CORS304", Span::new(0, 30, 40), 0)]);
        let labels: Vec<Span> = merged[0].labels.iter().map(|l| l.span).collect();
        assert_eq!(labels, [front_a, front_b]);
    }
}
