//! A project of Python apps alone is read a group of connected modules at a time when only the
//! findings are wanted (`corslint check`): the findings, the notes and the counts must be those of
//! the run that parses every module first, and whatever a group cannot answer alone makes the run
//! read the project whole.

mod common;

use corslint::lint::Outcome;
use std::path::Path;

/// Both runs, which must report the same; and how many groups the grouped one read apart.
fn compare(root: &Path) -> (Outcome, usize) {
    let (whole, grouped) = common::whole_and_findings_only(vec![root.to_path_buf()]);
    assert_eq!(whole.python_groups, 0, "a run that keeps its model reads the modules together");
    (whole, grouped.python_groups)
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
    std::fs::write(path, text).expect("write");
}

/// 40 services, each its own project (`requirements.txt`) with a FastAPI app whose origins come
/// from its settings and its own `.env`. Every fifth answers any origin with credentials; services
/// 10 to 14 share a module of origins; service 7's routes do not parse; service 3 writes the header
/// by hand; suppressions are used and unused.
fn write_services(root: &Path) {
    write(root, "common/cors.py", "SHARED_ORIGINS = [\"https://shared.example.com/\"]\n");
    for i in 0..40 {
        let svc = format!("svc{i:02}");
        write(root, &format!("{svc}/requirements.txt"), "fastapi\n");
        write(root, &format!("{svc}/.env"), &format!("CORS_ORIGINS=[\"https://app{i}.example.com\"]\n"));
        let config = "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    cors_origins: list[str] = []\n\n\nsettings = Settings()\n";
        write(root, &format!("{svc}/app/config.py"), config);
        let routes = if i == 7 {
            "from fastapi import APIRouter\n\nrouter = APIRouter(\n\n@router.get(\"/items\")\ndef items(:\n    return []\n"
                .to_owned()
        } else {
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.put(\"/items/{id}\")\ndef put_item(id: int):\n    return {\"id\": id}\n".to_owned()
        };
        write(root, &format!("{svc}/app/routes.py"), &routes);
        let origins = match i {
            _ if i % 5 == 0 => "[\"*\"]".to_owned(),
            10..=14 => "SHARED_ORIGINS + settings.cors_origins".to_owned(),
            _ => "settings.cors_origins".to_owned(),
        };
        let shared = if (10..=14).contains(&i) { "from common.cors import SHARED_ORIGINS\n" } else { "" };
        let suppression = if i % 3 == 0 { "  # corslint: ignore[CORS101]" } else { "" };
        let main = format!(
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\nfrom app.config import settings\nfrom app.routes import router\n{shared}\napp = FastAPI()\napp.add_middleware(\n    CORSMiddleware,\n    allow_origins={origins},{suppression}\n    allow_credentials=True,\n    allow_methods=[\"GET\"],\n)\napp.include_router(router)\n"
        );
        if i != 3 {
            write(root, &format!("{svc}/app/main.py"), &main);
        }
    }
    let by_hand = "from fastapi import FastAPI, Request\n\napp = FastAPI()\n\n\n@app.middleware(\"http\")\nasync def cors(request: Request, call_next):\n    response = await call_next(request)\n    response.headers[\"Access-Control-Allow-Origin\"] = request.headers.get(\"origin\")\n    response.headers[\"Access-Control-Allow-Credentials\"] = \"true\"\n    return response\n";
    write(root, "svc03/app/main.py", by_hand);
}

#[test]
fn groups_of_python_modules_report_what_the_whole_project_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    let (whole, groups) = compare(dir.path());
    // The shared module joins services 10 to 14 into one group; service 3's routes are a group of
    // their own (its app imports nothing), and its settings are not read at all.
    assert_eq!(groups, 40 - 4 + 1);
    let count = |code: &str| whole.diagnostics.iter().filter(|d| d.code == code).count();
    let in_file = |code: &str, name: &str| {
        let path = |d: &corslint::diagnostic::Diagnostic| whole.project.file(d.span.file).map(|f| f.path.clone());
        whole.diagnostics.iter().filter(|d| d.code == code && path(d).is_some_and(|p| p.ends_with(name))).count()
    };
    // Every fifth service answers any origin with credentials, unless suppressed (0, 15, 30).
    assert_eq!(count("CORS101"), 8 - 3);
    assert_eq!(in_file("CORS901", "svc07/app/routes.py"), 1);
    // The origin from the shared module has a trailing slash; the `.env` origins are read.
    assert_eq!(in_file("CORS104", "common/cors.py"), 1);
    assert!(whole.project.policies.iter().any(|p| format!("{:?}", p.origins).contains("https://app12.example.com")));
    assert_eq!(whole.project.hand_written_cors.len(), 1, "service 3's header written by hand");
    // The CORS101 suppressions of services 3, 6, 9, ... that suppress nothing.
    assert_eq!(count("CORS902"), 13 - 3);
}

/// Hand-written headers in the project of an app with a CORS component are not a policy of their
/// own: that depends on another group, so the project is read whole.
#[test]
fn headers_written_beside_another_groups_cors_app_read_the_project_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    let tool =
        "def add_cors(response):\n    response.headers[\"Access-Control-Allow-Origin\"] = \"*\"\n    return response\n";
    write(dir.path(), "svc01/tools/headers.py", tool);
    let (whole, groups) = compare(dir.path());
    assert_eq!(groups, 0);
    assert_eq!(whole.project.hand_written_cors.len(), 1, "svc01's tool is not read, service 3's is");
}

/// What the import lines do not show, and what Django names in strings, read the project whole.
#[test]
fn what_import_lines_do_not_show_reads_the_project_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    // A backslash continuation hides the import from the line scan; the parser sees it. The module
    // is read anyway: it names FastAPI.
    let main = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom app.origins \\\n    import ORIGINS\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)\n";
    write(dir.path(), "svc01/app/main.py", main);
    write(dir.path(), "svc01/app/origins.py", "import fastapi\n\nORIGINS = [\"*\"]\n");
    let (whole, groups) = compare(dir.path());
    assert_eq!(groups, 0);
    let reported = |name: &str| {
        whole
            .diagnostics
            .iter()
            .any(|d| d.code == "CORS101" && whole.project.file(d.span.file).is_some_and(|f| f.path.ends_with(name)))
    };
    assert!(reported("svc01/app/origins.py"), "the origins were found through the hidden import");

    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    write(
        dir.path(),
        "svc02/manage.py",
        "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"site.settings\")\n",
    );
    assert_eq!(compare(dir.path()).1, 0);

    // A module read whole only when it has a tree: one nested past what Python compiles has none.
    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    let nested = format!("import fastapi\n\nX = {}1{}\n", "(".repeat(1_200), ")".repeat(1_200));
    write(dir.path(), "svc05/app/deep.py", &nested);
    let (whole, groups) = compare(dir.path());
    assert_eq!(groups, 0);
    assert!(whole.diagnostics.iter().any(|d| d.code == "CORS901"
        && whole.project.file(d.span.file).is_some_and(|f| f.path.ends_with("svc05/app/deep.py"))));
}

/// Only Python and dotenv files: a file of another layer keeps every module in one model.
#[test]
fn another_layer_reads_the_modules_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_services(dir.path());
    let nginx =
        "http {\n    server {\n        location / {\n            proxy_pass http://svc01:8000;\n        }\n    }\n}\n";
    write(dir.path(), "nginx.conf", nginx);
    assert_eq!(compare(dir.path()).1, 0);
}
