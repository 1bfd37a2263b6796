//! `-o FILE`: the report replaces `FILE` whole, or `FILE` is gone. CI uploads whatever is there
//! after the step, so a half-written report, one written through a symlink the repository
//! planted, or an old one left by a failed run would all pass for this run's result.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to a new file beside `path`, then renames it over `path`: readers and a second
/// corslint writing the same file see the old report or a whole new one, never a mix, and a
/// symlink at `path` is replaced, never followed.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, &mut |out| out.write_all(bytes))
}

/// [`replace`], with what `write` writes: a report of tens of thousands of findings goes to the
/// file as it is written, never whole in memory.
pub fn replace_with(path: &Path, write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let (temporary, file) = create_beside(path)?;
    let mut file = io::BufWriter::new(file);
    let written = write(&mut file).and_then(|()| file.flush());
    drop(file);
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

/// A file that did not exist before, in `path`'s directory (so the rename stays on one file
/// system). `create_new` never opens an existing file or follows a symlink at that name.
fn create_beside(path: &Path) -> io::Result<(PathBuf, std::fs::File)> {
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut last_error = None;
    for attempt in 0..100 {
        let temporary =
            directory.join(format!(".{}.{}-{attempt}.corslint-tmp", name.to_string_lossy(), std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temporary) {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Removes the file at `path` that this run was asked to replace and did not: a report from an
/// earlier run, or one the repository planted, must not pass for this run's result. A symlink is
/// removed itself (its target is left alone); a directory is left alone. `Ok(false)`: nothing was
/// there.
pub fn remove_stale(path: &Path) -> io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(false),
        Ok(_) => std::fs::remove_file(path).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old report, longer than the new one").expect("old");
        replace(&target, b"[]\n").expect("replace");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "[]\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").filter_map(|e| e.ok()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(replace(dir.path(), b"x").is_err(), "a directory is not replaced");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "nor is a temporary file left then");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").expect("victim");
        let link = dir.path().join("report.sarif");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        replace(&link, b"{}").expect("replace");
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
        assert!(std::fs::symlink_metadata(&link).expect("meta").is_file());

        std::os::unix::fs::symlink(&victim, dir.path().join("stale.sarif")).expect("symlink");
        assert!(remove_stale(&dir.path().join("stale.sarif")).expect("remove"));
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
        assert!(!remove_stale(&dir.path().join("stale.sarif")).expect("nothing there"));
        assert!(!remove_stale(dir.path()).expect("a directory"), "a directory is left alone");
    }
}
