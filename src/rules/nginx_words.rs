//! How the nginx rules name things in messages: blocks by their head as written, directives
//! as written.

use crate::model::Project;
use crate::model::nginx::{BlockId, BlockKind};
use crate::source::Span;

/// The source text of a span with runs of whitespace collapsed to one space.
pub fn text(project: &Project, span: Span) -> String {
    let raw = project.file(span.file).map_or("", |f| f.slice(span.range));
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A block as the user wrote it: "`location /api/`", "`if ($request_method = OPTIONS)`",
/// "`server` (api.example.com)", "the `http` block"; a snippet judged on its own is "a location
/// that includes this file".
pub fn block(project: &Project, id: BlockId) -> String {
    let Some(b) = project.nginx.block(id) else { return "this block".to_string() };
    match &b.kind {
        BlockKind::File => "a location that includes this file".to_string(),
        BlockKind::Http => "the `http` block".to_string(),
        BlockKind::Server { names } => match names.first() {
            Some(name) if !name.value.is_empty() && name.value != "_" => format!("`server` ({})", name.value),
            _ => "`server`".to_string(),
        },
        BlockKind::Location { .. } | BlockKind::If { .. } | BlockKind::LimitExcept { .. } => {
            format!("`{}`", text(project, b.head))
        }
    }
}

/// A directive as written, without its `;`, with ` always` added: what to write instead.
pub fn with_always(project: &Project, span: Span) -> String {
    let written = text(project, span);
    let written = written.trim_end_matches(';').trim_end();
    if written.ends_with(" always") { format!("{written};") } else { format!("{written} always;") }
}

/// "`A`", "`A` and `B`", "`A`, `B` and `C`".
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Indents every line of `code` by four spaces, for a help text that shows configuration.
pub fn code(lines: &[String]) -> String {
    lines.iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}
