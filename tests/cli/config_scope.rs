//! Settings come from the config that governs the linted files, wherever corslint runs from.

use super::{STALE, run_in, stderr, stdout, write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn fail_on_comes_from_the_config_of_the_linted_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("services/api/corslint.toml"), "fail-on = \"error\"\n");
    write(&root.join("services/api/app.py"), STALE);
    let inside = run_in(&root.join("services/api"), &["."]);
    assert_eq!(inside.status.code(), Some(0), "a warning under fail-on = error: {}", stdout(&inside));
    let from_root = run_in(root, &["services/api"]);
    assert_eq!(from_root.status.code(), Some(0), "exits as from inside: {}", stdout(&from_root));

    // Each finding counts under its own config: web/ has none, so its warning fails the run.
    write(&root.join("services/web/app.py"), STALE);
    let both = run_in(root, &["--output-format", "concise", "services"]);
    assert_eq!(both.status.code(), Some(1), "{}", stdout(&both));
    assert!(stdout(&both).contains("services/api/app.py:1:27: CORS902"), "{}", stdout(&both));
    assert_eq!(run_in(root, &["services/api"]).status.code(), Some(0));
    assert_eq!(run_in(root, &["--fail-on", "warning", "services/api"]).status.code(), Some(1), "the flag wins");

    // The root's selection does not reach files another config governs.
    write(&root.join("corslint.toml"), "ignore = [\"CORS902\"]\n");
    let selected = run_in(root, &["--output-format", "concise", "services"]);
    assert!(stdout(&selected).contains("services/api/app.py:1:27"), "{}", stdout(&selected));
    assert!(!stdout(&selected).contains("services/web/app.py"), "{}", stdout(&selected));
}

const APP_WITH_ORIGIN: &str = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\
    app = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"https://evil.example.com\"])\n";

#[test]
fn a_config_named_with_dotdot_keys_its_paths_to_its_own_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        &root.join("corslint.toml"),
        "exclude = [\"sub/legacy/**\"]\n\n[allowed-origins]\n\"sub/deploy/prod/**\" = [\"https://app.example.com\"]\n\n\
         [per-file-ignores]\n\"sub/dev/**\" = [\"CORS902\"]\n",
    );
    write(&root.join("sub/deploy/prod/main.py"), APP_WITH_ORIGIN);
    write(&root.join("sub/legacy/app.py"), STALE);
    write(&root.join("sub/dev/app.py"), STALE);
    for (cwd, args) in [
        (root.join("sub"), ["--config", "../corslint.toml", "."]),
        (root.to_path_buf(), ["--config", "corslint.toml", "sub"]),
        (root.join("sub/dev"), ["--config", "../../corslint.toml", ".."]),
    ] {
        let output = run_in(&cwd, &[&["--output-format", "concise"][..], &args[..]].concat());
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {text}{}", stderr(&output));
        assert!(text.contains("deploy/prod/main.py:4:") && text.contains("CORS108"), "{args:?}: {text}");
        assert!(!text.contains("legacy/app.py"), "excluded: {args:?}: {text}");
        assert!(!text.contains("dev/app.py"), "per-file-ignores: {args:?}: {text}");
    }
}

#[test]
fn a_pyproject_without_a_corslint_section_keeps_the_config_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("corslint.toml"), "ignore = [\"CORS902\"]\n");
    write(&root.join("pkg/pyproject.toml"), "[project]\nname = \"pkg\"\n\n[tool.black]\nline-length = 100\n");
    write(&root.join("pkg/app.py"), STALE);
    let output = run_in(root, &["--output-format", "concise", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn a_broken_pyproject_is_fatal_only_when_it_may_hold_corslint_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("pkg/pyproject.toml"), "[project\nname =\n");
    write(&root.join("pkg/app.py"), STALE);
    let output = run_in(root, &["--verbose", "--output-format", "concise", "."]);
    assert_eq!(output.status.code(), Some(1), "the finding is still reported: {}", stderr(&output));
    assert!(stdout(&output).contains("pkg/app.py:1:27: CORS902"), "{}", stdout(&output));
    assert!(stderr(&output).contains("pyproject.toml:1:9"), "--verbose says why: {}", stderr(&output));

    write(&root.join("pkg/pyproject.toml"), "[tool.corslint\nselect = [\"CORS1\"]\n");
    let ours = run_in(root, &["."]);
    assert_eq!(ours.status.code(), Some(2), "{}", stdout(&ours));
    assert!(stderr(&ours).contains("pkg/pyproject.toml:1:"), "{}", stderr(&ours));
    assert!(stdout(&ours).is_empty());
}

#[test]
fn tool_corslint_that_is_not_a_table_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\n\n[tool]\ncorslint = \"x\"\n");
    write(&dir.path().join("app.py"), STALE);
    let output = run_in(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("pyproject.toml:5:12") && message.contains("must be a table"), "{message}");

    write(&dir.path().join("pyproject.toml"), "[tool.corslint]\nselect = [\"CORS1\"]\nfial-on = \"error\"\n");
    let unknown = run_in(dir.path(), &["."]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("pyproject.toml:3:1") && stderr(&unknown).contains("fial-on"),
        "{}",
        stderr(&unknown)
    );
}

/// Runs corslint with at most 1 GiB of address space, and gives it `seconds`: a config read
/// without a bound must fail this test, not the machine.
fn run_bounded(dir: &Path, args: &[&str], seconds: u64) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_corslint"));
    command.current_dir(dir).args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 1 << 30, rlim_max: 1 << 30 };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            panic!("corslint {args:?} still running after {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn config_reads_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("app.py"), STALE);
    let (code, message) = run_bounded(dir.path(), &["--config", "/dev/zero", "."], 20);
    assert_eq!(code, Some(2), "{message}");
    assert!(message.contains("/dev/zero:1:1: larger than 1 MiB"), "{message}");
    let padding = format!("select = [\"CORS1\"]\n{}", "# padding\n".repeat(120_000));
    write(&dir.path().join("corslint.toml"), &padding);
    let (code, message) = run_bounded(dir.path(), &["."], 20);
    assert_eq!(code, Some(2), "{message}");
    assert!(message.contains("corslint.toml:1:1: larger than 1 MiB"), "{message}");
}
