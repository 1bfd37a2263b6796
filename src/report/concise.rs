//! `path:row:col: CODE [severity] message`, one per line, then the summary.

use super::{range_of, write_summary};
use crate::lint::Outcome;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let Some((file, start, _)) = range_of(outcome, d.span) else { continue };
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            super::path_string(file),
            start.row,
            start.column,
            d.code,
            d.severity,
            d.message
        )?;
    }
    write_summary(out, outcome)
}
