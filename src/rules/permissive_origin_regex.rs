//! CORS106: an origin regex or glob that accepts attacker-controlled origins, judged with the
//! layer's own matching (see `analysis::pattern`). One finding per cause, naming an origin that
//! gets in and pointing at the character that lets it in. Patterns that accept everything are
//! CORS102.

use crate::analysis::pattern::{PatternFinding, PatternFindingKind};
use crate::diagnostic::Severity;
use crate::model::{OriginEntry, PatternSemantics, Project};
use crate::rules::origin_support::{
    analyzed_pattern, credentials_allowed, entries, label_with_credentials, pattern_noun, semantics_of, span_within,
};
use crate::rules::{Rule, Sink};

pub struct PermissiveOriginRegex;

impl Rule for PermissiveOriginRegex {
    const CODE: &'static str = "CORS106";
    const NAME: &'static str = "permissive-origin-regex";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            let Some((pattern, report)) = analyzed_pattern(entry) else { continue };
            if report.accepts_any {
                continue; // CORS102
            }
            let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
            for finding in &report.findings {
                let span = match finding.cause_range {
                    Some(range) => span_within(project, entry, pattern, range),
                    None => entry.span,
                };
                let message = format!("the {noun} `{pattern}` {}", finding.explanation);
                let diagnostic = sink.report(span, message).help(help(entry, pattern, finding));
                let primary = if span == entry.span {
                    format!("accepts `{}`", finding.attack_origin)
                } else {
                    label(finding).to_owned()
                };
                if credentials_allowed(policy) {
                    label_with_credentials(diagnostic, policy, &primary);
                } else {
                    diagnostic.primary(primary);
                }
            }
        }
    }
}

fn label(finding: &PatternFinding) -> &'static str {
    use PatternFindingKind as K;
    let empty = finding.cause_range.is_some_and(|r| r.is_empty());
    match finding.kind {
        K::UnescapedDot => "matches any character",
        K::AnySubdomainOfPublicSuffix => "anyone can create a site here",
        K::UnanchoredEnd if empty => "nothing stops the match here",
        K::UnanchoredEnd => "lets any text follow the host",
        K::UnanchoredStart if empty => "nothing anchors the start here",
        K::UnanchoredStart => "lets any text precede the host",
        K::UnboundedWildcard => "can end inside the domain name",
        K::SchemeDowngrade => "also matches `http`",
        K::ThirdParty => "matches sites anyone can own",
    }
}

/// What to write instead, as a corrected pattern when the change is mechanical.
fn help(entry: &OriginEntry, pattern: &str, finding: &PatternFinding) -> String {
    use PatternFindingKind as K;
    let glob = semantics_of(entry) == Some(PatternSemantics::Glob);
    let range = finding.cause_range.filter(|r| pattern.get(r.start..r.end).is_some());
    let cause = range.and_then(|r| pattern.get(r.start..r.end));
    let split = range.and_then(|r| pattern.split_at_checked(r.start));
    match (finding.kind, range) {
        (K::UnescapedDot, _) if cause == Some(".") && split.is_some() => {
            let (before, after) = split.unwrap_or_default();
            format!("escape the dot: `{before}\\{after}`")
        }
        (K::UnanchoredEnd, Some(r)) if r.is_empty() && r.start == pattern.len() => {
            format!("end the pattern with `$`: `{pattern}$`")
        }
        (K::UnanchoredStart, Some(r)) if r.is_empty() && r.start == 0 => {
            format!("start the pattern with `^`: `^{pattern}`")
        }
        (K::UnboundedWildcard, _) if !glob => match cause {
            Some(wildcard) => {
                format!("let the wildcard cover whole labels only: `[a-z0-9-]+\\.` instead of `{wildcard}`")
            }
            None => "let wildcards cover whole labels only, e.g. `https://[a-z0-9-]+\\.example\\.com`".to_owned(),
        },
        (K::SchemeDowngrade, _) => "require `https://` (e.g. `https://` instead of `https?://`)".to_owned(),
        (K::AnySubdomainOfPublicSuffix, _) => {
            "list the exact origins of your own deployments (e.g. `https://myapp.vercel.app`) instead of every \
             site under a public suffix"
                .to_owned()
        }
        (K::ThirdParty, _) => "trust only the exact origins of your own frontends".to_owned(),
        _ if glob => "list the exact origins of your frontends".to_owned(),
        _ => "anchor the pattern (`^...$`), escape every dot (`\\.`) and let wildcards cover whole labels only"
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, OriginKind, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn run(
        layer: Layer,
        semantics: PatternSemantics,
        text: &str,
        pattern: &str,
    ) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(layer);
        let kind = OriginKind::Pattern { pattern: pattern.into(), semantics };
        p.origins.entries.push(b.entry(kind, pattern));
        b.project.policies.push(p);
        let found = b.run::<PermissiveOriginRegex>();
        (b, found)
    }

    const TRAEFIK: PatternSemantics = PatternSemantics::Search { case_insensitive: false };

    #[test]
    fn unanchored_go_regex_names_the_origin_and_the_missing_anchor() {
        let pattern = r"^https://app\.example\.com";
        let (b, found) =
            run(Layer::Traefik, TRAEFIK, &format!("accessControlAllowOriginListRegex: ['{pattern}']"), pattern);
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert_eq!(d.severity, Severity::Error);
        assert!(
            d.message.starts_with("the origin regex `^https://app\\.example\\.com` accepts `https://app.example.com."),
            "{}",
            d.message
        );
        assert_eq!(b.at(d.span), "");
        assert_eq!(d.span.start(), b.span(pattern).end());
        assert_eq!(d.primary_label.as_deref(), Some("nothing stops the match here"));
        assert_eq!(d.help.as_deref(), Some("end the pattern with `$`: `^https://app\\.example\\.com$`"));
    }

    #[test]
    fn a_search_without_scheme_or_start_anchor() {
        let pattern = r"example\.com$";
        let (b, found) =
            run(Layer::Nginx, TRAEFIK, &format!("map $http_origin $c {{ ~{pattern} $http_origin; }}"), pattern);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("accepts `https://evilexample.com`"), "{}", found[0].message);
        assert_eq!(found[0].span.start(), b.span(pattern).start());
        assert_eq!(found[0].help.as_deref(), Some("start the pattern with `^`: `^example\\.com$`"));
    }

    #[test]
    fn unescaped_dot_is_pointed_at() {
        let pattern = r"https://app.example\.com";
        let (b, found) =
            run(Layer::Starlette, PatternSemantics::FullMatch, &format!("allow_origin_regex=r\"{pattern}\""), pattern);
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert_eq!(b.at(d.span), ".");
        assert_eq!(d.span.start(), b.span(pattern).start() + "https://app".len());
        assert!(d.message.contains("accepts `https://appaexample.com`"), "{}", d.message);
        assert_eq!(d.help.as_deref(), Some("escape the dot: `https://app\\.example\\.com`"));
    }

    #[test]
    fn ingress_glob_under_a_public_suffix() {
        let text = "nginx.ingress.kubernetes.io/cors-allow-origin: \"https://*.vercel.app\"";
        let (b, found) = run(Layer::IngressNginx, PatternSemantics::Glob, text, "https://*.vercel.app");
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0];
        assert!(d.message.starts_with("the origin glob `https://*.vercel.app` accepts `https://evil.vercel.app`"));
        assert_eq!(b.at(d.span), "*");
        assert!(d.help.as_deref().is_some_and(|h| h.contains("https://myapp.vercel.app")));
    }

    #[test]
    fn credentials_are_labelled() {
        let pattern = r"https://.*example\.com";
        let text = format!("allow_origin_regex=r\"{pattern}\", allow_credentials=True");
        let mut b = Builder::new(FileKind::Python, &text);
        let mut p = b.policy(Layer::Starlette);
        let kind = OriginKind::Pattern { pattern: pattern.into(), semantics: PatternSemantics::FullMatch };
        p.origins.entries.push(b.entry(kind, pattern));
        p.credentials = b.credentials(Value::Known(true), "allow_credentials=True");
        b.project.policies.push(p);
        let found = b.run::<PermissiveOriginRegex>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(b.at(found[0].span), ".*");
        assert!(found[0].message.contains("accepts `https://evilexample.com`"));
        assert_eq!(b.labels(&found[0]), [("allow_credentials=True", "credentials are allowed here")]);
    }

    #[test]
    fn safe_and_allow_everything_patterns_are_silent() {
        for (semantics, pattern) in [
            (PatternSemantics::FullMatch, r"https://[a-z0-9-]+\.example\.com"),
            (TRAEFIK, r"^https://(app|admin)\.example\.com$"),
            (PatternSemantics::Glob, "https://*.example.com"),
            (PatternSemantics::FullMatch, ".*"),
        ] {
            let (_, found) = run(Layer::Starlette, semantics, &format!("x: '{pattern}'"), pattern);
            assert_eq!(found, [], "{pattern}");
        }
    }
}
