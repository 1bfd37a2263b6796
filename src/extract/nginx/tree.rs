//! The shape of an nginx syntax tree the extractor reads: the same fields as the parser's
//! (`crate::parse::nginx::{Directive, Arg, Block}`), so the extractor can switch to them
//! unchanged once the parser is merged.

use crate::source::TextRange;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    /// The name token, quotes included.
    pub name_range: TextRange,
    pub args: Vec<Arg>,
    pub block: Option<Block>,
    /// From the name to the end of the `;` or `}`.
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// Quotes removed, `\"` unescaped inside `"..."`.
    pub value: String,
    /// Quotes included.
    pub range: TextRange,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub range: TextRange,
    pub directives: Vec<Directive>,
}

impl Directive {
    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| b.directives.as_slice())
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }
}

/// A small crossplane-like reader for unit tests: quotes, `\` escapes, comments, blocks, and
/// the parentheses of `if (...)` removed. Not the project's parser.
#[cfg(test)]
pub mod testing {
    use super::{Arg, Block, Directive};
    use crate::source::TextRange;

    #[derive(Debug)]
    enum Token {
        Word(Arg),
        Semi(usize),
        Open(usize),
        Close(usize),
    }

    fn tokens(text: &str) -> Vec<Token> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => {
                    while bytes.get(i).is_some_and(|c| *c != b'\n') {
                        i += 1;
                    }
                }
                b';' => {
                    out.push(Token::Semi(i));
                    i += 1;
                }
                b'{' => {
                    out.push(Token::Open(i));
                    i += 1;
                }
                b'}' => {
                    out.push(Token::Close(i));
                    i += 1;
                }
                b'"' | b'\'' => {
                    let start = i;
                    let mut value = String::new();
                    i += 1;
                    while let Some(&c) = bytes.get(i) {
                        if c == b'\\' && bytes.get(i + 1) == Some(&b) {
                            value.push(b as char);
                            i += 2;
                            continue;
                        }
                        if c == b {
                            break;
                        }
                        let ch = text[i..].chars().next().unwrap_or(' ');
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                    i += 1;
                    out.push(Token::Word(Arg { value, range: TextRange::new(start, i.min(text.len())), quoted: true }));
                }
                _ => {
                    let start = i;
                    while let Some(&c) = bytes.get(i) {
                        if c == b'$' && bytes.get(i + 1) == Some(&b'{') {
                            while bytes.get(i).is_some_and(|c| *c != b'}') {
                                i += 1;
                            }
                        } else if b" \t\r\n;{}".contains(&c) {
                            break;
                        }
                        i += 1;
                    }
                    let i_end = i.min(text.len());
                    i = i_end;
                    out.push(Token::Word(Arg {
                        value: text[start..i].to_string(),
                        range: TextRange::new(start, i),
                        quoted: false,
                    }));
                }
            }
        }
        out
    }

    fn strip_if_parens(args: &mut [Arg]) {
        if let Some(first) = args.first_mut()
            && !first.quoted
            && let Some(rest) = first.value.strip_prefix('(')
        {
            first.value = rest.to_string();
            first.range.start += 1;
        }
        if let Some(last) = args.last_mut()
            && !last.quoted
            && let Some(rest) = last.value.strip_suffix(')')
        {
            last.value = rest.to_string();
            last.range.end -= 1;
        }
        // `( $x` written with a space leaves an empty first argument.
    }

    fn directives(tokens: &[Token], pos: &mut usize) -> Vec<Directive> {
        let mut out = Vec::new();
        while let Some(token) = tokens.get(*pos) {
            match token {
                Token::Close(_) => return out,
                Token::Semi(_) | Token::Open(_) => *pos += 1,
                Token::Word(name) => {
                    *pos += 1;
                    let mut args = Vec::new();
                    while let Some(Token::Word(a)) = tokens.get(*pos) {
                        args.push(a.clone());
                        *pos += 1;
                    }
                    if name.value == "if" {
                        strip_if_parens(&mut args);
                        args.retain(|a| a.quoted || !a.value.is_empty());
                    }
                    match tokens.get(*pos) {
                        Some(Token::Semi(end)) => {
                            *pos += 1;
                            out.push(Directive {
                                name: name.value.clone(),
                                name_range: name.range,
                                args,
                                block: None,
                                range: TextRange::new(name.range.start, end + 1),
                            });
                        }
                        Some(Token::Open(open)) => {
                            let open = *open;
                            *pos += 1;
                            let children = directives(tokens, pos);
                            let close = match tokens.get(*pos) {
                                Some(Token::Close(c)) => {
                                    *pos += 1;
                                    c + 1
                                }
                                _ => open + 1,
                            };
                            out.push(Directive {
                                name: name.value.clone(),
                                name_range: name.range,
                                args,
                                block: Some(Block { range: TextRange::new(open, close), directives: children }),
                                range: TextRange::new(name.range.start, close),
                            });
                        }
                        _ => return out,
                    }
                }
            }
        }
        out
    }

    /// Reads `text` into directives.
    pub fn parse(text: &str) -> Vec<Directive> {
        let tokens = tokens(text);
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < tokens.len() {
            out.extend(directives(&tokens, &mut pos));
            pos += 1;
        }
        out
    }
}
