//! The `cors` middleware of Express (npm `cors` 2.8.5, lib/index.js), which NestJS's
//! `app.enableCors(opts)` and `NestFactory.create(M, { cors: opts })` install on its Express
//! adapter; semantics.md section 4.
//!
//! `origin` defaults to `*`, sent as `*`. A string is sent as written whatever the request's
//! `Origin` (the browser compares it); `true` reflects every origin; a `RegExp` is `.test()`ed
//! (an unanchored search); an array compares strings with `===` and tests RegExps; a function
//! decides at run time; `false` turns the middleware off. `credentials: true` adds
//! `Access-Control-Allow-Credentials: true` to whatever the origin setting sends. Without
//! `allowedHeaders` the preflight reflects `Access-Control-Request-Headers`. Every OPTIONS request
//! is answered 204 (`optionsSuccessStatus`) unless `preflightContinue`; nothing is refused: the
//! preflight simply leaves out what is not allowed.

use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

pub struct ExpressCors;

/// An option as a JavaScript object property (`methods: ["GET"]`, `maxAge: 600`).
pub(super) fn javascript_property(key: &str, field: Field, values: &[&str]) -> String {
    if field == Field::MaxAge {
        format!("{key}: {}", values.join(""))
    } else {
        let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
        format!("{key}: [{}]", items.join(", "))
    }
}

impl LayerSpec for ExpressCors {
    fn name(&self) -> &'static str {
        "Express `cors`"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        javascript_property(self.setting_name(field), field, values)
    }

    /// `.test()` searches: both anchors must be written.
    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$').replace('/', "\\/");
        Some(format!("origin: [/^{body}$/]"))
    }

    /// `*` is sent with `Access-Control-Allow-Credentials: true`.
    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "the `cors` middleware sends `Access-Control-Allow-Origin: *` with \
                      `Access-Control-Allow-Credentials: true`: browsers reject this response for requests with \
                      cookies, so the frontend's credentialed calls fail"
                .to_owned(),
            help: format!(
                "list the origins of your frontends, e.g. {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "the `cors` middleware is given `origin: true`, so it answers every request with its own `Origin` in \
         `Access-Control-Allow-Origin`"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, e.g. {}, or a RegExp anchored at both ends such as \
             origin: [/^https:\\/\\/[a-z0-9-]+\\.example\\.com$/]",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }

    /// Without `allowedHeaders` the requested headers are reflected (the policy's default `*`
    /// stands for that); methods and exposed headers are joined and sent as written.
    fn sends_star_as_written(&self, field: Field) -> bool {
        field != Field::Headers
    }

    fn app(&self) -> Option<&'static dyn AppLayerSpec> {
        Some(&ExpressCors)
    }
}

impl AppLayerSpec for ExpressCors {
    fn component(&self) -> &'static str {
        "`cors()`"
    }

    fn app_kind(&self) -> &'static str {
        "Express"
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["origin"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        match field {
            Field::Origins => "origin",
            Field::Methods => "methods",
            Field::Headers => "allowedHeaders",
            Field::ExposeHeaders => "exposedHeaders",
            Field::MaxAge => "maxAge",
        }
    }

    /// Strings and arrays are both accepted for every list option; an origin of another type is
    /// truthy (reflect) or falsy (off), which the origin entries already say.
    fn wrong_type(&self, _arg: &CorsArg, _install: Install) -> Option<Advice> {
        None
    }

    fn never_an_origin(&self, kind: OriginNoteKind) -> Advice {
        if kind == OriginNoteKind::WildcardInList {
            return Advice {
                message: "`\"*\"` inside the `origin` array is compared with the request's origin using `===`, and \
                          no browser sends `Origin: *`: this entry allows nothing (only `origin: \"*\"` itself \
                          allows every origin)"
                    .to_owned(),
                help: "remove the entry and list the origins of your frontends, e.g. \
                       origin: [\"https://app.example.com\"]; to allow every origin without credentials, write \
                       origin: \"*\""
                    .to_owned(),
            };
        }
        Advice {
            message: "the `cors` middleware compares the request's origin with this value using `===`, which never \
                      matches"
                .to_owned(),
            help: "list origin strings, e.g. origin: [\"https://app.example.com\"]".to_owned(),
        }
    }

    /// It answers every preflight 204 and leaves out only what it does not allow.
    fn preflight_refusal(&self, field: Field) -> &'static str {
        match field {
            Field::Headers => "a 204 whose `Access-Control-Allow-Headers` leaves them out",
            _ => "a 204 whose `Access-Control-Allow-Methods` leaves it out",
        }
    }

    /// The browser compares the requested method with the list it sends, byte for byte.
    fn methods_case_sensitive(&self) -> bool {
        true
    }

    fn always_allowed_headers(&self) -> &'static [&'static str] {
        &[]
    }

    fn outer_raise(&self) -> &'static str {
        "Express's error handler answers it with a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "it answers the preflight itself (typically 401)"
    }

    fn register_before_routes(&self) -> Option<&'static str> {
        Some(
            "register `app.use(cors(...))` before the routes, right after the app is created (Express runs \
             middleware and routes in the order they are registered)",
        )
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        "register `app.use(cors(...))` before the authentication middleware (Express runs middleware in the order \
         `app.use` registers it)"
    }

    fn pass_preflights(&self) -> &'static str {
        "`if (req.method === \"OPTIONS\") return next();`"
    }
}
