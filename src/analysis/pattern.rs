//! Origin patterns against the attack origins of semantics.md section 6 (CORS102, 103, 106).
//!
//! [`analyze_pattern`] derives the origins a pattern was written for (see `intent.rs`), builds
//! the attack set for each (prefix `https://app.example.com.evil.com`, suffix
//! `https://evilexample.com`, `https://xample.com`, unescaped dot `https://appaexample.com`,
//! `_` special character, any subdomain `https://evil.<parent>`, wildcard refilled with `evil`,
//! `http://` downgrade, third-party hosts) and runs each through the pattern *with the layer's
//! semantics* (see `matcher.rs`).
//!
//! What counts as a real attack: an origin a browser can send (a serialized origin) whose host
//! an attacker can obtain (it has a registrable domain under a listed public suffix, so
//! `https://app.exampleacom` does not count) on another site than every intended origin (so
//! `https://evil.example.com` for `https://.*\.example\.com` is intended); or `http://` for a
//! non-loopback host the pattern was written for with `https://` only. Hence a pattern that
//! spells out `https://host` is safe without `^` (nothing a browser sends has text before the
//! scheme) and, with an explicit port, without `$`.
//!
//! The cause is located by changing the pattern and testing the attack again: adding the missing
//! `$`/`^` (cause: the empty range where it goes), escaping one unescaped `.`, removing one
//! wildcard repetition (first keeping an intended origin accepted, then not).

use std::collections::BTreeSet;

use crate::analysis::cause::{AstNodes, Cause, Localizer, Prefer};
use crate::analysis::domain::{is_loopback_host, is_obtainable, is_public_suffix, registrable_domain, site_key};
use crate::analysis::intent::{attacker_fills, intended_origins, never_matching_problem};
use crate::analysis::memo::Memo;
use crate::analysis::origin::{OriginProblemKind, SerializedOrigin};
use crate::source::TextRange;

pub use crate::analysis::matcher::{MAX_PATTERN_LEN, MatchSemantics, OriginMatcher, Unanalyzable};

/// What lets an attack origin in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PatternFindingKind {
    /// A `.` meant as a dot matches any character (`https://appaexample.com`).
    UnescapedDot,
    /// Anyone can get a name directly under a public suffix the pattern opens
    /// (`https://.*\.vercel\.app`, glob `https://*.vercel.app`).
    AnySubdomainOfPublicSuffix,
    /// Text may follow the intended host (`https://app.example.com.evil.com`): no `$`, or a
    /// trailing wildcard.
    UnanchoredEnd,
    /// Text may precede the intended host (`https://evilexample.com`): no `^`.
    UnanchoredStart,
    /// A wildcard can end inside the registrable domain (`https://.*example\.com` accepts
    /// `https://evilexample.com`; `https://myapp-.*\.vercel\.app` accepts
    /// `https://myapp-evil.vercel.app`).
    UnboundedWildcard,
    /// `http://` accepted for a host the pattern meant with `https://`.
    SchemeDowngrade,
    /// An unrelated or code-hosting site (`https://evil.com`, `https://codepen.io`).
    ThirdParty,
}

/// One attack origin the pattern accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternFinding {
    pub kind: PatternFindingKind,
    /// A concrete origin a browser can send that gets in.
    pub attack_origin: String,
    /// Byte range in the pattern as written; empty = where a missing `^`/`$` goes.
    pub cause_range: Option<TextRange>,
    pub explanation: String,
}

/// Result of [`analyze_pattern`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatternReport {
    /// Set when the pattern could not be analysed; everything else is then empty/false.
    pub unanalyzable: Option<Unanalyzable>,
    /// Accepts unrelated origins of every kind (`.*`, `https?://.*`, `.+`): CORS102. Findings
    /// are then empty (one cause, one finding).
    pub accepts_any: bool,
    /// Matches the literal string `null` (CORS103; rules leave it to CORS102 when `accepts_any`).
    pub accepts_null: bool,
    /// The origins the pattern was written for, as derived (for messages).
    pub intended_origins: Vec<String>,
    /// Set when no origin could be derived but the pattern requires something browsers never
    /// send in `Origin` (CORS104): a trailing `/` or path, upper case under case-sensitive
    /// matching, a default port. Derived from samples: `None` does not prove the pattern matches.
    pub never_matches: Option<OriginProblemKind>,
    /// CORS106 findings, at most one per cause.
    pub findings: Vec<PatternFinding>,
}

const ANY_PROBES: [&str; 3] = ["https://evil.com", "https://attacker.net", "https://x1-evil.org"];
const THIRD_PARTIES: [&str; 7] = [
    "https://evil.com",
    "https://whatever.github.io",
    "http://jsbin.com",
    "https://codepen.io",
    "https://jsfiddle.net",
    "http://www.webdevout.net",
    "https://repl.it",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    Prefix,
    Suffix,
    DotSwap,
    AnySub { public: bool },
    Refill,
    Downgrade,
    ThirdParty,
}

/// The reports already computed in this process: several rules ask about each entry, and one
/// analysis compiles dozens of regexes.
static ANALYSED: Memo<(String, MatchSemantics), PatternReport> = Memo::new();

/// Analyses an origin `pattern` as the layer with `semantics` runs it (memoised: the analysis is
/// a function of its arguments).
pub fn analyze_pattern(pattern: &str, semantics: MatchSemantics) -> PatternReport {
    ANALYSED.get_or_compute((pattern.to_owned(), semantics), || analyze_uncached(pattern, semantics))
}

fn analyze_uncached(pattern: &str, semantics: MatchSemantics) -> PatternReport {
    let matcher = match OriginMatcher::new(pattern, semantics) {
        Ok(matcher) => matcher,
        Err(reason) => {
            return PatternReport { unanalyzable: Some(reason), ..PatternReport::default() };
        }
    };
    let accepts_any = ANY_PROBES.iter().all(|o| matcher.is_match(o));
    let accepts_null = matcher.is_match("null");
    let intended = intended_origins(&matcher);
    let mut report = PatternReport {
        unanalyzable: None,
        accepts_any,
        accepts_null,
        intended_origins: intended.iter().map(ToString::to_string).collect(),
        never_matches: None,
        findings: Vec::new(),
    };
    if intended.is_empty() && !accepts_any && !accepts_null {
        report.never_matches = never_matching_problem(&matcher);
    }
    if accepts_any {
        return report;
    }
    let sites: BTreeSet<String> = intended.iter().map(|o| site_key(&o.host)).collect();
    let nodes = AstNodes::of(&matcher.translated.regex);
    let mut localizer = Localizer::new(&matcher, &nodes, &intended);
    let mut seen = BTreeSet::new();
    let mut ranked: Vec<(usize, PatternFinding)> = Vec::new();
    for (order, (probe, attack)) in candidates(&intended, &matcher).into_iter().enumerate() {
        let key = attack.to_string();
        if !seen.insert(key.clone()) || !matcher.is_match(&key) || !is_attack(probe, &attack, &intended, &sites) {
            continue;
        }
        let prefer = match probe {
            Probe::DotSwap => Prefer::Dots,
            Probe::Suffix => Prefer::StartAnchor,
            _ => Prefer::EndAnchor,
        };
        let cause = localizer.locate(&key, prefer);
        let kind = kind_of(probe, cause);
        let cause_range = cause.map(|c| match c {
            Cause::MissingStart => TextRange::new(0, 0),
            Cause::MissingEnd => TextRange::new(pattern.len(), pattern.len()),
            Cause::Dot(r) | Cause::Wildcard(r) => matcher.translated.to_original(r),
        });
        let explanation = explain(kind, &key, &attack.host);
        let finding = (order, PatternFinding { kind, attack_origin: key, cause_range, explanation });
        // One cause, one finding: the most specific kind, then https, then the earliest probe.
        let rank = |(order, f): &(usize, PatternFinding)| (f.kind, !f.attack_origin.starts_with("https:"), *order);
        let same_cause = |(_, f): &&mut (usize, PatternFinding)| match (f.cause_range, cause_range) {
            (Some(a), Some(b)) => a == b,
            _ => f.kind == kind,
        };
        match ranked.iter_mut().find(same_cause) {
            Some(existing) if rank(&finding) < rank(existing) => *existing = finding,
            Some(_) => {}
            None => ranked.push(finding),
        }
    }
    report.findings = ranked.into_iter().map(|(_, f)| f).collect();
    report.findings.sort_by_key(|f| (f.kind, f.cause_range));
    report
}

/// The attack set for each intended origin, most specific first, then the third parties.
fn candidates(intended: &[SerializedOrigin], matcher: &OriginMatcher) -> Vec<(Probe, SerializedOrigin)> {
    // Wildcards refilled with `evil` first: they name the most readable attack for a wildcard.
    let mut out: Vec<(Probe, String)> = attacker_fills(matcher)
        .iter()
        .map(|o| {
            // The wildcard filled a whole label right under a public suffix: `evil.vercel.app`.
            let whole_label = o.host.split_once('.').filter(|(label, _)| *label == "evil");
            let parent_is_public = whole_label.is_some_and(|(_, parent)| is_public_suffix(parent));
            (if parent_is_public { Probe::AnySub { public: true } } else { Probe::Refill }, o.to_string())
        })
        .collect();
    for o in intended {
        let (s, h) = (&o.scheme, &o.host);
        let port = o.port.map(|p| format!(":{p}")).unwrap_or_default();
        for (i, _) in h.match_indices('.') {
            out.push((Probe::DotSwap, format!("{s}://{}a{}{port}", &h[..i], &h[i + 1..])));
        }
        let mut parent = h.as_str();
        loop {
            let public = is_public_suffix(parent);
            out.push((Probe::AnySub { public }, format!("{s}://evil.{parent}{port}")));
            match parent.split_once('.') {
                Some((_, rest)) => parent = rest,
                None => break,
            }
        }
        out.push((Probe::Prefix, format!("{s}://{h}.evil.com{port}")));
        out.push((Probe::Prefix, format!("{s}://{h}_.evil.com{port}")));
        let registrable = registrable_domain(h).unwrap_or_else(|| h.clone());
        out.push((Probe::Suffix, format!("{s}://evil{registrable}{port}")));
        out.push((Probe::Suffix, format!("{s}://evil{h}{port}")));
        if let Some(rest) = registrable.get(1..) {
            out.push((Probe::Suffix, format!("{s}://{rest}{port}")));
        }
        if s == "https" {
            out.push((Probe::Downgrade, format!("http://{h}{port}")));
        }
    }
    out.extend(THIRD_PARTIES.iter().map(|t| (Probe::ThirdParty, (*t).to_owned())));
    out.into_iter().filter_map(|(p, s)| SerializedOrigin::parse(&s).map(|o| (p, o))).collect()
}

fn is_attack(probe: Probe, attack: &SerializedOrigin, intended: &[SerializedOrigin], sites: &BTreeSet<String>) -> bool {
    if probe == Probe::Downgrade {
        // Only when every intended origin for this host is https: `https?://` means both.
        return !is_loopback_host(&attack.host)
            && !intended.iter().any(|o| o.host == attack.host && o.scheme == "http");
    }
    is_obtainable(&attack.host) && !sites.contains(&site_key(&attack.host))
}

fn kind_of(probe: Probe, cause: Option<Cause>) -> PatternFindingKind {
    use PatternFindingKind as K;
    match (probe, cause) {
        (Probe::Downgrade, _) => K::SchemeDowngrade,
        (_, Some(Cause::Dot(_))) => K::UnescapedDot,
        (Probe::AnySub { public: true }, _) => K::AnySubdomainOfPublicSuffix,
        (_, Some(Cause::MissingEnd)) => K::UnanchoredEnd,
        (_, Some(Cause::MissingStart)) => K::UnanchoredStart,
        (Probe::Prefix, _) => K::UnanchoredEnd,
        (Probe::DotSwap, None) => K::UnescapedDot,
        (Probe::ThirdParty, _) => K::ThirdParty,
        _ => K::UnboundedWildcard,
    }
}

fn explain(kind: PatternFindingKind, attack: &str, host: &str) -> String {
    use PatternFindingKind as K;
    let why = match kind {
        K::UnescapedDot => "an unescaped `.` matches any character; write `\\.`".to_owned(),
        K::AnySubdomainOfPublicSuffix => {
            let suffix = host.split_once('.').map_or(host, |(_, rest)| rest);
            format!("anyone can create a site under `{suffix}`, a public suffix")
        }
        K::UnanchoredEnd => {
            "the pattern is not anchored at the end, so any host that starts with the allowed one matches".to_owned()
        }
        K::UnanchoredStart => {
            "the pattern is not anchored at the start, so any host that ends with the allowed one matches".to_owned()
        }
        K::UnboundedWildcard => {
            "a wildcard covers part of the registrable domain, so anyone who registers a matching name gets in"
                .to_owned()
        }
        K::SchemeDowngrade => {
            "the pattern was written for `https://` but also matches `http://`, which a network attacker controls"
                .to_owned()
        }
        K::ThirdParty => "the pattern matches a site anyone can publish on or own".to_owned(),
    };
    format!("accepts `{attack}`: {why}")
}

#[cfg(test)]
#[path = "pattern_tests.rs"]
mod tests;
