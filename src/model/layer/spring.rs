//! Spring's CORS support (spring-web `CorsConfiguration`, read at 6.x; `allowedOriginPatterns`
//! since 5.3), as configured by `CorsRegistry` mappings, `CorsConfiguration` objects and
//! `@CrossOrigin`. corslint reads only what one literal proves (see `extract::own_cors`):
//! - `checkOrigin` first looks at `allowedOrigins`: one that holds `*` answers `*`, and with
//!   `allowCredentials` true `validateAllowCredentials` throws an IllegalArgumentException on the
//!   request (5.3+), so the request fails instead of being answered.
//! - Then at `allowedOriginPatterns`: the declared pattern `*` accepts every origin and answers it
//!   with the request's own `Origin`, also with credentials: a reflection of every origin.
//! - A trailing `/` of a configured origin is trimmed, and origins compare case-insensitively.

use super::{Advice, Field, LayerSpec};
use crate::analysis::origin::LiteralContext;
use crate::model::CorsPolicy;

pub struct Spring;

impl LayerSpec for Spring {
    fn name(&self) -> &'static str {
        "Spring"
    }

    fn literal_context(&self) -> LiteralContext {
        LiteralContext { glob_wildcards: false, case_insensitive: true }
    }

    /// As a `CorsRegistry` mapping writes it.
    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        let method = match field {
            Field::Origins => "allowedOrigins",
            Field::Methods => "allowedMethods",
            Field::Headers => "allowedHeaders",
            Field::ExposeHeaders => "exposedHeaders",
            Field::MaxAge => return format!(".maxAge({})", values.join("")),
        };
        let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
        format!(".{method}({})", items.join(", "))
    }

    /// Its patterns are globs (`https://*.example.com`), not regexes.
    fn write_origin_regex(&self, _regex: &str) -> Option<String> {
        None
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "Spring refuses the origin `*` together with credentials: since 5.3 its CORS processing throws \
                      an IllegalArgumentException for these requests instead of answering them, so the frontend gets \
                      an error response without CORS headers"
                .to_owned(),
            help: self.allowlist_help(),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "the origin pattern `*` accepts every origin, and Spring answers each request with its own `Origin` in \
         `Access-Control-Allow-Origin`"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends instead of `*`: `{}` in a `CorsRegistry` mapping, \
             `setAllowedOrigins(List.of(\"https://app.example.com\"))` on a `CorsConfiguration`, `origins = \
             \"https://app.example.com\"` in `@CrossOrigin` (or a pattern over a domain you own, \
             `https://*.example.com`), and keep the credentials",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }
}
