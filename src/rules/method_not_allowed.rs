//! CORS204: a route's method is missing from `allow_methods`, so its preflight fails.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::fastapi::{App, Route};
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
            let Some(allowed) = policy.methods.known() else { continue };
            if allowed.iter().any(|m| m.value.trim() == "*") {
                continue;
            }
            let mut missing: BTreeMap<&str, Vec<(&Route, Why)>> = BTreeMap::new();
            for route in &app.routes {
                for method in &route.methods {
                    let method = method.value.as_str();
                    let Some(why) = preflight_reason(app, route, method) else { continue };
                    // Starlette compares the requested method with the list exactly (case-sensitive).
                    if !allowed.iter().any(|m| m.value == method) {
                        missing.entry(method).or_default().push((route, why));
                    }
                }
            }
            let all_missing: Vec<&str> = missing.keys().copied().collect();
            for (method, routes) in missing {
                let Some((first, why)) = routes.first() else { continue };
                let allowed_list: Vec<&str> = allowed.iter().map(|m| m.value.as_str()).collect();
                let case_note = allowed
                    .iter()
                    .find(|m| m.value.eq_ignore_ascii_case(method))
                    .map(|m| {
                        format!(
                            " (Starlette compares methods case-sensitively: `{}` does not allow `{method}`)",
                            m.value
                        )
                    })
                    .unwrap_or_default();
                let reason = match why {
                    Why::Method => String::new(),
                    Why::JsonBody(_) => " (a POST with a JSON body is not a simple request, so the browser sends a \
                                         preflight first)"
                        .to_string(),
                    Why::Header(h) => format!(" (the request carries `{h}`, so the browser sends a preflight first)"),
                };
                let more = match routes.len() {
                    1 => String::new(),
                    n => format!(" and {} more route{}", n - 1, if n == 2 { "" } else { "s" }),
                };
                let message = if policy.methods.explicit {
                    format!(
                        "Starlette rejects the preflight for `{method}` with 400 `Disallowed CORS method`: `allow_methods` \
                         lists only {}{case_note}, so the browser blocks `{}`{more}{reason}",
                        quoted(&allowed_list),
                        first.describe(method)
                    )
                } else {
                    format!(
                        "CORSMiddleware is set up without `allow_methods`, so Starlette allows only `GET`: the preflight \
                         for `{method}` gets 400 `Disallowed CORS method` and the browser blocks `{}`{more}{reason}",
                        first.describe(method)
                    )
                };
                // One help that fixes every route at once.
                let mut wanted: Vec<String> = allowed_list.iter().map(|m| m.to_ascii_uppercase()).collect();
                for m in &all_missing {
                    if !wanted.iter().any(|w| w == m) {
                        wanted.push(m.to_string());
                    }
                }
                let diagnostic = sink
                    .report(policy.methods.span, message)
                    .primary(if policy.methods.explicit {
                        format!("does not allow `{method}`")
                    } else {
                        "allows only `GET`".to_string()
                    })
                    .help(format!("allow_methods=[{}]", quoted_list(&wanted)));
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

fn quoted_list(items: &[String]) -> String {
    items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
}
