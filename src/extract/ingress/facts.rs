//! The [`Ingress`] facts of a `kind: Ingress` manifest or of a Helm values mapping with
//! ingress-nginx annotations: its annotations, rules, backends and `configuration-snippet`.

use super::snippet::snippet_directives;
use super::{Context, Source};
use crate::extract::yaml::{has_placeholder, span, spanned, string, written};
use crate::model::deploy::Written;
use crate::model::deploy::{
    Annotation, Backend, INGRESS_NGINX_PREFIX, Ingress, IngressPath, IngressRule, IngressSource, ServicePort,
};
use crate::parse::yaml::Node;
use crate::source::{FileId, Span, Spanned, TextRange};

pub(super) fn annotations(map: Option<Node<'_>>, file: FileId) -> Vec<Annotation> {
    let Some(map) = map else { return Vec::new() };
    map.entries()
        .into_iter()
        .filter_map(|(k, v)| {
            let value_lines = v.scalar().and_then(|s| s.verbatim_lines.clone());
            Some(Annotation { key: spanned(k, file)?, value: written(v, file)?, value_lines })
        })
        .collect()
}

/// The CORS annotations ingress-nginx gives a default when they are absent: with a values read
/// corslint cannot follow, they may be set there, so they are Unknown, not defaults.
const DEFAULTED: &[&str] =
    &["cors-allow-origin", "cors-allow-credentials", "cors-allow-methods", "cors-allow-headers", "cors-max-age"];

/// The annotations of a manifest: written in it, or rendered from Helm values
/// ([`super::helm`]); a values mapping used here is recorded in `consumed`.
fn manifest_annotations(doc: Node<'_>, source: &Source<'_>, context: &mut Context<'_, '_>) -> Vec<Annotation> {
    let file = source.file;
    let metadata = doc.get("metadata");
    let entry = metadata.and_then(|m| m.entry("annotations"));
    let mut out = annotations(entry.map(|(_, v)| v), file);
    let Some((key, _)) = entry else { return out };
    // `{{ $key }}: {{ $value }}` in a `range`: entries nobody can name.
    let hidden_keys = out.iter().find(|a| has_placeholder(&a.key.value)).map(|a| a.key.span);
    out.retain(|a| !has_placeholder(&a.key.value));
    if let Some(at) = hidden_keys {
        unknown_cors_annotations(&mut out, at);
    }
    if source.values.is_empty() {
        return out;
    }
    // The annotations' text runs from their key to the next key, of `metadata` or of the document.
    let next_key = |node: Option<Node<'_>>, after: usize| {
        node.map(|n| n.entries()).unwrap_or_default().iter().map(|(k, _)| k.range().start).filter(|&s| s > after).min()
    };
    let after = key.range().end;
    let end = next_key(metadata, after).or_else(|| next_key(Some(doc), after)).unwrap_or(usize::MAX);
    let Some(rendered) = context.charts.annotations(source.path, source.values, TextRange::new(after, end)) else {
        return out;
    };
    if let Some((values_file, mapping)) = rendered.mapping {
        context.consumed.push((values_file, mapping.range()));
        out.extend(annotations(Some(mapping), values_file));
    }
    if let Some(read) = rendered.unresolved {
        unknown_cors_annotations(&mut out, Span::new(file, read.start, read.end));
    }
    out
}

/// Marks the CORS annotations not written as Unknown (placeholders at `at`): the template renders
/// annotations corslint cannot see, which may set them.
fn unknown_cors_annotations(out: &mut Vec<Annotation>, at: Span) {
    for name in DEFAULTED {
        let key = format!("{INGRESS_NGINX_PREFIX}{name}");
        if out.iter().all(|a| a.key.value != key) {
            let value = Written { value: "${template}".to_owned(), span: at, text_start: None };
            out.push(Annotation { key: Spanned::new(key, at), value, value_lines: None });
        }
    }
}

pub(super) fn from_manifest(
    doc: Node<'_>,
    source: &Source<'_>,
    api_version: &str,
    context: &mut Context<'_, '_>,
) -> Ingress {
    let file = source.file;
    let metadata = doc.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(|n| spanned(n, file));
    let span = name.as_ref().map(|n| n.span).or_else(|| doc.get("kind").map(|k| span(k, file)));
    let annotations = manifest_annotations(doc, source, context);
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
    let mut tls_hosts = Vec::new();
    if let Some(tls) = spec.and_then(|s| s.get("tls")) {
        for entry in tls.items() {
            let Some(hosts) = entry.get("hosts") else { continue };
            tls_hosts.extend(hosts.items().filter_map(|host| string(Some(host))));
        }
    }
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
        tls_hosts,
        default_backend,
        cors: None,
    }
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
pub(super) fn from_values(doc: Node<'_>, file: FileId, consumed: &[(FileId, TextRange)]) -> Vec<Ingress> {
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
        if consumed.contains(&(file, node.range())) {
            continue; // rendered into an Ingress template of the chart, and read there
        }
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
                tls_hosts: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ingress::test_support::policy_of;

    #[test]
    fn helm_values_annotations_are_an_ingress() {
        let text = "replicaCount: 2\ningress:\n  enabled: true\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n  hosts: []\n";
        let (project, n) = policy_of(text);
        assert_eq!(n, 1);
        assert_eq!(project.deploy.ingresses[0].source, IngressSource::HelmValues);
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
