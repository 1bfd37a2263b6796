//! The nginx fixtures and the requests each is checked with (see the table in `ground_truth.rs`).

use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, Probe, get, request};

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Upstream {
    /// An app without CORS handling (OPTIONS → 405).
    Plain,
    /// An app with CORS middleware that reflects every origin with credentials.
    Cors,
    /// The fixture's own FastAPI app (a folder holding `app/main.py`), served by uvicorn.
    App(&'static str),
}

pub struct Case {
    pub fixture: &'static str,
    pub upstream: Upstream,
    pub probes: Vec<Probe>,
}

fn case(fixture: &'static str, upstream: Upstream, probes: Vec<Probe>) -> Case {
    Case { fixture, upstream, probes }
}

/// `attack` is the origin corslint's CORS106 message names for the fixture.
pub fn cases(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<Case> {
    use Upstream::{App, Cors, Plain};
    let mut cases = vec![
        case(
            "CORS101/nginx_wildcard_with_credentials.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().blocked().has(A, ACAO, "*").has(A, ACAC, "true"),
                get(EVIL, "/api/ok").allowed().note("(no credentials: `*` is readable by anyone)"),
            ],
        ),
        case(
            "CORS101/nginx_wildcard_public_api.conf",
            Plain,
            vec![
                get(APP, "/ok").allowed().has(A, ACAO, "*"),
                get(EVIL, "/missing").allowed().status(A, 404).note("(public data, `always`)"),
                get(EVIL, "/ok").cookie().blocked().lacks(A, ACAC),
            ],
        ),
        case(
            "CORS102/nginx_map_allowlist.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed().has(A, "vary", "Origin"),
                get(EVIL, "/api/ok").cookie().blocked().lacks(A, ACAO),
                get("null", "/api/ok").cookie().blocked(),
            ],
        ),
        case(
            "CORS102/nginx_more_set_headers_reflect.conf",
            Plain,
            vec![
                get(EVIL, "/api/ok").allowed().has(A, ACAO, EVIL).has(A, "vary", "Origin"),
                get(EVIL, "/api/missing").allowed().status(A, 404).has(A, ACAO, EVIL).note("(every status)"),
                get(EVIL, "/api/ok").cookie().blocked().lacks(A, ACAC),
                request("PUT", EVIL, "/api/ok").json().blocked().status(P, 405).has(P, ACAO, EVIL),
            ],
        ),
        case(
            "CORS102/nginx_more_set_headers_reflect.conf",
            Cors,
            vec![
                get(EVIL, "/api/ok")
                    .cookie()
                    .allowed()
                    .has(A, ACAO, EVIL)
                    .has(A, ACAC, "true")
                    .has(A, "vary", "Origin")
                    .note("(the app's ACAO and Vary replaced, not doubled; its ACAC passes)"),
            ],
        ),
        case(
            "CORS102/nginx_reflect_origin.conf",
            Plain,
            vec![
                get(EVIL, "/api/ok").cookie().allowed().has(A, ACAO, EVIL),
                get("null", "/api/private").cookie().allowed().status(A, 401),
            ],
        ),
        case(
            "CORS103/nginx_map_null_origin.conf",
            Plain,
            vec![
                get("null", "/api/ok").allowed().has(A, ACAO, "null"),
                get(APP, "/api/ok").allowed(),
                get(EVIL, "/api/ok").blocked(),
            ],
        ),
        case(
            "CORS103/nginx_map_without_null.conf",
            Plain,
            vec![
                get("null", "/api/ok").blocked().lacks(A, ACAO).note("(the map's default: no ACAO)"),
                get(APP, "/api/ok").allowed().has(A, ACAO, APP).has(A, "vary", "Origin"),
                get("http://localhost:5173", "/api/ok").allowed(),
            ],
        ),
        case(
            "CORS104/nginx_exact_origin.conf",
            Plain,
            vec![
                get(APP, "/api/ok").allowed(),
                get(APP, "/api/missing").allowed().status(A, 404),
                get(EVIL, "/api/ok").blocked(),
            ],
        ),
        case(
            "CORS104/nginx_request_uri_as_origin.conf",
            Plain,
            vec![get(APP, "/api/ok?page=2").blocked().has(A, ACAO, "/api/ok?page=2").has(A, "vary", "Origin")],
        ),
        case(
            "CORS104/nginx_map_over_map.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed().has(A, ACAO, APP).has(A, "vary", "Origin"),
                get("https://play.example.com", "/api/ok").cookie().blocked().lacks(A, ACAO),
                get(EVIL, "/api/ok").cookie().blocked().lacks(A, ACAO).note("(an allowlist, not a reflection)"),
            ],
        ),
        case(
            "CORS102/nginx_map_default_reflects.conf",
            Plain,
            vec![
                get(EVIL, "/api/ok").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                get("https://blocked.example.com", "/api/ok").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS306/referer_map_without_vary.conf",
            Plain,
            vec![
                get(APP, "/api/ok")
                    .transport("Referer", "https://app.example.com/orders?id=7")
                    .allowed()
                    .has(A, ACAO, APP)
                    .lacks(A, "vary"),
                get(APP, "/api/ok").transport("Referer", "https://evil.com/").blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS306/referer_map_with_vary.conf",
            Plain,
            vec![
                get(APP, "/api/ok")
                    .transport("Referer", "https://app.example.com/")
                    .allowed()
                    .has(A, ACAO, APP)
                    .has(A, "vary", "Referer"),
            ],
        ),
        case(
            "CORS104/nginx_trailing_slash.conf",
            Plain,
            vec![get(APP, "/api/ok").blocked().has(A, ACAO, "https://app.example.com/")],
        ),
        case(
            "CORS106/nginx_map_anchored_regex.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed(),
                get("https://admin.example.com", "/api/ok").cookie().allowed(),
                get("https://app.example.com.evil.com", "/api/ok").cookie().blocked(),
                get("https://appxexample.com", "/api/ok").cookie().blocked(),
            ],
        ),
        case(
            "CORS107/nginx_http_origin_with_credentials.conf",
            Plain,
            vec![
                get("http://app.example.com", "/api/ok").cookie().allowed(),
                get(APP, "/api/ok").cookie().allowed(),
                get(EVIL, "/api/ok").cookie().blocked(),
            ],
        ),
        case(
            "CORS107/nginx_https_origins_with_credentials.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed().has(A, ACAC, "true"),
                get("http://localhost:5173", "/api/ok").cookie().allowed().note("(loopback)"),
                get("http://app.example.com", "/api/ok").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS206/nginx_wildcard_headers_with_credentials.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .json()
                    .blocked()
                    .status(P, 204)
                    .has(P, "access-control-allow-headers", "*")
                    .note("(`*` read literally with credentials)"),
                request("PUT", APP, "/api/ok")
                    .json()
                    .allowed()
                    .status(P, 204)
                    .note("(without credentials `*` covers it)"),
            ],
        ),
        case(
            "CORS206/nginx_listed_headers_with_credentials.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .json()
                    .allowed()
                    .status(P, 204)
                    .has(A, ACAC, "true"),
            ],
        ),
        case(
            "CORS202/auth_basic_staging.conf",
            Plain,
            vec![
                get("https://app.staging.example.com", "/api/ok")
                    .cookie()
                    .header("Authorization", "Basic dXNlcjpzZWNyZXQ=")
                    .blocked()
                    .status(P, 401),
            ],
        ),
        case(
            "CORS202/auth_request_options_first.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .json()
                    .allowed()
                    .status(P, 204),
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .json()
                    .allowed()
                    .status(P, 204)
                    .status(A, 401)
                    .has(A, ACAO, APP)
                    .note("(no token: auth_request's 401, readable)"),
                request("PUT", EVIL, "/api/ok").cookie().header("Authorization", "Bearer t").blocked(),
            ],
        ),
        case(
            "CORS202/limit_except_with_options.conf",
            Plain,
            vec![
                request("POST", APP, "/api/ok")
                    .json()
                    .blocked()
                    .status(P, 405)
                    .has(P, ACAO, APP)
                    .note("(OPTIONS passes limit_except, but the upstream without CORS answers 405)"),
                get(APP, "/api/ok").allowed(),
            ],
        ),
        case(
            "CORS202/limit_except_without_options.conf",
            Plain,
            vec![request("POST", APP, "/api/ok").json().blocked().status(P, 403), get(APP, "/api/ok").allowed()],
        ),
        // CORS109: the frontend's real origin against the proxy in front of the API.
        case(
            "CORS109/nginx_loopback_ip/edge.conf",
            Plain,
            vec![get("http://localhost:5173", "/gt").blocked(), get("http://127.0.0.1:5173", "/gt").allowed()],
        ),
        case("CORS109/nginx_localhost_clean/edge.conf", Plain, vec![get("http://localhost:5173", "/gt").allowed()]),
        // The deployed page's origin (its nginx server_name with TLS) against the API's nginx.
        case(
            "CORS109/deployed_origin_not_allowed/edge/api.conf",
            Plain,
            vec![
                get("https://shop.example.com", "/gt").blocked(),
                get("https://www.shop.example.com", "/gt").allowed(),
            ],
        ),
        case(
            "CORS109/deployed_origin_allowed_clean/edge/api.conf",
            Plain,
            vec![get("https://shop.example.com", "/gt").allowed()],
        ),
        case(
            "CORS109/nginx_next_fallback_port/proxy/api.conf",
            Plain,
            vec![get("http://localhost:4000", "/v1/").allowed(), get("http://localhost:4001", "/v1/").blocked()],
        ),
        case(
            "CORS109/dev_proxy_removed/nginx/default.conf",
            Plain,
            vec![get("http://localhost:3000", "/api/ok").blocked()],
        ),
        case(
            "CORS203/options_branch_405.conf",
            Plain,
            vec![request("PUT", APP, "/api/ok").json().blocked().status(P, 405).has(P, ACAO, APP)],
        ),
        case(
            "CORS203/options_branch_done_right.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .json()
                    .allowed()
                    .status(P, 204),
                request("DELETE", APP, "/api/missing").cookie().allowed().status(A, 404),
                request("PUT", EVIL, "/api/ok").cookie().json().blocked(),
            ],
        ),
        case(
            "CORS203/options_branch_without_origin.conf",
            Plain,
            vec![request("PUT", APP, "/api/ok").cookie().json().blocked().status(P, 204).lacks(P, ACAO).lacks(P, ACAC)],
        ),
        case(
            "CORS203/static_files_preflight.conf",
            Plain,
            vec![
                get(APP, "/videos/clip.mp4")
                    .header("Range", "bytes=0-1, 4-5")
                    .blocked()
                    .status(P, 405)
                    .note("(a multi-range needs a preflight)"),
                get(APP, "/videos/clip.mp4")
                    .header("Range", "bytes=0-3")
                    .allowed()
                    .status(A, 206)
                    .note("(a single range is safelisted: no preflight)"),
            ],
        ),
        case(
            "CORS203/last_matching_if_bare_return.conf",
            Plain,
            vec![
                request("POST", APP, "/api/ok")
                    .json()
                    .blocked()
                    .status(P, 204)
                    .lacks(P, ACAO)
                    .lacks(P, "access-control-allow-headers")
                    .note("(the last matching `if` inherits nothing)"),
                request("POST", APP, "/api/ok").body("text/plain", "x").allowed().has(A, ACAO, APP),
            ],
        ),
        case(
            "CORS207/nginx_max_age_never_sent.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .allowed()
                    .status(P, 204)
                    .has(P, "access-control-max-age", "7200")
                    .note("(the first `if`'s 1728000 is never sent)"),
            ],
        ),
        case(
            "CORS301/content_type_map_assets.conf",
            Plain,
            vec![
                get(APP, "/font.woff2").allowed().has(A, ACAO, "*"),
                get(APP, "/index.html").blocked().lacks(A, ACAO),
                get(APP, "/retired/font.woff2").blocked().status(A, 410).lacks(A, ACAO).note("(an HTML error page)"),
            ],
        ),
        case(
            "CORS301/content_type_map_with_html.conf",
            Plain,
            vec![
                get(APP, "/index.html").allowed().has(A, ACAO, "*"),
                get(APP, "/retired/index.html").blocked().status(A, 410).lacks(A, ACAO),
            ],
        ),
        case(
            "CORS301/last_matching_if_answers_get.conf",
            Plain,
            vec![
                get(APP, "/api/ok").allowed().has(A, ACAO, APP),
                get(APP, "/api/missing").blocked().status(A, 404).lacks(A, ACAO),
                request("POST", APP, "/api/ok")
                    .body("text/plain", "x")
                    .blocked()
                    .lacks(A, ACAO)
                    .note("(POST matches no `if`)"),
                request("DELETE", APP, "/api/ok").blocked().status(P, 204).has(P, ACAO, APP).has(
                    P,
                    "access-control-max-age",
                    "7200",
                ),
            ],
        ),
        case(
            "CORS306/stock_includes_are_known.conf",
            Plain,
            vec![
                get(APP, "/api/ok").allowed().has(A, ACAO, APP).lacks(A, "vary"),
                get(EVIL, "/api/ok").blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS301/headers_more_all_statuses.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed(),
                get(APP, "/api/missing").cookie().allowed().status(A, 404),
                get(APP, "/api/private").cookie().allowed().status(A, 401),
                get(APP, "/api/boom").cookie().allowed().status(A, 500),
                get(EVIL, "/api/ok").cookie().blocked().has(A, ACAO, APP),
            ],
        ),
        case(
            "CORS301/headers_more_all_statuses.conf",
            Cors,
            vec![
                get(EVIL, "/api/ok")
                    .cookie()
                    .blocked()
                    .has(A, ACAO, APP)
                    .has(A, ACAC, "true")
                    .note("(the app's reflected ACAO and its ACAC replaced)"),
            ],
        ),
        case(
            "CORS301/options_branch_return_204.conf",
            Plain,
            vec![
                request("PUT", APP, "/ok").header("Authorization", "Bearer t").json().allowed().status(P, 204),
                get(APP, "/missing").allowed().status(A, 404),
                get(EVIL, "/ok").blocked(),
            ],
        ),
        case(
            "CORS301/preflight_headers_without_always.conf",
            Plain,
            vec![
                request("PUT", APP, "/api/ok")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .json()
                    .allowed()
                    .status(P, 204),
                request("PUT", APP, "/api/missing").cookie().json().allowed().status(A, 404),
            ],
        ),
        case(
            "CORS301/proxy_with_always.conf",
            Plain,
            vec![
                get(APP, "/api/missing").cookie().allowed().status(A, 404),
                get(APP, "/api/private").cookie().allowed().status(A, 401),
                get(APP, "/api/boom").cookie().allowed().status(A, 500),
                get(EVIL, "/api/ok").cookie().blocked(),
            ],
        ),
        case(
            "CORS301/proxy_with_always.conf",
            Cors,
            vec![
                get(APP, "/api/ok")
                    .cookie()
                    .allowed()
                    .has(A, ACAO, APP)
                    .has(A, ACAC, "true")
                    .note("(app with CORS behind: both its headers hidden, nginx's own only)"),
                get(APP, "/api/ok").allowed(),
            ],
        ),
        case(
            "CORS301/proxy_without_always.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed(),
                get(APP, "/api/missing").cookie().blocked().status(A, 404).lacks(A, ACAO),
                get(APP, "/api/private").cookie().blocked().status(A, 401).lacks(A, ACAO),
                get(APP, "/api/boom").cookie().blocked().status(A, 500).lacks(A, ACAO),
            ],
        ),
        case(
            "CORS301/retired_endpoint_410.conf",
            Plain,
            vec![
                get(APP, "/api/v1/users").blocked().status(A, 410).lacks(A, ACAO),
                get(APP, "/healthz").allowed().status(A, 200),
                get(APP, "/api/v2/missing").allowed().status(A, 404),
            ],
        ),
        case(
            "CORS301/shared_snippet",
            Plain,
            vec![
                get(APP, "/api/v1/ok").cookie().allowed(),
                get(APP, "/api/v2/missing").cookie().blocked().status(A, 404).lacks(A, ACAO).has(
                    A,
                    "access-control-expose-headers",
                    "X-Request-Id",
                ),
            ],
        ),
        case(
            "CORS302/conf_d_includes",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().transport("Host", "api.example.com").allowed(),
                get(APP, "/api/exports/report")
                    .cookie()
                    .transport("Host", "api.example.com")
                    .blocked()
                    .lacks(A, ACAO)
                    .has(A, "content-disposition", "attachment"),
                get(APP, "/index.html").cookie().transport("Host", "static.example.com").allowed().has(
                    A,
                    "cache-control",
                    "public, max-age=86400",
                ),
            ],
        ),
        case(
            "CORS302/if_in_location.conf",
            Plain,
            vec![
                get(APP, "/files/report.pdf").allowed(),
                get(APP, "/files/report.pdf?download=1").blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS302/later_if_wins.conf",
            Plain,
            vec![
                get(APP, "/ok").allowed(),
                get(APP, "/ok").transport("User-Agent", "Googlebot").blocked().lacks(A, ACAO),
            ],
        ),
        case(
            "CORS302/nested_location.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed(),
                request("POST", APP, "/api/uploads/file")
                    .cookie()
                    .body("text/plain", "x")
                    .blocked()
                    .lacks(A, ACAO)
                    .has(A, "x-upload-limit", "50m"),
            ],
        ),
        case(
            "CORS302/static_assets_cache_control.conf",
            Plain,
            vec![
                get(APP, "/index.html").allowed(),
                get(APP, "/font.woff2").blocked().lacks(A, ACAO).has(
                    A,
                    "cache-control",
                    "max-age=31536000, public, immutable",
                ),
            ],
        ),
        case(
            "CORS302/static_assets_repeated.conf",
            Plain,
            vec![get(APP, "/font.woff2").allowed(), get(EVIL, "/font.woff2").blocked()],
        ),
        case(
            "CORS303/more_clear_headers.conf",
            Plain,
            vec![get(APP, "/index.php").cookie().blocked().lacks(A, ACAO).lacks(A, "x-powered-by")],
        ),
        case(
            "CORS303/more_clear_headers.conf",
            Cors,
            vec![
                get(APP, "/index.php")
                    .cookie()
                    .blocked()
                    .lacks(A, ACAO)
                    .lacks(A, ACAC)
                    .lacks(A, "x-powered-by")
                    .note("(PHP's own CORS headers cleared)"),
                request("PUT", APP, "/index.php")
                    .cookie()
                    .json()
                    .blocked()
                    .status(P, 200)
                    .lacks(P, ACAO)
                    .lacks(P, "access-control-allow-methods")
                    .note("(PHP answers the preflight; every Access-Control-* cleared)"),
            ],
        ),
        case("CORS303/more_set_then_clear.conf", Plain, vec![get(APP, "/api/ok").blocked().lacks(A, ACAO)]),
        case(
            "CORS303/more_set_then_clear.conf",
            Cors,
            vec![get(APP, "/api/ok").blocked().lacks(A, ACAO).note("(the set and the app's header cleared)")],
        ),
        case(
            "CORS303/more_clear_then_set.conf",
            Cors,
            vec![get(APP, "/api/ok").allowed().has(A, ACAO, APP), get(EVIL, "/api/ok").blocked().has(A, ACAO, APP)],
        ),
        case(
            "CORS303/hide_and_replace.conf",
            Cors,
            vec![get(APP, "/api/ok").allowed().has(A, ACAO, APP), get(EVIL, "/api/ok").blocked().has(A, ACAO, APP)],
        ),
        case(
            "CORS303/hide_without_own_header.conf",
            Cors,
            vec![get(APP, "/api/ok").cookie().blocked().lacks(A, ACAO).lacks(A, ACAC)],
        ),
        case(
            "CORS306/if_allowlist_without_vary.conf",
            Plain,
            vec![get(APP, "/api/ok").cookie().allowed().lacks(A, "vary"), get(EVIL, "/api/ok").cookie().blocked()],
        ),
        case(
            "CORS306/map_allowlist_with_vary.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed().has(A, "vary", "Origin"),
                get(EVIL, "/api/ok").cookie().blocked(),
            ],
        ),
        case(
            "CORS306/map_allowlist_without_vary.conf",
            Plain,
            vec![
                get(APP, "/api/ok").cookie().allowed().lacks(A, "vary"),
                get(EVIL, "/api/ok").cookie().blocked().note("(nginx's own proxy_cache computes ACAO per request)"),
            ],
        ),
        case(
            "CORS307/comma_separated_more_set.conf",
            Plain,
            vec![
                get(APP, "/api/ok").blocked().has(A, ACAO, "https://app.example.com, https://admin.example.com"),
                get("https://admin.example.com", "/api/missing").blocked().status(A, 404),
            ],
        ),
        case(
            "CORS307/comma_separated_more_set.conf",
            Cors,
            vec![
                get(APP, "/api/ok")
                    .cookie()
                    .blocked()
                    .has(A, ACAO, "https://app.example.com, https://admin.example.com")
                    .note("(the app's ACAO replaced: still the one list)"),
            ],
        ),
        case(
            "CORS307/map_allowlist.conf",
            Plain,
            vec![
                get(APP, "/api/ok").allowed(),
                get("https://admin.example.com", "/api/ok").allowed(),
                get(EVIL, "/api/ok").blocked(),
            ],
        ),
        case(
            "CORS307/space_separated_origins.conf",
            Plain,
            vec![get(APP, "/api/ok").blocked().has(A, ACAO, "https://app.example.com https://admin.example.com")],
        ),
    ];
    // Regression cases for how headers-more and add_header combine (not a rule fixture).
    let order = "tests/ground_truth/nginx/headers_more_order.conf";
    cases.push(case(
        order,
        Plain,
        vec![
            get(APP, "/clear-then-add/ok").allowed().has(A, ACAO, APP).note("(add_header runs after the clear)"),
            get(APP, "/set-then-add/ok")
                .blocked()
                .has(A, ACAO, "https://app.example.com, https://admin.example.com")
                .note("(add_header appends after more_set_headers)"),
            get(APP, "/clear-then-set/ok").allowed().has(A, ACAO, APP),
            get(APP, "/set-then-clear/ok").blocked().lacks(A, ACAO),
            get(APP, "/outer/inner/ok").allowed().has(A, ACAO, APP).note("(the outer clear runs first)"),
            get(APP, "/set-empty/ok").blocked().lacks(A, ACAO).note("(an empty value clears)"),
            get(APP, "/if-inner/ok").allowed().has(A, ACAO, APP).note("(the if's set runs after the location's clear)"),
        ],
    ));
    cases.push(case(
        order,
        Cors,
        vec![
            get(APP, "/clear-then-add/ok")
                .cookie()
                .blocked()
                .has(A, ACAO, APP)
                .lacks(A, ACAC)
                .note("(the app's headers cleared, add_header's kept)"),
            get(EVIL, "/clear-then-set/ok").cookie().blocked().has(A, ACAO, APP).has(A, ACAC, "true"),
            get(APP, "/set-empty/ok").cookie().blocked().lacks(A, ACAO).has(A, ACAC, "true"),
            get(APP, "/if-inner/ok")
                .cookie()
                .blocked()
                .has(A, ACAO, APP)
                .lacks(A, ACAC)
                .note("(the app's ACAC cleared)"),
        ],
    ));
    // The compose fixtures: nginx in front of the fixture's own FastAPI app.
    let (f, up) = stack("CORS304/compose_nginx_adds_origin");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items")
                .cookie()
                .blocked()
                .has(A, ACAO, "https://app.example.com, https://app.example.com")
                .has(A, ACAC, "true, true"),
        ],
    ));
    let (f, up) = stack("CORS304/compose_nginx_hides_only_origin");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items")
                .cookie()
                .blocked()
                .has(A, ACAO, "https://app.example.com")
                .has(A, ACAC, "true, true")
                .note("(only ACAO hidden: the app's ACAC and nginx's both arrive)"),
        ],
    ));
    let (f, up) = stack("CORS304/compose_nginx_leaves_cors_to_app");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().allowed(),
            request("DELETE", APP, "/api/items/1").cookie().allowed().status(P, 200),
            get(EVIL, "/api/items").cookie().blocked(),
        ],
    ));
    let (f, up) = stack("CORS304/compose_proxy_pass_host_port");
    cases.push(case(
        f,
        up,
        vec![get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com")],
    ));
    // Reached through a compose `links:` alias, a network alias, and the deployment that mounts it.
    for dir in ["CORS304/compose_links_alias", "CORS304/compose_network_alias"] {
        let (f, up) = stack(dir);
        let duplicate =
            get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com");
        cases.push(case(f, up, vec![duplicate]));
    }
    // One nginx config behind two compose files, each with its own app (simulate asks which one).
    cases.push(case(
        "CORS304/two_compose_files_one_proxy/nginx/conf.d/default.conf",
        Cors,
        vec![get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com")],
    ));
    // Each nginx config in front of its own deployment's app: one with CORS, one without.
    cases.push(case(
        "CORS304/two_deployments/nginx/shop/default.conf",
        Cors,
        vec![get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com")],
    ));
    cases.push(case(
        "CORS304/two_deployments/nginx/blog/default.conf",
        Plain,
        vec![get(APP, "/api/posts").allowed().has(A, ACAO, "https://app.example.com")],
    ));
    let (f, up) = stack("CORS305/compose_nginx_blanks_origin");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().blocked().lacks(A, ACAO),
            request("DELETE", APP, "/api/items/1")
                .cookie()
                .blocked()
                .status(P, 405)
                .note("(the app sees no preflight)"),
        ],
    ));
    let (f, up) = stack("CORS305/compose_app_without_cors");
    cases.push(case(f, up, vec![get(APP, "/api/items").blocked().lacks(A, ACAO)]));
    let (f, up) = stack("CORS305/compose_nginx_answers_cors_itself");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().allowed().has(A, ACAO, APP),
            request("DELETE", APP, "/api/items/1")
                .cookie()
                .blocked()
                .status(P, 405)
                .has(P, ACAO, APP)
                .note("(nothing answers the preflight)"),
        ],
    ));
    let (f, up) = stack("CORS305/compose_nginx_forwards_origin");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().allowed(),
            request("DELETE", APP, "/api/items/1").cookie().allowed(),
            get(EVIL, "/api/items").cookie().blocked(),
        ],
    ));
    let (f, up) = stack("CORS305/compose_nginx_rewrites_origin");
    cases.push(case(f, up, vec![get(APP, "/api/items").cookie().blocked().lacks(A, ACAO)]));
    let (f, up) = stack("CORS308/compose_nginx_hide_and_add");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
            get(EVIL, "/api/items").cookie().blocked(),
        ],
    ));
    let (f, up) = stack("CORS308/compose_nginx_more_set_headers");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items")
                .cookie()
                .allowed()
                .has(A, ACAO, APP)
                .has(A, ACAC, "true")
                .note("(the app's ACAO replaced by nginx's, not doubled)"),
            get(EVIL, "/api/items").cookie().blocked().has(A, ACAO, APP),
            request("DELETE", APP, "/api/items/1").cookie().allowed().status(P, 200).has(P, ACAO, APP),
            request("DELETE", EVIL, "/api/items/1").cookie().blocked().status(P, 400).has(P, ACAO, APP),
        ],
    ));
    let (f, up) = stack("CORS203/compose_app_answers_options");
    cases.push(case(
        f,
        up,
        vec![
            // The app's OPTIONS route answers with the preflight headers, nginx adds ACAO/ACAC.
            request("DELETE", APP, "/api/items/1").cookie().allowed().status(P, 204).has(P, ACAO, APP).has(
                P,
                "access-control-allow-methods",
                "GET, DELETE",
            ),
            get(APP, "/api/items").cookie().allowed(),
            get(EVIL, "/api/items").cookie().blocked(),
        ],
    ));
    let (f, up) = stack("CORS203/compose_nginx_answers_preflight");
    cases.push(case(
        f,
        up,
        vec![
            request("DELETE", APP, "/api/items/1").cookie().allowed().status(P, 204),
            get(APP, "/api/items").cookie().allowed(),
        ],
    ));
    let (f, up) = stack("CORS203/compose_nginx_cors_app_without");
    cases.push(case(
        f,
        up,
        vec![
            request("DELETE", APP, "/api/items/1").cookie().blocked().status(P, 405).has(P, ACAO, APP),
            get(APP, "/api/items").cookie().allowed(),
        ],
    ));
    let (f, up) = stack("CORS303/compose_nginx_hides_app_headers");
    cases.push(case(f, up, vec![get(APP, "/api/items").cookie().blocked().lacks(A, ACAO).has(A, ACAC, "true")]));
    let (f, up) = stack("CORS303/compose_nginx_passes_app_headers");
    cases.push(case(
        f,
        up,
        vec![
            get(APP, "/api/items").cookie().allowed(),
            request("DELETE", APP, "/api/items/1").cookie().allowed().status(P, 200),
            get(EVIL, "/api/items").cookie().blocked(),
        ],
    ));
    // The app found in the repository sends its own ACAO: with nginx's, the header comes twice.
    cases.push(case(
        "CORS304/single_app_single_proxy/deploy/api.conf",
        App("CORS304/single_app_single_proxy/backend"),
        vec![get(APP, "/gt").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com")],
    ));
    cases.push(case(
        "CORS304/two_origin_headers.conf",
        Plain,
        vec![get(APP, "/api/ok").blocked().has(A, ACAO, "https://app.example.com, https://app.example.com")],
    ));
    cases.push(case(
        "CORS304/more_set_then_add_header.conf",
        Plain,
        vec![
            get(APP, "/api/ok")
                .blocked()
                .has(A, ACAO, "https://app.example.com, https://admin.example.com")
                .note("(add_header appends after more_set_headers)"),
            get(APP, "/files/ok").cookie().blocked().has(A, ACAO, APP).has(A, ACAC, "true, true"),
        ],
    ));
    cases.push(case(
        "CORS304/more_clear_then_add_header.conf",
        Cors,
        vec![
            get(APP, "/api/ok").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true").note("(the app's cleared)"),
            get(EVIL, "/api/ok").cookie().blocked().has(A, ACAO, APP),
        ],
    ));
    // CORS106: the origin corslint names in its message gets in for real; an unrelated one does not.
    for fixture in ["CORS106/nginx_if_unescaped_dots.conf", "CORS106/nginx_map_unanchored_regex.conf"] {
        let mut probes: Vec<Probe> =
            attack(fixture).iter().map(|o| get(o, "/api/ok").cookie().allowed().note("(named by CORS106)")).collect();
        probes.push(get(APP, "/api/ok").cookie().allowed());
        probes.push(get(EVIL, "/api/ok").cookie().blocked());
        cases.push(case(fixture, Plain, probes));
    }
    cases
}

/// Cases for the browsers only (`nginx/browser_edges.conf`): where the Fetch specification and
/// what Chromium and Firefox do could part. What each probe claims is what both browsers do.
pub fn browser_edges() -> Vec<Case> {
    let edges = "tests/ground_truth/nginx/browser_edges.conf";
    let long_accept = format!("text/html;q={}", "9".repeat(120));
    vec![case(
        edges,
        Upstream::Plain,
        vec![
            get(APP, "/headers-star/ok")
                .header("Authorization", "Bearer t")
                .allowed()
                .note("(`*` covers Authorization)"),
            get(APP, "/headers-star/ok").header("X-Custom", "1").allowed(),
            request("PUT", APP, "/headers-star/ok").json().allowed(),
            request("PUT", APP, "/star-with-credentials/ok").cookie().blocked(),
            get(APP, "/star-with-credentials/ok").header("X-Custom", "1").cookie().blocked(),
            request("PUT", APP, "/lowercase-methods/ok").blocked(),
            request("patch", APP, "/lowercase-methods/ok")
                .blocked()
                .note("(sent as written: the preflight passes, nginx answers a lower-case method 400)"),
            request("patch", APP, "/uppercase-methods/ok").blocked().note("(`patch` is not normalized)"),
            request("PATCH", APP, "/uppercase-methods/ok").allowed(),
            get(APP, "/custom-only/ok").header("Accept", &long_accept).blocked().note("(129 bytes: not safelisted)"),
            get(APP, "/custom-only/ok").header("Content-Language", "en_US").blocked(),
            get(APP, "/custom-only/ok").header("Accept", "text/(html)").blocked(),
            request("POST", APP, "/custom-only/ok").body("text/plain; charset=\"utf-8\"", "x").blocked(),
            get(APP, "/custom-only/ok").header("Range", "bytes=5-1").blocked(),
            get(APP, "/custom-only/ok").header("Range", "bytes=-5").blocked(),
            get(APP, "/custom-only/ok").header("Accept-Language", "en-US,en;q=0.9").allowed(),
            request("PUT", APP, "/preflight-redirect/ok").blocked(),
            request("PUT", APP, "/bad-token-lists/ok").blocked(),
            get(APP, "/bad-token-lists/ok").header("X-Custom", "1").blocked(),
            get(APP, "/credentials-twice/ok").cookie().blocked(),
            get(APP, "/null-origin/ok").blocked(),
            get("null", "/null-origin/ok").allowed(),
        ],
    )]
}

/// A compose fixture's nginx config and the app of its `backend` service.
fn stack(dir: &'static str) -> (&'static str, Upstream) {
    (
        Box::leak(format!("{dir}/nginx/conf.d/default.conf").into_boxed_str()) as &str,
        Upstream::App(Box::leak(format!("{dir}/backend").into_boxed_str()) as &str),
    )
}

/// nginx's `add_header` beside the app's own headers: two values of each, which browsers refuse.
fn app_and_nginx_both_send_headers() -> Vec<Probe> {
    let twice = "https://app.example.com, https://app.example.com";
    vec![get(APP, "/api/items").cookie().blocked().has(A, ACAO, twice).has(A, ACAC, "true, true")]
}

/// nginx in front of a Flask app with Flask-CORS (served from the Flask venv): both sending
/// `Access-Control-Allow-Origin` is CORS304 for this layer too, proven on the wire.
pub fn flask_stacks() -> Vec<Case> {
    let (f, up) = stack("CORS304/compose_nginx_in_front_of_flask");
    let duplicated = app_and_nginx_both_send_headers();
    let (g, leaves) = stack("CORS304/compose_nginx_leaves_cors_to_flask");
    let single = vec![
        get(APP, "/api/items").cookie().allowed().has(A, ACAC, "true"),
        request("DELETE", APP, "/api/items").cookie().allowed().status(P, 200).status(A, 405),
        get(EVIL, "/api/items").cookie().blocked().lacks(A, ACAO),
    ];
    vec![case(f, up, duplicated), case(g, leaves, single)]
}

/// nginx in front of a Litestar app with `CORSConfig` (served from the Litestar venv): duplicated
/// headers when nginx adds its own, one set when it only forwards.
pub fn litestar_stacks() -> Vec<Case> {
    let (f, up) = stack("CORS304/compose_nginx_in_front_of_litestar");
    let duplicated = app_and_nginx_both_send_headers();
    let (g, leaves) = stack("CORS304/compose_nginx_leaves_cors_to_litestar");
    let single = vec![
        get(APP, "/api/items").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
        get(EVIL, "/api/items").cookie().blocked().lacks(A, ACAO),
    ];
    vec![case(f, up, duplicated), case(g, leaves, single)]
}

/// nginx in front of a Django app with django-cors-headers (served from the Django venv).
pub fn django_stacks() -> Vec<Case> {
    let (f, up) = stack("CORS304/compose_nginx_in_front_of_django");
    let duplicated = app_and_nginx_both_send_headers();
    vec![case(f, up, duplicated)]
}
