//! Helm charts: an Ingress template whose annotations come from the chart's values
//! (`{{ toYaml .Values.ingress.annotations | nindent 4 }}`, the shape `helm create` writes) gets
//! them from the chart's `values.yaml`, with their spans there; that values mapping is then not
//! also an Ingress of its own. A values path corslint cannot find leaves the CORS annotations
//! Unknown: what it would render may set any of them.

use crate::parse::Parsed;
use crate::parse::template::ValueRef;
use crate::parse::yaml::Node;
use crate::source::{FileId, TextRange};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Every chart's values file, by chart directory (the directory holding `templates/`).
pub(crate) struct Charts<'a> {
    values: HashMap<PathBuf, (FileId, Node<'a>)>,
}

/// What an Ingress template's annotations read from its chart.
pub(crate) struct Rendered<'a> {
    /// The values mapping the annotations come from, in the values file.
    pub mapping: Option<(FileId, Node<'a>)>,
    /// A values read that could not be followed: the annotations are not all known.
    pub unresolved: Option<TextRange>,
}

impl<'a> Charts<'a> {
    pub(crate) fn new(paths: &[&Path], parsed: &'a [Parsed]) -> Self {
        let mut values = HashMap::new();
        for (id, (path, tree)) in paths.iter().zip(parsed).enumerate() {
            let Parsed::Yaml(yaml) = tree else { continue };
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !matches!(name, "values.yaml" | "values.yml") {
                continue;
            }
            let (Some(dir), Some(root)) = (path.parent(), yaml.documents().next()) else { continue };
            values.insert(dir.to_path_buf(), (id, root));
        }
        Charts { values }
    }

    /// The values of the chart `template` belongs to (`chart/templates/ingress.yaml` →
    /// `chart/values.yaml`).
    fn values_for(&self, template: &Path) -> Option<(FileId, Node<'a>)> {
        let chart = template.ancestors().find(|a| a.file_name().is_some_and(|n| n == "templates"))?.parent()?;
        self.values.get(chart).copied()
    }

    /// What the template expressions in `region` (the text of an Ingress's `annotations:` entry)
    /// render: a `toYaml` of a values mapping is followed; any other statement is not.
    pub(crate) fn annotations(&self, template: &Path, refs: &[ValueRef], region: TextRange) -> Option<Rendered<'a>> {
        // `refs` are in text order: only those in the region are looked at.
        let from = refs.partition_point(|r| r.range.start < region.start);
        let to = refs.partition_point(|r| r.range.start < region.end);
        let within: Vec<&ValueRef> = refs
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .filter(|r| (r.alone || r.to_yaml) && r.range.end <= region.end)
            .collect();
        let first = within.first()?;
        let values = self.values_for(template);
        let mapping = first.path.as_ref().filter(|_| first.to_yaml).zip(values).and_then(|(path, (id, root))| {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            // `annotations:` with nothing, or `{}`: nothing is rendered.
            root.path(&keys).filter(|n| n.is_mapping() || n.is_null()).map(|node| (id, node))
        });
        let unresolved = (mapping.is_none() || within.len() > 1).then_some(first.range);
        Some(Rendered { mapping, unresolved })
    }
}
