//! Expressions: literals, strings (f-strings too), containers, subscripts, comparisons, `+`/`|`,
//! comprehensions, conditional and boolean expressions.

use super::Ctx;
use super::syntax::{MAX_DEPTH, Piece, children, field, string_literal, text, unparen};
use super::value::{DictV, Scope, SeqKind, SeqV, StrV, V, Val, merge};
use tree_sitter::Node;

impl<'t> Ctx<'t> {
    /// Evaluates an expression. Bounded by depth and by the fuel of the current statement.
    pub fn eval(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        let at = self.span_in(scope.module, node);
        if depth > MAX_DEPTH {
            self.too_deep();
            return Val::unknown(at);
        }
        if !self.burn() {
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
                self.grant_literal(at.file, node);
                let kind = match node.kind() {
                    "list" => SeqKind::List,
                    "set" => SeqKind::Set,
                    _ => SeqKind::Tuple,
                };
                V::Seq(self.eval_items(node, kind, scope, depth))
            }
            "dictionary" => {
                self.grant_literal(at.file, node);
                V::Dict(self.eval_dict(node, scope, depth))
            }
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

    pub(super) fn eval_string(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
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

    pub(super) fn eval_items(&self, node: Node<'t>, kind: SeqKind, scope: &Scope<'t>, depth: usize) -> SeqV<'t> {
        let mut seq = SeqV::new(kind, Vec::new(), false);
        for item in children(node) {
            if item.kind() == "list_splat" {
                match children(item).first().map(|inner| self.eval(*inner, scope, depth + 1).v) {
                    Some(V::Seq(inner)) if self.burn_items(seq.items.len() + inner.items.len()) => {
                        seq.unknown |= inner.unknown;
                        seq.items_mut().extend(inner.items.iter().cloned());
                    }
                    _ => seq.unknown = true,
                }
            } else {
                let item = self.eval(item, scope, depth + 1);
                seq.items_mut().push(item);
            }
        }
        seq
    }

    pub(super) fn eval_dict(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> DictV<'t> {
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

    pub(super) fn eval_subscript(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
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
    pub(super) fn eval_comparison(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
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

    /// `a + b`, `a | b`. A chain of one operator (`A + B + C`, a long `X | Y | Z` type union) is
    /// folded left to right at one nesting level, however long it is.
    pub(super) fn eval_binary(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
        let source = self.source(scope.module);
        let operator = |n: Node<'t>| field(n, "operator").map(|o| text(o, source));
        let Some(op) = operator(node) else { return V::Unknown };
        let mut operands = Vec::new();
        let mut spine = node;
        while spine.kind() == "binary_operator" && operator(spine) == Some(op) {
            let (Some(left), Some(right)) = (field(spine, "left"), field(spine, "right")) else { return V::Unknown };
            operands.push(right);
            spine = unparen(left);
        }
        operands.push(spine);
        let mut operands = operands.into_iter().rev();
        let Some(first) = operands.next() else { return V::Unknown };
        let mut acc = self.eval(first, scope, depth + 1).v;
        for operand in operands {
            if !self.burn() {
                return V::Unknown;
            }
            let right = self.eval(operand, scope, depth + 1).v;
            acc = self.combine(op, acc, right);
        }
        acc
    }

    fn combine(&self, op: &str, left: V<'t>, right: V<'t>) -> V<'t> {
        match (op, left, right) {
            ("+", V::Seq(mut a), V::Seq(b)) if self.burn_items(a.items.len() + b.items.len()) => {
                a.unknown |= b.unknown;
                a.items_mut().extend(b.items.iter().cloned());
                V::Seq(a)
            }
            ("+", V::Str(a), V::Str(b)) => V::Str(StrV { value: a.value + &b.value, ..StrV::default() }),
            ("+", V::EnvStr, V::Str(_) | V::EnvStr) | ("+", V::Str(_), V::EnvStr) => V::EnvStr,
            ("|", V::Dict(mut a), V::Dict(b)) => {
                merge(&mut a, b);
                V::Dict(a)
            }
            ("|", V::Seq(mut a), V::Seq(b))
                if a.kind == SeqKind::Set && self.burn_items(a.items.len() + b.items.len()) =>
            {
                a.unknown |= b.unknown;
                a.items_mut().extend(b.items.iter().cloned());
                V::Seq(a)
            }
            _ => V::Unknown,
        }
    }

    /// `[expr for x in known if cond]`, one `for`, conditions that evaluate to known truth values.
    pub(super) fn eval_comprehension(&self, node: Node<'t>, scope: &Scope<'t>, depth: usize) -> V<'t> {
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
        let mut out = SeqV::new(kind, Vec::new(), source.unknown);
        for item in source.items.iter().cloned() {
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
                Some(true) => {
                    let item = self.eval(body, &inner, depth + 1);
                    out.items_mut().push(item);
                }
                Some(false) => {}
                None => out.unknown = true,
            }
        }
        V::Seq(out)
    }
}
