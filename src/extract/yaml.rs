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

/// Whether `value` holds a placeholder (`${NAME}`, `$NAME`, a masked template expression).
pub(super) fn has_placeholder(value: &str) -> bool {
    !placeholder_ranges(value).is_empty()
}

/// Where placeholders stand in a value: `${NAME}` (envsubst, Terraform, masked `{{ }}`) and `$NAME`.
fn placeholder_ranges(value: &str) -> Vec<(usize, usize)> {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'$' || bytes.get(i + 1) == Some(&b'$') {
            i += if b == b'$' { 2 } else { 1 };
            continue;
        }
        let end = match bytes.get(i + 1) {
            Some(b'{') => bytes.get(i..).and_then(|r| r.iter().position(|&c| c == b'}')).map(|p| i + p + 1),
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let len = bytes
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                Some(i + 1 + len)
            }
            _ => None,
        };
        match end {
            Some(end) => {
                out.push((i, end));
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// What a placeholder may stand for when judging whether a value can ever be an origin: nothing,
/// a label, a port, a host, a host and port, a whole origin, `*`.
const PLACEHOLDER_PROBES: &[&str] =
    &["", "a", "8080", "app.example.com", "app.example.com:8080", "https://app.example.com", "*"];

/// Values with more placeholders than this are left Unknown (the probes multiply).
const MAX_PROBED_PLACEHOLDERS: usize = 3;

/// Whether a value holding placeholders can never equal a browser's `Origin` (nor be `*` or
/// `null`), whatever the placeholders stand for: `https://*.${DOMAIN}` (a `*` where the layer does
/// not glob), `https://${DOMAIN}://localhost:5173`, `${ORIGIN}/`. Such a value is CORS104 like
/// any literal; every other value with a placeholder is Unknown.
pub(super) fn never_an_origin(value: &str, context: crate::analysis::origin::LiteralContext) -> bool {
    use crate::analysis::origin::check_origin_literal;
    for_every_substitution(value, |probe| check_origin_literal(probe, context).never_matches())
}

/// Whether `holds` is true of `value` whatever its placeholders stand for (tried with
/// [`PLACEHOLDER_PROBES`]); false for a value without placeholders or with too many.
pub(super) fn for_every_substitution(value: &str, holds: impl Fn(&str) -> bool) -> bool {
    let placeholders = placeholder_ranges(value);
    if placeholders.is_empty() || placeholders.len() > MAX_PROBED_PLACEHOLDERS {
        return false;
    }
    let mut choice = vec![0usize; placeholders.len()];
    loop {
        let picks = choice.iter().map(|&pick| PLACEHOLDER_PROBES.get(pick).copied().unwrap_or(""));
        if !holds(&substitute(value, &placeholders, picks)) {
            return false;
        }
        // The next combination, like an odometer.
        let mut digit = 0;
        loop {
            let Some(slot) = choice.get_mut(digit) else { return true };
            *slot += 1;
            if *slot < PLACEHOLDER_PROBES.len() {
                break;
            }
            *slot = 0;
            digit += 1;
        }
    }
}

/// `value` with every placeholder replaced by `replacement` (to word a message about the rest).
pub(super) fn with_placeholders_as(value: &str, replacement: &str) -> String {
    let placeholders = placeholder_ranges(value);
    substitute(value, &placeholders, std::iter::repeat(replacement))
}

fn substitute<'r>(value: &str, placeholders: &[(usize, usize)], picks: impl Iterator<Item = &'r str>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for (&(start, end), pick) in placeholders.iter().zip(picks) {
        out.push_str(value.get(at..start).unwrap_or(""));
        out.push_str(pick);
        at = end;
    }
    out.push_str(value.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::origin::LiteralContext;

    #[test]
    fn placeholders_are_found_in_every_spelling() {
        assert_eq!(placeholder_ranges("https://${A}.${ b }:$PORT/$$x"), [(8, 12), (13, 19), (20, 25)]);
        assert!(placeholder_ranges("price: 5$ and $$HOME").is_empty());
    }

    #[test]
    fn a_value_is_never_an_origin_only_whatever_its_placeholders_hold() {
        for never in [
            "https://*.${platform_api_domain}",
            "https://${DOMAIN}://localhost:5173",
            "${ORIGIN}/",
            "https://${HOST}/app",
        ] {
            assert!(never_an_origin(never, LiteralContext::EXACT), "{never}");
        }
        for maybe in [
            "https://${DOMAIN}",
            "${ORIGIN}",
            "http://${HOST}:${PORT}",
            "https://app.${DOMAIN}",
            "https://a.com",
            "${A}${B}${C}${D}/",
        ] {
            assert!(!never_an_origin(maybe, LiteralContext::EXACT), "{maybe}");
        }
        // ingress-nginx globs a leading `*.`.
        assert!(!never_an_origin("https://*.${DOMAIN}", LiteralContext::INGRESS_NGINX));
    }
}
