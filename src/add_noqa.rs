//! `--add-noqa`: writes `# corslint: ignore[CODE]` for every finding reported today, as ruff's
//! `--add-noqa` does, so a team can adopt corslint and see only new findings.
//!
//! A comment goes only where it cannot change meaning: it trails the finding's line (for dotenv
//! files it stands alone on the line above, since a `#` after a value can be part of it). Every
//! changed file is parsed again, and an insertion that changes the parse (a line that ends inside a
//! multi-line string, a YAML block scalar, a quoted nginx argument) is dropped.

use crate::lint::Outcome;
use crate::source::{FileId, FileKind, SourceFile};
use std::collections::BTreeMap;

/// What `--add-noqa` does to one file.
#[derive(Debug)]
pub struct NoqaFile {
    pub id: FileId,
    pub path: std::path::PathBuf,
    pub original: String,
    pub updated: String,
    /// Findings covered by a new or extended comment.
    pub added: usize,
    /// Rows left alone because a comment there would change the file's meaning.
    pub refused: Vec<usize>,
}

/// What `--add-noqa` did.
#[derive(Debug, Default)]
pub struct NoqaRun {
    pub files: usize,
    pub comments: usize,
    /// Lines left alone and files that could not be written, for the user.
    pub problems: Vec<String>,
}

/// Writes the planned comments into the files (each only if it is still what was linted).
pub fn run(outcome: &Outcome) -> NoqaRun {
    let mut run = NoqaRun::default();
    for file in plan(outcome) {
        for row in &file.refused {
            run.problems.push(format!(
                "{}:{row}: no suppression comment added: a comment there would change what the file means",
                file.path.display()
            ));
        }
        if file.added == 0 {
            continue;
        }
        match crate::fix::write_back(&file.path, &file.original, &file.updated) {
            Ok(()) => {
                run.files += 1;
                run.comments += file.added;
            }
            Err(e) => run.problems.push(e.to_string()),
        }
    }
    run
}

/// Codes that a suppression comment must not carry: CORS902 is about suppression comments.
const NOT_SUPPRESSED: &[&str] = &["CORS902"];

/// The comments to add, per file, for the findings of `outcome`.
pub fn plan(outcome: &Outcome) -> Vec<NoqaFile> {
    let mut by_file: BTreeMap<FileId, BTreeMap<usize, Vec<&'static str>>> = BTreeMap::new();
    for d in outcome.diagnostics.iter().filter(|d| !NOT_SUPPRESSED.contains(&d.code)) {
        let Some(file) = outcome.project.file(d.span.file) else { continue };
        let row = file.position(d.span.start()).row;
        by_file.entry(d.span.file).or_default().entry(row).or_default().push(d.code);
    }
    by_file.into_iter().filter_map(|(id, rows)| plan_file(outcome.project.file(id)?, id, rows)).collect()
}

fn plan_file(file: &SourceFile, id: FileId, rows: BTreeMap<usize, Vec<&'static str>>) -> Option<NoqaFile> {
    let before = signature(file.kind, &file.text);
    let rows: Vec<(usize, Vec<&'static str>)> = rows
        .into_iter()
        .map(|(row, mut codes)| {
            codes.sort_unstable();
            codes.dedup();
            (row, codes)
        })
        .collect();
    let mut updated = insert(file, &rows);
    let mut refused = Vec::new();
    let mut accepted = rows.clone();
    if signature(file.kind, &updated) != before {
        // Some comment changes the parse: find which, one at a time (only then is each row re-parsed).
        let (fine, changing): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|row| signature(file.kind, &insert(file, std::slice::from_ref(row))) == before);
        refused.extend(changing.into_iter().map(|(row, _)| row));
        updated = insert(file, &fine);
        accepted = fine;
        if signature(file.kind, &updated) != before {
            // Harmless alone but not together: keep none rather than guess.
            refused.extend(accepted.drain(..).map(|(row, _)| row));
            refused.sort_unstable();
            updated = file.text.clone();
        }
    }
    if accepted.is_empty() && refused.is_empty() {
        return None;
    }
    let added = accepted.iter().map(|(_, codes)| codes.len()).sum();
    Some(NoqaFile { id, path: file.path.clone(), original: file.text.clone(), updated, added, refused })
}

/// The file's text with a suppression comment for each `(row, codes)`.
fn insert(file: &SourceFile, rows: &[(usize, Vec<&'static str>)]) -> String {
    let mut out = String::with_capacity(file.text.len() + rows.len() * 32);
    let mut at = 0;
    for (row, codes) in rows {
        let Some(start) = file.line_start(*row) else { continue };
        let line = file.line(*row);
        let end = start + line.len();
        let list = codes.join(", ");
        let marker = crate::suppress::comment_marker(file.kind);
        if file.kind == FileKind::Dotenv {
            out.push_str(file.text.get(at..start).unwrap_or(""));
            out.push_str(&format!("{marker} corslint: ignore[{list}]\n"));
            at = start;
            continue;
        }
        out.push_str(file.text.get(at..end).unwrap_or(""));
        match existing_list_end(line, marker) {
            // `# corslint: ignore[A]` already trails the line: extend its list.
            Some(close) => {
                let (head, tail) = (line.get(..close).unwrap_or(""), line.get(close..).unwrap_or(""));
                out.truncate(out.len() - line.len());
                out.push_str(head);
                out.push_str(", ");
                out.push_str(&list);
                out.push_str(tail);
            }
            None if line.trim().is_empty() => out.push_str(&format!("{marker} corslint: ignore[{list}]")),
            None => out.push_str(&format!("  {marker} corslint: ignore[{list}]")),
        }
        at = end;
    }
    out.push_str(file.text.get(at..).unwrap_or(""));
    out
}

/// The offset of the `]` of a trailing `# corslint: ignore[...]` (`//` in JavaScript) on `line`.
fn existing_list_end(line: &str, marker: &str) -> Option<usize> {
    let start = line.rfind(&format!("{marker} corslint: ignore["))?;
    let before = line.get(..start)?;
    if before.trim().is_empty() {
        return None; // alone on its line: it covers the next line, not this one
    }
    line.get(start..)?.find(']').map(|i| start + i)
}

/// What a parser makes of `text`, without comments and positions: two texts with the same
/// signature mean the same to nginx, Python, YAML or a dotenv reader.
pub fn signature(kind: FileKind, text: &str) -> String {
    use crate::parse;
    match kind {
        FileKind::Nginx => {
            let config = parse::nginx::parse(text);
            let mut out = String::new();
            nginx_signature(&config.directives, &mut out);
            format!("{out}|errors:{}", config.errors.len())
        }
        FileKind::Dotenv => {
            let file = parse::dotenv::parse(text);
            file.entries.iter().map(|e| format!("{}={:?};", e.key, e.value)).collect()
        }
        FileKind::Yaml => {
            let (file, errors) = parse::yaml::parse(text);
            let mut out = String::new();
            for doc in file.documents() {
                yaml_signature(doc, &mut out, 0);
                out.push_str("---");
            }
            format!("{out}|errors:{}", errors.len())
        }
        FileKind::Python => match parse::python::parse(text) {
            (Some(tree), errors) => {
                let mut out = String::new();
                tree_signature(tree.root(), text, &mut out);
                format!("{out}|errors:{}", errors.len())
            }
            (None, errors) => format!("unparsed|errors:{}", errors.len()),
        },
        FileKind::JavaScript => {
            let dialect = parse::javascript::Dialect::JavaScript;
            match parse::javascript::parse(text, dialect) {
                (Some(tree), errors) => {
                    let mut out = String::new();
                    tree_signature(tree.root(), text, &mut out);
                    format!("{out}|errors:{}", errors.len())
                }
                (None, errors) => format!("unparsed|errors:{}", errors.len()),
            }
        }
        // Never parsed: the text is all corslint knows of it.
        FileKind::AppSource | FileKind::FrontendJson | FileKind::StaticHeaders => text.to_string(),
    }
}

fn nginx_signature(directives: &[crate::parse::nginx::Directive], out: &mut String) {
    for d in directives {
        out.push_str(&format!("{:?}", d.name));
        for arg in &d.args {
            out.push_str(&format!(" {:?}{}", arg.value, if arg.quoted { "q" } else { "" }));
        }
        if let Some(block) = &d.block {
            out.push('{');
            nginx_signature(&block.directives, out);
            out.push('}');
        }
        out.push(';');
    }
}

/// Deep enough for any configuration; a deeper tree is compared by its top.
const MAX_YAML_DEPTH: usize = 200;

fn yaml_signature(node: crate::parse::yaml::Node<'_>, out: &mut String, depth: usize) {
    if depth > MAX_YAML_DEPTH {
        return;
    }
    if let Some(scalar) = node.scalar() {
        out.push_str(&format!("{:?}:{:?}", scalar.kind, scalar.value));
    } else if node.is_mapping() {
        out.push('{');
        for (key, value) in node.entries() {
            yaml_signature(key, out, depth + 1);
            out.push(':');
            yaml_signature(value, out, depth + 1);
            out.push(',');
        }
        out.push('}');
    } else if node.is_sequence() {
        out.push('[');
        for item in node.items() {
            yaml_signature(item, out, depth + 1);
            out.push(',');
        }
        out.push(']');
    } else {
        out.push('?');
    }
}

/// Node kinds and the text of leaves (and of string contents), comments left out. With a stack
/// of its own: a deeply nested file must not exhaust the thread's.
fn tree_signature(root: tree_sitter::Node<'_>, text: &str, out: &mut String) {
    let mut stack = vec![(root, false)];
    while let Some((node, closing)) = stack.pop() {
        if closing {
            out.push(')');
            continue;
        }
        if node.kind() == "comment" {
            continue;
        }
        out.push_str(node.kind());
        let whole = node.kind() == "string_content";
        if whole || node.child_count() == 0 {
            out.push_str(&format!("{:?}", text.get(node.byte_range()).unwrap_or("")));
        }
        out.push('(');
        stack.push((node, true));
        if !whole {
            let mut cursor = node.walk();
            let children: Vec<tree_sitter::Node<'_>> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev().map(|child| (child, false)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(kind: FileKind, text: &str) -> SourceFile {
        SourceFile::new("x".into(), kind, text.into())
    }

    #[test]
    fn comments_trail_lines_and_extend_existing_lists() {
        let f = file(FileKind::Nginx, "a 1;\nb 2;  # corslint: ignore[CORS301]\n");
        let planned = plan_file(&f, 0, BTreeMap::from([(1, vec!["CORS306"]), (2, vec!["CORS304"])])).expect("plan");
        assert_eq!(planned.updated, "a 1;  # corslint: ignore[CORS306]\nb 2;  # corslint: ignore[CORS301, CORS304]\n");
        assert_eq!((planned.added, planned.refused.len()), (2, 0));
    }

    #[test]
    fn no_comment_where_it_would_change_meaning() {
        let python = file(FileKind::Python, "X = \"\"\"a\nb\"\"\"\nY = 1\n");
        let planned =
            plan_file(&python, 0, BTreeMap::from([(1, vec!["CORS104"]), (3, vec!["CORS104"])])).expect("plan");
        assert_eq!(planned.refused, [1], "inside a multi-line string");
        assert_eq!(planned.updated, "X = \"\"\"a\nb\"\"\"\nY = 1  # corslint: ignore[CORS104]\n");
        let yaml = file(FileKind::Yaml, "a: |\n  text\n  more\nb: 1\n");
        let planned = plan_file(&yaml, 0, BTreeMap::from([(2, vec!["CORS101"])])).expect("plan");
        assert_eq!((planned.added, planned.refused.as_slice()), (0, &[2][..]), "inside a block scalar");
        let nginx = file(FileKind::Nginx, "add_header X \"a\nb\";\n");
        let planned = plan_file(&nginx, 0, BTreeMap::from([(1, vec!["CORS309"])])).expect("plan");
        assert_eq!(planned.refused, [1], "inside a quoted argument");
    }

    #[test]
    fn dotenv_comments_stand_alone_above_the_value() {
        let f = file(FileKind::Dotenv, "A=1\nORIGINS=https://a.com/\n");
        let planned = plan_file(&f, 0, BTreeMap::from([(2, vec!["CORS104"])])).expect("plan");
        assert_eq!(planned.updated, "A=1\n# corslint: ignore[CORS104]\nORIGINS=https://a.com/\n");
    }

    #[test]
    fn python_signature_ignores_comments_only() {
        let a = signature(FileKind::Python, "x = [1,  # c\n 2]\n");
        assert_eq!(a, signature(FileKind::Python, "x = [1,\n 2]  # d\n"));
        assert_ne!(a, signature(FileKind::Python, "x = [1, 3]\n"));
        assert_ne!(signature(FileKind::Python, "s = 'a # b'\n"), signature(FileKind::Python, "s = 'a'\n"));
    }
}
