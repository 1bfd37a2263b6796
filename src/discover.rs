//! Discovery: walk the given paths in parallel, honour ignore files, classify each file, and read
//! each candidate exactly once.

use crate::source::FileKind;
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use crate::source::{MAX_FILE_SIZE, read_file};

/// Directories that never hold configuration worth linting, even when no ignore file says so.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "target",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hg",
    ".svn",
];

/// Directories whose extension-less files are nginx configs when they look like one.
const NGINX_DIRS: &[&str] = &["nginx", "conf.d", "sites-available", "sites-enabled", "snippets", "http.d"];

/// A file found by the walk, read once.
#[derive(Debug)]
pub struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    /// Named on the command line (linted even when ignore files would skip it).
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    /// Why some files were passed over (printed with `--verbose`).
    pub notes: Vec<String>,
    /// Paths that do not exist or cannot be read at all (an I/O error for the run).
    pub missing: Vec<PathBuf>,
    /// Files and directories the walk was refused (permissions): what they hold was not linted,
    /// so the run cannot pass silently.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Decides from a file's kind and bytes whether it is kept (the pipeline's byte prefilter).
pub type Keep = dyn Fn(FileKind, &[u8]) -> bool + Sync;

/// Walks `paths`; explicit files are always returned when their kind is known. Each file is read
/// once, in the walking thread, and given to `keep` right away: a file it rejects is dropped
/// before the next one is read, so memory holds only the files that can matter.
pub fn discover(paths: &[PathBuf], keep: &Keep) -> Discovery {
    let found = Mutex::new(Discovery::default());
    let mut dirs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => dirs.push(path.clone()),
            Ok(meta) if meta.is_file() => {
                let kind = classify_by_name(path).or_else(|| maybe_nginx_by_location(path));
                match kind {
                    Some(kind) => read_into(path, kind, true, keep, &found),
                    None => note(&found, format!("{}: not a Python, nginx, YAML or dotenv file", path.display())),
                }
            }
            Ok(_) => note(&found, format!("{}: not a regular file", path.display())),
            Err(_) => lock(&found).missing.push(path.clone()),
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        builder.hidden(false).require_git(false).follow_links(false).filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && entry.depth() > 0 && SKIPPED_DIRS.iter().any(|d| entry.file_name() == *d))
        });
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        if let (Some(path), true) = (
                            error_path(&e),
                            e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied),
                        ) {
                            lock(&found).unreadable.push((path.to_path_buf(), e.to_string()));
                        }
                        return WalkState::Continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let path = entry.path();
                let Some(kind) = classify_by_name(path).or_else(|| maybe_nginx_by_location(path)) else {
                    return WalkState::Continue;
                };
                read_into(path, kind, false, keep, &found);
                WalkState::Continue
            })
        });
    }
    let mut discovery = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // Thread timing must never change the output.
    discovery.files.sort_by(|a, b| a.path.cmp(&b.path));
    discovery.files.dedup_by(|a, b| a.path == b.path);
    discovery.notes.sort();
    discovery.unreadable.sort();
    discovery
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

fn lock(found: &Mutex<Discovery>) -> std::sync::MutexGuard<'_, Discovery> {
    found.lock().unwrap_or_else(|e| e.into_inner())
}

fn note(found: &Mutex<Discovery>, note: String) {
    lock(found).notes.push(note);
}

fn read_into(path: &Path, kind: FileKind, explicit: bool, keep: &Keep, found: &Mutex<Discovery>) {
    let bytes = match read_file(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            return note(found, format!("{}: skipped, larger than 10 MiB", path.display()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied || explicit => {
            return lock(found).unreadable.push((path.to_path_buf(), format!("{}: {e}", path.display())));
        }
        // Gone or replaced while the walk ran: nothing is left to lint.
        Err(e) => return note(found, format!("{}: skipped, cannot be read: {e}", path.display())),
    };
    if is_binary(&bytes) {
        return note(found, format!("{}: skipped, binary content", path.display()));
    }
    let kind = match kind {
        FileKind::Nginx if needs_nginx_sniff(path) && !accept_as_nginx(path, &bytes) => return,
        kind => kind,
    };
    if !keep(kind, &bytes) {
        return;
    }
    lock(found).files.push(Found { path: path.to_path_buf(), kind, bytes, explicit });
}

fn is_binary(bytes: &[u8]) -> bool {
    // `contains` on bytes is memchr: this runs on every file read.
    bytes.get(..8192).unwrap_or(bytes).contains(&0)
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The `files:` filter of the pre-commit hook (`.pre-commit-hooks.yaml`): every name
/// [`classify_by_name`] selects, every file in an nginx folder (selected by content), and the
/// configuration files, whose change must re-run the hook. A test keeps the hook file equal to it.
pub fn hook_files_regex() -> String {
    let dirs: Vec<String> =
        NGINX_DIRS.iter().map(|d| d.replace('.', "\\.")).chain(["sites-[^/]+".to_owned()]).collect();
    let configs: Vec<String> = crate::config::CONFIG_NAMES.iter().map(|n| n.replace('.', "\\.")).collect();
    format!(
        "(?i)(\\.py$|\\.ya?ml$|(^|/)\\.env(\\.[^/]*)?$|\\.env$|(^|/)nginx\\.conf$|\\.nginx$|\\.conf$|\\.conf\\.(template|tpl)$\
         |(^|/)({})/|(^|/)({})$)",
        dirs.join("|"),
        configs.join("|")
    )
}

/// Classification by name alone; nginx candidates may still be rejected by a content sniff.
pub fn classify_by_name(path: &Path) -> Option<FileKind> {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".py") {
        Some(FileKind::Python)
    } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        Some(FileKind::Yaml)
    } else if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
        Some(FileKind::Dotenv)
    } else if lower == "nginx.conf"
        || lower.ends_with(".nginx")
        || lower.ends_with(".conf")
        || lower.ends_with(".conf.template")
        || lower.ends_with(".conf.tpl")
    {
        Some(FileKind::Nginx)
    } else {
        None
    }
}

/// A file with no known extension inside an nginx directory (`conf.d/api.example.io`).
fn maybe_nginx_by_location(path: &Path) -> Option<FileKind> {
    let name = file_name(path);
    let has_extension =
        name.trim_start_matches('.').contains('.') && !name.rsplit('.').next().is_some_and(|ext| ext.contains('-'));
    let domain_like = name.split('.').count() >= 2
        && name.split('.').all(|l| !l.is_empty())
        && !name.rsplit('.').next().is_some_and(|ext| SOURCE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    (in_nginx_dir(path) && (!has_extension || domain_like)).then_some(FileKind::Nginx)
}

/// Extensions of source and documents that live in directories named `nginx` (a Rust module
/// `src/nginx/eval.rs`, a `README.md`) and are never site files, even though `eval.rs` reads like a domain.
const SOURCE_EXTENSIONS: &[&str] = &[
    "rs", "py", "js", "mjs", "ts", "go", "java", "rb", "php", "c", "h", "md", "rst", "txt", "json", "toml", "lock",
    "html", "css", "sh", "xml", "svg", "png", "jpg", "gif", "orig", "bak", "swp", "patch", "diff",
];

fn in_nginx_dir(path: &Path) -> bool {
    path.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|dir| NGINX_DIRS.iter().any(|d| dir.eq_ignore_ascii_case(d)) || dir.starts_with("sites-"))
}

/// `nginx.conf` and `*.nginx` are nginx by name; other candidates must look like nginx.
fn needs_nginx_sniff(path: &Path) -> bool {
    let lower = file_name(path).to_ascii_lowercase();
    lower != "nginx.conf" && !lower.ends_with(".nginx")
}

/// What a cheap look at the first lines says a `.conf` file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// A directive ends in `;` or opens/closes a block.
    Nginx,
    /// INI sections, `key = value` lines, XML/Apache tags: another program's config.
    Other,
    /// Neither (`key value` lines as in redis.conf, or no content at all).
    Unclear,
}

pub fn sniff(bytes: &[u8]) -> Sniff {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(16 * 1024)]);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if line.starts_with('[') || line.starts_with(';') || line.starts_with('<') {
            return Sniff::Other;
        }
        if line.ends_with(';') || line.ends_with('{') || line.ends_with('}') {
            return Sniff::Nginx;
        }
        if line.contains('=') {
            return Sniff::Other;
        }
    }
    Sniff::Unclear
}

/// Strict outside nginx directories (a stray `redis.conf` must not be linted as nginx); inside
/// them, anything that is not clearly another format is nginx, so a broken file is reported.
fn accept_as_nginx(path: &Path, bytes: &[u8]) -> bool {
    match sniff(bytes) {
        Sniff::Nginx => true,
        Sniff::Other => false,
        Sniff::Unclear => in_nginx_dir(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_name() {
        assert_eq!(classify_by_name(Path::new("app/main.py")), Some(FileKind::Python));
        assert_eq!(classify_by_name(Path::new("k8s/ingress.yaml")), Some(FileKind::Yaml));
        assert_eq!(classify_by_name(Path::new(".env.production")), Some(FileKind::Dotenv));
        assert_eq!(classify_by_name(Path::new("prod.env")), Some(FileKind::Dotenv));
        assert_eq!(classify_by_name(Path::new("default.conf.template")), Some(FileKind::Nginx));
        assert_eq!(classify_by_name(Path::new("README.md")), None);
        assert_eq!(maybe_nginx_by_location(Path::new("conf.d/api.example.io")), Some(FileKind::Nginx));
        assert_eq!(maybe_nginx_by_location(Path::new("sites-enabled/default")), Some(FileKind::Nginx));
        assert_eq!(maybe_nginx_by_location(Path::new("src/default")), None);
        assert_eq!(maybe_nginx_by_location(Path::new("src/nginx/eval.rs")), None);
        assert_eq!(maybe_nginx_by_location(Path::new("nginx/README.md")), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn read_file_refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone.conf");
        assert_eq!(read_file(&missing).unwrap_err().kind(), std::io::ErrorKind::NotFound);
        let text = dir.path().join("a.conf");
        std::fs::write(&text, "a;").unwrap();
        assert_eq!(read_file(&text).unwrap(), b"a;");
        assert!(read_file(dir.path()).is_err());
        // A FIFO without a writer: opening it must neither block nor read.
        let fifo = dir.path().join("fifo.conf");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert_eq!(read_file(&fifo).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_file_gone_before_its_read_is_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.conf");
        let found = Mutex::new(Discovery::default());
        read_into(&path, FileKind::Nginx, false, &|_, _| true, &found);
        let found = found.into_inner().unwrap();
        assert!(found.files.is_empty() && found.missing.is_empty());
        assert!(found.notes[0].contains("gone.conf: skipped, cannot be read"), "{:?}", found.notes);
    }

    #[test]
    fn sniffs_nginx_content() {
        assert_eq!(sniff(b"# comment\nserver {\n listen 80;\n}\n"), Sniff::Nginx);
        assert_eq!(sniff(b"add_header X-Frame-Options DENY;\n"), Sniff::Nginx);
        assert_eq!(sniff(b"[program:web]\ncommand=run\n"), Sniff::Other);
        assert_eq!(sniff(b"key = value\nother = 2\n"), Sniff::Other);
        assert_eq!(sniff(b"bind 127.0.0.1\nport 6379\n"), Sniff::Unclear);
        assert!(!accept_as_nginx(Path::new("redis/redis.conf"), b"bind 127.0.0.1\n"));
        assert!(accept_as_nginx(Path::new("nginx/conf.d/broken.conf"), b"garbage\n"));
        assert!(!accept_as_nginx(Path::new("supervisor/conf.d/app.conf"), b"[program:app]\n"));
    }
}
