//! `--fix`, `--diff` and `--unsafe-fixes` over the cases in `tests/fixes/`: each case is a folder
//! named `CODE-what` holding `before/` and `after/` trees. The binary runs on a copy of `before/`
//! (its own project) and must leave exactly `after/`; the fixed files must lint clean for that
//! code, with every other finding unchanged. A case whose name holds `unsafe` is fixed only with
//! `--unsafe-fixes`. `--diff` must print a patch that `git apply` turns into `after/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corslint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CORSLINT_OUTPUT_FORMAT")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).expect("tests/fixes").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    cases
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("readable").flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("text");
                out.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), text);
            }
        }
    }
    out
}

/// A copy of `case/before` in a fresh folder that is its own project.
fn checkout(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    for (path, text) in tree(&case.join("before")) {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("dirs");
        std::fs::write(target, text).expect("write");
    }
    dir
}

/// The findings as (code, file, message), counted: rows move when a fix adds a line.
fn findings(dir: &Path) -> BTreeMap<(String, String, String), usize> {
    let output = corslint(dir, &["--output-format", "json", "--exit-zero", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let mut out = BTreeMap::new();
    for d in json.as_array().expect("array") {
        let key = (
            d["code"].as_str().unwrap_or("").to_owned(),
            d["filename"].as_str().unwrap_or("").to_owned(),
            d["message"].as_str().unwrap_or("").to_owned(),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn code_of(case: &Path) -> String {
    case.file_name().and_then(|n| n.to_str()).and_then(|n| n.split('-').next()).expect("CODE-what").to_owned()
}

fn is_unsafe(case: &Path) -> bool {
    case.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("unsafe"))
}

#[test]
fn every_fix_case_turns_before_into_after_and_lints_clean_for_its_rule() {
    let cases = cases();
    assert!(cases.len() >= 6, "the fix cases are missing");
    for case in cases {
        let name = case.display().to_string();
        let code = code_of(&case);
        let dir = checkout(&case);
        let before = findings(dir.path());
        assert!(before.keys().any(|(c, _, _)| *c == code), "{name}: before/ has no {code} finding: {before:#?}");
        let mut args = vec!["--fix", "--exit-zero", "."];
        if is_unsafe(&case) {
            let safe_only = corslint(dir.path(), &args);
            assert_eq!(safe_only.status.code(), Some(0), "{name}");
            assert_eq!(
                tree(dir.path()),
                tree(&case.join("before")),
                "{name}: an unsafe fix applied without --unsafe-fixes"
            );
            args.insert(1, "--unsafe-fixes");
        }
        let output = corslint(dir.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(tree(dir.path()), tree(&case.join("after")), "{name}: the fixed files differ from after/");
        let after = findings(dir.path());
        assert!(!after.keys().any(|(c, _, _)| *c == code), "{name}: {code} is still reported: {after:#?}");
        let others = |all: &BTreeMap<(String, String, String), usize>| -> Vec<_> {
            all.iter().filter(|((c, _, _), _)| *c != code).map(|(k, n)| (k.clone(), *n)).collect()
        };
        assert_eq!(others(&before), others(&after), "{name}: the fix changed other findings");
    }
}

#[test]
fn diff_prints_a_patch_that_git_applies_and_writes_nothing() {
    for case in cases() {
        let name = case.display().to_string();
        let dir = checkout(&case);
        let mut args = vec!["--diff", "."];
        if is_unsafe(&case) {
            args.insert(1, "--unsafe-fixes");
        }
        let output = corslint(dir.path(), &args);
        assert_eq!(output.status.code(), Some(1), "{name}: fixes to show exit 1");
        assert_eq!(tree(dir.path()), tree(&case.join("before")), "{name}: --diff wrote a file");
        let patch = dir.path().join("fix.patch");
        std::fs::write(&patch, &output.stdout).expect("patch");
        let applied =
            Command::new("git").current_dir(dir.path()).args(["apply", "fix.patch"]).output().expect("git runs");
        assert!(
            applied.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&applied.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        std::fs::remove_file(&patch).expect("remove");
        assert_eq!(tree(dir.path()), tree(&case.join("after")), "{name}: the patch does not give after/");
    }
}

#[test]
fn a_fixed_stdin_buffer_is_printed_not_written() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes/CORS301-add-always");
    let dir = checkout(&case);
    let before = std::fs::read_to_string(case.join("before/nginx/api.conf")).expect("before");
    let mut child = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir.path())
        .args(["--fix", "--stdin-filename", "nginx/api.conf", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(before.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("wait");
    let after = std::fs::read_to_string(case.join("after/nginx/api.conf")).expect("after");
    assert_eq!(String::from_utf8_lossy(&output.stdout), after);
    assert_eq!(std::fs::read_to_string(dir.path().join("nginx/api.conf")).expect("file"), before, "the file stays");
}
