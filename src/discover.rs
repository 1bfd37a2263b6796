//! Discovery: walk the given paths in parallel, honour ignore files, classify each file, and read
//! each candidate exactly once.
//!
//! What is selected, and what becomes of it:
//! - by name ([`classify_by_name`]): Python, YAML, dotenv, nginx (`nginx.conf`, `*.nginx`, `*.conf`)
//!   and their templates (`*.tpl`, `*.template`, `*.j2`, …: the name without that suffix decides);
//! - by place ([`names::maybe_nginx_by_location`]): a file without a known extension anywhere under
//!   an nginx-looking directory (`nginx/stage/web.staging.app`, `sites-available/api.example.io`);
//! - never: names that are clearly something else (`Dockerfile`, `Makefile`, `LICENSE`,
//!   `logrotate.conf`, lock files, …);
//! - nginx candidates other than `nginx.conf`/`*.nginx` must show nginx evidence ([`sniff`]);
//!   only a `.conf` directly in an nginx directory is kept when its content is unclear, so a
//!   broken site file is still reported;
//! - the byte prefilter (the `keep` callback) then drops what cannot matter: such a file was
//!   looked at and is clean;
//! - a file kept so far but not analysable (over the size limit, binary-looking, a symlink to
//!   outside the tree) is returned as [`Skipped`] and becomes a CORS903 finding. UTF-16 with a
//!   byte-order mark is decoded and linted.
//!
//! Symlinks are followed only to targets inside the linted tree (the repository root around each
//! path, or the path itself outside a repository), and a file reached through several paths
//! (a `sites-enabled` link and its `sites-available` target, overlapping arguments) is returned
//! once, under its own path rather than a link's.

mod names;
pub mod sniff;

use crate::source::{FileKind, Identity, decode_utf16, read_candidate_into};
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use crate::source::{MAX_FILE_SIZE, read_file};
pub use names::{classify_by_name, hook_files_regex, is_javascript_test};
pub use sniff::{Sniff, sniff};

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

/// A file found by the walk, read once.
#[derive(Debug)]
pub struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    /// Named on the command line (linted even when ignore files would skip it).
    pub explicit: bool,
}

/// A file that was selected but cannot be analysed: the run must say so (CORS903).
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub kind: FileKind,
    pub explicit: bool,
    pub reason: SkipReason,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Over [`MAX_FILE_SIZE`]; its first megabytes looked like they could matter.
    TooLarge { size: u64 },
    /// A NUL byte among its first bytes, and no UTF-16 byte-order mark.
    Binary,
    /// A symlink whose target lies outside the linted tree: nothing of the target is read.
    OutsideTree,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    /// Selected, but not analysable (CORS903).
    pub skipped: Vec<Skipped>,
    /// Read and found by the prefilter to hold nothing that can matter: linted, and clean (in no
    /// particular order: only counted).
    pub passed_over: Vec<PathBuf>,
    /// Why some files were passed over (printed with `--verbose`).
    pub notes: Vec<String>,
    /// Paths that do not exist or cannot be read at all (an I/O error for the run).
    pub missing: Vec<PathBuf>,
    /// Files and directories the walk was refused (permissions): what they hold was not linted,
    /// so the run cannot pass silently.
    pub unreadable: Vec<(PathBuf, String)>,
    /// The directories where the walk met a file that can hold corslint settings: files below
    /// one may be governed by another configuration than the walked directory's own.
    pub settings_dirs: Vec<PathBuf>,
    /// Every directory the walk read: the ones of them without a settings file need no look-up.
    pub dirs: Vec<PathBuf>,
}

/// Files that can hold corslint settings (the names [`crate::config::Resolver`] looks for).
const SETTINGS_FILES: &[&str] = &["corslint.toml", ".corslint.toml", "pyproject.toml"];

/// Decides from a file's kind and bytes whether it is kept (the pipeline's byte prefilter).
pub type Keep = dyn Fn(FileKind, &[u8]) -> bool + Sync;

/// What became of one file the walk selected, before files reached twice are merged.
enum Verdict {
    Kept(FileKind, Vec<u8>),
    PassedOver,
    Skipped(FileKind, SkipReason),
}

struct Entry {
    identity: Identity,
    path: PathBuf,
    explicit: bool,
    via_symlink: bool,
    verdict: Verdict,
}

#[derive(Default)]
struct Collected {
    entries: Vec<Entry>,
    notes: Vec<String>,
    missing: Vec<PathBuf>,
    unreadable: Vec<(PathBuf, String)>,
    settings_dirs: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

/// One path argument: where it is, and the tree that symlinks may not leave.
struct Root<'a> {
    given: &'a Path,
    /// The canonical directory the given path names (or holds the given file).
    canonical: PathBuf,
    /// The repository root around it (the nearest ancestor with `.git`), else `canonical`.
    tree: PathBuf,
}

impl<'a> Root<'a> {
    fn new(given: &'a Path, is_dir: bool) -> Option<Root<'a>> {
        let dir =
            if is_dir { given } else { given.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")) };
        let canonical = std::fs::canonicalize(dir).ok()?;
        let tree = canonical.ancestors().find(|a| a.join(".git").exists()).unwrap_or(&canonical).to_path_buf();
        Some(Root { given: if is_dir { given } else { dir }, canonical, tree })
    }

    /// The directories the nginx-directory test reads: for a walked file, from the walked
    /// directory's own name down (`sites-enabled/default` when `sites-enabled/` is walked, but
    /// not the directories above the repository); for a named file, every directory it is in.
    fn place(&self, path: &Path, explicit: bool) -> PathBuf {
        let name = path.file_name().map(Path::new).unwrap_or(path);
        if explicit {
            return self.canonical.join(name);
        }
        let below = path.strip_prefix(self.given).unwrap_or(name);
        self.canonical.file_name().map_or_else(|| below.to_path_buf(), |own| Path::new(own).join(below))
    }

    /// The path a symlink's canonical `target` is linted under: inside the given root when it is
    /// there, as the other files of the walk are shown; else the canonical path itself.
    fn shown(&self, target: &Path) -> PathBuf {
        match target.strip_prefix(&self.canonical) {
            Ok(inside) => self.given.join(inside),
            Err(_) => target.to_path_buf(),
        }
    }
}

/// Walks `paths`; explicit files are always returned when their kind is known. Each file is read
/// once, in the walking thread, and given to `keep` right away: a file it rejects is dropped
/// before the next one is read, so memory holds only the files that can matter.
pub fn discover(paths: &[PathBuf], keep: &Keep) -> Discovery {
    let collected = Mutex::new(Collected::default());
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => match Root::new(path, true) {
                Some(root) => walk(&root, keep, &collected),
                None => lock(&collected).missing.push(path.clone()),
            },
            Ok(meta) if meta.is_file() => match Root::new(path, false) {
                Some(root) => visit(&root, path, true, keep, &collected),
                None => lock(&collected).missing.push(path.clone()),
            },
            Ok(_) => note(&collected, format!("{}: not a regular file", path.display())),
            Err(_) => lock(&collected).missing.push(path.clone()),
        }
    }
    finish(collected.into_inner().unwrap_or_else(|e| e.into_inner()))
}

fn walk(root: &Root<'_>, keep: &Keep, collected: &Mutex<Collected>) {
    let mut builder = WalkBuilder::new(root.given);
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
                        lock(collected).unreadable.push((path.to_path_buf(), e.to_string()));
                    }
                    return WalkState::Continue;
                }
            };
            let file_type = entry.file_type();
            let is_file = file_type.is_some_and(|t| t.is_file());
            let is_link = entry.path_is_symlink() && entry.depth() > 0;
            if file_type.is_some_and(|t| t.is_dir()) {
                lock(collected).dirs.push(entry.path().to_path_buf());
            }
            if (is_file || is_link)
                && SETTINGS_FILES.iter().any(|n| entry.file_name() == *n)
                && let Some(dir) = entry.path().parent()
            {
                lock(collected).settings_dirs.push(dir.to_path_buf());
            }
            if is_file || is_link {
                visit_entry(root, entry.path(), false, is_link, keep, collected);
            }
            WalkState::Continue
        })
    });
}

/// Classifies, reads and judges one file (or symlink) of `root`.
fn visit(root: &Root<'_>, path: &Path, explicit: bool, keep: &Keep, collected: &Mutex<Collected>) {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    visit_entry(root, path, explicit, is_link, keep, collected);
}

/// [`visit`], told whether `path` is a symlink (the walk knows without another system call).
fn visit_entry(root: &Root<'_>, path: &Path, explicit: bool, is_link: bool, keep: &Keep, collected: &Mutex<Collected>) {
    let target = if is_link {
        match std::fs::canonicalize(path) {
            Ok(target) => Some(target),
            Err(e) => {
                return note(collected, format!("{}: a link whose target cannot be reached: {e}", path.display()));
            }
        }
    } else {
        None
    };
    let inside = target.as_ref().is_none_or(|t| t.starts_with(&root.tree));
    if target.as_ref().is_some_and(|t| t.is_dir()) {
        // Inside the tree, its files are walked where they are.
        if !inside {
            note(collected, format!("{}: a link to a directory outside the tree, not followed", path.display()));
        }
        return;
    }
    // The name alone decides most files; only the others need the directories around them.
    let decided = matches!(classify_by_name(path), Some(FileKind::Python | FileKind::Yaml | FileKind::Dotenv));
    let candidate = if decided {
        names::candidate(path, explicit)
    } else {
        names::candidate(&root.place(path, explicit), explicit)
    };
    let Some(candidate) = candidate else {
        if explicit {
            note(collected, format!("{}: not a Python, nginx, YAML or dotenv file", path.display()));
        }
        return;
    };
    let (read_from, shown) = match target {
        Some(_) if !inside => {
            let identity = Identity::Path(path.to_path_buf());
            let verdict = Verdict::Skipped(candidate.kind, SkipReason::OutsideTree);
            return push(collected, Entry { identity, path: path.to_path_buf(), explicit, via_symlink: true, verdict });
        }
        Some(target) => {
            let shown = root.shown(&target);
            (target, shown)
        }
        None => (path.to_path_buf(), path.to_path_buf()),
    };
    READ_BUFFER.with_borrow_mut(|buffer| {
        let (too_large, identity) = match read_candidate_into(&read_from, buffer) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied || explicit => {
                return lock(collected).unreadable.push((path.to_path_buf(), format!("{}: {e}", path.display())));
            }
            // Gone or replaced while the walk ran: nothing is left to lint.
            Err(e) => return note(collected, format!("{}: skipped, cannot be read: {e}", path.display())),
        };
        let decoded = decode_utf16(buffer);
        let verdict = judge(&candidate, decoded.as_deref().unwrap_or(buffer), too_large, keep);
        if buffer.capacity() > KEPT_BUFFER_CAPACITY {
            *buffer = Vec::new();
        }
        let Some(verdict) = verdict else { return };
        push(collected, Entry { identity, path: shown, explicit, via_symlink: is_link, verdict });
    });
}

std::thread_local! {
    /// Every file is read into its walking thread's buffer, and only a kept file is copied out:
    /// most files are dropped by the prefilter, and cost no allocation of their own.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer grown past this by a large file is given back rather than kept for the next one.
const KEPT_BUFFER_CAPACITY: usize = 1024 * 1024;

/// The content checks, in order: nginx evidence, the prefilter, then what makes a kept file
/// unanalysable. `None`: not what its name suggested (never selected, earns nothing).
fn judge(candidate: &names::Candidate, bytes: &[u8], too_large: Option<u64>, keep: &Keep) -> Option<Verdict> {
    let kind = candidate.kind;
    if !names::content_fits(candidate, bytes) {
        return None;
    }
    if !keep(kind, bytes) {
        return Some(Verdict::PassedOver);
    }
    if candidate.check == names::ContentCheck::NotMinified && names::looks_minified(bytes) {
        return None;
    }
    if let Some(size) = too_large {
        return Some(Verdict::Skipped(kind, SkipReason::TooLarge { size }));
    }
    if is_binary(bytes) {
        return Some(Verdict::Skipped(kind, SkipReason::Binary));
    }
    Some(Verdict::Kept(kind, bytes.to_vec()))
}

/// Merges files reached through several paths and sorts what is returned: thread timing must
/// never change the output.
fn finish(mut collected: Collected) -> Discovery {
    // Grouped by file (a cheap key); within a group, its own path before a link's, then the
    // shortest spelling. Groups are one entry long unless paths overlap.
    collected.entries.sort_unstable_by(|a, b| a.identity.cmp(&b.identity));
    let mut discovery = Discovery {
        notes: collected.notes,
        missing: collected.missing,
        unreadable: collected.unreadable,
        settings_dirs: collected.settings_dirs,
        dirs: collected.dirs,
        ..Discovery::default()
    };
    let mut entries = collected.entries.into_iter().peekable();
    while let Some(mut best) = entries.next() {
        let mut explicit = best.explicit;
        while let Some(same) = entries.next_if(|e| e.identity == best.identity) {
            explicit |= same.explicit;
            let rank = |e: &Entry| (e.via_symlink, e.path.components().count());
            if (rank(&same), &same.path) < (rank(&best), &best.path) {
                best = same;
            }
        }
        let path = best.path;
        match best.verdict {
            Verdict::Kept(kind, bytes) => discovery.files.push(Found { path, kind, bytes, explicit }),
            Verdict::PassedOver => discovery.passed_over.push(path),
            Verdict::Skipped(kind, reason) => discovery.skipped.push(Skipped { path, kind, explicit, reason }),
        }
    }
    discovery.files.sort_by(|a, b| a.path.cmp(&b.path));
    discovery.skipped.sort_by(|a, b| a.path.cmp(&b.path));
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

fn lock(collected: &Mutex<Collected>) -> std::sync::MutexGuard<'_, Collected> {
    collected.lock().unwrap_or_else(|e| e.into_inner())
}

fn note(collected: &Mutex<Collected>, note: String) {
    lock(collected).notes.push(note);
}

fn push(collected: &Mutex<Collected>, entry: Entry) {
    lock(collected).entries.push(entry);
}

fn is_binary(bytes: &[u8]) -> bool {
    // `contains` on bytes is memchr: this runs on every file read.
    bytes.get(..8192).unwrap_or(bytes).contains(&0)
}

#[cfg(test)]
mod tests;
