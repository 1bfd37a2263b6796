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

impl<'p> IngressSim<'p> {
    pub(crate) fn ingress(&self) -> &'p Ingress {
        self.ingress
    }
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

    /// The location ingress-nginx renders: the `CORS` template's `more_set_headers` sit in
    /// `if ($cors = ...)` blocks, an inner level, while the `configuration-snippet` is written in
    /// the location itself. headers-more runs the outer level's commands first, in the order
    /// written, and its filter runs before `add_header`'s (real nginx 1.22 with headers-more 0.34,
    /// tests/ground_truth/nginx/headers_more_order.conf). So: the snippet's `more_*` on the
    /// backend's (or the preflight's) headers, then the template's, then the snippet's
    /// `add_header`s appended to what is left.
    pub fn handle(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        let (mut r, template) = self.cors(req, trace, next);
        self.apply_snippet(&mut r, req, trace, SnippetPass::HeadersMore);
        if let Some((headers, what)) = template {
            for (n, v) in &headers {
                r.set(n, v);
            }
            trace.step("ingress-nginx", what, &r, Vec::new());
        }
        self.apply_snippet(&mut r, req, trace, SnippetPass::AddHeader);
        r
    }

    /// One pass over the `configuration-snippet`, for the header directives it usually holds
    /// (`more_set_headers`, `more_clear_headers` in the headers-more pass, `add_header` in the
    /// other); anything else that can touch CORS is not simulated.
    fn apply_snippet(&self, response: &mut Response, req: &WireRequest, trace: &mut Trace, pass: SnippetPass) {
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
            match (pass, directive.as_str()) {
                (SnippetPass::HeadersMore, "more_set_headers") if args.iter().all(|a| !a.starts_with('-')) => {
                    for a in args {
                        let (name, value) = a.split_once(':').unwrap_or((a.as_str(), ""));
                        let (name, value) = (name.trim(), value.trim());
                        match expand(value, trace) {
                            // An empty value clears the header.
                            Some(v) if v.is_empty() => response.remove(name),
                            Some(v) => response.set(name, &v),
                            None => {}
                        }
                        changed = true;
                    }
                }
                (SnippetPass::HeadersMore, "more_clear_headers") if args.iter().all(|a| !a.starts_with('-')) => {
                    for a in args {
                        response.headers.retain(|(n, _)| !crate::model::nginx::header_pattern_matches(a, n));
                    }
                    changed = true;
                }
                (SnippetPass::AddHeader, "add_header") if args.len() >= 2 => {
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
                // Reported once, in the first pass; the second pass handles the plain `add_header`s.
                (SnippetPass::HeadersMore, d)
                    if (matches!(d, "if" | "return" | "rewrite" | "set") || statement.contains("Access-Control"))
                        && !(d == "add_header" && args.len() >= 2) =>
                {
                    trace.unknown("what the Ingress's `configuration-snippet` does (not simulated)");
                }
                _ => {}
            }
        }
        if changed {
            let what = match pass {
                SnippetPass::HeadersMore => "configuration-snippet applies its headers-more directives, in order",
                SnippetPass::AddHeader => {
                    "configuration-snippet appends its `add_header`s (after every headers-more directive)"
                }
            };
            trace.step("ingress-nginx", what, response, Vec::new());
        }
    }

    /// The response before the header filters, and the `CORS` template's `more_set_headers`
    /// when `$cors` matches, with the step that describes them.
    fn cors(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> (Response, Option<Template>) {
        let Some(policy) = self.policy else {
            let r = self.upstream(req, trace, next);
            trace.step("ingress-nginx", "enable-cors is off: the backend's response passes through", &r, Vec::new());
            return (r, None);
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
            return (r, None);
        };
        let mut headers = self.cors_headers(policy, &value, trace);
        if req.method == "OPTIONS" {
            headers.push(("Content-Type".into(), "text/plain charset=UTF-8".into()));
            headers.push(("Content-Length".into(), "0".into()));
            return (
                Response::new(204),
                Some((headers, "`$cors = trueoptions`: the preflight is answered 204 (before auth)")),
            );
        }
        let r = self.upstream(req, trace, next);
        (r, Some((headers, "`$cors = true`: more_set_headers replaces the CORS headers (every status)")))
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

/// The `CORS` template's `more_set_headers` for one request, and the step that describes them.
type Template = (Vec<(String, String)>, &'static str);

/// The two passes over a `configuration-snippet`: headers-more's filter runs before `add_header`'s.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SnippetPass {
    HeadersMore,
    AddHeader,
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
    use crate::simulate::{BrowserRequest, Options, Url, simulate};
    use crate::test_support::Builder;

    /// The response headers named `name` an Ingress with these annotations sends back to a
    /// simple GET (or a preflight, with `method` PUT) from https://app.example.com.
    fn sent(annotations: &[&str], method: &str, name: &str) -> Vec<String> {
        let project = Builder::ingress(annotations).project;
        let request = BrowserRequest {
            origin: "https://app.example.com".into(),
            method: method.into(),
            headers: Vec::new(),
            credentials: false,
            cookies: false,
            url: Url::parse("https://api.example.com/api"),
        };
        let options = Options { via: Some("ingress".into()), ..Options::default() };
        let sim = simulate(&project, &request, &options).unwrap_or_else(|e| panic!("{e}"));
        let exchange = if method == "GET" { &sim.actual } else { sim.preflight.as_ref().unwrap_or(&sim.actual) };
        exchange.response.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).collect()
    }

    const ACAO: &str = "Access-Control-Allow-Origin";

    /// headers-more's filter runs before add_header's: the snippet's clear does not reach its
    /// own `add_header`, which comes after it whatever the order written.
    #[test]
    fn snippet_clear_does_not_remove_its_add_header() {
        let snippet = "configuration-snippet: |\n      add_header Access-Control-Allow-Origin https://app.example.com always;\n      more_clear_headers 'Access-Control-*';";
        assert_eq!(sent(&[snippet], "GET", ACAO), ["https://app.example.com"]);
    }

    /// ... nor does `more_set_headers` replace it: two values, which the browser rejects.
    #[test]
    fn snippet_set_and_add_header_send_two_values() {
        let snippet = "configuration-snippet: |\n      add_header Access-Control-Allow-Origin https://admin.example.com always;\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';";
        assert_eq!(sent(&[snippet], "GET", ACAO), ["https://app.example.com", "https://admin.example.com"]);
    }

    /// Set and clear run in the order written; an empty value clears.
    #[test]
    fn snippet_headers_more_runs_in_written_order() {
        let set_then_clear = "configuration-snippet: |\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';\n      more_clear_headers 'Access-Control-*';";
        assert!(sent(&[set_then_clear], "GET", ACAO).is_empty());
        let clear_then_set = "configuration-snippet: |\n      more_clear_headers 'Access-Control-*';\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';";
        assert_eq!(sent(&[clear_then_set], "GET", ACAO), ["https://app.example.com"]);
        let set_empty = "configuration-snippet: |\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';\n      more_set_headers 'Access-Control-Allow-Origin:';";
        assert!(sent(&[set_empty], "GET", ACAO).is_empty());
    }

    /// The `CORS` template's `more_set_headers` sit in `if ($cors = ...)`, an inner level: they run
    /// after the snippet's (outer) `more_clear_headers`, and the snippet's `add_header` after them.
    #[test]
    fn template_runs_after_the_snippets_headers_more_and_before_its_add_header() {
        let cors = ["enable-cors: \"true\"", "cors-allow-origin: \"https://app.example.com\""];
        let clear = "configuration-snippet: |\n      more_clear_headers 'Access-Control-*';";
        assert_eq!(sent(&[cors[0], cors[1], clear], "GET", ACAO), ["https://app.example.com"]);
        assert_eq!(sent(&[cors[0], cors[1], clear], "PUT", ACAO), ["https://app.example.com"]);
        let add =
            "configuration-snippet: |\n      add_header Access-Control-Allow-Origin https://app.example.com always;";
        assert_eq!(sent(&[cors[0], cors[1], add], "GET", ACAO), ["https://app.example.com", "https://app.example.com"]);
    }

    #[test]
    fn snippet_words() {
        assert_eq!(
            super::split_words("  more_set_headers \"Vary: Origin\" 'X: y'"),
            vec!["more_set_headers", "Vary: Origin", "X: y"]
        );
    }
}
