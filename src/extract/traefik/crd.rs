//! Traefik's custom resources: a `kind: Middleware` and the routes of a `kind: IngressRoute`.

use super::headers::headers_from_node;
use super::{push, types_of};
use crate::extract::yaml::{spanned, written};
use crate::model::Project;
use crate::model::deploy::{TraefikMiddleware, TraefikRouter, TraefikSource};
use crate::parse::yaml::Node;
use crate::source::FileId;

pub(super) fn from_crd(project: &mut Project, file: FileId, doc: Node<'_>) {
    let metadata = doc.get("metadata");
    let Some(name) = metadata.and_then(|m| m.get("name")).and_then(|n| spanned(n, file)) else { return };
    let headers = doc.path(&["spec", "headers"]).map(|h| headers_from_node(h, file, true));
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(|n| n.as_str()).map(str::to_string);
    let types = types_of(doc.get("spec"));
    push(project, TraefikMiddleware { name, namespace, source: TraefikSource::Crd, types, headers, policy_span: None });
}

pub(super) fn routes_from_crd(project: &mut Project, file: FileId, doc: Node<'_>) {
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

#[cfg(test)]
mod tests {
    use crate::extract::traefik::test_support::{run, slice};
    use crate::model::{Layer, OriginKind};

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
}
