//! Flask with Flask-CORS: Flask's router (automatic OPTIONS answers, 405, `strict_slashes`
//! redirects), then the Flask-CORS setups that answer the path (`@cross_origin` on the route,
//! else each `CORS(app)` call's first matching resource, last call first, until one sets
//! `Access-Control-Allow-Origin`), as flask_cors/core.py `get_cors_headers` builds the headers
//! (semantics.md section 4).

use super::Trace;
use super::apps::AppStep;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, CorsSetup, Install, PathScope, Route};
use crate::model::versions::Package;
use crate::model::{CorsPolicy, KnownSettings, OriginKind, Project};

pub(crate) struct FlaskSim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> FlaskSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        FlaskSim { project, app }
    }
}

const LAYER: &str = "Flask";

impl<'p> AppStep<'p> for FlaskSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("Flask app ({})", super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        let path = self.app.routes.iter().find_map(|r| r.path.clone())?;
        let path = path.split('<').next().unwrap_or("/").to_string();
        Some(Url { scheme: "https".into(), host: "api.example.com".into(), port: None, path, query: String::new() })
    }

    fn serves(&self, path: &str) -> bool {
        self.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|t| path_matches(t, path)))
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let path = req.path().unwrap_or("/").to_string();
        let (mut response, route) = self.router(req, &path, trace);
        let Some(setups) = self.setups_for(&path, route, trace) else { return response };
        let calls = setups.len();
        for (index, setup) in setups.into_iter().enumerate() {
            let Some(policy) = self.project.policies.get(setup.policy) else { return response };
            let Some(options) = Options::of(policy, trace) else { return response };
            let added = options.headers(req);
            let sets_origin = added.has("access-control-allow-origin");
            let which =
                if calls > 1 { format!(" (`CORS(app)` call {} of {calls} to run)", index + 1) } else { String::new() };
            let what = if sets_origin {
                format!("Flask-CORS adds its headers (after_request){which}")
            } else if req.has("origin") {
                format!("Flask-CORS adds no headers: the origin is not allowed{which}")
            } else {
                format!("Flask-CORS adds no headers: the request has no Origin{which}")
            };
            for (name, value) in &added.headers {
                response.append(name, value);
            }
            trace.step(LAYER, what, &response, Vec::new());
            // Each `CORS(app)` is its own after_request function; one that finds
            // `Access-Control-Allow-Origin` already set leaves the response alone.
            if sets_origin {
                break;
            }
        }
        response
    }
}

impl FlaskSim<'_> {
    /// Flask's URL map: the route that serves `path`, and the response the view (or Flask) gives.
    fn router(&self, req: &WireRequest, path: &str, trace: &mut Trace) -> (Response, Option<&Route>) {
        let method = req.method.as_str();
        let matching: Vec<&Route> =
            self.app.routes.iter().filter(|r| r.path.as_deref().is_some_and(|t| path_matches(t, path))).collect();
        let serves =
            |r: &&&Route| r.methods.iter().any(|m| m.value == method || (method == "HEAD" && m.value == "GET"));
        if method == "OPTIONS"
            && let Some(route) = matching.first()
            && !matching.iter().any(|r| r.methods.iter().any(|m| m.value == "OPTIONS"))
        {
            let mut r = Response::new(200);
            let mut allow: Vec<String> =
                matching.iter().flat_map(|r| r.methods.iter().map(|m| m.value.clone())).collect();
            allow.extend(["HEAD".to_owned(), "OPTIONS".to_owned()]);
            allow.sort();
            allow.dedup();
            r.append("Allow", &allow.join(", "));
            trace.step(LAYER, format!("Flask answers OPTIONS {path} itself (automatic options): 200"), &r, Vec::new());
            return (r, Some(route));
        }
        if let Some(route) = matching.iter().find(serves) {
            let status = trace.endpoint_status.unwrap_or(200);
            let assumed = if trace.endpoint_status.is_some() { "" } else { " (assumed 200)" };
            let r = Response::new(status);
            trace.step(LAYER, format!("{}: the view answers{assumed}", route.describe(method)), &r, Vec::new());
            return (r, Some(route));
        }
        if let Some(route) = matching.first() {
            let r = Response::new(405);
            trace.step(LAYER, format!("no view for {method} {path}: 405 Method Not Allowed"), &r, Vec::new());
            return (r, Some(route));
        }
        let slashed = format!("{path}/");
        if let Some(route) =
            self.app.routes.iter().find(|r| r.path.as_deref().is_some_and(|t| path_matches(t, &slashed)))
        {
            let mut r = Response::new(308);
            r.append("Location", &slashed);
            trace.step(LAYER, format!("strict_slashes redirects {path} to {slashed}: 308"), &r, Vec::new());
            return (r, Some(route));
        }
        if self.app.routes.iter().any(|r| r.path.is_none()) {
            trace.unknown(format!("whether a route whose path corslint could not resolve serves {path}"));
        }
        let r = Response::new(404);
        trace.step(LAYER, format!("no route for {path}: 404 Not Found"), &r, Vec::new());
        (r, None)
    }

    /// The setups that may set the headers, in the order they run: the route's `@cross_origin`
    /// alone (it marks the response as evaluated, so every extension skips it, even when it allowed
    /// nothing), else, for each `CORS(app)` call from the last registered, its first resource
    /// matching the path in the order the release tries them ([`ResourceOrder`]).
    fn setups_for(&self, path: &str, route: Option<&Route>, trace: &mut Trace) -> Option<Vec<&CorsSetup>> {
        let template = route.and_then(|r| r.path.as_deref());
        let decorated = self.app.cors.iter().find(|s| {
            s.install == Install::ViewDecorator
                && matches!(&s.paths, Some(PathScope::Route(t)) if Some(t.as_str()) == template)
        });
        if let Some(decorated) = decorated {
            return Some(vec![decorated]);
        }
        let release = self.project.versions.of(self.app.span.file, Package::FlaskCors);
        let order = ResourceOrder::of(release.major);
        let resources = order.sorted(self.app.cors.iter().filter(|s| s.install == Install::Extension).collect());
        if resources.len() > 1 || order.case_insensitive && path.chars().any(|c| c.is_ascii_uppercase()) {
            trace.note(format!("resources matched as {} does: {}", release.describe(), order.explain()));
        }
        let mut calls = resources.iter().map(|s| s.span).collect::<Vec<_>>();
        calls.dedup();
        if calls.len() > 1 {
            trace.note(format!(
                "{} `CORS(app)` calls: Flask runs their after_request functions last-registered first, and the first \
                 that sets Access-Control-Allow-Origin is the one the browser sees",
                calls.len()
            ));
        }
        // The resource each call uses for `path`: its first match, in the order it tries them.
        let mut chosen: Vec<&CorsSetup> = Vec::new();
        for setup in resources {
            if chosen.last().is_some_and(|c| c.span == setup.span) {
                continue;
            }
            let matches = match &setup.paths {
                None => true,
                Some(PathScope::StartAnchoredRegex(pattern)) => {
                    let flags = if order.case_insensitive { "(?i)" } else { "" };
                    match regex::Regex::new(&format!("{flags}^(?:{pattern})")) {
                        Ok(re) => re.is_match(path),
                        Err(_) => {
                            trace.unknown(format!("whether the resource pattern `{pattern}` matches {path}"));
                            return None;
                        }
                    }
                }
                Some(PathScope::Route(plain)) => {
                    plain == path || order.case_insensitive && plain.to_lowercase() == path.to_lowercase()
                }
                Some(PathScope::Unknown) => {
                    trace.unknown("which requests a Flask-CORS setup answers");
                    return None;
                }
            };
            if matches {
                chosen.push(setup);
            }
        }
        Some(chosen)
    }
}

/// How a Flask-CORS release picks the resource of a `CORS(app, resources={...})` for a path
/// (`parse_resources` and `make_after_request_function`). Up to 5.x the patterns are tried longest
/// first and match case-insensitively; 6.0 (CVE-2024-6839, CVE-2024-6866) tries plain paths first,
/// then patterns with more `/`, then longer ones, and matches paths case-sensitively. Checked on
/// 4.0.2, 5.0.1 and 6.0.1.
struct ResourceOrder {
    by_specificity: bool,
    case_insensitive: bool,
}

impl ResourceOrder {
    fn of(major: u64) -> ResourceOrder {
        ResourceOrder { by_specificity: major >= 6, case_insensitive: major < 6 }
    }

    fn explain(&self) -> &'static str {
        if self.by_specificity {
            "plain paths first, then patterns with more `/`, then longer ones; paths compared case-sensitively"
        } else {
            "longest pattern first; paths compared case-insensitively"
        }
    }

    /// The resources in the order they are tried. Each `CORS(...)` call sorts its own resources
    /// (they share its span); the calls run last-registered first, as Flask's `process_response`
    /// runs `reversed(after_request_funcs)`.
    fn sorted<'s>(&self, mut resources: Vec<&'s CorsSetup>) -> Vec<&'s CorsSetup> {
        let calls: Vec<crate::source::Span> = resources.iter().map(|s| s.span).collect();
        let call_index = |setup: &CorsSetup| calls.iter().position(|c| *c == setup.span).unwrap_or(0);
        // The default `r"/*"` (and `.*`) has no scope left: a one-`/` pattern of two characters.
        let pattern = |setup: &CorsSetup| match &setup.paths {
            Some(PathScope::StartAnchoredRegex(p) | PathScope::Route(p)) => p.clone(),
            None => "/*".to_owned(),
            Some(PathScope::Unknown) => String::new(),
        };
        resources.sort_by_key(|setup| {
            let text = pattern(setup);
            let literal = matches!(setup.paths, Some(PathScope::Route(_)));
            let length = text.chars().count() as i64;
            let slashes = text.matches('/').count() as i64;
            let key = if self.by_specificity { (i64::from(!literal), -slashes, -length) } else { (0, 0, -length) };
            (std::cmp::Reverse(call_index(setup)), key)
        });
        resources
    }
}

/// A Flask route template (`/items/<int:id>`, `/files/<path:p>`) against a request path.
pub(crate) fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    for (i, segment) in t.iter().enumerate() {
        let param = segment.starts_with('<') && segment.ends_with('>');
        if param && segment.starts_with("<path:") {
            return p.len() > i;
        }
        let Some(actual) = p.get(i) else { return false };
        if param && actual.is_empty() || !param && segment != actual {
            return false;
        }
    }
    t.len() == p.len()
}

/// One pattern of `origins` or `allow_headers`: `try_match_pattern` with `caseSensitive=False`.
enum Pattern {
    Plain(String),
    Regex(Option<regex::Regex>),
}

impl Pattern {
    fn regex(pattern: &str) -> Self {
        // `re.match(pattern, value, flags=re.IGNORECASE)`; a pattern Python refuses never matches.
        Pattern::Regex(regex::Regex::new(&format!("(?i)^(?:{pattern})")).ok())
    }

    fn of(text: &str) -> Self {
        let text = if text == "*" { ".*" } else { text };
        if text.contains(['*', '\\', ']', '?', '$', '^', '[', '(', ')']) {
            Pattern::regex(text)
        } else {
            Pattern::Plain(text.to_lowercase())
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Plain(p) => *p == value.to_lowercase(),
            Pattern::Regex(re) => re.as_ref().is_some_and(|re| re.is_match(value)),
        }
    }
}

/// The options of one setup, as `serialize_options` leaves them.
struct Options {
    origins: Vec<Pattern>,
    /// `.*` is among the origins.
    wildcard: bool,
    send_wildcard: bool,
    /// Some origin is a regex (`probably_regex`): `Vary: Origin` is sent.
    any_regex: bool,
    credentials: bool,
    /// `flexible_str(methods)`: sorted and joined, compared with `in` (a substring test).
    methods: String,
    headers: Vec<Pattern>,
    expose: Option<String>,
    max_age: Option<u64>,
}

impl Options {
    fn of(policy: &CorsPolicy, trace: &mut Trace) -> Option<Options> {
        if policy.origins.has_unknown {
            trace.unknown("the origins of the Flask-CORS setup");
            return None;
        }
        let mut options = Options {
            origins: Vec::new(),
            wildcard: false,
            send_wildcard: false,
            any_regex: false,
            credentials: false,
            methods: String::new(),
            headers: Vec::new(),
            expose: None,
            max_age: None,
        };
        for entry in &policy.origins.entries {
            match &entry.kind {
                OriginKind::Any | OriginKind::Reflect => {
                    options.wildcard = true;
                    options.any_regex = true;
                    options.send_wildcard |= entry.kind == OriginKind::Any;
                    options.origins.push(Pattern::regex(".*"));
                }
                OriginKind::Literal(origin) => options.origins.push(Pattern::of(origin)),
                OriginKind::Pattern { pattern, .. } => {
                    options.any_regex = true;
                    options.origins.push(Pattern::regex(pattern));
                }
            }
        }
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("a setting of the Flask-CORS setup");
            return None;
        };
        options.credentials = credentials;
        let mut methods: Vec<String> = methods.iter().map(|m| m.value.to_ascii_uppercase()).collect();
        methods.sort();
        options.methods = methods.join(", ");
        options.headers = headers.iter().map(|h| Pattern::of(&h.value)).collect();
        let mut expose: Vec<&str> = expose.iter().map(|h| h.value.as_str()).collect();
        expose.sort_unstable();
        options.expose = (!expose.is_empty()).then(|| expose.join(", "));
        options.max_age = policy.max_age.explicit.then_some(max_age);
        let count = policy.origins.entries.len();
        options.any_regex |= count > 1;
        Some(options)
    }

    /// `get_cors_headers`: what is added to the response (nothing for a disallowed origin).
    fn headers(&self, req: &WireRequest) -> Response {
        let mut out = Response::new(0);
        let Some(origin) = req.header("origin") else { return out };
        let allow_origin = if self.wildcard && self.send_wildcard {
            "*".to_owned()
        } else if self.origins.iter().any(|p| p.matches(&origin)) {
            origin
        } else {
            return out;
        };
        out.append("Access-Control-Allow-Origin", &allow_origin);
        if let Some(expose) = &self.expose {
            out.append("Access-Control-Expose-Headers", expose);
        }
        if self.credentials {
            out.append("Access-Control-Allow-Credentials", "true");
        }
        if req.method == "OPTIONS" {
            let requested = req.header("access-control-request-method").unwrap_or_default().to_ascii_uppercase();
            if !requested.is_empty() && self.methods.contains(&requested) {
                if let Some(asked) = req.header("access-control-request-headers") {
                    let mut allowed: Vec<String> = asked
                        .split(',')
                        .map(|h| h.trim().to_owned())
                        .filter(|h| self.headers.iter().any(|p| p.matches(h)))
                        .collect();
                    allowed.sort();
                    if !allowed.is_empty() {
                        out.append("Access-Control-Allow-Headers", &allowed.join(", "));
                    }
                }
                if let Some(max_age) = self.max_age {
                    out.append("Access-Control-Max-Age", &max_age.to_string());
                }
                if !self.methods.is_empty() {
                    out.append("Access-Control-Allow-Methods", &self.methods);
                }
            }
        }
        if allow_origin != "*" && self.any_regex {
            out.append("Vary", "Origin");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn flask_paths() {
        assert!(path_matches("/api/items/<int:id>", "/api/items/3"));
        assert!(!path_matches("/api/items/<int:id>", "/api/items/"));
        assert!(path_matches("/files/<path:p>", "/files/a/b"));
        assert!(!path_matches("/api/", "/api"));
    }
}
