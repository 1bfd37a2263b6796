//! nginx `add_header`/`map` CORS, semantics.md section 3.

use super::{Advice, Field, LayerSpec};
use crate::model::CorsPolicy;

pub struct Nginx;

impl LayerSpec for Nginx {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        match field {
            Field::Origins => format!(
                "map $http_origin $cors_origin {{ default \"\"; \"{}\" $http_origin; }} with \
                 `add_header Access-Control-Allow-Origin $cors_origin always;`",
                values.join("\" $http_origin; \"")
            ),
            Field::MaxAge => format!("add_header {} {} always;", field.header(), values.join("")),
            _ => format!("add_header {} \"{}\" always;", field.header(), values.join(", ")),
        }
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        Some(format!(
            "map $http_origin $cors_origin {{ default \"\"; \"~^{regex}$\" $http_origin; }} with \
             `add_header Access-Control-Allow-Origin $cors_origin always;`"
        ))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: super::proxy_sends_star_with_credentials(self.name()),
            help: format!(
                "answer only your frontends' origins: {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "`Access-Control-Allow-Origin` is set to `$http_origin` without an allowlist, so nginx echoes every origin"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!("echo only allowed origins: {}", self.write_setting(Field::Origins, &["https://app.example.com"]))
    }
}
