//! The `.env*` files a frontend's build reads, in each tool's precedence, and the API base URL
//! their variables give.

use crate::model::Value;
use crate::model::frontend::{ApiBase, Environment, Evidence, Tool};
use crate::parse::dotenv::DotenvFile;
use crate::source::{FileId, Span};

/// The env file names a build of `environment` reads, lowest precedence first. Vite ranks the
/// mode's file above `.env.local`; Next.js and Create React App rank `.env.local` above it
/// (Create React App's and Next.js's test environment skip `.env.local`; no test build runs in
/// a browser that calls an API, so it is not modelled).
pub fn files_in_precedence(tool: Tool, environment: Environment) -> Vec<String> {
    let mode = environment.name();
    match tool {
        // `nuxi dev` loads `.env`; a production build reads the environment it runs in.
        Tool::Nuxt => match environment {
            Environment::Development => vec![".env".into()],
            Environment::Production => Vec::new(),
        },
        _ if tool.is_vite() => {
            vec![".env".into(), ".env.local".into(), format!(".env.{mode}"), format!(".env.{mode}.local")]
        }
        _ => vec![".env".into(), format!(".env.{mode}"), ".env.local".into(), format!(".env.{mode}.local")],
    }
}

/// Whether a public variable names the API's base URL (`VITE_API_URL`, `NEXT_PUBLIC_API_BASE`,
/// `REACT_APP_BACKEND_URL`): the conventions of semantics.md §7.
pub fn names_api(key: &str, prefix: &str) -> bool {
    let Some(rest) = key.strip_prefix(prefix) else { return false };
    let words: Vec<&str> = rest.split('_').collect();
    words.iter().any(|w| matches!(*w, "API" | "BACKEND"))
        && !words.iter().any(|w| matches!(*w, "KEY" | "TOKEN" | "SECRET"))
}

/// The API bases of one environment: every variable `wanted` accepts, its value taken from the
/// file of highest precedence that sets it. `files` are `(name, file id, parsed)` of the package's
/// env directory.
pub fn api_bases(
    tool: Tool,
    environment: Environment,
    files: &[(String, FileId, &DotenvFile)],
    wanted: &dyn Fn(&str) -> bool,
) -> Vec<ApiBase> {
    let mut winners: Vec<(String, FileId, &crate::parse::dotenv::DotenvEntry, String)> = Vec::new();
    for name in files_in_precedence(tool, environment) {
        for (file_name, id, parsed) in files.iter().filter(|(n, _, _)| *n == name) {
            for entry in parsed.entries.iter().filter(|e| wanted(&e.key)) {
                winners.retain(|(key, ..)| *key != entry.key);
                winners.push((entry.key.clone(), *id, entry, file_name.clone()));
            }
        }
    }
    winners
        .into_iter()
        .map(|(key, id, entry, file_name)| {
            let url = if entry.interpolated || !is_usable_base(&entry.value) {
                Value::Unknown
            } else {
                Value::Known(entry.value.clone())
            };
            let span = Span::new(id, entry.value_range.start, entry.value_range.end);
            ApiBase { environment, url, evidence: vec![Evidence { span, what: format!("`{key}` in {file_name}") }] }
        })
        .collect()
}

/// An absolute `http(s)://` URL or a path: what a client can use as a base as written.
pub fn is_usable_base(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")) && crate::simulate::Url::parse(value).is_some()
        || value.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_follows_each_tool() {
        assert_eq!(
            files_in_precedence(Tool::Vite, Environment::Development),
            [".env", ".env.local", ".env.development", ".env.development.local"]
        );
        assert_eq!(
            files_in_precedence(Tool::Next, Environment::Production),
            [".env", ".env.production", ".env.local", ".env.production.local"]
        );
    }

    #[test]
    fn api_variables() {
        assert!(names_api("VITE_API_URL", "VITE_"));
        assert!(names_api("VITE_BACKEND_URL", "VITE_"));
        assert!(names_api("NEXT_PUBLIC_API_BASE_URL", "NEXT_PUBLIC_"));
        assert!(!names_api("VITE_API_KEY", "VITE_"));
        assert!(!names_api("API_URL", "VITE_"));
        assert!(!names_api("VITE_SENTRY_DSN", "VITE_"));
    }

    #[test]
    fn the_highest_file_wins() {
        let base = crate::parse::dotenv::parse("VITE_API_URL=http://localhost:8000\n");
        let local = crate::parse::dotenv::parse("VITE_API_URL=http://localhost:9000\n");
        let mode = crate::parse::dotenv::parse("VITE_API_URL=http://127.0.0.1:8000\n");
        let files = vec![
            (".env".to_string(), 0, &base),
            (".env.local".into(), 1, &local),
            (".env.development".into(), 2, &mode),
        ];
        let vite = api_bases(Tool::Vite, Environment::Development, &files, &|k| names_api(k, "VITE_"));
        assert_eq!(vite.len(), 1);
        assert_eq!(vite[0].url, Value::Known("http://127.0.0.1:8000".into()));
        let (a, b, c) = (
            crate::parse::dotenv::parse("NEXT_PUBLIC_API_URL=http://a:1\n"),
            crate::parse::dotenv::parse("NEXT_PUBLIC_API_URL=http://b:2\n"),
            crate::parse::dotenv::parse("NEXT_PUBLIC_API_URL=http://c:3\n"),
        );
        let files = vec![(".env".to_string(), 0, &a), (".env.local".into(), 1, &b), (".env.development".into(), 2, &c)];
        let next = api_bases(Tool::Next, Environment::Development, &files, &|k| names_api(k, "NEXT_PUBLIC_"));
        assert_eq!(next[0].url, Value::Known("http://b:2".into()));
    }
}
