//! dotenv files (`.env`, `.env.production`, `prod.env`): `KEY=VALUE` lines as python-dotenv reads
//! them (quotes, `export`, comments), each with the byte range of its key and value.

use crate::source::TextRange;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub key_range: TextRange,
    /// The value after unquoting and unescaping.
    pub value: String,
    /// The value as written, with its quotes.
    pub value_range: TextRange,
    /// Byte offset of the value's first character when the value is written verbatim (no escapes).
    pub text_start: Option<usize>,
    /// The value holds `${VAR}`, which python-dotenv expands: its content is not known.
    pub interpolated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DotenvFile {
    pub entries: Vec<DotenvEntry>,
}

impl DotenvFile {
    /// The last assignment of `key` (python-dotenv: later lines win), compared case-insensitively
    /// when `case_sensitive` is false.
    pub fn get(&self, key: &str, case_sensitive: bool) -> Option<&DotenvEntry> {
        self.entries.iter().rev().find(|e| if case_sensitive { e.key == key } else { e.key.eq_ignore_ascii_case(key) })
    }
}

/// Parses a dotenv file. Lines that are not assignments are skipped, as python-dotenv does.
pub fn parse(text: &str) -> DotenvFile {
    let bytes = text.as_bytes();
    let mut entries = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let line_end = find_from(bytes, pos, b'\n').unwrap_or(bytes.len());
        pos = match parse_assignment(text, pos, line_end) {
            Some((entry, next)) => {
                entries.push(entry);
                next
            }
            None => line_end + 1,
        };
    }
    DotenvFile { entries }
}

fn find_from(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == needle).map(|i| i + from)
}

fn skip_blanks(bytes: &[u8], mut pos: usize, end: usize) -> usize {
    while pos < end && matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// One `[export] KEY = VALUE` starting at `start`; returns the entry and where the next line starts
/// (a quoted value may span lines).
fn parse_assignment(text: &str, start: usize, line_end: usize) -> Option<(DotenvEntry, usize)> {
    let bytes = text.as_bytes();
    let mut pos = skip_blanks(bytes, start, line_end);
    if text.get(pos..line_end)?.starts_with("export ") {
        pos = skip_blanks(bytes, pos + "export ".len(), line_end);
    }
    let key_start = pos;
    while pos < line_end && bytes.get(pos).is_some_and(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b)) {
        pos += 1;
    }
    if pos == key_start {
        return None;
    }
    let key_range = TextRange::new(key_start, pos);
    pos = skip_blanks(bytes, pos, line_end);
    if bytes.get(pos) != Some(&b'=') {
        return None;
    }
    pos = skip_blanks(bytes, pos + 1, line_end);
    let key = text.get(key_range.start..key_range.end)?.to_string();
    let quote = bytes.get(pos).copied().filter(|b| *b == b'"' || *b == b'\'');
    let Some(quote) = quote else {
        // Unquoted: up to a ` #` comment, trimmed.
        let mut end = line_end;
        let mut i = pos;
        while i < line_end {
            if bytes.get(i) == Some(&b'#') && (i == pos || matches!(bytes.get(i - 1), Some(b' ' | b'\t'))) {
                end = i;
                break;
            }
            i += 1;
        }
        let raw = text.get(pos..end)?.trim_end_matches([' ', '\t', '\r']);
        let value_range = TextRange::new(pos, pos + raw.len());
        let entry = DotenvEntry {
            key,
            key_range,
            value: raw.to_string(),
            value_range,
            text_start: Some(pos),
            interpolated: raw.contains("${"),
        };
        return Some((entry, line_end + 1));
    };
    let content_start = pos + 1;
    let mut value = String::new();
    let mut escaped = false;
    let mut i = content_start;
    let close = loop {
        let c = text.get(i..)?.chars().next()?;
        if c as u32 == u32::from(quote) {
            break i;
        }
        if c == '\\' && quote == b'"' {
            let next = text.get(i + 1..)?.chars().next()?;
            escaped = true;
            value.push(match next {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                other => other,
            });
            i += 1 + next.len_utf8();
            continue;
        }
        if c == '\\' && quote == b'\'' && matches!(text.get(i + 1..i + 2), Some("'" | "\\")) {
            escaped = true;
            value.push_str(text.get(i + 1..i + 2)?);
            i += 2;
            continue;
        }
        value.push(c);
        i += c.len_utf8();
    };
    let value_range = TextRange::new(pos, close + 1);
    let next_line = find_from(bytes, close, b'\n').map_or(bytes.len(), |n| n + 1);
    let interpolated = quote == b'"' && value.contains("${");
    let entry = DotenvEntry {
        key,
        key_range,
        value,
        value_range,
        text_start: (!escaped).then_some(content_start),
        interpolated,
    };
    Some((entry, next_line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_quotes_exports_and_comments() {
        let text = "# comment\nexport A=1\nB = \"x y\" # c\nC='it''s'\nD=plain # note\nE=\"multi\nline\"\nF=${HOME}/x\n=bad\nG\n";
        let f = parse(text);
        let keys: Vec<_> = f.entries.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
        assert_eq!(
            keys,
            [("A", "1"), ("B", "x y"), ("C", "it"), ("D", "plain"), ("E", "multi\nline"), ("F", "${HOME}/x")]
        );
        let b = f.get("b", false).map(|e| e.value_range);
        assert_eq!(b.map(|r| &text[r.start..r.end]), Some("\"x y\""));
        assert!(f.get("F", true).is_some_and(|e| e.interpolated));
        assert!(f.get("b", true).is_none());
    }

    #[test]
    fn escapes_and_unterminated_quotes_do_not_panic() {
        let f = parse("A=\"a\\\"b\"\nB=\"never closed\nC='é\\'\n");
        assert_eq!(f.entries.first().map(|e| e.value.as_str()), Some("a\"b"));
        assert_eq!(f.entries.first().and_then(|e| e.text_start), None);
        for cut in 0..20 {
            let _ = parse(&"A=\"é\\".repeat(cut));
        }
    }
}
