//! Tokens cut as crossplane cuts them.

use crate::parse::nginx::lexer::*;
use crate::source::TextRange;

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
        words(r#"a "b\"c" 'd\'e' "f\n" g"h" ${x y} "${v}"; \; ${a}${b} c"#),
        vec![
            w("a"),
            q("b\"c"),
            q("d'e"),
            q("f\\n"),
            w("g\"h\""),
            w("${x"),
            w("y"),
            w("}"),
            q("${v}"),
            w(";"),
            w("\\;"),
            w("${a}${b}"),
            w("c"),
        ]
    );
}

#[test]
fn comments_end_at_newline_and_only_start_words() {
    assert_eq!(words("a#b #c d\ne;"), vec![w("a#b"), w("#c d"), w("e"), w(";")]);
}

#[test]
fn lines_count_like_crossplane() {
    let lines: Vec<usize> = Lexer::new("a\r\nb\rc\n\"d\ne\" f").map(|t| t.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 5]);
}

#[test]
fn lua_block_is_one_quoted_word() {
    let toks: Vec<Token> = Lexer::new("content_by_lua_block { a = \"}\" -- }\n b = {} };x;").collect();
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
