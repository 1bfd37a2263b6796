//! Helpers the integration tests share: where `shared/` is, walking a folder, and running the
//! pipeline the way `corslint check` does and the way a run that keeps its model does.
#![allow(dead_code)] // each test crate uses its own subset

use corslint::lint::{Options, Outcome, lint};
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

/// Both runs over `paths`: the one that keeps the whole model, and the one that wants only the
/// findings (`corslint check`, which may read the project a group at a time). Asserts that they
/// report the same diagnostics, notes and counts, and returns both.
pub fn whole_and_findings_only(paths: Vec<PathBuf>) -> (Outcome, Outcome) {
    let run = |findings_only: bool| {
        lint(&Options { paths: paths.clone(), findings_only, ..Options::default() }).expect("lint")
    };
    let (whole, grouped) = (run(false), run(true));
    let shown = |o: &Outcome| {
        format!("{:#?}\n{:#?}\n{} {} {}", o.diagnostics, o.notes, o.failing, o.files_linted, o.files_not_analysed)
    };
    let (a, b) = (shown(&whole), shown(&grouped));
    if a != b {
        let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
        let near = |s: &str| s.lines().skip(at.saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n");
        panic!("the grouped run differs at line {at}:\n--- whole\n{}\n--- grouped\n{}", near(&a), near(&b));
    }
    (whole, grouped)
}
