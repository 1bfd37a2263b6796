//! What each name of a scope (a module, function or class body) is bound to: assignments,
//! definitions, imports (and `try`/`except ImportError` alternatives), and the in-place changes of
//! a container that always run after it is bound.

use super::modules::ImportRef;
use super::syntax::{MAX_DEPTH, children, field, text};
use std::collections::HashMap;
use tree_sitter::Node;

/// What a name in a scope is bound to.
#[derive(Clone, Debug)]
pub enum Binding<'t> {
    /// Bound once by an assignment (`NAME = value`, `NAME: T = value`, or only `NAME: T`), then
    /// possibly changed in place by statements of the same block that always run (`NAME["k"] = v`,
    /// `NAME.update(...)`, `NAME.append(...)`), in statement order.
    Value {
        value: Option<Node<'t>>,
        annotation: Option<Node<'t>>,
        updates: Vec<Update<'t>>,
    },
    /// Bound several times, mutated (`NAME.append(...)`, `NAME += ...`) or bound by something that is
    /// not a plain assignment: the assigned values in order (`None` for bindings without a value).
    Rebound(Vec<Option<Node<'t>>>),
    Def(Node<'t>),
    Class(Node<'t>),
    Import(ImportRef),
    /// `try: from .a import X` / `except ImportError: from ..a import X`: the first import that
    /// succeeds binds the name (resolved against the project's modules when the name is used).
    ImportChoice(Vec<ImportRef>),
}

/// An in-place change of a bound container, applied when the name is evaluated.
#[derive(Clone, Debug)]
pub struct Update<'t> {
    /// The statement's expression (`kwargs["k"] = v`, `kwargs.update(...)`): its position orders
    /// the update against a use of the name in the same file, and it is the span of what it adds.
    pub at: Node<'t>,
    pub kind: UpdateKind<'t>,
}

#[derive(Clone, Debug)]
pub enum UpdateKind<'t> {
    /// `NAME[key] = value`.
    SetItem { key: Node<'t>, value: Node<'t> },
    /// `NAME.update(...)` (its argument list), `NAME |= other`.
    Merge(Node<'t>),
    /// `NAME.append(item)`.
    Append(Node<'t>),
    /// `NAME.extend(items)`, `NAME += items`.
    Extend(Node<'t>),
    /// `NAME.insert(index, item)`.
    Insert { index: Node<'t>, item: Node<'t> },
}

/// The names bound in one block (a module, function or class body), nested blocks included.
#[derive(Clone, Debug, Default)]
pub struct Symbols<'t> {
    pub names: HashMap<String, Binding<'t>>,
    /// `from module import *`.
    pub stars: Vec<ImportRef>,
    /// Names bound once to a value and afterwards only grown by changes that may not run (`if DEBUG:
    /// MIDDLEWARE.insert(3, ...)`): those changes. Such a name is `Rebound` (what it holds is not
    /// known), but every item its first value holds is still there, in the same order.
    pub maybe_grown: HashMap<String, Vec<Update<'t>>>,
}

impl<'t> Symbols<'t> {
    pub fn get(&self, name: &str) -> Option<&Binding<'t>> {
        self.names.get(name)
    }

    fn bind(&mut self, name: &str, binding: Binding<'t>) {
        self.maybe_grown.remove(name);
        let entry = match self.names.remove(name) {
            None => binding,
            Some(previous) => {
                let mut values = values_of(previous);
                values.extend(values_of(binding));
                Binding::Rebound(values)
            }
        };
        self.names.insert(name.to_string(), entry);
    }

    /// Records an in-place change; a name that is not a single plain binding becomes unknown.
    fn update(&mut self, name: &str, update: Update<'t>) {
        match self.names.get_mut(name) {
            Some(Binding::Value { value: Some(_), updates, .. }) => updates.push(update),
            _ => self.rebind(name),
        }
    }

    /// `NAME.attr = ...` or `NAME[key] = ...`: the value changed in place, recorded as the target
    /// written to (an app stays the same app: `app.config["X"] = ...`).
    fn mutate(&mut self, name: &str, target: Node<'t>) {
        self.maybe_grown.remove(name);
        let mut values = self.names.remove(name).map(values_of).unwrap_or_default();
        values.push(Some(target));
        self.names.insert(name.to_string(), Binding::Rebound(values));
    }

    fn rebind(&mut self, name: &str) {
        self.maybe_grown.remove(name);
        let mut values = self.names.remove(name).map(values_of).unwrap_or_default();
        values.push(None);
        self.names.insert(name.to_string(), Binding::Rebound(values));
    }

    /// A change that adds items and may not run: the name becomes unknown, and stays
    /// [`Symbols::maybe_grown`] while it was a plain value or already only grown.
    fn maybe_grow(&mut self, name: &str, update: Update<'t>) {
        let grown = match self.maybe_grown.remove(name) {
            Some(grown) => Some(grown),
            None => matches!(self.names.get(name), Some(Binding::Value { value: Some(_), updates, .. }) if updates.is_empty())
                .then(Vec::new),
        };
        self.rebind(name);
        if let Some(mut grown) = grown {
            grown.push(update);
            self.maybe_grown.insert(name.to_string(), grown);
        }
    }
}

fn values_of(binding: Binding<'_>) -> Vec<Option<Node<'_>>> {
    match binding {
        Binding::Value { value, .. } => vec![value],
        Binding::Rebound(values) => values,
        Binding::Def(_) | Binding::Class(_) | Binding::Import(_) | Binding::ImportChoice(_) => vec![None],
    }
}

/// Collects the bindings of a block without entering nested functions or classes (their names are
/// bound, their bodies are other scopes). Used for modules, function bodies and class bodies.
pub fn collect_symbols<'t>(block: Node<'t>, source: &str, package: &[String]) -> Symbols<'t> {
    let mut symbols = Symbols::default();
    collect_into(block, source, package, &mut symbols, 0);
    symbols
}

fn collect_into<'t>(block: Node<'t>, source: &str, package: &[String], out: &mut Symbols<'t>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for stmt in children(block) {
        match stmt.kind() {
            "expression_statement" => {
                for expr in children(stmt) {
                    collect_expression(expr, source, package, out, depth == 0);
                }
            }
            "function_definition" => bind_def(stmt, source, out),
            "class_definition" => {
                if let Some(name) = field(stmt, "name") {
                    out.bind(text(name, source), Binding::Class(stmt));
                }
            }
            "decorated_definition" => {
                if let Some(def) = field(stmt, "definition") {
                    match def.kind() {
                        "function_definition" => bind_def(def, source, out),
                        "class_definition" => {
                            if let Some(name) = field(def, "name") {
                                out.bind(text(name, source), Binding::Class(def));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_statement" => collect_import(stmt, source, out),
            "import_from_statement" => collect_from_import(stmt, source, package, out),
            "for_statement" => {
                if let Some(left) = field(stmt, "left") {
                    rebind_targets(left, source, out);
                }
                collect_nested(stmt, source, package, out, depth);
            }
            "with_statement" => {
                let mut names = Vec::new();
                super::syntax::visit(stmt, 6, &mut |n| {
                    if n.kind() == "as_pattern_target" {
                        names.push(n);
                    }
                    n.kind() != "block"
                });
                for target in names {
                    rebind_targets(target, source, out);
                }
                collect_nested(stmt, source, package, out, depth);
            }
            "try_statement" if catches_import_error(stmt, source) => {
                collect_import_fallbacks(stmt, source, package, out, depth);
            }
            "if_statement" | "try_statement" | "while_statement" | "match_statement" => {
                collect_nested(stmt, source, package, out, depth);
            }
            _ => {}
        }
    }
}

/// Blocks nested in a compound statement (if/elif/else, try/except/finally, loops, with, match).
fn collect_nested<'t>(stmt: Node<'t>, source: &str, package: &[String], out: &mut Symbols<'t>, depth: usize) {
    for kid in children(stmt) {
        match kid.kind() {
            "block" => collect_into(kid, source, package, out, depth + 1),
            "elif_clause"
            | "else_clause"
            | "except_clause"
            | "finally_clause"
            | "case_clause"
            | "except_group_clause" => collect_nested(kid, source, package, out, depth + 1),
            _ => {}
        }
    }
}

/// Whether a `try` has an `except ImportError` (or `ModuleNotFoundError`, alone or in a tuple).
fn catches_import_error(stmt: Node<'_>, source: &str) -> bool {
    children(stmt).into_iter().any(|k| k.kind() == "except_clause" && catches_import_error_clause(k, source))
}

/// A `try` whose handler catches import errors: a name imported in the body and again in such a
/// handler is bound to whichever import succeeds ([`Binding::ImportChoice`]); every other binding
/// is collected as usual (bound in several branches, it is `Rebound`).
fn collect_import_fallbacks<'t>(stmt: Node<'t>, source: &str, package: &[String], out: &mut Symbols<'t>, depth: usize) {
    let mut branches: Vec<Symbols<'t>> = Vec::new();
    if let Some(body) = field(stmt, "body") {
        let mut tried = Symbols::default();
        collect_into(body, source, package, &mut tried, depth + 1);
        branches.push(tried);
    }
    for clause in children(stmt) {
        if clause.kind() == "except_clause" && catches_import_error_clause(clause, source) {
            let mut fallback = Symbols::default();
            collect_nested(clause, source, package, &mut fallback, depth + 1);
            branches.push(fallback);
        } else if matches!(clause.kind(), "except_clause" | "else_clause" | "finally_clause") {
            collect_nested(clause, source, package, out, depth + 1);
        }
    }
    let mut names: Vec<String> = branches.iter().flat_map(|b| b.names.keys().cloned()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let imports: Option<Vec<ImportRef>> = branches
            .iter()
            .filter_map(|b| b.names.get(&name))
            .map(|binding| match binding {
                Binding::Import(import) => Some(vec![import.clone()]),
                Binding::ImportChoice(imports) => Some(imports.clone()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|alternatives| alternatives.concat());
        match imports {
            Some(imports) if imports.len() > 1 => out.bind(&name, Binding::ImportChoice(imports)),
            _ => {
                for branch in &mut branches {
                    if let Some(binding) = branch.names.remove(&name) {
                        out.bind(&name, binding);
                    }
                }
            }
        }
    }
    for branch in branches {
        out.stars.extend(branch.stars);
    }
}

fn catches_import_error_clause(handler: Node<'_>, source: &str) -> bool {
    let mut caught = false;
    super::syntax::visit(handler, 4, &mut |n| {
        if n.kind() == "identifier" && matches!(text(n, source), "ImportError" | "ModuleNotFoundError") {
            caught = true;
        }
        n.kind() != "block"
    });
    caught
}

fn bind_def<'t>(def: Node<'t>, source: &str, out: &mut Symbols<'t>) {
    if let Some(name) = field(def, "name") {
        out.bind(text(name, source), Binding::Def(def));
    }
}

/// `unconditional`: the statement is directly in the scope's block, so it always runs after the
/// statements before it (an in-place change inside an `if` or a loop may or may not happen).
fn collect_expression<'t>(
    expr: Node<'t>,
    source: &str,
    package: &[String],
    out: &mut Symbols<'t>,
    unconditional: bool,
) {
    match expr.kind() {
        "assignment" => {
            let Some(left) = field(expr, "left") else { return };
            let right = field(expr, "right");
            // `a = b = value`: the right side is itself an assignment.
            let (value, chained) = match right {
                Some(r) if r.kind() == "assignment" => (field(r, "right"), Some(r)),
                other => (other, None),
            };
            match (left.kind(), value) {
                ("identifier", _) => {
                    let binding = Binding::Value { value, annotation: field(expr, "type"), updates: Vec::new() };
                    out.bind(text(left, source), binding);
                }
                ("subscript", Some(value)) if unconditional && chained.is_none() => {
                    match (field(left, "value"), field(left, "subscript")) {
                        (Some(object), Some(key)) if object.kind() == "identifier" => {
                            let kind = UpdateKind::SetItem { key, value };
                            out.update(text(object, source), Update { at: expr, kind });
                        }
                        _ => rebind_targets(left, source, out),
                    }
                }
                _ => rebind_targets(left, source, out),
            }
            if let Some(chained) = chained {
                collect_expression(chained, source, package, out, unconditional);
            }
        }
        "augmented_assignment" => {
            let Some(left) = field(expr, "left") else { return };
            let operator = field(expr, "operator").map(|o| text(o, source));
            match (left.kind(), operator, field(expr, "right")) {
                ("identifier", Some("+="), Some(right)) => {
                    let update = Update { at: expr, kind: UpdateKind::Extend(right) };
                    if unconditional {
                        out.update(text(left, source), update);
                    } else {
                        out.maybe_grow(text(left, source), update);
                    }
                }
                ("identifier", Some("|="), Some(right)) if unconditional => {
                    out.update(text(left, source), Update { at: expr, kind: UpdateKind::Merge(right) });
                }
                _ => rebind_targets(left, source, out),
            }
        }
        "call" => {
            // `NAME.append(...)` and friends change a list or dict in place.
            let Some(function) = field(expr, "function") else { return };
            if function.kind() == "identifier" && is_split_settings(out.get(text(function, source)), "include") {
                include_split_settings(expr, source, package, out);
                return;
            }
            if function.kind() != "attribute" {
                return;
            }
            let (Some(object), Some(attribute)) = (field(function, "object"), field(function, "attribute")) else {
                return;
            };
            const MUTATORS: &[&str] =
                &["append", "extend", "insert", "remove", "pop", "clear", "update", "add", "discard", "setdefault"];
            let method = text(attribute, source);
            if !MUTATORS.contains(&method) {
                return;
            }
            if object.kind() == "subscript" {
                // `kw["allow_origins"].append(...)` changes what `kw` holds.
                rebind_targets(object, source, out);
                return;
            }
            if object.kind() != "identifier" {
                return;
            }
            let name = text(object, source);
            let arguments = field(expr, "arguments");
            let positional = |n: &Node<'_>| n.kind() != "keyword_argument" && !n.kind().ends_with("splat");
            let args = arguments.map(children).unwrap_or_default();
            let kind = match (method, arguments, args.as_slice()) {
                ("update", Some(arguments), _) => Some(UpdateKind::Merge(arguments)),
                ("append", _, [item]) if positional(item) => Some(UpdateKind::Append(*item)),
                ("extend", _, [items]) if positional(items) => Some(UpdateKind::Extend(*items)),
                ("insert", _, [index, item]) if positional(index) && positional(item) => {
                    Some(UpdateKind::Insert { index: *index, item: *item })
                }
                _ => None,
            };
            match kind {
                Some(kind) if unconditional => out.update(name, Update { at: expr, kind }),
                Some(kind @ (UpdateKind::Append(_) | UpdateKind::Extend(_) | UpdateKind::Insert { .. })) => {
                    out.maybe_grow(name, Update { at: expr, kind })
                }
                _ => out.rebind(name),
            }
        }
        _ => {}
    }
}

/// Whether a name is bound to `split_settings.tools.<function>`.
fn is_split_settings(binding: Option<&Binding<'_>>, function: &str) -> bool {
    matches!(binding, Some(Binding::Import(ImportRef { module, name: Some(name), .. }))
        if module.iter().map(String::as_str).eq(["split_settings", "tools"]) && name == function)
}

/// django-split-settings' `include("components/base.py", optional("local.py"), *more)` runs each
/// file in the including module's namespace, in order: each is a star import, the later ones
/// winning. A file it cannot name (a glob, a computed path) is an import from outside the project,
/// so the names it may set are unknown rather than unset.
fn include_split_settings<'t>(call: Node<'t>, source: &str, package: &[String], out: &mut Symbols<'t>) {
    let mut paths: Vec<Option<String>> = Vec::new();
    for argument in field(call, "arguments").map(children).unwrap_or_default() {
        match argument.kind() {
            "list_splat" => match children(argument).first().map(|name| out.get(text(*name, source))) {
                Some(Some(Binding::Value { value: Some(listed), updates, .. }))
                    if updates.is_empty() && matches!(listed.kind(), "tuple" | "list") =>
                {
                    paths.extend(children(*listed).into_iter().map(|item| included_path(item, source, out)));
                }
                _ => paths.push(None),
            },
            "keyword_argument" => {}
            _ => paths.push(included_path(argument, source, out)),
        }
    }
    for path in paths {
        let module = path.and_then(|path| crate::parse::python_imports::split_settings_module(&path, package));
        let module = module.unwrap_or_else(|| vec![UNNAMED_INCLUDE.to_owned()]);
        out.stars.push(ImportRef { module, relative: true, name: None });
    }
}

/// The module of an `include` whose file is not known: no module path, so it is never found.
const UNNAMED_INCLUDE: &str = "<split_settings include>";

/// A star import of a file `include` was given as a glob or a computed path: any file may set any
/// name there.
pub fn is_unnamed_include(star: &ImportRef) -> bool {
    star.module.first().is_some_and(|m| m == UNNAMED_INCLUDE)
}

/// A path `include` is given: a string literal, or one wrapped in `optional(...)`.
fn included_path(argument: Node<'_>, source: &str, out: &Symbols<'_>) -> Option<String> {
    let literal = match argument.kind() {
        "call"
            if field(argument, "function").is_some_and(|f| {
                f.kind() == "identifier" && is_split_settings(out.get(text(f, source)), "optional")
            }) =>
        {
            *field(argument, "arguments").map(children)?.first()?
        }
        _ => argument,
    };
    match super::syntax::string_literal(literal, source)?.pieces.as_slice() {
        [super::syntax::Piece::Text(path)] => Some(path.clone()),
        _ => None,
    }
}

/// Names bound by a target that is not a plain name (`a, b = ...`, `x[0] = ...`, `for k, v in ...`):
/// their values are not tracked.
fn rebind_targets<'t>(target: Node<'t>, source: &str, out: &mut Symbols<'t>) {
    match target.kind() {
        "identifier" => out.rebind(text(target, source)),
        "subscript" | "attribute" => {
            let mut base = target;
            for _ in 0..MAX_DEPTH {
                match field(base, "value").or_else(|| field(base, "object")) {
                    Some(inner) => base = inner,
                    None => break,
                }
            }
            if base.kind() == "identifier" {
                out.mutate(text(base, source), target);
            }
        }
        _ => {
            for kid in children(target) {
                if kid.kind() == "identifier" {
                    out.rebind(text(kid, source));
                } else if matches!(kid.kind(), "tuple_pattern" | "list_pattern" | "pattern_list" | "list_splat_pattern")
                {
                    for inner in children(kid) {
                        rebind_targets(inner, source, out);
                    }
                }
            }
        }
    }
}

fn dotted(node: Node<'_>, source: &str) -> Vec<String> {
    text(node, source).split('.').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn collect_import(stmt: Node<'_>, source: &str, out: &mut Symbols<'_>) {
    for name in children(stmt) {
        match name.kind() {
            "dotted_name" => {
                let path = dotted(name, source);
                if let Some(first) = path.first() {
                    let import = ImportRef { module: vec![first.clone()], relative: false, name: None };
                    out.bind(first, Binding::Import(import));
                }
            }
            "aliased_import" => {
                let (Some(module), Some(alias)) = (field(name, "name"), field(name, "alias")) else { continue };
                let import = ImportRef { module: dotted(module, source), relative: false, name: None };
                out.bind(text(alias, source), Binding::Import(import));
            }
            _ => {}
        }
    }
}

fn collect_from_import(stmt: Node<'_>, source: &str, package: &[String], out: &mut Symbols<'_>) {
    let Some(module_node) = field(stmt, "module_name") else { return };
    let (module, relative) = if module_node.kind() == "relative_import" {
        let kids = children(module_node);
        let dots = kids.iter().find(|k| k.kind() == "import_prefix").map_or(0, |p| text(*p, source).len());
        let up = dots.saturating_sub(1).min(package.len());
        let mut base: Vec<String> = package.get(..package.len() - up).unwrap_or_default().to_vec();
        if let Some(rest) = kids.iter().find(|k| k.kind() == "dotted_name") {
            base.extend(dotted(*rest, source));
        }
        (base, true)
    } else {
        (dotted(module_node, source), false)
    };
    for kid in children(stmt) {
        if kid.id() == module_node.id() {
            continue;
        }
        match kid.kind() {
            "wildcard_import" => out.stars.push(ImportRef { module: module.clone(), relative, name: None }),
            "dotted_name" => {
                let name = text(kid, source).to_string();
                let import = ImportRef { module: module.clone(), relative, name: Some(name.clone()) };
                out.bind(&name, Binding::Import(import));
            }
            "aliased_import" => {
                let (Some(name), Some(alias)) = (field(kid, "name"), field(kid, "alias")) else { continue };
                let import = ImportRef { module: module.clone(), relative, name: Some(text(name, source).to_string()) };
                out.bind(text(alias, source), Binding::Import(import));
            }
            _ => {}
        }
    }
}
