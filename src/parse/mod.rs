//! Parsers: bytes to syntax trees whose nodes carry byte ranges. One module per format.

pub mod nginx;

use crate::source::TextRange;

/// Why a file (or part of one) could not be parsed; becomes a CORS901 finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Where the parser gave up (often empty: a position).
    pub range: TextRange,
}

impl ParseError {
    pub fn new(message: impl Into<String>, range: TextRange) -> Self {
        ParseError { message: message.into(), range }
    }
}

use crate::source::{FileKind, SourceFile};

/// A file's syntax tree, as the extractors read it.
#[derive(Debug)]
pub enum Parsed {
    /// The file's kind has no parser yet, or the prefilter found nothing that can matter.
    Nothing,
    Nginx(nginx::Config),
}

/// Whether a file's bytes can hold anything that matters: the prefilter that keeps most files
/// away from the parsers.
pub fn worth_parsing(kind: FileKind, bytes: &[u8]) -> bool {
    match kind {
        FileKind::Python | FileKind::Yaml | FileKind::Dotenv | FileKind::Nginx => !bytes.is_empty(),
    }
}

/// Parses one file according to its kind. Never fails: errors come back beside the tree.
pub fn parse_file(file: &SourceFile) -> (Parsed, Vec<ParseError>) {
    match file.kind {
        FileKind::Nginx => {
            let config = nginx::parse(&file.text);
            let errors = config.errors.clone();
            (Parsed::Nginx(config), errors)
        }
        FileKind::Python | FileKind::Yaml | FileKind::Dotenv => (Parsed::Nothing, Vec::new()),
    }
}
