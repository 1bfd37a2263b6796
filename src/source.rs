//! Source files and positions: every fact and finding points back into a file through a `Span`.

use std::path::{Path, PathBuf};

/// Files larger than this are not configuration: skipped with a note.
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Suffixes that mark a file as a template of what its inner name says (`nginx.conf.tpl`).
pub const TEMPLATE_SUFFIXES: &[&str] = &[".tpl", ".tmpl", ".template", ".j2", ".jinja", ".jinja2", ".gotmpl"];

/// Whether the file's name marks it as a template (`default.conf.template`, `compose.template.yml`):
/// a tool renders it before its program reads it, so what it says before rendering is not the
/// program's input.
pub fn is_template_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    TEMPLATE_SUFFIXES.iter().any(|suffix| name.ends_with(suffix) || name.contains(&format!("{suffix}.")))
}

/// Reads a regular file of at most [`MAX_FILE_SIZE`] bytes (`ErrorKind::FileTooLarge` beyond).
/// The size comes from the open file, not from another lookup of its path. On Linux the file is
/// opened without blocking, so a FIFO that replaced a file after the walk saw it cannot hang the
/// run: it is refused as not a regular file.
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    match read_candidate(path)? {
        (Contents::Whole(bytes), _) => Ok(bytes),
        (Contents::TooLarge { .. }, _) => Err(std::io::Error::from(std::io::ErrorKind::FileTooLarge)),
    }
}

/// Bytes of a file over [`MAX_FILE_SIZE`] that are read to decide whether it could have mattered.
pub const LARGE_FILE_PREFIX: u64 = 2 * 1024 * 1024;

/// What [`read_candidate`] read.
#[derive(Debug)]
pub enum Contents {
    Whole(Vec<u8>),
    /// The file is over [`MAX_FILE_SIZE`]: only its first [`LARGE_FILE_PREFIX`] bytes.
    TooLarge {
        prefix: Vec<u8>,
        size: u64,
    },
}

/// Which file on disk a path leads to: two paths (a symlink and its target, `.` and `nginx/`
/// overlapping) that reach the same file are linted once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    #[cfg(unix)]
    Inode {
        device: u64,
        inode: u64,
    },
    Path(PathBuf),
}

/// Like [`read_file`], but a file over the limit yields its first bytes instead of an error, and
/// the file's [`Identity`] comes with it (from the open file, not from another lookup).
pub fn read_candidate(path: &Path) -> std::io::Result<(Contents, Identity)> {
    let mut bytes = Vec::new();
    let (too_large, identity) = read_candidate_into(path, &mut bytes)?;
    let contents = match too_large {
        Some(size) => Contents::TooLarge { prefix: bytes, size },
        None => Contents::Whole(bytes),
    };
    Ok((contents, identity))
}

/// [`read_candidate`] into `bytes` (cleared first), so a walk can read every file into one buffer
/// and copy out only the few it keeps. `Some(size)`: the file is over [`MAX_FILE_SIZE`] and
/// `bytes` holds its first [`LARGE_FILE_PREFIX`] bytes.
pub fn read_candidate_into(path: &Path, bytes: &mut Vec<u8>) -> std::io::Result<(Option<u64>, Identity)> {
    use std::io::{Error, ErrorKind, Read};
    bytes.clear();
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    #[cfg(unix)]
    let identity = {
        use std::os::unix::fs::MetadataExt;
        Identity::Inode { device: meta.dev(), inode: meta.ino() }
    };
    #[cfg(not(unix))]
    let identity = Identity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
    if meta.len() > MAX_FILE_SIZE {
        file.take(LARGE_FILE_PREFIX).read_to_end(bytes)?;
        return Ok((Some(meta.len()), identity));
    }
    let len = usize::try_from(meta.len()).unwrap_or(0);
    // Most files come whole from one read of the size the open file reports; only a file that
    // grows while it is read (or reports no size) takes the reads until the end.
    bytes.resize(len, 0);
    let mut filled = 0;
    while filled < len {
        match file.read(bytes.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    if filled < len || len == 0 {
        // Shorter than its size said (truncated meanwhile), or a size of 0 (`/proc`): read on.
        (&mut file).take(MAX_FILE_SIZE + 1 - filled as u64).read_to_end(bytes)?;
    }
    if bytes.len() as u64 > MAX_FILE_SIZE {
        bytes.truncate(usize::try_from(LARGE_FILE_PREFIX).unwrap_or(usize::MAX));
        return Ok((Some(MAX_FILE_SIZE + 1), identity));
    }
    Ok((None, identity))
}

/// A file written in UTF-16 with a byte-order mark (Windows editors), as UTF-8 bytes; `None` for
/// anything else. Unpaired surrogates become U+FFFD, as invalid UTF-8 does.
pub fn decode_utf16(bytes: &[u8]) -> Option<Vec<u8>> {
    let (body, little_endian) = match bytes {
        [0xff, 0xfe, rest @ ..] => (rest, true),
        [0xfe, 0xff, rest @ ..] => (rest, false),
        _ => return None,
    };
    let units = body.chunks(2).map(|pair| match (pair, little_endian) {
        ([a, b], true) => u16::from_le_bytes([*a, *b]),
        ([a, b], false) => u16::from_be_bytes([*a, *b]),
        // An odd trailing byte: not a whole code unit.
        _ => 0xfffd,
    });
    let text: String = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    Some(text.into_bytes())
}

/// `O_NONBLOCK` as Linux defines it on the architectures Rust commonly targets (libc is only a
/// dev-dependency; a test checks the value). Elsewhere no flag is added.
#[cfg(target_os = "linux")]
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64",
    target_arch = "s390x",
    target_arch = "powerpc64",
    target_arch = "loongarch64"
))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(target_os = "linux")]
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64",
    target_arch = "s390x",
    target_arch = "powerpc64",
    target_arch = "loongarch64"
)))]
const O_NONBLOCK: i32 = 0;

/// Index of a file in `Project::files`.
pub type FileId = usize;

/// A byte range inside one text, without saying which file: what parsers produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        TextRange { start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn in_file(self, file: FileId) -> Span {
        Span { file, range: self }
    }
}

/// A byte range inside a known file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub range: TextRange,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, range: TextRange::new(start, end) }
    }

    pub fn start(&self) -> usize {
        self.range.start
    }

    pub fn end(&self) -> usize {
        self.range.end
    }
}

/// A value together with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// What a file was selected as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Python,
    Nginx,
    Yaml,
    Dotenv,
    /// JavaScript or TypeScript (`.js`, `.jsx`, `.mjs`, `.cjs`, `.ts`, `.tsx`, `.mts`, `.cts`),
    /// parsed with the grammar its extension names ([`crate::parse::javascript::Dialect`]).
    JavaScript,
    /// Source of an app corslint does not model (JavaScript, Java, C#, Go, PHP, Ruby), read by
    /// extraction from a linked service's build context only for evidence that it sends CORS
    /// headers itself; never parsed.
    AppSource,
    /// A frontend's JSON configuration (`package.json`, `angular.json`, `proxy.conf.json`): which
    /// dev server it runs, on which port, and what it proxies.
    FrontendJson,
    /// A hosting platform's response-header file (`vercel.json`, `netlify.toml`, Netlify's
    /// `_headers`): the headers it adds on the paths its rules match.
    StaticHeaders,
}

/// One file read from disk (or stdin), with its text decoded lossily so spans are always valid.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (relative to the working directory when possible).
    pub path: PathBuf,
    pub kind: FileKind,
    pub text: String,
    /// Where each line starts, computed on first use: most files never need a position.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// For text that is not all ASCII: `(offset, characters before it)` every [`CHAR_BLOCK`] bytes,
    /// so a column is counted from a nearby checkpoint, not from the start of a long line.
    char_blocks: std::sync::OnceLock<Option<Vec<(usize, usize)>>>,
}

/// Bytes between two character-count checkpoints.
const CHAR_BLOCK: usize = 1024;

/// A 1-based row and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub row: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: PathBuf, kind: FileKind, text: String) -> Self {
        SourceFile {
            path,
            kind,
            text,
            line_starts: std::sync::OnceLock::new(),
            char_blocks: std::sync::OnceLock::new(),
        }
    }

    /// How many characters precede byte `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let blocks = self.char_blocks.get_or_init(|| {
            if self.text.is_ascii() {
                return None;
            }
            let mut blocks = Vec::with_capacity(self.text.len() / CHAR_BLOCK + 1);
            let (mut at, mut chars) = (0, 0);
            for k in 0..=self.text.len() / CHAR_BLOCK {
                let next = self.floor_char_boundary(k * CHAR_BLOCK);
                chars += self.text.get(at..next).map_or(0, |s| s.chars().count());
                at = next;
                blocks.push((at, chars));
            }
            Some(blocks)
        });
        match blocks {
            None => offset,
            Some(blocks) => {
                let (at, chars) = blocks.get(offset / CHAR_BLOCK).copied().unwrap_or((0, 0));
                chars + self.text.get(at..offset).map_or(0, |s| s.chars().count())
            }
        }
    }

    /// Lines end at `\n`, `\r\n` or a lone `\r`, as every report format (and miette) cuts them.
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut starts = vec![0];
            let mut from = 0;
            while let Some(at) = bytes.get(from..).and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r'))
            {
                let at = from + at;
                from = at + if bytes.get(at..at + 2) == Some(b"\r\n") { 2 } else { 1 };
                starts.push(from);
            }
            starts
        })
    }

    /// Position of a byte offset; offsets past the end or inside a character are clamped.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset);
        let starts = self.line_starts();
        let row = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts.get(row - 1).copied().unwrap_or(0);
        let column = self.chars_before(offset).saturating_sub(self.chars_before(line_start)) + 1;
        Position { row, column }
    }

    /// The byte offset where 1-based `row` starts, if the file has that row.
    pub fn line_start(&self, row: usize) -> Option<usize> {
        self.line_starts().get(row.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The text of 1-based `row`, without its line ending.
    pub fn line(&self, row: usize) -> &str {
        let Some(start) = self.line_start(row) else { return "" };
        let end = self.line_start(row + 1).unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }

    pub fn slice(&self, range: TextRange) -> &str {
        self.text.get(range.start..range.end).unwrap_or("")
    }

    pub fn floor_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// `a/./b/../c` → `a/c`, lexically (no file system access): repository paths joined from what files
/// say (`build: ./web`, `COPY ./ /app/`, `outDir: '../backend/static'`) compare equal this way, and a
/// symlinked folder is reported where the user sees it, not where it points. A `..` that climbs
/// above a relative path's start is kept; above the root it stays at the root, as the system
/// resolves it.
pub fn normalize_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_lexically() {
        assert_eq!(normalize_path(Path::new("./web/../api/./main.py")), PathBuf::from("api/main.py"));
        assert_eq!(normalize_path(Path::new("web/../../backend/app")), PathBuf::from("../backend/app"));
        assert_eq!(normalize_path(Path::new("/app/dist/")), PathBuf::from("/app/dist"));
        assert_eq!(normalize_path(Path::new("../../x")), PathBuf::from("../../x"));
        assert_eq!(normalize_path(Path::new("../a/..")), PathBuf::from(".."));
        assert_eq!(normalize_path(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(normalize_path(Path::new("/../a")), PathBuf::from("/a"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn o_nonblock_matches_libc() {
        if O_NONBLOCK != 0 {
            assert_eq!(O_NONBLOCK, libc::O_NONBLOCK);
        }
    }

    #[test]
    fn positions_count_characters_and_survive_crlf() {
        let f = SourceFile::new("a".into(), FileKind::Nginx, "ab\r\nçd\nx".into());
        assert_eq!(f.position(0), Position { row: 1, column: 1 });
        assert_eq!(f.position(4), Position { row: 2, column: 1 });
        assert_eq!(f.position(6), Position { row: 2, column: 2 });
        assert_eq!(f.position(5), Position { row: 2, column: 1 }); // inside 'ç'
        assert_eq!(f.position(100), Position { row: 3, column: 2 });
        assert_eq!(f.line(1), "ab");
    }

    #[test]
    fn every_line_terminator_splits_lines() {
        let f = SourceFile::new("a".into(), FileKind::Nginx, "a\rbc\r\nd\ne\r\rf".into());
        assert_eq!(f.position(2), Position { row: 2, column: 1 });
        assert_eq!(f.position(3), Position { row: 2, column: 2 });
        assert_eq!(f.position(6), Position { row: 3, column: 1 });
        assert_eq!(f.position(8), Position { row: 4, column: 1 });
        assert_eq!(f.position(11), Position { row: 6, column: 1 });
        assert_eq!((f.line(2), f.line(5), f.line(6)), ("bc", "", "f"));
        assert_eq!(f.line_count(), 6);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let text = "server { listen 80; } # é\n";
        let le: Vec<u8> = [0xff, 0xfe].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xfe, 0xff].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_utf16(&le).as_deref(), Some(text.as_bytes()));
        assert_eq!(decode_utf16(&be).as_deref(), Some(text.as_bytes()));
        assert_eq!(decode_utf16(b"server {}"), None);
        assert_eq!(decode_utf16(&[0xff, 0xfe, 0x00, 0xd8, 0x41]), Some("\u{fffd}\u{fffd}".as_bytes().to_vec()));
    }

    #[test]
    fn columns_far_into_long_lines() {
        let text = "é".repeat(5000) + "x\n" + &"ab".repeat(3000) + "ç" + &"z".repeat(2000);
        let f = SourceFile::new("a".into(), FileKind::Python, text.clone());
        let naive = |offset: usize| {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            text[line_start..offset].chars().count() + 1
        };
        for offset in (0..text.len()).filter(|o| text.is_char_boundary(*o)) {
            assert_eq!(f.position(offset).column, naive(offset), "at {offset}");
        }
        let ascii = SourceFile::new("b".into(), FileKind::Python, "abc\ndef".into());
        assert_eq!(ascii.position(6), Position { row: 2, column: 3 });
    }
}
