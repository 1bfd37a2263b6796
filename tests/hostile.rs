//! Hostile inputs: whatever a repository holds, corslint finishes, exits 0 or 1, never panics, and
//! keeps positions right. Most cases run the built binary over a temporary tree (the whole pipeline,
//! `main` included); each run is guarded by a generous timeout that fails with a message instead of
//! hanging the test suite.

use corslint::lint::{Options, lint};
use corslint::report::{self, OutputFormat, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above what any case needs, even in a debug build on a busy machine: only a hang trips it.
const HANG_GUARD: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` in `dir`; fails the test on a hang, a panic, or an exit code other
/// than 0 or 1.
fn corslint(dir: &Path, args: &[&str]) -> Run {
    let run = corslint_any_exit(dir, args);
    assert!(run.code == 0 || run.code == 1, "corslint {args:?} exited {}:\n{}", run.code, run.stderr);
    run
}

fn corslint_any_exit(dir: &Path, args: &[&str]) -> Run {
    let out_path = dir.join(".corslint-test-stdout");
    let err_path = dir.join(".corslint-test-stderr");
    let (Ok(out), Ok(err)) = (std::fs::File::create(&out_path), std::fs::File::create(&err_path)) else {
        panic!("cannot create output files in {}", dir.display());
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORSLINT_OUTPUT_FORMAT")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("the corslint binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for corslint") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("corslint {args:?} in {} did not finish within {HANG_GUARD:?}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    let Some(code) = status.code() else { panic!("corslint {args:?} was killed by a signal ({status}):\n{stderr}") };
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "corslint {args:?} panicked:\n{stderr}"
    );
    Run { code, stdout, stderr }
}

/// Runs `f` on another thread; fails with `what` if it has not returned within the guard.
fn guarded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish within {HANG_GUARD:?}"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// One finding of the JSON report, reduced to what positions are about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    filename: String,
    code: String,
    start: (u64, u64),
    end: (u64, u64),
}

fn findings(run: &Run) -> Vec<Finding> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("the JSON report does not parse ({e}):\n{}", run.stdout));
    let position = |v: &serde_json::Value| (v["row"].as_u64().unwrap_or(0), v["column"].as_u64().unwrap_or(0));
    let mut out: Vec<Finding> = json
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|d| Finding {
            filename: d["filename"].as_str().unwrap_or("").to_string(),
            code: d["code"].as_str().unwrap_or("").to_string(),
            start: position(&d["location"]),
            end: position(&d["end_location"]),
        })
        .collect();
    out.sort();
    out
}

/// Lints each file alone, in every output format, and checks that stdout of the machine formats is
/// only the report.
/// Each file alone (without its project: the directory holds every other hostile file, linted
/// once together at the end), in every format.
fn lint_each(dir: &Path, names: &[&str]) {
    for name in names {
        let run = corslint(dir, &["--no-project", "--output-format", "json", name]);
        findings(&run);
        for format in ["full", "concise", "json-lines", "sarif", "github"] {
            corslint(dir, &["--no-project", "--no-color", "--output-format", format, name]);
        }
    }
    findings(&corslint(dir, &["--output-format", "json", "."]));
}

const CORS_PY: &str =
    "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n";
const CORS_YAML: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n";

#[test]
fn deep_nesting_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    let d = dir.path();
    write(d, "open.conf", "{".repeat(n));
    write(d, "balanced.conf", "{".repeat(n) + &"}".repeat(n));
    write(d, "blocks.conf", "location / {".repeat(n) + "add_header Access-Control-Allow-Origin *;" + &"}".repeat(n));
    write(d, "flow_seq.yaml", format!("{CORS_YAML}spec: {}", "[".repeat(n)));
    write(d, "flow_seq_closed.yaml", format!("{CORS_YAML}spec: {}{}", "[".repeat(n), "]".repeat(n)));
    write(d, "flow_map.yaml", format!("{CORS_YAML}spec: {}", "{a: ".repeat(n)));
    write(d, "block_seq.yaml", format!("{CORS_YAML}spec:\n  {}x\n", "- ".repeat(n)));
    write(d, "block_map.yaml", format!("{CORS_YAML}spec:\n  {}x\n", "a: ".repeat(n)));
    write(d, "parens.py", format!("{CORS_PY}app.add_middleware(CORSMiddleware, allow_origins={}\n", "(".repeat(n)));
    write(d, "parens_closed.py", format!("{CORS_PY}x = {}1{}\n", "(".repeat(n), ")".repeat(n)));
    write(d, "lists.py", format!("{CORS_PY}origins = {}\n", "[".repeat(n)));
    write(d, "dicts.py", format!("{CORS_PY}kw = {}\n", "{'a': ".repeat(n)));
    write(d, "calls.py", format!("{CORS_PY}app.add_middleware(CORSMiddleware, allow_origins={}\n", "f(".repeat(n)));
    write(d, "attrs.py", format!("{CORS_PY}x = a{}\n", ".b".repeat(n)));
    write(d, "binops.py", format!("{CORS_PY}x = 1{}\n", " + 1".repeat(n)));
    write(
        d,
        "indent.py",
        format!("{CORS_PY}{}", (0..2_000).map(|i| format!("{}if x:\n", " ".repeat(i))).collect::<String>()),
    );
    write(d, ".env", format!("CORS_ORIGINS={}\n", "[".repeat(n)));
    lint_each(
        d,
        &[
            "open.conf",
            "balanced.conf",
            "blocks.conf",
            "flow_seq.yaml",
            "flow_seq_closed.yaml",
            "flow_map.yaml",
            "block_seq.yaml",
            "block_map.yaml",
            "parens.py",
            "parens_closed.py",
            "lists.py",
            "dicts.py",
            "calls.py",
            "attrs.py",
            "binops.py",
            "indent.py",
            ".env",
        ],
    );
    // And all of them together, as one project.
    corslint(d, &["--output-format", "json", "."]);
}

#[test]
fn one_megabyte_lines_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mb = 1 << 20;
    let origins = |sep: &str, quote: &str| {
        let mut s = String::new();
        let mut i = 0;
        while s.len() < mb {
            if i > 0 {
                s.push_str(sep);
            }
            s.push_str(&format!("{quote}https://app{i}.example.com{quote}"));
            i += 1;
        }
        s
    };
    write(d, "long_arg.conf", format!("add_header Access-Control-Allow-Origin \"{}\" always;", "a".repeat(mb)));
    write(d, "many_directives.conf", "add_header Access-Control-Allow-Origin $http_origin;".repeat(mb / 50));
    write(
        d,
        "map.conf",
        format!(
            "map $http_origin $cors {{ {} }} server {{ location / {{ add_header Access-Control-Allow-Origin $cors; add_header Access-Control-Allow-Credentials true; }} }}",
            origins(" 1; ", "\"") + " 1;"
        ),
    );
    write(
        d,
        "if_regex.conf",
        format!(
            "server {{ location / {{ if ($http_origin ~* \"^({})$\") {{ add_header Access-Control-Allow-Origin $http_origin; }} }} }}",
            "a".repeat(mb)
        ),
    );
    write(d, "long_scalar.yaml", format!("{CORS_YAML}    x: \"{}\"\n", "a".repeat(mb)));
    write(
        d,
        "ingress_origins.yaml",
        format!("{CORS_YAML}    nginx.ingress.kubernetes.io/cors-allow-origin: \"{}\"\n", origins(", ", "")),
    );
    write(
        d,
        "flow.yaml",
        format!("{CORS_YAML}spec: {{{}}}\n", (0..mb / 12).map(|i| format!("k{i}: v, ")).collect::<String>()),
    );
    write(
        d,
        "traefik.yaml",
        format!(
            "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowCredentials: true\n    accessControlAllowOriginList: [{}]\n",
            origins(", ", "")
        ),
    );
    write(
        d,
        "origins.py",
        format!(
            "{CORS_PY}app.add_middleware(CORSMiddleware, allow_origins=[{}], allow_credentials=True)\n",
            origins(", ", "\"")
        ),
    );
    write(d, "string.py", format!("{CORS_PY}x = \"{}\"\n", "a".repeat(mb)));
    write(
        d,
        "regex.py",
        format!(
            "{CORS_PY}app.add_middleware(CORSMiddleware, allow_origin_regex=r\"^({})$\")\n",
            "a|".repeat(mb / 2) + "b"
        ),
    );
    write(d, ".env", format!("CORS_ORIGINS={}\n", origins(",", "")));
    write(d, "x.env", format!("ALLOWED_ORIGINS=[{}]\n", origins(",", "\"")));
    lint_each(
        d,
        &[
            "long_arg.conf",
            "many_directives.conf",
            "map.conf",
            "if_regex.conf",
            "long_scalar.yaml",
            "ingress_origins.yaml",
            "flow.yaml",
            "traefik.yaml",
            "origins.py",
            "string.py",
            "regex.py",
            ".env",
            "x.env",
        ],
    );
    corslint(d, &["--output-format", "json", "."]);
}

#[test]
fn yaml_alias_bombs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Billion laughs: nine levels of nine aliases each.
    let mut laughs = String::from(
        "cors: true\na0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    write(d, "laughs.yaml", &laughs);
    // The same through mappings and merge keys, where an Ingress is read.
    let mut merges = String::from(CORS_YAML);
    merges.push_str("    base0: &m0 {k: v}\n");
    for i in 1..40 {
        merges.push_str(&format!("    base{i}: &m{i} {{<<: [*m{p}, *m{p}], k{i}: *m{p}}}\n", p = i - 1));
    }
    merges.push_str(&format!(
        "    <<: *m39\nspec:\n  rules: &r [{}]\n  tls: [*r, *r, *r, *r]\n",
        vec!["*m39"; 50].join(", ")
    ));
    write(d, "merges.yaml", &merges);
    // Block-style aliases of large scalars, as annotations.
    let mut scalars = String::from(CORS_YAML);
    scalars.push_str(&format!("    big: &big \"{}\"\n", "x".repeat(100_000)));
    for i in 0..5_000 {
        scalars.push_str(&format!("    nginx.ingress.kubernetes.io/cors-allow-origin-{i}: *big\n"));
    }
    write(d, "scalars.yaml", &scalars);
    // Compose: services and labels that are aliases of each other.
    let mut compose =
        String::from("x-labels: &l\n  - traefik.http.middlewares.c.headers.accesscontrolalloworiginlist=*\n");
    compose.push_str("services:\n");
    for i in 0..2_000 {
        compose.push_str(&format!("  s{i}: &s{i}\n    labels: *l\n"));
    }
    compose.push_str("  last:\n    <<: [");
    compose.push_str(&(0..2_000).map(|i| format!("*s{i}")).collect::<Vec<_>>().join(", "));
    compose.push_str("]\n");
    write(d, "compose.yaml", &compose);
    // An alias to an anchor defined later, to itself, and a recursive anchor.
    write(d, "self.yaml", format!("{CORS_YAML}    a: &a [*a, *a]\n    b: *c\n    c: &c {{d: *c}}\n"));
    lint_each(d, &["laughs.yaml", "merges.yaml", "scalars.yaml", "compose.yaml", "self.yaml"]);
}

#[test]
fn invalid_utf8_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bad: &[&[u8]] =
        &[b"\xff", b"\xfe\xfe", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"];
    let mut names = Vec::new();
    for (i, b) in bad.iter().enumerate() {
        // The invalid bytes go between these parts (after the head): in a path, a value, a comment, a name.
        let conf: &[&[u8]] = &[
            b"server { location /",
            b" { add_header Access-Control-Allow-Origin \"https://a",
            b".example\" always; add_header Access-Control-Allow-Credentials true;\n # ",
            b"\n if ($request_method = OPTIONS) { return 405; } }\n}\n",
            b"",
        ];
        let yaml: &[&[u8]] =
            &[b"    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://", b".example\"\n    ", b": x # ", b"\n"];
        let py: &[&[u8]] = &[
            b"app.add_middleware(CORSMiddleware, allow_origins=[\"https://",
            b"\"], allow_credentials=True)  # ",
            b"\nx",
            b" = 1\n",
        ];
        let env: &[&[u8]] = &[b"CORS_ORIGINS=https://", b"\n", b"=1\n"];
        for (name, head, parts) in [
            (format!("n{i}.conf"), "", conf),
            (format!("y{i}.yaml"), CORS_YAML, yaml),
            (format!("p{i}.py"), CORS_PY, py),
            (format!("e{i}.env"), "", env),
        ] {
            write(d, &name, [head.as_bytes(), &parts.join(*b)].concat());
            names.push(name);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    lint_each(d, &names);
    corslint(d, &["--output-format", "json", "."]);
}

/// Findings far into a long line: every format gives the column, the human report without
/// printing the line (miette cannot pad past column 65535, and one line per finding would repeat
/// a minified file whole).
#[test]
fn findings_past_column_65535() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pad = " ".repeat(70_000);
    write(
        d,
        "wide.conf",
        format!(
            "server {{ location / {{{pad}add_header Access-Control-Allow-Origin $http_origin; add_header Access-Control-Allow-Credentials true; }} }}\n"
        ),
    );
    write(
        d,
        "wide.py",
        format!(
            "from fastapi.middleware.cors import CORSMiddleware\n{}app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n",
            "x = 1;".repeat(12_000)
        ),
    );
    write(
        d,
        "wide.yaml",
        format!(
            "{CORS_YAML}    nginx.ingress.kubernetes.io/cors-allow-origin: \"{pad}*\"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: \"true\"\n    nginx.ingress.kubernetes.io/x: {{a: 1, {pad}b: *\n"
        ),
    );
    for name in ["wide.conf", "wide.py", "wide.yaml"] {
        let got = findings(&corslint(d, &["--output-format", "json", name]));
        assert!(got.iter().any(|f| f.start.1 > 65_535), "{name}: {got:?}");
        let full = corslint(d, &["--no-color", "--output-format", "full", name]);
        assert!(full.stdout.contains("(the line is too long to show)"), "{name}:\n{}", full.stdout);
        assert!(full.stdout.len() < 20_000, "{name}: the long line was printed");
        for format in ["concise", "github", "sarif", "json-lines"] {
            corslint(d, &["--no-color", "--output-format", format, name]);
        }
    }
}

/// Every finding on the fixtures keeps its rows and columns when the files use CRLF line endings or
/// start with a UTF-8 byte order mark.
#[test]
fn crlf_and_bom_keep_positions_on_every_fixture() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let plain = tempfile::tempdir().expect("tempdir");
    let crlf = tempfile::tempdir().expect("tempdir");
    let bom = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures, plain.path(), &|b| b.to_vec());
    copy_tree(&fixtures, crlf.path(), &to_crlf);
    copy_tree(&fixtures, bom.path(), &|b| [b"\xef\xbb\xbf".as_slice(), b].concat());
    let mut targets = Vec::new();
    for entry in std::fs::read_dir(plain.path()).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("CORS")) {
            targets.extend(std::fs::read_dir(&path).into_iter().flatten().flatten().map(|e| e.path()));
        } else if path.is_dir() {
            targets.push(path);
        }
    }
    targets.sort();
    assert!(targets.len() > 50, "the fixtures were not copied: {targets:?}");
    let mut compared = 0;
    for target in targets {
        let Ok(relative) = target.strip_prefix(plain.path()) else { continue };
        let relative = relative.to_string_lossy().into_owned();
        let expected = json_findings(plain.path(), &relative);
        compared += expected.len();
        for (variant, dir) in [("CRLF", crlf.path()), ("BOM", bom.path())] {
            let got = json_findings(dir, &relative);
            assert_eq!(got, expected, "{relative} with {variant}: positions differ");
        }
    }
    assert!(compared > 30, "too few findings compared: {compared}");
}

/// The JSON report of `dir/relative`, in process (a thousand runs of the debug binary cost more
/// than the linting), with file names made relative to `dir`.
fn json_findings(dir: &Path, relative: &str) -> Vec<Finding> {
    let outcome = lint(&Options { paths: vec![dir.join(relative)], ..Options::default() }).expect("lint");
    let mut stdout = Vec::new();
    let options = ReportOptions { format: OutputFormat::Json, ..ReportOptions::default() };
    report::write(&mut stdout, &outcome, &options).expect("report");
    let prefix = format!("{}/", dir.display());
    let stdout = String::from_utf8_lossy(&stdout).replace(&prefix, "").replace(&prefix.replace('/', "\\/"), "");
    findings(&Run { code: 0, stdout, stderr: String::new() })
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for &b in bytes {
        if b == b'\n' && out.last() != Some(&b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn copy_tree(from: &Path, to: &Path, convert: &dyn Fn(&[u8]) -> Vec<u8>) {
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&path, &target, convert);
        } else if let Ok(bytes) = std::fs::read(&path) {
            std::fs::write(&target, convert(&bytes)).expect("copy");
        }
    }
}

#[test]
fn crlf_nginx_finding_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "server {\r\n    location /api/ {\r\n        add_header Access-Control-Allow-Origin https://app.example.com always;\r\n        if ($request_method = OPTIONS) {\r\n            return 405;\r\n        }\r\n    }\r\n}\r\n";
    write(dir.path(), "site.conf", text);
    let got = findings(&corslint(dir.path(), &["--output-format", "json", "site.conf"]));
    let f = got.iter().find(|f| f.code == "CORS203").unwrap_or_else(|| panic!("no CORS203 in {got:?}"));
    assert_eq!(f.start, (5, 13), "{f:?}");
    assert_eq!(f.end, (5, 24), "{f:?}");
    // With a byte order mark too.
    write(dir.path(), "bom.conf", format!("\u{feff}{text}"));
    let got = findings(&corslint(dir.path(), &["--output-format", "json", "bom.conf"]));
    let f = got.iter().find(|f| f.code == "CORS203").unwrap_or_else(|| panic!("no CORS203 in {got:?}"));
    assert_eq!((f.start, f.end), ((5, 13), (5, 24)), "{f:?}");
}

#[test]
fn crlf_python_finding_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = "from fastapi import FastAPI\r\nfrom fastapi.middleware.cors import CORSMiddleware\r\n\r\napp = FastAPI()\r\napp.add_middleware(\r\n    CORSMiddleware,\r\n    allow_origins=[\"*\"],\r\n    allow_credentials=True,\r\n)\r\n";
    write(dir.path(), "main.py", app);
    write(dir.path(), "bom_main.py", format!("\u{feff}{app}"));
    for name in ["main.py", "bom_main.py"] {
        let got = findings(&corslint(dir.path(), &["--output-format", "json", name]));
        let f = got.iter().find(|f| f.code == "CORS101").unwrap_or_else(|| panic!("{name}: no CORS101 in {got:?}"));
        assert_eq!((f.start, f.end), ((7, 20), (7, 23)), "{name}: {f:?}");
    }
    // A suppression that suppresses nothing is a finding of its own (CORS902), in any file.
    let text = "import os\r\n\r\nx = 1  # corslint: ignore[CORS101]\r\n";
    write(dir.path(), "app.py", text);
    write(dir.path(), "bom.py", format!("\u{feff}{text}"));
    for name in ["app.py", "bom.py"] {
        let got = findings(&corslint(dir.path(), &["--output-format", "json", name]));
        let f = got.iter().find(|f| f.code == "CORS902").unwrap_or_else(|| panic!("{name}: no CORS902 in {got:?}"));
        assert_eq!((f.start, f.end), ((3, 27), (3, 34)), "{name}: {f:?}");
    }
}

/// Files removed while the walk runs: each is either read whole or passed over with a note (the
/// deterministic case, a file gone before its read, is a unit test of `discover`).
#[test]
fn files_that_disappear_during_the_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_path_buf();
    let total = 200;
    for i in 0..total {
        write(&d, &format!("site/f{i}.conf"), "add_header Access-Control-Allow-Origin *;\n");
    }
    let site = d.join("site");
    let discovery = guarded("discovery", move || {
        let once = std::sync::Once::new();
        let keep = move |_kind: corslint::source::FileKind, _bytes: &[u8]| {
            once.call_once(|| {
                for i in 0..total {
                    let _ = std::fs::remove_file(site.join(format!("f{i}.conf")));
                }
            });
            true
        };
        corslint::discover::discover(std::slice::from_ref(&d), &keep)
    });
    let unreadable = discovery.notes.iter().filter(|n| n.contains("cannot be read")).count();
    assert_eq!(discovery.files.len() + unreadable, total, "{:?}", discovery.notes);
    assert!(discovery.missing.is_empty());
}

#[test]
fn nginx_include_cycles_and_bombs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "cycle/a.conf", "http { include b.conf; add_header Access-Control-Allow-Origin *; }\n");
    write(d, "cycle/b.conf", "include a.conf;\nserver { include a.conf; include b.conf; }\n");
    write(d, "cycle/self.conf", "include self.conf; include *.conf;\n");
    // Every file includes every file, ten times over.
    for i in 0..10 {
        write(d, &format!("glob/f{i}.conf"), "server { location / { include *.conf; include *.conf; add_header Access-Control-Allow-Origin $http_origin; } }\n".repeat(10));
    }
    // Exponential fan-out: each level includes the next one ten times.
    for i in 0..12 {
        let body = format!(
            "location /l{i} {{ {} add_header Access-Control-Allow-Origin *; }}\n",
            format!("include l{}.conf; ", i + 1).repeat(10)
        );
        write(d, &format!("bomb/l{i}.conf"), body);
    }
    write(d, "bomb/l12.conf", "add_header Access-Control-Allow-Credentials true;\n");
    // Includes of what is not a configuration, and globs over the whole file system.
    write(
        d,
        "odd/nginx.conf",
        "http { include /dev/zero; include /dev/stdin; include /proc/self/fd/0; include /proc/kmsg; include /; include /*/*/*/*/*.conf; include ../*/*/*/*; include ../../../../../../../../*/*/*/*; }\n",
    );
    for target in ["cycle", "glob", "bomb", "odd"] {
        corslint(d, &["--output-format", "json", target]);
        corslint(d, &["--output-format", "full", "--no-color", target]);
    }
    corslint(d, &["--output-format", "json", "."]);
    for file in ["cycle/a.conf", "cycle/self.conf", "glob/f0.conf", "bomb/l0.conf", "odd/nginx.conf"] {
        corslint(d, &["--output-format", "json", file]);
        let dump = corslint_any_exit(d, &["debug", "nginx", file]);
        assert!(dump.code == 0, "debug nginx {file}: {}", dump.stderr);
    }
}

/// Many `if` blocks in one location: which configuration answers each request is worked out in
/// one pass per method, so 49,000 `if`s (4.9 MB) and 100,000 finish in seconds (it was quadratic:
/// 17 minutes for 49,000). Past the directive budget the rest is not analysed, and CORS903 says so.
#[test]
fn nginx_many_ifs_in_one_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ifs: String = (0..49_000)
        .map(|i| format!("    if ($http_x_{i} = {i}) {{ add_header Access-Control-Allow-Origin https://a{i}.example.com always; }}\n"))
        .collect();
    write(
        d,
        "ifs49k/nginx.conf",
        format!("server {{\n  location / {{\n{ifs}    proxy_pass http://127.0.0.1:8000;\n  }}\n}}\n"),
    );
    let flags: String =
        (0..100_000).map(|i| format!("    if ($arg_k = {i}) {{ set $cors https://a.example.com; }}\n")).collect();
    let acao = "    add_header Access-Control-Allow-Origin $cors always;\n    add_header Vary Origin always;\n";
    write(
        d,
        "ifs100k/nginx.conf",
        format!("server {{\n  location / {{\n{acao}{flags}    proxy_pass http://127.0.0.1:8000;\n  }}\n}}\n"),
    );
    let run = corslint(d, &["--output-format", "json", "ifs49k"]);
    assert_eq!(findings(&run), [], "every `if` answers some request, with `always`");
    let run = corslint(d, &["--output-format", "json", "ifs100k"]);
    let codes: Vec<String> = findings(&run).into_iter().map(|f| f.code).collect();
    assert_eq!(codes, ["CORS903"], "the directive budget is hit and said");
}

/// Globs over the whole file system: the pipeline expands `include`s against the files it lints
/// and never walks the disk, so 100 of them cost nothing (56 s before); `--verbose` says they were
/// not followed. `debug nginx` reads the disk, inside the tree only.
#[test]
fn nginx_include_globs_over_the_file_system() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let includes: String = (0..100).map(|i| format!("    include /*/*/*/*/*/*/*/*x{i};\n")).collect();
    write(d, "nginx/nginx.conf", format!("http {{\n  server {{\n{includes}  }}\n}}\n"));
    let started = Instant::now();
    let run = corslint(d, &["--verbose", "--output-format", "json", "nginx"]);
    assert_eq!(findings(&run), []);
    assert!(run.stderr.contains("`include /*/*/*/*/*/*/*/*x99`"), "{}", run.stderr);
    let dump = corslint_any_exit(d, &["debug", "nginx", "nginx/nginx.conf"]);
    assert_eq!(dump.code, 0, "{}", dump.stderr);
    eprintln!("100 globs over / (lint and debug, debug build): {:?}", started.elapsed());
}

/// Files that include each other by glob: the expansion stops at its budget of entries and
/// CORS903 says where, instead of visiting every file once per path to it.
#[test]
fn nginx_include_expansion_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for i in 0..1500 {
        write(d, &format!("conf.d/f{i:04}.conf"), "include conf.d/*.conf;\n");
    }
    let run = corslint(d, &["--output-format", "json", "conf.d"]);
    let codes: Vec<String> = findings(&run).into_iter().map(|f| f.code).collect();
    assert!(codes.contains(&"CORS903".to_string()), "{codes:?}");
}

/// An `include` leading outside the linted tree (an absolute path, `..`, or a symlink inside the
/// tree pointing out) is never read: neither linting nor `debug nginx` prints a byte of it.
#[cfg(unix)]
#[test]
fn nginx_includes_never_read_outside_the_tree() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = "add_header X-Secret-Token s3cr3t-f0r-test;\n";
    write(outside.path(), "secret.conf", secret);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).expect("a repository root");
    let secret_path = outside.path().join("secret.conf");
    std::os::unix::fs::symlink(&secret_path, d.join("linked.conf")).expect("symlink");
    write(
        d,
        "nginx.conf",
        format!(
            "http {{\n  include /etc/passwd;\n  include {};\n  include linked.conf;\n  include ../*/secret.conf;\n}}\n",
            secret_path.display()
        ),
    );
    for args in [&["--verbose", "--output-format", "json", "."][..], &["debug", "nginx", "nginx.conf"][..]] {
        let run = corslint_any_exit(d, args);
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains("s3cr3t") && !text.contains("root:x:0:0"),
                "{args:?} printed outside content:\n{text}"
            );
        }
    }
    let dump = corslint_any_exit(d, &["debug", "nginx", "nginx.conf"]);
    assert!(dump.stderr.contains("/etc/passwd") && dump.stderr.contains("not read"), "{}", dump.stderr);
    let files: serde_json::Value = serde_json::from_str(&dump.stdout).expect("JSON");
    assert_eq!(files["config"].as_array().map(Vec::len), Some(1), "only nginx.conf: {}", dump.stdout);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_fifos_in_the_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "nginx/site.conf",
        "server { location / { add_header Access-Control-Allow-Origin *; include loop/loop/*.conf; } }\n",
    );
    std::os::unix::fs::symlink("../nginx", d.join("nginx/loop")).expect("symlink");
    std::os::unix::fs::symlink("self", d.join("nginx/self")).expect("symlink");
    std::os::unix::fs::symlink("app.py", d.join("dangling.py")).expect("symlink");
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.conf")).expect("symlink");
    for name in ["fifo.conf", "fifo.py", "fifo.yaml", ".env", "nginx/conf.d/fifo"] {
        let path = d.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {name}");
    }
    write(d, "nginx/conf.d/inc.conf", "include ../../fifo.conf; include ../../*.conf; include ../../zero.conf;\n");
    let run = corslint(d, &["--output-format", "json", "."]);
    findings(&run);
    corslint(d, &["--output-format", "json", "nginx/loop/loop/loop/site.conf"]);
    corslint(d, &["--output-format", "json", "nginx/loop/loop/loop"]);
    // Named on the command line, a FIFO or device is passed over, not opened.
    for name in ["fifo.conf", "fifo.py", "zero.conf", "nginx/self"] {
        corslint_any_exit(d, &["--output-format", "json", name]);
    }
    corslint(d, &["--output-format", "json", "nginx/conf.d/inc.conf"]);
}

#[test]
fn odd_files_and_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "empty.conf", "");
    write(d, "bom_only.conf", "\u{feff}");
    write(d, "bom_only.py", "\u{feff}");
    write(d, "cr_only.conf", "\r\r\r");
    write(d, "nul.conf", b"server {\0}");
    write(d, "nul.yaml", b"cors: \0");
    write(d, "only_comment.yaml", "# cors\n");
    write(d, "docs.yaml", "cors: 1\n".to_string() + &"---\n".repeat(100_000));
    write(d, "tabs.yaml", "cors:\n\t- a\n");
    write(d, "helm/templates/ingress.yaml", "{{- if .Values.cors }}\nkind: Ingress\n{{ end }}\n");
    write(d, "backslash.conf", "a \\");
    write(d, "quote.conf", "a \"");
    write(d, "lua.conf", "content_by_lua_block {");
    write(d, "crlf_lone_cr.conf", "server {\r  add_header Access-Control-Allow-Origin *;\r}\r");
    write(d, "mixed.py", "# corslint: ignore[CORS101]\rx = 1 # noqa: CORS101\r\n");
    write(d, "suppress.conf", "# corslint: ignore-file[".to_string() + &"CORS101,".repeat(100_000) + "]\n");
    write(d, "noqa.py", "x = 1  # noqa: ".to_string() + &"CORS101,".repeat(100_000) + "\n");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname.conf");
        std::fs::write(d.join(name), "add_header Access-Control-Allow-Origin *; add_header Access-Control-Allow-Credentials true;\n# corslint: ignore[CORS999]\n")
            .expect("write");
    }
    for format in ["json", "json-lines", "sarif", "github", "full", "concise"] {
        let run = corslint(d, &["--no-color", "--output-format", format, "."]);
        if format == "json" || format == "sarif" {
            serde_json::from_str::<serde_json::Value>(&run.stdout).expect("machine output is JSON only");
        }
    }
}

/// The library on in-memory text (editors, `--stdin-filename`) takes the same paths.
#[test]
fn in_memory_files_of_every_kind() {
    for (name, text) in [
        ("a.conf", "{".repeat(100_000)),
        ("a.yaml", format!("{CORS_YAML}x: {}", "[".repeat(100_000))),
        ("a.py", format!("{CORS_PY}x = {}", "(".repeat(100_000))),
        (".env", "CORS=\u{fffd}\r\n".repeat(10_000)),
    ] {
        let options = Options { stdin: Some((PathBuf::from(name), text)), ..Options::default() };
        let outcome = guarded(name, move || lint(&options).map(|o| o.diagnostics.len()));
        assert!(outcome.is_ok(), "{name}: {outcome:?}");
    }
}
