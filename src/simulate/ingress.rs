//! ingress-nginx: the rendered `CORS` template (semantics.md section 5): a case-insensitive,
//! `$`-anchored origin regex, `more_set_headers` on every status, preflights answered with 204
//! before authentication, no `Vary`.

use super::fetch::Response;
use super::request::{Url, WireRequest};
use super::{Next, Trace};
use crate::analysis::matcher::{MatchSemantics, OriginMatcher};
use crate::model::deploy::{Ingress, OriginNote};
use crate::model::{CorsPolicy, NameList, OriginKind, Project, Setting, Value};

pub(crate) struct IngressSim<'p> {
    project: &'p Project,
    ingress: &'p Ingress,
    policy: Option<&'p CorsPolicy>,
}

fn serves(ingress: &Ingress, url: &Url) -> bool {
    if ingress.rules.is_empty() {
        return true;
    }
    ingress.rules.iter().any(|rule| {
        let host_ok = rule.host.as_ref().is_none_or(|h| {
            let h = h.value.to_ascii_lowercase();
            h == url.host || h.strip_prefix("*.").is_some_and(|d| url.host.ends_with(&format!(".{d}")))
        });
        host_ok
            && (rule.paths.is_empty()
                || rule
                    .paths
                    .iter()
                    .any(|p| p.path.as_ref().is_none_or(|p| url.path.starts_with(p.value.trim_end_matches('/')))))
    })
}

pub(crate) fn candidates<'p>(project: &'p Project, url: Option<&Url>) -> Vec<IngressSim<'p>> {
    project
        .deploy
        .ingresses
        .iter()
        .filter(|i| i.cors.is_some() || !i.rules.is_empty())
        .filter(|i| url.is_none_or(|u| serves(i, u)))
        .map(|ingress| IngressSim {
            project,
            ingress,
            policy: project
                .policies
                .iter()
                .find(|p| ingress.cors.as_ref().is_some_and(|c| c.enabled && c.policy_span == p.span)),
        })
        .collect()
}

impl IngressSim<'_> {
    pub fn name(&self) -> String {
        let file = self.project.file(self.ingress.span.file).map(|f| f.path.display().to_string()).unwrap_or_default();
        match &self.ingress.name {
            Some(n) => format!("ingress-nginx Ingress {} ({file})", n.value),
            None => format!("ingress-nginx annotations ({file})"),
        }
    }

    pub fn default_url(&self) -> Option<Url> {
        let rule = self.ingress.rules.first()?;
        let host = rule.host.as_ref().map_or_else(|| "api.example.com".to_string(), |h| h.value.to_ascii_lowercase());
        let path =
            rule.paths.iter().find_map(|p| p.path.as_ref().map(|p| p.value.clone())).unwrap_or_else(|| "/".into());
        Some(Url { scheme: "https".into(), host, port: None, path, query: String::new() })
    }

    /// `Some(ACAO value)` when `$cors` becomes `true` for this origin.
    fn origin_value(&self, policy: &CorsPolicy, origin: &str, trace: &mut Trace) -> Option<String> {
        if policy.origins.has_unknown {
            trace.unknown("the value of `cors-allow-origin`");
            return None;
        }
        let skipped: Vec<crate::source::Span> = self
            .ingress
            .cors
            .iter()
            .flat_map(|c| c.origin_notes.iter())
            .filter_map(|n| match n {
                OriginNote::OriginSkipped { origin, .. } => Some(origin.span),
                _ => None,
            })
            .collect();
        let entries: Vec<_> = policy.origins.entries.iter().filter(|e| !skipped.contains(&e.span)).collect();
        if entries.iter().any(|e| e.kind == OriginKind::Any) {
            return Some("*".to_string());
        }
        let matched = entries.iter().any(|e| match &e.kind {
            OriginKind::Reflect | OriginKind::Any => true,
            OriginKind::Literal(o) => {
                OriginMatcher::new(&regex::escape(o), MatchSemantics::EndAnchored).is_ok_and(|m| m.is_match(origin))
            }
            OriginKind::Pattern { pattern, semantics } => {
                OriginMatcher::new(pattern, *semantics).is_ok_and(|m| m.is_match(origin))
            }
        });
        matched.then(|| origin.to_string())
    }

    fn cors_headers(&self, policy: &CorsPolicy, origin: &str, trace: &mut Trace) -> Vec<(String, String)> {
        let mut out = vec![("Access-Control-Allow-Origin".to_string(), origin.to_string())];
        match policy.credentials.value {
            Value::Known(true) => out.push(("Access-Control-Allow-Credentials".into(), "true".into())),
            Value::Known(false) => {}
            Value::Unknown => trace.unknown("the value of `cors-allow-credentials`"),
        }
        // The annotation's value as written, or ingress-nginx's default as it renders it.
        let list = |name: &str, setting: &Setting<NameList>, trace: &mut Trace| {
            let joined =
                |names: &NameList, sep: &str| names.iter().map(|n| n.value.clone()).collect::<Vec<_>>().join(sep);
            match &setting.value {
                Value::Known(names) if setting.explicit => self
                    .ingress
                    .nginx_annotation(name)
                    .map_or_else(|| joined(names, ", "), |a| a.value.value.trim().to_string()),
                Value::Known(names) if name == "cors-allow-headers" => joined(names, ","),
                Value::Known(names) => joined(names, ", "),
                Value::Unknown => {
                    trace.unknown(format!("the value of `{name}`"));
                    String::new()
                }
            }
        };
        out.push(("Access-Control-Allow-Methods".into(), list("cors-allow-methods", &policy.methods, trace)));
        out.push(("Access-Control-Allow-Headers".into(), list("cors-allow-headers", &policy.headers, trace)));
        let expose = list("cors-expose-headers", &policy.expose_headers, trace);
        if !expose.is_empty() {
            out.push(("Access-Control-Expose-Headers".into(), expose));
        }
        if let Value::Known(n) = policy.max_age.value {
            out.push(("Access-Control-Max-Age".into(), n.to_string()));
        }
        out
    }

    pub fn handle(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        let mut r = self.cors(req, trace, next);
        if self.ingress.configuration_snippet().is_some() {
            self.apply_snippet(&mut r, req, trace);
        }
        r
    }

    /// The `configuration-snippet`, for the header directives it usually holds (`more_set_headers`,
    /// `add_header`, `more_clear_headers`); anything else that can touch CORS is not simulated.
    fn apply_snippet(&self, response: &mut Response, req: &WireRequest, trace: &mut Trace) {
        let Some(snippet) = self.ingress.configuration_snippet() else { return };
        let origin = req.header("origin").unwrap_or_default();
        let mut changed = false;
        for statement in snippet.value.value.split(';') {
            let words = split_words(statement);
            let Some((directive, args)) = words.split_first() else { continue };
            let expand = |v: &str, trace: &mut Trace| -> Option<String> {
                let v = v.replace("$http_origin", &origin).replace("${http_origin}", &origin);
                if v.contains('$') {
                    trace.unknown(format!("the value `{v}` in the Ingress's `configuration-snippet`"));
                    return None;
                }
                Some(v)
            };
            match directive.as_str() {
                "more_set_headers" if args.iter().all(|a| !a.starts_with('-')) => {
                    for a in args {
                        let (name, value) = a.split_once(':').unwrap_or((a.as_str(), ""));
                        let (name, value) = (name.trim(), value.trim());
                        match expand(value, trace) {
                            Some(v) if v.is_empty() => response.remove(name),
                            Some(v) => response.set(name, &v),
                            None => {}
                        }
                        changed = true;
                    }
                }
                "more_clear_headers" if args.iter().all(|a| !a.starts_with('-')) => {
                    for a in args {
                        response.headers.retain(|(n, _)| !crate::model::nginx::header_pattern_matches(a, n));
                    }
                    changed = true;
                }
                "add_header" if args.len() >= 2 => {
                    let always = args.get(2).is_some_and(|a| a == "always");
                    let covered = always || crate::model::nginx::ADD_HEADER_STATUSES.contains(&response.status);
                    if let (true, Some(name), Some(v)) =
                        (covered, args.first(), args.get(1).and_then(|v| expand(v, trace)))
                        && !v.is_empty()
                    {
                        response.append(name, &v);
                    }
                    changed = true;
                }
                d if matches!(d, "if" | "return" | "rewrite" | "set") || statement.contains("Access-Control") => {
                    trace.unknown("what the Ingress's `configuration-snippet` does (not simulated)");
                }
                _ => {}
            }
        }
        if changed {
            trace.step("ingress-nginx", "configuration-snippet applies its header directives", response, Vec::new());
        }
    }

    fn cors(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        let Some(policy) = self.policy else {
            let r = self.upstream(req, trace, next);
            trace.step("ingress-nginx", "enable-cors is off: the backend's response passes through", &r, Vec::new());
            return r;
        };
        let origin = req.header("origin").unwrap_or_default();
        let allowed = self.origin_value(policy, &origin, trace);
        let Some(value) = allowed else {
            let r = self.upstream(req, trace, next);
            trace.step(
                "ingress-nginx",
                format!("origin {origin} does not match cors-allow-origin: no CORS headers added"),
                &r,
                Vec::new(),
            );
            return r;
        };
        let headers = self.cors_headers(policy, &value, trace);
        if req.method == "OPTIONS" {
            let mut r = Response::new(204);
            r.headers = headers;
            r.append("Content-Type", "text/plain charset=UTF-8");
            r.append("Content-Length", "0");
            trace.step(
                "ingress-nginx",
                "`$cors = trueoptions`: the preflight is answered 204 (before auth)",
                &r,
                Vec::new(),
            );
            return r;
        }
        let mut r = self.upstream(req, trace, next);
        for (n, v) in &headers {
            r.set(n, v);
        }
        trace.step(
            "ingress-nginx",
            "`$cors = true`: more_set_headers replaces the CORS headers (every status)",
            &r,
            Vec::new(),
        );
        r
    }

    fn upstream(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        if self.ingress.auth_annotations().next().is_some() {
            if !req.has_credentials() {
                let r = Response::new(401);
                trace.step("ingress-nginx", "auth-url/auth-type without credentials: 401", &r, Vec::new());
                return r;
            }
            trace.note("the Ingress's authentication is assumed to accept the request's credentials");
        }
        next(req, trace)
    }
}

/// nginx words of a snippet statement, quotes removed.
fn split_words(statement: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in statement.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                started = true;
            }
            None if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            None => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    #[test]
    fn snippet_words() {
        assert_eq!(
            super::split_words("  more_set_headers \"Vary: Origin\" 'X: y'"),
            vec!["more_set_headers", "Vary: Origin", "X: y"]
        );
    }
}
