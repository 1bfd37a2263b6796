//! CORS304: two layers (or two directives) put `Access-Control-Allow-Origin` or `-Credentials` on
//! one response: nginx `add_header` appends to what the app behind it, or headers-more's
//! `more_set_headers` (whose filter runs first), already put there.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{canonical_header, header, same_header};
use crate::model::nginx::{ADD_HEADER_STATUSES, HeaderRef, HeaderSource, Requests};
use crate::rules::{Rule, Sink, nginx_words, stack_words};
use crate::source::Span;
use std::collections::HashSet;

pub struct DuplicateCorsHeaders;

impl Rule for DuplicateCorsHeaders {
    const CODE: &'static str = "CORS304";
    const NAME: &'static str = "duplicate-cors-headers";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
        check_ingress_snippets(project, sink);
    }
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for ctx in model.contexts() {
        let headers = model.effective_headers(ctx.block);
        let appended: Vec<_> = headers.iter().filter(|h| h.source == HeaderSource::AddHeader).collect();
        let place = nginx_words::block(project, ctx.block);
        // Two `add_header Access-Control-Allow-Origin` in one effective set: nginx sends both.
        let origins: Vec<_> = appended.iter().filter(|h| h.is(header::ALLOW_ORIGIN)).collect();
        if let [first, second, ..] = origins.as_slice()
            && reported.insert(second.span)
        {
            sink.report(
                second.span,
                format!(
                    "{place} sends `Access-Control-Allow-Origin` twice (`add_header` appends): the browser sees two \
                     values and rejects the response"
                ),
            )
            .primary("second `Access-Control-Allow-Origin`")
            .label(first.span, "first one")
            .help("keep one `add_header Access-Control-Allow-Origin` per block");
        }
        set_and_added(sink, &headers, &place, &mut reported);
        // Responses nginx answers itself (the preflight branch, a `return`) never carry the app's headers.
        if ctx.requests == Requests::Preflight || model.context_return(ctx.block).is_some() {
            continue;
        }
        let Some(pass) = model.pass_of(ctx.block) else { continue };
        // An include corslint does not have may hide the app's headers.
        if model.unknown_hidden(ctx.block, pass.item.module).is_some() {
            continue;
        }
        let hidden = model.effective_hidden(ctx.block, pass.item.module);
        // `proxy_hide_header`, or headers-more, which clears or replaces the app's header before
        // `add_header` appends nginx's.
        let removed = |h: &HeaderRef<'_>| {
            hidden.iter().any(|x| same_header(&x.item.name.value, &h.name.value))
                || model.more_replaces_upstream(ctx.block, &h.name.value).is_some()
        };
        for (own, why) in project.own_cors_behind_nginx(ctx.block) {
            for h in appended.iter().filter(|h| h.is(header::ALLOW_ORIGIN) && !removed(h)) {
                if reported.insert(h.span) {
                    own_cors_duplicate(project, sink, own, &why, (h.span, pass.item.span), &place);
                }
            }
        }
        for (app, link) in project.apps_behind_nginx(ctx.block) {
            let Some(setup) = stack_words::cors(app) else { continue };
            for h in &appended {
                let app_sends = h.is(header::ALLOW_ORIGIN)
                    || (h.is(header::ALLOW_CREDENTIALS) && stack_words::sends_credentials(project, setup));
                let removed = removed(h);
                // A header already reported for another cause; one reached through several links
                // (two compose files, two apps) is merged into one finding after the rules run.
                if !app_sends || removed || reported.contains(&h.span) {
                    continue;
                }
                let name = canonical_header(&h.name.value);
                let component = stack_words::component(project, setup);
                sink.report(
                    h.span,
                    format!(
                        "nginx adds `{name}` here and {} sends its own: the browser gets two values and rejects the \
                         response",
                        stack_words::app_behind(project, app, link)
                    ),
                )
                .primary("appended to the app's header")
                .label(setup.span, format!("the app's {component} sends `{name}` too"))
                .label(pass.item.span, stack_words::link_label(project, app, link))
                .help(format!(
                    "let one layer answer CORS: hide the app's header in {place} with\n    \
                     proxy_hide_header {name};\nor remove this `add_header` and keep the app's {component}"
                ));
            }
        }
    }
}

/// nginx's `add_header Access-Control-Allow-Origin` (`spans.0`, in `place`) in front of an app
/// corslint does not model that sends its own (`own`), reached by the `*_pass` at `spans.1`.
/// Weaker evidence (a configuration that applies to some paths only) is info.
fn own_cors_duplicate(
    project: &Project,
    sink: &mut Sink,
    own: &crate::model::app::OwnCors,
    why: &str,
    spans: (Span, Span),
    place: &str,
) {
    let (added, pass) = spans;
    let file = project.file(own.span.file).map_or_else(String::new, |f| f.path.display().to_string());
    let framework = own.framework;
    let sends = if own.strong { "sends its own" } else { "can send its own, for the paths its CORS covers" };
    let diagnostic = sink
        .report(
            added,
            format!(
                "nginx adds `Access-Control-Allow-Origin` here and the app behind it ({file}) {sends} ({framework}): \
                 browsers reject a response with two `Access-Control-Allow-Origin` values"
            ),
        )
        .primary("appended to the app's header")
        .label(
            own.span,
            format!("{framework} {} `Access-Control-Allow-Origin` too", if own.strong { "sends" } else { "can send" }),
        )
        .label(pass, format!("reaches the app ({why})"))
        .help(format!(
            "keep CORS in one layer: hide the app's header in {place} with\n    \
             proxy_hide_header Access-Control-Allow-Origin;\nor remove this `add_header` and keep the app's {framework}"
        ));
    if !own.strong {
        diagnostic.severity(Severity::Info);
    }
}

/// `more_set_headers` and `add_header` of one CORS header in one context: headers-more's filter
/// runs first, so `add_header` appends a second value instead of being replaced (real nginx 1.22
/// with headers-more 0.34). Reported when both can reach one response.
fn set_and_added(sink: &mut Sink, headers: &[HeaderRef<'_>], place: &str, reported: &mut HashSet<Span>) {
    for name in [header::ALLOW_ORIGIN, header::ALLOW_CREDENTIALS] {
        let of = |source: HeaderSource| headers.iter().filter(move |h| h.source == source && h.is(name));
        let Some((set, added)) = of(HeaderSource::MoreSet).find_map(|set| {
            let statuses = set.statuses.map_or_else(|| ADD_HEADER_STATUSES.to_vec(), <[u16]>::to_vec);
            of(HeaderSource::AddHeader)
                .find(|added| added.always || statuses.iter().any(|s| added.covers(*s)))
                .map(|added| (set, added))
        }) else {
            continue;
        };
        if !reported.insert(added.span) {
            continue;
        }
        let name = canonical_header(name);
        sink.report(
            added.span,
            format!(
                "{place} sends `{name}` twice: headers-more runs before `add_header`, so `more_set_headers` does not \
                 replace this header and `add_header` appends a second one; the browser sees two values and rejects \
                 the response"
            ),
        )
        .primary("appended after the `more_set_headers` value")
        .label(set.span, format!("`{name}` set here too"))
        .help(format!("set `{name}` with one directive: remove this `add_header` or the `more_set_headers` value"));
    }
}

/// `add_header Access-Control-Allow-Origin ...` in an ingress-nginx `configuration-snippet`.
fn check_ingress_snippets(project: &Project, sink: &mut Sink) {
    let mut reported: HashSet<Span> = HashSet::new();
    for (i, ingress) in project.deploy.ingresses.iter().enumerate() {
        let Some(snippet) = ingress.configuration_snippet() else { continue };
        let header_of = |d: &crate::model::deploy::SnippetDirective| d.arg(0).unwrap_or("").to_string();
        // `proxy_hide_header`, or headers-more clearing or replacing the app's header before
        // `add_header` appends the snippet's.
        let hides = |name: &str| ingress.snippet_replaces_upstream(name).is_some();
        snippet_set_and_added(project, sink, ingress, &mut reported);
        for (app, link) in project.apps_behind_ingress(i) {
            let Some(setup) = stack_words::cors(app) else { continue };
            for directive in &ingress.snippet {
                let name = header_of(directive);
                let name = name.as_str();
                let app_sends = same_header(name, header::ALLOW_ORIGIN)
                    || (same_header(name, header::ALLOW_CREDENTIALS) && stack_words::sends_credentials(project, setup));
                if directive.name != "add_header" || !app_sends || hides(name) {
                    continue;
                }
                let span = directive.span;
                if !reported.insert(span) {
                    continue;
                }
                let name = canonical_header(name);
                let component = stack_words::component(project, setup);
                sink.report(
                    span,
                    format!(
                        "the `configuration-snippet` adds `{name}` and {} sends its own: the browser gets two values \
                         and rejects the response",
                        stack_words::app_behind(project, app, link)
                    ),
                )
                .primary("appended to the app's header")
                .label(setup.span, format!("the app's {component} sends `{name}` too"))
                .label(snippet.key.span, stack_words::link_label(project, app, link))
                .help(format!(
                    "let one layer answer CORS: add `proxy_hide_header {name};` to the snippet, or remove this \
                     `add_header` and keep the app's {component}"
                ));
            }
        }
    }
}

/// An `add_header` in the `configuration-snippet` of a header that headers-more already sets:
/// the snippet's own `more_set_headers` (unless a later command clears it) or, with `enable-cors`,
/// the `CORS` template's. headers-more's filter runs first, so `add_header` appends a second value.
fn snippet_set_and_added(
    project: &Project,
    sink: &mut Sink,
    ingress: &crate::model::deploy::Ingress,
    reported: &mut HashSet<Span>,
) {
    use crate::model::deploy::SnippetDirective;
    // The snippet's `more_set_headers` of `name` that no later headers-more command removes.
    let snippet_set = |name: &str| {
        let more: Vec<&SnippetDirective> = ingress
            .snippet
            .iter()
            .filter(|d| matches!(d.name.as_str(), "more_set_headers" | "more_clear_headers"))
            .collect();
        more.iter().enumerate().find_map(|(i, d)| {
            let sets = d.more_set_pairs().any(|(n, v)| same_header(n, name) && !v.is_empty());
            let removed_later = more.get(i + 1..).unwrap_or_default().iter().any(|l| l.removes_upstream(name));
            (sets && !removed_later).then_some(d.span)
        })
    };
    let template = ingress
        .cors
        .as_ref()
        .filter(|c| c.enabled)
        .and_then(|c| project.policies.iter().find(|p| p.span == c.policy_span).map(|p| (c, p)));
    for directive in ingress.snippet.iter().filter(|d| d.name == "add_header") {
        let Some(name) = directive.arg(0) else { continue };
        let name = [header::ALLOW_ORIGIN, header::ALLOW_CREDENTIALS].into_iter().find(|h| same_header(name, h));
        let Some(name) = name else { continue };
        let by_template = template.filter(|(_, policy)| {
            name == header::ALLOW_ORIGIN || policy.credentials.value == crate::model::Value::Known(true)
        });
        let other = match (snippet_set(name), by_template) {
            (Some(span), _) => (span, "the snippet's `more_set_headers` sets it too"),
            (None, Some((cors, _))) => (cors.enable_span, "`enable-cors` sets it too (`more_set_headers`)"),
            (None, None) => continue,
        };
        if !reported.insert(directive.span) {
            continue;
        }
        let name = canonical_header(name);
        sink.report(
            directive.span,
            format!(
                "the `configuration-snippet` sends `{name}` twice: headers-more runs before `add_header`, so the \
                 `more_set_headers` value stays and this `add_header` appends a second one; the browser sees two \
                 values and rejects the response"
            ),
        )
        .primary("appended after the `more_set_headers` value")
        .label(other.0, other.1)
        .help(format!("set `{name}` in one place: remove this `add_header` from the snippet"));
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    /// The CORS304 findings of a fixture project, run through the whole pipeline.
    fn fixture_findings(name: &str) -> Vec<crate::diagnostic::Diagnostic> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/CORS304").join(name);
        let options = crate::lint::Options { paths: vec![dir], ..crate::lint::Options::default() };
        let outcome = crate::lint::lint(&options).unwrap_or_else(|e| panic!("{name}: {e}"));
        outcome.diagnostics.into_iter().filter(|d| d.code == "CORS304").collect()
    }

    /// Code in the app the proxy forwards to is an error naming the framework (Express through its
    /// modelled `cors` layer, the others by byte patterns); a Laravel `config/cors.php`, which covers
    /// only the paths of its `paths` setting, is info.
    #[test]
    fn own_cors_of_an_app_corslint_does_not_model() {
        use crate::diagnostic::Severity;
        let express = fixture_findings("express_behind_nginx");
        assert_eq!(express.len(), 1, "{express:#?}");
        assert_eq!(express[0].severity, Severity::Error);
        assert!(express[0].message.contains("the Express app behind it"), "{}", express[0].message);
        assert!(express[0].help.as_deref().is_some_and(|h| h.contains("proxy_hide_header")));
        let spring = fixture_findings("spring_behind_nginx");
        assert!(spring.len() == 1 && spring[0].message.contains("Spring `@CrossOrigin`"), "{spring:#?}");
        let laravel = fixture_findings("laravel_config_behind_nginx");
        assert_eq!(laravel.len(), 1, "{laravel:#?}");
        assert_eq!(laravel[0].severity, Severity::Info);
        for clean in
            ["express_behind_nginx_hides_app_header", "rails_initializer_commented", "express_cors_only_in_tests"]
        {
            assert!(fixture_findings(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn two_origins_in_one_set() {
        let f = findings(
            "CORS304",
            r#"
            location /api/ {
                add_header Access-Control-Allow-Origin https://a.example.com always;
                add_header Access-Control-Allow-Origin https://a.example.com always;
                proxy_pass http://127.0.0.1:8000;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("twice"));
    }

    /// Real nginx 1.22 with headers-more 0.34: `more_set_headers` runs first and does not replace
    /// `add_header`'s value, which is appended (tests/ground_truth/nginx/headers_more_order.conf).
    #[test]
    fn more_set_headers_and_add_header_send_two_values() {
        let f = findings(
            "CORS304",
            r#"
            location /set-then-add/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                add_header Access-Control-Allow-Origin https://admin.example.com always;
            }
            location /add-then-set/ {
                add_header Access-Control-Allow-Origin https://admin.example.com;
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
            }"#,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|d| d.message.contains("headers-more runs before `add_header`")), "{f:#?}");
    }

    /// No second value where the set never reaches the response or the two never meet.
    #[test]
    fn no_duplicate_when_the_set_is_cleared_or_limited() {
        let f = findings(
            "CORS304",
            r#"
            location /set-then-clear/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                more_clear_headers 'Access-Control-*';
                add_header Access-Control-Allow-Origin https://admin.example.com always;
            }
            location /set-empty/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                more_set_headers 'Access-Control-Allow-Origin:';
                add_header Access-Control-Allow-Origin https://admin.example.com always;
            }
            location /errors-only/ {
                more_set_headers -s '401 403 500' 'Access-Control-Allow-Origin: https://app.example.com';
                add_header Access-Control-Allow-Origin https://app.example.com;
            }
            location /other-header/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                add_header Vary Origin always;
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    /// The same in an ingress-nginx `configuration-snippet`, and next to `enable-cors`, whose
    /// `CORS` template sets the header with `more_set_headers`.
    #[test]
    fn ingress_snippet_add_header_after_headers_more() {
        use crate::test_support::Builder;
        let add = "configuration-snippet: |\n      add_header Access-Control-Allow-Origin $http_origin always;";
        let b = Builder::ingress(&["enable-cors: \"true\"", "cors-allow-origin: \"https://app.example.com\"", add]);
        let f = b.run::<super::DuplicateCorsHeaders>();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            b.labels(&f[0]),
            [("nginx.ingress.kubernetes.io/enable-cors: \"true\"", "`enable-cors` sets it too (`more_set_headers`)")]
        );
        let set_and_add = "configuration-snippet: |\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';\n      add_header Access-Control-Allow-Origin https://app.example.com always;";
        assert_eq!(Builder::ingress(&[set_and_add]).run::<super::DuplicateCorsHeaders>().len(), 1);
        let set_clear_add = "configuration-snippet: |\n      more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';\n      more_clear_headers 'Access-Control-*';\n      add_header Access-Control-Allow-Origin https://app.example.com always;";
        assert!(Builder::ingress(&[set_clear_add]).run::<super::DuplicateCorsHeaders>().is_empty());
        assert!(Builder::ingress(&[add]).run::<super::DuplicateCorsHeaders>().is_empty());
    }
}
