//! Django with django-cors-headers' `CorsMiddleware`, as corsheaders/middleware.py (4.9.0)
//! answers: a preflight on a CORS-enabled path gets an empty 200 from the middleware itself, any
//! other request goes to the view (Django's URLs are not read: assumed to answer), and the CORS
//! headers are added for an allowed origin (semantics.md section 4).

use super::Trace;
use super::apps::AppStep;
use super::fetch::Response;
use super::request::{Url, WireRequest};
use crate::model::app::{App, PathScope};
use crate::model::{CorsPolicy, KnownSettings, OriginKind, Project};

pub(crate) struct DjangoSim<'p> {
    project: &'p Project,
    app: &'p App,
}

impl<'p> DjangoSim<'p> {
    pub(crate) fn new(project: &'p Project, app: &'p App) -> Self {
        DjangoSim { project, app }
    }
}

const LAYER: &str = "Django";

impl<'p> AppStep<'p> for DjangoSim<'p> {
    fn app(&self) -> &'p App {
        self.app
    }

    fn name(&self) -> String {
        format!("Django app (settings {})", super::apps::location(self.project, self.app))
    }

    fn default_url(&self) -> Option<Url> {
        Some(super::apps::fallback_url())
    }

    /// `urls.py` is not read: no path is known to be served.
    fn serves(&self, _path: &str) -> bool {
        false
    }

    fn handle(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let Some(setup) = self.app.cors.first() else { return self.view(req, trace) };
        let Some(policy) = self.project.policies.get(setup.policy) else { return self.view(req, trace) };
        let path = req.path().unwrap_or("/").to_string();
        let enabled = match &setup.paths {
            None => true,
            Some(PathScope::StartAnchoredRegex(pattern)) => match regex::Regex::new(&format!("^(?:{pattern})")) {
                Ok(re) => re.is_match(&path),
                Err(_) => {
                    trace.unknown(format!("whether CORS_URLS_REGEX `{pattern}` matches {path}"));
                    return self.view(req, trace);
                }
            },
            Some(PathScope::Route(_) | PathScope::Unknown) => {
                trace.unknown("which paths CORS_URLS_REGEX enables");
                return self.view(req, trace);
            }
        };
        if !enabled {
            trace.note(format!("CORS_URLS_REGEX does not match {path}: CorsMiddleware adds nothing"));
            return self.view(req, trace);
        }
        let mut response = if req.method == "OPTIONS" && req.has("access-control-request-method") {
            let r = Response::new(200);
            trace.step(LAYER, "CorsMiddleware answers the preflight itself: 200, empty", &r, Vec::new());
            r
        } else {
            self.view(req, trace)
        };
        let Some(settings) = Settings::of(policy, trace) else { return response };
        settings.add_headers(req, &mut response);
        trace.step(LAYER, "CorsMiddleware adds its headers", &response, Vec::new());
        response
    }
}

impl DjangoSim<'_> {
    fn view(&self, req: &WireRequest, trace: &mut Trace) -> Response {
        let status = trace.endpoint_status.unwrap_or(200);
        let r = Response::new(status);
        let path = req.path().unwrap_or("/");
        trace.step(
            LAYER,
            format!("the view for {} {path} answers (urls.py not read; assumed {status})", req.method),
            &r,
            Vec::new(),
        );
        r
    }
}

/// The settings `add_response_headers` reads.
struct Settings {
    allow_all: bool,
    /// `scheme://netloc` of each `CORS_ALLOWED_ORIGINS` entry, `null` as written.
    origins: Vec<String>,
    regexes: Vec<Option<regex::Regex>>,
    credentials: bool,
    methods: String,
    headers: String,
    expose: String,
    max_age: u64,
}

impl Settings {
    fn of(policy: &CorsPolicy, trace: &mut Trace) -> Option<Settings> {
        if policy.origins.has_unknown {
            trace.unknown("the allowed origins of CorsMiddleware");
            return None;
        }
        let Some(KnownSettings { credentials, methods, headers, expose_headers: expose, max_age }) =
            policy.known_settings()
        else {
            trace.unknown("a CORS_* setting of CorsMiddleware");
            return None;
        };
        let join = |names: &[crate::source::Spanned<String>]| -> String {
            names.iter().map(|n| n.value.as_str()).collect::<Vec<_>>().join(", ")
        };
        let mut settings = Settings {
            allow_all: false,
            origins: Vec::new(),
            regexes: Vec::new(),
            credentials,
            methods: join(methods),
            headers: join(headers),
            expose: join(expose),
            max_age,
        };
        for entry in &policy.origins.entries {
            match &entry.kind {
                OriginKind::Any | OriginKind::Reflect => settings.allow_all = true,
                OriginKind::Literal(origin) => settings.origins.push(origin.clone()),
                OriginKind::Pattern { pattern, .. } => {
                    settings.regexes.push(regex::Regex::new(&format!("^(?:{pattern})")).ok());
                }
            }
        }
        Some(settings)
    }

    /// The request's origin as `urlsplit` compares it (`scheme://netloc`).
    fn allows(&self, origin: &str) -> bool {
        if self.allow_all {
            return true;
        }
        let split = match origin.split_once("://") {
            Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
            None => origin.to_owned(),
        };
        (origin == "null" && self.origins.iter().any(|o| o == "null"))
            || (origin != "null" && self.origins.contains(&split))
            || self.regexes.iter().any(|re| re.as_ref().is_some_and(|re| re.is_match(origin)))
    }

    fn add_headers(&self, req: &WireRequest, response: &mut Response) {
        response.append("Vary", "origin");
        let Some(origin) = req.header("origin") else { return };
        if !self.allows(&origin) {
            return;
        }
        let allow_origin = if self.allow_all && !self.credentials { "*".to_owned() } else { origin };
        response.set("Access-Control-Allow-Origin", &allow_origin);
        if self.credentials {
            response.set("Access-Control-Allow-Credentials", "true");
        }
        if !self.expose.is_empty() {
            response.set("Access-Control-Expose-Headers", &self.expose);
        }
        if req.method == "OPTIONS" {
            response.set("Access-Control-Allow-Headers", &self.headers);
            response.set("Access-Control-Allow-Methods", &self.methods);
            if self.max_age > 0 {
                response.set("Access-Control-Max-Age", &self.max_age.to_string());
            }
        }
    }
}
