//! CORS203: a layer sends CORS headers, but the preflight is not answered with them.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{canonical_header, header, list_items};
use crate::model::nginx::{BlockId, Context, HeaderRef, Requests};
use crate::rules::{Rule, Sink, nginx_words};
use crate::source::Span;
use std::collections::{HashMap, HashSet};

pub struct PreflightNotAnswered;

impl Rule for PreflightNotAnswered {
    const CODE: &'static str = "CORS203";
    const NAME: &'static str = "preflight-not-answered";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
    }
}

/// What a location's actual responses say about the CORS it means to allow.
#[derive(Default)]
struct ActualCors {
    origin: Option<Span>,
    credentials: Option<Span>,
    /// `Access-Control-Allow-Methods` listing a method that needs a preflight.
    non_simple_methods: Option<Span>,
    allow_headers: Option<Span>,
    /// Any preflight header (`-Allow-Methods`, `-Allow-Headers`, `-Max-Age`): preflights are expected.
    expects_preflight: Option<Span>,
}

/// `contexts` are the location's own, in order.
fn actual_cors(project: &Project, contexts: &[&Context]) -> ActualCors {
    let model = &project.nginx;
    let mut out = ActualCors::default();
    for ctx in contexts.iter().filter(|c| c.requests != Requests::Preflight) {
        for h in model.effective_headers(ctx.block) {
            if h.is(header::ALLOW_ORIGIN) {
                out.origin.get_or_insert(h.span);
            } else if h.is(header::ALLOW_CREDENTIALS) && h.value.value == "true" {
                out.credentials.get_or_insert(h.span);
            } else if h.is(header::ALLOW_METHODS) {
                out.expects_preflight.get_or_insert(h.span);
                let non_simple =
                    list_items(&h.value.value).iter().any(|(_, _, m)| !["GET", "HEAD", "POST", "OPTIONS"].contains(m));
                if non_simple {
                    out.non_simple_methods.get_or_insert(h.span);
                }
            } else if h.is(header::ALLOW_HEADERS) {
                out.expects_preflight.get_or_insert(h.span);
                out.allow_headers.get_or_insert(h.span);
            } else if h.is(header::MAX_AGE) {
                out.expects_preflight.get_or_insert(h.span);
            }
        }
    }
    out
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut branches: HashSet<BlockId> = HashSet::new();
    let contexts = model.contexts();
    // Each location's contexts, grouped once: scanning all contexts for each location is quadratic
    // in configurations that include the same locations many times.
    let mut by_location: HashMap<BlockId, Vec<&Context>> = HashMap::new();
    for ctx in contexts {
        by_location.entry(ctx.location).or_default().push(ctx);
    }
    for ctx in contexts {
        // Judge each location once, through its own context.
        if ctx.block != ctx.location {
            continue;
        }
        let own = by_location.get(&ctx.location).map_or(&[][..], Vec::as_slice);
        let actual = actual_cors(project, own);
        match model.preflight_branch(ctx.location) {
            Some(branch) => {
                if branches.insert(branch) {
                    judge_branch(project, sink, branch, &actual);
                }
            }
            None => {
                static_location(project, sink, ctx.location, &actual);
                proxied_app_without_cors(project, sink, ctx.location, &actual);
            }
        }
    }
}

/// An `if ($request_method = OPTIONS) { ... return ...; }` branch.
fn judge_branch(project: &Project, sink: &mut Sink, branch: BlockId, actual: &ActualCors) {
    let model = &project.nginx;
    let Some(block) = model.block(branch) else { return };
    let Some(ret) = model.context_return(branch) else { return };
    let headers = model.effective_headers(branch);
    // An include corslint does not have may send the headers that look missing.
    let headers_known = model.unknown_headers(branch).is_none();
    let sends_cors = headers.iter().any(HeaderRef::is_cors);
    if !sends_cors && actual.origin.is_none() {
        // Nothing CORS in nginx here: whether the app behind wanted preflights is cross-layer.
        return;
    }
    let place = nginx_words::block(project, branch);
    let Some(status) = ret.status else { return };
    if !(200..300).contains(&status) {
        sink.report(
            ret.span,
            format!(
                "{place} answers preflights with {status}: browsers accept a preflight only with a 2xx status, so \
                 every request that needs one fails"
            ),
        )
        .primary(format!("{status} fails the preflight"))
        .help("answer with `return 204;` and the CORS headers, always");
        return;
    }
    let has = |name: &str| headers.iter().any(|h| h.is(name));
    // A header that is present but misspelled in value (`True`) is CORS309's finding, not this one.
    let has_credentials = has(header::ALLOW_CREDENTIALS);
    let mut missing: Vec<(&str, Option<Span>)> = Vec::new();
    if !has(header::ALLOW_ORIGIN) {
        missing.push(("Access-Control-Allow-Origin", actual.origin));
    }
    if actual.credentials.is_some() && !has_credentials {
        missing.push(("Access-Control-Allow-Credentials", actual.credentials));
    }
    if actual.non_simple_methods.is_some() && !has(header::ALLOW_METHODS) {
        missing.push(("Access-Control-Allow-Methods", actual.non_simple_methods));
    }
    if actual.allow_headers.is_some() && !has(header::ALLOW_HEADERS) {
        missing.push(("Access-Control-Allow-Headers", actual.allow_headers));
    }
    if missing.is_empty() || !headers_known {
        return;
    }
    let names: Vec<String> = missing.iter().map(|(n, _)| (*n).to_string()).collect();
    let why = if model.stops_inheritance(branch) {
        ": its own `add_header`s replace the ones of the enclosing block"
    } else {
        ""
    };
    let mut repeat: Vec<String> =
        missing.iter().filter_map(|(_, span)| span.map(|s| nginx_words::with_always(project, s))).collect();
    if repeat.is_empty() {
        repeat.push(format!("add_header {} <value> always;", canonical_header(&names[0])));
    }
    let diagnostic = sink
        .report(
            block.head,
            format!(
                "{place} answers preflights with {status} but without {}{why}, so the browser blocks the request \
                 that was to follow",
                nginx_words::list(&names)
            ),
        )
        .primary("the preflight answer")
        .help(format!("send them in this branch too:\n{}", nginx_words::code(&repeat)));
    for (name, span) in &missing {
        if let Some(span) = span {
            diagnostic.label(*span, format!("`{name}` is sent on other responses, not on the preflight"));
        }
    }
}

/// A location served from files, whose CORS headers expect preflights: nginx's static module
/// answers `OPTIONS` with 405.
fn static_location(project: &Project, sink: &mut Sink, location: BlockId, actual: &ActualCors) {
    let model = &project.nginx;
    let Some(block) = model.block(location) else { return };
    if !block.is_location()
        || model.has_other_content(location)
        || model.may_answer_preflight_early(location)
        || model.unknown_phases(location).is_some()
    {
        return;
    }
    let (Some(_), Some(expects)) = (actual.origin, actual.expects_preflight) else { return };
    let place = nginx_words::block(project, location);
    sink.report(
        block.head,
        format!(
            "{place} serves files, and nginx answers an OPTIONS preflight for a file with 405 Not Allowed: the \
             preflight its CORS headers invite always fails"
        ),
    )
    .primary("no OPTIONS branch")
    .label(expects, "preflights are expected here")
    .help(format!(
        "answer preflights in {place}:\n{}",
        nginx_words::code(&[
            "if ($request_method = OPTIONS) {".into(),
            "    add_header Access-Control-Allow-Origin <origin> always;".into(),
            "    add_header Access-Control-Allow-Methods \"GET, OPTIONS\" always;".into(),
            "    add_header Access-Control-Max-Age 7200 always;".into(),
            "    return 204;".into(),
            "}".into(),
        ])
    ));
}

/// A proxied location that adds CORS headers, has no OPTIONS branch, and the app behind it (found
/// in the repository) has no CORS middleware: the app answers the preflight with 405 (or whatever
/// its router says), which fails the preflight even when nginx's headers are sent `always`.
fn proxied_app_without_cors(project: &Project, sink: &mut Sink, location: BlockId, actual: &ActualCors) {
    let model = &project.nginx;
    let Some(block) = model.block(location) else { return };
    let Some(pass) = model.pass_of(location) else { return };
    if !block.is_location() || model.may_answer_preflight_early(location) || model.unknown_phases(location).is_some() {
        return;
    }
    let Some(origin) = actual.origin else { return };
    let apps: Vec<_> = project.apps_behind_nginx(location).collect();
    if apps.is_empty() || apps.iter().any(|(app, _)| !app.cors.is_empty() || app.answers_options()) {
        return;
    }
    // Preflights happen only when nginx invites them or the app's routes need them.
    let needs_preflight = |app: &crate::model::app::App| {
        app.routes.iter().find_map(|r| {
            r.methods
                .iter()
                .find(|m| !["GET", "HEAD", "POST"].contains(&m.value.as_str()))
                .map(|m| m.span)
                .or(r.json_body)
                .or_else(|| r.headers.iter().find(|h| h.triggers_preflight()).map(|h| h.span))
        })
    };
    let evidence = actual.expects_preflight.or_else(|| apps.iter().find_map(|(app, _)| needs_preflight(app)));
    let (Some(evidence), Some((app, link))) = (evidence, apps.first()) else { return };
    let place = nginx_words::block(project, location);
    let behind = crate::rules::stack_words::app_behind(project, app, link);
    sink.report(
        block.head,
        format!(
            "{place} adds CORS headers but has no OPTIONS branch, and {behind} has no \
             CORS middleware: its router answers the preflight with 405 Method Not Allowed, and a preflight fails on any \
             status other than 2xx, with or without `always`"
        ),
    )
    .primary("no OPTIONS branch")
    .label(origin, "CORS headers for actual responses")
    .label(evidence, "this needs a preflight")
    .label(pass.item.span, crate::rules::stack_words::link_label(project, app, link))
    .help(format!(
        "answer preflights in {place}, or add {} to the app:\n{}",
        app.framework.cors_layer().spec().app().map_or("CORS handling", |a| a.component()),
        nginx_words::code(&[
            "if ($request_method = OPTIONS) {".into(),
            "    add_header Access-Control-Allow-Origin <origin> always;".into(),
            "    add_header Access-Control-Allow-Methods \"GET, POST, PUT, DELETE\" always;".into(),
            "    add_header Access-Control-Allow-Headers \"Authorization, Content-Type\" always;".into(),
            "    add_header Access-Control-Max-Age 7200 always;".into(),
            "    return 204;".into(),
            "}".into(),
        ])
    ));
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS203";

    #[test]
    fn an_options_branch_that_forgets_the_origin() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                add_header Access-Control-Allow-Credentials true always;
                if ($request_method = 'OPTIONS') {
                    add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE";
                    add_header Access-Control-Allow-Headers "Authorization, Content-Type";
                    return 204;
                }
                proxy_pass http://127.0.0.1:8000;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains(
                "without `Access-Control-Allow-Origin` and `Access-Control-Allow-Credentials`: its own `add_header`s"
            ),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].labels.len(), 2);
    }

    #[test]
    fn the_enable_cors_pattern_done_right() {
        let f = findings(
            RULE,
            r#"
            location / {
                if ($request_method = 'OPTIONS') {
                    add_header 'Access-Control-Allow-Origin' 'https://app.example.com';
                    add_header 'Access-Control-Allow-Methods' 'GET, POST, PUT, OPTIONS';
                    add_header 'Access-Control-Allow-Headers' 'Authorization,Content-Type';
                    add_header 'Access-Control-Max-Age' 7200;
                    return 204;
                }
                add_header 'Access-Control-Allow-Origin' 'https://app.example.com' always;
                add_header 'Access-Control-Allow-Methods' 'GET, POST, PUT, OPTIONS' always;
                proxy_pass http://app;
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn a_non_2xx_preflight_and_a_missing_methods_header() {
        let f = findings(
            RULE,
            r#"
            location /a/ {
                add_header Access-Control-Allow-Origin * always;
                if ($request_method = OPTIONS) { return 405; }
                proxy_pass http://app;
            }
            location /b/ {
                add_header Access-Control-Allow-Origin * always;
                add_header Access-Control-Allow-Methods "GET, PUT" always;
                if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin *; return 204; }
                proxy_pass http://app;
            }"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("answers preflights with 405"));
        assert!(f[1].message.contains("without `Access-Control-Allow-Methods`"));
    }

    #[test]
    fn static_files_with_preflight_headers() {
        let f = findings(
            RULE,
            r#"
            location /fonts/ {
                add_header Access-Control-Allow-Origin * always;
                add_header Access-Control-Allow-Headers Range always;
                root /srv;
            }
            location /img/ { add_header Access-Control-Allow-Origin * always; root /srv; }
            location /spa/ {
                add_header Access-Control-Allow-Origin * always;
                add_header Access-Control-Allow-Headers Range always;
                try_files $uri /index.html;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`location /fonts/` serves files"));
    }
}
