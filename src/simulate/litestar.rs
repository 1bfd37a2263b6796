//! Litestar with `cors_config`, as litestar/middleware/_internal/cors.py (2.18) answers: every
//! OPTIONS with an `Origin` is the middleware's (204 with the preflight headers, or 400
//! `Disallowed CORS ...`); other requests go to the route handler (its routes are not read:
//! assumed to answer) and get the simple headers (semantics.md section 4).

use super::Trace;
use super::apps::AppStep;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::App;
use crate::model::{CorsPolicy, KnownSettings, OriginKind, Project};

pub(crate) struct LitestarSim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> LitestarSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        LitestarSim { project, app }
    }
}

const LAYER: &str = "Litestar";

/// `DEFAULT_ALLOWED_CORS_HEADERS`.
const DEFAULT_HEADERS: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];
const ALL_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

impl<'p> AppStep<'p> for LitestarSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("Litestar app ({})", super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        Some(super::apps::fallback_url())
    }

    /// Route handlers are not read: no path is known to be served.
    fn serves(&self, _path: &str) -> bool {
        false
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let config = self.app.outermost_cors().and_then(|(_, setup)| self.project.policies.get(setup.policy));
        let Some(origin) = req.header("origin") else { return self.handler(req, trace) };
        let Some(config) = config.and_then(|policy| Config::of(policy, trace)) else {
            return self.handler(req, trace);
        };
        if req.method == "OPTIONS" {
            let r = config.preflight(req, &origin);
            let what = if r.status == 204 { "answers the preflight: 204" } else { "refuses the preflight: 400" };
            trace.step(LAYER, format!("CORS middleware {what}"), &r, Vec::new());
            return r;
        }
        let mut r = self.handler(req, trace);
        config.simple(&origin, req.has("cookie"), &mut r);
        trace.step(LAYER, "CORS middleware adds its headers", &r, Vec::new());
        r
    }
}

impl LitestarSim<'_> {
    fn handler(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let status = trace.endpoint_status.unwrap_or(200);
        let r = Response::new(status);
        let path = req.path().unwrap_or("/");
        let what = format!("the handler for {} {path} answers (routes not read; assumed {status})", req.method);
        trace.step(LAYER, what, &r, Vec::new());
        r
    }
}

/// `CORSConfig` as built.
struct Config {
    allow_all: bool,
    patterns: Vec<Option<regex::Regex>>,
    credentials: bool,
    methods: Vec<String>,
    /// Lower-cased, as `__post_init__` leaves them.
    headers: Vec<String>,
    expose: Vec<String>,
    max_age: u64,
}

impl Config {
    fn of(policy: &CorsPolicy, trace: &mut Trace) -> Option<Config> {
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("a setting of the CORSConfig");
            return None;
        };
        if policy.origins.has_unknown {
            trace.unknown("the allowed origins of the CORSConfig");
            return None;
        }
        let mut config = Config {
            allow_all: false,
            patterns: Vec::new(),
            credentials,
            methods: methods.iter().map(|m| m.value.clone()).collect(),
            headers: headers.iter().map(|h| h.value.to_lowercase()).collect(),
            expose: expose.iter().map(|h| h.value.clone()).collect(),
            max_age,
        };
        for entry in &policy.origins.entries {
            match &entry.kind {
                OriginKind::Any | OriginKind::Reflect => config.allow_all = true,
                OriginKind::Pattern { pattern, .. } => {
                    config.patterns.push(regex::Regex::new(&format!("^(?:{pattern})$")).ok());
                }
                OriginKind::Literal(origin) => {
                    config.patterns.push(regex::Regex::new(&format!("^(?:{})$", regex::escape(origin))).ok());
                }
            }
        }
        Some(config)
    }

    fn allows(&self, origin: &str) -> bool {
        self.allow_all || self.patterns.iter().any(|p| p.as_ref().is_some_and(|p| p.is_match(origin)))
    }

    fn all_methods(&self) -> bool {
        self.methods.iter().any(|m| m == "*")
    }

    fn all_headers(&self) -> bool {
        self.headers.iter().any(|h| h == "*")
    }

    fn preflight(&self, req: &WireRequest, origin: &str) -> Response {
        let method = req.header("access-control-request-method");
        let mut failures = Vec::new();
        if !self.all_methods() && method.as_ref().is_some_and(|m| !self.methods.contains(m)) {
            failures.push("method");
        }
        if !self.allows(origin) {
            failures.push("Origin");
        }
        let requested: Vec<String> = req
            .header("access-control-request-headers")
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .collect();
        let defaults = DEFAULT_HEADERS.map(str::to_lowercase);
        if !requested.is_empty()
            && !self.all_headers()
            && requested.iter().any(|h| {
                let h = h.to_lowercase();
                !self.headers.contains(&h) && !defaults.contains(&h)
            })
        {
            failures.push("headers");
        }
        if !failures.is_empty() {
            let mut r = Response::new(400);
            r.append("content-type", "text/plain; charset=utf-8");
            return r;
        }
        let mut r = Response::new(204);
        r.append("Access-Control-Max-Age", &self.max_age.to_string());
        if self.allow_all {
            r.append("Access-Control-Allow-Origin", "*");
        } else {
            r.append("Vary", "Origin");
        }
        if self.credentials {
            r.append("Access-Control-Allow-Credentials", "true");
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v.dedup();
            v.join(", ")
        };
        let defaults: Vec<String> = DEFAULT_HEADERS.iter().map(|h| h.to_string()).collect();
        if !requested.is_empty() && self.all_headers() {
            r.set("Access-Control-Allow-Headers", &sorted([requested, defaults].concat()));
        } else if !self.all_headers() {
            r.set("Access-Control-Allow-Headers", &sorted([self.headers.clone(), defaults].concat()));
        }
        let methods =
            if self.all_methods() { ALL_METHODS.iter().map(|m| m.to_string()).collect() } else { self.methods.clone() };
        if !self.methods.is_empty() {
            r.append("Access-Control-Allow-Methods", &sorted(methods));
        }
        if !self.allow_all {
            r.set("Access-Control-Allow-Origin", origin);
        }
        r
    }

    fn simple(&self, origin: &str, has_cookie: bool, r: &mut Response) {
        if self.allow_all {
            r.set("Access-Control-Allow-Origin", "*");
        }
        if self.credentials {
            r.set("Access-Control-Allow-Credentials", "true");
        }
        if !self.expose.is_empty() {
            let mut expose = self.expose.clone();
            expose.sort();
            expose.dedup();
            r.set("Access-Control-Expose-Headers", &expose.join(", "));
        }
        if (self.allow_all && has_cookie) || (!self.allow_all && self.allows(origin)) {
            r.set("Access-Control-Allow-Origin", origin);
            r.set("Vary", "Origin");
        }
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.dedup();
            v.join(", ")
        };
        r.set("Access-Control-Allow-Headers", &sorted(&self.headers));
        r.set("Access-Control-Allow-Methods", &sorted(&self.methods));
    }
}
