//! The Express fixtures and the requests each is checked with, on real Express (4.21.2 and 5.1.0)
//! with npm `cors` 2.8.5 (`CORSLINT_GT_NODE_MODULES`, installed by `.ci/run` with `npm ci` from
//! `tests/ground_truth/node/package-lock.json`). Each fixture is its own `node` process listening on
//! 127.0.0.1 at `PORT`.

use crate::fastapi_cases::{ACAC, ACAO, App, app};
use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, get, request};

/// `attack` is the origin corslint's CORS106 message names.
pub fn apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        // CORS109: the page deletes todos; `methods` leaves DELETE out, so its preflight fails.
        app(
            "CORS109/express_method_not_allowed/api/server.js",
            vec![
                request("DELETE", "http://localhost:5173", "/todos/1").blocked().status(P, 204),
                get("http://localhost:5173", "/todos").allowed(),
            ],
        ),
        app(
            "CORS109/express_method_allowed_clean/api/server.js",
            vec![request("DELETE", "http://localhost:5173", "/todos/1").allowed()],
        ),
        // CORS204: every method the routes serve is in `methods`.
        app(
            "CORS204/express_methods_listed.js",
            vec![
                request("DELETE", APP, "/api/items/1").allowed().status(P, 204).has(
                    P,
                    "access-control-allow-methods",
                    "GET,POST,DELETE",
                ),
                get(APP, "/api/items").allowed().has(A, ACAO, APP),
            ],
        ),
        // `*` with credentials: both headers sent; the browser refuses the credentialed call.
        app(
            "CORS101/express_star_with_credentials.js",
            vec![
                get(EVIL, "/api/me").allowed().has(A, ACAO, "*").has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().has(A, ACAO, "*"),
                request("PUT", EVIL, "/api/me").json().cookie().blocked().status(P, 204).has(P, ACAO, "*"),
            ],
        ),
        // One origin, sent whatever the request's origin; the browser compares it.
        app(
            "CORS101/express_listed_origin_with_credentials.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, "vary", "Origin"),
                get(EVIL, "/api/me").cookie().blocked().has(A, ACAO, APP),
            ],
        ),
        // `origin: true` + credentials: every origin is reflected with credentials.
        app(
            "CORS102/express_origin_true_with_credentials.js",
            vec![
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                request("DELETE", EVIL, "/api/me").cookie().allowed().status(P, 204).has(P, ACAO, EVIL),
            ],
        ),
        // The same options exported by a config module and `require`d by the app.
        app(
            "CORS102/express_options_from_config_module/server.js",
            vec![
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                request("DELETE", EVIL, "/api/me").cookie().allowed().status(P, 204).has(P, ACAO, EVIL),
            ],
        ),
        app(
            "CORS102/express_options_from_config_module_clean/server.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // An origin function: Unknown to corslint (KNOWN_DISAGREEMENTS); the real app allows its list.
        app(
            "CORS102/express_origin_callback.js",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // A trailing `/` is sent as written: no browser's origin equals it.
        app(
            "CORS104/express_origin_trailing_slash.js",
            vec![get(APP, "/api/items").blocked().has(A, ACAO, "https://app.example.com/").status(A, 200)],
        ),
        app(
            "CORS104/express_origin_list_exact.js",
            vec![
                get(APP, "/api/items").allowed().has(A, ACAO, APP),
                get("http://localhost:5173", "/api/items").allowed(),
                get(EVIL, "/api/items").blocked().lacks(A, ACAO),
            ],
        ),
        // `"*"` in the array matches no origin: only the listed one is answered.
        app(
            "CORS104/express_star_in_origin_list.js",
            vec![get(APP, "/api/items").allowed().has(A, ACAO, APP), get(EVIL, "/api/items").blocked().lacks(A, ACAO)],
        ),
        app(
            "CORS106/express_anchored_regex.js",
            vec![
                get("https://shop.example.com", "/api/items").cookie().allowed(),
                get("https://shop.example.com.evil.com", "/api/items").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // passport (the fixture's `require("passport")` is served by the suite's stub, which
        // answers 401 like `passport.authenticate` without credentials) runs before cors().
        app(
            "CORS201/express_auth_before_cors.js",
            vec![request("PUT", APP, "/api/items").json().blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/express_cors_before_auth.js",
            // The preflight gets cors()'s 204; the actual request reaches passport, whose 401 the
            // page can read (it carries the CORS headers).
            vec![request("PUT", APP, "/api/items").json().status(P, 204).has(P, ACAO, APP).allowed().status(A, 401)],
        ),
        // cors() after the routes: it answers the preflight, the route answers the actual request
        // without CORS headers.
        app(
            "CORS208/express_cors_after_routes.js",
            vec![
                request("PUT", APP, "/api/items").json().blocked().status(P, 204).has(P, ACAO, APP).lacks(A, ACAO),
                get(APP, "/api/items").blocked().status(A, 200).lacks(A, ACAO),
            ],
        ),
        app(
            "CORS208/express_cors_before_routes.js",
            vec![request("PUT", APP, "/api/items").json().allowed().status(P, 204).has(A, ACAO, APP)],
        ),
    ];
    let regex = "CORS106/express_unanchored_regex.js";
    let mut probes = vec![get("https://example.com", "/api/items").allowed(), get(EVIL, "/api/items").blocked()];
    probes.extend(attack(regex).iter().map(|origin| get(origin, "/api/items").allowed().has(A, ACAO, origin)));
    apps.push(app(regex, probes));
    apps
}

/// Fixtures whose paths only Express 5 reads as written (its `package.json` pins it).
pub fn express5_apps() -> Vec<App> {
    vec![
        // `/*splat` needs a segment: `/` is the router's 404 (with cors()'s headers, which ran first).
        app(
            "simulate/express5_named_wildcard_route/server.js",
            vec![
                get(APP, "/api/items").allowed().status(A, 200).has(A, ACAO, APP),
                get(APP, "/").allowed().status(A, 404).has(A, ACAO, APP),
            ],
        ),
    ]
}

const SHOP: &str = "https://shop.example.com";

/// A stack of nginx in front of an Express fixture app: the nginx config, the app's entry script,
/// and the requests.
pub struct Stack {
    pub fixture: &'static str,
    pub nginx: &'static str,
    pub script: &'static str,
    pub probes: Vec<crate::probe::Probe>,
}

impl Stack {
    /// The stack of a compose fixture: `nginx/default.conf` in front of `api/src/server.js`.
    pub fn new(fixture: &'static str, probes: Vec<crate::probe::Probe>) -> Stack {
        Stack {
            fixture,
            nginx: Box::leak(format!("{fixture}/nginx/default.conf").into_boxed_str()),
            script: Box::leak(format!("{fixture}/api/src/server.js").into_boxed_str()),
            probes,
        }
    }
}

/// nginx in front of the CORS304/CORS308 Express apps (`api/src/server.js`, Express 4 as their
/// `package.json` pins): both sending `Access-Control-Allow-Origin` is CORS304, proven on the wire.
pub fn stacks() -> Vec<Stack> {
    let stack = Stack::new;
    vec![
        // nginx's `add_header` appends to the app's header: two values, which browsers refuse.
        stack(
            "CORS304/express_behind_nginx",
            vec![get(SHOP, "/orders").blocked().status(A, 200).has(
                A,
                ACAO,
                "https://shop.example.com, https://shop.example.com",
            )],
        ),
        // nginx only forwards: the app's `cors()` answers alone.
        stack(
            "CORS304/express_behind_nginx_without_proxy_cors",
            vec![
                get(SHOP, "/orders").allowed().has(A, ACAO, SHOP).has(A, "vary", "Origin"),
                get(EVIL, "/orders").blocked().has(A, ACAO, SHOP),
                request("DELETE", SHOP, "/orders").status(P, 204).has(P, ACAO, SHOP).allowed().status(A, 404),
            ],
        ),
        // nginx hides the app's header and sends its own: one value (CORS308, not CORS304).
        stack("CORS304/express_behind_nginx_hides_app_header", vec![get(SHOP, "/orders").allowed().has(A, ACAO, SHOP)]),
        // CORS308's counterpart: nginx leaves CORS to the app, whose policy is the one sent.
        stack(
            "CORS308/express_behind_nginx_leaves_cors_to_app",
            vec![
                get(SHOP, "/orders").allowed().has(A, ACAO, SHOP).has(A, "vary", "Origin"),
                get(EVIL, "/orders").blocked().has(A, ACAO, SHOP),
            ],
        ),
    ]
}
