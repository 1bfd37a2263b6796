//! The built binary, as users and CI run it: exit codes, formats, discovery, config, stdin.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn corslint() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corslint"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("CORSLINT_OUTPUT_FORMAT").env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str]) -> Output {
    corslint().args(args).output().expect("the binary runs")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    corslint().current_dir(dir).args(args).output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const FINDING: &str = "fixtures/CORS902/stale_ignore.py";
const CLEAN: &str = "fixtures/CORS902/no_suppressions.py";

mod common;
use common::shared_dir;

// What issue 13 asks of a CI gate, by area.
#[path = "cli/config_scope.rs"]
mod config_scope;
#[path = "cli/forged_output.rs"]
mod forged_output;
#[path = "cli/output_file.rs"]
mod output_file;
#[path = "cli/simulate_requests.rs"]
mod simulate_requests;

#[test]
fn exit_codes_follow_the_contract() {
    assert_eq!(run(&[CLEAN]).status.code(), Some(0));
    assert_eq!(run(&[FINDING]).status.code(), Some(1));
    assert_eq!(run(&["--exit-zero", FINDING]).status.code(), Some(0));
    assert_eq!(run(&["--fail-on", "error", FINDING]).status.code(), Some(0));
    assert_eq!(run(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(run(&["--select", "NOPE", FINDING]).status.code(), Some(2));
    let missing = run(&["no/such/path"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no/such/path"), "{}", stderr(&missing));
    assert!(stdout(&missing).is_empty());
}

#[test]
fn clean_repository_prints_a_clean_summary() {
    let output = run(&[CLEAN]);
    assert_eq!(stdout(&output), "All checks passed: no CORS problems found in 1 file.\n");
}

#[test]
fn every_output_format_matches_its_snapshot() {
    for format in ["full", "concise", "json", "json-lines", "sarif", "github"] {
        let output = run(&["--output-format", format, FINDING]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", stderr(&output));
        // SARIF names the checkout's absolute path once (`originalUriBaseIds`).
        let text = stdout(&output).replace(env!("CARGO_MANIFEST_DIR"), "[CHECKOUT]");
        insta::assert_snapshot!(format!("format_{format}"), text);
    }
    let stats = run(&["--statistics", FINDING]);
    insta::assert_snapshot!("statistics", stdout(&stats));
}

#[test]
fn output_file_receives_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("report.json");
    let target_arg = target.to_string_lossy().into_owned();
    let output = run(&["--output-format", "json", "-o", &target_arg, FINDING]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    let written = std::fs::read_to_string(&target).expect("report written");
    let value: serde_json::Value = serde_json::from_str(&written).expect("valid JSON");
    assert_eq!(value.as_array().map(Vec::len), Some(2));
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema_path = shared_dir().join("schemas/sarif-schema-2.1.0.json");
    let Ok(schema_text) = std::fs::read_to_string(&schema_path) else {
        println!("note: {} is absent; SARIF schema check skipped", schema_path.display());
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for target in [FINDING, "fixtures"] {
        let output = run(&["--output-format", "sarif", "--exit-zero", target]);
        let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
        let errors: Vec<String> =
            validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{target}: SARIF invalid:\n{}", errors.join("\n"));
        let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(uri.as_str().is_some_and(|u| !u.starts_with('/')), "relative uri expected, got {uri}");
    }
}

#[test]
fn json_is_valid_for_every_fixture() {
    let output = run(&["--output-format", "json", "--exit-zero", "fixtures"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    for d in value.as_array().expect("an array") {
        for field in [
            "code",
            "name",
            "severity",
            "message",
            "help",
            "url",
            "filename",
            "location",
            "end_location",
            "labels",
            "fix",
        ] {
            assert!(d.get(field).is_some(), "missing `{field}` in {d}");
        }
        assert!(d["location"]["row"].as_u64().is_some_and(|r| r >= 1));
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

const STALE: &str = "x = 1  # corslint: ignore[CORS901]\n";

#[test]
fn gitignore_is_honoured_for_walks_but_not_for_named_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join(".gitignore"), "ignored.py\n");
    write(&dir.path().join("ignored.py"), STALE);
    // Python without anything CORS-related is skipped by the prefilter; this file is a candidate.
    write(&dir.path().join(".deploy/kept.py"), "from fastapi import FastAPI\n");
    let walked = run_in(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(walked.status.code(), Some(0), "{}", stdout(&walked));
    assert!(stdout(&walked).contains("in 1 file"), "dot-directories are walked: {}", stdout(&walked));
    let named = run_in(dir.path(), &["--output-format", "concise", "ignored.py"]);
    assert_eq!(named.status.code(), Some(1));
    assert!(stdout(&named).starts_with("ignored.py:1:27: CORS902"), "{}", stdout(&named));
    let forced = run_in(dir.path(), &["--force-exclude", "ignored.py"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stdout(&forced));
}

#[test]
fn stdin_is_linted_as_the_named_file() {
    let mut child = corslint()
        .args(["--output-format", "concise", "--stdin-filename", "app/main.py", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(STALE.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("app/main.py:1:27: CORS902"), "{}", stdout(&output));
}

#[test]
fn nearest_config_applies_and_bad_config_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("a/app.py"), STALE);
    write(&dir.path().join("b/app.py"), STALE);
    write(&dir.path().join("b/pyproject.toml"), "[tool.corslint]\nignore = [\"CORS902\"]\n");
    write(&dir.path().join("corslint.toml"), "[severity]\nCORS902 = \"info\"\n");
    let output = run_in(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(output.status.code(), Some(0), "info does not fail: {}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("a/app.py:1:27: CORS902 [info]"), "{text}");
    assert!(!text.contains("b/app.py"), "pyproject in b/ ignores CORS902: {text}");

    write(&dir.path().join("corslint.toml"), "select = [\"CORS9\"]\nselct = [\"CORS1\"]\n");
    let bad = run_in(dir.path(), &["."]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(message.contains("corslint.toml:2:1") && message.contains("selct"), "{message}");
    assert!(stdout(&bad).is_empty());
}

#[test]
fn suppressions_work_in_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A stale suppression is itself suppressible only by an ignore-file of CORS902.
    write(&dir.path().join("quiet.py"), "# corslint: ignore-file[CORS902]\nx = 1  # corslint: ignore[CORS901]\n");
    let output = run_in(dir.path(), &["--output-format", "concise", "quiet.py"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn rule_documentation_commands() {
    let list = run(&["rules", "--output-format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    assert!(rules.as_array().is_some_and(|r| r.iter().any(|r| r["code"] == "CORS901")));
    let page = run(&["rule", "CORS902"]);
    assert_eq!(page.status.code(), Some(0));
    assert!(stdout(&page).starts_with("# CORS902 unused-suppression"));
    assert_eq!(run(&["rule", "CORS000"]).status.code(), Some(2));
}

#[test]
fn junk_input_never_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed & 0xff) as u8
            })
            .collect()
    };
    for (i, name) in ["a.py", "b.conf", "nginx/c", "d.yaml", ".env"].iter().enumerate() {
        let path = root.join(format!("r{i}")).join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, random(4096 + i * 997)).expect("write");
    }
    write(&root.join("utf8/bad.py"), "");
    std::fs::write(root.join("utf8/bad.py"), b"CORS = '\xff\xfe'\nserver { \xc3 }\n").expect("write");
    std::fs::write(root.join("utf8/nul.conf"), b"server {\0}\n").expect("write");
    write(&root.join("empty/nginx.conf"), "");
    write(&root.join("empty/empty.yaml"), "");
    let big = "# padding\n".repeat(20 * 1024 * 1024 / 10 + 1);
    write(&root.join("big/huge.py"), &big);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root, root.join("loop")).expect("symlink");
        use std::os::unix::fs::PermissionsExt;
        write(&root.join("secret/app.py"), "x = 1\n");
        std::fs::set_permissions(root.join("secret/app.py"), std::fs::Permissions::from_mode(0o000)).expect("chmod");
        // A FIFO must not block the walk (reading it would wait forever).
        let fifo = root.join("conf.d/pipe.conf");
        std::fs::create_dir_all(root.join("conf.d")).expect("mkdir");
        let made = Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    }
    for format in ["full", "json"] {
        let output = run_in(root, &["--output-format", format, "."]);
        let code = output.status.code();
        assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("internal error"), "{}", stderr(&output));
        if format == "json" {
            let _: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on junk");
        }
    }
    // The huge file holds nothing that can matter (the prefilter drops it): no finding; NUL bytes
    // in files the prefilter keeps are a CORS903.
    let json = run_in(root, &["--output-format", "json", "--exit-zero", "."]);
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let not_analysed: Vec<&str> = findings
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "CORS903")
        .filter_map(|f| f["filename"].as_str())
        .collect();
    assert_eq!(not_analysed, ["r4/.env", "utf8/nul.conf"], "{findings}");
}

#[test]
fn verbose_lists_the_stack_with_its_reasons() {
    let output = run(&["--verbose", "--exit-zero", "--output-format", "concise", "fixtures/demo"]);
    let err = stderr(&output);
    assert!(
        err.contains(
            "corslint: stack: compose:proxy → nginx:fixtures/demo/nginx/conf.d/api.conf location /api/ → \
             compose:backend → fastapi:fixtures/demo/backend/app/main.py (compose service \"proxy\" mounts \
             ./nginx/conf.d at /etc/nginx/conf.d; proxy_pass http://backend = upstream \"backend\" (server \
             backend:8000); compose service \"backend\", build ./backend)"
        ),
        "{err}"
    );
    let traefik = run(&["--verbose", "--exit-zero", "fixtures/CORS308/traefik_labels_cors_middleware"]);
    assert!(
        stderr(&traefik).contains("stack: traefik:router api → compose:backend → fastapi:"),
        "{}",
        stderr(&traefik)
    );
    let ingress = run(&["--verbose", "--exit-zero", "fixtures/CORS308/ingress_enable_cors"]);
    assert!(
        stderr(&ingress).contains("stack: ingress:shop-api → service:shop-api → deployment:shop-api → fastapi:"),
        "{}",
        stderr(&ingress)
    );
}

/// Runs corslint as an unprivileged user: root reads everything, so a refused read needs another
/// uid (`nobody` via util-linux's `setpriv`).
fn run_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(run_in(dir, args));
    }
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_corslint")])
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    Some(output)
}

#[test]
fn unreadable_paths_fail_the_run_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let mode =
        |path: &Path, mode| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    mode(dir.path(), 0o755);
    write(&dir.path().join("ok/site.conf"), "add_header Access-Control-Allow-Origin * always;\n");
    write(&dir.path().join("secret/site.conf"), "add_header Access-Control-Allow-Origin * always;\n");
    mode(&dir.path().join("ok"), 0o755);
    mode(&dir.path().join("secret"), 0o000);
    let Some(refused) = run_unprivileged(dir.path(), &["--output-format", "json", "."]) else {
        eprintln!("unreadable paths: running as root without `setpriv`, skipped");
        return;
    };
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stdout(&refused).is_empty(), "nothing but a report on stdout: {}", stdout(&refused));
    let message = stderr(&refused);
    assert!(message.contains("secret: Permission denied"), "{message}");
    assert!(message.contains("add them to `exclude`"), "{message}");

    write(&dir.path().join("corslint.toml"), "exclude = [\"secret\"]\n");
    let excluded = run_unprivileged(dir.path(), &["--output-format", "concise", "."]).expect("ran before");
    assert_eq!(excluded.status.code(), Some(0), "{}{}", stdout(&excluded), stderr(&excluded));
    assert!(stdout(&excluded).contains("in 1 file"), "{}", stdout(&excluded));

    mode(&dir.path().join("secret"), 0o755);
    mode(&dir.path().join("secret/site.conf"), 0o000);
    let named = run_unprivileged(dir.path(), &["secret/site.conf"]).expect("ran before");
    assert_eq!(named.status.code(), Some(2), "a named file that cannot be read: {}", stderr(&named));
    assert!(stderr(&named).contains("secret/site.conf: Permission denied"), "{}", stderr(&named));
    let missing = run_in(dir.path(), &["nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nowhere: no such file or directory (name existing"), "{}", stderr(&missing));
}

// Never pass silently: what is selected but not analysed is said, and nothing is counted twice.

fn json_findings(output: &Output) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    value.as_array().cloned().unwrap_or_default()
}

fn codes_in(output: &Output) -> Vec<(String, String)> {
    json_findings(output)
        .iter()
        .map(|f| (f["filename"].as_str().unwrap_or("").to_owned(), f["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[test]
fn files_selected_but_not_analysed_are_cors903_and_fail_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut compose = "services:\n  api:\n    image: api\n".to_owned();
    compose.push_str(&"# padding\n".repeat(11 * 1024 * 1024 / 10));
    write(&root.join("deploy/docker-compose.yml"), &compose);
    // A 12 MB lock file and a Dockerfile in an nginx folder were never candidates: nothing.
    let lock = "lockfileVersion: '9.0'\npackages:\n  /cors@2.8.5: {}\n".to_owned() + &" ".repeat(12 * 1024 * 1024);
    write(&root.join("web/pnpm-lock.yaml"), &lock);
    write(&root.join("nginx/Dockerfile"), "FROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/\n");
    std::fs::create_dir_all(root.join("nginx/conf.d")).expect("mkdir");
    std::fs::write(root.join("nginx/conf.d/binary.conf"), b"server {\0\0 add_header X 1; }\n").expect("write");
    let walked = run_in(root, &["--output-format", "json", "."]);
    assert_eq!(walked.status.code(), Some(1), "{}", stderr(&walked));
    let mut found = codes_in(&walked);
    found.sort();
    let expected = [("deploy/docker-compose.yml", "CORS903"), ("nginx/conf.d/binary.conf", "CORS903")];
    assert_eq!(found, expected.map(|(f, c)| (f.to_owned(), c.to_owned())));
    let messages: Vec<String> =
        json_findings(&walked).iter().map(|f| f["message"].as_str().unwrap_or("").to_owned()).collect();
    assert!(messages[0].contains("11.0 MiB, over the 10 MiB"), "{messages:?}");
    assert!(messages[1].contains("NUL bytes"), "{messages:?}");
    // Named on the command line: the same.
    let named = run_in(root, &["--output-format", "concise", "deploy/docker-compose.yml"]);
    assert_eq!(named.status.code(), Some(1));
    assert!(stdout(&named).starts_with("deploy/docker-compose.yml:1:1: CORS903"), "{}", stdout(&named));
    assert!(stdout(&named).ends_with("(0 files linted, 1 not analysed).\n"), "{}", stdout(&named));
    // Excluding it on purpose silences it.
    write(&root.join("corslint.toml"), "exclude = [\"deploy/**\", \"nginx/conf.d/binary.conf\"]\n");
    let excluded = run_in(root, &["."]);
    assert_eq!(excluded.status.code(), Some(0), "{}", stdout(&excluded));
}

#[test]
fn utf16_with_a_byte_order_mark_is_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "server {\r\n    location / {\r\n        add_header Access-Control-Allow-Origin * always;\r\n        add_header Access-Control-Allow-Credentials true always;\r\n    }\r\n}\r\n";
    let bytes: Vec<u8> = [0xff, 0xfe].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::create_dir_all(dir.path().join("nginx")).expect("mkdir");
    std::fs::write(dir.path().join("nginx/api.conf"), bytes).expect("write");
    let output = run_in(dir.path(), &["--output-format", "json", "--select", "CORS101,CORS903", "."]);
    let findings = json_findings(&output);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["code"], "CORS101");
    assert_eq!(findings[0]["location"]["row"], 3);
}

#[test]
fn a_path_with_nothing_to_lint_warns_instead_of_passing() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("src/main.go"), "package main\n");
    let output = run_in(dir.path(), &["src"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty(), "no `All checks passed` about 0 files: {}", stdout(&output));
    assert!(
        stderr(&output).contains("warning: no Python, JavaScript, TypeScript, nginx, YAML or dotenv file found"),
        "{}",
        stderr(&output)
    );
    // Files the prefilter looked at and found clean are linted files: no warning, and counted.
    write(&dir.path().join("ci/workflow.yml"), "on: push\njobs: {}\n");
    write(&dir.path().join("ci/other.yml"), "name: x\n");
    let clean = run_in(dir.path(), &["ci"]);
    assert_eq!(stdout(&clean), "All checks passed: no CORS problems found in 2 files.\n");
    assert!(stderr(&clean).is_empty(), "{}", stderr(&clean));
}

#[test]
fn stdin_and_paths_are_both_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("nginx/api.conf"),
        "server { add_header Access-Control-Allow-Origin https://a.example.com/ always; }\n",
    );
    write(&dir.path().join("app/main.py"), "x = 2\n");
    let mut child = corslint()
        .current_dir(dir.path())
        .args(["--output-format", "json", "--stdin-filename", "app/main.py", "-", "nginx/", "app/"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(STALE.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    let mut found = codes_in(&output);
    found.sort();
    assert_eq!(
        found,
        [("app/main.py".to_owned(), "CORS902".to_owned()), ("nginx/api.conf".to_owned(), "CORS104".to_owned())],
        "the stdin buffer replaces app/main.py, and nginx/ is not dropped"
    );
}

#[test]
fn overlapping_paths_report_each_finding_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("nginx/api.conf"),
        "server { add_header Access-Control-Allow-Origin https://a.example.com/ always; }\n",
    );
    let once = codes_in(&run_in(dir.path(), &["--output-format", "json", "."]));
    assert_eq!(once.len(), 1, "{once:?}");
    for args in [&[".", "nginx/"][..], &["nginx", "./nginx/", "nginx/api.conf"], &["nginx/../nginx", "nginx"]] {
        let output = run_in(dir.path(), &[&["--output-format", "json"], args].concat());
        assert_eq!(codes_in(&output), once, "{args:?}");
    }
}

#[test]
fn cr_only_line_endings_give_the_same_position_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        "server {\r    listen 80;\r    add_header Access-Control-Allow-Origin https://a.example.com/ always;\r}\r";
    write(&dir.path().join("api.conf"), text);
    let run_format = |format: &str| stdout(&run_in(dir.path(), &["--output-format", format, "api.conf"]));
    let json = json_findings(&run_in(dir.path(), &["--output-format", "json", "api.conf"]));
    let (row, column) = (json[0]["location"]["row"].clone(), json[0]["location"]["column"].clone());
    assert_eq!((row.as_u64(), column.as_u64()), (Some(3), Some(65)), "{json:?}");
    assert!(run_format("concise").starts_with("api.conf:3:65: CORS104"), "{}", run_format("concise"));
    assert!(run_format("full").contains("[api.conf:3:65]"), "{}", run_format("full"));
    assert!(
        run_format("github").contains("line=3,") && run_format("github").contains("col=65"),
        "{}",
        run_format("github")
    );
    let sarif: serde_json::Value = serde_json::from_str(&run_format("sarif")).expect("SARIF");
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(3), Some(65)), "{region}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_inside_the_tree_only() {
    let outside = tempfile::tempdir().expect("tempdir");
    let marker = "https://secret-marker.example.com/";
    let target = outside.path().join("secret.conf");
    std::fs::write(&target, format!("server {{ add_header Access-Control-Allow-Origin {marker} always; }}\n"))
        .expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).expect("mkdir");
    write(
        &root.join("nginx/sites-available/api.example.io"),
        "server {\n    add_header Access-Control-Allow-Origin https://a.example.com/ always;\n}\n",
    );
    std::fs::create_dir_all(root.join("nginx/sites-enabled")).expect("mkdir");
    std::os::unix::fs::symlink("../sites-available/api.example.io", root.join("nginx/sites-enabled/api.example.io"))
        .expect("link");
    std::os::unix::fs::symlink(&target, root.join("nginx/sites-enabled/leak")).expect("link");
    for format in ["json", "full", "concise", "github", "sarif"] {
        for args in
            [&["."][..], &["nginx/sites-enabled"], &["nginx/sites-enabled/leak", "nginx/sites-enabled/api.example.io"]]
        {
            let output = run_in(root, &[&["--output-format", format], args].concat());
            assert!(!stdout(&output).contains("secret-marker"), "{format} {args:?}: {}", stdout(&output));
            assert!(!stdout(&output).contains(&*outside.path().to_string_lossy()), "{}", stdout(&output));
            if format == "json" {
                let mut found = codes_in(&output);
                found.sort();
                assert_eq!(
                    found,
                    [
                        ("nginx/sites-available/api.example.io".to_owned(), "CORS104".to_owned()),
                        ("nginx/sites-enabled/leak".to_owned(), "CORS903".to_owned()),
                    ],
                    "{args:?}: linted once, under the target's own path"
                );
            }
        }
    }
}
