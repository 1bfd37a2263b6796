//! kustomize overlays: the annotations a `kustomization.yaml` sets on an Ingress of its bases
//! (`patchesStrategicMerge`, `patches` with a file or an inline strategic-merge or JSON 6902
//! patch, `commonAnnotations`) are applied to that Ingress, as `kubectl apply -k` renders it.
//!
//! Each overlay gives its own Ingress (the base's facts, with the patched annotations pointing
//! at the patch); a base Ingress that some overlay patches is not judged on its own (bases are
//! deployed through their overlays), and a patch document is not an Ingress of its own either.

use super::facts::annotations;
use super::push;
use crate::extract::yaml::span;
use crate::model::deploy::{Annotation, Ingress, Written};
use crate::model::{NotAnalysed, Project};
use crate::parse::Parsed;
use crate::parse::yaml::Node;
use crate::source::normalize_path as normalize;
use crate::source::{FileId, Span, Spanned};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bytes of blank-but-one-patch texts made per kustomization at most (each is as long as the file).
const MAX_INLINE_BYTES: usize = 64 * 1024 * 1024;

/// One change to the annotations of the Ingresses a patch targets.
enum Change {
    Set(Annotation),
    Remove(String),
}

/// A patch of an overlay: the Ingress it targets (by name, `None`: every Ingress), its changes,
/// and the patch document's own Ingress span, if it was read as one.
struct Patch {
    target: Option<String>,
    changes: Vec<Change>,
    document: Option<Span>,
}

/// Applies every overlay of the project to the Ingresses already extracted.
pub(in crate::extract) fn apply(project: &mut Project, parsed: &[Parsed]) {
    let paths: Vec<PathBuf> = project.files.iter().map(|f| normalize(&f.path)).collect();
    let ids: HashMap<&Path, FileId> = paths.iter().enumerate().map(|(id, p)| (p.as_path(), id)).collect();
    let mut patched_bases: Vec<Span> = Vec::new();
    let mut patch_documents: Vec<Span> = Vec::new();
    let mut overlays: Vec<Ingress> = Vec::new();
    let mut cut_short: Vec<Span> = Vec::new();
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::Yaml(yaml) = tree else { continue };
        let Some(path) = paths.get(id) else { continue };
        if !is_kustomization(path) {
            continue;
        }
        let Some(dir) = path.parent() else { continue };
        for doc in yaml.documents() {
            let text = project.file(id).map_or("", |f| f.text.as_str());
            let mut cut = None;
            let patches = patches_of(doc, (id, text), dir, (&ids, parsed), &mut cut);
            cut_short.extend(cut);
            if patches.is_empty() {
                continue;
            }
            patch_documents.extend(patches.iter().filter_map(|p| p.document));
            let bases = resources_of(doc, dir);
            for base in project.deploy.ingresses.iter().filter(|i| in_resources(project, i, &bases)) {
                if patch_documents.contains(&base.span) {
                    continue;
                }
                let mut changed = base.clone();
                let mut touched = false;
                for patch in &patches {
                    if patch.target.as_ref().is_some_and(|t| Some(t) != base.name.as_ref().map(|n| &n.value)) {
                        continue;
                    }
                    for change in &patch.changes {
                        touched = true;
                        match change {
                            Change::Set(a) => {
                                changed.annotations.retain(|b| b.key.value != a.key.value);
                                changed.annotations.push(a.clone());
                            }
                            Change::Remove(key) => changed.annotations.retain(|b| &b.key.value != key),
                        }
                    }
                }
                if touched {
                    patched_bases.push(base.span);
                    changed.cors = None;
                    changed.snippet = super::snippet::snippet_directives(&changed.annotations);
                    overlays.push(changed);
                }
            }
        }
    }
    for span in cut_short {
        project.not_analysed.push(NotAnalysed {
            span,
            message: "this inline patch and the ones after it were not analysed: the kustomization holds more \
                      inline patches than corslint reads in one file"
                .to_owned(),
            help: "move the patches into files (`patches: [{path: …}]`), or exclude the kustomization explicitly"
                .to_owned(),
        });
    }
    if patched_bases.is_empty() && patch_documents.is_empty() {
        return;
    }
    let dropped: std::collections::HashSet<Span> = patched_bases.into_iter().chain(patch_documents).collect();
    let dropped_policies: std::collections::HashSet<Span> = project
        .deploy
        .ingresses
        .iter()
        .filter(|i| dropped.contains(&i.span))
        .filter_map(|i| i.cors.as_ref().map(|c| c.policy_span))
        .collect();
    project.deploy.ingresses.retain(|i| !dropped.contains(&i.span));
    project.policies.retain(|p| !dropped_policies.contains(&p.span));
    // Two overlays that change nothing different give the same Ingress: judged once.
    let mut seen = std::collections::HashSet::new();
    for overlay in overlays {
        let written: Vec<(Span, Span)> = overlay.annotations.iter().map(|a| (a.key.span, a.value.span)).collect();
        if seen.insert((overlay.span, written)) {
            push(project, overlay);
        }
    }
}

fn is_kustomization(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

/// The files and directories an overlay builds on (`resources`, and the older `bases`).
fn resources_of(doc: Node<'_>, dir: &Path) -> Vec<PathBuf> {
    ["resources", "bases"]
        .iter()
        .filter_map(|key| doc.get(key))
        .flat_map(|list| list.items().collect::<Vec<_>>())
        .filter_map(|item| item.as_str().map(|s| normalize(&dir.join(s))))
        .collect()
}

/// Whether an Ingress comes from one of the resources (a file, or a directory it lies under).
fn in_resources(project: &Project, ingress: &Ingress, resources: &[PathBuf]) -> bool {
    let Some(file) = project.file(ingress.span.file) else { return false };
    let path = normalize(&file.path);
    resources.iter().any(|r| path == *r || path.starts_with(r))
}

/// Every patch of an overlay that touches Ingress annotations.
fn patches_of(
    doc: Node<'_>,
    (file, text): (FileId, &str),
    dir: &Path,
    (ids, parsed): (&HashMap<&Path, FileId>, &[Parsed]),
    cut: &mut Option<Span>,
) -> Vec<Patch> {
    let mut out = Vec::new();
    // Each inline patch is parsed from a text as long as the kustomization: a bounded number.
    let inline_left = &mut (MAX_INLINE_BYTES / text.len().max(1));
    let from_file = |name: &str, target: Option<String>, out: &mut Vec<Patch>| {
        let wanted = normalize(&dir.join(name));
        let Some(&id) = ids.get(wanted.as_path()) else { return };
        let Some(Parsed::Yaml(yaml)) = parsed.get(id) else { return };
        for patch_doc in yaml.documents() {
            out.extend(strategic_merge(patch_doc, id, target.clone()));
        }
    };
    for item in doc.get("patchesStrategicMerge").into_iter().flat_map(|l| l.items().collect::<Vec<_>>()) {
        if let Some(name) = item.as_str().filter(|s| !s.contains('\n')) {
            from_file(name, None, &mut out);
        }
    }
    let listed = ["patches", "patchesJson6902"].iter().filter_map(|k| doc.get(k));
    for item in listed.flat_map(|l| l.items().collect::<Vec<_>>()) {
        let target = item.path(&["target", "name"]).and_then(|n| n.as_str()).map(str::to_owned);
        let kind = item.path(&["target", "kind"]).and_then(|n| n.as_str());
        if kind.is_some_and(|k| k != "Ingress") {
            continue;
        }
        if let Some(name) = item.get("path").and_then(|p| p.as_str()) {
            from_file(name, target.clone(), &mut out);
        }
        if let Some(inline) = item.get("patch") {
            if *inline_left == 0 {
                *cut = Some(span(inline, file));
                break;
            }
            *inline_left -= 1;
            out.extend(inline_patch(inline, text, file, target));
        }
    }
    if let Some(common) = doc.get("commonAnnotations").filter(Node::is_mapping) {
        let changes: Vec<Change> = annotations(Some(common), file).into_iter().map(Change::Set).collect();
        if !changes.is_empty() {
            out.push(Patch { target: None, changes, document: None });
        }
    }
    out
}

/// A strategic-merge patch document for an Ingress: its `metadata.annotations` (a `null` value
/// removes the annotation).
fn strategic_merge(doc: Node<'_>, file: FileId, target: Option<String>) -> Option<Patch> {
    if doc.get("kind").and_then(|k| k.as_str()) != Some("Ingress") {
        return None;
    }
    let metadata = doc.get("metadata")?;
    let name = metadata.get("name");
    let target = target.or_else(|| name.and_then(|n| n.as_str()).map(str::to_owned));
    let map = metadata.get("annotations")?;
    let mut changes: Vec<Change> = map
        .entries()
        .into_iter()
        .filter(|(_, v)| v.is_null())
        .filter_map(|(k, _)| k.as_str().map(|k| Change::Remove(k.to_owned())))
        .collect();
    changes.extend(annotations(Some(map), file).into_iter().map(Change::Set));
    Some(Patch { target, changes, document: name.map(|n| span(n, file)) })
}

/// An inline `patch: |` (strategic merge, or a JSON 6902 list of operations), with spans in the
/// kustomization (`text` is its text).
fn inline_patch(node: Node<'_>, text: &str, file: FileId, target: Option<String>) -> Vec<Patch> {
    let Some(isolated) = crate::parse::yaml::isolated(text, node) else { return Vec::new() };
    let (yaml, _) = crate::parse::yaml::parse(&isolated);
    let mut out = Vec::new();
    for doc in yaml.documents() {
        if doc.is_sequence() {
            out.extend(json6902(doc, file, target.clone()));
        } else {
            out.extend(strategic_merge(doc, file, target.clone()));
        }
    }
    out
}

/// JSON 6902 operations on `/metadata/annotations` (`add`, `replace`, `remove`).
fn json6902(ops: Node<'_>, file: FileId, target: Option<String>) -> Option<Patch> {
    let mut changes = Vec::new();
    for op in ops.items() {
        let (Some(kind), Some(path)) = (op.get("op").and_then(|o| o.as_str()), op.get("path").and_then(|p| p.as_str()))
        else {
            continue;
        };
        let value = op.get("value");
        if path == "/metadata/annotations" && matches!(kind, "add" | "replace") {
            changes.extend(annotations(value, file).into_iter().map(Change::Set));
            continue;
        }
        let Some(key) = path.strip_prefix("/metadata/annotations/") else { continue };
        let key = key.replace("~1", "/").replace("~0", "~");
        match (kind, value.and_then(|v| v.scalar().map(|s| (v, s)))) {
            ("add" | "replace", Some((node, scalar))) => {
                let key_node = op.get("path").map_or(span(node, file), |p| span(p, file));
                let value = Written {
                    value: scalar.value.clone(),
                    span: span(node, file),
                    text_start: scalar.verbatim.map(|r| r.start),
                };
                changes.push(Change::Set(Annotation { key: Spanned::new(key, key_node), value, value_lines: None }));
            }
            ("remove", _) => changes.push(Change::Remove(key)),
            _ => {}
        }
    }
    (!changes.is_empty()).then_some(Patch { target, changes, document: None })
}
