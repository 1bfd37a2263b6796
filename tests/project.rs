//! Project context: a run that names files (pre-commit, editors, `corslint app/main.py`) or reads
//! stdin lints the whole project those files belong to and reports every finding that touches
//! them. These are the three ways findings that need two files used to get lost.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A repository where nginx adds `Access-Control-Allow-Origin` in front of an app that sends its
/// own: the CORS304 is on the nginx line, its other half is the app's CORSMiddleware.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (".git/HEAD", "ref: refs/heads/main\n"),
        (
            "docker-compose.yml",
            "services:\n  api:\n    build: ./backend\n  proxy:\n    image: nginx\n    volumes:\n      - ./nginx:/etc/nginx/conf.d\n",
        ),
        (
            "nginx/api.conf",
            "server {\n    listen 80;\n    location / {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        proxy_pass http://api:8000;\n    }\n}\n",
        ),
        ("backend/app/__init__.py", ""),
        ("backend/app/main.py", APP_WITHOUT_CORS),
        ("backend/app/util.py", "def helper():\n    return 1\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("write");
    }
    dir
}

const APP_WITHOUT_CORS: &str = "from fastapi import FastAPI\n\napp = FastAPI()\n";

const APP_WITH_CORS: &str = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"https://app.example.com\"])\n";

fn corslint(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CORSLINT_OUTPUT_FORMAT")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("wait")
}

/// `code file:row` of each finding, from the JSON report.
fn findings(output: &Output) -> BTreeSet<String> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    });
    json.as_array()
        .expect("array")
        .iter()
        .map(|d| {
            format!(
                "{} {}:{}",
                d["code"].as_str().unwrap_or(""),
                d["filename"].as_str().unwrap_or(""),
                d["location"]["row"]
            )
        })
        .collect()
}

const DUPLICATE: &str = "CORS304 nginx/api.conf:4";

#[test]
fn a_staged_app_fails_on_the_proxy_finding_it_completes() {
    let repo = repository();
    std::fs::write(repo.path().join("backend/app/main.py"), APP_WITH_CORS).expect("stage the change");
    // What pre-commit runs for a commit that only touches main.py.
    let staged = corslint(repo.path(), &["--force-exclude", "--output-format", "json", "backend/app/main.py"], None);
    assert_eq!(staged.status.code(), Some(1), "{}", String::from_utf8_lossy(&staged.stderr));
    assert!(findings(&staged).contains(DUPLICATE), "{:?}", findings(&staged));
    let whole = corslint(repo.path(), &["--output-format", "json", "."], None);
    assert!(findings(&whole).contains(DUPLICATE), "corslint . agrees");
    let alone = corslint(repo.path(), &["--no-project", "--output-format", "json", "backend/app/main.py"], None);
    assert!(findings(&alone).is_empty(), "--no-project lints the file alone: {:?}", findings(&alone));
}

#[test]
fn a_split_call_reports_the_same_for_each_file() {
    let repo = repository();
    std::fs::write(repo.path().join("backend/app/main.py"), APP_WITH_CORS).expect("write");
    let all = ["backend/app/main.py", "backend/app/util.py", "docker-compose.yml", "nginx/api.conf"];
    let json = ["--output-format", "json"];
    let together = findings(&corslint(repo.path(), &[&json[..], &all[..]].concat(), None));
    // pre-commit splits a long file list; each part must keep what concerns its files.
    let first = findings(&corslint(repo.path(), &[&json[..], &all[..2]].concat(), None));
    let second = findings(&corslint(repo.path(), &[&json[..], &all[2..]].concat(), None));
    assert!(first.contains(DUPLICATE), "main.py's part: {first:?}");
    assert!(second.contains(DUPLICATE), "nginx's part: {second:?}");
    assert_eq!(first.union(&second).cloned().collect::<BTreeSet<_>>(), together);
}

#[test]
fn an_editor_buffer_on_stdin_is_linted_in_its_project() {
    let repo = repository();
    // The file on disk has no CORS; the unsaved buffer adds it.
    let args = ["--output-format", "json", "--stdin-filename", "backend/app/main.py", "-"];
    let buffer = corslint(repo.path(), &args, Some(APP_WITH_CORS));
    assert!(findings(&buffer).contains(DUPLICATE), "{:?}", findings(&buffer));
    let disk = corslint(repo.path(), &args, Some(APP_WITHOUT_CORS));
    assert!(findings(&disk).is_empty(), "the buffer, not the file, is linted: {:?}", findings(&disk));
    // From another working directory, the same project and the same finding.
    let elsewhere = corslint(
        &repo.path().join("backend"),
        &["--output-format", "json", "--stdin-filename", "app/main.py", "-"],
        Some(APP_WITH_CORS),
    );
    assert!(
        findings(&elsewhere).iter().any(|f| f.starts_with("CORS304") && f.ends_with("nginx/api.conf:4")),
        "{:?}",
        findings(&elsewhere)
    );
}

#[test]
fn a_named_config_reports_every_finding_it_governs() {
    let repo = repository();
    std::fs::write(repo.path().join("backend/app/main.py"), APP_WITH_CORS).expect("write");
    std::fs::write(repo.path().join("corslint.toml"), "fail-on = \"error\"\n").expect("config");
    let output = corslint(repo.path(), &["--output-format", "json", "corslint.toml"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(findings(&output).contains(DUPLICATE), "{:?}", findings(&output));
}

#[test]
fn a_named_folder_is_walked_as_its_own_tree() {
    let repo = repository();
    std::fs::write(repo.path().join("backend/app/main.py"), APP_WITH_CORS).expect("write");
    let output = corslint(repo.path(), &["--output-format", "json", "nginx"], None);
    assert!(findings(&output).is_empty(), "nginx/ alone reaches no app: {:?}", findings(&output));
}

/// The hook's `files:` filter and discovery agree: every file discovery can select, and every
/// config file, reaches the hook; what discovery never reads does not.
#[test]
fn the_pre_commit_filter_is_discoverys_selection() {
    let hooks =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")).expect("hooks");
    let files = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("files: "))
        .map(|v| v.trim().trim_matches('\'').replace("''", "'"))
        .expect("a files: line");
    assert_eq!(files, corslint::discover::hook_files_regex(), "the hook filter is the one discovery exports");
    assert!(hooks.contains("require_serial: true"));
    let filter = regex::Regex::new(&files).expect("a regex pre-commit can use");
    let selected = [
        "app/main.py",
        "deploy/ingress.yaml",
        "compose.yml",
        ".env",
        ".env.production",
        "prod.env",
        "nginx.conf",
        "nginx/conf.d/api.conf",
        "etc/nginx/http.d/default",
        "conf.d/api.example.io",
        "sites-enabled/default",
        "snippets/cors",
        "templates/default.conf.template",
        "corslint.toml",
        "services/api/.corslint.toml",
        "pyproject.toml",
        "frontend/package.json",
        "web/angular.json",
        "web/proxy.conf.json",
        "vercel.json",
        "site/netlify.toml",
        "public/_headers",
    ];
    for path in selected {
        assert!(filter.is_match(path), "the hook skips {path}");
    }
    for path in ["README.md", "src/main.rs", "package-lock.json", "tsconfig.json", "docs/nginx.md", "Cargo.toml"] {
        assert!(!filter.is_match(path), "the hook runs for {path}, which discovery never reads");
    }
    for path in selected.iter().filter(|p| !p.ends_with(".toml") || p.ends_with("netlify.toml")) {
        let by_name = corslint::discover::classify_by_name(Path::new(path)).is_some();
        let in_nginx_dir = ["nginx/", "conf.d/", "http.d/", "sites-", "snippets/"].iter().any(|d| path.contains(d));
        assert!(by_name || in_nginx_dir, "{path} is in the sample but discovery would never select it");
    }
}

/// A named file the prefilter finds nothing in is linted and clean: counted, not "nothing was linted".
#[test]
fn a_named_clean_file_is_counted() {
    let repo = repository();
    std::fs::write(repo.path().join("values.yaml"), "replicas: 2\n").expect("write");
    let output = corslint(repo.path(), &["--output-format", "concise", "values.yaml"], None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stdout, "All checks passed: no CORS problems found in 1 file.\n", "{stderr}");
    assert!(!stderr.contains("nothing was linted"), "{stderr}");
}
