//! Where the container paths of an nginx configuration come from in the repository: the bind
//! mounts of docker-compose services (`./nginx/conf.d:/etc/nginx/conf.d`) and the `COPY`/`ADD`
//! lines of the Dockerfiles that build them (`COPY nginx/cors.conf /etc/nginx/snippets/`), so
//! `include /etc/nginx/conf.d/cors.conf;` finds `nginx/conf.d/cors.conf`.
//!
//! Kubernetes: a kustomize `configMapGenerator` that builds a ConfigMap from repository files,
//! mounted by a workload's `volumeMounts` (a directory of its keys, or one key by `subPath`), maps
//! the mount path back to those files. A ConfigMap written inline (`data:`) is not a file of the
//! repository and maps nowhere.
//!
//! Compose files are parsed by the pipeline (their services are in the deployment facts).
//! Dockerfiles are no format corslint lints, so the few that matter are read here: those of the
//! compose build contexts and those beside the nginx files (and one directory up), each a
//! small one ([`Dockerfile::read`]). The official image renders `/etc/nginx/templates/*.template`
//! into `/etc/nginx/conf.d/`, so a template mounted or copied there maps too.

use crate::extract::dockerfile::Dockerfile;
use crate::model::Project;
use crate::parse::Parsed;
use crate::parse::yaml::Node;
use crate::source::normalize_path;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Dockerfiles read at most.
const MAX_DOCKERFILES: usize = 64;

/// Where the official nginx image renders templates (`envsubst`), and from where.
const TEMPLATES: &str = "/etc/nginx/templates";
const RENDERED: &str = "/etc/nginx/conf.d";

/// One container path and the repository path it comes from.
#[derive(Clone, Debug, PartialEq)]
struct Mount {
    container: PathBuf,
    host: PathBuf,
    /// The container side holds `.template` files rendered without that suffix.
    template: bool,
}

/// Every mount found, the most specific container path first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mounts {
    mounts: Vec<Mount>,
    /// Positions in `mounts` by container path and by host path: a path is looked up by its
    /// ancestors, never against every mount (a monorepo has one per service, and every include of
    /// every configuration asks).
    by_container: HashMap<PathBuf, Vec<usize>>,
    by_host: HashMap<PathBuf, Vec<usize>>,
}

impl Mounts {
    /// The mounts of `project`'s compose services, of the Dockerfiles that build them or lie
    /// beside `nginx_files`, and of the ConfigMaps kustomize builds from files (`parsed[i]` is
    /// `project.files[i]`).
    pub fn find(project: &Project, parsed: &[Parsed], nginx_files: &[&Path]) -> Mounts {
        let mut mounts = Vec::new();
        config_maps(project, parsed, &mut mounts);
        let mut dockerfiles: Vec<(PathBuf, PathBuf)> = Vec::new();
        for service in &project.deploy.compose_services {
            let Some(compose) = project.file(service.name.span.file) else { continue };
            let dir = compose.path.parent().map(Path::to_path_buf).unwrap_or_default();
            for volume in &service.volumes {
                let (Some(source), Some(target)) = (&volume.source, &volume.target) else { continue };
                if !source.starts_with('.') && !source.starts_with('/') {
                    continue;
                }
                add(&mut mounts, Path::new(target), &normalize_path(&dir.join(source)));
            }
            if let Some(build) = &service.build {
                let context =
                    build.context.as_ref().map_or_else(|| dir.clone(), |c| normalize_path(&dir.join(&c.value)));
                let name = build.dockerfile.as_ref().map_or("Dockerfile", |d| d.value.as_str());
                dockerfiles.push((context.join(name), context));
            }
        }
        let mut dirs: HashSet<PathBuf> = HashSet::new();
        for file in nginx_files {
            let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
            if let Some(up) = parent.parent() {
                dirs.insert(up.to_path_buf());
            }
            dirs.insert(parent);
        }
        let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
        dirs.sort();
        dockerfiles.extend(dirs.into_iter().map(|d| (d.join("Dockerfile"), d)));
        let mut read = HashSet::new();
        for (dockerfile, context) in dockerfiles {
            if read.len() >= MAX_DOCKERFILES || !read.insert(normalize_path(&dockerfile)) {
                continue;
            }
            let Some(file) = Dockerfile::read(&dockerfile) else { continue };
            for copy in file.context_copies() {
                for source in &copy.sources {
                    let host = normalize_path(&context.join(source));
                    let container = if copy.into_dir && !host.is_dir() {
                        copy.dest.join(host.file_name().unwrap_or_default())
                    } else {
                        copy.dest.clone()
                    };
                    add(&mut mounts, &container, &host);
                }
            }
        }
        // The most specific container path first.
        mounts.sort_by_key(|m| std::cmp::Reverse(m.container.components().count()));
        Mounts::new(mounts)
    }

    fn new(mounts: Vec<Mount>) -> Mounts {
        let mut by_container: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        let mut by_host: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (at, m) in mounts.iter().enumerate() {
            by_container.entry(m.container.clone()).or_default().push(at);
            by_host.entry(m.host.clone()).or_default().push(at);
        }
        Mounts { mounts, by_container, by_host }
    }

    /// The mounts whose `side` path is `path` or a directory above it, in order.
    fn above<'m>(&'m self, index: &HashMap<PathBuf, Vec<usize>>, path: &Path) -> impl Iterator<Item = &'m Mount> {
        // Every path starts with the empty one (a mount of `.` beside a compose file at the top).
        let dirs = path.ancestors().chain(std::iter::once(Path::new("")));
        let mut at: Vec<usize> = dirs.filter_map(|dir| index.get(dir)).flatten().copied().collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().filter_map(|at| self.mounts.get(at))
    }

    /// The repository paths `container` may come from, the most specific mount first.
    pub fn map(&self, container: &Path) -> Vec<PathBuf> {
        let container = normalize_path(container);
        let mut out = Vec::new();
        for m in self.above(&self.by_container, &container) {
            let Ok(rest) = container.strip_prefix(&m.container) else { continue };
            let path = if rest.as_os_str().is_empty() { m.host.clone() } else { m.host.join(rest) };
            if m.template {
                let mut name = path.clone().into_os_string();
                name.push(".template");
                out.push(PathBuf::from(name));
            }
            out.push(path);
        }
        out
    }

    /// The container directory repository file `host` is mounted in (a main config mounted as
    /// `/etc/nginx/nginx.conf` is in `/etc/nginx`).
    pub fn container_dir(&self, host: &Path) -> Option<PathBuf> {
        let host = normalize_path(host);
        self.above(&self.by_host, &host).find_map(|m| {
            let rest = host.strip_prefix(&m.host).ok()?;
            let container = if rest.as_os_str().is_empty() { m.container.clone() } else { m.container.join(rest) };
            container.parent().map(Path::to_path_buf)
        })
    }
}

fn add(mounts: &mut Vec<Mount>, container: &Path, host: &Path) {
    let container = normalize_path(container);
    if !container.is_absolute() {
        return;
    }
    let template = container.starts_with(TEMPLATES);
    let mount = Mount { container: container.clone(), host: host.to_path_buf(), template: false };
    if !mounts.contains(&mount) {
        mounts.push(mount);
    }
    // `/etc/nginx/templates/x.conf.template` is rendered as `/etc/nginx/conf.d/x.conf`.
    if template && let Ok(rest) = container.strip_prefix(TEMPLATES) {
        let rendered = normalize_path(&Path::new(RENDERED).join(rest.to_string_lossy().trim_end_matches(".template")));
        let as_dir = rest.as_os_str().is_empty();
        mounts.push(Mount { container: rendered, host: host.to_path_buf(), template: as_dir });
    }
}

/// The repository files behind each ConfigMap a kustomize `configMapGenerator` builds: name to
/// (key, file).
type Generated = Vec<(String, Vec<(String, PathBuf)>)>;

/// Kustomize ConfigMaps built from files, mounted by the workloads of the repository.
fn config_maps(project: &Project, parsed: &[Parsed], mounts: &mut Vec<Mount>) {
    let yaml = || {
        parsed.iter().enumerate().filter_map(|(i, p)| match p {
            Parsed::Yaml(y) => Some((i, y)),
            _ => None,
        })
    };
    let mut generated: Generated = Vec::new();
    for (i, file) in yaml() {
        let dir = project.file(i).and_then(|f| f.path.parent()).map(Path::to_path_buf).unwrap_or_default();
        for doc in file.documents() {
            for generator in doc.get("configMapGenerator").iter().flat_map(Node::items) {
                let Some(name) = generator.get("name").and_then(|n| n.as_str()) else { continue };
                let listed = generator.get("files");
                let files = listed.iter().flat_map(Node::items).filter_map(|f| {
                    let entry = f.as_str()?;
                    let (key, path) = match entry.split_once('=') {
                        Some((key, path)) => (key.to_string(), path),
                        None => (Path::new(entry).file_name()?.to_string_lossy().into_owned(), entry),
                    };
                    Some((key, normalize_path(&dir.join(path))))
                });
                generated.push((name.to_string(), files.collect()));
            }
        }
    }
    if generated.is_empty() {
        return;
    }
    for (_, file) in yaml() {
        for doc in file.documents() {
            let Some(pod) = doc.path(&["spec", "template", "spec"]) else { continue };
            // Volume name to the generated ConfigMap's files.
            let volumes: Vec<(&str, &[(String, PathBuf)])> = pod
                .get("volumes")
                .iter()
                .flat_map(Node::items)
                .filter_map(|v| {
                    let volume = v.get("name")?.as_str()?;
                    let map = v.path(&["configMap", "name"])?.as_str()?;
                    let files = generated.iter().find(|(name, _)| name == map)?;
                    Some((volume, files.1.as_slice()))
                })
                .collect();
            for container in pod.get("containers").iter().flat_map(Node::items) {
                for mount in container.get("volumeMounts").iter().flat_map(Node::items) {
                    let (Some(volume), Some(at)) =
                        (mount.get("name").and_then(|n| n.as_str()), mount.get("mountPath").and_then(|n| n.as_str()))
                    else {
                        continue;
                    };
                    let Some((_, files)) = volumes.iter().find(|(name, _)| *name == volume) else { continue };
                    let sub = mount.get("subPath").and_then(|n| n.as_str());
                    for (key, host) in files.iter() {
                        match sub {
                            Some(sub) if sub == key => add(mounts, Path::new(at), host),
                            Some(_) => {}
                            None => add(mounts, &Path::new(at).join(key), host),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_map_container_paths_and_templates() {
        let mut mounts = Vec::new();
        add(&mut mounts, Path::new("/etc/nginx/conf.d"), Path::new("deploy/nginx/conf.d"));
        add(&mut mounts, Path::new("/etc/nginx/templates/default.conf.template"), Path::new("proxy/default.conf.tpl"));
        add(&mut mounts, Path::new("relative/path"), Path::new("x"));
        mounts.sort_by_key(|m| std::cmp::Reverse(m.container.components().count()));
        let m = Mounts::new(mounts);
        assert_eq!(m.map(Path::new("/etc/nginx/conf.d/cors.conf")), [PathBuf::from("deploy/nginx/conf.d/cors.conf")]);
        assert_eq!(m.map(Path::new("/etc/nginx/conf.d/default.conf"))[0], PathBuf::from("proxy/default.conf.tpl"));
        assert!(m.map(Path::new("/etc/other.conf")).is_empty());
        assert_eq!(m.container_dir(Path::new("deploy/nginx/conf.d/a.conf")), Some(PathBuf::from("/etc/nginx/conf.d")));
    }
}
