//! CORS204: a route's method is missing from the app's allowed methods, so its preflight fails.
//! How the preflight fails and how the setting is spelled are the layer's (`AppLayerSpec`).

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::app::{App, Route};
use crate::model::layer::Field;
use crate::rules::{Rule, Sink};
use crate::source::Span;
use std::collections::BTreeMap;

pub struct MethodNotAllowed;

/// Why the browser sends a preflight for a request.
#[derive(Clone, Debug)]
enum Why {
    /// The method is not CORS-safelisted.
    Method,
    /// A POST with a JSON body (`Content-Type: application/json` is not safelisted).
    JsonBody(Span),
    /// A header that is not safelisted.
    Header(String),
}

impl Rule for MethodNotAllowed {
    const CODE: &'static str = "CORS204";
    const NAME: &'static str = "method-not-allowed";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for app in &project.apps {
            let Some((_, setup)) = app.outermost_cors() else { continue };
            let Some(policy) = project.policies.get(setup.policy) else { continue };
            let (spec, Some(layer)) = (policy.layer.spec(), policy.layer.spec().app()) else { continue };
            let Some(allowed) = policy.methods.known() else { continue };
            if allowed.iter().any(|m| m.value.trim() == "*") {
                continue;
            }
            let mut missing: BTreeMap<&str, Vec<(&Route, Why)>> = BTreeMap::new();
            for route in &app.routes {
                for method in &route.methods {
                    let method = method.value.as_str();
                    let Some(why) = preflight_reason(app, route, method) else { continue };
                    let listed = |m: &str| {
                        if layer.methods_case_sensitive() { m == method } else { m.eq_ignore_ascii_case(method) }
                    };
                    if !allowed.iter().any(|m| listed(&m.value)) {
                        missing.entry(method).or_default().push((route, why));
                    }
                }
            }
            if missing.is_empty() {
                continue;
            }
            // One finding for the setting, naming every method it lacks (one cause, one span).
            let methods: Vec<&str> = missing.keys().copied().collect();
            let several = methods.len() > 1;
            let allowed_list: Vec<&str> = allowed.iter().map(|m| m.value.as_str()).collect();
            let case_note = methods
                .iter()
                .find_map(|method| {
                    let written = allowed.iter().find(|m| m.value.eq_ignore_ascii_case(method))?;
                    Some(format!(
                        " ({} compares methods case-sensitively: `{}` does not allow `{method}`)",
                        spec.name(),
                        written.value
                    ))
                })
                .unwrap_or_default();
            let blocked: Vec<String> = missing
                .iter()
                .filter_map(|(method, routes)| {
                    let (first, why) = routes.first()?;
                    let reason = match why {
                        Why::Method => String::new(),
                        Why::JsonBody(_) => " (a POST with a JSON body is not a simple request, so the browser sends \
                                             a preflight first)"
                            .to_string(),
                        Why::Header(h) => {
                            format!(" (the request carries `{h}`, so the browser sends a preflight first)")
                        }
                    };
                    let more = match (routes.len(), several) {
                        (1, _) => String::new(),
                        (n, false) => format!(" and {} more route{}", n - 1, if n == 2 { "" } else { "s" }),
                        (n, true) => format!(" (and {} more route{})", n - 1, if n == 2 { "" } else { "s" }),
                    };
                    Some(format!("`{}`{more}{reason}", first.describe(method)))
                })
                .collect();
            let (listed, blocked) = (and_list(&quoted_each(&methods)), and_list(&blocked));
            let (preflight, gets) = if several { ("preflights", "get") } else { ("preflight", "gets") };
            let (name, component) = (spec.name(), layer.component());
            let (setting, refusal) = (layer.setting_name(Field::Methods), layer.preflight_refusal(Field::Methods));
            let defaults = quoted(&allowed_list);
            let message = if policy.methods.explicit {
                format!(
                    "{name} rejects the {preflight} for {listed} with {refusal}: `{setting}` lists only \
                     {defaults}{case_note}, so the browser blocks {blocked}"
                )
            } else {
                format!(
                    "{component} is set up without `{setting}`, so {name} allows only {defaults}: the {preflight} for \
                     {listed} {gets} {refusal} and the browser blocks {blocked}"
                )
            };
            // One help that fixes every route at once.
            let mut wanted: Vec<String> = allowed_list.iter().map(|m| m.to_ascii_uppercase()).collect();
            for m in &methods {
                if !wanted.iter().any(|w| w == m) {
                    wanted.push(m.to_string());
                }
            }
            let diagnostic = sink
                .report(policy.methods.span, message)
                .primary(if policy.methods.explicit {
                    format!("does not allow {}", or_list(&quoted_each(&methods)))
                } else {
                    format!("allows only {defaults}")
                })
                .help(spec.write_setting(Field::Methods, &wanted.iter().map(String::as_str).collect::<Vec<_>>()));
            for (method, routes) in &missing {
                for (route, why) in routes.iter().take(3) {
                    diagnostic
                        .label(route.span, format!("`{}` needs a preflight for `{method}`", route.describe(method)));
                    if let Why::JsonBody(body) = why {
                        diagnostic.label(*body, "JSON body");
                    }
                }
            }
        }
    }
}

/// Whether (and why) a browser request to this route with this method is preflighted.
fn preflight_reason(app: &App, route: &Route, method: &str) -> Option<Why> {
    match method {
        // OPTIONS requests are answered by CORSMiddleware; TRACE and CONNECT cannot be sent by fetch.
        "OPTIONS" | "TRACE" | "CONNECT" => None,
        "GET" | "HEAD" | "POST" => {
            if let Some(body) = route.json_body.filter(|_| method == "POST") {
                return Some(Why::JsonBody(body));
            }
            route
                .headers
                .iter()
                .chain(&app.header_needs)
                .find(|h| h.triggers_preflight())
                .map(|h| Why::Header(h.name.clone()))
        }
        _ => Some(Why::Method),
    }
}

fn quoted(items: &[&str]) -> String {
    if items.is_empty() {
        return "nothing".to_string();
    }
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn quoted_each(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| format!("`{i}`")).collect()
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn and_list(items: &[String]) -> String {
    joined(items, "and")
}

/// `a`, `a or b`, `a, b or c`.
pub(super) fn or_list(items: &[String]) -> String {
    joined(items, "or")
}

fn joined(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}
