//! CORS309: a header meant as CORS that browsers will not read as such.

use crate::diagnostic::{Edit, Severity};
use crate::model::Project;
use crate::model::nginx::syntax::{self, edit_distance, has_variables, header, is_cors_header, same_header};
use crate::model::nginx::{Arg, RejectedKind};
use crate::rules::{Rule, Sink};
use crate::source::Span;
use std::collections::HashSet;

pub struct MalformedCorsHeader;

impl Rule for MalformedCorsHeader {
    const CODE: &'static str = "CORS309";
    const NAME: &'static str = "malformed-cors-header";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_written(project, sink);
    }
}

/// The CORS response header a name was meant to be, when it is not one.
fn intended(name: &str) -> Option<&'static str> {
    if header::RESPONSE.iter().any(|h| same_header(h, name)) {
        return None;
    }
    // A request header written where the response header belongs.
    let request = [
        ("Access-Control-Request-Method", "Access-Control-Allow-Methods"),
        ("Access-Control-Request-Headers", "Access-Control-Allow-Headers"),
        ("Access-Control-Request-Private-Network", "Access-Control-Allow-Private-Network"),
    ];
    if let Some((_, allow)) = request.iter().find(|(req, _)| same_header(req, name)) {
        return Some(allow);
    }
    let normalized = name.replace('_', "-");
    let max = if is_cors_header(&normalized) { 3 } else { 2 };
    header::RESPONSE
        .iter()
        .filter_map(|h| edit_distance(&normalized, h, max).map(|d| (d, *h)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, h)| h)
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    // Every header directive as written, wherever it is.
    for block in &model.blocks {
        let add = block.add_headers.iter().map(|h| (&h.name, &h.value));
        let more = block.rare().more_set_headers.iter().flat_map(|d| d.headers.iter().map(|h| (&h.name, &h.value)));
        for (name, value) in add.chain(more) {
            if !misspelled(project, sink, &mut reported, name) {
                check_value(sink, &mut reported, name, value);
            }
        }
    }
    // `Access-Control-Allow-Origin` values, also those a map or `set` provides.
    for (ctx, headers) in model.cors_contexts() {
        for h in headers.iter().filter(|h| h.is(header::ALLOW_ORIGIN)) {
            for r in &model.origin_facts(ctx.block, h.value).rejected {
                if r.kind == RejectedKind::NotAnOrigin && reported.insert(r.value.span) {
                    sink.report(
                        r.value.span,
                        format!(
                            "`{}` is not an origin: `Access-Control-Allow-Origin` must be `*` or one origin such as \
                             `https://app.example.com`, so browsers reject every response carrying it",
                            r.value.value
                        ),
                    )
                    .primary("not an origin")
                    .help("write the origin of the frontend, e.g. `https://app.example.com`, or `$cors_origin` from a `map $http_origin` allowlist");
                }
            }
        }
    }
}

/// Headers a configuration file sends as written (Next.js, Vercel, Netlify header rules).
fn check_written(project: &Project, sink: &mut Sink) {
    let mut reported: HashSet<Span> = HashSet::new();
    for header in &project.written_headers {
        if !misspelled(project, sink, &mut reported, &header.name)
            && let Some(value) = &header.value
        {
            check_value(sink, &mut reported, &header.name, value);
        }
    }
}

/// Reports `name` when it is a misspelled CORS header; whether it is one.
fn misspelled(project: &Project, sink: &mut Sink, reported: &mut HashSet<Span>, name: &Arg) -> bool {
    let Some(meant) = intended(&name.value) else { return false };
    if reported.insert(name.span) {
        let diagnostic = sink.report(
            name.span,
            format!("`{}` is not a CORS header: browsers ignore it and look for `{meant}`", name.value),
        );
        diagnostic.primary("misspelled").help(format!("write `{meant}`"));
        // Unsafe: the corrected name switches the header on, which can widen access.
        let written = project.file(name.span.file).map(|f| f.slice(name.span.range));
        if written == Some(name.value.as_str()) {
            let edit = Edit { span: name.span, content: meant.to_owned() };
            diagnostic.unsafe_fix(format!("write `{meant}`"), vec![edit]);
        }
    }
    true
}

fn check_value(sink: &mut Sink, reported: &mut HashSet<Span>, name: &Arg, value: &Arg) {
    let text = value.value.as_str();
    if text.is_empty() || has_variables(text) {
        return;
    }
    let is = |h: &str| same_header(&name.value, h);
    if is(header::ALLOW_CREDENTIALS) {
        if text != "true" && !text.eq_ignore_ascii_case("false") && reported.insert(value.span) {
            sink.report(
                value.span,
                format!(
                    "browsers accept only the exact value `true` in `Access-Control-Allow-Credentials`: `{text}` \
                     counts as no, so credentialed requests fail"
                ),
            )
            .primary("not `true`")
            .help("write `true` (lowercase, no quotes inside the value), or leave the header out");
        }
    } else if is(header::ALLOW_METHODS) || is(header::ALLOW_HEADERS) || is(header::EXPOSE_HEADERS) {
        let what = if is(header::ALLOW_METHODS) { "method" } else { "header name" };
        let items = syntax::list_items(text);
        let Some(&(start, end, bad)) = items.iter().find(|(_, _, item)| !syntax::is_token(item)) else { return };
        if !reported.insert(value.span) {
            return;
        }
        let fixed: Vec<&str> = items.iter().flat_map(|(_, _, item)| item.split_whitespace()).collect();
        sink.report(
            value.sub_span(start, end),
            format!(
                "`{bad}` is not a {what}: items of `{}` are separated by commas, and browsers reject the whole \
                 header when one item is malformed",
                syntax::canonical_header(&name.value)
            ),
        )
        .primary(format!("not a {what}"))
        .help(format!("separate the items with commas: \"{}\"", fixed.join(", ")));
    } else if is(header::MAX_AGE) && text.trim().parse::<u64>().is_err() && reported.insert(value.span) {
        sink.report(
            value.span,
            format!("`Access-Control-Max-Age` must be a number of seconds: browsers ignore `{text}` and cache the preflight for 5 seconds"),
        )
        .primary("not a number of seconds")
        .help("write the seconds as a plain number, e.g. `7200` (Chromium caps at 7200)");
    }
}

#[cfg(test)]
mod tests {
    use super::intended;
    use crate::test_support::findings;

    const RULE: &str = "CORS309";

    #[test]
    fn misspelled_names_get_their_right_spelling() {
        assert_eq!(intended("Access-Control-Allow_Credentials"), Some("Access-Control-Allow-Credentials"));
        assert_eq!(intended("Access-Control-Allow-Method"), Some("Access-Control-Allow-Methods"));
        assert_eq!(intended("Access-Control-Allow-Origins"), Some("Access-Control-Allow-Origin"));
        assert_eq!(intended("Access-Control-Request-Method"), Some("Access-Control-Allow-Methods"));
        assert_eq!(intended("access-control-allow-origin"), None);
        assert_eq!(intended("Cache-Control"), None);
        assert_eq!(intended("Timing-Allow-Origin"), None);
        assert_eq!(intended("X-Content-Type-Options"), None);
    }

    #[test]
    fn values_browsers_cannot_read() {
        let f = findings(
            RULE,
            r#"
            location / {
                add_header Access-Control-Allow-Origin true always;
                add_header Access-Control-Allow-Credentials True always;
                add_header Access-Control-Allow-Methods "GET POST, OPTIONS" always;
                add_header Access-Control-Max-Age 20d always;
                add_header Access-Control-Allow_Headers "Authorization" always;
            }"#,
        );
        let messages: Vec<&str> = f.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(f.len(), 5, "{messages:#?}");
        assert!(f.iter().any(|d| d.help.as_deref() == Some("separate the items with commas: \"GET, POST, OPTIONS\"")));
    }

    #[test]
    fn well_formed_headers_are_fine() {
        let f = findings(
            RULE,
            r#"
            location / {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                add_header Access-Control-Allow-Credentials true always;
                add_header Access-Control-Allow-Methods "GET, POST, OPTIONS" always;
                add_header Access-Control-Allow-Headers "Authorization,Content-Type" always;
                add_header Access-Control-Expose-Headers * always;
                add_header Access-Control-Max-Age 7200 always;
                add_header Access-Control-Allow-Credentials false;
                add_header Access-Control-Allow-Headers $http_access_control_request_headers;
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }
}
