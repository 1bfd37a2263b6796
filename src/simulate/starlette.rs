//! Starlette/FastAPI: the user middleware stack in order, `CORSMiddleware` exactly as
//! `starlette/middleware/cors.py` behaves (semantics.md section 1), and the router.

use super::Trace;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::analysis::matcher::{MatchSemantics, OriginMatcher};
use crate::model::fastapi::{App, ArgShape, CorsSetup, MiddlewareKind, Route};
use crate::model::{CorsPolicy, OriginKind, Project, Value};

/// Which Starlette behaviour to simulate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StarletteVersion {
    /// 1.10 and later (checked against 1.10.0): `QUERY` in `allow_methods=["*"]`, the full preflight
    /// `Vary`, `Vary: Origin` on disallowed simple responses.
    #[default]
    Latest,
    /// 1.0 to 1.9 (read from 1.3.1): `["*"]` + credentials always reflects.
    V1,
    /// 0.15 to 0.52: `["*"]` reflects only when the request carries a `Cookie`.
    Legacy,
}

impl StarletteVersion {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major: u32 =
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| format!("`{text}` is not a version"))?;
        let minor: u32 =
            parts.next().and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()).unwrap_or(0);
        match (major, minor) {
            (0, m) if m >= 15 => Ok(StarletteVersion::Legacy),
            (0, _) => Err(format!("Starlette {text} is older than 0.15, which the simulation does not model")),
            (1, m) if m < 10 => Ok(StarletteVersion::V1),
            _ => Ok(StarletteVersion::Latest),
        }
    }
}

/// A Python value that is either a sequence of strings or a plain string (where `in` is a substring
/// test and iteration yields characters).
#[derive(Clone, Debug, PartialEq)]
enum PySeq {
    List(Vec<String>),
    Str(String),
}

impl PySeq {
    fn contains(&self, item: &str) -> bool {
        match self {
            PySeq::List(items) => items.iter().any(|i| i == item),
            PySeq::Str(s) => s.contains(item),
        }
    }

    fn items(&self) -> Vec<String> {
        match self {
            PySeq::List(items) => items.clone(),
            PySeq::Str(s) => s.chars().map(String::from).collect(),
        }
    }
}

const SAFELISTED: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];

/// `CORSMiddleware(...)` as constructed.
#[derive(Clone, Debug)]
struct Cors {
    origins: PySeq,
    regex: Option<String>,
    methods: PySeq,
    headers: PySeq,
    expose: PySeq,
    credentials: bool,
    max_age: u64,
}

fn seq_of(
    setup: &CorsSetup,
    arg: &str,
    setting: &crate::model::Setting<crate::model::NameList>,
) -> Result<PySeq, String> {
    if let Some(a) = setup.arg(arg) {
        match &a.shape {
            ArgShape::Str(Some(s)) => return Ok(PySeq::Str(s.clone())),
            ArgShape::EnvStr | ArgShape::Str(None) => return Err(format!("`{arg}` (read from the environment)")),
            _ => {}
        }
    }
    match &setting.value {
        Value::Known(names) => Ok(PySeq::List(names.iter().map(|n| n.value.clone()).collect())),
        Value::Unknown => Err(format!("the value of `{arg}`")),
    }
}

impl Cors {
    fn from(policy: &CorsPolicy, setup: &CorsSetup) -> Result<Cors, String> {
        let origins = match setup.arg("allow_origins").map(|a| &a.shape) {
            Some(ArgShape::Str(Some(s))) => PySeq::Str(s.clone()),
            Some(ArgShape::EnvStr) => return Err("`allow_origins` (read from the environment)".to_string()),
            _ => {
                if policy.origins.has_unknown {
                    return Err("the value of `allow_origins`".to_string());
                }
                PySeq::List(
                    policy
                        .origins
                        .entries
                        .iter()
                        .filter_map(|e| match &e.kind {
                            OriginKind::Any => Some("*".to_string()),
                            OriginKind::Literal(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                )
            }
        };
        let regex = policy.origins.entries.iter().find_map(|e| match &e.kind {
            OriginKind::Pattern { pattern, .. } => Some(pattern.clone()),
            _ => None,
        });
        let credentials = match &policy.credentials.value {
            Value::Known(b) => *b,
            Value::Unknown => return Err("the value of `allow_credentials`".to_string()),
        };
        let max_age = match &policy.max_age.value {
            Value::Known(n) => *n,
            Value::Unknown => 600,
        };
        Ok(Cors {
            origins,
            regex,
            methods: seq_of(setup, "allow_methods", &policy.methods)?,
            headers: seq_of(setup, "allow_headers", &policy.headers)?,
            expose: seq_of(setup, "expose_headers", &policy.expose_headers)?,
            credentials,
            max_age,
        })
    }

    fn allow_all(&self) -> bool {
        self.origins.contains("*")
    }

    fn is_allowed_origin(&self, origin: &str) -> bool {
        if self.allow_all() {
            return true;
        }
        if let Some(re) = &self.regex
            && OriginMatcher::new(re, MatchSemantics::FullMatch).is_ok_and(|m| m.is_match(origin))
        {
            return true;
        }
        self.origins.contains(origin)
    }

    fn methods(&self, version: StarletteVersion) -> PySeq {
        if self.methods.contains("*") {
            let mut all: Vec<String> =
                ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"].iter().map(|m| m.to_string()).collect();
            if version == StarletteVersion::Latest {
                all.push("QUERY".to_string());
            }
            PySeq::List(all)
        } else {
            self.methods.clone()
        }
    }

    fn simple_headers(&self, response: &mut Response) {
        if self.allow_all() {
            response.set("Access-Control-Allow-Origin", "*");
        }
        if self.credentials {
            response.set("Access-Control-Allow-Credentials", "true");
        }
        let expose = self.expose.items();
        if !expose.is_empty() {
            response.set("Access-Control-Expose-Headers", &expose.join(", "));
        }
    }

    /// `preflight_response`.
    fn preflight(&self, req: &WireRequest, version: StarletteVersion) -> Response {
        let origin = req.header("origin").unwrap_or_default();
        let method = req.header("access-control-request-method").unwrap_or_default();
        let requested = req.header("access-control-request-headers");
        let allow_all_headers = self.headers.contains("*");
        let explicit = !self.allow_all() || self.credentials;
        let mut r = Response::new(200);
        if version == StarletteVersion::Latest {
            r.set(
                "Vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
            );
        } else if explicit {
            r.set("Vary", "Origin");
        }
        if !explicit {
            r.set("Access-Control-Allow-Origin", "*");
        }
        let methods = self.methods(version);
        r.set("Access-Control-Allow-Methods", &methods.items().join(", "));
        r.set("Access-Control-Max-Age", &self.max_age.to_string());
        let mut merged: Vec<String> = SAFELISTED.iter().map(|s| s.to_string()).collect();
        merged.extend(self.headers.items());
        merged.sort();
        merged.dedup();
        if !allow_all_headers {
            r.set("Access-Control-Allow-Headers", &merged.join(", "));
        }
        if self.credentials {
            r.set("Access-Control-Allow-Credentials", "true");
        }
        let allowed_headers: Vec<String> = merged.iter().map(|h| h.to_lowercase()).collect();
        let mut failures = Vec::new();
        if self.is_allowed_origin(&origin) {
            if explicit {
                r.set("Access-Control-Allow-Origin", &origin);
            }
        } else {
            failures.push("origin");
        }
        if !methods.contains(&method) {
            failures.push("method");
        }
        if let Some(requested) = requested {
            if allow_all_headers {
                r.set("Access-Control-Allow-Headers", &requested);
            } else if requested.to_lowercase().split(',').any(|h| !allowed_headers.iter().any(|a| a == h.trim())) {
                failures.push("headers");
            }
        }
        if failures.is_empty() {
            r.status = 200;
        } else {
            r.status = 400;
        }
        r.append("Content-Type", "text/plain; charset=utf-8");
        r
    }

    /// `simple_response`: the headers put on the inner response.
    fn simple(&self, req: &WireRequest, response: &mut Response, version: StarletteVersion) {
        self.simple_headers(response);
        let origin = req.header("origin").unwrap_or_default();
        let reflect_all = match version {
            StarletteVersion::Legacy => req.has("cookie"),
            StarletteVersion::V1 | StarletteVersion::Latest => self.credentials,
        };
        let explicit = if self.allow_all() { reflect_all } else { self.is_allowed_origin(&origin) };
        if explicit {
            response.set("Access-Control-Allow-Origin", &origin);
            add_vary(response, "Origin");
        } else if version == StarletteVersion::Latest && !self.allow_all() {
            add_vary(response, "Origin");
        }
    }
}

fn add_vary(response: &mut Response, value: &str) {
    let vary = match response.get("vary") {
        Some(existing) => format!("{existing}, {value}"),
        None => value.to_string(),
    };
    response.set("Vary", &vary);
}

/// One application and the Starlette behaviour to apply.
pub(crate) struct AppSim<'p> {
    project: &'p Project,
    app: &'p App,
    version: StarletteVersion,
}

pub(crate) fn candidates<'p>(project: &'p Project, url: Option<&Url>, version: StarletteVersion) -> Vec<AppSim<'p>> {
    let all: Vec<AppSim<'p>> = project.apps.iter().map(|app| AppSim { project, app, version }).collect();
    if all.len() <= 1 {
        return all;
    }
    let Some(url) = url else { return all };
    let serving: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, a)| a.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|p| path_matches(p, &url.path))))
        .map(|(i, _)| i)
        .collect();
    if serving.len() == 1 {
        return all.into_iter().enumerate().filter(|(i, _)| serving.contains(i)).map(|(_, a)| a).collect();
    }
    all
}

/// A route path template (`/items/{id}`, `/files/{p:path}`) against a request path.
fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    for (i, segment) in t.iter().enumerate() {
        if segment.starts_with('{') && segment.ends_with(":path}") {
            return p.len() > i;
        }
        let Some(actual) = p.get(i) else { return false };
        let param = segment.starts_with('{') && segment.ends_with('}');
        if param && actual.is_empty() || !param && segment != actual {
            return false;
        }
    }
    t.len() == p.len()
}

/// The status a middleware's early exit answers with, read from its source.
fn exit_status(text: &str) -> Option<u16> {
    let re =
        regex::Regex::new(r"(?:status_code\s*=\s*|HTTP_|HTTPException\(\s*|Response\([^)]*?,\s*)([1-5][0-9][0-9])")
            .ok()?;
    re.captures(text).and_then(|c| c.get(1)).and_then(|m| m.as_str().parse().ok())
}

impl<'p> AppSim<'p> {
    pub fn name(&self) -> String {
        let file = self.project.file(self.app.span.file).map(|f| f.path.display().to_string()).unwrap_or_default();
        let line = self.project.file(self.app.span.file).map_or(0, |f| f.position(self.app.span.start()).row);
        let kind = match self.app.framework {
            crate::model::fastapi::Framework::FastApi => "FastAPI",
            crate::model::fastapi::Framework::Starlette => "Starlette",
        };
        format!("{kind} app ({file}:{line})")
    }

    fn layer(&self) -> String {
        match self.app.framework {
            crate::model::fastapi::Framework::FastApi => "FastAPI".to_string(),
            crate::model::fastapi::Framework::Starlette => "Starlette".to_string(),
        }
    }

    pub fn default_url(&self) -> Option<Url> {
        let path = self.app.routes.iter().find_map(|r| r.path.clone())?;
        let path = path.split('{').next().unwrap_or("/").to_string();
        Some(Url { scheme: "https".into(), host: "api.example.com".into(), port: None, path, query: String::new() })
    }

    fn text(&self, span: crate::source::Span) -> &str {
        self.project.file(span.file).and_then(|f| f.text.get(span.start()..span.end())).unwrap_or("")
    }

    pub fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        self.run_from(0, req, trace)
    }

    fn run_from(&self, position: usize, req: &WireRequest, trace: &mut Trace) -> Response {
        let layer = self.layer();
        for (pos, m) in self.app.middleware.iter().enumerate().skip(position) {
            match &m.kind {
                MiddlewareKind::Cors { setup } => {
                    let Some(setup) = self.app.cors.get(*setup) else { continue };
                    let Some(policy) = self.project.policies.get(setup.policy) else { continue };
                    if !req.has("origin") {
                        continue;
                    }
                    let cors = match Cors::from(policy, setup) {
                        Ok(c) => c,
                        Err(what) => {
                            trace.unknown(format!("{what} of the CORSMiddleware"));
                            let r = Response::new(200);
                            trace.step(&layer, "CORSMiddleware (settings unknown)", &r, Vec::new());
                            return r;
                        }
                    };
                    if req.is_preflight() {
                        let r = cors.preflight(req, self.version);
                        let what = if r.status == 200 {
                            "CORSMiddleware answers the preflight: 200 OK".to_string()
                        } else {
                            let mut failures = Vec::new();
                            let origin = req.header("origin").unwrap_or_default();
                            if !cors.is_allowed_origin(&origin) {
                                failures.push("origin");
                            }
                            if !cors
                                .methods(self.version)
                                .contains(&req.header("access-control-request-method").unwrap_or_default())
                            {
                                failures.push("method");
                            }
                            if failures.is_empty() {
                                failures.push("headers");
                            }
                            format!("CORSMiddleware answers the preflight: 400 Disallowed CORS {}", failures.join(", "))
                        };
                        trace.step(&layer, what, &r, Vec::new());
                        return r;
                    }
                    let mut r = self.run_from(pos + 1, req, trace);
                    cors.simple(req, &mut r, self.version);
                    trace.step(&layer, "CORSMiddleware adds its headers to the response", &r, Vec::new());
                    return r;
                }
                MiddlewareKind::PassThrough => {}
                MiddlewareKind::TrustedHost { allowed_hosts } => {
                    let host = req.header("host").unwrap_or_default().to_ascii_lowercase();
                    let host = host.rsplit_once(':').map_or(host.clone(), |(h, _)| h.to_string());
                    match allowed_hosts {
                        Value::Known(hosts) => {
                            let ok = hosts.iter().any(|h| {
                                let h = h.value.to_ascii_lowercase();
                                h == "*"
                                    || h == host
                                    || h.strip_prefix("*.").is_some_and(|d| host.ends_with(&format!(".{d}")))
                            });
                            if !ok {
                                let mut r = Response::new(400);
                                r.append("Content-Type", "text/plain; charset=utf-8");
                                trace.step(
                                    &layer,
                                    format!("{} rejects host {host}: 400 Invalid host header", m.name),
                                    &r,
                                    Vec::new(),
                                );
                                return r;
                            }
                        }
                        Value::Unknown => trace.unknown(format!("the allowed hosts of {}", m.name)),
                    }
                }
                MiddlewareKind::HttpsRedirect => {
                    if req.url.as_ref().is_some_and(|u| u.scheme == "http") {
                        let mut r = Response::new(307);
                        if let Some(u) = &req.url {
                            r.append("Location", &format!("https://{}{}", u.authority(), u.path));
                        }
                        trace.step(&layer, format!("{} redirects to https: 307", m.name), &r, Vec::new());
                        return r;
                    }
                }
                MiddlewareKind::Authentication { backend } => {
                    if let Some(b) = backend
                        && b.raises_without_credentials.is_some()
                    {
                        let has = if b.reads_headers.is_empty() {
                            req.has_credentials()
                        } else {
                            b.reads_headers.iter().all(|h| req.has(&h.value))
                        };
                        if !has {
                            let mut r = Response::new(400);
                            r.append("Content-Type", "text/plain; charset=utf-8");
                            trace.step(
                                &layer,
                                format!("{}: the backend raises without credentials: 400 (on_error)", m.name),
                                &r,
                                Vec::new(),
                            );
                            return r;
                        }
                    }
                }
                MiddlewareKind::Custom(c) => {
                    let Some(exit) = c.preflight_exit else { continue };
                    let exits = if req.is_preflight() {
                        c.options_check.is_none()
                    } else if !c.gate_headers.is_empty() {
                        !c.gate_headers.iter().all(|h| req.has(&h.value))
                    } else if req.has_credentials() {
                        trace.note(format!("`{}` is assumed to accept the request's credentials", m.name));
                        false
                    } else {
                        true
                    };
                    if exits {
                        let text = self.text(exit);
                        let raised = text.trim_start().starts_with("raise");
                        let status = if raised { Some(500) } else { exit_status(text) };
                        let mut notes = Vec::new();
                        if raised {
                            notes.push("an exception raised outside ExceptionMiddleware becomes a 500 from ServerErrorMiddleware".to_string());
                        }
                        let status = status.unwrap_or_else(|| {
                            notes.push(
                                "its status is not known (shown as 400); the response has no CORS headers".to_string(),
                            );
                            400
                        });
                        let mut r = Response::new(status);
                        r.append("Content-Type", "application/json");
                        let position = if self.app.outermost_cors().is_some_and(|(p, _)| p > pos) {
                            " (outside CORSMiddleware)"
                        } else {
                            ""
                        };
                        trace.step(&layer, format!("middleware `{}`{position} answers: {status}", m.name), &r, notes);
                        return r;
                    }
                }
                MiddlewareKind::Unknown => {
                    trace.note(format!("what middleware `{}` does is not known: assumed to pass requests on", m.name));
                }
            }
        }
        self.router(req, trace)
    }

    fn router(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let layer = self.layer();
        let path = req.path().unwrap_or("/").to_string();
        let matching: Vec<&Route> =
            self.app.routes.iter().filter(|r| r.path.as_deref().is_some_and(|p| path_matches(p, &path))).collect();
        let method = req.method.as_str();
        let answers =
            |r: &&Route| r.methods.iter().any(|m| m.value == method || (method == "HEAD" && m.value == "GET"));
        if let Some(route) = matching.iter().find(|r| answers(r)) {
            let missing = route.headers.iter().find(|h| !req.has(&h.name));
            let (status, what) = match missing {
                Some(need) if need.name.eq_ignore_ascii_case("authorization") => {
                    (401, format!("{} needs `Authorization` ({}): 401", route.describe(method), need.source))
                }
                Some(need) => {
                    (422, format!("{} needs header `{}` ({}): 422", route.describe(method), need.name, need.source))
                }
                None => (200, format!("{}: the endpoint answers (assumed 200)", route.describe(method))),
            };
            let mut r = Response::new(status);
            r.append("Content-Type", "application/json");
            trace.step(&layer, what, &r, Vec::new());
            return r;
        }
        if !matching.is_empty() {
            let mut r = Response::new(405);
            let allow: Vec<String> = matching.iter().flat_map(|r| r.methods.iter().map(|m| m.value.clone())).collect();
            r.append("Allow", &allow.join(", "));
            r.append("Content-Type", "application/json");
            trace.step(&layer, format!("router: no route for {method} {path}: 405 Method Not Allowed"), &r, Vec::new());
            return r;
        }
        let toggled = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => format!("{path}/"),
        };
        if path != "/" && self.app.routes.iter().any(|r| r.path.as_deref().is_some_and(|p| path_matches(p, &toggled))) {
            let mut r = Response::new(307);
            r.append("Location", &toggled);
            trace.step(&layer, format!("router: redirect_slashes sends {path} to {toggled}: 307"), &r, Vec::new());
            if !req.is_preflight() {
                trace.unknown(format!("where the browser ends up after the 307 redirect to {toggled}"));
            }
            return r;
        }
        if self.app.routes.iter().any(|r| r.path.is_none()) {
            trace.unknown(format!("whether a route whose path corslint could not resolve serves {path}"));
        }
        let mut r = Response::new(404);
        r.append("Content-Type", "application/json");
        trace.step(&layer, format!("router: no route for {path}: 404 Not Found"), &r, Vec::new());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(path_matches("/api/items/", "/api/items/"));
        assert!(!path_matches("/api/items/", "/api/items"));
        assert!(path_matches("/api/items/{id}", "/api/items/3"));
        assert!(!path_matches("/api/items/{id}", "/api/items/"));
        assert!(path_matches("/files/{p:path}", "/files/a/b"));
    }

    #[test]
    fn versions() {
        assert_eq!(StarletteVersion::parse("1.3.1"), Ok(StarletteVersion::V1));
        assert_eq!(StarletteVersion::parse("0.46.2"), Ok(StarletteVersion::Legacy));
        assert_eq!(StarletteVersion::parse("1.10.0"), Ok(StarletteVersion::Latest));
        assert!(StarletteVersion::parse("0.12").is_err());
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(exit_status(r#"return JSONResponse({"detail": "x"}, status_code=401)"#), Some(401));
        assert_eq!(exit_status("return Response(status_code=status.HTTP_403_FORBIDDEN)"), Some(403));
    }
}
