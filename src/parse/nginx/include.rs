//! `include` resolution across nginx files, as nginx resolves it.
//!
//! nginx resolves a relative `include` path against the directory of the **main** configuration
//! file (the one nginx is started with, `nginx -c`), not against the file that holds the
//! `include`; crossplane does the same. A glob (`*`, `?`, `[...]`) expands to the matching
//! regular files in byte order, hidden names matching only a pattern that starts with `.`;
//! a glob matching nothing includes nothing. A literal path that does not exist is an error for
//! nginx; here it is an [`Target::External`] target, like a file outside the analysed set.
//!
//! # Which files are main configurations
//!
//! A file is a main configuration when no other main configuration reaches it through its
//! includes. Worked out in rounds: each given file is first resolved as if it were a main
//! (against its own directory); files reached by no other file are mains; every file they reach
//! is covered; then files reached only by covered files (whose own view was wrong: they are
//! fragments) become mains too, and so on; a remaining include cycle takes its first file as
//! main. So a fragment linted alone resolves against its own directory, and a fragment pulled in
//! by a main never contributes the files its wrong self-view would reach.
//!
//! # API
//!
//! The pipeline implements [`IncludeSource`] over its own file store (or uses [`Files`]) and
//! calls [`resolve`], which returns one [`Root`] per main configuration: the files it reaches in
//! crossplane's order and, for each `include` directive among them, its [`Target`]s. To inline
//! includes, look a directive up with [`Root::targets`] and descend into `Target::File` targets
//! (in the including directive's context); `Target::Cycle` closes an include cycle and must not
//! be followed. Following only `File` targets always terminates, but a file included from
//! several places is visited once per place, as nginx does: bound the total work.
//!
//! Files that exist on disk but are not in the set (a glob matching `sites-enabled/example`,
//! which discovery did not take for nginx) are read through [`IncludeSource::load`]; it may
//! refuse (say, outside the repository), and the target is then external. Paths are compared
//! after lexical normalisation (`.` and `dir/..` removed): give paths in one consistent form.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

pub use super::files::{FileEntry, Files, Loader, read_and_parse};
use super::glob::{glob_builder, glob_disk, has_magic};
use super::{Config, Directive};
use crate::source::TextRange;

/// The nginx files known to the pipeline, by id.
pub trait IncludeSource {
    /// The files given for analysis (candidates for main configurations), in order.
    fn ids(&self) -> Vec<usize>;
    fn path(&self, id: usize) -> Option<&Path>;
    fn config(&self, id: usize) -> Option<&Config>;
    /// Reads and parses `path`, an existing file not yet known; its new id, or `None` to leave
    /// it external.
    fn load(&mut self, path: &Path) -> Option<usize>;
}

/// What one `include` pulls in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A parsed file, by id.
    File(usize),
    /// A file already being included further up the chain: following it would loop.
    Cycle(usize),
    /// Not analysed: missing, refused by `load`, or unreadable.
    External(PathBuf),
}

/// One `include` directive reached from a main configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The file holding the directive.
    pub file: usize,
    /// The range of the `include` directive in that file.
    pub directive: TextRange,
    pub line: usize,
    /// The pattern as written.
    pub pattern: String,
    /// The pattern joined to the main configuration's directory, as nginx opens it.
    pub resolved: PathBuf,
    pub targets: Vec<Target>,
}

/// A main configuration and everything it includes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    pub main: usize,
    /// Every file reached, each once, main first, in crossplane's order.
    pub files: Vec<usize>,
    /// Every `include` directive of those files, file by file in `files` order, then in
    /// source order.
    pub sites: Vec<Site>,
}

impl Root {
    /// The targets of the `include` directive `d` of file `file` (empty if not an include).
    pub fn targets(&self, file: usize, d: &Directive) -> &[Target] {
        self.site(file, d).map_or(&[], |s| s.targets.as_slice())
    }

    pub fn site(&self, file: usize, d: &Directive) -> Option<&Site> {
        self.sites.iter().find(|s| s.file == file && s.directive == d.range)
    }
}

/// Resolves the includes of every main configuration among the given files.
pub fn resolve(source: &mut dyn IncludeSource) -> Vec<Root> {
    let given = source.ids();
    let mut r = Resolver { known: HashMap::new(), globs: HashMap::new() };
    for &id in &given {
        if let Some(p) = source.path(id) {
            r.known.entry(normalize(p)).or_insert(id);
        }
    }
    // Each given file seen as a main, and which other views reach it.
    let views: Vec<Root> = given.iter().map(|&id| r.view(source, id)).collect();
    let index: HashMap<usize, usize> = given.iter().enumerate().map(|(i, &id)| (id, i)).rev().collect();
    let mut reached_by: Vec<Vec<usize>> = vec![Vec::new(); given.len()];
    for (j, view) in views.iter().enumerate() {
        for f in &view.files {
            if let Some(by) = index.get(f).filter(|&&i| i != j).and_then(|&i| reached_by.get_mut(i)) {
                by.push(j);
            }
        }
    }
    // Rounds: mains are the uncovered files that no uncovered file reaches (or, in a cycle
    // that nothing else reaches, its first file); what they reach is covered.
    let mut covered = vec![false; given.len()];
    let mut is_root = vec![false; given.len()];
    loop {
        let uncovered: Vec<usize> = (0..given.len()).filter(|&i| covered.get(i) == Some(&false)).collect();
        let Some(&first) = uncovered.first() else {
            break;
        };
        let mut chosen: Vec<usize> = uncovered
            .iter()
            .copied()
            .filter(|&i| reached_by.get(i).is_some_and(|by| by.iter().all(|&j| covered.get(j) == Some(&true))))
            .collect();
        if chosen.is_empty() {
            chosen.push(first);
        }
        for i in chosen {
            let Some(view) = views.get(i) else { continue };
            for k in view.files.iter().filter_map(|f| index.get(f)) {
                if let Some(c) = covered.get_mut(*k) {
                    *c = true;
                }
            }
            if let Some(c) = covered.get_mut(i) {
                *c = true;
            }
            if let Some(r) = is_root.get_mut(i) {
                *r = true;
            }
        }
    }
    views.into_iter().enumerate().filter(|(i, _)| is_root.get(*i) == Some(&true)).map(|(_, view)| view).collect()
}

struct Resolver {
    /// Normalised path to id, for every file known so far.
    known: HashMap<PathBuf, usize>,
    /// Expanded globs, by joined pattern.
    globs: HashMap<PathBuf, Vec<PathBuf>>,
}

impl Resolver {
    /// The includes of `main` resolved against its directory (breadth first, as crossplane).
    fn view(&mut self, source: &mut dyn IncludeSource, main: usize) -> Root {
        let base = source.path(main).and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let mut root = Root { main, files: vec![main], sites: Vec::new() };
        let mut seen: HashSet<usize> = HashSet::from([main]);
        let mut next = 0;
        while let Some(&file) = root.files.get(next) {
            next += 1;
            let found: Vec<(TextRange, usize, String)> = match source.config(file) {
                Some(config) => config
                    .walk()
                    .filter(|d| d.name == "include")
                    .filter_map(|d| Some((d.range, d.line, d.arg(0)?.to_string())))
                    .collect(),
                None => continue,
            };
            for (directive, line, pattern) in found {
                let resolved = base.join(&pattern);
                let mut targets = Vec::new();
                for path in self.expand(&resolved) {
                    let target = match self.lookup(source, &path) {
                        Some(id) => {
                            if seen.insert(id) {
                                root.files.push(id);
                            }
                            Target::File(id)
                        }
                        None => Target::External(path),
                    };
                    targets.push(target);
                }
                root.sites.push(Site { file, directive, line, pattern, resolved, targets });
            }
        }
        mark_cycles(&mut root);
        root
    }

    fn lookup(&mut self, source: &mut dyn IncludeSource, path: &Path) -> Option<usize> {
        let key = normalize(path);
        if let Some(&id) = self.known.get(&key) {
            return Some(id);
        }
        if !path.is_file() {
            return None;
        }
        let id = source.load(path)?;
        self.known.insert(key, id);
        Some(id)
    }

    /// The paths a pattern names: itself if literal, else the sorted matches.
    fn expand(&mut self, pattern: &Path) -> Vec<PathBuf> {
        let text = pattern.to_string_lossy();
        if !has_magic(&text) {
            return vec![pattern.to_path_buf()];
        }
        if let Some(found) = self.globs.get(pattern) {
            return found.clone();
        }
        let mut found = glob_disk(pattern);
        // Known files that exist only in memory (stdin) match too.
        if let Ok(glob) = glob_builder(&normalize(pattern).to_string_lossy()) {
            let matcher = glob.compile_matcher();
            let on_disk: HashSet<PathBuf> = found.iter().map(|p| normalize(p)).collect();
            for p in self.known.keys() {
                if matcher.is_match(p) && !on_disk.contains(p) && !hidden_match(p, pattern) {
                    found.push(p.clone());
                }
            }
        }
        found.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
        self.globs.insert(pattern.to_path_buf(), found.clone());
        found
    }
}

/// A hidden file name matched by a pattern component that does not start with `.`.
fn hidden_match(path: &Path, pattern: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().starts_with('.'));
    let pat = pattern.file_name().map(|n| n.to_string_lossy().starts_with('.'));
    name == Some(true) && pat != Some(true)
}

/// Marks the edges that close an include cycle (back edges of a depth-first walk from main).
fn mark_cycles(root: &mut Root) {
    // Outgoing edges (site index, target index) of each file, in order.
    let mut out: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (si, s) in root.sites.iter().enumerate() {
        let edges = out.entry(s.file).or_default();
        edges.extend((0..s.targets.len()).map(|ti| (si, ti)));
    }
    let target = |root: &Root, (si, ti): (usize, usize)| match root.sites.get(si)?.targets.get(ti)? {
        Target::File(id) => Some(*id),
        _ => None,
    };
    // Files on the current path, and files finished.
    let mut on_path: HashSet<usize> = HashSet::from([root.main]);
    let mut done: HashSet<usize> = HashSet::new();
    let mut cycles = Vec::new();
    let mut stack: Vec<(usize, usize)> = vec![(root.main, 0)];
    while let Some((file, pos)) = stack.last_mut() {
        let file = *file;
        let Some(&edge) = out.get(&file).and_then(|e| e.get(*pos)) else {
            on_path.remove(&file);
            done.insert(file);
            stack.pop();
            continue;
        };
        *pos += 1;
        let Some(to) = target(root, edge) else {
            continue;
        };
        if on_path.contains(&to) {
            cycles.push(edge);
        } else if !done.contains(&to) {
            on_path.insert(to);
            stack.push((to, 0));
        }
    }
    for (si, ti) in cycles {
        if let Some(t) = root.sites.get_mut(si).and_then(|s| s.targets.get_mut(ti))
            && let Target::File(id) = *t
        {
            *t = Target::Cycle(id);
        }
    }
}

/// `.` and `dir/..` removed, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
