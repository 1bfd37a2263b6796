//! The fastify and Hono fixtures and the requests each is checked with, on real fastify 5.12.8
//! with `@fastify/cors` 11.4.3 and real Hono 4.13.23 on `@hono/node-server` 2.1.11
//! (`CORSLINT_GT_NODE_MODULES`, installed by `.ci/run` with `npm ci` from
//! `tests/ground_truth/node/package-lock.json`). Each fixture is its own `node` process listening
//! on 127.0.0.1 at `PORT`.

use crate::fastapi_cases::{ACAC, ACAO, App, app};
use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, get, request};

/// `attack` is the origin corslint's CORS106 message names.
pub fn fastify_apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        // `*` with credentials: both headers sent; the browser refuses the credentialed call.
        app(
            "CORS101/fastify_star_with_credentials.js",
            vec![
                get(EVIL, "/api/me").allowed().has(A, ACAO, "*").has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().has(A, ACAO, "*"),
            ],
        ),
        // One origin string, sent whatever the request's origin, without `Vary: Origin`.
        app(
            "CORS101/fastify_listed_origin_with_credentials.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).lacks(A, "vary"),
                get(EVIL, "/api/me").cookie().blocked().has(A, ACAO, APP),
            ],
        ),
        // `origin: true` + credentials: every origin is reflected with credentials; the default
        // methods (GET, HEAD, POST) answer a POST preflight.
        app(
            "CORS102/fastify_origin_true_with_credentials.js",
            vec![
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                request("POST", EVIL, "/api/me").json().cookie().status(P, 204).has(P, ACAO, EVIL).status(A, 404),
            ],
        ),
        // The fix: only the listed origin is reflected, with credentials and `Vary: Origin`.
        app(
            "CORS102/fastify_origin_list_with_credentials_clean.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true").has(A, "vary", "Origin"),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        app(
            "CORS104/fastify_origin_trailing_slash.js",
            vec![get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com/").status(A, 200)],
        ),
        app(
            "CORS104/fastify_origin_list_exact.js",
            vec![
                get(APP, "/api/items").allowed().has(A, ACAO, APP).has(A, "vary", "Origin"),
                get("http://localhost:5173", "/api/items").allowed(),
                get(EVIL, "/api/items").blocked().lacks(A, ACAO),
            ],
        ),
        app(
            "CORS106/fastify_anchored_regex.js",
            vec![
                get("https://shop.example.com", "/api/items").cookie().allowed(),
                get("https://shop.example.com.evil.com", "/api/items").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // The hook added before the plugin answers the preflight 401 without CORS headers.
        app(
            "CORS201/fastify_auth_hook_before_cors.js",
            vec![request("PUT", APP, "/api/items").json().blocked().status(P, 401).lacks(P, ACAO)],
        ),
        // The plugin answers the preflight; the actual request meets the hook's 401, which carries
        // the CORS headers (the plugin's hook ran first).
        app(
            "CORS201/fastify_cors_before_auth_hook.js",
            vec![request("PUT", APP, "/api/items").json().status(P, 204).has(P, ACAO, APP).allowed().status(A, 401)],
        ),
        // Default methods: the PUT preflight's `Access-Control-Allow-Methods` is `GET,HEAD,POST`.
        app(
            "CORS204/fastify_default_methods_put_route.js",
            vec![request("PUT", APP, "/api/items").json().blocked().status(P, 204).has(
                P,
                "access-control-allow-methods",
                "GET,HEAD,POST",
            )],
        ),
        app(
            "CORS204/fastify_methods_listed.js",
            vec![
                request("PUT", APP, "/api/items").json().allowed().status(P, 200).status(A, 200),
                request("DELETE", APP, "/api/items/3").allowed().status(A, 200),
            ],
        ),
        // A route declared before the plugin still gets its hook: no CORS208 in fastify.
        app(
            "CORS208/fastify_cors_after_routes.js",
            vec![
                get(APP, "/api/items").allowed().has(A, ACAO, APP),
                request("POST", APP, "/api/items").json().status(P, 204).has(P, ACAO, APP).status(A, 404).allowed(),
            ],
        ),
    ];
    let regex = "CORS106/fastify_unanchored_regex.js";
    let mut probes = vec![get("https://example.com", "/api/items").allowed(), get(EVIL, "/api/items").blocked()];
    probes.extend(attack(regex).iter().map(|origin| get(origin, "/api/items").allowed().has(A, ACAO, origin)));
    apps.push(app(regex, probes));
    apps
}

pub fn hono_apps() -> Vec<App> {
    vec![
        app(
            "CORS101/hono_star_with_credentials.js",
            vec![
                get(EVIL, "/api/me").allowed().has(A, ACAO, "*").has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().has(A, ACAO, "*"),
                request("PUT", EVIL, "/api/me").json().cookie().blocked().status(P, 204).has(P, ACAO, "*"),
            ],
        ),
        // Listed origins are sent back only when equal; `Vary: Origin` on every response.
        app(
            "CORS101/hono_listed_origin_with_credentials.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, "vary", "Origin"),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
                // `/api/*` also covers `/api` (no route: Hono's 404, with the CORS headers).
                get(APP, "/api").cookie().status(A, 404).has(A, ACAO, APP),
            ],
        ),
        // Compared with `===`: the trailing `/` never equals a browser's origin, nothing is sent.
        app(
            "CORS104/hono_origin_trailing_slash.js",
            vec![get(APP, "/api/items").blocked().lacks(A, ACAO).status(A, 200)],
        ),
        // `"*"` in the array is one more string `.includes` compares: it lets no origin in.
        app(
            "CORS104/hono_star_in_origin_list.js",
            vec![get(APP, "/api/items").allowed().has(A, ACAO, APP), get(EVIL, "/api/items").blocked().lacks(A, ACAO)],
        ),
        app(
            "CORS104/hono_origin_list_exact.js",
            vec![
                get(APP, "/api/items").allowed().has(A, ACAO, APP),
                get("http://localhost:5173", "/api/items").allowed(),
                get(EVIL, "/api/items").blocked().lacks(A, ACAO),
                request("PUT", APP, "/api/items").json().status(P, 204).has(P, ACAO, APP).status(A, 404),
            ],
        ),
        // A RegExp origin: `.includes` is not a function, every request is a 500.
        app("CORS105/hono_regexp_origin.js", vec![get(APP, "/api/items").blocked().status(A, 500)]),
        app("CORS105/hono_origin_function.js", vec![get(APP, "/api/items").allowed()]),
        // bearerAuth before cors(): the preflight gets its 401.
        app(
            "CORS201/hono_auth_before_cors.js",
            vec![request("PUT", APP, "/api/items").json().blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/hono_cors_before_auth.js",
            vec![request("PUT", APP, "/api/items").json().status(P, 204).has(P, ACAO, APP).allowed().status(A, 401)],
        ),
        // Routes before cors(): the preflight succeeds (cors() answers OPTIONS), the actual
        // response carries no CORS headers.
        app(
            "CORS208/hono_cors_after_routes.js",
            vec![
                request("PUT", APP, "/api/items").json().blocked().status(P, 204).has(P, ACAO, APP).lacks(A, ACAO),
                get(APP, "/api/items").blocked().status(A, 200).lacks(A, ACAO),
            ],
        ),
        app(
            "CORS208/hono_cors_before_routes.js",
            vec![request("PUT", APP, "/api/items").json().allowed().status(P, 204).has(A, ACAO, APP)],
        ),
    ]
}

const SHOP: &str = "https://shop.example.com";

/// nginx in front of the fastify and Hono apps of the CORS304 fixtures (`api/src/server.js`):
/// nginx's `add_header` beside the app's own header is two values, which browsers refuse; nginx
/// that only forwards leaves the app's one.
pub fn stacks() -> Vec<crate::express_cases::Stack> {
    let stack = crate::express_cases::Stack::new;
    let twice = "https://shop.example.com, https://shop.example.com";
    vec![
        stack("CORS304/fastify_behind_nginx", vec![get(SHOP, "/orders").blocked().status(A, 200).has(A, ACAO, twice)]),
        stack(
            "CORS304/fastify_behind_nginx_without_proxy_cors",
            vec![get(SHOP, "/orders").allowed().has(A, ACAO, SHOP), get(EVIL, "/orders").blocked().has(A, ACAO, SHOP)],
        ),
        stack("CORS304/hono_behind_nginx", vec![get(SHOP, "/orders").blocked().status(A, 200).has(A, ACAO, twice)]),
        stack(
            "CORS304/hono_behind_nginx_without_proxy_cors",
            vec![get(SHOP, "/orders").allowed().has(A, ACAO, SHOP), get(EVIL, "/orders").blocked().lacks(A, ACAO)],
        ),
    ]
}
