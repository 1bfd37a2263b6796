//! The pipeline: discover → parse → extract → rules → filter. Everything the CLI prints comes from
//! the [`Outcome`] returned here.

use crate::config::{self, CliOverrides, ConfigError, Resolver};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Found;
use crate::model::{NotAnalysed, Project};
use crate::parse::{self, Parsed, python_imports};
use crate::project;
use crate::rules::{self, Rule};
use crate::source::{FileId, FileKind, SourceFile};
use crate::suppress;
use deferred_python::DeferredPython;
use rayon::prelude::*;
use select::{not_analysed, select};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

mod deferred_python;
mod select;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Lint this text as the named file instead of walking `paths`.
    pub stdin: Option<(PathBuf, String)>,
    /// Skip explicitly named files that ignore files or `exclude` would skip.
    pub force_exclude: bool,
    pub config: Option<PathBuf>,
    pub cli: CliOverrides,
    /// Which baseline hides known findings.
    pub baseline: BaselineUse,
    /// Named files and stdin are linted inside their project (`--no-project` turns it off).
    pub project_context: bool,
    /// Unsaved buffers (editors): each replaces the file of that path, or is added to the walk.
    pub overlays: Vec<(PathBuf, String)>,
    /// Counters for the progress line on long runs.
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
    /// The caller reads only the findings and the files (`corslint check`, `--fix`): a project
    /// whose only CORS layer is nginx is then checked a group of configurations at a time, and
    /// [`Outcome::project`] keeps no nginx model.
    pub findings_only: bool,
}

/// Where the baseline comes from.
#[derive(Clone, Debug, Default)]
pub enum BaselineUse {
    /// `baseline =` in the config that governs each file, if any.
    #[default]
    FromConfig,
    /// `--baseline FILE`, for every file.
    File(PathBuf),
    /// None at all (`--write-baseline` records every finding).
    Off,
}

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}: no such file or directory (name existing files or directories; with none, corslint lints `.`)")]
    Missing(PathBuf),
    #[error(
        "{}\nthese were not linted: give the user running corslint read access, or add them to `exclude` in corslint.toml",
        .0.join("\n")
    )]
    Unreadable(Vec<String>),
    #[error("--stdin-filename {0}: not a Python, nginx, YAML or dotenv file name")]
    StdinKind(PathBuf),
    #[error(transparent)]
    Baseline(#[from] crate::baseline::BaselineError),
}

#[derive(Debug)]
pub struct Outcome {
    pub project: Project,
    /// Sorted by file, row, column, code: never dependent on thread timing.
    pub diagnostics: Vec<Diagnostic>,
    /// What was passed over and why (`--verbose`).
    pub notes: Vec<String>,
    /// How many findings fail the run, each under the `fail-on` of the config that governs it.
    pub failing: usize,
    /// Findings not reported because the baseline records them.
    pub baselined: usize,
    /// The files the report speaks for: every file selected and looked at (including those the
    /// prefilter found nothing in), or with named files, those named.
    pub files_linted: usize,
    /// Files selected but not analysed (each one a CORS903 finding unless switched off).
    pub files_not_analysed: usize,
    /// The groups of connected Python modules read one after the other; 0 when the Python files
    /// were read together ([`crate::extract::extract_parsing_python`]).
    pub python_groups: usize,
}

impl Outcome {
    pub fn has_failures(&self) -> bool {
        self.failing > 0
    }

    /// Nothing in the given paths was selected at all: a wrong path, not a clean repository.
    pub fn nothing_selected(&self) -> bool {
        self.files_linted == 0 && self.files_not_analysed == 0
    }
}

pub fn lint(options: &Options) -> Result<Outcome, LintError> {
    lint_cached(options, &mut ParseCache::default())
}

/// [`lint`], reusing the parse of every file whose text `cache` saw last time (the language server
/// re-lints on each change).
pub fn lint_cached(options: &Options, cache: &mut ParseCache) -> Result<Outcome, LintError> {
    let mut resolver = Resolver::new(options.config.as_deref())?;
    let mut notes = Vec::new();
    let stdin_name = options.stdin.as_ref().map(|(name, _)| name.as_path());
    let scope = if options.project_context && project_context_wanted(options, &mut resolver)? {
        project::Scope::of(&options.paths, stdin_name)
    } else {
        None
    };
    let progress = options.progress.clone();
    let keep = move |kind, bytes: &[u8]| {
        if let Some(progress) = &progress {
            progress.walked();
        }
        parse::worth_parsing(kind, bytes)
    };
    let selected = select(options, scope.as_ref(), &keep, &mut resolver, &mut notes)?;
    let walked_files = selected.found.len() + selected.passed_over;
    let passed_over_named = selected.passed_over_named;
    let files_not_analysed = selected.skipped.len();
    let kept = select_python(selected.found, &mut notes);
    let kept = select_javascript(kept, selected.passed_over_javascript, &mut notes);
    // A project whose only CORS layer is nginx can be checked a group of configurations at a time:
    // only an outline of each tree is kept after the parse, and each group is parsed whole again.
    let outlined = options.findings_only
        && !cache.enabled
        && kept.iter().all(|f| matches!(f.kind, FileKind::Nginx | FileKind::Dotenv | FileKind::Yaml));
    // A project of Python apps alone is read a group of connected modules at a time: its Python
    // files are parsed as each group is read, and each group's trees dropped after it.
    let python_grouped = options.findings_only
        && !cache.enabled
        && kept.iter().any(|f| f.kind == FileKind::Python)
        && kept.iter().all(|f| matches!(f.kind, FileKind::Python | FileKind::Dotenv));

    // Files are compared by path (a compose `build` context holds an app): when the walk reaches
    // above the working directory, every path is absolute, not some relative and some not.
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute_paths = match &scope {
        Some(scope) => scope.walk.iter().any(|root| !root.starts_with(&cwd)),
        None => options.paths.iter().any(|p| p.is_absolute() && !p.starts_with(&cwd)),
    };
    let decoded: Vec<(SourceFile, u64)> = kept
        .into_par_iter()
        .map(|f| {
            let text = match String::from_utf8(f.bytes) {
                Ok(text) => text,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
            let path = if absolute_paths { config::absolute(&f.path) } else { display_path(&f.path) };
            let file = SourceFile::new(path, f.kind, text);
            let hash = if cache.enabled { text_hash(&file.text) } else { 0 };
            (file, hash)
        })
        .collect();
    let mut previous = std::mem::take(&mut cache.entries);
    let reused: Vec<Option<parse::ParsedFile>> = decoded
        .iter()
        .map(|(file, hash)| match previous.remove(&(file.path.clone(), file.kind)) {
            Some(entry) if cache.enabled && entry.hash == *hash => Some(entry.parsed),
            _ => None,
        })
        .collect();
    drop(previous);
    cache.reused = reused.iter().filter(|r| r.is_some()).count();
    let parsed: Vec<(SourceFile, u64, parse::ParsedFile)> = decoded
        .into_par_iter()
        .zip(reused.into_par_iter())
        .map(|((file, hash), reused)| {
            let mut parsed = match reused {
                Some(reused) => reused,
                None if python_grouped && file.kind == FileKind::Python => parse::ParsedFile::deferred(),
                None => parse::parse_source(&file),
            };
            if outlined && let Parsed::Nginx(config) = parsed.tree {
                parsed.tree = Parsed::Nginx(config.outline());
            }
            if let Some(progress) = &options.progress {
                progress.parsed();
            }
            (file, hash, parsed)
        })
        .collect();

    let mut project = Project { root: std::env::current_dir().unwrap_or_default(), ..Project::default() };
    let mut trees = Vec::with_capacity(parsed.len());
    let mut kept_for_cache = Vec::with_capacity(parsed.len());
    for (id, (file, hash, parsed)) in parsed.into_iter().enumerate() {
        if cache.enabled {
            kept_for_cache.push((hash, parsed.errors.clone(), parsed.not_analysed.clone()));
        }
        project.parse_errors.extend(parsed.errors.into_iter().map(|e| (id, e)));
        if let Some(problem) = parsed.not_analysed {
            template_not_analysed(&mut project.not_analysed, &mut notes, id, &file, problem);
        }
        project.files.push(file);
        trees.push(parsed.tree);
    }
    let analysed = project.files.len();
    for skipped in selected.skipped {
        let id = project.files.len();
        let path = display_path(&skipped.path);
        project.not_analysed.push(not_analysed(id, &path, &skipped.reason));
        project.files.push(SourceFile::new(path, skipped.kind, String::new()));
        trees.push(Parsed::Nothing);
    }
    // Before extraction, which checks a project whose only CORS layer is nginx as it reads it.
    let mut declaring = HashSet::new();
    let mut declared = Vec::new();
    for (id, file) in project.files.iter().enumerate() {
        let config = resolver.for_file(&file.path)?;
        if let Some(origins) = config.allowed_origins(&file.path) {
            project.allowed_origins.insert(id, origins.into_iter().map(str::to_owned).collect());
        }
        if !config.frontends.is_empty() && declaring.insert(config.path.clone()) {
            declared.extend(config.frontends.iter().map(crate::extract::frontend::declared));
        }
    }
    let runs = rules_that_run(&project, &mut resolver, &options.cli)?;
    let selected = |rule: &rules::RuleMeta| runs.contains(rule.code);
    let mut findings = Vec::new();
    let mut python_groups = 0;
    if cache.enabled {
        crate::extract::extract(&mut project, &trees);
    } else if python_grouped {
        let deferred: Vec<FileId> = project
            .files
            .iter()
            .enumerate()
            .take(analysed)
            .filter(|(_, f)| f.kind == FileKind::Python)
            .map(|(id, _)| id)
            .collect();
        let mut python = DeferredPython::new(project.files.len());
        let mut parse = |files: &[SourceFile], ids: &[FileId]| python.parse(files, ids);
        python_groups = crate::extract::extract_parsing_python(&mut project, &mut trees, &deferred, &mut parse);
        python.record(&mut project, &mut notes);
    } else if outlined {
        let mut check = |project: &Project| findings.extend(rules::check_selected(project, selected));
        let check: Option<&mut dyn FnMut(&Project)> = if declared.is_empty() { Some(&mut check) } else { None };
        crate::extract::extract_outlined(&mut project, &mut trees, check);
    } else {
        crate::extract::extract_releasing(&mut project, &mut trees);
    }
    if cache.enabled {
        // Files not analysed come last, and have no parse to keep.
        for ((file, tree), (hash, errors, not_analysed)) in project.files.iter().zip(trees).zip(kept_for_cache) {
            let parsed = parse::ParsedFile { tree, errors, not_analysed };
            cache.entries.insert((file.path.clone(), file.kind), CachedParse { hash, parsed });
        }
    } else {
        drop(trees);
    }
    let mut unfollowed: Vec<String> = project
        .nginx
        .unfollowed
        .iter()
        .filter_map(|(span, why)| {
            let file = project.file(span.file)?;
            Some(format!("{}:{}: {why}", file.path.display(), file.position(span.start()).row))
        })
        .collect();
    unfollowed.sort();
    unfollowed.dedup();
    notes.extend(unfollowed);
    for chain in project.chains() {
        notes.push(format!("stack: {}", project.describe_link(&chain)));
    }
    project.frontends.extend(declared);

    let mut baselines = Baselines::new(&options.baseline);
    // After a check group by group, what is left: the files' own findings (parse errors, what was
    // not analysed), with no model.
    findings.extend(rules::check_selected(&project, selected));
    if let Some(progress) = &options.progress {
        progress.findings(findings.len());
    }
    let mut reach = Reach { named: scope.as_ref().map(|s| &s.named), covered: HashMap::new() };
    let filtered = filter(&project, findings, &runs, &mut resolver, &options.cli, &mut baselines, &mut reach)?;
    notes.append(&mut resolver.notes);
    let files_linted = reach.files(&project, analysed, &mut resolver).map_or(walked_files, |n| n + passed_over_named);
    Ok(Outcome {
        files_linted,
        files_not_analysed,
        project,
        diagnostics: filtered.diagnostics,
        notes,
        failing: filtered.failing,
        baselined: baselines.hidden,
        python_groups,
    })
}

/// The parses of the last run, by file and text: the language server re-lints on every change,
/// and only the files that changed are parsed again.
#[derive(Debug, Default)]
pub struct ParseCache {
    enabled: bool,
    entries: HashMap<(PathBuf, FileKind), CachedParse>,
    /// How many files the last run did not parse again.
    pub reused: usize,
}

impl ParseCache {
    /// A cache that keeps parses (the default one keeps nothing).
    pub fn keeping() -> Self {
        ParseCache { enabled: true, ..ParseCache::default() }
    }
}

#[derive(Debug)]
struct CachedParse {
    hash: u64,
    parsed: parse::ParsedFile,
}

fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Whether the config says nothing against project context (`project-context = false` in the
/// config that governs the first named path turns it off).
fn project_context_wanted(options: &Options, resolver: &mut Resolver) -> Result<bool, LintError> {
    let first =
        options.stdin.as_ref().map(|(name, _)| name).or_else(|| options.paths.iter().find(|p| p.as_os_str() != "-"));
    match first {
        Some(path) => Ok(resolver.for_file(path)?.project_context != Some(false)),
        None => Ok(false),
    }
}

/// Which findings a run that names files reports: those with their primary span or any label in
/// a named file (every finding when nothing but folders is named).
struct Reach<'a> {
    named: Option<&'a project::Named>,
    covered: HashMap<FileId, bool>,
}

impl Reach<'_> {
    fn reports(&mut self, project: &Project, d: &Diagnostic, resolver: &mut Resolver) -> bool {
        let Some(named) = self.named else { return true };
        let mut governed_by = |path: &Path| resolver.for_file(path).ok().and_then(|c| c.path.clone());
        let mut covers = |id: FileId| {
            *self
                .covered
                .entry(id)
                .or_insert_with(|| project.file(id).is_some_and(|f| named.covers(&f.path, &mut governed_by)))
        };
        covers(d.span.file) || d.labels.iter().any(|l| covers(l.span.file))
    }

    /// How many of the first `analysed` files (those not skipped) the report speaks for when files
    /// are named (`None`: every file linted).
    fn files(&mut self, project: &Project, analysed: usize, resolver: &mut Resolver) -> Option<usize> {
        let named = self.named?;
        let mut governed_by = |path: &Path| resolver.for_file(path).ok().and_then(|c| c.path.clone());
        Some(project.files.iter().take(analysed).filter(|f| named.covers(&f.path, &mut governed_by)).count())
    }
}

/// Keeps the Python candidates the FastAPI layer can use (see [`parse::python_imports`]); every
/// other kind passes through.
fn select_python(files: Vec<Found>, notes: &mut Vec<String>) -> Vec<Found> {
    let candidates: Vec<python_imports::Candidate<'_>> = files
        .iter()
        .filter(|f| f.kind == FileKind::Python)
        .map(|f| python_imports::Candidate { path: &f.path, bytes: &f.bytes })
        .collect();
    let keep = python_imports::worth_parsing(&candidates);
    drop(candidates);
    let (kept, left, before) = keep_selected(files, FileKind::Python, keep);
    if left > 0 {
        notes.push(format!(
            "python: {left} of {before} candidates not parsed (no FastAPI/Starlette file imports them or is imported by them)"
        ));
    }
    kept
}

/// Drops the JavaScript candidates that only the frontend readers could read and that lie in no
/// frontend's package ([`parse::javascript_scope`]), and adds the modules a file that sets up CORS
/// imports (an options object in `./config/security.js` names no token the prefilter knows).
fn select_javascript(mut files: Vec<Found>, passed_over: Vec<PathBuf>, notes: &mut Vec<String>) -> Vec<Found> {
    let candidates: Vec<parse::javascript_scope::Candidate<'_>> = files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::JavaScript | FileKind::FrontendJson))
        .map(|f| parse::javascript_scope::Candidate { path: &f.path, kind: f.kind, bytes: &f.bytes })
        .collect();
    let mut keep = parse::javascript_scope::worth_parsing(&candidates);
    drop(candidates);
    let imported = imported_by_cors_setups(&mut files, &mut keep, passed_over);
    if imported > 0 {
        let modules = if imported == 1 { "module" } else { "modules" };
        notes.push(format!("javascript: {imported} {modules} parsed because a file that sets up CORS imports them"));
    }
    let (kept, left, before) = keep_selected(files, FileKind::JavaScript, keep);
    if left > 0 {
        notes.push(format!(
            "javascript: {left} of {before} candidates not parsed (they name only frontend tokens, and no frontend reader \
             reads them)"
        ));
    }
    kept
}

/// Follows the relative imports of the parsed JavaScript files that set up a CORS layer, one step
/// ([`parse::javascript_scope::sets_up_cors`]), and the relative re-exports of the modules that
/// adds, one more: a candidate the scope dropped is kept, and a file the prefilter passed over is
/// read and added (its `keep` entry pushed). How many modules that added, at most
/// [`MAX_IMPORTED_MODULES`].
fn imported_by_cors_setups(files: &mut Vec<Found>, keep: &mut Vec<bool>, passed_over: Vec<PathBuf>) -> usize {
    use crate::source::normalize_path;
    let mut passed_over: HashMap<PathBuf, PathBuf> =
        passed_over.into_iter().map(|path| (normalize_path(&path), path)).collect();
    // The `keep` entry of each JavaScript file, by normalized path, and its index in `files`, by
    // that entry.
    let mut javascript: HashMap<PathBuf, usize> = HashMap::new();
    let mut indices: Vec<usize> = Vec::new();
    let mut setups: Vec<usize> = Vec::new();
    let javascript_files = files.iter().enumerate().filter(|(_, f)| f.kind == FileKind::JavaScript);
    for (slot, (index, file)) in javascript_files.enumerate() {
        javascript.entry(normalize_path(&file.path)).or_insert(slot);
        indices.push(index);
        if keep.get(slot) == Some(&true) && parse::javascript_scope::sets_up_cors(&file.bytes) {
            setups.push(index);
        }
    }
    let mut added = 0;
    // The setups' imports, then what those modules re-export (an index's `export * as ns from`):
    // the module behind an index holds the options as often as the index does.
    let mut importers: Vec<(usize, bool)> = setups.into_iter().map(|index| (index, false)).collect();
    let mut reexporters_read = HashSet::new();
    while let Some((index, reexports_only)) = importers.pop() {
        let Some(file) = files.get(index) else { continue };
        let specifiers = if reexports_only {
            parse::javascript_scope::relative_reexports(&file.path, &file.bytes)
        } else {
            parse::javascript_scope::relative_imports(&file.path, &file.bytes)
        };
        for tries in specifiers {
            if added >= MAX_IMPORTED_MODULES {
                return added;
            }
            for path in tries {
                let slot = match javascript.get(&path) {
                    Some(&slot) => {
                        if let Some(kept @ false) = keep.get_mut(slot) {
                            *kept = true;
                            added += 1;
                        }
                        slot
                    }
                    None => {
                        let Some(shown) = passed_over.remove(&path) else { continue };
                        let Ok(bytes) = crate::source::read_file(&shown) else { break };
                        files.push(Found { path: shown, kind: FileKind::JavaScript, bytes, explicit: false });
                        indices.push(files.len() - 1);
                        javascript.insert(path, keep.len());
                        keep.push(true);
                        added += 1;
                        keep.len() - 1
                    }
                };
                if !reexports_only
                    && let Some(&imported) = indices.get(slot)
                    && reexporters_read.insert(imported)
                {
                    importers.push((imported, true));
                }
                break;
            }
        }
    }
    added
}

/// A backend file's imports are followed this far: past it, what they export stays Unknown.
const MAX_IMPORTED_MODULES: usize = 256;

/// The files, less those of `kind` whose entry in `keep` (one per file of that kind, in order) is
/// false; with how many were dropped, of how many.
fn keep_selected(files: Vec<Found>, kind: FileKind, keep: Vec<bool>) -> (Vec<Found>, usize, usize) {
    let before = keep.len();
    let mut keep = keep.into_iter();
    let mut left = 0;
    let kept: Vec<Found> = files
        .into_iter()
        .filter(|f| {
            let kept = f.kind != kind || keep.next().unwrap_or(true);
            left += usize::from(!kept);
            kept
        })
        .collect();
    (kept, left, before)
}

/// The baselines in use, each loaded once.
struct Baselines {
    use_: BaselineUse,
    loaded: HashMap<PathBuf, crate::baseline::Baseline>,
    roots: crate::project::Roots,
    hidden: usize,
}

impl Baselines {
    fn new(use_: &BaselineUse) -> Self {
        Baselines { use_: use_.clone(), loaded: HashMap::new(), roots: Default::default(), hidden: 0 }
    }

    /// Whether the baseline that applies under `config` records `diagnostic` (each record hides one).
    fn known(
        &mut self,
        project: &Project,
        diagnostic: &Diagnostic,
        config: &config::Config,
    ) -> Result<bool, LintError> {
        let path = match &self.use_ {
            BaselineUse::Off => return Ok(false),
            BaselineUse::File(path) => path.clone(),
            BaselineUse::FromConfig => match &config.baseline {
                Some(path) => path.clone(),
                None => return Ok(false),
            },
        };
        if !self.loaded.contains_key(&path) {
            let baseline = crate::baseline::Baseline::load(&path)?;
            self.loaded.insert(path.clone(), baseline);
        }
        let fallback = crate::baseline::baseline_dir(&path);
        let Some(entry) = crate::baseline::entry(project, diagnostic, &mut self.roots, &fallback) else {
            return Ok(false);
        };
        let known = self.loaded.get_mut(&path).is_some_and(|b| b.take(&entry));
        self.hidden += usize::from(known);
        Ok(known)
    }
}

/// The rules some configuration governing the run enables for some file of the project: a finding
/// is judged by the config of its file, so a rule runs unless every file's config switches it off.
fn rules_that_run(
    project: &Project,
    resolver: &mut Resolver,
    cli: &CliOverrides,
) -> Result<HashSet<&'static str>, LintError> {
    let mut runs = HashSet::new();
    for file in &project.files {
        let config = resolver.for_file(&file.path)?;
        for rule in rules::RULES {
            if !runs.contains(rule.code) && config.is_enabled(rule.code, &file.path, cli) {
                runs.insert(rule.code);
            }
        }
        if runs.len() == rules::RULES.len() {
            break;
        }
    }
    Ok(runs)
}

/// The findings that survive configuration and suppressions.
struct Filtered {
    diagnostics: Vec<Diagnostic>,
    failing: usize,
}

/// Applies configuration (selection, per-file ignores, severity overrides, `fail-on`) and inline
/// suppressions, reports unused suppressions, and sorts the result. Each finding is judged by the
/// config that governs the file of its primary span.
fn filter(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
    ran: &HashSet<&'static str>,
    resolver: &mut Resolver,
    cli: &CliOverrides,
    baselines: &mut Baselines,
    reach: &mut Reach<'_>,
) -> Result<Filtered, LintError> {
    let mut suppressions: Vec<Vec<(suppress::Suppression, Vec<bool>)>> = project
        .files
        .par_iter()
        .enumerate()
        .map(|(id, file)| {
            suppress::scan(file, id)
                .into_iter()
                .map(|s| {
                    let used = vec![false; s.directive.codes.len()];
                    (s, used)
                })
                .collect()
        })
        .collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    let mut failing = 0;
    for mut diagnostic in diagnostics {
        if !reach.reports(project, &diagnostic, resolver) {
            continue;
        }
        let Some(file) = project.file(diagnostic.span.file) else { continue };
        let config = resolver.for_file(&file.path)?;
        if !config.is_enabled(diagnostic.code, &file.path, cli) {
            continue;
        }
        diagnostic.severity = config.severity_of(diagnostic.code, diagnostic.severity);
        let row = file.position(diagnostic.span.start()).row;
        let mut suppressed = false;
        for (suppression, used) in suppressions.get_mut(diagnostic.span.file).into_iter().flatten() {
            if !suppression.file_level && suppression.directive.target_row != row {
                continue;
            }
            for (code, used) in suppression.directive.codes.iter().zip(used.iter_mut()) {
                if code.code == diagnostic.code {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed && !baselines.known(project, &diagnostic, &config)? {
            failing += usize::from(fails(&diagnostic, &config, cli));
            kept.push(diagnostic);
        }
    }
    let unused_meta = rules::find(rules::UnusedSuppression::CODE);
    for (id, file_suppressions) in suppressions.iter().enumerate() {
        let Some(file) = project.file(id) else { continue };
        let config = resolver.for_file(&file.path)?;
        let Some(meta) = unused_meta else { continue };
        if !config.is_enabled(meta.code, &file.path, cli) {
            continue;
        }
        let silenced_rows: Vec<Option<usize>> = file_suppressions
            .iter()
            .filter(|(s, _)| s.directive.codes.iter().any(|c| c.code == meta.code))
            .map(|(s, _)| (!s.file_level).then_some(s.directive.target_row))
            .collect();
        for (suppression, used) in file_suppressions {
            for (code, used) in suppression.directive.codes.iter().zip(used) {
                // A code for a rule that is switched off here, or did not run at all, has nothing to
                // suppress by design, and a suppression of CORS902 itself is never reported (it would
                // have to suppress itself).
                let known = rules::find(&code.code);
                if *used
                    || code.code == meta.code
                    || known
                        .is_some_and(|rule| !ran.contains(rule.code) || !config.is_enabled(&code.code, &file.path, cli))
                {
                    continue;
                }
                let row = file.position(code.span.start()).row;
                if silenced_rows.iter().any(|r| r.is_none_or(|r| r == row)) {
                    continue;
                }
                let mut sink = rules::Sink::new(meta);
                let message = match rules::find(&code.code) {
                    Some(_) => format!("this suppression of `{}` matches no finding here", code.code),
                    None => format!("`{}` is not a corslint rule code", code.code),
                };
                sink.report(code.span, message)
                    .primary("suppresses nothing")
                    .help("remove it, or move it to the line of the finding (or the line above it)");
                for mut d in sink.into_diagnostics() {
                    d.severity = config.severity_of(d.code, d.severity);
                    if reach.reports(project, &d, resolver) && !baselines.known(project, &d, &config)? {
                        failing += usize::from(fails(&d, &config, cli));
                        kept.push(d);
                    }
                }
            }
        }
    }
    kept.sort_by_cached_key(|d| {
        let file = project.file(d.span.file);
        let position = file.map(|f| f.position(d.span.start()));
        (file.map(|f| f.path.clone()), position, d.code, d.message.clone())
    });
    Ok(Filtered { diagnostics: kept, failing })
}

/// A template its parser cannot read: not analysed (CORS903) where it may hold CORS, a note otherwise.
fn template_not_analysed(
    not_analysed: &mut Vec<NotAnalysed>,
    notes: &mut Vec<String>,
    id: FileId,
    file: &SourceFile,
    problem: parse::ParseError,
) {
    if parse::template::may_hold_cors(&file.text) {
        let help = "render the template (`helm template`, `envsubst`, `cookiecutter`) and lint the output, or exclude the \
                    template explicitly (`exclude` in corslint.toml)";
        let span = problem.range.in_file(id);
        not_analysed.push(NotAnalysed { span, message: problem.message, help: help.to_owned() });
    } else {
        notes.push(format!("{}: not read, and holds nothing about CORS: {}", file.path.display(), problem.message));
    }
}

/// Whether `diagnostic` fails the run: `--fail-on` decides for every file, otherwise its config.
fn fails(diagnostic: &Diagnostic, config: &config::Config, cli: &CliOverrides) -> bool {
    diagnostic.severity >= cli.fail_on.or(config.fail_on).unwrap_or(Severity::Warning)
}

/// The path as the user should see it: relative to the working directory, without `./`.
fn display_path(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = match path.strip_prefix(&cwd) {
        Ok(relative) if path.is_absolute() => relative,
        _ => path,
    };
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// Whether `.gitignore`, `.ignore` or `.git/info/exclude` above `path` would skip it.
fn is_vcs_ignored(path: &Path) -> bool {
    let absolute = config::absolute(path);
    let mut dir = absolute.parent();
    while let Some(current) = dir {
        for name in [".gitignore", ".ignore"] {
            let candidate = current.join(name);
            if candidate.is_file() {
                let (matcher, _) = ignore::gitignore::Gitignore::new(&candidate);
                if matcher.matched_path_or_any_parents(&absolute, false).is_ignore() {
                    return true;
                }
            }
        }
        if current.join(".git").exists() {
            let exclude = current.join(".git/info/exclude");
            if exclude.is_file() {
                let (matcher, _) = ignore::gitignore::Gitignore::new(&exclude);
                return matcher.matched_path_or_any_parents(&absolute, false).is_ignore();
            }
            return false;
        }
        dir = current.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_candidates_are_parsed_only_when_an_app_reaches_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("auth.py"), "def user(token = Header(None)): ...\n").expect("file");
        std::fs::write(dir.path().join("quiet.py"), "x = Header(None)  # corslint: ignore[CORS101]\n").expect("file");
        let options = Options { paths: vec![dir.path().to_path_buf()], ..Options::default() };
        let names = |outcome: &Outcome| -> Vec<String> {
            let mut names: Vec<String> =
                outcome.project.files.iter().filter_map(|f| Some(f.path.file_name()?.to_str()?.to_owned())).collect();
            names.sort();
            names
        };
        let alone = lint(&options).expect("lint");
        assert_eq!(names(&alone), ["quiet.py"], "only the suppression is checked without an app");
        assert!(alone.notes.iter().any(|n| n.starts_with("python: 1 of 2 candidates not parsed")), "{:?}", alone.notes);
        std::fs::write(dir.path().join("models.py"), "class Item(BaseModel): ...\n").expect("file");
        std::fs::write(dir.path().join("main.py"), "from fastapi import FastAPI\nfrom auth import user\n")
            .expect("file");
        assert_eq!(names(&lint(&options).expect("lint")), ["auth.py", "main.py", "quiet.py"]);
    }

    #[test]
    fn a_second_run_parses_only_the_changed_buffer() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.py"), "from fastapi import FastAPI\napp = FastAPI()\n").expect("file");
        std::fs::write(dir.path().join("api.conf"), "server { add_header Access-Control-Allow-Origin *; }\n")
            .expect("file");
        let mut cache = ParseCache::keeping();
        let mut options = Options { paths: vec![dir.path().to_path_buf()], ..Options::default() };
        let first = lint_cached(&options, &mut cache).expect("lint");
        assert_eq!((first.project.files.len(), cache.reused), (2, 0));
        let edited = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n\
                      app.add_middleware(CORSMiddleware, allow_origins=[\"https://a.com/\"])\n";
        options.overlays = vec![(dir.path().join("main.py"), edited.to_owned())];
        let second = lint_cached(&options, &mut cache).expect("lint");
        assert_eq!(cache.reused, 1, "api.conf is not parsed again");
        assert!(
            second.diagnostics.iter().any(|d| d.code == "CORS104"),
            "the buffer, not the file: {:?}",
            second.diagnostics
        );
        let third = lint_cached(&options, &mut cache).expect("lint");
        assert_eq!((cache.reused, third.diagnostics.len()), (2, second.diagnostics.len()), "nothing changed");
    }

    #[test]
    fn allowed_origins_reach_the_model_per_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = "[allowed-origins]\n\"prod/**\" = [\"https://app.example.com\"]\n";
        std::fs::write(dir.path().join("corslint.toml"), config).expect("config");
        for sub in ["prod", "dev"] {
            std::fs::create_dir(dir.path().join(sub)).expect("dir");
            std::fs::write(dir.path().join(sub).join("cors.py"), "from fastapi import FastAPI\nCORS_ORIGINS = []\n")
                .expect("file");
        }
        let outcome = lint(&Options { paths: vec![dir.path().to_path_buf()], ..Options::default() }).expect("lint");
        let project = &outcome.project;
        let declared: Vec<(String, &Vec<String>)> = project
            .allowed_origins
            .iter()
            .filter_map(|(id, origins)| project.file(*id).map(|f| (f.path.display().to_string(), origins)))
            .collect();
        assert_eq!(declared.len(), 1, "{declared:?}");
        assert!(declared[0].0.ends_with("prod/cors.py"), "{declared:?}");
        assert_eq!(declared[0].1, &vec!["https://app.example.com".to_owned()]);
    }

    #[test]
    fn each_finding_counts_under_the_fail_on_of_its_own_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stale = "x = 1  # corslint: ignore[CORS901]\n";
        for sub in ["lenient", "strict"] {
            std::fs::create_dir(dir.path().join(sub)).expect("dir");
            std::fs::write(dir.path().join(sub).join("app.py"), stale).expect("file");
        }
        std::fs::write(dir.path().join("lenient/corslint.toml"), "fail-on = \"error\"\n").expect("config");
        let lint_paths = |paths: &[&str], cli: CliOverrides| {
            let paths = paths.iter().map(|p| dir.path().join(p)).collect();
            lint(&Options { paths, cli, ..Options::default() }).expect("lint")
        };
        let lenient = lint_paths(&["lenient"], CliOverrides::default());
        assert_eq!((lenient.diagnostics.len(), lenient.failing), (1, 0), "a warning under fail-on = error");
        let both = lint_paths(&["lenient", "strict"], CliOverrides::default());
        assert_eq!((both.diagnostics.len(), both.failing), (2, 1), "the strict folder's warning counts");
        let flag = CliOverrides { fail_on: Some(Severity::Warning), ..CliOverrides::default() };
        assert_eq!(lint_paths(&["lenient"], flag).failing, 1, "--fail-on decides for every file");
    }

    #[test]
    fn rules_no_config_selects_do_not_run_and_their_suppressions_are_not_unused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("corslint.toml"), "select = [\"CORS201\", \"CORS902\"]\n").expect("config");
        std::fs::create_dir(dir.path().join("edge")).expect("dir");
        std::fs::write(dir.path().join("edge/corslint.toml"), "select = [\"CORS301\", \"CORS902\"]\n").expect("config");
        let stale = "x = 1  # corslint: ignore[CORS201]\ny = 2  # corslint: ignore[CORS104]\n";
        std::fs::write(dir.path().join("app.py"), stale).expect("file");
        std::fs::write(dir.path().join("edge/site.conf"), "server { add_header Access-Control-Allow-Origin *; }\n")
            .expect("file");
        let run = |cli: CliOverrides| {
            let options = Options { paths: vec![dir.path().to_path_buf()], cli: cli.clone(), ..Options::default() };
            let outcome = lint(&options).expect("lint");
            let mut resolver = Resolver::new(None).expect("resolver");
            let mut ran: Vec<&str> =
                rules_that_run(&outcome.project, &mut resolver, &cli).expect("configs").into_iter().collect();
            ran.sort_unstable();
            let unused: Vec<String> =
                outcome.diagnostics.iter().filter(|d| d.code == "CORS902").map(|d| d.message.clone()).collect();
            (ran, unused)
        };
        let (ran, unused) = run(CliOverrides::default());
        assert_eq!(ran, ["CORS201", "CORS301", "CORS902"], "the union of what each folder's config selects");
        assert_eq!(unused, ["this suppression of `CORS201` matches no finding here"], "CORS104 did not run");
        let (ran, unused) = run(CliOverrides { ignore: vec!["CORS201".into()], ..CliOverrides::default() });
        assert_eq!(ran, ["CORS301", "CORS902"]);
        assert!(unused.is_empty(), "CORS201 did not run: {unused:?}");
    }
}
