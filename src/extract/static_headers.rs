//! Fixed response headers from configuration files ([`Layer::NextHeaders`],
//! [`Layer::VercelHeaders`], [`Layer::NetlifyHeaders`], [`Layer::NetlifyHeadersFile`]): each rule
//! that sets an `Access-Control-*` header becomes one policy whose values are the literals
//! written, so the rules lint them as they lint any layer's (what the platforms do with them:
//! `model::layer::static_headers`).
//!
//! Within a rule the last entry of a name wins (Next.js documents it; Netlify's parser merges
//! that way). Credentials come from the rule itself: a rule without
//! `Access-Control-Allow-Credentials` sends none, and one without `Access-Control-Allow-Origin`
//! leaves the origin to other rules (Unknown).

use crate::model::nginx::Arg;
use crate::model::{
    CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, Project, Setting, Value, WrittenHeader,
};
use crate::parse::Parsed;
use crate::parse::static_headers::{Header, HeaderRule, Literal, Platform};
use crate::source::{FileId, Span, Spanned};

/// Adds a policy for every header rule of the project's platform files and `next.config.*`
/// `headers()` that sets a CORS header.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    let mut policies = Vec::new();
    let mut written = Vec::new();
    for (file, tree) in parsed.iter().enumerate() {
        let Some(source) = project.file(file) else { continue };
        if is_example(&source.path) {
            continue;
        }
        let (layer, rules) = match tree {
            Parsed::StaticHeaders(headers) => (layer_of(headers.platform), headers.rules.clone()),
            Parsed::JavaScript(js) => {
                let name = source.path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
                if !name.is_some_and(|n| super::javascript::next_headers::is_next_config(&n)) {
                    continue;
                }
                (Layer::NextHeaders, super::javascript::next_headers::rules(js.root(), &source.text))
            }
            _ => continue,
        };
        policies.extend(rules.iter().filter_map(|rule| policy(file, layer, rule)));
        written.extend(rules.iter().flat_map(|rule| written_headers(file, rule, &source.text)));
    }
    project.policies.extend(policies);
    project.written_headers.extend(written);
}

/// Directories of demos and tests (issue #16: they are not the app): a framework repository's
/// `examples/with-cors/next.config.js` shows a setup, it deploys nothing.
const NOT_DEPLOYED_DIRS: &[&str] = &["examples", "test", "tests", "__tests__", "e2e"];

fn is_example(path: &std::path::Path) -> bool {
    path.parent()
        .into_iter()
        .flat_map(std::path::Path::components)
        .any(|c| c.as_os_str().to_str().is_some_and(|d| NOT_DEPLOYED_DIRS.contains(&d)))
}

fn layer_of(platform: Platform) -> Layer {
    match platform {
        Platform::Vercel => Layer::VercelHeaders,
        Platform::NetlifyToml => Layer::NetlifyHeaders,
        Platform::NetlifyFile => Layer::NetlifyHeadersFile,
        Platform::Next => Layer::NextHeaders,
    }
}

/// The last entry of `name` (case-insensitive) in the rule.
fn last<'r>(rule: &'r HeaderRule, name: &str) -> Option<&'r Header> {
    rule.headers.iter().rev().find(|h| h.name.trim().eq_ignore_ascii_case(name))
}

fn unknown<T>(span: Span) -> Setting<T> {
    Setting { value: Value::Unknown, span, explicit: false }
}

fn policy(file: FileId, layer: Layer, rule: &HeaderRule) -> Option<CorsPolicy> {
    if !rule.headers.iter().any(|h| h.name.trim().to_ascii_lowercase().starts_with("access-control-")) {
        return None;
    }
    let span = Span::new(file, rule.range.start, rule.range.end);
    let at = |l: &Literal| Span::new(file, l.range.start, l.range.end);
    let mut origins = Origins::default();
    match last(rule, "access-control-allow-origin").map(|h| &h.value) {
        Some(Some(value)) => {
            let kind =
                if value.value.trim() == "*" { OriginKind::Any } else { OriginKind::Literal(value.value.clone()) };
            origins.entries.push(OriginEntry { kind, span: at(value), text_start: value.verbatim_start });
        }
        // Not a literal, or sent by another rule (or by the app behind).
        Some(None) | None => origins.has_unknown = true,
    }
    let credentials = match last(rule, "access-control-allow-credentials") {
        Some(Header { value: Some(v), .. }) => Setting::explicit(Value::Known(v.value.trim() == "true"), at(v)),
        Some(h) => Setting::explicit(Value::Unknown, Span::new(file, h.range.start, h.range.end)),
        None => Setting::default_at(false, span),
    };
    let names = |name: &str| match last(rule, name) {
        Some(Header { value: Some(v), .. }) => Setting::explicit(Value::Known(name_list(file, v)), at(v)),
        _ => unknown(span),
    };
    let max_age = match last(rule, "access-control-max-age") {
        Some(Header { value: Some(v), .. }) => match v.value.trim().parse::<u64>() {
            Ok(age) => Setting::explicit(Value::Known(age), at(v)),
            Err(_) => unknown(span),
        },
        _ => unknown(span),
    };
    Some(CorsPolicy {
        layer,
        span,
        origins,
        credentials,
        methods: names("access-control-allow-methods"),
        headers: names("access-control-allow-headers"),
        expose_headers: names("access-control-expose-headers"),
        max_age,
    })
}

/// The rule's headers that are meant as CORS ones (a name with `access-control` in it, however
/// misspelled after that), as written.
fn written_headers(file: FileId, rule: &HeaderRule, text: &str) -> Vec<WrittenHeader> {
    let meant_as_cors = |name: &str| name.to_ascii_lowercase().replace('_', "-").contains("access-control");
    rule.headers
        .iter()
        .filter(|h| meant_as_cors(&h.name))
        .map(|h| {
            // The name itself, inside the quotes of a JSON or JavaScript string.
            let range = h.name_range;
            let inner = (range.start + 1, range.end.saturating_sub(1));
            let (start, end) = match text.get(inner.0..inner.1) {
                Some(quoted) if quoted == h.name && range.len() >= 2 => inner,
                _ => (range.start, range.end),
            };
            let verbatim = text.get(start..end) == Some(h.name.as_str());
            let name = Arg::new(h.name.clone(), Span::new(file, start, end), verbatim.then_some(start));
            let value = h
                .value
                .as_ref()
                .map(|v| Arg::new(v.value.clone(), Span::new(file, v.range.start, v.range.end), v.verbatim_start));
            WrittenHeader { name, value }
        })
        .collect()
}

/// A comma list, each name pointing at itself where the value is written verbatim.
fn name_list(file: FileId, value: &Literal) -> NameList {
    let mut out = Vec::new();
    let mut offset = 0;
    for part in value.value.split(',') {
        let trimmed = part.trim();
        let lead = part.len() - part.trim_start().len();
        if !trimmed.is_empty() {
            let span = match value.verbatim_start {
                Some(start) => Span::new(file, start + offset + lead, start + offset + lead + trimmed.len()),
                None => Span::new(file, value.range.start, value.range.end),
            };
            out.push(Spanned { value: trimmed.to_owned(), span });
        }
        offset += part.len() + 1;
    }
    out
}
