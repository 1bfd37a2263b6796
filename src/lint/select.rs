//! What the pipeline lints: the walk of the given paths (or of the project around named files),
//! stdin and unsaved buffers, with exclusions applied, and the CORS903 record of each file that
//! was selected but cannot be analysed.

use super::{LintError, Options, display_path, is_vcs_ignored};
use crate::config::{self, Resolver};
use crate::discover::{self, Discovery, Found, SkipReason, Skipped};
use crate::model::NotAnalysed;
use crate::parse;
use crate::project::Scope;
use crate::source::Span;
use std::path::{Path, PathBuf};

/// What discovery (or stdin) gave the pipeline, after exclusions.
pub(super) struct Selected {
    pub(super) found: Vec<Found>,
    pub(super) skipped: Vec<Skipped>,
    /// Files looked at and dropped by the prefilter: clean, but linted.
    pub(super) passed_over: usize,
    /// Of those, the files a run that names files speaks for (named, or in a named folder).
    pub(super) passed_over_named: usize,
    /// The JavaScript files among them: a backend file may import one of them.
    pub(super) passed_over_javascript: Vec<PathBuf>,
}

/// The files to lint. Without project context: stdin (as the file it names) and the walk of every
/// other path (`corslint --stdin-filename x.conf - nginx/` lints both; the stdin buffer replaces
/// the walked file of the same name). With it (`scope`): the walk of the project around the named
/// files, the named files themselves, and stdin as the buffer of the file it names. Unsaved
/// buffers replace their files either way; exclusions apply last.
pub(super) fn select(
    options: &Options,
    scope: Option<&Scope>,
    keep: &discover::Keep,
    resolver: &mut Resolver,
    notes: &mut Vec<String>,
) -> Result<Selected, LintError> {
    let stdin = match (&options.stdin, scope) {
        (Some((name, text)), None) => {
            let kind = discover::classify_by_name(name).ok_or_else(|| LintError::StdinKind(name.clone()))?;
            Some(Found { path: name.clone(), kind, bytes: text.clone().into_bytes(), explicit: true })
        }
        _ => None,
    };
    let mut paths: Vec<PathBuf> = match scope {
        Some(scope) => scope.walk.clone(),
        None => options.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect(),
    };
    if paths.is_empty() && stdin.is_none() {
        paths.push(PathBuf::from("."));
    }
    let discovery = if paths.is_empty() { Discovery::default() } else { discover::discover(&paths, keep) };
    if let Some(missing) = discovery.missing.first() {
        return Err(LintError::Missing(missing.clone()));
    }
    let mut unreadable = Vec::new();
    for (path, message) in discovery.unreadable {
        let config = resolver.for_file(&path)?;
        // A refused directory is excluded when a file in it would be.
        if !config.is_excluded(&path) && !config.is_excluded(&path.join("_")) {
            unreadable.push(message);
        }
    }
    if !unreadable.is_empty() {
        return Err(LintError::Unreadable(unreadable));
    }
    notes.extend(discovery.notes);
    resolver.learn_walk(&discovery.dirs, &discovery.settings_dirs);
    let mut found = discovery.files;
    let mut passed_over = discovery.passed_over;
    let mut skipped = discovery.skipped;
    let mut overlays = options.overlays.clone();
    if let Some(scope) = scope {
        let mut named = add_named_files(&mut found, &skipped, &passed_over, scope, keep, notes);
        if let Some(missing) = named.missing.first() {
            return Err(LintError::Missing(missing.clone()));
        }
        passed_over.append(&mut named.passed_over);
        skipped.append(&mut named.skipped);
        if let Some((name, text)) = &options.stdin {
            overlays.push((name.clone(), text.clone()));
        }
    }
    substitute(&mut found, &mut passed_over, &overlays)?;
    if let Some(stdin) = stdin {
        let name = display_path(&stdin.path);
        found.retain(|f| display_path(&f.path) != name);
        passed_over.retain(|p| display_path(p) != name);
        if parse::worth_parsing(stdin.kind, &stdin.bytes) {
            found.push(stdin);
        } else {
            passed_over.push(stdin.path);
        }
    }
    let mut excluded = |path: &Path, explicit: bool| -> Result<bool, LintError> {
        let config = resolver.for_file(path)?;
        let excluded = config.is_excluded(path) || (explicit && options.force_exclude && is_vcs_ignored(path));
        let drop = excluded && (!explicit || options.force_exclude);
        if drop {
            notes.push(format!("{}: excluded", path.display()));
        }
        Ok(drop)
    };
    let mut selected = Selected {
        found: Vec::with_capacity(found.len()),
        skipped: Vec::new(),
        passed_over: 0,
        passed_over_named: 0,
        passed_over_javascript: Vec::new(),
    };
    for file in found {
        if !excluded(&file.path, file.explicit)? {
            selected.found.push(file);
        }
    }
    for file in skipped {
        if !excluded(&file.path, file.explicit)? {
            selected.skipped.push(file);
        }
    }
    // Clean files are only counted: an excluded one is dropped without a note. A file with no
    // settings file between it and the walked directory is governed by the directory's own
    // configuration: one look-up per directory given, not three file probes per directory walked.
    let walked: Vec<(&PathBuf, std::sync::Arc<crate::config::Config>)> = {
        let dirs = paths.iter().filter(|p| p.is_dir());
        dirs.map(|dir| Ok((dir, resolver.for_file(&dir.join("_"))?))).collect::<Result<_, LintError>>()?
    };
    let settings_dirs: std::collections::HashSet<&Path> =
        discovery.settings_dirs.iter().map(PathBuf::as_path).collect();
    let settings_between =
        |path: &Path, dir: &Path| path.ancestors().skip(1).take_while(|a| *a != dir).any(|a| settings_dirs.contains(a));
    for path in passed_over {
        let config = match walked.iter().find(|(dir, _)| path.starts_with(dir)) {
            Some((dir, config)) if !settings_between(&path, dir) => config.clone(),
            _ => resolver.for_file(&path)?,
        };
        if !config.is_excluded(&path) {
            selected.passed_over += 1;
            if discover::classify_by_name(&path) == Some(crate::source::FileKind::JavaScript) {
                selected.passed_over_javascript.push(path.clone());
            }
            let mut governed_by = |p: &Path| resolver.for_file(p).ok().and_then(|c| c.path.clone());
            if scope.is_some_and(|scope| scope.named.covers(&path, &mut governed_by)) {
                selected.passed_over_named += 1;
            }
        }
    }
    Ok(selected)
}

/// Marks the walked files the user named as named (so they are linted even when ignore files
/// would skip them), and reads the named files the walk did not reach (a link is reached under
/// its target's path; a file the walk skipped or passed over was reached).
fn add_named_files(
    found: &mut Vec<Found>,
    skipped: &[Skipped],
    passed_over: &[PathBuf],
    scope: &Scope,
    keep: &discover::Keep,
    notes: &mut Vec<String>,
) -> Discovery {
    let named_passed_over = passed_over.iter().map(|p| config::absolute(p)).filter(|p| scope.named.files.contains(p));
    let mut reached: std::collections::HashSet<PathBuf> =
        skipped.iter().map(|s| config::absolute(&s.path)).chain(named_passed_over).collect();
    for file in found.iter_mut() {
        let absolute = config::absolute(&file.path);
        if scope.named.files.contains(&absolute) {
            file.explicit = true;
            reached.insert(absolute);
        }
    }
    let reached_as = |path: &PathBuf| {
        reached.contains(path) || std::fs::canonicalize(path).is_ok_and(|target| reached.contains(&target))
    };
    let missing: Vec<PathBuf> = scope.named.files.iter().filter(|p| !reached_as(p) && p.is_file()).cloned().collect();
    let mut discovery = if missing.is_empty() { Discovery::default() } else { discover::discover(&missing, keep) };
    notes.append(&mut discovery.notes);
    found.append(&mut discovery.files);
    found.sort_by(|a, b| a.path.cmp(&b.path));
    discovery
}

/// Replaces each file that has an unsaved buffer (stdin, an editor's) by that buffer, and adds
/// buffers of files not on disk.
fn substitute(
    found: &mut Vec<Found>,
    passed_over: &mut Vec<PathBuf>,
    overlays: &[(PathBuf, String)],
) -> Result<(), LintError> {
    for (path, text) in overlays {
        let absolute = config::absolute(path);
        found.retain(|f| config::absolute(&f.path) != absolute);
        passed_over.retain(|p| config::absolute(p) != absolute);
        let kind = discover::classify_by_name(path).ok_or_else(|| LintError::StdinKind(path.clone()))?;
        if parse::worth_parsing(kind, text.as_bytes()) {
            found.push(Found { path: absolute, kind, bytes: text.clone().into_bytes(), explicit: true });
        } else {
            passed_over.push(absolute);
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(())
}

/// The CORS903 record of a file that was selected but not analysed. Nothing of a link's target is
/// named: it lies outside the tree.
pub(super) fn not_analysed(file: usize, path: &Path, reason: &SkipReason) -> NotAnalysed {
    let shown = path.display();
    let exclude = format!("or exclude it explicitly (`exclude = [\"{shown}\"]` in corslint.toml)");
    let (message, help) = match reason {
        SkipReason::TooLarge { size } => (
            format!(
                "`{shown}` was not analysed: it is {:.1} MiB, over the {} MiB corslint reads, and its first megabytes \
                 hold what can matter for CORS",
                *size as f64 / (1024.0 * 1024.0),
                discover::MAX_FILE_SIZE / (1024 * 1024)
            ),
            format!("split the configuration into smaller files, {exclude}"),
        ),
        SkipReason::Binary => (
            format!(
                "`{shown}` was not analysed: it holds NUL bytes, so it looks binary (so does UTF-16 text without a \
                 byte-order mark)"
            ),
            format!("save it as UTF-8 (or UTF-16 with a byte-order mark), {exclude}"),
        ),
        SkipReason::OutsideTree => (
            format!(
                "`{shown}` is a symlink to a file outside the linted tree: corslint does not follow links out of \
                 the repository, so what it points to was not analysed"
            ),
            format!("lint the target where it lives, or copy it into the repository, {exclude}"),
        ),
    };
    NotAnalysed { span: Span::new(file, 0, 0), message, help }
}
