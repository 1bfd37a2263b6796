//! Applying the fixes rules attach to their findings (`--fix`, `--diff`, `--unsafe-fixes`, and the
//! language server's code actions): edits grouped per file, overlapping fixes left for a later
//! pass, and files written back only when their text is exactly what was linted.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::lint::{LintError, Options, Outcome};
use crate::source::{FileId, SourceFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file with the fixes that apply to it.
#[derive(Debug)]
pub struct FixedFile {
    pub id: FileId,
    pub path: PathBuf,
    pub original: String,
    pub fixed: String,
    /// The codes of the findings fixed, one entry per finding.
    pub codes: Vec<&'static str>,
}

/// Whether `fix` may be applied: safe ones always, unsafe ones only when asked.
pub fn applies(fix: &Fix, unsafe_fixes: bool) -> bool {
    fix.applicability == Applicability::Safe || unsafe_fixes
}

/// The fixed text of every file that has applicable fixes. Fixes are taken in report order; a fix
/// whose edits overlap one already taken waits for the next pass (after a re-lint).
pub fn plan(outcome: &Outcome, unsafe_fixes: bool) -> Vec<FixedFile> {
    let mut by_file: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &outcome.diagnostics {
        let Some(fix) = &d.fix else { continue };
        if !applies(fix, unsafe_fixes) || fix.edits.is_empty() {
            continue;
        }
        // A fix is applied whole or not at all, and only when it stays in one file.
        let Some(first) = fix.edits.first() else { continue };
        if fix.edits.iter().any(|e| e.span.file != first.span.file) {
            continue;
        }
        by_file.entry(first.span.file).or_default().push(d);
    }
    let mut out = Vec::new();
    for (id, diagnostics) in by_file {
        let Some(file) = outcome.project.file(id) else { continue };
        if let Some(fixed) = apply(file, id, &diagnostics) {
            out.push(fixed);
        }
    }
    out
}

/// Applies the fixes of `diagnostics` (all in `file`) that do not overlap each other.
pub fn apply(file: &SourceFile, id: FileId, diagnostics: &[&Diagnostic]) -> Option<FixedFile> {
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    let mut codes = Vec::new();
    for d in diagnostics {
        let Some(fix) = &d.fix else { continue };
        let edits: Vec<(usize, usize, &str)> =
            fix.edits.iter().map(|e| (e.span.start(), e.span.end(), e.content.as_str())).collect();
        let valid = edits.iter().all(|(s, e, _)| {
            s <= e && *e <= file.text.len() && file.text.is_char_boundary(*s) && file.text.is_char_boundary(*e)
        });
        if !valid || edits.iter().any(|edit| taken.iter().any(|t| overlaps(*edit, *t))) {
            continue;
        }
        taken.extend(edits);
        codes.push(d.code);
    }
    if taken.is_empty() {
        return None;
    }
    taken.sort_by_key(|(start, end, _)| (*start, *end));
    let mut fixed = String::with_capacity(file.text.len() + 64);
    let mut at = 0;
    for (start, end, content) in taken {
        fixed.push_str(file.text.get(at..start)?);
        fixed.push_str(content);
        at = end;
    }
    fixed.push_str(file.text.get(at..)?);
    Some(FixedFile { id, path: file.path.clone(), original: file.text.clone(), fixed, codes })
}

/// Two edits touch the same text. Two insertions at one offset overlap too: their order would be
/// a guess.
fn overlaps(a: (usize, usize, &str), b: (usize, usize, &str)) -> bool {
    (a.0 < b.1 && b.0 < a.1) || a.0 == b.0
}

/// A unified diff of the fix, with `a/` and `b/` paths as `git diff` writes them.
pub fn unified_diff(file: &FixedFile) -> String {
    let path = file.path.to_string_lossy().replace('\\', "/");
    similar::TextDiff::from_lines(&file.original, &file.fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Why a fixed file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}: changed on disk since it was read, or not valid UTF-8: not fixed")]
    Changed(PathBuf),
    #[error("{0}: cannot be written: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Writes `updated` over the file at `path` in place (permissions and links kept), only when the
/// file on disk is `original`, the text that was linted (give or take a byte-order mark, which is kept).
pub fn write_back(path: &Path, original: &str, updated: &str) -> Result<(), WriteError> {
    let on_disk = crate::source::read_file(path).map_err(|e| WriteError::Io(path.to_path_buf(), e))?;
    let bom: &[u8] = if on_disk.starts_with(b"\xef\xbb\xbf") { b"\xef\xbb\xbf" } else { b"" };
    if on_disk.get(bom.len()..) != Some(original.as_bytes()) {
        return Err(WriteError::Changed(path.to_path_buf()));
    }
    let mut bytes = bom.to_vec();
    bytes.extend_from_slice(updated.as_bytes());
    std::fs::write(path, bytes).map_err(|e| WriteError::Io(path.to_path_buf(), e))
}

/// What `--fix` or `--diff` did.
#[derive(Debug)]
pub struct FixRun {
    /// The findings left after the last pass (for `--diff`: before any fix).
    pub outcome: Outcome,
    /// Findings fixed (or, for `--diff`, fixable).
    pub fixed: usize,
    /// `--diff`: the unified diff of every fix.
    pub diff: String,
    /// Linting stdin: the fixed text, printed instead of a report.
    pub stdin_text: Option<String>,
    /// Files that could not be written.
    pub problems: Vec<String>,
}

/// Fixes change what later rules see (a header gains `always`, then another rule reads it):
/// passes until nothing changes, at most this many.
const MAX_PASSES: usize = 10;

/// `--fix` (`write`) or `--diff`: lints, applies the applicable fixes to the files (or the stdin
/// buffer) and lints again until no fix is left.
pub fn run(options: &Options, unsafe_fixes: bool, write: bool) -> Result<FixRun, LintError> {
    let mut options = options.clone();
    let stdin_path = options.stdin.as_ref().map(|(name, _)| crate::config::absolute(name));
    // Naming files lints their project, but only the named files are the user's to change now.
    let scope = crate::project::Scope::of(&options.paths, None).filter(|_| options.project_context);
    let writable = |path: &Path| {
        scope.as_ref().is_none_or(|s| {
            let absolute = crate::config::absolute(path);
            s.named.files.contains(&absolute) || s.named.dirs.iter().any(|d| absolute.starts_with(d))
        })
    };
    let mut run = FixRun {
        outcome: crate::lint::lint(&options)?,
        fixed: 0,
        diff: String::new(),
        stdin_text: None,
        problems: Vec::new(),
    };
    for _ in 0..MAX_PASSES {
        let planned = plan(&run.outcome, unsafe_fixes);
        if !write {
            run.diff = planned.iter().map(unified_diff).collect();
            run.fixed = planned.iter().map(|f| f.codes.len()).sum();
            return Ok(run);
        }
        let mut changed = false;
        for file in &planned {
            let is_stdin = stdin_path.as_ref().is_some_and(|p| *p == crate::config::absolute(&file.path));
            if let (true, Some((_, text))) = (is_stdin, options.stdin.as_mut()) {
                *text = file.fixed.clone();
            } else if stdin_path.is_some() || !writable(&file.path) {
                continue; // a buffer, or a named file: the files around them stay as they are
            } else if let Err(e) = write_back(&file.path, &file.original, &file.fixed) {
                run.problems.push(e.to_string());
                continue;
            }
            run.fixed += file.codes.len();
            changed = true;
        }
        if !changed {
            break;
        }
        run.outcome = crate::lint::lint(&options)?;
    }
    run.stdin_text = options.stdin.map(|(_, text)| text);
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Severity};
    use crate::source::{FileKind, Span};

    fn finding(code: &'static str, edits: Vec<Edit>) -> Diagnostic {
        Diagnostic {
            code,
            name: "x",
            severity: Severity::Warning,
            message: String::new(),
            help: None,
            span: Span::new(0, 0, 0),
            primary_label: None,
            labels: Vec::new(),
            fix: Some(Fix { message: String::new(), edits, applicability: Applicability::Safe }),
        }
    }

    fn edit(start: usize, end: usize, content: &str) -> Edit {
        Edit { span: Span::new(0, start, end), content: content.into() }
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass() {
        let file = SourceFile::new("a.conf".into(), FileKind::Nginx, "abcdef".into());
        let first = finding("CORS1", vec![edit(1, 3, "X")]);
        let second = finding("CORS2", vec![edit(2, 4, "Y")]);
        let third = finding("CORS3", vec![edit(6, 6, "!"), edit(0, 0, ">")]);
        let same_point = finding("CORS4", vec![edit(6, 6, "?")]);
        let fixed = apply(&file, 0, &[&first, &second, &third, &same_point]).expect("fixes apply");
        assert_eq!(fixed.fixed, ">aXdef!");
        assert_eq!(fixed.codes, ["CORS1", "CORS3"]);
    }

    #[test]
    fn edits_outside_the_text_are_refused() {
        let file = SourceFile::new("a.py".into(), FileKind::Python, "é".into());
        assert!(apply(&file, 0, &[&finding("CORS1", vec![edit(1, 1, "x")])]).is_none(), "inside a character");
        assert!(apply(&file, 0, &[&finding("CORS1", vec![edit(9, 9, "x")])]).is_none(), "past the end");
    }
}
