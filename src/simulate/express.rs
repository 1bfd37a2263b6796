//! Express (and NestJS on its Express adapter) with the `cors` middleware, as npm `cors` 2.8.5
//! lib/index.js answers: middleware runs in registration order; for an OPTIONS request `cors()`
//! sends its preflight headers and ends the response (204, `optionsSuccessStatus`) unless
//! `preflightContinue`; for any other request it sets its headers and passes the request on. A
//! route registered before `cors()` answers its requests first. Without a matching route,
//! Express answers an OPTIONS request for a path it has routes for with 200 and `Allow`, and any
//! other request with 404 (semantics.md section 4).

use super::Trace;
use super::apps::AppStep;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, ArgShape, CorsSetup, Install, MiddlewareKind, PathScope, Route};
use crate::model::{CorsPolicy, KnownSettings, OriginKind, PatternSemantics, Project};

pub(crate) struct ExpressSim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> ExpressSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        ExpressSim { project, app }
    }
}

const LAYER: &str = "Express";

impl<'p> AppStep<'p> for ExpressSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("{} app ({})", self.app.framework.name(), super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        let path = self.app.routes.iter().find_map(|r| r.path.clone().filter(|p| !p.contains(':') && p != "*"));
        let mut url = super::apps::fallback_url();
        if let Some(path) = path {
            url.path = path;
        }
        Some(url)
    }

    fn serves(&self, path: &str) -> bool {
        self.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|p| route_matches(p, path)))
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        // Express 5 throws on a path it cannot parse before the app listens (CORS901).
        if let Some(refusal) = self.project.startup_refusals.iter().find(|r| r.span.file == self.app.span.file) {
            trace.unknown(format!("what answers: the app does not start ({})", refusal.message));
            return Response::new(502);
        }
        let path = req.path().unwrap_or("/").to_owned();
        // Headers `cors()` set before passing the request on: they stay on the response.
        let mut pending: Vec<(String, String)> = Vec::new();
        let mut steps: Vec<(usize, Step<'p>)> = Vec::new();
        for middleware in &self.app.middleware {
            match &middleware.kind {
                MiddlewareKind::Cors { setup } => {
                    if let Some(setup) = self.app.cors.get(*setup) {
                        steps.push((setup.span.start(), Step::Cors(setup)));
                    }
                }
                MiddlewareKind::Authentication { .. } => {
                    steps.push((middleware.span.start(), Step::Auth(&middleware.name)));
                }
                _ => {}
            }
        }
        for route in &self.app.routes {
            steps.push((route.span.start(), Step::Route(route)));
        }
        steps.sort_by_key(|(at, _)| *at);
        for (_, step) in steps {
            match step {
                Step::Auth(name) if !req.has_credentials() => {
                    let r = with_headers(Response::new(401), &pending);
                    trace.step(LAYER, format!("`{name}` refuses a request without credentials: 401"), &r, Vec::new());
                    return r;
                }
                Step::Auth(_) => {}
                Step::Cors(setup) => {
                    if !cors_applies(setup, &req.method, &path) {
                        continue;
                    }
                    let Some(policy) = self.project.policies.get(setup.policy) else { continue };
                    let Some(config) = Config::of(self.project, policy, setup, trace) else {
                        return Response::new(trace.endpoint_status.unwrap_or(200));
                    };
                    let Some(headers) = config.headers(req) else {
                        trace.step(
                            LAYER,
                            "`cors()` is off for this request (`origin` is falsy)",
                            &Response::new(0),
                            Vec::new(),
                        );
                        continue;
                    };
                    if req.method == "OPTIONS" && !config.preflight_continue {
                        let r = with_headers(Response::new(config.success_status), &headers);
                        trace.step(LAYER, format!("`cors()` answers the preflight: {}", r.status), &r, Vec::new());
                        return r;
                    }
                    pending.extend(headers);
                }
                Step::Route(route) => {
                    let method_matches = route.methods.iter().any(|m| m.value == req.method)
                        || (req.method == "HEAD" && route.methods.iter().any(|m| m.value == "GET"));
                    if method_matches && route.path.as_deref().is_some_and(|p| route_matches(p, &path)) {
                        let status = trace.endpoint_status.unwrap_or(200);
                        let r = with_headers(Response::new(status), &pending);
                        let what = format!("the route {} answers: {status}", route.describe(&route_method(route)));
                        trace.step(LAYER, what, &r, Vec::new());
                        return r;
                    }
                }
            }
        }
        if req.method == "OPTIONS" && self.serves(&path) {
            let r = with_headers(Response::new(200), &pending);
            trace.step(LAYER, "the router answers OPTIONS with the path's methods in `Allow`: 200", &r, Vec::new());
            r
        } else if self.app.routes.is_empty() || self.app.middleware.iter().any(|m| m.kind == MiddlewareKind::Unknown) {
            // A middleware corslint does not know may be a router with routes of its own.
            let status = trace.endpoint_status.unwrap_or(200);
            let r = with_headers(Response::new(status), &pending);
            let what = format!("a handler answers {} {path} (routes not all read; assumed {status})", req.method);
            trace.step(LAYER, what, &r, Vec::new());
            r
        } else {
            let r = with_headers(Response::new(404), &pending);
            trace.step(LAYER, format!("no route serves {} {path}: 404", req.method), &r, Vec::new());
            r
        }
    }
}

enum Step<'p> {
    Cors(&'p CorsSetup),
    Auth(&'p str),
    Route(&'p Route),
}

fn route_method(route: &Route) -> String {
    route.methods.first().map_or_else(|| "ANY".to_owned(), |m| m.value.clone())
}

fn with_headers(mut r: Response, headers: &[(String, String)]) -> Response {
    for (name, value) in headers {
        r.set(name, value);
    }
    r
}

/// Whether a `cors()` registered as `setup` runs for this request.
fn cors_applies(setup: &CorsSetup, method: &str, path: &str) -> bool {
    match (&setup.install, &setup.paths) {
        (_, None) => true,
        (Install::RouteHandler, Some(PathScope::Route(route))) => {
            let route_method = setup.args.iter().find(|a| a.name == "@method").and_then(|a| match &a.shape {
                ArgShape::Str(Some(m)) => Some(m.as_str()),
                _ => None,
            });
            route_method.is_none_or(|m| m == method || (m == "GET" && method == "HEAD")) && route_matches(route, path)
        }
        (_, Some(PathScope::Route(prefix))) => {
            path == prefix || path.starts_with(&format!("{}/", prefix.trim_end_matches('/')))
        }
        (_, Some(_)) => false,
    }
}

/// An Express route path (`/users/:id`, Express 4's `*`, Express 5's `*name` and `{*name}`) against
/// a request path. A trailing wildcard matches the segments under its prefix: Express 4's `*` also
/// none, Express 5's `*name` at least one (`/*splat` does not match `/`), and the optional group
/// `{*name}` also none (`/{*splat}` matches `/`), as path-to-regexp 0.1 and 8 compile them.
pub(crate) fn route_matches(route: &str, path: &str) -> bool {
    if route == "*" || route == "(.*)" || is_wildcard_name(route) {
        return true;
    }
    let requested: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let (prefix, last) = route.rsplit_once('/').unwrap_or(("", route));
    let under_prefix = |at_least: usize| {
        let prefix: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
        requested.len() >= prefix.len() + at_least
            && requested.get(..prefix.len()).is_some_and(|head| segments_match(&prefix, head))
    };
    if last == "*" {
        // Express 4's `(.*)` after the slash, and find-my-way's `*`: the slash must be there,
        // what follows it may be empty (`/api/*` matches `/api/`, not `/api`).
        under_prefix(0) && path.split('/').count() > prefix.split('/').count()
    } else if last.starts_with("{*") && last.ends_with('}') {
        under_prefix(0)
    } else if is_wildcard_name(last) {
        under_prefix(1)
    } else {
        let route: Vec<&str> = route.trim_end_matches('/').split('/').collect();
        route.len() == requested.len() && segments_match(&route, &requested)
    }
}

/// Express 5's named wildcard: `*` and a name (`*splat`).
fn is_wildcard_name(segment: &str) -> bool {
    segment
        .strip_prefix('*')
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// Route segments against request segments of the same count: equal, or a `:param` over a
/// non-empty segment.
fn segments_match(route: &[&str], requested: &[&str]) -> bool {
    route.iter().zip(requested).all(|(r, p)| r == p || (r.starts_with(':') && !p.is_empty()))
}

/// The options of one `cors()`, as `middlewareWrapper` merges them over its defaults.
struct Config {
    origins: Vec<Origin>,
    credentials: bool,
    methods: String,
    /// `None`: reflect `Access-Control-Request-Headers`.
    headers: Option<String>,
    expose: String,
    max_age: Option<u64>,
    preflight_continue: bool,
    success_status: u16,
}

enum Origin {
    Star,
    Fixed(String),
    Reflect,
    Exact(String),
    Test(Option<regex::Regex>),
}

impl Config {
    fn of(project: &Project, policy: &CorsPolicy, setup: &CorsSetup, trace: &mut Trace) -> Option<Config> {
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("an option of `cors()`");
            return None;
        };
        if policy.origins.has_unknown {
            trace.unknown("the `origin` option of `cors()`");
            return None;
        }
        let arg = |name: &str| setup.args.iter().find(|a| a.name == name);
        let preflight_continue = matches!(arg("preflightContinue").map(|a| &a.shape), Some(ArgShape::Bool(true)));
        let success_status = match arg("optionsSuccessStatus") {
            None => 204,
            Some(a) => match project.file(a.value_span.file).and_then(|f| f.slice(a.value_span.range).parse().ok()) {
                Some(status) => status,
                None => {
                    trace.unknown("the `optionsSuccessStatus` of `cors()`");
                    return None;
                }
            },
        };
        // A string `origin` is sent as written; strings in an array are compared with `===`.
        let fixed = matches!(arg("origin").map(|a| &a.shape), Some(ArgShape::Str(_)));
        let origins = policy
            .origins
            .entries
            .iter()
            .map(|entry| match &entry.kind {
                OriginKind::Any => Origin::Star,
                OriginKind::Reflect => Origin::Reflect,
                OriginKind::Literal(s) if fixed => Origin::Fixed(s.clone()),
                OriginKind::Literal(s) => Origin::Exact(s.clone()),
                OriginKind::Pattern { pattern, semantics } => {
                    let flags = match semantics {
                        PatternSemantics::Search { case_insensitive: true } => "(?i)",
                        _ => "",
                    };
                    Origin::Test(regex::Regex::new(&format!("{flags}{pattern}")).ok())
                }
            })
            .collect();
        let join =
            |names: &crate::model::NameList| names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(",");
        Some(Config {
            origins,
            credentials,
            methods: join(methods),
            headers: policy.headers.explicit.then(|| join(headers)),
            expose: join(expose),
            max_age: policy.max_age.explicit.then_some(max_age),
            preflight_continue,
            success_status,
        })
    }

    /// The headers `cors()` sets for `req`; `None` when it passes the request on untouched.
    fn headers(&self, req: &WireRequest) -> Option<Vec<(String, String)>> {
        if self.origins.is_empty() {
            return None;
        }
        let origin = req.header("origin");
        let mut out = Vec::new();
        match self.origins.as_slice() {
            [Origin::Star] => out.push(("Access-Control-Allow-Origin".to_owned(), "*".to_owned())),
            [Origin::Fixed(value)] => {
                out.push(("Access-Control-Allow-Origin".to_owned(), value.clone()));
                out.push(("Vary".to_owned(), "Origin".to_owned()));
            }
            list => {
                let allowed = origin.as_deref().is_some_and(|o| {
                    list.iter().any(|entry| match entry {
                        Origin::Star | Origin::Reflect => true,
                        Origin::Fixed(s) | Origin::Exact(s) => s == o,
                        Origin::Test(re) => re.as_ref().is_some_and(|re| re.is_match(o)),
                    })
                });
                if let (true, Some(origin)) = (allowed, &origin) {
                    out.push(("Access-Control-Allow-Origin".to_owned(), origin.clone()));
                }
                out.push(("Vary".to_owned(), "Origin".to_owned()));
            }
        }
        if self.credentials {
            out.push(("Access-Control-Allow-Credentials".to_owned(), "true".to_owned()));
        }
        if req.method == "OPTIONS" {
            if !self.methods.is_empty() {
                out.push(("Access-Control-Allow-Methods".to_owned(), self.methods.clone()));
            }
            let headers = match &self.headers {
                Some(headers) => Some(headers.clone()),
                None => {
                    out.push(("Vary".to_owned(), "Access-Control-Request-Headers".to_owned()));
                    req.header("access-control-request-headers")
                }
            };
            if let Some(headers) = headers.filter(|h| !h.is_empty()) {
                out.push(("Access-Control-Allow-Headers".to_owned(), headers));
            }
            if let Some(max_age) = self.max_age {
                out.push(("Access-Control-Max-Age".to_owned(), max_age.to_string()));
            }
        }
        if !self.expose.is_empty() {
            out.push(("Access-Control-Expose-Headers".to_owned(), self.expose.clone()));
        }
        // `vary()` adds to one `Vary` header.
        let varies: Vec<String> = out.iter().filter(|(n, _)| n == "Vary").map(|(_, v)| v.clone()).collect();
        out.retain(|(n, _)| n != "Vary");
        if !varies.is_empty() {
            out.push(("Vary".to_owned(), varies.join(", ")));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::route_matches;

    #[test]
    fn wildcards_of_express_4_and_5() {
        for (route, path, matches) in [
            ("/*splat", "/", false),
            ("/*splat", "/api/items", true),
            ("/{*splat}", "/", true),
            ("/{*splat}", "/api/items", true),
            ("/api/*splat", "/api", false),
            ("/api/*splat", "/api/items/1", true),
            ("/api/{*splat}", "/api", true),
            ("/api/{*splat}", "/apis", false),
            ("*splat", "/", true),
            ("*", "/", true),
            ("/*", "/", true),
            ("/api/*", "/api/items", true),
            ("/api/*", "/api/", true),
            ("/api/*", "/api", false),
            ("/api/*", "/apis", false),
            ("/users/:id", "/users/7", true),
            ("/users/:id", "/users", false),
            ("/users/:id/*rest", "/users/7/a", true),
            ("/users/:id/*rest", "/users/7", false),
        ] {
            assert_eq!(route_matches(route, path), matches, "{route} {path}");
        }
    }
}
