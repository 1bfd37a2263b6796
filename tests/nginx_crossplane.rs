//! Compares the nginx parser with crossplane on every nginx file of the corpus.
//!
//! Runs when a `crossplane` executable is found (`$CORSLINT_CROSSPLANE`, else on `PATH`) and the
//! corpus is present; otherwise prints a note and passes. crossplane is driven through its
//! Python API with the interpreter named on the executable's `#!` line, because its command line
//! cannot turn off the context checks: parsed alone, a fragment such as `h5bp/basic.conf` gets
//! `"add_header" directive is not allowed here` and crossplane drops the directive (and, for a
//! block, mis-nests what follows). We call `crossplane.parse(check_ctx=False, check_args=True)`:
//! - `single` mode, every file alone (`--single-file`): same `parsed` tree, same errors;
//! - `tree` mode, each main configuration with its includes: same files in the same order,
//!   same `includes` indexes, same errors (including a missing include's).
//!
//! Accepted differences, each checked below:
//! - crossplane's argument-count errors (`invalid number of arguments in "user" directive`)
//!   are semantic, not syntax: we give none, and the directive crossplane drops is dropped from
//!   our tree before comparing;
//! - for a directive cut off by the end of the file, crossplane's lexer runs dry inside its
//!   parser and it reports `{"error": "", "line": null}`; we report
//!   `directive "x" is not terminated by ";"` at the directive's line;
//! - after a syntax error crossplane gives `"parsed": []` for the file while we keep the
//!   recovered tree: trees of files with syntax errors are not compared;
//! - crossplane glues the whitespace after `${var}` and the next word onto the word
//!   (`try_files /abc/${uri} /abc/${uri}.html` in `crossplane-tests/messy` gives it one argument
//!   `"/abc/${uri} /abc/${uri}.html"`); nginx ends the word at the whitespace
//!   (`ngx_conf_read_token` only keeps the `{` of `${` from opening a block), and so do we,
//!   since `add_header ... ${http_origin} always;` must keep its `always`.
//!   [`with_crossplane_quirk`] glues our words as crossplane would before comparing;
//! - `;` or `{` where a directive name is expected, and a word cut off by the end of the
//!   file: nginx rejects these and so do we, while crossplane takes `;` for a directive name
//!   and silently drops the cut-off word. The generated-text test counts these cases apart;
//! - a character glued to a closing quote (`"left"-quote` in `crossplane-tests/quote-behavior`):
//!   nginx refuses the file (`unexpected "-"`) and so do we, while crossplane starts a new word
//!   there. Such files are not compared, and the generated-text test counts them apart.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[path = "nginx_crossplane/generate.rs"]
mod generate;

use corslint::parse::nginx::crossplane::{dump, dump_root};
use corslint::parse::nginx::include::{Files, resolve};
use corslint::parse::nginx::{self, Config, Directive};
use generate::generate;

const SCRIPT: &str = r#"
import crossplane, json, sys
single = sys.argv[1] == "single"
for f in sys.argv[2:]:
    print(json.dumps(crossplane.parse(f, single=single, check_ctx=False, check_args=True)))
"#;

mod common;

fn corpus() -> Option<PathBuf> {
    common::corpus("")
}

fn crossplane() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CORSLINT_CROSSPLANE") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("crossplane")).find(|p| p.is_file())
}

/// The Python that runs `exe`: the interpreter next to it (a virtual environment's `bin/`),
/// else the one on its `#!` line (pip writes a `/bin/sh` trampoline for long paths), else
/// `python3`.
fn python(exe: &Path) -> Vec<String> {
    let dir = exe.parent().unwrap_or(Path::new(""));
    if let Some(p) = ["python3", "python"].iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
        return vec![p.to_string_lossy().into_owned()];
    }
    let text = std::fs::read_to_string(exe).unwrap_or_default();
    let first = text.lines().next().unwrap_or("");
    match first.strip_prefix("#!").filter(|cmd| cmd.contains("python")) {
        Some(cmd) => cmd.split_whitespace().map(String::from).collect(),
        None => vec!["python3".into()],
    }
}

fn run_crossplane(exe: &Path, mode: &str, files: &[PathBuf]) -> Vec<Value> {
    let py = python(exe);
    let out = Command::new(&py[0])
        .args(&py[1..])
        .arg("-c")
        .arg(SCRIPT)
        .arg(mode)
        .args(files)
        .output()
        .expect("run crossplane's python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn nginx_files(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir, common::not_a_licence)
}

fn is_semantic(message: &str) -> bool {
    ["invalid number of arguments", "has no opening \"{\"", "it must be \"on\" or \"off\""]
        .iter()
        .any(|m| message.contains(m))
}

/// Removes directive `name` at `line` from a crossplane `parsed` list, at any depth.
fn drop_directive(parsed: &mut Value, name: &str, line: u64) {
    let Some(list) = parsed.as_array_mut() else {
        return;
    };
    list.retain(|d| !(d["directive"] == name && d["line"] == line));
    for d in list {
        if let Some(block) = d.get_mut("block") {
            drop_directive(block, name, line);
        }
    }
}

/// Whether crossplane would glue the whitespace after this unquoted word onto it: its last
/// `${` is unclosed, or closed by its final `}`.
fn glued(value: &str) -> bool {
    let Some(k) = value.rfind("${") else {
        return false;
    };
    let tail = &value[k + 2..];
    match tail.strip_suffix('}') {
        Some(inner) => !inner.contains('}'),
        None => !tail.contains('}'),
    }
}

/// The name and arguments of `d` as crossplane gives them: after a word ending in `${...}`,
/// crossplane appends one whitespace character and whatever word follows it directly. `None`
/// where that is too irregular to imitate here (a quote or comment right after, or an `if`).
fn crossplane_words(d: &Directive, text: &str) -> Option<Vec<String>> {
    // An unquoted word never starts with a quote: a quote there opens a quoted word.
    let name_quoted = text[d.name_range.start..].starts_with(['"', '\'']);
    let mut words = vec![(d.name.as_str(), d.name_range, name_quoted)];
    words.extend(d.args.iter().map(|a| (a.value.as_str(), a.range, a.quoted)));
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(first, _, _)) = words.get(i) {
        let mut value = first.to_string();
        while let Some(&(word, range, quoted)) = words.get(i) {
            let rest = &text[range.end..];
            let ws = rest.chars().next().filter(|c| nginx::lexer::is_space(*c));
            let Some(ws) = ws.filter(|_| !quoted && glued(word)) else {
                break;
            };
            // `if` args lose their parentheses after the words are cut; the argument of
            // `set_by_lua_block` is cut by crossplane's Lua lexer, which has no `${` rule.
            if d.name == "if" || nginx::lexer::LUA_BLOCKS.contains(&d.name.as_str()) {
                return None;
            }
            let len = if rest.starts_with("\r\n") { 2 } else { ws.len_utf8() };
            value.push(if ws == '\r' { '\n' } else { ws });
            let after = range.end + len;
            let next = text[after..].chars().next();
            match words.get(i + 1) {
                _ if next.is_none_or(|c| nginx::lexer::is_space(c) || ";{}".contains(c)) => break,
                Some(&(b, b_range, false)) if b_range.start == after => {
                    value.push_str(b);
                    i += 1;
                }
                _ => return None,
            }
        }
        out.push(value);
        i += 1;
    }
    Some(out)
}

/// Whether crossplane's `${var}` quirk changes how the text after it is cut: the glued
/// whitespace is followed by a quote or `#`, which crossplane then takes as plain characters.
fn quirk_cascades(text: &str) -> bool {
    nginx::lexer::Lexer::new(text).any(|t| {
        let rest = &text[t.range.end..];
        let after_space = rest.strip_prefix("\r\n").or_else(|| {
            let mut chars = rest.chars();
            chars.next().filter(|c| nginx::lexer::is_space(*c)).map(|_| chars.as_str())
        });
        t.kind == nginx::lexer::TokenKind::Word
            && !t.quoted
            && glued(&t.value)
            && after_space.is_some_and(|r| r.starts_with(['"', '\'', '#']))
    })
}

/// Our `parsed` with crossplane's `${var}` quirk applied (see the module documentation);
/// false where it cannot be imitated.
fn with_crossplane_quirk(parsed: &mut Value, list: &[Directive], text: &str) -> bool {
    let Some(items) = parsed.as_array_mut() else {
        return true;
    };
    let mut directives = list.iter();
    for item in items.iter_mut().filter(|i| i["directive"] != "#") {
        let Some(d) = directives.next() else {
            return false;
        };
        let Some(mut words) = crossplane_words(d, text) else {
            return false;
        };
        item["directive"] = Value::from(words.remove(0));
        item["args"] = Value::from(words);
        if let Some(b) = &d.block
            && !with_crossplane_quirk(&mut item["block"], &b.directives, text)
        {
            return false;
        }
    }
    true
}

/// Our `config` entry for one file, with crossplane's quirk applied; `None` where it cannot be.
fn like_crossplane(entry: &Value, config: &Config, text: &str) -> Option<Value> {
    let mut entry = entry.clone();
    with_crossplane_quirk(&mut entry["parsed"], &config.directives, text).then_some(entry)
}

/// Compares one `config` entry (`ours` is `None` when only errors can be compared); returns a
/// description of the first difference.
fn compare_entry(ours: Option<&Value>, theirs: &Value) -> Result<(), String> {
    let Some(ours) = ours else { return Ok(()) };
    if ours["file"] != theirs["file"] {
        return Err(format!("file {} vs {}", ours["file"], theirs["file"]));
    }
    let empty = Vec::new();
    let their_errors = theirs["errors"].as_array().unwrap_or(&empty);
    let our_errors = ours["errors"].as_array().unwrap_or(&empty);
    let (semantic, syntax): (Vec<&Value>, Vec<&Value>) =
        their_errors.iter().partition(|e| is_semantic(e["error"].as_str().unwrap_or("")));
    if syntax.len() != our_errors.len() {
        return Err(format!("errors: ours {our_errors:?}, crossplane {their_errors:?}"));
    }
    for (o, t) in our_errors.iter().zip(&syntax) {
        let cut_off = t["error"] == "" && t["line"].is_null();
        if !cut_off && (o["error"] != t["error"] || o["line"] != t["line"]) {
            return Err(format!("error: ours {o}, crossplane {t}"));
        }
    }
    if !syntax.is_empty() {
        return Ok(());
    }
    let mut parsed = ours["parsed"].clone();
    for e in semantic {
        let msg = e["error"].as_str().unwrap_or("");
        let name = msg.split('"').nth(1).unwrap_or("");
        drop_directive(&mut parsed, name, e["line"].as_u64().unwrap_or(0));
    }
    let their_parsed = &theirs["parsed"];
    if parsed != *their_parsed {
        return Err(format!(
            "parsed differs:\nours:       {}\ncrossplane: {}",
            serde_json::to_string(&parsed).unwrap(),
            serde_json::to_string(their_parsed).unwrap()
        ));
    }
    Ok(())
}

fn setup() -> Option<(PathBuf, PathBuf)> {
    let corpus = corpus()?;
    let Some(exe) = crossplane() else {
        eprintln!("note: no crossplane executable (set CORSLINT_CROSSPLANE), comparison skipped");
        return None;
    };
    Some((corpus, exe))
}

#[test]
fn every_file_alone_matches_crossplane() {
    let Some((corpus, exe)) = setup() else { return };
    let mut files = nginx_files(&corpus.join("nginx"));
    files.extend(nginx_files(&corpus.join("nginx-broken")));
    let theirs = run_crossplane(&exe, "single", &files);
    assert_eq!(theirs.len(), files.len());
    let mut failures = Vec::new();
    for (path, theirs) in files.iter().zip(&theirs) {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let config = nginx::parse(&text);
        if refuses_glued_quote(&config, &text) && theirs["errors"].as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let ours = dump(&[(path.as_path(), &config)]);
        let ours = like_crossplane(&ours["config"][0], &config, &text);
        if let Err(e) = compare_entry(ours.as_ref(), &theirs["config"][0]) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} files differ:\n{}", failures.len(), files.len(), failures.join("\n"));
    eprintln!("{} files compared with crossplane", files.len());
}

#[test]
fn main_configurations_with_includes_match_crossplane() {
    let Some((corpus, exe)) = setup() else { return };
    let mains: Vec<PathBuf> = nginx_files(&corpus.join("nginx"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "nginx.conf"))
        .collect();
    let theirs = run_crossplane(&exe, "tree", &mains);
    let mut failures = Vec::new();
    for (main, theirs) in mains.iter().zip(&theirs) {
        let text = String::from_utf8_lossy(&std::fs::read(main).unwrap()).into_owned();
        let config = nginx::parse(&text);
        if refuses_glued_quote(&config, &text) && theirs["errors"].as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        // crossplane reads includes wherever they are: so does this comparison.
        let mut files = Files::within(vec![(main.clone(), config)], Path::new("/"));
        let roots = resolve(&mut files).roots;
        assert_eq!(roots.len(), 1);
        let ours = dump_root(&roots[0], &files);
        let (o, t) = (ours["config"].as_array().unwrap(), theirs["config"].as_array().unwrap());
        let names = |v: &[Value]| v.iter().map(|c| c["file"].to_string()).collect::<Vec<_>>();
        if names(o) != names(t) {
            failures.push(format!("{}: files {:?} vs {:?}", main.display(), names(o), names(t)));
            continue;
        }
        for ((o, t), id) in o.iter().zip(t).zip(&roots[0].files) {
            let text = String::from_utf8_lossy(&std::fs::read(&files.entries[*id].path).unwrap()).into_owned();
            let ours = like_crossplane(o, &files.entries[*id].config, &text);
            if let Err(e) = compare_entry(ours.as_ref(), t) {
                failures.push(format!("{} (from {}): {e}", o["file"], main.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} main configurations compared with crossplane", mains.len());
}

/// Errors only we report, on text nginx rejects too: `;` or `{` without a directive name, a
/// directive ended by `}` or by the end of the file (crossplane checks the `;` of the
/// directives it knows only), the end of the file inside a quote.
fn nginx_rejects(config: &Config, text: &str) -> bool {
    config.errors.iter().all(|e| {
        e.message == "unexpected \";\""
            || e.message == "unexpected \"{\""
            || e.message.starts_with("unexpected end of file")
            || e.message.ends_with("is not terminated by \";\"")
            || is_glued_to_quote(e, text)
    })
}

/// nginx's error for a character right after a closing quote (`unexpected "-"`), which crossplane
/// does not make.
fn is_glued_to_quote(error: &corslint::parse::ParseError, text: &str) -> bool {
    let before = error.range.start.checked_sub(1).and_then(|i| text.as_bytes().get(i));
    error.message.starts_with("unexpected \"") && before.is_some_and(|b| matches!(b, b'"' | b'\''))
}

/// The first error is one crossplane does not make because it reads on after a closing quote
/// (what follows is text nginx never reads).
fn refuses_glued_quote(config: &Config, text: &str) -> bool {
    config.errors.first().is_some_and(|e| is_glued_to_quote(e, text))
}

#[test]
fn generated_texts_match_crossplane() {
    let Some((_, exe)) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // `CORSLINT_FUZZ_SEED` and `CORSLINT_FUZZ_CASES` explore further.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("CORSLINT_FUZZ_SEED").unwrap_or(0x9e37_79b9_7f4a_7c15).max(1);
    let cases = env("CORSLINT_FUZZ_CASES").unwrap_or(4000) as usize;
    let files = generate(dir.path(), cases, seed);
    let theirs = run_crossplane(&exe, "single", &files);
    let mut failures = Vec::new();
    let (mut clean, mut both_failed, mut only_ours, mut semantic, mut quirk, mut glued) = (0, 0, 0, 0, 0, 0);
    for (path, theirs) in files.iter().zip(&theirs) {
        let text = std::fs::read_to_string(path).unwrap();
        let config = nginx::parse(&text);
        let ours = dump(&[(path.as_path(), &config)]);
        let (o, t) = (&ours["config"][0], &theirs["config"][0]);
        let errors = t["errors"].as_array().cloned().unwrap_or_default();
        if quirk_cascades(&text) {
            quirk += 1;
            continue;
        }
        if errors.iter().any(|e| is_semantic(e["error"].as_str().unwrap_or(""))) {
            semantic += 1;
            continue;
        }
        let their_errors = errors.len();
        let result = match (config.errors.is_empty(), their_errors == 0) {
            (true, true) => match like_crossplane(o, &config, &text) {
                Some(o) => {
                    clean += 1;
                    compare_entry(Some(&o), t)
                }
                None => {
                    quirk += 1;
                    Ok(())
                }
            },
            (false, false) => {
                both_failed += 1;
                // We find the first mistake no later than crossplane, often earlier: it checks
                // the `;` of the directives it knows only, and runs past `x }`.
                let (ours, theirs) = (&o["errors"][0], &errors[0]);
                let (ol, tl) = (ours["line"].as_u64(), theirs["line"].as_u64());
                if tl.is_some_and(|tl| ol.is_none_or(|ol| ol > tl)) {
                    Err(format!("first error: ours {ours}, crossplane {theirs}"))
                } else {
                    Ok(())
                }
            }
            (false, true) if refuses_glued_quote(&config, &text) => {
                glued += 1;
                Ok(())
            }
            (false, true) if nginx_rejects(&config, &text) => {
                only_ours += 1;
                Ok(())
            }
            _ => Err(format!("errors: ours {}, crossplane {}", o["errors"], t["errors"])),
        };
        if let Err(e) = result {
            failures.push(format!("{text:?}: {e}"));
        }
    }
    eprintln!(
        "{clean} compared, {both_failed} rejected by both, {only_ours} rejected only by us (nginx \
         rejects them too), {semantic} with crossplane argument-count errors, {quirk} with \
         `${{var}}` followed by a quote or comment, {glued} with a character glued to a closing quote \
         (nginx rejects them, crossplane reads on)"
    );
    assert!(clean > (files.len() - glued) / 2, "too few clean texts: {clean}");
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}
