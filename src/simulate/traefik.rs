//! Traefik's `headers` middleware (semantics.md section 5): preflights answered 200 by Traefik,
//! the exact origin list and the unanchored regex list, `Access-Control-Allow-Credentials` on every
//! response, `addVaryHeader`, and authentication middlewares in router order.

use super::fetch::Response;
use super::request::{Url, WireRequest};
use super::{Next, Trace};
use crate::analysis::matcher::{MatchSemantics, OriginMatcher};
use crate::model::Project;
use crate::model::deploy::{TraefikHeaders, TraefikMiddleware, TraefikRouter};

pub(crate) struct TraefikSim<'p> {
    project: &'p Project,
    router: Option<&'p TraefikRouter>,
    middlewares: Vec<&'p TraefikMiddleware>,
}

fn is_cors(m: &TraefikMiddleware) -> bool {
    m.headers.as_ref().is_some_and(TraefikHeaders::handles_cors)
}

pub(crate) fn candidates<'p>(project: &'p Project, url: Option<&Url>) -> Vec<TraefikSim<'p>> {
    let deploy = &project.deploy;
    let mut out = Vec::new();
    for router in &deploy.traefik_routers {
        let chain: Vec<&TraefikMiddleware> = router
            .middlewares
            .iter()
            .filter_map(|r| deploy.traefik_middlewares.iter().find(|m| m.is_referenced_by(&r.value)))
            .collect();
        if !chain.iter().any(|m| is_cors(m)) {
            continue;
        }
        let host_ok = match (url, &router.rule) {
            (Some(u), Some(rule)) if rule.value.contains("Host(") => rule.value.contains(&u.host),
            _ => true,
        };
        if host_ok {
            out.push(TraefikSim { project, router: Some(router), middlewares: chain });
        }
    }
    if out.is_empty() {
        for m in deploy.traefik_middlewares.iter().filter(|m| is_cors(m)) {
            out.push(TraefikSim { project, router: None, middlewares: vec![m] });
        }
    }
    out
}

fn join(field: &Option<crate::model::deploy::Field<Vec<crate::model::deploy::Written>>>) -> String {
    field.as_ref().map(|f| f.value.iter().map(|w| w.value.clone()).collect::<Vec<_>>().join(",")).unwrap_or_default()
}

/// `isOriginAllowed`: the exact list (`*` answers `*`), then the regexes (reflecting the origin).
fn origin_allowed(h: &TraefikHeaders, origin: &str) -> Option<String> {
    for item in h.origin_list.iter().flat_map(|f| f.value.iter()) {
        if item.value == "*" || item.value == origin {
            return Some(item.value.clone());
        }
    }
    for re in h.origin_list_regex.iter().flat_map(|f| f.value.iter()) {
        if OriginMatcher::new(&re.value, MatchSemantics::Search { case_insensitive: false })
            .is_ok_and(|m| m.is_match(origin))
        {
            return Some(origin.to_string());
        }
    }
    None
}

impl TraefikSim<'_> {
    pub fn name(&self) -> String {
        let names: Vec<&str> = self.middlewares.iter().map(|m| m.name.value.as_str()).collect();
        let file = self
            .middlewares
            .first()
            .and_then(|m| self.project.file(m.name.span.file))
            .map(|f| f.path.display().to_string())
            .unwrap_or_default();
        match self.router {
            Some(r) => format!("Traefik router {} with {} ({file})", r.name.value, names.join(", ")),
            None => format!("Traefik middleware {} ({file})", names.join(", ")),
        }
    }

    pub fn default_url(&self) -> Option<Url> {
        let rule = self.router.and_then(|r| r.rule.as_ref())?;
        let host = rule.value.split("Host(`").nth(1)?.split('`').next()?.to_ascii_lowercase();
        let path = rule
            .value
            .split("PathPrefix(`")
            .nth(1)
            .and_then(|p| p.split('`').next())
            .map_or_else(|| "/".to_string(), str::to_string);
        Some(Url { scheme: "https".into(), host, port: None, path, query: String::new() })
    }

    pub fn handle(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        self.run(0, req, trace, next)
    }

    fn run(&self, index: usize, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        let Some(m) = self.middlewares.get(index) else { return next(req, trace) };
        let layer = "Traefik";
        if m.authenticates() {
            if !req.has_credentials() {
                let r = Response::new(401);
                trace.step(
                    layer,
                    format!("middleware {} ({}) without credentials: 401", m.name.value, m.types.join(", ")),
                    &r,
                    Vec::new(),
                );
                return r;
            }
            trace.note(format!("Traefik middleware {} is assumed to accept the request's credentials", m.name.value));
            return self.run(index + 1, req, trace, next);
        }
        let Some(h) = m.headers.as_ref() else { return self.run(index + 1, req, trace, next) };
        if h.has_unknown {
            trace.unknown(format!("a value of Traefik middleware {} (a placeholder)", m.name.value));
        }
        let origin = req.header("origin").unwrap_or_default();
        let credentials = h.credentials.as_ref().is_some_and(|f| f.value == Some(true));
        if h.handles_cors() && req.is_preflight() {
            let mut r = Response::new(200);
            if credentials {
                r.set("Access-Control-Allow-Credentials", "true");
            }
            let headers = join(&h.headers);
            if !headers.is_empty() {
                r.set("Access-Control-Allow-Headers", &headers);
            }
            let methods = join(&h.methods);
            if !methods.is_empty() {
                r.set("Access-Control-Allow-Methods", &methods);
            }
            if let Some(value) = origin_allowed(h, &origin) {
                r.set("Access-Control-Allow-Origin", &value);
            }
            let max_age = h.max_age.as_ref().and_then(|f| f.value).unwrap_or(0);
            r.set("Access-Control-Max-Age", &max_age.to_string());
            trace.step(layer, format!("middleware {} answers the preflight: 200", m.name.value), &r, Vec::new());
            return r;
        }
        let mut r = self.run(index + 1, req, trace, next);
        for (name, value) in &h.custom_response_headers {
            if value.value.is_empty() {
                r.remove(&name.value);
            } else {
                r.set(&name.value, &value.value);
            }
        }
        if let Some(value) = origin_allowed(h, &origin) {
            r.set("Access-Control-Allow-Origin", &value);
        }
        if credentials {
            r.set("Access-Control-Allow-Credentials", "true");
        }
        let expose = join(&h.expose_headers);
        if !expose.is_empty() {
            r.set("Access-Control-Expose-Headers", &expose);
        }
        if h.add_vary_header.as_ref().is_some_and(|f| f.value == Some(true)) {
            let vary = r.get("vary").unwrap_or_default();
            if vary != "Origin" {
                let v = if vary.is_empty() { "Origin".to_string() } else { format!("{vary},Origin") };
                r.set("Vary", &v);
            }
        }
        trace.step(layer, format!("middleware {} sets its headers on the response", m.name.value), &r, Vec::new());
        r
    }
}
