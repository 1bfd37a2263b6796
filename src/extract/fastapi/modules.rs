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

/// Every module's dotted path, and how a dotted path finds one; ids are positions in the project's
/// Python files with a tree, in file order.
#[derive(Debug, Default)]
pub struct ModulePaths {
    by_suffix: ModuleSuffixes,
    /// The first module of each whole dotted path: what a relative import names exactly.
    by_path: HashMap<Vec<String>, ModId>,
}

impl ModulePaths {
    pub fn new(paths: Vec<Vec<String>>) -> Self {
        let mut by_path = HashMap::new();
        for (id, path) in paths.iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            by_path.entry(path.clone()).or_insert(id);
        }
        ModulePaths { by_suffix: ModuleSuffixes::new(paths), by_path }
    }

    fn path(&self, id: ModId) -> &[String] {
        self.by_suffix.paths().get(id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The module a dotted path names: exactly for relative imports, by suffix for absolute ones,
    /// the nearest to `from` in the tree ([`ModuleSuffixes`]).
    pub fn find(&self, path: &[String], relative: bool, from: ModId) -> Option<ModId> {
        if relative {
            return self.by_path.get(path).copied();
        }
        self.by_suffix.nearest(path, self.path(from)).first().copied()
    }

    /// Every module an import of `path` from `from` may load: what [`Self::find`] answers, and
    /// the modules that tie with it.
    pub fn candidates(&self, path: &[String], from: ModId) -> impl Iterator<Item = ModId> {
        let exact = self.by_path.get(path).copied();
        exact.into_iter().chain(self.by_suffix.nearest(path, self.path(from)))
    }
}

/// Finds project modules by dotted path, for an extraction that holds every module or one group of
/// them ([`ModuleIndex::group`]).
#[derive(Debug, Default)]
pub struct ModuleIndex {
    paths: std::rc::Rc<ModulePaths>,
    group: Option<Group>,
}

/// The modules a group's extraction holds: their ids among every module, and whether a lookup
/// named a module outside the group (the group was cut wrong, and its facts are not the project's).
#[derive(Debug, Default)]
struct Group {
    members: Vec<ModId>,
    local: HashMap<ModId, ModId>,
    escaped: std::cell::Cell<bool>,
}

impl ModuleIndex {
    pub fn new(modules: &[Module<'_>]) -> Self {
        let paths = ModulePaths::new(modules.iter().map(|m| m.path.clone()).collect());
        ModuleIndex { paths: std::rc::Rc::new(paths), group: None }
    }

    /// The index of a group's extraction: `members` are ids among `paths`, and local id `i` is
    /// `members[i]`.
    pub fn group(paths: std::rc::Rc<ModulePaths>, members: Vec<ModId>) -> Self {
        let local = members.iter().enumerate().map(|(local, &global)| (global, local)).collect();
        ModuleIndex { paths, group: Some(Group { members, local, escaped: std::cell::Cell::new(false) }) }
    }

    /// The module a dotted path names, seen from module `from` ([`ModulePaths::find`]).
    pub fn find(&self, path: &[String], relative: bool, from: ModId) -> Option<ModId> {
        match &self.group {
            None => self.paths.find(path, relative, from),
            Some(group) => {
                let found = self.paths.find(path, relative, *group.members.get(from)?)?;
                self.local(group, found)
            }
        }
    }

    /// [`Self::find`] seen from the project's first module, wherever the group is.
    pub fn find_from_first(&self, path: &[String]) -> Option<ModId> {
        let found = self.paths.find(path, false, 0)?;
        match &self.group {
            None => Some(found),
            Some(group) => self.local(group, found),
        }
    }

    fn local(&self, group: &Group, global: ModId) -> Option<ModId> {
        let local = group.local.get(&global).copied();
        if local.is_none() {
            group.escaped.set(true);
        }
        local
    }

    /// Whether a lookup named a module outside the group.
    pub fn escaped(&self) -> bool {
        self.group.as_ref().is_some_and(|g| g.escaped.get())
    }
}
