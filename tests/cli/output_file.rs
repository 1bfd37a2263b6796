//! `-o FILE`: a whole report of this run, or no file at all.

use super::{CLEAN, FINDING, run, stderr};
use std::path::Path;
use std::process::{Command, Stdio};

fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_report_replaces_the_file_instead_of_writing_into_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("report.json");
    std::fs::write(&report, "old").expect("old report");
    // A second name for the old file: rewriting in place would change it too.
    std::fs::hard_link(&report, dir.path().join("old.json")).expect("hard link");
    let output = run(&["--output-format", "json", "-o", &arg(&report), FINDING]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(read(&dir.path().join("old.json")), "old");
    let _: serde_json::Value = serde_json::from_str(&read(&report)).expect("a whole JSON report");
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file left behind: {left:?}");
}

#[cfg(unix)]
#[test]
fn a_planted_symlink_is_replaced_never_written_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "not yours").expect("victim");
    let report = dir.path().join("corslint.sarif");
    std::os::unix::fs::symlink(&victim, &report).expect("symlink");
    let output = run(&["--output-format", "sarif", "-o", &arg(&report), FINDING]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(read(&victim), "not yours");
    assert!(std::fs::symlink_metadata(&report).expect("report").is_file(), "a regular file now");
    let _: serde_json::Value = serde_json::from_str(&read(&report)).expect("SARIF");
}

#[test]
fn a_run_that_exits_2_leaves_no_report_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("corslint.sarif");
    let bad_config = dir.path().join("bad.toml");
    std::fs::write(&bad_config, "selct = [\"CORS1\"]\n").expect("config");
    for args in [
        vec!["--config", &arg(&bad_config), FINDING],
        vec!["--select", "NOPE", FINDING],
        vec!["--statistics", FINDING],
        vec!["--no-such-flag", FINDING],
        vec!["no/such/path"],
    ] {
        std::fs::write(&report, "{\"planted\": \"an old clean report\"}").expect("stale report");
        let output = run(&[&["--output-format", "sarif", "-o", &arg(&report)][..], &args[..]].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!report.exists(), "{args:?}: the stale report is still there; {}", stderr(&output));
        assert!(stderr(&output).contains("it is not this run's report"), "{args:?}: {}", stderr(&output));
    }
    // Exit 0 and 1 write the report.
    let clean = run(&["--output-format", "sarif", "-o", &arg(&report), CLEAN]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(read(&report).contains("\"version\": \"2.1.0\""));
}

#[test]
fn concurrent_runs_never_leave_a_mixed_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = arg(&dir.path().join("report.json"));
    for round in 0..4 {
        // A long report and a short one, racing for the same file.
        let children: Vec<_> = (0..6)
            .map(|i| {
                let target = if i % 2 == 0 { "fixtures/CORS301" } else { CLEAN };
                Command::new(env!("CARGO_BIN_EXE_corslint"))
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .args(["--output-format", "json", "--exit-zero", "-o", &report, target])
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for mut child in children {
            assert_eq!(child.wait().expect("wait").code(), Some(0));
        }
        let text = read(Path::new(&report));
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&text);
        assert!(parsed.is_ok(), "round {round}: a mixed report:\n{text}");
    }
}
