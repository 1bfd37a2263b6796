//! Next.js `headers()` in `next.config.*`: the rules it returns, read with the value evaluator
//! into the shape the platform header files have ([`HeaderRule`]).
//!
//! The function is found wherever the config object defines it (`async headers() { … }`,
//! `headers: async () => […]`, `headers: headersFn` naming a `const` or a function declaration of
//! the file); every `return` of its body (not of nested functions) is read. A rule whose parts
//! are not literals keeps them as Unknown.

use super::value::{Evaluator, Lookup, Value, ValueKind};
use crate::parse::static_headers::{Header, HeaderRule, Literal, quoted_literal};
use crate::source::TextRange;
use tree_sitter::Node;

/// Whether `lower_name` is Next.js's configuration file (`next.config.js`, `.mjs`, `.ts`, `.mts`;
/// "`.cjs` or `.cts` extensions are currently not supported", nextjs.org/docs/app/api-reference/config/next-config-js).
pub fn is_next_config(lower_name: &str) -> bool {
    lower_name.strip_prefix("next.config.").is_some_and(|ext| matches!(ext, "js" | "mjs" | "ts" | "mts"))
}

/// The header rules the file's `headers()` returns.
pub fn rules(root: Node<'_>, text: &str) -> Vec<HeaderRule> {
    let eval = Evaluator::new(root, text);
    let mut out = Vec::new();
    for function in headers_functions(root, &eval) {
        for returned in returned_values(function) {
            let ValueKind::Array(items) = eval.eval(returned).kind else { continue };
            out.extend(items.iter().filter_map(|item| rule(item, text)));
        }
    }
    out
}

/// The functions defined as a `headers` property or method.
fn headers_functions<'t>(root: Node<'t>, eval: &Evaluator<'t>) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut declarations = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
        let named_headers = |field| node.child_by_field_name(field).is_some_and(|n| eval.text(n) == "headers");
        match node.kind() {
            "method_definition" if named_headers("name") => found.push(node),
            "pair" if named_headers("key") => {
                if let Some(value) = node.child_by_field_name("value").map(|v| eval.resolve(v)) {
                    if value.kind() == "identifier" {
                        declarations.push(eval.text(value).to_owned());
                    } else if is_function(value) {
                        found.push(value);
                    }
                }
            }
            "shorthand_property_identifier" if eval.text(node) == "headers" => declarations.push("headers".to_owned()),
            _ => {}
        }
    }
    if !declarations.is_empty() {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
            let name = node.child_by_field_name("name").map(|n| eval.text(n));
            if node.kind() == "function_declaration" && name.is_some_and(|n| declarations.iter().any(|d| d == n)) {
                found.push(node);
            }
        }
    }
    found
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_declaration" | "function_expression" | "function" | "arrow_function" | "method_definition"
    )
}

/// The expressions a function returns: an arrow's expression body, or each `return` of its body
/// outside nested functions.
fn returned_values(function: Node<'_>) -> Vec<Node<'_>> {
    let Some(body) = function.child_by_field_name("body") else { return Vec::new() };
    if body.kind() != "statement_block" {
        return vec![body];
    }
    let mut out = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            let mut cursor = node.walk();
            out.extend(node.named_children(&mut cursor).find(|c| c.kind() != "comment"));
            continue;
        }
        if is_function(node) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}

fn literal(value: &Value, text: &str) -> Option<Literal> {
    let range = TextRange::new(value.range.start, value.range.end);
    match &value.kind {
        ValueKind::String(s) => quoted_literal(text, s.clone(), range),
        ValueKind::Number(n) => Some(Literal { value: super::value::format_number(*n), range, verbatim_start: None }),
        _ => None,
    }
}

fn rule(item: &Value, text: &str) -> Option<HeaderRule> {
    let ValueKind::Object(object) = &item.kind else { return None };
    let found = |key| match object.get(key) {
        Lookup::Found(p) => Some(p),
        _ => None,
    };
    let conditional = ["has", "missing"].iter().any(|k| !matches!(object.get(k), Lookup::Absent));
    let mut rule = HeaderRule {
        path: found("source").and_then(|p| literal(&p.value, text)),
        conditional,
        headers: Vec::new(),
        range: TextRange::new(item.range.start, item.range.end),
    };
    let entries = match found("headers").map(|p| &p.value.kind) {
        Some(ValueKind::Array(entries)) => entries.as_slice(),
        _ => &[],
    };
    for entry in entries {
        let ValueKind::Object(header) = &entry.kind else { continue };
        let Lookup::Found(key) = header.get("key") else { continue };
        let Some(name) = key.value.kind.as_str() else { continue };
        let value = match header.get("value") {
            Lookup::Found(v) => literal(&v.value, text),
            _ => None,
        };
        rule.headers.push(Header {
            name: name.to_owned(),
            name_range: TextRange::new(key.value.range.start, key.value.range.end),
            value,
            range: TextRange::new(entry.range.start, entry.range.end),
        });
    }
    Some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::javascript::{Dialect, parse};

    fn read(text: &str, dialect: Dialect) -> Vec<HeaderRule> {
        let (tree, _) = parse(text, dialect);
        tree.map(|t| rules(t.root(), text)).unwrap_or_default()
    }

    fn values(rule: &HeaderRule) -> Vec<(String, Option<String>)> {
        rule.headers.iter().map(|h| (h.name.clone(), h.value.as_ref().map(|v| v.value.clone()))).collect()
    }

    #[test]
    fn method_in_module_exports() {
        let text = "module.exports = {\n  async headers() {\n    return [\n      {\n        source: '/api/:path*',\n        \
                    headers: [\n          { key: 'Access-Control-Allow-Origin', value: '*' },\n          \
                    { key: 'Access-Control-Allow-Credentials', value: 'true' },\n        ],\n      },\n    ];\n  },\n};\n";
        let found = read(text, Dialect::JavaScript);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_ref().map(|p| p.value.as_str()), Some("/api/:path*"));
        assert!(!found[0].conditional);
        assert_eq!(
            values(&found[0]),
            [
                ("Access-Control-Allow-Origin".to_owned(), Some("*".to_owned())),
                ("Access-Control-Allow-Credentials".to_owned(), Some("true".to_owned()))
            ]
        );
        let origin = found[0].headers[0].value.as_ref().expect("a value");
        assert_eq!(&text[origin.range.start..origin.range.end], "'*'");
    }

    #[test]
    fn arrow_property_consts_spreads_and_conditions() {
        let text = "import type { NextConfig } from 'next';\nconst cors = [{ key: 'Access-Control-Max-Age', value: '86400' }];\n\
                    const nextConfig: NextConfig = {\n  headers: async () => [\n    { source: '/(.*)', has: [{ type: 'header', key: 'origin' }], \
                    headers: [...cors, { key: 'Access-Control-Allow-Origin', value: process.env.ORIGIN }] },\n  ],\n};\nexport default nextConfig;\n";
        let found = read(text, Dialect::TypeScript);
        assert_eq!(found.len(), 1);
        assert!(found[0].conditional);
        assert_eq!(
            values(&found[0]),
            [
                ("Access-Control-Max-Age".to_owned(), Some("86400".to_owned())),
                ("Access-Control-Allow-Origin".to_owned(), None)
            ]
        );
    }

    #[test]
    fn a_function_declaration_named_by_the_config() {
        let text = "async function headers() {\n  const rules = [];\n  return [{ source: '/x', headers: [{ key: 'X-A', value: 'b' }] }];\n}\n\
                    module.exports = { headers };\n";
        let found = read(text, Dialect::JavaScript);
        assert_eq!(found.len(), 1);
        assert_eq!(values(&found[0]), [("X-A".to_owned(), Some("b".to_owned()))]);
    }

    #[test]
    fn computed_rules_are_not_guessed() {
        let text =
            "module.exports = { async headers() { return routes.map((r) => ({ source: r, headers: [] })); } };\n";
        assert!(read(text, Dialect::JavaScript).is_empty());
        assert!(is_next_config("next.config.mjs") && !is_next_config("next.config.json"));
        assert!(!is_next_config("next.config.cjs"), "Next.js does not read it");
    }
}
