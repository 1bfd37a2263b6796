//! What each layer does with a CORS policy, behind one interface the rules call.
//!
//! A rule finds a concern in the model (every origin with credentials, an echoed origin, a `*`
//! that browsers read as a name) and words it; how the layer spells a setting, what it sends for
//! `*` with credentials, how it compares an origin, and what its preflight answers are the
//! layer's own, and live in its module here. Adding a layer adds a variant to [`Layer`], one arm
//! to [`Layer::spec`] and a module implementing [`LayerSpec`] (and [`AppLayerSpec`] for an app's
//! CORS component): no rule changes.

mod django_cors;
mod express_cors;
mod express_headers;
mod fastify_cors;
mod flask_cors;
mod hono_cors;
mod ingress_nginx;
mod litestar;
mod nginx;
mod node_cors;
mod python_headers;
mod spring;
mod starlette;
mod static_headers;
mod traefik;

use crate::analysis::origin::LiteralContext;
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

/// Which component enforces a policy; rules word their messages after it (through [`Layer::spec`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Starlette,
    Nginx,
    IngressNginx,
    Traefik,
    FlaskCors,
    DjangoCors,
    Litestar,
    /// Express's `cors` middleware, also NestJS's `enableCors` on its Express adapter.
    ExpressCors,
    /// CORS headers a Node.js app writes itself (`res.setHeader("Access-Control-Allow-Origin", …)`).
    ExpressHeaders,
    /// `Access-Control-*` headers a Python app sets on its responses by hand.
    PythonHeaders,
    /// Next.js `headers()` in `next.config.*`: fixed headers on the paths of each rule.
    NextHeaders,
    /// Vercel `headers` in `vercel.json`.
    VercelHeaders,
    /// Netlify `[[headers]]` in `netlify.toml`.
    NetlifyHeaders,
    /// Netlify's `_headers` file.
    NetlifyHeadersFile,
    /// fastify's `@fastify/cors` plugin, also NestJS's `enableCors` on its fastify adapter.
    FastifyCors,
    /// Hono's `cors()` middleware (`hono/cors`).
    HonoCors,
    /// Spring's `CorsRegistry`, `CorsConfiguration` and `@CrossOrigin`, where one literal shows the
    /// policy (the app is otherwise only recognised as sending its own CORS headers).
    Spring,
}

impl Layer {
    /// Every layer, for what lists them all (tests, documentation).
    pub const ALL: &'static [Layer] = &[
        Layer::Starlette,
        Layer::Nginx,
        Layer::IngressNginx,
        Layer::Traefik,
        Layer::FlaskCors,
        Layer::DjangoCors,
        Layer::Litestar,
        Layer::ExpressCors,
        Layer::ExpressHeaders,
        Layer::PythonHeaders,
        Layer::NextHeaders,
        Layer::VercelHeaders,
        Layer::NetlifyHeaders,
        Layer::NetlifyHeadersFile,
        Layer::FastifyCors,
        Layer::HonoCors,
        Layer::Spring,
    ];

    /// The layer's semantics and words: the one place that maps a layer to its module.
    pub fn spec(self) -> &'static dyn LayerSpec {
        match self {
            Layer::Starlette => &starlette::Starlette,
            Layer::Nginx => &nginx::Nginx,
            Layer::IngressNginx => &ingress_nginx::IngressNginx,
            Layer::Traefik => &traefik::Traefik,
            Layer::FlaskCors => &flask_cors::FlaskCors,
            Layer::DjangoCors => &django_cors::DjangoCors,
            Layer::Litestar => &litestar::Litestar,
            Layer::ExpressCors => &express_cors::EXPRESS_CORS,
            Layer::ExpressHeaders => &express_headers::ExpressHeaders,
            Layer::PythonHeaders => &python_headers::PythonHeaders,
            Layer::NextHeaders => &static_headers::NEXT,
            Layer::VercelHeaders => &static_headers::VERCEL,
            Layer::NetlifyHeaders => &static_headers::NETLIFY,
            Layer::NetlifyHeadersFile => &static_headers::NETLIFY_FILE,
            Layer::FastifyCors => &fastify_cors::FASTIFY_CORS,
            Layer::HonoCors => &hono_cors::HONO_CORS,
            Layer::Spring => &spring::Spring,
        }
    }

    /// How messages name the layer: `Starlette`, `nginx`, `ingress-nginx`, `Traefik`.
    pub fn name(self) -> &'static str {
        self.spec().name()
    }
}

/// The CORS settings a `help` may show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Origins,
    Methods,
    Headers,
    ExposeHeaders,
    MaxAge,
}

impl Field {
    /// The response header the setting becomes.
    pub fn header(self) -> &'static str {
        match self {
            Field::Origins => "Access-Control-Allow-Origin",
            Field::Methods => "Access-Control-Allow-Methods",
            Field::Headers => "Access-Control-Allow-Headers",
            Field::ExposeHeaders => "Access-Control-Expose-Headers",
            Field::MaxAge => "Access-Control-Max-Age",
        }
    }
}

/// A finding's words: what happens, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    pub message: String,
    pub help: String,
}

/// What every layer tells the rules about itself.
pub trait LayerSpec: Sync {
    /// How messages name the layer.
    fn name(&self) -> &'static str;

    /// How the rule pages and the README's rule table name the layer, where the message's words
    /// are a phrase ("the app's own header code").
    fn label(&self) -> &'static str {
        self.name()
    }

    /// How the layer compares a literal origin entry with the request's `Origin`.
    fn literal_context(&self) -> LiteralContext {
        LiteralContext::EXACT
    }

    /// How the layer writes `field` set to `values`, as code for a `help`.
    fn write_setting(&self, field: Field, values: &[&str]) -> String;

    /// How the layer trusts a set of origins by regex, as code for a `help`; `None` where it has none.
    fn write_origin_regex(&self, regex: &str) -> Option<String>;

    /// What the layer sends when every origin is allowed together with credentials (CORS101), and
    /// what to write instead.
    fn every_origin_with_credentials(&self, policy: &CorsPolicy) -> Advice;

    /// How an entry that echoes the request's `Origin` without an allowlist comes about in this
    /// layer (CORS102), as the start of a sentence.
    fn echoes_every_origin(&self) -> String;

    /// What to write instead of echoing every origin.
    fn allowlist_help(&self) -> String;

    /// Whether `*` in `field` reaches the browser as written, which then reads it as a name when
    /// credentials are allowed (CORS206); `false` where the layer expands or mirrors it itself.
    fn sends_star_as_written(&self, field: Field) -> bool {
        let _ = field;
        true
    }

    /// The app-specific part, for the CORS component of an application; `None` for a proxy or
    /// gateway in front of the app.
    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        None
    }
}

/// What an app's CORS component adds: how it is named, how its settings are checked, and what its
/// middleware stack and preflight answers do.
pub trait AppLayerSpec: Sync {
    /// How messages name the installed component: `CORSMiddleware`.
    fn component(&self) -> &'static str;

    /// How messages name an app that uses it: "the Starlette app".
    fn app_kind(&self) -> &'static str;

    /// The settings that hold its origins, in the order a message names the first one written:
    /// `allow_origins`, `allow_origin_regex`.
    fn origin_settings(&self) -> &'static [&'static str];

    /// The setting `field` is written in (`allow_methods`).
    fn setting_name(&self, field: Field) -> &'static str;

    /// CORS105: what the component does with an argument whose value has the wrong type, or `None`
    /// when the value is fine.
    fn wrong_type(&self, arg: &CorsArg, install: Install) -> Option<Advice>;

    /// CORS104: how the component compares a value among its origins that is not an origin string
    /// (`OriginNoteKind::UrlObject`, `OriginNoteKind::NestedList`) with the request's `Origin`.
    fn never_an_origin(&self, kind: OriginNoteKind) -> Advice;

    /// The status its preflight answers when the requested method (`Field::Methods`) or a requested
    /// header (`Field::Headers`) is not allowed: `400 \`Disallowed CORS method\``.
    fn preflight_refusal(&self, field: Field) -> &'static str;

    /// Whether it compares the requested method with the allowed ones case-sensitively.
    fn methods_case_sensitive(&self) -> bool;

    /// Request headers it allows in a preflight whatever its setting says (lower case).
    fn always_allowed_headers(&self) -> &'static [&'static str];

    /// CORS201: what becomes of an exception raised by a middleware outside the component.
    fn outer_raise(&self) -> &'static str;

    /// CORS201: what an authentication middleware outside the component answers a preflight.
    fn outer_auth_refusal(&self) -> &'static str;

    /// CORS201: how to put the component outside `outer` (installed as `outer_install`).
    fn move_outermost(&self, outer_install: Install, cors_install: Install) -> &'static str;

    /// CORS201: the code that lets preflights through a middleware of the project.
    fn pass_preflights(&self) -> &'static str;

    /// CORS208: how to register the component ahead of routes registered before it, for a framework
    /// that runs middleware and routes in registration order (a component installed with
    /// `app.use`, `Install::Use`); `None` where routes registered earlier still pass through it.
    fn register_before_routes(&self) -> Option<&'static str> {
        None
    }

    /// CORS208: the actual responses that `middleware` (as installed, e.g. a `MIDDLEWARE` entry)
    /// answers itself when it sits outside the component, which then carry no CORS headers
    /// while preflights still succeed; `None` for a middleware that passes every request on.
    fn answers_outside(&self, middleware: &str) -> Option<&'static str> {
        let _ = middleware;
        None
    }
}

/// A setting as a Python keyword argument (`allow_methods=["GET"]`, `max_age=600`), as the app
/// layers configured by keyword arguments write it.
fn python_keyword(key: &str, field: Field, values: &[&str]) -> String {
    option(key, "=", field, values)
}

/// An option as a JavaScript object property (`methods: ["GET"]`, `maxAge: 600`).
fn javascript_property(key: &str, field: Field, values: &[&str]) -> String {
    option(key, ": ", field, values)
}

/// `key`, `assign`, then the number or the list of strings.
fn option(key: &str, assign: &str, field: Field, values: &[&str]) -> String {
    if field == Field::MaxAge {
        format!("{key}{assign}{}", values.join(""))
    } else {
        let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
        format!("{key}{assign}[{}]", items.join(", "))
    }
}

/// What a proxy that sends `*` with `true` does to credentialed calls (CORS101), in its name.
fn proxy_sends_star_with_credentials(name: &str) -> String {
    format!(
        "{name} sends `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: browsers \
         reject this response for requests with cookies, so the frontend's credentialed calls fail"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app layers are the components the frameworks' apps install.
    #[test]
    fn app_layers_are_those_of_the_frameworks() {
        use crate::model::app::Framework;
        for framework in [
            Framework::FastApi,
            Framework::Starlette,
            Framework::Flask,
            Framework::Django,
            Framework::Litestar,
            Framework::Fastify,
            Framework::NestJsFastify,
            Framework::Hono,
        ] {
            assert!(framework.cors_layer().spec().app().is_some(), "{framework:?}");
        }
        for layer in [Layer::Nginx, Layer::IngressNginx, Layer::Traefik, Layer::PythonHeaders] {
            assert!(layer.spec().app().is_none(), "{layer:?}");
        }
    }

    /// Every layer writes each setting it is asked for, as code that names the value.
    #[test]
    fn every_layer_writes_every_setting() {
        for layer in Layer::ALL {
            for field in [Field::Origins, Field::Methods, Field::Headers, Field::ExposeHeaders, Field::MaxAge] {
                let written = layer.spec().write_setting(field, &["X-Value"]);
                assert!(written.contains("X-Value"), "{layer:?} {field:?}: {written}");
            }
        }
    }
}
