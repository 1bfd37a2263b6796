//! ingress-nginx: `kind: Ingress` manifests, and ingress annotation maps in Helm values, become
//! [`Ingress`] facts; with `enable-cors` on, also a [`CorsPolicy`] that says what ingress-nginx
//! really does: its defaults (origin `*`, credentials `true`, max-age 1728000) and its validation
//! (an invalid `cors-allow-origin` silently becomes `*`).
//!
//! Origins: ingress-nginx renders `if ($http_origin ~* ((o1)|(o2))$)` with each origin quoted and
//! its first `*` turned into `[A-Za-z0-9\-]+`. For a validated exact origin this is the same as a
//! case-insensitive exact match on any origin a browser can send (an origin is `scheme://host[:port]`,
//! so nothing can stand before a match that ends the string), so exact origins are
//! `OriginKind::Literal`, lower-cased as browsers send them; origins with `*.` are
//! `PatternSemantics::Glob` patterns (one DNS label), written as configured.

use super::yaml::{self, go_parse_bool, span, spanned, string, written};
use crate::model::deploy::{
    Annotation, Backend, INGRESS_NGINX_PREFIX, Ingress, IngressCors, IngressPath, IngressRule, IngressSource,
    OriginNote, ServicePort, SnippetDirective, Written,
};
use crate::model::{
    CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Project, Setting, Value,
};
use crate::parse::yaml::Node;
use crate::source::{FileId, Span, Spanned};
use regex::Regex;
use std::sync::LazyLock;

pub const DEFAULT_METHODS: &str = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
pub const DEFAULT_HEADERS: &str =
    "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization";
pub const DEFAULT_MAX_AGE: u64 = 1_728_000;

/// ingress-nginx's validator for the whole `cors-allow-origin` value (after removing spaces).
static ORIGIN_VALUE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^((((([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?,?)|null)+)|\*)?$").ok());
/// Its check of each origin once the value passed; an origin failing it is skipped.
static ONE_ORIGIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([a-z]+://(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?|\*|null)?$").ok());
/// What one origin may look like for the whole value to pass (used to find the one that did not).
static ORIGIN_ELEMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(([a-z]+://)?(\*\.)?[A-Za-z0-9\-.]*(:[0-9]+)?|null)$").ok());
static METHODS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^([A-Za-z]+,?[\t\n\x0C\r ]?)+$").ok());
static HEADERS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9\-_, ]*$").ok());
static EXPOSE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(([A-Za-z0-9\-_]+|\*),?[\t\n\x0C\r ]?)+$").ok());

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

pub(super) fn extract(project: &mut Project, file: FileId, doc: Node<'_>) {
    let ingress = match yaml::kind_of(doc) {
        Some((api_version, "Ingress")) => from_manifest(doc, file, api_version),
        Some(_) => return,
        None => {
            for ingress in from_values(doc, file) {
                push(project, ingress);
            }
            return;
        }
    };
    push(project, ingress);
}

fn push(project: &mut Project, mut ingress: Ingress) {
    if let Some((cors, policy)) = cors(&ingress) {
        ingress.cors = Some(cors);
        project.policies.extend(policy);
    }
    project.deploy.ingresses.push(ingress);
}

fn annotations(map: Option<Node<'_>>, file: FileId) -> Vec<Annotation> {
    let Some(map) = map else { return Vec::new() };
    map.entries()
        .into_iter()
        .filter_map(|(k, v)| {
            let value_lines = v.scalar().and_then(|s| s.verbatim_lines.clone());
            Some(Annotation { key: spanned(k, file)?, value: written(v, file)?, value_lines })
        })
        .collect()
}

fn from_manifest(doc: Node<'_>, file: FileId, api_version: &str) -> Ingress {
    let metadata = doc.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(|n| spanned(n, file));
    let span = name.as_ref().map(|n| n.span).or_else(|| doc.get("kind").map(|k| span(k, file)));
    let annotations = annotations(metadata.and_then(|m| m.get("annotations")), file);
    let spec = doc.get("spec");
    let ingress_class = string(spec.and_then(|s| s.get("ingressClassName"))).or_else(|| {
        annotations.iter().find(|a| a.key.value == "kubernetes.io/ingress.class").map(|a| a.value.value.clone())
    });
    let rules = spec
        .and_then(|s| s.get("rules"))
        .map(|rules| {
            rules
                .items()
                .map(|rule| IngressRule {
                    host: rule.get("host").and_then(|h| spanned(h, file)),
                    paths: rule
                        .path(&["http", "paths"])
                        .map(|paths| {
                            paths
                                .items()
                                .map(|p| IngressPath {
                                    path: p.get("path").and_then(|v| spanned(v, file)),
                                    backend: p.get("backend").and_then(|b| backend(b, file)),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let default_backend =
        spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))).and_then(|b| backend(b, file));
    Ingress {
        source: IngressSource::Manifest,
        api_version: Some(api_version.to_string()),
        name,
        namespace: string(metadata.and_then(|m| m.get("namespace"))),
        span: span.unwrap_or_else(|| Span::new(file, 0, 0)),
        ingress_class,
        snippet: snippet_directives(&annotations),
        annotations,
        rules,
        default_backend,
        cors: None,
    }
}

/// The `configuration-snippet` read as nginx reads it, each directive pointing into the YAML file.
fn snippet_directives(annotations: &[Annotation]) -> Vec<SnippetDirective> {
    let Some(snippet) =
        annotations.iter().find(|a| a.key.value.strip_prefix(INGRESS_NGINX_PREFIX) == Some("configuration-snippet"))
    else {
        return Vec::new();
    };
    let config = crate::parse::nginx::parse(&snippet.value.value);
    config
        .walk()
        .map(|d| {
            let span = match (snippet.file_offset(d.range.start), snippet.file_offset(d.range.end)) {
                (Some(start), Some(end)) if start <= end => Span::new(snippet.value.span.file, start, end),
                _ => snippet.value.span,
            };
            SnippetDirective { name: d.name.clone(), args: d.args.iter().map(|a| a.value.clone()).collect(), span }
        })
        .collect()
}

/// `service: {name, port: {number|name}}` (networking.k8s.io/v1) or `serviceName`/`servicePort` (v1beta1).
fn backend(node: Node<'_>, file: FileId) -> Option<Backend> {
    let port_of = |n: Node<'_>| match n.scalar().map(|s| &s.kind) {
        Some(crate::parse::yaml::ScalarKind::Int(i)) => u16::try_from(*i).ok().map(ServicePort::Number),
        _ => n.as_str().map(|s| s.parse().map_or_else(|_| ServicePort::Name(s.to_string()), ServicePort::Number)),
    };
    if let Some(service) = node.get("service") {
        let port = service.get("port");
        let port = port.and_then(|p| p.get("number").or_else(|| p.get("name"))).and_then(port_of);
        return Some(Backend { service: spanned(service.get("name")?, file)?, port });
    }
    Some(Backend { service: spanned(node.get("serviceName")?, file)?, port: node.get("servicePort").and_then(port_of) })
}

/// Helm values: any mapping with ingress-nginx annotation keys (usually `ingress.annotations`).
fn from_values(doc: Node<'_>, file: FileId) -> Vec<Ingress> {
    const MAX_NODES: usize = 10_000;
    let mut out = Vec::new();
    let mut stack = vec![(doc, 0usize)];
    let mut visited = 0;
    while let Some((node, depth)) = stack.pop() {
        visited += 1;
        if visited > MAX_NODES || depth > 16 {
            break;
        }
        if node.is_sequence() {
            stack.extend(node.items().map(|n| (n, depth + 1)));
            continue;
        }
        let entries = node.entries();
        if entries.iter().any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with(INGRESS_NGINX_PREFIX))) {
            let annotations = annotations(Some(node), file);
            out.push(Ingress {
                source: IngressSource::HelmValues,
                api_version: None,
                name: None,
                namespace: None,
                span: span(node, file),
                ingress_class: None,
                snippet: snippet_directives(&annotations),
                annotations,
                rules: Vec::new(),
                default_backend: None,
                cors: None,
            });
            continue;
        }
        stack.extend(entries.into_iter().rev().map(|(_, v)| (v, depth + 1)));
    }
    out.sort_by_key(|i| i.span);
    out
}

/// ingress-nginx's CORS configuration of an Ingress, and the policy it enforces when enabled.
fn cors(ingress: &Ingress) -> Option<(IngressCors, Option<CorsPolicy>)> {
    let enable = ingress.nginx_annotation("enable-cors")?;
    let enabled = go_parse_bool(enable.value.value.trim()).unwrap_or(false);
    let entry = enable.entry_span();
    let mut facts = IngressCors { enabled, enable_span: entry, policy_span: entry, origin_notes: Vec::new() };
    if !enabled {
        return Some((facts, None));
    }
    let (origins, notes) = origins(ingress.nginx_annotation("cors-allow-origin"), entry);
    facts.origin_notes = notes;

    let credentials = match ingress.nginx_annotation("cors-allow-credentials") {
        // ingress-nginx turns a value `strconv.ParseBool` rejects into `true`.
        Some(a) if !a.value.has_placeholder() => {
            Setting::explicit(Value::Known(go_parse_bool(a.value.value.trim()).unwrap_or(true)), a.value.span)
        }
        Some(a) => Setting::explicit(Value::Unknown, a.value.span),
        None => Setting::default_at(true, entry),
    };
    let methods =
        name_list(ingress.nginx_annotation("cors-allow-methods"), entry, DEFAULT_METHODS, |v| matches(&METHODS, v));
    let headers = name_list(ingress.nginx_annotation("cors-allow-headers"), entry, DEFAULT_HEADERS, |v| {
        !v.is_empty() && matches(&HEADERS, v)
    });
    let expose_headers = name_list(ingress.nginx_annotation("cors-expose-headers"), entry, "", |v| matches(&EXPOSE, v));
    let max_age = match ingress.nginx_annotation("cors-max-age") {
        Some(a) if a.value.has_placeholder() => Setting::explicit(Value::Unknown, a.value.span),
        Some(a) => match a.value.value.trim().parse::<i64>() {
            Ok(n) => Setting::explicit(Value::Known(u64::try_from(n).unwrap_or(0)), a.value.span),
            // `strconv.Atoi` failed: ingress-nginx uses its default.
            Err(_) => Setting::default_at(DEFAULT_MAX_AGE, a.value.span),
        },
        None => Setting::default_at(DEFAULT_MAX_AGE, entry),
    };
    let policy = CorsPolicy {
        layer: Layer::IngressNginx,
        span: entry,
        origins,
        credentials,
        methods,
        headers,
        expose_headers,
        max_age,
    };
    Some((facts, Some(policy)))
}

/// A comma list annotation: its names when ingress-nginx accepts the value, else ingress-nginx's
/// default (pointing at the rejected value, or at `enable-cors` when the annotation is absent).
fn name_list(
    annotation: Option<&Annotation>,
    enable: Span,
    default: &str,
    valid: impl Fn(&str) -> bool,
) -> Setting<NameList> {
    let default_names = |span: Span| -> NameList {
        default.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Spanned::new(s.to_string(), span)).collect()
    };
    match annotation {
        None => Setting::default_at(default_names(enable), enable),
        Some(a) if a.value.has_placeholder() => Setting::explicit(Value::Unknown, a.value.span),
        Some(a) if valid(a.value.value.trim()) => {
            let names = a
                .value
                .comma_parts()
                .into_iter()
                .filter(|p| !p.value.is_empty())
                .map(|p| Spanned::new(p.value, p.span))
                .collect();
            Setting::explicit(Value::Known(names), a.value.span)
        }
        Some(a) => Setting::default_at(default_names(a.value.span), a.value.span),
    }
}

fn entry(kind: OriginKind, w: &Written) -> OriginEntry {
    OriginEntry { kind, span: w.span, text_start: w.text_start }
}

/// `cors-allow-origin` as ingress-nginx reads it.
fn origins(annotation: Option<&Annotation>, enable: Span) -> (Origins, Vec<OriginNote>) {
    let mut origins = Origins::default();
    let mut notes = Vec::new();
    let Some(annotation) = annotation else {
        origins.entries.push(OriginEntry { kind: OriginKind::Any, span: enable, text_start: None });
        return (origins, notes);
    };
    let value = &annotation.value;
    if value.has_placeholder() {
        origins.has_unknown = true;
        return (origins, notes);
    }
    let trimmed = value.value.trim();
    let stripped: String = trimmed.chars().filter(|&c| c != ' ').collect();
    let valid = !trimmed.is_empty() && !trimmed.contains(['\n', '\r']) && matches(&ORIGIN_VALUE, &stripped);
    if !valid {
        let parts = value.comma_parts();
        let offending = parts
            .iter()
            .find(|p| {
                let compact: String = p.value.chars().filter(|&c| c != ' ').collect();
                !compact.is_empty() && !matches(&ORIGIN_ELEMENT, &compact)
            })
            .map_or_else(|| Spanned::new(value.value.clone(), value.span), |p| Spanned::new(p.value.clone(), p.span));
        let reason = if trimmed.is_empty() { "it is empty".to_string() } else { why_invalid(&offending.value) };
        notes.push(OriginNote::InvalidValueAllowsAny { value: value.span, offending, reason });
        origins.entries.push(entry(OriginKind::Any, value));
        return (origins, notes);
    }
    let mut kept: Vec<Written> = Vec::new();
    for part in value.comma_parts() {
        if part.value == "*" {
            origins.entries = vec![entry(OriginKind::Any, &part)];
            return (origins, Vec::new());
        }
        if !matches(&ONE_ORIGIN, &part.value) {
            // Dropped by ingress-nginx; kept here as an origin that never matches, so it is reported as such.
            notes.push(OriginNote::OriginSkipped {
                origin: Spanned::new(part.value.clone(), part.span),
                reason: why_skipped(&part.value),
            });
            origins.entries.push(entry(OriginKind::Literal(part.value.clone()), &part));
            continue;
        }
        kept.push(part);
    }
    let empty = kept.iter().find(|p| p.value.is_empty()).map(|p| p.span);
    if kept.is_empty() || empty.is_some() {
        let at = empty.unwrap_or(value.span);
        notes.push(OriginNote::EmptyAlternativeMatchesAny { at });
        origins.entries.push(OriginEntry { kind: OriginKind::Reflect, span: at, text_start: None });
    }
    for part in kept.into_iter().filter(|p| !p.value.is_empty()) {
        let kind = if part.value.contains('*') {
            OriginKind::Pattern { pattern: part.value.clone(), semantics: PatternSemantics::Glob }
        } else {
            OriginKind::Literal(part.value.to_ascii_lowercase())
        };
        origins.entries.push(entry(kind, &part));
    }
    origins.entries.sort_by_key(|e| e.span);
    (origins, notes)
}

/// Why an origin fails ingress-nginx's validation, in words.
fn why_invalid(origin: &str) -> String {
    let after_scheme = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let scheme = origin.split_once("://").map(|(s, _)| s);
    if origin == "*" {
        return "`*` is mixed with other origins".to_string();
    }
    if after_scheme.contains('/') {
        return "it has a path or a trailing `/`".to_string();
    }
    if scheme.is_some_and(|s| s.chars().any(|c| c.is_ascii_uppercase())) {
        return "its scheme is upper-case".to_string();
    }
    let stray_star = !after_scheme.starts_with("*.") || after_scheme.get(1..).is_some_and(|r| r.contains('*'));
    if origin.contains('*') && stray_star {
        return "its `*` is not a leading `*.` wildcard".to_string();
    }
    match origin.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '/' | '*' | ' '))) {
        Some(c) => format!("it contains `{}`, which ingress-nginx does not accept in an origin", c.escape_default()),
        None => "it does not look like `https://host[:port]`".to_string(),
    }
}

/// Why an origin that passed the whole-value check is dropped.
fn why_skipped(origin: &str) -> String {
    if !origin.contains("://") { "it has no scheme (`https://`)".to_string() } else { why_invalid(origin) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn policy_of(text: &str) -> (Project, usize) {
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut project = Project::default();
        for doc in file.documents() {
            extract(&mut project, 0, doc);
        }
        let n = project.policies.len();
        (project, n)
    }

    fn ingress(annotations: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n{annotations}spec:\n  rules:\n  - host: api.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: api\n            port:\n              number: 8000\n"
        )
    }

    fn kinds(p: &CorsPolicy) -> Vec<OriginKind> {
        p.origins.entries.iter().map(|e| e.kind.clone()).collect()
    }

    #[test]
    fn enable_cors_alone_uses_ingress_nginx_defaults() {
        let text = ingress("    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n");
        let (project, n) = policy_of(&text);
        assert_eq!(n, 1);
        let p = &project.policies[0];
        assert_eq!(kinds(p), vec![OriginKind::Any]);
        assert_eq!(p.credentials.known(), Some(&true));
        assert!(!p.credentials.explicit);
        assert_eq!(p.max_age.known(), Some(&DEFAULT_MAX_AGE));
        assert_eq!(p.methods.known().map(Vec::len), Some(6));
        assert_eq!(&text[p.span.start()..p.span.end()], "nginx.ingress.kubernetes.io/enable-cors: \"true\"");
        let ing = &project.deploy.ingresses[0];
        assert_eq!(ing.backends().next().map(|b| b.service.value.as_str()), Some("api"));
        assert_eq!(ing.backends().next().and_then(|b| b.port.clone()), Some(ServicePort::Number(8000)));
        assert_eq!(project.deploy.ingress_of(p).and_then(|i| i.name.as_ref()).map(|n| n.value.as_str()), Some("api"));
    }

    #[test]
    fn disabled_or_absent_cors_has_no_policy() {
        for v in ["\"false\"", "\"yes\"", "\"\""] {
            let text = ingress(&format!("    nginx.ingress.kubernetes.io/enable-cors: {v}\n"));
            assert_eq!(policy_of(&text).1, 0, "{v}");
        }
        assert_eq!(policy_of(&ingress("    a: b\n")).1, 0);
    }

    #[test]
    fn origin_list_is_split_with_exact_spans() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://App.example.com, https://*.example.org,null\"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: \"false\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert_eq!(
            kinds(p),
            vec![
                OriginKind::Literal("https://app.example.com".into()),
                OriginKind::Pattern { pattern: "https://*.example.org".into(), semantics: PatternSemantics::Glob },
                OriginKind::Literal("null".into()),
            ]
        );
        let texts: Vec<&str> = p.origins.entries.iter().map(|e| &text[e.span.start()..e.span.end()]).collect();
        assert_eq!(texts, vec!["https://App.example.com", "https://*.example.org", "null"]);
        assert_eq!(p.origins.entries[1].text_start, Some(p.origins.entries[1].span.start()));
        assert_eq!(p.credentials.known(), Some(&false));
        assert!(p.credentials.explicit);
    }

    #[test]
    fn invalid_origin_falls_back_to_any_and_says_why() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://app.example.com/, https://b.example.com\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert_eq!(kinds(p), vec![OriginKind::Any]);
        let notes = &project.deploy.ingress_of(p).unwrap().cors.as_ref().unwrap().origin_notes;
        match &notes[..] {
            [OriginNote::InvalidValueAllowsAny { offending, reason, .. }] => {
                assert_eq!(offending.value, "https://app.example.com/");
                assert_eq!(&text[offending.span.start()..offending.span.end()], "https://app.example.com/");
                assert!(reason.contains("trailing"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn star_in_list_collapses_and_empty_alternative_reflects() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://a.example.com,\"\n",
        );
        let (project, _) = policy_of(&text);
        assert_eq!(
            kinds(&project.policies[0]),
            vec![OriginKind::Literal("https://a.example.com".into()), OriginKind::Reflect]
        );
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"example.com\"\n",
        );
        let (project, _) = policy_of(&text);
        assert_eq!(kinds(&project.policies[0]), vec![OriginKind::Reflect, OriginKind::Literal("example.com".into())]);
    }

    #[test]
    fn invalid_lists_fall_back_to_defaults_and_placeholders_are_unknown() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-headers: \"*\"\n    nginx.ingress.kubernetes.io/cors-max-age: \"600\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"{{ .Values.origin }}\"\n    nginx.ingress.kubernetes.io/cors-expose-headers: \"*, X-Total\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert!(!p.headers.explicit);
        assert_eq!(p.headers.known().map(Vec::len), Some(9));
        assert_eq!(p.max_age.known(), Some(&600));
        assert!(p.origins.has_unknown && p.origins.entries.is_empty());
        let expose: Vec<&str> = p.expose_headers.known().unwrap().iter().map(|s| s.value.as_str()).collect();
        assert_eq!(expose, vec!["*", "X-Total"]);
    }

    #[test]
    fn helm_values_annotations_are_an_ingress() {
        let text = "replicaCount: 2\ningress:\n  enabled: true\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n  hosts: []\n";
        let (project, n) = policy_of(text);
        assert_eq!(n, 1);
        assert_eq!(project.deploy.ingresses[0].source, IngressSource::HelmValues);
    }

    #[test]
    fn snippet_offsets_map_into_the_file() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n      add_header X-Frame-Options DENY;\n",
        );
        let (project, _) = policy_of(&text);
        let snippet = project.deploy.ingresses[0].configuration_snippet().unwrap();
        let at = snippet.value.value.find("add_header").unwrap();
        let offset = snippet.file_offset(at).unwrap();
        assert_eq!(&text[offset..offset + 10], "add_header");
    }

    #[test]
    fn snippet_is_read_by_the_nginx_parser_with_spans_in_the_yaml() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n      # a comment; with a semicolon\n      add_header 'Access-Control-Allow-Origin' $http_origin always;\n",
        );
        let (project, _) = policy_of(&text);
        let snippet = &project.deploy.ingresses[0].snippet;
        let names: Vec<&str> = snippet.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["more_set_headers", "add_header"]);
        assert_eq!(snippet[1].args, ["Access-Control-Allow-Origin", "$http_origin", "always"]);
        let span = snippet[1].span;
        assert_eq!(&text[span.start()..span.end()], "add_header 'Access-Control-Allow-Origin' $http_origin always;");
    }

    #[test]
    fn v1beta1_backends() {
        let text = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: old\nspec:\n  backend:\n    serviceName: web\n    servicePort: http\n";
        let (project, _) = policy_of(text);
        let backend = project.deploy.ingresses[0].default_backend.clone().unwrap();
        assert_eq!(backend.service.value, "web");
        assert_eq!(backend.port, Some(ServicePort::Name("http".into())));
    }
}
