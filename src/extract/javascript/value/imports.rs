//! The import and export syntax of a module, for [`super::Evaluator`]: what each `import`,
//! destructured `require`, `export` and `module.exports` assignment binds.

use super::{identifiers_in, node_text, string_value};
use crate::source::FileId;
use std::collections::HashMap;
use tree_sitter::Node;

/// What one name of an `import` (or a destructured `require`) brings in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Imported {
    /// `import x from "m"`, `const x = require("m")`: the default export, or CommonJS's
    /// `module.exports`.
    Default,
    /// `import { a } from "m"`, `const { a } = require("m")`.
    Named(String),
    /// `import * as ns from "m"`.
    Namespace,
}

/// Follows imports into other modules (see [`super::super::modules::Modules`]): the value a module
/// exports, or Unknown when the module is not found, not parsed, or already being followed.
pub trait Linker {
    fn imported(&self, from: FileId, source: &str, name: &Imported, depth: usize) -> Option<super::Value>;

    /// The property `key` of what `name` imports from `source`, when that is a module's namespace
    /// (`export * as security from "./security"` in an index, imported as `{ security }`): that
    /// module's export `key`. `None` when it is not known to be a namespace.
    fn namespace_member(
        &self,
        _from: FileId,
        _source: &str,
        _name: &Imported,
        _key: &str,
        _depth: usize,
    ) -> Option<super::Value> {
        None
    }
}

/// What a module exports under one name.
#[derive(Clone, Copy, Debug)]
pub enum Export<'t, 'e> {
    /// An expression of this module (`export default <expr>`, `exports.x = <expr>`).
    Node(Node<'t>),
    /// A name bound in this module (`export const x = …`, `export { x }`).
    Local(&'t str),
    /// `export { a as b } from "m"`: the source module and its name ([`Imported::Namespace`] for
    /// `export * as b from "m"`).
    From(&'e str, &'e Imported),
}

#[derive(Clone, Debug)]
pub(super) enum Binding<'t> {
    Const(Node<'t>),
    /// `const X = [...]` that is afterwards only appended to (`X.push(…)`, perhaps under an `if`):
    /// the elements written, in place, and more not known.
    Grown(Node<'t>),
    Import(String, Imported),
    /// TypeScript's `import x = require("m")`: `module.exports` (`export =`) when used whole, as
    /// `const x = require("m")`, and read like a namespace (`x.a` is the export `a`).
    RequireImport(String),
    Unknown,
}

#[derive(Clone, Debug)]
pub(super) enum ExportEntry<'t> {
    Node(Node<'t>),
    Local(&'t str),
    From(String, Imported),
    /// Exported twice under one name: not one known value.
    Unknown,
}

/// The module an `import` statement names (`import … from "m"`, `import "m"`, and TypeScript's
/// `import x = require("m")`): its string literal.
pub fn import_source<'t>(statement: Node<'t>) -> Option<Node<'t>> {
    if let Some(source) = statement.child_by_field_name("source") {
        return Some(source);
    }
    let mut cursor = statement.walk();
    let clause = statement.named_children(&mut cursor).find(|c| c.kind() == "import_require_clause")?;
    clause.child_by_field_name("source")
}

/// TypeScript's `import x = require("m")`: the name it binds and what to bind it to (unknown for
/// `import type x = require("m")`, which binds no value).
pub(super) fn require_import<'t>(statement: Node<'t>, text: &'t str) -> Option<(&'t str, Binding<'t>)> {
    let mut cursor = statement.walk();
    let clause = statement.named_children(&mut cursor).find(|c| c.kind() == "import_require_clause")?;
    let mut cursor = clause.walk();
    let name = clause.named_children(&mut cursor).find(|c| c.kind() == "identifier")?;
    let type_only = (0..statement.child_count()).filter_map(|i| statement.child(i)).any(|c| c.kind() == "type");
    let source = clause.child_by_field_name("source").and_then(|s| string_value(s, text)).filter(|_| !type_only);
    Some((node_text(name, text), source.map_or(Binding::Unknown, Binding::RequireImport)))
}

/// `require("m")` with a literal module name: the name.
pub fn required_module(node: Node<'_>, text: &str) -> Option<String> {
    if node.kind() != "call_expression" {
        return None;
    }
    if node_text(node.child_by_field_name("function")?, text) != "require" {
        return None;
    }
    let arguments = node.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let mut args = arguments.named_children(&mut cursor).filter(|n| n.kind() != "comment");
    let source = string_value(args.next()?, text)?;
    args.next().is_none().then_some(source)
}

/// The names a `const { a, b: c } = <init>` pattern binds: imports of `source` when the initializer
/// is `require(source)`, else unknown.
pub(super) fn pattern_bindings<'t>(
    pattern: Node<'t>,
    source: Option<String>,
    text: &'t str,
) -> Vec<(&'t str, Binding<'t>)> {
    let names = identifiers_in(pattern);
    let Some(source) = source.filter(|_| pattern.kind() == "object_pattern") else {
        return names.into_iter().map(|n| (node_text(n, text), Binding::Unknown)).collect();
    };
    let mut out = Vec::new();
    let mut cursor = pattern.walk();
    for member in pattern.named_children(&mut cursor) {
        match member.kind() {
            "shorthand_property_identifier_pattern" => {
                let name = node_text(member, text);
                out.push((name, Binding::Import(source.clone(), Imported::Named(name.to_owned()))));
            }
            "pair_pattern" => {
                let key = member.child_by_field_name("key").map(|k| node_text(k, text));
                let value = member.child_by_field_name("value").filter(|v| v.kind() == "identifier");
                for name in identifiers_in(member).into_iter().filter(|n| n.kind() != "property_identifier") {
                    let binding = match (key, value) {
                        (Some(key), Some(value)) if value == name => {
                            Binding::Import(source.clone(), Imported::Named(key.to_owned()))
                        }
                        _ => Binding::Unknown,
                    };
                    out.push((node_text(name, text), binding));
                }
            }
            _ => out.extend(identifiers_in(member).into_iter().map(|n| (node_text(n, text), Binding::Unknown))),
        }
    }
    out
}

/// The names an `import` statement binds and what each imports; `import type` binds no value.
pub(super) fn imported_names<'t>(statement: Node<'t>, text: &'t str) -> Vec<(&'t str, Imported)> {
    let mut out = Vec::new();
    let type_only = (0..statement.child_count()).filter_map(|i| statement.child(i)).any(|c| c.kind() == "type");
    let mut cursor = statement.walk();
    let Some(clause) = statement.named_children(&mut cursor).find(|c| c.kind() == "import_clause") else {
        return out;
    };
    let mut cursor = clause.walk();
    for part in clause.named_children(&mut cursor) {
        match part.kind() {
            "identifier" => out.push((node_text(part, text), Imported::Default)),
            "namespace_import" => {
                let mut inner = part.walk();
                if let Some(name) = part.named_children(&mut inner).find(|c| c.kind() == "identifier") {
                    out.push((node_text(name, text), Imported::Namespace));
                }
            }
            "named_imports" => {
                let mut inner = part.walk();
                for specifier in part.named_children(&mut inner).filter(|c| c.kind() == "import_specifier") {
                    let Some(name) = specifier.child_by_field_name("name") else { continue };
                    let local = specifier.child_by_field_name("alias").unwrap_or(name);
                    let imported = match name.kind() {
                        "string" => string_value(name, text).unwrap_or_default(),
                        _ => node_text(name, text).to_owned(),
                    };
                    let imported = if imported == "default" { Imported::Default } else { Imported::Named(imported) };
                    out.push((node_text(local, text), imported));
                }
            }
            _ => {}
        }
    }
    if type_only {
        // A type import binds no value; the name still shadows any other binding.
        return out.into_iter().map(|(name, _)| (name, Imported::Namespace)).collect();
    }
    out
}

/// Records what an `export` statement exports.
pub(super) fn read_export<'t>(
    node: Node<'t>,
    text: &'t str,
    exports: &mut HashMap<String, ExportEntry<'t>>,
    star_exports: &mut Vec<String>,
) {
    let mut add = |name: String, entry: ExportEntry<'t>| {
        exports.entry(name).and_modify(|e| *e = ExportEntry::Unknown).or_insert(entry);
    };
    let source = node.child_by_field_name("source").and_then(|s| string_value(s, text));
    let is_default = (0..node.child_count()).filter_map(|i| node.child(i)).any(|c| c.kind() == "default");
    if let Some(value) = node.child_by_field_name("value") {
        add("default".into(), ExportEntry::Node(value));
        return;
    }
    if let Some(declaration) = node.child_by_field_name("declaration") {
        if is_default {
            add("default".into(), ExportEntry::Node(declaration));
            return;
        }
        let mut cursor = declaration.walk();
        for child in declaration.named_children(&mut cursor) {
            if child.kind() == "variable_declarator"
                && let Some(name) = child.child_by_field_name("name").filter(|n| n.kind() == "identifier")
            {
                let name = node_text(name, text);
                add(name.to_owned(), ExportEntry::Local(name));
            }
        }
        if let Some(name) = declaration.child_by_field_name("name") {
            let name = node_text(name, text);
            add(name.to_owned(), ExportEntry::Local(name));
        }
        return;
    }
    let mut cursor = node.walk();
    let clause = node.named_children(&mut cursor).find(|c| c.kind() == "export_clause");
    let Some(clause) = clause else {
        let mut cursor = node.walk();
        let namespace = node.named_children(&mut cursor).find(|c| c.kind() == "namespace_export");
        match (source, namespace) {
            // `export * as ns from "m"`: the module's namespace, under one name.
            (Some(source), Some(namespace)) => {
                let mut cursor = namespace.walk();
                let name = namespace.named_children(&mut cursor).find(|c| c.kind() != "comment");
                let name = name.and_then(|n| match n.kind() {
                    "string" => string_value(n, text),
                    _ => Some(node_text(n, text).to_owned()),
                });
                if let Some(name) = name {
                    add(name, ExportEntry::From(source, Imported::Namespace));
                }
            }
            // `export * from "m"`.
            (Some(source), None) => star_exports.push(source),
            (None, _) => {}
        }
        return;
    };
    let mut cursor = clause.walk();
    for specifier in clause.named_children(&mut cursor).filter(|c| c.kind() == "export_specifier") {
        let Some(name) = specifier.child_by_field_name("name") else { continue };
        let exported = node_text(specifier.child_by_field_name("alias").unwrap_or(name), text).to_owned();
        let local = node_text(name, text);
        match &source {
            Some(source) => {
                let imported = if local == "default" { Imported::Default } else { Imported::Named(local.to_owned()) };
                add(exported, ExportEntry::From(source.clone(), imported));
            }
            None => add(exported, ExportEntry::Local(local)),
        }
    }
}

/// `module.exports` (`Some(None)`), `module.exports.x` or `exports.x` (`Some(Some("x"))`).
pub(super) fn commonjs_export_target<'t>(left: Node<'t>, text: &'t str) -> Option<Option<&'t str>> {
    let whole = node_text(left, text);
    if whole == "module.exports" {
        return Some(None);
    }
    if left.kind() != "member_expression" {
        return None;
    }
    let object = node_text(left.child_by_field_name("object")?, text);
    let property = node_text(left.child_by_field_name("property")?, text);
    matches!(object, "module.exports" | "exports").then_some(Some(property))
}
