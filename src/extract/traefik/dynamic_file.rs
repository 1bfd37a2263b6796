//! Traefik's dynamic configuration files: `http.middlewares` and `http.routers`.

use super::headers::headers_from_node;
use super::{get_ci, push, types_of};
use crate::extract::yaml::{self, spanned, written};
use crate::model::Project;
use crate::model::deploy::{TraefikMiddleware, TraefikRouter, TraefikSource};
use crate::parse::yaml::Node;
use crate::source::FileId;

pub(super) fn from_dynamic_file(project: &mut Project, file: FileId, http: Node<'_>) {
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

#[cfg(test)]
mod tests {
    use crate::extract::traefik::test_support::run;
    use crate::model::OriginKind;

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
}
