//! The stack: which proxy, gateway or router sends requests to which app of the repository.
//!
//! CORS bugs in production are mostly *between* layers (a proxy that adds a header the app already
//! sends, hides the app's, blanks the `Origin` it needs), so rules need to know what stands in front
//! of what. [`link`] reads the facts the extractors recorded and returns one [`Link`] per
//! (front, app) pair it can justify, each with the reasons that justify it, in words a user can check:
//!
//! - nginx `proxy_pass http://backend:8000` (directly or through `upstream backend { server ...; }`)
//!   → the docker-compose service `backend` → the app whose file lies under its `build` context;
//!   or → the Kubernetes Service `backend` → its workloads → the app their image is built from;
//! - an Ingress backend → the Kubernetes Service of that name → the workloads its selector picks →
//!   their container image → the app (a compose service with the same `image` and a `build` context,
//!   or a directory of the app named like the image);
//! - a Traefik router declared in compose labels → its own compose service → the app; a router of an
//!   `IngressRoute` → its Service, as for an Ingress;
//! - as a last resort, a repository with exactly one app and one proxy configuration links them,
//!   and says so.
//!
//! When a name is found in several places (a monorepo with several compose files or manifests), the
//! candidate next to the file that names it wins (the deepest compose file above an nginx config,
//! else the one sharing the longest directory prefix); a tie links nothing.
//!
//! The links are stored on [`Project::links`](crate::model::Project) by the extraction stage; the
//! `apps_behind_*` functions are the API rules use. [`Project::chains`] adds what stands in front of
//! an nginx link (the compose service that runs that nginx, the Traefik routers on it), for walking
//! gateway → proxy → app.

use crate::model::Project;
use crate::model::deploy::{ComposeService, TraefikMiddleware, Workload};
use crate::model::fastapi::App;
use crate::model::nginx::{BlockId, Pass};
use crate::source::FileId;
use std::path::{Component, Path, PathBuf};

/// One element of a chain from the outside in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// An nginx block with a `*_pass` directive of its own (a location, or an `if` in one).
    Nginx(BlockId),
    /// `project.deploy.ingresses[i]`.
    Ingress(usize),
    /// `project.deploy.traefik_routers[i]`.
    TraefikRouter(usize),
    /// `project.deploy.compose_services[i]`.
    Compose(usize),
    /// `project.deploy.k8s_services[i]`.
    K8sService(usize),
    /// `project.deploy.workloads[i]`.
    Workload(usize),
    /// `project.apps[i]`.
    App(usize),
}

/// A front (proxy, gateway, router) that reaches an app of the repository, and why corslint thinks so.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The chain from the outside in: `nodes[0]` is the front (`Nginx`, `Ingress` or
    /// `TraefikRouter`), the last node is always `App(app)`, the ones between are the hops
    /// (compose service, Kubernetes Service, workload).
    pub nodes: Vec<Node>,
    /// Index of the app in `project.apps`.
    pub app: usize,
    /// Why each hop was made, outside in (`proxy_pass http://backend:8000 = compose service "backend"`).
    pub reasons: Vec<String>,
    /// Made only because the repository has one app and one proxy configuration.
    pub last_resort: bool,
}

impl Link {
    /// The front this link starts at.
    pub fn front(&self) -> Option<Node> {
        self.nodes.first().copied()
    }

    /// The reasons as one clause: `proxy_pass http://backend = compose service "backend", build ./backend`.
    pub fn because(&self) -> String {
        self.reasons.join("; ")
    }
}

impl Project {
    /// Links whose front is `front`, with their app.
    pub fn apps_behind(&self, front: Node) -> impl Iterator<Item = (&App, &Link)> {
        self.links
            .iter()
            .filter(move |l| l.front() == Some(front))
            .filter_map(|l| self.apps.get(l.app).map(|app| (app, l)))
    }

    /// The apps behind nginx context `block` (a location, an `if` in it): those its `*_pass` reaches.
    pub fn apps_behind_nginx(&self, block: BlockId) -> impl Iterator<Item = (&App, &Link)> {
        let front = self.nginx.pass_of(block).map(|p| Node::Nginx(p.block));
        self.links
            .iter()
            .filter(move |l| front.is_some() && l.front() == front)
            .filter_map(|l| self.apps.get(l.app).map(|app| (app, l)))
    }

    /// The apps behind `project.deploy.ingresses[ingress]`.
    pub fn apps_behind_ingress(&self, ingress: usize) -> impl Iterator<Item = (&App, &Link)> {
        self.apps_behind(Node::Ingress(ingress))
    }

    /// The apps behind every Traefik router that uses `middleware`.
    pub fn apps_behind_traefik(&self, middleware: &TraefikMiddleware) -> Vec<(&App, &Link)> {
        let routers: Vec<usize> = self
            .deploy
            .traefik_routers
            .iter()
            .enumerate()
            .filter(|(_, r)| r.middlewares.iter().any(|m| middleware.is_referenced_by(&m.value)))
            .map(|(i, _)| i)
            .collect();
        self.links
            .iter()
            .filter(|l| matches!(l.front(), Some(Node::TraefikRouter(r)) if routers.contains(&r)))
            .filter_map(|l| self.apps.get(l.app).map(|app| (app, l)))
            .collect()
    }

    /// Every chain, outside in (gateway → proxy → app): each link, and for a link that starts at
    /// nginx, the compose service that runs that nginx (its configuration is bind-mounted from the
    /// repository) and the Traefik routers declared on that service, put in front. A chain is a
    /// [`Link`] whose first node may be a `TraefikRouter` or `Compose` node in front of the `Nginx` one.
    pub fn chains(&self) -> Vec<Link> {
        let mut out = Vec::new();
        for link in &self.links {
            let Some(Node::Nginx(block)) = link.front() else {
                out.push(link.clone());
                continue;
            };
            let gateways =
                self.nginx.block(block).map(|b| gateways_of_nginx_file(self, b.span.file)).unwrap_or_default();
            if gateways.is_empty() {
                out.push(link.clone());
            }
            for (nodes, reasons) in gateways {
                let mut chain = link.clone();
                chain.nodes.splice(0..0, nodes);
                chain.reasons.splice(0..0, reasons);
                out.push(chain);
            }
        }
        out
    }

    /// A node in words: `nginx:nginx/conf.d/api.conf location /api/`, `compose:backend`,
    /// `fastapi:backend/app/main.py`.
    pub fn describe_node(&self, node: Node) -> String {
        let path = |file: usize| self.file(file).map_or_else(String::new, |f| f.path.display().to_string());
        let d = &self.deploy;
        match node {
            Node::Nginx(b) => match self.nginx.block(b) {
                Some(blk) => {
                    let head = self.file(blk.head.file).map_or("", |f| f.slice(blk.head.range));
                    let head = head.split_whitespace().collect::<Vec<_>>().join(" ");
                    format!("nginx:{} {head}", path(blk.head.file))
                }
                None => "nginx".to_string(),
            },
            Node::Ingress(i) => match d.ingresses.get(i) {
                Some(ing) => match &ing.name {
                    Some(n) => format!("ingress:{}", n.value),
                    None => format!("ingress:{}", path(ing.span.file)),
                },
                None => "ingress".to_string(),
            },
            Node::TraefikRouter(i) => d
                .traefik_routers
                .get(i)
                .map_or_else(|| "traefik".into(), |r| format!("traefik:router {}", r.name.value)),
            Node::Compose(i) => {
                d.compose_services.get(i).map_or_else(|| "compose".into(), |s| format!("compose:{}", s.name.value))
            }
            Node::K8sService(i) => {
                d.k8s_services.get(i).map_or_else(|| "service".into(), |s| format!("service:{}", s.name.value))
            }
            Node::Workload(i) => d
                .workloads
                .get(i)
                .map_or_else(|| "workload".into(), |w| format!("{}:{}", w.kind.to_ascii_lowercase(), w.name.value)),
            Node::App(i) => self.apps.get(i).map_or_else(
                || "app".into(),
                |a| {
                    let kind = match a.framework {
                        crate::model::fastapi::Framework::FastApi => "fastapi",
                        crate::model::fastapi::Framework::Starlette => "starlette",
                    };
                    format!("{kind}:{}", path(a.span.file))
                },
            ),
        }
    }

    /// A link in words, for `--verbose`: `nginx:… location /api/ → compose:backend → fastapi:… (reasons)`.
    pub fn describe_link(&self, link: &Link) -> String {
        let nodes: Vec<String> = link.nodes.iter().map(|n| self.describe_node(*n)).collect();
        format!("{} ({})", nodes.join(" → "), link.because())
    }

    /// The app's file, for messages.
    pub fn app_path(&self, app: &App) -> String {
        self.file(app.span.file).map_or_else(|| "the app".into(), |f| f.path.display().to_string())
    }
}

/// Computes every link the repository justifies.
pub fn link(project: &Project) -> Vec<Link> {
    let mut links = Vec::new();
    nginx_links(project, &mut links);
    ingress_links(project, &mut links);
    traefik_links(project, &mut links);
    if links.is_empty() {
        last_resort(project, &mut links);
    }
    links
}

/// A host (and port) a pass target or upstream server names, without the port.
fn host_of(address: &str) -> &str {
    let rest = address.find("://").and_then(|i| address.get(i + 3..)).unwrap_or(address);
    let rest = rest.split('/').next().unwrap_or(rest);
    if rest.starts_with('[') {
        return rest;
    }
    rest.split(':').next().unwrap_or(rest)
}

/// The hosts a pass reaches, each with the reason: the target itself, or its upstream's servers.
fn pass_hosts(project: &Project, pass: &Pass, block: BlockId) -> Vec<(String, String)> {
    let directive = format!("{}_pass {}", pass.module.prefix(), pass.target.value);
    match project.nginx.upstream_of(pass, block) {
        Some(upstream) => upstream
            .servers
            .iter()
            .map(|s| {
                (
                    host_of(&s.value).to_string(),
                    format!("{directive} = upstream \"{}\" (server {})", upstream.name, s.value),
                )
            })
            .collect(),
        None => vec![(host_of(pass.host()).to_string(), directive)],
    }
}

fn nginx_links(project: &Project, links: &mut Vec<Link>) {
    for (id, block) in project.nginx.blocks.iter().enumerate() {
        let Some(pass) = &block.pass else { continue };
        for (host, why) in pass_hosts(project, pass, id) {
            for (hops, app, reasons) in apps_by_name(project, &host, pass.span.file) {
                let mut nodes = vec![Node::Nginx(id)];
                nodes.extend(hops);
                nodes.push(Node::App(app));
                let mut all = vec![why.clone()];
                all.extend(reasons);
                push(links, Link { nodes, app, reasons: all, last_resort: false });
            }
        }
    }
}

fn ingress_links(project: &Project, links: &mut Vec<Link>) {
    for (i, ingress) in project.deploy.ingresses.iter().enumerate() {
        for backend in ingress.backends() {
            let name = &backend.service.value;
            let services: Vec<(usize, FileId)> = project
                .deploy
                .k8s_services
                .iter()
                .enumerate()
                .filter(|(_, service)| {
                    service.name.value == *name
                        && (ingress.namespace.is_none()
                            || service.namespace.is_none()
                            || ingress.namespace == service.namespace)
                })
                .map(|(s, service)| (s, service.name.span.file))
                .collect();
            for s in nearest(services, project, backend.service.span.file) {
                for (hops, app, reasons) in apps_of_k8s_service(project, s) {
                    let mut nodes = vec![Node::Ingress(i), Node::K8sService(s)];
                    nodes.extend(hops);
                    nodes.push(Node::App(app));
                    let mut all = vec![format!("Ingress backend = Service \"{name}\"")];
                    all.extend(reasons);
                    push(links, Link { nodes, app, reasons: all, last_resort: false });
                }
            }
        }
    }
}

fn traefik_links(project: &Project, links: &mut Vec<Link>) {
    use crate::model::deploy::TraefikSource;
    for (r, router) in project.deploy.traefik_routers.iter().enumerate() {
        let found = match &router.source {
            TraefikSource::ComposeLabels { service } => {
                let Some(c) = project
                    .deploy
                    .compose_services
                    .iter()
                    .position(|s| s.name.value == *service && s.name.span.file == router.name.span.file)
                else {
                    continue;
                };
                apps_of_compose(project, c)
                    .into_iter()
                    .map(|(app, why)| {
                        let reason = format!(
                            "router \"{}\" is declared in the labels of compose service \"{service}\"; {why}",
                            router.name.value
                        );
                        (vec![Node::Compose(c)], app, vec![reason])
                    })
                    .collect::<Vec<_>>()
            }
            TraefikSource::Crd | TraefikSource::DynamicFile => {
                let Some(service) = &router.service else { continue };
                let mut out = Vec::new();
                for (s, k8s) in project.deploy.k8s_services.iter().enumerate() {
                    if k8s.name.value != service.value {
                        continue;
                    }
                    for (hops, app, reasons) in apps_of_k8s_service(project, s) {
                        let mut nodes = vec![Node::K8sService(s)];
                        nodes.extend(hops);
                        let mut all = vec![format!("router \"{}\" → Service \"{}\"", router.name.value, service.value)];
                        all.extend(reasons);
                        out.push((nodes, app, all));
                    }
                }
                out
            }
        };
        for (hops, app, reasons) in found {
            let mut nodes = vec![Node::TraefikRouter(r)];
            nodes.extend(hops);
            nodes.push(Node::App(app));
            push(links, Link { nodes, app, reasons, last_resort: false });
        }
    }
}

/// The compose services that run an nginx configuration file of the repository (a bind mount of
/// its file or directory into `/etc/nginx/...`), each with the Traefik routers declared on it in
/// front: `[TraefikRouter, Compose]` or `[Compose]`, with the reasons.
fn gateways_of_nginx_file(project: &Project, file: FileId) -> Vec<(Vec<Node>, Vec<String>)> {
    let mut out = Vec::new();
    let Some(config) = project.file(file).map(|f| normalize(&f.path)) else { return out };
    for (c, svc) in project.deploy.compose_services.iter().enumerate() {
        let Some(compose_dir) =
            project.file(svc.name.span.file).map(|f| f.path.parent().unwrap_or(Path::new("")).to_path_buf())
        else {
            continue;
        };
        let mount = svc.volumes.iter().find(|v| {
            v.mounts_nginx_config()
                && v.source.as_deref().is_some_and(|src| config.starts_with(normalize(&compose_dir.join(src))))
        });
        let Some(mount) = mount else { continue };
        let why = format!(
            "compose service \"{}\" mounts {} at {}",
            svc.name.value,
            mount.source.as_deref().unwrap_or(""),
            mount.target.as_deref().unwrap_or("")
        );
        let routers: Vec<usize> = project
            .deploy
            .traefik_routers
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                matches!(&r.source, crate::model::deploy::TraefikSource::ComposeLabels { service } if *service == svc.name.value)
                    && r.name.span.file == svc.name.span.file
            })
            .map(|(i, _)| i)
            .collect();
        if routers.is_empty() {
            out.push((vec![Node::Compose(c)], vec![why.clone()]));
        }
        for r in routers {
            let name = project.deploy.traefik_routers.get(r).map_or("", |r| r.name.value.as_str());
            out.push((
                vec![Node::TraefikRouter(r), Node::Compose(c)],
                vec![
                    format!("router \"{name}\" is declared in the labels of compose service \"{}\"", svc.name.value),
                    why.clone(),
                ],
            ));
        }
    }
    out
}

/// One app and one proxy configuration: link them, and say that this is all there was to go on.
/// Only when the proxy sends everything to one target that the repository says nothing else about
/// (not a compose service or Kubernetes Service, whose links would have been found), so a proxy
/// in front of a frontend and an API is never guessed.
fn last_resort(project: &Project, links: &mut Vec<Link>) {
    if project.apps.len() != 1 {
        return;
    }
    let d = &project.deploy;
    let known = |host: &str| {
        d.compose_services.iter().any(|s| s.name.value == host) || d.k8s_services.iter().any(|s| s.name.value == host)
    };
    let mut nginx_fronts: Vec<BlockId> = Vec::new();
    let mut nginx_hosts: Vec<String> = Vec::new();
    for (id, block) in project.nginx.blocks.iter().enumerate() {
        let Some(pass) = &block.pass else { continue };
        let hosts = pass_hosts(project, pass, id);
        if hosts.iter().all(|(h, _)| is_local_host(h)) {
            nginx_fronts.push(id);
            nginx_hosts.extend(hosts.into_iter().map(|(h, _)| h));
        }
    }
    nginx_hosts.sort_unstable();
    nginx_hosts.dedup();
    let mut roots: Vec<BlockId> = nginx_fronts.iter().map(|b| project.nginx.root(*b)).collect();
    roots.sort_unstable();
    roots.dedup();
    if roots.len() + d.ingresses.len() + d.traefik_routers.len() != 1 {
        return;
    }
    let fronts: Vec<Node> = if let Some(ingress) = d.ingresses.first() {
        let mut names: Vec<&str> = ingress.backends().map(|b| b.service.value.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        match names.as_slice() {
            [one] if !known(one) => vec![Node::Ingress(0)],
            _ => return,
        }
    } else if let Some(router) = d.traefik_routers.first() {
        let builds_elsewhere = match &router.source {
            crate::model::deploy::TraefikSource::ComposeLabels { service } => {
                d.compose_services.iter().any(|s| s.name.value == *service && s.build.is_some())
            }
            _ => router.service.as_ref().is_some_and(|s| known(&s.value)),
        };
        if builds_elsewhere {
            return;
        }
        vec![Node::TraefikRouter(0)]
    } else {
        match nginx_hosts.as_slice() {
            [one] if !known(one) => nginx_fronts.into_iter().map(Node::Nginx).collect(),
            _ => return,
        }
    };
    const WHY: &str = "the repository has exactly one app and one proxy configuration";
    for front in fronts {
        links.push(Link {
            nodes: vec![front, Node::App(0)],
            app: 0,
            reasons: vec![WHY.to_string()],
            last_resort: true,
        });
    }
}

/// A host that can only be a service of the same deployment: a single-label name, loopback, a socket.
fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches("unix:");
    !host.contains('.')
        || host.starts_with("127.")
        || host.starts_with('/')
        || host == "0.0.0.0"
        || host.starts_with("[::1]")
}

fn push(links: &mut Vec<Link>, link: Link) {
    if !links.iter().any(|l| l.nodes == link.nodes) {
        links.push(link);
    }
}

type Found = Vec<(Vec<Node>, usize, Vec<String>)>;

/// The apps a host name reaches: a compose service or a Kubernetes Service of that name.
fn apps_by_name(project: &Project, host: &str, near: FileId) -> Found {
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
fn apps_of_compose(project: &Project, service: usize) -> Vec<(usize, String)> {
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
fn apps_of_k8s_service(project: &Project, service: usize) -> Found {
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
fn nearest<T>(candidates: Vec<(T, FileId)>, project: &Project, reference: FileId) -> Vec<T> {
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
fn normalize(path: &Path) -> PathBuf {
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
    fn hosts_and_images() {
        assert_eq!(host_of("http://backend:8000/api/"), "backend");
        assert_eq!(host_of("backend:8000"), "backend");
        assert_eq!(host_of("backend"), "backend");
        assert_eq!(image_repo("ghcr.io/acme/backend:1.2"), "ghcr.io/acme/backend");
        assert_eq!(image_repo("localhost:5000/backend"), "localhost:5000/backend");
        assert_eq!(image_repo("backend@sha256:abc"), "backend");
        assert_eq!(normalize(Path::new("fixtures/x/./backend/../backend")), PathBuf::from("fixtures/x/backend"));
        assert!(is_local_host("backend") && is_local_host("127.0.0.1") && !is_local_host("api.stripe.com"));
    }
}
