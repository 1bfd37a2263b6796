//! Traefik's docker-compose labels: `traefik.http.middlewares.*` and `traefik.http.routers.*` of
//! every compose service.

use super::headers::{Source, set_field};
use super::push;
use crate::extract::compose::service_labels;
use crate::model::Project;
use crate::model::deploy::{TraefikHeaders, TraefikMiddleware, TraefikRouter, TraefikSource};
use crate::parse::yaml::Node;
use crate::source::{FileId, Spanned};

/// `traefik.http.middlewares.<name>.headers.<field>[.<header>]` and
/// `traefik.http.routers.<name>.<rule|middlewares|service>` labels of every service of a compose file.
pub(super) fn from_compose_labels(project: &mut Project, file: FileId, services: Node<'_>) {
    for (service_key, service) in services.entries() {
        let Some(service_name) = service_key.as_str() else { continue };
        let source = TraefikSource::ComposeLabels { service: service_name.to_string() };
        let mut middlewares: Vec<TraefikMiddleware> = Vec::new();
        let mut routers: Vec<TraefikRouter> = Vec::new();
        for label in service_labels(service, file) {
            let key = label.key.value.as_str();
            let parts: Vec<&str> = key.splitn(5, '.').collect();
            let [traefik, http, kind, name, rest] = parts.as_slice() else { continue };
            if !traefik.eq_ignore_ascii_case("traefik") || !http.eq_ignore_ascii_case("http") {
                continue;
            }
            // Where `<name>` stands in the key, for the middleware's span.
            let name_start = traefik.len() + http.len() + kind.len() + 3;
            let name_span = label.key.sub_span(name_start, name_start + name.len());
            if kind.eq_ignore_ascii_case("middlewares") {
                let (middleware_type, field) = rest.split_once('.').unwrap_or((rest, ""));
                let middleware_type = middleware_type.to_ascii_lowercase();
                let index = match middlewares.iter().position(|m| m.name.value == *name) {
                    Some(i) => i,
                    None => {
                        middlewares.push(TraefikMiddleware {
                            name: Spanned::new(name.to_string(), name_span),
                            namespace: None,
                            source: source.clone(),
                            types: Vec::new(),
                            headers: None,
                            policy_span: None,
                        });
                        middlewares.len() - 1
                    }
                };
                let Some(middleware) = middlewares.get_mut(index) else { continue };
                if !middleware.types.contains(&middleware_type) {
                    middleware.types.push(middleware_type.clone());
                }
                if middleware_type != "headers" {
                    continue;
                }
                let headers = middleware.headers.get_or_insert_with(TraefikHeaders::default);
                let key_span = label.key.span;
                if let Some((custom, header)) = field.split_once('.') {
                    if custom.eq_ignore_ascii_case("customResponseHeaders") {
                        let header_start = key.len() - header.len();
                        let header_name = Spanned::new(header.to_string(), label.key.sub_span(header_start, key.len()));
                        headers.custom_response_headers.push((header_name, label.value.clone()));
                    }
                    continue;
                }
                set_field(headers, field, key_span, Source::Label(label.value.clone()), file);
            } else if kind.eq_ignore_ascii_case("routers") {
                let index = match routers.iter().position(|r| r.name.value == *name) {
                    Some(i) => i,
                    None => {
                        routers.push(TraefikRouter {
                            name: Spanned::new(name.to_string(), name_span),
                            source: source.clone(),
                            rule: None,
                            middlewares: Vec::new(),
                            service: None,
                        });
                        routers.len() - 1
                    }
                };
                let Some(router) = routers.get_mut(index) else { continue };
                if rest.eq_ignore_ascii_case("rule") {
                    router.rule = Some(label.value.clone());
                } else if rest.eq_ignore_ascii_case("middlewares") {
                    router.middlewares =
                        label.value.comma_parts().into_iter().filter(|p| !p.value.is_empty()).collect();
                } else if rest.eq_ignore_ascii_case("service") {
                    router.service = Some(label.value.clone());
                }
            }
        }
        for middleware in middlewares {
            push(project, middleware);
        }
        project.deploy.traefik_routers.extend(routers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::traefik::test_support::{run, slice};

    #[test]
    fn compose_labels_in_list_and_map_form() {
        let text = "services:\n  api:\n    image: api\n    labels:\n      - \"traefik.http.routers.api.middlewares=cors@docker\"\n      - \"traefik.http.middlewares.cors.headers.accesscontrolalloworiginlist=https://a.example.com, https://b.example.com\"\n      - traefik.http.middlewares.cors.headers.accessControlAllowCredentials=true\n  web:\n    image: web\n    labels:\n      traefik.http.middlewares.webcors.headers.accesscontrolalloworiginlistregex: \"https://.*\\\\.example\\\\.com\"\n      traefik.http.middlewares.webcors.headers.addvaryheader: \"true\"\n";
        let project = run(text);
        assert_eq!(project.policies.len(), 2);
        let api = &project.policies[0];
        let spans: Vec<&str> = api.origins.entries.iter().map(|e| slice(text, e.span)).collect();
        assert_eq!(spans, vec!["https://a.example.com", "https://b.example.com"]);
        assert_eq!(api.credentials.known(), Some(&true));
        assert_eq!(slice(text, api.span), "cors");
        let router = &project.deploy.traefik_routers[0];
        assert_eq!(router.middlewares[0].value, "cors@docker");
        let web = project.deploy.middleware_of(&project.policies[1]).unwrap();
        assert_eq!(web.headers.as_ref().unwrap().add_vary_header.as_ref().unwrap().value, Some(true));
        assert_eq!(web.source, TraefikSource::ComposeLabels { service: "web".into() });
    }
}
