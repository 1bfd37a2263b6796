//! Reading YAML nodes as model values; shared by the deployment-layer extractors.

use crate::model::deploy::Written;
use crate::parse::yaml::Node;
use crate::source::{FileId, Span, Spanned};

pub(super) fn span(node: Node<'_>, file: FileId) -> Span {
    node.range().in_file(file)
}

/// A scalar as a [`Written`] value (`None` for a collection or an unresolvable alias).
pub(super) fn written(node: Node<'_>, file: FileId) -> Option<Written> {
    let scalar = node.scalar()?;
    Some(Written { value: scalar.value.clone(), span: span(node, file), text_start: scalar.verbatim.map(|r| r.start) })
}

/// A scalar's value with its span.
pub(super) fn spanned(node: Node<'_>, file: FileId) -> Option<Spanned<String>> {
    Some(Spanned::new(node.as_str()?.to_string(), span(node, file)))
}

/// A scalar's value, for a field that is not pointed at.
pub(super) fn string(node: Option<Node<'_>>) -> Option<String> {
    node.and_then(|n| n.as_str()).map(str::to_string)
}

/// A scalar, or each scalar item of a sequence: list fields written either way.
pub(super) fn scalar_list(node: Node<'_>, file: FileId) -> Vec<Written> {
    if node.is_sequence() {
        node.items().filter_map(|item| written(item, file)).collect()
    } else {
        written(node, file).into_iter().collect()
    }
}

/// `key: value` pairs of a mapping of scalars (labels, selectors).
pub(super) fn string_pairs(node: Option<Node<'_>>) -> Vec<(String, String)> {
    let Some(node) = node else { return Vec::new() };
    node.entries().into_iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string()))).collect()
}

/// The document's `apiVersion` and `kind`, when it is a Kubernetes object.
pub(super) fn kind_of<'a>(doc: Node<'a>) -> Option<(&'a str, &'a str)> {
    Some((doc.get("apiVersion")?.as_str()?, doc.get("kind")?.as_str()?))
}

/// Go's `strconv.ParseBool`, which ingress-nginx annotations and Traefik labels go through.
pub(super) fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}
