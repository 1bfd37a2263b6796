//! `path:row:col: CODE [severity] message`, one per line, then the summary. Paths and messages
//! are escaped ([`escape`]): each finding is one line whatever the repository holds.

use super::{escape, range_of, write_summary};
use crate::lint::Outcome;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let Some((file, start, _)) = range_of(outcome, d.span) else { continue };
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            escape::path(&file.path),
            start.row,
            start.column,
            d.code,
            d.severity,
            escape::value(&d.message)
        )?;
    }
    write_summary(out, outcome)
}
