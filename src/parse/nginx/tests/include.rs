//! Include resolution on small trees written to a temporary directory.

use std::path::{Path, PathBuf};

use crate::parse::nginx::include::{Files, Root, Target, resolve};
use crate::parse::nginx::{Config, parse};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Resolves with `given` as the analysed files (others load from disk).
fn resolve_given(dir: &Path, given: &[&str]) -> (Files, Vec<Root>) {
    let given: Vec<(PathBuf, Config)> = given
        .iter()
        .map(|n| {
            let p = dir.join(n);
            let text = std::fs::read_to_string(&p).unwrap();
            (p, parse(&text))
        })
        .collect();
    let mut files = Files::within(given, dir);
    let roots = resolve(&mut files).roots;
    (files, roots)
}

fn name(files: &Files, dir: &Path, id: usize) -> String {
    files.entries[id].path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/")
}

fn names(files: &Files, dir: &Path, root: &Root) -> Vec<String> {
    root.files.iter().map(|&id| name(files, dir, id)).collect()
}

#[test]
fn globs_load_unknown_files_and_skip_hidden_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("nginx.conf", "http { include sites/*; include missing.conf; include none/*.conf; }"),
            ("sites/b.conf", "server { listen 81; }"),
            ("sites/a.example.com", "server { listen 80; }"),
            ("sites/.hidden", "garbage"),
            ("sites/sub/c.conf", "garbage"),
        ],
    );
    let (files, roots) = resolve_given(dir, &["nginx.conf", "sites/b.conf"]);
    assert_eq!(roots.len(), 1);
    assert_eq!(names(&files, dir, &roots[0]), ["nginx.conf", "sites/a.example.com", "sites/b.conf"]);
    assert!(files.entries[2].loaded);
    let sites = &roots[0].sites;
    assert_eq!(sites.len(), 3);
    assert_eq!(sites[1].targets, [Target::External(dir.join("missing.conf"))]);
    assert!(sites[2].targets.is_empty());
    let include = &files.entries[0].config.directives[0].children()[0];
    assert_eq!(roots[0].targets(0, include), [Target::File(2), Target::File(1)]);
}

#[test]
fn cycles_are_marked_and_terminate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("nginx.conf", "include a.conf;"),
            ("a.conf", "include b.conf; include a.conf;"),
            ("b.conf", "include a.conf; include c.conf;"),
            ("c.conf", "x;"),
        ],
    );
    let (files, roots) = resolve_given(dir, &["nginx.conf", "a.conf", "b.conf", "c.conf"]);
    let mains: Vec<String> = roots.iter().map(|r| name(&files, dir, r.main)).collect();
    assert_eq!(mains, ["nginx.conf"]);
    let targets: Vec<&Target> = roots[0].sites.iter().flat_map(|s| &s.targets).collect();
    assert_eq!(targets, [&Target::File(1), &Target::File(2), &Target::Cycle(1), &Target::Cycle(1), &Target::File(3)]);
}

#[test]
fn a_cycle_without_outside_main_still_gets_a_main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &[("a.conf", "include b.conf;"), ("b.conf", "include a.conf;")]);
    let (files, roots) = resolve_given(dir, &["a.conf", "b.conf"]);
    assert_eq!(roots.len(), 1);
    assert_eq!(names(&files, dir, &roots[0]), ["a.conf", "b.conf"]);
}

#[test]
fn relative_includes_follow_the_main_directory_and_fragments_alone_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("etc/nginx.conf", "include conf.d/app.conf;"),
            ("etc/conf.d/app.conf", "server { include snippets/cors.conf; }"),
            ("etc/snippets/cors.conf", "add_header A b;"),
            ("etc/conf.d/snippets/cors.conf", "garbage"),
            ("other/frag.conf", "include x.conf;"),
            ("other/x.conf", "y;"),
        ],
    );
    let all = [
        "etc/nginx.conf",
        "etc/conf.d/app.conf",
        "etc/snippets/cors.conf",
        "etc/conf.d/snippets/cors.conf",
        "other/frag.conf",
        "other/x.conf",
    ];
    let (files, roots) = resolve_given(dir, &all);
    let mains: Vec<String> = roots.iter().map(|r| name(&files, dir, r.main)).collect();
    assert_eq!(mains, ["etc/nginx.conf", "etc/conf.d/snippets/cors.conf", "other/frag.conf"]);
    assert_eq!(names(&files, dir, &roots[0]), ["etc/nginx.conf", "etc/conf.d/app.conf", "etc/snippets/cors.conf"]);
    assert_eq!(names(&files, dir, &roots[2]), ["other/frag.conf", "other/x.conf"]);
}
