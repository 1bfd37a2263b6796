//! docker-compose files: services with what ties them to the rest of the project (build context,
//! image, environment, env files, ports, volumes that mount nginx configs, labels).

use super::yaml::{span, spanned, written};
use crate::model::Project;
use crate::model::deploy::{ComposeBuild, ComposeLink, ComposeService, EnvVar, Label, Volume, Written};
use crate::parse::yaml::Node;
use crate::source::{FileId, Spanned};

/// The `services` mapping of a compose file (a root mapping whose `services` holds mappings, and
/// which is not a Kubernetes object).
pub(super) fn services_of(doc: Node<'_>) -> Option<Node<'_>> {
    if doc.get("apiVersion").is_some() || doc.get("kind").is_some() {
        return None;
    }
    let services = doc.get("services")?;
    let entries = services.entries();
    (!entries.is_empty() && entries.iter().all(|(_, v)| v.is_mapping() || v.is_null())).then_some(services)
}

pub(super) fn extract(project: &mut Project, file: FileId, doc: Node<'_>) {
    let Some(services) = services_of(doc) else { return };
    for (name, service) in services.entries() {
        let Some(name) = spanned(name, file) else { continue };
        project.deploy.compose_services.push(ComposeService {
            name,
            image: service.get("image").and_then(|n| written(n, file)),
            build: service.get("build").and_then(|n| build(n, file)),
            environment: service.get("environment").map(|n| environment(n, file)).unwrap_or_default(),
            env_files: service.get("env_file").map(|n| env_files(n, file)).unwrap_or_default(),
            ports: service.get("ports").map(|n| ports(n, file)).unwrap_or_default(),
            volumes: service.get("volumes").map(|n| volumes(n, file)).unwrap_or_default(),
            labels: service_labels(service, file),
            aliases: aliases(service, file),
            links: service.get("links").map(|n| links(n, file)).unwrap_or_default(),
        });
    }
}

/// `container_name`, and the `aliases` under each network of the long `networks:` form.
fn aliases(service: Node<'_>, file: FileId) -> Vec<Spanned<String>> {
    let mut out: Vec<Spanned<String>> =
        service.get("container_name").and_then(|n| spanned(n, file)).into_iter().collect();
    if let Some(networks) = service.get("networks").filter(|n| n.is_mapping()) {
        for (_, network) in networks.entries() {
            if let Some(list) = network.get("aliases") {
                out.extend(list.items().filter_map(|alias| spanned(alias, file)));
            }
        }
    }
    out
}

/// `links: [db, "api_srv:api.net"]`: the service, and the name it is reached by from here.
fn links(node: Node<'_>, file: FileId) -> Vec<ComposeLink> {
    node.items()
        .filter_map(|item| written(item, file))
        .filter_map(|w| {
            let (service, alias) = match w.value.split_once(':') {
                Some((service, alias)) => (service.trim(), alias.trim()),
                None => (w.value.trim(), w.value.trim()),
            };
            (!service.is_empty() && !alias.is_empty()).then(|| ComposeLink {
                service: service.to_string(),
                alias: alias.to_string(),
                span: w.span,
            })
        })
        .collect()
}

fn build(node: Node<'_>, file: FileId) -> Option<ComposeBuild> {
    if node.is_mapping() {
        return Some(ComposeBuild {
            context: node.get("context").and_then(|n| written(n, file)),
            dockerfile: node.get("dockerfile").and_then(|n| written(n, file)),
        });
    }
    Some(ComposeBuild { context: written(node, file), dockerfile: None })
}

/// `- NAME=value` / `- NAME` (list form) or `NAME: value` / `NAME:` (map form).
fn environment(node: Node<'_>, file: FileId) -> Vec<EnvVar> {
    if node.is_sequence() {
        return node
            .items()
            .filter_map(|item| written(item, file))
            .map(|w| match w.value.find('=') {
                Some(eq) => EnvVar {
                    name: Spanned::new(w.value.get(..eq).unwrap_or("").to_string(), w.sub_span(0, eq)),
                    value: Some(after(&w, eq + 1)),
                },
                None => EnvVar { name: Spanned::new(w.value.clone(), w.span), value: None },
            })
            .collect();
    }
    node.entries()
        .into_iter()
        .filter_map(|(k, v)| {
            let value = if v.is_null() { None } else { written(v, file) };
            Some(EnvVar { name: spanned(k, file)?, value })
        })
        .collect()
}

/// The part of a `key=value` string after `start`, with its own span.
fn after(w: &Written, start: usize) -> Written {
    let len = w.value.len();
    Written {
        value: w.value.get(start..).unwrap_or("").to_string(),
        span: w.sub_span(start.min(len), len),
        text_start: w.text_start.map(|t| t + start),
    }
}

fn env_files(node: Node<'_>, file: FileId) -> Vec<Written> {
    if node.is_sequence() {
        return node
            .items()
            .filter_map(|item| if item.is_mapping() { item.get("path") } else { Some(item) })
            .filter_map(|n| written(n, file))
            .collect();
    }
    written(node, file).into_iter().collect()
}

/// Short syntax as written (`"8080:80"`); long syntax as `published:target`, pointing at the item.
fn ports(node: Node<'_>, file: FileId) -> Vec<Written> {
    node.items()
        .filter_map(|item| {
            if !item.is_mapping() {
                return written(item, file);
            }
            let target = item.get("target").and_then(|n| n.as_str())?;
            let value = match item.get("published").and_then(|n| n.as_str()) {
                Some(published) => format!("{published}:{target}"),
                None => target.to_string(),
            };
            Some(Written { value, span: span(item, file), text_start: None })
        })
        .collect()
}

/// Short syntax `source:target[:mode]` or long syntax `{type, source, target, read_only}`.
fn volumes(node: Node<'_>, file: FileId) -> Vec<Volume> {
    node.items()
        .filter_map(|item| {
            if item.is_mapping() {
                return Some(Volume {
                    source: item.get("source").and_then(|n| n.as_str()).map(str::to_string),
                    target: item.get("target").and_then(|n| n.as_str()).map(str::to_string),
                    read_only: item.get("read_only").and_then(|n| n.as_bool()).unwrap_or(false),
                    span: span(item, file),
                });
            }
            let w = written(item, file)?;
            let parts: Vec<&str> = w.value.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [target] => (None, Some(*target), None),
                [source, target] => (Some(*source), Some(*target), None),
                [source, target, mode, ..] => (Some(*source), Some(*target), Some(*mode)),
                [] => (None, None, None),
            };
            Some(Volume {
                source: source.map(str::to_string),
                target: target.map(str::to_string),
                read_only: mode.is_some_and(|m| m.split(',').any(|o| o == "ro")),
                span: w.span,
            })
        })
        .collect()
}

/// `labels` and `deploy.labels` (Swarm) of a service.
pub(super) fn service_labels(service: Node<'_>, file: FileId) -> Vec<Label> {
    let mut out = service.get("labels").map(|n| labels(n, file)).unwrap_or_default();
    if let Some(deploy) = service.path(&["deploy", "labels"]) {
        out.extend(labels(deploy, file));
    }
    out
}

/// List form `- "key=value"` or map form `key: value`.
fn labels(node: Node<'_>, file: FileId) -> Vec<Label> {
    if node.is_sequence() {
        return node
            .items()
            .filter_map(|item| written(item, file))
            .map(|w| {
                let eq = w.value.find('=').unwrap_or(w.value.len());
                let key = Written {
                    value: w.value.get(..eq).unwrap_or("").to_string(),
                    span: w.sub_span(0, eq),
                    text_start: w.text_start,
                };
                Label { key, value: after(&w, (eq + 1).min(w.value.len())) }
            })
            .collect();
    }
    node.entries()
        .into_iter()
        .filter_map(|(k, v)| {
            let key = written(k, file)?;
            let value = written(v, file).map(|mut w| {
                if v.is_null() {
                    w.value.clear();
                }
                w
            })?;
            Some(Label { key, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn services(text: &str) -> Vec<ComposeService> {
        let (file, errors) = yaml::parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut project = Project::default();
        for doc in file.documents() {
            extract(&mut project, 0, doc);
        }
        project.deploy.compose_services
    }

    #[test]
    fn reads_services_in_both_forms() {
        let text = "x-env: &env\n  LOG: debug\nservices:\n  api:\n    build: ./backend\n    environment:\n      <<: *env\n      BACKEND_CORS_ORIGINS: \"https://app.example.com\"\n      EMPTY:\n    env_file: [.env, {path: .env.local, required: false}]\n    ports: [\"8000:8000\", {target: 80, published: 8080}]\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n      - type: volume\n        source: data\n        target: /data\n    environment:\n      - UPSTREAM=api:8000\n      - HOME\n    labels:\n      - \"traefik.enable=true\"\n";
        let services = services(text);
        assert_eq!(services.len(), 2);
        let api = &services[0];
        assert_eq!(api.build.as_ref().and_then(|b| b.context.as_ref()).map(|c| c.value.as_str()), Some("./backend"));
        let env: Vec<(&str, Option<&str>)> = api
            .environment
            .iter()
            .map(|e| (e.name.value.as_str(), e.value.as_ref().map(|v| v.value.as_str())))
            .collect();
        assert_eq!(
            env,
            vec![("BACKEND_CORS_ORIGINS", Some("https://app.example.com")), ("EMPTY", None), ("LOG", Some("debug"))]
        );
        assert_eq!(api.env_files.iter().map(|w| w.value.as_str()).collect::<Vec<_>>(), vec![".env", ".env.local"]);
        assert_eq!(api.ports[1].value, "8080:80");
        let proxy = &services[1];
        assert!(proxy.volumes[0].mounts_nginx_config() && proxy.volumes[0].read_only);
        assert!(!proxy.volumes[1].mounts_nginx_config());
        let upstream = proxy.environment[0].value.as_ref().unwrap();
        assert_eq!(&text[upstream.span.start()..upstream.span.end()], "api:8000");
        assert_eq!(proxy.environment[1].value, None);
        let label = &proxy.labels[0];
        assert_eq!((label.key.value.as_str(), label.value.value.as_str()), ("traefik.enable", "true"));
        assert_eq!(&text[label.value.span.start()..label.value.span.end()], "true");
    }

    #[test]
    fn names_a_service_is_reached_by() {
        let text = "services:\n  api_srv:\n    build: .\n    container_name: ocr_api\n    networks:\n      back:\n        aliases: [api.internal, \"api.local\"]\n      front:\n  proxy:\n    build: ./proxy\n    networks: [back]\n    links:\n      - \"api_srv:api.net\"\n      - db\n";
        let services = services(text);
        let names = |s: &ComposeService| s.aliases.iter().map(|a| a.value.clone()).collect::<Vec<_>>();
        assert_eq!(names(&services[0]), ["ocr_api", "api.internal", "api.local"]);
        assert!(names(&services[1]).is_empty());
        let links: Vec<(&str, &str)> =
            services[1].links.iter().map(|l| (l.service.as_str(), l.alias.as_str())).collect();
        assert_eq!(links, [("api_srv", "api.net"), ("db", "db")]);
    }

    #[test]
    fn kubernetes_objects_and_workflows_are_not_compose() {
        assert!(services("apiVersion: v1\nkind: List\nservices:\n  a: {}\n").is_empty());
        assert!(services("jobs:\n  test:\n    services:\n      db:\n        image: postgres\n").is_empty());
    }
}
