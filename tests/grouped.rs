//! A project whose only CORS layer is nginx is checked a group of configurations at a time when
//! only the findings are wanted (`corslint check`): the findings, the notes and the counts must be those of
//! the run that holds the whole model, on a generated tree whose groups are cut around shared
//! includes, and on the real configurations of the corpus.

mod common;

use corslint::lint::Outcome;
use std::path::{Path, PathBuf};

/// Both runs, which must report the same; and whether the grouped one really dropped its model.
fn compare(paths: Vec<PathBuf>) -> (Outcome, bool) {
    let (whole, grouped) = common::whole_and_findings_only(paths);
    let dropped = grouped.project.nginx.blocks.is_empty() && grouped.project.policies.is_empty();
    (whole, dropped)
}

/// 150 services. Services 5 and 100 include one fragment, so no group may end between them; 20
/// to 29 share another; one fragment no configuration includes is a context of its own; one
/// configuration does not parse; suppressions are used and unused.
fn write_tree(root: &Path) {
    std::fs::create_dir_all(root.join("shared")).expect("dirs");
    let shared = "add_header Access-Control-Allow-Origin $http_origin always;\nadd_header Access-Control-Allow-Credentials true always;\n";
    std::fs::write(root.join("shared/reflect.conf"), shared).expect("fragment");
    std::fs::write(root.join("shared/wildcard.conf"), "add_header Access-Control-Allow-Origin * always;\n")
        .expect("fragment");
    let alone = "location /lonely/ {\n    add_header Access-Control-Allow-Origin https://a.example.com/;\n}\n";
    std::fs::write(root.join("shared/alone.conf"), alone).expect("fragment");
    for i in 0..150 {
        let dir = root.join(format!("svc{i:04}"));
        std::fs::create_dir_all(&dir).expect("dirs");
        let include = match i {
            5 | 100 => "            include ../shared/reflect.conf;\n",
            20..=29 => "            include ../shared/wildcard.conf;\n",
            _ => "",
        };
        let suppression = if i % 9 == 0 { "  # corslint: ignore[CORS102, CORS207]" } else { "" };
        let nginx = format!(
            "http {{\n    map $http_origin $cors_origin {{\n        default \"\";\n        \"~^https://app{i}.example.com\" $http_origin;\n    }}\n    server {{\n        listen 80;\n        server_name svc{i}.example.com;\n        location /api/ {{\n{include}            if ($request_method = OPTIONS) {{\n                add_header Access-Control-Allow-Origin $cors_origin;\n                add_header Access-Control-Max-Age 86400;\n                return 204;\n            }}\n            add_header Access-Control-Allow-Origin $http_origin always;{suppression}\n            proxy_pass http://10.0.0.{}:8000;\n        }}\n    }}\n}}\n",
            i % 250
        );
        std::fs::write(dir.join("nginx.conf"), nginx).expect("nginx.conf");
    }
    std::fs::write(root.join("svc0077/broken.conf"), "server {\n    location / {\n        add_header X 1\n")
        .expect("broken");
}

#[test]
fn groups_of_nginx_configurations_report_what_the_whole_model_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path());
    let (whole, dropped) = compare(vec![dir.path().to_path_buf()]);
    assert!(dropped, "a project whose only CORS layer is nginx is checked group by group");
    let count = |code: &str| whole.diagnostics.iter().filter(|d| d.code == code).count();
    let in_file = |code: &str, name: &str| {
        let path = |d: &corslint::diagnostic::Diagnostic| whole.project.file(d.span.file).map(|f| f.path.clone());
        whole.diagnostics.iter().filter(|d| d.code == code && path(d).is_some_and(|p| p.ends_with(name))).count()
    };
    // Checked for real: two causes in every map's regex, every preflight's Max-Age capped, the
    // fragment of services 5 and 100 reported once, the fragment no configuration includes read
    // on its own, the broken file reported once.
    assert_eq!((count("CORS106"), count("CORS207")), (300, 150));
    assert_eq!(in_file("CORS102", "shared/reflect.conf"), 1);
    assert_eq!(in_file("CORS104", "shared/alone.conf"), 1);
    assert_eq!(in_file("CORS901", "svc0077/broken.conf"), 1);
    assert_eq!(count("CORS902"), 17 + 1, "each unused CORS207 suppression, and the CORS102 one of service 27");
    assert_eq!(in_file("CORS902", "svc0027/nginx.conf"), 2);
}

#[test]
fn compose_files_that_run_the_configurations_still_let_them_be_checked_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path());
    for i in 0..150 {
        let compose = format!(
            "services:\n  web{i}:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n      - ../shared:/etc/nginx/shared:ro\n    ports:\n      - \"{}:80\"\n",
            8000 + i
        );
        std::fs::write(dir.path().join(format!("svc{i:04}/compose.yaml")), compose).expect("compose");
    }
    let (whole, dropped) = compare(vec![dir.path().to_path_buf()]);
    assert!(dropped, "compose services link a proxy to an app, and there is none");
    assert!(!whole.project.deploy.compose_services.is_empty(), "the compose files were read");
}

#[test]
fn another_layer_keeps_the_whole_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path());
    let app = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n\
               app.add_middleware(CORSMiddleware, allow_origins=[\"https://app1.example.com\"])\n";
    std::fs::write(dir.path().join("svc0001/main.py"), app).expect("app");
    let (_, dropped) = compare(vec![dir.path().to_path_buf()]);
    assert!(!dropped, "an app behind a proxy_pass may meet any configuration");
}

/// Each fixture folder (most mix layers, and keep the whole model), and each nginx fixture alone.
#[test]
fn every_fixture_reports_the_same_in_groups() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let entries = |dir: &Path| -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("readable").filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        paths
    };
    let (mut nginx, mut grouped) = (0, 0);
    for folder in entries(&fixtures).into_iter().filter(|p| p.is_dir()) {
        compare(vec![folder.clone()]);
        for conf in entries(&folder).into_iter().filter(|p| p.extension().is_some_and(|e| e == "conf")) {
            nginx += 1;
            grouped += usize::from(compare(vec![conf]).1);
        }
    }
    assert!(nginx >= 80, "{nginx} nginx fixtures");
    assert_eq!(grouped, nginx, "a single nginx file is checked in a group of its own");
}

#[test]
fn the_corpus_reports_the_same_in_groups() {
    if let Some(corpus) = common::corpus("") {
        compare(vec![corpus]);
    }
    for folder in ["nginx", "nginx-broken"] {
        let Some(path) = common::corpus(folder) else { continue };
        let (whole, dropped) = compare(vec![path]);
        assert!(dropped, "{folder} holds nothing but nginx");
        assert!(!whole.diagnostics.is_empty(), "{folder}: the corpus has findings");
    }
}
