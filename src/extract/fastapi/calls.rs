//! Calls: builtins (`str`, `list`, `dict`), `os.getenv`, string methods, app and router
//! constructors, project classes, and project functions whose body is a single `return`.

use super::Ctx;
use super::modules::{ModId, collect_symbols};
use super::syntax::{MAX_DEPTH, children, field, text};
use super::value::{Arg, CallV, DictV, Frame, Scope, SeqKind, SeqV, StrV, V, Val, merge, parameters, return_values};
use crate::source::Span;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

impl<'t> Ctx<'t> {
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

    pub(super) fn eval_arguments(&self, node: Node<'t>, callee: Val<'t>, scope: &Scope<'t>, depth: usize) -> CallV<'t> {
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
                        for val in seq.items.iter().cloned() {
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
                        None => V::Seq(SeqV::new(kind, Vec::new(), false)),
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

    pub(super) fn str_of_at(&self, val: Val<'t>, call_span: Span) -> Val<'t> {
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

    pub(super) fn call_method(&self, receiver: &Val<'t>, name: &str, call: &CallV<'t>, depth: usize) -> Val<'t> {
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
                V::Seq(SeqV::new(SeqKind::List, items, false))
            }
            (V::EnvStr, "split") => V::Seq(SeqV::new(SeqKind::List, Vec::new(), true)),
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
    pub(super) fn locals_of(&self, module: ModId, def: Node<'t>) -> Rc<super::modules::Symbols<'t>> {
        if let Some(cached) = self.locals.borrow().get(&def.id()) {
            return cached.clone();
        }
        let symbols =
            Rc::new(field(def, "body").map(|b| collect_symbols(b, self.source(module), &[])).unwrap_or_default());
        self.locals.borrow_mut().insert(def.id(), symbols.clone());
        symbols
    }
}
