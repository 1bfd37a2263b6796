//! `--statistics`: how many findings of each rule, instead of the findings.

use super::OutputFormat;
use crate::lint::Outcome;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome, format: OutputFormat) -> io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in &outcome.diagnostics {
        *counts.entry((d.code, d.name)).or_default() += 1;
    }
    match format {
        OutputFormat::Json | OutputFormat::JsonLines | OutputFormat::Sarif => {
            let rows: Vec<_> = counts
                .iter()
                .map(|((code, name), count)| json!({"code": code, "name": name, "count": count}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        _ => {
            for ((code, name), count) in &counts {
                writeln!(out, "{count:>5}  {code}  {name}")?;
            }
            super::write_summary(out, outcome)
        }
    }
}
