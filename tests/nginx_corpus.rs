//! The nginx parser on the real-world corpus (`../shared/corpus`, or `$CORSLINT_SHARED/corpus`):
//! broken files give exactly one error at the line where they go wrong, the others none, and
//! includes resolve as nginx resolves them. Skipped with a note where the corpus is absent.

use std::path::{Path, PathBuf};

use corslint::parse::nginx::include::{Files, Root, Target, resolve};
use corslint::parse::nginx::{self, Config};
use corslint::source::{FileKind, SourceFile};

mod common;

fn corpus() -> Option<PathBuf> {
    common::corpus("")
}

/// Every file under `dir` but licences, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir, common::not_a_licence)
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

/// The planted garbage files of crossplane's include tests: one error each, on line 2.
const GARBAGE: [&str; 3] = [
    "crossplane-tests/includes-regular/conf.d/foo.conf",
    "crossplane-tests/includes-regular/conf.d/bar.conf",
    "crossplane-tests/includes-globbed/servers/locations/not-included.conf",
];

/// crossplane's quoting test glues words to closing quotes (`"left"-quote`), which nginx refuses
/// (`nginx -t`: `unexpected "-"` on line 1): one error per line, where the quote closes.
const REFUSED_QUOTES: (&str, [(&str, usize); 2]) =
    ("crossplane-tests/quote-behavior/nginx.conf", [("unexpected \"-\"", 1), ("unexpected \"l\"", 2)]);

#[test]
fn broken_files_give_one_error_where_they_go_wrong() {
    let Some(corpus) = corpus() else { return };
    let expected = [
        ("crossplane-missing-semicolon/broken-above.conf", 4, "directive \"proxy_pass\" is not terminated by \";\""),
        ("crossplane-missing-semicolon/broken-below.conf", 7, "directive \"proxy_pass\" is not terminated by \";\""),
        ("ingress-nginx-truncated/cleanConf.expected.conf", 135, "unexpected end of file, expecting \"}\""),
        ("ingress-nginx-truncated/cleanConf.src.conf", 182, "unexpected end of file, expecting \"}\""),
    ];
    let dir = corpus.join("nginx-broken");
    let files = files_under(&dir);
    assert_eq!(files.len(), expected.len(), "new broken files need an expected line here");
    for (name, line, message) in expected {
        let path = dir.join(name);
        let text = read(&path);
        let config = nginx::parse(&text);
        assert_eq!(config.errors.len(), 1, "{name}: {:?}", config.errors);
        assert_eq!(config.errors[0].message, message, "{name}");
        assert_eq!(config.error_lines[0], line, "{name}");
        // The pipeline computes rows from the range: the same line.
        let source = SourceFile::new(path, FileKind::Nginx, text);
        assert_eq!(source.position(config.errors[0].range.start).row, line, "{name}");
        assert!(!config.directives.is_empty(), "{name}: what came before the error is kept");
    }
}

#[test]
fn real_world_files_parse_without_errors() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("nginx");
    let mut count = 0;
    for path in files_under(&dir) {
        let name = path.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        let config = nginx::parse(&read(&path));
        if GARBAGE.contains(&name.as_str()) {
            assert_eq!(config.errors.len(), 1, "{name}: {:?}", config.errors);
            assert_eq!(config.error_lines, [2], "{name}");
        } else if name == REFUSED_QUOTES.0 {
            let found: Vec<(&str, usize)> = config.errors_with_lines().map(|(e, l)| (e.message.as_str(), l)).collect();
            assert_eq!(found, REFUSED_QUOTES.1, "{name}");
        } else {
            assert!(config.errors.is_empty(), "{name}: {:?}", config.errors_with_lines().collect::<Vec<_>>());
            assert!(!config.directives.is_empty() || name.ends_with(".conf"), "{name}");
        }
        count += 1;
    }
    assert!(count > 60, "only {count} files");
}

/// Resolves a folder with all its files given, as the pipeline would.
fn resolve_folder(dir: &Path) -> (Files, Vec<Root>) {
    let given: Vec<(PathBuf, Config)> =
        files_under(dir).into_iter().map(|p| (p.clone(), nginx::parse(&read(&p)))).collect();
    let mut files = Files::within(given, dir);
    let roots = resolve(&mut files).roots;
    (files, roots)
}

fn rel(files: &Files, dir: &Path, id: usize) -> String {
    files.entries[id].path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/")
}

fn root_files(files: &Files, dir: &Path, root: &Root) -> Vec<String> {
    root.files.iter().map(|&id| rel(files, dir, id)).collect()
}

#[test]
fn includes_resolve_against_the_main_configuration() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("nginx/crossplane-tests/includes-regular");
    let (files, roots) = resolve_folder(&dir);
    let mains: Vec<String> = roots.iter().map(|r| rel(&files, &dir, r.main)).collect();
    // The garbage files are reached by no main, so each is linted as a main of its own.
    assert_eq!(mains, ["conf.d/bar.conf", "conf.d/foo.conf", "nginx.conf"]);
    let main = roots.iter().find(|r| rel(&files, &dir, r.main) == "nginx.conf").unwrap();
    assert_eq!(root_files(&files, &dir, main), ["nginx.conf", "conf.d/server.conf", "foo.conf"]);
    let targets: Vec<String> = main
        .sites
        .iter()
        .map(|s| match s.targets.as_slice() {
            [Target::File(id)] => rel(&files, &dir, *id),
            [Target::External(p)] => {
                format!("external {}", p.strip_prefix(&dir).unwrap().display())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(targets, ["conf.d/server.conf", "foo.conf", "external bar.conf"]);

    let dir = corpus.join("nginx/crossplane-tests/includes-globbed");
    let (files, roots) = resolve_folder(&dir);
    let mains: Vec<String> = roots.iter().map(|r| rel(&files, &dir, r.main)).collect();
    assert_eq!(mains, ["nginx.conf", "servers/locations/not-included.conf"]);
    assert_eq!(
        root_files(&files, &dir, &roots[0]),
        [
            "nginx.conf",
            "http.conf",
            "servers/server1.conf",
            "servers/server2.conf",
            "locations/location1.conf",
            "locations/location2.conf",
        ]
    );
    assert!(roots[0].sites.iter().all(|s| s.targets.iter().all(|t| matches!(t, Target::File(_)))));
}

#[test]
fn h5bp_includes_stay_inside_the_repository() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("nginx/h5bp-server-configs-nginx");
    let (files, roots) = resolve_folder(&dir);
    let main = roots.iter().find(|r| rel(&files, &dir, r.main) == "nginx.conf").unwrap();
    let reached = root_files(&files, &dir, main);
    // `conf.d/*.conf` skips the hidden `.default.conf`, as glob(3) does.
    assert!(reached.contains(&"conf.d/no-ssl.default.conf".to_string()), "{reached:?}");
    assert!(!reached.contains(&"conf.d/.default.conf".to_string()), "{reached:?}");
    assert!(reached.contains(&"mime.types".to_string()), "{reached:?}");
    // Every file of the repository is reached from some main, or is one.
    for id in 0..files.entries.len() {
        assert!(roots.iter().any(|r| r.files.contains(&id)), "{}", rel(&files, &dir, id));
    }
}

#[test]
fn debug_dump_follows_includes_like_crossplane() {
    let Some(corpus) = corpus() else { return };
    let main = corpus.join("nginx/crossplane-tests/includes-regular/nginx.conf");
    let tree = nginx::crossplane::parse_file(&main, false).unwrap().json;
    let files: Vec<&str> = tree["config"].as_array().unwrap().iter().map(|c| c["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files[1].ends_with("conf.d/server.conf") && files[2].ends_with("includes-regular/foo.conf"));
    // The literal `include bar.conf;` names a file that does not exist next to nginx.conf.
    assert_eq!(tree["status"], "failed");
    assert_eq!(tree["errors"].as_array().unwrap().len(), 1);
    assert_eq!(tree["config"][1]["parsed"][0]["block"][2]["includes"], serde_json::json!([2]));
    let single = nginx::crossplane::parse_file(&main, true).unwrap().json;
    assert_eq!(single["config"].as_array().unwrap().len(), 1);
    assert_eq!(single["status"], "ok");
    assert!(single["config"][0]["parsed"][1]["block"][0].get("includes").is_none());
}
