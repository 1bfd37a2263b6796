//! Extraction: one module per layer turns syntax trees into facts of the project model.

pub mod nginx;

use crate::model::Project;
use crate::parse::Parsed;

mod compose;
pub mod dockerfile;
pub mod fastapi;
pub mod frontend;
mod ingress;
pub mod javascript;
mod k8s;
mod own_cors;
mod static_headers;
mod traefik;
pub mod versions;
mod yaml;

/// Fills the model from every parsed file; `parsed[i]` belongs to `project.files[i]`.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    extract_before_nginx(project, parsed);
    nginx::extract(project, parsed, Vec::new());
    extract_after_nginx(project);
}

/// [`extract`], dropping each nginx syntax tree (taken out of `parsed`) as soon as every
/// configuration that reads it has been read, for runs that keep no trees afterwards.
pub fn extract_releasing(project: &mut Project, parsed: &mut [Parsed]) {
    extract_before_nginx(project, parsed);
    let nginx_trees = nginx::take_trees(parsed);
    nginx::extract(project, parsed, nginx_trees);
    extract_after_nginx(project);
}

/// Everything that reads syntax trees other than through the nginx model: the frontends read the
/// nginx `server` that serves a build, so they run while the nginx trees are still there.
fn extract_before_nginx(project: &mut Project, parsed: &[Parsed]) {
    extract_deploy(project, parsed);
    // After compose: a settings module reads the `.env` files of its own service (its build context).
    fastapi::extract(project, parsed);
    let mut releases = versions::Resolver::new(&project.root);
    javascript::express::extract(project, parsed, &mut releases);
    versions::pin_apps(project, &mut releases);
    javascript::fastify::extract(project, parsed);
    javascript::hono::extract(project, parsed);
    static_headers::extract(project, parsed);
    frontend::extract(project, parsed);
}

fn extract_after_nginx(project: &mut Project) {
    // After the apps: a build context that holds one of them is not read for other evidence.
    own_cors::extract(project);
    project.links = crate::model::stack::link(project);
}

/// The deployment layer: Ingress annotations, Traefik, compose, Kubernetes Services and workloads.
/// Templates come first: the Helm values an Ingress template reads are then not read again as
/// an Ingress of their own.
fn extract_deploy(project: &mut Project, parsed: &[Parsed]) {
    let paths: Vec<std::path::PathBuf> = project.files.iter().map(|f| f.path.clone()).collect();
    let path_refs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    let charts = ingress::helm::Charts::new(&path_refs, parsed);
    let mut consumed = Vec::new();
    let yaml_files = parsed.iter().enumerate().filter_map(|(id, tree)| match tree {
        Parsed::Yaml(yaml) => Some((id, yaml)),
        _ => None,
    });
    let (templates, others): (Vec<_>, Vec<_>) = yaml_files.partition(|(_, yaml)| !yaml.template_values.is_empty());
    for (file, yaml) in templates.into_iter().chain(others) {
        let path = path_refs.get(file).copied().unwrap_or(std::path::Path::new(""));
        let source = ingress::Source { file, path, values: &yaml.template_values };
        let mut context = ingress::Context { charts: &charts, consumed: &mut consumed };
        for doc in yaml.documents() {
            ingress::extract(project, &source, doc, &mut context);
            traefik::extract(project, file, doc);
            compose::extract(project, file, doc);
            k8s::extract(project, file, doc);
        }
    }
    ingress::kustomize::apply(project, parsed);
}
