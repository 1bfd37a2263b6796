//! What the origin rules (CORS101–108, 206, 207) share: where a position inside a written value lies
//! in the file, the credentials label, and how patterns are named. What differs by layer (how it
//! compares an origin, how it spells a setting) is the layer's: `crate::model::layer`.

use crate::analysis::pattern::{PatternReport, analyze_pattern};
use crate::diagnostic::Diagnostic;
use crate::model::{CorsPolicy, OriginEntry, OriginKind, PatternSemantics, Project};
use crate::source::{Span, TextRange};

/// Credentials are allowed: only a Known `true` counts (Unknown never produces a finding).
pub(crate) fn credentials_allowed(policy: &CorsPolicy) -> bool {
    policy.credentials.known() == Some(&true)
}

/// The span in the file of `range` (byte offsets within `value`), when the entry's text is `value`
/// written verbatim (ASCII case aside: ingress-nginx origins are lowered); else the whole entry.
pub(crate) fn span_within(project: &Project, entry: &OriginEntry, value: &str, range: TextRange) -> Span {
    let whole = entry.span;
    let (Some(start), Some(file)) = (entry.text_start, project.file(whole.file)) else { return whole };
    let written = file.text.get(start..start.saturating_add(value.len()));
    if range.end > value.len() || !written.is_some_and(|w| w.eq_ignore_ascii_case(value)) {
        return whole;
    }
    Span::new(whole.file, start + range.start, start + range.end)
}

/// Sets the primary label and points at the credentials setting; a default declared at the same
/// place as the finding (ingress-nginx's `enable-cors`) goes into the primary label instead.
pub(crate) fn label_with_credentials<'d>(
    diagnostic: &'d mut Diagnostic,
    policy: &CorsPolicy,
    primary: &str,
) -> &'d mut Diagnostic {
    let credentials = &policy.credentials;
    let what = if credentials.explicit { "credentials are allowed here" } else { "credentials are allowed by default" };
    if credentials.span == diagnostic.span {
        diagnostic.primary(format!("{primary}, and {what}"))
    } else {
        diagnostic.primary(primary).label(credentials.span, what)
    }
}

/// The pattern of an entry and its analysis; `None` for other entries and for patterns that could
/// not be analysed (never a finding by themselves).
pub(crate) fn analyzed_pattern(entry: &OriginEntry) -> Option<(&str, PatternReport)> {
    let OriginKind::Pattern { pattern, semantics } = &entry.kind else { return None };
    let report = analyze_pattern(pattern, *semantics);
    report.unanalyzable.is_none().then_some((pattern.as_str(), report))
}

/// What the pattern is called in messages.
pub(crate) fn pattern_noun(semantics: PatternSemantics) -> &'static str {
    match semantics {
        PatternSemantics::Glob => "origin glob",
        PatternSemantics::Prefix => "origin prefix",
        _ => "origin regex",
    }
}

/// The pattern's semantics, for an entry known to be a pattern.
pub(crate) fn semantics_of(entry: &OriginEntry) -> Option<PatternSemantics> {
    match &entry.kind {
        OriginKind::Pattern { semantics, .. } => Some(*semantics),
        _ => None,
    }
}

/// A one-label glob origin (`https://*.example.com`) as an anchored regex for a layer that has
/// origin regexes.
pub(crate) fn glob_as_regex(glob: &str) -> String {
    regex::escape(glob).replace(r"\*", "[a-z0-9-]+")
}

/// Every entry of every policy, with its policy.
pub(crate) fn entries(project: &Project) -> impl Iterator<Item = (&CorsPolicy, &OriginEntry)> {
    project.policies.iter().flat_map(|p| p.origins.entries.iter().map(move |e| (p, e)))
}

/// `seconds` in words when it is a whole number of minutes, hours or days: `20 days`.
pub(crate) fn in_words(seconds: u64) -> Option<String> {
    let unit = |n: u64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    [(86400, "day"), (3600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds >= *size && seconds.is_multiple_of(*size))
        .map(|(size, name)| unit(seconds / size, name))
}

/// `1728000 s (20 days)`.
pub(crate) fn duration(seconds: u64) -> String {
    match in_words(seconds) {
        Some(words) => format!("{seconds} s ({words})"),
        None => format!("{seconds} s"),
    }
}
