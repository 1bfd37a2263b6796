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
