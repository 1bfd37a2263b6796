//! `--statistics`: how many findings of each rule, instead of the findings.

use super::OutputFormat;
use crate::lint::Outcome;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Whether `format` has a statistics form: a table for the human formats, the same rows as JSON
/// for `json` and `json-lines`. The other machine formats have none, and printing another
/// format in their place would feed a consumer what it cannot read: that is a usage error.
pub fn has_statistics(format: OutputFormat) -> bool {
    matches!(format, OutputFormat::Full | OutputFormat::Concise | OutputFormat::Json | OutputFormat::JsonLines)
}

pub fn write(out: &mut dyn Write, outcome: &Outcome, format: OutputFormat) -> io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in &outcome.diagnostics {
        *counts.entry((d.code, d.name)).or_default() += 1;
    }
    let rows = || counts.iter().map(|((code, name), count)| json!({"code": code, "name": name, "count": count}));
    match format {
        OutputFormat::Full | OutputFormat::Concise => {
            for ((code, name), count) in &counts {
                writeln!(out, "{count:>5}  {code}  {name}")?;
            }
            super::write_summary(out, outcome)
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows().collect::<Vec<_>>())?;
            writeln!(out)
        }
        OutputFormat::JsonLines => {
            for row in rows() {
                serde_json::to_writer(&mut *out, &row)?;
                writeln!(out)?;
            }
            Ok(())
        }
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "this output format has no --statistics form")),
    }
}
