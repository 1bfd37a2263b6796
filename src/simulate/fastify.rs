//! fastify (and NestJS on its fastify adapter) with `@fastify/cors` 11, as its `index.js` answers
//! (the layer's module, `model/layer/fastify_cors.rs`, quotes it): hooks run phase by phase in the
//! order they were added; the plugin's hook sets `Access-Control-Allow-Origin`, `-Credentials`
//! and `-Expose-Headers` on every response, and answers an OPTIONS request itself (400 without
//! `Origin` or `Access-Control-Request-Method` under `strictPreflight`, else
//! `optionsSuccessStatus`) unless `preflight: false` or `preflightContinue`. The plugin's
//! `OPTIONS *` route answers what passes on (404 when no preflight was handled); a path without
//! a route is a 404 that still carries the headers.

use super::Trace;
use super::apps::AppStep;
use super::express::route_matches;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, ArgShape, CorsArg, CorsSetup, MiddlewareKind};
use crate::model::{CorsPolicy, KnownSettings, NameList, OriginKind, PatternSemantics, Project};

pub(crate) struct FastifySim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> FastifySim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        FastifySim { project, app }
    }
}

const LAYER: &str = "fastify";

impl<'p> AppStep<'p> for FastifySim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("{} app ({})", self.app.framework.name(), super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        Some(super::apps::first_plain_route_url(self.app))
    }

    fn serves(&self, path: &str) -> bool {
        self.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|p| route_matches(p, path)))
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let path = req.path().unwrap_or("/").to_owned();
        let mut reply = Response::new(200);
        let mut preflight_handled = false;
        for middleware in &self.app.middleware {
            match &middleware.kind {
                MiddlewareKind::Authentication { .. } if !req.has_credentials() => {
                    reply.status = 401;
                    let what = format!("the `{}` hook refuses a request without credentials: 401", middleware.name);
                    trace.step(LAYER, what, &reply, Vec::new());
                    return reply;
                }
                MiddlewareKind::Cors { setup } => {
                    let Some(setup) = self.app.cors.get(*setup) else { continue };
                    let Some(policy) = self.project.policies.get(setup.policy) else { continue };
                    let Some(config) = Config::of(self.project, policy, setup, trace) else {
                        return Response::new(trace.endpoint_status.unwrap_or(200));
                    };
                    config.cors_headers(req, &mut reply);
                    if req.method != "OPTIONS" || !config.preflight {
                        continue;
                    }
                    if config.strict && (!req.has("origin") || !req.has("access-control-request-method")) {
                        reply.status = 400;
                        let what = "`@fastify/cors` refuses an OPTIONS request without `Origin` or \
                                    `Access-Control-Request-Method` (`strictPreflight`): 400";
                        trace.step(LAYER, what, &reply, Vec::new());
                        return reply;
                    }
                    preflight_handled = true;
                    config.preflight_headers(req, &mut reply);
                    if !config.preflight_continue {
                        reply.status = config.success_status;
                        let what = format!("`@fastify/cors` answers the preflight: {}", reply.status);
                        trace.step(LAYER, what, &reply, Vec::new());
                        return reply;
                    }
                }
                _ => {}
            }
        }
        let route = self.app.routes.iter().find(|r| {
            let method_matches = r.methods.iter().any(|m| m.value == req.method)
                || (req.method == "HEAD" && r.methods.iter().any(|m| m.value == "GET"));
            method_matches && r.path.as_deref().is_some_and(|p| route_matches(p, &path))
        });
        let what = if let Some(route) = route {
            reply.status = trace.endpoint_status.unwrap_or(200);
            let method = route.methods.first().map_or("ANY", |m| m.value.as_str());
            format!("the route {} answers: {}", route.describe(method), reply.status)
        } else if req.method == "OPTIONS" {
            // The plugin's `OPTIONS *` route: an empty 200 after a preflight it let through.
            reply.status = if preflight_handled { 200 } else { 404 };
            format!("the `OPTIONS *` route of `@fastify/cors` answers: {}", reply.status)
        } else if self.app.routes.is_empty() {
            reply.status = trace.endpoint_status.unwrap_or(200);
            format!("a handler answers {} {path} (routes not read; assumed {})", req.method, reply.status)
        } else {
            reply.status = 404;
            format!("no route serves {} {path}: 404", req.method)
        };
        trace.step(LAYER, what, &reply, Vec::new());
        reply
    }
}

/// The options of one registration, merged over `defaultOptions`.
struct Config {
    origin: Origin,
    credentials: bool,
    /// `Access-Control-Allow-Methods` as sent (a string as written, an array joined with `, `).
    methods: String,
    /// `None`: reflect `Access-Control-Request-Headers`.
    headers: Option<String>,
    expose: Option<String>,
    max_age: Option<u64>,
    preflight: bool,
    strict: bool,
    preflight_continue: bool,
    success_status: u16,
}

enum Origin {
    /// A string option: sent as written (`*` included).
    Fixed(String),
    /// `true`, a RegExp or an array: the request's origin when one entry allows it.
    Listed(Vec<Entry>),
}

enum Entry {
    Any,
    Exact(String),
    Test(Option<regex::Regex>),
}

fn arg<'s>(setup: &'s CorsSetup, name: &str) -> Option<&'s CorsArg> {
    setup.args.iter().find(|a| a.name == name)
}

fn flag(setup: &CorsSetup, name: &str, default: bool) -> bool {
    match arg(setup, name).map(|a| &a.shape) {
        None => default,
        Some(ArgShape::Bool(b)) => *b,
        Some(_) => !default,
    }
}

/// A list option as the plugin sends it: a string as written, an array joined with `, `.
fn sent(setup: &CorsSetup, name: &str, names: &NameList, explicit: bool, default_joiner: &str) -> String {
    match arg(setup, name).map(|a| &a.shape) {
        Some(ArgShape::Str(Some(raw))) => raw.clone(),
        _ => {
            let joiner = if explicit { ", " } else { default_joiner };
            names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(joiner)
        }
    }
}

impl Config {
    fn of(project: &Project, policy: &CorsPolicy, setup: &CorsSetup, trace: &mut Trace) -> Option<Config> {
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("an option of `@fastify/cors`");
            return None;
        };
        if policy.origins.has_unknown || setup.unknown_args {
            trace.unknown("the `origin` option of `@fastify/cors`");
            return None;
        }
        let success_status = match arg(setup, "optionsSuccessStatus") {
            None => 204,
            Some(a) => match project.file(a.value_span.file).and_then(|f| f.slice(a.value_span.range).parse().ok()) {
                Some(status) => status,
                None => {
                    trace.unknown("the `optionsSuccessStatus` of `@fastify/cors`");
                    return None;
                }
            },
        };
        let fixed = match arg(setup, "origin").map(|a| &a.shape) {
            None => Some("*".to_owned()),
            Some(ArgShape::Str(Some(s))) => Some(s.clone()),
            _ => None,
        };
        let origin = match fixed {
            Some(value) => Origin::Fixed(value),
            None => Origin::Listed(
                policy
                    .origins
                    .entries
                    .iter()
                    .map(|entry| match &entry.kind {
                        OriginKind::Any | OriginKind::Reflect => Entry::Any,
                        OriginKind::Literal(s) => Entry::Exact(s.clone()),
                        OriginKind::Pattern { pattern, semantics } => {
                            let flags = match semantics {
                                PatternSemantics::Search { case_insensitive: true } => "(?i)",
                                _ => "",
                            };
                            Entry::Test(regex::Regex::new(&format!("{flags}{pattern}")).ok())
                        }
                    })
                    .collect(),
            ),
        };
        Some(Config {
            origin,
            credentials,
            methods: sent(setup, "methods", methods, policy.methods.explicit, ","),
            headers: policy.headers.explicit.then(|| sent(setup, "allowedHeaders", headers, true, ", ")),
            expose: policy.expose_headers.explicit.then(|| sent(setup, "exposedHeaders", expose, true, ", ")),
            max_age: policy.max_age.explicit.then_some(max_age),
            preflight: flag(setup, "preflight", true),
            strict: flag(setup, "strictPreflight", true),
            preflight_continue: flag(setup, "preflightContinue", false),
            success_status,
        })
    }

    /// `addCorsHeaders` (and the `Vary: Origin` before it for a non-string origin).
    fn cors_headers(&self, req: &WireRequest, reply: &mut Response) {
        let origin = req.header("origin");
        let allowed = match &self.origin {
            Origin::Fixed(value) => Some(value.clone()),
            Origin::Listed(entries) => {
                add_vary(reply, "Origin");
                let allows = |o: &str| {
                    entries.iter().any(|e| match e {
                        Entry::Any => true,
                        Entry::Exact(s) => s == o,
                        Entry::Test(re) => re.as_ref().is_some_and(|re| re.is_match(o)),
                    })
                };
                origin.filter(|o| allows(o))
            }
        };
        if let Some(value) = allowed {
            reply.set("Access-Control-Allow-Origin", &value);
        }
        if self.credentials {
            reply.set("Access-Control-Allow-Credentials", "true");
        }
        if let Some(expose) = &self.expose {
            reply.set("Access-Control-Expose-Headers", expose);
        }
    }

    /// `addPreflightHeaders`.
    fn preflight_headers(&self, req: &WireRequest, reply: &mut Response) {
        reply.set("Access-Control-Allow-Methods", &self.methods);
        match &self.headers {
            None => {
                add_vary(reply, "Access-Control-Request-Headers");
                if let Some(requested) = req.header("access-control-request-headers") {
                    reply.set("Access-Control-Allow-Headers", &requested);
                }
            }
            Some(headers) => reply.set("Access-Control-Allow-Headers", headers),
        }
        if let Some(max_age) = self.max_age {
            reply.set("Access-Control-Max-Age", &max_age.to_string());
        }
    }
}

/// vary.js: one `Vary` header, the field added once.
fn add_vary(reply: &mut Response, field: &str) {
    match reply.get("vary") {
        None => reply.set("Vary", field),
        Some(current) if current.split(',').any(|v| v.trim().eq_ignore_ascii_case(field) || v.trim() == "*") => {}
        Some(current) => reply.set("Vary", &format!("{current}, {field}")),
    }
}
