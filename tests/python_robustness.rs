//! Robustness: truncated and random Python never makes parsing, extraction or a rule panic or hang.
//! The whole pipeline after discovery, through the library's stages in order.

use corslint::model::Project;
use corslint::source::{FileKind, SourceFile};

/// Parse, extract and run every rule over in-memory Python files.
fn run_in_memory(files: &[(&str, &str)]) {
    let mut project = Project::default();
    let mut parsed = Vec::new();
    for (path, text) in files {
        let kind = if path.ends_with(".env") { FileKind::Dotenv } else { FileKind::Python };
        let file = SourceFile::new((*path).into(), kind, (*text).to_string());
        parsed.push(corslint::parse::parse_file(&file).0);
        project.files.push(file);
    }
    corslint::extract::extract(&mut project, &parsed);
    let _ = corslint::rules::check_all(&project);
}

#[test]
fn every_prefix_of_the_fixtures_is_survived() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut stack = vec![root];
    let mut texts = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                texts.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    assert!(!texts.is_empty());
    for text in &texts {
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                run_in_memory(&[("main.py", &text[..cut]), (".env", "CORS_ORIGINS=[\"*\"\nX='")]);
            }
            cut += 13;
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(proptest::sample::select(vec![
        "app", "=", "FastAPI(", "CORSMiddleware", ".add_middleware(", "allow_origins=", "[", "]", "(", ")", ",",
        "\"*\"", "'https://a.com'", "**", "*", "{", "}", ":", "\n", "    ", "def ", "class ", "return ", "raise ",
        "@app.middleware(\"http\")\n", "@app.get(\"/\")\n", "if ", "else:", "request.method == \"OPTIONS\"",
        "call_next(request)", "Depends(", "Header(", "settings.", "import ", "from ", " as ", "lambda ", "for ",
        " in ", "os.getenv(\"X\")", ".split(\",\")", "+", "\"\\", "f\"{", "}\"", "#", "\\\n", "async ", "await ",
    ]), 0..120)) {
        let text: String = tokens.concat();
        run_in_memory(&[("main.py", &text), ("other.py", &text)]);
    }
}
