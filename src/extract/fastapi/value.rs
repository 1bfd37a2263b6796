//! Static evaluation of Python expressions: literals, names (local, module-level, imported from
//! other project modules), `**kwargs` dicts, list concatenation, simple comprehensions, string
//! methods, `os.getenv`, and calls of small project functions. Everything else is `Unknown`.

use super::Ctx;
use super::modules::ModId;
use super::syntax::{MAX_DEPTH, children, field, span, text};
use crate::source::Span;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

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

/// A list, tuple or set. The items are shared: a constant read in many places is one copy.
#[derive(Clone, Debug)]
pub struct SeqV<'t> {
    pub kind: SeqKind,
    pub items: Rc<Vec<Val<'t>>>,
    /// Some items are not known (a `*splat`, an unknown concatenation, a list from the environment).
    pub unknown: bool,
}

impl<'t> SeqV<'t> {
    pub fn new(kind: SeqKind, items: Vec<Val<'t>>, unknown: bool) -> Self {
        SeqV { kind, items: Rc::new(items), unknown }
    }

    /// The items to change (copied first when shared).
    pub fn items_mut(&mut self) -> &mut Vec<Val<'t>> {
        Rc::make_mut(&mut self.items)
    }
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

    pub(super) fn with(&self, name: String, val: Val<'t>) -> Self {
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
pub(super) const BUILTINS: &[&str] =
    &["str", "list", "tuple", "set", "frozenset", "dict", "sorted", "bool", "int", "float"];

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
    pub(super) fn truthy(&self) -> Option<bool> {
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
    pub(super) fn source(&self, module: ModId) -> &'t str {
        self.modules.get(module).map_or("", |m| m.text)
    }

    pub(super) fn file_of(&self, module: ModId) -> usize {
        self.modules.get(module).map_or(0, |m| m.file)
    }

    pub fn span_in(&self, module: ModId, node: Node<'_>) -> Span {
        span(self.file_of(module), node)
    }
}

pub(super) fn merge<'t>(into: &mut DictV<'t>, from: DictV<'t>) {
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
