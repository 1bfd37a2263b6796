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
//! The work is split by job: `fronts` reads what each kind of front names (a `*_pass` host, an
//! Ingress backend, a Traefik router's service) and builds the links, and what stands in front of
//! an nginx; `apps` follows a name through compose services, Kubernetes Services, workloads and
//! images to the apps, and breaks ties between same-named candidates.
//!
//! The links are stored on [`Project::links`](crate::model::Project) by the extraction stage; the
//! `apps_behind_*` functions are the API rules use. [`Project::chains`] adds what stands in front of
//! an nginx link (the compose service that runs that nginx, the Traefik routers on it), for walking
//! gateway → proxy → app.

mod apps;
mod deployments;
mod fronts;

use crate::model::Project;
use crate::model::app::{App, OwnCors};
use crate::model::deploy::TraefikMiddleware;
use crate::model::nginx::BlockId;
use std::collections::HashMap;

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
        // Rules ask for every proxy of a monorepo: the links by front, indexed on first use (after
        // linking).
        let by_front = self.links_by_front.get_or_init(|| {
            let mut by_front: HashMap<Node, Vec<usize>> = HashMap::new();
            for (at, link) in self.links.iter().enumerate() {
                if let Some(front) = link.front() {
                    by_front.entry(front).or_default().push(at);
                }
            }
            by_front
        });
        let positions = by_front.get(&front).map_or(&[][..], Vec::as_slice);
        positions
            .iter()
            .filter_map(|&at| self.links.get(at))
            .filter(move |l| l.front() == Some(front))
            .filter_map(|l| self.apps.get(l.app).map(|app| (app, l)))
    }

    /// The apps behind nginx context `block` (a location, an `if` in it): those its `*_pass` reaches.
    pub fn apps_behind_nginx(&self, block: BlockId) -> impl Iterator<Item = (&App, &Link)> {
        let front = self.nginx.pass_of(block).map(|p| Node::Nginx(p.block));
        front.into_iter().flat_map(|front| self.apps_behind(front))
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
            let mut gateways =
                self.nginx.block(block).map(|b| fronts::gateways_of_nginx_file(self, b.span.file)).unwrap_or_default();
            // A gateway of another deployment (another compose file) does not stand in front of this hop.
            let compose_file = |node: &Node| match node {
                Node::Compose(c) => self.deploy.compose_services.get(*c).map(|s| s.name.span.file),
                _ => None,
            };
            if let Some(hop) = link.nodes.iter().find_map(compose_file) {
                gateways.retain(|(nodes, _)| nodes.iter().filter_map(compose_file).all(|f| f == hop));
            }
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
            Node::App(i) => {
                self.apps.get(i).map_or_else(|| "app".into(), |a| format!("{}:{}", a.framework.id(), path(a.span.file)))
            }
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

/// `path` (as displayed: relative to the working directory `root`, or absolute) as an absolute,
/// lexically normalized path. Every comparison between files (a build context and an app, a `.env`
/// and a settings module, an nginx config and the compose file that mounts it) is made on these,
/// so no finding depends on the directory corslint is started from.
pub fn absolute(root: &std::path::Path, path: &std::path::Path) -> std::path::PathBuf {
    crate::source::normalize_path(&root.join(path))
}

impl Project {
    /// The absolute path of a file of the project (see [`absolute`]).
    pub fn absolute_path(&self, file: crate::source::FileId) -> Option<std::path::PathBuf> {
        self.file(file).map(|f| absolute(&self.root, &f.path))
    }
}

impl Project {
    /// The apps whose file lies in directory `dir` (absolute) or below it, in order.
    pub fn apps_under(&self, dir: &std::path::Path) -> &[usize] {
        index(self).names.apps_under(dir)
    }

    /// The absolute `build` context of `project.deploy.compose_services[service]`, if it is a
    /// directory of the repository.
    pub fn compose_build_context(&self, service: usize) -> Option<std::path::PathBuf> {
        let svc = self.deploy.compose_services.get(service)?;
        deployments::build_context(self, svc).map(|(context, _)| context)
    }

    /// The compose services that run nginx configuration `file` (they mount it, or build the image
    /// that holds it).
    pub fn compose_services_running_nginx(&self, file: crate::source::FileId) -> Vec<usize> {
        fronts::gateways_of_nginx_file(self, file)
            .into_iter()
            .filter_map(|(nodes, _)| match nodes.last() {
                Some(Node::Compose(c)) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// The apps corslint does not model that send their own CORS headers behind nginx context
    /// `block` (the compose services its `*_pass` reaches), each with why it is reached.
    pub fn own_cors_behind_nginx(&self, block: BlockId) -> Vec<(&OwnCors, String)> {
        let services = fronts::compose_services_behind_nginx(self, block);
        let mut out = Vec::new();
        for (service, why) in services {
            for own in self.own_cors.iter().filter(|o| o.service == service) {
                let context = self.deploy.compose_services.get(service).and_then(|s| s.build.as_ref());
                let written = context.and_then(|b| b.context.as_ref()).map_or(".", |c| c.value.as_str());
                out.push((own, format!("{why}, build {written}")));
            }
        }
        out
    }
}

impl Project {
    /// The apps corslint does not model that send their own CORS headers behind
    /// `project.deploy.ingresses[ingress]`: Service → workloads → the compose service that builds
    /// their image, each with why it is reached.
    pub fn own_cors_behind_ingress(&self, ingress: usize) -> Vec<(&OwnCors, String)> {
        let mut out = Vec::new();
        for (s, why) in fronts::k8s_services_behind_ingress(self, ingress) {
            out.extend(self.own_cors_of_k8s_service(s, &why));
        }
        out
    }

    /// The same behind every Traefik router that uses `middleware`: a router of compose labels
    /// reaches its own service; one of a CRD or dynamic file, its Kubernetes Service.
    pub fn own_cors_behind_traefik(&self, middleware: &TraefikMiddleware) -> Vec<(&OwnCors, String)> {
        use crate::model::deploy::TraefikSource;
        let mut out = Vec::new();
        for router in self.deploy.traefik_routers.iter() {
            if !router.middlewares.iter().any(|m| middleware.is_referenced_by(&m.value)) {
                continue;
            }
            let why = format!("router \"{}\"", router.name.value);
            match &router.source {
                TraefikSource::ComposeLabels { service } => {
                    let own = self
                        .deploy
                        .compose_services
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.name.value == *service && s.name.span.file == router.name.span.file);
                    for (c, _) in own {
                        let reason = format!("{why} is declared in the labels of compose service \"{service}\"");
                        out.extend(self.own_cors.iter().filter(|o| o.service == c).map(|o| (o, reason.clone())));
                    }
                }
                TraefikSource::Crd | TraefikSource::DynamicFile => {
                    let Some(service) = &router.service else { continue };
                    for (s, k8s) in self.deploy.k8s_services.iter().enumerate() {
                        if k8s.name.value == service.value {
                            out.extend(
                                self.own_cors_of_k8s_service(s, &format!("{why} → Service \"{}\"", service.value)),
                            );
                        }
                    }
                }
            }
        }
        out
    }

    fn own_cors_of_k8s_service(&self, service: usize, why: &str) -> Vec<(&OwnCors, String)> {
        let mut out = Vec::new();
        for (c, how) in apps::compose_builds_of_k8s_service(self, service) {
            for own in self.own_cors.iter().filter(|o| o.service == c) {
                out.push((own, format!("{why}; {how}")));
            }
        }
        out
    }
}

/// What the linking looks up for every `proxy_pass`, Ingress backend and Traefik router, built once
/// per project on first use (after extraction): in a monorepo of thousands of services, scanning
/// every service and app per question made linking quadratic.
#[derive(Debug, Default)]
pub struct Index {
    holdings: deployments::Holdings,
    names: apps::Names,
}

fn index(project: &Project) -> &Index {
    project
        .stack_index
        .get_or_init(|| Index { holdings: deployments::Holdings::new(project), names: apps::Names::new(project) })
}

/// Computes every link the repository justifies.
pub fn link(project: &Project) -> Vec<Link> {
    let mut links = Vec::new();
    fronts::nginx_links(project, &mut links);
    fronts::ingress_links(project, &mut links);
    fronts::traefik_links(project, &mut links);
    // One link per chain of nodes, the first found (the same app reached the same way twice).
    let mut seen = std::collections::HashSet::new();
    links.retain(|link| seen.insert(link.nodes.clone()));
    if links.is_empty() {
        fronts::last_resort(project, &mut links);
    }
    links
}
