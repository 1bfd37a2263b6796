//! The FastAPI/Starlette fixtures and the requests each is checked with (see the table in
//! `ground_truth.rs`). Most fixture apps have no route at `/gt`: the 404 goes through
//! CORSMiddleware like any other response, which is what these checks read.

use crate::probe::On::{Actual as A, Preflight as P};
use crate::probe::{APP, EVIL, Probe, get, request};

pub const ACAO: &str = "access-control-allow-origin";
pub const ACAC: &str = "access-control-allow-credentials";

pub struct App {
    /// Relative to `fixtures/`: a `.py` file (module = its stem) or a folder with `app/main.py`.
    pub fixture: &'static str,
    pub probes: Vec<Probe>,
}

pub fn app(fixture: &'static str, probes: Vec<Probe>) -> App {
    App { fixture, probes }
}

/// The checks that hold on every Starlette ≥ 1.0 (the latest release and the oldest one FastAPI
/// 0.165.0 allows). `attack` is the origin corslint's CORS106 message names.
pub fn apps(attack: &dyn Fn(&str) -> Vec<String>) -> Vec<App> {
    let mut apps = vec![
        // CORS101: Starlette turns `*` + credentials into "reflect any origin, with credentials".
        app(
            "CORS101/add_middleware_alias.py",
            vec![
                get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true"),
                get(EVIL, "/gt").include_without_cookie().allowed().has(A, ACAO, EVIL),
            ],
        ),
        app(
            "CORS101/credentials_off.py",
            vec![get(EVIL, "/gt").allowed().has(A, ACAO, "*"), get(EVIL, "/gt").cookie().blocked()],
        ),
        app(
            "CORS101/middleware_list_kwargs_dict.py",
            vec![
                request("DELETE", EVIL, "/gt")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .allowed()
                    .has(P, ACAO, EVIL)
                    .has(P, "access-control-allow-headers", "authorization"),
            ],
        ),
        app(
            "CORS101/origins_list_beyond_256_entries.py",
            vec![get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL).has(A, ACAC, "true")],
        ),
        app(
            "CORS101/origins_list_long_without_wildcard.py",
            vec![get("https://store-300.example.com", "/gt").cookie().allowed(), get(EVIL, "/gt").cookie().blocked()],
        ),
        app("CORS101/wrap_style_star_string.py", vec![get(EVIL, "/gt").cookie().allowed()]),
        app("CORS101/constant_from_module", vec![get(EVIL, "/gt").cookie().allowed()]),
        app("CORS101/dotenv_override", vec![get(EVIL, "/gt").cookie().allowed().note("(.env says [\"*\"])")]),
        app(
            "CORS102/regex_accepts_everything.py",
            vec![get(EVIL, "/gt").cookie().allowed(), get("http://evil.com", "/gt").cookie().allowed()],
        ),
        app(
            "CORS102/regex_allowlist.py",
            vec![
                get(APP, "/gt").cookie().allowed(),
                get("https://admin.example.com", "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked().lacks(A, ACAO),
                get("https://app.example.com.evil.com", "/gt").cookie().blocked(),
            ],
        ),
        app(
            "CORS102/regex_large_count.py",
            vec![get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL), get("null", "/gt").cookie().blocked()],
        ),
        app("CORS102/kwargs_updated_after_built.py", vec![get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL)]),
        app(
            "CORS102/kwargs_updated_with_allowlist.py",
            vec![
                get("https://preview-12.app.example.com", "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked().lacks(A, ACAO),
                request("DELETE", APP, "/gt").blocked().status(P, 400).body_has(P, "Disallowed CORS method"),
            ],
        ),
        app(
            "CORS103/null_in_list.py",
            vec![get("null", "/gt").cookie().allowed().has(A, ACAO, "null"), get(EVIL, "/gt").cookie().blocked()],
        ),
        app(
            "CORS103/origins_without_null.py",
            vec![
                get("null", "/gt").cookie().blocked().lacks(A, ACAO),
                get("https://desktop.example.com", "/gt").cookie().allowed().has(
                    A,
                    ACAO,
                    "https://desktop.example.com",
                ),
            ],
        ),
        app(
            "CORS104/exact_origins.py",
            vec![
                get(APP, "/gt").cookie().allowed(),
                get("http://localhost:3000", "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked(),
            ],
        ),
        app("CORS104/glob_in_list.py", vec![get("https://www.example.com", "/gt").blocked().lacks(A, ACAO)]),
        app(
            "CORS104/nested_list_from_env.py",
            vec![get(APP, "/gt").blocked().lacks(A, ACAO).note("(CORS_ORIGINS=https://app.example.com)")],
        ),
        app(
            "CORS104/trailing_slash.py",
            vec![get("http://localhost:3000", "/gt").blocked(), get(APP, "/gt").allowed()],
        ),
        app(
            "CORS104/pydantic_url_str",
            vec![
                get(APP, "/gt").cookie().blocked(),
                get("https://app.example.com/", "/gt")
                    .cookie()
                    .allowed()
                    .note("(what the config holds; no browser sends it)"),
            ],
        ),
        app("CORS104/pydantic_url_objects", vec![get(APP, "/gt").blocked().lacks(A, ACAO)]),
        app(
            "CORS104/pydantic_url_rstrip",
            vec![
                get(APP, "/gt").cookie().allowed(),
                get("http://localhost:5173", "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked(),
            ],
        ),
        app(
            "CORS105/comma_string_origins.py",
            vec![
                get("https://app.example.co", "/gt").allowed().has(A, ACAO, "https://app.example.co"),
                get(APP, "/gt").allowed(),
            ],
        ),
        app(
            "CORS105/getenv_passed_directly.py",
            vec![get("https://app.example.co", "/gt").allowed().note("(CORS_ORIGINS=https://app.example.com)")],
        ),
        app("CORS105/glob_string_origins.py", vec![get(EVIL, "/gt").allowed().has(A, ACAO, "*")]),
        app(
            "CORS105/constant_from_module",
            vec![
                get(APP, "/gt").allowed(),
                get("https://admin.example.com", "/gt").allowed(),
                get("https://app.example.co", "/gt").allowed().note("(substring of the string)"),
            ],
        ),
        app(
            "CORS105/dotenv_settings_list",
            vec![
                get(APP, "/gt").allowed(),
                get("https://admin.example.com", "/gt").allowed().note("(from .env)"),
                get("https://app.example.co", "/gt").blocked(),
                get(EVIL, "/gt").blocked(),
            ],
        ),
        app(
            "CORS105/dotenv_settings_override",
            vec![
                get("https://admin.example.com", "/gt").allowed().note("(from .env)"),
                get("https://app.example.co", "/gt").allowed().note("(substring of the .env string)"),
                get(EVIL, "/gt").blocked(),
            ],
        ),
        app(
            "CORS105/headers_string_middleware_list.py",
            vec![
                get(APP, "/gt")
                    .header("X-Requested-With", "fetch")
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Disallowed CORS headers"),
                get(APP, "/gt").allowed().has(
                    A,
                    "access-control-expose-headers",
                    "X, -, T, o, t, a, l, -, C, o, u, n, t",
                ),
            ],
        ),
        app(
            "CORS105/lists_everywhere.py",
            vec![
                get(APP, "/gt").allowed().note("(CORS_ORIGINS=https://app.example.com)"),
                request("POST", APP, "/gt").header("Authorization", "Bearer t").json().allowed(),
                get(EVIL, "/gt").blocked(),
            ],
        ),
        app(
            "CORS105/methods_string_kwargs_dict.py",
            vec![
                request("DELETE", APP, "/gt")
                    .blocked()
                    .status(P, 200)
                    .has(P, "access-control-allow-methods", "G, E, T, ,, P, O, S, T, ,, D, E, L, E, T, E")
                    .note("(the server says 200, the browser finds no DELETE)"),
            ],
        ),
        app(
            "CORS106/regex_own_subdomains.py",
            vec![
                get("https://evil.example.com", "/gt").cookie().allowed().note("(own subdomains: intended)"),
                get(APP, "/gt").cookie().allowed(),
                get("https://example.com.evil.com", "/gt").cookie().blocked(),
                get("https://evilexample.com", "/gt").cookie().blocked(),
            ],
        ),
        app(
            "CORS107/http_origin_with_credentials.py",
            vec![get("http://app.example.com", "/gt").cookie().allowed(), get(EVIL, "/gt").cookie().blocked()],
        ),
        app(
            "CORS107/loopback_http_with_credentials.py",
            vec![
                get("http://localhost:5173", "/gt").cookie().allowed(),
                get(APP, "/gt").cookie().allowed(),
                get(EVIL, "/gt").cookie().blocked(),
            ],
        ),
        // CORS108: both apps trust what they list; the policy gate is corslint's, the trust is
        // Starlette's (the partner's site really reads responses with cookies).
        app(
            "CORS108/fastapi_partner_origin/orders.py",
            vec![
                get("https://staging.partner.io", "/orders").cookie().allowed().has(
                    A,
                    ACAO,
                    "https://staging.partner.io",
                ),
                get(EVIL, "/orders").cookie().blocked(),
            ],
        ),
        app(
            "CORS108/fastapi_partner_origin/catalog.py",
            vec![
                get("https://eu.shop.example.com", "/products").cookie().allowed(),
                get("https://us.shop.example.com", "/products").cookie().allowed().note("(through the regex)"),
                get("https://staging.partner.io", "/products").cookie().blocked().lacks(A, ACAO),
            ],
        ),
        // CORS207: Starlette sends `max_age` as written; browsers cap it (not observable here).
        app(
            "CORS207/fastapi_max_age_day.py",
            vec![request("DELETE", APP, "/items/1").allowed().status(P, 200).has(P, "access-control-max-age", "86400")],
        ),
        app(
            "CORS207/fastapi_max_age_two_hours.py",
            vec![request("DELETE", APP, "/items/1").allowed().status(P, 200).has(P, "access-control-max-age", "7200")],
        ),
        // CORS201: a middleware outside CORSMiddleware answers the preflight itself.
        app(
            "CORS201/authentication_backend_raises.py",
            vec![get(APP, "/gt").header("Authorization", "Bearer t").blocked().status(P, 400).lacks(P, ACAO)],
        ),
        app(
            "CORS201/authentication_backend_returns_none.py",
            vec![
                get(APP, "/gt").header("Authorization", "Basic dXNlcjpzZWNyZXQ=").allowed().status(P, 200),
                get(EVIL, "/gt").header("Authorization", "Basic dXNlcjpzZWNyZXQ=").blocked(),
            ],
        ),
        app(
            "CORS201/base_http_middleware_added_last.py",
            vec![
                get(APP, "/gt")
                    .header("X-API-Key", "change-me")
                    .blocked()
                    .status(P, 500)
                    .lacks(P, ACAO)
                    .note("(HTTPException raised outside ExceptionMiddleware)"),
            ],
        ),
        // A guard outside CORSMiddleware answers the preflight with its 401, unless its condition
        // (computed into a variable) excludes OPTIONS.
        app(
            "CORS201/guard_variable_without_options_check.py",
            vec![get(APP, "/auth/callback").json().blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/options_skipped_through_a_variable.py",
            vec![get(APP, "/auth/callback").json().blocked().status(P, 200).status(A, 401).lacks(A, ACAO)],
        ),
        app(
            "CORS201/cors_added_last.py",
            vec![
                get(APP, "/gt").header("Authorization", "Bearer t").allowed().status(P, 200),
                get(EVIL, "/gt").header("Authorization", "Bearer t").blocked(),
                get(APP, "/gt").allowed().status(A, 401).note("(the 401 carries CORS headers)"),
            ],
        ),
        app(
            "CORS201/cors_wraps_everything.py",
            vec![
                get(APP, "/gt").header("Authorization", "Bearer t").allowed().status(P, 200),
                get(EVIL, "/gt").header("Authorization", "Bearer t").blocked(),
            ],
        ),
        app(
            "CORS201/decorator_added_after_cors.py",
            vec![get(APP, "/gt").header("Authorization", "Bearer t").blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/factory_with_setup_module",
            vec![get(APP, "/gt").header("X-Tenant-ID", "t1").blocked().status(P, 400).lacks(P, ACAO)],
        ),
        app(
            "CORS201/harmless_outer_middleware.py",
            vec![
                get(APP, "/gt")
                    .header("Content-Type", "application/json")
                    .transport("Host", "api.example.com")
                    .transport("X-Forwarded-Proto", "https")
                    .allowed()
                    .status(P, 200)
                    .note("(behind TLS: the outer middlewares pass the preflight)"),
                get(APP, "/gt").transport("Host", "api.example.com").transport("X-Forwarded-Proto", "https").allowed(),
            ],
        ),
        app(
            "CORS201/middleware_list_auth_first.py",
            vec![request("GET", APP, "/gt").cookie().json().blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/options_passed_through.py",
            vec![
                get(APP, "/gt").header("Authorization", "Bearer t").allowed().status(P, 200),
                get(EVIL, "/gt").header("Authorization", "Bearer t").blocked(),
            ],
        ),
        app(
            "CORS201/pure_asgi_middleware.py",
            vec![get(APP, "/gt").header("Authorization", "Bearer t").blocked().status(P, 401).lacks(P, ACAO)],
        ),
        app(
            "CORS201/trusted_host_written_as_urls.py",
            vec![
                get("http://localhost:5173", "/gt")
                    .header("X-Requested-With", "f")
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Invalid host header"),
                get("http://localhost:5173", "/gt").blocked().status(A, 400).note("(even simple requests)"),
            ],
        ),
        // A middleware outside CORS that tests only the URL treats the preflight as its actual request.
        app(
            "CORS201/outer_middleware_path_check.py",
            vec![
                get(APP, "/api/items").header("Authorization", "Bearer t").allowed().status(P, 200).status(A, 200),
                get(EVIL, "/api/items").header("Authorization", "Bearer t").blocked().status(P, 400),
            ],
        ),
        app(
            "CORS201/outer_middleware_path_then_token.py",
            vec![get(APP, "/api/items").header("Authorization", "Bearer t").blocked().status(P, 401).lacks(P, ACAO)],
        ),
        // `try: from .a import X` / `except ImportError: from .b import X`: whichever resolves is installed.
        app(
            "CORS201/import_fallback",
            vec![get(APP, "/gt").header("Authorization", "Bearer t").blocked().status(P, 500).lacks(P, ACAO)],
        ),
        app(
            "CORS201/import_fallback_second_choice",
            vec![get(APP, "/gt").header("Authorization", "Bearer t").blocked().status(P, 500).lacks(P, ACAO)],
        ),
        app(
            "CORS201/import_fallback_options_passed",
            vec![
                get(APP, "/gt").header("Authorization", "Bearer t").allowed().status(P, 200),
                get(EVIL, "/gt").header("Authorization", "Bearer t").blocked(),
            ],
        ),
        // CORS204: the preflight for the method gets 400 `Disallowed CORS method`.
        app(
            "CORS204/all_methods_listed.py",
            vec![
                request("DELETE", APP, "/items/1").allowed().status(P, 200),
                request("PUT", APP, "/items/1").body("application/json", "{\"name\":\"a\"}").allowed(),
                request("DELETE", EVIL, "/items/1").blocked(),
            ],
        ),
        app(
            "CORS204/api_route_middleware_list.py",
            vec![
                request("PATCH", APP, "/documents/1")
                    .json()
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Disallowed CORS method"),
            ],
        ),
        app(
            "CORS204/default_methods_json_post.py",
            vec![
                request("POST", APP, "/orders").json().blocked().status(P, 400).body_has(P, "Disallowed CORS method"),
                get(APP, "/orders").allowed(),
            ],
        ),
        app(
            "CORS204/delete_missing.py",
            vec![request("DELETE", APP, "/sessions/1").blocked().status(P, 400).body_has(P, "Disallowed CORS method")],
        ),
        app(
            "CORS204/lowercase_methods.py",
            vec![request("PUT", APP, "/profile").blocked().status(P, 400).body_has(P, "Disallowed CORS method")],
        ),
        app(
            "CORS204/methods_star.py",
            vec![
                request("DELETE", APP, "/items/1").allowed().status(P, 200),
                request("DELETE", EVIL, "/items/1").blocked(),
            ],
        ),
        app(
            "CORS204/router_in_other_module",
            vec![request("PATCH", APP, "/api/users/1").blocked().status(P, 400).body_has(P, "Disallowed CORS method")],
        ),
        app(
            "CORS204/starlette_route_table",
            vec![
                request("PUT", APP, "/api/items/1").blocked().status(P, 400).body_has(P, "Disallowed CORS method"),
                request("DELETE", APP, "/admin/items/1").blocked().status(P, 400).body_has(P, "Disallowed CORS method"),
                get(APP, "/api/items").allowed().status(A, 200),
            ],
        ),
        app(
            "CORS204/starlette_route_table_allowed",
            vec![
                request("PUT", APP, "/api/items/1").allowed().status(P, 200).status(A, 200),
                request("DELETE", APP, "/admin/items/1").allowed().status(P, 200),
            ],
        ),
        app(
            "CORS204/simple_requests_only.py",
            vec![
                get(APP, "/search?q=a").allowed().status(A, 200),
                request("POST", APP, "/newsletter")
                    .body("application/x-www-form-urlencoded", "email=a%40b.c")
                    .allowed()
                    .status(A, 200),
                get(EVIL, "/search").blocked(),
            ],
        ),
        // CORS205: the header the app needs is refused by the preflight.
        app(
            "CORS205/api_key_header_wrap_style.py",
            vec![
                get("https://dashboard.example.com", "/metrics")
                    .header("X-API-Key", "k")
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Disallowed CORS headers"),
            ],
        ),
        app(
            "CORS205/authorization_listed.py",
            vec![
                get(APP, "/users/me").header("Authorization", "Bearer t").header("X-Request-ID", "1").allowed(),
                get(EVIL, "/users/me").header("Authorization", "Bearer t").blocked(),
            ],
        ),
        app(
            "CORS205/default_headers_http_bearer.py",
            vec![
                get(APP, "/reports")
                    .header("Authorization", "Bearer t")
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Disallowed CORS headers"),
            ],
        ),
        app(
            "CORS205/header_parameters.py",
            vec![
                get(APP, "/items").header("X-Version", "1").blocked().status(P, 400),
                get(APP, "/items").header("X-Client-Build", "1").blocked().status(P, 400),
                get(APP, "/items").header("X-Request-ID", "1").allowed().status(A, 200),
            ],
        ),
        app(
            "CORS205/headers_star.py",
            vec![get(APP, "/reports").header("Authorization", "Bearer t").allowed().has(
                P,
                "access-control-allow-headers",
                "authorization",
            )],
        ),
        app(
            "CORS205/oauth2_without_authorization.py",
            vec![
                get(APP, "/users/me")
                    .header("Authorization", "Bearer t")
                    .blocked()
                    .status(P, 400)
                    .body_has(P, "Disallowed CORS headers"),
            ],
        ),
        app(
            "CORS205/annotated_alias_in_other_module",
            vec![get(APP, "/api/v1/items/").header("Authorization", "Bearer t").blocked().status(P, 400)],
        ),
        app(
            "CORS205/settings_with_dotenv",
            vec![
                get(APP, "/admin")
                    .header("Authorization", "Basic dXNlcjpzZWNyZXQ=")
                    .blocked()
                    .status(P, 400)
                    .note("(.env drops Authorization)"),
                get(APP, "/admin").allowed().status(A, 401),
            ],
        ),
        // CORS109: the four classic frontend cases, from the origin the frontend's page really has.
        app(
            "CORS109/vite_fallback_port/backend/main.py",
            vec![get("http://localhost:5173", "/items").allowed(), get("http://localhost:5174", "/items").blocked()],
        ),
        app("CORS109/vite_strict_port_clean/backend/main.py", vec![get("http://localhost:5173", "/items").allowed()]),
        app(
            "CORS109/localhost_vs_loopback_ip/api/app.py",
            vec![get("http://localhost:3001", "/gt").blocked(), get("http://127.0.0.1:3001", "/gt").allowed()],
        ),
        app("CORS109/localhost_listed_clean/api/app.py", vec![get("http://localhost:3001", "/gt").allowed()]),
        app(
            "CORS109/credentials_not_allowed/main.py",
            vec![
                get("http://localhost:5173", "/api/session").cookie().blocked(),
                get("http://localhost:5173", "/api/session").allowed(),
            ],
        ),
        app(
            "CORS109/credentials_allowed_clean/main.py",
            vec![get("http://localhost:5173", "/api/session").cookie().allowed()],
        ),
        app(
            "CORS109/credentials_only_in_tests_clean/server/main.py",
            vec![get("http://localhost:5173", "/orders").allowed()],
        ),
        app("CORS109/fastapi_dev_proxy_removed/backend", vec![get("http://localhost:3000", "/api/tasks").blocked()]),
        // CORS109 in other frontends (SvelteKit, Astro, Angular, an env variable named by the call)
        // and with deployed origins (the build compose serves on 8080, a Traefik host): the origin
        // the page really has, against the real app.
        app(
            "CORS109/sveltekit_loopback_ip/api/main.py",
            vec![get("http://localhost:5173", "/stats").blocked(), get("http://127.0.0.1:5173", "/stats").allowed()],
        ),
        app("CORS109/sveltekit_localhost_clean/api/main.py", vec![get("http://localhost:5173", "/stats").allowed()]),
        app(
            "CORS109/astro_fallback_port/api/main.py",
            vec![get("http://localhost:4321", "/search").allowed(), get("http://localhost:4322", "/search").blocked()],
        ),
        app(
            "CORS109/nuxt_fallback_port/api/main.py",
            vec![
                get("http://localhost:3000", "/products").allowed(),
                get("http://localhost:3001", "/products").blocked(),
            ],
        ),
        app("CORS109/fetch_env_server_url/server/main.py", vec![get("http://localhost:5173", "/cards").blocked()]),
        app(
            "CORS109/angular_environment_credentials_not_allowed/api/main.py",
            vec![
                get("http://localhost:4200", "/api/contacts").cookie().blocked(),
                get("http://localhost:4200", "/api/contacts").allowed(),
            ],
        ),
        app(
            "CORS109/angular_environment_credentials_allowed_clean/api/main.py",
            vec![get("http://localhost:4200", "/api/contacts").cookie().allowed()],
        ),
        app(
            "CORS109/compose_build_origin_not_allowed/api/main.py",
            vec![get("http://localhost:8080", "/notes").blocked(), get("http://localhost:5173", "/notes").allowed()],
        ),
        app(
            "CORS109/compose_build_origin_allowed_clean/api/main.py",
            vec![get("http://localhost:8080", "/notes").allowed()],
        ),
        app(
            "CORS109/compose_volume_same_origin_clean/api/main.py",
            vec![get("http://localhost:3000", "/profile").allowed()],
        ),
        app(
            "CORS109/traefik_origin_not_allowed/api/main.py",
            vec![get("https://app.example.net", "/orders").blocked()],
        ),
        app(
            "CORS109/traefik_origin_allowed_clean/api/main.py",
            vec![get("https://app.example.net", "/orders").allowed()],
        ),
    ];
    for fixture in ["CORS106/regex_suffix_without_dot.py", "CORS106/regex_unescaped_dots.py"] {
        let mut probes: Vec<Probe> =
            attack(fixture).iter().map(|o| get(o, "/gt").allowed().note("(named by CORS106)")).collect();
        probes.push(get(EVIL, "/gt").blocked());
        apps.push(app(fixture, probes));
    }
    apps
}

/// Why Firefox blocks what a cookie would let through on Starlette 0.52: it sends no cookie from a
/// page on another site (Total Cookie Protection), and without one the app answers `*` with
/// credentials.
const NO_THIRD_PARTY_COOKIE: &str = "no cookie from another site in Firefox: the app then sends `*`";

/// Starlette 0.15–0.52 (FastAPI 0.163.2 allows 0.52.1): `*` + credentials reflects the origin only
/// when the request carries a `Cookie`; otherwise `*` + `true`, which the browser rejects.
pub fn legacy_apps() -> Vec<App> {
    vec![
        app(
            "CORS101/add_middleware_alias.py",
            vec![
                get(EVIL, "/gt").cookie().allowed().has(A, ACAO, EVIL).differs_in("firefox", NO_THIRD_PARTY_COOKIE),
                get(EVIL, "/gt").include_without_cookie().blocked().has(A, ACAO, "*").has(A, ACAC, "true"),
                request("PUT", EVIL, "/gt").cookie().blocked().status(P, 400).note("(default allow_methods)"),
            ],
        ),
        app(
            "CORS101/middleware_list_kwargs_dict.py",
            vec![
                request("DELETE", EVIL, "/gt")
                    .cookie()
                    .header("Authorization", "Bearer t")
                    .allowed()
                    .has(P, ACAO, EVIL)
                    .differs_in("firefox", NO_THIRD_PARTY_COOKIE),
                get(EVIL, "/gt").include_without_cookie().blocked().has(A, ACAO, "*"),
            ],
        ),
        app("CORS101/credentials_off.py", vec![get(EVIL, "/gt").allowed().has(A, ACAO, "*")]),
    ]
}
