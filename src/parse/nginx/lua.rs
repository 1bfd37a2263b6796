//! The body of a `*_by_lua_block` directive, as crossplane's Lua extension reads it: one
//! quoted word holding the code between balanced braces (braces in Lua strings and `--`
//! comments do not count), then a `;`. `set_by_lua_block` first takes one word (the variable).

use super::lexer::{Lexer, Pending, TokenKind};
use crate::parse::ParseError;
use crate::source::TextRange;

impl Lexer<'_> {
    /// The body of a `*_by_lua_block` directive (the name has just been emitted).
    pub(super) fn lua_block(&mut self, has_arg: bool) {
        if has_arg {
            let mut arg: Option<Pending> = None;
            loop {
                let Some(u) = self.unit() else {
                    self.flush(&mut arg);
                    self.done = true;
                    return;
                };
                if u.is_space() {
                    if let Some(p) = arg.take() {
                        // crossplane's parser takes any unquoted word starting with `#` for a
                        // comment (for nginx, `#` starts one here too).
                        let kind = if p.value.starts_with('#') { TokenKind::Comment } else { TokenKind::Word };
                        let range = TextRange::new(p.start, p.end);
                        self.emit(kind, p.value, range, p.line, false);
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
                        arg = Some(Pending { value, start: u.start, end: u.end, line: u.line });
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
            self.errors
                .push(ParseError::new("expected \"{\" to start Lua block", TextRange::new(open.start, open.end)));
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
