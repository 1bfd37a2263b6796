//! The django-cors-headers fixtures (Django settings modules) and the requests each is checked
//! with, on real Django + django-cors-headers under uvicorn (`CORSLINT_GT_PYTHON_DJANGO`), as a
//! deployment runs them: no system checks. Every path answers 200 (`django_urls.py`).

use crate::fastapi_cases::{ACAC, ACAO, App, app};
use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, get, request};

/// `attack` is the origin corslint's CORS106 message names.
pub fn apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        // CORS109: the Vite page is at localhost, the list names 127.0.0.1.
        app(
            "CORS109/django_loopback_ip/backend/config/settings.py",
            vec![get("http://localhost:5173", "/gt").blocked(), get("http://127.0.0.1:5173", "/gt").allowed()],
        ),
        app(
            "CORS109/django_localhost_clean/backend/config/settings.py",
            vec![get("http://localhost:5173", "/gt").allowed()],
        ),
        app(
            "CORS101/django_allow_all_with_credentials.py",
            vec![
                get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                request("DELETE", EVIL, "/gt").cookie().allowed().status(P, 200),
            ],
        ),
        app(
            "CORS101/django_allow_all_public.py",
            vec![get(EVIL, "/gt").allowed().has(A, ACAO, "*"), get(EVIL, "/gt").cookie().blocked()],
        ),
        app(
            "CORS106/django_regex_anchored.py",
            vec![
                get("https://shop.example.com", "/gt").cookie().allowed(),
                get("https://shop.example.com.evil.com", "/gt").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // What the app does when it runs anyway: no origin is allowed.
        app("CORS105/django_origins_string.py", vec![get(APP, "/gt").blocked().lacks(A, ACAO)]),
        app(
            "CORS105/django_origins_list.py",
            vec![
                get(APP, "/gt").allowed().has(A, ACAO, APP),
                get("https://admin.example.com", "/gt").allowed(),
                get(EVIL, "/gt").blocked().lacks(A, ACAO),
                request("DELETE", APP, "/gt").allowed().status(P, 200).has(P, "access-control-max-age", "3600"),
            ],
        ),
        app(
            "CORS104/django_missing_scheme.py",
            vec![get("http://localhost:3000", "/gt").blocked().lacks(A, ACAO), get(APP, "/gt").allowed()],
        ),
        // CORS208: CommonMiddleware above CorsMiddleware redirects `/slash/items` (no view) to
        // `/slash/items/` without CORS headers; below it, the redirect carries them.
        app(
            "CORS208/django_common_above_cors.py",
            vec![get(APP, "/slash/items").blocked().status(A, 301).lacks(A, ACAO), get(APP, "/gt").allowed()],
        ),
        app("CORS208/django_cors_above_common.py", vec![get(APP, "/slash/items").status(A, 301).has(A, ACAO, APP)]),
        // `MIDDLEWARE.insert(...)` puts CorsMiddleware where Python's `list.insert` does; an entry
        // added under an `if` that does not run changes nothing.
        app(
            "CORS208/django_cors_inserted_below_common.py",
            vec![get(APP, "/slash/items").blocked().status(A, 301).lacks(A, ACAO)],
        ),
        app(
            "CORS208/django_cors_inserted_above_common_clean.py",
            vec![get(APP, "/slash/items").status(A, 301).has(A, ACAO, APP)],
        ),
        app(
            "CORS208/django_common_above_cors_debug_toolbar_added_under_if.py",
            vec![get(APP, "/slash/items").blocked().status(A, 301).lacks(A, ACAO)],
        ),
        // Unknown to corslint (the `if` may put CorsMiddleware first); unset, CommonMiddleware answers first.
        app(
            "CORS208/django_cors_added_first_under_if_clean.py",
            vec![get(APP, "/slash/items").blocked().status(A, 301).lacks(A, ACAO)],
        ),
        // With APPEND_SLASH off, CommonMiddleware answers nothing itself: the 404 passes CorsMiddleware.
        app(
            "CORS208/django_common_above_cors_without_append_slash.py",
            vec![get(APP, "/slash/items").status(A, 404).has(A, ACAO, APP)],
        ),
        // corsheaders.E014 only refuses it under `manage.py`; a deployment matches by scheme and host.
        app(
            "CORS104/django_origin_with_path.py",
            vec![get(APP, "/gt").allowed().has(A, ACAO, APP), get(EVIL, "/gt").blocked().lacks(A, ACAO)],
        ),
        app(
            "CORS104/django_middleware_not_installed.py",
            vec![get("http://localhost:3000", "/gt").blocked().lacks(A, ACAO)],
        ),
    ];
    let regex = "CORS106/django_regex_unanchored.py";
    let mut probes = vec![get("https://example.com", "/gt").cookie().allowed(), get(EVIL, "/gt").cookie().blocked()];
    probes.extend(attack(regex).iter().map(|origin| get(origin, "/gt").cookie().allowed().has(A, ACAO, origin)));
    apps.push(app(regex, probes));
    apps
}
