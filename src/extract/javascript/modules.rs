//! Following `import`/`require` between the parsed JavaScript and TypeScript files of a project:
//! CORS options, origin lists and `cors()` middleware exported by a config module
//! (`import { corsOptions } from "./config/cors"`, `require("../config/cors")`,
//! `import corsMiddleware from "@/middlewares/cors"` through a tsconfig/jsconfig `paths` alias,
//! TypeScript's `import settings = require("./settings")`, and a namespace an index re-exports,
//! `export * as security from "./security"`).
//!
//! A module is found as Node and TypeScript find it (the exact file, then the extensions, then
//! `index.*`), but only among the files this run parsed: a module that exists on disk without
//! being parsed (the prefilter passed it over) stops the search, and what it exports is Unknown,
//! never a guess at another file. Each module gets one evaluator; each exported name is evaluated
//! once; a cycle, or a chain deeper than [`MAX_MODULES`], is Unknown.

use super::value::{Evaluator, Export, Imported, Linker, Lookup, Value, ValueKind};
use crate::parse::Parsed;
use crate::parse::javascript::{Dialect, parse};
use crate::source::{FileId, SourceFile, normalize_path};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use tree_sitter::Node;

/// Modules followed from one value before the rest is Unknown (a config module re-exported by an
/// index is three).
const MAX_MODULES: usize = 8;

/// How many `extends` a tsconfig follows.
const MAX_EXTENDS: usize = 4;

/// Tried in this order after the path as written: TypeScript's sources first, as `tsc` and the
/// bundlers resolve them.
const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

pub struct Modules<'t> {
    files: &'t [SourceFile],
    parsed: &'t [Parsed],
    by_path: HashMap<PathBuf, FileId>,
    evaluators: RefCell<HashMap<FileId, Rc<Evaluator<'t>>>>,
    values: RefCell<HashMap<(FileId, Imported), Option<Value>>>,
    /// The exports being evaluated now, outermost first: a name met again is a cycle.
    following: RefCell<Vec<(FileId, Imported)>>,
    /// The alias configuration that governs each directory asked about.
    aliases: RefCell<HashMap<PathBuf, Option<Rc<Aliases>>>>,
}

impl<'t> Modules<'t> {
    pub fn new(files: &'t [SourceFile], parsed: &'t [Parsed]) -> Self {
        let by_path = parsed
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p, Parsed::JavaScript(_)))
            .filter_map(|(id, _)| Some((normalize_path(&files.get(id)?.path), id)))
            .collect();
        Modules {
            files,
            parsed,
            by_path,
            evaluators: RefCell::default(),
            values: RefCell::default(),
            following: RefCell::default(),
            aliases: RefCell::default(),
        }
    }

    /// The syntax tree's root of a parsed JavaScript file.
    pub fn root(&self, file: FileId) -> Option<Node<'t>> {
        match self.parsed.get(file)? {
            Parsed::JavaScript(tree) => Some(tree.root()),
            _ => None,
        }
    }

    /// The text of a project file.
    pub fn text(&self, file: FileId) -> Option<&'t str> {
        self.files.get(file).map(|f| f.text.as_str())
    }

    /// The call `node` stands for once `const` names and imports are followed (`app.use(authCors)`
    /// with `export default cors({…})` in another module), with the evaluator of the module it is
    /// written in: `None` when an import does not lead to a parsed module.
    pub fn resolve_across(
        &self,
        evaluator: &Rc<Evaluator<'t>>,
        file: FileId,
        node: Node<'t>,
    ) -> Option<(FileId, Rc<Evaluator<'t>>, Node<'t>)> {
        let node = evaluator.resolve(node);
        let imported = (node.kind() == "identifier").then(|| evaluator.import_of(evaluator.text(node))).flatten();
        match imported {
            Some((source, name)) => {
                let (module, node) = self.exported_syntax(file, source, name)?;
                Some((module, self.evaluator(module)?, node))
            }
            None => Some((file, evaluator.clone(), node)),
        }
    }

    /// The one evaluator of `file`, built the first time it is asked for.
    pub fn evaluator(&self, file: FileId) -> Option<Rc<Evaluator<'t>>> {
        if let Some(evaluator) = self.evaluators.borrow().get(&file) {
            return Some(evaluator.clone());
        }
        let root = self.root(file)?;
        let text = self.files.get(file)?.text.as_str();
        let evaluator = Rc::new(Evaluator::for_file(root, text, file));
        self.evaluators.borrow_mut().insert(file, evaluator.clone());
        Some(evaluator)
    }

    /// The expression a module exports as `name` (following re-exports, `export { x }` and
    /// `const` names), with the module it is written in: for a caller that reads syntax, such as
    /// `export const corsMiddleware = cors({…})`.
    pub fn exported_syntax(&self, from: FileId, source: &str, name: &Imported) -> Option<(FileId, Node<'t>)> {
        let mut module = self.module(from, source)?;
        let mut name = name.clone();
        for _ in 0..MAX_MODULES {
            let evaluator = self.evaluator(module)?;
            let local = match evaluator.export(&name)? {
                Export::Node(node) => evaluator.resolve(node),
                Export::Local(local) => match evaluator.constant(local) {
                    Some(node) => evaluator.resolve(node),
                    None => {
                        let (source, imported) = evaluator.import_of(local)?;
                        (module, name) = (self.module(module, source)?, imported.clone());
                        continue;
                    }
                },
                Export::From(source, imported) => {
                    (module, name) = (self.module(module, source)?, imported.clone());
                    continue;
                }
            };
            // `export default corsMiddleware` where the name is itself imported.
            if local.kind() == "identifier"
                && let Some((source, imported)) = evaluator.import_of(evaluator.text(local))
            {
                (module, name) = (self.module(module, source)?, imported.clone());
                continue;
            }
            return Some((module, local));
        }
        None
    }

    /// The file `source` names when imported from `from`: `None` when it is a package, is not
    /// found, or is found on disk but was not parsed.
    pub fn module(&self, from: FileId, source: &str) -> Option<FileId> {
        let importer = &self.files.get(from)?.path;
        let directory = importer.parent().unwrap_or(Path::new(""));
        if source.starts_with("./") || source.starts_with("../") || source == "." || source == ".." {
            return self.file_at(&directory.join(source));
        }
        if source.starts_with('/') {
            return None;
        }
        let aliases = self.aliases_for(directory)?;
        for base in aliases.candidates(source) {
            // TypeScript tries a pattern's targets in order and takes the first that exists.
            match self.lookup(&base) {
                Found::Parsed(id) => return Some(id),
                Found::OnDiskOnly => return None,
                Found::Nothing => {}
            }
        }
        None
    }

    fn file_at(&self, base: &Path) -> Option<FileId> {
        match self.lookup(base) {
            Found::Parsed(id) => Some(id),
            _ => None,
        }
    }

    /// Node's and TypeScript's order: the path as written, the path with each extension (`./cors.js`
    /// written for `cors.ts` too), then the directory's `index.*`.
    fn lookup(&self, base: &Path) -> Found {
        let mut candidates = Vec::new();
        let written_extension = base.extension().and_then(|e| e.to_str()).unwrap_or("");
        if EXTENSIONS.contains(&written_extension) {
            candidates.push(base.to_path_buf());
            let typescript = match written_extension {
                "js" => &["ts", "tsx"][..],
                "jsx" => &["tsx"][..],
                "mjs" => &["mts"][..],
                "cjs" => &["cts"][..],
                _ => &[][..],
            };
            candidates.extend(typescript.iter().map(|e| base.with_extension(e)));
        }
        let with_extension = |extension: &str| {
            let mut path = base.as_os_str().to_owned();
            path.push(".");
            path.push(extension);
            PathBuf::from(path)
        };
        candidates.extend(EXTENSIONS.iter().map(|e| with_extension(e)));
        candidates.extend(EXTENSIONS.iter().map(|e| base.join(format!("index.{e}"))));
        for candidate in candidates {
            if let Some(id) = self.by_path.get(&normalize_path(&candidate)) {
                return Found::Parsed(*id);
            }
            if candidate.is_file() {
                return Found::OnDiskOnly;
            }
        }
        Found::Nothing
    }

    fn aliases_for(&self, directory: &Path) -> Option<Rc<Aliases>> {
        let directory = normalize_path(directory);
        if let Some(found) = self.aliases.borrow().get(&directory) {
            return found.clone();
        }
        let found = nearest_config(&directory).and_then(|config| Aliases::read(&config, 0)).map(Rc::new);
        self.aliases.borrow_mut().insert(directory, found.clone());
        found
    }

    fn export_value(&self, module: FileId, name: &Imported, depth: usize) -> Option<Value> {
        let key = (module, name.clone());
        if let Some(value) = self.values.borrow().get(&key) {
            return value.clone();
        }
        {
            let mut following = self.following.borrow_mut();
            if following.len() >= MAX_MODULES || following.contains(&key) {
                return None;
            }
            following.push(key.clone());
        }
        let value = self.evaluate_export(module, name, depth);
        self.following.borrow_mut().pop();
        self.values.borrow_mut().insert(key, value.clone());
        value
    }

    fn evaluate_export(&self, module: FileId, name: &Imported, depth: usize) -> Option<Value> {
        let evaluator = self.evaluator(module)?;
        match evaluator.export(name) {
            Some(Export::Node(node)) => return Some(evaluator.eval_linked(node, self, depth)),
            Some(Export::Local(local)) => return evaluator.eval_name_linked(local, self, depth),
            Some(Export::From(source, imported)) => return self.imported(module, source, imported, depth),
            None => {}
        }
        let Imported::Named(key) = name else { return None };
        // `export * from "./cors"`: the first module that exports the name known.
        for source in evaluator.star_exports() {
            if let Some(value) = self.imported(module, source, name, depth) {
                return Some(value);
            }
        }
        // A named import of a CommonJS module reads a property of `module.exports`.
        let exports = evaluator.eval_linked(evaluator.commonjs_exports()?, self, depth);
        match exports.kind {
            ValueKind::Object(object) => match object.get(key) {
                Lookup::Found(property) => Some(property.value.clone()),
                Lookup::Absent | Lookup::Unknown => None,
            },
            _ => None,
        }
    }
}

impl Linker for Modules<'_> {
    fn imported(&self, from: FileId, source: &str, name: &Imported, depth: usize) -> Option<Value> {
        let module = self.module(from, source)?;
        self.export_value(module, name, depth)
    }

    fn namespace_member(&self, from: FileId, source: &str, name: &Imported, key: &str, depth: usize) -> Option<Value> {
        let inner = self.namespace_exported(self.module(from, source)?, name)?;
        self.export_value(inner, &Imported::Named(key.to_owned()), depth)
    }
}

impl Modules<'_> {
    /// The module whose namespace `module` exports as `name`, through re-exports
    /// (`export * as security from "./security"`, `import * as s from "./security"; export { s }`):
    /// `None` when the export is anything else, or the chain is longer than [`MAX_MODULES`].
    fn namespace_exported(&self, module: FileId, name: &Imported) -> Option<FileId> {
        let (mut module, mut name) = (module, name.clone());
        for _ in 0..MAX_MODULES {
            let evaluator = self.evaluator(module)?;
            let (source, imported) = match evaluator.export(&name)? {
                Export::From(source, imported) => (source, imported),
                Export::Local(local) => evaluator.import_of(local)?,
                Export::Node(node) => {
                    let node = evaluator.resolve(node);
                    if node.kind() != "identifier" {
                        return None;
                    }
                    evaluator.import_of(evaluator.text(node))?
                }
            };
            let next = self.module(module, source)?;
            if *imported == Imported::Namespace {
                return Some(next);
            }
            (module, name) = (next, imported.clone());
        }
        None
    }
}

enum Found {
    Parsed(FileId),
    /// The file exists but this run did not parse it: what it holds is not known.
    OnDiskOnly,
    Nothing,
}

/// The `tsconfig.json` (or `jsconfig.json`) nearest above `directory`.
fn nearest_config(directory: &Path) -> Option<PathBuf> {
    let mut current = Some(directory);
    while let Some(dir) = current {
        for name in ["tsconfig.json", "jsconfig.json"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        current = dir.parent();
    }
    None
}

/// A tsconfig's `compilerOptions.paths` and `baseUrl`, as absolute-or-relative directories.
/// One `paths` entry: a pattern (`@/*`), its targets (`./src/*`) and the directory they are
/// relative to.
#[derive(Debug)]
struct PathAlias {
    pattern: String,
    targets: Vec<String>,
    relative_to: PathBuf,
}

#[derive(Debug, Default)]
struct Aliases {
    paths: Vec<PathAlias>,
    base_url: Option<PathBuf>,
}

impl Aliases {
    /// Reads `config` (JSON with comments and trailing commas, which JavaScript's grammar reads as
    /// an object literal) and the configs it `extends` by relative path.
    fn read(config: &Path, extended: usize) -> Option<Aliases> {
        let text = std::fs::read_to_string(config).ok()?;
        let wrapped = format!("({}\n)", text.trim_start_matches('\u{feff}'));
        let (tree, _) = parse(&wrapped, Dialect::JavaScript);
        let tree = tree?;
        let root = tree.root();
        let statement = root.named_child(0)?;
        let expression = statement.named_child(0)?;
        let value = Evaluator::new(root, &wrapped).eval(expression);
        let ValueKind::Object(object) = value.kind else { return None };
        let directory = config.parent().unwrap_or(Path::new(""));
        let mut aliases = match object.get("extends") {
            Lookup::Found(property) if extended < MAX_EXTENDS => match property.value.kind.as_str() {
                Some(parent) if parent.starts_with('.') => {
                    // `"./tsconfig.base"` means `tsconfig.base.json` unless that name exists as written.
                    let written = directory.join(parent);
                    let path = if written.is_file() { written } else { directory.join(format!("{parent}.json")) };
                    Aliases::read(&path, extended + 1).unwrap_or_default()
                }
                _ => Aliases::default(),
            },
            _ => Aliases::default(),
        };
        let Lookup::Found(options) = object.get("compilerOptions") else { return Some(aliases) };
        let ValueKind::Object(options) = &options.value.kind else { return Some(aliases) };
        if let Lookup::Found(base) = options.get("baseUrl")
            && let Some(base) = base.value.kind.as_str()
        {
            let base = directory.join(base);
            // Inherited `paths` are relative to the inherited `baseUrl`; this config's own
            // `baseUrl` moves them only when it also sets `paths`.
            aliases.base_url = Some(base);
        }
        if let Lookup::Found(paths) = options.get("paths")
            && let ValueKind::Object(paths) = &paths.value.kind
        {
            let relative_to = aliases.base_url.clone().unwrap_or_else(|| directory.to_path_buf());
            aliases.paths = paths
                .properties
                .iter()
                .map(|p| {
                    let targets = match &p.value.kind {
                        ValueKind::Array(items) => {
                            items.iter().filter_map(|i| i.kind.as_str().map(str::to_owned)).collect()
                        }
                        _ => Vec::new(),
                    };
                    PathAlias { pattern: p.key.clone(), targets, relative_to: relative_to.clone() }
                })
                .collect();
        }
        Some(aliases)
    }

    /// The paths `source` may mean, in TypeScript's order: the targets of the most specific
    /// matching pattern (the longest prefix before `*`), else `baseUrl/source`.
    fn candidates(&self, source: &str) -> Vec<PathBuf> {
        let mut best: Option<(usize, &PathAlias, &str)> = None;
        for entry in &self.paths {
            let pattern = entry.pattern.as_str();
            let (matched, prefix_len) = match pattern.split_once('*') {
                Some((prefix, suffix)) => {
                    let captured = source
                        .strip_prefix(prefix)
                        .and_then(|rest| rest.strip_suffix(suffix))
                        .filter(|_| source.len() >= prefix.len() + suffix.len());
                    (captured, prefix.len())
                }
                None => ((pattern == source).then_some(""), usize::MAX),
            };
            if let Some(captured) = matched
                && best.is_none_or(|(len, _, _)| prefix_len > len)
            {
                best = Some((prefix_len, entry, captured));
            }
        }
        if let Some((_, alias, captured)) = best {
            return alias.targets.iter().map(|t| alias.relative_to.join(t.replacen('*', captured, 1))).collect();
        }
        self.base_url.iter().map(|base| base.join(source)).collect()
    }
}

#[cfg(test)]
mod tests;
