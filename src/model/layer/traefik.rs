//! Traefik's headers middleware (`accessControl*`), semantics.md section 5.

use super::{Advice, Field, LayerSpec};
use crate::model::CorsPolicy;

pub struct Traefik;

impl LayerSpec for Traefik {
    fn name(&self) -> &'static str {
        "Traefik"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        let key = match field {
            Field::Origins => "accessControlAllowOriginList",
            Field::Methods => "accessControlAllowMethods",
            Field::Headers => "accessControlAllowHeaders",
            Field::ExposeHeaders => "accessControlExposeHeaders",
            Field::MaxAge => "accessControlMaxAge",
        };
        if field == Field::MaxAge {
            format!("{key}: {}", values.join(""))
        } else {
            format!("{key}: [{}]", values.join(", "))
        }
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        Some(format!("accessControlAllowOriginListRegex: [\"^{regex}$\"]"))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: super::proxy_sends_star_with_credentials(self.name()),
            help: format!(
                "list the origins of your frontends, e.g. {}, or drop accessControlAllowCredentials if no request \
                 needs cookies",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "Traefik echoes the request's `Origin` in `Access-Control-Allow-Origin` without an allowlist".to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, e.g. {}, or an anchored regex such as \
             accessControlAllowOriginListRegex: [\"^https://[a-z0-9-]+\\.example\\.com$\"]",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }
}
