//! Traefik: `headers` middlewares and routers from the three places they are written —
//! `kind: Middleware`/`kind: IngressRoute` custom resources, docker-compose labels
//! (`traefik.http.middlewares.<name>.headers.<field>=...`) and dynamic configuration files
//! (`http.middlewares.<name>.headers`) — and the CORS policy each middleware enforces.
//!
//! Traefik has no CORS defaults that allow anything: an origin is allowed only if listed
//! (`accessControlAllowOriginList`, exact string compare; `*` answers a literal `*`) or matched by
//! `accessControlAllowOriginListRegex` (Go `regexp.MatchString`: unanchored, case-sensitive), which
//! then reflects the origin; credentials, methods and headers are sent only as written.
//!
//! Key names: custom resources go through the Kubernetes API, whose schema prunes unknown fields,
//! so only the exact camelCase names count there; labels and dynamic files go through Traefik's
//! own decoder, which matches field names case-insensitively.

use super::compose::{service_labels, services_of};
use super::yaml::{self, go_parse_bool, span, spanned, written};
use crate::model::deploy::{Field, TraefikHeaders, TraefikMiddleware, TraefikRouter, TraefikSource, Written};
use crate::model::{
    CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Project, Setting, Value,
};
use crate::parse::yaml::Node;
use crate::source::{FileId, Span, Spanned};

pub(super) fn extract(project: &mut Project, file: FileId, doc: Node<'_>) {
    match yaml::kind_of(doc) {
        Some((api, kind)) if api.starts_with("traefik.io/") || api.starts_with("traefik.containo.us/") => match kind {
            "Middleware" => from_crd(project, file, doc),
            "IngressRoute" => routes_from_crd(project, file, doc),
            _ => {}
        },
        Some(_) => {}
        None => {
            if let Some(http) = get_ci(doc, "http") {
                from_dynamic_file(project, file, http);
            }
            if let Some(services) = services_of(doc) {
                from_compose_labels(project, file, services);
            }
        }
    }
}

/// A mapping entry looked up case-insensitively (Traefik's decoder for files and labels).
fn get_ci<'a>(node: Node<'a>, key: &str) -> Option<Node<'a>> {
    entry_ci(node, key).map(|(_, v)| v)
}

fn entry_ci<'a>(node: Node<'a>, key: &str) -> Option<(Node<'a>, Node<'a>)> {
    node.entries().into_iter().find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
}

/// A value of a headers field: a YAML node (custom resource, dynamic file) or a label value.
#[derive(Clone)]
enum Source<'a> {
    Node(Node<'a>),
    Label(Written),
}

impl Source<'_> {
    /// A list field: a YAML sequence, or a comma-separated string (labels, and a string in a file).
    fn list(&self, file: FileId) -> Vec<Written> {
        let parts = match self {
            Source::Node(n) if n.is_sequence() => return n.items().filter_map(|i| written(i, file)).collect(),
            Source::Node(n) => written(*n, file).map(|w| w.comma_parts()).unwrap_or_default(),
            Source::Label(w) => w.comma_parts(),
        };
        parts.into_iter().filter(|p| !p.value.is_empty()).collect()
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Source::Node(n) => n.scalar().and_then(|s| match s.kind {
                crate::parse::yaml::ScalarKind::Bool(b) => Some(b),
                _ => go_parse_bool(s.value.trim()),
            }),
            Source::Label(w) => go_parse_bool(w.value.trim()),
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Source::Node(n) => n.as_str()?.trim().parse().ok(),
            Source::Label(w) => w.value.trim().parse().ok(),
        }
    }

    fn has_placeholder(&self, file: FileId) -> bool {
        match self {
            Source::Node(n) => written(*n, file).is_some_and(|w| w.has_placeholder()),
            Source::Label(w) => w.has_placeholder(),
        }
    }
}

const FIELDS: &[&str] = &[
    "accessControlAllowOriginList",
    "accessControlAllowOriginListRegex",
    "accessControlAllowCredentials",
    "accessControlAllowMethods",
    "accessControlAllowHeaders",
    "accessControlExposeHeaders",
    "accessControlMaxAge",
    "addVaryHeader",
];

/// Fills one headers field; `name` is compared case-insensitively against [`FIELDS`].
fn set_field(headers: &mut TraefikHeaders, name: &str, key: Span, value: Source<'_>, file: FileId) {
    let Some(field) = FIELDS.iter().find(|f| f.eq_ignore_ascii_case(name)) else { return };
    let list = |headers: &mut TraefikHeaders| {
        let items = value.list(file);
        headers.has_unknown |= items.iter().any(Written::has_placeholder);
        Some(Field { key, value: items.into_iter().filter(|w| !w.has_placeholder()).collect() })
    };
    match *field {
        "accessControlAllowOriginList" => headers.origin_list = list(headers),
        "accessControlAllowOriginListRegex" => headers.origin_list_regex = list(headers),
        "accessControlAllowMethods" => headers.methods = list(headers),
        "accessControlAllowHeaders" => headers.headers = list(headers),
        "accessControlExposeHeaders" => headers.expose_headers = list(headers),
        "accessControlAllowCredentials" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.credentials = Some(Field { key, value: value.boolean() });
        }
        "accessControlMaxAge" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.max_age = Some(Field { key, value: value.int() });
        }
        "addVaryHeader" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.add_vary_header = Some(Field { key, value: value.boolean() });
        }
        _ => {}
    }
}

/// The `headers` mapping of a custom resource (exact names) or a dynamic file (any case).
fn headers_from_node(node: Node<'_>, file: FileId, exact_names: bool) -> TraefikHeaders {
    let mut headers = TraefikHeaders::default();
    for (k, v) in node.entries() {
        let Some(name) = k.as_str() else { continue };
        if exact_names && !FIELDS.contains(&name) && name != "customResponseHeaders" {
            let known = FIELDS.iter().chain(&["customResponseHeaders"]).any(|f| f.eq_ignore_ascii_case(name));
            if known {
                headers.pruned_keys.push(Spanned::new(name.to_string(), span(k, file)));
            }
            continue;
        }
        if name.eq_ignore_ascii_case("customResponseHeaders") {
            for (hk, hv) in v.entries() {
                let (Some(header), Some(value)) = (spanned(hk, file), written(hv, file)) else { continue };
                headers.custom_response_headers.push((header, value));
            }
            continue;
        }
        set_field(&mut headers, name, span(k, file), Source::Node(v), file);
    }
    headers
}

fn from_crd(project: &mut Project, file: FileId, doc: Node<'_>) {
    let metadata = doc.get("metadata");
    let Some(name) = metadata.and_then(|m| m.get("name")).and_then(|n| spanned(n, file)) else { return };
    let headers = doc.path(&["spec", "headers"]).map(|h| headers_from_node(h, file, true));
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(|n| n.as_str()).map(str::to_string);
    let types = types_of(doc.get("spec"));
    push(project, TraefikMiddleware { name, namespace, source: TraefikSource::Crd, types, headers, policy_span: None });
}

/// The keys of a middleware's definition: its types.
fn types_of(node: Option<Node<'_>>) -> Vec<String> {
    node.map(|n| n.entries().into_iter().filter_map(|(k, _)| k.as_str().map(str::to_ascii_lowercase)).collect())
        .unwrap_or_default()
}

fn routes_from_crd(project: &mut Project, file: FileId, doc: Node<'_>) {
    let Some(name) = doc.path(&["metadata", "name"]).and_then(|n| spanned(n, file)) else { return };
    let Some(routes) = doc.path(&["spec", "routes"]) else { return };
    for route in routes.items() {
        let middlewares = route
            .get("middlewares")
            .map(|m| m.items().filter_map(|i| i.get("name")).filter_map(|n| written(n, file)).collect())
            .unwrap_or_default();
        let service = route.get("services").and_then(|s| s.items().next()).and_then(|s| s.get("name"));
        project.deploy.traefik_routers.push(TraefikRouter {
            name: name.clone(),
            source: TraefikSource::Crd,
            rule: route.get("match").and_then(|n| written(n, file)),
            middlewares,
            service: service.and_then(|n| written(n, file)),
        });
    }
}

fn from_dynamic_file(project: &mut Project, file: FileId, http: Node<'_>) {
    if let Some(middlewares) = get_ci(http, "middlewares") {
        for (k, v) in middlewares.entries() {
            let Some(name) = spanned(k, file) else { continue };
            let headers = get_ci(v, "headers").map(|h| headers_from_node(h, file, false));
            push(
                project,
                TraefikMiddleware {
                    name,
                    namespace: None,
                    source: TraefikSource::DynamicFile,
                    types: types_of(Some(v)),
                    headers,
                    policy_span: None,
                },
            );
        }
    }
    if let Some(routers) = get_ci(http, "routers") {
        for (k, v) in routers.entries() {
            let Some(name) = spanned(k, file) else { continue };
            project.deploy.traefik_routers.push(TraefikRouter {
                name,
                source: TraefikSource::DynamicFile,
                rule: get_ci(v, "rule").and_then(|n| written(n, file)),
                middlewares: get_ci(v, "middlewares").map(|n| yaml::scalar_list(n, file)).unwrap_or_default(),
                service: get_ci(v, "service").and_then(|n| written(n, file)),
            });
        }
    }
}

/// `traefik.http.middlewares.<name>.headers.<field>[.<header>]` and
/// `traefik.http.routers.<name>.<rule|middlewares|service>` labels of every service of a compose file.
fn from_compose_labels(project: &mut Project, file: FileId, services: Node<'_>) {
    for (service_key, service) in services.entries() {
        let Some(service_name) = service_key.as_str() else { continue };
        let source = TraefikSource::ComposeLabels { service: service_name.to_string() };
        let mut middlewares: Vec<TraefikMiddleware> = Vec::new();
        let mut routers: Vec<TraefikRouter> = Vec::new();
        for label in service_labels(service, file) {
            let key = label.key.value.as_str();
            let parts: Vec<&str> = key.splitn(5, '.').collect();
            let [traefik, http, kind, name, rest] = parts.as_slice() else { continue };
            if !traefik.eq_ignore_ascii_case("traefik") || !http.eq_ignore_ascii_case("http") {
                continue;
            }
            // Where `<name>` stands in the key, for the middleware's span.
            let name_start = traefik.len() + http.len() + kind.len() + 3;
            let name_span = label.key.sub_span(name_start, name_start + name.len());
            if kind.eq_ignore_ascii_case("middlewares") {
                let (middleware_type, field) = rest.split_once('.').unwrap_or((rest, ""));
                let middleware_type = middleware_type.to_ascii_lowercase();
                let index = match middlewares.iter().position(|m| m.name.value == *name) {
                    Some(i) => i,
                    None => {
                        middlewares.push(TraefikMiddleware {
                            name: Spanned::new(name.to_string(), name_span),
                            namespace: None,
                            source: source.clone(),
                            types: Vec::new(),
                            headers: None,
                            policy_span: None,
                        });
                        middlewares.len() - 1
                    }
                };
                let Some(middleware) = middlewares.get_mut(index) else { continue };
                if !middleware.types.contains(&middleware_type) {
                    middleware.types.push(middleware_type.clone());
                }
                if middleware_type != "headers" {
                    continue;
                }
                let headers = middleware.headers.get_or_insert_with(TraefikHeaders::default);
                let key_span = label.key.span;
                if let Some((custom, header)) = field.split_once('.') {
                    if custom.eq_ignore_ascii_case("customResponseHeaders") {
                        let header_start = key.len() - header.len();
                        let header_name = Spanned::new(header.to_string(), label.key.sub_span(header_start, key.len()));
                        headers.custom_response_headers.push((header_name, label.value.clone()));
                    }
                    continue;
                }
                set_field(headers, field, key_span, Source::Label(label.value.clone()), file);
            } else if kind.eq_ignore_ascii_case("routers") {
                let index = match routers.iter().position(|r| r.name.value == *name) {
                    Some(i) => i,
                    None => {
                        routers.push(TraefikRouter {
                            name: Spanned::new(name.to_string(), name_span),
                            source: source.clone(),
                            rule: None,
                            middlewares: Vec::new(),
                            service: None,
                        });
                        routers.len() - 1
                    }
                };
                let Some(router) = routers.get_mut(index) else { continue };
                if rest.eq_ignore_ascii_case("rule") {
                    router.rule = Some(label.value.clone());
                } else if rest.eq_ignore_ascii_case("middlewares") {
                    router.middlewares =
                        label.value.comma_parts().into_iter().filter(|p| !p.value.is_empty()).collect();
                } else if rest.eq_ignore_ascii_case("service") {
                    router.service = Some(label.value.clone());
                }
            }
        }
        for middleware in middlewares {
            push(project, middleware);
        }
        project.deploy.traefik_routers.extend(routers);
    }
}

/// Records the middleware and, when it sets CORS, the policy Traefik enforces.
fn push(project: &mut Project, mut middleware: TraefikMiddleware) {
    if let Some(policy) = middleware.headers.as_ref().and_then(|h| policy(h, middleware.name.span)) {
        middleware.policy_span = Some(policy.span);
        project.policies.push(policy);
    }
    project.deploy.traefik_middlewares.push(middleware);
}

fn names(field: &Option<Field<Vec<Written>>>, at: Span, has_unknown: bool) -> Setting<NameList> {
    match field {
        Some(f) if has_unknown && f.value.is_empty() => Setting::explicit(Value::Unknown, f.key),
        Some(f) => {
            let list = f.value.iter().map(|w| Spanned::new(w.value.clone(), w.span)).collect();
            let span = match (f.value.first(), f.value.last()) {
                (Some(first), Some(last)) if first.span.file == last.span.file => {
                    Span::new(first.span.file, first.span.start(), last.span.end().max(first.span.start()))
                }
                _ => f.key,
            };
            Setting::explicit(Value::Known(list), span)
        }
        None => Setting::default_at(Vec::new(), at),
    }
}

fn policy(headers: &TraefikHeaders, declared: Span) -> Option<CorsPolicy> {
    if headers.handles_cors() {
        return Some(cors_policy(headers, declared));
    }
    static_header_policy(headers, declared)
}

/// The `accessControl*` fields: Traefik answers preflights itself and sets the CORS headers.
fn cors_policy(headers: &TraefikHeaders, declared: Span) -> CorsPolicy {
    let mut origins = Origins { entries: Vec::new(), has_unknown: headers.has_unknown };
    for w in headers.origin_list.iter().flat_map(|f| &f.value) {
        let kind = if w.value == "*" { OriginKind::Any } else { OriginKind::Literal(w.value.clone()) };
        origins.entries.push(OriginEntry { kind, span: w.span, text_start: w.text_start });
    }
    for w in headers.origin_list_regex.iter().flat_map(|f| &f.value) {
        let kind = OriginKind::Pattern {
            pattern: w.value.clone(),
            semantics: PatternSemantics::Search { case_insensitive: false },
        };
        origins.entries.push(OriginEntry { kind, span: w.span, text_start: w.text_start });
    }
    let credentials = match &headers.credentials {
        Some(Field { value: Some(b), key }) => Setting::explicit(Value::Known(*b), *key),
        Some(Field { value: None, key }) => Setting::explicit(Value::Unknown, *key),
        None => Setting::default_at(false, declared),
    };
    let max_age = match &headers.max_age {
        Some(Field { value: Some(n), key }) => Setting::explicit(Value::Known(u64::try_from(*n).unwrap_or(0)), *key),
        Some(Field { value: None, key }) => Setting::explicit(Value::Unknown, *key),
        // Traefik sends `Access-Control-Max-Age: 0` in every preflight it answers.
        None => Setting::default_at(0, declared),
    };
    CorsPolicy {
        layer: Layer::Traefik,
        span: declared,
        origins,
        credentials,
        methods: names(&headers.methods, declared, headers.has_unknown),
        headers: names(&headers.headers, declared, headers.has_unknown),
        expose_headers: names(&headers.expose_headers, declared, headers.has_unknown),
        max_age,
    }
}

/// `customResponseHeaders` with `Access-Control-Allow-Origin` and no `accessControl*` field: the
/// same static headers on every response (preflights go to the backend).
fn static_header_policy(headers: &TraefikHeaders, declared: Span) -> Option<CorsPolicy> {
    let (_, origin) = headers.custom_response_header("Access-Control-Allow-Origin")?;
    if origin.value.trim().is_empty() {
        return None; // an empty value removes the header: CORS303's business, not a policy
    }
    let mut origins = Origins::default();
    if origin.has_placeholder() {
        origins.has_unknown = true;
    } else {
        let kind = if origin.value.trim() == "*" { OriginKind::Any } else { OriginKind::Literal(origin.value.clone()) };
        origins.entries.push(OriginEntry { kind, span: origin.span, text_start: origin.text_start });
    }
    let header = |name: &str| headers.custom_response_header(name).map(|(_, w)| w);
    let list = |name: &str| match header(name) {
        Some(w) if w.has_placeholder() => Setting::explicit(Value::Unknown, w.span),
        Some(w) => Setting::explicit(
            Value::Known(
                w.comma_parts()
                    .into_iter()
                    .filter(|p| !p.value.is_empty())
                    .map(|p| Spanned::new(p.value, p.span))
                    .collect(),
            ),
            w.span,
        ),
        None => Setting::default_at(Vec::new(), declared),
    };
    let credentials = match header("Access-Control-Allow-Credentials") {
        Some(w) if w.has_placeholder() => Setting::explicit(Value::Unknown, w.span),
        // Only the exact value `true` allows credentials.
        Some(w) => Setting::explicit(Value::Known(w.value.trim() == "true"), w.span),
        None => Setting::default_at(false, declared),
    };
    let max_age = match header("Access-Control-Max-Age") {
        Some(w) => Setting::explicit(w.value.trim().parse().map_or(Value::Unknown, Value::Known), w.span),
        None => Setting::default_at(5, declared),
    };
    Some(CorsPolicy {
        layer: Layer::Traefik,
        span: declared,
        origins,
        credentials,
        methods: list("Access-Control-Allow-Methods"),
        headers: list("Access-Control-Allow-Headers"),
        expose_headers: list("Access-Control-Expose-Headers"),
        max_age,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn run(text: &str) -> Project {
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut project = Project::default();
        for doc in file.documents() {
            extract(&mut project, 0, doc);
        }
        project
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start()..span.end()]
    }

    #[test]
    fn crd_middleware() {
        let text = "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\n  namespace: web\nspec:\n  headers:\n    accessControlAllowOriginList:\n      - https://app.example.com\n      - \"*\"\n    accessControlAllowOriginListRegex: [\"https://.*\\\\.example\\\\.com\"]\n    accessControlAllowCredentials: true\n    accessControlAllowMethods: [GET, POST]\n    accessControlMaxAge: 100\n    addvaryheader: true\n";
        let project = run(text);
        let p = &project.policies[0];
        assert_eq!(p.layer, Layer::Traefik);
        let kinds: Vec<&OriginKind> = p.origins.entries.iter().map(|e| &e.kind).collect();
        assert_eq!(kinds[0], &OriginKind::Literal("https://app.example.com".into()));
        assert_eq!(kinds[1], &OriginKind::Any);
        assert!(matches!(kinds[2], OriginKind::Pattern { pattern, .. } if pattern == "https://.*\\.example\\.com"));
        assert_eq!(p.credentials.known(), Some(&true));
        assert_eq!(p.max_age.known(), Some(&100));
        assert_eq!(slice(text, p.span), "cors");
        let m = project.deploy.middleware_of(p).unwrap();
        // A lower-case key is pruned by the Kubernetes API: not an addVaryHeader.
        assert!(m.headers.as_ref().unwrap().add_vary_header.is_none());
        assert_eq!(m.headers.as_ref().unwrap().pruned_keys[0].value, "addvaryheader");
    }

    #[test]
    fn compose_labels_in_list_and_map_form() {
        let text = "services:\n  api:\n    image: api\n    labels:\n      - \"traefik.http.routers.api.middlewares=cors@docker\"\n      - \"traefik.http.middlewares.cors.headers.accesscontrolalloworiginlist=https://a.example.com, https://b.example.com\"\n      - traefik.http.middlewares.cors.headers.accessControlAllowCredentials=true\n  web:\n    image: web\n    labels:\n      traefik.http.middlewares.webcors.headers.accesscontrolalloworiginlistregex: \"https://.*\\\\.example\\\\.com\"\n      traefik.http.middlewares.webcors.headers.addvaryheader: \"true\"\n";
        let project = run(text);
        assert_eq!(project.policies.len(), 2);
        let api = &project.policies[0];
        let spans: Vec<&str> = api.origins.entries.iter().map(|e| slice(text, e.span)).collect();
        assert_eq!(spans, vec!["https://a.example.com", "https://b.example.com"]);
        assert_eq!(api.credentials.known(), Some(&true));
        assert_eq!(slice(text, api.span), "cors");
        let router = &project.deploy.traefik_routers[0];
        assert_eq!(router.middlewares[0].value, "cors@docker");
        let web = project.deploy.middleware_of(&project.policies[1]).unwrap();
        assert_eq!(web.headers.as_ref().unwrap().add_vary_header.as_ref().unwrap().value, Some(true));
        assert_eq!(web.source, TraefikSource::ComposeLabels { service: "web".into() });
    }

    #[test]
    fn dynamic_file_and_static_headers() {
        let text = "http:\n  middlewares:\n    static:\n      headers:\n        customResponseHeaders:\n          Access-Control-Allow-Origin: \"*\"\n          Access-Control-Allow-Credentials: \"true\"\n    hide:\n      headers:\n        customResponseHeaders:\n          Access-Control-Allow-Origin: \"\"\n  routers:\n    api:\n      rule: Host(`api.example.com`)\n      middlewares: [static]\n      service: api\n";
        let project = run(text);
        assert_eq!(project.policies.len(), 1);
        let p = &project.policies[0];
        assert_eq!(p.origins.entries[0].kind, OriginKind::Any);
        assert_eq!(p.credentials.known(), Some(&true));
        assert_eq!(project.deploy.traefik_middlewares.len(), 2);
        assert_eq!(project.deploy.traefik_routers[0].service.as_ref().unwrap().value, "api");
    }

    #[test]
    fn placeholders_are_unknown() {
        let text = "services:\n  api:\n    labels:\n      - traefik.http.middlewares.c.headers.accesscontrolalloworiginlist=https://${DOMAIN}\n";
        let project = run(text);
        let p = &project.policies[0];
        assert!(p.origins.has_unknown && p.origins.entries.is_empty());
    }
}
