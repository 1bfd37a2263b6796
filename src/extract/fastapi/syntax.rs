//! Small helpers over tree-sitter Python nodes: children, text, spans, string literals.

use crate::source::{FileId, Span};
use tree_sitter::Node;

/// How deep any recursion over expressions or statements may go. Deeper code is `Unknown`.
pub const MAX_DEPTH: usize = 40;

/// Named children, comments left out.
pub fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect()
}

pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    node.child_by_field_name(name)
}

pub fn text<'a>(node: Node<'_>, source: &'a str) -> &'a str {
    source.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

pub fn span(file: FileId, node: Node<'_>) -> Span {
    Span::new(file, node.start_byte(), node.end_byte())
}

/// `(x)` → `x`, any number of times.
pub fn unparen(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..MAX_DEPTH {
        match node.kind() {
            "parenthesized_expression" => match children(node).as_slice() {
                [inner] => node = *inner,
                _ => return node,
            },
            _ => return node,
        }
    }
    node
}

/// Visits the subtree of `node` in document order, `max_depth` levels deep; `visit` returns whether
/// to look inside the node it was given. Sees what [`children`] sees: named nodes, no comments.
/// One cursor walks the tree: extraction visits every module whole, and a vector of children per
/// node was a tenth of a run on a tree of FastAPI apps.
pub fn visit<'t>(node: Node<'t>, max_depth: usize, visit: &mut dyn FnMut(Node<'t>) -> bool) {
    let mut cursor = node.walk();
    let mut depth = 0;
    let mut enter = visit(node);
    loop {
        if enter && depth < max_depth && cursor.goto_first_child() {
            depth += 1;
        } else {
            loop {
                if depth == 0 {
                    return;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                cursor.goto_parent();
                depth -= 1;
            }
        }
        let current = cursor.node();
        enter = current.is_named() && current.kind() != "comment" && visit(current);
    }
}

/// Whether the subtree holds a node for which `pred` is true (nested functions and classes excluded).
pub fn contains<'t>(node: Node<'t>, pred: &dyn Fn(Node<'t>) -> bool) -> bool {
    let mut found = false;
    visit(node, MAX_DEPTH, &mut |n| {
        if found {
            return false;
        }
        if pred(n) {
            found = true;
            return false;
        }
        !matches!(n.kind(), "function_definition" | "class_definition" | "lambda")
    });
    found
}

/// A piece of a string literal: text, or an f-string interpolation.
#[derive(Clone, Debug)]
pub enum Piece<'t> {
    Text(String),
    Expr(Node<'t>),
}

/// A decoded string literal (`"..."`, `r'...'`, `f"..."`, implicit concatenation).
#[derive(Clone, Debug)]
pub struct StrLit<'t> {
    pub pieces: Vec<Piece<'t>>,
    /// Byte offset of the first character of the value when the literal is written verbatim.
    pub text_start: Option<usize>,
}

/// Decodes a `string` or `concatenated_string` node; `None` for bytes literals and escapes that
/// cannot be decoded without a table (`\N{...}`).
pub fn string_literal<'t>(node: Node<'t>, source: &str) -> Option<StrLit<'t>> {
    match node.kind() {
        "string" => single_string(node, source),
        "concatenated_string" => {
            let mut pieces = Vec::new();
            for part in children(node) {
                pieces.extend(single_string(part, source)?.pieces);
            }
            Some(StrLit { pieces, text_start: None })
        }
        _ => None,
    }
}

fn single_string<'t>(node: Node<'t>, source: &str) -> Option<StrLit<'t>> {
    let kids = children(node);
    let start = kids.first().filter(|k| k.kind() == "string_start")?;
    let prefix = text(*start, source).trim_end_matches(['"', '\'']).to_ascii_lowercase();
    if prefix.contains('b') {
        return None;
    }
    let raw = prefix.contains('r');
    let format = prefix.contains('f') || prefix.contains('t');
    let mut pieces = Vec::new();
    let mut verbatim = true;
    for kid in &kids {
        match kid.kind() {
            "string_content" => {
                let written = text(*kid, source);
                let mut value = if raw { written.to_string() } else { unescape(written)? };
                if format {
                    value = value.replace("{{", "{").replace("}}", "}");
                }
                verbatim &= value == written;
                pieces.push(Piece::Text(value));
            }
            "interpolation" => {
                verbatim = false;
                pieces.push(Piece::Expr(field(*kid, "expression")?));
            }
            _ => {}
        }
    }
    Some(StrLit { pieces, text_start: verbatim.then_some(start.end_byte()) })
}

/// Python escape sequences of a non-raw string.
fn unescape(written: &str) -> Option<String> {
    if !written.contains('\\') {
        return Some(written.to_string());
    }
    let mut out = String::with_capacity(written.len());
    let mut chars = written.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        match next {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0'..='7' => {
                let mut digits = String::from(next);
                while digits.len() < 3 && chars.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                    digits.extend(chars.next());
                }
                out.push(char::from_u32(u32::from_str_radix(&digits, 8).ok()?)?);
            }
            'x' | 'u' | 'U' => {
                let len = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = (0..len).filter_map(|_| chars.next()).collect();
                out.push(char::from_u32(u32::from_str_radix(&digits, 16).ok()?)?);
            }
            '\n' => {}
            '\\' | '\'' | '"' => out.push(next),
            'N' => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_python_strings() {
        assert_eq!(unescape(r"a\nb\x41\u00e9\101\\\q").as_deref(), Some("a\nbAéA\\\\q"));
        assert_eq!(unescape(r"\N{DASH}"), None);
        assert_eq!(unescape(r"\xZ"), None);
    }

    /// The visit as it was defined: a stack of [`children`], deepest last.
    fn visit_by_children(node: Node<'_>, max_depth: usize, seen: &mut Vec<(String, usize, usize)>) {
        let mut stack = vec![(node, 0usize)];
        while let Some((current, depth)) = stack.pop() {
            seen.push((current.kind().to_owned(), current.start_byte(), current.end_byte()));
            if depth >= max_depth {
                continue;
            }
            let mut kids = children(current);
            kids.reverse();
            stack.extend(kids.into_iter().map(|k| (k, depth + 1)));
        }
    }

    #[test]
    fn visit_sees_what_children_see_in_document_order_and_depth() {
        let source = "# top\nimport os  # why\n\nclass A(Base):\n    # inside\n    def f(self, x=[1, (2, 3)]):\n        return {'a': f\"{x}\"}\n\nif x:\n    def g(): pass\nelse:\n    y = lambda: (1)\n";
        let (Some(tree), _) = crate::parse::python::parse(source) else { panic!("no tree") };
        for max_depth in [0, 1, 2, 3, 5, MAX_DEPTH] {
            let mut expected = Vec::new();
            visit_by_children(tree.root(), max_depth, &mut expected);
            let mut seen = Vec::new();
            visit(tree.root(), max_depth, &mut |n| {
                seen.push((n.kind().to_owned(), n.start_byte(), n.end_byte()));
                true
            });
            assert_eq!(seen, expected, "max_depth {max_depth}");
        }
        let mut classes_only = Vec::new();
        visit(tree.root(), MAX_DEPTH, &mut |n| {
            classes_only.push(n.kind());
            n.kind() == "module"
        });
        assert_eq!(classes_only, ["module", "import_statement", "class_definition", "if_statement"]);
    }
}
