//! CORS207: a preflight max-age above what browsers honour (Chromium 7200 s, Firefox 86400 s),
//! written or a layer's default (ingress-nginx: 1728000).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::layer::Field;
use crate::rules::origin_support::{duration, in_words};
use crate::rules::{Rule, Sink};

pub struct MaxAgeCapped;

/// Chromium 76 and later.
const CHROMIUM_CAP: u64 = 7200;
const FIREFOX_CAP: u64 = 86400;

impl Rule for MaxAgeCapped {
    const CODE: &'static str = "CORS207";
    const NAME: &'static str = "max-age-capped";
    const SEVERITY: Severity = Severity::Info;

    fn check(project: &Project, sink: &mut Sink) {
        for policy in &project.policies {
            let Some(&age) = policy.max_age.known().filter(|&&age| age > CHROMIUM_CAP) else { continue };
            let what = if policy.max_age.explicit {
                let words = in_words(age).map(|w| format!(" ({w})")).unwrap_or_default();
                format!("`Access-Control-Max-Age: {age}`{words}")
            } else {
                format!("{}'s default preflight max-age of {}", policy.layer.name(), duration(age))
            };
            let effective = if age > FIREFOX_CAP {
                format!(
                    "Chromium caches the preflight for {} at most, Firefox for {}",
                    duration(CHROMIUM_CAP),
                    duration(FIREFOX_CAP)
                )
            } else {
                format!("Chromium caches the preflight for {} at most; Firefox honours it", duration(CHROMIUM_CAP))
            };
            let message = format!("{what} is more than browsers honour: {effective}");
            let primary = if policy.max_age.explicit {
                "capped by browsers".to_owned()
            } else {
                format!("max-age defaults to {age} here")
            };
            let help = format!(
                "write the value browsers honour, so the configuration says what happens: {}",
                policy.layer.spec().write_setting(Field::MaxAge, &["7200"])
            );
            sink.report(policy.max_age.span, message).primary(primary).help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, Setting, Value};
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn run(layer: Layer, setting: impl Fn(&Builder) -> Setting<u64>) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let text = "annotations:\n  enable-cors: \"true\"\n  cors-max-age: \"86400\"\n";
        let mut b = Builder::new(FileKind::Yaml, text);
        let mut p = b.policy(layer);
        p.max_age = setting(&b);
        b.project.policies.push(p);
        let found = b.run::<MaxAgeCapped>();
        (b, found)
    }

    #[test]
    fn ingress_default_says_it_is_a_default() {
        let (b, found) = run(Layer::IngressNginx, |b| Setting::default_at(1_728_000, b.span("enable-cors: \"true\"")));
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Info);
        assert_eq!(b.at(d.span), "enable-cors: \"true\"");
        assert_eq!(
            d.message,
            "ingress-nginx's default preflight max-age of 1728000 s (20 days) is more than browsers honour: \
             Chromium caches the preflight for 7200 s (2 hours) at most, Firefox for 86400 s (1 day)"
        );
        assert_eq!(d.primary_label.as_deref(), Some("max-age defaults to 1728000 here"));
        assert_eq!(
            d.help.as_deref(),
            Some(
                "write the value browsers honour, so the configuration says what happens: \
                 nginx.ingress.kubernetes.io/cors-max-age: \"7200\""
            )
        );
    }

    #[test]
    fn a_day_is_capped_by_chromium_only() {
        let (b, found) =
            run(Layer::Traefik, |b| Setting::explicit(Value::Known(86400), b.span("cors-max-age: \"86400\"")));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`Access-Control-Max-Age: 86400` (1 day) is more than browsers honour: Chromium caches the preflight \
             for 7200 s (2 hours) at most; Firefox honours it"
        );
        assert_eq!(b.at(found[0].span), "cors-max-age: \"86400\"");
        assert!(found[0].help.as_deref().is_some_and(|h| h.ends_with("accessControlMaxAge: 7200")));
    }

    #[test]
    fn nginx_help_writes_the_directive() {
        let (_, found) = run(Layer::Nginx, |b| Setting::explicit(Value::Known(86400), b.span("86400")));
        assert!(
            found[0].help.as_deref().is_some_and(|h| h.ends_with("add_header Access-Control-Max-Age 7200 always;"))
        );
    }

    #[test]
    fn two_hours_or_unknown_is_silent() {
        assert_eq!(run(Layer::Starlette, |b| Setting::explicit(Value::Known(7200), b.span("86400"))).1, []);
        assert_eq!(run(Layer::Starlette, |b| Setting::explicit(Value::Unknown, b.span("86400"))).1, []);
    }
}
