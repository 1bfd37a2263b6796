//! CORS102: the request's `Origin` is echoed back without a real allowlist: a `Reflect` entry, or
//! a pattern that accepts every origin (`.*`). Such a pattern is not also CORS103/CORS106.

use crate::diagnostic::Severity;
use crate::model::{CorsPolicy, OriginEntry, OriginKind, Project};
use crate::rules::origin_support::{
    analyzed_pattern, credentials_allowed, entries, label_with_credentials, pattern_noun, semantics_of,
};
use crate::rules::{Rule, Sink};

pub struct ReflectedOrigin;

impl Rule for ReflectedOrigin {
    const CODE: &'static str = "CORS102";
    const NAME: &'static str = "reflected-origin";
    /// The default when credentials are allowed; info without them (it behaves like `*`).
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            let (what, primary) = match &entry.kind {
                OriginKind::Reflect => {
                    (policy.layer.spec().echoes_every_origin(), "the request's `Origin` is echoed back".to_owned())
                }
                OriginKind::Pattern { pattern, .. } => match analyzed_pattern(entry) {
                    Some((_, report)) if report.accepts_any => {
                        let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
                        (
                            format!(
                                "the {noun} `{pattern}` accepts every origin (`https://evil.com` among them), and {} \
                                 echoes it in `Access-Control-Allow-Origin`",
                                policy.layer.name()
                            ),
                            "matches every origin".to_owned(),
                        )
                    }
                    _ => continue,
                },
                OriginKind::Any | OriginKind::Literal(_) => continue,
            };
            report(sink, policy, entry, &what, &primary);
        }
    }
}

fn report(sink: &mut Sink, policy: &CorsPolicy, entry: &OriginEntry, what: &str, primary: &str) {
    let help = policy.layer.spec().allowlist_help();
    if credentials_allowed(policy) {
        let message = format!(
            "{what}, with `Access-Control-Allow-Credentials: true`: any website can read responses sent with the \
             user's cookies"
        );
        let diagnostic = sink.report(entry.span, message).help(help);
        label_with_credentials(diagnostic, policy, primary);
    } else {
        let message = format!(
            "{what}: any website can read these responses, and it becomes a hole the day credentials are allowed"
        );
        sink.report(entry.span, message).help(help).primary(primary).severity(Severity::Info);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, PatternSemantics, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn nginx(credentials: Value<bool>) -> Builder {
        let text = "location / {\n    add_header Access-Control-Allow-Origin $http_origin always;\n    \
                    add_header Access-Control-Allow-Credentials true always;\n}\n";
        let mut b = Builder::new(FileKind::Nginx, text);
        let mut p = b.policy(Layer::Nginx);
        p.origins.entries.push(b.entry(OriginKind::Reflect, "$http_origin"));
        p.credentials = b.credentials(credentials, "add_header Access-Control-Allow-Credentials true always;");
        b.project.policies.push(p);
        b
    }

    #[test]
    fn nginx_echo_with_credentials_is_an_error() {
        let b = nginx(Value::Known(true));
        let found = b.run::<ReflectedOrigin>();
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(b.at(d.span), "$http_origin");
        assert!(d.message.starts_with("`Access-Control-Allow-Origin` is set to `$http_origin` without an allowlist"));
        assert!(d.message.ends_with("any website can read responses sent with the user's cookies"));
        assert_eq!(d.primary_label.as_deref(), Some("the request's `Origin` is echoed back"));
        assert_eq!(
            b.labels(d),
            [("add_header Access-Control-Allow-Credentials true always;", "credentials are allowed here")]
        );
        assert!(d.help.as_deref().is_some_and(|h| h.contains("map $http_origin $cors_origin")));
    }

    #[test]
    fn without_credentials_it_is_info() {
        for credentials in [Value::Known(false), Value::Unknown] {
            let found = nginx(credentials).run::<ReflectedOrigin>();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].severity, Severity::Info);
            assert!(found[0].labels.is_empty());
        }
    }

    #[test]
    fn a_regex_that_accepts_everything() {
        let text = "allow_origin_regex=r\"https?://.*\", allow_credentials=True";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        let kind = OriginKind::Pattern { pattern: "https?://.*".into(), semantics: PatternSemantics::FullMatch };
        p.origins.entries.push(b.entry(kind, "https?://.*"));
        p.credentials = b.credentials(Value::Known(true), "allow_credentials=True");
        b.project.policies.push(p);
        let found = b.run::<ReflectedOrigin>();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with(
            "the origin regex `https?://.*` accepts every origin (`https://evil.com` among them), and Starlette echoes"
        ));
        assert_eq!(b.at(found[0].span), "\"https?://.*\"");
    }

    #[test]
    fn a_real_allowlist_is_silent() {
        let text = "allow_origin_regex=r\"https://.*\\.example\\.com\"";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        let pattern = r"https://.*\.example\.com";
        let kind = OriginKind::Pattern { pattern: pattern.into(), semantics: PatternSemantics::FullMatch };
        p.origins.entries.push(b.entry(kind, pattern));
        b.project.policies.push(p);
        assert_eq!(b.run::<ReflectedOrigin>(), []);
    }
}
