//! Python: a tree-sitter syntax tree, kept whole for the FastAPI/Starlette extractor.

use crate::parse::ParseError;
use crate::source::TextRange;
use std::cell::RefCell;
use tree_sitter::{Node, Parser, Tree};

/// A parsed Python file. The tree borrows nothing: extraction reads it together with the file's text.
#[derive(Debug)]
pub struct PythonTree {
    pub tree: Tree,
}

impl PythonTree {
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }
}

thread_local! {
    /// One parser per thread: creating a parser and loading the grammar costs more than a small file.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Python source. `None` only when tree-sitter itself gives up (no tree at all).
pub fn parse(text: &str) -> (Option<PythonTree>, Vec<ParseError>) {
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(text, None);
        if tree.is_none() {
            parser.reset();
        }
        tree
    });
    let Some(tree) = tree else {
        return (None, vec![ParseError::new("the Python parser gave up on this file", TextRange::new(0, 0))]);
    };
    let errors = first_error(tree.root_node()).into_iter().collect();
    (Some(PythonTree { tree }), errors)
}

/// The first `ERROR` or `MISSING` node in document order, found without recursion.
fn first_error(root: Node<'_>) -> Option<ParseError> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_missing() {
            let at = node.start_byte();
            return Some(ParseError::new(format!("expected `{}` here", node.kind()), TextRange::new(at, at)));
        }
        if node.is_error() {
            let range = TextRange::new(node.start_byte(), node.start_byte());
            return Some(ParseError::new("invalid syntax", range));
        }
        // Descend only into subtrees that hold an error; otherwise move on.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_the_first_error() {
        let (tree, errors) = parse("x = 1\n");
        assert!(tree.is_some());
        assert!(errors.is_empty());
        let (tree, errors) = parse("app = FastAPI(\nx = [1, 2\ndef f(:\n    pass\n");
        assert!(tree.is_some());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn survives_deep_nesting() {
        let text = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
        let (tree, _) = parse(&text);
        assert!(tree.is_some());
        let text = format!("x = {}\n", "[".repeat(50_000));
        let (_, errors) = parse(&text);
        assert_eq!(errors.len(), 1);
    }
}
