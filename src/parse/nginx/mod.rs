//! nginx configuration parser, compatible with crossplane (`crossplane parse`).
//!
//! [`parse`] never fails: it returns the directives it could read, the comments, and a
//! [`ParseError`] for each place where the text goes wrong (`unexpected "}"`,
//! `unexpected end of file, expecting "}"`, `directive "x" is not terminated by ";"`,
//! an unterminated quote or Lua block). It knows no directive by name: any name takes any
//! arguments and any block, except that `*_by_lua_block` bodies are one opaque argument and
//! the parentheses of `if (...)` are removed as crossplane removes them. It checks no context
//! or argument count, so crossplane's `"x" directive is not allowed here` and
//! `invalid number of arguments` errors have no counterpart here.
//!
//! Values are what crossplane gives: quotes removed, `\"` inside `"..."` unescaped, every other
//! backslash kept as written. Ranges are byte ranges into the text given to [`parse`] and always
//! lie on character boundaries. Lines are counted as crossplane counts them (`\r\n`, `\r` and
//! `\n` each end a line; they differ from [`crate::source::SourceFile::position`] only for a
//! lone `\r`).
//!
//! Blocks deeper than [`MAX_DEPTH`] are skipped (one error says so), so no consumer of the tree
//! needs more than that many levels of recursion. Modules:
//! - [`lexer`] (and `lua`): crossplane's tokenizer; `parser`: the tree; [`include`] (and
//!   `glob`): `include` resolution across files; [`crossplane`]: the `crossplane parse` JSON.

pub mod crossplane;
mod files;
mod glob;
pub mod include;
pub mod lexer;
mod lua;
mod parser;

use crate::parse::ParseError;
use crate::source::TextRange;

/// How many levels of blocks are kept; deeper blocks are skipped with an error.
pub const MAX_DEPTH: usize = 200;

/// Parses an nginx configuration. Never panics; see the module documentation.
pub fn parse(text: &str) -> Config {
    parser::parse(text)
}

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub directives: Vec<Directive>,
    /// Every `#` comment, in order, wherever it stands (for suppression comments).
    pub comments: Vec<Comment>,
    /// Syntax errors, in the order found; empty for a well-formed file.
    pub errors: Vec<ParseError>,
    /// The line of each error, counted as crossplane counts (`error_lines[i]` is for
    /// `errors[i]`): for an unexpected end of file, the line of the last token.
    pub error_lines: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The name as crossplane gives it (without quotes if it was quoted).
    pub name: String,
    /// Source range of the name token, including its quotes if it was quoted.
    pub name_range: TextRange,
    pub args: Vec<Arg>,
    pub block: Option<Block>,
    /// From the name to the end of the `;` or `}` that ends the directive (to the end of the
    /// last token for a directive that is not terminated).
    pub range: TextRange,
    /// 1-based line of the name, as crossplane reports it.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The value as crossplane gives it.
    pub value: String,
    /// Source range, including the quotes of a quoted argument. For the body of a
    /// `*_by_lua_block`, the range covers its `{ ... }` and `quoted` is true, as in crossplane.
    /// For `if`, the removed parentheses are outside the range when the argument was unquoted
    /// and written without escapes.
    pub range: TextRange,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// From `{` to the end of `}` (to the end of the last token when the file ends first).
    pub range: TextRange,
    pub directives: Vec<Directive>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment from `#` to the end of the line, line ending excluded.
    pub text: String,
    pub range: TextRange,
}

impl Comment {
    /// The text after `#`, as crossplane's `comment` field.
    pub fn body(&self) -> &str {
        self.text.strip_prefix('#').unwrap_or(&self.text)
    }
}

impl Directive {
    /// The `i`-th argument's value.
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }

    /// All argument values.
    pub fn args_str(&self) -> Vec<&str> {
        self.args.iter().map(|a| a.value.as_str()).collect()
    }

    /// The directives of this directive's block (empty without a block).
    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| b.directives.as_slice())
    }

    pub fn is_block(&self) -> bool {
        self.block.is_some()
    }

    /// Whether the name is `name` (nginx directive names are case-sensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    /// Every directive nested in this one's block, depth first, in source order.
    pub fn descendants(&self) -> Walk<'_> {
        Walk::new(self.children())
    }

    /// The name, its ranges and line, without arguments or block.
    fn clone_head(&self) -> Directive {
        Directive {
            name: self.name.clone(),
            name_range: self.name_range,
            args: Vec::new(),
            block: None,
            range: self.range,
            line: self.line,
        }
    }

    /// From the name to the end of the last argument (the directive without `;` or block).
    pub fn head_range(&self) -> TextRange {
        let end = self.args.last().map_or(self.name_range.end, |a| a.range.end);
        TextRange::new(self.name_range.start, end)
    }
}

impl Config {
    /// Every directive of the file, depth first, in source order.
    pub fn walk(&self) -> Walk<'_> {
        Walk::new(&self.directives)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// What [`include::resolve`] reads of the file, kept while the whole tree is not: its
    /// top-level `http` or `events` (which make it a real main configuration), childless, and its
    /// `include` directives in walk order. A monorepo of nginx services holds this of every file
    /// and the whole tree only of the configurations being read.
    pub fn outline(self) -> Config {
        let mut directives: Vec<Directive> = self
            .directives
            .iter()
            .filter(|d| d.is("http") || d.is("events"))
            .take(1)
            .map(Directive::clone_head)
            .collect();
        let includes = self.walk().filter(|d| d.is("include"));
        directives.extend(includes.map(|d| Directive { args: d.args.clone(), ..d.clone_head() }));
        directives.shrink_to_fit();
        Config { directives, comments: Vec::new(), errors: self.errors, error_lines: self.error_lines }
    }

    /// The errors with their crossplane lines.
    pub fn errors_with_lines(&self) -> impl Iterator<Item = (&ParseError, usize)> {
        self.errors.iter().zip(self.error_lines.iter().copied())
    }
}

/// Depth-first iteration over directives in source order, with an explicit stack; after each
/// item, [`Walk::ancestors`] gives the directives enclosing it.
pub struct Walk<'a> {
    stack: Vec<std::slice::Iter<'a, Directive>>,
    /// `parents[i]` is the directive whose children `stack[i + 1]` iterates.
    parents: Vec<&'a Directive>,
    last_depth: usize,
}

impl<'a> Walk<'a> {
    fn new(level: &'a [Directive]) -> Self {
        Walk { stack: vec![level.iter()], parents: Vec::new(), last_depth: 0 }
    }

    /// The directives enclosing the one returned last, outermost first.
    pub fn ancestors(&self) -> &[&'a Directive] {
        self.parents.get(..self.last_depth).unwrap_or(&[])
    }

    /// How deep the one returned last is (0 for the level the walk started at).
    pub fn depth(&self) -> usize {
        self.last_depth
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = &'a Directive;

    fn next(&mut self) -> Option<&'a Directive> {
        loop {
            let depth = self.stack.len().checked_sub(1)?;
            let level = self.stack.last_mut()?;
            match level.next() {
                Some(d) => {
                    self.last_depth = depth;
                    if !d.children().is_empty() {
                        self.parents.push(d);
                        self.stack.push(d.children().iter());
                    }
                    return Some(d);
                }
                None => {
                    self.stack.pop();
                    self.parents.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
