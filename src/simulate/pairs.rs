//! Every (frontend origin, API, environment) pair the repository implies, each walked through the
//! stack by [`simulate`](super::simulate): CORS109 and `corslint simulate` without `--origin`.
//!
//! The API URL is linked to a backend of the repository the way proxies are: a `localhost` port is
//! the compose service that publishes it (its app, or the nginx it runs), or the only app of a
//! repository without compose; another host must be one an Ingress, Traefik router or nginx
//! `server_name` serves, or a compose service's Traefik router labels route to. Anything else is
//! Unknown: no finding.

use super::{BrowserRequest, Hop, Options, Simulation, Url, choose_stack, simulate};
use crate::model::deploy::published_port;
use crate::model::frontend::{Environment, Evidence, Write};
use crate::model::{CorsPolicy, Project};
use crate::source::Span;

/// What the browser does with one pair.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Allowed,
    /// In the browser's words (after "has been blocked by CORS policy: ").
    Blocked(String),
    /// Which value the repository does not determine.
    Unknown(String),
    /// The page calls its own origin (a path, or its dev proxy): no CORS at all.
    SameOrigin(String),
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Blocked(_) => "blocked",
            Outcome::Unknown(_) => "unknown",
            Outcome::SameOrigin(_) => "same-origin",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Outcome::Allowed => "",
            Outcome::Blocked(r) | Outcome::Unknown(r) | Outcome::SameOrigin(r) => r,
        }
    }
}

/// One frontend origin calling one API base in one environment.
#[derive(Clone, Debug)]
pub struct Pair {
    /// Index into `Project::frontends`.
    pub frontend: usize,
    pub origin: String,
    /// The origin is only the dev server's fallback port.
    pub fallback: bool,
    pub environment: Environment,
    pub api: String,
    pub credentials: bool,
    /// The request the outcome is about: `GET`, or the first of the client's writes (`PUT with a
    /// JSON body`) that is not allowed when the GET is.
    pub request: String,
    /// Where the client sends that request (none for the GET).
    pub request_evidence: Option<Evidence>,
    pub outcome: Outcome,
    pub origin_evidence: Vec<Evidence>,
    pub api_evidence: Vec<Evidence>,
    /// The setting that decides (the policy's origins or credentials), when blocked.
    pub policy: Option<Span>,
    /// The walk, when there was one.
    pub simulation: Option<Simulation>,
}

/// Every pair of every frontend, in frontend, environment, origin, API order.
pub fn pairs(project: &Project) -> Vec<Pair> {
    let mut out = Vec::new();
    for (index, frontend) in project.frontends.iter().enumerate() {
        for environment in [Environment::Development, Environment::Production] {
            for origin in frontend.origins.iter().filter(|o| o.environment == environment) {
                for (api, base) in frontend.api_urls(environment) {
                    let mut pair = Pair {
                        frontend: index,
                        origin: origin.origin.clone(),
                        fallback: origin.fallback,
                        environment,
                        api: api.to_string(),
                        credentials: frontend.client.credentials,
                        request: "GET".into(),
                        request_evidence: None,
                        outcome: Outcome::Allowed,
                        origin_evidence: origin.evidence.clone(),
                        api_evidence: base.evidence.clone(),
                        policy: None,
                        simulation: None,
                    };
                    let headers: Vec<(String, String)> =
                        frontend.client.headers.iter().map(|(name, _)| (name.clone(), "…".to_string())).collect();
                    walk(project, &mut pair, headers, &frontend.client.writes);
                    out.push(pair);
                }
            }
        }
    }
    out
}

fn walk(project: &Project, pair: &mut Pair, headers: Vec<(String, String)>, writes: &[Write]) {
    let Some(url) = Url::parse(&pair.api) else {
        let why = if pair.api.starts_with('/') {
            "a path: the page calls its own origin (through the dev proxy in development)"
        } else {
            "the API URL is not an absolute URL"
        };
        pair.outcome =
            if pair.api.starts_with('/') { Outcome::SameOrigin(why.into()) } else { Outcome::Unknown(why.into()) };
        return;
    };
    if Url::parse(&pair.origin).is_some_and(|o| same_origin(&o, &url)) {
        pair.outcome = Outcome::SameOrigin("the API is on the page's own origin".into());
        return;
    }
    // A base URL: the client's calls go below it (`/api` + `/items`).
    let url = if url.path.ends_with('/') { url } else { Url { path: format!("{}/", url.path), ..url } };
    let (url, options) = match link(project, &url) {
        Ok(linked) => linked,
        Err(why) => {
            pair.outcome = Outcome::Unknown(why);
            return;
        }
    };
    // The GET first; then each call that needs a preflight, until one is not allowed.
    let mut requests = vec![("GET".to_string(), Vec::new(), "GET".to_string(), None)];
    for write in writes {
        let content_type = write.json.then(|| ("Content-Type".to_string(), "application/json".to_string()));
        requests.push((write.method.clone(), content_type.into_iter().collect(), write.describe(), Some(write)));
    }
    for (method, extra, label, write) in requests {
        let request = BrowserRequest {
            origin: pair.origin.clone(),
            method,
            headers: headers.iter().cloned().chain(extra).collect(),
            credentials: pair.credentials,
            cookies: pair.credentials,
            url: Some(url.clone()),
        };
        let sim = match simulate(project, &request, &options) {
            Ok(sim) => sim,
            Err(why) => {
                pair.outcome = Outcome::Unknown(why);
                return;
            }
        };
        let outcome = match (&sim.verdict.unknown, sim.verdict.allowed) {
            (Some(what), _) => Outcome::Unknown(format!("depends on {what}")),
            (None, true) => Outcome::Allowed,
            (None, false) => Outcome::Blocked(sim.verdict.reason.clone().unwrap_or_default()),
        };
        if outcome == Outcome::Allowed && pair.simulation.is_some() {
            continue;
        }
        pair.simulation = Some(sim);
        if outcome == Outcome::Allowed {
            continue;
        }
        pair.request = label;
        pair.request_evidence = write.map(|w| w.evidence.clone());
        if matches!(outcome, Outcome::Blocked(_)) {
            pair.policy = deciding_span(project, &request, &options, pair.credentials, &outcome);
        }
        pair.outcome = outcome;
        return;
    }
}

fn default_port(url: &Url) -> u16 {
    url.port.unwrap_or(if url.scheme == "https" { 443 } else { 80 })
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme == b.scheme && a.host == b.host && default_port(a) == default_port(b)
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

/// The URL to walk and the layer it enters, or why the repository does not say which backend
/// answers `url`.
fn link(project: &Project, url: &Url) -> Result<(Url, Options), String> {
    let port = default_port(url);
    if is_loopback(&url.host) {
        let services = &project.deploy.compose_services;
        let publishing: Vec<(usize, u16)> = services
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.ports.iter().filter_map(move |p| published_port(&p.value).map(|(h, c)| (i, h, c))))
            .filter(|(_, host, _)| *host == port)
            .map(|(i, _, container)| (i, container))
            .collect();
        if let [(service, container)] = publishing[..] {
            return link_compose(project, url, service, container);
        }
        if publishing.len() > 1 {
            return Err(format!("several compose services publish port {port}"));
        }
        if services.iter().any(|s| !s.ports.is_empty()) {
            return Err(format!("no compose service publishes port {port}"));
        }
        return match project.apps.len() {
            1 => Ok((url.clone(), Options { via: Some("app".into()), app: Some(0), ..Options::default() })),
            0 => Err("no app of the repository serves it".into()),
            _ => Err(format!("which of the repository's apps listens on port {port}")),
        };
    }
    let served = !super::ingress::candidates(project, Some(url)).is_empty()
        || !super::traefik::candidates(project, Some(url)).is_empty()
        || super::nginx::candidates(project, Some(url)).iter().any(|n| n.names().contains(&url.host));
    if served {
        return Ok((url.clone(), Options::default()));
    }
    // A compose service whose Traefik router routes the host to it (no CORS middleware on the way).
    let routed: Vec<usize> = (0..project.deploy.compose_services.len())
        .filter(|&i| {
            project
                .deploy
                .compose_services
                .get(i)
                .is_some_and(|s| s.traefik_hosts().iter().any(|(h, ..)| *h == url.host))
        })
        .collect();
    match routed[..] {
        [service] => {
            let port = project.deploy.compose_services.get(service).and_then(|s| s.traefik_port()).unwrap_or(80);
            link_compose(project, url, service, port)
        }
        [] => Err(format!("{} is not a host the repository serves", url.host)),
        _ => Err(format!("several compose services' Traefik routers serve {}", url.host)),
    }
}

/// The compose service publishing the API's port: the app built from its context, or the nginx
/// it runs (whose server listens on the container port).
fn link_compose(project: &Project, url: &Url, service: usize, container: u16) -> Result<(Url, Options), String> {
    let name = project.deploy.compose_services.get(service).map(|s| s.name.value.clone()).unwrap_or_default();
    if let Some(context) = project.compose_build_context(service) {
        let apps: Vec<usize> = (0..project.apps.len())
            .filter(|&i| {
                project
                    .apps
                    .get(i)
                    .and_then(|a| project.absolute_path(a.span.file))
                    .is_some_and(|p| p.starts_with(&context))
            })
            .collect();
        if let [app] = apps[..] {
            return Ok((url.clone(), Options { via: Some("app".into()), app: Some(app), ..Options::default() }));
        }
    }
    let inside = Url { host: "localhost".into(), port: Some(container), ..url.clone() };
    let runs_nginx = super::nginx::candidates(project, Some(&inside))
        .iter()
        .filter_map(super::nginx::NginxSim::span)
        .any(|server| project.compose_services_running_nginx(server.file).contains(&service));
    if runs_nginx {
        return Ok((inside, Options { via: Some("nginx".into()), ..Options::default() }));
    }
    Err(format!(
        "compose service `{name}` publishes the port, but corslint finds no app or nginx of the repository in it"
    ))
}

/// Where a blocked pair is reported: the outermost layer's CORS policy (its credentials, methods or
/// headers setting when that is what fails, else its origins), or the app when no layer has one.
fn deciding_span(
    project: &Project,
    request: &BrowserRequest,
    options: &Options,
    credentials: bool,
    outcome: &Outcome,
) -> Option<Span> {
    let (stack, _) = choose_stack(project, request, options).ok()?;
    let policy_of = |hop: &Hop<'_>| -> Option<&CorsPolicy> {
        match hop {
            Hop::App(a) => a.app().outermost_cors().and_then(|(_, setup)| project.policies.get(setup.policy)),
            Hop::Nginx(n) => {
                let server = n.span()?;
                project.policies.iter().find(|p| {
                    p.span.file == server.file && p.span.start() >= server.start() && p.span.end() <= server.end()
                })
            }
            Hop::Ingress(i) => {
                let cors = i.ingress().cors.as_ref()?;
                project.policies.iter().find(|p| p.span == cors.policy_span)
            }
            Hop::Traefik(t) => {
                let span = t.middlewares().iter().find_map(|m| m.policy_span)?;
                project.policies.iter().find(|p| p.span == span)
            }
        }
    };
    match stack.iter().find_map(policy_of) {
        Some(policy) if credentials && policy.credentials.known() != Some(&true) => Some(policy.credentials.span),
        Some(policy) if outcome.reason().contains("Access-Control-Allow-Methods") => Some(policy.methods.span),
        Some(policy) if outcome.reason().contains("Access-Control-Allow-Headers") => Some(policy.headers.span),
        Some(policy) => Some(policy.origins.entries.first().map_or(policy.span, |e| e.span)),
        None => stack.iter().find_map(|hop| match hop {
            Hop::App(a) => Some(a.app().span),
            Hop::Nginx(n) => n.span(),
            Hop::Ingress(i) => Some(i.ingress().span),
            Hop::Traefik(t) => t.middlewares().first().map(|m| m.name.span),
        }),
    }
}
