//! Unit tests of the nginx parser: tree shapes, exact ranges, errors, limits.

use crate::parse::nginx::*;
use crate::source::TextRange;

mod include;
mod lexer;
mod roundtrip;

fn range_text(text: &str, r: TextRange) -> &str {
    &text[r.start..r.end]
}

fn errors(text: &str) -> Vec<(String, usize)> {
    let c = parse(text);
    c.errors_with_lines().map(|(e, l)| (e.message.clone(), l)).collect()
}

#[test]
fn directives_args_blocks_and_ranges() {
    let text = "http {\n  server { listen 80; }\n}\n";
    let c = parse(text);
    assert!(c.errors.is_empty());
    let http = &c.directives[0];
    assert_eq!(http.name, "http");
    assert_eq!(range_text(text, http.range), "http {\n  server { listen 80; }\n}");
    assert_eq!(range_text(text, http.block.as_ref().unwrap().range), "{\n  server { listen 80; }\n}");
    let server = &http.children()[0];
    assert_eq!(server.line, 2);
    let listen = &server.children()[0];
    assert_eq!(range_text(text, listen.name_range), "listen");
    assert_eq!(range_text(text, listen.range), "listen 80;");
    assert_eq!(listen.arg(0), Some("80"));
    assert_eq!(listen.arg(1), None);
    let names: Vec<&str> = c.walk().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["http", "server", "listen"]);
}

#[test]
fn quoted_args_cover_their_quotes() {
    let text = r#"add_header 'Access-Control-Allow-Origin' "${scheme}://$host" always;"#;
    let c = parse(text);
    let d = &c.directives[0];
    assert_eq!(d.args_str(), ["Access-Control-Allow-Origin", "${scheme}://$host", "always"]);
    assert_eq!(range_text(text, d.args[0].range), "'Access-Control-Allow-Origin'");
    assert_eq!(range_text(text, d.args[1].range), r#""${scheme}://$host""#);
    assert!(d.args[1].quoted && !d.args[2].quoted);
    assert_eq!(range_text(text, d.head_range()), &text[..text.len() - 1]);
}

#[test]
fn quoted_name_range_includes_quotes() {
    let text = "\"events\" { }";
    let d = &parse(text).directives[0];
    assert_eq!(d.name, "events");
    assert_eq!(range_text(text, d.name_range), "\"events\"");
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}user nginx;\r\nhttp {\r\n  add_header X \"a\r\nb\";\r\n}\r\n";
    let c = parse(text);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let user = &c.directives[0];
    assert_eq!(user.name, "user");
    assert_eq!(user.name_range, TextRange::new(3, 7));
    let add = &c.directives[1].children()[0];
    assert_eq!(add.line, 3);
    assert_eq!(add.arg(1), Some("a\nb"));
    assert_eq!(range_text(text, add.args[1].range), "\"a\r\nb\"");
}

#[test]
fn variables_in_and_out_of_quotes() {
    let text = "set $a \"${b}c\"; set ${x}y z${w};";
    let c = parse(text);
    assert_eq!(c.directives[0].args_str(), ["$a", "${b}c"]);
    assert_eq!(c.directives[1].args_str(), ["${x}y", "z${w}"]);
    assert_eq!(range_text(text, c.directives[1].args[1].range), "z${w}");
    // Whitespace after `${...}` ends the word, as in nginx (crossplane would glue `always` on).
    let c = parse("add_header Access-Control-Allow-Origin ${http_origin} always;");
    assert_eq!(c.directives[0].args_str(), ["Access-Control-Allow-Origin", "${http_origin}", "always"]);
}

#[test]
fn if_parentheses_removed_as_crossplane() {
    let text = "if ($request_method = OPTIONS) { return 204; } if ( $a ) {} if ($x~*\"a b\") {}";
    let c = parse(text);
    let d = &c.directives[0];
    assert_eq!(d.args_str(), ["$request_method", "=", "OPTIONS"]);
    assert_eq!(range_text(text, d.args[0].range), "$request_method");
    assert_eq!(range_text(text, d.args[2].range), "OPTIONS");
    assert_eq!(c.directives[1].args_str(), ["$a"]);
    assert_eq!(c.directives[2].args_str(), ["$x~*\"a", "b\""]);
}

#[test]
fn lua_blocks_are_one_argument() {
    let text = "location / {\n content_by_lua_block {\n  ngx.say(\"}\")\n }\n set_by_lua_block $v { return 1 }\n}";
    let c = parse(text);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let inner = c.directives[0].children();
    assert_eq!(inner[0].args_str(), ["\n  ngx.say(\"}\")\n "]);
    assert_eq!(range_text(text, inner[0].args[0].range), "{\n  ngx.say(\"}\")\n }");
    assert_eq!(range_text(text, inner[0].range), "content_by_lua_block {\n  ngx.say(\"}\")\n }");
    assert_eq!(inner[1].args_str(), ["$v", " return 1 "]);
}

#[test]
fn comments_are_kept() {
    let text = "# corslint: ignore[CORS101]\nadd_header A b; # tail\nx # mid\n y;";
    let c = parse(text);
    let texts: Vec<&str> = c.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["# corslint: ignore[CORS101]", "# tail", "# mid"]);
    assert_eq!(c.comments[0].body(), " corslint: ignore[CORS101]");
    assert_eq!(range_text(text, c.comments[1].range), "# tail");
    assert_eq!(c.directives[1].args_str(), ["y"]);
}

#[test]
fn missing_semicolon_before_close() {
    let text = "http {\n server {\n  location / {\n   proxy_pass http://a\n  }\n  location /b { return 1; }\n }\n}\n";
    let c = parse(text);
    assert_eq!(errors(text), [("directive \"proxy_pass\" is not terminated by \";\"".into(), 4)]);
    assert_eq!(range_text(text, c.errors[0].range), "proxy_pass http://a");
    // Everything around the mistake is kept.
    let server = &c.directives[0].children()[0];
    assert_eq!(server.children().len(), 2);
    assert_eq!(server.children()[0].children()[0].args_str(), ["http://a"]);
}

#[test]
fn unbalanced_close_and_eof() {
    assert_eq!(errors("a;\n}\nb;"), [("unexpected \"}\"".into(), 2)]);
    let c = parse("a;\n}\nb;");
    assert_eq!(c.directives.len(), 2);
    assert_eq!(errors("http {\n a;\n b {\n }\n"), [("unexpected end of file, expecting \"}\"".into(), 4)]);
    assert_eq!(errors("http {\n a;\n b"), [("directive \"b\" is not terminated by \";\"".into(), 3)]);
    assert_eq!(errors("a b"), [("directive \"a\" is not terminated by \";\"".into(), 1)]);
    assert_eq!(errors("a;;"), [("unexpected \";\"".into(), 1)]);
    assert_eq!(errors("a \"b;\n}"), [("unexpected end of file, unterminated quoted string".into(), 1)]);
    assert_eq!(errors("x {\ncontent_by_lua_block { a\n"), [("unexpected end of file inside Lua block".into(), 2)]);
    let c = parse("x {\n{ y; }\n}");
    assert_eq!(c.errors.len(), 1);
    assert_eq!(c.directives[0].children()[0].name, "y");
}

/// nginx refuses a character glued to a closing quote; the rest of that line is dropped and the
/// directives below are read as nginx reads them once the quote is fixed.
#[test]
fn a_character_right_after_a_closing_quote_is_refused() {
    let text = "if ($request_method = 'OPTIONS') {\n  add_header 'Timing-Allow-Origin '*'\n  return 204;\n}\n";
    let c = parse(text);
    assert_eq!(errors(text), [("unexpected \"*\"".into(), 2)]);
    assert_eq!(range_text(text, c.errors[0].range), "*");
    let body = c.directives[0].children();
    let names: Vec<&str> = body.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["add_header", "return"]);
    assert_eq!(body[0].args_str(), ["Timing-Allow-Origin "]);
    assert_eq!(body[1].args_str(), ["204"]);
    // What nginx accepts after a quote.
    for ok in ["a \"b\";", "a \"b\" c;", "a \"b\"{ }", "if ($x = \"b\") { }", "a 'b'\tc;"] {
        assert_eq!(errors(ok), [], "{ok}");
    }
    assert_eq!(errors("x { a \"b\"}\n"), [("unexpected \"}\"".into(), 1)]);
    assert_eq!(errors("a 'b'#c\nd;"), [("unexpected \"#\"".into(), 1)]);
    assert_eq!(parse("a 'b'#c\nd;").directives.len(), 2);
}

#[test]
fn non_utf8_decoded_lossily() {
    let bytes = b"return 200 \"M\xfcllen\";";
    let text = String::from_utf8_lossy(bytes);
    let c = parse(&text);
    assert_eq!(c.directives[0].arg(1), Some("M\u{fffd}llen"));
}

#[test]
fn deep_nesting_is_bounded() {
    let n = 100_000;
    let text = "a {".repeat(n);
    let c = parse(&text);
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    let mut depth = 0;
    let mut level = &c.directives;
    while let Some(d) = level.first() {
        depth += 1;
        level = &d.block.as_ref().unwrap().directives;
    }
    assert_eq!(depth, MAX_DEPTH + 1);
    let text = "{".repeat(n) + &"}".repeat(n);
    let c = parse(&text);
    assert!(c.errors.len() <= 100);
    let text = format!("{}x;{}", "b{".repeat(n), "}".repeat(n));
    let c = parse(&text);
    assert_eq!(c.errors.len(), 1);
    assert_eq!(c.walk().count(), MAX_DEPTH + 1);
}

#[test]
fn long_line() {
    let text = "add_header X-A b;".repeat(60_000);
    let c = parse(&text);
    assert_eq!(c.directives.len(), 60_000);
    let text = format!("a \"{}\";", "x".repeat(1 << 20));
    assert_eq!(parse(&text).directives[0].args[0].value.len(), 1 << 20);
}

#[test]
fn walk_ancestors() {
    let c = parse("a { b { c; } d; } e;");
    let mut w = c.walk();
    let mut seen = Vec::new();
    while let Some(d) = w.next() {
        let path: Vec<&str> = w.ancestors().iter().map(|a| a.name.as_str()).collect();
        seen.push((d.name.clone(), path.join("/"), w.depth()));
    }
    let expect = [("a", "", 0), ("b", "a", 1), ("c", "a/b", 2), ("d", "a", 1), ("e", "", 0)];
    let expect: Vec<(String, String, usize)> =
        expect.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), *c)).collect();
    assert_eq!(seen, expect);
}

fn check_ranges(text: &str, c: &Config) {
    let ok = |r: TextRange| {
        r.start <= r.end && r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
    };
    for d in c.walk() {
        assert!(ok(d.range) && ok(d.name_range), "{d:?}");
        assert!(d.range.start <= d.name_range.start && d.name_range.end <= d.range.end);
        for a in &d.args {
            assert!(ok(a.range), "{a:?}");
            assert!(d.range.start <= a.range.start && a.range.end <= d.range.end, "{d:?}");
        }
        if let Some(b) = &d.block {
            assert!(ok(b.range));
        }
    }
    assert!(c.comments.iter().all(|k| ok(k.range)));
    assert!(c.errors.iter().all(|e| ok(e.range)));
    assert_eq!(c.errors.len(), c.error_lines.len());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|[{}\"';#$\\\\ \\r\\n(])*") {
        check_ranges(&text, &parse(&text));
    }

    #[test]
    fn config_like_text_never_panics(
        text in "([a-z_]{1,6}|[{}\"';#$\\\\ \\r\\n()]|content_by_lua_block|set_by_lua_block|if|\\$\\{|--|\u{e9}|\u{3000}|\u{feff})*"
    ) {
        check_ranges(&text, &parse(&text));
    }
}
