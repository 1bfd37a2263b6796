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
    extract_nginx_releasing(project, parsed);
}

/// The nginx model and what follows it, each nginx tree dropped once it is read.
fn extract_nginx_releasing(project: &mut Project, parsed: &mut [Parsed]) {
    let nginx_trees = nginx::take_trees(parsed);
    nginx::extract(project, parsed, nginx_trees);
    extract_after_nginx(project);
}

/// [`extract_releasing`] for a project whose nginx trees are outlines ([`Config::outline`]), read
/// whole again where they are needed. When nginx is its only CORS layer and `check` is given,
/// `check` runs over each group of configurations that share no file while that group's trees and
/// model are alive ([`nginx::extract_in_groups`]), and the project is left without a model: the
/// caller's own check then sees only what is not the model's (parse errors, what was not analysed).
///
/// [`Config::outline`]: crate::parse::nginx::Config::outline
pub fn extract_outlined(project: &mut Project, parsed: &mut [Parsed], check: Option<&mut dyn FnMut(&Project)>) {
    extract_before_nginx(project, parsed);
    match check {
        Some(check) if nginx_stands_alone(project, parsed) => {
            let parse_errors = std::mem::take(&mut project.parse_errors);
            let mut not_analysed = std::mem::take(&mut project.not_analysed);
            let startup_refusals = std::mem::take(&mut project.startup_refusals);
            let outlines = nginx::take_trees(parsed);
            nginx::extract_in_groups(project, parsed, outlines, check);
            not_analysed.append(&mut project.not_analysed);
            project.not_analysed = not_analysed;
            project.parse_errors = parse_errors;
            project.startup_refusals = startup_refusals;
        }
        _ => {
            let whole = nginx::parse_whole(project, nginx::take_trees(parsed).into_iter().map(|(id, _)| id).collect());
            nginx::extract(project, parsed, whole);
        }
    }
    extract_after_nginx(project);
}

/// Whether the nginx configurations meet nothing but each other: no app or source of an
/// unmodelled one (which a `proxy_pass` may reach), no policy of another layer, no Ingress or
/// Traefik declaration, no frontend, no header rules of a hosting platform. Compose services,
/// Kubernetes Services and workloads may stand beside them: they only link a proxy to an app, and
/// where they mount a configuration, the include resolution, which sees every file, reads it.
fn nginx_stands_alone(project: &Project, parsed: &[Parsed]) -> bool {
    let no_other_files = project.files.iter().zip(parsed).all(|(file, tree)| match tree {
        Parsed::Nginx(_) | Parsed::Dotenv(_) | Parsed::Yaml(_) => true,
        Parsed::Nothing => file.kind != crate::source::FileKind::AppSource || file.text.is_empty(),
        _ => false,
    });
    let deploy = &project.deploy;
    no_other_files
        && project.policies.is_empty()
        && project.apps.is_empty()
        && project.own_cors.is_empty()
        && project.hand_written_cors.is_empty()
        && project.frontends.is_empty()
        && project.written_headers.is_empty()
        && deploy.ingresses.is_empty()
        && deploy.traefik_middlewares.is_empty()
        && deploy.traefik_routers.is_empty()
}

/// Everything that reads syntax trees other than through the nginx model: the frontends read the
/// nginx `server` that serves a build, so they run while the nginx trees are still there.
fn extract_before_nginx(project: &mut Project, parsed: &[Parsed]) {
    extract_deploy(project, parsed);
    // After compose: a settings module reads the `.env` files of its own service (its build context).
    fastapi::extract(project, parsed);
    extract_after_python(project, parsed);
}

/// [`extract_releasing`] for a project whose Python files `deferred` are not parsed yet: `parse`
/// parses them a group of connected modules at a time, and each group's trees are dropped once it
/// is read ([`fastapi::extract_in_groups`]). Answers how many groups were read apart (0: together).
pub fn extract_parsing_python(
    project: &mut Project,
    parsed: &mut [Parsed],
    deferred: &[crate::source::FileId],
    parse: &mut fastapi::ParsePython,
) -> usize {
    extract_deploy(project, parsed);
    let groups = fastapi::extract_in_groups(project, parsed, deferred, parse);
    extract_after_python(project, parsed);
    extract_nginx_releasing(project, parsed);
    groups
}

fn extract_after_python(project: &mut Project, parsed: &[Parsed]) {
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
