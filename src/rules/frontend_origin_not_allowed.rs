//! CORS109: a frontend of the repository calls an API of the repository that refuses its origin
//! (or its credentials, or a header it sends). The verdict is `corslint simulate`'s, one pair at a
//! time ([`crate::simulate::pairs`]); a pair whose origin or API the repository does not determine
//! is Unknown and reports nothing.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::frontend::Tool;
use crate::rules::{Rule, Sink};
use crate::simulate::pairs::{Outcome, Pair, pairs};

pub struct FrontendOriginNotAllowed;

impl Rule for FrontendOriginNotAllowed {
    const CODE: &'static str = "CORS109";
    const NAME: &'static str = "frontend-origin-not-allowed";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        if project.frontends.is_empty() {
            return;
        }
        let all = pairs(project);
        for pair in &all {
            let Outcome::Blocked(reason) = &pair.outcome else { continue };
            let Some(span) = pair.policy else { continue };
            // A fallback port matters only where the dev server's own port is let through.
            let own_port_blocked = all.iter().any(|other| {
                !other.fallback
                    && other.frontend == pair.frontend
                    && other.api == pair.api
                    && other.environment == pair.environment
                    && matches!(other.outcome, Outcome::Blocked(_))
            });
            if pair.fallback && own_port_blocked {
                continue;
            }
            let page = match project.frontends.get(pair.frontend).map(|f| f.tool) {
                Some(Tool::Declared) | None => "the page (declared in corslint.toml)".to_string(),
                Some(tool) => format!("the {} page", tool.name()),
            };
            let calls = match pair.request.as_str() {
                "GET" => "calls".to_string(),
                request => format!("sends a {request} to"),
            };
            let interface = project.frontends.get(pair.frontend).map_or("fetch", |f| f.client.interface.console_name());
            let message = format!(
                "{page} at {} ({} build) {calls} {}, and the browser blocks it: Access to {interface} at '{}' from origin '{}' has been blocked by CORS policy: {reason}",
                pair.origin,
                pair.environment.name(),
                pair.api,
                pair.api,
                pair.origin
            );
            let credentials = matches!(Refused::of(reason), Refused::Credentials);
            let diagnostic = sink.report(span, message);
            diagnostic.primary(match Refused::of(reason) {
                Refused::Credentials => "this policy does not allow credentials".to_string(),
                Refused::Method => format!("this policy does not allow the method {}", method_of(pair)),
                Refused::Header => "this policy does not allow the request's headers".to_string(),
                Refused::Origin => "this policy does not let the page's origin through".to_string(),
            });
            diagnostic.help(help(pair));
            if pair.fallback {
                diagnostic.severity(Severity::Info);
            }
            for evidence in pair.origin_evidence.iter().chain(&pair.api_evidence) {
                diagnostic.label(evidence.span, evidence.what.clone());
            }
            let client = project.frontends.get(pair.frontend).and_then(|f| f.client.credentials_evidence.as_ref());
            if let Some(evidence) = client.filter(|_| credentials) {
                diagnostic.label(evidence.span, evidence.what.clone());
            }
            if let Some(evidence) = &pair.request_evidence {
                diagnostic.label(evidence.span, evidence.what.clone());
            }
        }
    }
}

fn help(pair: &Pair) -> String {
    if pair.fallback {
        return format!(
            "the dev server moves to {} only when its own port is taken: start it with `--strictPort` (Vite) so it fails instead, or allow {} too",
            pair.origin, pair.origin
        );
    }
    let reason = pair.outcome.reason();
    match Refused::of(reason) {
        Refused::Credentials => format!(
            "the page sends credentials: allow credentials for {} (with that exact origin, not `*`), or stop sending them",
            pair.origin
        ),
        Refused::Method => format!("allow the method {} in this policy's methods", method_of(pair)),
        Refused::Header => {
            "allow the header the preflight names in this policy's headers (`Content-Type` for a JSON body)".to_string()
        }
        Refused::Origin => format!(
            "allow the exact origin {} in this policy (scheme, host and port; `localhost` and `127.0.0.1` are different origins), or call the API through the dev server's proxy",
            pair.origin
        ),
    }
}

/// What the preflight or the response refused, from the browser's words.
enum Refused {
    Credentials,
    Method,
    Header,
    Origin,
}

impl Refused {
    fn of(reason: &str) -> Refused {
        if reason.contains("Access-Control-Allow-Methods") {
            Refused::Method
        } else if reason.contains("Access-Control-Allow-Headers") {
            Refused::Header
        } else if reason.contains("credentials") {
            Refused::Credentials
        } else {
            Refused::Origin
        }
    }
}

fn method_of(pair: &Pair) -> &str {
    pair.request.split(' ').next().unwrap_or("GET")
}
