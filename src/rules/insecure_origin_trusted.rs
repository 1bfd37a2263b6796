//! CORS107: while credentials are allowed, a non-loopback `http://` origin is trusted (a literal, or
//! an origin a pattern was written for). A pattern written for `https://` that also accepts
//! `http://` is CORS106's scheme downgrade, not this.

use crate::analysis::origin::{OriginValue, SerializedOrigin, check_origin_literal};
use crate::diagnostic::Severity;
use crate::model::{CorsPolicy, OriginEntry, OriginKind, Project};
use crate::rules::origin_support::{
    analyzed_pattern, credentials_allowed, label_with_credentials, pattern_noun, semantics_of, span_within,
};
use crate::rules::{Rule, Sink};
use crate::source::TextRange;

pub struct InsecureOriginTrusted;

const WHY: &str = "anyone on the network path (public Wi-Fi, a hostile router or ISP) can inject a script into that \
                   plain-HTTP page and read responses sent with the user's cookies";

impl Rule for InsecureOriginTrusted {
    const CODE: &'static str = "CORS107";
    const NAME: &'static str = "insecure-origin-trusted";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        for policy in project.policies.iter().filter(|p| credentials_allowed(p)) {
            for entry in &policy.origins.entries {
                match &entry.kind {
                    OriginKind::Literal(value) => {
                        let check = check_origin_literal(value, policy.layer.spec().literal_context());
                        // One that never matches trusts nothing (CORS104).
                        if check.never_matches() || !check.is_http_non_loopback() {
                            continue;
                        }
                        let OriginValue::Origin(origin) = &check.value else { continue };
                        let scheme = span_within(project, entry, value, TextRange::new(0, "http".len()));
                        let message = format!("`{value}` is trusted with credentials: {WHY}");
                        let help = https_help(policy, origin);
                        let diagnostic = sink.report(scheme, message).help(help);
                        label_with_credentials(diagnostic, policy, "plain HTTP");
                    }
                    OriginKind::Pattern { pattern, .. } => {
                        let Some((_, report)) = analyzed_pattern(entry) else { continue };
                        if report.accepts_any {
                            continue; // CORS102
                        }
                        let insecure: Vec<&String> = report
                            .intended_origins
                            .iter()
                            .filter(|o| SerializedOrigin::parse(o).is_some_and(|o| o.is_http_non_loopback()))
                            .collect();
                        let Some(first) = insecure.first() else { continue };
                        let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
                        let message = format!("the {noun} `{pattern}` trusts `{first}` with credentials: {WHY}");
                        let diagnostic = sink.report(entry.span, message).help("require `https://` in the pattern");
                        label_with_credentials(diagnostic, policy, "accepts plain-HTTP origins");
                    }
                    OriginKind::Any | OriginKind::Reflect => {}
                }
            }
        }
    }
}

/// Trust the `https://` origin instead, or just drop this one when it is already trusted.
fn https_help(policy: &CorsPolicy, origin: &SerializedOrigin) -> String {
    let secure = SerializedOrigin { scheme: "https".to_owned(), ..origin.clone() };
    let listed = policy.origins.entries.iter().any(|e| trusts(policy, e, &secure));
    if listed {
        format!("remove it: `{secure}` is already trusted")
    } else {
        format!("serve the frontend over HTTPS and trust `{secure}` instead")
    }
}

/// A literal entry that matches exactly `origin`.
fn trusts(policy: &CorsPolicy, entry: &OriginEntry, origin: &SerializedOrigin) -> bool {
    let OriginKind::Literal(value) = &entry.kind else { return false };
    let check = check_origin_literal(value, policy.layer.spec().literal_context());
    !check.never_matches() && check.value == OriginValue::Origin(origin.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, PatternSemantics, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn literals(
        layer: Layer,
        origins: &[&str],
        credentials: Value<bool>,
    ) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let text = format!("origins: {}\ncredentials: true\n", origins.join(","));
        let mut b = Builder::new(FileKind::Yaml, &text);
        let mut p = b.policy(layer);
        for o in origins {
            p.origins.entries.push(b.literal(o));
        }
        p.credentials = b.credentials(credentials, "credentials: true");
        b.project.policies.push(p);
        let found = b.run::<InsecureOriginTrusted>();
        (b, found)
    }

    #[test]
    fn http_origin_beside_its_https_twin() {
        let (b, found) =
            literals(Layer::IngressNginx, &["https://app.example.com", "http://app.example.com"], Value::Known(true));
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(b.at(d.span), "http");
        assert_eq!(d.span.start(), b.span("http://app.example.com").start());
        assert!(d.message.starts_with("`http://app.example.com` is trusted with credentials: anyone on the network"));
        assert_eq!(d.help.as_deref(), Some("remove it: `https://app.example.com` is already trusted"));
        assert_eq!(d.primary_label.as_deref(), Some("plain HTTP"));
        assert_eq!(b.labels(d), [("credentials: true", "credentials are allowed here")]);
    }

    #[test]
    fn http_origin_alone() {
        let (_, found) = literals(Layer::Traefik, &["http://app.example.com:8080"], Value::Known(true));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].help.as_deref(),
            Some("serve the frontend over HTTPS and trust `https://app.example.com:8080` instead")
        );
    }

    #[test]
    fn loopback_never_matching_and_credential_less_origins_are_silent() {
        let loopback = ["http://localhost:5173", "http://127.0.0.1:8000", "http://[::1]:3000", "http://app.localhost"];
        assert_eq!(literals(Layer::Starlette, &loopback, Value::Known(true)).1, []);
        assert_eq!(literals(Layer::Starlette, &["http://app.example.com/"], Value::Known(true)).1, []);
        assert_eq!(literals(Layer::Starlette, &["http://app.example.com"], Value::Known(false)).1, []);
        assert_eq!(literals(Layer::Starlette, &["http://app.example.com"], Value::Unknown).1, []);
    }

    #[test]
    fn a_pattern_written_for_http() {
        let pattern = r"https?://app\.example\.com";
        let text = format!("allow_origin_regex=r\"{pattern}\"\ncredentials: true\n");
        let mut b = Builder::new(FileKind::Python, &text);
        let mut p = b.policy(Layer::Starlette);
        let kind = OriginKind::Pattern { pattern: pattern.into(), semantics: PatternSemantics::FullMatch };
        p.origins.entries.push(b.entry(kind, pattern));
        p.credentials = b.credentials(Value::Known(true), "credentials: true");
        b.project.policies.push(p);
        let found = b.run::<InsecureOriginTrusted>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.starts_with(
            "the origin regex `https?://app\\.example\\.com` trusts `http://app.example.com` with credentials"
        ));
    }
}
