//! `corslint simulate` on fixture projects: the verdict, the browser's reason and key headers.

use serde_json::Value;
use std::process::Command;

fn simulate(args: &[&str]) -> (Option<i32>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("simulate")
        .args(args)
        .args(["--output-format", "json"])
        .output()
        .expect("the binary runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), json)
}

fn header<'a>(exchange: &'a Value, name: &str) -> Vec<&'a str> {
    exchange["response"]["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .filter_map(|h| h[1].as_str())
        .collect()
}

fn reason(sim: &Value) -> &str {
    sim["verdict"]["reason"].as_str().unwrap_or("")
}

const APP: &str = "fixtures/simulate/fastapi_allowlist";
const ALLOWED: &str = "https://app.example.com";

#[test]
fn fastapi_credentialed_put_with_authorization_is_allowed() {
    let (code, sim) = simulate(&[
        APP,
        "--origin",
        ALLOWED,
        "-X",
        "PUT",
        "-H",
        "Authorization",
        "--credentials",
        "--url",
        "https://api.example.com/api/items/3",
    ]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(sim["verdict"]["allowed"], true);
    assert_eq!(sim["preflight"]["response"]["status"], 200);
    assert_eq!(header(&sim["preflight"], "access-control-allow-origin"), vec![ALLOWED]);
    assert_eq!(header(&sim["preflight"], "access-control-allow-methods"), vec!["GET, PUT"]);
    assert_eq!(header(&sim["actual"], "access-control-allow-credentials"), vec!["true"]);
    assert_eq!(header(&sim["actual"], "vary"), vec!["Origin"]);
}

#[test]
fn fastapi_disallowed_method_gets_400_and_fails_on_status() {
    let (code, sim) =
        simulate(&[APP, "--origin", ALLOWED, "-X", "DELETE", "--url", "https://api.example.com/api/items/3"]);
    assert_eq!(code, Some(1));
    assert_eq!(sim["preflight"]["response"]["status"], 400);
    assert_eq!(
        reason(&sim),
        "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
    );
    assert_eq!(sim["actual"]["sent"], false);
}

#[test]
fn fastapi_other_origin_gets_no_allow_origin() {
    let (code, sim) =
        simulate(&[APP, "--origin", "https://evil.example.net", "--url", "https://api.example.com/api/items"]);
    assert_eq!(code, Some(1));
    assert!(sim["preflight"].is_null());
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn wildcard_with_credentials_depends_on_the_starlette_version() {
    let app = "fixtures/CORS101/add_middleware_alias.py";
    let (code, sim) = simulate(&[app, "--origin", "https://evil.example.net", "--credentials", "--no-cookies"]);
    assert_eq!(code, Some(0), "1.x reflects any origin with credentials: {sim:#}");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec!["https://evil.example.net"]);
    let (code, sim) = simulate(&[
        app,
        "--origin",
        "https://evil.example.net",
        "--credentials",
        "--no-cookies",
        "--starlette-version",
        "0.46.2",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        reason(&sim),
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
    );
}

#[test]
fn middleware_outside_cors_answers_the_preflight_without_cors_headers() {
    let (code, sim) = simulate(&["fixtures/CORS201/decorator_added_after_cors.py", "--origin", ALLOWED, "-X", "PUT"]);
    assert_eq!(code, Some(1));
    assert_eq!(sim["preflight"]["response"]["status"], 401);
    assert_eq!(
        reason(&sim),
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
}

#[test]
fn nginx_proxy_passes_the_apps_cors_headers_through() {
    let dir = "fixtures/simulate/nginx_fastapi";
    let (code, sim) =
        simulate(&[dir, "--origin", ALLOWED, "-X", "DELETE", "--url", "https://api.example.com/api/items/3"]);
    assert_eq!(code, Some(0), "{sim:#}");
    let stack = sim["stack"].as_array().map(Vec::len);
    assert_eq!(stack, Some(2), "nginx → FastAPI");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec![ALLOWED]);
    // PUT is not in allow_methods.
    let (code, sim) =
        simulate(&[dir, "--origin", ALLOWED, "-X", "PUT", "--url", "https://api.example.com/api/items/3"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        reason(&sim),
        "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
    );
    // The static location never reaches the app: no CORS headers at all.
    let (code, sim) = simulate(&[dir, "--origin", ALLOWED, "--url", "https://api.example.com/logo.png"]);
    assert_eq!(code, Some(1));
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn nginx_preflight_branch_and_map_allowlist() {
    let dir = "fixtures/simulate/nginx_preflight_branch";
    let args =
        |origin: &'static str| vec![dir, "--origin", origin, "-X", "PUT", "-H", "Authorization", "--credentials"];
    let (code, sim) = simulate(&args("https://admin.example.com"));
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(sim["preflight"]["response"]["status"], 204);
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec!["https://admin.example.com"]);
    let (code, sim) = simulate(&args("https://app.example.com.evil.net"));
    assert_eq!(code, Some(1));
    assert_eq!(
        reason(&sim),
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
    // DELETE is listed, PATCH is not.
    let (code, sim) = simulate(&[dir, "--origin", "https://app.example.com", "-X", "PATCH"]);
    assert_eq!(code, Some(1));
    assert_eq!(reason(&sim), "Method PATCH is not allowed by Access-Control-Allow-Methods in preflight response.");
}

#[test]
fn nginx_headers_without_always_vanish_on_errors() {
    // demo: the app's API-key middleware answers 401 and nginx's add_header has no `always`.
    let (code, sim) = simulate(&[
        "fixtures/demo",
        "--via",
        "nginx",
        "--origin",
        "https://shop.example.com",
        "--credentials",
        "--url",
        "https://api.example.com/api/items/",
    ]);
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(sim["actual"]["response"]["status"], 401);
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn several_fronts_are_ambiguous_without_via() {
    // An nginx proxy and an Ingress, neither linked to an app in the repository: nothing says which
    // one the browser meets.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("nginx.conf"),
        "server {\n    listen 80;\n    location / {\n        proxy_pass http://127.0.0.1:9000;\n    }\n}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("ingress.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .arg("simulate")
        .arg(dir.path())
        .args(["--origin", "https://shop.example.com"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--via"));
}

#[test]
fn the_front_linked_to_the_app_is_walked() {
    // The demo has an Ingress and an nginx proxy; only nginx's proxy_pass is tied to the backend
    // (through docker-compose), so that is the stack simulated.
    let (code, sim) =
        simulate(&["fixtures/demo", "--origin", "https://shop.example.com", "--credentials", "-X", "DELETE"]);
    assert_eq!(code, Some(1), "{sim:#}");
    let stack = sim["stack"].to_string();
    assert!(stack.contains("nginx") && stack.contains("FastAPI"), "{stack}");
}

#[test]
fn ingress_allowlist_answers_preflights_with_204() {
    let dir = "fixtures/simulate/ingress_allowlist";
    let (code, sim) = simulate(&[dir, "--origin", ALLOWED, "-X", "PUT", "-H", "Authorization", "--credentials"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(sim["preflight"]["response"]["status"], 204);
    assert!(header(&sim["preflight"], "vary").is_empty(), "ingress-nginx sends no Vary");
    let (code, sim) = simulate(&[dir, "--origin", "https://evil.example.net", "--credentials"]);
    assert_eq!(code, Some(1));
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn ingress_defaults_send_wildcard_with_credentials() {
    let (code, sim) = simulate(&["fixtures/demo/k8s", "--origin", "https://shop.example.com", "--credentials"]);
    assert_eq!(code, Some(1));
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec!["*"]);
    assert_eq!(
        reason(&sim),
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
    );
    let (code, _) = simulate(&["fixtures/demo/k8s", "--origin", "https://shop.example.com"]);
    assert_eq!(code, Some(0));
}

#[test]
fn traefik_answers_preflights_and_its_regex_is_unanchored() {
    let listed = "fixtures/CORS101/traefik_crd_listed_origins.yaml";
    let (code, sim) = simulate(&[listed, "--origin", ALLOWED, "--credentials"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(header(&sim["actual"], "vary"), vec!["Origin"]);
    let (code, sim) = simulate(&[listed, "--origin", ALLOWED, "-X", "PUT"]);
    assert_eq!(code, Some(1));
    assert_eq!(sim["preflight"]["response"]["status"], 200);
    assert_eq!(reason(&sim), "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.");
    let regex = "fixtures/CORS106/traefik_crd_unanchored_regex.yaml";
    let (code, sim) = simulate(&[regex, "--origin", "https://app.example.com.evil.net"]);
    assert_eq!(code, Some(0), "the unanchored regex admits a suffix: {sim:#}");
}

#[test]
fn unknown_origins_leave_the_verdict_undetermined() {
    let (code, sim) = simulate(&["fixtures/CORS105/getenv_passed_directly.py", "--origin", ALLOWED]);
    assert_eq!(code, Some(2), "{sim:#}");
    assert!(sim["verdict"]["unknown"].as_str().is_some_and(|u| u.contains("allow_origins")));
}

#[test]
fn ingress_configuration_snippet_header_directives_apply() {
    let file = "fixtures/CORS306/ingress_origin_list_with_vary_snippet.yaml";
    let (code, sim) = simulate(&[file, "--origin", ALLOWED]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(header(&sim["actual"], "vary"), vec!["Origin"]);
    let file = "fixtures/CORS202/ingress_basic_auth_snippet_cors.yaml";
    let (code, sim) = simulate(&[file, "--origin", "https://admin.example.com", "-X", "PUT"]);
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(sim["preflight"]["response"]["status"], 401);
    assert_eq!(header(&sim["preflight"], "access-control-allow-origin"), vec!["https://admin.example.com"]);
    assert_eq!(
        reason(&sim),
        "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
    );
}

#[test]
fn nginx_if_with_its_own_add_header_drops_the_locations_cors_headers() {
    let file = "fixtures/CORS302/if_in_location.conf";
    let (code, _) = simulate(&[file, "--origin", ALLOWED, "--url", "https://files.example.com/files/a.pdf"]);
    assert_eq!(code, Some(0));
    let (code, sim) =
        simulate(&[file, "--origin", ALLOWED, "--url", "https://files.example.com/files/a.pdf?download=1"]);
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(header(&sim["actual"], "content-disposition"), vec!["attachment"]);
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
}

#[test]
fn trusted_host_outside_cors_rejects_the_preflight() {
    let file = "fixtures/CORS201/trusted_host_written_as_urls.py";
    let (code, sim) =
        simulate(&[file, "--origin", "http://localhost:5173", "-X", "PUT", "--url", "https://api.example.com/"]);
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(sim["preflight"]["response"]["status"], 400);
    assert!(sim["steps"][0]["what"].as_str().is_some_and(|w| w.contains("Invalid host header")));
}

#[test]
fn a_plain_string_of_origins_admits_its_substrings() {
    let file = "fixtures/CORS105/comma_string_origins.py";
    let (code, sim) = simulate(&[file, "--origin", "https://app.example.co"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec!["https://app.example.co"]);
    let (code, _) = simulate(&[file, "--origin", "https://evil.example.net"]);
    assert_eq!(code, Some(1));
}

#[test]
fn an_unhandled_exception_reaches_the_browser_without_cors_headers() {
    let args = [APP, "--origin", ALLOWED, "--url", "https://api.example.com/api/items"];
    let (code, sim) = simulate(&[&args[..], &["--endpoint-status", "500"]].concat());
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(sim["actual"]["response"]["status"], 500);
    assert_eq!(reason(&sim), "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
    // An HTTPException (here 404) is handled inside CORSMiddleware and gets its headers.
    let (code, sim) = simulate(&[&args[..], &["--endpoint-status", "404"]].concat());
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec![ALLOWED]);
}

#[test]
fn forbidden_headers_are_usage_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["simulate", APP, "--origin", ALLOWED, "-H", "Cookie: a=b"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--credentials"));
}

#[test]
fn every_fixture_simulates_without_an_internal_error() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for group in std::fs::read_dir(&root).expect("fixtures").flatten() {
        for entry in std::fs::read_dir(group.path()).into_iter().flatten().flatten() {
            let path = entry.path();
            let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .arg("simulate")
                .arg(&path)
                .args(["--origin", ALLOWED, "-X", "PUT", "-H", "Authorization", "--credentials"])
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("internal error"), "{}: {stderr}", path.display());
            assert!(matches!(output.status.code(), Some(0..=2)), "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 50);
}

/// headers-more's filter runs before add_header's, and its commands in the order written, outer
/// level first (found against real nginx by the ground truth, which runs the same config).
#[test]
fn headers_more_and_add_header_combine_as_nginx_does() {
    let config = "tests/ground_truth/nginx/headers_more_order.conf";
    let cases: [(&str, &[&str]); 7] = [
        ("/clear-then-add/ok", &[ALLOWED]),
        ("/set-then-add/ok", &[ALLOWED, "https://admin.example.com"]),
        ("/clear-then-set/ok", &[ALLOWED]),
        ("/set-then-clear/ok", &[]),
        ("/outer/inner/ok", &[ALLOWED]),
        ("/set-empty/ok", &[]),
        ("/if-inner/ok", &[ALLOWED]),
    ];
    for (path, acao) in cases {
        let url = format!("https://api.example.com{path}");
        let (_, sim) = simulate(&[config, "--via", "nginx", "--origin", ALLOWED, "--url", &url]);
        assert_eq!(header(&sim["actual"], "access-control-allow-origin"), acao.to_vec(), "{path}: {sim:#}");
    }
}

#[test]
fn wildcard_allow_headers_covers_authorization_without_credentials() {
    let dir = "fixtures/simulate/nginx_wildcard_headers";
    let (code, sim) = simulate(&[dir, "--origin", ALLOWED, "-X", "PUT", "-H", "Authorization"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(sim["verdict"]["allowed"], true);
    assert_eq!(sim["preflight"]["verdict"]["allowed"], true);
    assert!(sim["preflight"]["verdict"]["caveat"].as_str().is_some_and(|c| c.contains("whatwg/fetch#1919")), "{sim:#}");
    let notes = sim["notes"].as_array().map(|n| n.iter().filter_map(Value::as_str).collect::<Vec<_>>());
    assert!(notes.unwrap_or_default().iter().any(|n| n.contains("whatwg/fetch#1919")), "{sim:#}");
    // A header other than `Authorization` is covered without a caveat.
    let (code, sim) = simulate(&[dir, "--origin", ALLOWED, "-X", "PUT", "-H", "X-Token"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert!(sim["preflight"]["verdict"].get("caveat").is_none(), "{sim:#}");
}

/// Where the browsers showed the model wrong (`tests/ground_truth/nginx/browser_edges.conf`, run in
/// Chromium and Firefox by the ground truth): the verdict and the DevTools issue name.
#[test]
fn browser_edges_get_the_browsers_verdict_and_issue() {
    let config = "tests/ground_truth/nginx/browser_edges.conf";
    let run = |method: &str, path: &str| {
        let url = format!("https://api.example.com{path}");
        simulate(&[config, "--via", "nginx", "--origin", ALLOWED, "--method", method, "--url", &url]).1
    };
    // A redirected preflight fails as such, whatever headers the redirect carries.
    let sim = run("PUT", "/preflight-redirect/ok");
    assert_eq!(sim["verdict"]["issue"], "PreflightDisallowedRedirect", "{sim:#}");
    assert!(reason(&sim).ends_with("Redirect is not allowed for a preflight request."), "{sim:#}");
    // A script's `patch` passes a preflight listing `patch`, then nginx refuses the lower-case method.
    let sim = run("patch", "/lowercase-methods/ok");
    assert_eq!(sim["preflight"]["verdict"]["allowed"], true, "{sim:#}");
    assert_eq!(sim["actual"]["response"]["status"], 400, "{sim:#}");
    assert_eq!(sim["verdict"]["issue"], "MissingAllowOriginHeader", "{sim:#}");
    let sim = run("PATCH", "/uppercase-methods/ok");
    assert_eq!(sim["verdict"]["allowed"], true, "{sim:#}");
}

/// Firefox sends no cookie from a page on another site; Starlette 0.52 then answers `*` with
/// credentials: the verdict gives each browser's (both checked in the browsers by the ground truth).
#[test]
fn browsers_that_differ_on_the_cookie_get_their_own_verdicts() {
    let app = "fixtures/CORS101/add_middleware_alias.py";
    let args = ["--origin", "https://evil.com", "--credentials", "--url", "https://api.example.com/gt"];
    let (_, sim) = simulate(&[&[app, "--starlette-version", "0.52"][..], &args].concat());
    let by = &sim["verdict"]["by_browser"];
    assert_eq!((&by["chromium"]["allowed"], &by["firefox"]["allowed"]), (&true.into(), &false.into()), "{sim:#}");
    assert_eq!(by["firefox"]["issue"], "WildcardOriginNotAllowed", "{sim:#}");
    // Starlette 1.x reflects the origin with or without the cookie: one verdict for both.
    let (_, sim) = simulate(&[&[app][..], &args].concat());
    assert!(sim["verdict"]["by_browser"].is_null(), "{sim:#}");
    // The same site keeps its cookie in Firefox too.
    let same_site = ["--origin", "https://app.example.com", "--credentials", "--url", "https://api.example.com/gt"];
    let (_, sim) = simulate(&[&[app, "--starlette-version", "0.52"][..], &same_site].concat());
    assert!(sim["verdict"]["by_browser"].is_null(), "{sim:#}");
}

/// The server is chosen by the request's port first: `https://` reaches the `listen 443 ssl` one,
/// `http://` the redirect written before it.
#[test]
fn nginx_server_chosen_by_scheme_and_port() {
    let dir = "fixtures/simulate/nginx_https_server";
    let (code, sim) =
        simulate(&[dir, "--origin", ALLOWED, "--url", "https://api.example.com/api/items", "--via", "nginx"]);
    assert_eq!(code, Some(0), "{sim:#}");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), vec![ALLOWED]);
    let (code, sim) =
        simulate(&[dir, "--origin", ALLOWED, "--url", "http://api.example.com/api/items", "--via", "nginx"]);
    assert_eq!(code, Some(1), "{sim:#}");
    assert_eq!(sim["actual"]["response"]["status"], 301);
}

/// The Flask-CORS release in `requirements.txt` decides which resource answers a path, and the
/// notes say which release's behaviour is described (ground truth: `flask_resource_order_follows_the_pinned_release`).
#[test]
fn flask_resource_order_follows_the_pinned_release() {
    for (release, allowed) in [("5", true), ("6", false)] {
        let dir = format!("fixtures/simulate/flask_resources_cors{release}");
        let url = "https://api.example.com/API/users";
        let (_, sim) = simulate(&[&dir, "--origin", "https://admin.example.com", "--url", url]);
        assert_eq!(sim["verdict"]["allowed"], allowed, "{release}: {sim}");
        let notes = sim["notes"].to_string();
        let described = format!("Flask-CORS {release} (`flask-cors=={release}.0.1` in");
        assert!(notes.contains(&described), "{release}: {notes}");
    }
}

/// An app Express 5 refuses at start-up answers nothing; the same code pinned to Express 4 answers.
#[test]
fn express_5_app_that_does_not_start_is_not_walked() {
    let refused = "fixtures/CORS901/express5_options_star";
    let (_, sim) = simulate(&[refused, "--origin", "https://app.example.com", "-X", "PUT"]);
    assert!(sim["verdict"]["unknown"].as_str().is_some_and(|u| u.contains("the app does not start")), "{sim}");
    let started = "fixtures/CORS901/express4_options_star";
    let (_, sim) = simulate(&[started, "--origin", "https://app.example.com", "-X", "PUT"]);
    assert_eq!(sim["verdict"]["allowed"], true, "{sim}");
}

#[test]
fn flask_runs_the_last_cors_call_first_and_falls_back_to_earlier_ones() {
    let later = "fixtures/CORS102/flask_later_cors_call_reflects_with_credentials.py";
    let (code, sim) = simulate(&[later, "--origin", "https://evil.com", "--url", "https://api.example.com/api/me"]);
    assert_eq!(code, Some(0), "{sim}");
    assert_eq!(header(&sim["actual"], "access-control-allow-origin"), ["https://evil.com"]);
    assert_eq!(header(&sim["actual"], "access-control-allow-credentials"), ["true"]);
    let both = "fixtures/CORS102/flask_two_cors_calls_listed_clean.py";
    for origin in ["https://app.example.com", "https://admin.example.com"] {
        let (code, sim) = simulate(&[both, "--origin", origin, "--url", "https://api.example.com/api/me"]);
        assert_eq!(code, Some(0), "{origin}: {sim}");
        assert_eq!(header(&sim["actual"], "access-control-allow-origin"), [origin]);
    }
    let (code, _) = simulate(&[both, "--origin", "https://evil.com", "--url", "https://api.example.com/api/me"]);
    assert_eq!(code, Some(1));
}
