//! The app at the end of the stack: one simulate step per framework, picked by the app's
//! framework in [`step_for`], the only place that maps a framework to the engine that walks
//! requests through it.

use super::Trace;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use super::{Options, django, express, fastify, flask, hono, litestar, starlette};
use crate::model::Project;
use crate::model::app::{App, Framework};

/// What the stack needs of an app's engine.
pub(crate) trait AppStep<'p> {
    /// The app the engine walks requests through.
    fn app(&self) -> &'p App;
    /// `FastAPI app (backend/app/main.py:8)`.
    fn name(&self) -> String;
    /// A URL one of its routes serves, when no `--url` is given.
    fn default_url(&self) -> Option<Url>;
    /// The app's response to `req`, each layer it passes recorded in `trace`.
    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response;
    /// Whether one of its routes serves `path` (route templates are the framework's).
    fn serves(&self, path: &str) -> bool {
        self.app().routes.iter().any(|r| r.path.as_deref().is_some_and(|p| path_matches(p, path)))
    }
}

/// `backend/app.py:4`: where an app is declared, for its step's name.
pub(crate) fn location(project: &Project, app: &App) -> String {
    let file = project.file(app.span.file);
    let path = file.map(|f| f.path.display().to_string()).unwrap_or_default();
    let line = file.map_or(0, |f| f.position(app.span.start()).row);
    format!("{path}:{line}")
}

/// The URL of the app's first route whose path is a plain path (no parameter or wildcard),
/// else [`fallback_url`].
pub(crate) fn first_plain_route_url(app: &App) -> Url {
    let path = app.routes.iter().find_map(|r| r.path.clone().filter(|p| !p.contains(':') && !p.contains('*')));
    let mut url = fallback_url();
    if let Some(path) = path {
        url.path = path;
    }
    url
}

/// The URL simulated when no `--url` is given and the app's routes are not known.
pub(crate) fn fallback_url() -> Url {
    Url {
        scheme: "https".into(),
        host: "api.example.com".into(),
        port: None,
        path: "/api/".into(),
        query: String::new(),
    }
}

/// The engine for `app`.
fn step_for<'p>(project: &'p Project, app: &'p App, options: &Options) -> Box<dyn AppStep<'p> + 'p> {
    match app.framework {
        Framework::FastApi | Framework::Starlette => Box::new(starlette::AppSim::new(project, app, options.starlette)),
        Framework::Flask => Box::new(flask::FlaskSim::new(project, app)),
        Framework::Django => Box::new(django::DjangoSim::new(project, app)),
        Framework::Litestar => Box::new(litestar::LitestarSim::new(project, app)),
        Framework::Express | Framework::NestJs => Box::new(express::ExpressSim::new(project, app)),
        Framework::Fastify | Framework::NestJsFastify => Box::new(fastify::FastifySim::new(project, app)),
        Framework::Hono => Box::new(hono::HonoSim::new(project, app)),
    }
}

/// The apps that may answer a request for `url`: all of them, or the only one with a route that
/// serves its path.
pub(crate) fn candidates<'p>(
    project: &'p Project,
    url: Option<&Url>,
    options: &Options,
) -> Vec<Box<dyn AppStep<'p> + 'p>> {
    let all: Vec<Box<dyn AppStep<'p> + 'p>> = project.apps.iter().map(|app| step_for(project, app, options)).collect();
    if all.len() <= 1 {
        return all;
    }
    let Some(url) = url else { return all };
    let serving: Vec<usize> = all.iter().enumerate().filter(|(_, a)| a.serves(&url.path)).map(|(i, _)| i).collect();
    if serving.len() == 1 {
        return all.into_iter().enumerate().filter(|(i, _)| serving.contains(i)).map(|(_, a)| a).collect();
    }
    all
}

/// A route path template (`/items/{id}`, `/files/{p:path}`) against a request path.
pub(crate) fn path_matches(template: &str, path: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn paths() {
        assert!(path_matches("/api/items/", "/api/items/"));
        assert!(!path_matches("/api/items/", "/api/items"));
        assert!(path_matches("/api/items/{id}", "/api/items/3"));
        assert!(!path_matches("/api/items/{id}", "/api/items/"));
        assert!(path_matches("/files/{p:path}", "/files/a/b"));
    }
}
