//! Deployed origins: the chain from a frontend's build output to the nginx `server` that serves
//! it, and from there to the origin a browser has (issue #17's decision: without a chain, the
//! deployed origin is Unknown, never "the only host in the repository").
//!
//! The chain: the build output (Vite `build.outDir`, default `dist`; Create React App `build`;
//! Angular `outputPath`) → a Dockerfile that copies it into an image (`COPY --from=build /app/dist
//! /usr/share/nginx/html`, traced through the build stage's `WORKDIR` and `COPY . .`), or a compose
//! volume that mounts it → the nginx `server` of the same image or service whose `root` is that
//! path (the official image's default server when no configuration replaces it) → the origin:
//! `https://` + `server_name` where the server listens with TLS, and `localhost` with the port a
//! compose service publishes for it. A name served over plain http only is not an origin here: a
//! TLS proxy in front would make it `https`.

use super::files::Files;
use crate::extract::dockerfile::Dockerfile;
use crate::model::Project;
use crate::model::deploy::{ComposeService, image_repo, is_literal_host, published_port};
use crate::model::frontend::{Environment, Evidence, FrontendOrigin};
use crate::model::nginx::{Arg, Listen};
use crate::parse::Parsed;
use crate::parse::nginx::{Config, Directive};
use crate::source::{FileId, Span, normalize_path};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where the official nginx image serves files from, with its default server.
const NGINX_HTML: &str = "/usr/share/nginx/html";

/// The directory a frontend's production build is written to, in the repository.
pub struct BuildOutput {
    pub dir: PathBuf,
    /// `Vite's default `dist``, for the evidence.
    pub what: String,
}

/// The origins the build in `output` is served at, and what in the chain could not be followed.
pub fn origins(
    project: &Project,
    files: &Files<'_>,
    frontend_dir: &Path,
    output: &BuildOutput,
    outer: &Evidence,
) -> (Vec<FrontendOrigin>, Vec<String>) {
    let mut out = Vec::new();
    let mut unknowns = Vec::new();
    for serving in servings(project, files, frontend_dir, output) {
        let mut servers = servers_of(files, &serving);
        if servers.is_empty()
            && serving.configs.is_empty()
            && serving.nginx_image
            && serving.served == Path::new(NGINX_HTML)
        {
            servers.push(Server::image_default());
        }
        let how = &serving.how;
        let alone = servers.len() == 1;
        let before = out.len();
        for server in &servers {
            let mut evidence = vec![outer.clone()];
            match serving.span {
                Some(span) => evidence.push(Evidence { span, what: how.clone() }),
                None if server.span.is_none() => continue,
                None => {}
            }
            if let Some(span) = server.span {
                let what = match serving.span {
                    Some(_) => format!("nginx serves `{}` here", serving.served.display()),
                    None => format!("{how}, and nginx serves it here"),
                };
                evidence.push(Evidence { span, what });
            }
            // Plain http beside TLS on one server is the redirect to https, or the same site.
            let has_tls = server.listens.iter().any(|(_, ssl)| *ssl);
            for (port, ssl) in &server.listens {
                for (name, span) in &server.names {
                    if *ssl {
                        let origin = with_port("https", name, *port);
                        let mut evidence = evidence.clone();
                        evidence.push(Evidence { span: *span, what: format!("`server_name {name}` with TLS") });
                        push_origin(&mut out, origin, evidence);
                    } else if !has_tls {
                        unknowns.push(format!(
                            "the deployed origin of `{name}`: nginx serves it over plain http here; a TLS proxy in front \
                             would make it https"
                        ));
                    }
                }
                // Through a published port, `localhost` reaches the server that answers for any name.
                let answers_localhost = alone || server.names.is_empty() || server.default_server;
                if let (Some(service), true) = (serving.service, answers_localhost) {
                    for (host_port, span) in published_for(service, *port) {
                        let scheme = if *ssl { "https" } else { "http" };
                        let mut evidence = evidence.clone();
                        evidence.push(Evidence {
                            span,
                            what: format!("compose service `{}` publishes it on port {host_port}", service.name.value),
                        });
                        push_origin(&mut out, with_port(scheme, "localhost", host_port), evidence);
                    }
                }
            }
        }
        if let Some(service) = serving.service.filter(|_| !servers.is_empty()) {
            // Hosts a router in front routes to the container: an Ingress or a Traefik label.
            let traefik = service.traefik_hosts().into_iter().map(|(host, span, tls)| {
                let routed = format!("a Traefik router with TLS routes `{host}` to it");
                let plain = "its Traefik router has no TLS here; the entrypoint's port and a redirect to https are in \
                             Traefik's static configuration";
                (host, span, tls, routed, plain)
            });
            let ingress = ingress_hosts(project, service).into_iter().map(|(host, span, tls, routed)| {
                (
                    host,
                    span,
                    tls,
                    routed,
                    "its Ingress has no `tls` for it here; a TLS terminator in front would make it https",
                )
            });
            for (host, span, tls, routed, plain) in ingress.chain(traefik) {
                if tls {
                    let evidence = vec![
                        outer.clone(),
                        Evidence { span: service.name.span, what: how.clone() },
                        Evidence { span, what: routed },
                    ];
                    push_origin(&mut out, format!("https://{host}"), evidence);
                } else {
                    unknowns.push(format!("the deployed origin of `{host}`: {plain}"));
                }
            }
        }
        if out.len() == before && !servers.is_empty() {
            unknowns.push(format!(
                "the deployed origin: {how}, but neither a `server_name` with TLS nor a published port says at which origin"
            ));
        }
    }
    unknowns.sort();
    unknowns.dedup();
    (out, unknowns)
}

fn push_origin(out: &mut Vec<FrontendOrigin>, origin: String, evidence: Vec<Evidence>) {
    if !out.iter().any(|o| o.origin == origin) {
        out.push(FrontendOrigin { origin, environment: Environment::Production, fallback: false, evidence });
    }
}

/// The literal hosts Kubernetes Ingresses route at `/` to the image `service` builds: Ingress rule
/// → Service → the workloads its selector picks → a container running the compose service's
/// `image`. Each with its span, whether `spec.tls` names it, and how it is routed.
fn ingress_hosts(project: &Project, service: &ComposeService) -> Vec<(String, Span, bool, String)> {
    let mut out = Vec::new();
    let Some(image) = service.image.as_ref().filter(|i| !i.has_placeholder()) else { return out };
    let repo = image_repo(&image.value);
    let deploy = &project.deploy;
    let runs_image = |workload: &crate::model::deploy::Workload| {
        workload.containers.iter().any(|c| c.image.as_ref().is_some_and(|i| image_repo(&i.value) == repo))
    };
    for k8s in &deploy.k8s_services {
        let selects = |w: &&crate::model::deploy::Workload| {
            !k8s.selector.is_empty()
                && k8s.selector.iter().all(|kv| w.pod_labels.contains(kv))
                && (k8s.namespace.is_none() || w.namespace.is_none() || k8s.namespace == w.namespace)
        };
        let Some(workload) = deploy.workloads.iter().filter(selects).find(|w| runs_image(w)) else { continue };
        for ingress in &deploy.ingresses {
            for rule in &ingress.rules {
                let Some(host) = rule.host.as_ref().filter(|h| is_literal_host(&h.value)) else { continue };
                let at_root = rule.paths.iter().any(|p| {
                    p.backend.as_ref().is_some_and(|b| b.service.value == k8s.name.value)
                        && p.path.as_ref().is_none_or(|path| matches!(path.value.as_str(), "/" | "/*" | "/(.*)"))
                });
                if at_root {
                    let tls = ingress.tls_hosts.iter().any(|t| t.eq_ignore_ascii_case(&host.value));
                    let how = format!(
                        "an Ingress routes `{}` to Service `{}`, whose {} `{}` runs image `{}`",
                        host.value, k8s.name.value, workload.kind, workload.name.value, image.value
                    );
                    out.push((host.value.to_ascii_lowercase(), host.span, tls, how));
                }
            }
        }
    }
    out
}

fn with_port(scheme: &str, host: &str, port: u16) -> String {
    let default = if scheme == "https" { 443 } else { 80 };
    if port == default { format!("{scheme}://{host}") } else { format!("{scheme}://{host}:{port}") }
}

/// The host ports `service` publishes for container port `port`, each with where it is written.
fn published_for(service: &ComposeService, port: u16) -> Vec<(u16, Span)> {
    service
        .ports
        .iter()
        .filter_map(|p| published_port(&p.value).filter(|(_, c)| *c == port).map(|(h, _)| (h, p.span)))
        .collect()
}

/// The build output inside an image or a container.
struct Serving<'p> {
    /// The container path the output is at.
    served: PathBuf,
    /// What puts the build there (`web/Dockerfile:10 copies the build (…) to `/usr/share/nginx/html``).
    how: String,
    /// The compose service that runs it; a Dockerfile is no file of the project.
    span: Option<Span>,
    service: Option<&'p ComposeService>,
    /// nginx configuration of the same image or container: (container path, repository path).
    configs: Vec<(PathBuf, PathBuf)>,
    nginx_image: bool,
}

/// Every image or compose container the build output lands in.
fn servings<'p>(project: &'p Project, files: &Files<'_>, frontend_dir: &Path, build: &BuildOutput) -> Vec<Serving<'p>> {
    let output_dir = normalize_path(&build.dir);
    let output = output_dir.as_path();
    let what = &build.what;
    let mut out = Vec::new();
    let mut built = Vec::new();
    for service in &project.deploy.compose_services {
        let Some(compose) = project.file(service.name.span.file) else { continue };
        let compose_dir = normalize_path(compose.path.parent().unwrap_or(Path::new("")));
        let mut configs = Vec::new();
        let mut nginx_image = service.image.as_ref().is_some_and(|i| is_nginx_image(&i.value));
        let mut lands = Vec::new();
        if let Some(build) = &service.build {
            let context = build
                .context
                .as_ref()
                .map_or_else(|| compose_dir.clone(), |c| normalize_path(&compose_dir.join(&c.value)));
            let dockerfile =
                normalize_path(&context.join(build.dockerfile.as_ref().map_or("Dockerfile", |d| d.value.as_str())));
            built.push(dockerfile.clone());
            if let Some(image) = image_of(files, &dockerfile, &context, output) {
                configs.extend(image.configs);
                nginx_image |= image.nginx;
                for (served, line) in image.served {
                    let how = format!(
                        "compose service `{}` builds {}, whose line {line} copies the build ({what}) to `{}`",
                        service.name.value,
                        dockerfile.display(),
                        served.display()
                    );
                    lands.push((served, how));
                }
            }
        }
        for volume in &service.volumes {
            let (Some(source), Some(target)) = (&volume.source, &volume.target) else { continue };
            if !source.starts_with('.') {
                continue;
            }
            let host = normalize_path(&compose_dir.join(source));
            if host == output {
                let how = format!("compose service `{}` mounts the build ({what}) at `{target}`", service.name.value);
                lands.push((normalize_path(Path::new(target)), how));
            } else if target.starts_with("/etc/nginx") {
                configs.push((normalize_path(Path::new(target)), host));
            }
        }
        for (served, how) in lands {
            out.push(Serving {
                served,
                how,
                span: Some(service.name.span),
                service: Some(service),
                configs: configs.clone(),
                nginx_image,
            });
        }
    }
    // A Dockerfile in the frontend's own directory that no compose service builds.
    for entry in std::fs::read_dir(frontend_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = normalize_path(&frontend_dir.join(&name));
        if !name.starts_with("Dockerfile") || built.contains(&path) {
            continue;
        }
        let Some(image) = image_of(files, &path, &normalize_path(frontend_dir), output) else { continue };
        for (served, line) in image.served {
            out.push(Serving {
                how: format!("{}:{line} copies the build ({what}) to `{}`", path.display(), served.display()),
                served,
                span: None,
                service: None,
                configs: image.configs.clone(),
                nginx_image: image.nginx,
            });
        }
    }
    out
}

/// What an image's final stage holds of the frontend.
struct Image {
    /// Container paths holding the build output, with the `COPY` line.
    served: Vec<(PathBuf, usize)>,
    configs: Vec<(PathBuf, PathBuf)>,
    nginx: bool,
}

fn image_of(files: &Files<'_>, dockerfile: &Path, context: &Path, output: &Path) -> Option<Image> {
    let key = (dockerfile.to_path_buf(), context.to_path_buf());
    let known = files.final_stages.borrow().get(&key).cloned();
    let stage = match known {
        Some(stage) => stage,
        None => {
            let stage = final_stage(dockerfile, context).map(Rc::new);
            files.final_stages.borrow_mut().insert(key, stage.clone());
            stage
        }
    }?;
    let mut image = Image { served: Vec::new(), configs: Vec::new(), nginx: stage.nginx };
    for copy in &stage.copies {
        if copy.source == output {
            image.served.push((copy.dest.clone(), copy.line));
        } else if copy.dest.starts_with("/etc/nginx") && copy.from_context {
            image.configs.push((copy.dest.clone(), copy.source.clone()));
        }
    }
    (!image.served.is_empty()).then_some(image)
}

/// The final stage of each (Dockerfile, build context), once read.
pub(super) type FinalStages = std::cell::RefCell<std::collections::HashMap<(PathBuf, PathBuf), Option<Rc<FinalStage>>>>;

/// A Dockerfile's final stage with each `COPY` traced back to the build context: the same for
/// every frontend that looks at it.
pub(super) struct FinalStage {
    copies: Vec<TracedCopy>,
    /// It starts, through the stages it builds on, from an nginx image.
    nginx: bool,
}

struct TracedCopy {
    dest: PathBuf,
    line: usize,
    from_context: bool,
    /// Where in the build context its files come from.
    source: PathBuf,
}

fn final_stage(dockerfile: &Path, context: &Path) -> Option<FinalStage> {
    let file = Dockerfile::read(dockerfile)?;
    let last = file.final_stage(None)?;
    let stage = file.stages.get(last)?;
    let copies = stage
        .copies
        .iter()
        .filter_map(|copy| {
            let source = file.context_path(last, &copy.dest, context)?;
            Some(TracedCopy { dest: copy.dest.clone(), line: copy.line, from_context: copy.from.is_none(), source })
        })
        .collect();
    let mut base = stage.base.to_ascii_lowercase();
    for _ in 0..file.stages.len() {
        match file.stages.iter().find(|s| s.name.as_deref() == Some(base.as_str())) {
            Some(named) => base = named.base.to_ascii_lowercase(),
            None => break,
        }
    }
    Some(FinalStage { copies, nginx: is_nginx_image(&base) })
}

/// The official image and its common variants (`nginx:1.27-alpine`, `nginxinc/nginx-unprivileged`).
fn is_nginx_image(image: &str) -> bool {
    let name = image.split(['@', ':']).next().unwrap_or("");
    let last = name.rsplit('/').next().unwrap_or("");
    last == "nginx" || last == "nginx-unprivileged"
}

/// An nginx `server` that serves files.
struct Server {
    /// Literal host names (`server_name app.example.com`), each with its span.
    names: Vec<(String, Span)>,
    /// (port, TLS).
    listens: Vec<(u16, bool)>,
    default_server: bool,
    span: Option<Span>,
}

impl Server {
    /// The official image's `default.conf`: `listen 80; server_name localhost; root /usr/share/nginx/html`.
    fn image_default() -> Server {
        Server { names: Vec::new(), listens: vec![(80, false)], default_server: true, span: None }
    }
}

/// The `server` blocks of the serving's nginx configuration whose root is the served path.
fn servers_of(files: &Files<'_>, serving: &Serving<'_>) -> Vec<Server> {
    let mut out = Vec::new();
    for (_, host) in &serving.configs {
        for (_, id) in files.under(host) {
            if let Some(Parsed::Nginx(config)) = files.parsed.get(id) {
                servers_in(config, id, &serving.served, &mut out);
            }
        }
    }
    out
}

fn servers_in(config: &Config, file: FileId, served: &Path, out: &mut Vec<Server>) {
    for server in config.walk().filter(|d| d.name == "server" && d.block.is_some()) {
        let root = server.children().iter().find(|d| d.name == "root").or_else(|| {
            let slash = server.children().iter().find(|d| d.name == "location" && d.args_str() == ["/"])?;
            slash.children().iter().find(|d| d.name == "root")
        });
        let Some(root) = root.and_then(|r| r.arg(0)) else { continue };
        if normalize_path(Path::new(root)) != served {
            continue;
        }
        let arg =
            |a: &crate::parse::nginx::Arg| Arg::new(a.value.clone(), Span::new(file, a.range.start, a.range.end), None);
        let span_of = |d: &Directive| Span::new(file, d.range.start, d.range.end);
        let mut listens: Vec<(u16, bool)> = Vec::new();
        let mut default_server = false;
        for listen in server.children().iter().filter(|d| d.name == "listen") {
            let args: Vec<Arg> = listen.args.iter().map(arg).collect();
            let parsed = Listen::parse(&args, span_of(listen));
            default_server |= parsed.default_server;
            if let Some(port) = parsed.port {
                listens.push((port, parsed.ssl));
            }
        }
        if listens.is_empty() {
            listens.push((80, false));
        }
        let names = server
            .children()
            .iter()
            .filter(|d| d.name == "server_name")
            .flat_map(|d| &d.args)
            .filter(|a| is_literal_host(&a.value))
            .map(|a| (a.value.to_ascii_lowercase(), Span::new(file, a.range.start, a.range.end)))
            .collect();
        let head = server.head_range();
        out.push(Server { names, listens, default_server, span: Some(Span::new(file, head.start, head.end)) });
    }
}
