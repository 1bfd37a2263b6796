//! Properties of the whole pipeline: any bytes as a Python, nginx, YAML or dotenv file (alone, or
//! together as one project) never panic, and every finding, label and fix points inside its file,
//! on character boundaries.

use corslint::lint::{Options, Outcome, lint};
use corslint::source::Span;
use proptest::prelude::*;
use std::path::PathBuf;

const PYTHON: &[&str] = &[
    "from fastapi import FastAPI\n",
    "from fastapi.middleware.cors import CORSMiddleware\n",
    "from starlette.middleware import Middleware\n",
    "import os\n",
    "app = FastAPI(",
    "app.add_middleware(",
    "CORSMiddleware",
    "Middleware(",
    "middleware=[",
    "allow_origins=",
    "allow_origin_regex=",
    "allow_credentials=True",
    "allow_methods=",
    "allow_headers=",
    "expose_headers=",
    "max_age=",
    "[\"*\"]",
    "\"https://app.example.com\"",
    "\"http://localhost:3000/\"",
    "r\"https://.*\\.example\\.com\"",
    "os.getenv(\"ORIGINS\", \"*\").split(\",\")",
    "settings.origins",
    "class Settings(BaseSettings):\n    origins: list[str] = [\"*\"]\n",
    "**kw",
    "@app.get(\"/items\")\n",
    "@app.middleware(\"http\")\n",
    "async def f(request, call_next):\n",
    "def g(user=Depends(auth)):\n",
    "    return await call_next(request)\n",
    "    pass\n",
    "origins = ",
    "kw = {",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ": ",
    " = ",
    "\n",
    "    ",
    "\t",
    "\r\n",
    "\r",
    "#",
    "# corslint: ignore[CORS101]",
    "# noqa: CORS101",
    "\\",
    "\"",
    "'",
    "\"\"\"",
    "f\"{",
    "\u{feff}",
    "é",
    "\u{3000}",
];

const NGINX: &[&str] = &[
    "http",
    "server",
    "location",
    " /api/ ",
    "~* \\.(js|css)$",
    "{",
    "}",
    ";",
    " ",
    "\n",
    "\r\n",
    "add_header",
    " Access-Control-Allow-Origin",
    " Access-Control-Allow-Credentials true",
    " Access-Control-Allow-Methods \"GET, POST, PUT\"",
    " Access-Control-Allow-Headers *",
    " Vary Origin",
    " $http_origin",
    " \"https://app.example.com\"",
    " *",
    " always",
    "if ($request_method = OPTIONS)",
    "if ($http_origin ~* \"^https://(a|b)\\.example\\.com$\")",
    "return 204",
    "return 405",
    "map $http_origin $cors",
    "default \"\"",
    "\"~^https://.*\\.example\\.com$\" $http_origin",
    "set $cors",
    "include",
    " *.conf",
    " snippets/cors.conf",
    "more_set_headers",
    "more_clear_headers",
    " 'Access-Control-Allow-Origin: *'",
    "proxy_pass http://app:8000",
    "proxy_hide_header",
    "auth_basic \"x\"",
    "auth_request /auth",
    "limit_except GET",
    "deny all",
    "content_by_lua_block",
    "upstream app",
    "#",
    "# corslint: ignore[CORS301]",
    "\"",
    "'",
    "\\",
    "${",
    "$",
    "(",
    ")",
    "\u{feff}",
    "é",
];

const YAML: &[&str] = &[
    "apiVersion: networking.k8s.io/v1\n",
    "apiVersion: traefik.io/v1alpha1\n",
    "kind: Ingress\n",
    "kind: Middleware\n",
    "kind: Service\n",
    "metadata:\n",
    "  name: api\n",
    "  annotations:\n",
    "    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n",
    "    nginx.ingress.kubernetes.io/cors-allow-origin: ",
    "    nginx.ingress.kubernetes.io/cors-allow-credentials: \"true\"\n",
    "    nginx.ingress.kubernetes.io/auth-url: http://auth\n",
    "    nginx.ingress.kubernetes.io/configuration-snippet: |\n",
    "      add_header Access-Control-Allow-Origin $http_origin;\n",
    "spec:\n",
    "  headers:\n",
    "    accessControlAllowOriginList:\n",
    "    accessControlAllowCredentials: true\n",
    "services:\n",
    "  web:\n",
    "    labels:\n",
    "      - traefik.http.middlewares.c.headers.accesscontrolalloworiginlist=*\n",
    "      - traefik.http.routers.r.middlewares=auth,c\n",
    "\"*\"",
    "https://app.example.com, https://b.example.com",
    "- ",
    ": ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "|\n",
    ">-\n",
    "? ",
    "!!str ",
    "!!int ",
    "#",
    "# corslint: ignore[CORS101]",
    "\\",
    "%YAML 1.2\n",
    "\u{feff}",
    "é",
];

const DOTENV: &[&str] = &[
    "CORS_ORIGINS=",
    "ALLOWED_ORIGINS=",
    "BACKEND_CORS_ORIGINS=",
    "ORIGINS=",
    "export ",
    "*",
    "https://app.example.com",
    "[\"https://a.example\", \"*\"]",
    ",",
    "\"",
    "'",
    "=",
    "${X}",
    "$",
    "#",
    " ",
    "\n",
    "\r\n",
    "\\",
    "\u{feff}",
];

/// Text built from a format's tokens with random bytes (often invalid UTF-8) between them.
fn bytes_like(tokens: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => proptest::sample::select(tokens).prop_map(|t| t.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn check_spans(outcome: &Outcome) -> Result<(), TestCaseError> {
    let inside = |span: Span| -> bool {
        outcome.project.file(span.file).is_some_and(|f| {
            span.start() <= span.end()
                && span.end() <= f.text.len()
                && f.text.is_char_boundary(span.start())
                && f.text.is_char_boundary(span.end())
        })
    };
    for d in &outcome.diagnostics {
        prop_assert!(inside(d.span), "{} at {:?} is outside its file", d.code, d.span);
        for label in &d.labels {
            prop_assert!(inside(label.span), "{} label {:?} is outside its file", d.code, label.span);
        }
        for edit in d.fix.iter().flat_map(|f| &f.edits) {
            prop_assert!(inside(edit.span), "{} fix edit {:?} is outside its file", d.code, edit.span);
        }
    }
    for format in [
        corslint::report::OutputFormat::Full,
        corslint::report::OutputFormat::Json,
        corslint::report::OutputFormat::Sarif,
        corslint::report::OutputFormat::Github,
        corslint::report::OutputFormat::Gitlab,
        corslint::report::OutputFormat::Junit,
        corslint::report::OutputFormat::Checkstyle,
    ] {
        let options = corslint::report::ReportOptions { format, ..corslint::report::ReportOptions::default() };
        prop_assert!(corslint::report::write(&mut Vec::new(), outcome, &options).is_ok());
    }
    Ok(())
}

fn lint_one(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let options = Options { stdin: Some((PathBuf::from(name), text)), ..Options::default() };
    match lint(&options) {
        Ok(outcome) => check_spans(&outcome),
        Err(e) => Err(TestCaseError::fail(format!("{name}: {e}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_python_file(bytes in bytes_like(PYTHON)) {
        lint_one("app/main.py", &bytes)?;
    }

    #[test]
    fn any_nginx_file(bytes in bytes_like(NGINX)) {
        lint_one("nginx/conf.d/site.conf", &bytes)?;
    }

    #[test]
    fn any_yaml_file(bytes in bytes_like(YAML)) {
        lint_one("k8s/ingress.yaml", &bytes)?;
    }

    #[test]
    fn any_dotenv_file(bytes in bytes_like(DOTENV)) {
        lint_one(".env", &bytes)?;
    }

    #[test]
    fn raw_bytes_of_every_kind(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for name in ["a.py", "a.conf", "a.yaml", ".env"] {
            lint_one(name, &bytes)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// The four kinds together on disk, read by discovery, linked across layers.
    #[test]
    fn any_project(
        py in bytes_like(PYTHON),
        env in bytes_like(DOTENV),
        conf in bytes_like(NGINX),
        snippet in bytes_like(NGINX),
        yaml in bytes_like(YAML),
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let files: [(&str, &[u8]); 5] = [
            ("app/main.py", &py),
            (".env", &env),
            ("nginx/nginx.conf", &conf),
            ("nginx/snippets/cors.conf", &snippet),
            ("deploy/ingress.yaml", &yaml),
        ];
        for (name, bytes) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            std::fs::write(&path, bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let options = Options { paths: vec![dir.path().to_path_buf()], ..Options::default() };
        let outcome = lint(&options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_spans(&outcome)?;
    }
}
