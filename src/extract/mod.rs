//! Extraction: one module per layer turns syntax trees into facts of the project model.

pub mod nginx;

use crate::model::Project;
use crate::parse::Parsed;

mod compose;
pub mod fastapi;
mod ingress;
mod k8s;
mod traefik;
mod yaml;

/// Fills the model from every parsed file; `parsed[i]` belongs to `project.files[i]`.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    for (file, tree) in parsed.iter().enumerate() {
        if let Parsed::Yaml(yaml) = tree {
            extract_deploy(project, file, yaml);
        }
    }
    // After compose: a settings module reads the `.env` files of its own service (its build context).
    fastapi::extract(project, parsed);
    // After the deployment layer: compose mounts say where absolute `include`s come from.
    nginx::extract(project, parsed);
    project.links = crate::model::stack::link(project);
}

/// The deployment layer: Ingress annotations, Traefik, compose, Kubernetes Services and workloads.
fn extract_deploy(project: &mut Project, file: crate::source::FileId, yaml: &crate::parse::yaml::YamlFile) {
    for doc in yaml.documents() {
        ingress::extract(project, file, doc);
        traefik::extract(project, file, doc);
        compose::extract(project, file, doc);
        k8s::extract(project, file, doc);
    }
}
