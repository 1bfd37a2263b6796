//! The machine formats CI systems read, checked against their schema or a real parser: SARIF as
//! code scanning resolves it, GitHub annotations within GitHub's caps, the step summary's
//! Markdown, GitLab Code Quality, JUnit (junitparser) and Checkstyle (diff-cover's reader).
//! The Python parsers come from `.ci/run` (`CORSLINT_PKG_TOOLS`); without them those tests print
//! a note and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::shared_dir;

fn corslint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corslint"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORSLINT_OUTPUT_FORMAT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

/// A checkout (a `.git` folder marks the work tree) with a CORS101 app at `name`.
fn checkout_with_app(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
    write(
        &dir.path().join(name),
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n\
         app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n",
    );
    dir
}

fn uris(sarif: &serde_json::Value) -> Vec<String> {
    let mut uris = Vec::new();
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        let locations = result["locations"].as_array().into_iter().flatten();
        let related = result["relatedLocations"].as_array().into_iter().flatten();
        for location in locations.chain(related) {
            let artifact = &location["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{location}");
            uris.push(artifact["uri"].as_str().expect("uri").to_string());
        }
    }
    uris
}

fn assert_inside_the_tree(uris: &[String]) {
    for uri in uris {
        assert!(
            !uri.starts_with('/') && !uri.split('/').any(|part| part == ".." || part == ".") && !uri.contains(':'),
            "{uri} leaves the source root or is not a relative reference"
        );
    }
}

#[test]
fn sarif_uris_are_the_same_from_the_root_and_from_a_subfolder() {
    let schema = std::fs::read_to_string(shared_dir().join("schemas/sarif-schema-2.1.0.json")).ok();
    let validator = schema
        .map(|s| jsonschema::validator_for(&serde_json::from_str(&s).expect("schema JSON")).expect("schema compiles"));
    let demo = repo().join("fixtures/demo");
    let from_root = json(&corslint(&demo, &["--output-format", "sarif", "."]));
    let from_backend = json(&corslint(&demo.join("backend"), &["--output-format", "sarif", ".."]));
    for sarif in [&from_root, &from_backend] {
        if let Some(validator) = &validator {
            let errors: Vec<String> = validator.iter_errors(sarif).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?}");
        }
        let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("SRCROOT");
        assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
    }
    let (root_uris, backend_uris) = (uris(&from_root), uris(&from_backend));
    assert!(!root_uris.is_empty());
    assert_eq!(root_uris, backend_uris);
    assert_inside_the_tree(&root_uris);
    assert_eq!(from_root["runs"][0]["originalUriBaseIds"], from_backend["runs"][0]["originalUriBaseIds"]);
}

#[test]
fn nothing_outside_the_tree_appears_in_sarif_or_annotations() {
    let checkout = checkout_with_app("app/main.py");
    let elsewhere = checkout_with_app("other service/main #1.py");
    let outside = elsewhere.path().join("other service/main #1.py");
    let outside_arg = outside.to_string_lossy().into_owned();
    let sarif = json(&corslint(&checkout.path().join("app"), &["--output-format", "sarif", ".", &outside_arg]));
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(2));
    let uris = uris(&sarif);
    assert_inside_the_tree(&uris);
    assert!(uris.iter().any(|u| u.ends_with("other%20service/main%20%231.py")), "percent-encoded: {uris:?}");
    let github =
        text(&corslint(&checkout.path().join("app"), &["--output-format", "github", ".", &outside_arg]).stdout);
    for line in github.lines().filter(|l| l.starts_with("::")) {
        let file = line.split("file=").nth(1).map(|f| f.split(',').next().unwrap_or(""));
        if let Some(file) = file {
            assert!(!file.starts_with('/') && !file.contains(".."), "{line}");
        }
    }
}

#[test]
fn primary_line_hash_hashes_the_file_as_on_disk() {
    // The same lines, one file with a byte order mark: GitHub's action hashes the bytes it reads,
    // so the first line's hash differs while corslint's own fingerprint does not.
    let checkout = checkout_with_app("a/main.py");
    let plain = std::fs::read(checkout.path().join("a/main.py")).expect("read");
    write(&checkout.path().join("b/main.py"), &format!("\u{feff}{}", text(&plain)));
    let sarif = json(&corslint(checkout.path(), &["--output-format", "sarif", "--select", "CORS101", "."]));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let hashes: Vec<&str> =
        results.iter().map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str().expect("hash")).collect();
    for hash in &hashes {
        let (hex, count) = hash.split_once(':').expect("HASH:N");
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()) && count.parse::<u32>().is_ok(), "{hash}");
    }
    // The finding is on line 5: its window (the 100 characters from its start) holds the same
    // text in both files, whatever the path; the byte order mark only changes line 1's hash.
    assert_eq!(hashes[0], hashes[1]);
    let corslint_own: Vec<&serde_json::Value> =
        results.iter().map(|r| &r["partialFingerprints"]["corslint/v1"]).collect();
    assert_ne!(corslint_own[0], corslint_own[1], "corslint's own fingerprint names the file");
    // From stdin there is no file to hash: no line hash rather than a wrong one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .args(["--output-format", "sarif", "--stdin-filename", "nowhere/main.py", "-"])
        .current_dir(checkout.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &plain).expect("write stdin");
    let piped = json(&child.wait_with_output().expect("output"));
    let result = &piped["runs"][0]["results"][0];
    assert!(result["partialFingerprints"]["corslint/v1"].is_string());
    assert!(result["partialFingerprints"].get("primaryLocationLineHash").is_none(), "{result}");
}

#[test]
fn sarif_links_related_locations_from_the_message() {
    let demo = repo().join("fixtures/demo");
    let sarif = json(&corslint(&demo, &["--output-format", "sarif", "--select", "CORS304", "."]));
    let result = &sarif["runs"][0]["results"][0];
    let related = result["relatedLocations"].as_array().expect("related");
    assert!(!related.is_empty(), "CORS304 points at the app behind the proxy");
    let message = result["message"]["text"].as_str().expect("message");
    for location in related {
        let id = location["id"].as_u64().expect("id");
        assert!(message.contains(&format!("]({id})")), "location {id} is linked from: {message}");
    }
}

fn nginx_with_thirteen_warnings(dir: &Path) {
    let locations: String = (0..12)
        .map(|i| {
            format!(
                "    location /l{i}/ {{\n        add_header Access-Control-Allow-Origin https://app.example.com;\n        proxy_pass http://127.0.0.1:9000;\n    }}\n"
            )
        })
        .collect();
    write(
        &dir.join("site/nginx.conf"),
        &format!(
            "events {{}}\nhttp {{\n  server {{\n    listen 80;\n{locations}    location /echo/ {{\n        add_header Access-Control-Allow-Origin $http_origin always;\n        proxy_pass http://127.0.0.1:9000;\n    }}\n  }}\n}}\n"
        ),
    );
}

#[test]
fn github_annotations_keep_within_ten_per_level_and_rank_every_rule_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    nginx_with_thirteen_warnings(dir.path());
    let output = corslint(dir.path(), &["--output-format", "github", "."]);
    assert_eq!(output.status.code(), Some(1));
    let out = text(&output.stdout);
    let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("::warning")).collect();
    assert_eq!(warnings.len(), 10, "{out}");
    assert_eq!(warnings[9], "::warning title=corslint::4 more: see the SARIF report or the step summary");
    // 12 × CORS301 and one CORS306: the rare one is shown, not crowded out. The echo without
    // credentials (CORS102) is info, a notice of its own level.
    assert!(warnings[..9].iter().any(|w| w.contains("(CORS306)")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("::notice") && l.contains("(CORS102)")), "{out}");
    let overflow: Vec<&str> = out.lines().filter(|l| !l.starts_with("::")).collect();
    assert_eq!(overflow.len(), 4, "the hidden findings still reach the log: {out}");
    assert!(overflow.iter().all(|l| l.starts_with("corslint: site/nginx.conf:") && l.contains(" CORS301 ")));
}

#[test]
fn github_annotations_give_a_column_only_on_one_line_spans() {
    // Both hold findings over several lines (a multi-line call), and fewer than ten per level.
    let targets = ["fixtures/demo", "fixtures/CORS201/trusted_host_written_as_urls.py"];
    let output = corslint(repo(), &[&["--output-format", "github", "--exit-zero"][..], &targets].concat());
    let (mut multi, mut single) = (0, 0);
    for line in text(&output.stdout).lines().filter(|l| l.starts_with("::") && l.contains(" file=")) {
        let property =
            |name: &str| line.split([',', ' ']).find_map(|p| p.strip_prefix(&format!("{name}="))).map(str::to_string);
        if property("line") == property("endLine") {
            single += 1;
            assert!(property("col").is_some() && property("endColumn").is_some(), "{line}");
        } else {
            multi += 1;
            assert!(property("col").is_none() && property("endColumn").is_none(), "{line}");
        }
    }
    assert!(multi > 0 && single > 0, "the fixtures have both kinds ({multi} multi-line, {single} one-line)");
}

#[test]
fn step_summary_tables_findings_by_rule_and_escapes_markdown() {
    let name = "svc|x/[a](b)<i>`c`@d.py";
    let checkout = checkout_with_app(name);
    let summary = checkout.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .args(["--output-format", "github", "svc|x"])
        .current_dir(checkout.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).expect("summary");
    assert!(markdown.starts_with("earlier step\n## corslint\n"), "appended: {markdown}");
    assert!(markdown.contains("| [CORS101](https://github.com/corslint/corslint/blob/main/rules/CORS101.md) | wildcard-origin-with-credentials | error | 1 |"));
    assert!(markdown.contains(r"svc\|x/\[a\](b)\<i\>\`c\`\@d.py:5:"), "{markdown}");
    for line in markdown.lines().filter(|l| l.starts_with("| error")) {
        // Every `|` of the row is a cell border or escaped: four cells.
        let borders = line.match_indices('|').filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\").count();
        assert_eq!(borders, 5, "{line}");
    }
    let annotation = text(&output.stdout);
    assert!(annotation.contains("file=svc|x/[a](b)<i>`c`@d.py,"), "{annotation}");
}

/// GitLab's documented Code Quality report (docs.gitlab.com, "Code Quality report format"): the
/// fields GitLab requires and the values it accepts.
const GITLAB_SCHEMA: &str = r#"{
  "type": "array",
  "items": {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
      "description": { "type": "string", "minLength": 1 },
      "check_name": { "type": "string", "minLength": 1 },
      "fingerprint": { "type": "string", "minLength": 1 },
      "severity": { "enum": ["info", "minor", "major", "critical", "blocker"] },
      "location": {
        "type": "object",
        "required": ["path", "lines"],
        "properties": {
          "path": { "type": "string", "minLength": 1, "not": { "pattern": "^(/|\\./|\\.\\./)" } },
          "lines": {
            "type": "object",
            "required": ["begin"],
            "properties": { "begin": { "type": "integer", "minimum": 1 }, "end": { "type": "integer", "minimum": 1 } }
          }
        }
      }
    }
  }
}"#;

#[test]
fn gitlab_code_quality_matches_gitlab_format_with_unique_fingerprints() {
    let schema: serde_json::Value = serde_json::from_str(GITLAB_SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let report = json(&corslint(repo(), &["--output-format", "gitlab", "--exit-zero", "fixtures"]));
    let errors: Vec<String> = validator.iter_errors(&report).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let issues = report.as_array().expect("array");
    let all = json(&corslint(repo(), &["--output-format", "json", "--exit-zero", "fixtures"]));
    assert_eq!(issues.len(), all.as_array().map_or(0, Vec::len));
    let mut fingerprints: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap_or("")).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "GitLab keeps one issue per fingerprint");
    // Paths are the repository's from a subfolder too.
    let demo =
        json(&corslint(&repo().join("fixtures/demo/backend"), &["--output-format", "gitlab", "--exit-zero", ".."]));
    let prefix = if repo().join(".git").exists() { "fixtures/demo/" } else { "" };
    assert!(
        demo.as_array()
            .expect("array")
            .iter()
            .all(|i| i["location"]["path"].as_str().is_some_and(|p| p.starts_with(prefix)))
    );
}

fn python_tool(test: &str) -> Option<PathBuf> {
    let Some(bin) = std::env::var_os("CORSLINT_PKG_TOOLS").map(PathBuf::from) else {
        println!("note: CORSLINT_PKG_TOOLS is not set (bash .ci/run sets it); {test} skipped");
        return None;
    };
    Some(bin.join("python"))
}

/// Runs `script` with the tools' Python on the report in `report`; it prints JSON.
fn parse_with_python(python: &Path, script: &str, report: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.xml");
    std::fs::write(&path, report).expect("write");
    let output = Command::new(python).args(["-c", script]).arg(&path).current_dir(repo()).output().expect("python");
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from the parser")
}

/// `(path, row, code)` of every finding, from the JSON format.
fn findings(dir: &Path, target: &str) -> Vec<(String, u64, String)> {
    let mut rows: Vec<(String, u64, String)> =
        json(&corslint(dir, &["--output-format", "json", "--exit-zero", target]))
            .as_array()
            .expect("array")
            .iter()
            .map(|d| {
                (
                    d["filename"].as_str().unwrap_or("").to_string(),
                    d["location"]["row"].as_u64().unwrap_or(0),
                    d["code"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
    rows.sort();
    rows
}

const JUNIT_READER: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
rows, passed = [], 0
for suite in xml:
    for case in suite:
        failures = [r for r in case.result if isinstance(r, Failure)]
        if not failures:
            passed += 1
        for failure in failures:
            rows.append([case.classname, int(case._elem.get("line")), case.name.split(" ")[0], failure.message])
print(json.dumps({"rows": sorted(rows), "passed": passed, "tests": xml.tests, "failures": xml.failures}))
"#;

#[test]
fn junit_reads_back_with_junitparser() {
    let Some(python) = python_tool("junit") else { return };
    let report = corslint(repo(), &["--output-format", "junit", "--exit-zero", "fixtures"]).stdout;
    let parsed = parse_with_python(&python, JUNIT_READER, &report);
    let expected = findings(repo(), "fixtures");
    assert_eq!(parsed["failures"].as_u64(), Some(expected.len() as u64));
    assert_eq!(parsed["passed"], 0);
    let rows: Vec<(String, u64, String)> = parsed["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r[0].as_str().unwrap_or("").into(), r[1].as_u64().unwrap_or(0), r[2].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(rows, expected);
    let clean = corslint(repo(), &["--output-format", "junit", "fixtures/CORS902/no_suppressions.py"]).stdout;
    let parsed = parse_with_python(&python, JUNIT_READER, &clean);
    assert_eq!(
        (parsed["tests"].as_u64(), parsed["failures"].as_u64(), parsed["passed"].as_u64()),
        (Some(1), Some(0), Some(1))
    );
}

const CHECKSTYLE_READER: &str = r#"
import json, sys
from diff_cover.violationsreporters.java_violations_reporter import CheckstyleXmlDriver
with open(sys.argv[1]) as report:
    violations = CheckstyleXmlDriver().parse_reports([report.read()])
print(json.dumps(sorted([path, v.line, v.message] for path, vs in violations.items() for v in vs)))
"#;

#[test]
fn checkstyle_reads_back_with_diff_cover() {
    let Some(python) = python_tool("checkstyle") else { return };
    let report = corslint(repo(), &["--output-format", "checkstyle", "--exit-zero", "fixtures"]).stdout;
    let parsed = parse_with_python(&python, CHECKSTYLE_READER, &report);
    let mut rows: Vec<(String, u64, String)> = parsed
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let message = r[2].as_str().unwrap_or("");
            let code = message.rsplit_once('(').map_or("", |(_, c)| c.trim_end_matches(')'));
            (r[0].as_str().unwrap_or("").to_string(), r[1].as_u64().unwrap_or(0), code.to_string())
        })
        .collect();
    rows.sort();
    assert_eq!(rows, findings(repo(), "fixtures"));
}
