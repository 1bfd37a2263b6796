//! The project's files by path, built once per run: a frontend looks up its config files, its
//! `.env*` files and the sources under its directory without scanning every file of the
//! repository for each `package.json` (a monorepo has hundreds).

use super::deployed::FinalStages;
use crate::model::Project;
use crate::parse::Parsed;
use crate::source::{FileId, normalize_path};
use std::path::{Path, PathBuf};

pub struct Files<'a> {
    pub parsed: &'a [Parsed],
    /// Normalized paths, sorted: the files under a directory are one contiguous run.
    sorted: Vec<(PathBuf, FileId)>,
    /// The final stage of each (Dockerfile, build context) read so far: every frontend of a
    /// monorepo looks at each compose service's Dockerfile.
    pub final_stages: FinalStages,
}

impl<'a> Files<'a> {
    pub fn new(project: &Project, parsed: &'a [Parsed]) -> Self {
        let mut sorted: Vec<(PathBuf, FileId)> =
            project.files.iter().enumerate().map(|(id, f)| (normalize_path(&f.path), id)).collect();
        sorted.sort();
        Files { parsed, sorted, final_stages: FinalStages::default() }
    }

    /// The file at `path`.
    pub fn id_of(&self, path: &Path) -> Option<FileId> {
        let path = normalize_path(path);
        let at = self.sorted.partition_point(|(p, _)| *p < path);
        self.sorted.get(at).filter(|(p, _)| *p == path).map(|(_, id)| *id)
    }

    /// The files below `dir`, at any depth (every file when `dir` is empty).
    pub fn under<'s>(&'s self, dir: &Path) -> impl Iterator<Item = (&'s Path, FileId)> + use<'s, 'a> {
        let dir = normalize_path(dir);
        let start = self.sorted.partition_point(|(p, _)| *p < dir);
        self.sorted
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(p, _)| p.starts_with(&dir))
            .map(|(p, id)| (p.as_path(), *id))
    }

    /// The files directly in `dir`.
    pub fn in_dir<'s>(&'s self, dir: &Path) -> impl Iterator<Item = (&'s Path, FileId)> + use<'s, 'a> {
        let dir = normalize_path(dir);
        self.under(&dir).filter(move |(p, _)| p.parent().is_some_and(|parent| parent == dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_by_path_and_directory() {
        let files = vec![
            crate::source::SourceFile::new(
                PathBuf::from("web/src/api.ts"),
                crate::source::FileKind::JavaScript,
                String::new(),
            ),
            crate::source::SourceFile::new(
                PathBuf::from("./web/package.json"),
                crate::source::FileKind::FrontendJson,
                String::new(),
            ),
            crate::source::SourceFile::new(
                PathBuf::from("webapp/package.json"),
                crate::source::FileKind::FrontendJson,
                String::new(),
            ),
        ];
        let project = Project { files, ..Project::default() };
        let index = Files::new(&project, &[]);
        assert_eq!(index.id_of(Path::new("web/package.json")), Some(1));
        assert_eq!(index.id_of(Path::new("web/missing.json")), None);
        let under: Vec<FileId> = index.under(Path::new("web")).map(|(_, id)| id).collect();
        assert_eq!(under, [1, 0]);
        let direct: Vec<FileId> = index.in_dir(Path::new("web")).map(|(_, id)| id).collect();
        assert_eq!(direct, [1]);
        assert_eq!(index.under(Path::new("")).count(), 3);
    }
}
