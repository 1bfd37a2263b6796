//! `corslint simulate`: walks one browser request through the stack found in the repository,
//! layer by layer (gateway → nginx → app), and judges the responses as the browser does.
//!
//! [`sendable`] tells the requests no browser makes (the command refuses them; the library
//! models them too: the ground truth sends them to real servers), [`request`] builds the
//! browser's requests, each layer module turns a request (and the response of the layer behind
//! it) into its response, [`fetch`] is the browser's CORS check, and [`report`] prints the walk.
//! Which layers form the stack is decided in one place, [`choose_stack`].

mod apps;
mod django;
pub mod engines;
mod express;
mod fastify;
pub mod fetch;
mod flask;
mod hono;
mod ingress;
pub mod issue;
mod litestar;
pub mod mermaid;
mod nginx;
pub mod pairs;
pub mod report;
pub mod request;
pub mod sendable;
mod starlette;
pub mod table;
mod traefik;

pub use fetch::{Response, Verdict, cors_check};
pub use issue::CorsIssue;
pub use request::{BrowserRequest, Url, WireRequest};
pub use starlette::StarletteVersion;

use crate::model::Project;
use serde::Serialize;

/// One layer's answer (or hand-over) for one request.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// `preflight` or `actual`.
    pub request: &'static str,
    pub layer: String,
    /// What the layer did (`location /api/ → proxy_pass http://backend`).
    pub what: String,
    pub status: Option<u16>,
    /// The response headers as they leave this layer.
    pub headers: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// One request and the response the browser receives.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    pub method: String,
    pub request_headers: Vec<(String, String)>,
    pub response: Response,
    pub verdict: Verdict,
    /// The browser sends it (an actual request is not sent after a failed preflight).
    pub sent: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    /// The layers walked, outermost first.
    pub stack: Vec<String>,
    pub url: Option<String>,
    pub origin: String,
    pub credentials: bool,
    /// Why a preflight is sent, when it is.
    pub preflight_reason: Option<String>,
    pub steps: Vec<Step>,
    pub preflight: Option<Exchange>,
    pub actual: Exchange,
    pub verdict: Verdict,
    /// Assumptions the simulation made.
    pub notes: Vec<String>,
}

/// What the caller chooses besides the request.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Start the walk at this kind of layer (`nginx`, `ingress`, `traefik`, `app`).
    pub via: Option<String>,
    pub starlette: StarletteVersion,
    /// What the endpoint (the app's route, or an upstream outside the repository) answers with;
    /// default 200. A 500 from a Starlette app is an unhandled exception.
    pub endpoint_status: Option<u16>,
    /// Only this app (`Project::apps` index) can answer: the caller linked the request to it.
    pub app: Option<usize>,
}

/// Collects the steps and what could not be determined.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub request: &'static str,
    pub steps: Vec<Step>,
    pub unknown: Option<String>,
    pub notes: Vec<String>,
    /// `--endpoint-status`.
    pub endpoint_status: Option<u16>,
    /// The response was sent by Starlette's `ServerErrorMiddleware` (an unhandled exception): no
    /// middleware inside it adds headers.
    pub server_error: bool,
}

impl Trace {
    pub fn step(&mut self, layer: &str, what: impl Into<String>, response: &Response, notes: Vec<String>) {
        self.steps.push(Step {
            request: self.request,
            layer: layer.to_string(),
            what: what.into(),
            status: Some(response.status),
            headers: response.headers.clone(),
            notes,
        });
    }

    /// The outcome depends on `what`, which static analysis does not know.
    pub fn unknown(&mut self, what: impl Into<String>) {
        let what = what.into();
        if self.unknown.is_none() {
            self.unknown = Some(what.clone());
        }
        self.notes.push(format!("unknown: {what}"));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

/// One layer of the stack.
pub(crate) enum Hop<'p> {
    Ingress(ingress::IngressSim<'p>),
    Traefik(traefik::TraefikSim<'p>),
    Nginx(nginx::NginxSim<'p>),
    App(Box<dyn apps::AppStep<'p> + 'p>),
}

impl Hop<'_> {
    fn name(&self) -> String {
        match self {
            Hop::Ingress(s) => s.name(),
            Hop::Traefik(s) => s.name(),
            Hop::Nginx(s) => s.name(),
            Hop::App(s) => s.name(),
        }
    }
}

type Next<'a> = dyn FnMut(&WireRequest, &mut Trace) -> Response + 'a;

/// Sends `req` to the first hop, which may hand it on to the rest.
fn forward(hops: &[Hop<'_>], req: &WireRequest, trace: &mut Trace) -> Response {
    let Some((hop, rest)) = hops.split_first() else {
        // An app without CORS handling has no OPTIONS route: its router answers 405.
        let other = trace.endpoint_status.unwrap_or(200);
        let status = if req.method == "OPTIONS" { 405 } else { other };
        trace.note(format!(
            "the upstream is not in the repository: assumed to answer OPTIONS with 405 and other methods with {other} (--endpoint-status), without CORS headers"
        ));
        let response = Response::new(status);
        trace.step(
            "upstream",
            format!("not in the repository (assumed: {status}, no CORS headers)"),
            &response,
            Vec::new(),
        );
        return response;
    };
    let mut next = |r: &WireRequest, t: &mut Trace| forward(rest, r, t);
    match hop {
        Hop::Ingress(s) => s.handle(req, trace, &mut next),
        Hop::Traefik(s) => s.handle(req, trace, &mut next),
        Hop::Nginx(s) => s.handle(req, trace, &mut next),
        Hop::App(s) => s.handle(req, trace),
    }
}

/// Picks the layers the request goes through, outermost first. The only place that decides the
/// stack: it will read `crate::stack` links once they exist.
pub(crate) fn choose_stack<'p>(
    project: &'p Project,
    request: &BrowserRequest,
    options: &Options,
) -> Result<(Vec<Hop<'p>>, Vec<String>), String> {
    let url = request.url.as_ref();
    let mut fronts: Vec<Hop<'p>> = Vec::new();
    let wants = |kind: &str| options.via.as_deref().is_none_or(|v| v == kind);
    if wants("ingress") {
        fronts.extend(ingress::candidates(project, url).into_iter().map(Hop::Ingress));
    }
    if wants("traefik") {
        fronts.extend(traefik::candidates(project, url).into_iter().map(Hop::Traefik));
    }
    if wants("nginx") {
        fronts.extend(nginx::candidates(project, url).into_iter().map(Hop::Nginx));
    }
    let mut apps = apps::candidates(project, url, options);
    if let Some(only) = options.app.and_then(|i| project.apps.get(i)) {
        apps.retain(|a| std::ptr::eq(a.app(), only));
    }
    if options.via.as_deref() == Some("app") {
        fronts.clear();
    }
    let mut notes = Vec::new();
    if fronts.len() > 1 {
        // The repository's own links (proxy_pass → compose service → app, ...) settle which front
        // really stands before an app; only when they do not is the choice left to the user.
        let linked: Vec<usize> = (0..fronts.len()).filter(|&i| !linked_apps(project, &fronts[i]).is_empty()).collect();
        if let [only] = linked[..] {
            notes.push(format!(
                "{} chosen: it is the only front layer the repository links to an app (pick another with --via)",
                fronts[only].name()
            ));
            let chosen = fronts.swap_remove(only);
            fronts = vec![chosen];
        } else {
            let names: Vec<String> = fronts.iter().map(Hop::name).collect();
            return Err(format!(
                "several layers could answer this request: {}; pick one with --via (nginx, ingress, traefik, app) or a --url that only one of them serves",
                names.join("; ")
            ));
        }
    }
    let apps = match fronts.first().map(|front| linked_apps(project, front)) {
        Some(linked) if !linked.is_empty() => {
            apps.into_iter().filter(|a| linked.iter().any(|l| std::ptr::eq(*l, a.app()))).collect()
        }
        _ => apps,
    };
    let mut stack = fronts;
    let forwards = match stack.first() {
        Some(Hop::Nginx(n)) => n.forwards(),
        Some(_) => true,
        None => true,
    };
    if forwards {
        match apps.len() {
            0 if stack.is_empty() => {
                return Err(
                    "no FastAPI/Starlette app, nginx configuration, Ingress or Traefik middleware found".to_string()
                );
            }
            0 => {}
            1 => stack.extend(apps.into_iter().map(Hop::App)),
            _ => {
                let names: Vec<String> = apps.iter().map(|a| a.name()).collect();
                return Err(format!(
                    "several apps could answer this request: {}; give the app's file or folder as PATHS",
                    names.join("; ")
                ));
            }
        }
    } else if options.via.is_none() && stack.is_empty() {
        return Err("nothing to simulate".to_string());
    }
    if options.via.is_some() && stack.is_empty() {
        return Err(format!("no {} layer found for this request", options.via.as_deref().unwrap_or("")));
    }
    Ok((stack, notes))
}

/// The apps the repository links behind a front layer (`crate::model::stack`).
fn linked_apps<'p>(project: &'p Project, hop: &Hop<'p>) -> Vec<&'p crate::model::app::App> {
    use crate::model::stack::Node;
    match hop {
        Hop::Nginx(n) => project
            .links
            .iter()
            .filter(|link| match link.front() {
                Some(Node::Nginx(block)) => n.contains(block),
                _ => false,
            })
            .filter_map(|link| project.apps.get(link.app))
            .collect(),
        Hop::Ingress(i) => project
            .deploy
            .ingresses
            .iter()
            .position(|candidate| std::ptr::eq(candidate, i.ingress()))
            .map(|index| project.apps_behind_ingress(index).map(|(app, _)| app).collect())
            .unwrap_or_default(),
        Hop::Traefik(t) => {
            t.middlewares().iter().flat_map(|m| project.apps_behind_traefik(m)).map(|(app, _)| app).collect()
        }
        Hop::App(_) => Vec::new(),
    }
}

/// Walks the request (its preflight first, when one is needed) through the stack. When Firefox
/// would send it without the cookie ([`engines`]) and that changes the outcome, the verdict
/// holds each browser's (`by_browser`).
pub fn simulate(project: &Project, request: &BrowserRequest, options: &Options) -> Result<Simulation, String> {
    let mut sim = walk(project, request, options)?;
    // The URL walked (a default one when none was given).
    let walked = BrowserRequest { url: sim.url.as_deref().and_then(Url::parse), ..request.clone() };
    if sim.verdict.unknown.is_none() && engines::firefox_withholds_cookies(&walked) {
        let without = walk(project, &BrowserRequest { cookies: false, ..walked }, options)?;
        if let Some(by) = engines::split(&sim.verdict, &without.verdict) {
            let there = match &by.firefox.reason {
                _ if by.firefox.allowed => "the response is readable there".to_string(),
                reason => format!("blocked there: {}", reason.as_deref().unwrap_or("")),
            };
            sim.notes
                .push(format!("Firefox sends this request without the cookie (the page is on another site): {there}"));
            sim.verdict.by_browser = Some(by);
        }
    }
    Ok(sim)
}

fn walk(project: &Project, request: &BrowserRequest, options: &Options) -> Result<Simulation, String> {
    let mut request = request.clone();
    let (stack, mut notes) = choose_stack(project, &request, options)?;
    if request.url.is_none() {
        let guess = stack.iter().find_map(|h| match h {
            Hop::Nginx(n) => n.default_url(),
            Hop::Ingress(i) => i.default_url(),
            Hop::Traefik(t) => t.default_url(),
            Hop::App(a) => a.default_url(),
        });
        let url = guess.unwrap_or_else(|| Url {
            scheme: "https".into(),
            host: "api.example.com".into(),
            port: None,
            path: "/".into(),
            query: String::new(),
        });
        notes.push(format!("no --url given: simulating {}", url.to_text()));
        request.url = Some(url);
    }
    let names: Vec<String> = stack.iter().map(Hop::name).collect();
    let mut steps = Vec::new();
    let mut unknown = None;
    let preflight_reason = request.preflight_reason();
    let preflight = match &preflight_reason {
        Some(_) => {
            let wire = request.preflight();
            let mut trace =
                Trace { request: "preflight", endpoint_status: options.endpoint_status, ..Trace::default() };
            let response = forward(&stack, &wire, &mut trace);
            let verdict = fetch::cors_check(&request, &response, true);
            // Steps are recorded as responses return; list them outermost first.
            trace.steps.reverse();
            steps.append(&mut trace.steps);
            notes.extend(trace.notes.into_iter().filter(|n| !notes.contains(n)).collect::<Vec<_>>());
            unknown = unknown.or(trace.unknown);
            Some(Exchange {
                method: wire.method.clone(),
                request_headers: wire.headers.clone(),
                response,
                verdict,
                sent: true,
            })
        }
        None => None,
    };
    let preflight_ok = preflight.as_ref().is_none_or(|p| p.verdict.allowed);
    let wire = request.actual();
    let mut trace = Trace { request: "actual", endpoint_status: options.endpoint_status, ..Trace::default() };
    let response = forward(&stack, &wire, &mut trace);
    let verdict = fetch::cors_check(&request, &response, false);
    trace.steps.reverse();
    steps.append(&mut trace.steps);
    for n in trace.notes {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    if preflight_ok {
        unknown = unknown.or(trace.unknown);
    }
    let actual = Exchange {
        method: wire.method.clone(),
        request_headers: wire.headers.clone(),
        response,
        verdict,
        sent: preflight_ok,
    };
    if let Some(caveat) = preflight.as_ref().and_then(|p| p.verdict.caveat.clone()) {
        notes.push(caveat);
    }
    let verdict = match (&preflight, unknown) {
        (_, Some(what)) => Verdict::undetermined(what),
        (Some(p), None) if !p.verdict.allowed => p.verdict.clone(),
        _ => actual.verdict.clone(),
    };
    Ok(Simulation {
        stack: names,
        url: request.url.as_ref().map(Url::to_text),
        origin: request.origin.clone(),
        credentials: request.credentials,
        preflight_reason,
        steps,
        preflight,
        actual,
        verdict,
        notes,
    })
}
