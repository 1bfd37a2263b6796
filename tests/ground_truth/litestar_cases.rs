//! The Litestar fixtures and the requests each is checked with, on real Litestar under uvicorn
//! (`CORSLINT_GT_PYTHON_LITESTAR`). The paths are the fixtures' own routes: corslint does not read
//! Litestar's route handlers and assumes they answer.

use crate::fastapi_cases::{ACAC, ACAO, App, app};
use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, get, request};

/// `attack` is the origin corslint's CORS106 message names.
pub fn apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        app(
            "CORS101/litestar_default_origins_credentials.py",
            vec![
                // With a cookie, the origin is echoed with credentials; without one, `*` + `true`.
                get(EVIL, "/api/me").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                get(EVIL, "/api/me").include_without_cookie().blocked().has(A, ACAO, "*"),
                request("PUT", EVIL, "/api/me").cookie().blocked().status(P, 204).has(P, ACAO, "*"),
            ],
        ),
        app(
            "CORS101/litestar_public.py",
            vec![get(EVIL, "/api/items").allowed().has(A, ACAO, "*"), get(EVIL, "/api/items").cookie().blocked()],
        ),
        app(
            "CORS106/litestar_escaped_and_glob.py",
            vec![
                get(APP, "/api/items").cookie().allowed(),
                get("https://shop.example.com", "/api/items").cookie().allowed(),
                get("https://appaexample.com", "/api/items").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // CORS109: the page's origin is listed, but the page sends its cookie (axios
        // `withCredentials`) and credentials are not allowed: no `Access-Control-Allow-Credentials`.
        app(
            "CORS109/litestar_credentials_not_allowed/api/app.py",
            vec![
                get("http://localhost:5173", "/boards").cookie().blocked().lacks(A, ACAC),
                get("http://localhost:5173", "/boards").allowed().has(A, ACAO, "http://localhost:5173"),
            ],
        ),
        app(
            "CORS109/litestar_credentials_allowed_clean/api/app.py",
            vec![get("http://localhost:5173", "/boards").cookie().allowed().has(A, ACAC, "true")],
        ),
    ];
    let regex = "CORS106/litestar_unescaped_dot.py";
    let mut probes = vec![get(APP, "/api/items").cookie().allowed(), get(EVIL, "/api/items").cookie().blocked()];
    probes.extend(attack(regex).iter().map(|origin| get(origin, "/api/items").cookie().allowed().has(A, ACAO, origin)));
    apps.push(app(regex, probes));
    apps
}
