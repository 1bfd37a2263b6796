//! What the CORS middlewares of the Node.js frameworks share: an options object (`origin`,
//! `credentials`, the list options, `maxAge`), a preflight answered 204 that leaves out what is not
//! allowed, and middleware run in the order it is registered. Each package's own semantics and
//! words are one [`NodeCors`] value in its module (`express_cors`, `fastify_cors`, `hono_cors`).

use super::{Advice, AppLayerSpec, Field, LayerSpec, javascript_property};
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

/// One Node.js CORS middleware: how messages name it, how its options are spelled, and what it
/// does where the packages differ.
pub struct NodeCors {
    /// How messages name the layer: "Express `cors`".
    pub name: &'static str,
    /// Who sends the headers, as the subject of a sentence: "the `cors` middleware".
    pub sender: &'static str,
    /// How messages name the installed component: "`cors()`".
    pub component: &'static str,
    /// The framework: "Express".
    pub app_kind: &'static str,
    /// The options for the methods, the allowed and the exposed headers.
    pub methods: &'static str,
    pub headers: &'static str,
    pub expose_headers: &'static str,
    /// How the middleware tests origins against a regex the user writes, given the regex's body.
    pub origin_regex: fn(&str) -> String,
    /// How `origin` comes to echo every origin (CORS102), as the start of a sentence.
    pub echoes_every_origin: &'static str,
    /// Whether `origin` takes a RegExp, which the allowlist help then shows.
    pub takes_regexp: bool,
    /// How it compares the request's origin with an entry of `origin`: "using `===`".
    pub compares: &'static str,
    /// Whether a `"*"` entry inside an `origin` array allows nothing (compared like any other
    /// string) rather than every origin.
    pub star_entry_allows_nothing: bool,
    /// CORS105: the options of a type it cannot use, and what that does.
    pub wrong_type: fn(&CorsArg) -> Option<Advice>,
    pub outer_raise: &'static str,
    pub register_before_routes: Option<&'static str>,
    pub move_outermost: &'static str,
    pub pass_preflights: &'static str,
}

/// For a middleware whose options all take strings and arrays alike.
pub fn any_type_is_used(_arg: &CorsArg) -> Option<Advice> {
    None
}

/// `origin: [/^…$/]`: a RegExp is `.test()`ed, a search, so both anchors must be written.
pub fn regexp_entry(body: &str) -> String {
    format!("origin: [/^{body}$/]")
}

impl LayerSpec for NodeCors {
    fn name(&self) -> &'static str {
        self.name
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        javascript_property(self.setting_name(field), field, values)
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$').replace('/', "\\/");
        Some((self.origin_regex)(&body))
    }

    /// `*` is sent with `Access-Control-Allow-Credentials: true`.
    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: format!(
                "{} sends `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: browsers \
                 reject this response for requests with cookies, so the frontend's credentialed calls fail",
                self.sender
            ),
            help: format!(
                "list the origins of your frontends, e.g. {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        self.echoes_every_origin.to_owned()
    }

    fn allowlist_help(&self) -> String {
        let list = self.write_setting(Field::Origins, &["https://app.example.com"]);
        if self.takes_regexp {
            format!(
                "list the origins of your frontends, e.g. {list}, or a RegExp anchored at both ends such as \
                 origin: [/^https:\\/\\/[a-z0-9-]+\\.example\\.com$/]"
            )
        } else {
            format!("list the origins of your frontends, e.g. {list}")
        }
    }

    /// Without an allowed-headers option the requested headers are reflected (the policy's
    /// default `*` stands for that); methods and exposed headers are joined and sent as written.
    fn sends_star_as_written(&self, field: Field) -> bool {
        field != Field::Headers
    }

    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        Some(self)
    }
}

impl AppLayerSpec for NodeCors {
    fn component(&self) -> &'static str {
        self.component
    }

    fn app_kind(&self) -> &'static str {
        self.app_kind
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["origin"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        match field {
            Field::Origins => "origin",
            Field::Methods => self.methods,
            Field::Headers => self.headers,
            Field::ExposeHeaders => self.expose_headers,
            Field::MaxAge => "maxAge",
        }
    }

    fn wrong_type(&self, arg: &CorsArg, _install: Install) -> Option<Advice> {
        (self.wrong_type)(arg)
    }

    fn never_an_origin(&self, kind: OriginNoteKind) -> Advice {
        if kind == OriginNoteKind::WildcardInList && self.star_entry_allows_nothing {
            return Advice {
                message: format!(
                    "`\"*\"` inside the `origin` array is compared with the request's origin {}, and no browser \
                     sends `Origin: *`: this entry allows nothing (only `origin: \"*\"` itself allows every origin)",
                    self.compares
                ),
                help: "remove the entry and list the origins of your frontends, e.g. \
                       origin: [\"https://app.example.com\"]; to allow every origin without credentials, write \
                       origin: \"*\""
                    .to_owned(),
            };
        }
        Advice {
            message: format!(
                "{} compares the request's origin with this value {}, which never matches",
                self.sender, self.compares
            ),
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
        self.outer_raise
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "it answers the preflight itself (typically 401)"
    }

    fn register_before_routes(&self) -> Option<&'static str> {
        self.register_before_routes
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        self.move_outermost
    }

    fn pass_preflights(&self) -> &'static str {
        self.pass_preflights
    }
}
