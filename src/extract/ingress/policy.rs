//! The CORS policy ingress-nginx enforces for the `cors-*` annotations: its defaults for what is
//! absent, and its validation, which replaces a rejected value by the default without a word.

use super::matches;
use super::origins::origins;
use crate::extract::yaml::go_parse_bool;
use crate::model::deploy::{Annotation, Ingress, IngressCors};
use crate::model::{CorsPolicy, Layer, NameList, Setting, Value};
use crate::source::{Span, Spanned};
use regex::Regex;
use std::sync::LazyLock;

const DEFAULT_METHODS: &str = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
const DEFAULT_HEADERS: &str =
    "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization";
const DEFAULT_MAX_AGE: u64 = 1_728_000;

static METHODS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^([A-Za-z]+,?[\t\n\x0C\r ]?)+$").ok());
static HEADERS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9\-_, ]*$").ok());
static EXPOSE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(([A-Za-z0-9\-_]+|\*),?[\t\n\x0C\r ]?)+$").ok());

/// ingress-nginx's CORS configuration of an Ingress, and the policy it enforces when enabled.
pub(super) fn cors(ingress: &Ingress) -> Option<(IngressCors, Option<CorsPolicy>)> {
    let enable = ingress.nginx_annotation("enable-cors")?;
    let enabled = go_parse_bool(enable.value.value.trim()).unwrap_or(false);
    let entry = enable.entry_span();
    let mut facts = IngressCors { enabled, enable_span: entry, policy_span: entry, origin_notes: Vec::new() };
    if !enabled {
        return Some((facts, None));
    }
    let (origins, notes) = origins(ingress.nginx_annotation("cors-allow-origin"), entry);
    facts.origin_notes = notes;

    let credentials = match ingress.nginx_annotation("cors-allow-credentials") {
        // ingress-nginx turns a value `strconv.ParseBool` rejects into `true`.
        Some(a) if !a.value.has_placeholder() => {
            Setting::explicit(Value::Known(go_parse_bool(a.value.value.trim()).unwrap_or(true)), a.value.span)
        }
        Some(a) => Setting::explicit(Value::Unknown, a.value.span),
        None => Setting::default_at(true, entry),
    };
    let methods =
        name_list(ingress.nginx_annotation("cors-allow-methods"), entry, DEFAULT_METHODS, |v| matches(&METHODS, v));
    let headers = name_list(ingress.nginx_annotation("cors-allow-headers"), entry, DEFAULT_HEADERS, |v| {
        !v.is_empty() && matches(&HEADERS, v)
    });
    let expose_headers = name_list(ingress.nginx_annotation("cors-expose-headers"), entry, "", |v| matches(&EXPOSE, v));
    let max_age = match ingress.nginx_annotation("cors-max-age") {
        Some(a) if a.value.has_placeholder() => Setting::explicit(Value::Unknown, a.value.span),
        Some(a) => match a.value.value.trim().parse::<i64>() {
            Ok(n) => Setting::explicit(Value::Known(u64::try_from(n).unwrap_or(0)), a.value.span),
            // `strconv.Atoi` failed: ingress-nginx uses its default.
            Err(_) => Setting::default_at(DEFAULT_MAX_AGE, a.value.span),
        },
        None => Setting::default_at(DEFAULT_MAX_AGE, entry),
    };
    let policy = CorsPolicy {
        layer: Layer::IngressNginx,
        span: entry,
        origins,
        credentials,
        methods,
        headers,
        expose_headers,
        max_age,
    };
    Some((facts, Some(policy)))
}

/// A comma list annotation: its names when ingress-nginx accepts the value, else ingress-nginx's
/// default (pointing at the rejected value, or at `enable-cors` when the annotation is absent).
fn name_list(
    annotation: Option<&Annotation>,
    enable: Span,
    default: &str,
    valid: impl Fn(&str) -> bool,
) -> Setting<NameList> {
    let default_names = |span: Span| -> NameList {
        default.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Spanned::new(s.to_string(), span)).collect()
    };
    match annotation {
        None => Setting::default_at(default_names(enable), enable),
        Some(a) if a.value.has_placeholder() => Setting::explicit(Value::Unknown, a.value.span),
        Some(a) if valid(a.value.value.trim()) => {
            let names = a
                .value
                .comma_parts()
                .into_iter()
                .filter(|p| !p.value.is_empty())
                .map(|p| Spanned::new(p.value, p.span))
                .collect();
            Setting::explicit(Value::Known(names), a.value.span)
        }
        Some(a) => Setting::default_at(default_names(a.value.span), a.value.span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ingress::test_support::{ingress, kinds, policy_of};
    use crate::model::OriginKind;
    use crate::model::deploy::ServicePort;

    #[test]
    fn enable_cors_alone_uses_ingress_nginx_defaults() {
        let text = ingress("    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n");
        let (project, n) = policy_of(&text);
        assert_eq!(n, 1);
        let p = &project.policies[0];
        assert_eq!(kinds(p), vec![OriginKind::Any]);
        assert_eq!(p.credentials.known(), Some(&true));
        assert!(!p.credentials.explicit);
        assert_eq!(p.max_age.known(), Some(&DEFAULT_MAX_AGE));
        assert_eq!(p.methods.known().map(Vec::len), Some(6));
        assert_eq!(&text[p.span.start()..p.span.end()], "nginx.ingress.kubernetes.io/enable-cors: \"true\"");
        let ing = &project.deploy.ingresses[0];
        assert_eq!(ing.backends().next().map(|b| b.service.value.as_str()), Some("api"));
        assert_eq!(ing.backends().next().and_then(|b| b.port.clone()), Some(ServicePort::Number(8000)));
        assert_eq!(project.deploy.ingress_of(p).and_then(|i| i.name.as_ref()).map(|n| n.value.as_str()), Some("api"));
    }

    #[test]
    fn disabled_or_absent_cors_has_no_policy() {
        for v in ["\"false\"", "\"yes\"", "\"\""] {
            let text = ingress(&format!("    nginx.ingress.kubernetes.io/enable-cors: {v}\n"));
            assert_eq!(policy_of(&text).1, 0, "{v}");
        }
        assert_eq!(policy_of(&ingress("    a: b\n")).1, 0);
    }

    #[test]
    fn invalid_lists_fall_back_to_defaults_and_placeholders_are_unknown() {
        let text = ingress(
            "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-headers: \"*\"\n    nginx.ingress.kubernetes.io/cors-max-age: \"600\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"{{ .Values.origin }}\"\n    nginx.ingress.kubernetes.io/cors-expose-headers: \"*, X-Total\"\n",
        );
        let (project, _) = policy_of(&text);
        let p = &project.policies[0];
        assert!(!p.headers.explicit);
        assert_eq!(p.headers.known().map(Vec::len), Some(9));
        assert_eq!(p.max_age.known(), Some(&600));
        assert!(p.origins.has_unknown && p.origins.entries.is_empty());
        let expose: Vec<&str> = p.expose_headers.known().unwrap().iter().map(|s| s.value.as_str()).collect();
        assert_eq!(expose, vec!["*", "X-Total"]);
    }
}
