//! Positions and file names between corslint and an editor: LSP counts columns in the encoding
//! negotiated at `initialize` (UTF-16 code units unless both sides speak UTF-8), corslint in bytes.

use lsp_types::{Position, PositionEncodingKind, Range, Url};
use std::path::{Path, PathBuf};

/// The column unit agreed with the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all); otherwise LSP's default, UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// The LSP position of byte `offset` in `text` (clamped to the text, and back to a character start).
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let in_line = text.get(line_start..offset).unwrap_or("");
    let character = match encoding {
        Encoding::Utf8 => in_line.len(),
        Encoding::Utf16 => in_line.encode_utf16().count(),
    };
    Position { line: u32::try_from(line).unwrap_or(u32::MAX), character: u32::try_from(character).unwrap_or(u32::MAX) }
}

pub fn range(text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
    Range { start: position(text, start, encoding), end: position(text, end, encoding) }
}

/// The file a `file:` URI names (`file:///srv/my%20app/main.py` is `/srv/my app/main.py`).
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    (uri.scheme() == "file").then(|| uri.to_file_path().ok()).flatten()
}

/// The `file:` URI of a path (made absolute against the working directory).
pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(crate::config::absolute(path)).ok()
}

/// Whether two ranges share a position (touching counts: a cursor at a finding's end asks for it).
pub fn touches(a: &Range, b: &Range) -> bool {
    (a.start.line, a.start.character) <= (b.end.line, b.end.character)
        && (b.start.line, b.start.character) <= (a.end.line, a.end.character)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_both_encodings() {
        let text = "a = 'é😀x'\nb";
        let x = text.find('x').expect("x");
        assert_eq!(position(text, x, Encoding::Utf8), Position { line: 0, character: 11 });
        assert_eq!(position(text, x, Encoding::Utf16), Position { line: 0, character: 8 });
        assert_eq!(position(text, text.len(), Encoding::Utf16), Position { line: 1, character: 1 });
        assert_eq!(position(text, x - 1, Encoding::Utf16), Position { line: 0, character: 6 }, "inside the emoji");
        let crlf = "x\r\ny";
        assert_eq!(position(crlf, 3, Encoding::Utf16), Position { line: 1, character: 0 });
    }

    #[test]
    fn uris_and_paths_with_spaces_and_percent_signs() {
        let path = Path::new("/srv/my app/100%25 sure/main.py");
        let uri = uri_of(path).expect("uri");
        assert_eq!(uri.as_str(), "file:///srv/my%20app/100%2525%20sure/main.py");
        assert_eq!(path_of(&uri).as_deref(), Some(path));
        let from_editor = Url::parse("file:///srv/my%20app/caf%C3%A9.py").expect("url");
        assert_eq!(path_of(&from_editor), Some(PathBuf::from("/srv/my app/café.py")));
        assert_eq!(path_of(&Url::parse("untitled:Untitled-1").expect("url")), None);
    }

    #[test]
    fn the_client_decides_the_encoding() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])), Encoding::Utf16);
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
    }
}
