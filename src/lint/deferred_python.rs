//! The Python files of a project of Python apps alone, parsed by extraction a group of connected
//! modules at a time ([`crate::extract::extract_parsing_python`]) instead of all at once before it.

use super::template_not_analysed;
use crate::model::Project;
use crate::parse::{self, Parsed};
use crate::source::{FileId, SourceFile};
use rayon::prelude::*;

/// The Python files of a project read a group at a time: parsed when their group is read, their
/// problems kept until the model can take them (each file's once, though it may be parsed twice).
pub(super) struct DeferredPython {
    parsed: Vec<bool>,
    errors: Vec<(FileId, parse::ParseError)>,
    templates: Vec<(FileId, parse::ParseError)>,
}

impl DeferredPython {
    pub(super) fn new(files: usize) -> Self {
        DeferredPython { parsed: vec![false; files], errors: Vec::new(), templates: Vec::new() }
    }

    pub(super) fn parse(&mut self, files: &[SourceFile], ids: &[FileId]) -> Vec<(FileId, Parsed)> {
        let parsed: Vec<(FileId, parse::ParsedFile)> =
            ids.par_iter().filter_map(|&id| Some((id, parse::parse_source(files.get(id)?)))).collect();
        let mut trees = Vec::with_capacity(parsed.len());
        for (id, file) in parsed {
            if let Some(seen) = self.parsed.get_mut(id)
                && !std::mem::replace(seen, true)
            {
                self.errors.extend(file.errors.into_iter().map(|e| (id, e)));
                self.templates.extend(file.not_analysed.map(|problem| (id, problem)));
            }
            trees.push((id, file.tree));
        }
        trees
    }

    /// Adds the files' problems to the project, in file order as if they had been parsed first.
    pub(super) fn record(self, project: &mut Project, notes: &mut Vec<String>) {
        project.parse_errors.extend(self.errors);
        project.parse_errors.sort_by_key(|(id, _)| *id);
        let mut templates = self.templates;
        templates.sort_by_key(|(id, _)| *id);
        for (id, problem) in templates {
            if let Some(file) = project.files.get(id) {
                template_not_analysed(&mut project.not_analysed, notes, id, file, problem);
            }
        }
    }
}
