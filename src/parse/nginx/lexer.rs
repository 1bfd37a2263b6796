//! Tokens of an nginx configuration, cut exactly as crossplane's lexer cuts them.
//!
//! crossplane reads the text as a stream of "characters" where a backslash and the character
//! after it form one unit (so `\"`, `\;`, `\{` and `\#` never act as syntax), with universal
//! newlines (`\r\n` and a lone `\r` read as `\n`). Words end at whitespace (Python's
//! `str.isspace`) or at `{`, `}`, `;`; a quote starts a quoted word only at the start of a word;
//! `${` inside a word swallows up to the next `}`; `#` at the start of a word starts a comment
//! that runs to the end of the line. After a directive name in `LUA_BLOCKS` that is followed by
//! whitespace or quoted, the Lua code between balanced braces becomes one quoted word followed by
//! a `;` (crossplane's Lua extension).
//!
//! Differences from crossplane, all on input crossplane rejects or silently truncates: a word or
//! comment cut off by the end of the file is still produced (crossplane drops it), and an
//! unterminated quote or Lua block is reported (crossplane stops without a clear error).

use std::collections::VecDeque;

use crate::parse::ParseError;
use crate::source::TextRange;

/// Directives whose `{ ... }` body is Lua code, taken as one opaque argument.
pub const LUA_BLOCKS: &[&str] = &[
    "access_by_lua_block",
    "balancer_by_lua_block",
    "body_filter_by_lua_block",
    "content_by_lua_block",
    "header_filter_by_lua_block",
    "init_by_lua_block",
    "init_worker_by_lua_block",
    "log_by_lua_block",
    "rewrite_by_lua_block",
    "set_by_lua_block",
    "ssl_certificate_by_lua_block",
    "ssl_session_fetch_by_lua_block",
    "ssl_session_store_by_lua_block",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Open,
    Close,
    Semi,
    Comment,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// The word as crossplane gives it; a comment's text including `#`; empty for punctuation.
    pub value: String,
    pub range: TextRange,
    /// 1-based line of the token's first character, counted as crossplane counts.
    pub line: usize,
    pub quoted: bool,
}

/// One crossplane "character": a character, or a backslash and the character after it.
#[derive(Clone, Copy, Debug)]
struct Unit {
    ch: char,
    escaped: bool,
    start: usize,
    end: usize,
    line: usize,
}

impl Unit {
    fn is(&self, c: char) -> bool {
        !self.escaped && self.ch == c
    }

    fn is_space(&self) -> bool {
        !self.escaped && is_space(self.ch)
    }

    fn push_to(&self, s: &mut String) {
        if self.escaped {
            s.push('\\');
        }
        s.push(self.ch);
    }
}

/// Python's `str.isspace`, which crossplane uses.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[derive(Clone, Copy)]
struct Units<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Units<'a> {
    /// The character at `pos` with universal newlines, and where it ends.
    fn raw(&self, pos: usize) -> Option<(char, usize)> {
        let rest = self.text.get(pos..)?;
        let c = rest.chars().next()?;
        if c == '\r' {
            let len = if rest.as_bytes().get(1) == Some(&b'\n') {
                2
            } else {
                1
            };
            return Some(('\n', pos + len));
        }
        Some((c, pos + c.len_utf8()))
    }

    fn next(&mut self) -> Option<Unit> {
        let start = self.pos;
        let (mut ch, mut end) = self.raw(start)?;
        let mut escaped = false;
        if ch == '\\' {
            // A backslash at the very end is dropped, as crossplane does.
            let Some((c2, e2)) = self.raw(end) else {
                self.pos = self.text.len();
                return None;
            };
            (ch, end, escaped) = (c2, e2, true);
        }
        self.pos = end;
        if ch == '\n' {
            self.line += 1;
        }
        Some(Unit {
            ch,
            escaped,
            start,
            end,
            line: self.line,
        })
    }
}

/// A word being read.
struct Pending {
    value: String,
    start: usize,
    end: usize,
    line: usize,
}

pub struct Lexer<'a> {
    units: Units<'a>,
    /// A unit to read again before the stream (after a failed Lua block start).
    again: Option<Unit>,
    queue: VecDeque<Token>,
    next_is_directive: bool,
    done: bool,
    pub errors: Vec<ParseError>,
    /// The text ended inside a quote or Lua block: an error already says so.
    pub eof_error: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        // A UTF-8 byte order mark is not part of the first directive's name.
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            units: Units { text, pos, line: 1 },
            again: None,
            queue: VecDeque::new(),
            next_is_directive: true,
            done: false,
            errors: Vec::new(),
            eof_error: false,
        }
    }

    fn unit(&mut self) -> Option<Unit> {
        self.again.take().or_else(|| self.units.next())
    }

    fn emit(
        &mut self,
        kind: TokenKind,
        value: String,
        range: TextRange,
        line: usize,
        quoted: bool,
    ) {
        self.queue.push_back(Token {
            kind,
            value,
            range,
            line,
            quoted,
        });
    }

    fn emit_word(&mut self, p: Pending, quoted: bool) {
        self.emit(
            TokenKind::Word,
            p.value,
            TextRange::new(p.start, p.end),
            p.line,
            quoted,
        );
    }

    fn flush(&mut self, pending: &mut Option<Pending>) {
        if let Some(p) = pending.take() {
            self.emit_word(p, false);
        }
    }

    fn fail(&mut self, message: &str, range: TextRange) {
        self.errors.push(ParseError::new(message, range));
        self.eof_error = true;
        self.done = true;
    }

    /// After a directive-position word: lex a Lua block if it names one.
    fn after_word(&mut self, value: &str) {
        if self.next_is_directive && LUA_BLOCKS.contains(&value) {
            self.lua_block(value == "set_by_lua_block");
            self.next_is_directive = true;
        } else {
            self.next_is_directive = false;
        }
    }

    /// Lexes until at least one token is queued or the text ends.
    fn fill(&mut self) {
        let mut pending: Option<Pending> = None;
        while self.queue.is_empty() || pending.is_some() {
            let Some(mut u) = self.unit() else {
                self.flush(&mut pending);
                self.done = true;
                return;
            };
            if u.is_space() {
                if let Some(p) = pending.take() {
                    let value = p.value.clone();
                    self.emit_word(p, false);
                    self.after_word(&value);
                    if self.done {
                        return;
                    }
                }
                loop {
                    match self.unit() {
                        Some(v) if v.is_space() => continue,
                        Some(v) => {
                            u = v;
                            break;
                        }
                        None => {
                            self.done = true;
                            return;
                        }
                    }
                }
            }
            if pending.is_none() && u.is('#') {
                self.comment(u);
                continue;
            }
            if let Some(p) = pending.as_mut()
                && p.value.ends_with('$')
                && u.is('{')
            {
                // Parameter expansion: `${...}` is kept whole, up to `}` or whitespace.
                self.next_is_directive = false;
                while !p.value.ends_with('}') && !u.is_space() {
                    u.push_to(&mut p.value);
                    p.end = u.end;
                    match self.unit() {
                        Some(v) => u = v,
                        None => {
                            self.flush(&mut pending);
                            self.done = true;
                            return;
                        }
                    }
                }
            }
            if u.is('"') || u.is('\'') {
                if let Some(p) = pending.as_mut() {
                    u.push_to(&mut p.value);
                    p.end = u.end;
                    continue;
                }
                let Some(p) = self.quoted(u) else { return };
                let value = p.value.clone();
                self.emit_word(p, true);
                self.after_word(&value);
                continue;
            }
            if u.is('{') || u.is('}') || u.is(';') {
                self.flush(&mut pending);
                let kind = match u.ch {
                    '{' => TokenKind::Open,
                    '}' => TokenKind::Close,
                    _ => TokenKind::Semi,
                };
                self.emit(
                    kind,
                    String::new(),
                    TextRange::new(u.start, u.end),
                    u.line,
                    false,
                );
                self.next_is_directive = true;
                continue;
            }
            match pending.as_mut() {
                Some(p) => {
                    u.push_to(&mut p.value);
                    p.end = u.end;
                }
                None => {
                    let mut value = String::new();
                    u.push_to(&mut value);
                    pending = Some(Pending {
                        value,
                        start: u.start,
                        end: u.end,
                        line: u.line,
                    });
                }
            }
        }
    }

    /// A comment from `#` to the end of the line (the newline is consumed, not included).
    fn comment(&mut self, hash: Unit) {
        let mut end = hash.end;
        loop {
            match self.unit() {
                Some(u) if u.ch == '\n' => break,
                Some(u) => end = u.end,
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        let text = self
            .units
            .text
            .get(hash.start..end)
            .unwrap_or("")
            .to_string();
        self.emit(
            TokenKind::Comment,
            text,
            TextRange::new(hash.start, end),
            hash.line,
            false,
        );
    }

    /// A quoted word; `\` before the same quote gives the quote, other escapes stay as written.
    fn quoted(&mut self, open: Unit) -> Option<Pending> {
        let mut value = String::new();
        loop {
            let Some(u) = self.unit() else {
                let range = TextRange::new(open.start, self.units.text.len());
                self.fail("unexpected end of file, unterminated quoted string", range);
                return None;
            };
            if u.is(open.ch) {
                return Some(Pending {
                    value,
                    start: open.start,
                    end: u.end,
                    line: open.line,
                });
            }
            if u.escaped && u.ch == open.ch {
                value.push(u.ch);
            } else {
                u.push_to(&mut value);
            }
        }
    }

    /// The body of a `*_by_lua_block` directive (the name has just been emitted).
    fn lua_block(&mut self, has_arg: bool) {
        if has_arg {
            let mut arg: Option<Pending> = None;
            loop {
                let Some(u) = self.unit() else {
                    self.flush(&mut arg);
                    self.done = true;
                    return;
                };
                if u.is_space() {
                    if arg.is_some() {
                        self.flush(&mut arg);
                        break;
                    }
                    continue;
                }
                match arg.as_mut() {
                    Some(p) => {
                        u.push_to(&mut p.value);
                        p.end = u.end;
                    }
                    None => {
                        let mut value = String::new();
                        u.push_to(&mut value);
                        arg = Some(Pending {
                            value,
                            start: u.start,
                            end: u.end,
                            line: u.line,
                        });
                    }
                }
            }
        }
        let open = loop {
            match self.unit() {
                Some(u) if u.is_space() => continue,
                Some(u) => break u,
                None => {
                    self.done = true;
                    return;
                }
            }
        };
        if !open.is('{') {
            self.errors.push(ParseError::new(
                "expected \"{\" to start Lua block",
                TextRange::new(open.start, open.end),
            ));
            self.again = Some(open);
            return;
        }
        let mut depth = 1usize;
        let mut body = String::new();
        let eof = |lexer: &mut Self| {
            let range = TextRange::new(open.start, lexer.units.text.len());
            lexer.fail("unexpected end of file inside Lua block", range);
        };
        loop {
            let Some(mut u) = self.unit() else {
                return eof(self);
            };
            if u.is('-') {
                let Some(v) = self.unit() else {
                    return eof(self);
                };
                if v.is('-') {
                    // A Lua comment runs to the end of the line; braces in it do not count.
                    body.push('-');
                    u = v;
                    while !u.is('\n') {
                        u.push_to(&mut body);
                        let Some(w) = self.unit() else {
                            return eof(self);
                        };
                        u = w;
                    }
                } else {
                    self.again = Some(v);
                }
            } else if u.is('{') {
                depth += 1;
            } else if u.is('}') {
                depth -= 1;
            } else if u.is('"') || u.is('\'') {
                let quote = u.ch;
                body.push(quote);
                loop {
                    let Some(w) = self.unit() else {
                        return eof(self);
                    };
                    u = w;
                    if u.is(quote) {
                        break;
                    }
                    u.push_to(&mut body);
                }
            }
            if depth == 0 {
                let range = TextRange::new(open.start, u.end);
                self.emit(TokenKind::Word, body, range, open.line, true);
                let semi = TextRange::new(u.end, u.end);
                self.emit(TokenKind::Semi, String::new(), semi, u.line, false);
                return;
            }
            u.push_to(&mut body);
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.queue.is_empty() && !self.done {
            self.fill();
        }
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, bool)> {
        Lexer::new(text)
            .map(|t| match t.kind {
                TokenKind::Word | TokenKind::Comment => (t.value, t.quoted),
                TokenKind::Open => ("{".into(), false),
                TokenKind::Close => w("}"),
                TokenKind::Semi => (";".into(), false),
            })
            .collect()
    }

    fn w(s: &str) -> (String, bool) {
        (s.to_string(), false)
    }

    fn q(s: &str) -> (String, bool) {
        (s.to_string(), true)
    }

    #[test]
    fn quotes_escapes_and_expansion() {
        assert_eq!(
            words(r#"a "b\"c" 'd\'e' "f\n" g"h" ${x y} "${v}"; \;"#),
            vec![
                w("a"),
                q("b\"c"),
                q("d'e"),
                q("f\\n"),
                w("g\"h\""),
                w("${x y"),
                w("}"),
                q("${v}"),
                w(";"),
                w("\\;"),
            ]
        );
    }

    #[test]
    fn comments_end_at_newline_and_only_start_words() {
        assert_eq!(
            words("a#b #c d\ne;"),
            vec![w("a#b"), w("#c d"), w("e"), w(";")]
        );
    }

    #[test]
    fn lines_count_like_crossplane() {
        let lines: Vec<usize> = Lexer::new("a\r\nb\rc\n\"d\ne\" f")
            .map(|t| t.line)
            .collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn lua_block_is_one_quoted_word() {
        let toks: Vec<Token> =
            Lexer::new("content_by_lua_block { a = \"}\" -- }\n b = {} };x;").collect();
        assert_eq!(toks[1].value, " a = \"}\" -- }\n b = {} ");
        assert!(toks[1].quoted);
        assert_eq!(toks[1].range, TextRange::new(21, 45));
        assert_eq!(toks[2].kind, TokenKind::Semi);
        assert_eq!(toks[3].kind, TokenKind::Semi);
        assert_eq!(toks[4].value, "x");
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let mut lexer = Lexer::new("a \"b;\n");
        assert_eq!(lexer.by_ref().count(), 1);
        assert!(lexer.eof_error);
        assert_eq!(lexer.errors[0].range, TextRange::new(2, 6));
    }
}
