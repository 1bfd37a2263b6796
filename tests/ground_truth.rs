//! Ground truth: every claim a fixture makes about what a server sends back is checked against the
//! real server running that configuration, and the browser's verdict (Fetch's CORS check,
//! semantics.md section 2, in `ground_truth/fetch.rs`) is computed from the real responses.
//!
//! Needs (what `.ci/run` installs and exports; without them each test prints a note and passes):
//! - `CORSLINT_GT_NGINX`: an nginx binary (Debian's 1.22 here).
//! - `CORSLINT_GT_NGINX_HEADERS_MORE`: the headers-more module (`.so`, Debian's
//!   `libnginx-mod-http-headers-more-filter`), loaded for the fixtures that use `more_set_headers`
//!   and the like; without it only those fixtures are skipped, with a note.
//! - `CORSLINT_GT_PYTHON_LATEST`: a Python with fastapi 0.165.0, starlette 1.10.0, uvicorn 0.54.0.
//! - `CORSLINT_GT_PYTHON_OLDEST`: the same with starlette 1.6.0, the oldest FastAPI 0.165.0 allows.
//! - `CORSLINT_GT_PYTHON_LEGACY`: fastapi 0.163.2 with starlette 0.52.1 (the 0.15–0.52 behaviour
//!   of `*` + credentials, semantics.md section 1).
//! - `CORSLINT_GT_PYTHON_FLASK`: a Python with flask 3.1.2, flask-cors 6.0.1 and uvicorn 0.54.0
//!   (`ground_truth/flask_cases.rs`: 23 pairs over 10 apps, 4 more with nginx in front of Flask).
//! - `CORSLINT_GT_PYTHON_FLASK5`: the same with flask-cors 5.0.1, for the app whose resource order
//!   depends on the release (`flask_resource_order_follows_the_pinned_release`).
//! - `CORSLINT_GT_PYTHON_DJANGO`: a Python with django 5.2.8, django-cors-headers 4.9.0 and
//!   uvicorn 0.54.0 (`ground_truth/django_cases.rs`: each settings fixture served as the ASGI app
//!   of a deployment, with `ground_truth/django_urls.py` answering every path).
//! - `CORSLINT_GT_PYTHON_LITESTAR`: a Python with litestar 2.18.0 and uvicorn 0.54.0
//!   (`ground_truth/litestar_cases.rs`).
//! - `CORSLINT_GT_NODE_MODULES` (with `CORSLINT_GT_NODE`): express 4.21.2, express 5.1.0 (as
//!   `express5`) and cors 2.8.5 from `tests/ground_truth/node` (`ground_truth/express_cases.rs`:
//!   each fixture its own `node` process, on Express 4 and on Express 5); fastify 5.12.8 with
//!   `@fastify/cors` 11.4.3 and Hono 4.13.23 with `@hono/node-server` 2.1.11
//!   (`ground_truth/node_plugin_cases.rs`, the same way).
//! - For the browsers (`browsers_agree_with_simulate`): `CORSLINT_GT_CHROMIUM` and
//!   `CORSLINT_GT_FIREFOX` (Debian's `chromium` and `firefox-esr` binaries), `CORSLINT_GT_NODE_MODULES`
//!   (`tests/ground_truth/node` installed with `npm ci`: puppeteer-core) and `CORSLINT_GT_NODE`
//!   (default `node`).
//!
//! How: nginx fixtures are wrapped in a minimal main config (`ground_truth/nginx.rs`) and proxied
//! to `ground_truth/upstream.py`, which answers 200/401/404/500 by path, with or without CORS
//! headers of its own, over HTTP and, standing in for PHP-FPM behind `fastcgi_pass`, over FastCGI. FastAPI fixtures are served by uvicorn from the venv, all apps of one run in
//! one Python process, one port each (`ground_truth/serve_apps.py`). The requests are the ones a
//! browser sends (`ground_truth/probe.rs`): the preflight when the method or a header needs one,
//! the actual request with or without a `Cookie`, paths that end in 401/404/410/500, from the
//! legitimate origin, from an attacker's, and for CORS106 from the origin corslint's message names.
//!
//! Fixture/request pairs: the probe lists in `ground_truth/nginx_cases.rs` (160 pairs: 46 nginx
//! fixtures, 6 of them also and 4 only in front of an upstream with CORS; 17 compose/deploy
//! fixtures where nginx proxies to the fixture's own FastAPI app under uvicorn; and
//! `ground_truth/nginx/headers_more_order.conf`, regression cases for how headers-more and
//! `add_header` combine) and `ground_truth/fastapi_cases.rs` (107 pairs over 57 apps, run on
//! Starlette 1.10.0 and again on 1.6.0; 6 pairs over 3 CORS101 apps on 0.52.1): 380 real
//! exchanges per run, about 10 s. Each
//! failure message shows the real `Access-Control-*` and `Vary` headers.
//!
//! Every real exchange is also compared with corslint's model of it, `corslint::simulate` (the
//! code behind `corslint simulate --output-format json`), in `ground_truth/model.rs`; the known
//! differences, and why, are in `KNOWN_DISAGREEMENTS`. A new difference fails the suite.
//!
//! The browsers are the judges (`browsers_agree_with_simulate`): the same pairs (the nginx cases on
//! the latest Starlette's uvicorn, the apps on Starlette 1.10.0 and 0.52.1; 1.6.0 answers as 1.10.0
//! does) and the browser-only edge cases of `ground_truth/nginx/browser_edges.conf` run as a
//! `fetch()` in Chromium and in Firefox, each in a fresh browser context, from a page at the
//! probe's origin (`ground_truth/browser.rs`, `node/browser.js`). Each verdict must equal what the
//! fixture claims and `corslint simulate`'s (its `verdict.by_browser` where the two browsers
//! differ), the DevTools issue name included (`ground_truth/browser_judge.rs`). A cookie the
//! browser did not send, mixed content and Local Network Access are reported apart, never as a
//! CORS verdict. 294 pairs per browser, about 190 CPU-seconds (2 minutes on two idle cores, 5
//! when the machine is shared); the summary (browser versions, prefs, counts) is printed on
//! every run.
//!
//! Fixtures not run, and why:
//!
//! | fixture | reason |
//! |---|---|
//! | CORS302/inherit_merge.conf | `add_header_inherit` needs nginx 1.29.3; Debian ships 1.22 |
//! | CORS304/single_app_proxy_to_two_services | a second service (`frontend:3000`) the fixture does not hold |
//! | CORS304/express_cors_only_in_tests | the app only exports itself (no `listen`): the claim is which code counts as the app's |
//! | CORS304/spring_*, rails_*, laravel_* | Spring, Rails, Laravel are recognised by byte patterns only |
//! | CORS303/unknown_include_may_add_headers.conf | includes a snippet the fixture does not hold, on purpose |
//! | CORS306/compose_mounted_snippet, include_by_path_suffix, kustomize_config_map | container and server paths: the claim is where `include`s resolve (what nginx sends is `map_allowlist_without_vary`'s) |
//! | CORS105/bool_origins_wrap_style.py | does not start: `CORSMiddleware(app, allow_origins=True)` raises `TypeError` at import (checked by `bool_origins_crash_at_import`) |
//! | CORS1xx/2xx `*.yaml`/`*.yml` | ingress-nginx, Traefik and compose need a cluster or Traefik; not in this suite |

#[path = "ground_truth/browser.rs"]
mod browser;
#[path = "ground_truth/browser_judge.rs"]
mod browser_judge;
#[path = "ground_truth/browser_plan.rs"]
mod browser_plan;
#[path = "ground_truth/django_cases.rs"]
mod django_cases;
#[path = "ground_truth/express_cases.rs"]
mod express_cases;
#[path = "ground_truth/fastapi_cases.rs"]
mod fastapi_cases;
#[path = "ground_truth/fetch.rs"]
mod fetch;
#[path = "ground_truth/flask_cases.rs"]
mod flask_cases;
#[path = "ground_truth/http.rs"]
mod http;
#[path = "ground_truth/litestar_cases.rs"]
mod litestar_cases;
#[path = "ground_truth/model.rs"]
mod model;
#[path = "ground_truth/nginx.rs"]
mod nginx;
#[path = "ground_truth/nginx_cases.rs"]
mod nginx_cases;
#[path = "ground_truth/node_plugin_cases.rs"]
mod node_plugin_cases;
#[path = "ground_truth/probe.rs"]
mod probe;
#[path = "ground_truth/procs.rs"]
mod procs;
#[path = "ground_truth/servers.rs"]
mod servers;

use corslint::lint::{Options, lint};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One server set at a time: the suite runs sequentially on a small machine.
static SEQUENTIAL: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A case's fixture: under `fixtures/`, or a regression config of this suite under `tests/`.
fn fixture_path(fixture: &str) -> PathBuf {
    if fixture.starts_with("tests/") { root().join(fixture) } else { root().join("fixtures").join(fixture) }
}

fn helper(name: &str) -> PathBuf {
    root().join("tests/ground_truth").join(name)
}

fn tool(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            eprintln!("ground truth: {var} is not set, skipped (`.ci/run` sets it up)");
            None
        }
    }
}

/// The origins corslint's CORS106 findings say get in (the first backticked origin after "accepts").
fn attack_origins(fixture: &str) -> Vec<String> {
    let options = Options { paths: vec![root().join("fixtures").join(fixture)], ..Options::default() };
    let outcome = lint(&options).expect("lint");
    let named: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "CORS106")
        .filter_map(|d| d.message.split("accepts `").nth(1)?.split('`').next().map(str::to_string))
        .collect();
    assert!(!named.is_empty(), "{fixture}: corslint names no attack origin");
    named
}

fn report(failures: &[String], checked: usize, what: &str) {
    eprintln!("ground truth ({what}): {checked} fixture/request pairs checked against the real server");
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
}

/// What the test upstream answers for `path` (`upstream.py`), told to the model as the endpoint status.
fn upstream_status(path: &str) -> u16 {
    let path = path.split('?').next().unwrap_or(path);
    [("missing", 404), ("private", 401), ("boom", 500)].iter().find(|(w, _)| path.ends_with(w)).map_or(200, |(_, s)| *s)
}

fn record(out: &mut Vec<String>, fixture: &str, probe: &probe::Probe, diffs: Option<Vec<String>>) {
    for diff in diffs.unwrap_or_default() {
        out.push(format!("{fixture} | {} | {diff}", probe.describe().trim_end()));
    }
}

/// Known differences between the real servers and `corslint simulate`, as (fixture, what differs).
/// The probes assert the real behaviour; this list is what the model still gets wrong (or cannot
/// know). A difference not listed fails the suite; a listed one that disappears is reported so the
/// entry can go.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    // An Express `origin` function decides at run time: Unknown by design.
    ("CORS102/express_origin_callback.js", "", "by design: an origin function is Unknown"),
    ("CORS105/hono_origin_function.js", "", "by design: an origin function is Unknown"),
    // `os.getenv(..., default)` is Unknown by design; the real app uses the default.
    ("CORS105/getenv_passed_directly.py", "", "by design: environment values are Unknown"),
    // `urls.py` is not read, so the model does not know that `/slash/items` has no view and that
    // CommonMiddleware (above CorsMiddleware) turns its 404 into a redirect without CORS headers:
    // CORS208 reports the order, the probe proves the redirect.
    ("CORS208/django_common_above_cors.py", "", "model: urls.py not read (APPEND_SLASH redirects)"),
    ("CORS208/django_cors_above_common.py", "actual status", "model: urls.py not read (APPEND_SLASH redirects)"),
    ("CORS208/django_cors_inserted_below_common.py", "", "model: urls.py not read (APPEND_SLASH redirects)"),
    (
        "CORS208/django_cors_inserted_above_common_clean.py",
        "actual status",
        "model: urls.py not read (APPEND_SLASH redirects)",
    ),
    (
        "CORS208/django_common_above_cors_debug_toolbar_added_under_if.py",
        "",
        "model: urls.py not read (APPEND_SLASH redirects)",
    ),
    (
        "CORS208/django_cors_added_first_under_if_clean.py",
        "",
        "by design: MIDDLEWARE that an `if` may reorder is Unknown",
    ),
    (
        "CORS208/django_common_above_cors_without_append_slash.py",
        "actual status",
        "model: urls.py not read (a path without a view is a 404)",
    ),
    // A guard that lets preflights through has no preflight exit in the model, which then lets
    // the actual request through too; the real guard answers it 401 (no `challenge` cookie).
    ("CORS201/options_skipped_through_a_variable.py", "", "model: exits of a guard that lets preflights through"),
    // Two apps in one file: simulate asks which one; the harness cannot choose.
    ("CORS105/lists_everywhere.py", "simulate failed", "harness: two apps in one file"),
    // The test's auth service accepts only `Authorization`; the model lets a `Cookie` pass auth_request.
    ("CORS202/auth_request_options_first.conf", "actual status", "harness: what the auth service accepts"),
    // The app's own OPTIONS route answers 204 with the preflight headers; the model does not read the
    // status or headers an endpoint returns (assumes 200, none) and says blocked.
    (
        "CORS203/compose_app_answers_options/nginx/conf.d/default.conf",
        "",
        "model: status and headers an endpoint returns",
    ),
];

/// Known differences between the browsers and `corslint simulate` that are not a server-model gap
/// already in [`KNOWN_DISAGREEMENTS`], as (fixture, part of the probe, why).
const KNOWN_BROWSER_DISAGREEMENTS: &[(&str, &str, &str)] = &[];

/// Splits the browsers' disagreements with the model into known ones (a server-model gap listed in
/// [`KNOWN_DISAGREEMENTS`], or [`KNOWN_BROWSER_DISAGREEMENTS`]) and new ones, printing the known.
fn new_browser_disagreements(lines: &[String]) -> Vec<String> {
    let why = |line: &String| {
        let server = KNOWN_DISAGREEMENTS.iter().map(|(fixture, _, why)| (*fixture, "", *why));
        server.chain(KNOWN_BROWSER_DISAGREEMENTS.iter().copied()).find_map(|(fixture, part, why)| {
            (line.starts_with(&format!("{fixture} |")) && line.contains(part)).then_some(why)
        })
    };
    for (fixture, part, why) in KNOWN_BROWSER_DISAGREEMENTS {
        if !lines.iter().any(|l| l.starts_with(&format!("{fixture} |")) && l.contains(part)) {
            eprintln!("  no longer seen in the browsers: {fixture} {part} ({why})");
        }
    }
    let mut new = Vec::new();
    for line in lines {
        match why(line) {
            Some(why) => eprintln!("  known: {line} ({why})"),
            None => new.push(line.clone()),
        }
    }
    new
}

/// Prints the disagreements with the model and fails on any that is not in [`KNOWN_DISAGREEMENTS`].
fn model_report(disagreements: &[String], what: &str) {
    eprintln!("ground truth ({what}): {} disagreements with `corslint simulate`", disagreements.len());
    for line in disagreements {
        eprintln!("  {line}");
    }
    let known = |line: &String| {
        KNOWN_DISAGREEMENTS.iter().any(|(fixture, field, _)| {
            line.starts_with(&format!("{fixture} |")) && line.rsplit(" | ").next().unwrap_or("").starts_with(field)
        })
    };
    for (fixture, field, why) in KNOWN_DISAGREEMENTS {
        let seen = disagreements.iter().any(|l| l.starts_with(&format!("{fixture} |")));
        if !seen && what == if fixture.ends_with(".py") { "Starlette latest" } else { "nginx" } {
            eprintln!("  no longer seen here: {fixture} {field} ({why})");
        }
    }
    let new: Vec<&String> = disagreements.iter().filter(|l| !known(l)).collect();
    assert!(new.is_empty(), "real server and corslint's model disagree (not in KNOWN_DISAGREEMENTS):\n{new:#?}");
}

#[test]
fn nginx_fixtures_match_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(nginx_bin), Some(python)) = (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_PYTHON_LATEST")) else {
        return;
    };
    run_nginx(&nginx_bin, &python, nginx_cases::cases(&attack_origins), "nginx");
}

/// nginx in front of the Flask fixtures' apps, served by the Flask venv.
#[test]
fn flask_behind_nginx_matches_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(nginx_bin), Some(python)) = (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_PYTHON_FLASK")) else {
        return;
    };
    run_nginx(&nginx_bin, &python, nginx_cases::flask_stacks(), "nginx in front of Flask");
}

/// nginx in front of the Litestar fixtures' apps, served by the Litestar venv.
#[test]
fn litestar_behind_nginx_matches_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(nginx_bin), Some(python)) = (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_PYTHON_LITESTAR")) else {
        return;
    };
    run_nginx(&nginx_bin, &python, nginx_cases::litestar_stacks(), "nginx in front of Litestar");
}

/// nginx in front of the Django fixture's app, served by the Django venv.
#[test]
fn django_behind_nginx_matches_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(nginx_bin), Some(python)) = (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_PYTHON_DJANGO")) else {
        return;
    };
    run_nginx(&nginx_bin, &python, nginx_cases::django_stacks(), "nginx in front of Django");
}

/// Starts the backends of `cases` with `python`, then one nginx per case, and runs its probes.
fn run_nginx(nginx_bin: &Path, python: &Path, cases: Vec<nginx_cases::Case>, what: &str) {
    let logs = tempfile::tempdir().unwrap();
    let backends = servers::NginxBackends::start(nginx_bin, python, &cases, logs.path());
    let (mut failures, mut checked, mut disagreements) = (Vec::new(), 0, Vec::new());
    for case in cases {
        let server = match backends.serve(&case) {
            Ok(Some(server)) => server,
            Ok(None) => continue,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let model = servers::nginx_model(&case);
        for probe in &case.probes {
            checked += 1;
            match probe.check(server.port) {
                Ok(real) => {
                    let status = upstream_status(&probe.fetch.path);
                    let diffs = model.as_ref().and_then(|m| m.compare(probe, &real, Some(status)));
                    record(&mut disagreements, case.fixture, probe, diffs);
                }
                Err(e) => failures.push(format!(
                    "{} [{:?} upstream] {}:\n      {e}",
                    case.fixture,
                    case.upstream,
                    probe.describe()
                )),
            }
        }
    }
    report(&failures, checked, what);
    model_report(&disagreements, what);
}

/// Runs `app`'s probes against the server on `port`, each compared with `model`; returns how many ran.
fn run_probes(
    app: &fastapi_cases::App,
    port: u16,
    model: &model::Model,
    failures: &mut Vec<String>,
    disagreements: &mut Vec<String>,
) -> usize {
    for probe in &app.probes {
        match probe.check(port) {
            Ok(real) => record(disagreements, app.fixture, probe, model.compare(probe, &real, None)),
            Err(e) => failures.push(format!("{} {}:\n      {e}", app.fixture, probe.describe())),
        }
    }
    app.probes.len()
}

/// Serves every app of `apps` from one Python process and runs their probes.
fn run_apps(python: &Path, apps: &[fastapi_cases::App], what: &str, starlette: &str) {
    let logs = tempfile::tempdir().unwrap();
    let fixtures: Vec<&str> = apps.iter().map(|a| a.fixture).collect();
    let (server, ports) = servers::serve_apps(python, &fixtures, logs.path());
    let (mut failures, mut checked, mut disagreements) = (Vec::new(), 0, Vec::new());
    for (i, app) in apps.iter().enumerate() {
        let port = match &ports[i] {
            Ok(port) => *port,
            Err(why) => {
                failures.push(format!("{}: did not start: {why}", app.fixture));
                continue;
            }
        };
        let model = model::Model::load(&root().join("fixtures").join(app.fixture), "app", starlette);
        checked += run_probes(app, port, &model, &mut failures, &mut disagreements);
    }
    drop(server);
    report(&failures, checked, what);
    model_report(&disagreements, what);
}

#[test]
fn fastapi_fixtures_match_latest_starlette() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_LATEST") else { return };
    run_apps(&python, &fastapi_cases::apps(&attack_origins), "Starlette latest", "1.10.0");
}

#[test]
fn flask_fixtures_match_flask_cors() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_FLASK") else { return };
    // The Starlette version only matters to Starlette apps; none is in this run.
    run_apps(&python, &flask_cases::apps(&attack_origins), "Flask-CORS 6.0.1", "1.10.0");
}

/// Resource selection changed in Flask-CORS 6.0: the same app, pinned to 5.0.1 and to 6.0.1, runs
/// on each release (`CORSLINT_GT_PYTHON_FLASK5` holds 5.0.1) and `simulate` follows the pin.
#[test]
fn flask_resource_order_follows_the_pinned_release() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(latest), Some(cors5)) = (tool("CORSLINT_GT_PYTHON_FLASK"), tool("CORSLINT_GT_PYTHON_FLASK5")) else {
        return;
    };
    let (on_5, on_6) = flask_cases::release_apps();
    run_apps(&cors5, &[on_5], "Flask-CORS 5.0.1", "1.10.0");
    run_apps(&latest, &[on_6], "Flask-CORS 6.0.1", "1.10.0");
}

#[test]
fn django_fixtures_match_django_cors_headers() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_DJANGO") else { return };
    // Django's settings are global to a process: one server process per fixture.
    for app in django_cases::apps(&attack_origins) {
        run_apps(&python, std::slice::from_ref(&app), "django-cors-headers 4.9.0", "1.10.0");
    }
}

#[test]
fn litestar_fixtures_match_litestar() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_LITESTAR") else { return };
    run_apps(&python, &litestar_cases::apps(&attack_origins), "Litestar 2.18.0", "1.10.0");
}

/// A stand-in for `passport` (`require("passport")` in the CORS201 fixtures):
/// `passport.authenticate(...)` answers 401 to a request without `Authorization`, as passport does
/// when its strategy finds no credentials.
const PASSPORT_STUB: &str = "exports.authenticate = () => (req, res, next) => \
    req.headers.authorization ? next() : res.status(401).send('Unauthorized');\n";

/// Runs each Express fixture in its own `node` process with `express` resolving to `express`
/// (`express` for 4, `express5` for 5) from `modules`, and compares with `corslint simulate`.
/// The fastify and Hono fixtures run the same way (`express` left as it is).
fn run_express(node: &Path, modules: &Path, express: &str, apps: &[fastapi_cases::App], what: &str) {
    let logs = tempfile::tempdir().unwrap();
    let shims = logs.path().join("node_modules");
    std::fs::create_dir_all(shims.join("passport")).unwrap();
    std::fs::write(shims.join("passport/index.js"), PASSPORT_STUB).unwrap();
    if express != "express" {
        std::os::unix::fs::symlink(modules.join(express), shims.join("express")).unwrap();
    }
    let node_path = std::env::join_paths([shims.as_path(), modules]).unwrap();
    let (mut failures, mut checked, mut disagreements) = (Vec::new(), 0, Vec::new());
    for app in apps {
        let port = procs::free_port();
        let mut command = Command::new(node);
        command.arg(fixture_path(app.fixture)).env("NODE_PATH", &node_path).env("PORT", port.to_string());
        let log = logs.path().join(format!("{}.log", app.fixture.replace('/', "_")));
        let server = match procs::Server::spawn(app.fixture, command, &log) {
            Ok(server) => server,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if !procs::wait_for_port(port, std::time::Duration::from_secs(15)) {
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            failures.push(format!("{}: did not listen on {port}: {stderr}", app.fixture));
            continue;
        }
        let model = model::Model::load(&fixture_path(app.fixture), "app", "1.10.0");
        checked += run_probes(app, port, &model, &mut failures, &mut disagreements);
        drop(server);
    }
    report(&failures, checked, what);
    model_report(&disagreements, what);
}

#[test]
fn express_fixtures_match_express_4_and_5() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(modules) = tool("CORSLINT_GT_NODE_MODULES") else { return };
    let node = std::env::var_os("CORSLINT_GT_NODE").filter(|n| !n.is_empty()).unwrap_or_else(|| "node".into());
    let apps = express_cases::apps(&attack_origins);
    run_express(Path::new(&node), &modules, "express", &apps, "Express 4.21.2 + cors 2.8.5");
    run_express(Path::new(&node), &modules, "express5", &apps, "Express 5.1.0 + cors 2.8.5");
    let only_5 = express_cases::express5_apps();
    run_express(Path::new(&node), &modules, "express5", &only_5, "Express 5.1.0 + cors 2.8.5 (Express 5 paths)");
}

/// CORS901 for Express paths: each fixture runs on the release its `package.json` pins. The app
/// throws before it listens exactly when corslint reports CORS901, and every one of them starts on
/// Express 4, so the release is what decides (a file without a manifest is not reported).
#[test]
fn express_start_up_matches_cors901() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(modules) = tool("CORSLINT_GT_NODE_MODULES") else { return };
    let node = std::env::var_os("CORSLINT_GT_NODE").filter(|n| !n.is_empty()).unwrap_or_else(|| "node".into());
    // The fixture, its entry script, the release its package.json pins, and whether it starts on
    // Express 4 and on Express 5.
    let cases = [
        ("CORS901/express5_options_star", "server.js", "express5", (true, false)),
        ("CORS901/express4_options_star", "server.js", "express", (true, false)),
        ("CORS901/express_latest_cors_route_star", "server.js", "express5", (true, false)),
        // No manifest: not reported; the code starts on Express 4 only.
        ("CORS901/express_unpinned_options_star.js", "", "none", (true, false)),
        ("CORS901/express5_named_wildcard", "server.js", "express5", (true, true)),
    ];
    let mut failures = Vec::new();
    for (fixture, entry, pinned, (on_4, on_5)) in cases {
        let target = root().join("fixtures").join(fixture);
        let script = if entry.is_empty() { target.clone() } else { target.join(entry) };
        let outcome = lint(&Options { paths: vec![target], ..Options::default() }).expect("lint");
        let refused = outcome.diagnostics.iter().any(|d| d.code == "CORS901");
        for (express, expected) in [("express", on_4), ("express5", on_5)] {
            let (listened, stderr) = express_listens(Path::new(&node), &modules, express, &script);
            if listened != expected {
                failures.push(format!("{fixture} on {express}: listened {listened}, expected {expected}: {stderr}"));
            }
            if express == pinned && listened == refused {
                failures.push(format!("{fixture} on {express} (pinned): listened {listened}, CORS901 {refused}"));
            }
            if !listened && !stderr.contains("PathError") {
                failures.push(format!("{fixture} on {express}: failed without a PathError: {stderr}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether `script` listens on its `PORT` with `express` resolving to `express` (4) or `express5`,
/// and what it wrote to stderr.
fn express_listens(node: &Path, modules: &Path, express: &str, script: &Path) -> (bool, String) {
    let app = ExpressApp::start(node, modules, express, script);
    let stderr = std::fs::read_to_string(app.scratch.path().join("stderr.log")).unwrap_or_default();
    (app.listening, stderr)
}

/// An Express fixture app in its own `node` process, with `express` resolving to `express` (4) or
/// `express5`; it is stopped when dropped.
struct ExpressApp {
    _server: procs::Server,
    port: u16,
    listening: bool,
    scratch: tempfile::TempDir,
}

impl ExpressApp {
    fn start(node: &Path, modules: &Path, express: &str, script: &Path) -> ExpressApp {
        let scratch = tempfile::tempdir().unwrap();
        if express != "express" {
            std::os::unix::fs::symlink(modules.join(express), scratch.path().join("express")).unwrap();
        }
        let node_path = std::env::join_paths([scratch.path(), modules]).unwrap();
        let port = procs::free_port();
        let log = scratch.path().join("stderr.log");
        let mut command = Command::new(node);
        command.arg(script).env("NODE_PATH", &node_path).env("PORT", port.to_string());
        let mut server = procs::Server::spawn(&script.display().to_string(), command, &log).unwrap();
        // A refused path throws at once: stop waiting when the process is gone.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut listening = false;
        while server.exited().is_none() && std::time::Instant::now() < deadline {
            if procs::wait_for_port(port, std::time::Duration::from_millis(50)) {
                listening = true;
                break;
            }
        }
        ExpressApp { _server: server, port, listening, scratch }
    }
}

/// nginx in front of the Express fixtures' apps (real nginx, real Express 4.21.2 + cors 2.8.5),
/// compared with `corslint simulate` walked from nginx into the app.
#[test]
fn express_behind_nginx_matches_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    run_node_stacks(express_cases::stacks(), "nginx in front of Express");
}

/// nginx in front of the fastify (5.12.8 + `@fastify/cors` 11.4.3) and Hono (4.13.23) fixtures'
/// apps, the same way.
#[test]
fn fastify_and_hono_behind_nginx_match_real_nginx() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    run_node_stacks(node_plugin_cases::stacks(), "nginx in front of fastify and Hono");
}

/// Starts each stack's Node.js app, then real nginx in front of it, and runs its probes.
fn run_node_stacks(stacks: Vec<express_cases::Stack>, what: &str) {
    let (Some(nginx_bin), Some(modules)) = (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_NODE_MODULES")) else {
        return;
    };
    let node = std::env::var_os("CORSLINT_GT_NODE").filter(|n| !n.is_empty()).unwrap_or_else(|| "node".into());
    let (mut failures, mut checked, mut disagreements) = (Vec::new(), 0, Vec::new());
    for stack in stacks {
        let app = ExpressApp::start(Path::new(&node), &modules, "express", &fixture_path(stack.script));
        if !app.listening {
            failures.push(format!("{}: the app did not listen", stack.script));
            continue;
        }
        let upstreams = nginx::Upstreams { http: app.port, fastcgi: app.port };
        let server = match nginx::start(&nginx_bin, &fixture_path(stack.nginx), upstreams, &[]) {
            Ok(server) => server,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let model = model::Model::load(&fixture_path(stack.fixture), "nginx", "1.10.0");
        for probe in &stack.probes {
            checked += 1;
            match probe.check(server.port) {
                Ok(real) => record(&mut disagreements, stack.fixture, probe, model.compare(probe, &real, None)),
                Err(e) => failures.push(format!("{} {}:\n      {e}", stack.fixture, probe.describe())),
            }
        }
    }
    report(&failures, checked, what);
    model_report(&disagreements, what);
}

/// The fastify and Hono fixtures, each in its own `node` process with the ground-truth modules.
fn run_node_plugin_apps(apps: &[fastapi_cases::App], what: &str) {
    let Some(modules) = tool("CORSLINT_GT_NODE_MODULES") else { return };
    let node = std::env::var_os("CORSLINT_GT_NODE").filter(|n| !n.is_empty()).unwrap_or_else(|| "node".into());
    run_express(Path::new(&node), &modules, "express", apps, what);
}

#[test]
fn fastify_fixtures_match_fastify_cors() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let apps = node_plugin_cases::fastify_apps(&attack_origins);
    run_node_plugin_apps(&apps, "fastify 5.12.8 + @fastify/cors 11.4.3");
}

#[test]
fn hono_fixtures_match_hono_cors() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    run_node_plugin_apps(&node_plugin_cases::hono_apps(), "Hono 4.13.23 + @hono/node-server 2.1.11");
}

#[test]
fn fastapi_fixtures_match_oldest_allowed_starlette() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_OLDEST") else { return };
    run_apps(&python, &fastapi_cases::apps(&attack_origins), "Starlette oldest allowed", "1.6.0");
}

#[test]
fn fastapi_wildcard_credentials_on_legacy_starlette() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_LEGACY") else { return };
    run_apps(&python, &fastapi_cases::legacy_apps(), "Starlette 0.52", "0.52.1");
}

/// CORS105 says a bool `allow_origins` makes every request a 500; in the wrap style the
/// `TypeError` is raised at import, so the app never starts at all.
#[test]
fn bool_origins_crash_at_import() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_LATEST") else { return };
    let folder = root().join("fixtures/CORS105");
    let out = Command::new(python)
        .current_dir(&folder)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-c", "import bool_origins_wrap_style"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("TypeError"), "{stderr}");
}

/// CORS101 for Flask-CORS: `send_wildcard=True` with credentials raises `ValueError` in `CORS(...)`,
/// so importing the app fails (what the finding says: the app does not start).
#[test]
fn flask_send_wildcard_credentials_refused() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(python) = tool("CORSLINT_GT_PYTHON_FLASK") else { return };
    let out = Command::new(python)
        .current_dir(root().join("fixtures/CORS101"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-c", "import flask_send_wildcard_credentials"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("ValueError"), "{stderr}");
}

/// Every fixture/request pair above, in real Chromium and Firefox (`ground_truth/browser.rs`): the
/// browser's verdict must equal `corslint simulate`'s and what the fixture claims; cookie policy,
/// mixed content and Local Network Access are classified apart (`ground_truth/browser_judge.rs`).
#[test]
fn browsers_agree_with_simulate() {
    let _guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(chromium), Some(firefox), Some(modules)) =
        (tool("CORSLINT_GT_CHROMIUM"), tool("CORSLINT_GT_FIREFOX"), tool("CORSLINT_GT_NODE_MODULES"))
    else {
        return;
    };
    let (Some(nginx_bin), Some(latest), Some(legacy)) =
        (tool("CORSLINT_GT_NGINX"), tool("CORSLINT_GT_PYTHON_LATEST"), tool("CORSLINT_GT_PYTHON_LEGACY"))
    else {
        return;
    };
    let node = std::env::var_os("CORSLINT_GT_NODE").filter(|n| !n.is_empty()).unwrap_or_else(|| "node".into());
    let started = std::time::Instant::now();
    let browsers =
        browser::Browsers::start(Path::new(&node), &modules, &chromium, &firefox).unwrap_or_else(|e| panic!("{e}"));
    let logs = tempfile::tempdir().unwrap();
    let mut cases = nginx_cases::cases(&attack_origins);
    cases.extend(nginx_cases::browser_edges());
    let apps = (fastapi_cases::apps(&attack_origins), fastapi_cases::legacy_apps());
    let pythons = browser_plan::Pythons { latest: &latest, legacy: &legacy };
    let plan = browser_plan::Plan::start(&nginx_bin, pythons, &cases, (&apps.0, &apps.1), logs.path());
    let (planned, skipped, mut failures) = plan.planned();
    let info = browsers.info.clone();
    let jobs: Vec<browser::Job> = planned.iter().map(|p| p.job.clone()).collect();
    let outcomes = browsers.run(&jobs).unwrap_or_else(|e| panic!("{e}"));
    let verdicts = browser_judge::Verdicts::judge(&planned, &outcomes);
    // Past the test harness's capture: every run shows which browsers judged it, so a verdict that
    // changes with a Debian security update reads as news.
    let summary = verdicts.summary(&info, &skipped, started.elapsed());
    let _ = std::io::Write::write_all(&mut std::io::stderr(), summary.as_bytes());
    failures.extend(verdicts.harness.iter().cloned());
    failures.extend(verdicts.claims.iter().map(|l| format!("claim: {l}")));
    failures.extend(new_browser_disagreements(&verdicts.model).iter().map(|l| format!("model: {l}")));
    assert!(failures.is_empty(), "{} browser checks failed:\n{}", failures.len(), failures.join("\n"));
}

/// An app behind nginx in a compose stack that no server of the ground-truth environment runs:
/// Spring, Rails and Laravel are recognised by byte patterns only.
const OWN_CORS_APP: &str = "no Spring, Rails or Laravel server in the ground-truth environment";

/// A Next.js app whose `next.config` `headers()` sends CORS headers, behind nginx.
const NEXT_SERVER: &str = "no Next.js server in the ground-truth environment";

/// Headers the app's own code writes (Node.js or Python): no library decides what is sent, and
/// `simulate` does not walk hand-written headers yet, so the comparison would only restate that gap.
const HAND_WRITTEN: &str = "hand-written headers: no library decides, and simulate does not model them yet";

/// Fixtures not run (the table above, checked by `every_fixture_in_scope_is_run_or_listed`): a fixture of the rules in scope must be run or listed here.
/// An origin list that is only grown under an `if` is partly known: `simulate` decides no request.
const GROWN_UNDER_IF: &str = "origins grown under an `if`: the model decides no request";

const NOT_RUN: &[(&str, &str)] = &[
    ("CORS302/inherit_merge.conf", "add_header_inherit needs nginx 1.29.3"),
    // The written entries behave as in CORS104/trailing_slash.py, CORS106/django_regex_unanchored.py
    // and CORS104/express_origin_trailing_slash.js.
    ("CORS104/origins_grown_only_in_development.py", GROWN_UNDER_IF),
    ("CORS106/django_regexes_grown_only_in_debug.py", GROWN_UNDER_IF),
    ("CORS104/express_origins_pushed_in_development.js", GROWN_UNDER_IF),
    ("CORS105/bool_origins_wrap_style.py", "does not start (bool_origins_crash_at_import)"),
    // Its point is extensions that receive the app (Flask-SQLAlchemy, Flask-Migrate), which the
    // ground-truth venv does not install; the decorator's behaviour is proven by the other fixtures.
    ("CORS102/flask_cross_origin_beside_extensions.py", "imports Flask extensions the ground-truth venv lacks"),
    ("CORS101/flask_send_wildcard_credentials.py", "does not start (flask_send_wildcard_credentials_refused)"),
    ("CORS304/single_app_proxy_to_two_services", "a second service (frontend:3000) that is not in the fixture"),
    ("CORS303/unknown_include_may_add_headers.conf", "includes a snippet the fixture does not hold (on purpose)"),
    ("CORS306/compose_mounted_snippet", "container paths of compose mounts; the claim is where `include`s resolve"),
    ("CORS306/include_by_path_suffix", "server paths (/opt/nginx); the claim is where `include`s resolve"),
    ("CORS306/kustomize_config_map", "ConfigMap mount paths; the claim is where `include`s resolve"),
    ("CORS102/express_hand_written_reflection.js", HAND_WRITTEN),
    ("CORS102/express_hand_written_allowlist.js", HAND_WRITTEN),
    ("CORS102/express_hand_written_object_form.js", HAND_WRITTEN),
    ("CORS102/node_write_head_allowlist.js", HAND_WRITTEN),
    ("CORS304/express_cors_only_in_tests", "the app only exports itself (no `listen`): the claim is which code counts"),
    // `allowHeaders.join` is not a function: `cors(...)` throws before the server listens.
    ("CORS105/hono_allow_headers_string.js", "does not start (the claim is the start-up TypeError)"),
    ("CORS304/spring_behind_nginx", OWN_CORS_APP),
    ("CORS304/rails_initializer_commented", OWN_CORS_APP),
    ("CORS304/rails_rack_cors_enabled", OWN_CORS_APP),
    ("CORS304/laravel_config_behind_nginx", OWN_CORS_APP),
    ("CORS304/next_headers_behind_nginx", NEXT_SERVER),
    ("CORS304/next_headers_behind_nginx_hides_app_header", NEXT_SERVER),
    ("CORS101/python_route_star_with_credentials.py", HAND_WRITTEN),
    ("CORS101/python_star_without_credentials.py", HAND_WRITTEN),
    ("CORS102/python_after_request_echoes_origin.py", HAND_WRITTEN),
    ("CORS102/python_client_sets_request_header.py", HAND_WRITTEN),
    ("CORS102/python_django_view_echoes_origin.py", HAND_WRITTEN),
    ("CORS102/python_echo_compared_elsewhere.py", HAND_WRITTEN),
    ("CORS102/python_middleware_echo_allowlisted.py", HAND_WRITTEN),
    ("CORS102/python_header_beside_cors_middleware.py", HAND_WRITTEN),
    ("CORS104/python_header_exact_origin.py", HAND_WRITTEN),
    ("CORS104/python_header_trailing_slash.py", HAND_WRITTEN),
    ("CORS104/python_header_two_origins.py", HAND_WRITTEN),
    ("CORS304/compose_nginx_in_front_of_python_hand_written", HAND_WRITTEN),
    ("CORS304/compose_nginx_hides_python_hand_written", HAND_WRITTEN),
    ("CORS304/compose_nginx_in_front_of_python_route_header", HAND_WRITTEN),
];

/// Every nginx fixture of CORS101–107, 202, 203, 301–307 and every Python app fixture (FastAPI,
/// Flask, Django, Litestar) of CORS101–107, 201, 204, 205 is run by this suite or listed in
/// [`NOT_RUN`] with the reason. YAML (Ingress,
/// Traefik) fixtures are out of scope.
#[test]
fn every_fixture_in_scope_is_run_or_listed() {
    let no_attack = |_: &str| Vec::new();
    let mut run: Vec<String> = Vec::new();
    for case in nginx_cases::cases(&no_attack) {
        run.push(case.fixture.to_string());
        if let nginx_cases::Upstream::App(dir) = case.upstream {
            run.push(dir.rsplit_once('/').map_or(dir, |(parent, _)| parent).to_string());
        }
    }
    run.extend(fastapi_cases::apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(flask_cases::apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(django_cases::apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(litestar_cases::apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(express_cases::apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(express_cases::stacks().iter().map(|s| s.fixture.to_string()));
    run.extend(express_cases::express5_apps().iter().map(|a| a.fixture.to_string()));
    run.extend(node_plugin_cases::stacks().iter().map(|s| s.fixture.to_string()));
    run.extend(node_plugin_cases::fastify_apps(&no_attack).iter().map(|a| a.fixture.to_string()));
    run.extend(node_plugin_cases::hono_apps().iter().map(|a| a.fixture.to_string()));
    let python_stacks = [nginx_cases::flask_stacks(), nginx_cases::django_stacks(), nginx_cases::litestar_stacks()];
    for case in python_stacks.into_iter().flatten() {
        run.push(case.fixture.to_string());
    }
    run.extend(["CORS106/nginx_if_unescaped_dots.conf", "CORS106/nginx_map_unanchored_regex.conf"].map(String::from));
    run.extend(["CORS106/regex_suffix_without_dot.py", "CORS106/regex_unescaped_dots.py"].map(String::from));
    let nginx_rules = [
        "101", "102", "103", "104", "105", "106", "107", "202", "203", "301", "302", "303", "304", "305", "306", "307",
    ];
    let app_rules = ["101", "102", "103", "104", "105", "106", "107", "201", "204", "205", "208"];
    let mut missing = Vec::new();
    for (rules, is_nginx) in [(&nginx_rules[..], true), (&app_rules[..], false)] {
        for rule in rules {
            let folder = root().join("fixtures").join(format!("CORS{rule}"));
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = format!("CORS{rule}/{}", entry.file_name().to_string_lossy());
                let wanted = if is_nginx {
                    path.extension().is_some_and(|e| e == "conf")
                        || path.join("nginx.conf").exists()
                        || path.join("nginx").is_dir()
                        || path.join("deploy").is_dir()
                } else {
                    path.extension().is_some_and(|e| e == "py" || e == "js") || path.join("app/main.py").exists()
                };
                let covered = run.iter().any(|r| *r == name || r.starts_with(&format!("{name}/")))
                    || NOT_RUN.iter().any(|(n, _)| *n == name);
                if wanted && !covered {
                    missing.push(name);
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "fixtures neither run nor listed in NOT_RUN: {missing:#?}");
}
