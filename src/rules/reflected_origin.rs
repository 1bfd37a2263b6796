//! CORS102: the request's `Origin` is echoed back without a real allowlist: a `Reflect` entry, or
//! a pattern that accepts every origin (`.*`). Such a pattern is not also CORS103/CORS106.

use crate::diagnostic::Severity;
use crate::model::{CorsPolicy, Layer, OriginEntry, OriginKind, Project};
use crate::rules::origin_support::{
    Field, analyzed_pattern, credentials_allowed, entries, label_with_credentials, pattern_noun, semantics_of,
    write_setting,
};
use crate::rules::{Rule, Sink};

pub struct ReflectedOrigin;

impl Rule for ReflectedOrigin {
    const CODE: &'static str = "CORS102";
    const NAME: &'static str = "reflected-origin";
    /// The default when credentials are allowed; a warning without them.
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            let (what, primary) = match &entry.kind {
                OriginKind::Reflect => {
                    (reflect_cause(policy.layer), "the request's `Origin` is echoed back".to_owned())
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
    let help = help(policy.layer);
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
        sink.report(entry.span, message).help(help).primary(primary).severity(Severity::Warning);
    }
}

/// Where a `Reflect` entry comes from, in the layer's terms.
fn reflect_cause(layer: Layer) -> String {
    match layer {
        Layer::Nginx => {
            "`Access-Control-Allow-Origin` is set to `$http_origin` without an allowlist, so nginx echoes every origin"
                .to_owned()
        }
        Layer::IngressNginx => "ingress-nginx's origin check `if ($http_origin ~* (...)$)` matches every origin here \
             (an empty or dropped entry leaves an empty alternative), and it echoes the origin in \
             `Access-Control-Allow-Origin`"
            .to_owned(),
        Layer::Starlette | Layer::Traefik => {
            format!(
                "{} echoes the request's `Origin` in `Access-Control-Allow-Origin` without an allowlist",
                layer.name()
            )
        }
    }
}

fn help(layer: Layer) -> String {
    let list = write_setting(layer, Field::Origins, &["https://app.example.com"]);
    match layer {
        Layer::Nginx => format!("echo only allowed origins: {list}"),
        Layer::IngressNginx => {
            format!("list each origin with its scheme and no empty entry, e.g. {list}")
        }
        Layer::Starlette => format!(
            "list the origins of your frontends, e.g. {list}, or an anchored regex such as \
             allow_origin_regex=r\"https://[a-z0-9-]+\\.example\\.com\""
        ),
        Layer::Traefik => format!(
            "list the origins of your frontends, e.g. {list}, or an anchored regex such as \
             accessControlAllowOriginListRegex: [\"^https://[a-z0-9-]+\\.example\\.com$\"]"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PatternSemantics, Value};
    use crate::rules::test_support::Builder;
    use crate::source::FileKind;

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
    fn without_credentials_it_is_a_warning() {
        for credentials in [Value::Known(false), Value::Unknown] {
            let found = nginx(credentials).run::<ReflectedOrigin>();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].severity, Severity::Warning);
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
