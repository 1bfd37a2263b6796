//! JUnit XML, which most CI systems (Jenkins, GitLab, Azure Pipelines, CircleCI) show as test
//! results: one test suite per file with findings, one failing test case per finding. A clean run
//! is one passing test case.

use super::range_of;
use super::xml::escape;
use crate::lint::Outcome;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let total = outcome.diagnostics.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="corslint" tests="{}" failures="{total}" errors="0">"#, total.max(1))?;
    if total == 0 {
        writeln!(out, r#"  <testsuite name="corslint" tests="1" failures="0" errors="0">"#)?;
        writeln!(
            out,
            r#"    <testcase name="{}" classname="corslint"/>"#,
            escape(&super::summary(outcome).unwrap_or_else(|| "no files selected".to_owned()))
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    let mut by_file: BTreeMap<usize, Vec<&crate::diagnostic::Diagnostic>> = BTreeMap::new();
    for d in &outcome.diagnostics {
        by_file.entry(d.span.file).or_default().push(d);
    }
    for (file_id, diagnostics) in by_file {
        let Some(file) = outcome.project.file(file_id) else { continue };
        let path = escape(&super::path_string(file));
        let n = diagnostics.len();
        writeln!(out, r#"  <testsuite name="{path}" tests="{n}" failures="{n}" errors="0">"#)?;
        for d in diagnostics {
            let Some((_, start, _)) = range_of(outcome, d.span) else { continue };
            let detail = match &d.help {
                Some(help) => {
                    format!("{}:{}:{}: {}\nhelp: {help}\n{}", path, start.row, start.column, d.message, d.url())
                }
                None => format!("{}:{}:{}: {}\n{}", path, start.row, start.column, d.message, d.url()),
            };
            writeln!(
                out,
                r#"    <testcase name="{code} {name}" classname="{path}" file="{path}" line="{row}">"#,
                code = d.code,
                name = d.name,
                row = start.row
            )?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                escape(&d.message),
                d.severity,
                escape(&detail)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
