//! The `@fastify/cors` plugin of fastify (npm `@fastify/cors` 11.4.3, `index.js` and `vary.js`;
//! github fastify/fastify-cors), installed with `fastify.register(cors, opts)`, and by NestJS's
//! `app.enableCors(opts)` on its `FastifyAdapter` (which registers the same plugin).
//!
//! What `index.js` does, read from its code and checked on the wire by the ground truth:
//! - `origin` defaults to `'*'`. A string is sent as written whatever the request's `Origin`
//!   (`getAccessControlAllowOriginHeader`: "fixed or any origin"); `true` reflects every origin
//!   (`isRequestOriginAllowed` returns `!!true`); a `RegExp` is `.test()`ed (an unanchored search);
//!   an array compares strings with `===` and tests RegExps, and an array holding `'*'` sends `*`
//!   (`normalizeCorsOptions`); a function decides at run time; `false` turns the plugin off (its
//!   `OPTIONS *` route then answers 404). Any other falsy value is an error on every request.
//! - `credentials: true` adds `Access-Control-Allow-Credentials: true` to whatever the origin
//!   setting sends, also to `*` (CORS101 as written, like Express `cors`).
//! - `Vary: Origin` is added unless the origin option is a string; `Vary:
//!   Access-Control-Request-Headers` when `allowedHeaders` is unset.
//! - The plugin adds a hook (`hook`, default `onRequest`) to the root instance (`fastify-plugin`)
//!   and an `OPTIONS *` route. The hook answers an OPTIONS request when `preflight` is true (the
//!   default): with `strictPreflight` (the default) a request without `Origin` or
//!   `Access-Control-Request-Method` gets `400 Invalid Preflight Request`; otherwise the preflight
//!   headers and `optionsSuccessStatus` (204), unless `preflightContinue`. With `preflight: false`
//!   the `OPTIONS *` route answers 404. `hideOptionsRoute` only hides that route from the schema.
//! - `methods` defaults to `'GET,HEAD,POST'` (since 11.0; 10.x sent every common method): a PUT,
//!   PATCH or DELETE preflight fails with the defaults. Without `allowedHeaders` the preflight
//!   reflects `Access-Control-Request-Headers`. `exposedHeaders` and `maxAge` are sent when set
//!   (no default `Access-Control-Max-Age`).
//! - Hooks and `register` take effect in the order they are written (both are queued by avvio),
//!   so an `onRequest` hook added before the plugin sees the preflight first (CORS201); routes get
//!   the hook whatever their order (no CORS208).

use super::express_cors::javascript_property;
use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

pub struct FastifyCors;

impl LayerSpec for FastifyCors {
    fn name(&self) -> &'static str {
        "fastify `@fastify/cors`"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        javascript_property(self.setting_name(field), field, values)
    }

    /// `.test()` searches: both anchors must be written.
    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$').replace('/', "\\/");
        Some(format!("origin: [/^{body}$/]"))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "`@fastify/cors` sends `Access-Control-Allow-Origin: *` with \
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
        "`@fastify/cors` is given `origin: true`, so it answers every request with its own `Origin` in \
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
        Some(&FastifyCors)
    }
}

impl AppLayerSpec for FastifyCors {
    fn component(&self) -> &'static str {
        "`@fastify/cors`"
    }

    fn app_kind(&self) -> &'static str {
        "fastify"
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

    fn never_an_origin(&self, _kind: OriginNoteKind) -> Advice {
        Advice {
            message: "`@fastify/cors` compares the request's origin with this value using `===`, which never matches"
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
        "fastify's error handler answers it with a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "it answers the preflight itself (typically 401)"
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        "register `@fastify/cors` before adding the authentication hook (fastify runs `onRequest` hooks in the \
         order `register` and `addHook` are written)"
    }

    fn pass_preflights(&self) -> &'static str {
        "`if (request.method === \"OPTIONS\") return;` at the start of the hook"
    }
}
