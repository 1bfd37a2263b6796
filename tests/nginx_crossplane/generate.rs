//! Config-like texts for comparing with crossplane: directives, blocks, `if`, Lua blocks, with
//! the characters that matter to the lexer (quotes, escapes, `${`, `#`, odd whitespace).

use std::path::{Path, PathBuf};

/// A small deterministic generator of config-like texts (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }

    fn space(&mut self, out: &mut String) {
        out.push_str(self.pick(&[" ", " ", " ", "\t", "\n", "\r\n", "\u{3000}", "\u{1c}", " #c\n"]));
    }

    fn word(&mut self, out: &mut String) {
        const ATOMS: &[&str] = &[
            "a",
            "b",
            "x1",
            "$v",
            "${v}",
            "\"q w\"",
            "'x;y'",
            "\\\"",
            "\\;",
            "\\{",
            "\u{e9}",
            "(",
            ")",
            "\"\\\"q\"",
            "'\\''",
            "\"{}\"",
            "-",
            "--",
            "$",
            "\"${v} a\"",
            "\\#",
            "\\\n",
            "$a}",
        ];
        for _ in 0..1 + self.next() % 3 {
            out.push_str(self.pick(ATOMS));
        }
    }

    fn lua(&mut self, out: &mut String, depth: usize) {
        out.push('{');
        for _ in 0..self.next() % 5 {
            let atom = self.pick(&[" x = 1", "\"}\"", "'{'", " -- } }\n", "-", "\n", " t = ", "\\\"", "{", "'a\\'b'"]);
            if atom == "{" && depth < 3 {
                self.lua(out, depth + 1);
            } else if atom != "{" {
                out.push_str(atom);
            }
        }
        out.push('}');
    }

    fn block(&mut self, out: &mut String, depth: usize) {
        for _ in 0..self.next() % 4 {
            self.space(out);
            match self.next() % 8 {
                0 if depth < 3 => {
                    // Names crossplane does not know, so it checks no argument count.
                    out.push_str(self.pick(&["loc", "\"srv\"", "block_x"]));
                    for _ in 0..self.next() % 3 {
                        self.space(out);
                        self.word(out);
                    }
                    self.space(out);
                    out.push('{');
                    self.block(out, depth + 1);
                    self.space(out);
                    out.push('}');
                }
                1 => {
                    out.push_str(self.pick(&[
                        "content_by_lua_block",
                        "set_by_lua_block $r",
                        "\"access_by_lua_block\"",
                    ]));
                    self.space(out);
                    self.lua(out, 0);
                }
                2 => {
                    out.push_str("if (");
                    self.word(out);
                    self.space(out);
                    self.word(out);
                    out.push_str(self.pick(&[")", " )", ")\t"]));
                    out.push_str(" { return 204; }");
                }
                _ => {
                    self.word(out);
                    for _ in 0..self.next() % 4 {
                        self.space(out);
                        self.word(out);
                    }
                    out.push(';');
                }
            }
        }
    }
}

/// Texts from a fixed seed, written to `dir`; one in ten has a character dropped or added.
pub fn generate(dir: &Path, count: usize, seed: u64) -> Vec<PathBuf> {
    let mut g = Gen(seed);
    let mut files = Vec::new();
    for i in 0..count {
        let mut text = String::new();
        g.block(&mut text, 0);
        if g.next().is_multiple_of(10) && !text.is_empty() {
            let at = (0..=g.next() % text.len()).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            match g.next() % 2 {
                0 => drop(text.remove(at.min(text.len().saturating_sub(1)))),
                _ => text.insert_str(at, g.pick(&["{", "}", ";", "\"", "'", "#"])),
            }
        }
        // crossplane drops a word cut off by the end of the file; a final newline avoids that.
        text.push('\n');
        let path = dir.join(format!("{i:05}.conf"));
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    files
}
