//! Extraction a group of modules at a time, for a repository of many apps: each group's files are
//! parsed, read and dropped before the next group is parsed, so a monorepo of thousands of services
//! never holds every syntax tree at once (a tree costs about 40 times its file).
//!
//! A group is what the modules' import lines connect ([`imported_modules`], resolved as the
//! extractor resolves them). A Django settings module named by a string (`DJANGO_SETTINGS_MODULE`)
//! is not an import: such a project is not grouped. The rest is checked as the groups are read: a
//! lookup that names a module outside its group, a file that does not parse into a tree, the
//! project's evaluation budget running out, or a module read for hand-written CORS in the project
//! of another group's CORS app. Any of these, and the project is read whole, as if it had never
//! been grouped: the groups are an optimisation that never changes a finding.

use super::budget::Budget;
use super::modules::{ModId, Module, ModuleIndex, ModulePaths};
use super::service::{Dotenvs, Services};
use super::{Ctx, Found};
use crate::model::Project;
use crate::parse::Parsed;
use crate::parse::python_imports::{imported_modules, module_of};
use crate::source::{FileId, SourceFile};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

/// Parses Python files, by id among the project's files. It may be asked for a file again (when
/// the project is read whole after all) and reports each file's syntax errors once.
pub type ParsePython<'a> = dyn FnMut(&[SourceFile], &[FileId]) -> Vec<(FileId, Parsed)> + 'a;

/// Files parsed at once: enough for every thread, few enough that their trees stay small.
const BATCH_FILES: usize = 256;

/// Adds the facts of the Python files `deferred` (not parsed yet; `parse` parses them) as
/// [`super::extract`] would. Answers how many groups were read apart (0: read whole).
pub fn extract_in_groups(
    project: &mut Project,
    parsed: &mut [Parsed],
    deferred: &[FileId],
    parse: &mut ParsePython,
) -> usize {
    let grouped = {
        let services = Services::new(&project.root, &project.files, &project.deploy.compose_services);
        let dotenvs = Dotenvs::of(&project.files, parsed, &services);
        by_group(&project.files, deferred, &services, &dotenvs, parse)
    };
    match grouped {
        Some((found, groups)) => {
            found.add_to(project);
            groups
        }
        None => {
            for (id, tree) in parse(&project.files, deferred) {
                if let Some(slot) = parsed.get_mut(id) {
                    *slot = tree;
                }
            }
            super::extract(project, parsed);
            0
        }
    }
}

/// What the groups found together, or `None` when the project must be read whole.
fn by_group<'t>(
    files: &'t [SourceFile],
    python: &[FileId],
    services: &'t Services<'t>,
    dotenvs: &'t Dotenvs<'t>,
    parse: &mut ParsePython,
) -> Option<(Found, usize)> {
    let texts: Vec<&str> = python.iter().map(|&id| files.get(id).map_or("", |f| f.text.as_str())).collect();
    // Django names its settings module in a string, and reads the settings of a project's other
    // modules by where its `manage.py` is.
    if texts.iter().any(|t| t.contains("DJANGO_SETTINGS_MODULE")) {
        return None;
    }
    let absolute: Vec<PathBuf> =
        python.iter().map(|&id| files.get(id).map(|f| services.absolute(&f.path)).unwrap_or_default()).collect();
    let located: Vec<(Vec<String>, Vec<String>)> = absolute.iter().map(|p| module_of(p)).collect();
    let paths = Rc::new(ModulePaths::new(located.iter().map(|(module, _)| module.clone()).collect()));
    let groups = connected(&texts, &located, &paths);
    if groups.len() < 2 {
        return None;
    }
    let mut found = Found::default();
    let mut project_left = Budget::default().project_left();
    let mut cors_roots: HashSet<PathBuf> = HashSet::new();
    let mut read_roots: Vec<PathBuf> = Vec::new();
    for batch in batches(&groups) {
        let ids: Vec<FileId> = batch.iter().flat_map(|g| g.iter()).filter_map(|&m| python.get(m).copied()).collect();
        let trees: HashMap<FileId, Parsed> = parse(files, &ids).into_iter().collect();
        for group in batch {
            let mut modules = Vec::with_capacity(group.len());
            for &m in group {
                let (id, path) = (*python.get(m)?, absolute.get(m)?);
                // Whole, a file without a tree is no module at all: every module id would differ.
                let Some(Parsed::Python(tree)) = trees.get(&id) else { return None };
                modules.push(Module::new(id, path, files.get(id)?.text.as_str(), tree.root()));
            }
            let index = ModuleIndex::group(Rc::clone(&paths), group.clone());
            let run =
                Ctx::new(files, modules, index, services, dotenvs, Budget::continuing(project_left)).run_reporting();
            if run.escaped || run.project_ran_out {
                return None;
            }
            project_left = run.project_left;
            cors_roots.extend(run.cors_roots);
            read_roots.extend(run.read_roots);
            found.append(run.found);
        }
    }
    // Whole, hand-written headers are not read in the project of any app with a CORS component.
    if read_roots.iter().any(|root| cors_roots.contains(root)) {
        return None;
    }
    Some((found, groups.len()))
}

/// The modules (ids among `located`) that import lines connect, each group in module order, the
/// groups in the order of their first module.
fn connected(texts: &[&str], located: &[(Vec<String>, Vec<String>)], paths: &ModulePaths) -> Vec<Vec<ModId>> {
    let mut parent: Vec<ModId> = (0..located.len()).collect();
    fn root(parent: &mut [ModId], mut m: ModId) -> ModId {
        while let Some(&up) = parent.get(m) {
            if up == m {
                break;
            }
            let grand = parent.get(up).copied().unwrap_or(up);
            if let Some(slot) = parent.get_mut(m) {
                *slot = grand;
            }
            m = up;
        }
        m
    }
    for (m, (text, (_, package))) in texts.iter().zip(located).enumerate() {
        for imported in imported_modules(text.as_bytes(), package) {
            for other in paths.candidates(&imported, m) {
                let (a, b) = (root(&mut parent, m), root(&mut parent, other));
                if let Some(slot) = parent.get_mut(a.max(b)) {
                    *slot = a.min(b);
                }
            }
        }
    }
    let mut groups: Vec<Vec<ModId>> = Vec::new();
    let mut group_of: HashMap<ModId, usize> = HashMap::new();
    for m in 0..located.len() {
        let top = root(&mut parent, m);
        let at = *group_of.entry(top).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(at) {
            group.push(m);
        }
    }
    groups
}

/// Runs of consecutive groups of about [`BATCH_FILES`] files.
fn batches(groups: &[Vec<ModId>]) -> Vec<&[Vec<ModId>]> {
    let mut out = Vec::new();
    let (mut start, mut files) = (0, 0);
    for (at, group) in groups.iter().enumerate() {
        files += group.len();
        if files >= BATCH_FILES {
            out.extend(groups.get(start..=at));
            (start, files) = (at + 1, 0);
        }
    }
    out.extend(groups.get(start..).filter(|rest| !rest.is_empty()));
    out
}
