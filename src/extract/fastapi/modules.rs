//! The project's Python modules: dotted names from file paths, and how an imported dotted path
//! (absolute or relative) finds a project module. What the names of a module are bound to is in
//! `bindings`.

pub use super::bindings::{Binding, Symbols, Update, UpdateKind, collect_symbols};
use crate::source::FileId;
use std::collections::HashMap;
use tree_sitter::Node;

pub type ModId = usize;

/// What an import statement binds a name to.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRef {
    /// The module path; for relative imports already made absolute against the importing file.
    pub module: Vec<String>,
    /// The module path came from a relative import and names a project file path exactly.
    pub relative: bool,
    /// `from module import name`; `None` for `import module`.
    pub name: Option<String>,
}

/// A Python file of the project.
#[derive(Debug)]
pub struct Module<'t> {
    pub file: FileId,
    /// Dotted path from the file path (`backend/app/core/config.py` → `backend.app.core.config`).
    pub path: Vec<String>,
    /// The package relative imports start from (the file's directory).
    pub package: Vec<String>,
    /// The file's directory, absolute (what `.env` files and project roots are found from).
    pub dir: std::path::PathBuf,
    pub text: &'t str,
    pub root: Node<'t>,
    pub symbols: Symbols<'t>,
}

impl<'t> Module<'t> {
    /// `absolute_path`: the file's absolute path, so module names never depend on the directory
    /// corslint is started from.
    pub fn new(file: FileId, absolute_path: &std::path::Path, text: &'t str, root: Node<'t>) -> Self {
        let (path, mut package) = crate::parse::python_imports::module_of(absolute_path);
        package.shrink_to_fit();
        let symbols = collect_symbols(root, text, &package);
        let dir = absolute_path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        Module { file, path, package, dir, text, root, symbols }
    }
}

/// Finds project modules by dotted path.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    by_last: HashMap<String, Vec<ModId>>,
    /// The first module of each whole dotted path: a relative import names one exactly, and a
    /// monorepo has thousands of `app.config`s under the same last name.
    by_path: HashMap<Vec<String>, ModId>,
}

impl ModuleIndex {
    pub fn new(modules: &[Module<'_>]) -> Self {
        let mut by_last: HashMap<String, Vec<ModId>> = HashMap::new();
        let mut by_path = HashMap::new();
        for (id, module) in modules.iter().enumerate() {
            if let Some(last) = module.path.last() {
                by_last.entry(last.clone()).or_default().push(id);
                by_path.entry(module.path.clone()).or_insert(id);
            }
        }
        ModuleIndex { by_last, by_path }
    }

    /// The module a dotted path names: exactly for relative imports, by suffix for absolute ones
    /// (the import root is unknown: `app.core.config` may live at `backend/app/core/config.py`).
    /// Several candidates: the one closest to `from` in the tree.
    pub fn find(&self, modules: &[Module<'_>], path: &[String], relative: bool, from: ModId) -> Option<ModId> {
        if relative {
            return self.by_path.get(path).copied();
        }
        let last = path.last()?;
        let candidates = self.by_last.get(last)?;
        let from_path = modules.get(from).map(|m| m.path.as_slice()).unwrap_or_default();
        candidates
            .iter()
            .copied()
            .filter(|&id| {
                let Some(m) = modules.get(id) else { return false };
                m.path.ends_with(path)
            })
            .max_by_key(|&id| {
                let shared =
                    modules.get(id).map_or(0, |m| m.path.iter().zip(from_path).take_while(|(a, b)| a == b).count());
                (shared, std::cmp::Reverse(id))
            })
    }
}
