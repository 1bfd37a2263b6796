//! CORS104: an allowed origin that can never equal what a browser sends in `Origin` (trailing `/`,
//! path, missing scheme, default port, upper case, whitespace, `*` where the layer does not glob),
//! and origin patterns that require such a thing. The help shows the origin as browsers send it.

use crate::analysis::origin::{LiteralContext, OriginCheck, OriginProblemKind, check_origin_literal};
use crate::diagnostic::{Edit, Severity};
use crate::model::deploy::OriginNote;
use crate::model::layer::Field;
use crate::model::{CorsPolicy, Layer, OriginEntry, OriginKind, Project};
use crate::rules::origin_support::{analyzed_pattern, glob_as_regex, pattern_noun, semantics_of, span_within};
use crate::rules::{Rule, Sink};
use crate::source::Span;

pub struct OriginNeverMatches;

impl Rule for OriginNeverMatches {
    const CODE: &'static str = "CORS104";
    const NAME: &'static str = "origin-never-matches";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        let explained = app_notes(project, sink);
        for (index, policy) in project.policies.iter().enumerate() {
            for (position, entry) in policy.origins.entries.iter().enumerate() {
                match &entry.kind {
                    OriginKind::Literal(value) => {
                        let check = check_origin_literal(value, policy.layer.spec().literal_context());
                        if check.never_matches() && !explained.contains(&(index, position)) {
                            report_literal(project, sink, policy, entry, value, &check);
                        }
                    }
                    OriginKind::Pattern { pattern, .. } => {
                        let Some(kind) = analyzed_pattern(entry).and_then(|(_, r)| r.never_matches) else { continue };
                        let noun = semantics_of(entry).map_or("origin pattern", pattern_noun);
                        let message = format!(
                            "the {noun} `{pattern}` never matches a browser's `Origin`: it requires {}",
                            reason(kind, policy.layer)
                        );
                        sink.report(entry.span, message).primary(label(kind)).help(
                            "match the origin as browsers send it: `scheme://host[:port]` in lower case, without the \
                         default port, a trailing `/` or a path",
                        );
                    }
                    OriginKind::Any | OriginKind::Reflect => {}
                }
            }
        }
        ingress_fallbacks(project, sink);
        nginx_values(project, sink);
    }
}

/// nginx: an `Access-Control-Allow-Origin` built from what is never a cross-origin request's
/// origin (`$request_uri`, `$host`, `$scheme://$host`, or text around a placeholder that rules an
/// origin out).
fn nginx_values(project: &Project, sink: &mut Sink) {
    use crate::model::nginx::NeverOrigin;
    use crate::model::nginx::syntax::header;
    let model = &project.nginx;
    let mut reported = std::collections::HashSet::new();
    for (ctx, headers) in model.cors_contexts() {
        for h in headers.iter().filter(|h| h.is(header::ALLOW_ORIGIN)) {
            let facts = model.origin_facts(ctx.block, h.value);
            let Some((value, why)) = &facts.never_origin else { continue };
            if !reported.insert(value.span) {
                continue;
            }
            let what = match &why {
                NeverOrigin::Variable(var) => match var.as_str() {
                    "request_uri" | "uri" | "document_uri" => {
                        format!("`${var}` is the request's path (`/api/items?page=2`), never an origin")
                    }
                    "http_referer" => format!("`${var}` is the calling page's URL, path included, never an origin"),
                    "remote_addr" => format!("`${var}` is the client's IP address, never an origin"),
                    _ => format!("`${var}` is a host name without a scheme, never an origin"),
                },
                NeverOrigin::OwnOrigin => "this is the server's own origin, and a cross-origin request always                                            comes from another one"
                    .to_owned(),
                NeverOrigin::Shape(shape) => {
                    format!("whatever the placeholders hold, the text around them gives it {shape}")
                }
            };
            sink.report(
                value.span,
                format!(
                    "`Access-Control-Allow-Origin: {}` never matches a browser's `Origin`: {what}, so every                      cross-origin request is blocked",
                    value.value
                ),
            )
            .primary("not the caller's origin")
            .help(
                "send the allowed origin: `$http_origin` chosen by a `map $http_origin $cors_origin { ... }` \
                 allowlist, or a fixed `https://app.example.com`",
            );
        }
    }
}

/// Apps: causes the origin strings do not show (`str()` of a pydantic URL, a nested list), reported
/// once at the construct that causes them, in the words of the app's CORS component. Returns the
/// entries already explained.
fn app_notes(project: &Project, sink: &mut Sink) -> Vec<(usize, usize)> {
    use crate::model::app::OriginNoteKind;
    let mut explained = Vec::new();
    for setup in project.apps.iter().flat_map(|a| &a.cors) {
        let Some(policy) = project.policies.get(setup.policy) else { continue };
        let layer = policy.layer.spec().app();
        let mut slash_calls: Vec<crate::source::Span> = Vec::new();
        for note in &setup.origin_notes {
            match note.kind {
                OriginNoteKind::UrlTrailingSlash => {
                    if !slash_calls.contains(&note.span) {
                        slash_calls.push(note.span);
                    }
                }
                OriginNoteKind::RefusedAtStartup => {
                    let Some(advice) = layer.map(|l| l.never_an_origin(note.kind)) else { continue };
                    sink.report(note.span, advice.message)
                        .primary("refused at startup by the library's own check")
                        .help(advice.help)
                        .severity(Severity::Warning);
                }
                OriginNoteKind::UrlObject | OriginNoteKind::NestedList | OriginNoteKind::WildcardInList => {
                    let Some(advice) = layer.map(|l| l.never_an_origin(note.kind)) else { continue };
                    let primary = match note.kind {
                        OriginNoteKind::NestedList => "a list, not an origin",
                        OriginNoteKind::WildcardInList => "compared as a string, not a wildcard",
                        _ => "a URL object, not an origin string",
                    };
                    sink.report(note.span, advice.message).primary(primary).help(advice.help);
                }
            }
        }
        for call in slash_calls {
            let affected: Vec<usize> = setup
                .origin_notes
                .iter()
                .filter(|n| n.kind == OriginNoteKind::UrlTrailingSlash && n.span == call)
                .filter_map(|n| n.entry)
                .collect();
            let entries: Vec<(usize, &OriginEntry)> =
                affected.iter().filter_map(|&i| policy.origins.entries.get(i).map(|e| (i, e))).collect();
            let shown: Vec<String> = entries
                .iter()
                .filter_map(|(_, e)| match &e.kind {
                    OriginKind::Literal(v) => Some(format!("`{v}`")),
                    _ => None,
                })
                .take(3)
                .collect();
            let message = format!(
                "`str()` of a pydantic URL appends `/` to every origin ({}): browsers send the origin without it, \
                 so these never match",
                shown.join(", ")
            );
            let diagnostic =
                sink.report(call, message).primary("appends `/`").help("strip it: `str(origin).rstrip(\"/\")`");
            // Only a call written `str(...)`: the fix appends to that very call.
            let written = project.file(call.file).map(|f| f.slice(call.range));
            if written.is_some_and(|w| w.starts_with("str(") && w.ends_with(')')) {
                let end = Span::new(call.file, call.end(), call.end());
                diagnostic.fix("strip the `/`", vec![Edit { span: end, content: ".rstrip(\"/\")".into() }]);
            }
            for (i, entry) in entries {
                explained.push((setup.policy, i));
                diagnostic.label(entry.span, "sent by browsers without the trailing `/`");
            }
        }
    }
    explained
}

/// ingress-nginx's per-origin check dropped `entry` (its layer records it).
fn is_skipped_by_ingress(project: &Project, policy: &CorsPolicy, entry: &OriginEntry) -> bool {
    let notes = project.deploy.ingress_of(policy).and_then(|i| i.cors.as_ref()).map(|c| c.origin_notes.as_slice());
    notes
        .unwrap_or_default()
        .iter()
        .any(|note| matches!(note, OriginNote::OriginSkipped { origin, .. } if origin.span == entry.span))
}

/// ingress-nginx: an origin that makes the whole `cors-allow-origin` value fail validation, which
/// then becomes `*` (the policy holds only that `Any`; the layer records why in its notes).
fn ingress_fallbacks(project: &Project, sink: &mut Sink) {
    for policy in &project.policies {
        let Some(cors) = project.deploy.ingress_of(policy).and_then(|i| i.cors.as_ref()) else { continue };
        for note in &cors.origin_notes {
            let OriginNote::InvalidValueAllowsAny { offending, reason, .. } = note else { continue };
            let message = format!(
                "`{}` fails ingress-nginx's validation ({reason}), so ingress-nginx ignores the whole \
                 `cors-allow-origin` value and allows every origin (`*`) instead",
                offending.value
            );
            let help = match check_origin_literal(&offending.value, LiteralContext::EXACT).corrected {
                Some(corrected) => format!("write `{corrected}`, the origin as browsers send it"),
                None => "write the origin as `scheme://host[:port]`, e.g. `https://app.example.com`".to_owned(),
            };
            sink.report(offending.span, message).primary("ingress-nginx falls back to `*` here").help(help);
        }
    }
}

fn report_literal(
    project: &Project,
    sink: &mut Sink,
    policy: &CorsPolicy,
    entry: &OriginEntry,
    value: &str,
    check: &OriginCheck,
) {
    let mut problems = check.problems.clone();
    problems.sort_by_key(|p| p.range);
    let mut kinds: Vec<OriginProblemKind> = Vec::new();
    for p in &problems {
        if !kinds.contains(&p.kind) {
            kinds.push(p.kind);
        }
    }
    let reasons: Vec<String> = kinds.iter().map(|k| reason(*k, policy.layer)).collect();
    let mut message = format!("`{value}` never matches a browser's `Origin`: it has {}", reasons.join(", and "));
    if is_skipped_by_ingress(project, policy, entry) {
        message.push_str("; ingress-nginx's validation drops it from `cors-allow-origin`");
    }
    let Some(first) = problems.first() else { return };
    let primary = span_within(project, entry, value, first.range);
    let diagnostic = sink.report(primary, message).primary(label(first.kind)).help(help(policy.layer, value, check));
    if let Some((edit, safe)) = corrected_origin(project, entry, value, check) {
        let message = format!("write `{}`", edit.content);
        if safe {
            diagnostic.fix(message, vec![edit])
        } else {
            diagnostic.unsafe_fix(message, vec![edit])
        };
    }
    if primary != entry.span {
        for p in problems.iter().skip(1) {
            let span = span_within(project, entry, value, p.range);
            if span != primary {
                diagnostic.label(span, label(p.kind));
            }
        }
    }
}

/// The edit that writes the origin as browsers send it, where the entry is written verbatim, and
/// whether it is safe: dropping a trailing `/` or a default port, lower-casing and trimming keep
/// the origin the author meant; dropping a path or adding a scheme guesses at it.
fn corrected_origin(project: &Project, entry: &OriginEntry, value: &str, check: &OriginCheck) -> Option<(Edit, bool)> {
    use OriginProblemKind as K;
    let corrected = check.corrected.as_ref()?;
    let start = entry.text_start?;
    let end = start.checked_add(value.len())?;
    let written = project.file(entry.span.file)?.text.get(start..end)?;
    if written != value || corrected.is_empty() {
        return None;
    }
    let safe = check
        .problems
        .iter()
        .all(|p| matches!(p.kind, K::TrailingSlash | K::DefaultPort | K::UpperCase | K::Whitespace));
    Some((Edit { span: Span::new(entry.span.file, start, end), content: corrected.clone() }, safe))
}

fn help(layer: Layer, value: &str, check: &OriginCheck) -> String {
    let only = |kind| check.problems.iter().all(|p| p.kind == kind);
    if let Some(corrected) = &check.corrected {
        return format!("write `{corrected}`, the origin as browsers send it");
    }
    if only(OriginProblemKind::WildcardInLiteral) {
        let regex = glob_as_regex(value.trim());
        if let Some(setting) = layer.spec().write_origin_regex(&regex) {
            return format!("{} compares this entry as written; to allow subdomains use {setting}", layer.name());
        }
    }
    if only(OriginProblemKind::MultipleOrigins) {
        let origins: Vec<&str> =
            value.split(|c: char| c == ',' || c.is_ascii_whitespace()).filter(|o| !o.is_empty()).collect();
        return format!("write each origin as its own entry: {}", layer.spec().write_setting(Field::Origins, &origins));
    }
    if check.problems.iter().any(|p| p.kind == OriginProblemKind::OpaqueScheme) {
        return "such pages send `Origin: null`; serve them from a real origin (e.g. `http://localhost:8080`) and \
                list that"
            .to_owned();
    }
    "write the origin as `scheme://host[:port]`, e.g. `https://app.example.com`".to_owned()
}

/// Completes "it has …" / "it requires …".
fn reason(kind: OriginProblemKind, layer: Layer) -> String {
    use OriginProblemKind as K;
    match kind {
        K::Whitespace => "whitespace around the origin, which browsers never send".to_owned(),
        K::MultipleOrigins => "several origins in one entry".to_owned(),
        K::MissingScheme => "no scheme (`https://` or `http://`)".to_owned(),
        K::UpperCase => "upper-case letters, while browsers send the scheme and host in lower case".to_owned(),
        K::Userinfo => "a `user@` part, which an origin never has".to_owned(),
        K::DefaultPort => "the scheme's default port, which browsers leave out".to_owned(),
        K::InvalidPort => "a port that is not a number from 0 to 65535".to_owned(),
        K::TrailingSlash => "a trailing `/`, which browsers never send".to_owned(),
        K::Path => "a path, while an origin ends after the host and port".to_owned(),
        K::Query => "a query, while an origin ends after the host and port".to_owned(),
        K::Fragment => "a fragment, while an origin ends after the host and port".to_owned(),
        K::WildcardInLiteral => format!("a `*`, which {} compares as a character, not as a wildcard", layer.name()),
        K::NonAsciiHost => "non-ASCII characters in the host, which browsers send in punycode (`xn--...`)".to_owned(),
        K::NotCanonical => "a spelling that browsers normalize before sending it".to_owned(),
        K::OpaqueScheme => "a scheme whose pages send `Origin: null`".to_owned(),
        K::Invalid => "text that cannot be part of an origin".to_owned(),
    }
}

fn label(kind: OriginProblemKind) -> &'static str {
    use OriginProblemKind as K;
    match kind {
        K::Whitespace => "whitespace",
        K::MultipleOrigins => "a second origin starts here",
        K::MissingScheme => "no scheme",
        K::UpperCase => "upper case",
        K::Userinfo => "not part of an origin",
        K::DefaultPort => "default port",
        K::InvalidPort => "invalid port",
        K::TrailingSlash => "browsers never send this `/`",
        K::Path => "path",
        K::Query => "query",
        K::Fragment => "fragment",
        K::WildcardInLiteral => "not a wildcard here",
        K::NonAsciiHost => "browsers send this in punycode",
        K::NotCanonical => "browsers write this differently",
        K::OpaqueScheme => "such pages send `Origin: null`",
        K::Invalid => "not part of an origin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PatternSemantics;
    use crate::source::FileKind;
    use crate::test_support::Builder;

    fn literal(layer: Layer, text: &str, value: &str) -> (Builder, Vec<crate::diagnostic::Diagnostic>) {
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(layer);
        p.origins.entries.push(b.literal(value));
        b.project.policies.push(p);
        let found = b.run::<OriginNeverMatches>();
        (b, found)
    }

    #[test]
    fn trailing_slash_points_at_the_slash() {
        let (b, found) =
            literal(Layer::Starlette, "allow_origins=[\"http://localhost:3000/\"]", "http://localhost:3000/");
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(b.at(d.span), "/");
        assert_eq!(
            d.message,
            "`http://localhost:3000/` never matches a browser's `Origin`: it has a trailing `/`, which browsers \
             never send"
        );
        assert_eq!(d.primary_label.as_deref(), Some("browsers never send this `/`"));
        assert_eq!(d.help.as_deref(), Some("write `http://localhost:3000`, the origin as browsers send it"));
    }

    #[test]
    fn several_problems_are_one_finding_with_a_label_each() {
        let (b, found) = literal(Layer::Traefik, "list: HTTPS://app.example.com:443/", "HTTPS://app.example.com:443/");
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(b.at(d.span), "HTTPS");
        assert!(d.message.contains("upper-case letters"), "{}", d.message);
        assert!(d.message.contains("default port"), "{}", d.message);
        assert!(d.message.contains("trailing `/`"), "{}", d.message);
        assert_eq!(b.labels(d), [(":443", "default port"), ("/", "browsers never send this `/`")]);
        assert_eq!(d.help.as_deref(), Some("write `https://app.example.com`, the origin as browsers send it"));
    }

    #[test]
    fn missing_scheme_suggests_http_for_loopback() {
        let (b, found) = literal(Layer::Starlette, "allow_origins=[\"localhost:5173\"]", "localhost:5173");
        assert_eq!(found.len(), 1);
        assert_eq!(b.at(found[0].span), "localhost:5173");
        assert_eq!(found[0].help.as_deref(), Some("write `http://localhost:5173`, the origin as browsers send it"));
    }

    #[test]
    fn a_star_in_a_starlette_list_is_literal() {
        let (b, found) =
            literal(Layer::Starlette, "allow_origins=[\"https://*.example.com\"]", "https://*.example.com");
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(b.at(d.span), "*");
        assert!(d.message.contains("a `*`, which Starlette compares as a character"), "{}", d.message);
        assert_eq!(
            d.help.as_deref(),
            Some(
                "Starlette compares this entry as written; to allow subdomains use \
                 allow_origin_regex=r\"https://[a-z0-9-]+\\.example\\.com\""
            )
        );
    }

    #[test]
    fn ingress_nginx_ignores_case_and_says_what_its_validation_does() {
        let (_, found) =
            literal(Layer::IngressNginx, "cors-allow-origin: \"https://App.example.com\"", "https://App.example.com");
        assert_eq!(found, []);
        let (b, found) = literal(Layer::IngressNginx, "cors-allow-origin: \"app.example.com\"", "app.example.com");
        assert_eq!(found.len(), 1);
        assert_eq!(b.at(found[0].span), "app.example.com");
        assert!(!found[0].message.contains("ingress-nginx"), "no deployment facts: {}", found[0].message);
        let (b, found) = literal(
            Layer::IngressNginx,
            "cors-allow-origin: \"https://app.example.com:443\"",
            "https://app.example.com:443",
        );
        assert_eq!(b.at(found[0].span), ":443");
        assert!(!found[0].message.contains("validation"));
    }

    #[test]
    fn ingress_nginx_validation_as_the_deployment_layer_records_it() {
        let b = Builder::ingress(&["enable-cors: \"true\"", "cors-allow-origin: \"https://app.example.com/\""]);
        let found = b.run::<OriginNeverMatches>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(b.at(found[0].span), "https://app.example.com/");
        assert_eq!(
            found[0].message,
            "`https://app.example.com/` fails ingress-nginx's validation (it has a path or a trailing `/`), so \
             ingress-nginx ignores the whole `cors-allow-origin` value and allows every origin (`*`) instead"
        );
        assert_eq!(found[0].help.as_deref(), Some("write `https://app.example.com`, the origin as browsers send it"));

        let b =
            Builder::ingress(&["enable-cors: \"true\"", "cors-allow-origin: \"https://a.example.com, b.example.com\""]);
        let found = b.run::<OriginNeverMatches>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(b.at(found[0].span), "b.example.com");
        assert!(found[0].message.ends_with("; ingress-nginx's validation drops it from `cors-allow-origin`"));
    }

    #[test]
    fn without_a_verbatim_text_the_whole_entry_is_pointed_at() {
        let text = "allow_origins=[\"http://a.example.com\\x2f\"]";
        let mut b = Builder::new(FileKind::Python, text);
        let mut p = b.policy(Layer::Starlette);
        let mut entry = b.entry(OriginKind::Literal("http://a.example.com/".into()), "http://a.example.com\\x2f");
        entry.text_start = None;
        p.origins.entries.push(entry);
        b.project.policies.push(p);
        let found = b.run::<OriginNeverMatches>();
        assert_eq!(b.at(found[0].span), "\"http://a.example.com\\x2f\"");
    }

    #[test]
    fn valid_origins_are_silent() {
        for origin in ["https://app.example.com", "http://localhost:3000", "null", "http://[::1]:8080"] {
            let (_, found) =
                literal(Layer::Nginx, &format!("add_header Access-Control-Allow-Origin {origin};"), origin);
            assert_eq!(found, [], "{origin}");
        }
    }

    #[test]
    fn a_pattern_that_requires_a_trailing_slash() {
        let pattern = r"^https://app\.example\.com/$";
        let mut b = Builder::new(FileKind::Nginx, &format!("map $http_origin $c {{ ~{pattern} $http_origin; }}"));
        let mut p = b.policy(Layer::Nginx);
        let kind = OriginKind::Pattern {
            pattern: pattern.into(),
            semantics: PatternSemantics::Search { case_insensitive: false },
        };
        p.origins.entries.push(b.entry(kind, pattern));
        b.project.policies.push(p);
        let found = b.run::<OriginNeverMatches>();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.starts_with("the origin regex `^https://app\\.example\\.com/$` never matches"));
        assert!(found[0].message.ends_with("a trailing `/`, which browsers never send"));
    }
}
