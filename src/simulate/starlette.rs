//! Starlette/FastAPI: the user middleware stack in order, `CORSMiddleware` exactly as
//! `starlette/middleware/cors.py` behaves (semantics.md section 1), and the router.

mod cors;

pub use cors::StarletteVersion;

use super::Trace;
use super::apps::{AppStep, path_matches};
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, MiddlewareKind, Route};
use crate::model::{Project, Value};
use cors::Cors;

/// One application and the Starlette behaviour to apply.
pub(crate) struct AppSim<'p> {
    project: &'p Project,
    app: &'p App,
    version: StarletteVersion,
}

impl<'p> AppSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App, version: StarletteVersion) -> Self {
        AppSim { project, app, version }
    }
}

impl<'p> AppStep<'p> for AppSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        let file = self.project.file(self.app.span.file).map(|f| f.path.display().to_string()).unwrap_or_default();
        let line = self.project.file(self.app.span.file).map_or(0, |f| f.position(self.app.span.start()).row);
        format!("{} app ({file}:{line})", self.app.framework.name())
    }

    fn default_url(&self) -> Option<Url> {
        let path = self.app.routes.iter().find_map(|r| r.path.clone())?;
        let path = path.split('{').next().unwrap_or("/").to_string();
        Some(Url { scheme: "https".into(), host: "api.example.com".into(), port: None, path, query: String::new() })
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        self.run_from(0, req, trace)
    }
}

/// The status a middleware's early exit answers with, read from its source.
fn exit_status(text: &str) -> Option<u16> {
    let re =
        regex::Regex::new(r"(?:status_code\s*=\s*|HTTP_|HTTPException\(\s*|Response\([^)]*?,\s*)([1-5][0-9][0-9])")
            .ok()?;
    re.captures(text).and_then(|c| c.get(1)).and_then(|m| m.as_str().parse().ok())
}

impl<'p> AppSim<'p> {
    fn layer(&self) -> String {
        self.app.framework.name().to_string()
    }

    fn text(&self, span: crate::source::Span) -> &str {
        self.project.file(span.file).and_then(|f| f.text.get(span.start()..span.end())).unwrap_or("")
    }

    /// A pure ASGI middleware builds its response first and sends it later
    /// (`response = JSONResponse(..., status_code=401)` … `await response(scope, receive, send)`):
    /// the status is in that assignment, not at the exit.
    fn asgi_exit_status(&self, definition: crate::source::Span, exit: crate::source::Span) -> Option<u16> {
        if definition.file != exit.file || exit.end() < definition.start() {
            return None;
        }
        let whole = self.text(definition);
        let before = whole.get(..exit.end() - definition.start())?;
        let sent = regex::Regex::new(r"await\s+(\w+)\(\s*scope").ok()?;
        let name = sent.captures_iter(before).last()?.get(1)?.as_str().to_string();
        let assigned = regex::Regex::new(&format!(r"(?m)^\s*{}\s*=[^=]", regex::escape(&name))).ok()?;
        let start = assigned.find_iter(before).last()?.start();
        exit_status(before.get(start..)?)
    }

    fn run_from(&self, position: usize, req: &WireRequest, trace: &mut Trace) -> Response {
        let layer = self.layer();
        for (pos, m) in self.app.middleware.iter().enumerate().skip(position) {
            match &m.kind {
                MiddlewareKind::Cors { setup } => {
                    let Some(setup) = self.app.cors.get(*setup) else { continue };
                    let Some(policy) = self.project.policies.get(setup.policy) else { continue };
                    if !req.has("origin") {
                        if self.version != StarletteVersion::Latest {
                            continue;
                        }
                        // 1.10 runs its `send` wrapper without an Origin too, and appends `Vary: Origin`.
                        let mut r = self.run_from(pos + 1, req, trace);
                        if !trace.server_error {
                            cors::add_vary(&mut r, "Origin");
                            trace.step(&layer, "CORSMiddleware (no Origin) appends Vary: Origin", &r, Vec::new());
                        }
                        return r;
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
                        if let Some(what) = &cors.unknown_for_preflight {
                            trace.unknown(format!("{what} of the CORSMiddleware"));
                        }
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
                    if trace.server_error {
                        // Sent through ServerErrorMiddleware's own `send`, outside every user middleware.
                        trace.step(
                            &layer,
                            "the 500 bypasses CORSMiddleware (ServerErrorMiddleware is outermost)",
                            &r,
                            Vec::new(),
                        );
                        return r;
                    }
                    if cors.unknown_expose {
                        trace.note("`expose_headers` is not known: Access-Control-Expose-Headers is left out");
                    }
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
                        let status = if raised {
                            Some(500)
                        } else {
                            exit_status(text).or_else(|| self.asgi_exit_status(c.definition, exit))
                        };
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
            let missing = route.headers.iter().find(|h| !h.optional && !req.has(&h.name));
            let (status, what) = match missing {
                Some(need) if need.name.eq_ignore_ascii_case("authorization") => {
                    (401, format!("{} needs `Authorization` ({}): 401", route.describe(method), need.source))
                }
                Some(need) => {
                    (422, format!("{} needs header `{}` ({}): 422", route.describe(method), need.name, need.source))
                }
                None => match trace.endpoint_status {
                    Some(500) => {
                        trace.server_error = true;
                        (
                            500,
                            format!(
                                "{}: unhandled exception: ServerErrorMiddleware answers 500",
                                route.describe(method)
                            ),
                        )
                    }
                    Some(status) => (status, format!("{}: the endpoint answers {status}", route.describe(method))),
                    None => (200, format!("{}: the endpoint answers (assumed 200)", route.describe(method))),
                },
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
