//! CORS205: the app needs a request header that its CORS component does not allow (app part). How
//! its preflight refuses it and how the setting is spelled are the layer's (`AppLayerSpec`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::app::{HeaderNeed, Route};
use crate::model::layer::Field;
use crate::rules::method_not_allowed::{and_list, or_list};
use crate::rules::{Rule, Sink};
use std::collections::BTreeMap;

pub struct HeaderNotAllowed;

impl Rule for HeaderNotAllowed {
    const CODE: &'static str = "CORS205";
    const NAME: &'static str = "header-not-allowed";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            let Some((_, setup)) = app.outermost_cors() else { continue };
            let Some(policy) = project.policies.get(setup.policy) else { continue };
            let (spec, Some(layer)) = (policy.layer.spec(), policy.layer.spec().app()) else { continue };
            let Some(allowed) = policy.headers.known() else { continue };
            // `["*"]`: every requested header is allowed (Starlette mirrors them, `Authorization` included).
            if allowed.iter().any(|h| h.value.trim() == "*") {
                continue;
            }
            let is_allowed = |name: &str| {
                let name = name.to_ascii_lowercase();
                layer.always_allowed_headers().contains(&name.as_str())
                    || allowed.iter().any(|h| h.value.trim().eq_ignore_ascii_case(&name))
            };
            let mut missing: BTreeMap<String, (&HeaderNeed, Vec<&Route>)> = BTreeMap::new();
            for need in app.header_needs.iter().filter(|n| n.triggers_preflight() && !is_allowed(&n.name)) {
                missing.entry(need.name.to_ascii_lowercase()).or_insert((need, Vec::new()));
            }
            for route in &app.routes {
                for need in route.headers.iter().filter(|n| n.triggers_preflight() && !is_allowed(&n.name)) {
                    missing.entry(need.name.to_ascii_lowercase()).or_insert((need, Vec::new())).1.push(route);
                }
            }
            if missing.is_empty() {
                continue;
            }
            // One finding for the setting, naming every header it lacks (one cause, one span).
            let several = missing.len() > 1;
            let explicit = policy.headers.explicit;
            let needed: Vec<String> = missing
                .values()
                .map(|(need, routes)| {
                    let example = routes
                        .first()
                        .and_then(|r| r.methods.first().map(|m| format!(" for `{}`", r.describe(&m.value))))
                        .unwrap_or_default();
                    let more = match routes.len() {
                        0 | 1 => String::new(),
                        n => format!(" and {} more route{}", n - 1, if n == 2 { "" } else { "s" }),
                    };
                    let (name, source) = (&need.name, &need.source);
                    match (explicit, several) {
                        (true, false) => format!("`{name}`, which {source} needs{example}{more}"),
                        (true, true) => format!("`{name}` (which {source} needs{example}{more})"),
                        (false, _) => format!("{source} needs `{name}`{example}{more}"),
                    }
                })
                .collect();
            let asked: Vec<String> = missing.keys().map(|lower| format!("`{lower}`")).collect();
            let asked = or_list(&asked);
            let (name, component) = (spec.name(), layer.component());
            let (setting, refusal) = (layer.setting_name(Field::Headers), layer.preflight_refusal(Field::Headers));
            let message = if explicit {
                format!(
                    "{name} rejects preflights that ask for {asked} with {refusal}: `{setting}` does not list {}",
                    or_list(&needed)
                )
            } else {
                format!(
                    "{component} is set up without `{setting}`, so {name} allows only the safelisted headers: \
                     preflights that ask for {asked} get {refusal}, and {}",
                    and_list(&needed)
                )
            };
            let mut wanted: Vec<String> = allowed.iter().map(|h| h.value.clone()).collect();
            if !wanted.iter().any(|h| h.eq_ignore_ascii_case("Content-Type")) {
                wanted.push("Content-Type".to_string());
            }
            wanted.extend(missing.values().map(|(need, _)| canonical(&need.name)));
            let names: Vec<String> = missing.values().map(|(need, _)| format!("`{}`", need.name)).collect();
            let diagnostic = sink
                .report(policy.headers.span, message)
                .primary(format!("does not allow {}", or_list(&names)))
                .help(spec.write_setting(Field::Headers, &wanted.iter().map(String::as_str).collect::<Vec<_>>()));
            for (need, routes) in missing.values() {
                diagnostic.label(need.span, format!("needs `{}`", need.name));
                for route in routes.iter().take(2) {
                    if route.span != need.span {
                        let method = route.methods.first().map_or("", |m| m.value.as_str());
                        diagnostic.label(route.span, format!("`{}` sends it", route.describe(method)));
                    }
                }
            }
        }
    }
}

/// `x-api-key` → `X-Api-Key` for the help (header names are case-insensitive; this only reads well).
fn canonical(name: &str) -> String {
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return name.to_string();
    }
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}
