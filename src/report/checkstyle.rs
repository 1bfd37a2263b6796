//! Checkstyle XML, read by Jenkins (warnings-ng), reviewdog, SonarQube and Bitbucket integrations.

use super::range_of;
use super::xml::escape;
use crate::diagnostic::Severity;
use crate::lint::Outcome;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    // Diagnostics are sorted by file: each file's errors are consecutive.
    let mut open: Option<usize> = None;
    for d in &outcome.diagnostics {
        let Some((file, start, _)) = range_of(outcome, d.span) else { continue };
        if open != Some(d.span.file) {
            if open.is_some() {
                writeln!(out, "  </file>")?;
            }
            writeln!(out, r#"  <file name="{}">"#, escape(&super::path_string(file)))?;
            open = Some(d.span.file);
        }
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        writeln!(
            out,
            r#"    <error line="{}" column="{}" severity="{severity}" message="{}" source="corslint.{}"/>"#,
            start.row,
            start.column,
            escape(&format!("{} ({})", d.message, d.code)),
            d.code
        )?;
    }
    if open.is_some() {
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}
