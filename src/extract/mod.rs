//! Extraction: one module per layer turns syntax trees into facts of the project model.

use crate::model::Project;
use crate::parse::Parsed;

pub mod fastapi;

/// Fills the model from every parsed file; `parsed[i]` belongs to `project.files[i]`.
pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    fastapi::extract(project, parsed);
}
