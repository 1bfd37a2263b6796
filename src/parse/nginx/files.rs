//! A ready [`IncludeSource`]: parsed files in memory, and a loader for the others.

use std::path::{Path, PathBuf};

use super::Config;
use super::include::IncludeSource;

/// Bytes [`Files::new`] reads from disk at most, over all the files it loads.
pub const MAX_LOADED_BYTES: usize = 64 * 1024 * 1024;

/// Reads and parses a file that was not given.
pub type Loader = Box<dyn FnMut(&Path) -> Option<Config>>;

/// A ready [`IncludeSource`]: files in memory, and unknown files read from disk inside a tree.
pub struct Files {
    pub entries: Vec<FileEntry>,
    loader: Loader,
    /// Canonical; `None`: the disk is not read.
    tree: Option<PathBuf>,
}

pub struct FileEntry {
    pub path: PathBuf,
    pub config: Config,
    /// Read through `load`, not given.
    pub loaded: bool,
}

impl Files {
    /// The given files only: includes of other files stay external, and the disk is not read.
    pub fn new(given: Vec<(PathBuf, Config)>) -> Self {
        Self::with_loader(given, Box::new(|_: &Path| None))
    }

    /// The given files; others inside `tree` (symlinks resolved) are read from disk (decoded
    /// lossily) and parsed when included, up to [`MAX_LOADED_BYTES`] in all; nothing outside the
    /// tree is ever read.
    pub fn within(given: Vec<(PathBuf, Config)>, tree: &Path) -> Self {
        let mut files = Self::reading(given);
        // A tree that cannot be resolved matches no canonical path.
        files.tree = Some(std::fs::canonicalize(tree).unwrap_or_else(|_| tree.to_path_buf()));
        files
    }

    fn reading(given: Vec<(PathBuf, Config)>) -> Self {
        let mut left = MAX_LOADED_BYTES;
        let loader = move |path: &Path| {
            if left == 0 {
                return None;
            }
            let bytes = crate::source::read_file(path).ok()?;
            left = left.saturating_sub(bytes.len());
            // Binary files are not configuration (and would cost the most to parse).
            if bytes.get(..8192).unwrap_or(&bytes).contains(&0) {
                return None;
            }
            Some(super::parse(&String::from_utf8_lossy(&bytes)))
        };
        Self::with_loader(given, Box::new(loader))
    }

    pub fn with_loader(given: Vec<(PathBuf, Config)>, loader: Loader) -> Self {
        let entries = given.into_iter().map(|(path, config)| FileEntry { path, config, loaded: false }).collect();
        Files { entries, loader, tree: None }
    }
}

/// Reads a file (a regular file of at most 10 MiB, opened without blocking), decodes it lossily
/// and parses it.
pub fn read_and_parse(path: &Path) -> Option<Config> {
    let bytes = crate::source::read_file(path).ok()?;
    Some(super::parse(&String::from_utf8_lossy(&bytes)))
}

impl IncludeSource for Files {
    fn ids(&self) -> Vec<usize> {
        (0..self.entries.len()).filter(|&i| self.entries.get(i).is_some_and(|e| !e.loaded)).collect()
    }

    fn path(&self, id: usize) -> Option<&Path> {
        self.entries.get(id).map(|e| e.path.as_path())
    }

    fn config(&self, id: usize) -> Option<&Config> {
        self.entries.get(id).map(|e| &e.config)
    }

    fn tree(&self) -> Option<&Path> {
        self.tree.as_deref()
    }

    fn load(&mut self, path: &Path) -> Option<usize> {
        if !super::glob::within_tree(path, self.tree.as_deref()) {
            return None;
        }
        let config = (self.loader)(path)?;
        self.entries.push(FileEntry { path: path.to_path_buf(), config, loaded: true });
        Some(self.entries.len() - 1)
    }
}
