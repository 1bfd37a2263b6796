//! Litestar's `CORSConfig` (`Litestar(cors_config=...)`), semantics.md section 4 and
//! litestar/config/cors.py, middleware/_internal/cors.py (2.18).
//!
//! Every `allow_origins` entry is a regex (only `*.` is rewritten to `.*\.`), all of them joined
//! with `|` and `fullmatch`ed, so an unescaped `.` in a plain origin matches any character. `*`
//! alone allows every origin: `*` is sent, and a request with a `Cookie` gets its own origin
//! echoed. Every OPTIONS request with an `Origin` is answered by the middleware: 204 with the
//! preflight headers, or 400 `Disallowed CORS ...` without them.

use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

pub struct Litestar;

impl LayerSpec for Litestar {
    fn name(&self) -> &'static str {
        "Litestar"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        super::python_keyword(self.setting_name(field), field, values)
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        Some(format!("allow_origin_regex=r\"{regex}\""))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "Litestar answers preflights with `Access-Control-Allow-Origin: *` and \
                      `Access-Control-Allow-Credentials: true`, which browsers reject for credentialed requests, and \
                      echoes the request's origin with credentials on other responses that carry a cookie"
                .to_owned(),
            help: format!(
                "list the origins of your frontends, escaping their dots, e.g. {}",
                self.write_setting(Field::Origins, &["https://app\\.example\\.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "Litestar echoes the request's `Origin` in `Access-Control-Allow-Origin` without an allowlist".to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, escaping their dots (each entry is a regex), e.g. {}",
            self.write_setting(Field::Origins, &["https://app\\.example\\.com"])
        )
    }

    /// `["*"]` methods are expanded and `["*"]` headers mirror the requested ones.
    fn sends_star_as_written(&self, field: Field) -> bool {
        field == Field::ExposeHeaders
    }

    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        Some(&Litestar)
    }
}

impl AppLayerSpec for Litestar {
    fn component(&self) -> &'static str {
        "CORSConfig"
    }

    fn app_kind(&self) -> &'static str {
        "Litestar"
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["allow_origins", "allow_origin_regex"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        super::starlette::setting_name(field)
    }

    fn wrong_type(&self, _arg: &CorsArg, _install: Install) -> Option<Advice> {
        None
    }

    fn never_an_origin(&self, _kind: OriginNoteKind) -> Advice {
        Advice {
            message: "Litestar joins this value into its origin regex, where it never matches an origin".to_owned(),
            help: "list origin strings, e.g. allow_origins=[\"https://app\\\\.example\\\\.com\"]".to_owned(),
        }
    }

    fn preflight_refusal(&self, field: Field) -> &'static str {
        match field {
            Field::Headers => "400 `Disallowed CORS headers`",
            _ => "400 `Disallowed CORS method`",
        }
    }

    fn methods_case_sensitive(&self) -> bool {
        true
    }

    fn always_allowed_headers(&self) -> &'static [&'static str] {
        &["accept", "accept-language", "content-language", "content-type"]
    }

    fn outer_raise(&self) -> &'static str {
        "Litestar answers it with a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "Litestar answers the preflight with the middleware's own response"
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        "let OPTIONS requests through the middleware"
    }

    fn pass_preflights(&self) -> &'static str {
        "`if scope[\"method\"] == \"OPTIONS\": await self.app(scope, receive, send); return`"
    }
}
