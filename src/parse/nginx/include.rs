//! `include` resolution across nginx files, as nginx resolves it.
//!
//! nginx resolves a relative `include` path against the directory of the **main** configuration
//! file (the one nginx is started with, `nginx -c`), not against the file that holds the
//! `include`; crossplane does the same. A glob (`*`, `?`, `[...]`) expands to the matching
//! regular files in byte order, hidden names matching only a pattern that starts with `.`;
//! a glob matching nothing includes nothing. A literal path that does not exist is an error for
//! nginx; here it is an [`Target::External`] target, like a file outside the analysed set.
//!
//! # Where a path is looked for
//!
//! First as written (against the main's directory); then, where the [`IncludeSource`] knows
//! them, through the container paths the repository mounts (`./nginx/conf.d:/etc/nginx/conf.d`);
//! then, when the source allows guessing and nginx's own answer is unknown (an absolute path, or
//! a relative one from a fragment whose main is not in the repository), by the longest path
//! suffix that exactly one file of the repository has (for a glob: one directory). A file nginx
//! packages ship (`mime.types`, `proxy_params`, …, [`is_stock`]) that is not in the repository is
//! a [`Target::Stock`]: it holds no CORS directive. With a tree to read the disk in
//! ([`IncludeSource::tree`]), a path that leads outside it (symlinks resolved) is never read.
//!
//! The whole expansion is bounded: every glob candidate looked at and every target recorded
//! costs one entry of [`MAX_ENTRIES`], shared by all main configurations; past it, includes are
//! not followed and [`Resolution::cut_short`] says where that started.
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
//! Paths are compared after lexical normalisation (`.` and `dir/..` removed): give paths in one
//! consistent form.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

pub use super::files::{FileEntry, Files, Loader, read_and_parse};
use super::glob::{glob_builder, glob_disk, has_magic};
use super::{Config, Directive};
use crate::source::{TextRange, normalize_path};

/// Glob candidates looked at and targets recorded, over a whole resolution: enough for any real
/// repository (hundreds of files, each included a few times), and a bound for files that include
/// each other by glob or globs that would walk the file system.
pub const MAX_ENTRIES: usize = 1_000_000;

/// The nginx files known to the pipeline, by id.
pub trait IncludeSource {
    /// The files given for analysis (candidates for main configurations), in order.
    fn ids(&self) -> Vec<usize>;
    fn path(&self, id: usize) -> Option<&Path>;
    fn config(&self, id: usize) -> Option<&Config>;
    /// Reads and parses `path`, an existing file inside [`IncludeSource::tree`] not yet known;
    /// its new id, or `None` to leave it external.
    fn load(&mut self, path: &Path) -> Option<usize>;
    /// The directory (canonical) under which the file system may be read for files not given
    /// and for globs; `None`: only the given files are ever included, and the disk is not read.
    fn tree(&self) -> Option<&Path> {
        None
    }
    /// The paths of the repository a path in the container may come from (compose bind mounts,
    /// Dockerfile `COPY`), the most specific mount first.
    fn mapped(&self, _container: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
    /// The container directory given file `id` is mounted in, when a mount says so (a main
    /// config mounted as `/etc/nginx/nginx.conf` resolves relative includes against `/etc/nginx`).
    fn container_dir(&self, _id: usize) -> Option<PathBuf> {
        None
    }
    /// Whether an include found nowhere else may resolve by the longest path suffix that exactly
    /// one file (for a glob: one directory) of the given files has.
    fn by_suffix(&self) -> bool {
        false
    }
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
    /// A file nginx packages ship, not in the repository: no CORS directive in it.
    Stock(PathBuf),
    /// Leads outside the tree that may be read (symlinks resolved): never read.
    OutsideTree(PathBuf),
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
    /// `sites` by file and directive range.
    index: HashMap<(usize, TextRange), usize>,
}

/// The main configurations of a set of files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub roots: Vec<Root>,
    /// The first `include` (file, directive) left unexpanded because [`MAX_ENTRIES`] ran out.
    pub cut_short: Option<(usize, TextRange)>,
}

impl Root {
    /// The targets of the `include` directive `d` of file `file` (empty if not an include).
    pub fn targets(&self, file: usize, d: &Directive) -> &[Target] {
        self.site(file, d).map_or(&[], |s| s.targets.as_slice())
    }

    pub fn site(&self, file: usize, d: &Directive) -> Option<&Site> {
        self.index.get(&(file, d.range)).and_then(|i| self.sites.get(*i))
    }
}

/// Files the nginx packages of Debian, Ubuntu and the official image ship, and certbot's: none
/// holds a CORS directive, so an include of one that is not in the repository is known.
const STOCK: [&str; 9] = [
    "mime.types",
    "proxy_params",
    "fastcgi_params",
    "fastcgi.conf",
    "uwsgi_params",
    "scgi_params",
    "snippets/snakeoil.conf",
    "snippets/fastcgi-php.conf",
    "options-ssl-nginx.conf",
];

/// Whether `pattern` names a stock file ([`STOCK`]), wherever it is included from; also with a
/// `.conf` suffix added (`proxy_params.conf`: the official image loads only `*.conf` from
/// `conf.d`, so copies of the stock files are named so there).
pub fn is_stock(pattern: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    STOCK.iter().any(|stock| {
        let with_conf = format!("{stock}.conf");
        [*stock, with_conf.as_str()]
            .iter()
            .any(|name| pattern == *name || pattern.strip_suffix(name).is_some_and(|rest| rest.ends_with('/')))
    })
}

/// Resolves the includes of every main configuration among the given files.
pub fn resolve(source: &mut dyn IncludeSource) -> Resolution {
    let given = source.ids();
    let mut r = Resolver { known: HashMap::new(), globs: HashMap::new(), left: MAX_ENTRIES, cut_short: None };
    for &id in &given {
        if let Some(p) = source.path(id) {
            r.known.entry(normalize_path(p)).or_insert(id);
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
    let roots =
        views.into_iter().enumerate().filter(|(i, _)| is_root.get(*i) == Some(&true)).map(|(_, view)| view).collect();
    Resolution { roots, cut_short: r.cut_short }
}

struct Resolver {
    /// Normalised path to id, for every file known so far.
    known: HashMap<PathBuf, usize>,
    /// Expanded globs, by joined pattern.
    globs: HashMap<PathBuf, Vec<PathBuf>>,
    /// Entries of [`MAX_ENTRIES`] left.
    left: usize,
    cut_short: Option<(usize, TextRange)>,
}

/// Whether a file is a main configuration nginx starts with (it holds `http` or `events`), so its
/// directory is nginx's prefix for relative includes.
fn is_real_main(config: &Config) -> bool {
    config.directives.iter().any(|d| d.name == "http" || d.name == "events")
}

impl Resolver {
    /// The includes of `main` resolved against its directory (breadth first, as crossplane).
    fn view(&mut self, source: &mut dyn IncludeSource, main: usize) -> Root {
        let base = source.path(main).and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let container = source.container_dir(main);
        // Where nginx's prefix is unknown, a relative include may be anywhere.
        let guess_relative = source.by_suffix() && !source.config(main).is_some_and(is_real_main);
        let mut root = Root { main, files: vec![main], sites: Vec::new(), index: HashMap::new() };
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
                let targets = if self.left == 0 {
                    vec![Target::External(resolved.clone())]
                } else {
                    let context = Lookup { container: container.as_deref(), guess_relative };
                    self.targets(source, &pattern, &resolved, context)
                };
                if self.left == 0 {
                    self.cut_short.get_or_insert((file, directive));
                }
                for target in &targets {
                    if let Target::File(id) = target
                        && seen.insert(*id)
                    {
                        root.files.push(*id);
                    }
                }
                self.left = self.left.saturating_sub(targets.len());
                root.index.insert((file, directive), root.sites.len());
                root.sites.push(Site { file, directive, line, pattern, resolved, targets });
            }
        }
        mark_cycles(&mut root);
        root
    }

    /// What `pattern` (joined to the main's directory as `resolved`) includes, looked for in the
    /// order of the module documentation.
    fn targets(
        &mut self,
        source: &mut dyn IncludeSource,
        pattern: &str,
        resolved: &Path,
        context: Lookup<'_>,
    ) -> Vec<Target> {
        let magic = has_magic(pattern);
        let first = self.expand(source, resolved);
        if !first.is_empty() || (magic && self.dir_known(source, resolved)) {
            return first;
        }
        let mut elsewhere: Vec<PathBuf> = Vec::new();
        let absolute = Path::new(pattern).is_absolute();
        if absolute {
            elsewhere.extend(source.mapped(Path::new(pattern)));
        } else if let Some(dir) = context.container {
            elsewhere.extend(source.mapped(&dir.join(pattern)));
        }
        for candidate in elsewhere {
            let found = self.expand(source, &candidate);
            if found.iter().any(|t| matches!(t, Target::File(_))) || (magic && self.dir_known(source, &candidate)) {
                return found;
            }
        }
        if source.by_suffix()
            && (absolute || context.guess_relative)
            && let Some(found) = self.by_suffix(pattern)
        {
            return found;
        }
        if magic {
            // A glob whose directory is nowhere in reach may include anything: unknown.
            return vec![Target::External(resolved.to_path_buf())];
        }
        if is_stock(pattern) {
            return vec![Target::Stock(resolved.to_path_buf())];
        }
        vec![Target::External(resolved.to_path_buf())]
    }

    /// The targets of one path: a known file, a file read from the tree, or the matches of a glob
    /// (empty when nothing matches, or when the path is a literal that is not found).
    fn expand(&mut self, source: &mut dyn IncludeSource, path: &Path) -> Vec<Target> {
        let text = path.to_string_lossy();
        if !has_magic(&text) {
            return match self.lookup(source, path) {
                Found::File(id) => vec![Target::File(id)],
                Found::Outside => vec![Target::OutsideTree(path.to_path_buf())],
                Found::Missing => Vec::new(),
            };
        }
        let mut out = Vec::new();
        for p in self.glob(source, path) {
            match self.lookup(source, &p) {
                Found::File(id) => out.push(Target::File(id)),
                Found::Outside => out.push(Target::OutsideTree(p)),
                Found::Missing => out.push(Target::External(p)),
            }
        }
        if out.is_empty() && source.tree().is_some() && !super::glob::within_tree(path, source.tree()) {
            out.push(Target::OutsideTree(path.to_path_buf()));
        }
        out
    }

    fn lookup(&mut self, source: &mut dyn IncludeSource, path: &Path) -> Found {
        let key = normalize_path(path);
        if let Some(&id) = self.known.get(&key) {
            return Found::File(id);
        }
        let Some(tree) = source.tree() else { return Found::Missing };
        if !path.is_file() {
            return Found::Missing;
        }
        if !super::glob::within_tree(path, Some(tree)) {
            return Found::Outside;
        }
        let Some(id) = source.load(path) else { return Found::Missing };
        self.known.insert(key, id);
        Found::File(id)
    }

    /// Whether what a glob matches is known: some known file lies under the directory part of
    /// `pattern` (before any glob), or that directory lies inside the tree read from disk (which
    /// then shows everything it holds, or that it does not exist).
    fn dir_known(&self, source: &dyn IncludeSource, pattern: &Path) -> bool {
        let dir = literal_dir(pattern);
        self.known.keys().any(|k| k.starts_with(&dir))
            || source.tree().is_some_and(|tree| super::glob::within_tree(&dir, Some(tree)))
    }

    /// The paths a glob names: on disk inside the tree (when one may be read) and among the known
    /// files, sorted.
    fn glob(&mut self, source: &dyn IncludeSource, pattern: &Path) -> Vec<PathBuf> {
        if let Some(found) = self.globs.get(pattern) {
            return found.clone();
        }
        let mut found = match source.tree() {
            Some(tree) => glob_disk(pattern, tree, &mut self.left),
            None => Vec::new(),
        };
        if let Ok(glob) = glob_builder(&normalize_path(pattern).to_string_lossy()) {
            let matcher = glob.compile_matcher();
            let on_disk: HashSet<PathBuf> = found.iter().map(|p| normalize_path(p)).collect();
            let candidates = self.known.len();
            if candidates > self.left {
                self.left = 0;
                return found;
            }
            self.left -= candidates;
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

    /// The known files the longest suffix of `pattern` leads to, when that suffix leads to exactly
    /// one file (for a glob: one directory, and the files of it that match).
    fn by_suffix(&mut self, pattern: &str) -> Option<Vec<Target>> {
        let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        let first_magic = parts.iter().position(|p| has_magic(p)).unwrap_or(parts.len());
        // A glob keeps at least its last literal directory: `*.conf` alone would match anything.
        let shortest = if first_magic < parts.len() { parts.len() - first_magic + 1 } else { 1 };
        for len in (shortest..=parts.len()).rev() {
            let suffix = parts.get(parts.len() - len..)?.join("/");
            let Ok(glob) = glob_builder(&format!("**/{suffix}")) else { return None };
            let matcher = glob.compile_matcher();
            let cost = self.known.len();
            if cost > self.left {
                self.left = 0;
                return None;
            }
            self.left -= cost;
            let pattern_path = Path::new(&suffix);
            let mut matched: Vec<(&PathBuf, usize)> = self
                .known
                .iter()
                .filter(|(p, _)| matcher.is_match(p) && !hidden_match(p, pattern_path))
                .map(|(p, id)| (p, *id))
                .collect();
            if matched.is_empty() {
                continue;
            }
            // Where the suffix starts in each match: one place, or the include is ambiguous.
            let tails = suffix.split('/').count();
            let dirs: HashSet<PathBuf> = matched
                .iter()
                .map(|(p, _)| {
                    let keep = p.components().count().saturating_sub(tails);
                    p.components().take(keep).collect::<PathBuf>()
                })
                .collect();
            let unique = if first_magic < parts.len() { dirs.len() == 1 } else { matched.len() == 1 };
            if !unique {
                return None;
            }
            matched.sort_by(|a, b| a.0.as_os_str().as_encoded_bytes().cmp(b.0.as_os_str().as_encoded_bytes()));
            return Some(matched.into_iter().map(|(_, id)| Target::File(id)).collect());
        }
        None
    }
}

/// How one view looks beyond the path as written.
#[derive(Clone, Copy)]
struct Lookup<'a> {
    /// The container directory of the main configuration.
    container: Option<&'a Path>,
    /// Relative includes may be looked for by suffix.
    guess_relative: bool,
}

enum Found {
    File(usize),
    Outside,
    Missing,
}

/// The directory part of a pattern before its first glob component.
fn literal_dir(pattern: &Path) -> PathBuf {
    let normalized = normalize_path(pattern);
    let mut out = PathBuf::new();
    let components: Vec<Component> = normalized.components().collect();
    let last = components.len().saturating_sub(1);
    for (i, c) in components.iter().enumerate() {
        if i == last || has_magic(&c.as_os_str().to_string_lossy()) {
            break;
        }
        out.push(c.as_os_str());
    }
    out
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
