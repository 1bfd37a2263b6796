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
/// (checked for CORS902 either way), or lies in a frontend's package and is a Vite or Astro config
/// or names what a frontend reader reads ([`super::FRONTEND_READ_TOKENS`]). Paths compare as
/// given: they all come from one walk, or are named the same way.
pub fn worth_parsing(candidates: &[Candidate<'_>]) -> Vec<bool> {
    let frontend_dirs: Vec<PathBuf> = candidates
        .iter()
        .filter(|c| c.kind == FileKind::FrontendJson && super::names_frontend_tool(c.bytes))
        .map(|c| crate::source::normalize_path(c.path.parent().unwrap_or(Path::new(""))))
        .collect();
    candidates
        .iter()
        .filter(|c| c.kind == FileKind::JavaScript)
        .map(|c| {
            names_backend_token(c.bytes)
                || contains(c.bytes, b"corslint")
                || ((is_frontend_config(c.path)
                    || super::FRONTEND_READ_TOKENS.iter().any(|t| contains(c.bytes, t.as_bytes())))
                    && frontend_dirs.iter().any(|dir| crate::source::normalize_path(c.path).starts_with(dir)))
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
}
