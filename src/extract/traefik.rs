//! Traefik: `headers` middlewares and routers from the three places they are written —
//! `kind: Middleware`/`kind: IngressRoute` custom resources, docker-compose labels
//! (`traefik.http.middlewares.<name>.headers.<field>=...`) and dynamic configuration files
//! (`http.middlewares.<name>.headers`) — and the CORS policy each middleware enforces.
//!
//! - `crd`, `labels`, `dynamic_file`: each source format read into the same
//!   [`TraefikMiddleware`] and [`TraefikRouter`](crate::model::deploy::TraefikRouter) facts;
//! - `headers`: the `headers` fields of a middleware, as each source writes them;
//! - `policy`: the CORS policy Traefik enforces for those fields.

mod crd;
mod dynamic_file;
mod headers;
mod labels;
mod policy;

use super::compose::services_of;
use super::yaml;
use crate::model::Project;
use crate::model::deploy::TraefikMiddleware;
use crate::parse::yaml::Node;
use crate::source::FileId;

pub(super) fn extract(project: &mut Project, file: FileId, doc: Node<'_>) {
    match yaml::kind_of(doc) {
        Some((api, kind)) if api.starts_with("traefik.io/") || api.starts_with("traefik.containo.us/") => match kind {
            "Middleware" => crd::from_crd(project, file, doc),
            "IngressRoute" => crd::routes_from_crd(project, file, doc),
            _ => {}
        },
        Some(_) => {}
        None => {
            if let Some(http) = get_ci(doc, "http") {
                dynamic_file::from_dynamic_file(project, file, http);
            }
            if let Some(services) = services_of(doc) {
                labels::from_compose_labels(project, file, services);
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

/// The keys of a middleware's definition: its types.
fn types_of(node: Option<Node<'_>>) -> Vec<String> {
    node.map(|n| n.entries().into_iter().filter_map(|(k, _)| k.as_str().map(str::to_ascii_lowercase)).collect())
        .unwrap_or_default()
}

/// Records the middleware and, when it sets CORS, the policy Traefik enforces.
fn push(project: &mut Project, mut middleware: TraefikMiddleware) {
    if let Some(policy) = middleware.headers.as_ref().and_then(|h| policy::policy(h, middleware.name.span)) {
        middleware.policy_span = Some(policy.span);
        project.policies.push(policy);
    }
    project.deploy.traefik_middlewares.push(middleware);
}

#[cfg(test)]
mod test_support {
    use super::extract;
    use crate::model::Project;
    use crate::parse::yaml;
    use crate::source::Span;

    pub(super) fn run(text: &str) -> Project {
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut project = Project::default();
        for doc in file.documents() {
            extract(&mut project, 0, doc);
        }
        project
    }

    pub(super) fn slice(text: &str, span: Span) -> &str {
        &text[span.start()..span.end()]
    }
}
