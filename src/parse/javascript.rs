//! JavaScript and TypeScript: a tree-sitter syntax tree, kept whole for the JS extractors.
//!
//! The grammar follows the file name: `.ts`/`.mts`/`.cts` are TypeScript, `.tsx` is TSX (JSX is
//! not TypeScript's type-assertion syntax, so the two grammars differ), everything else
//! (`.js`, `.jsx`, `.mjs`, `.cjs`) is JavaScript, whose grammar reads JSX too.

use crate::parse::ParseError;
use crate::source::TextRange;
use std::cell::RefCell;
use std::path::Path;
use tree_sitter::{Language, Node, Parser, Tree};

/// Which grammar a file is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Dialect {
    /// The dialect of a file by its extension (case-insensitive); `None` for any other file.
    pub fn of_path(path: &Path) -> Option<Dialect> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "js" | "jsx" | "mjs" | "cjs" => Some(Dialect::JavaScript),
            "ts" | "mts" | "cts" => Some(Dialect::TypeScript),
            "tsx" => Some(Dialect::Tsx),
            _ => None,
        }
    }

    fn language(self) -> Language {
        match self {
            Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Dialect::JavaScript => "JavaScript",
            Dialect::TypeScript | Dialect::Tsx => "TypeScript",
        }
    }
}

/// A parsed JavaScript or TypeScript file. The tree borrows nothing: extraction reads it together
/// with the file's text.
#[derive(Debug)]
pub struct JsTree {
    pub tree: Tree,
    pub dialect: Dialect,
}

impl JsTree {
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }
}

thread_local! {
    /// One parser per thread and grammar: creating a parser and loading a grammar costs more than
    /// a small file.
    static PARSERS: RefCell<[Option<Parser>; 3]> = const { RefCell::new([None, None, None]) };
}

/// Parses JavaScript or TypeScript source in `dialect`. `None` only when tree-sitter itself gives
/// up (no tree at all) or the nesting is beyond what any engine runs.
pub fn parse(text: &str, dialect: Dialect) -> (Option<JsTree>, Vec<ParseError>) {
    if let Some(error) = nested_too_deep(text) {
        return (None, vec![error]);
    }
    let slot_index = match dialect {
        Dialect::JavaScript => 0,
        Dialect::TypeScript => 1,
        Dialect::Tsx => 2,
    };
    let tree = PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = parsers.get_mut(slot_index)?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&dialect.language()).ok()?;
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
        let message = format!("the {} parser gave up on this file", dialect.name());
        return (None, vec![ParseError::new(message, TextRange::new(0, 0))]);
    };
    let errors = crate::parse::first_syntax_error(tree.root_node()).into_iter().collect();
    (Some(JsTree { tree, dialect }), errors)
}

/// Brackets open at once beyond which a file is refused unparsed: V8 overflows its stack on
/// expressions nested a few thousand deep, and tree-sitter's error recovery on 100,000 open braces
/// costs seconds. Real code never comes near it; the margin absorbs the miscounts below (a bracket
/// inside a regular-expression literal is counted).
const MAX_NESTING: usize = 1_000;

/// Where brackets first nest deeper than [`MAX_NESTING`], skipping comments and string literals.
fn nested_too_deep(text: &str) -> Option<ParseError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i += bytes.get(i..)?.iter().position(|&c| c == b'\n').unwrap_or(bytes.len() - i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let rest = bytes.get(i + 2..)?;
                i += 2 + rest.windows(2).position(|w| w == b"*/").map_or(rest.len(), |end| end + 2);
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\\' {
                        i += 2;
                    } else if c == b {
                        i += 1;
                        break;
                    } else if c == b'\n' && b != b'`' {
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
                        "brackets nest more than {MAX_NESTING} deep here; JavaScript engines overflow their stack on \
                         such nesting, so this file is not analysed"
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
    fn each_dialect_parses_its_own_syntax() {
        let (tree, errors) =
            parse("const cors = require('cors');\napp.use(cors({ origin: /x/ }));\n", Dialect::JavaScript);
        assert!(tree.is_some() && errors.is_empty(), "{errors:?}");
        let jsx = "const A = () => <div className=\"a\">{x}</div>;\n";
        assert!(parse(jsx, Dialect::JavaScript).1.is_empty());
        let ts = "const o: CorsOptions = { origin: true } as CorsOptions;\nlet x = <any>y;\n";
        assert!(parse(ts, Dialect::TypeScript).1.is_empty(), "{:?}", parse(ts, Dialect::TypeScript).1);
        // `<any>y` is a type assertion in .ts and a JSX element in .tsx.
        assert!(!parse(ts, Dialect::Tsx).1.is_empty());
        let tsx = "const A = (p: Props): JSX.Element => <div>{p.x}</div>;\n";
        assert!(parse(tsx, Dialect::Tsx).1.is_empty());
        let nest = "@Module({ imports: [] })\nexport class AppModule {}\n";
        assert!(parse(nest, Dialect::TypeScript).1.is_empty());
    }

    #[test]
    fn reports_the_first_error() {
        let (tree, errors) = parse("app.use(cors({ origin: [1, 2 }));\nfunction (\n", Dialect::JavaScript);
        assert!(tree.is_some());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn dialect_by_extension() {
        for (name, dialect) in [
            ("a.js", Some(Dialect::JavaScript)),
            ("a.JSX", Some(Dialect::JavaScript)),
            ("a.mjs", Some(Dialect::JavaScript)),
            ("a.cjs", Some(Dialect::JavaScript)),
            ("a.ts", Some(Dialect::TypeScript)),
            ("a.mts", Some(Dialect::TypeScript)),
            ("a.cts", Some(Dialect::TypeScript)),
            ("a.tsx", Some(Dialect::Tsx)),
            ("a.json", None),
            ("js", None),
        ] {
            assert_eq!(Dialect::of_path(Path::new(name)), dialect, "{name}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_unparsed() {
        let text = format!("x = {}1{};\n", "(".repeat(50_000), ")".repeat(50_000));
        let (tree, errors) = parse(&text, Dialect::JavaScript);
        assert!(tree.is_none());
        assert_eq!(errors[0].range, TextRange::new(4 + MAX_NESTING, 4 + MAX_NESTING));
        let open = "(".repeat(MAX_NESTING + 1);
        for text in [
            format!("x = '{open}';\n"),
            format!("x = `\n{open}\n`;\n"),
            format!("// {open}\nx = 1;\n"),
            format!("/* {open} */ x = 1;\n"),
        ] {
            let (tree, errors) = parse(&text, Dialect::JavaScript);
            assert!(tree.is_some() && errors.is_empty(), "{text:?}: {errors:?}");
        }
    }
}
