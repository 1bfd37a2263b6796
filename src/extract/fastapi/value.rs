//! Static evaluation of Python expressions: literals, names (local, module-level, imported from
//! other project modules), `**kwargs` dicts, list concatenation, simple comprehensions, string
//! methods, `os.getenv`, and calls of small project functions. Everything else is `Unknown`.

use super::Ctx;
use super::modules::{Binding, ModId, collect_symbols};
use super::syntax::{MAX_DEPTH, Piece, children, field, span, string_literal, text, unparen};
use crate::source::Span;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

/// Most items kept for one list; longer lists keep their first items and are marked incomplete.
const MAX_ITEMS: usize = 256;

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct Val<'t> {
    pub v: V<'t>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum V<'t> {
    Str(StrV),
    Bool(bool),
    Int(i64),
    Float,
    NoneVal,
    Seq(SeqV<'t>),
    Dict(DictV<'t>),
    /// A `str` read from the environment.
    EnvStr,
    /// Something outside the project, by dotted path (`fastapi.FastAPI`, `os.getenv`). Names that
    /// resolve nowhere are `?.name`.
    Path(String),
    Module(ModId),
    Class(ModId, Node<'t>),
    Func(ModId, Node<'t>),
    /// A method bound to its receiver (`"a,b".split`, `settings.origins_list`).
    Method(Box<Val<'t>>, String),
    /// A call of something outside the project, with its evaluated arguments.
    Call(Box<CallV<'t>>),
    /// An instance of a project class.
    Instance(ModId, Node<'t>, Box<CallV<'t>>),
    App(usize),
    Router(usize),
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct StrV {
    pub value: String,
    pub text_start: Option<usize>,
    /// A pydantic v2 URL object: `str()` of it normalizes (`https://a.com` → `https://a.com/`).
    pub url: bool,
    /// `str()` of a URL added a trailing `/` here.
    pub slash_added: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqKind {
    List,
    Tuple,
    Set,
}

#[derive(Clone, Debug)]
pub struct SeqV<'t> {
    pub kind: SeqKind,
    pub items: Vec<Val<'t>>,
    /// Some items are not known (a `*splat`, an unknown concatenation, a list from the environment).
    pub unknown: bool,
}

#[derive(Clone, Debug, Default)]
pub struct DictV<'t> {
    /// String keys, each with its value and the span of the `key: value` pair or `key=value`.
    pub entries: Vec<(String, Val<'t>, Span)>,
    pub unknown: bool,
}

/// One argument of a call.
#[derive(Clone, Debug)]
pub struct Arg<'t> {
    /// The keyword, for keyword arguments (also those that came from a `**dict`).
    pub name: Option<String>,
    pub val: Val<'t>,
    /// The argument as written: `allow_origins=[...]`, or the dict pair it came from.
    pub span: Span,
    /// The value expression at the call (or the dict pair's value).
    pub value_span: Span,
}

#[derive(Clone, Debug)]
pub struct CallV<'t> {
    /// Dotted path of the callee when it is outside the project (empty otherwise).
    pub path: String,
    pub callee: Val<'t>,
    pub args: Vec<Arg<'t>>,
    /// A `*args`/`**kwargs` could not be expanded.
    pub unknown_args: bool,
    pub span: Span,
    pub node: Node<'t>,
    /// The scope the call was evaluated in.
    pub scope: Scope<'t>,
}

impl<'t> CallV<'t> {
    /// The argument for parameter `name`, given by keyword or at positional index `position`.
    pub fn arg(&self, position: Option<usize>, name: &str) -> Option<&Arg<'t>> {
        self.args.iter().find(|a| a.name.as_deref() == Some(name)).or_else(|| {
            let position = position?;
            self.args.iter().filter(|a| a.name.is_none()).nth(position)
        })
    }

    pub fn positional(&self) -> impl Iterator<Item = &Arg<'t>> {
        self.args.iter().filter(|a| a.name.is_none())
    }
}

/// A function's local names and bound parameters.
#[derive(Debug)]
pub struct Frame<'t> {
    pub module: ModId,
    pub func: Node<'t>,
    pub locals: Rc<super::modules::Symbols<'t>>,
    pub params: HashMap<String, Val<'t>>,
    /// Parameters with a default value, by name.
    pub defaults: HashMap<String, Node<'t>>,
    /// Every parameter name (bound or not).
    pub param_names: Vec<String>,
    /// Local names already evaluated in this frame.
    pub memo: std::cell::RefCell<HashMap<String, Val<'t>>>,
    pub parent: Option<Rc<Frame<'t>>>,
}

/// Where names are looked up: comprehension variables, then the function frames, then the module.
#[derive(Clone, Debug)]
pub struct Scope<'t> {
    pub module: ModId,
    pub frame: Option<Rc<Frame<'t>>>,
    pub overlay: Rc<Vec<(String, Val<'t>)>>,
}

impl<'t> Scope<'t> {
    pub fn module(module: ModId) -> Self {
        Scope { module, frame: None, overlay: Rc::new(Vec::new()) }
    }

    fn with(&self, name: String, val: Val<'t>) -> Self {
        let mut overlay = (*self.overlay).clone();
        overlay.push((name, val));
        Scope { module: self.module, frame: self.frame.clone(), overlay: Rc::new(overlay) }
    }
}

/// The parameters of a `def`: (name, node, default value).
pub fn parameters<'t>(def: Node<'t>, source: &str) -> Vec<(String, Node<'t>, Option<Node<'t>>)> {
    let Some(params) = field(def, "parameters") else { return Vec::new() };
    let mut out = Vec::new();
    for p in children(params) {
        let (name, default) = match p.kind() {
            "identifier" => (Some(p), None),
            "typed_parameter" => (children(p).into_iter().find(|c| c.kind() == "identifier"), None),
            "default_parameter" | "typed_default_parameter" => (field(p, "name"), field(p, "value")),
            _ => (None, None),
        };
        if let Some(name) = name {
            out.push((text(name, source).to_string(), p, default));
        }
    }
    out
}

/// Python names that are builtins when nothing else binds them.
const BUILTINS: &[&str] = &["str", "list", "tuple", "set", "frozenset", "dict", "sorted", "bool", "int", "float"];

impl<'t> Val<'t> {
    pub fn unknown(span: Span) -> Self {
        Val { v: V::Unknown, span }
    }

    pub fn str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(&s.value),
            _ => None,
        }
    }

    pub fn path(&self) -> Option<&str> {
        match &self.v {
            V::Path(p) => Some(p),
            V::Call(call) => Some(&call.path),
            _ => None,
        }
    }

    /// Python truthiness when known.
    fn truthy(&self) -> Option<bool> {
        match &self.v {
            V::Str(s) => Some(!s.value.is_empty()),
            V::Bool(b) => Some(*b),
            V::Int(i) => Some(*i != 0),
            V::NoneVal => Some(false),
            V::Seq(s) if !s.unknown => Some(!s.items.is_empty()),
            V::Seq(s) if !s.items.is_empty() => Some(true),
            V::Dict(d) if !d.unknown => Some(!d.entries.is_empty()),
            _ => None,
        }
    }
}

impl<'t> Ctx<'t> {
    fn source(&self, module: ModId) -> &'t str {
        self.modules.get(module).map_or("", |m| m.text)
    }

    fn file_of(&self, module: ModId) -> usize {
        self.modules.get(module).map_or(0, |m| m.file)
    }

    pub fn span_in(&self, module: ModId, node: Node<'_>) -> Span {
        span(self.file_of(module), node)
    }

    /// Evaluates an expression. Bounded by depth and by the fuel of the current statement.
    pub fn eval(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        let at = self.span_in(scope.module, node);
        if depth > MAX_DEPTH || !self.burn() {
            return Val::unknown(at);
        }
        let source = self.source(scope.module);
        let v = match node.kind() {
            "string" | "concatenated_string" => return self.eval_string(node, scope, depth),
            "integer" => text(node, source).replace('_', "").parse().map_or(V::Float, V::Int),
            "float" => V::Float,
            "true" => V::Bool(true),
            "false" => V::Bool(false),
            "none" => V::NoneVal,
            "parenthesized_expression" => return self.eval(unparen(node), scope, depth + 1),
            "list" | "tuple" | "set" | "expression_list" => {
                let kind = match node.kind() {
                    "list" => SeqKind::List,
                    "set" => SeqKind::Set,
                    _ => SeqKind::Tuple,
                };
                V::Seq(self.eval_items(node, kind, scope, depth))
            }
            "dictionary" => V::Dict(self.eval_dict(node, scope, depth)),
            "identifier" => return self.lookup(text(node, source), at, scope, depth),
            "attribute" => {
                let (Some(object), Some(attr)) = (field(node, "object"), field(node, "attribute")) else {
                    return Val::unknown(at);
                };
                let object = self.eval(object, scope, depth + 1);
                return self.attribute(object, text(attr, source), at, depth);
            }
            "subscript" => self.eval_subscript(node, scope, depth),
            "call" => return self.eval_call(node, scope, depth),
            "binary_operator" => self.eval_binary(node, scope, depth),
            "list_comprehension" | "set_comprehension" | "generator_expression" => {
                self.eval_comprehension(node, scope, depth)
            }
            "conditional_expression" => {
                let kids = children(node);
                match kids.as_slice() {
                    [then, condition, otherwise] => match self.eval(*condition, scope, depth + 1).truthy() {
                        Some(true) => return self.eval(*then, scope, depth + 1),
                        Some(false) => return self.eval(*otherwise, scope, depth + 1),
                        None => V::Unknown,
                    },
                    _ => V::Unknown,
                }
            }
            "comparison_operator" => self.eval_comparison(node, scope, depth),
            "not_operator" => match field(node, "argument").map(|a| self.eval(a, scope, depth + 1).truthy()) {
                Some(Some(b)) => V::Bool(!b),
                _ => V::Unknown,
            },
            "boolean_operator" => {
                let (Some(left), Some(right)) = (field(node, "left"), field(node, "right")) else {
                    return Val::unknown(at);
                };
                let is_or = field(node, "operator").is_some_and(|op| text(op, source) == "or");
                let left = self.eval(left, scope, depth + 1);
                match (left.truthy(), is_or) {
                    (Some(true), true) | (Some(false), false) => return left,
                    (Some(_), _) => return self.eval(right, scope, depth + 1),
                    (None, true) if matches!(left.v, V::EnvStr) => {
                        // `os.getenv("X") or "default"`: a str either way.
                        match self.eval(right, scope, depth + 1).v {
                            V::Str(_) | V::EnvStr => V::EnvStr,
                            _ => V::Unknown,
                        }
                    }
                    _ => V::Unknown,
                }
            }
            _ => V::Unknown,
        };
        Val { v, span: at }
    }

    fn eval_string(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        let at = self.span_in(scope.module, node);
        let source = self.source(scope.module);
        let Some(lit) = string_literal(node, source) else { return Val::unknown(at) };
        let mut value = String::new();
        let mut env = false;
        for piece in &lit.pieces {
            match piece {
                Piece::Text(t) => value.push_str(t),
                Piece::Expr(expr) => match self.str_of(self.eval(*expr, scope, depth + 1)).v {
                    V::Str(s) => value.push_str(&s.value),
                    V::EnvStr => env = true,
                    _ => return Val::unknown(at),
                },
            }
        }
        if env {
            return Val { v: V::EnvStr, span: at };
        }
        Val { v: V::Str(StrV { value, text_start: lit.text_start, ..StrV::default() }), span: at }
    }

    fn eval_items(&self, node: Node<'t>, kind: SeqKind, scope: &Scope<'t>, depth: usize) -> SeqV<'t> {
        let mut seq = SeqV { kind, items: Vec::new(), unknown: false };
        for item in children(node) {
            if item.kind() == "list_splat" {
                match children(item).first().map(|inner| self.eval(*inner, scope, depth + 1).v) {
                    Some(V::Seq(inner)) => {
                        seq.unknown |= inner.unknown;
                        seq.items.extend(inner.items);
                    }
                    _ => seq.unknown = true,
                }
            } else {
                seq.items.push(self.eval(item, scope, depth + 1));
            }
            if seq.items.len() > MAX_ITEMS {
                seq.items.truncate(MAX_ITEMS);
                seq.unknown = true;
                break;
            }
        }
        seq
    }

    fn eval_dict(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> DictV<'t> {
        let mut dict = DictV::default();
        for item in children(node) {
            match item.kind() {
                "pair" => {
                    let (Some(key), Some(value)) = (field(item, "key"), field(item, "value")) else { continue };
                    match self.eval(key, scope, depth + 1).v {
                        V::Str(k) => {
                            let val = self.eval(value, scope, depth + 1);
                            dict.entries.retain(|(name, _, _)| *name != k.value);
                            dict.entries.push((k.value, val, self.span_in(scope.module, item)));
                        }
                        _ => dict.unknown = true,
                    }
                }
                "dictionary_splat" => match children(item).first().map(|inner| self.eval(*inner, scope, depth + 1).v) {
                    Some(V::Dict(inner)) => merge(&mut dict, inner),
                    _ => dict.unknown = true,
                },
                _ => dict.unknown = true,
            }
        }
        dict
    }

    fn eval_subscript(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
        let (Some(value), Some(index)) = (field(node, "value"), field(node, "subscript")) else { return V::Unknown };
        let base = self.eval(value, scope, depth + 1);
        if base.path() == Some("os.environ") {
            return V::EnvStr;
        }
        let index = self.eval(index, scope, depth + 1);
        match (base.v, index.v) {
            (V::Seq(seq), V::Int(i)) if !seq.unknown => {
                let i = if i < 0 { seq.items.len() as i64 + i } else { i };
                usize::try_from(i).ok().and_then(|i| seq.items.get(i).cloned()).map_or(V::Unknown, |v| v.v)
            }
            (V::Dict(dict), V::Str(key)) => {
                dict.entries.into_iter().find(|(k, _, _)| *k == key.value).map_or(V::Unknown, |(_, v, _)| v.v)
            }
            _ => V::Unknown,
        }
    }

    /// `a == b`, `a != b`, `a in b`, `a not in b` over known strings and lists of strings.
    fn eval_comparison(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
        let operands = children(node);
        let [left, right] = operands.as_slice() else { return V::Unknown };
        let mut cursor = node.walk();
        let Some(operator) = node.children(&mut cursor).find(|c| !c.is_named()).map(|c| c.kind()) else {
            return V::Unknown;
        };
        let left = self.eval(*left, scope, depth + 1);
        let right = self.eval(*right, scope, depth + 1);
        let result = match (operator, &left.v, &right.v) {
            ("==" | "!=", V::Str(a), V::Str(b)) => Some(a.value == b.value),
            ("in" | "not in", V::Str(a), V::Str(b)) => Some(b.value.contains(&a.value)),
            ("in" | "not in", V::Str(a), V::Seq(b)) => {
                let found = b.items.iter().any(|i| i.str() == Some(&a.value));
                if found || !b.unknown && b.items.iter().all(|i| i.str().is_some()) { Some(found) } else { None }
            }
            _ => None,
        };
        match result {
            Some(r) => V::Bool(r != matches!(operator, "!=" | "not in")),
            None => V::Unknown,
        }
    }

    fn eval_binary(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
        let (Some(left), Some(right), Some(op)) = (field(node, "left"), field(node, "right"), field(node, "operator"))
        else {
            return V::Unknown;
        };
        let op = text(op, self.source(scope.module));
        let left = self.eval(left, scope, depth + 1);
        let right = self.eval(right, scope, depth + 1);
        match (op, left.v, right.v) {
            ("+", V::Seq(mut a), V::Seq(b)) => {
                a.unknown |= b.unknown;
                a.items.extend(b.items);
                a.items.truncate(MAX_ITEMS);
                V::Seq(a)
            }
            ("+", V::Str(a), V::Str(b)) => V::Str(StrV { value: a.value + &b.value, ..StrV::default() }),
            ("+", V::EnvStr, V::Str(_) | V::EnvStr) | ("+", V::Str(_), V::EnvStr) => V::EnvStr,
            ("|", V::Dict(mut a), V::Dict(b)) => {
                merge(&mut a, b);
                V::Dict(a)
            }
            ("|", V::Seq(mut a), V::Seq(b)) if a.kind == SeqKind::Set => {
                a.unknown |= b.unknown;
                a.items.extend(b.items);
                V::Seq(a)
            }
            _ => V::Unknown,
        }
    }

    /// `[expr for x in known if cond]`, one `for`, conditions that evaluate to known truth values.
    fn eval_comprehension(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
        let kids = children(node);
        let Some(body) = field(node, "body") else { return V::Unknown };
        let fors: Vec<_> = kids.iter().filter(|k| k.kind() == "for_in_clause").collect();
        let [clause] = fors.as_slice() else { return V::Unknown };
        let (Some(target), Some(iterable)) = (field(**clause, "left"), field(**clause, "right")) else {
            return V::Unknown;
        };
        if target.kind() != "identifier" {
            return V::Unknown;
        }
        let name = text(target, self.source(scope.module)).to_string();
        let V::Seq(source) = self.eval(iterable, scope, depth + 1).v else { return V::Unknown };
        let conditions: Vec<_> =
            kids.iter().filter(|k| k.kind() == "if_clause").filter_map(|k| children(*k).first().copied()).collect();
        let kind = if node.kind() == "set_comprehension" { SeqKind::Set } else { SeqKind::List };
        let mut out = SeqV { kind, items: Vec::new(), unknown: source.unknown };
        for item in source.items {
            let inner = scope.with(name.clone(), item);
            let mut keep = Some(true);
            for condition in &conditions {
                match self.eval(*condition, &inner, depth + 1).truthy() {
                    Some(true) => {}
                    Some(false) => keep = Some(false),
                    None => keep = keep.and(None),
                }
            }
            match keep {
                Some(true) => out.items.push(self.eval(body, &inner, depth + 1)),
                Some(false) => {}
                None => out.unknown = true,
            }
        }
        V::Seq(out)
    }

    /// Looks a name up: comprehension variables, function frames, module, builtins.
    pub fn lookup(&self, name: &str, at: Span, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        if let Some((_, val)) = scope.overlay.iter().rev().find(|(n, _)| n == name) {
            return val.clone();
        }
        let mut frame = scope.frame.clone();
        while let Some(f) = frame {
            if let Some(val) = f.params.get(name) {
                return val.clone();
            }
            if let Some(binding) = f.locals.get(name) {
                if let Some(val) = f.memo.borrow().get(name) {
                    return val.clone();
                }
                let local = Scope { module: f.module, frame: Some(f.clone()), overlay: Rc::new(Vec::new()) };
                // A placeholder first: a local defined through itself is unknown, not a loop.
                f.memo.borrow_mut().insert(name.to_string(), Val::unknown(at));
                let val = self.eval_binding(binding, &local, at, depth);
                f.memo.borrow_mut().insert(name.to_string(), val.clone());
                return val;
            }
            if let Some(default) = f.defaults.get(name) {
                let outer = Scope { module: f.module, frame: f.parent.clone(), overlay: Rc::new(Vec::new()) };
                return self.eval(*default, &outer, depth + 1);
            }
            if f.param_names.iter().any(|p| p == name) {
                return Val::unknown(at);
            }
            frame = f.parent.clone();
        }
        self.module_name(scope.module, name, at, depth)
    }

    /// A module-level name, memoized; cycles and rebound names are `Unknown`.
    pub fn module_name(&self, module: ModId, name: &str, at: Span, depth: usize) -> Val<'t> {
        let key = (module, name.to_string());
        if let Some(val) = self.memo.borrow().get(&key) {
            return val.clone();
        }
        if !self.active.borrow_mut().insert(key.clone()) {
            return Val::unknown(at);
        }
        let val = match self.modules.get(module).and_then(|m| m.symbols.get(name)) {
            Some(binding) => self.eval_binding(binding, &Scope::module(module), at, depth),
            None => self.star_or_builtin(module, name, at, depth),
        };
        self.active.borrow_mut().remove(&key);
        self.memo.borrow_mut().insert(key, val.clone());
        val
    }

    fn star_or_builtin(&self, module: ModId, name: &str, at: Span, depth: usize) -> Val<'t> {
        let stars = self.modules.get(module).map(|m| m.symbols.stars.clone()).unwrap_or_default();
        for star in stars {
            match self.index.find(&self.modules, &star.module, star.relative, module) {
                Some(target) if self.modules.get(target).is_some_and(|m| m.symbols.get(name).is_some()) => {
                    return self.module_name(target, name, at, depth + 1);
                }
                Some(_) => {}
                None => return Val { v: V::Path(format!("{}.{name}", star.module.join("."))), span: at },
            }
        }
        let path = if BUILTINS.contains(&name) { format!("builtins.{name}") } else { format!("?.{name}") };
        Val { v: V::Path(path), span: at }
    }

    pub fn eval_binding(&self, binding: &Binding<'t>, scope: &Scope<'t>, at: Span, depth: usize) -> Val<'t> {
        match binding {
            Binding::Value { value: Some(value), .. } => self.eval(*value, scope, depth + 1),
            Binding::Value { value: None, .. } => Val::unknown(at),
            Binding::Rebound(values) => self.eval_rebound(values, scope, at, depth),
            Binding::Def(def) => Val { v: V::Func(scope.module, *def), span: self.span_in(scope.module, *def) },
            Binding::Class(class) => {
                Val { v: V::Class(scope.module, *class), span: self.span_in(scope.module, *class) }
            }
            Binding::Import(import) => {
                let module = scope.module;
                match &import.name {
                    None => match self.index.find(&self.modules, &import.module, import.relative, module) {
                        Some(target) => Val { v: V::Module(target), span: at },
                        None => Val { v: V::Path(import.module.join(".")), span: at },
                    },
                    Some(name) => match self.index.find(&self.modules, &import.module, import.relative, module) {
                        Some(target) => {
                            let has_name = self.modules.get(target).is_some_and(|m| m.symbols.get(name).is_some());
                            let mut sub = import.module.clone();
                            sub.push(name.clone());
                            match self.index.find(&self.modules, &sub, import.relative, module) {
                                Some(submodule) if !has_name => Val { v: V::Module(submodule), span: at },
                                _ => self.module_name(target, name, at, depth + 1),
                            }
                        }
                        None => {
                            let mut sub = import.module.clone();
                            sub.push(name.clone());
                            match self.index.find(&self.modules, &sub, import.relative, module) {
                                Some(submodule) => Val { v: V::Module(submodule), span: at },
                                None if import.relative => Val::unknown(at),
                                None => Val { v: V::Path(sub.join(".")), span: at },
                            }
                        }
                    },
                }
            }
        }
    }

    /// A name bound several times is unknown, except an app that is later wrapped in place
    /// (`app = FastAPI()` … `app = CORSMiddleware(app, ...)`): that name still stands for the app.
    fn eval_rebound(&self, values: &[Option<Node<'t>>], scope: &Scope<'t>, at: Span, depth: usize) -> Val<'t> {
        let Some(Some(first)) = values.first() else { return Val::unknown(at) };
        let first_val = self.eval(*first, scope, depth + 1);
        if !matches!(first_val.v, V::App(_)) {
            return Val::unknown(at);
        }
        let all_wraps = values.iter().skip(1).all(|v| v.is_some_and(|n| unparen(n).kind() == "call"));
        if all_wraps { first_val } else { Val::unknown(at) }
    }

    pub fn attribute(&self, object: Val<'t>, attr: &str, at: Span, depth: usize) -> Val<'t> {
        let v = match object.v {
            V::Path(p) => {
                let path = format!("{p}.{attr}");
                let components: Vec<String> = path.split('.').map(str::to_string).collect();
                match components.first().map(String::as_str) {
                    Some("?") => V::Path(path),
                    _ => match self.index.find(&self.modules, &components, false, 0) {
                        Some(module) if self.external_looking(&components) => V::Module(module),
                        _ => V::Path(path),
                    },
                }
            }
            V::Module(module) => {
                if self.modules.get(module).is_some_and(|m| m.symbols.get(attr).is_some()) {
                    return self.module_name(module, attr, at, depth + 1);
                }
                let mut sub = self.modules.get(module).map(|m| m.path.clone()).unwrap_or_default();
                sub.push(attr.to_string());
                match self.index.find(&self.modules, &sub, true, module) {
                    Some(submodule) => V::Module(submodule),
                    None => V::Unknown,
                }
            }
            V::Class(module, class) => return self.class_attribute(module, class, attr, at, depth),
            V::Instance(module, class, call) => {
                return self.instance_attribute(module, class, &call, object.span, attr, at, depth);
            }
            V::Str(_) | V::EnvStr | V::Seq(_) | V::Dict(_) => {
                V::Method(Box::new(Val { v: object.v, span: object.span }), attr.to_string())
            }
            _ => V::Unknown,
        };
        Val { v, span: at }
    }

    /// A dotted path only becomes a project module when the project has it; stdlib and package paths
    /// (`os`, `fastapi.middleware.cors`) stay outside paths.
    fn external_looking(&self, components: &[String]) -> bool {
        !matches!(
            components.first().map(String::as_str),
            Some("os" | "fastapi" | "starlette" | "pydantic" | "builtins")
        )
    }

    /// `Class.NAME` for constants and methods in a class body (bases not searched).
    fn class_attribute(&self, module: ModId, class: Node<'t>, attr: &str, at: Span, depth: usize) -> Val<'t> {
        let Some(body) = field(class, "body") else { return Val::unknown(at) };
        let symbols = collect_symbols(body, self.source(module), &[]);
        match symbols.get(attr) {
            Some(binding) => self.eval_binding(binding, &Scope::module(module), at, depth + 1),
            None => Val::unknown(at),
        }
    }

    /// The class and its project base classes, nearest first, and the dotted paths of the bases
    /// outside the project (`pydantic_settings.BaseSettings`, `starlette.middleware.base.BaseHTTPMiddleware`).
    pub fn class_chain(&self, module: ModId, class: Node<'t>) -> (Vec<(ModId, Node<'t>)>, Vec<String>) {
        let mut chain = vec![(module, class)];
        let mut external = Vec::new();
        let mut index = 0;
        while let Some(&(m, c)) = chain.get(index) {
            index += 1;
            if chain.len() > 8 {
                break;
            }
            let Some(bases) = field(c, "superclasses") else { continue };
            for base in children(bases) {
                if base.kind() == "keyword_argument" {
                    continue;
                }
                match self.eval(base, &Scope::module(m), 0).v {
                    V::Class(bm, bc) if !chain.iter().any(|(_, n)| n.id() == bc.id()) => chain.push((bm, bc)),
                    V::Path(p) => external.push(p),
                    _ => {}
                }
            }
        }
        (chain, external)
    }

    /// A method (`def name`) of a class or of its project base classes.
    pub fn find_method(&self, module: ModId, class: Node<'t>, name: &str) -> Option<(ModId, Node<'t>)> {
        let (chain, _) = self.class_chain(module, class);
        chain.into_iter().find_map(|(m, c)| {
            let body = field(c, "body")?;
            match collect_symbols(body, self.source(m), &[]).get(name) {
                Some(Binding::Def(def)) => Some((m, *def)),
                _ => None,
            }
        })
    }

    pub fn eval_call(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        let at = self.span_in(scope.module, node);
        let Some(function) = field(node, "function") else { return Val::unknown(at) };
        let callee = self.eval(function, scope, depth + 1);
        let call = self.eval_arguments(node, callee, scope, depth);
        self.apply(call, depth)
    }

    /// A call's callee and arguments, evaluated but not applied.
    pub fn eval_call_parts(&self, node: Node<'t>, scope: &Scope<'t>) -> Option<CallV<'t>> {
        let function = field(node, "function")?;
        let callee = self.eval(function, scope, 0);
        Some(self.eval_arguments(node, callee, scope, 0))
    }

    fn eval_arguments(&self, node: Node<'t>, callee: Val<'t>, scope: &Scope<'t>, depth: usize) -> CallV<'t> {
        let at = self.span_in(scope.module, node);
        let path = callee.path().unwrap_or_default().to_string();
        let mut call =
            CallV { path, callee, args: Vec::new(), unknown_args: false, span: at, node, scope: scope.clone() };
        let Some(arguments) = field(node, "arguments") else { return call };
        if arguments.kind() != "argument_list" {
            call.unknown_args = true;
            return call;
        }
        for arg in children(arguments) {
            let arg_span = self.span_in(scope.module, arg);
            match arg.kind() {
                "keyword_argument" => {
                    let (Some(name), Some(value)) = (field(arg, "name"), field(arg, "value")) else { continue };
                    let val = self.eval(value, scope, depth + 1);
                    let name = Some(text(name, self.source(scope.module)).to_string());
                    call.args.push(Arg { name, val, span: arg_span, value_span: self.span_in(scope.module, value) });
                }
                "list_splat" => match children(arg).first().map(|inner| self.eval(*inner, scope, depth + 1).v) {
                    Some(V::Seq(seq)) => {
                        call.unknown_args |= seq.unknown;
                        for val in seq.items {
                            let value_span = val.span;
                            call.args.push(Arg { name: None, val, span: arg_span, value_span });
                        }
                    }
                    _ => call.unknown_args = true,
                },
                "dictionary_splat" => match children(arg).first().map(|inner| self.eval(*inner, scope, depth + 1).v) {
                    Some(V::Dict(dict)) => {
                        call.unknown_args |= dict.unknown;
                        for (name, val, pair) in dict.entries {
                            let value_span = val.span;
                            call.args.push(Arg { name: Some(name), val, span: pair, value_span });
                        }
                    }
                    _ => call.unknown_args = true,
                },
                _ => {
                    let val = self.eval(arg, scope, depth + 1);
                    call.args.push(Arg { name: None, val, span: arg_span, value_span: arg_span });
                }
            }
        }
        call
    }

    /// What a call evaluates to.
    pub fn apply(&self, call: CallV<'t>, depth: usize) -> Val<'t> {
        let at = call.span;
        let first = call.positional().next().map(|a| a.val.clone());
        let v = match &call.callee.v {
            V::Path(path) => match path.as_str() {
                "os.getenv" | "os.environ.get" => V::EnvStr,
                "builtins.str" => {
                    return first.map_or(Val { v: V::Str(StrV::default()), span: at }, |v| self.str_of_at(v, at));
                }
                "builtins.list" | "builtins.tuple" | "builtins.set" | "builtins.frozenset" | "builtins.sorted" => {
                    let kind = match path.as_str() {
                        "builtins.tuple" => SeqKind::Tuple,
                        "builtins.set" | "builtins.frozenset" => SeqKind::Set,
                        _ => SeqKind::List,
                    };
                    match first.map(|v| v.v) {
                        None => V::Seq(SeqV { kind, items: Vec::new(), unknown: false }),
                        Some(V::Seq(mut seq)) => {
                            seq.kind = kind;
                            V::Seq(seq)
                        }
                        _ => V::Unknown,
                    }
                }
                "builtins.dict" => {
                    let mut dict = DictV { unknown: call.unknown_args, ..DictV::default() };
                    for arg in &call.args {
                        match (&arg.name, &arg.val.v) {
                            (Some(name), _) => dict.entries.push((name.clone(), arg.val.clone(), arg.span)),
                            (None, V::Dict(inner)) => merge(&mut dict, inner.clone()),
                            (None, _) => dict.unknown = true,
                        }
                    }
                    V::Dict(dict)
                }
                _ => match self.construct(&call) {
                    Some(v) => v,
                    None => V::Call(Box::new(call)),
                },
            },
            V::Class(module, class) => V::Instance(*module, *class, Box::new(call.clone())),
            V::Func(module, def) => return self.call_function(*module, *def, &call, None, depth),
            V::Method(receiver, name) => return self.call_method(receiver, name, &call, depth),
            _ => V::Unknown,
        };
        Val { v, span: at }
    }

    /// `str(x)`: a pydantic v2 URL gains a `/` when it has no path.
    pub fn str_of(&self, val: Val<'t>) -> Val<'t> {
        let at = val.span;
        self.str_of_at(val, at)
    }

    fn str_of_at(&self, val: Val<'t>, call_span: Span) -> Val<'t> {
        let v = match val.v {
            V::Str(mut s) if s.url => {
                s.url = false;
                let after_scheme = s.value.split_once("://").map_or("", |(_, rest)| rest);
                if !after_scheme.contains('/') {
                    s.value.push('/');
                    s.slash_added = Some(call_span);
                }
                V::Str(s)
            }
            V::Str(s) => V::Str(s),
            V::Int(i) => V::Str(StrV { value: i.to_string(), ..StrV::default() }),
            V::EnvStr => V::EnvStr,
            _ => V::Unknown,
        };
        Val { v, span: val.span }
    }

    fn call_method(&self, receiver: &Val<'t>, name: &str, call: &CallV<'t>, depth: usize) -> Val<'t> {
        let first = call.positional().next().map(|a| &a.val);
        let first_str = first.and_then(|v| v.str());
        let v = match (&receiver.v, name) {
            (V::Str(s), "strip" | "rstrip" | "lstrip") => {
                let chars: Vec<char> = first_str.map_or_else(|| vec![' ', '\t', '\n', '\r'], |c| c.chars().collect());
                let value = match name {
                    "strip" => s.value.trim_matches(chars.as_slice()),
                    "rstrip" => s.value.trim_end_matches(chars.as_slice()),
                    _ => s.value.trim_start_matches(chars.as_slice()),
                };
                let slash_added = s.slash_added.filter(|_| value.ends_with('/'));
                let text_start = s.text_start.filter(|_| name == "rstrip" || value.len() == s.value.len());
                // The value is still the one written at the receiver: keep pointing there.
                return Val {
                    v: V::Str(StrV { value: value.to_string(), text_start, url: s.url, slash_added }),
                    span: receiver.span,
                };
            }
            (V::Str(s), "lower" | "upper") => {
                let value = if name == "lower" { s.value.to_lowercase() } else { s.value.to_uppercase() };
                return Val { v: V::Str(StrV { value, ..StrV::default() }), span: receiver.span };
            }
            (V::Str(s), "split") => {
                let parts: Vec<&str> = match first_str {
                    Some(sep) if !sep.is_empty() => s.value.split(sep).collect(),
                    Some(_) => return Val::unknown(call.span),
                    None => s.value.split_whitespace().collect(),
                };
                let mut offset = 0;
                let mut items = Vec::new();
                for part in parts {
                    let start = s.value.get(offset..).and_then(|rest| rest.find(part)).map_or(offset, |i| i + offset);
                    offset = start + part.len();
                    let (text_start, span) = match s.text_start {
                        Some(base) => {
                            let file = receiver.span.file;
                            (Some(base + start), Span::new(file, base + start, base + start + part.len()))
                        }
                        None => (None, receiver.span),
                    };
                    items
                        .push(Val { v: V::Str(StrV { value: part.to_string(), text_start, ..StrV::default() }), span });
                }
                V::Seq(SeqV { kind: SeqKind::List, items, unknown: false })
            }
            (V::EnvStr, "split") => V::Seq(SeqV { kind: SeqKind::List, items: Vec::new(), unknown: true }),
            (V::EnvStr, "strip" | "rstrip" | "lstrip" | "lower" | "upper") => V::EnvStr,
            (V::Seq(seq), "copy") => V::Seq(seq.clone()),
            (V::Dict(dict), "copy") => V::Dict(dict.clone()),
            (V::Dict(dict), "get") => match first_str.and_then(|k| dict.entries.iter().find(|(n, _, _)| n == k)) {
                Some((_, val, _)) => return val.clone(),
                None if !dict.unknown => {
                    return call.positional().nth(1).map_or(Val { v: V::NoneVal, span: call.span }, |a| a.val.clone());
                }
                None => V::Unknown,
            },
            _ => {
                let _ = depth;
                V::Unknown
            }
        };
        Val { v, span: call.span }
    }

    /// Calls a project function whose body is a single `return EXPR` (after a docstring), with the
    /// arguments bound: getters like `get_settings()`, factories returning their app.
    pub fn call_function(
        &self,
        module: ModId,
        def: Node<'t>,
        call: &CallV<'t>,
        receiver: Option<Val<'t>>,
        depth: usize,
    ) -> Val<'t> {
        let at = call.span;
        if depth > MAX_DEPTH / 2 {
            return Val::unknown(at);
        }
        let Some(value) = self.single_return(def) else { return Val::unknown(at) };
        let frame = self.frame_for(module, def, Some(call), receiver);
        let scope = Scope { module, frame: Some(Rc::new(frame)), overlay: Rc::new(Vec::new()) };
        let mut val = self.eval(value, &scope, depth + 1);
        if matches!(val.v, V::Unknown) {
            val.span = at;
        }
        val
    }

    /// A frame for running `def` with `call`'s arguments (or none) bound to its parameters.
    pub fn frame_for(
        &self,
        module: ModId,
        def: Node<'t>,
        call: Option<&CallV<'t>>,
        receiver: Option<Val<'t>>,
    ) -> Frame<'t> {
        let source = self.source(module);
        let params = parameters(def, source);
        let mut bound = HashMap::new();
        let mut defaults = HashMap::new();
        let mut positional = call.map(|c| c.positional().cloned().collect::<Vec<_>>()).unwrap_or_default().into_iter();
        for (index, (name, _, default)) in params.iter().enumerate() {
            if let Some(default) = default {
                defaults.insert(name.clone(), *default);
            }
            if index == 0 && receiver.is_some() {
                if let Some(receiver) = receiver.clone() {
                    bound.insert(name.clone(), receiver);
                }
                continue;
            }
            let by_name = call.and_then(|c| c.args.iter().find(|a| a.name.as_deref() == Some(name.as_str())));
            if let Some(arg) = by_name {
                bound.insert(name.clone(), arg.val.clone());
            } else if let Some(arg) = positional.next() {
                bound.insert(name.clone(), arg.val);
            }
        }
        let locals = self.locals_of(module, def);
        let param_names = params.into_iter().map(|(name, _, _)| name).collect();
        Frame {
            module,
            func: def,
            locals,
            params: bound,
            defaults,
            param_names,
            memo: Default::default(),
            parent: None,
        }
    }

    /// The value of a function's only `return` statement (cached per function).
    pub fn single_return(&self, def: Node<'t>) -> Option<Node<'t>> {
        if let Some(cached) = self.returns.borrow().get(&def.id()) {
            return *cached;
        }
        let found = field(def, "body").and_then(|body| match return_values(body).as_slice() {
            [Some(value)] => Some(*value),
            _ => None,
        });
        self.returns.borrow_mut().insert(def.id(), found);
        found
    }

    /// The local bindings of a function body (cached per function).
    fn locals_of(&self, module: ModId, def: Node<'t>) -> Rc<super::modules::Symbols<'t>> {
        if let Some(cached) = self.locals.borrow().get(&def.id()) {
            return cached.clone();
        }
        let symbols =
            Rc::new(field(def, "body").map(|b| collect_symbols(b, self.source(module), &[])).unwrap_or_default());
        self.locals.borrow_mut().insert(def.id(), symbols.clone());
        symbols
    }

    /// Fuel: each evaluation step costs one; a statement gets a fresh tank.
    fn burn(&self) -> bool {
        let (left, total) = (self.fuel.get(), self.total_fuel.get());
        if left == 0 || total == 0 {
            return false;
        }
        self.fuel.set(left - 1);
        self.total_fuel.set(total - 1);
        true
    }

    pub fn refuel(&self) {
        self.fuel.set(20_000);
    }
}

fn merge<'t>(into: &mut DictV<'t>, from: DictV<'t>) {
    into.unknown |= from.unknown;
    for (name, val, at) in from.entries {
        into.entries.retain(|(n, _, _)| *n != name);
        into.entries.push((name, val, at));
    }
}

/// The values of the `return` statements of a function body (nested functions excluded).
pub fn return_values(body: Node<'_>) -> Vec<Option<Node<'_>>> {
    let mut out = Vec::new();
    super::syntax::visit(body, MAX_DEPTH, &mut |n| {
        if n.kind() == "return_statement" {
            out.push(children(n).first().copied());
            return false;
        }
        !matches!(n.kind(), "function_definition" | "class_definition" | "lambda")
    });
    out
}
