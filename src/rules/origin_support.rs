//! What the origin rules (CORS101–108, 206, 207) share: how each layer compares a configured origin,
//! where a position inside a written value lies in the file, the credentials label, and how each
//! layer spells a setting in a `help`.

use crate::analysis::origin::LiteralContext;
use crate::analysis::pattern::{PatternReport, analyze_pattern};
use crate::diagnostic::Diagnostic;
use crate::model::{CorsPolicy, Layer, OriginEntry, OriginKind, PatternSemantics, Project};
use crate::source::{Span, TextRange};

/// How `layer` compares a literal origin entry with the request's `Origin`.
///
/// nginx literals are judged byte-exact: an `add_header` value is compared by the browser, and an
/// `if ($http_origin = ...)` operand by nginx, both case-sensitively. (A `map` string key is
/// case-insensitive; the model does not say which construct a literal came from.)
pub(crate) fn literal_context(layer: Layer) -> LiteralContext {
    match layer {
        Layer::IngressNginx => LiteralContext::INGRESS_NGINX,
        Layer::Starlette | Layer::Nginx | Layer::Traefik => LiteralContext::EXACT,
    }
}

/// Credentials are allowed: only a Known `true` counts (Unknown never produces a finding).
pub(crate) fn credentials_allowed(policy: &CorsPolicy) -> bool {
    policy.credentials.known() == Some(&true)
}

/// The span in the file of `range` (byte offsets within `value`), when the entry's text is `value`
/// written verbatim (ASCII case aside: ingress-nginx origins are lowered); else the whole entry.
pub(crate) fn span_within(project: &Project, entry: &OriginEntry, value: &str, range: TextRange) -> Span {
    let whole = entry.span;
    let (Some(start), Some(file)) = (entry.text_start, project.file(whole.file)) else { return whole };
    let written = file.text.get(start..start.saturating_add(value.len()));
    if range.end > value.len() || !written.is_some_and(|w| w.eq_ignore_ascii_case(value)) {
        return whole;
    }
    Span::new(whole.file, start + range.start, start + range.end)
}

/// Sets the primary label and points at the credentials setting; a default declared at the same
/// place as the finding (ingress-nginx's `enable-cors`) goes into the primary label instead.
pub(crate) fn label_with_credentials<'d>(
    diagnostic: &'d mut Diagnostic,
    policy: &CorsPolicy,
    primary: &str,
) -> &'d mut Diagnostic {
    let credentials = &policy.credentials;
    let what = if credentials.explicit { "credentials are allowed here" } else { "credentials are allowed by default" };
    if credentials.span == diagnostic.span {
        diagnostic.primary(format!("{primary}, and {what}"))
    } else {
        diagnostic.primary(primary).label(credentials.span, what)
    }
}

/// The pattern of an entry and its analysis; `None` for other entries and for patterns that could
/// not be analysed (never a finding by themselves).
pub(crate) fn analyzed_pattern(entry: &OriginEntry) -> Option<(&str, PatternReport)> {
    let OriginKind::Pattern { pattern, semantics } = &entry.kind else { return None };
    let report = analyze_pattern(pattern, *semantics);
    report.unanalyzable.is_none().then_some((pattern.as_str(), report))
}

/// What the pattern is called in messages.
pub(crate) fn pattern_noun(semantics: PatternSemantics) -> &'static str {
    match semantics {
        PatternSemantics::Glob => "origin glob",
        PatternSemantics::Prefix => "origin prefix",
        _ => "origin regex",
    }
}

/// The pattern's semantics, for an entry known to be a pattern.
pub(crate) fn semantics_of(entry: &OriginEntry) -> Option<PatternSemantics> {
    match &entry.kind {
        OriginKind::Pattern { semantics, .. } => Some(*semantics),
        _ => None,
    }
}

/// The CORS settings a `help` may show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Origins,
    Methods,
    Headers,
    ExposeHeaders,
    MaxAge,
}

impl Field {
    /// The response header the setting becomes.
    pub(crate) fn header(self) -> &'static str {
        match self {
            Field::Origins => "Access-Control-Allow-Origin",
            Field::Methods => "Access-Control-Allow-Methods",
            Field::Headers => "Access-Control-Allow-Headers",
            Field::ExposeHeaders => "Access-Control-Expose-Headers",
            Field::MaxAge => "Access-Control-Max-Age",
        }
    }
}

/// How `layer` writes `field` set to `values`, as code for a `help`.
pub(crate) fn write_setting(layer: Layer, field: Field, values: &[&str]) -> String {
    match layer {
        Layer::Starlette => {
            let key = match field {
                Field::Origins => "allow_origins",
                Field::Methods => "allow_methods",
                Field::Headers => "allow_headers",
                Field::ExposeHeaders => "expose_headers",
                Field::MaxAge => "max_age",
            };
            if field == Field::MaxAge {
                format!("{key}={}", values.join(""))
            } else {
                let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                format!("{key}=[{}]", items.join(", "))
            }
        }
        Layer::Nginx if field == Field::Origins => format!(
            "map $http_origin $cors_origin {{ default \"\"; \"{}\" $http_origin; }} with \
             `add_header Access-Control-Allow-Origin $cors_origin always;`",
            values.join("\" $http_origin; \"")
        ),
        Layer::Nginx if field == Field::MaxAge => format!("add_header {} {} always;", field.header(), values.join("")),
        Layer::Nginx => format!("add_header {} \"{}\" always;", field.header(), values.join(", ")),
        Layer::IngressNginx => {
            let key = match field {
                Field::Origins => "cors-allow-origin",
                Field::Methods => "cors-allow-methods",
                Field::Headers => "cors-allow-headers",
                Field::ExposeHeaders => "cors-expose-headers",
                Field::MaxAge => "cors-max-age",
            };
            format!("nginx.ingress.kubernetes.io/{key}: \"{}\"", values.join(", "))
        }
        Layer::Traefik => {
            let key = match field {
                Field::Origins => "accessControlAllowOriginList",
                Field::Methods => "accessControlAllowMethods",
                Field::Headers => "accessControlAllowHeaders",
                Field::ExposeHeaders => "accessControlExposeHeaders",
                Field::MaxAge => "accessControlMaxAge",
            };
            if field == Field::MaxAge {
                format!("{key}: {}", values.join(""))
            } else {
                format!("{key}: [{}]", values.join(", "))
            }
        }
    }
}

/// A one-label glob origin (`https://*.example.com`) as an anchored regex for a layer that has
/// origin regexes.
pub(crate) fn glob_as_regex(glob: &str) -> String {
    regex::escape(glob).replace(r"\*", "[a-z0-9-]+")
}

/// How `layer` trusts a set of origins by regex, as code for a `help`; `None` where it has none.
pub(crate) fn write_origin_regex(layer: Layer, regex: &str) -> Option<String> {
    match layer {
        Layer::Starlette => Some(format!("allow_origin_regex=r\"{regex}\"")),
        Layer::Nginx => Some(format!(
            "map $http_origin $cors_origin {{ default \"\"; \"~^{regex}$\" $http_origin; }} with \
             `add_header Access-Control-Allow-Origin $cors_origin always;`"
        )),
        Layer::Traefik => Some(format!("accessControlAllowOriginListRegex: [\"^{regex}$\"]")),
        Layer::IngressNginx => None,
    }
}

/// Every entry of every policy, with its policy.
pub(crate) fn entries(project: &Project) -> impl Iterator<Item = (&CorsPolicy, &OriginEntry)> {
    project.policies.iter().flat_map(|p| p.origins.entries.iter().map(move |e| (p, e)))
}

/// `seconds` in words when it is a whole number of minutes, hours or days: `20 days`.
pub(crate) fn in_words(seconds: u64) -> Option<String> {
    let unit = |n: u64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    [(86400, "day"), (3600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds >= *size && seconds.is_multiple_of(*size))
        .map(|(size, name)| unit(seconds / size, name))
}

/// `1728000 s (20 days)`.
pub(crate) fn duration(seconds: u64) -> String {
    match in_words(seconds) {
        Some(words) => format!("{seconds} s ({words})"),
        None => format!("{seconds} s"),
    }
}
