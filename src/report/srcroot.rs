//! Where a finding is, relative to the repository: SARIF's `%SRCROOT%`, GitLab's `location.path`
//! and GitHub's annotation `file=`. These consumers resolve paths against the checkout, so a run
//! from a subfolder must write the same paths as a run from the root, and never `../` or an
//! absolute path.

use crate::source::{SourceFile, normalize_path};
use std::path::{Component, Path, PathBuf};

/// The directory findings are reported relative to.
pub(crate) struct SourceRoot {
    dir: PathBuf,
}

impl SourceRoot {
    /// The git work tree around the working directory when it holds every linted file (the CI
    /// case: a checkout, run from its root or a subfolder); else the work tree around the linted
    /// files; else the working directory when it holds them; else their deepest common directory.
    pub(crate) fn find(cwd: &Path, files: &[SourceFile]) -> SourceRoot {
        let cwd = normalize_path(cwd);
        let absolute: Vec<PathBuf> = files.iter().map(|f| normalize_path(&cwd.join(&f.path))).collect();
        let common = common_directory(&absolute).unwrap_or_else(|| cwd.clone());
        let holds_all = |dir: &Path| common.starts_with(dir);
        let dir = work_tree(&cwd)
            .filter(|root| holds_all(root))
            .or_else(|| work_tree(&common))
            .or_else(|| holds_all(&cwd).then(|| cwd.clone()))
            .unwrap_or(common);
        SourceRoot { dir }
    }

    /// `file`'s path below the root, with `/` separators (lossy for names that are not UTF-8).
    pub(crate) fn relative(&self, cwd: &Path, file: &SourceFile) -> String {
        let absolute = normalize_path(&normalize_path(cwd).join(&file.path));
        let below = absolute.strip_prefix(&self.dir).unwrap_or(&absolute);
        let parts: Vec<String> = below
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        parts.join("/")
    }

    /// The root as a `file:` URI ending in `/` (SARIF's `originalUriBaseIds`).
    pub(crate) fn file_uri(&self) -> String {
        let path = self.dir.to_string_lossy().replace('\\', "/");
        let path = if path.starts_with('/') { path } else { format!("/{path}") };
        let mut uri = format!("file://{}", percent_encode(&path));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    }
}

/// The nearest directory at or above `dir` that holds `.git` (a directory, or a file in a
/// worktree or submodule).
fn work_tree(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

/// The deepest directory holding every path (each path is a file).
fn common_directory(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut common = paths.first()?.parent()?.to_path_buf();
    for path in paths.iter().skip(1) {
        while !path.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

/// RFC 3986 percent-encoding of a path: every byte but the unreserved characters and `/`, so a
/// name holding `:`, `#`, `?`, `%`, a space or non-ASCII text is still one relative path.
pub(crate) fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    fn file(path: &str) -> SourceFile {
        SourceFile::new(path.into(), FileKind::Python, String::new())
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters_and_slashes() {
        assert_eq!(percent_encode("a b/c:d#e?%é.py"), "a%20b/c%3Ad%23e%3F%25%C3%A9.py");
        assert_eq!(percent_encode("app/main.py"), "app/main.py");
    }

    #[test]
    fn paths_are_relative_to_the_work_tree_from_any_folder() {
        let repo = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(repo.path().join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.path().join("svc/app")).expect("mkdir");
        let from_root = [file("svc/app/main.py")];
        let root = SourceRoot::find(repo.path(), &from_root);
        assert_eq!(root.relative(repo.path(), &from_root[0]), "svc/app/main.py");
        let sub = repo.path().join("svc/app");
        let from_sub = [file("../app/./main.py")];
        let root = SourceRoot::find(&sub, &from_sub);
        assert_eq!(root.relative(&sub, &from_sub[0]), "svc/app/main.py");
        assert!(root.file_uri().starts_with("file:///") && root.file_uri().ends_with('/'));
    }

    #[test]
    fn files_outside_the_work_tree_never_get_parent_components() {
        let repo = tempfile::tempdir().expect("tempdir");
        let other = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(repo.path().join(".git")).expect("mkdir");
        let outside = other.path().join("deploy/nginx.conf");
        let files = [file(outside.to_str().expect("utf-8 path")), file("local.py")];
        let root = SourceRoot::find(repo.path(), &files);
        for f in &files {
            let relative = root.relative(repo.path(), f);
            assert!(!relative.starts_with('/') && !relative.contains(".."), "{relative}");
        }
    }
}
