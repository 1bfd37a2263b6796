//! CORS103: `null` is a trusted origin: a literal `null`, or a pattern that accepts it (unless the
//! pattern accepts every origin, which is CORS102).

use crate::analysis::origin::check_origin_literal;
use crate::diagnostic::Severity;
use crate::model::{OriginKind, Project};
use crate::rules::origin_support::{
    analyzed_pattern, credentials_allowed, entries, label_with_credentials, pattern_noun, semantics_of,
};
use crate::rules::{Rule, Sink};

pub struct NullOriginAllowed;

const WHY: &str = "sandboxed iframes and `file:` pages send `Origin: null`, so any website can send it by loading \
                   itself in a sandboxed iframe";

impl Rule for NullOriginAllowed {
    const CODE: &'static str = "CORS103";
    const NAME: &'static str = "null-origin-allowed";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            let (message, primary, help) = match &entry.kind {
                OriginKind::Literal(value) if check_origin_literal(value, policy.layer.spec().literal_context()).is_null() => (
                    format!("`null` is a trusted origin: {WHY}"),
                    "trusts `Origin: null`".to_owned(),
                    "remove `null`; serve local or embedded pages from a real origin (e.g. `http://localhost:8080`) \
                     and list that"
                        .to_owned(),
                ),
                OriginKind::Pattern { pattern, .. } => match analyzed_pattern(entry) {
                    Some((_, report)) if report.accepts_null && !report.accepts_any => {
                        let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
                        (
                            format!("the {noun} `{pattern}` accepts the origin `null`: {WHY}"),
                            "matches `null`".to_owned(),
                            "make the pattern require `scheme://host`, e.g. start it with `https://`".to_owned(),
                        )
                    }
                    _ => continue,
                },
                _ => continue,
            };
            let diagnostic = sink.report(entry.span, message).help(help);
            if credentials_allowed(policy) {
                label_with_credentials(diagnostic, policy, &primary);
            } else {
                diagnostic.primary(primary);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, PatternSemantics, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    #[test]
    fn a_null_entry() {
        let text = "accessControlAllowOriginList:\n  - https://app.example.com\n  - \"null\"\n";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(Layer::Traefik);
        p.origins.entries.push(b.literal("https://app.example.com"));
        p.origins.entries.push(b.literal("null"));
        b.project.policies.push(p);
        let found = b.run::<NullOriginAllowed>();
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(b.at(d.span), "\"null\"");
        assert!(d.message.starts_with("`null` is a trusted origin: sandboxed iframes"));
        assert_eq!(d.primary_label.as_deref(), Some("trusts `Origin: null`"));
        assert!(d.labels.is_empty());
    }

    #[test]
    fn with_credentials_the_setting_is_labelled() {
        let text = "allow_origins=[\"null\"], allow_credentials=True";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        p.origins.entries.push(b.literal("null"));
        p.credentials = b.credentials(Value::Known(true), "allow_credentials=True");
        b.project.policies.push(p);
        let found = b.run::<NullOriginAllowed>();
        assert_eq!(b.labels(&found[0]), [("allow_credentials=True", "credentials are allowed here")]);
    }

    #[test]
    fn upper_case_null_is_null_only_where_case_is_ignored() {
        let text = "cors-allow-origin: \"NULL\"";
        for (layer, expected) in [(Layer::IngressNginx, 1), (Layer::Starlette, 0)] {
            let mut b = Builder::new(FileKind::Yaml, text);
            let mut p = b.policy(layer);
            p.origins.entries.push(b.literal("NULL"));
            b.project.policies.push(p);
            assert_eq!(b.run::<NullOriginAllowed>().len(), expected, "{layer:?}");
        }
    }

    #[test]
    fn a_pattern_that_accepts_null_but_not_everything() {
        let pattern = r"null|https://app\.example\.com";
        let text = format!("map $http_origin $cors {{ \"~^({pattern})$\" $http_origin; }}");
        let mut b = Builder::new(FileKind::Nginx, &text);
        let mut p = b.policy(Layer::Nginx);
        let full = format!("^({pattern})$");
        let kind = OriginKind::Pattern {
            pattern: full.clone(),
            semantics: PatternSemantics::Search { case_insensitive: false },
        };
        p.origins.entries.push(b.entry(kind, &full));
        b.project.policies.push(p);
        let found = b.run::<NullOriginAllowed>();
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .starts_with("the origin regex `^(null|https://app\\.example\\.com)$` accepts the origin `null`")
        );
    }

    #[test]
    fn an_everything_pattern_is_left_to_cors102() {
        let text = "allow_origin_regex=\".*\"";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        let kind = OriginKind::Pattern { pattern: ".*".into(), semantics: PatternSemantics::FullMatch };
        p.origins.entries.push(b.entry(kind, ".*"));
        b.project.policies.push(p);
        assert_eq!(b.run::<NullOriginAllowed>(), []);
    }
}
