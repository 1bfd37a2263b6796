//! From a name to the apps it reaches: a compose service whose `build` context holds the app, or a
//! Kubernetes Service → the workloads its selector picks → their image → the app (a compose
//! service that builds the same image, or a directory of the app named like the image).
//!
//! A compose service is reached by its name, its `container_name`, a network alias, or a `links:`
//! alias of the service the proxy runs in. When the proxy's configuration belongs to compose
//! deployments (a service mounts or builds it, see [`super::deployments`]), only their services
//! count. Otherwise, when a name is found in several places, the candidate next to the file that
//! names it wins (the deepest compose file above it, else the one sharing the longest directory
//! prefix); a tie links nothing.

use super::Node;
use super::deployments::{build_context, deployments_of, services_running};
use crate::model::Project;
use crate::model::deploy::{Workload, image_repo};
use crate::source::FileId;
use crate::source::normalize_path as normalize;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

type Found = Vec<(Vec<Node>, usize, Vec<String>)>;

/// The apps under each directory (every directory above an app's file), and the compose services
/// each name reaches (its name, container name or a network alias), in order: in all compose
/// files, and in each (thousands of deployments may each have an `api`).
#[derive(Debug, Default)]
pub(super) struct Names {
    apps_under: HashMap<PathBuf, Vec<usize>>,
    compose: HashMap<String, Vec<usize>>,
    compose_in: HashMap<(FileId, String), Vec<usize>>,
}

impl Names {
    pub(super) fn new(project: &Project) -> Names {
        let mut apps_under: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (i, app) in project.apps.iter().enumerate() {
            let Some(path) = project.absolute_path(app.span.file) else { continue };
            for dir in path.ancestors() {
                apps_under.entry(dir.to_path_buf()).or_default().push(i);
            }
        }
        let mut compose: HashMap<String, Vec<usize>> = HashMap::new();
        let mut compose_in: HashMap<(FileId, String), Vec<usize>> = HashMap::new();
        for (i, service) in project.deploy.compose_services.iter().enumerate() {
            let names = std::iter::once(&service.name.value).chain(service.aliases.iter().map(|a| &a.value));
            for name in names {
                for services in [
                    compose.entry(name.clone()).or_default(),
                    compose_in.entry((service.name.span.file, name.clone())).or_default(),
                ] {
                    if services.last() != Some(&i) {
                        services.push(i);
                    }
                }
            }
        }
        Names { apps_under, compose, compose_in }
    }

    pub(super) fn apps_under(&self, dir: &Path) -> &[usize] {
        self.apps_under.get(dir).map_or(&[], Vec::as_slice)
    }

    /// The compose services `name` reaches, in order; only those of compose files `deployments`
    /// when there are any.
    fn compose_named(&self, name: &str, deployments: &[FileId]) -> Vec<usize> {
        if deployments.is_empty() {
            return self.compose.get(name).cloned().unwrap_or_default();
        }
        let mut found: Vec<usize> = deployments
            .iter()
            .filter_map(|&file| self.compose_in.get(&(file, name.to_owned())))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The apps a host name reaches: a compose service or a Kubernetes Service of that name.
pub(super) fn apps_by_name(project: &Project, host: &str, near: FileId) -> Found {
    let mut out = Found::new();
    let deployments = deployments_of(project, near);
    for (c, how) in compose_named(project, host, near, &deployments) {
        for (app, why) in apps_of_compose(project, c) {
            out.push((vec![Node::Compose(c)], app, vec![format!("{how}, {why}")]));
        }
    }
    if !deployments.is_empty() {
        // Run by compose: the name is resolved on the compose network, not in a cluster.
        return out;
    }
    let services: Vec<(usize, FileId)> = project
        .deploy
        .k8s_services
        .iter()
        .enumerate()
        .filter(|(_, service)| service.name.value == host)
        .map(|(s, service)| (s, service.name.span.file))
        .collect();
    for s in nearest(services, project, near) {
        for (mut hops, app, mut reasons) in apps_of_k8s_service(project, s) {
            hops.insert(0, Node::K8sService(s));
            reasons.insert(0, format!("Service \"{host}\""));
            out.push((hops, app, reasons));
        }
    }
    out
}

/// The compose services `name` reaches from `near` (the file that names it), each with how: its
/// name, container name or network alias, or a `links:` alias of a service that runs `near`. Inside
/// `deployments` when there are any; otherwise the deepest compose file whose directory holds
/// `near`, else the nearest one, else none (ambiguous).
pub(super) fn compose_named(
    project: &Project,
    name: &str,
    near: FileId,
    deployments: &[FileId],
) -> Vec<(usize, String)> {
    let services = &project.deploy.compose_services;
    let mut all: Vec<(usize, String)> = Vec::new();
    // A service of a compose file outside `deployments` would be dropped below: it is not looked up.
    let named = super::index(project).names.compose_named(name, deployments);
    for (i, service) in named.into_iter().filter_map(|i| Some((i, services.get(i)?))) {
        if service.name.value == name {
            all.push((i, format!("compose service \"{name}\"")));
        } else if service.aliases.iter().any(|a| a.value == name) {
            all.push((i, format!("compose service \"{}\" (also named \"{name}\")", service.name.value)));
        }
    }
    for (runner, _) in services_running(project, near) {
        let Some(runner) = services.get(runner) else { continue };
        for link in runner.links.iter().filter(|l| l.alias == name) {
            let linked =
                services.iter().position(|s| s.name.value == link.service && s.name.span.file == runner.name.span.file);
            if let Some(i) = linked.filter(|i| !all.iter().any(|(j, _)| j == i)) {
                let why = format!(
                    "compose service \"{}\" (links: {}:{name} of \"{}\")",
                    link.service, link.service, runner.name.value
                );
                all.push((i, why));
            }
        }
    }
    let file_of = |i: usize| services.get(i).map(|s| s.name.span.file);
    if !deployments.is_empty() {
        all.retain(|(i, _)| file_of(*i).is_some_and(|f| deployments.contains(&f)));
        return all;
    }
    if all.len() <= 1 {
        return all;
    }
    let Some(near_path) = project.absolute_path(near) else { return all };
    let depth = |i: usize| {
        let dir = file_of(i).and_then(|f| project.absolute_path(f))?.parent()?.to_path_buf();
        near_path.starts_with(&dir).then(|| dir.components().count())
    };
    match all.iter().filter_map(|(i, _)| depth(*i)).max() {
        Some(best) => all.into_iter().filter(|(i, _)| depth(*i) == Some(best)).collect(),
        None => {
            // No compose file above the config: the nearest one, if that is not a tie.
            let candidates = all.iter().filter_map(|(i, _)| Some((*i, file_of(*i)?))).collect();
            match nearest(candidates, project, near).as_slice() {
                [one] => all.into_iter().filter(|(i, _)| i == one).collect(),
                _ => Vec::new(),
            }
        }
    }
}

/// The apps a compose service builds: those whose file lies under its `build` context; when the
/// context holds several apps and the Dockerfile sits in a folder of it (`context: .`,
/// `dockerfile: backend/Dockerfile`), those in that folder.
pub(super) fn apps_of_compose(project: &Project, service: usize) -> Vec<(usize, String)> {
    let Some(svc) = project.deploy.compose_services.get(service) else { return Vec::new() };
    let Some((context, written)) = build_context(project, svc) else { return Vec::new() };
    let inside = |dir: &Path| -> Vec<usize> { project.apps_under(dir).to_vec() };
    let mut apps = inside(&context);
    let dockerfile_dir = svc
        .build
        .as_ref()
        .and_then(|b| b.dockerfile.as_ref())
        .and_then(|d| Path::new(&d.value).parent().map(|dir| normalize(&context.join(dir))))
        .filter(|dir| *dir != context);
    if let Some(dir) = dockerfile_dir.filter(|_| apps.len() > 1) {
        let narrowed = inside(&dir);
        if !narrowed.is_empty() {
            apps = narrowed;
        }
    }
    apps.into_iter().map(|i| (i, format!("build {written}"))).collect()
}

/// The workloads a Kubernetes Service's selector picks (the nearest ones when several deployments
/// hold one of that name).
fn selected_workloads(project: &Project, service: usize) -> Vec<usize> {
    let Some(svc) = project.deploy.k8s_services.get(service) else { return Vec::new() };
    if svc.selector.is_empty() {
        return Vec::new();
    }
    let selected: Vec<(usize, FileId)> = project
        .deploy
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            svc.selector.iter().all(|kv| w.pod_labels.contains(kv))
                && (svc.namespace.is_none() || w.namespace.is_none() || svc.namespace == w.namespace)
        })
        .map(|(w, workload)| (w, workload.name.span.file))
        .collect();
    nearest(selected, project, svc.name.span.file)
}

/// The apps behind a Kubernetes Service: the workloads its selector picks, and the app their image is.
pub(super) fn apps_of_k8s_service(project: &Project, service: usize) -> Found {
    let mut out = Found::new();
    let Some(svc) = project.deploy.k8s_services.get(service) else { return out };
    for w in selected_workloads(project, service) {
        let Some(workload) = project.deploy.workloads.get(w) else { continue };
        let selector: Vec<String> = svc.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for (app, why) in apps_of_workload(project, workload) {
            out.push((
                vec![Node::Workload(w)],
                app,
                vec![format!("selector {} = {} \"{}\"", selector.join(","), workload.kind, workload.name.value), why],
            ));
        }
    }
    out
}

/// The apps a workload's containers run: a compose service that builds the same image, or else an
/// app in a directory named like the image.
fn apps_of_workload(project: &Project, workload: &Workload) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for image in workload.containers.iter().filter_map(|c| c.image.as_ref()) {
        if image.has_placeholder() {
            continue;
        }
        let repo = image_repo(&image.value);
        for (c, svc) in project.deploy.compose_services.iter().enumerate() {
            if svc.image.as_ref().is_some_and(|i| image_repo(&i.value) == repo) {
                for (app, why) in apps_of_compose(project, c) {
                    out.push((app, format!("image {} = compose service \"{}\", {why}", image.value, svc.name.value)));
                }
            }
        }
        if !out.is_empty() {
            continue;
        }
        let name = repo.rsplit('/').next().unwrap_or(repo);
        let named: Vec<(usize, FileId)> = project
            .apps
            .iter()
            .enumerate()
            .filter(|(_, app)| {
                project.file(app.span.file).is_some_and(|file| {
                    let dir = file.path.parent().unwrap_or(Path::new(""));
                    dir.components().any(|c| matches!(c, Component::Normal(n) if n.to_str() == Some(name)))
                })
            })
            .map(|(i, app)| (i, app.span.file))
            .collect();
        for i in nearest(named, project, image.span.file) {
            out.push((i, format!("image {} is named like the app's directory \"{name}\"", image.value)));
        }
    }
    out
}

/// The compose services that build the image a Kubernetes Service's workloads run, each with why:
/// where the source of an app corslint does not model is found.
pub(super) fn compose_builds_of_k8s_service(project: &Project, service: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for w in selected_workloads(project, service) {
        let Some(workload) = project.deploy.workloads.get(w) else { continue };
        for image in workload.containers.iter().filter_map(|c| c.image.as_ref()) {
            if image.has_placeholder() {
                continue;
            }
            let repo = image_repo(&image.value);
            for (c, svc) in project.deploy.compose_services.iter().enumerate() {
                if svc.build.is_some() && svc.image.as_ref().is_some_and(|i| image_repo(&i.value) == repo) {
                    out.push((
                        c,
                        format!(
                            "{} \"{}\" runs image {} = compose service \"{}\"",
                            workload.kind, workload.name.value, image.value, svc.name.value
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Of several candidates, those whose file shares the longest directory prefix with `reference`:
/// in a repository with several deployments, the one next to the file that names it.
pub(super) fn nearest<T>(candidates: Vec<(T, FileId)>, project: &Project, reference: FileId) -> Vec<T> {
    if candidates.len() <= 1 {
        return candidates.into_iter().map(|(t, _)| t).collect();
    }
    let dir_of = |f: FileId| project.absolute_path(f).map(|p| p.parent().unwrap_or(Path::new("/")).to_path_buf());
    let Some(reference) = dir_of(reference) else { return candidates.into_iter().map(|(t, _)| t).collect() };
    let shared = |f: FileId| {
        dir_of(f).map_or(0, |d| d.components().zip(reference.components()).take_while(|(a, b)| a == b).count())
    };
    let best = candidates.iter().map(|(_, f)| shared(*f)).max().unwrap_or(0);
    candidates.into_iter().filter(|(_, f)| shared(*f) == best).map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_paths() {
        assert_eq!(image_repo("ghcr.io/acme/backend:1.2"), "ghcr.io/acme/backend");
        assert_eq!(image_repo("localhost:5000/backend"), "localhost:5000/backend");
        assert_eq!(image_repo("backend@sha256:abc"), "backend");
        assert_eq!(
            normalize(Path::new("fixtures/x/./backend/../backend")),
            std::path::PathBuf::from("fixtures/x/backend")
        );
    }
}
