//! Which JavaScript candidates are parsed. The byte prefilter admits a file for the tokens of any
//! JS extractor; but the frontend readers read only the files of a frontend's package (the
//! directory of a `package.json` that depends on a dev server corslint knows, or of an
//! `angular.json`). A file admitted only for frontend tokens (`credentials`, `VITE_`,
//! `import.meta.env`, …) outside every such package (a backend's OAuth code, a CLI, a library)
//! is passed over without parsing, as the Python files no app imports are.

use crate::source::FileKind;
use std::path::{Path, PathBuf};

pub struct Candidate<'a> {
    pub path: &'a Path,
    pub kind: FileKind,
    pub bytes: &'a [u8],
}

/// For each JavaScript candidate, in order, whether to parse it: it names a backend layer's token
/// ([`super::JAVASCRIPT_BACKEND_TOKENS`], header names in any case), holds a corslint suppression
/// (checked for CORS902 either way), or lies in a frontend's package and is a Vite or Astro config,
/// names what the client reader reads ([`super::names_client_call`]), or is an Angular package's
/// `environment` module. Paths compare as given: they all come from one walk, or are named the
/// same way.
pub fn worth_parsing(candidates: &[Candidate<'_>]) -> Vec<bool> {
    let dir_of = |c: &Candidate<'_>| crate::source::normalize_path(c.path.parent().unwrap_or(Path::new("")));
    let frontend_dirs: Vec<PathBuf> = candidates
        .iter()
        .filter(|c| c.kind == FileKind::FrontendJson && super::names_frontend_tool(c.bytes))
        .map(dir_of)
        .collect();
    // Angular's environment files are read only beside an `angular.json`; a Vite app's
    // `const environment = useEnvironment()` tells nothing.
    let angular_dirs: Vec<PathBuf> = candidates
        .iter()
        .filter(|c| c.kind == FileKind::FrontendJson && c.path.file_name().is_some_and(|n| n == "angular.json"))
        .map(dir_of)
        .collect();
    candidates
        .iter()
        .filter(|c| c.kind == FileKind::JavaScript)
        .map(|c| {
            let under = |dirs: &[PathBuf]| {
                let path = crate::source::normalize_path(c.path);
                dirs.iter().any(|dir| path.starts_with(dir))
            };
            names_backend_token(c.bytes)
                || contains(c.bytes, b"corslint")
                || ((is_frontend_config(c.path)
                    || super::names_client_call(c.bytes)
                    || (contains(c.bytes, super::ANGULAR_ENVIRONMENT_TOKEN.as_bytes()) && under(&angular_dirs)))
                    && under(&frontend_dirs))
        })
        .collect()
}

/// `vite.config.ts`, `astro.config.mjs`: read by name, whatever they hold.
fn is_frontend_config(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("vite.config.") || name.starts_with("astro.config.")
}

fn names_backend_token(bytes: &[u8]) -> bool {
    super::JAVASCRIPT_BACKEND_TOKENS.iter().any(|token| {
        let token = token.as_bytes();
        if token.eq_ignore_ascii_case(b"access-control-") {
            super::names_cors_header(bytes)
        } else if token == b"cors" {
            // `cors-errors`, `cors-proxy.md`: a slug or a file name in a string, as in a docs
            // site's generated sidebar; the modules the layers import (`cors`, `@fastify/cors`,
            // `hono/cors`) and the options (`cors:`, `corsOptions`) are never followed by `-`.
            bytes.windows(5).any(|w| &w[..4] == b"cors" && w[4] != b'-') || bytes.ends_with(b"cors")
        } else {
            contains(bytes, token)
        }
    })
}

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(bytes, needle).is_some()
}

/// Whether a JavaScript file sets up a CORS layer (`cors(`, `enableCors(`, a `cors:` option): the
/// modules it imports may hold its options, whatever they name. Only these files' own imports are
/// followed: an app's entry file imports every module of the app, and theirs import more.
pub fn sets_up_cors(bytes: &[u8]) -> bool {
    [&b"cors("[..], b"enableCors(", b"cors:"].iter().any(|call| contains(bytes, call))
}

/// The modules a file imports by a relative specifier (`require("./config")`, `from "../cors"`,
/// `import("./x")`), each as the paths Node and TypeScript would try, in order: the exact file, the
/// file with each extension, then `index.*` inside it. A byte scan, not a parse: a string that only
/// looks like an import adds a file to parse, never removes one.
pub fn relative_imports(importer: &Path, bytes: &[u8]) -> Vec<Vec<PathBuf>> {
    relative_specifiers(importer, bytes, false)
}

/// The modules a file re-exports by a relative specifier (`export * as ns from "./security"`,
/// `export { cors } from "./cors"`), as [`relative_imports`] gives them: what an index module
/// passes on from the modules behind it.
pub fn relative_reexports(importer: &Path, bytes: &[u8]) -> Vec<Vec<PathBuf>> {
    relative_specifiers(importer, bytes, true)
}

fn relative_specifiers(importer: &Path, bytes: &[u8], reexports_only: bool) -> Vec<Vec<PathBuf>> {
    const EXTENSIONS: &[&str] = &["js", "ts", "mjs", "cjs", "mts", "cts", "jsx", "tsx"];
    let directory = importer.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for quote in memchr::memchr3_iter(b'"', b'\'', b'`', bytes) {
        let (Some(&mark), Some(rest)) = (bytes.get(quote), bytes.get(quote + 1..)) else { continue };
        let Some(close) = rest.iter().position(|&b| b == mark || b == b'\n') else { continue };
        let Some(spec) = rest.get(..close).and_then(|s| std::str::from_utf8(s).ok()) else { continue };
        let relative = spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
        let before = bytes.get(..quote).unwrap_or_default();
        if !relative || !imports_at(before) || (reexports_only && !in_export_statement(before)) {
            continue;
        }
        let base = crate::source::normalize_path(&directory.join(spec));
        let mut tries = vec![base.clone()];
        let with_extension = |ext: &&str| {
            let mut name = base.clone().into_os_string();
            name.push(format!(".{ext}"));
            PathBuf::from(name)
        };
        tries.extend(EXTENSIONS.iter().map(with_extension));
        tries.extend(EXTENSIONS.iter().map(|ext| base.join(format!("index.{ext}"))));
        out.push(tries);
    }
    out
}

/// Whether the statement a `from "…"` ends is an `export`: the nearer of the words `export` and
/// `import` before it is `export`.
fn in_export_statement(before: &[u8]) -> bool {
    let last = |word: &[u8]| memchr::memmem::rfind(before, word);
    match (last(b"export"), last(b"import")) {
        (Some(export), Some(import)) => export > import,
        (export, _) => export.is_some(),
    }
}

/// Whether the bytes before a string end with what puts a module specifier there: `from`,
/// `import`, `require(` or `import(`.
fn imports_at(before: &[u8]) -> bool {
    let before = before.trim_ascii_end();
    // `word` ends `text` as a word of its own (and, unless `member` allows it, not as `x.word`).
    let ends_with_word = |text: &[u8], word: &[u8], member: bool| {
        text.strip_suffix(word)
            .is_some_and(|head| !head.last().is_some_and(|b| super::is_identifier_byte(b) || (!member && *b == b'.')))
    };
    match before.strip_suffix(b"(").map(<[u8]>::trim_ascii_end) {
        Some(call) => ends_with_word(call, b"require", true) || ends_with_word(call, b"import", true),
        None => ends_with_word(before, b"from", false) || ends_with_word(before, b"import", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(files: &[(&str, FileKind, &str)]) -> Vec<bool> {
        let candidates: Vec<Candidate<'_>> = files
            .iter()
            .map(|(path, kind, text)| Candidate { path: Path::new(path), kind: *kind, bytes: text.as_bytes() })
            .collect();
        worth_parsing(&candidates)
    }

    #[test]
    fn reexports_are_the_relative_specifiers_of_export_statements() {
        let index = "import { a } from \"./a\";\nexport * as security from \"./security\";\nexport {\n  cors,\n} from './cors';\nexport const x = require(\"./b\");\n";
        let found: Vec<PathBuf> = relative_reexports(Path::new("src/config/index.ts"), index.as_bytes())
            .into_iter()
            .filter_map(|t| t.first().cloned())
            .collect();
        // `export const x = require("./b")` passes `b` on too.
        let expected = ["src/config/security", "src/config/cors", "src/config/b"].map(PathBuf::from);
        assert_eq!(found, expected);
        assert_eq!(relative_imports(Path::new("src/config/index.ts"), index.as_bytes()).len(), 4);
    }

    #[test]
    fn relative_imports_are_found_with_the_paths_node_tries() {
        let text = "import cors from 'cors';\nimport { a } from \"./settings/security\";\nconst b = require( '../shared/origins.js' );\n\
                    const c = await import(`./lazy`);\nconst note = \"./not-an-import\";\nexport * from './re';\nimport './side-effect';\n\
                    import settings = require('./settings');\nexport * as security from './ns';\n";
        let found = relative_imports(Path::new("api/src/server.ts"), text.as_bytes());
        let first: Vec<&Path> = found.iter().filter_map(|tries| tries.first()).map(PathBuf::as_path).collect();
        assert_eq!(
            first,
            [
                "api/src/settings/security",
                "api/shared/origins.js",
                "api/src/lazy",
                "api/src/re",
                "api/src/side-effect",
                "api/src/settings",
                "api/src/ns"
            ]
            .map(Path::new)
        );
        let tries = &found[0];
        assert_eq!(tries[1], Path::new("api/src/settings/security.js"));
        assert!(tries.contains(&PathBuf::from("api/src/settings/security.ts")));
        assert!(tries.contains(&PathBuf::from("api/src/settings/security/index.ts")));
    }

    #[test]
    fn frontend_tokens_count_only_inside_a_frontend_package() {
        let js = FileKind::JavaScript;
        let json = FileKind::FrontendJson;
        let kept = keep(&[
            ("web/package.json", json, r#"{"devDependencies": {"vite": "^6"}}"#),
            ("web/src/api.ts", js, "axios.create({ baseURL: import.meta.env.VITE_API })"),
            ("api/package.json", json, r#"{"dependencies": {"@fastify/cors": "^11"}}"#),
            ("api/src/oauth.ts", js, "const credentials = await exchange(code)"),
            ("api/src/server.ts", js, "await app.register(cors, { origin: true })"),
            ("api/src/headers.ts", js, "res.setHeader('ACCESS-CONTROL-ALLOW-ORIGIN', '*')"),
            ("api/src/quiet.ts", js, "// corslint: ignore[CORS102]\nconst credentials = 1"),
            ("./web/vite.config.ts", js, "export default defineConfig({})"),
            ("web/src/theme.ts", js, "export const accent = import.meta.env.VITE_ACCENT"),
            ("web/astro.config.mjs", js, "export default { server: { port: 4000 } }"),
            (
                "docs/generated/sidebar.mjs",
                js,
                r#"export const sidebar = [{ "path": "/troubleshooting/cors-errors" }]"#,
            ),
        ]);
        assert_eq!(kept, [true, false, true, true, true, true, false, true, false]);
    }

    #[test]
    fn inside_a_frontend_package_only_what_a_reader_reads() {
        let js = FileKind::JavaScript;
        let json = FileKind::FrontendJson;
        let angular = r#"{"projects": {"admin": {"architect": {"build": {"builder": "@angular-devkit/build-angular:browser"}}}}}"#;
        let kept = keep(&[
            ("web/package.json", json, r#"{"devDependencies": {"vite": "^6"}}"#),
            ("web/src/upload.ts", js, "await fetch(`${import.meta.env.VITE_API}/files`)"),
            ("web/src/link.ts", js, "const at = new URL(path, import.meta.env.VITE_ORIGIN)"),
            ("web/src/list.ts", js, "const { refetch } = useQuery(); const home = import.meta.env.VITE_HOME_URL"),
            ("web/src/search.ts", js, "const q = new URLSearchParams(import.meta.env.VITE_QUERY)"),
            ("web/src/env.ts", js, "const environment = useEnvironment(import.meta.env.VITE_MODE)"),
            ("admin/angular.json", json, angular),
            ("admin/src/environments/environment.ts", js, "export const environment = { apiUrl: '/api' }"),
        ]);
        assert_eq!(kept, [true, true, false, false, false, true]);
    }
}
