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
