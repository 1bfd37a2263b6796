//! Hono with `cors()` from `hono/cors`, as its `src/middleware/cors/index.ts` answers (the layer's
//! module, `model/layer/hono_cors.rs`, quotes it): the middleware and routes that match a
//! request run in registration order; `cors()` sets `Access-Control-Allow-Origin`
//! (`*`, or the request's origin when it equals the option or is in the array), `-Credentials`
//! and `-Expose-Headers`, answers every OPTIONS request itself with 204, and appends `Vary: Origin`
//! after the handler unless `origin` is `*`. A route registered before `cors()` answers without
//! its headers; a path without a route is Hono's 404.

use super::Trace;
use super::apps::AppStep;
use super::express::route_matches;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, ArgShape, CorsSetup, MiddlewareKind, PathScope, Route};
use crate::model::{CorsPolicy, KnownSettings, NameList, OriginKind, Project};

pub(crate) struct HonoSim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> HonoSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        HonoSim { project, app }
    }
}

const LAYER: &str = "Hono";

enum Step<'p> {
    Cors(&'p CorsSetup),
    Auth(&'p str),
    Route(&'p Route),
}

impl<'p> AppStep<'p> for HonoSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("Hono app ({})", super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        Some(super::apps::first_plain_route_url(self.app))
    }

    fn serves(&self, path: &str) -> bool {
        self.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|p| pattern_matches(p, path)))
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let path = req.path().unwrap_or("/").to_owned();
        let mut steps: Vec<(usize, Step<'p>)> = Vec::new();
        for middleware in &self.app.middleware {
            match &middleware.kind {
                MiddlewareKind::Cors { setup } => {
                    if let Some(setup) = self.app.cors.get(*setup) {
                        steps.push((setup.span.start(), Step::Cors(setup)));
                    }
                }
                MiddlewareKind::Authentication { .. } => {
                    steps.push((middleware.span.start(), Step::Auth(&middleware.name)))
                }
                _ => {}
            }
        }
        steps.extend(self.app.routes.iter().map(|r| (r.span.start(), Step::Route(r))));
        steps.sort_by_key(|(at, _)| *at);
        let mut reply = Response::new(200);
        // `Vary: Origin` that each `cors()` passed appends once the handler has answered.
        let mut vary_after = 0;
        for (_, step) in steps {
            match step {
                Step::Auth(name) if !req.has_credentials() => {
                    reply.status = 401;
                    let what = format!("`{name}` refuses a request without credentials: 401");
                    trace.step(LAYER, what, &reply, Vec::new());
                    return finish(reply, vary_after);
                }
                Step::Auth(_) => {}
                Step::Cors(setup) => {
                    let applies = match &setup.paths {
                        None => true,
                        Some(PathScope::Route(pattern)) => pattern_matches(pattern, &path),
                        Some(_) => false,
                    };
                    let Some(policy) = self.project.policies.get(setup.policy).filter(|_| applies) else { continue };
                    if origin_throws(setup) {
                        let reply = Response::new(500);
                        let what = "`cors()` calls `.includes` on an `origin` that is not a string, an array or a \
                                    function: `TypeError`, 500";
                        trace.step(LAYER, what, &reply, Vec::new());
                        return reply;
                    }
                    let Some(config) = Config::of(policy, setup, trace) else {
                        return Response::new(trace.endpoint_status.unwrap_or(200));
                    };
                    config.cors_headers(req, &mut reply);
                    if req.method == "OPTIONS" {
                        config.preflight_headers(req, &mut reply);
                        reply.status = 204;
                        trace.step(LAYER, "`cors()` answers the OPTIONS request: 204", &reply, Vec::new());
                        return finish(reply, vary_after);
                    }
                    if !config.star {
                        vary_after += 1;
                    }
                }
                Step::Route(route) => {
                    let method_matches = route.methods.iter().any(|m| m.value == req.method)
                        || (req.method == "HEAD" && route.methods.iter().any(|m| m.value == "GET"));
                    if method_matches && route.path.as_deref().is_some_and(|p| pattern_matches(p, &path)) {
                        reply.status = trace.endpoint_status.unwrap_or(200);
                        let method = route.methods.first().map_or("ANY", |m| m.value.as_str());
                        let what = format!("the route {} answers: {}", route.describe(method), reply.status);
                        let reply = finish(reply, vary_after);
                        trace.step(LAYER, what, &reply, Vec::new());
                        return reply;
                    }
                }
            }
        }
        let what = if self.app.routes.is_empty() {
            reply.status = trace.endpoint_status.unwrap_or(200);
            format!("a handler answers {} {path} (routes not read; assumed {})", req.method, reply.status)
        } else {
            reply.status = 404;
            format!("no route serves {} {path}: 404", req.method)
        };
        let reply = finish(reply, vary_after);
        trace.step(LAYER, what, &reply, Vec::new());
        reply
    }
}

/// An `origin` option that `findAllowOrigin` calls `.includes` on without having it (a RegExp,
/// a boolean, a number, an object).
fn origin_throws(setup: &CorsSetup) -> bool {
    setup
        .args
        .iter()
        .any(|a| a.name == "origin" && matches!(a.shape, ArgShape::Bool(_) | ArgShape::Number | ArgShape::Other))
}

fn finish(mut reply: Response, vary_after: usize) -> Response {
    for _ in 0..vary_after {
        reply.append("Vary", "Origin");
    }
    reply
}

/// A Hono path pattern (`/api/*`, `/items/:id`, `*`) against a request path; `/api/*` also
/// matches `/api`.
pub(crate) fn pattern_matches(pattern: &str, path: &str) -> bool {
    if matches!(pattern, "*" | "/*") {
        return true;
    }
    match pattern.strip_suffix("/*") {
        Some(prefix) => path == prefix || path.starts_with(&format!("{prefix}/")),
        None => route_matches(pattern, path),
    }
}

/// The options of one `cors(...)`, spread over its defaults.
struct Config {
    /// `origin` is `'*'`: sent as `*`, and no `Vary: Origin`.
    star: bool,
    allowed: Vec<String>,
    credentials: bool,
    methods: String,
    /// Empty: reflect `Access-Control-Request-Headers`.
    headers: String,
    expose: String,
    max_age: Option<u64>,
}

impl Config {
    fn of(policy: &CorsPolicy, setup: &CorsSetup, trace: &mut Trace) -> Option<Config> {
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("an option of `cors()`");
            return None;
        };
        if policy.origins.has_unknown || setup.unknown_args {
            trace.unknown("the `origin` option of `cors()`");
            return None;
        }
        let star = !matches!(setup.args.iter().find(|a| a.name == "origin").map(|a| &a.shape), Some(s) if *s != ArgShape::Str(Some("*".into())));
        let allowed = policy
            .origins
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                OriginKind::Literal(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let join = |names: &NameList| names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(",");
        let reflect = headers.iter().any(|h| h.value == "*") && !policy.headers.explicit;
        Some(Config {
            star,
            allowed,
            credentials,
            methods: join(methods),
            headers: if reflect { String::new() } else { join(headers) },
            expose: join(expose),
            max_age: policy.max_age.explicit.then_some(max_age),
        })
    }

    fn cors_headers(&self, req: &WireRequest, reply: &mut Response) {
        let origin = req.header("origin").unwrap_or_default();
        let value = if self.star { Some("*".to_owned()) } else { self.allowed.contains(&origin).then_some(origin) };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            reply.set("Access-Control-Allow-Origin", &value);
        }
        if self.credentials {
            reply.set("Access-Control-Allow-Credentials", "true");
        }
        if !self.expose.is_empty() {
            reply.set("Access-Control-Expose-Headers", &self.expose);
        }
    }

    fn preflight_headers(&self, req: &WireRequest, reply: &mut Response) {
        if !self.star {
            reply.append("Vary", "Origin");
        }
        if let Some(max_age) = self.max_age {
            reply.set("Access-Control-Max-Age", &max_age.to_string());
        }
        if !self.methods.is_empty() {
            reply.set("Access-Control-Allow-Methods", &self.methods);
        }
        let headers = if self.headers.is_empty() {
            let requested = req.header("access-control-request-headers").unwrap_or_default();
            requested.split(',').map(str::trim).collect::<Vec<_>>().join(",")
        } else {
            self.headers.clone()
        };
        if !headers.is_empty() {
            reply.set("Access-Control-Allow-Headers", &headers);
            reply.append("Vary", "Access-Control-Request-Headers");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    /// Hono's router: `/api/*` covers `/api` itself (checked on the real server by the ground
    /// truth's `/api` probe), a parameter one segment.
    #[test]
    fn patterns() {
        assert!(pattern_matches("*", "/x"));
        assert!(pattern_matches("/api/*", "/api"));
        assert!(pattern_matches("/api/*", "/api/items/3"));
        assert!(!pattern_matches("/api/*", "/apix"));
        assert!(pattern_matches("/items/:id", "/items/3"));
        assert!(!pattern_matches("/items/:id", "/items"));
    }
}
