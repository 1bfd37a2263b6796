//! Text from repositories (values, file names) as the human formats may print it: control
//! characters shown as escapes, so that no output line can start with `::` (a GitHub workflow
//! command) or move a terminal's cursor.

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Whether `c` is shown as an escape: the C0 controls (tab included), DEL and the C1 controls.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// How `c` is written: `\r`, `\n`, `\t`, or `\x1b`-style for the others.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
    }
}

/// `text` with every control character escaped (a one-line value: a file name, a message).
pub fn value(text: &str) -> Cow<'_, str> {
    escape_where(text, is_control)
}

/// `text` with every control character but `\n` escaped: for text whose line breaks are ours (a
/// `help` with a code block), while a CR from a value still cannot start a line in a CI log.
pub fn lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_control(c))
}

fn escape_where(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file's path for a human report: escaped, with `/`, and with `./` in front when it would
/// otherwise start a line with `::` (a file or directory may be named `::error title=x::…`).
pub fn path(path: &Path) -> String {
    let shown = value(&path.to_string_lossy().replace('\\', "/")).into_owned();
    if starts_a_command(&shown) { format!("./{shown}") } else { shown }
}

/// Whether a line starting with `text` is a GitHub workflow command: the runner trims leading
/// white space, then looks for `::`.
fn starts_a_command(text: &str) -> bool {
    text.trim_start().starts_with("::")
}

/// The last guard of a human report: a line that would still read as a workflow command (a word
/// wrapped onto a line of its own) gets a `\` before its `::`. Lines end where the runner ends
/// them: at `\n` and at `\r`.
pub fn guard_lines(text: &str) -> Cow<'_, str> {
    let pieces = || text.split_inclusive(['\n', '\r']);
    if !pieces().any(starts_a_command) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    for piece in pieces() {
        let content = piece.trim_start();
        if content.starts_with("::") {
            out.push_str(piece.get(..piece.len() - content.len()).unwrap_or(""));
            out.push('\\');
            out.push_str(content);
        } else {
            out.push_str(piece);
        }
    }
    Cow::Owned(out)
}

/// A source text with its control characters escaped for a snippet, and the way from its byte
/// offsets to the escaped text's. Line terminators (`\n`, `\r\n`, a lone `\r`) and tabs stay:
/// they lay the snippet out. miette ends lines at `\n` only and would print a lone `\r` raw, so
/// that one becomes `\n` (the same length: offsets do not move).
pub fn snippet(source: &str) -> (Cow<'_, str>, Shifts) {
    let escaped = |c: char| is_control(c) && !matches!(c, '\n' | '\r' | '\t');
    let lone_cr =
        |at: usize| source.as_bytes().get(at) == Some(&b'\r') && source.as_bytes().get(at + 1) != Some(&b'\n');
    if !source.chars().any(escaped) && !(0..source.len()).any(lone_cr) {
        return (Cow::Borrowed(source), Shifts::default());
    }
    let mut text = String::with_capacity(source.len() + 8);
    let mut shifts = Vec::new();
    for (offset, c) in source.char_indices() {
        if escaped(c) {
            let before = text.len();
            push_escaped(&mut text, c);
            let added = shifts.last().map_or(0, |&(_, added)| added) + text.len() - before - c.len_utf8();
            shifts.push((offset, added));
        } else if lone_cr(offset) {
            text.push('\n');
        } else {
            text.push(c);
        }
    }
    (Cow::Owned(text), Shifts(shifts))
}

/// For each escaped character of a [`snippet`]: its offset in the source and the bytes added up
/// to the end of its escape.
#[derive(Debug, Default)]
pub struct Shifts(Vec<(usize, usize)>);

impl Shifts {
    /// Where source offset `offset` lies in the escaped text.
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.0.partition_point(|&(at, _)| at < offset);
        offset + before.checked_sub(1).and_then(|i| self.0.get(i)).map_or(0, |&(_, added)| added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_is_kept() {
        assert_eq!(value("https://a.example.com\u{1b}[2J"), "https://a.example.com\\x1b[2J");
        assert_eq!(value("a\r\nb\tc\u{7f}\u{9b}d"), "a\\r\\nb\\tc\\x7f\\x9bd");
        assert_eq!(value("^https://.*\\.example\\.com$ é"), "^https://.*\\.example\\.com$ é");
        assert!(matches!(value("plain"), Cow::Borrowed(_)));
        assert_eq!(lines("fix:\n    add_header X \"a\rb\";"), "fix:\n    add_header X \"a\\rb\";");
    }

    #[test]
    fn paths_never_start_a_workflow_command() {
        assert_eq!(path(Path::new("::error title=x::dir/app.py")), "./::error title=x::dir/app.py");
        assert_eq!(path(Path::new(" ::warning::x.py")), "./ ::warning::x.py");
        assert_eq!(path(Path::new("c\n::error::n.py")), "c\\n::error::n.py");
        assert_eq!(path(Path::new("deploy/::x.conf")), "deploy/::x.conf");
    }

    #[test]
    fn guarded_lines() {
        assert_eq!(guard_lines("  help: a\n        ::error::x\nok"), "  help: a\n        \\::error::x\nok");
        assert!(matches!(guard_lines("a ::b\n  c"), Cow::Borrowed(_)));
        assert_eq!(guard_lines("a\r::error::x"), "a\r\\::error::x", "the runner also ends a line at a lone CR");
    }

    #[test]
    fn shown_source_maps_offsets_past_each_escape() {
        let source = "a\u{1b}b\r\nc\u{9b}d\re";
        let (text, shifts) = snippet(source);
        assert_eq!(text, "a\\x1bb\r\nc\\x9bd\ne", "a lone CR ends a line as LF does");
        let map = |s: &str| shifts.offset(source.find(s).expect("in source"));
        assert_eq!(&text[map("b")..map("b") + 1], "b");
        assert_eq!(&text[map("d")..map("d") + 1], "d");
        assert_eq!(shifts.offset(1), 1, "a span starting at the escaped character starts at its escape");
        assert_eq!(shifts.offset(source.len()), text.len());
    }
}
