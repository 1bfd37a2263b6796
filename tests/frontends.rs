//! `corslint frontends` and `corslint simulate` without `--origin` on the CORS109 fixtures: what was
//! discovered and from where, the pair table, its JSON and the exit codes of the Decisions.

use serde_json::Value;
use std::process::{Command, Output};

fn corslint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_pair_table_of_a_vite_frontend_whose_fallback_port_is_refused() {
    let output = corslint(&["simulate", "fixtures/CORS109/vite_fallback_port"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn pairs_as_json_name_the_verdict_the_reason_and_the_evidence() {
    let output = corslint(&["simulate", "fixtures/CORS109/nginx_loopback_ip", "--output-format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let pairs = json(&output);
    let [pair] = pairs["pairs"].as_array().expect("a list").as_slice() else { panic!("one pair: {pairs:#}") };
    assert_eq!(pair["origin"], "http://localhost:5173");
    assert_eq!(pair["api"], "http://localhost:8080/");
    assert_eq!(pair["environment"], "development");
    assert_eq!(pair["verdict"], "blocked");
    assert_eq!(pair["reason"], "No 'Access-Control-Allow-Origin' header is present on the requested resource.");
    // The map entry that lets only `127.0.0.1` through.
    assert_eq!(pair["policy"], "fixtures/CORS109/nginx_loopback_ip/edge.conf:3");
    assert_eq!(pair["api_evidence"][0]["at"], "fixtures/CORS109/nginx_loopback_ip/app/.env.development.local:1");
    assert!(pair["stack"][0].as_str().is_some_and(|s| s.starts_with("nginx server")), "{pair:#}");
}

#[test]
fn every_pair_allowed_exits_0() {
    let output = corslint(&["simulate", "fixtures/CORS109/credentials_allowed_clean"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("http://localhost:5173  http://localhost:8000/api/  development  allowed"));
}

#[test]
fn an_api_the_repository_does_not_serve_is_unknown_and_exits_2() {
    let output = corslint(&["simulate", "fixtures/CORS109/unknown_api_host_clean"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(stdout(&output).contains("unknown  api.partner-payments.io is not a host the repository serves"));
}

#[test]
fn no_pair_exits_0_with_a_note() {
    let output = corslint(&["simulate", "fixtures/CORS109/vite_config_function_clean"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no frontend → API pair found"));
}

#[test]
fn a_path_is_same_origin() {
    let output = corslint(&["simulate", "fixtures/CORS109/dev_proxy_kept_clean", "--output-format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let pairs = json(&output);
    assert!(pairs["pairs"].as_array().is_some_and(|p| p.len() == 2 && p.iter().all(|p| p["verdict"] == "same-origin")));
}

#[test]
fn single_request_flags_without_origin_are_a_usage_error() {
    let output = corslint(&["simulate", "fixtures/CORS109/vite_fallback_port", "--credentials"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn frontends_lists_origins_apis_and_where_they_come_from() {
    let output = corslint(&["frontends", "fixtures/CORS109/localhost_vs_loopback_ip"]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn frontends_json_says_what_is_unknown() {
    let output = corslint(&["frontends", "fixtures/CORS109/vite_config_function_clean", "--output-format", "json"]);
    let list = json(&output);
    let frontend = &list["frontends"][0];
    assert_eq!(frontend["tool"], "vite");
    assert_eq!(frontend["origins"], serde_json::json!([]));
    let unknown = frontend["unknown"].as_array().expect("a list");
    assert!(
        unknown
            .iter()
            .any(|u| u.as_str().is_some_and(|u| u.contains("`server.port` in vite.config.ts is not resolvable"))),
        "{unknown:#?}"
    );
}

#[test]
fn a_server_with_tls_and_plain_http_has_its_https_origin_and_nothing_unknown() {
    let output = corslint(&["frontends", "fixtures/CORS109/deployed_origin_allowed_clean", "--output-format", "json"]);
    let frontend = &json(&output)["frontends"][0];
    let origins: Vec<&str> =
        frontend["origins"].as_array().expect("a list").iter().filter_map(|o| o["origin"].as_str()).collect();
    assert!(origins.contains(&"https://shop.example.com"), "{origins:?}");
    let unknown = frontend["unknown"].as_array().expect("a list");
    assert!(!unknown.iter().any(|u| u.as_str().is_some_and(|u| u.contains("plain http"))), "{unknown:#?}");
}

#[test]
fn a_declared_frontend_is_listed() {
    let output = corslint(&["frontends", "fixtures/CORS109/credentials_not_allowed", "--output-format", "json"]);
    let list = json(&output);
    assert_eq!(list["frontends"][0]["dir"], "admin");
    assert_eq!(list["frontends"][0]["tool"], "declared");
    assert_eq!(list["frontends"][0]["credentials"], true);
}

#[test]
fn one_request_as_a_mermaid_sequence_diagram() {
    let output = corslint(&[
        "simulate",
        "fixtures/demo",
        "--via",
        "nginx",
        "--origin",
        "https://shop.example.com",
        "--credentials",
        "--url",
        "https://api.example.com/api/items/",
        "--output-format",
        "mermaid",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn every_walked_pair_as_a_fenced_mermaid_diagram() {
    let output = corslint(&["simulate", "fixtures/CORS109/nginx_next_fallback_port", "--output-format", "mermaid"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_eq!(text.matches("```mermaid\nsequenceDiagram\n").count(), 2, "{text}");
    assert!(text.contains("**http://localhost:4001 → http://localhost:8080/v1 (development)**"), "{text}");
    assert!(text.contains(
        "Note over B: Verdict: blocked: The 'Access-Control-Allow-Origin' header has a value 'http://localhost:4000'"
    ));
}

#[test]
fn the_demo_prints_its_pair_table() {
    let output = corslint(&["simulate", "fixtures/demo"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with("FRONTEND ORIGIN"), "{text}");
    assert!(
        text.contains("http://localhost:5173             http://localhost:8000/api  development  blocked"),
        "{text}"
    );
}

/// The message quotes the console as the page's client meets it: axios and HttpClient go through
/// `XMLHttpRequest`, `fetch` through fetch.
#[test]
fn the_cors109_message_names_the_interface_the_client_calls_through() {
    let message = |fixture: &str| {
        let output = corslint(&["--output-format", "json", "--exit-zero", fixture]);
        let found = json(&output);
        let diagnostics = found.as_array().cloned().unwrap_or_default();
        let cors109 = diagnostics.iter().find(|d| d["code"] == "CORS109").cloned().unwrap_or_default();
        cors109["message"].as_str().unwrap_or_default().to_string()
    };
    let axios = message("fixtures/CORS109/axios_with_credentials");
    assert!(axios.contains("Access to XMLHttpRequest at 'http://localhost:8000"), "{axios}");
    let fetched = message("fixtures/CORS109/credentials_not_allowed");
    assert!(fetched.contains("Access to fetch at '"), "{fetched}");
}
