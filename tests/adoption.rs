//! Adopting corslint on an existing repository and living with it in a terminal: baselines,
//! `--add-noqa`, `--show-settings`, `--show-files`, `-q`, `--silent` and `--color`.

use std::path::Path;
use std::process::{Command, Output};

fn corslint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CORSLINT_OUTPUT_FORMAT")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const PROXY: &str = "server {\n    location /api/ {\n        add_header Access-Control-Allow-Origin https://app.example.com;\n        proxy_pass http://10.0.0.5:8000;\n    }\n}\n";

const APP: &str = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\nDOCS = \"\"\"\nallow_origins=['*'] is what we must never write\n\"\"\"\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"https://app.example.com/\"])\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("git");
    std::fs::create_dir_all(dir.path().join("nginx")).expect("nginx");
    std::fs::create_dir_all(dir.path().join("app")).expect("app");
    std::fs::write(dir.path().join("nginx/api.conf"), PROXY).expect("proxy");
    std::fs::write(dir.path().join("app/main.py"), APP).expect("app");
    dir
}

fn codes(output: &Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    json.as_array().expect("array").iter().map(|d| d["code"].as_str().unwrap_or("").to_owned()).collect()
}

#[test]
fn a_baseline_hides_known_findings_wherever_lines_move_and_whoever_runs_it() {
    let dir = project();
    let written = corslint(dir.path(), &["--write-baseline", "corslint-baseline.json", "."]);
    assert_eq!(written.status.code(), Some(0), "{}", String::from_utf8_lossy(&written.stderr));
    let baseline = std::fs::read_to_string(dir.path().join("corslint-baseline.json")).expect("baseline");
    assert!(baseline.contains("\"file\": \"nginx/api.conf\""), "{baseline}");
    let json = ["--output-format", "json", "--baseline", "corslint-baseline.json", "."];
    let known = corslint(dir.path(), &json);
    assert_eq!((known.status.code(), codes(&known).len()), (Some(0), 0), "{}", stdout(&known));

    // Lines move and indentation changes: still known. From another folder: still known.
    let moved = format!("# the API proxy\n\n{}", PROXY.replace("        add_header", "            add_header"));
    std::fs::write(dir.path().join("nginx/api.conf"), moved).expect("move");
    assert!(codes(&corslint(dir.path(), &json)).is_empty());
    let from_nginx = corslint(
        &dir.path().join("nginx"),
        &["--output-format", "json", "--baseline", "../corslint-baseline.json", "api.conf"],
    );
    assert!(codes(&from_nginx).is_empty(), "{}", stdout(&from_nginx));

    // A finding the baseline does not record is reported.
    let doubled = PROXY
        .replace("        proxy_pass", "        add_header Access-Control-Expose-Headers X-Id;\n        proxy_pass");
    std::fs::write(dir.path().join("nginx/api.conf"), doubled).expect("new");
    let new = corslint(dir.path(), &json);
    assert_eq!((new.status.code(), codes(&new)), (Some(1), vec!["CORS301".to_owned()]), "{}", stdout(&new));

    // `baseline =` in the config does the same as the flag.
    std::fs::write(dir.path().join("corslint.toml"), "baseline = \"corslint-baseline.json\"\n").expect("config");
    assert_eq!(codes(&corslint(dir.path(), &["--output-format", "json", "."])), ["CORS301"]);
    let summary = stdout(&corslint(dir.path(), &["--output-format", "concise", "."]));
    assert!(summary.contains("2 known findings hidden by the baseline"), "{summary}");
}

#[test]
fn add_noqa_suppresses_todays_findings_where_a_comment_is_harmless() {
    let dir = project();
    let before = corslint(dir.path(), &["--output-format", "json", "."]);
    assert!(!codes(&before).is_empty());
    let added = corslint(dir.path(), &["--add-noqa", "."]);
    assert_eq!(added.status.code(), Some(0), "{}", String::from_utf8_lossy(&added.stderr));
    let proxy = std::fs::read_to_string(dir.path().join("nginx/api.conf")).expect("proxy");
    assert!(proxy.contains("https://app.example.com;  # corslint: ignore[CORS301]"), "{proxy}");
    let app = std::fs::read_to_string(dir.path().join("app/main.py")).expect("app");
    assert!(
        app.contains("DOCS = \"\"\"\nallow_origins=['*'] is what we must never write\n\"\"\""),
        "the docstring is untouched: {app}"
    );
    let after = corslint(dir.path(), &["--output-format", "json", "."]);
    assert_eq!((after.status.code(), codes(&after).len()), (Some(0), 0), "{}", stdout(&after));
}

#[test]
fn show_settings_names_the_config_and_its_values() {
    let dir = project();
    std::fs::write(
        dir.path().join("corslint.toml"),
        "ignore = [\"CORS107\"]\nfail-on = \"error\"\n[per-file-ignores]\n\"app/**\" = [\"CORS104\"]\n",
    )
    .expect("config");
    let output = corslint(dir.path(), &["--show-settings", "app/main.py"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for line in [
        "kind: python",
        "corslint.toml",
        "ignore: [\"CORS107\"]",
        "per-file-ignores: [\"app/**\" = [\"CORS104\"]]",
        "fail-on: error",
    ] {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    let enabled = text.lines().find(|l| l.starts_with("enabled rules:")).expect("enabled rules");
    assert!(!enabled.contains("CORS104") && !enabled.contains("CORS107") && enabled.contains("CORS101"), "{enabled}");
    let files = stdout(&corslint(dir.path(), &["--show-files", "."]));
    assert!(
        files.contains("app/main.py\tpython\tparsed") && files.contains("nginx/api.conf\tnginx\tparsed"),
        "{files}"
    );
}

#[test]
fn quiet_silent_and_colour() {
    let dir = project();
    let full = stdout(&corslint(dir.path(), &["."]));
    assert!(full.contains("Found ") && !full.contains('\u{1b}'), "no colour off a terminal:\n{full}");
    let quiet = stdout(&corslint(dir.path(), &["-q", "--output-format", "concise", "."]));
    assert!(quiet.contains("CORS301") && !quiet.contains("Found "), "{quiet}");
    let silent = corslint(dir.path(), &["--silent", "."]);
    assert_eq!((silent.status.code(), silent.stdout.is_empty(), silent.stderr.is_empty()), (Some(1), true, true));
    assert!(stdout(&corslint(dir.path(), &["--color", "always", "."])).contains("\u{1b}["));
    let forced = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir.path())
        .env("FORCE_COLOR", "1")
        .arg(".")
        .output()
        .expect("runs");
    assert!(stdout(&forced).contains("\u{1b}["), "FORCE_COLOR colours a pipe");
    let never = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir.path())
        .env("FORCE_COLOR", "1")
        .args(["--color", "never", "."])
        .output()
        .expect("runs");
    assert!(!stdout(&never).contains('\u{1b}'));
}
