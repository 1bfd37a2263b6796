use super::*;
use crate::extract::nginx::testing::project;
use crate::model::{OriginKind, PatternSemantics, Project};

fn find_block(p: &Project, head: &str) -> BlockId {
    let file = &p.files[0];
    p.nginx.blocks.iter().position(|b| file.slice(b.head.range) == head).unwrap_or_else(|| panic!("no block `{head}`"))
}

fn header_names(p: &Project, id: BlockId) -> Vec<String> {
    p.nginx.effective_headers(id).iter().map(|h| h.name.value.clone()).collect()
}

#[test]
fn add_header_replaces_instead_of_merging() {
    let p = project(
        r#"
        http {
            add_header X-Http 1;
            server {
                add_header Access-Control-Allow-Origin https://app.example.com;
                location /api/ { proxy_pass http://backend; }
                location /static/ {
                    add_header Cache-Control public;
                    location /static/fonts/ { }
                }
            }
        }"#,
    );
    let api = find_block(&p, "location /api/");
    let stat = find_block(&p, "location /static/");
    let fonts = find_block(&p, "location /static/fonts/");
    assert_eq!(header_names(&p, api), ["Access-Control-Allow-Origin"]);
    assert_eq!(header_names(&p, stat), ["Cache-Control"]);
    assert_eq!(header_names(&p, fonts), ["Cache-Control"]);
    assert!(p.nginx.stops_inheritance(stat));
    assert_eq!(p.nginx.inherited_add_headers(stat).len(), 1);
}

#[test]
fn add_header_inherit_off_and_merge() {
    let p = project(
        r#"
        server {
            add_header Access-Control-Allow-Origin *;
            add_header_inherit merge;
            location /a/ { add_header Cache-Control public; }
            location /b/ { add_header_inherit off; }
            location /c/ { add_header_inherit on; add_header X-C 1; }
        }"#,
    );
    let names = |h| header_names(&p, find_block(&p, h));
    assert_eq!(names("location /a/"), ["Cache-Control", "Access-Control-Allow-Origin"]);
    assert!(names("location /b/").is_empty());
    assert_eq!(names("location /c/"), ["X-C"]);
}

#[test]
fn if_is_an_implicit_location_and_the_last_match_wins() {
    let p = project(
        r#"
        server {
            location / {
                add_header Access-Control-Allow-Origin $http_origin;
                if ($request_method = OPTIONS) {
                    add_header Access-Control-Allow-Methods "GET, POST";
                    return 204;
                }
                if ($request_method = GET) { add_header X-Get 1; }
                if ($args ~ debug) { set $debug 1; }
                if ($request_method = POST) { add_header X-Post 1; }
                proxy_pass http://app;
            }
        }"#,
    );
    let options = find_block(&p, "if ($request_method = OPTIONS)");
    let get = find_block(&p, "if ($request_method = GET)");
    let debug = find_block(&p, "if ($args ~ debug)");
    let post = find_block(&p, "if ($request_method = POST)");
    assert_eq!(header_names(&p, options), ["Access-Control-Allow-Methods"]);
    assert_eq!(header_names(&p, debug), ["Access-Control-Allow-Origin"]);
    // GET and the debug `if` can both match: the debug one wins.
    assert_eq!(p.nginx.overriding_if(get), Some((debug, false)));
    // POST comes last; OPTIONS returns.
    assert_eq!(p.nginx.overriding_if(post), None);
    assert_eq!(p.nginx.overriding_if(options), None);
    let loc = find_block(&p, "location /");
    assert_eq!(p.nginx.preflight_branch(loc), Some(options));
    let contexts = p.nginx.contexts();
    let requests = |id| contexts.iter().find(|c| c.block == id).map(|c| c.requests);
    assert_eq!(requests(options), Some(Requests::Preflight));
    assert_eq!(requests(loc), Some(Requests::Actual));
    assert_eq!(requests(debug), Some(Requests::Actual));
    assert_eq!(p.nginx.context_return(options).and_then(|r| r.status), Some(204));
    assert_eq!(p.nginx.pass_of(get).map(|d| d.block), Some(loc));
}

#[test]
fn headers_more_adds_up_across_levels() {
    let p = project(
        r#"
        server {
            more_set_headers "Access-Control-Allow-Origin: https://a.example.com";
            location / {
                add_header X-A 1;
                more_clear_headers 'X-Powered-By';
                more_set_headers -s '200 204' 'Access-Control-Allow-Credentials: true';
            }
        }"#,
    );
    let loc = find_block(&p, "location /");
    let headers = p.nginx.effective_headers(loc);
    let names: Vec<_> = headers.iter().map(|h| h.name.value.as_str()).collect();
    assert_eq!(names, ["X-A", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"]);
    assert!(headers[1].always && headers[1].covers(500));
    assert!(!headers[2].covers(500) && headers[2].covers(204));
    assert_eq!(headers[1].value.value, "https://a.example.com");
    assert_eq!(p.files[0].slice(headers[1].value.span.range), "https://a.example.com");
    assert!(p.nginx.effective_more_clear(loc)[0].item.clears("x-powered-by"));
}

/// The names and values of the headers a location sends, by directive.
fn sent(p: &Project, head: &str) -> Vec<(HeaderSource, String, String)> {
    let id = find_block(p, head);
    p.nginx.effective_headers(id).iter().map(|h| (h.source, h.name.value.clone(), h.value.value.clone())).collect()
}

/// Real nginx 1.22 with headers-more 0.34 (tests/ground_truth/nginx/headers_more_order.conf):
/// headers-more's filter runs before add_header's, its commands in the order written, the outer
/// level's first, and an empty value clears.
#[test]
fn headers_more_runs_in_order_and_before_add_header() {
    let p = project(
        r#"
        server {
            location /clear-then-add/ {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                more_clear_headers 'Access-Control-*';
            }
            location /set-then-add/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                add_header Access-Control-Allow-Origin https://admin.example.com always;
            }
            location /clear-then-set/ {
                more_clear_headers 'Access-Control-Allow-Origin';
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
            }
            location /set-then-clear/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                more_clear_headers 'Access-Control-Allow-Origin';
            }
            location /outer/ {
                more_clear_headers 'Access-Control-*';
                location /outer/inner/ {
                    more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                }
            }
            location /inner-clears/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                location /inner-clears/x/ { more_clear_headers 'Access-Control-*'; }
            }
            location /set-empty/ {
                more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
                more_set_headers 'Access-Control-Allow-Origin:';
            }
            location /set-twice/ {
                more_set_headers 'Access-Control-Allow-Origin: https://a.example.com';
                more_set_headers 'Access-Control-Allow-Origin: https://b.example.com';
            }
        }"#,
    );
    use HeaderSource::{AddHeader, MoreSet};
    let one = |source, value: &str| vec![(source, "Access-Control-Allow-Origin".to_string(), value.to_string())];
    assert_eq!(sent(&p, "location /clear-then-add/"), one(AddHeader, "https://app.example.com"));
    assert_eq!(
        sent(&p, "location /set-then-add/"),
        [one(AddHeader, "https://admin.example.com"), one(MoreSet, "https://app.example.com")].concat()
    );
    assert_eq!(sent(&p, "location /clear-then-set/"), one(MoreSet, "https://app.example.com"));
    assert_eq!(sent(&p, "location /set-then-clear/"), []);
    assert_eq!(sent(&p, "location /outer/inner/"), one(MoreSet, "https://app.example.com"));
    assert_eq!(sent(&p, "location /inner-clears/x/"), []);
    assert_eq!(sent(&p, "location /set-empty/"), []);
    assert_eq!(sent(&p, "location /set-twice/"), one(MoreSet, "https://b.example.com"));
}

/// A later command limited by `-s` or `-t` removes an earlier value only where it applies: the
/// earlier one is still sent with the other responses.
#[test]
fn a_limited_clear_leaves_the_other_statuses() {
    let p = project(
        r#"
        location /a/ {
            more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
            more_clear_headers -s 500 'Access-Control-Allow-Origin';
        }
        location /b/ {
            more_set_headers -s '401 500' 'Access-Control-Allow-Origin: https://app.example.com';
            more_clear_headers -s '401 403 500' 'Access-Control-*';
        }
        location /c/ {
            more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
            more_set_headers -t 'text/html' 'Access-Control-Allow-Origin:';
        }"#,
    );
    assert_eq!(sent(&p, "location /a/").len(), 1);
    assert_eq!(sent(&p, "location /b/"), []);
    assert_eq!(sent(&p, "location /c/").len(), 1);
}

/// What happens to the header the upstream sends: any unconditional headers-more command that
/// names it removes or replaces it, wherever it is written.
#[test]
fn headers_more_replaces_the_upstreams_header() {
    let p = project(
        r#"
        server {
            more_clear_headers 'Access-Control-*';
            location /a/ { add_header Access-Control-Allow-Origin https://app.example.com always; }
            location /b/ {
                more_set_headers -s 404 'Access-Control-Allow-Origin: https://app.example.com';
                more_clear_headers -s 404 'Access-Control-*';
            }
        }
        location /c/ { more_set_headers 'Access-Control-Allow-Origin: https://app.example.com'; }"#,
    );
    let replaced = |head: &str| {
        let id = find_block(&p, head);
        p.nginx.more_replaces_upstream(id, "access-control-allow-origin").map(|c| p.files[0].slice(c.span().range))
    };
    assert_eq!(replaced("location /a/"), Some("more_clear_headers 'Access-Control-*';"));
    // The server's clear still applies: the location's own commands are limited by `-s`.
    assert_eq!(replaced("location /b/"), Some("more_clear_headers 'Access-Control-*';"));
    assert!(replaced("location /c/").is_some_and(|s| s.starts_with("more_set_headers")));
}

#[test]
fn hide_and_set_header_lists_replace() {
    let p = project(
        r#"
        server {
            proxy_hide_header Access-Control-Allow-Origin;
            proxy_set_header Host $host;
            location /a/ { proxy_pass http://a; }
            location /b/ { proxy_hide_header X-Powered-By; proxy_set_header Origin ""; proxy_pass http://b; }
            location /c/ { proxy_pass_header Access-Control-Allow-Origin; proxy_pass http://c; }
        }"#,
    );
    let hidden = |h| {
        p.nginx
            .effective_hidden(find_block(&p, h), PassModule::Proxy)
            .iter()
            .map(|d| d.item.name.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(hidden("location /a/"), ["Access-Control-Allow-Origin"]);
    assert_eq!(hidden("location /b/"), ["X-Powered-By"]);
    assert!(hidden("location /c/").is_empty());
    let set = p.nginx.effective_proxy_set_headers(find_block(&p, "location /b/"));
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].item.name.value, "Origin");
}

#[test]
fn access_checks_take_the_nearest_level() {
    let p = project(
        r#"
        server {
            auth_basic "Restricted";
            deny all;
            location /a/ { }
            location /b/ { auth_basic off; allow 10.0.0.0/8; deny all; }
            location /c/ { satisfy any; allow 10.0.0.0/8; deny all; }
            location /d/ { auth_request /auth; }
        }"#,
    );
    let rejects = |h| {
        p.nginx
            .effective_access(find_block(&p, h))
            .rejects_anonymous()
            .iter()
            .map(|d| d.item.directive())
            .collect::<Vec<_>>()
    };
    assert_eq!(rejects("location /a/"), ["deny", "auth_basic"]);
    assert!(rejects("location /b/").is_empty());
    assert!(rejects("location /c/").is_empty());
    assert_eq!(rejects("location /d/"), ["deny", "auth_basic", "auth_request"]);
}

fn origins_of(p: &Project, head: &str) -> OriginResolution {
    let id = find_block(p, head);
    let headers = p.nginx.effective_headers(id);
    let acao = headers.iter().find(|h| h.is("access-control-allow-origin")).expect("an ACAO header");
    p.nginx.resolve_origin(id, acao.value)
}

fn kinds(r: &OriginResolution) -> Vec<OriginKind> {
    r.origins.entries.iter().map(|e| e.kind.clone()).collect()
}

#[test]
fn origin_resolution_static_and_reflected() {
    let p = project(
        r#"
        server {
            location /a/ { add_header Access-Control-Allow-Origin "https://app.example.com"; }
            location /b/ { add_header Access-Control-Allow-Origin *; }
            location /c/ { add_header Access-Control-Allow-Origin $http_origin; }
            location /d/ { add_header Access-Control-Allow-Origin "https://a.com https://b.com"; }
            location /e/ { add_header Access-Control-Allow-Origin true; }
            location /f/ { add_header Access-Control-Allow-Origin ${CORS_ORIGIN}; }
            location /g/ { add_header Access-Control-Allow-Origin $scheme://$host; }
        }"#,
    );
    let a = origins_of(&p, "location /a/");
    assert_eq!(kinds(&a), [OriginKind::Literal("https://app.example.com".into())]);
    assert!(!a.request_dependent);
    assert_eq!(p.files[0].slice(a.origins.entries[0].span.range), "\"https://app.example.com\"");
    assert_eq!(a.origins.entries[0].text_start, Some(a.origins.entries[0].span.start() + 1));
    assert_eq!(kinds(&origins_of(&p, "location /b/")), [OriginKind::Any]);
    let c = origins_of(&p, "location /c/");
    assert_eq!(kinds(&c), [OriginKind::Reflect]);
    assert!(c.request_dependent);
    let d = origins_of(&p, "location /d/");
    assert!(d.origins.entries.is_empty());
    assert_eq!(d.rejected[0].kind, RejectedKind::SeveralOrigins);
    assert_eq!(origins_of(&p, "location /e/").rejected[0].kind, RejectedKind::NotAnOrigin);
    let f = origins_of(&p, "location /f/");
    assert!(f.origins.has_unknown && f.origins.entries.is_empty());
    let g = origins_of(&p, "location /g/");
    assert!(g.origins.has_unknown);
    assert_eq!(g.never_origin.map(|(_, why)| why), Some(NeverOrigin::OwnOrigin));
}

#[test]
fn values_that_are_never_an_origin() {
    let p = project(
        r#"
        server {
            location /a/ { add_header Access-Control-Allow-Origin "$request_uri"; }
            location /b/ { add_header Access-Control-Allow-Origin $http_host; }
            location /c/ { add_header Access-Control-Allow-Origin "https://${DOMAIN}/"; }
            location /d/ { add_header Access-Control-Allow-Origin "https://${DOMAIN}://localhost:5173"; }
            location /e/ { add_header Access-Control-Allow-Origin "https://${DOMAIN}:${PORT}"; }
            location /f/ { add_header Access-Control-Allow-Origin "${___________}"; }
            location /g/ { add_header Access-Control-Allow-Origin "https://${APP}/login"; }
        }"#,
    );
    let why = |head| origins_of(&p, head).never_origin.map(|(_, why)| why);
    assert_eq!(why("location /a/"), Some(NeverOrigin::Variable("request_uri".into())));
    assert_eq!(why("location /b/"), Some(NeverOrigin::Variable("http_host".into())));
    assert_eq!(why("location /c/"), Some(NeverOrigin::Shape("a trailing `/`")));
    assert_eq!(why("location /d/"), Some(NeverOrigin::Shape("two schemes")));
    assert_eq!(why("location /e/"), None);
    assert_eq!(why("location /f/"), None);
    assert_eq!(why("location /g/"), Some(NeverOrigin::Shape("a path after the host")));
}

/// `map $http_origin $ok { ... 1; }` then `map $ok $cors { 1 $http_origin; }`: the second map
/// echoes only the origins the first one lists.
#[test]
fn a_map_over_a_map_is_an_allowlist() {
    let p = project(
        r#"
        map $http_origin $origin_ok {
            default 0;
            "https://app.example.com" 1;
            "https://app.example.com/admin" 1;
            "~^https://[a-z]+\.example\.org$" 1;
        }
        map $origin_ok $cors {
            default "";
            1 $http_origin;
        }
        map $http_origin $echo_all {
            default $http_origin;
            "https://blocked.example.com" "";
        }
        map $http_origin $captured {
            default "";
            "~^(https://[a-z]+\.example\.net)$" $1;
        }
        server {
            location /a/ { add_header Access-Control-Allow-Origin $cors always; }
            location /b/ { add_header Access-Control-Allow-Origin $echo_all always; }
            location /c/ { add_header Access-Control-Allow-Origin $captured always; }
        }"#,
    );
    let a = origins_of(&p, "location /a/");
    assert!(a.request_dependent && !a.origins.has_unknown);
    let literals: Vec<OriginKind> = kinds(&a);
    assert_eq!(literals.len(), 3, "{literals:?}");
    assert_eq!(literals[1], OriginKind::Literal("https://app.example.com/admin".into()));
    assert!(kinds(&origins_of(&p, "location /b/")).contains(&OriginKind::Reflect));
    let c = origins_of(&p, "location /c/");
    assert!(matches!(&kinds(&c)[..], [OriginKind::Pattern { .. }]), "{:?}", kinds(&c));
}

/// A `map $http_referer` that captures the page's origin: which origins get it is unknown, but the
/// answer varies with the request's `Referer`.
#[test]
fn a_referer_map_varies_with_the_referer() {
    let p = project(
        r#"
        map $http_referer $from_page {
            default "";
            "~^(?<page_origin>https://app\.example\.com)(/.*)?$" $page_origin;
        }
        map $http_referer $whole_page {
            default "";
            "~^https://app\." $http_referer;
        }
        server {
            location /a/ { add_header Access-Control-Allow-Origin $from_page always; }
            location /b/ { add_header Access-Control-Allow-Origin $whole_page always; }
        }"#,
    );
    let a = origins_of(&p, "location /a/");
    assert!(a.request_dependent && a.from_referer && a.origins.has_unknown && a.never_origin.is_none());
    let b = origins_of(&p, "location /b/");
    assert_eq!(b.never_origin.map(|(_, why)| why), Some(NeverOrigin::Variable("http_referer".into())));
}

#[test]
fn origin_resolution_through_a_map() {
    let p = project(
        r#"
        map $http_origin $cors_origin {
            default "";
            "~^https://(app|admin)\.example\.com$" $http_origin;
            "~*^http://localhost:\d+$" $http_origin;
            https://partner.example.org $http_origin;
            "~^https://legacy\." "https://legacy.example.com";
        }
        server {
            location / {
                add_header Access-Control-Allow-Origin $cors_origin always;
                add_header Vary Origin always;
            }
        }"#,
    );
    let r = origins_of(&p, "location /");
    assert!(r.request_dependent && !r.origins.has_unknown);
    assert_eq!(
        kinds(&r),
        [
            OriginKind::Pattern {
                pattern: r"^https://(app|admin)\.example\.com$".into(),
                semantics: PatternSemantics::Search { case_insensitive: false }
            },
            OriginKind::Pattern {
                pattern: r"^http://localhost:\d+$".into(),
                semantics: PatternSemantics::Search { case_insensitive: true }
            },
            OriginKind::Literal("https://partner.example.org".into()),
            OriginKind::Literal("https://legacy.example.com".into()),
        ]
    );
    // The pattern's span is the pattern itself, without quotes or tilde.
    let first = &r.origins.entries[0];
    assert_eq!(p.files[0].slice(first.span.range), r"^https://(app|admin)\.example\.com$");
    assert_eq!(first.text_start, Some(first.span.start()));
}

#[test]
fn a_map_default_that_echoes_is_reflection() {
    let p = project(
        r#"
        map $http_origin $cors { default $http_origin; "https://a.example.com" "https://a.example.com"; }
        server { location / { add_header Access-Control-Allow-Origin $cors; } }"#,
    );
    let r = origins_of(&p, "location /");
    assert_eq!(kinds(&r), [OriginKind::Literal("https://a.example.com".into()), OriginKind::Reflect]);
}

#[test]
fn origin_resolution_through_if_allowlists() {
    let p = project(
        r#"
        server {
            location /guarded/ {
                if ($http_origin ~* "^https://(a|b)\.example\.com$") {
                    add_header Access-Control-Allow-Origin $http_origin always;
                }
            }
            location /set/ {
                set $cors_origin "";
                if ($http_origin ~ ^https://app\.example\.com$) { set $cors_origin $http_origin; }
                add_header Access-Control-Allow-Origin $cors_origin always;
            }
            location /flag/ {
                set $cors "";
                if ($http_origin ~ '^https?://(localhost|www\.example\.com)') { set $cors 'true'; }
                if ($cors = 'true') {
                    add_header Access-Control-Allow-Origin "$http_origin" always;
                }
            }
            location /deny/ {
                if ($http_origin !~ ^https://app\.example\.com$) { return 403; }
                add_header Access-Control-Allow-Origin $http_origin;
            }
            location /lua/ {
                if ($cors_ok) { add_header Access-Control-Allow-Origin $http_origin; }
            }
        }"#,
    );
    let pattern = |p: &str, ci| OriginKind::Pattern {
        pattern: p.into(),
        semantics: PatternSemantics::Search { case_insensitive: ci },
    };
    let guarded = origins_of(&p, r#"if ($http_origin ~* "^https://(a|b)\.example\.com$")"#);
    assert_eq!(kinds(&guarded), [pattern(r"^https://(a|b)\.example\.com$", true)]);
    let set = origins_of(&p, "location /set/");
    assert_eq!(kinds(&set), [pattern(r"^https://app\.example\.com$", false)]);
    assert!(set.request_dependent);
    let flag = origins_of(&p, "if ($cors = 'true')");
    assert_eq!(kinds(&flag), [pattern(r"^https?://(localhost|www\.example\.com)", false)]);
    let deny = origins_of(&p, "location /deny/");
    assert_eq!(kinds(&deny), [pattern(r"^https://app\.example\.com$", false)]);
    let lua = origins_of(&p, "if ($cors_ok)");
    assert!(lua.origins.entries.is_empty() && lua.origins.has_unknown);
}

#[test]
fn one_policy_per_distinct_header_set() {
    let p = project(
        r#"
        server {
            add_header Access-Control-Allow-Origin https://app.example.com always;
            add_header Access-Control-Allow-Credentials true always;
            location /a/ { proxy_pass http://a; }
            location /b/ { proxy_pass http://b; if ($args) { set $x 1; } }
            location /c/ {
                if ($request_method = OPTIONS) {
                    add_header Access-Control-Allow-Origin https://app.example.com;
                    add_header Access-Control-Allow-Methods "GET, PUT, DELETE";
                    add_header Access-Control-Max-Age 86400;
                    return 204;
                }
                proxy_pass http://c;
            }
        }"#,
    );
    assert_eq!(p.policies.len(), 2, "{:#?}", p.policies);
    let actual = &p.policies[0];
    assert_eq!(actual.credentials.known(), Some(&true));
    assert_eq!(p.files[0].slice(actual.span.range), "server");
    let preflight = &p.policies[1];
    assert_eq!(preflight.credentials.known(), Some(&false));
    assert!(!preflight.credentials.explicit);
    let methods: Vec<_> =
        preflight.methods.known().map(|m| m.iter().map(|s| s.value.clone()).collect()).unwrap_or_default();
    assert_eq!(methods, ["GET", "PUT", "DELETE"]);
    assert_eq!(p.files[0].slice(preflight.methods.known().map(|m| m[1].span.range).unwrap_or_default()), "PUT");
    assert_eq!(preflight.max_age.known(), Some(&86400));
}

#[test]
fn an_if_always_overridden_sends_nothing() {
    let p = project(
        r#"
        server {
            location / {
                if ($request_method = OPTIONS) { add_header Access-Control-Max-Age 1728000; }
                if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin *; return 204; }
            }
        }"#,
    );
    assert_eq!(p.policies.len(), 1);
    assert_eq!(p.policies[0].max_age.known(), Some(&5));
}

#[test]
fn snippets_and_servers_without_locations_are_contexts() {
    let p = project("add_header Access-Control-Allow-Origin *;\n");
    assert_eq!(p.nginx.contexts().len(), 1);
    let p = project("server { add_header Access-Control-Allow-Origin *; return 200; }");
    assert_eq!(p.nginx.contexts().len(), 1);
    let p = project("http { server { location / { } } }");
    assert_eq!(p.nginx.contexts().len(), 1);
}

#[test]
fn upstreams_are_found_by_name() {
    let p = project(
        r#"
        upstream backend { server app:8000; }
        server { location / { proxy_pass http://backend/api/; } location /x/ { proxy_pass http://127.0.0.1:9000; } }"#,
    );
    let loc = find_block(&p, "location /");
    let pass = p.nginx.pass_of(loc).expect("a proxy_pass");
    assert_eq!(pass.item.host(), "backend");
    assert_eq!(p.nginx.upstream_of(pass.item, loc).map(|u| u.servers[0].value.as_str()), Some("app:8000"));
    let x = find_block(&p, "location /x/");
    let pass = p.nginx.pass_of(x).expect("a proxy_pass");
    assert!(p.nginx.upstream_of(pass.item, x).is_none());
}

#[test]
fn deep_and_odd_input_does_not_panic() {
    let deep = "location / {".repeat(300) + &"}".repeat(300);
    let p = project(&deep);
    assert!(p.nginx.blocks.len() <= 202);
    let _ = p.nginx.contexts();
    let p = project("if ( ) { } map { } map $a { } add_header; return; set; more_set_headers -s; location { }");
    let _ = p.nginx.cors_policies();
    // A variable that refers to itself through a map.
    let p = project("map $a $a { default $a; } server { location / { add_header Access-Control-Allow-Origin $a; } }");
    assert!(p.policies[0].origins.has_unknown);
}

/// The methods each context answers, by head.
fn reach_of(p: &Project, head: &str) -> Vec<&'static str> {
    let reach = p.nginx.reach(find_block(p, head));
    syntax::METHODS.iter().copied().filter(|m| reach.contains(m)).collect()
}

/// Flags set in method `if`s make a later flag `if` match for certain (it overrides them), and
/// a later `if ($request_method = OPTIONS)` overrides that one for preflights only.
#[test]
fn only_the_last_matching_if_answers_each_method() {
    let p = project(
        r#"
        location / {
            set $cors 0;
            if ($request_method = GET) { set $cors 1; add_header Access-Control-Expose-Headers X-Total; }
            if ($request_method = OPTIONS) { set $cors 1; add_header Access-Control-Max-Age 600; }
            if ($cors = 1) { add_header Access-Control-Allow-Origin *; }
            if ($request_method = OPTIONS) { return 204; }
            proxy_pass http://app;
        }"#,
    );
    assert!(reach_of(&p, "if ($request_method = GET)").is_empty());
    assert!(reach_of(&p, "if ($request_method = OPTIONS)").is_empty(), "the first OPTIONS `if`");
    assert_eq!(reach_of(&p, "if ($cors = 1)"), ["GET"]);
    assert_eq!(reach_of(&p, "location /"), ["HEAD", "POST", "PUT", "PATCH", "DELETE"]);
    let last = p.nginx.blocks.iter().rposition(|b| b.condition().is_some()).expect("an if");
    assert_eq!(p.nginx.preflight_branch(find_block(&p, "location /")), Some(last));
    let contexts: Vec<BlockId> = p.nginx.contexts().iter().map(|c| c.block).collect();
    assert_eq!(contexts, [find_block(&p, "location /"), find_block(&p, "if ($cors = 1)"), last]);
}

/// Conditions corslint cannot decide may all match: each `if` answers some request, and the
/// location itself too.
#[test]
fn undecidable_conditions_leave_every_if_an_answer() {
    let p = project(
        r#"
        location / {
            if ($http_origin ~* ^https://a\.example\.com$) { set $cors true; }
            if ($cors = true) { add_header Access-Control-Allow-Origin $http_origin; }
            if ($arg_debug) { add_header X-Debug 1; }
            if ($request_method = OPTIONS) { add_header Access-Control-Max-Age 600; return 204; }
        }"#,
    );
    // The flag `if` overrides the origin `if` whenever that one matched.
    assert!(reach_of(&p, "if ($http_origin ~* ^https://a\\.example\\.com$)").is_empty());
    assert_eq!(reach_of(&p, "if ($cors = true)").len(), 6);
    assert_eq!(reach_of(&p, "if ($arg_debug)").len(), 6);
    assert_eq!(reach_of(&p, "location /").len(), 6);
    assert_eq!(reach_of(&p, "if ($request_method = OPTIONS)"), ["OPTIONS"]);
    assert!(p.nginx.may_answer_preflight_early(find_block(&p, "location /")));
}

/// A server-level `if` answers only through `return`; after the server's directives nginx
/// chooses the location, whose configuration replaces the `if`'s (checked on nginx 1.22).
#[test]
fn server_level_ifs_answer_only_with_return() {
    let p = project(
        r#"
        server {
            if ($http_x_flag) { set $a 1; }
            if ($request_method = OPTIONS) { return 204; }
            location /api/ { add_header Access-Control-Allow-Origin https://app.example.com always; }
        }"#,
    );
    assert!(reach_of(&p, "if ($http_x_flag)").is_empty());
    assert_eq!(reach_of(&p, "if ($request_method = OPTIONS)"), ["OPTIONS"]);
    assert!(!reach_of(&p, "location /api/").contains(&"OPTIONS"));
    let api = find_block(&p, "location /api/");
    assert_eq!(p.nginx.preflight_branch(api), Some(find_block(&p, "if ($request_method = OPTIONS)")));
}

/// Many `if`s in one location: one pass per method, whatever their number.
#[test]
fn many_ifs_are_linear() {
    let body: String = (0..20_000)
        .map(|i| format!("if ($http_x_{i} = {i}) {{ set $f{i} 1; add_header Access-Control-Allow-Origin https://a{i}.example.com; }}\n"))
        .collect();
    let p = project(&format!("location / {{\n{body}}}"));
    let started = std::time::Instant::now();
    let contexts = p.nginx.contexts();
    assert_eq!(contexts.len(), 20_001);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", started.elapsed());
}

/// A template's placeholder inside an origin regex or map key is filled in later: which origins
/// it admits is unknown, and nothing is concluded from the placeholder's `$`/`{`.
#[test]
fn placeholders_in_origin_patterns_are_unknown() {
    let p = project(
        r#"
        map $http_origin $cors_origin {
            default "";
            "~^https://${APP_DOMAIN}$" $http_origin;
        }
        server {
            location /a/ { add_header Access-Control-Allow-Origin $cors_origin always; }
            location /b/ {
                if ($http_origin ~* "^https://(${DOMAIN}|${___________})$") {
                    add_header Access-Control-Allow-Origin $http_origin always;
                }
            }
        }"#,
    );
    for head in ["location /a/", "if ($http_origin ~* \"^https://(${DOMAIN}|${___________})$\")"] {
        let r = origins_of(&p, head);
        assert!(r.origins.entries.is_empty() && r.origins.has_unknown && r.request_dependent, "{head}: {r:?}");
    }
}

#[test]
fn only_blocks_with_rare_directives_carry_them_and_read_lists_keep_no_spare_room() {
    let p = project(
        r#"
        server {
            location /open/ {
                add_header Access-Control-Allow-Origin https://app.example.com;
                proxy_pass http://backend;
            }
            location /closed/ { auth_basic "staff"; satisfy any; try_files $uri =404; }
        }"#,
    );
    let open = find_block(&p, "location /open/");
    let closed = find_block(&p, "location /closed/");
    assert!(p.nginx.blocks[open].rare.is_none(), "a plain location pays one pointer");
    let rare = p.nginx.blocks[closed].rare();
    assert_eq!(rare.access.len(), 1);
    assert_eq!(rare.satisfy_any.as_ref().map(|s| s.value), Some(true));
    assert!(rare.other_content.is_some());
    assert!(p.nginx.blocks.iter().all(|b| b.add_headers.capacity() == b.add_headers.len()));
}
