//! Baselines for teams adopting corslint on an existing repository: `--write-baseline FILE`
//! records today's findings, `--baseline FILE` (or `baseline =` in the config) reports only new ones.
//!
//! A finding is recorded by its code, its file relative to the project root (never to the working
//! directory) and the text of its span with whitespace collapsed: moving lines, re-indenting or
//! linting from another folder keeps it recognised. Identical entries are counted, so a second
//! copy of a recorded mistake is new.

use crate::diagnostic::Diagnostic;
use crate::model::Project;
use crate::project::Roots;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

/// The file as written: sorted entries, one per finding.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    /// Relative to the project root, with `/`.
    pub file: String,
    /// The span's text, whitespace collapsed (the line's, for a finding on an empty span).
    pub content: String,
}

/// A loaded baseline: how many findings of each kind are known.
#[derive(Debug, Default)]
pub struct Baseline {
    known: HashMap<Entry, usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{0}: cannot be read: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: not a corslint baseline: {1}")]
    Invalid(PathBuf, String),
    #[error("{0}: cannot be written: {1}")]
    Write(PathBuf, std::io::Error),
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Read(path.to_path_buf(), e))?;
        let file: BaselineFile =
            serde_json::from_str(&text).map_err(|e| BaselineError::Invalid(path.to_path_buf(), e.to_string()))?;
        if file.version != VERSION {
            return Err(BaselineError::Invalid(path.to_path_buf(), format!("version {} is unknown", file.version)));
        }
        let mut known = HashMap::new();
        for entry in file.findings {
            *known.entry(entry).or_default() += 1;
        }
        Ok(Baseline { known })
    }

    /// Whether `entry` is recorded and not yet used up; each call uses one.
    pub fn take(&mut self, entry: &Entry) -> bool {
        match self.known.get_mut(entry) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The entry that records `diagnostic`. `fallback_root` is used when no folder above the file is
/// a project root.
pub fn entry(project: &Project, diagnostic: &Diagnostic, roots: &mut Roots, fallback_root: &Path) -> Option<Entry> {
    let file = project.file(diagnostic.span.file)?;
    let absolute = crate::config::absolute(&file.path);
    let root = roots.of(&absolute).unwrap_or_else(|| fallback_root.to_path_buf());
    let relative = absolute.strip_prefix(&root).unwrap_or(&absolute);
    let mut text = file.slice(diagnostic.span.range);
    if text.trim().is_empty() {
        text = file.line(file.position(diagnostic.span.start()).row);
    }
    Some(Entry {
        code: diagnostic.code.to_owned(),
        file: relative.to_string_lossy().replace('\\', "/"),
        content: text.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// Writes the baseline of `diagnostics`, replacing `path` whole.
pub fn write(path: &Path, project: &Project, diagnostics: &[Diagnostic]) -> Result<usize, BaselineError> {
    let fallback = baseline_dir(path);
    let mut roots = Roots::default();
    let mut findings: Vec<Entry> =
        diagnostics.iter().filter_map(|d| entry(project, d, &mut roots, &fallback)).collect();
    findings.sort();
    let count = findings.len();
    let mut text = serde_json::to_string_pretty(&BaselineFile { version: VERSION, findings })
        .map_err(|e| BaselineError::Write(path.to_path_buf(), std::io::Error::other(e)))?;
    text.push('\n');
    crate::report::output_file::replace(path, text.as_bytes())
        .map_err(|e| BaselineError::Write(path.to_path_buf(), e))?;
    Ok(count)
}

/// Outside any project, paths are recorded relative to the baseline's own folder.
pub fn baseline_dir(path: &Path) -> PathBuf {
    crate::config::absolute(path).parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileKind, SourceFile, Span};

    fn project(dir: &Path, text: &str) -> Project {
        let path = dir.join("nginx/api.conf");
        Project { files: vec![SourceFile::new(path, FileKind::Nginx, text.into())], ..Project::default() }
    }

    fn finding(start: usize, end: usize) -> Diagnostic {
        let mut sink = crate::rules::Sink::new(crate::rules::find("CORS301").expect("rule"));
        sink.report(Span::new(0, start, end), "m");
        sink.into_diagnostics().remove(0)
    }

    #[test]
    fn entries_survive_moved_lines_and_reindenting() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join(".git")).expect("git");
        let before = project(dir.path(), "add_header A  $x;\n");
        let after = project(dir.path(), "\n\n    add_header A $x;\n");
        let mut roots = Roots::default();
        let a = entry(&before, &finding(0, 17), &mut roots, Path::new("/")).expect("entry");
        let b = entry(&after, &finding(6, 22), &mut roots, Path::new("/")).expect("entry");
        assert_eq!(a, b);
        assert_eq!(a.file, "nginx/api.conf", "relative to the project root");
    }

    #[test]
    fn a_second_copy_of_a_recorded_finding_is_new() {
        let entry = Entry { code: "CORS301".into(), file: "a.conf".into(), content: "x".into() };
        let mut baseline = Baseline { known: HashMap::from([(entry.clone(), 1)]) };
        assert!(baseline.take(&entry));
        assert!(!baseline.take(&entry));
    }
}
