//! CORS108: only where the user declared `allowed-origins`: a trusted origin outside that set.
//! Every origin (`*`, an echo, a regex that accepts everything) is always outside; a pattern is
//! outside when an origin it was written for is. Entries that never match trust nothing (CORS104).
//!
//! `allowed-origins` entries are origins (`https://app.example.com`, compared as browsers send
//! them), `null`, `*`, or `scheme://*.domain[:port]` for every subdomain of `domain`.

use crate::analysis::origin::{LiteralContext, OriginValue, SerializedOrigin, check_origin_literal};
use crate::diagnostic::Severity;
use crate::model::{OriginKind, Project};
use crate::rules::origin_support::{analyzed_pattern, entries, pattern_noun, semantics_of};
use crate::rules::{Rule, Sink};

pub struct OriginOutsidePolicy;

impl Rule for OriginOutsidePolicy {
    const CODE: &'static str = "CORS108";
    const NAME: &'static str = "origin-outside-policy";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            let Some(declared) = project.allowed_origins.get(&entry.span.file) else { continue };
            let allowed = Allowed::parse(declared);
            if allowed.any {
                continue;
            }
            let listed = listing(declared);
            let (message, example) = match &entry.kind {
                OriginKind::Any | OriginKind::Reflect => (every_origin(policy.layer.name(), &listed), None),
                OriginKind::Literal(value) => {
                    let check = check_origin_literal(value, policy.layer.spec().literal_context());
                    if check.never_matches() {
                        continue;
                    }
                    match &check.value {
                        OriginValue::Any => (every_origin(policy.layer.name(), &listed), None),
                        OriginValue::Null if !allowed.null => (
                            format!("`null` is trusted here but is not in `allowed-origins` ({listed})"),
                            Some("null".to_owned()),
                        ),
                        OriginValue::Origin(o) if !allowed.admits(o) => (
                            format!("`{o}` is trusted here but is not in `allowed-origins` ({listed})"),
                            Some(o.to_string()),
                        ),
                        _ => continue,
                    }
                }
                OriginKind::Pattern { pattern, .. } => {
                    let Some((_, report)) = analyzed_pattern(entry) else { continue };
                    let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
                    if report.accepts_any {
                        (
                            format!(
                                "the {noun} `{pattern}` trusts every origin, but `allowed-origins` permits only {listed}"
                            ),
                            None,
                        )
                    } else {
                        let mut outside: Vec<String> = report
                            .intended_origins
                            .iter()
                            .filter(|o| SerializedOrigin::parse(o).is_some_and(|o| !allowed.admits(&o)))
                            .cloned()
                            .collect();
                        if report.accepts_null && !allowed.null {
                            outside.push("null".to_owned());
                        }
                        let Some(first) = outside.first() else { continue };
                        (
                            format!(
                                "the {noun} `{pattern}` trusts origins outside `allowed-origins` ({listed}), e.g. `{first}`"
                            ),
                            None,
                        )
                    }
                }
            };
            let help = match example {
                Some(origin) => format!(
                    "trust only origins from `allowed-origins`, or add `{origin}` to it in the corslint configuration \
                     if it may be trusted"
                ),
                None => "trust only origins from `allowed-origins`, listed one by one".to_owned(),
            };
            sink.report(entry.span, message).primary("not in `allowed-origins`").help(help);
        }
    }
}

fn every_origin(layer: &str, listed: &str) -> String {
    format!("{layer} trusts every origin here, but `allowed-origins` permits only {listed}")
}

/// The declared origins for a message: at most three, then how many more.
fn listing(declared: &[String]) -> String {
    let shown: Vec<String> = declared.iter().take(3).map(|o| format!("`{o}`")).collect();
    match declared.len().saturating_sub(3) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The declared set, as origins browsers send.
#[derive(Debug, Default)]
struct Allowed {
    any: bool,
    null: bool,
    exact: Vec<SerializedOrigin>,
    /// `scheme://*.parent[:port]`: the origin with `host` = `parent`'s subdomains.
    subdomains: Vec<SerializedOrigin>,
}

impl Allowed {
    fn parse(declared: &[String]) -> Self {
        let ctx = LiteralContext { glob_wildcards: true, case_insensitive: true };
        let mut allowed = Allowed::default();
        for entry in declared {
            match check_origin_literal(entry, ctx).value {
                OriginValue::Any => allowed.any = true,
                OriginValue::Null => allowed.null = true,
                OriginValue::Origin(o) => match o.host.strip_prefix("*.") {
                    Some(parent) => allowed.subdomains.push(SerializedOrigin { host: parent.to_owned(), ..o.clone() }),
                    None => allowed.exact.push(o),
                },
                // Not an origin: admits nothing.
                OriginValue::Invalid => {}
            }
        }
        allowed
    }

    fn admits(&self, origin: &SerializedOrigin) -> bool {
        self.exact.contains(origin)
            || self.subdomains.iter().any(|s| {
                s.scheme == origin.scheme
                    && s.port == origin.port
                    && origin
                        .host
                        .strip_suffix(s.host.as_str())
                        .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, OriginEntry, PatternSemantics};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn run(
        declared: Option<&[&str]>,
        text: &str,
        entries: impl Fn(&Builder) -> Vec<OriginEntry>,
    ) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        p.origins.entries = entries(&b);
        b.project.policies.push(p);
        if let Some(declared) = declared {
            b.project.allowed_origins.insert(0, declared.iter().map(|s| (*s).to_owned()).collect());
        }
        let found = b.run::<OriginOutsidePolicy>();
        (b, found)
    }

    const TEXT: &str = "allow_origins=[\"https://app.example.com\", \"https://evil.example.org\", \"*\"]";

    #[test]
    fn origins_outside_the_declared_set() {
        let (b, found) = run(Some(&["https://app.example.com"]), TEXT, |b| {
            vec![
                b.literal("https://app.example.com"),
                b.literal("https://evil.example.org"),
                b.entry(OriginKind::Any, "*"),
            ]
        });
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(b.at(found[0].span), "\"https://evil.example.org\"");
        assert_eq!(
            found[0].message,
            "`https://evil.example.org` is trusted here but is not in `allowed-origins` (`https://app.example.com`)"
        );
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].primary_label.as_deref(), Some("not in `allowed-origins`"));
        assert!(found[0].help.as_deref().is_some_and(|h| h.contains("add `https://evil.example.org` to it")));
        assert_eq!(b.at(found[1].span), "\"*\"");
        assert!(found[1].message.starts_with("Starlette trusts every origin here"));
    }

    #[test]
    fn nothing_without_the_setting_or_with_star() {
        let all = |b: &Builder| vec![b.literal("https://evil.example.org"), b.entry(OriginKind::Any, "*")];
        assert_eq!(run(None, TEXT, all).1, []);
        assert_eq!(run(Some(&["*"]), TEXT, all).1, []);
    }

    #[test]
    fn declared_origins_are_normalized_and_may_glob_subdomains() {
        let declared: &[&str] = &["HTTPS://App.Example.com/", "https://*.example.org"];
        let (_, found) = run(Some(declared), TEXT, |b| {
            vec![b.literal("https://app.example.com"), b.literal("https://evil.example.org")]
        });
        assert_eq!(found, []);
        let (_, found) = run(Some(&["https://*.example.org"]), "x = 'https://example.org'", |b| {
            vec![b.literal("https://example.org")]
        });
        assert_eq!(found.len(), 1, "a subdomain glob does not admit the parent itself");
    }

    #[test]
    fn patterns_are_judged_by_the_origins_they_were_written_for() {
        let pattern = r"https://[a-z]+\.example\.com";
        let text = format!("allow_origin_regex=r\"{pattern}\"");
        let entry = |b: &Builder| {
            let kind = OriginKind::Pattern { pattern: pattern.into(), semantics: PatternSemantics::FullMatch };
            vec![b.entry(kind, pattern)]
        };
        assert_eq!(run(Some(&["https://*.example.com"]), &text, entry).1, []);
        let (_, found) = run(Some(&["https://app.example.org"]), &text, entry);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with(
            "the origin regex `https://[a-z]+\\.example\\.com` trusts origins outside `allowed-origins` \
             (`https://app.example.org`), e.g. `https://"
        ));
    }

    #[test]
    fn never_matching_literals_trust_nothing() {
        let (_, found) = run(Some(&["https://app.example.com"]), "x = 'https://other.example.com/'", |b| {
            vec![b.literal("https://other.example.com/")]
        });
        assert_eq!(found, []);
    }

    #[test]
    fn long_listings_are_shortened() {
        let declared: Vec<String> = (1..=5).map(|i| format!("https://a{i}.example.com")).collect();
        assert_eq!(
            listing(&declared),
            "`https://a1.example.com`, `https://a2.example.com`, `https://a3.example.com` and 2 more"
        );
    }
}
