//! The Flask-CORS fixtures and the requests each is checked with, on the real Flask and
//! Flask-CORS (`CORSLINT_GT_PYTHON_FLASK`). Flask answers OPTIONS for every route itself and
//! Flask-CORS adds its headers to every response it covers (404s too), so most checks use `/gt`
//! (no route) and preflights use a route the fixture has.

use crate::fastapi_cases::{ACAC, ACAO, App, app};
use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, get, request};

/// `attack` is the origin corslint's CORS106 message names.
pub fn apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        // CORS102 without credentials: every origin is echoed, with `Vary: Origin`; cookies stay out.
        app(
            "CORS102/flask_bare_cors.py",
            vec![
                get(EVIL, "/api/items").allowed().has(A, ACAO, EVIL).has(A, "vary", "Origin"),
                get(EVIL, "/api/items").cookie().blocked().lacks(A, ACAC),
                request("DELETE", EVIL, "/api/items").allowed().status(P, 200).status(A, 405),
            ],
        ),
        app(
            "CORS102/flask_supports_credentials.py",
            vec![get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true")],
        ),
        // Two `CORS(app)` calls: Flask runs the later one's after_request first.
        app(
            "CORS102/flask_later_cors_call_reflects_with_credentials.py",
            vec![
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
            ],
        ),
        // The later call allows nothing for this origin, so the earlier one still answers it.
        app(
            "CORS102/flask_two_cors_calls_listed_clean.py",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
                get("https://admin.example.com", "/api/me").cookie().allowed().has(
                    A,
                    ACAO,
                    "https://admin.example.com",
                ),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // `@cross_origin` marks its response as evaluated: `CORS(app)` adds nothing to it, even for
        // an origin only `CORS(app)` allows.
        app(
            "CORS102/flask_cross_origin_narrows_extension_clean.py",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAO, APP),
                get(APP, "/api/admin").cookie().blocked().lacks(A, ACAO),
                get("https://admin.example.com", "/api/admin").cookie().allowed().has(A, ACAC, "true"),
            ],
        ),
        app(
            "CORS102/flask_config_credentials.py",
            vec![
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAC, "true"),
                request("PUT", EVIL, "/api/me").cookie().header("Authorization", "Bearer t").allowed().has(
                    P,
                    "access-control-allow-headers",
                    "authorization",
                ),
            ],
        ),
        app(
            "CORS102/flask_origins_listed.py",
            vec![
                get(APP, "/api/me").cookie().allowed().has(A, ACAC, "true"),
                get(EVIL, "/api/me").cookie().blocked().lacks(A, ACAO),
                // Outside `resources`: no CORS headers at all.
                get(APP, "/gt").blocked().lacks(A, ACAO),
            ],
        ),
        // A project class built with the app sets no `CORS_*` key: `CORS(app)` echoes every origin.
        app("CORS102/flask_app_handed_to_project_class", vec![get(EVIL, "/gt").allowed().has(A, ACAO, EVIL)]),
        // A project class whose constructor fills `CORS_ORIGINS`: only that origin is echoed.
        app(
            "CORS102/flask_project_class_sets_cors_config_clean",
            vec![get(APP, "/gt").allowed().has(A, ACAO, APP), get(EVIL, "/gt").blocked().lacks(A, ACAO)],
        ),
        app(
            "CORS102/flask_cross_origin_blueprint.py",
            vec![
                get(EVIL, "/public/status").cookie().allowed().has(A, ACAC, "true"),
                // `@cross_origin` above the route decorator does nothing: the app's allowlist applies.
                get(EVIL, "/public/version").blocked().lacks(A, ACAO),
                get(APP, "/public/version").cookie().allowed(),
            ],
        ),
        app(
            "CORS106/flask_regex_anchored.py",
            vec![
                get("https://shop.example.com", "/gt").cookie().allowed(),
                get("https://example.com", "/gt").cookie().allowed(),
                get("https://shop.example.com.evil.com", "/gt").cookie().blocked(),
            ],
        ),
        app(
            "CORS104/flask_trailing_slash.py",
            vec![get(APP, "/gt").blocked().lacks(A, ACAO), get("https://admin.example.com", "/gt").allowed()],
        ),
        app(
            "CORS104/flask_exact_origins.py",
            vec![
                get(APP, "/gt").allowed().has(A, ACAO, APP),
                get("https://admin.example.com", "/gt").allowed().has(A, ACAO, "https://admin.example.com"),
                get(EVIL, "/gt").blocked().lacks(A, ACAO),
            ],
        ),
        app(
            "CORS103/flask_null_origin.py",
            vec![get("null", "/gt").cookie().allowed().has(A, ACAO, "null").has(A, ACAC, "true")],
        ),
        // An anchored regex of the real origins: `null` does not match it.
        app(
            "CORS103/flask_regex_without_null.py",
            vec![
                get("null", "/gt").cookie().blocked().lacks(A, ACAO),
                get(APP, "/gt").cookie().allowed().has(A, ACAO, APP).has(A, ACAC, "true"),
                get("https://admin.example.com", "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        app(
            "CORS101/flask_send_wildcard_public.py",
            vec![get(EVIL, "/api/items").allowed().has(A, ACAO, "*"), get(EVIL, "/api/items").cookie().blocked()],
        ),
        // CORS107: the plain-HTTP twin of the shop gets the user's cookies and reads the answer.
        app(
            "CORS107/flask_http_origin_with_credentials.py",
            vec![
                get("http://shop.example.com", "/api/cart").cookie().allowed().has(A, ACAO, "http://shop.example.com"),
                get("http://shop.example.com", "/api/cart").cookie().allowed().has(A, ACAC, "true"),
                get(EVIL, "/api/cart").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        app(
            "CORS107/flask_https_and_loopback_with_credentials.py",
            vec![
                get("http://shop.example.com", "/api/cart").cookie().blocked().lacks(A, ACAO),
                get("https://shop.example.com", "/api/cart").cookie().allowed().has(A, ACAC, "true"),
                get("http://localhost:5173", "/api/cart").cookie().allowed().has(A, ACAO, "http://localhost:5173"),
            ],
        ),
        // CORS109: the Vite page is at localhost, the list names 127.0.0.1.
        app(
            "CORS109/flask_loopback_ip/backend/app.py",
            vec![
                get("http://localhost:5173", "/recipes").blocked().lacks(A, ACAO),
                get("http://127.0.0.1:5173", "/recipes").allowed(),
            ],
        ),
        app(
            "CORS109/flask_localhost_clean/backend/app.py",
            vec![get("http://localhost:5173", "/recipes").allowed().has(A, ACAO, "http://localhost:5173")],
        ),
    ];
    let regex = "CORS106/flask_regex_unanchored.py";
    let mut probes =
        vec![get("https://shop.example.com", "/gt").cookie().allowed(), get(EVIL, "/gt").cookie().blocked()];
    probes.extend(attack(regex).iter().map(|origin| get(origin, "/gt").cookie().allowed().has(A, ACAO, origin)));
    apps.push(app(regex, probes));
    apps
}

const ANALYTICS: &str = "https://analytics.example.com";
const ADMIN: &str = "https://admin.example.com";

/// The same app pinned to Flask-CORS 5.0.1 and to 6.0.1 (its `requirements.txt`), each run on the
/// release it pins: which resource answers a path changed in 6.0 (plain paths first, then more
/// `/`, case-sensitive paths), and `simulate` reads the pin.
pub fn release_apps() -> (App, App) {
    let cors5 = app(
        "simulate/flask_resources_cors5",
        vec![
            // Longest pattern first: `(daily|weekly)+.*` is tried before `daily/.*`.
            get(ANALYTICS, "/reports/daily/today").allowed().has(A, ACAO, ANALYTICS),
            get(APP, "/reports/daily/today").blocked().lacks(A, ACAO),
            // The pattern `/api/users.*` is longer than the plain path `/api/users`.
            get(ADMIN, "/api/users").allowed(),
            get(APP, "/api/users").blocked().lacks(A, ACAO),
            // Paths match case-insensitively.
            get(ADMIN, "/API/users").allowed(),
        ],
    );
    let cors6 = app(
        "simulate/flask_resources_cors6",
        vec![
            get(APP, "/reports/daily/today").allowed().has(A, ACAO, APP),
            get(ANALYTICS, "/reports/daily/today").blocked().lacks(A, ACAO),
            get(APP, "/api/users").allowed(),
            get(ADMIN, "/api/users").blocked().lacks(A, ACAO),
            get(ADMIN, "/API/users").blocked().lacks(A, ACAO),
            get(APP, "/API/users").blocked().lacks(A, ACAO),
        ],
    );
    (cors5, cors6)
}
