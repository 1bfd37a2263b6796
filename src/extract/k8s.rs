//! Kubernetes Services and workloads: what links an Ingress backend to the containers (and images)
//! that serve it.

use super::yaml::{self, spanned, string, string_pairs, written};
use crate::model::Project;
use crate::model::deploy::{Container, EnvVar, K8sService, K8sServicePort, ServicePort, Workload};
use crate::parse::yaml::{Node, ScalarKind};
use crate::source::FileId;

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

pub(super) fn extract(project: &mut Project, file: FileId, doc: Node<'_>) {
    let Some((_, kind)) = yaml::kind_of(doc) else { return };
    let metadata = doc.get("metadata");
    let Some(name) = metadata.and_then(|m| m.get("name")).and_then(|n| spanned(n, file)) else { return };
    let namespace = string(metadata.and_then(|m| m.get("namespace")));
    if kind == "Service" {
        let spec = doc.get("spec");
        let ports = spec
            .and_then(|s| s.get("ports"))
            .map(|ports| {
                ports
                    .items()
                    .map(|p| K8sServicePort {
                        name: string(p.get("name")),
                        port: p.get("port").and_then(port_number),
                        target_port: p.get("targetPort").and_then(|t| match port_number(t) {
                            Some(n) => Some(ServicePort::Number(n)),
                            None => t.as_str().map(|s| ServicePort::Name(s.to_string())),
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let selector = string_pairs(spec.and_then(|s| s.get("selector")));
        project.deploy.k8s_services.push(K8sService { name, namespace, selector, ports });
    } else if WORKLOADS.contains(&kind) {
        let template = doc.path(&["spec", "template"]);
        let pod_labels = string_pairs(template.and_then(|t| t.path(&["metadata", "labels"])));
        let containers = template
            .and_then(|t| t.path(&["spec", "containers"]))
            .map(|cs| cs.items().map(|c| container(c, file)).collect())
            .unwrap_or_default();
        project.deploy.workloads.push(Workload { kind: kind.to_string(), name, namespace, pod_labels, containers });
    }
}

fn port_number(node: Node<'_>) -> Option<u16> {
    match node.scalar()?.kind {
        ScalarKind::Int(i) => u16::try_from(i).ok(),
        _ => node.as_str()?.parse().ok(),
    }
}

fn container(node: Node<'_>, file: FileId) -> Container {
    let env = node
        .get("env")
        .map(|env| {
            env.items()
                .filter_map(|e| {
                    let name = spanned(e.get("name")?, file)?;
                    // `valueFrom` (secrets, config maps, fields) is not known here.
                    let value = e.get("value").and_then(|v| written(v, file));
                    Some(EnvVar { name, value })
                })
                .collect()
        })
        .unwrap_or_default();
    let ports = node
        .get("ports")
        .map(|ports| ports.items().filter_map(|p| p.get("containerPort").and_then(port_number)).collect())
        .unwrap_or_default();
    Container { name: string(node.get("name")), image: node.get("image").and_then(|n| written(n, file)), env, ports }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    #[test]
    fn services_and_deployments() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n      - name: api\n        image: ghcr.io/acme/api:1.2\n        env:\n        - name: BACKEND_CORS_ORIGINS\n          value: '[\"https://app.example.com\"]'\n        - name: SECRET\n          valueFrom:\n            secretKeyRef: {name: s, key: k}\n        ports:\n        - containerPort: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n  - port: 80\n    targetPort: 8000\n";
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty());
        let mut project = Project::default();
        for doc in file.documents() {
            extract(&mut project, 0, doc);
        }
        let w = &project.deploy.workloads[0];
        assert_eq!(w.pod_labels, vec![("app".to_string(), "api".to_string())]);
        let c = &w.containers[0];
        assert_eq!(c.env[0].value.as_ref().unwrap().value, "[\"https://app.example.com\"]");
        assert_eq!(c.env[1].value, None);
        assert_eq!(c.ports, vec![8000]);
        let s = &project.deploy.k8s_services[0];
        assert_eq!(s.ports[0].target_port, Some(ServicePort::Number(8000)));
        assert_eq!(s.selector.len(), 1);
    }
}
