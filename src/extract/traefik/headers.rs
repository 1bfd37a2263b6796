//! The `headers` fields of a Traefik middleware, as each source writes them, read into one
//! [`TraefikHeaders`].
//!
//! Key names: custom resources go through the Kubernetes API, whose schema prunes unknown fields,
//! so only the exact camelCase names count there; labels and dynamic files go through Traefik's
//! own decoder, which matches field names case-insensitively.

use crate::extract::yaml::{go_parse_bool, span, spanned, written};
use crate::model::deploy::{Field, TraefikHeaders, Written};
use crate::parse::yaml::Node;
use crate::source::{FileId, Span, Spanned};

/// A value of a headers field: a YAML node (custom resource, dynamic file) or a label value.
#[derive(Clone)]
pub(super) enum Source<'a> {
    Node(Node<'a>),
    Label(Written),
}

impl Source<'_> {
    /// A list field: a YAML sequence, or a comma-separated string (labels, and a string in a file).
    fn list(&self, file: FileId) -> Vec<Written> {
        let parts = match self {
            Source::Node(n) if n.is_sequence() => return n.items().filter_map(|i| written(i, file)).collect(),
            Source::Node(n) => written(*n, file).map(|w| w.comma_parts()).unwrap_or_default(),
            Source::Label(w) => w.comma_parts(),
        };
        parts.into_iter().filter(|p| !p.value.is_empty()).collect()
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Source::Node(n) => n.scalar().and_then(|s| match s.kind {
                crate::parse::yaml::ScalarKind::Bool(b) => Some(b),
                _ => go_parse_bool(s.value.trim()),
            }),
            Source::Label(w) => go_parse_bool(w.value.trim()),
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Source::Node(n) => n.as_str()?.trim().parse().ok(),
            Source::Label(w) => w.value.trim().parse().ok(),
        }
    }

    fn has_placeholder(&self, file: FileId) -> bool {
        match self {
            Source::Node(n) => written(*n, file).is_some_and(|w| w.has_placeholder()),
            Source::Label(w) => w.has_placeholder(),
        }
    }
}

const FIELDS: &[&str] = &[
    "accessControlAllowOriginList",
    "accessControlAllowOriginListRegex",
    "accessControlAllowCredentials",
    "accessControlAllowMethods",
    "accessControlAllowHeaders",
    "accessControlExposeHeaders",
    "accessControlMaxAge",
    "addVaryHeader",
];

/// Fills one headers field; `name` is compared case-insensitively against [`FIELDS`].
pub(super) fn set_field(headers: &mut TraefikHeaders, name: &str, key: Span, value: Source<'_>, file: FileId) {
    let Some(field) = FIELDS.iter().find(|f| f.eq_ignore_ascii_case(name)) else { return };
    // Items are kept as written, placeholders included: the policy decides what each one means.
    let list = |headers: &mut TraefikHeaders| {
        let items = value.list(file);
        headers.has_unknown |= items.iter().any(Written::has_placeholder);
        Some(Field { key, value: items })
    };
    match *field {
        "accessControlAllowOriginList" => headers.origin_list = list(headers),
        "accessControlAllowOriginListRegex" => headers.origin_list_regex = list(headers),
        "accessControlAllowMethods" => headers.methods = list(headers),
        "accessControlAllowHeaders" => headers.headers = list(headers),
        "accessControlExposeHeaders" => headers.expose_headers = list(headers),
        "accessControlAllowCredentials" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.credentials = Some(Field { key, value: value.boolean() });
        }
        "accessControlMaxAge" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.max_age = Some(Field { key, value: value.int() });
        }
        "addVaryHeader" => {
            headers.has_unknown |= value.has_placeholder(file);
            headers.add_vary_header = Some(Field { key, value: value.boolean() });
        }
        _ => {}
    }
}

/// The `headers` mapping of a custom resource (exact names) or a dynamic file (any case).
pub(super) fn headers_from_node(node: Node<'_>, file: FileId, exact_names: bool) -> TraefikHeaders {
    let mut headers = TraefikHeaders::default();
    for (k, v) in node.entries() {
        let Some(name) = k.as_str() else { continue };
        if exact_names && !FIELDS.contains(&name) && name != "customResponseHeaders" {
            let known = FIELDS.iter().chain(&["customResponseHeaders"]).any(|f| f.eq_ignore_ascii_case(name));
            if known {
                headers.pruned_keys.push(Spanned::new(name.to_string(), span(k, file)));
            }
            continue;
        }
        if name.eq_ignore_ascii_case("customResponseHeaders") {
            for (hk, hv) in v.entries() {
                let (Some(header), Some(value)) = (spanned(hk, file), written(hv, file)) else { continue };
                headers.custom_response_headers.push((header, value));
            }
            continue;
        }
        set_field(&mut headers, name, span(k, file), Source::Node(v), file);
    }
    headers
}

#[cfg(test)]
mod tests {
    use crate::extract::traefik::test_support::run;
    use crate::model::OriginKind;

    #[test]
    fn placeholders_are_unknown() {
        let text = "services:\n  api:\n    labels:\n      - traefik.http.middlewares.c.headers.accesscontrolalloworiginlist=https://${DOMAIN}\n";
        let project = run(text);
        let p = &project.policies[0];
        assert!(p.origins.has_unknown && p.origins.entries.is_empty());
    }

    #[test]
    fn a_placeholder_in_one_origin_leaves_the_others_known() {
        let text = "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList:\n      - \"https://${platform_domain}\"\n      - \"https://*.${platform_domain}\"\n      - \"*\"\n    accessControlAllowMethods: [GET, \"${EXTRA_METHOD}\"]\n    accessControlAllowCredentials: true\n";
        let project = run(text);
        let p = &project.policies[0];
        let kinds: Vec<&OriginKind> = p.origins.entries.iter().map(|e| &e.kind).collect();
        assert_eq!(kinds, [&OriginKind::Literal("https://*.${platform_domain}".into()), &OriginKind::Any]);
        assert!(p.origins.has_unknown);
        assert_eq!(p.methods.known(), None, "a placeholder among the methods makes the list unknown");
        assert_eq!(p.credentials.known(), Some(&true));
    }
}
