//! The fronts of the stack (nginx `*_pass`, Ingress backends, Traefik routers) and the hosts they
//! name, each linked to the apps behind that name; the last-resort link when nothing names
//! anything; and the compose services (with their Traefik routers) that run an nginx
//! configuration, which [`Project::chains`] puts in front of an nginx link.

use super::apps::{apps_by_name, apps_of_compose, apps_of_k8s_service, compose_named, nearest};
use super::deployments::{deployments_of, services_running};
use super::{Link, Node};
use crate::model::Project;
use crate::model::nginx::{BlockId, Pass};
use crate::source::FileId;

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

pub(super) fn nginx_links(project: &Project, links: &mut Vec<Link>) {
    for (id, block) in project.nginx.blocks.iter().enumerate() {
        let Some(pass) = &block.pass else { continue };
        for (host, why) in pass_hosts(project, pass, id) {
            for (hops, app, reasons) in apps_by_name(project, &host, pass.span.file) {
                let mut nodes = vec![Node::Nginx(id)];
                nodes.extend(hops);
                nodes.push(Node::App(app));
                let mut all = vec![why.clone()];
                all.extend(reasons);
                links.push(Link { nodes, app, reasons: all, last_resort: false });
            }
        }
    }
}

/// The compose services an nginx `*_pass` at `block` reaches, each with why (`proxy_pass
/// http://api:3000; compose service "api"`), whether or not an app corslint models lies behind them.
pub(super) fn compose_services_behind_nginx(project: &Project, block: BlockId) -> Vec<(usize, String)> {
    let Some(pass) = project.nginx.pass_of(block) else { return Vec::new() };
    let deployments = deployments_of(project, pass.item.span.file);
    let mut out: Vec<(usize, String)> = Vec::new();
    for (host, why) in pass_hosts(project, pass.item, pass.block) {
        for (service, how) in compose_named(project, &host, pass.item.span.file, &deployments) {
            if !out.iter().any(|(s, _)| *s == service) {
                out.push((service, format!("{why} = {how}")));
            }
        }
    }
    out
}

pub(super) fn ingress_links(project: &Project, links: &mut Vec<Link>) {
    for i in 0..project.deploy.ingresses.len() {
        for (s, reason) in k8s_services_behind_ingress(project, i) {
            for (hops, app, reasons) in apps_of_k8s_service(project, s) {
                let mut nodes = vec![Node::Ingress(i), Node::K8sService(s)];
                nodes.extend(hops);
                nodes.push(Node::App(app));
                let mut all = vec![reason.clone()];
                all.extend(reasons);
                links.push(Link { nodes, app, reasons: all, last_resort: false });
            }
        }
    }
}

/// The Kubernetes Services the backends of `project.deploy.ingresses[ingress]` name (in its
/// namespace; the nearest one when several deployments hold one of that name), each with why.
pub(super) fn k8s_services_behind_ingress(project: &Project, ingress: usize) -> Vec<(usize, String)> {
    let Some(ingress) = project.deploy.ingresses.get(ingress) else { return Vec::new() };
    let mut out = Vec::new();
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
            if !out.iter().any(|(o, _)| *o == s) {
                out.push((s, format!("Ingress backend = Service \"{name}\"")));
            }
        }
    }
    out
}

pub(super) fn traefik_links(project: &Project, links: &mut Vec<Link>) {
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
            links.push(Link { nodes, app, reasons, last_resort: false });
        }
    }
}

/// The compose services that run an nginx configuration file of the repository (they mount it, or
/// build the image that holds it; see [`services_running`]), each with the Traefik routers declared
/// on it in front: `[TraefikRouter, Compose]` or `[Compose]`, with the reasons.
pub(super) fn gateways_of_nginx_file(project: &Project, file: FileId) -> Vec<(Vec<Node>, Vec<String>)> {
    let mut out = Vec::new();
    for (c, holds) in services_running(project, file) {
        let Some(svc) = project.deploy.compose_services.get(c) else { continue };
        let why = format!("compose service \"{}\" {}", svc.name.value, holds.describe());
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
pub(super) fn last_resort(project: &Project, links: &mut Vec<Link>) {
    if project.apps.len() != 1 {
        return;
    }
    let d = &project.deploy;
    let known = |host: &str| {
        d.compose_services.iter().any(|s| s.name.value == host || s.aliases.iter().any(|a| a.value == host))
            || d.k8s_services.iter().any(|s| s.name.value == host)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://backend:8000/api/"), "backend");
        assert_eq!(host_of("backend:8000"), "backend");
        assert_eq!(host_of("backend"), "backend");
        assert!(is_local_host("backend") && is_local_host("127.0.0.1") && !is_local_host("api.stripe.com"));
    }
}
