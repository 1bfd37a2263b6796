//! The project's Python modules: dotted names from file paths, and how an imported dotted path
//! (absolute or relative) finds a project module. What the names of a module are bound to is in
//! `bindings`.

pub use super::bindings::{Binding, Symbols, Update, UpdateKind, collect_symbols};
use crate::parse::module_suffixes::ModuleSuffixes;
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
    by_suffix: ModuleSuffixes,
    /// The first module of each whole dotted path: what a relative import names exactly.
    by_path: HashMap<Vec<String>, ModId>,
}

impl ModuleIndex {
    pub fn new(modules: &[Module<'_>]) -> Self {
        let mut by_path = HashMap::new();
        for (id, module) in modules.iter().enumerate().filter(|(_, m)| !m.path.is_empty()) {
            by_path.entry(module.path.clone()).or_insert(id);
        }
        let by_suffix = ModuleSuffixes::new(modules.iter().map(|m| m.path.clone()).collect());
        ModuleIndex { by_suffix, by_path }
    }

    /// The module a dotted path names: exactly for relative imports, by suffix for absolute ones,
    /// the nearest to `from` in the tree ([`ModuleSuffixes`]).
    pub fn find(&self, modules: &[Module<'_>], path: &[String], relative: bool, from: ModId) -> Option<ModId> {
        if relative {
            return self.by_path.get(path).copied();
        }
        let from_path = modules.get(from).map(|m| m.path.as_slice()).unwrap_or_default();
        self.by_suffix.nearest(path, from_path).first().copied()
    }
}
