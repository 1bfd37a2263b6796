//! CORS101: every origin allowed while credentials are allowed.
//!
//! What happens depends on the layer (`LayerSpec::every_origin_with_credentials`): Starlette
//! emulates it by reflecting every origin with credentials (a hole), the proxies send `*` with
//! `true` (browsers reject credentialed calls).

use crate::diagnostic::Severity;
use crate::model::{OriginKind, Project};
use crate::rules::origin_support::{credentials_allowed, entries, label_with_credentials};
use crate::rules::{Rule, Sink};

pub struct WildcardOriginWithCredentials;

impl Rule for WildcardOriginWithCredentials {
    const CODE: &'static str = "CORS101";
    const NAME: &'static str = "wildcard-origin-with-credentials";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for (policy, entry) in entries(project) {
            // Unknown credentials never produce a finding.
            if entry.kind != OriginKind::Any || !credentials_allowed(policy) {
                continue;
            }
            let written_star = project.file(entry.span.file).is_some_and(|f| f.slice(entry.span.range).contains('*'));
            let primary = if written_star {
                "every origin is allowed".to_owned()
            } else {
                format!("{} allows every origin here", policy.layer.name())
            };
            let advice = policy.layer.spec().every_origin_with_credentials(policy);
            let diagnostic = sink.report(entry.span, advice.message).help(advice.help);
            label_with_credentials(diagnostic, policy, &primary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    const STARLETTE: &str =
        "app.add_middleware(\n    CORSMiddleware,\n    allow_origins=[\"*\"],\n    allow_credentials=True,\n)\n";

    #[test]
    fn starlette_reflects_every_origin_with_credentials() {
        let b = {
            let mut b = Builder::new(FileKind::Python, STARLETTE);
            let mut p = b.policy(Layer::Starlette);
            p.origins.entries.push(b.entry(OriginKind::Any, "*"));
            p.credentials = b.credentials(Value::Known(true), "allow_credentials=True");
            b.project.policies.push(p);
            b
        };
        let found = b.run::<WildcardOriginWithCredentials>();
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(b.at(d.span), "\"*\"");
        assert!(
            d.message.starts_with("Starlette answers every origin with `Access-Control-Allow-Origin: <that origin>`")
        );
        assert!(d.message.contains("0.15 to 0.52"), "{}", d.message);
        assert_eq!(d.primary_label.as_deref(), Some("every origin is allowed"));
        assert_eq!(b.labels(d), [("allow_credentials=True", "credentials are allowed here")]);
        assert_eq!(
            d.help.as_deref(),
            Some("list the origins of your frontends, e.g. allow_origins=[\"https://app.example.com\"]")
        );
    }

    #[test]
    fn proxies_send_a_star_that_browsers_reject() {
        let text = "labels:\n  - accesscontrolalloworiginlist=*\n  - accesscontrolallowcredentials=true\n";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(Layer::Traefik);
        p.origins.entries.push(b.entry(OriginKind::Any, "*"));
        p.credentials = b.credentials(Value::Known(true), "true");
        b.project.policies.push(p);
        let found = b.run::<WildcardOriginWithCredentials>();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("Traefik sends `Access-Control-Allow-Origin: *`"));
        assert!(found[0].message.contains("browsers reject this response for requests with cookies"));
        assert_eq!(b.at(found[0].span), "*");
    }

    #[test]
    fn ingress_default_credentials_are_said_to_be_defaults() {
        let text = "annotations:\n  nginx.ingress.kubernetes.io/enable-cors: \"true\"\n";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(Layer::IngressNginx);
        let enable = b.span("nginx.ingress.kubernetes.io/enable-cors: \"true\"");
        p.origins.entries.push(crate::model::OriginEntry { kind: OriginKind::Any, span: enable, text_start: None });
        p.credentials = crate::model::Setting::default_at(true, enable);
        b.project.policies.push(p);
        let found = b.run::<WildcardOriginWithCredentials>();
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert!(d.message.starts_with("ingress-nginx sends"));
        assert_eq!(
            d.primary_label.as_deref(),
            Some("ingress-nginx allows every origin here, and credentials are allowed by default")
        );
        assert!(d.labels.is_empty());
        assert!(d.help.as_deref().is_some_and(|h| h.contains("cors-allow-credentials: \"false\"")));
    }

    #[test]
    fn silent_without_known_credentials() {
        for credentials in [Value::Known(false), Value::Unknown] {
            let mut b = Builder::new(FileKind::Python, STARLETTE);
            let mut p = b.policy(Layer::Starlette);
            p.origins.entries.push(b.entry(OriginKind::Any, "*"));
            p.credentials = b.credentials(credentials, "allow_credentials=True");
            b.project.policies.push(p);
            assert_eq!(b.run::<WildcardOriginWithCredentials>(), []);
        }
    }

    #[test]
    fn silent_for_listed_origins() {
        let text = "allow_origins=[\"https://app.example.com\"], allow_credentials=True";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        p.origins.entries.push(b.literal("https://app.example.com"));
        p.credentials = b.credentials(Value::Known(true), "allow_credentials=True");
        b.project.policies.push(p);
        assert_eq!(b.run::<WildcardOriginWithCredentials>(), []);
    }
}
