//! Static evaluation of JavaScript/TypeScript expressions, shared by every JS extractor (the
//! backend CORS layers and the frontend readers).
//!
//! What it knows: string literals and template literals without substitutions, numbers (and
//! `+ - * /` on them), `"a" + "b"`, booleans, `null`, `undefined`, regular-expression literals and
//! `new RegExp("literal", "flags")`, arrays, object literals (spreads of known objects merged),
//! functions (as [`ValueKind::Function`]), environment reads (`process.env.X`,
//! `process.env["X"]`, `import.meta.env.X`) as [`ValueKind::Env`], TypeScript's `as`,
//! `satisfies`, `<T>x` and `x!` (looked through), and identifiers bound once in the file by a
//! `const` (anywhere in the file, at any depth) that nothing mutates (`X.k = …`, `X.pop(…)`,
//! `Object.assign(X, …)`), followed through member access (`config.cors.origin`); an array only
//! appended to (`X.push(…)`) keeps its written elements, followed by an unknown one. Names a module
//! imports (`import`, `require`, destructured or not, TypeScript's `import x = require("m")`, and
//! a namespace re-exported as `export * as ns from "m"`) are followed into the exporting module when
//! the caller gives a [`Linker`] ([`Evaluator::eval_linked`]); the value then carries that
//! module's file ([`Value::file`]).
//! Everything else is [`ValueKind::Unknown`]: a caller never guesses from it.
//!
//! The API ([`Evaluator`], [`Value`], [`ValueKind`], [`Object`], [`Lookup`]) is stable: extractors
//! depend on it, and additions come as new [`ValueKind`] variants that callers already treat as
//! unknown through their `_` arms.

use crate::source::{FileId, TextRange};
use std::collections::HashMap;
use tree_sitter::Node;

mod imports;
use imports::{
    Binding, ExportEntry, commonjs_export_target, imported_names, pattern_bindings, read_export, require_import,
};
pub use imports::{Export, Imported, Linker, import_source, required_module};

/// How deep evaluation follows nesting and names before it gives up (`Unknown`): bounds the work
/// on hostile input and breaks `const a = b, b = a` cycles.
const MAX_DEPTH: usize = 48;

/// A value and where it was written (the literal's range, after following a `const` or an
/// import).
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub range: TextRange,
    /// The file `range` is in when the evaluator knows it ([`Evaluator::for_file`]): a value
    /// imported from another module carries that module's file. `None`: the evaluated file.
    pub file: Option<FileId>,
}

impl Value {
    /// The value's place, in `here` unless it was written in another file.
    pub fn span(&self, here: FileId) -> crate::source::Span {
        crate::source::Span::new(self.file.unwrap_or(here), self.range.start, self.range.end)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Undefined,
    /// A regular expression: its source as written between the slashes (or in the `RegExp`
    /// string) and its flags.
    RegExp {
        pattern: String,
        flags: String,
    },
    /// The elements in order; an element that is itself unknown (or a spread of something
    /// unknown) is an element of kind `Unknown`.
    Array(Vec<Value>),
    Object(Object),
    /// An arrow function, a function expression or declaration, or a method: what it returns is
    /// decided at run time.
    Function,
    /// A read of the environment variable named (`process.env.CORS_ORIGIN`).
    Env(String),
    Unknown,
}

impl ValueKind {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ValueKind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            ValueKind::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// An object literal's properties, in the order written (a later one with the same key wins, as in
/// JavaScript).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Object {
    pub properties: Vec<Property>,
    /// Some part is not known: a spread of something unknown, or a computed key. A key not found
    /// may then still be set.
    pub open: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub key: String,
    pub key_range: TextRange,
    pub value: Value,
    /// The file `key_range` is in, as [`Value::file`] (an imported object's keys are in its module).
    pub key_file: Option<FileId>,
}

impl Property {
    /// `key: value` when both are written in one file, else the value alone.
    pub fn span(&self, here: FileId) -> crate::source::Span {
        let value = self.value.span(here);
        if self.key_file.unwrap_or(here) == value.file {
            crate::source::Span::new(value.file, self.key_range.start, self.value.range.end)
        } else {
            value
        }
    }
}

/// What an object says about one key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup<'v> {
    Found(&'v Property),
    /// Certainly not set: the library's default applies.
    Absent,
    /// Perhaps set by a part that is not known.
    Unknown,
}

impl Object {
    /// The property `key` as JavaScript reads it (the last one written). A key written after an
    /// unknown spread is still known; one before it, or not written at all, is not.
    pub fn get(&self, key: &str) -> Lookup<'_> {
        match self.properties.iter().rev().find(|p| p.key == key) {
            Some(property) => Lookup::Found(property),
            None if self.open => Lookup::Unknown,
            None => Lookup::Absent,
        }
    }
}

/// Evaluates expressions of one file. Built once per file (one walk over the tree to find its
/// `const` bindings); each [`Evaluator::eval`] is then proportional to the expression.
pub struct Evaluator<'t> {
    text: &'t str,
    file: Option<FileId>,
    /// Each name bound in the file: its `const` initializer, or its import, when that is its only
    /// binding and nothing mutates it, else unknown.
    bindings: HashMap<&'t str, Binding<'t>>,
    /// The module's exports by name (`default` for the default export).
    exports: HashMap<String, ExportEntry<'t>>,
    /// `export * from "m"`, in order.
    star_exports: Vec<String>,
    /// `module.exports = <expr>`, when assigned once.
    commonjs_exports: Option<Node<'t>>,
}

impl<'t> Evaluator<'t> {
    pub fn new(root: Node<'t>, text: &'t str) -> Self {
        Self::build(root, text, None)
    }

    /// An evaluator whose values name `file` ([`Value::file`]): values followed across modules
    /// then say which file each one was written in.
    pub fn for_file(root: Node<'t>, text: &'t str, file: FileId) -> Self {
        Self::build(root, text, Some(file))
    }

    fn build(root: Node<'t>, text: &'t str, file: Option<FileId>) -> Self {
        let mut bindings: HashMap<&'t str, Binding<'t>> = HashMap::new();
        let mut bind = |name: &'t str, value: Binding<'t>| {
            bindings.entry(name).and_modify(|slot| *slot = Binding::Unknown).or_insert(value);
        };
        let mut exports = HashMap::new();
        let mut star_exports = Vec::new();
        let mut commonjs_exports: Vec<Node<'t>> = Vec::new();
        let mut mutated: Vec<&'t str> = Vec::new();
        let mut grown: Vec<&'t str> = Vec::new();
        let mut cursor = root.walk();
        let mut descend = true;
        loop {
            let node = cursor.node();
            if descend {
                match node.kind() {
                    "variable_declarator" => {
                        let is_const = node.parent().is_some_and(|decl| {
                            decl.kind() == "lexical_declaration"
                                && decl.child_by_field_name("kind").is_some_and(|k| k.kind() == "const")
                        });
                        let value = node.child_by_field_name("value").filter(|_| is_const);
                        match node.child_by_field_name("name") {
                            Some(name) if name.kind() == "identifier" => {
                                bind(node_text(name, text), value.map_or(Binding::Unknown, Binding::Const));
                            }
                            Some(pattern) => {
                                let source = value.and_then(|v| required_module(v, text));
                                for (name, binding) in pattern_bindings(pattern, source, text) {
                                    bind(name, binding);
                                }
                            }
                            None => {}
                        }
                    }
                    "import_statement" => {
                        if let Some((name, binding)) = require_import(node, text) {
                            bind(name, binding);
                        }
                        let source = node.child_by_field_name("source").and_then(|s| string_value(s, text));
                        for (name, imported) in imported_names(node, text) {
                            match &source {
                                Some(source) => bind(name, Binding::Import(source.clone(), imported)),
                                None => bind(name, Binding::Unknown),
                            }
                        }
                    }
                    "export_statement" => read_export(node, text, &mut exports, &mut star_exports),
                    "formal_parameters" | "catch_clause" => {
                        for name in identifiers_in(node) {
                            bind(node_text(name, text), Binding::Unknown);
                        }
                    }
                    "arrow_function" => {
                        if let Some(param) = node.child_by_field_name("parameter") {
                            bind(node_text(param, text), Binding::Unknown);
                        }
                    }
                    "function_declaration" | "class_declaration" | "generator_function_declaration" => {
                        if let Some(name) = node.child_by_field_name("name") {
                            bind(node_text(name, text), Binding::Unknown);
                        }
                    }
                    "assignment_expression" | "augmented_assignment_expression" => {
                        let left = node.child_by_field_name("left");
                        match (
                            node.kind(),
                            left.and_then(|l| commonjs_export_target(l, text)),
                            node.child_by_field_name("right"),
                        ) {
                            ("assignment_expression", Some(None), Some(right)) => commonjs_exports.push(right),
                            ("assignment_expression", Some(Some(name)), Some(right)) => {
                                exports
                                    .entry(name.to_owned())
                                    .and_modify(|e| *e = ExportEntry::Unknown)
                                    .or_insert(ExportEntry::Node(right));
                            }
                            _ => {}
                        }
                        if let Some(target) = left.and_then(root_identifier) {
                            mutated.push(node_text(target, text));
                        }
                    }
                    "call_expression" => match grown_by_call(node, text) {
                        Some(name) => grown.push(name),
                        None => mutated.extend(mutated_by_call(node, text)),
                    },
                    _ => {}
                }
            }
            if descend && cursor.goto_first_child() {
                continue;
            }
            if cursor.goto_next_sibling() {
                descend = true;
                continue;
            }
            if !cursor.goto_parent() {
                break;
            }
            descend = false;
        }
        for name in grown {
            let slot = bindings.entry(name).or_insert(Binding::Unknown);
            *slot = match *slot {
                Binding::Const(array) | Binding::Grown(array) if array.kind() == "array" => Binding::Grown(array),
                _ => Binding::Unknown,
            };
        }
        for name in mutated {
            bindings.insert(name, Binding::Unknown);
        }
        // `module.exports = …` assigned twice (or conditionally) is not one known value.
        let commonjs_exports = match commonjs_exports.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        Evaluator { text, file, bindings, exports, star_exports, commonjs_exports }
    }

    /// The file this evaluator names in its values, if it was given one.
    pub fn file(&self) -> Option<FileId> {
        self.file
    }

    /// The text of `node`.
    pub fn text(&self, node: Node<'_>) -> &'t str {
        node_text(node, self.text)
    }

    /// What `name` (an identifier of this file) imports: its source module and name.
    pub fn import_of(&self, name: &str) -> Option<(&str, &Imported)> {
        match self.bindings.get(name) {
            Some(Binding::Import(source, imported)) => Some((source, imported)),
            Some(Binding::RequireImport(source)) => Some((source, &Imported::Default)),
            _ => None,
        }
    }

    /// What this module exports as `name`: `None` when it does not say (then a caller tries
    /// [`Evaluator::star_exports`]).
    pub fn export(&self, name: &Imported) -> Option<Export<'t, '_>> {
        let key = match name {
            Imported::Default => "default",
            Imported::Named(name) => name.as_str(),
            Imported::Namespace => return None,
        };
        match self.exports.get(key) {
            Some(ExportEntry::Node(node)) => Some(Export::Node(*node)),
            Some(ExportEntry::Local(local)) => Some(Export::Local(local)),
            Some(ExportEntry::From(source, imported)) => Some(Export::From(source, imported)),
            Some(ExportEntry::Unknown) => None,
            None if *name == Imported::Default => self.commonjs_exports.map(Export::Node),
            None => None,
        }
    }

    /// The sources of `export * from "m"`.
    pub fn star_exports(&self) -> &[String] {
        &self.star_exports
    }

    /// `module.exports = <expr>`: what a named import of a CommonJS module reads a property of.
    pub fn commonjs_exports(&self) -> Option<Node<'t>> {
        self.commonjs_exports
    }

    /// The `const` initializer `name` is bound to in this file.
    pub fn constant(&self, name: &str) -> Option<Node<'t>> {
        match self.bindings.get(name) {
            Some(Binding::Const(node)) => Some(*node),
            _ => None,
        }
    }

    /// The expression `node` stands for once TypeScript wrappers, parentheses and `const` names
    /// are looked through (the node itself when nothing applies): a caller that needs the syntax
    /// (a function's body, a call's arguments) rather than a value.
    pub fn resolve(&self, node: Node<'t>) -> Node<'t> {
        let mut node = node;
        for _ in 0..MAX_DEPTH {
            let next = match node.kind() {
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => first_expression(node),
                "identifier" => self.constant(self.text(node)),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => return node,
            }
        }
        node
    }

    /// The value of the expression `node`.
    pub fn eval(&self, node: Node<'t>) -> Value {
        self.eval_at(node, 0, None)
    }

    /// The value of `node`, following imports through `linker` (`depth`: how many modules deep
    /// the caller already is).
    pub fn eval_linked(&self, node: Node<'t>, linker: &dyn Linker, depth: usize) -> Value {
        self.eval_at(node, depth, Some(linker))
    }

    fn value(&self, kind: ValueKind, range: TextRange) -> Value {
        Value { kind, range, file: self.file }
    }

    fn eval_at(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Value {
        let range = TextRange::new(node.start_byte(), node.end_byte());
        let unknown = self.value(ValueKind::Unknown, range);
        if depth > MAX_DEPTH {
            return unknown;
        }
        let kind = match node.kind() {
            "string" | "template_string" => string_value(node, self.text).map_or(ValueKind::Unknown, ValueKind::String),
            "number" => number_value(self.text(node)).map_or(ValueKind::Unknown, ValueKind::Number),
            "true" => ValueKind::Bool(true),
            "false" => ValueKind::Bool(false),
            "null" => ValueKind::Null,
            "undefined" => ValueKind::Undefined,
            "regex" => ValueKind::RegExp {
                pattern: node.child_by_field_name("pattern").map(|p| self.text(p).to_owned()).unwrap_or_default(),
                flags: node.child_by_field_name("flags").map(|f| self.text(f).to_owned()).unwrap_or_default(),
            },
            "arrow_function"
            | "function_expression"
            | "function"
            | "function_declaration"
            | "generator_function"
            | "method_definition" => ValueKind::Function,
            "array" => ValueKind::Array(self.array(node, depth, link)),
            "object" => ValueKind::Object(self.object(node, depth, link)),
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => {
                return first_expression(node).map_or(unknown, |inner| self.eval_at(inner, depth + 1, link));
            }
            "identifier" => {
                if self.text(node) == "undefined" {
                    ValueKind::Undefined
                } else {
                    return self.name(self.text(node), depth, link).unwrap_or(unknown);
                }
            }
            "member_expression" | "subscript_expression" => match env_name(node, self.text) {
                Some(name) => ValueKind::Env(name),
                None => return self.member(node, depth, link).unwrap_or(unknown),
            },
            "call_expression" => {
                let module = required_module(node, self.text);
                return match (module, link, self.file) {
                    (Some(source), Some(link), Some(file)) => {
                        link.imported(file, &source, &Imported::Default, depth + 1).unwrap_or(unknown)
                    }
                    _ => unknown,
                };
            }
            "new_expression" => self.new_regexp(node, depth, link).unwrap_or(ValueKind::Unknown),
            "binary_expression" => self.binary(node, depth, link).unwrap_or(ValueKind::Unknown),
            "unary_expression" => self.unary(node, depth, link).unwrap_or(ValueKind::Unknown),
            _ => ValueKind::Unknown,
        };
        self.value(kind, range)
    }

    /// The value a name of this file is bound to: its `const` initializer, or what it imports.
    fn name(&self, name: &str, depth: usize, link: Option<&dyn Linker>) -> Option<Value> {
        match self.bindings.get(name)? {
            Binding::Const(value) => Some(self.eval_at(*value, depth + 1, link)),
            Binding::Grown(array) => {
                let mut value = self.eval_at(*array, depth + 1, link);
                if let ValueKind::Array(elements) = &mut value.kind {
                    elements.push(self.value(ValueKind::Unknown, value.range));
                }
                Some(value)
            }
            Binding::Import(source, imported) => link?.imported(self.file?, source, imported, depth + 1),
            Binding::RequireImport(source) => link?.imported(self.file?, source, &Imported::Default, depth + 1),
            Binding::Unknown => None,
        }
    }

    /// The value of a name this module exports as a local binding (`export { corsOptions }`).
    pub fn eval_name_linked(&self, name: &str, linker: &dyn Linker, depth: usize) -> Option<Value> {
        self.name(name, depth, Some(linker))
    }

    fn array(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Vec<Value> {
        let mut elements = Vec::new();
        let mut cursor = node.walk();
        for element in node.named_children(&mut cursor) {
            if element.kind() == "comment" {
                continue;
            }
            if element.kind() == "spread_element" {
                let spread = first_expression(element).map(|inner| self.eval_at(inner, depth + 1, link));
                match spread {
                    Some(Value { kind: ValueKind::Array(inner), .. }) => elements.extend(inner),
                    _ => elements
                        .push(self.value(ValueKind::Unknown, TextRange::new(element.start_byte(), element.end_byte()))),
                }
                continue;
            }
            elements.push(self.eval_at(element, depth + 1, link));
        }
        elements
    }

    fn object(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Object {
        let mut object = Object::default();
        let key_file = self.file;
        let mut cursor = node.walk();
        for member in node.named_children(&mut cursor) {
            let range = TextRange::new(member.start_byte(), member.end_byte());
            match member.kind() {
                "pair" => {
                    let (Some(key), Some(value)) =
                        (member.child_by_field_name("key"), member.child_by_field_name("value"))
                    else {
                        continue;
                    };
                    let Some(name) = self.key_name(key) else {
                        object.open = true;
                        continue;
                    };
                    let key_range = TextRange::new(key.start_byte(), key.end_byte());
                    let value = self.eval_at(value, depth + 1, link);
                    object.properties.push(Property { key: name, key_range, value, key_file });
                }
                "shorthand_property_identifier" => {
                    let name = self.text(member);
                    let value = self.name(name, depth, link).unwrap_or_else(|| self.value(ValueKind::Unknown, range));
                    object.properties.push(Property { key: name.to_owned(), key_range: range, value, key_file });
                }
                "method_definition" => {
                    let Some(name) = member.child_by_field_name("name").and_then(|k| self.key_name(k)) else {
                        object.open = true;
                        continue;
                    };
                    let value = self.value(ValueKind::Function, range);
                    object.properties.push(Property { key: name, key_range: range, value, key_file });
                }
                "spread_element" => match first_expression(member).map(|inner| self.eval_at(inner, depth + 1, link)) {
                    Some(Value { kind: ValueKind::Object(inner), .. }) => {
                        object.open |= inner.open;
                        object.properties.extend(inner.properties);
                    }
                    // A spread of `null`/`undefined` adds nothing.
                    Some(Value { kind: ValueKind::Null | ValueKind::Undefined, .. }) => {}
                    _ => {
                        // Keys written before an unknown spread may be overwritten by it.
                        object.properties.clear();
                        object.open = true;
                    }
                },
                _ => {}
            }
        }
        object
    }

    fn key_name(&self, key: Node<'t>) -> Option<String> {
        match key.kind() {
            "property_identifier" | "private_property_identifier" => Some(self.text(key).to_owned()),
            "string" => string_value(key, self.text),
            "number" => number_value(self.text(key)).map(format_number),
            _ => None,
        }
    }

    /// `config.cors`, `config["cors"]`, `origins[0]` on a known object or array, and a name of an
    /// `import * as ns` namespace, of TypeScript's `import ns = require("m")`, or of a namespace a
    /// module re-exports (`export * as ns from "m"`, imported as `{ ns }`).
    fn member(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Option<Value> {
        let object_node = node.child_by_field_name("object")?;
        let key = match node.kind() {
            "member_expression" => self.text(node.child_by_field_name("property")?).to_owned(),
            _ => {
                let index = node.child_by_field_name("index")?;
                match self.eval_at(index, depth + 1, link).kind {
                    ValueKind::String(s) => s,
                    ValueKind::Number(n) => format_number(n),
                    _ => return None,
                }
            }
        };
        if object_node.kind() == "identifier" {
            match self.bindings.get(self.text(object_node)) {
                Some(Binding::Import(source, Imported::Namespace) | Binding::RequireImport(source)) => {
                    return link?.imported(self.file?, source, &Imported::Named(key), depth + 1);
                }
                // `import { security } from "./config"` with `export * as security from …` there.
                Some(Binding::Import(source, imported)) => {
                    if let (Some(link), Some(file)) = (link, self.file)
                        && let Some(value) = link.namespace_member(file, source, imported, &key, depth + 1)
                    {
                        return Some(value);
                    }
                }
                _ => {}
            }
        }
        let object = self.eval_at(object_node, depth + 1, link);
        match object.kind {
            ValueKind::Object(object) => match object.get(&key) {
                Lookup::Found(property) => Some(property.value.clone()),
                Lookup::Absent => {
                    Some(self.value(ValueKind::Undefined, TextRange::new(node.start_byte(), node.end_byte())))
                }
                Lookup::Unknown => None,
            },
            ValueKind::Array(elements) => {
                let index: usize = key.parse().ok()?;
                elements.get(index).cloned()
            }
            _ => None,
        }
    }

    /// `new RegExp("^https://a\\.com$", "i")` with literal arguments.
    fn new_regexp(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Option<ValueKind> {
        if self.text(node.child_by_field_name("constructor")?) != "RegExp" {
            return None;
        }
        let arguments = node.child_by_field_name("arguments")?;
        let mut cursor = arguments.walk();
        let args: Vec<Node<'t>> = arguments.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect();
        let pattern = match self.eval_at(*args.first()?, depth + 1, link).kind {
            ValueKind::String(s) => s,
            ValueKind::RegExp { pattern, .. } => pattern,
            _ => return None,
        };
        let flags = match args.get(1) {
            Some(flags) => self.eval_at(*flags, depth + 1, link).kind.as_str()?.to_owned(),
            None => String::new(),
        };
        Some(ValueKind::RegExp { pattern, flags })
    }

    fn binary(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Option<ValueKind> {
        let operator = self.text(node.child_by_field_name("operator")?);
        let left = self.eval_at(node.child_by_field_name("left")?, depth + 1, link).kind;
        let right = self.eval_at(node.child_by_field_name("right")?, depth + 1, link).kind;
        match (operator, left, right) {
            ("+", ValueKind::String(a), ValueKind::String(b)) => Some(ValueKind::String(a + &b)),
            ("+", ValueKind::String(a), ValueKind::Number(b)) => Some(ValueKind::String(a + &format_number(b))),
            ("+", ValueKind::Number(a), ValueKind::String(b)) => Some(ValueKind::String(format_number(a) + &b)),
            ("+", ValueKind::Number(a), ValueKind::Number(b)) => Some(ValueKind::Number(a + b)),
            ("-", ValueKind::Number(a), ValueKind::Number(b)) => Some(ValueKind::Number(a - b)),
            ("*", ValueKind::Number(a), ValueKind::Number(b)) => Some(ValueKind::Number(a * b)),
            ("/", ValueKind::Number(a), ValueKind::Number(b)) if b != 0.0 => Some(ValueKind::Number(a / b)),
            _ => None,
        }
    }

    fn unary(&self, node: Node<'t>, depth: usize, link: Option<&dyn Linker>) -> Option<ValueKind> {
        let operator = self.text(node.child_by_field_name("operator")?);
        let argument = self.eval_at(node.child_by_field_name("argument")?, depth + 1, link).kind;
        match (operator, argument) {
            ("-", ValueKind::Number(n)) => Some(ValueKind::Number(-n)),
            ("!", ValueKind::Bool(b)) => Some(ValueKind::Bool(!b)),
            // `!0`, `!1`: minifier-style booleans.
            ("!", ValueKind::Number(n)) => Some(ValueKind::Bool(n == 0.0)),
            _ => None,
        }
    }
}

fn node_text<'t>(node: Node<'_>, text: &'t str) -> &'t str {
    text.get(node.byte_range()).unwrap_or("")
}

/// The first named child that is not a type or a comment: the expression inside a wrapper.
fn first_expression(node: Node<'_>) -> Option<Node<'_>> {
    (0..node.named_child_count()).filter_map(|i| node.named_child(i as u32)).find(|child| {
        !matches!(child.kind(), "comment" | "type_annotation" | "type_arguments" | "type_identifier")
            && !child.kind().ends_with("_type")
    })
}

/// Every identifier a binding pattern (or parameter list, or import clause) binds.
fn identifiers_in(node: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => found.push(node),
            // A default value's expression binds nothing; a type names nothing bound.
            "type_annotation" => {}
            _ => {
                let mut cursor = node.walk();
                for (index, child) in node.children(&mut cursor).enumerate() {
                    let is_default =
                        node.field_name_for_child(index as u32).is_some_and(|f| f == "value" || f == "right");
                    if !is_default {
                        stack.push(child);
                    }
                }
            }
        }
    }
    found
}

/// The identifier a member chain starts from (`corsOptions` in `corsOptions.origin[0]`).
fn root_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    for _ in 0..MAX_DEPTH {
        match node.kind() {
            "member_expression" | "subscript_expression" => node = node.child_by_field_name("object")?,
            "parenthesized_expression" | "non_null_expression" | "as_expression" => node = first_expression(node)?,
            "identifier" => return Some(node),
            _ => return None,
        }
    }
    None
}

/// `X.push(…)` on a name: it appends, so every element written keeps its place and a
/// `const X = [...]` grown that way is still known in part ([`Binding::Grown`]).
fn grown_by_call<'t>(call: Node<'t>, text: &'t str) -> Option<&'t str> {
    let function = call.child_by_field_name("function").filter(|f| f.kind() == "member_expression")?;
    let method = node_text(function.child_by_field_name("property")?, text);
    let receiver = function.child_by_field_name("object").filter(|r| r.kind() == "identifier")?;
    (method == "push").then(|| node_text(receiver, text))
}

/// Array and object methods that change their receiver in place.
const MUTATING_METHODS: &[&str] = &["push", "unshift", "splice", "pop", "shift", "fill", "sort", "reverse", "set"];

/// The names a call mutates: `X.push(…)` and friends, `Object.assign(X, …)`.
fn mutated_by_call<'t>(call: Node<'t>, text: &'t str) -> Vec<&'t str> {
    let Some(function) = call.child_by_field_name("function") else { return Vec::new() };
    if function.kind() != "member_expression" {
        return Vec::new();
    }
    let method = function.child_by_field_name("property").map_or("", |p| node_text(p, text));
    let receiver = function.child_by_field_name("object");
    if MUTATING_METHODS.contains(&method) {
        return receiver.and_then(root_identifier).map(|n| node_text(n, text)).into_iter().collect();
    }
    if method == "assign" && receiver.is_some_and(|r| node_text(r, text) == "Object") {
        let first = call.child_by_field_name("arguments").and_then(|args| args.named_child(0));
        return first.and_then(root_identifier).map(|n| node_text(n, text)).into_iter().collect();
    }
    Vec::new()
}

/// `process.env.X`, `process.env["X"]`, `import.meta.env.X`: the variable's name.
fn env_name(node: Node<'_>, text: &str) -> Option<String> {
    let object = node.child_by_field_name("object")?;
    let object_text = node_text(object, text);
    if !matches!(object_text, "process.env" | "import.meta.env") {
        return None;
    }
    match node.kind() {
        "member_expression" => Some(node_text(node.child_by_field_name("property")?, text).to_owned()),
        _ => string_value(node.child_by_field_name("index")?, text),
    }
}

/// A string literal's value, or a template literal's without `${…}` substitutions, with its escapes
/// decoded; `None` for anything else or an escape not decoded here.
fn string_value(node: Node<'_>, text: &str) -> Option<String> {
    if !matches!(node.kind(), "string" | "template_string") {
        return None;
    }
    let mut out = String::new();
    let mut cursor = node.walk();
    for part in node.named_children(&mut cursor) {
        match part.kind() {
            "string_fragment" => out.push_str(node_text(part, text)),
            "escape_sequence" => out.push_str(&unescape(node_text(part, text))?),
            _ => return None,
        }
    }
    Some(out)
}

fn unescape(escape: &str) -> Option<String> {
    let body = escape.strip_prefix('\\')?;
    let simple = match body {
        "n" => Some('\n'),
        "t" => Some('\t'),
        "r" => Some('\r'),
        "0" => Some('\0'),
        "b" => Some('\u{8}'),
        "f" => Some('\u{c}'),
        "v" => Some('\u{b}'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some(c.to_string());
    }
    if let Some(hex) = body.strip_prefix('x').or_else(|| body.strip_prefix('u').filter(|h| !h.starts_with('{'))) {
        return char::from_u32(u32::from_str_radix(hex, 16).ok()?).map(String::from);
    }
    if let Some(braced) = body.strip_prefix("u{").and_then(|h| h.strip_suffix('}')) {
        return char::from_u32(u32::from_str_radix(braced, 16).ok()?).map(String::from);
    }
    // A line continuation adds nothing; any other escaped character is itself.
    if body.starts_with('\n') || body.starts_with("\r\n") {
        return Some(String::new());
    }
    let mut chars = body.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_ascii_digit() => Some(c.to_string()),
        _ => None,
    }
}

fn number_value(literal: &str) -> Option<f64> {
    let cleaned: String = literal.chars().filter(|c| *c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let radix = |prefix: &str, radix: u32| {
        lower.strip_prefix(prefix).and_then(|digits| u64::from_str_radix(digits, radix).ok()).map(|n| n as f64)
    };
    radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
        .or_else(|| if lower.ends_with('n') { None } else { lower.parse::<f64>().ok() })
}

/// A number as JavaScript prints it for the integers that matter here (`86400`, not `86400.0`).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

#[cfg(test)]
mod tests;
