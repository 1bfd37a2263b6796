//! Deployments: which compose file a proxy's configuration belongs to, and which compose service
//! runs it. A link from a proxy to an app stays inside the deployment that declares both: a compose
//! file with the build contexts and the mounted paths it names. In a monorepo, two deployments may
//! each have a service called `backend`; an nginx config reaches the one of its own deployment.

use crate::model::Project;
use crate::model::deploy::ComposeService;
use crate::source::FileId;
use crate::source::normalize_path as normalize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How a compose service holds a file of the repository.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Holds {
    /// A bind mount of the file or of a directory above it: `source` mounted at `target`.
    Mount { source: String, target: String },
    /// The file lies in the service's `build` context (`context` as written).
    Build { context: String },
}

impl Holds {
    /// For a link's reasons: `mounts ./nginx/conf.d at /etc/nginx/conf.d`, `builds ./proxy`.
    pub(super) fn describe(&self) -> String {
        match self {
            Holds::Mount { source, target } => format!("mounts {source} at {target}"),
            Holds::Build { context } => format!("builds {context}"),
        }
    }
}

/// The compose file's directory, absolute.
fn compose_dir(project: &Project, service: &ComposeService) -> Option<PathBuf> {
    let path = project.absolute_path(service.name.span.file)?;
    Some(path.parent().unwrap_or(Path::new("/")).to_path_buf())
}

/// The build context of a service, absolute (none for a remote or interpolated context).
pub(super) fn build_context(project: &Project, service: &ComposeService) -> Option<(PathBuf, String)> {
    let build = service.build.as_ref()?;
    let written = build.context.as_ref().map_or(".", |c| c.value.as_str());
    if written.contains("://") || written.contains('$') {
        return None;
    }
    Some((normalize(&compose_dir(project, service)?.join(written)), written.to_string()))
}

/// Which directories of the repository each compose service mounts or builds, built once per
/// project: in a monorepo of thousands of services, every `proxy_pass` of every configuration asks
/// which services hold its file, and scanning them all per question made linking quadratic.
#[derive(Debug, Default)]
pub struct Holdings {
    /// Each directory a service mounts (with the volume's position) or builds (`usize::MAX`).
    by_dir: HashMap<PathBuf, Vec<(usize, usize, Holds)>>,
}

impl Holdings {
    pub(super) fn new(project: &Project) -> Holdings {
        let mut by_dir: HashMap<PathBuf, Vec<(usize, usize, Holds)>> = HashMap::new();
        for (i, service) in project.deploy.compose_services.iter().enumerate() {
            let Some(dir) = compose_dir(project, service) else { continue };
            for (v, volume) in service.volumes.iter().enumerate() {
                let (Some(source), Some(target)) = (&volume.source, &volume.target) else { continue };
                if !source.starts_with(['.', '/']) {
                    continue; // a named volume or an interpolated path
                }
                let holds = Holds::Mount { source: source.clone(), target: target.clone() };
                by_dir.entry(normalize(&dir.join(source))).or_default().push((i, v, holds));
            }
            if let Some((context, written)) = build_context(project, service) {
                by_dir.entry(context).or_default().push((i, usize::MAX, Holds::Build { context: written }));
            }
        }
        Holdings { by_dir }
    }

    /// How each service that holds the file at `path` (absolute) holds it, in service order: its
    /// first volume that mounts the file or a directory above it, else its build context.
    fn of(&self, path: &Path) -> Vec<(usize, Holds)> {
        let mut found: Vec<&(usize, usize, Holds)> =
            path.ancestors().filter_map(|dir| self.by_dir.get(dir)).flatten().collect();
        found.sort_by_key(|(service, volume, _)| (*service, *volume));
        found.dedup_by_key(|(service, _, _)| *service);
        found.into_iter().map(|(service, _, holds)| (*service, holds.clone())).collect()
    }
}

fn holdings(project: &Project) -> &Holdings {
    &super::index(project).holdings
}

/// The compose files whose deployment holds `file` (a service mounts it or builds it).
pub(super) fn deployments_of(project: &Project, file: FileId) -> Vec<FileId> {
    let Some(path) = project.absolute_path(file) else { return Vec::new() };
    let services = &project.deploy.compose_services;
    let mut out: Vec<FileId> = holdings(project)
        .of(&path)
        .into_iter()
        .filter_map(|(i, _)| services.get(i).map(|s| s.name.span.file))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The compose services that run the proxy configuration `file`: those that mount it, else those
/// whose own build context holds it (the deepest such context; never the compose file's own
/// directory, which every service built with `context: .` holds).
pub(super) fn services_running(project: &Project, file: FileId) -> Vec<(usize, Holds)> {
    let Some(path) = project.absolute_path(file) else { return Vec::new() };
    let services = &project.deploy.compose_services;
    let held = holdings(project).of(&path);
    let mounts: Vec<(usize, Holds)> = held.iter().filter(|(_, h)| matches!(h, Holds::Mount { .. })).cloned().collect();
    if !mounts.is_empty() {
        return mounts;
    }
    let depth = |i: usize| {
        let service = services.get(i)?;
        let (context, _) = build_context(project, service)?;
        (Some(context.as_path()) != compose_dir(project, service).as_deref()).then(|| context.components().count())
    };
    let deepest = held.iter().filter_map(|(i, _)| depth(*i)).max();
    held.into_iter().filter(|(i, _)| deepest.is_some() && depth(*i) == deepest).collect()
}
