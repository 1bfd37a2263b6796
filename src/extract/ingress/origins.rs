//! `cors-allow-origin` as ingress-nginx reads it.
//!
//! ingress-nginx renders `if ($http_origin ~* ((o1)|(o2))$)` with each origin quoted and its first
//! `*` turned into `[A-Za-z0-9\-]+`. For a validated exact origin this is the same as a
//! case-insensitive exact match on any origin a browser can send (an origin is
//! `scheme://host[:port]`, so nothing can stand before a match that ends the string), so exact
//! origins are `OriginKind::Literal`, lower-cased as browsers send them; origins with `*.` are
//! `PatternSemantics::Glob` patterns (one DNS label), written as configured.

use super::matches;
use crate::extract::yaml::{for_every_substitution, with_placeholders_as};
use crate::model::deploy::{Annotation, OriginNote, Written};
use crate::model::{OriginEntry, OriginKind, Origins, PatternSemantics};
use crate::source::{Span, Spanned};
use regex::Regex;
use std::sync::LazyLock;

/// ingress-nginx's validator for the whole `cors-allow-origin` value (after removing spaces).
static ORIGIN_VALUE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?,?)|null)+)|\*)?$").ok());
/// Its check of each origin once the value passed; an origin failing it is skipped.
static ONE_ORIGIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([a-z]+://(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?|\*|null)?$").ok());
/// What one origin may look like for the whole value to pass (used to find the one that did not).
static ORIGIN_ELEMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?|null)$").ok());

fn entry(kind: OriginKind, w: &Written) -> OriginEntry {
    OriginEntry { kind, span: w.span, text_start: w.text_start }
}

/// `cors-allow-origin` as ingress-nginx reads it.
pub(super) fn origins(annotation: Option<&Annotation>, enable: Span) -> (Origins, Vec<OriginNote>) {
    let mut origins = Origins::default();
    let mut notes = Vec::new();
    let Some(annotation) = annotation else {
        origins.entries.push(OriginEntry { kind: OriginKind::Any, span: enable, text_start: None });
        return (origins, notes);
    };
    let value = &annotation.value;
    let trimmed = value.value.trim();
    // With placeholders, the value is valid unless some part fails whatever they stand for; the
    // parts without one are then read as written, and the others are Unknown.
    let templated = value.has_placeholder();
    let valid = if templated {
        !invalid_whatever_placeholders(&value.comma_parts())
    } else {
        let stripped: String = trimmed.chars().filter(|&c| c != ' ').collect();
        !trimmed.is_empty() && !trimmed.contains(['\n', '\r']) && matches(&ORIGIN_VALUE, &stripped)
    };
    if !valid {
        let parts = value.comma_parts();
        let offending = parts
            .iter()
            .find(|p| {
                let compact: String = with_placeholders_as(&p.value, "").chars().filter(|&c| c != ' ').collect();
                !element_ok(&p.value) && (p.has_placeholder() || !compact.is_empty())
            })
            .map_or_else(|| Spanned::new(value.value.clone(), value.span), |p| Spanned::new(p.value.clone(), p.span));
        let reason = if trimmed.is_empty() {
            "it is empty".to_string()
        } else {
            why_invalid(&with_placeholders_as(&offending.value, "app.example.com"))
        };
        notes.push(OriginNote::InvalidValueAllowsAny { value: value.span, offending, reason });
        origins.entries.push(entry(OriginKind::Any, value));
        return (origins, notes);
    }
    let mut kept: Vec<Written> = Vec::new();
    origins.has_unknown = templated;
    for part in value.comma_parts().into_iter().filter(|p| !p.has_placeholder()) {
        if part.value == "*" {
            origins.entries = vec![entry(OriginKind::Any, &part)];
            return (origins, Vec::new());
        }
        if !matches(&ONE_ORIGIN, &part.value) {
            // Dropped by ingress-nginx; kept here as an origin that never matches, so it is reported as such.
            notes.push(OriginNote::OriginSkipped {
                origin: Spanned::new(part.value.clone(), part.span),
                reason: why_skipped(&part.value),
            });
            origins.entries.push(entry(OriginKind::Literal(part.value.clone()), &part));
            continue;
        }
        kept.push(part);
    }
    let empty = kept.iter().find(|p| p.value.is_empty()).map(|p| p.span);
    if (kept.is_empty() && !templated) || empty.is_some() {
        let at = empty.unwrap_or(value.span);
        notes.push(OriginNote::EmptyAlternativeMatchesAny { at });
        origins.entries.push(OriginEntry { kind: OriginKind::Reflect, span: at, text_start: None });
    }
    for part in kept.into_iter().filter(|p| !p.value.is_empty()) {
        let kind = if part.value.contains('*') {
            OriginKind::Pattern { pattern: part.value.clone(), semantics: PatternSemantics::Glob }
        } else {
            OriginKind::Literal(part.value.to_ascii_lowercase())
        };
        origins.entries.push(entry(kind, &part));
    }
    origins.entries.sort_by_key(|e| e.span);
    (origins, notes)
}

/// Whether one origin may stand in a `cors-allow-origin` list (spaces are removed first).
fn element_ok(part: &str) -> bool {
    let compact: String = part.chars().filter(|&c| c != ' ').collect();
    compact.is_empty() || matches(&ORIGIN_ELEMENT, &compact)
}

/// A templated `cors-allow-origin` fails ingress-nginx's validation whatever its placeholders
/// stand for: a `*` beside other origins, or a part that is never a valid origin.
fn invalid_whatever_placeholders(parts: &[Written]) -> bool {
    (parts.len() > 1 && parts.iter().any(|p| p.value == "*"))
        || parts.iter().any(|p| {
            if p.has_placeholder() {
                for_every_substitution(&p.value, |probe| !element_ok(probe) || (probe == "*" && parts.len() > 1))
            } else {
                !element_ok(&p.value)
            }
        })
}

/// Why an origin fails ingress-nginx's validation, in words.
fn why_invalid(origin: &str) -> String {
    let after_scheme = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let scheme = origin.split_once("://").map(|(s, _)| s);
    if origin == "*" {
        return "`*` is mixed with other origins".to_string();
    }
    if after_scheme.contains('/') {
        return "it has a path or a trailing `/`".to_string();
    }
    if scheme.is_some_and(|s| s.chars().any(|c| c.is_ascii_uppercase())) {
        return "its scheme is upper-case".to_string();
    }
    let stray_star = !after_scheme.starts_with("*.") || after_scheme.get(1..).is_some_and(|r| r.contains('*'));
    if origin.contains('*') && stray_star {
        return "its `*` is not a leading `*.` wildcard".to_string();
    }
    match origin.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '/' | '*' | ' '))) {
        Some(c) => format!("it contains `{}`, which ingress-nginx does not accept in an origin", c.escape_default()),
        None => "it does not look like `https://host[:port]`".to_string(),
    }
}

/// Why an origin that passed the whole-value check is dropped.
fn why_skipped(origin: &str) -> String {
    if !origin.contains("://") { "it has no scheme (`https://`)".to_string() } else { why_invalid(origin) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ingress::test_support::{ingress, kinds, policy_of};

    #[test]
    fn origin_list_is_split_with_exact_spans() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://App.example.com, https://*.example.org,null\"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: \"false\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert_eq!(
            kinds(p),
            vec![
                OriginKind::Literal("https://app.example.com".into()),
                OriginKind::Pattern { pattern: "https://*.example.org".into(), semantics: PatternSemantics::Glob },
                OriginKind::Literal("null".into()),
            ]
        );
        let texts: Vec<&str> = p.origins.entries.iter().map(|e| &text[e.span.start()..e.span.end()]).collect();
        assert_eq!(texts, vec!["https://App.example.com", "https://*.example.org", "null"]);
        assert_eq!(p.origins.entries[1].text_start, Some(p.origins.entries[1].span.start()));
        assert_eq!(p.credentials.known(), Some(&false));
        assert!(p.credentials.explicit);
    }

    #[test]
    fn invalid_origin_falls_back_to_any_and_says_why() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://app.example.com/, https://b.example.com\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert_eq!(kinds(p), vec![OriginKind::Any]);
        let notes = &project.deploy.ingress_of(p).unwrap().cors.as_ref().unwrap().origin_notes;
        match &notes[..] {
            [OriginNote::InvalidValueAllowsAny { offending, reason, .. }] => {
                assert_eq!(offending.value, "https://app.example.com/");
                assert_eq!(&text[offending.span.start()..offending.span.end()], "https://app.example.com/");
                assert!(reason.contains("trailing"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_placeholder_leaves_the_other_origins_known() {
        let annotation = |origin: &str| {
            ingress(&format!(
                "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"{origin}\"\n"
            ))
        };
        let (project, _) = policy_of(&annotation("https://${DOMAIN}, https://App.example.com"));
        let p = &project.policies[0];
        assert!(p.origins.has_unknown);
        assert_eq!(kinds(p), vec![OriginKind::Literal("https://app.example.com".into())]);
        // Unknown alone: no entry, and no reflection.
        let (project, _) = policy_of(&annotation("{{ .Values.origin }}"));
        assert!(project.policies[0].origins.has_unknown && project.policies[0].origins.entries.is_empty());
        // A `*` beside it, or a part no value makes valid: ingress-nginx falls back to `*`.
        for value in ["https://${DOMAIN}, *", "https://${DOMAIN}/app"] {
            let (project, _) = policy_of(&annotation(value));
            assert_eq!(kinds(&project.policies[0]), vec![OriginKind::Any], "{value}");
            assert!(!project.policies[0].origins.has_unknown, "{value}");
        }
    }

    #[test]
    fn star_in_list_collapses_and_empty_alternative_reflects() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://a.example.com,\"\n",
        );
        let (project, _) = policy_of(&text);
        assert_eq!(
            kinds(&project.policies[0]),
            vec![OriginKind::Literal("https://a.example.com".into()), OriginKind::Reflect]
        );
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"example.com\"\n",
        );
        let (project, _) = policy_of(&text);
        assert_eq!(kinds(&project.policies[0]), vec![OriginKind::Reflect, OriginKind::Literal("example.com".into())]);
    }
}
