//! GitHub Actions workflow commands, which the runner turns into annotations on the pull request.

use super::range_of;
use crate::diagnostic::Severity;
use crate::lint::Outcome;
use std::io::{self, Write};

/// Escaping of a command's message, as the runner requires.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a property value, which also may not hold `:` or `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let Some((file, start, end)) = range_of(outcome, d.span) else { continue };
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&super::path_string(file)),
            start.row,
            start.column,
            end.row,
            end.column,
            escape_property(&format!("corslint ({})", d.code)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_as_the_runner_requires() {
        assert_eq!(super::escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(super::escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
