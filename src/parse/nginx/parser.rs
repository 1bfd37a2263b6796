//! Tokens to a tree of directives, without recursion, with crossplane's shapes and error
//! recovery that keeps everything parsed before (and after) a mistake.

use super::lexer::{Lexer, Token, TokenKind};
use super::{Arg, Block, Comment, Config, Directive, MAX_DEPTH};
use crate::parse::ParseError;
use crate::source::TextRange;

/// More errors than this in one file are not recorded (one is enough to fail the file).
const MAX_ERRORS: usize = 100;

/// A block being filled: the directive that opened it (`None` for a stray `{`) and its children.
struct Frame {
    head: Option<Directive>,
    open: TextRange,
    children: Vec<Directive>,
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    text: &'a str,
    stack: Vec<Frame>,
    top: Vec<Directive>,
    comments: Vec<Comment>,
    errors: Vec<(ParseError, usize)>,
    /// End and line of the last token read, where an unexpected end of file is reported.
    last: (usize, usize),
}

pub fn parse(text: &str) -> Config {
    let mut p = Parser {
        lexer: Lexer::new(text),
        text,
        stack: Vec::new(),
        top: Vec::new(),
        comments: Vec::new(),
        errors: Vec::new(),
        last: (0, 1),
    };
    p.run();
    // Lexer errors (an unterminated quote or Lua block, a Lua block without `{`), then all in
    // source order.
    let lexer_errors = std::mem::take(&mut p.lexer.errors);
    for e in lexer_errors {
        let line = line_at(text, e.range.start);
        p.error_with_line(e, line);
    }
    p.errors.sort_by_key(|(e, _)| e.range.start);
    let (errors, error_lines) = p.errors.into_iter().unzip();
    Config { directives: p.top, comments: p.comments, errors, error_lines }
}

/// crossplane's line of a byte offset (universal newlines: `\r\n`, `\r` and `\n` each end one).
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let upto = bytes.get(..offset.min(bytes.len())).unwrap_or(&[]);
    let mut line = 1;
    let mut prev_cr = false;
    for &b in upto {
        if b == b'\r' || (b == b'\n' && !prev_cr) {
            line += 1;
        }
        prev_cr = b == b'\r';
    }
    line
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.lexer.next()?;
        self.last = (t.range.end, t.line);
        Some(t)
    }

    fn error_with_line(&mut self, e: ParseError, line: usize) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push((e, line));
        }
    }

    fn error(&mut self, message: String, range: TextRange, line: usize) {
        self.error_with_line(ParseError::new(message, range), line);
    }

    fn push(&mut self, mut d: Directive) {
        // Trees of every file of a large repository are alive at once: no growth slack kept.
        d.args.shrink_to_fit();
        match self.stack.last_mut() {
            Some(f) => f.children.push(d),
            None => self.top.push(d),
        }
    }

    /// Closes the innermost block at `end` (exclusive).
    fn close(&mut self, end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let mut directives = frame.children;
        directives.shrink_to_fit();
        let block = Block { range: TextRange::new(frame.open.start, end), directives };
        match frame.head {
            Some(mut d) => {
                d.range.end = end;
                d.block = Some(block);
                self.push(d);
            }
            // A stray `{ ... }`: its directives join the enclosing level.
            None => {
                for d in block.directives {
                    self.push(d);
                }
            }
        }
    }

    /// Opens a block, or skips it whole beyond `MAX_DEPTH` levels.
    fn open(&mut self, head: Option<Directive>, open: &Token) {
        if self.stack.len() < MAX_DEPTH {
            self.stack.push(Frame { head, open: open.range, children: Vec::new() });
            return;
        }
        let message = format!("blocks nested more than {MAX_DEPTH} levels deep are not analysed");
        self.error(message, open.range, open.line);
        let mut depth = 1usize;
        let mut end = open.range.end;
        while depth > 0 {
            let Some(t) = self.next() else { break };
            end = t.range.end;
            match t.kind {
                TokenKind::Open => depth += 1,
                TokenKind::Close => depth -= 1,
                TokenKind::Comment => self.comments.push(Comment { text: t.value, range: t.range }),
                _ => {}
            }
        }
        // The skipped block counts as one, empty, so the enclosing levels stay balanced.
        self.stack.push(Frame { head, open: open.range, children: Vec::new() });
        if depth == 0 {
            self.close(end);
        }
    }

    fn run(&mut self) {
        loop {
            let Some(t) = self.next() else {
                self.end_of_file(true);
                return;
            };
            match t.kind {
                TokenKind::Comment => self.comments.push(Comment { text: t.value, range: t.range }),
                TokenKind::Close if self.stack.is_empty() => {
                    self.error("unexpected \"}\"".into(), t.range, t.line);
                }
                TokenKind::Close => self.close(t.range.end),
                TokenKind::Semi => self.error("unexpected \";\"".into(), t.range, t.line),
                TokenKind::Open => {
                    self.error("unexpected \"{\"".into(), t.range, t.line);
                    self.open(None, &t);
                }
                TokenKind::Word => {
                    if !self.directive(t) {
                        return;
                    }
                }
            }
        }
    }

    /// Reads one directive from its name; false when the text ended.
    fn directive(&mut self, name: Token) -> bool {
        let mut d = Directive {
            name: name.value,
            name_range: name.range,
            args: Vec::new(),
            block: None,
            range: name.range,
            line: name.line,
        };
        loop {
            let Some(t) = self.next() else {
                if !self.lexer.eof_error {
                    let message = format!("directive \"{}\" is not terminated by \";\"", d.name);
                    self.error(message, d.range, d.line);
                }
                self.push(d);
                self.end_of_file(false);
                return false;
            };
            match t.kind {
                TokenKind::Word => {
                    d.range.end = t.range.end;
                    d.args.push(Arg { value: t.value, range: t.range, quoted: t.quoted });
                }
                TokenKind::Comment => self.comments.push(Comment { text: t.value, range: t.range }),
                TokenKind::Semi => {
                    d.range.end = t.range.end;
                    self.finish_args(&mut d);
                    self.push(d);
                    return true;
                }
                TokenKind::Open => {
                    self.finish_args(&mut d);
                    self.open(Some(d), &t);
                    return true;
                }
                TokenKind::Close => {
                    self.finish_args(&mut d);
                    if self.stack.is_empty() {
                        self.error("unexpected \"}\"".into(), t.range, t.line);
                    } else {
                        let message = format!("directive \"{}\" is not terminated by \";\"", d.name);
                        self.error(message, d.range, d.line);
                    }
                    self.push(d);
                    self.close(t.range.end);
                    return true;
                }
            }
        }
    }

    fn finish_args(&self, d: &mut Directive) {
        if d.name == "if" {
            prepare_if_args(&mut d.args, self.text);
        }
    }

    /// Closes every open block at the end of the text.
    fn end_of_file(&mut self, report: bool) {
        if report && !self.stack.is_empty() && !self.lexer.eof_error {
            let (end, line) = self.last;
            let range = TextRange::new(end, end);
            self.error("unexpected end of file, expecting \"}\"".into(), range, line);
        }
        let end = self.last.0;
        while !self.stack.is_empty() {
            self.close(end);
        }
    }
}

/// crossplane's `_prepare_if_args`: `if ( $a = b )` gives the args `$a`, `=`, `b`.
fn prepare_if_args(args: &mut Vec<Arg>, text: &str) {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    if !first.value.starts_with('(') || !last.value.ends_with(')') {
        return;
    }
    if let Some(a) = args.first_mut() {
        let stripped = a.value.get(1..).unwrap_or("").trim_start_matches(super::lexer::is_space);
        let cut = a.value.len() - stripped.len();
        let verbatim = !a.quoted && text.get(a.range.start..a.range.end) == Some(a.value.as_str());
        a.value = stripped.to_string();
        if verbatim {
            a.range.start += cut;
        }
    }
    if let Some(a) = args.last_mut() {
        let verbatim = !a.quoted && text.get(a.range.start..a.range.end) == Some(a.value.as_str());
        let kept = a.value.len().saturating_sub(1);
        let stripped = a.value.get(..kept).unwrap_or("").trim_end_matches(super::lexer::is_space);
        let cut = a.value.len() - stripped.len();
        a.value = stripped.to_string();
        if verbatim {
            a.range.end -= cut;
        }
    }
    if args.last().is_some_and(|a| a.value.is_empty()) {
        args.pop();
    }
    if args.first().is_some_and(|a| a.value.is_empty()) {
        args.remove(0);
    }
}
