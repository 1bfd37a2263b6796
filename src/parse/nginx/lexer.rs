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
//! Differences from crossplane: whitespace after `${var}` ends the word, as in nginx (crossplane
//! glues it and the next word on: `${uri} /x` would be one argument); a word or comment cut off
//! by the end of the file is still produced (crossplane drops it); an unterminated quote or Lua
//! block is reported (crossplane stops without a clear error); a character right after a closing
//! quote other than whitespace, `;`, `{` or `)` is nginx's `unexpected "x"` error (crossplane
//! starts a new word there), and the directive ends with its line.

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
pub(super) struct Unit {
    pub(super) ch: char,
    pub(super) escaped: bool,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: usize,
}

impl Unit {
    pub(super) fn is(&self, c: char) -> bool {
        !self.escaped && self.ch == c
    }

    pub(super) fn is_space(&self) -> bool {
        !self.escaped && is_space(self.ch)
    }

    pub(super) fn push_to(&self, s: &mut String) {
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
pub(super) struct Units<'a> {
    pub(super) text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Units<'a> {
    /// The character at `pos` with universal newlines, and where it ends.
    fn raw(&self, pos: usize) -> Option<(char, usize)> {
        let bytes = self.text.as_bytes();
        let b = *bytes.get(pos)?;
        if b == b'\r' {
            let len = if bytes.get(pos + 1) == Some(&b'\n') { 2 } else { 1 };
            return Some(('\n', pos + len));
        }
        if b.is_ascii() {
            return Some((b as char, pos + 1));
        }
        let c = self.text.get(pos..)?.chars().next()?;
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
        Some(Unit { ch, escaped, start, end, line: self.line })
    }
}

/// A word being read.
pub(super) struct Pending {
    pub(super) value: String,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: usize,
}

pub struct Lexer<'a> {
    pub(super) units: Units<'a>,
    /// A unit to read again before the stream (after a failed Lua block start).
    pub(super) again: Option<Unit>,
    queue: VecDeque<Token>,
    next_is_directive: bool,
    pub(super) done: bool,
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

    pub(super) fn unit(&mut self) -> Option<Unit> {
        self.again.take().or_else(|| self.units.next())
    }

    pub(super) fn emit(&mut self, kind: TokenKind, value: String, range: TextRange, line: usize, quoted: bool) {
        self.queue.push_back(Token { kind, value, range, line, quoted });
    }

    pub(super) fn emit_word(&mut self, p: Pending, quoted: bool) {
        self.emit(TokenKind::Word, p.value, TextRange::new(p.start, p.end), p.line, quoted);
    }

    pub(super) fn flush(&mut self, pending: &mut Option<Pending>) {
        if let Some(p) = pending.take() {
            self.emit_word(p, false);
        }
    }

    pub(super) fn fail(&mut self, message: &str, range: TextRange) {
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
                // crossplane appends the whitespace that follows to the word (`${uri} /x`
                // becomes one word); nginx ends the word there, and so do we.
                if u.is_space() {
                    self.again = Some(u);
                    continue;
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
                if self.refuse_glued_to_quote() {
                    continue;
                }
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
                self.emit(kind, String::new(), TextRange::new(u.start, u.end), u.line, false);
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
                    pending = Some(Pending { value, start: u.start, end: u.end, line: u.line });
                }
            }
        }
    }

    /// nginx wants whitespace, `;`, `{` or `)` right after a closing quote and refuses the file
    /// otherwise (`unexpected "*"` for `'Name '*'`). crossplane reads on, and the rest of the line
    /// then opens quotes that swallow the directives below. Here the error is reported at that
    /// character and the rest of the line is dropped, up to a `;`, `{` or `}` that still ends
    /// the directive, so what follows is read as nginx reads it once the quote is fixed. Returns
    /// whether it refused.
    fn refuse_glued_to_quote(&mut self) -> bool {
        let Some(next) = self.unit() else { return false };
        if next.is_space() || next.is(';') || next.is('{') || next.is(')') {
            self.again = Some(next);
            return false;
        }
        let shown = if next.escaped { '\\' } else { next.ch };
        self.errors.push(ParseError::new(format!("unexpected \"{shown}\""), TextRange::new(next.start, next.end)));
        let mut end = next.end;
        let mut stop = next.is('}').then_some(next);
        if stop.is_none() && next.ch != '\n' {
            while let Some(u) = self.unit() {
                if u.ch == '\n' && !u.escaped {
                    break;
                }
                if u.is(';') || u.is('{') || u.is('}') {
                    stop = Some(u);
                    break;
                }
                end = u.end;
            }
        }
        match stop {
            Some(u) if !u.is('}') => self.again = Some(u),
            _ => {
                self.emit(TokenKind::Semi, String::new(), TextRange::new(end, end), next.line, false);
                self.next_is_directive = true;
                self.again = stop;
            }
        }
        true
    }

    /// A comment from `#` to the end of the line (the newline is consumed, not included).
    fn comment(&mut self, hash: Unit) {
        let mut end = hash.end;
        let text = self.units.text;
        let newline = text.get(hash.end..).and_then(|rest| rest.find(['\n', '\r']));
        if let Some(nl) = newline.map(|k| hash.end + k).filter(|_| self.again.is_none()) {
            // Fast path: the comment ends at the first line break, or at the backslash that
            // escapes it (an odd run of backslashes before it, counted from the `#`).
            let bytes = text.as_bytes();
            let run = bytes.get(hash.end..nl).map_or(0, |b| b.iter().rev().take_while(|&&c| c == b'\\').count());
            end = if run % 2 == 1 { nl - 1 } else { nl };
            let len = if bytes.get(nl..nl + 2) == Some(b"\r\n") { 2 } else { 1 };
            self.units.pos = nl + len;
            self.units.line += 1;
            let value = text.get(hash.start..end).unwrap_or("").to_string();
            let range = TextRange::new(hash.start, end);
            self.emit(TokenKind::Comment, value, range, hash.line, false);
            return;
        }
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
        let text = self.units.text.get(hash.start..end).unwrap_or("").to_string();
        self.emit(TokenKind::Comment, text, TextRange::new(hash.start, end), hash.line, false);
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
                return Some(Pending { value, start: open.start, end: u.end, line: open.line });
            }
            if u.escaped && u.ch == open.ch {
                value.push(u.ch);
            } else {
                u.push_to(&mut value);
            }
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
