//! From a name to the apps it reaches: a compose service whose `build` context holds the app, or a
//! Kubernetes Service → the workloads its selector picks → their image → the app (a compose
//! service that builds the same image, or a directory of the app named like the image).
//!
//! When a name is found in several places (a monorepo with several compose files or manifests), the
//! candidate next to the file that names it wins (the deepest compose file above an nginx config,
//! else the one sharing the longest directory prefix); a tie links nothing.

use super::Node;
use crate::model::Project;
use crate::model::deploy::{ComposeService, Workload};
use crate::source::FileId;
use std::path::{Component, Path, PathBuf};

type Found = Vec<(Vec<Node>, usize, Vec<String>)>;

/// The apps a host name reaches: a compose service or a Kubernetes Service of that name.
pub(super) fn apps_by_name(project: &Project, host: &str, near: FileId) -> Found {
    let mut out = Found::new();
    for (c, _) in compose_named(project, host, near) {
        for (app, why) in apps_of_compose(project, c) {
            out.push((vec![Node::Compose(c)], app, vec![format!("compose service \"{host}\", {why}")]));
        }
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

/// The compose services named `name`; when several compose files have one, those of the deepest
/// compose file whose directory holds `near` (the file that names the service), else the nearest
/// one, else none (ambiguous).
fn compose_named<'a>(project: &'a Project, name: &str, near: FileId) -> Vec<(usize, &'a ComposeService)> {
    let all: Vec<(usize, &ComposeService)> =
        project.deploy.compose_services.iter().enumerate().filter(|(_, s)| s.name.value == name).collect();
    if all.len() <= 1 {
        return all;
    }
    let Some(near_path) = project.file(near).map(|f| normalize(&f.path)) else { return all };
    let depth = |s: &ComposeService| {
        let dir = project.file(s.name.span.file).map(|f| normalize(f.path.parent().unwrap_or(Path::new(""))))?;
        near_path.starts_with(&dir).then(|| dir.components().count())
    };
    match all.iter().filter_map(|(_, s)| depth(s)).max() {
        Some(best) => all.into_iter().filter(|(_, s)| depth(s) == Some(best)).collect(),
        None => {
            // No compose file above the config: the nearest one, if that is not a tie.
            let candidates = all.iter().map(|(i, s)| (*i, s.name.span.file)).collect();
            match nearest(candidates, project, near).as_slice() {
                [one] => all.into_iter().filter(|(i, _)| i == one).collect(),
                _ => Vec::new(),
            }
        }
    }
}

/// The apps a compose service builds: those whose file lies under its `build` context.
pub(super) fn apps_of_compose(project: &Project, service: usize) -> Vec<(usize, String)> {
    let Some(svc) = project.deploy.compose_services.get(service) else { return Vec::new() };
    let Some(build) = &svc.build else { return Vec::new() };
    let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
    let Some(compose_file) = project.file(svc.name.span.file) else { return Vec::new() };
    let dir = normalize(&compose_file.path.parent().unwrap_or(Path::new("")).join(context));
    project
        .apps
        .iter()
        .enumerate()
        .filter(|(_, app)| project.file(app.span.file).is_some_and(|f| normalize(&f.path).starts_with(&dir)))
        .map(|(i, _)| (i, format!("build {context}")))
        .collect()
}

/// The apps behind a Kubernetes Service: the workloads its selector picks, and the app their image is.
pub(super) fn apps_of_k8s_service(project: &Project, service: usize) -> Found {
    let mut out = Found::new();
    let Some(svc) = project.deploy.k8s_services.get(service) else { return out };
    if svc.selector.is_empty() {
        return out;
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
    for w in nearest(selected, project, svc.name.span.file) {
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

/// The repository part of an image reference: `ghcr.io/acme/backend` of `ghcr.io/acme/backend:1.2@sha256:…`.
fn image_repo(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(colon) if !image.get(colon..).is_some_and(|t| t.contains('/')) => image.get(..colon).unwrap_or(image),
        _ => image,
    }
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

/// Of several candidates, those whose file shares the longest directory prefix with `reference`:
/// in a repository with several deployments, the one next to the file that names it.
pub(super) fn nearest<T>(candidates: Vec<(T, FileId)>, project: &Project, reference: FileId) -> Vec<T> {
    if candidates.len() <= 1 {
        return candidates.into_iter().map(|(t, _)| t).collect();
    }
    let dir_of = |f: FileId| project.file(f).map(|f| normalize(f.path.parent().unwrap_or(Path::new(""))));
    let Some(reference) = dir_of(reference) else { return candidates.into_iter().map(|(t, _)| t).collect() };
    let shared = |f: FileId| {
        dir_of(f).map_or(0, |d| d.components().zip(reference.components()).take_while(|(a, b)| a == b).count())
    };
    let best = candidates.iter().map(|(_, f)| shared(*f)).max().unwrap_or(0);
    candidates.into_iter().filter(|(_, f)| shared(*f) == best).map(|(t, _)| t).collect()
}

/// `a/./b/../c` → `a/c`, lexically.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_paths() {
        assert_eq!(image_repo("ghcr.io/acme/backend:1.2"), "ghcr.io/acme/backend");
        assert_eq!(image_repo("localhost:5000/backend"), "localhost:5000/backend");
        assert_eq!(image_repo("backend@sha256:abc"), "backend");
        assert_eq!(normalize(Path::new("fixtures/x/./backend/../backend")), PathBuf::from("fixtures/x/backend"));
    }
}
