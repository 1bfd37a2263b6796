//! The rule documentation pages (`rules/CODE.md`), embedded at build time.

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

/// The page of `code`, if it has one.
pub fn page(code: &str) -> Option<&'static str> {
    RULE_DOCS.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, page)| *page)
}

/// The text of a `## Heading` section of a page, without the heading.
pub fn section<'a>(page: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("## {heading}");
    let start = page.find(&marker)? + marker.len();
    let rest = page.get(start..)?;
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest.get(..end).map(str::trim)
}

/// First paragraph of "What it does": the one-line description used in listings and SARIF.
pub fn summary(code: &str) -> String {
    page(code)
        .and_then(|p| section(p, "What it does"))
        .and_then(|s| s.split("\n\n").next())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The layers a page's header line names (`Severity: … · Layers: a, b, c`), as the layers call
/// themselves ([`crate::model::layer::LayerSpec::label`]); `["all"]` for a rule about files, not
/// layers. A test keeps them equal to the layers the rule's fixtures cover both ways.
pub fn layers(code: &str) -> Vec<&'static str> {
    let line = page(code).and_then(|p| p.lines().nth(2)).unwrap_or_default();
    let list = line.split_once("Layers: ").map_or("", |(_, list)| list);
    list.split(", ").map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// The Markdown rule table the README carries (a test keeps the two equal).
pub fn rule_table() -> String {
    let mut table = String::from("| Code | Name | Severity | What it finds | Layers |\n|---|---|---|---|---|\n");
    for rule in crate::rules::RULES {
        table.push_str(&format!(
            "| [{code}](rules/{code}.md) | {} | {} | {} | {} |\n",
            rule.name,
            rule.severity,
            summary(rule.code).replace('|', "\\|"),
            layers(rule.code).join(", ").replace('|', "\\|"),
            code = rule.code
        ));
    }
    table
}
