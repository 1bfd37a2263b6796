//! Deployment facts: Kubernetes Ingresses (ingress-nginx annotations), Traefik middlewares and
//! routers (CRDs, docker-compose labels, dynamic configuration files), docker-compose services,
//! Kubernetes Services and workloads.
//!
//! The CORS behaviour these declare is also expressed as [`CorsPolicy`](super::CorsPolicy) values in
//! `Project::policies` (layers `IngressNginx` and `Traefik`); the facts here are what rules need
//! beyond the policy (auth annotations, snippets, why an origin list fell back to `*`), and what
//! cross-layer analysis needs to tie a proxy to the app behind it (backends, service names, images,
//! build contexts, environment, mounted nginx configs).

use super::CorsPolicy;
use crate::source::{Span, Spanned};

/// Every deployment fact of the project.
#[derive(Debug, Default)]
pub struct DeployFacts {
    pub ingresses: Vec<Ingress>,
    pub traefik_middlewares: Vec<TraefikMiddleware>,
    pub traefik_routers: Vec<TraefikRouter>,
    pub compose_services: Vec<ComposeService>,
    pub k8s_services: Vec<K8sService>,
    pub workloads: Vec<Workload>,
}

impl DeployFacts {
    /// The Ingress (or Helm values annotation set) that declared `policy`, if it is an ingress-nginx policy.
    pub fn ingress_of(&self, policy: &CorsPolicy) -> Option<&Ingress> {
        self.ingresses.iter().find(|i| i.cors.as_ref().is_some_and(|c| c.policy_span == policy.span))
    }

    /// The Traefik middleware that declared `policy`.
    pub fn middleware_of(&self, policy: &CorsPolicy) -> Option<&TraefikMiddleware> {
        self.traefik_middlewares.iter().find(|m| m.policy_span == Some(policy.span))
    }
}

/// A string value as written in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub value: String,
    /// The value as written (with its quotes).
    pub span: Span,
    /// Byte offset of the value's first character when its characters stand verbatim in the file
    /// (plain single-line scalars, quoted ones without escapes), so parts of it can be pointed at.
    pub text_start: Option<usize>,
}

impl Written {
    /// The span of `value[start..end]`: exact when the value is verbatim, else the whole value.
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        match self.text_start {
            Some(text_start) if start <= end && end <= self.value.len() => {
                Span::new(self.span.file, text_start + start, text_start + end)
            }
            _ => self.span,
        }
    }

    /// The comma-separated parts, trimmed, each with its own span (empty parts included, as
    /// `strings.Split` in Go keeps them).
    pub fn comma_parts(&self) -> Vec<Written> {
        let mut out = Vec::new();
        let mut offset = 0;
        for part in self.value.split(',') {
            let lead = part.len() - part.trim_start().len();
            let trimmed = part.trim();
            let start = offset + lead;
            out.push(Written {
                value: trimmed.to_string(),
                span: self.sub_span(start, start + trimmed.len()),
                text_start: self.text_start.map(|t| t + start),
            });
            offset += part.len() + 1;
        }
        out
    }

    /// Nothing but one placeholder (`${ORIGIN}`, `$ORIGIN`): it may stand for anything, even `*`.
    pub fn is_bare_placeholder(&self) -> bool {
        let v = self.value.trim();
        let name = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match v.strip_prefix("${").and_then(|rest| rest.strip_suffix('}')) {
            Some(inner) => !inner.contains(['{', '}']),
            None => v.strip_prefix('$').is_some_and(name),
        }
    }

    /// Holds a placeholder corslint cannot resolve: `${VAR}`/`$VAR` (compose, envsubst) or `{{ }}` (Helm, Jinja).
    pub fn has_placeholder(&self) -> bool {
        let v = &self.value;
        v.contains("{{")
            || v.match_indices('$').any(|(i, _)| {
                let next = v.get(i + 1..).and_then(|r| r.chars().next());
                next.is_some_and(|c| c == '{' || c == '_' || c.is_ascii_alphabetic())
                    && !v.get(..i).is_some_and(|before| before.ends_with('$'))
            })
    }
}

/// Where an Ingress's annotations were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngressSource {
    /// A `kind: Ingress` manifest.
    Manifest,
    /// An annotation map with ingress-nginx keys in a document that is not a Kubernetes object
    /// (a Helm `values.yaml` under `ingress.annotations`): rendered into an Ingress by the chart.
    HelmValues,
}

/// One annotation of an Ingress.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// The full key (`nginx.ingress.kubernetes.io/enable-cors`).
    pub key: Spanned<String>,
    pub value: Written,
    /// For a multi-line value written as a literal block (`configuration-snippet: |`): the byte
    /// offset in the file where each line of the value starts (see [`Annotation::file_offset`]).
    pub value_lines: Option<Vec<usize>>,
}

impl Annotation {
    /// The byte offset in the file of byte `offset` of the value (a directive inside a snippet),
    /// when the value stands verbatim in the file, as a whole or line by line.
    pub fn file_offset(&self, offset: usize) -> Option<usize> {
        if let Some(start) = self.value.text_start {
            return (offset <= self.value.value.len()).then_some(start + offset);
        }
        let lines = self.value_lines.as_ref()?;
        let before = self.value.value.get(..offset)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Some(lines.get(before.matches('\n').count())? + (offset - line_start))
    }

    /// Key through value: the whole `key: value` entry.
    pub fn entry_span(&self) -> Span {
        Span::new(self.key.span.file, self.key.span.start().min(self.value.span.start()), self.value.span.end())
    }
}

/// The prefix of ingress-nginx annotations (the controller's default `--annotations-prefix`).
pub const INGRESS_NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// A Kubernetes Ingress, or the annotations a Helm chart will put on one.
#[derive(Clone, Debug, PartialEq)]
pub struct Ingress {
    pub source: IngressSource,
    pub api_version: Option<String>,
    pub name: Option<Spanned<String>>,
    pub namespace: Option<String>,
    /// The object (`kind: Ingress`'s value, or the annotation map of Helm values).
    pub span: Span,
    pub ingress_class: Option<String>,
    pub annotations: Vec<Annotation>,
    pub rules: Vec<IngressRule>,
    /// The hosts of `spec.tls`: served over https.
    pub tls_hosts: Vec<String>,
    pub default_backend: Option<Backend>,
    /// ingress-nginx's CORS handling, when `enable-cors` is written (true or not).
    pub cors: Option<IngressCors>,
    /// The `configuration-snippet`'s directives, parsed with the nginx parser.
    pub snippet: Vec<SnippetDirective>,
}

/// One directive of a `configuration-snippet` (nested ones included, in source order).
#[derive(Clone, Debug, PartialEq)]
pub struct SnippetDirective {
    pub name: String,
    /// Arguments as nginx reads them (quotes removed).
    pub args: Vec<String>,
    /// The directive in the YAML file (the whole annotation value when the snippet is not verbatim).
    pub span: Span,
}

impl SnippetDirective {
    pub fn arg(&self, index: usize) -> Option<&str> {
        self.args.get(index).map(String::as_str)
    }

    /// A headers-more command without `-s`/`-t`: it runs on every response.
    pub fn unconditional(&self) -> bool {
        self.args.iter().all(|a| !a.starts_with('-'))
    }

    /// The `'Name: value'` pairs of a `more_set_headers` (an empty value clears the header).
    pub fn more_set_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        let set = self.name == "more_set_headers";
        self.args.iter().filter(move |_| set).map(|a| {
            let (name, value) = a.split_once(':').unwrap_or((a.as_str(), ""));
            (name.trim(), value.trim())
        })
    }

    /// Whether this directive removes or replaces the backend's `name` header on every response:
    /// `proxy_hide_header`, or a headers-more `more_clear_headers` or `more_set_headers` without
    /// `-s`/`-t` that names it. (headers-more runs on the backend's headers before `add_header`'s
    /// filter, so it never touches the snippet's `add_header`s.)
    pub fn removes_upstream(&self, name: &str) -> bool {
        use super::nginx::{header_pattern_matches, syntax::same_header};
        match self.name.as_str() {
            "proxy_hide_header" => self.arg(0).is_some_and(|a| same_header(a, name)),
            "more_clear_headers" => self.unconditional() && self.args.iter().any(|a| header_pattern_matches(a, name)),
            "more_set_headers" => self.unconditional() && self.more_set_pairs().any(|(n, _)| same_header(n, name)),
            _ => false,
        }
    }
}

impl Ingress {
    /// The ingress-nginx annotation `name` (without prefix: `enable-cors`, `auth-url`).
    pub fn nginx_annotation(&self, name: &str) -> Option<&Annotation> {
        self.annotations.iter().find(|a| a.key.value.strip_prefix(INGRESS_NGINX_PREFIX) == Some(name))
    }

    /// ingress-nginx annotations whose name starts with `prefix` (`cors-`).
    pub fn nginx_annotations_starting(&self, prefix: &str) -> impl Iterator<Item = &Annotation> {
        self.annotations.iter().filter(move |a| {
            a.key.value.strip_prefix(INGRESS_NGINX_PREFIX).is_some_and(|name| name.starts_with(prefix))
        })
    }

    /// `configuration-snippet`: nginx text inserted into every location of this Ingress.
    pub fn configuration_snippet(&self) -> Option<&Annotation> {
        self.nginx_annotation("configuration-snippet")
    }

    /// The first `configuration-snippet` directive that removes or replaces the backend's `name`
    /// header on every response ([`SnippetDirective::removes_upstream`]).
    pub fn snippet_replaces_upstream(&self, name: &str) -> Option<&SnippetDirective> {
        self.snippet.iter().find(|d| d.removes_upstream(name))
    }

    /// External or basic/digest authentication in front of the backend (`auth-url`, `auth-type`).
    pub fn auth_annotations(&self) -> impl Iterator<Item = &Annotation> {
        self.annotations.iter().filter(|a| {
            matches!(a.key.value.strip_prefix(INGRESS_NGINX_PREFIX), Some("auth-url" | "auth-type"))
                && !a.value.value.trim().is_empty()
        })
    }

    pub fn backends(&self) -> impl Iterator<Item = &Backend> {
        self.rules.iter().flat_map(|r| r.paths.iter().filter_map(|p| p.backend.as_ref())).chain(&self.default_backend)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressRule {
    pub host: Option<Spanned<String>>,
    pub paths: Vec<IngressPath>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressPath {
    pub path: Option<Spanned<String>>,
    pub backend: Option<Backend>,
}

/// A Service an Ingress routes to (`service.name`/`service.port`, or v1beta1 `serviceName`/`servicePort`).
#[derive(Clone, Debug, PartialEq)]
pub struct Backend {
    pub service: Spanned<String>,
    pub port: Option<ServicePort>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServicePort {
    Number(u16),
    Name(String),
}

/// ingress-nginx's reading of the `enable-cors` and `cors-*` annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct IngressCors {
    /// `enable-cors` as ingress-nginx parses it (`strconv.ParseBool`; anything else is false).
    pub enabled: bool,
    /// The `enable-cors` annotation entry.
    pub enable_span: Span,
    /// The span of the [`CorsPolicy`] built from it (only when enabled); see [`DeployFacts::ingress_of`].
    pub policy_span: Span,
    /// What ingress-nginx's validation did to `cors-allow-origin` that its author may not expect.
    pub origin_notes: Vec<OriginNote>,
}

/// Something ingress-nginx's validation of `cors-allow-origin` does silently.
#[derive(Clone, Debug, PartialEq)]
pub enum OriginNote {
    /// The whole value fails validation, so ingress-nginx uses `*` instead (logging "cors-allow-origin
    /// is invalid, defaulting to '*'"). `offending` is the first origin that fails, `reason` says why.
    InvalidValueAllowsAny { value: Span, offending: Spanned<String>, reason: String },
    /// The value passes, but this origin fails the per-origin check and is dropped ("Skipping").
    OriginSkipped { origin: Spanned<String>, reason: String },
    /// An empty origin (`a.com,` or `a.com,,b.com`) or no origin left after skipping: ingress-nginx
    /// renders an empty alternative in `if ($http_origin ~* (...)$)`, which matches every origin,
    /// and answers each with `Access-Control-Allow-Origin: <that origin>`.
    EmptyAlternativeMatchesAny { at: Span },
}

/// Which provider declared a Traefik middleware or router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraefikSource {
    /// A `kind: Middleware` / `kind: IngressRoute` custom resource (traefik.io or traefik.containo.us).
    Crd,
    /// docker-compose labels of this service (`traefik.http.middlewares.<name>.headers.*`).
    ComposeLabels { service: String },
    /// A dynamic configuration file (`http.middlewares.<name>.headers`).
    DynamicFile,
}

/// A field of Traefik configuration: where its key and value are written.
#[derive(Clone, Debug, PartialEq)]
pub struct Field<T> {
    pub key: Span,
    pub value: T,
}

/// A Traefik middleware.
#[derive(Clone, Debug, PartialEq)]
pub struct TraefikMiddleware {
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub source: TraefikSource,
    /// The middleware types configured, lower-case (`headers`, `forwardauth`, `basicauth`).
    pub types: Vec<String>,
    /// The `headers` middleware's settings, when it is one.
    pub headers: Option<TraefikHeaders>,
    /// The span of the [`CorsPolicy`] built from it, when it sets CORS; see [`DeployFacts::middleware_of`].
    pub policy_span: Option<Span>,
}

/// The CORS-related settings of Traefik's `headers` middleware, as written. Traefik adds nothing
/// that is not written: no origin, no credentials, no methods, no Vary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraefikHeaders {
    pub origin_list: Option<Field<Vec<Written>>>,
    pub origin_list_regex: Option<Field<Vec<Written>>>,
    /// `None` inside when the value is not a boolean Traefik accepts.
    pub credentials: Option<Field<Option<bool>>>,
    pub methods: Option<Field<Vec<Written>>>,
    pub headers: Option<Field<Vec<Written>>>,
    pub expose_headers: Option<Field<Vec<Written>>>,
    /// `None` inside when the value is not an integer.
    pub max_age: Option<Field<Option<i64>>>,
    pub add_vary_header: Option<Field<Option<bool>>>,
    /// `customResponseHeaders`: set on every response, or removed when the value is empty.
    pub custom_response_headers: Vec<(Spanned<String>, Written)>,
    /// Any value above was a placeholder (`${VAR}`): the middleware is not fully known.
    pub has_unknown: bool,
    /// Keys of a custom resource that name a field in the wrong case (`addvaryheader`): the
    /// Kubernetes API prunes them, so Traefik never sees them.
    pub pruned_keys: Vec<Spanned<String>>,
}

impl TraefikHeaders {
    /// Traefik's `HasCorsHeadersDefined`: whether the middleware handles CORS (answers preflights).
    /// A field written only with placeholders counts as set.
    pub fn handles_cors(&self) -> bool {
        let listed =
            |f: &Option<Field<Vec<Written>>>| f.as_ref().is_some_and(|f| !f.value.is_empty() || self.has_unknown);
        listed(&self.origin_list)
            || listed(&self.origin_list_regex)
            || self.credentials.as_ref().is_some_and(|f| f.value == Some(true))
            || listed(&self.methods)
            || listed(&self.headers)
            || listed(&self.expose_headers)
            || self.max_age.as_ref().is_some_and(|f| f.value.is_some_and(|v| v != 0))
            || self.add_vary_header.as_ref().is_some_and(|f| f.value == Some(true))
    }

    /// The `customResponseHeaders` entry for `name` (case-insensitive).
    pub fn custom_response_header(&self, name: &str) -> Option<&(Spanned<String>, Written)> {
        self.custom_response_headers.iter().find(|(n, _)| n.value.eq_ignore_ascii_case(name))
    }
}

impl TraefikMiddleware {
    /// Authentication that rejects a request without credentials, as a browser's preflight is.
    pub fn authenticates(&self) -> bool {
        self.types.iter().any(|t| matches!(t.as_str(), "basicauth" | "digestauth" | "forwardauth"))
    }

    /// Whether a router's reference (`cors`, `cors@docker`, `web-cors@kubernetescrd`) names it.
    pub fn is_referenced_by(&self, reference: &str) -> bool {
        let name = reference.split_once('@').map_or(reference, |(n, _)| n);
        name == self.name.value
            || self
                .namespace
                .as_ref()
                .is_some_and(|ns| name.strip_prefix(ns.as_str()) == Some(&format!("-{}", self.name.value)))
    }
}

/// A Traefik router: which middlewares run in front of which service.
#[derive(Clone, Debug, PartialEq)]
pub struct TraefikRouter {
    pub name: Spanned<String>,
    pub source: TraefikSource,
    pub rule: Option<Written>,
    /// Middleware references as written (`cors@docker`, `default-cors@kubernetescrd`, `cors`).
    pub middlewares: Vec<Written>,
    pub service: Option<Written>,
}

/// A docker-compose service.
#[derive(Clone, Debug, PartialEq)]
pub struct ComposeService {
    pub name: Spanned<String>,
    pub image: Option<Written>,
    pub build: Option<ComposeBuild>,
    pub environment: Vec<EnvVar>,
    pub env_files: Vec<Written>,
    pub ports: Vec<Written>,
    pub volumes: Vec<Volume>,
    /// `labels` and `deploy.labels`, in the order written.
    pub labels: Vec<Label>,
    /// Other names the service answers to on its networks: `container_name`, and the `aliases` of
    /// each network it joins (`networks: {back: {aliases: [api.internal]}}`).
    pub aliases: Vec<Spanned<String>>,
    /// `links: ["api_srv:api.net"]`: names under which this service (only) reaches others.
    pub links: Vec<ComposeLink>,
}

impl ComposeService {
    /// The literal hosts Traefik routers of the service's labels route to it at its root
    /// (`traefik.http.routers.web.rule=Host(`shop.example.com`)`), each with its span and whether the
    /// router has TLS (`.tls=true` or a `.tls.certresolver`). A rule with a path other than `/`, a
    /// regex or a variable is not an origin of the whole build.
    pub fn traefik_hosts(&self) -> Vec<(String, Span, bool)> {
        const PREFIX: &str = "traefik.http.routers.";
        let mut out = Vec::new();
        for label in &self.labels {
            let Some(router) = label.key.value.strip_prefix(PREFIX).and_then(|r| r.strip_suffix(".rule")) else {
                continue;
            };
            let rule = &label.value.value;
            let partial = rule.contains("Path") && !rule.contains("PathPrefix(`/`)");
            if rule.contains("${") || rule.contains("HostRegexp") || partial {
                continue;
            }
            let tls = self.labels.iter().any(|l| {
                let key = &l.key.value;
                *key == format!("{PREFIX}{router}.tls") && l.value.value.eq_ignore_ascii_case("true")
                    || key.starts_with(&format!("{PREFIX}{router}.tls."))
            });
            let mut rest = rule.as_str();
            while let Some(at) = rest.find("Host(") {
                let Some(args) = rest.get(at + 5..) else { break };
                let Some(close) = args.find(')') else { break };
                for host in args.get(..close).unwrap_or("").split(',') {
                    let host = host.trim().trim_matches(['`', '"', '\'']);
                    if is_literal_host(host) {
                        out.push((host.to_ascii_lowercase(), label.value.span, tls));
                    }
                }
                rest = args.get(close..).unwrap_or("");
            }
        }
        out
    }

    /// The container port Traefik forwards to (`traefik.http.services.*.loadbalancer.server.port`).
    pub fn traefik_port(&self) -> Option<u16> {
        self.labels.iter().find_map(|l| {
            let key = l.key.value.strip_prefix("traefik.http.services.")?;
            key.ends_with(".loadbalancer.server.port").then(|| l.value.value.parse().ok())?
        })
    }
}

/// One `links:` entry: `service[:alias]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ComposeLink {
    /// The linked service's name.
    pub service: String,
    /// The host name the linking service uses for it (the service name when no alias is given).
    pub alias: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComposeBuild {
    /// `build: ./dir` or `build.context` (compose's default `.` when absent).
    pub context: Option<Written>,
    pub dockerfile: Option<Written>,
}

/// An environment variable given to a container.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: Spanned<String>,
    /// `None` when the value comes from elsewhere (compose `- NAME` or `NAME:` without a value take
    /// it from the shell; Kubernetes `valueFrom`).
    pub value: Option<Written>,
}

/// A volume mount of a compose service (short `src:dst[:mode]` or long syntax).
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    pub source: Option<String>,
    pub target: Option<String>,
    pub read_only: bool,
    pub span: Span,
}

impl Volume {
    /// A bind mount of nginx configuration (`./nginx/conf.d:/etc/nginx/conf.d`), which maps an
    /// absolute `include` in an nginx config back into the repository.
    pub fn mounts_nginx_config(&self) -> bool {
        let Some(target) = &self.target else { return false };
        let bind = self.source.as_deref().is_some_and(|s| s.starts_with(['.', '/', '~', '$']));
        bind && ["/etc/nginx", "/usr/local/openresty/nginx/conf", "/etc/openresty", "/usr/local/nginx/conf"]
            .iter()
            .any(|dir| target == dir || target.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')))
    }
}

/// A label (compose `labels`, list form `key=value` or map form).
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub key: Written,
    pub value: Written,
}

/// A Kubernetes Service.
#[derive(Clone, Debug, PartialEq)]
pub struct K8sService {
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub selector: Vec<(String, String)>,
    pub ports: Vec<K8sServicePort>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct K8sServicePort {
    pub name: Option<String>,
    pub port: Option<u16>,
    pub target_port: Option<ServicePort>,
}

/// A Kubernetes workload (Deployment, StatefulSet, DaemonSet) and its containers.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub kind: String,
    pub name: Spanned<String>,
    pub namespace: Option<String>,
    pub pod_labels: Vec<(String, String)>,
    pub containers: Vec<Container>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub name: Option<String>,
    pub image: Option<Written>,
    pub env: Vec<EnvVar>,
    pub ports: Vec<u16>,
}

/// `"8000:8000"`, `"127.0.0.1:8080:80"`, `"8000:8000/tcp"` → (host port, container port).
pub fn published_port(spec: &str) -> Option<(u16, u16)> {
    let spec = spec.split('/').next()?;
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    match parts[..] {
        [container, host] | [container, host, _] => Some((host.parse().ok()?, container.parse().ok()?)),
        _ => None,
    }
}

/// A name a browser can have in its address bar: not `_`, `localhost`, a wildcard, a regex or a
/// variable.
pub fn is_literal_host(name: &str) -> bool {
    name.contains('.')
        && !name.starts_with('.')
        && !name.contains(['*', '~', '$', '/', ':'])
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The repository part of an image reference: `ghcr.io/acme/backend` of `ghcr.io/acme/backend:1.2@sha256:…`.
pub fn image_repo(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(colon) if !image.get(colon..).is_some_and(|t| t.contains('/')) => image.get(..colon).unwrap_or(image),
        _ => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traefik_router_labels_name_hosts() {
        let written = |v: &str| Written { value: v.to_string(), span: Span::new(0, 0, 0), text_start: None };
        let label = |k: &str, v: &str| Label { key: written(k), value: written(v) };
        let service = ComposeService {
            name: Spanned::new("web".to_string(), Span::new(0, 0, 0)),
            image: None,
            build: None,
            environment: Vec::new(),
            env_files: Vec::new(),
            ports: Vec::new(),
            volumes: Vec::new(),
            labels: vec![
                label("traefik.http.routers.web.rule", "Host(`shop.example.com`) || Host(`www.shop.example.com`)"),
                label("traefik.http.routers.web.tls", "true"),
                label("traefik.http.routers.admin.rule", "Host(`shop.example.com`) && PathPrefix(`/admin`)"),
                label("traefik.http.routers.dev.rule", "Host(`${DOMAIN}`)"),
                label("traefik.http.routers.plain.rule", "Host(`plain.example.com`)"),
                label("traefik.http.services.web.loadbalancer.server.port", "8080"),
            ],
            aliases: Vec::new(),
            links: Vec::new(),
        };
        let hosts: Vec<(String, bool)> = service.traefik_hosts().into_iter().map(|(h, _, tls)| (h, tls)).collect();
        assert_eq!(
            hosts,
            [
                ("shop.example.com".to_string(), true),
                ("www.shop.example.com".to_string(), true),
                ("plain.example.com".to_string(), false)
            ]
        );
        assert_eq!(service.traefik_port(), Some(8080));
    }

    #[test]
    fn compose_port_forms() {
        assert_eq!(published_port("8000:8000"), Some((8000, 8000)));
        assert_eq!(published_port("127.0.0.1:8080:80"), Some((8080, 80)));
        assert_eq!(published_port("8000:80/tcp"), Some((8000, 80)));
        assert_eq!(published_port("8000"), None);
        assert_eq!(published_port("${PORT:-8000}:8000"), None);
    }

    fn written(value: &str, text_start: Option<usize>) -> Written {
        let start = text_start.unwrap_or(0);
        Written { value: value.into(), span: Span::new(0, start, start + value.len()), text_start }
    }

    #[test]
    fn comma_parts_have_their_own_spans() {
        let w = written("https://a.com, https://b.com,", Some(10));
        let parts = w.comma_parts();
        let got: Vec<(&str, usize, usize)> =
            parts.iter().map(|p| (p.value.as_str(), p.span.start(), p.span.end())).collect();
        assert_eq!(got, vec![("https://a.com", 10, 23), ("https://b.com", 25, 38), ("", 39, 39)]);
        let not_verbatim = written("a,b", None);
        assert!(not_verbatim.comma_parts().iter().all(|p| p.span == not_verbatim.span));
    }

    #[test]
    fn placeholders() {
        assert!(written("https://${DOMAIN}", None).has_placeholder());
        assert!(written("$ORIGINS", None).has_placeholder());
        assert!(written("{{ .Values.origin }}", None).has_placeholder());
        assert!(!written("$$escaped", None).has_placeholder());
        assert!(!written("https://a.com", None).has_placeholder());
        assert!(!written("price: 5$", None).has_placeholder());
        assert!(written("${ORIGIN}", None).is_bare_placeholder() && written("$ORIGIN", None).is_bare_placeholder());
        assert!(!written("https://${DOMAIN}", None).is_bare_placeholder());
        assert!(!written("${A}${B}", None).is_bare_placeholder());
    }

    #[test]
    fn nginx_config_mounts() {
        let v = |s: &str, t: &str| Volume {
            source: Some(s.into()),
            target: Some(t.into()),
            read_only: false,
            span: Span::new(0, 0, 0),
        };
        assert!(v("./nginx/conf.d", "/etc/nginx/conf.d").mounts_nginx_config());
        assert!(v("./nginx.conf", "/etc/nginx/nginx.conf").mounts_nginx_config());
        assert!(!v("nginx-data", "/etc/nginx/conf.d").mounts_nginx_config());
        assert!(!v("./data", "/etc/nginxish").mounts_nginx_config());
    }
}
