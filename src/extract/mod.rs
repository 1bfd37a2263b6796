//! Extraction: one module per layer turns syntax trees into facts of the project model.

pub mod nginx;

use crate::model::Project;
use crate::parse::Parsed;

/// Fills the model from every parsed file; `parsed[i]` belongs to `project.files[i]`.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    nginx::extract(project, parsed);
}
