//! The Markdown summary a GitHub Actions step shows on the run's page: findings by rule, then the
//! findings themselves. Everything from the repository (paths, messages that quote values) is
//! escaped, so a file name cannot become a link, a mention, HTML or a table cell of its own.

use super::range_of;
use super::srcroot::SourceRoot;
use crate::diagnostic::rule_url;
use crate::lint::Outcome;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows of the findings table; the SARIF report has them all.
const LISTED: usize = 200;

/// `text` as literal Markdown inside a table cell: control characters escaped as in the human
/// formats (`\r`, `\x1b`), then every character GitHub's Markdown gives a meaning (links,
/// emphasis, HTML, code, mentions, math, cell borders, and the escapes' own backslash)
/// backslash-escaped.
pub(crate) fn escape(text: &str) -> String {
    let text = super::escape::value(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '@' | '#' | '~' | '!' | '&' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn markdown(outcome: &Outcome, root: &SourceRoot) -> String {
    let mut out = format!(
        "## corslint\n\n{}\n",
        escape(&super::summary(outcome).unwrap_or_else(|| "No files were selected: nothing was linted.".to_owned()))
    );
    if outcome.diagnostics.is_empty() {
        return out;
    }
    let mut by_rule: BTreeMap<&str, (&str, crate::diagnostic::Severity, usize)> = BTreeMap::new();
    for d in &outcome.diagnostics {
        by_rule.entry(d.code).or_insert((d.name, d.severity, 0)).2 += 1;
    }
    out.push_str("\n| Rule | Name | Severity | Findings |\n|---|---|---|---:|\n");
    for (code, (name, severity, count)) in &by_rule {
        let _ = writeln!(out, "| [{code}]({}) | {name} | {severity} | {count} |", rule_url(code));
    }
    out.push_str("\n| Severity | Rule | Where | Message |\n|---|---|---|---|\n");
    for d in outcome.diagnostics.iter().take(LISTED) {
        let Some((file, start, _)) = range_of(outcome, d.span) else { continue };
        let place = format!("{}:{}:{}", root.relative(&outcome.project.root, file), start.row, start.column);
        let message = d.message.lines().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "| {} | {} | {} | {} |", d.severity, d.code, escape(&place), escape(&message));
    }
    if outcome.diagnostics.len() > LISTED {
        let _ = writeln!(out, "\n{} more findings are in the SARIF report.", outcome.diagnostics.len() - LISTED);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_markdown_reads_as_syntax_is_escaped() {
        assert_eq!(super::escape("a|b [x](y) <img> `c` @user\r"), r"a\|b \[x\](y) \<img\> \`c\` \@user\\r");
    }
}
