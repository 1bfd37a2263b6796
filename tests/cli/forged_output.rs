//! Nothing in a repository can forge a line of the human output: no control character reaches
//! it raw, and no line starts with `::` (a GitHub workflow command: the runner trims leading
//! white space, then looks for `::`; it ends lines at LF and at CR).

use super::{FINDING, STALE, run, run_in, stderr, stdout, write};
use std::path::Path;

/// Names and contents an attacker controls in a pull request.
fn hostile_tree(root: &Path) {
    write(&root.join("::error title=dir::x/app.py"), STALE);
    write(&root.join("c\n::error title=lf::n.py"), STALE);
    write(&root.join("esc\u{1b}]0;title\u{7}.py"), STALE);
    write(
        &root.join("site.conf"),
        "server {\n    location / {\n        set $note \"a lone CR ends this line\r::error title=cr::x\";\n        \
         add_header Access-Control-Allow-Origin \"https://a.example.com\u{1b}[2J\u{9b}31m\";\n        \
         proxy_pass http://127.0.0.1:8000;\n    }\n}\n",
    );
}

/// Every line as the runner reads it, and every character that must not be there raw.
fn assert_unforgeable(what: &str, text: &str) {
    for line in text.split(['\n', '\r']) {
        assert!(!line.trim_start().starts_with("::"), "{what}: a line starts a workflow command: {line:?}\n{text}");
    }
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("{what}: raw control character {c:?} in the output:\n{text}");
    }
}

#[test]
fn human_formats_escape_names_and_contents() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_tree(dir.path());
    for format in ["full", "concise"] {
        for extra in [&[][..], &["--statistics"][..]] {
            let output = run_in(dir.path(), &[&["--output-format", format][..], extra, &["."][..]].concat());
            assert_eq!(output.status.code(), Some(1), "{format}: {}", stderr(&output));
            assert_unforgeable(&format!("{format} {extra:?}"), &stdout(&output));
        }
    }
    let concise = stdout(&run_in(dir.path(), &["--output-format", "concise", "."]));
    for line in [
        "./::error title=dir::x/app.py:1:27: CORS902",
        "c\\n::error title=lf::n.py:1:27: CORS902",
        "esc\\x1b]0;title\\x07.py:1:27: CORS902",
    ] {
        assert!(concise.contains(line), "{line}\n{concise}");
    }
    assert!(concise.contains("`https://a.example.com\\x1b[2J\\x9b31m` never matches"), "{concise}");
    let full = stdout(&run_in(dir.path(), &["."]));
    assert!(full.contains("[./::error title=dir::x/app.py:1:27]"), "{full}");
    assert!(
        full.contains("add_header Access-Control-Allow-Origin \"https://a.example.com\\x1b[2J\\x9b31m\""),
        "{full}"
    );
    assert!(full.contains("│ ::error title=cr::x\";\n"), "a lone CR ends a snippet line: {full}");
}

#[test]
fn json_formats_escape_through_serde() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_tree(dir.path());
    for format in ["json", "json-lines"] {
        let output = run_in(dir.path(), &["--output-format", format, "."]);
        let text = stdout(&output);
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{format}: {line}");
        }
        assert!(!text.chars().any(|c| c.is_ascii_control() && c != '\n'), "{format}: raw C0 control:\n{text}");
        let findings: Vec<serde_json::Value> = match format {
            "json" => serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("JSON"),
            _ => text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect(),
        };
        let names: Vec<&str> = findings.iter().filter_map(|d| d["filename"].as_str()).collect();
        assert!(names.contains(&"c\n::error title=lf::n.py"), "{format}: names survive a round trip: {names:?}");
    }
}

#[test]
fn a_help_wrapped_onto_a_new_line_never_starts_with_a_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    // CORS301's help quotes the value; miette wraps it at 100 columns, on spaces.
    let words = vec!["::error::w"; 40].join(" ");
    write(
        &dir.path().join("site.conf"),
        &format!(
            "server {{\n    location / {{\n        add_header Access-Control-Allow-Origin \"https://a.example.com {words}\";\n        \
             proxy_pass http://127.0.0.1:8000;\n    }}\n}}\n"
        ),
    );
    let output = run_in(dir.path(), &["--select", "CORS301", "."]);
    let text = stdout(&output);
    assert!(text.contains("help: add `always`"), "{text}");
    assert_unforgeable("full", &text);
    assert!(text.lines().any(|l| l.trim_start().starts_with("\\::error::w")), "guarded, still readable:\n{text}");
}

#[test]
fn statistics_speak_the_format_asked_for_or_refuse() {
    for format in ["sarif", "github"] {
        let output = run(&["--statistics", "--output-format", format, FINDING]);
        assert_eq!(output.status.code(), Some(2), "{format}: {}", stdout(&output));
        assert!(stdout(&output).is_empty(), "{format}: {}", stdout(&output));
        assert!(stderr(&output).contains(&format!("--statistics has no {format} form")), "{}", stderr(&output));
    }
    let lines = run(&["--statistics", "--output-format", "json-lines", FINDING]);
    assert_eq!(lines.status.code(), Some(1));
    let rows: Vec<serde_json::Value> =
        stdout(&lines).lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["code"].is_string() && r["count"].is_u64()), "{rows:?}");
    let json = run(&["--statistics", "--output-format", "json", FINDING]);
    let array: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(array.as_array().map(Vec::len), Some(rows.len()));
}
