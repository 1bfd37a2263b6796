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
    if let Some(error) = nested_too_deep(text) {
        return (None, vec![error]);
    }
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
    let errors = crate::parse::first_syntax_error(tree.root_node()).into_iter().collect();
    (Some(PythonTree { tree }), errors)
}

/// Brackets open at once beyond which a file is refused unparsed. CPython's tokenizer stops at 200
/// ("too many nested parentheses"), so such a file never runs; tree-sitter's error recovery on
/// 100,000 open braces costs a second and 150 MB. The margin absorbs any miscount below.
const MAX_NESTING: usize = 1_000;

/// Where brackets first nest deeper than [`MAX_NESTING`], skipping comments and string literals.
fn nested_too_deep(text: &str) -> Option<ParseError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => i += bytes.get(i..)?.iter().position(|&c| c == b'\n').unwrap_or(bytes.len() - i),
            b'\'' | b'"' => {
                let triple = bytes.get(i..i + 3).is_some_and(|q| q.iter().all(|&c| c == b));
                let quote = if triple { 3 } else { 1 };
                i += quote;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\\' {
                        i += 2;
                    } else if c == b && (!triple || bytes.get(i..i + 3).is_some_and(|q| q.iter().all(|&x| x == b))) {
                        i += quote;
                        break;
                    } else if c == b'\n' && !triple {
                        break;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let message = format!(
                        "brackets nest more than {MAX_NESTING} deep here; Python refuses more than 200, so this file cannot run"
                    );
                    return Some(ParseError::new(message, TextRange::new(i, i)));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
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
    fn nesting_python_refuses_is_refused_unparsed() {
        let text = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
        let (tree, errors) = parse(&text);
        assert!(tree.is_none());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].range, TextRange::new(4 + MAX_NESTING, 4 + MAX_NESTING), "{errors:?}");
        assert!(errors[0].message.contains("Python refuses more than 200"), "{errors:?}");
        let text = format!("x = {}\n", "{'a': ".repeat(50_000));
        assert_eq!(parse(&text).1.len(), 1);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_nest() {
        let open = "(".repeat(MAX_NESTING + 1);
        for text in [
            format!("x = '{open}'\n"),
            format!("x = \"{open}\"\n"),
            format!("x = '''\n{open}\n'''\n"),
            format!("x = r\"\\\"{open}\"\n"),
            format!("# {open}\nx = 1\n"),
        ] {
            let (tree, errors) = parse(&text);
            assert!(tree.is_some() && errors.is_empty(), "{text:?}: {errors:?}");
        }
        let deep_but_allowed = format!("x = {}1{}\n", "(".repeat(150), ")".repeat(150));
        assert!(parse(&deep_but_allowed).0.is_some());
    }
}
