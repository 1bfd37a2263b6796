//! CORS306: `Access-Control-Allow-Origin` depends on the request's `Origin`, but `Vary: Origin`
//! is not sent, so caches can serve one origin's answer to another.
//!
//! Proxy parts: ingress-nginx (any origin list other than `*`) and Traefik (an origin list or regex
//! without `addVaryHeader: true`).

use crate::diagnostic::Severity;
use crate::model::deploy::Written;
use crate::model::{CorsPolicy, OriginKind, Project};
use crate::rules::{Rule, Sink};

pub struct MissingVaryOrigin;

impl Rule for MissingVaryOrigin {
    const CODE: &'static str = "CORS306";
    const NAME: &'static str = "missing-vary-origin";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        check_ingress(project, sink);
        check_traefik(project, sink);
    }
}

/// The answer depends on the request's origin (anything but a lone `*`).
fn origin_dependent(policy: &CorsPolicy) -> bool {
    policy.origins.entries.iter().any(|e| !matches!(e.kind, OriginKind::Any))
}

fn check_ingress(project: &Project, sink: &mut Sink) {
    for ingress in &project.deploy.ingresses {
        let Some(cors) = ingress.cors.as_ref().filter(|c| c.enabled) else { continue };
        let Some(policy) = project.policies.iter().find(|p| p.span == cors.policy_span) else { continue };
        if !origin_dependent(policy) {
            continue;
        }
        // A snippet that adds the header itself (`more_set_headers "Vary: Origin"`) fixes it.
        let snippet_varies = ingress.configuration_snippet().is_some_and(|s| {
            let text = s.value.value.to_ascii_lowercase();
            text.contains("vary") && text.contains("origin")
        });
        if snippet_varies {
            continue;
        }
        let Some(origin) = ingress.nginx_annotation("cors-allow-origin") else { continue };
        sink.report(
            origin.value.span,
            "ingress-nginx answers each allowed origin with `Access-Control-Allow-Origin: <that origin>` and other \
             origins without it, but never sends `Vary: Origin`: a shared cache or the browser can serve one \
             origin's response to another, which then fails CORS",
        )
        .primary("the response depends on the request's Origin")
        .help(
            "add the header in a snippet: `nginx.ingress.kubernetes.io/configuration-snippet: \
             more_set_headers \"Vary: Origin\";`",
        );
    }
}

fn check_traefik(project: &Project, sink: &mut Sink) {
    for middleware in &project.deploy.traefik_middlewares {
        let Some(headers) = middleware.headers.as_ref().filter(|h| h.handles_cors()) else { continue };
        let Some(policy) = project.policies.iter().find(|p| Some(p.span) == middleware.policy_span) else { continue };
        if !origin_dependent(policy) {
            continue;
        }
        let vary = headers.add_vary_header.as_ref();
        if vary.is_some_and(|f| f.value != Some(false)) {
            continue; // `true`, or a value corslint cannot see
        }
        let Some(list) =
            headers.origin_list.as_ref().filter(|f| !f.value.is_empty()).or(headers.origin_list_regex.as_ref())
        else {
            continue;
        };
        let what = if headers.origin_list_regex.as_ref().is_some_and(|f| !f.value.is_empty()) {
            "echoes each origin its regex accepts in `Access-Control-Allow-Origin`"
        } else {
            "answers each listed origin with `Access-Control-Allow-Origin: <that origin>`"
        };
        let first = list.value.first().map_or(list.key, |w: &Written| w.span);
        let report = sink.report(
            first,
            format!(
                "Traefik {what} and answers other origins without the header, but adds `Vary: Origin` only with \
                 `addVaryHeader: true`: a shared cache or the browser can serve one origin's response to another"
            ),
        );
        report.primary("the response depends on the request's Origin");
        if let Some(f) = vary {
            report.label(f.key, "`addVaryHeader` is off");
        }
        if let Some(pruned) = headers.pruned_keys.iter().find(|k| k.value.eq_ignore_ascii_case("addVaryHeader")) {
            report.label(pruned.span, "not `addVaryHeader`: the Kubernetes API drops a field spelled in another case");
        }
        let help = match &middleware.source {
            crate::model::deploy::TraefikSource::ComposeLabels { .. } => {
                format!("add the label `traefik.http.middlewares.{}.headers.addvaryheader=true`", middleware.name.value)
            }
            _ => "add `addVaryHeader: true` to the middleware's `headers`".to_string(),
        };
        report.help(help);
    }
}
