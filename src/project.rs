//! The project a file belongs to: its root (the nearest folder above it with `.git`, or with a
//! corslint configuration that says `root = true`). Named files and editor buffers are linted
//! inside that project, so findings that need two files survive a run that names only one.

use crate::config;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Finds project roots, asking each folder once.
#[derive(Debug, Default)]
pub struct Roots {
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl Roots {
    /// The root of the project that holds `path` (a file or a folder), if any folder above it is one.
    pub fn of(&mut self, path: &Path) -> Option<PathBuf> {
        let absolute = config::absolute(path);
        let dir = if absolute.is_dir() { absolute } else { absolute.parent()?.to_path_buf() };
        self.of_dir(&dir)
    }

    fn of_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.by_dir.get(dir) {
            return found.clone();
        }
        // `.git` is a folder in a clone and a file in a worktree or submodule.
        let found = if dir.join(".git").exists() || config::declares_root(dir) {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|parent| self.of_dir(parent))
        };
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// What a run that names files (or reads stdin) looks at: the projects around them, walked whole,
/// and the named paths whose findings are reported.
#[derive(Debug)]
pub struct Scope {
    /// Folders to walk: each named file's project root, and each named folder.
    pub walk: Vec<PathBuf>,
    /// The paths the user named (absolute), and stdin's name.
    pub named: Named,
}

/// The named paths, absolute.
#[derive(Debug, Default)]
pub struct Named {
    pub files: HashSet<PathBuf>,
    pub dirs: Vec<PathBuf>,
    /// Named configuration files: every finding of a file they govern is reported.
    pub configs: HashSet<PathBuf>,
}

impl Named {
    /// Whether findings in `path` are reported: a named file, a file under a named folder, or a file
    /// governed by a named configuration (`governed_by`, asked only when needed).
    pub fn covers(&self, path: &Path, governed_by: &mut dyn FnMut(&Path) -> Option<PathBuf>) -> bool {
        let absolute = config::absolute(path);
        self.files.contains(&absolute)
            || self.dirs.iter().any(|d| absolute.starts_with(d))
            || (!self.configs.is_empty()
                && governed_by(path).is_some_and(|c| self.configs.contains(&config::absolute(&c))))
    }
}

impl Scope {
    /// The scope of a run over `paths` (and stdin named `stdin`): `None` when nothing but folders
    /// is named, which are walked as their own trees, as always.
    pub fn of(paths: &[PathBuf], stdin: Option<&Path>) -> Option<Scope> {
        let mut named = Named::default();
        let mut files: Vec<PathBuf> = Vec::new();
        for path in paths.iter().filter(|p| p.as_os_str() != "-") {
            let absolute = config::absolute(path);
            if absolute.is_dir() {
                named.dirs.push(absolute);
            } else if absolute.is_file() {
                if absolute.file_name().and_then(|n| n.to_str()).is_some_and(|n| config::CONFIG_NAMES.contains(&n)) {
                    named.configs.insert(absolute.clone());
                }
                files.push(absolute.clone());
                named.files.insert(absolute);
            }
        }
        if let Some(name) = stdin {
            let absolute = config::absolute(name);
            files.push(absolute.clone());
            named.files.insert(absolute);
        }
        if files.is_empty() {
            return None;
        }
        let mut roots = Roots::default();
        let fallback = common_parent(&files.iter().chain(&named.dirs).cloned().collect::<Vec<_>>());
        let mut walk: Vec<PathBuf> = Vec::new();
        for file in &files {
            if let Some(root) = roots.of(file).or_else(|| fallback.clone()) {
                walk.push(root);
            }
        }
        walk.extend(named.dirs.iter().cloned());
        walk.sort();
        walk.dedup();
        // A folder inside another one is walked with it.
        let outer = walk.clone();
        walk.retain(|dir| !outer.iter().any(|o| o != dir && dir.starts_with(o)));
        // A named link inside the project (`sites-enabled/api` → `../sites-available/api`) is linted
        // under its target's path: findings there are the named file's. A target outside is never read.
        for file in &files {
            let Ok(target) = std::fs::canonicalize(file) else { continue };
            let inside = walk.iter().any(|root| std::fs::canonicalize(root).is_ok_and(|root| target.starts_with(root)));
            if target != *file && inside {
                named.files.insert(target);
            }
        }
        Some(Scope { walk, named })
    }
}

/// The folder that holds every path (as absolute paths): the root when no project marker is found.
pub fn common_parent(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut dirs = paths.iter().map(|p| {
        let absolute = config::absolute(p);
        if absolute.is_dir() { absolute } else { absolute.parent().map(Path::to_path_buf).unwrap_or(absolute) }
    });
    let mut common = dirs.next()?;
    for dir in dirs {
        while !dir.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_git_or_declared_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("git");
        std::fs::create_dir_all(repo.join("services/api/app")).expect("dirs");
        std::fs::write(repo.join("services/api/app/main.py"), "").expect("file");
        let mut roots = Roots::default();
        assert_eq!(roots.of(&repo.join("services/api/app/main.py")), Some(repo.clone()));
        std::fs::write(repo.join("services/api/corslint.toml"), "root = true\n").expect("config");
        let mut roots = Roots::default();
        assert_eq!(roots.of(&repo.join("services/api/app/main.py")), Some(repo.join("services/api")));
        std::fs::write(repo.join("services/api/corslint.toml"), "root = false\n").expect("config");
        assert_eq!(Roots::default().of(&repo.join("services/api/app")), Some(repo.clone()));
    }

    #[test]
    fn the_common_parent_of_named_files() {
        let paths = [PathBuf::from("/srv/a/x/one.py"), PathBuf::from("/srv/a/y/two.conf")];
        assert_eq!(common_parent(&paths), Some(PathBuf::from("/srv/a")));
    }
}
