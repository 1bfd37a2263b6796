//! A ready [`IncludeSource`]: parsed files in memory, and a loader for the others.

use std::path::{Path, PathBuf};

use super::Config;
use super::include::IncludeSource;

/// Reads and parses a file that was not given.
pub type Loader = Box<dyn FnMut(&Path) -> Option<Config>>;

/// A ready [`IncludeSource`]: files in memory, and unknown files read from disk.
pub struct Files {
    pub entries: Vec<FileEntry>,
    loader: Loader,
}

pub struct FileEntry {
    pub path: PathBuf,
    pub config: Config,
    /// Read through `load`, not given.
    pub loaded: bool,
}

impl Files {
    /// The given files; others are read from disk (decoded lossily) and parsed when included.
    pub fn new(given: Vec<(PathBuf, Config)>) -> Self {
        Self::with_loader(given, Box::new(read_and_parse))
    }

    pub fn with_loader(given: Vec<(PathBuf, Config)>, loader: Loader) -> Self {
        let entries = given.into_iter().map(|(path, config)| FileEntry { path, config, loaded: false }).collect();
        Files { entries, loader }
    }
}

/// Reads a file, decodes it lossily and parses it.
pub fn read_and_parse(path: &Path) -> Option<Config> {
    let bytes = std::fs::read(path).ok()?;
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

    fn load(&mut self, path: &Path) -> Option<usize> {
        let config = (self.loader)(path)?;
        self.entries.push(FileEntry { path: path.to_path_buf(), config, loaded: true });
        Some(self.entries.len() - 1)
    }
}
