//! Helpers the integration tests share: where `shared/` is, and walking a folder.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};

/// `$CORSLINT_SHARED`, else `shared/` beside the crate (where CI lays it).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("CORSLINT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// `shared/corpus/<sub>` when present; otherwise prints a note and returns `None`, so the calling
/// test is skipped where the corpus is absent.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = shared_dir().join("corpus").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("note: {} is absent (set CORSLINT_SHARED); test skipped", dir.display());
        None
    }
}

/// Every file below `dir` that `keep` accepts, sorted.
pub fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Licence files travel with the corpus but are not configuration.
pub fn not_a_licence(path: &Path) -> bool {
    !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("LICENSE"))
}
