//! CORS206: `*` in `Access-Control-Allow-Methods`, `-Allow-Headers` or `-Expose-Headers` while
//! credentials are allowed: browsers then read it as a name, not a wildcard. Not where the layer
//! expands or mirrors `*` itself (Starlette: `LayerSpec::sends_star_as_written`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::layer::Field;
use crate::rules::origin_support::{credentials_allowed, label_with_credentials};
use crate::rules::{Rule, Sink};

pub struct WildcardIgnoredWithCredentials;

impl Rule for WildcardIgnoredWithCredentials {
    const CODE: &'static str = "CORS206";
    const NAME: &'static str = "wildcard-ignored-with-credentials";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        for policy in project.policies.iter().filter(|p| credentials_allowed(p)) {
            let settings = [
                (Field::Methods, &policy.methods),
                (Field::Headers, &policy.headers),
                (Field::ExposeHeaders, &policy.expose_headers),
            ];
            for (field, setting) in settings {
                if !policy.layer.spec().sends_star_as_written(field) {
                    continue;
                }
                let Some(names) = setting.known() else { continue };
                for name in names.iter().filter(|n| n.value.trim() == "*") {
                    let (consequence, example): (&str, &[&str]) = match field {
                        Field::Methods => (
                            "preflights for `PUT`, `PATCH` or `DELETE` requests sent with cookies fail",
                            &["GET", "POST", "PUT", "DELETE"],
                        ),
                        Field::Headers => (
                            "preflights for requests with cookies that send `Authorization`, \
                             `Content-Type: application/json` or a custom header fail",
                            &["Authorization", "Content-Type"],
                        ),
                        _ => (
                            "scripts can read only the safelisted response headers of requests sent with cookies",
                            &["X-Total-Count"],
                        ),
                    };
                    let what = if field == Field::Methods { "a method" } else { "a header" };
                    let message = format!(
                        "with credentials allowed, browsers read `{}: *` as {what} named `*`, not as a wildcard: \
                         {consequence}",
                        field.header()
                    );
                    let help = format!("list the names: {}", policy.layer.spec().write_setting(field, example));
                    let diagnostic = sink.report(name.span, message).help(help);
                    label_with_credentials(diagnostic, policy, "not a wildcard with credentials");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn traefik(layer: Layer, credentials: Value<bool>) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let text = "accessControlAllowCredentials: true\naccessControlAllowHeaders:\n  - \"*\"\n  - X-Token\n\
                    accessControlAllowMethods: [GET]\naccessControlExposeHeaders: [X-Total]\n";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(layer);
        p.credentials = b.credentials(credentials, "accessControlAllowCredentials: true");
        p.headers = b.names(&["*", "X-Token"]);
        p.methods = b.names(&["GET"]);
        p.expose_headers = b.names(&["X-Total"]);
        b.project.policies.push(p);
        let found = b.run::<WildcardIgnoredWithCredentials>();
        (b, found)
    }

    #[test]
    fn star_headers_with_credentials() {
        let (b, found) = traefik(Layer::Traefik, Value::Known(true));
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(b.at(d.span), "*");
        assert!(d.message.starts_with(
            "with credentials allowed, browsers read `Access-Control-Allow-Headers: *` as a header named `*`"
        ));
        assert_eq!(d.help.as_deref(), Some("list the names: accessControlAllowHeaders: [Authorization, Content-Type]"));
        assert_eq!(b.labels(d), [("accessControlAllowCredentials: true", "credentials are allowed here")]);
    }

    #[test]
    fn starlette_and_credential_less_policies_are_silent() {
        assert_eq!(traefik(Layer::Starlette, Value::Known(true)).1, []);
        assert_eq!(traefik(Layer::Traefik, Value::Known(false)).1, []);
        assert_eq!(traefik(Layer::Traefik, Value::Unknown).1, []);
    }

    #[test]
    fn ingress_expose_headers_help() {
        let text = "cors-expose-headers: \"*\"";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(Layer::IngressNginx);
        p.credentials = crate::model::Setting::default_at(true, b.span("cors-expose-headers"));
        p.expose_headers = b.names(&["*"]);
        b.project.policies.push(p);
        let found = b.run::<WildcardIgnoredWithCredentials>();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`Access-Control-Expose-Headers: *`"));
        assert_eq!(
            found[0].help.as_deref(),
            Some("list the names: nginx.ingress.kubernetes.io/cors-expose-headers: \"X-Total-Count\"")
        );
        assert_eq!(b.labels(&found[0]), [("cors-expose-headers", "credentials are allowed by default")]);
    }
}
