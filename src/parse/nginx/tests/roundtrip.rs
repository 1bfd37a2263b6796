//! The crossplane-style dump round-trips: parse any text, dump the recovered tree as crossplane
//! JSON, render that dump back as nginx text, parse it again: the same tree, and no errors (the
//! tree recovered from a broken file is itself a valid configuration).

use std::path::Path;

use serde_json::Value;

use crate::parse::nginx::crossplane::dump;
use crate::parse::nginx::lexer::{LUA_BLOCKS, Lexer, TokenKind};
use crate::parse::nginx::{Config, parse};

/// The `parsed` array of a single-file dump, without line numbers (rendering moves lines).
fn tree(config: &Config) -> Value {
    let mut value = dump(&[(Path::new("f.conf"), config)]);
    let mut parsed = value["config"][0]["parsed"].take();
    strip_lines(&mut parsed);
    parsed
}

fn strip_lines(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(strip_lines),
        Value::Object(map) => {
            map.remove("line");
            map.values_mut().for_each(strip_lines);
        }
        _ => {}
    }
}

/// Whether `text` lexes as exactly one word whose value is `value`, after another word (so a
/// leading byte order mark is not the file's).
fn lexes_as(text: &str, value: &str) -> bool {
    let text = format!("x {text}");
    let mut tokens = Lexer::new(&text).skip(1);
    let first = tokens.next();
    first.is_some_and(|t| t.kind == TokenKind::Word && t.value == value) && tokens.next().is_none()
}

/// `value` written so the lexer reads it back: bare, in double quotes, or in single quotes.
fn word(value: &str) -> Option<String> {
    let quoted = |q: char| {
        let mut s = String::from(q);
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                // An escape stays as written (the lexer keeps it), the quote itself excepted.
                s.push('\\');
                if let Some(next) = chars.next() {
                    s.push(next);
                }
            } else if c == q {
                s.push('\\');
                s.push(c);
            } else {
                s.push(c);
            }
        }
        s.push(q);
        s
    };
    [value.to_string(), quoted('"'), quoted('\'')].into_iter().find(|t| lexes_as(t, value))
}

/// Renders the items of a `parsed` array (comments after a directive go inside its head, where
/// they were, so the dump lists them after it again).
fn render(items: &[Value], out: &mut String) -> Option<()> {
    let mut i = 0;
    while let Some(item) = items.get(i) {
        i += 1;
        let name = item["directive"].as_str()?;
        let args: Vec<&str> = item["args"].as_array()?.iter().filter_map(Value::as_str).collect();
        out.push_str(&word(name)?);
        let lua = LUA_BLOCKS.contains(&name);
        if lua && item.get("block").is_some() {
            // A Lua directive with a block as well: only a recovered tree has one.
            return None;
        }
        match (lua, name == "set_by_lua_block", args.as_slice()) {
            (true, false, [body]) | (true, true, [_, body]) => {
                // Only a body the Lua lexer gives back whole (not words left by a failed block).
                let lexed: Vec<String> =
                    Lexer::new(&format!("content_by_lua_block {{{body}}}")).map(|t| t.value).collect();
                if lexed != ["content_by_lua_block", *body, ""] {
                    return None;
                }
                if name == "set_by_lua_block" {
                    // Its variable is read raw, up to whitespace, as crossplane reads it.
                    let var = args.first()?;
                    if var.is_empty() || var.starts_with('#') || var.chars().any(crate::parse::nginx::lexer::is_space) {
                        return None;
                    }
                    out.push(' ');
                    out.push_str(var);
                }
                out.push_str(" {");
                out.push_str(body);
                out.push('}');
            }
            (true, _, _) => return None,
            (false, _, _) if name == "if" => {
                out.push_str(" (");
                for a in &args {
                    out.push(' ');
                    out.push_str(&word(a)?);
                }
                out.push_str(" )");
            }
            (false, _, _) => {
                for a in &args {
                    out.push(' ');
                    out.push_str(&word(a)?);
                }
            }
        }
        if lua && items.get(i).is_some_and(|c| c["directive"] == "#") {
            // No comment can stand in a Lua directive's head without breaking it (a recovered tree).
            return None;
        }
        while let Some(comment) = items.get(i).filter(|c| c["directive"] == "#") {
            i += 1;
            out.push_str(" #");
            out.push_str(comment["comment"].as_str()?);
            out.push('\n');
        }
        match item.get("block").and_then(Value::as_array) {
            Some(block) => {
                out.push_str(" {\n");
                render(block, out)?;
                out.push_str("}\n");
            }
            // A Lua block ends itself (the lexer adds its `;`).
            None if lua => out.push('\n'),
            None => out.push_str(" ;\n"),
        }
    }
    Some(())
}

fn check(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let first = tree(&parse(text));
    let Some(items) = first.as_array() else { return Err(proptest::test_runner::TestCaseError::fail("no tree")) };
    // Not at the very start, where a byte order mark would be taken for the file's.
    let mut rendered = String::from("\n");
    if render(items, &mut rendered).is_none() {
        // A value no quoting gives back (a Lua block cut short, say): nothing to compare.
        return Ok(());
    }
    let again = parse(&rendered);
    proptest::prop_assert!(again.errors.is_empty(), "{text:?} rendered as {rendered:?}: {:?}", again.errors);
    proptest::prop_assert_eq!(&tree(&again), &first, "{:?} rendered as {:?}", text, rendered);
    Ok(())
}

#[test]
fn examples_round_trip() {
    for text in [
        "http { server { listen 80; location / { add_header X \"a b\" always; } } }",
        "if ($request_method = OPTIONS) { return 204; } if ( $a ) {} if ((a)) {}",
        "content_by_lua_block { ngx.say(\"}\") } set_by_lua_block $v { return 1 }",
        "add_header 'A' \"b\\\"c\" 'd\\'e' f\\;g ${x}y \"${v}\";",
        "a # in the head\n b;",
        "x {\n{ y; }\n}",
        "a \\\"b\\'c;",
        "events { } \"quoted name\" { }",
    ] {
        if let Err(e) = check(text) {
            panic!("{text:?}: {e}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    #[test]
    fn dump_render_parse_round_trips(
        text in "([a-z_]{1,6}|[{}\"';#$\\\\ \\r\\n()]|content_by_lua_block|set_by_lua_block|if|\\$\\{|--|\u{e9}|\u{3000}|\u{feff})*"
    ) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_round_trips(text in "(\\PC|[{}\"';#$\\\\ \\r\\n(])*") {
        check(&text)?;
    }
}
