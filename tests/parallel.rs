//! Threads never change the report: the JSON of a run on one worker thread and of a run on several
//! are byte-identical on a large generated tree (nginx projects with maps and origin regexes, one
//! pattern shared by many projects, FastAPI apps, Ingress manifests, unrelated files).

use std::path::Path;
use std::process::Command;

/// The same tree on every machine: project `i` picks its patterns from a small set, so the
/// analyses that are remembered across projects are exercised both ways.
fn write_tree(root: &Path, projects: usize) {
    const HOSTS: [&str; 5] = ["app", "admin", "shop", "api", "static"];
    for i in 0..projects {
        let dir = root.join(format!("svc{i:04}"));
        std::fs::create_dir_all(&dir).expect("dirs");
        let host = HOSTS[i % HOSTS.len()];
        // Every third project leaves the dot unescaped and the end open: CORS106 in those.
        let pattern = if i.is_multiple_of(3) {
            format!("~^https://{host}.example.com")
        } else {
            format!("~^https://{host}\\.example\\.com$")
        };
        let reflected = if i.is_multiple_of(4) { "$http_origin" } else { "$cors_origin" };
        let nginx = format!(
            "http {{\n    map $http_origin $cors_origin {{\n        default \"\";\n        \"{pattern}\" $http_origin;\n    }}\n    map $sent_http_content_type $cors {{\n        default \"\";\n        ~*font/ \"*\";\n    }}\n    server {{\n        listen 80;\n        server_name svc{i}.example.com;\n        location /fonts/ {{\n            add_header Access-Control-Allow-Origin $cors;\n        }}\n        location /api/ {{\n            if ($request_method = OPTIONS) {{\n                add_header Access-Control-Allow-Origin $cors_origin;\n                add_header Access-Control-Allow-Methods \"GET, POST\";\n                return 204;\n            }}\n            add_header Access-Control-Allow-Origin {reflected} always;\n            add_header Access-Control-Allow-Credentials true always;\n            proxy_pass http://10.0.0.{}:8000;\n        }}\n    }}\n}}\n",
            i % 250
        );
        std::fs::write(dir.join("nginx.conf"), nginx).expect("nginx.conf");
        if i.is_multiple_of(5) {
            let app = format!(
                "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(\n    CORSMiddleware,\n    allow_origin_regex=r\"https://{host}.*\",\n    allow_credentials=True,\n)\n"
            );
            std::fs::write(dir.join("main.py"), app).expect("main.py");
        }
        if i.is_multiple_of(7) {
            let ingress = format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: svc{i}\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://{host}.example.com, null\"\n"
            );
            std::fs::write(dir.join("ingress.yaml"), ingress).expect("ingress.yaml");
        }
        std::fs::write(dir.join("notes.md"), format!("service {i}\n")).expect("notes.md");
    }
}

fn json_report(root: &Path, threads: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(root)
        .env("RAYON_NUM_THREADS", threads)
        .args(["--output-format", "json", "--exit-zero", "."])
        .output()
        .expect("corslint runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 report")
}

#[test]
fn one_thread_and_several_report_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(dir.path(), 300);
    let sequential = json_report(dir.path(), "1");
    let parallel = json_report(dir.path(), "4");
    let findings: Vec<serde_json::Value> = serde_json::from_str(&sequential).expect("JSON array");
    let codes = |code: &str| findings.iter().filter(|f| f["code"] == code).count();
    // The tree is linted for real: the planted problems are found in every project that has them.
    // 100 nginx patterns with an unescaped dot and an open end (two causes each), 60 app regexes
    // open at the end.
    assert_eq!(codes("CORS106"), 2 * 100 + 60);
    assert_eq!(codes("CORS102"), 75, "every reflected $http_origin");
    assert_eq!(codes("CORS103"), 43, "every Ingress that allows null");
    assert!(sequential == parallel, "the report depends on the number of threads");
}
