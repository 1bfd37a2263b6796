//! Middleware classification and what an OPTIONS preflight meets inside project middleware.
//!
//! The preflight is simulated through the function body: method `OPTIONS`, only the headers a
//! browser puts on a preflight (no `Authorization`, no cookies, no custom headers). A `return` or
//! `raise` reachable before `call_next` (or `self.app` in pure ASGI middleware) is where the
//! middleware answers the preflight itself.

use super::Ctx;
use super::modules::ModId;
use super::syntax::{MAX_DEPTH, Piece, children, contains, field, string_literal, text, unparen};
use super::value::{Arg, V, Val, parameters};
use crate::model::Value;
use crate::model::fastapi::{AuthBackend, CustomMiddleware, MiddlewareKind};
use crate::source::{Span, Spanned};
use std::collections::HashMap;
use tree_sitter::Node;

/// Headers a browser's preflight carries (lower case); `None` for headers a proxy may add.
fn preflight_has_header(name: &str) -> Option<bool> {
    let name = name.to_ascii_lowercase();
    const PRESENT: &[&str] = &[
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "accept-language",
        "connection",
        "referer",
        "sec-fetch-mode",
        "sec-fetch-site",
        "sec-fetch-dest",
    ];
    if PRESENT.contains(&name.as_str()) {
        Some(true)
    } else if name.starts_with("x-forwarded-") || matches!(name.as_str(), "x-real-ip" | "forwarded" | "via") {
        None
    } else {
        Some(false)
    }
}

/// The last component of a dotted path when it comes from Starlette or FastAPI (or an unresolved name).
pub fn starlette_name(path: &str) -> Option<&str> {
    let (first, _) = path.split_once('.')?;
    matches!(first, "starlette" | "fastapi" | "?").then(|| path.rsplit('.').next()).flatten()
}

impl<'t> Ctx<'t> {
    /// What a middleware class (or dispatch function) is, from its class value and options.
    pub fn classify_middleware(&self, class: &Val<'t>, options: &[Arg<'t>]) -> MiddlewareKind {
        match &class.v {
            V::Path(path) => match starlette_name(path) {
                Some("GZipMiddleware" | "SessionMiddleware" | "WSGIMiddleware") => MiddlewareKind::PassThrough,
                Some("HTTPSRedirectMiddleware") => MiddlewareKind::HttpsRedirect,
                Some("TrustedHostMiddleware") => {
                    let hosts = options.iter().find(|a| a.name.as_deref() == Some("allowed_hosts"));
                    let hosts = hosts.or_else(|| options.iter().find(|a| a.name.is_none()));
                    let allowed_hosts = match hosts.map(|a| &a.val.v) {
                        Some(V::Seq(seq)) if !seq.unknown => seq
                            .items
                            .iter()
                            .map(|i| i.str().map(|s| Spanned::new(s.to_string(), i.span)))
                            .collect::<Option<Vec<_>>>()
                            .map_or(Value::Unknown, Value::Known),
                        // Starlette's default is `["*"]`.
                        None => Value::Known(vec![Spanned::new("*".to_string(), class.span)]),
                        _ => Value::Unknown,
                    };
                    MiddlewareKind::TrustedHost { allowed_hosts }
                }
                Some("AuthenticationMiddleware") => {
                    let backend = options.iter().find(|a| a.name.as_deref() == Some("backend"));
                    let backend = backend.or_else(|| options.iter().find(|a| a.name.is_none()));
                    let backend = match backend.map(|a| &a.val.v) {
                        Some(V::Instance(module, class, _)) => self.auth_backend(*module, *class),
                        _ => None,
                    };
                    MiddlewareKind::Authentication { backend }
                }
                Some("BaseHTTPMiddleware") => {
                    let dispatch = options.iter().find(|a| a.name.as_deref() == Some("dispatch"));
                    match dispatch.map(|a| &a.val.v) {
                        Some(V::Func(module, def)) => {
                            MiddlewareKind::Custom(self.dispatch_function(*module, *def, false))
                        }
                        _ => MiddlewareKind::Unknown,
                    }
                }
                _ => MiddlewareKind::Unknown,
            },
            V::Class(module, class) => self.project_middleware(*module, *class),
            _ => MiddlewareKind::Unknown,
        }
    }

    fn project_middleware(&self, module: ModId, class: Node<'t>) -> MiddlewareKind {
        if let Some((m, dispatch)) = self.find_method(module, class, "dispatch") {
            return MiddlewareKind::Custom(self.dispatch_function(m, dispatch, true));
        }
        let Some((m, call)) = self.find_method(module, class, "__call__") else { return MiddlewareKind::Unknown };
        // Pure ASGI: the next app is the attribute `__init__` stores its `app` parameter in.
        let mut attr = "app".to_string();
        if let Some((im, init)) = self.find_method(module, class, "__init__") {
            let source = self.modules.get(im).map_or("", |x| x.text);
            if let Some((param, _, _)) = parameters(init, source).get(1) {
                super::syntax::visit(init, MAX_DEPTH, &mut |n| {
                    if n.kind() == "assignment" {
                        let (Some(left), Some(right)) = (field(n, "left"), field(n, "right")) else { return false };
                        if left.kind() == "attribute"
                            && text(right, source) == param
                            && let Some(a) = field(left, "attribute")
                        {
                            attr = text(a, source).to_string();
                        }
                        return false;
                    }
                    true
                });
            }
        }
        let source = self.modules.get(m).map_or("", |x| x.text);
        let mut sim = Sim::new(self, m, Next::SelfAttr(attr), Mode::Dispatch { asgi: true }, source);
        let exit = field(call, "body").and_then(|b| sim.block(b, 0).exit());
        MiddlewareKind::Custom(CustomMiddleware {
            definition: self.span_in(m, class),
            preflight_exit: exit,
            options_check: sim.options_check,
            gate_headers: sim.gate_headers,
        })
    }

    /// A dispatch function `(request, call_next)` or method `(self, request, call_next)`.
    pub fn dispatch_function(&self, module: ModId, def: Node<'t>, method: bool) -> CustomMiddleware {
        let source = self.modules.get(module).map_or("", |m| m.text);
        let params = parameters(def, source);
        let next = params.get(if method { 2 } else { 1 }).map_or("call_next".to_string(), |(n, _, _)| n.clone());
        let mut sim = Sim::new(self, module, Next::Param(next), Mode::Dispatch { asgi: false }, source);
        let exit = field(def, "body").and_then(|b| sim.block(b, 0).exit());
        CustomMiddleware {
            definition: self.span_in(module, def),
            preflight_exit: exit,
            options_check: sim.options_check,
            gate_headers: sim.gate_headers,
        }
    }

    fn auth_backend(&self, module: ModId, class: Node<'t>) -> Option<AuthBackend> {
        let (m, def) = self.find_method(module, class, "authenticate")?;
        let source = self.modules.get(m).map_or("", |x| x.text);
        let mut sim = Sim::new(self, m, Next::Nothing, Mode::Authenticate, source);
        let raises = field(def, "body").and_then(|b| sim.block(b, 0).exit());
        let mut reads_headers = Vec::new();
        super::syntax::visit(def, MAX_DEPTH, &mut |n| {
            if let Some((name, at)) = header_read(n, source) {
                reads_headers.push(Spanned::new(name, self.span_in(m, at)));
            }
            true
        });
        Some(AuthBackend { definition: self.span_in(module, class), raises_without_credentials: raises, reads_headers })
    }
}

/// `x.headers.get("Name")`, `x.headers["Name"]`, `"Name" in x.headers`: the header name and its node.
pub fn header_read<'t>(node: Node<'t>, source: &str) -> Option<(String, Node<'t>)> {
    let literal = |n: Node<'t>| -> Option<String> {
        let lit = string_literal(n, source)?;
        match lit.pieces.as_slice() {
            [Piece::Text(t)] => Some(t.clone()),
            _ => None,
        }
    };
    match node.kind() {
        "call" => {
            let function = field(node, "function")?;
            let object = field(function, "object")?;
            if field(function, "attribute").map(|a| text(a, source)) != Some("get") || !is_headers(object, source) {
                return None;
            }
            let first = children(field(node, "arguments")?).into_iter().next()?;
            Some((literal(first)?, first))
        }
        "subscript" => {
            if !is_headers(field(node, "value")?, source) {
                return None;
            }
            let key = field(node, "subscript")?;
            Some((literal(key)?, key))
        }
        "comparison_operator" => {
            let kids = children(node);
            let [left, right] = kids.as_slice() else { return None };
            is_headers(*right, source).then_some(())?;
            Some((literal(*left)?, *left))
        }
        _ => None,
    }
}

fn is_headers(node: Node<'_>, source: &str) -> bool {
    let node = unparen(node);
    node.kind() == "attribute" && field(node, "attribute").is_some_and(|a| text(a, source) == "headers")
}

fn is_cookies(node: Node<'_>, source: &str) -> bool {
    let node = unparen(node);
    node.kind() == "attribute" && field(node, "attribute").is_some_and(|a| text(a, source) == "cookies")
}

enum Next {
    /// `call_next` (its parameter name).
    Param(String),
    /// `self.app` in pure ASGI middleware.
    SelfAttr(String),
    /// Authentication backends pass nothing on.
    Nothing,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A middleware: any `return` without `call_next` answers the request.
    Dispatch { asgi: bool },
    /// An authentication backend: `return` (None or credentials) lets the request in; `raise` fails it.
    Authenticate,
}

enum Out {
    /// The path goes on.
    Continue,
    /// The preflight reaches the next app (or leaves harmlessly).
    Done,
    /// The preflight is answered here.
    Exit(Span),
}

impl Out {
    fn exit(self) -> Option<Span> {
        match self {
            Out::Exit(span) => Some(span),
            _ => None,
        }
    }
}

/// Simulated preflight through a function body.
struct Sim<'c, 't> {
    ctx: &'c Ctx<'t>,
    module: ModId,
    next: Next,
    mode: Mode,
    source: &'t str,
    /// Variables holding a header the preflight does not have: `true` when the value is `None`.
    absent: HashMap<String, bool>,
    /// Variables assigned from a header read: the header and where it is read.
    header_vars: HashMap<String, (String, Span)>,
    options_check: Option<Span>,
    gate_headers: Vec<Spanned<String>>,
}

impl<'c, 't> Sim<'c, 't> {
    fn new(ctx: &'c Ctx<'t>, module: ModId, next: Next, mode: Mode, source: &'t str) -> Self {
        Sim {
            ctx,
            module,
            next,
            mode,
            source,
            absent: HashMap::new(),
            header_vars: HashMap::new(),
            options_check: None,
            gate_headers: Vec::new(),
        }
    }

    fn span(&self, node: Node<'_>) -> Span {
        self.ctx.span_in(self.module, node)
    }

    fn calls_next(&self, node: Node<'t>) -> bool {
        let source = self.source;
        match &self.next {
            Next::Param(name) => contains(node, &|n| n.kind() == "identifier" && text(n, source) == name),
            Next::SelfAttr(attr) => contains(node, &|n| {
                n.kind() == "attribute"
                    && field(n, "object").is_some_and(|o| text(o, source) == "self")
                    && field(n, "attribute").is_some_and(|a| text(a, source) == attr)
            }),
            Next::Nothing => false,
        }
    }

    /// A `request.headers["X"]` for a header the preflight lacks: a `KeyError`.
    fn failing_subscript(&self, node: Node<'t>) -> Option<Span> {
        let mut found = None;
        super::syntax::visit(node, MAX_DEPTH, &mut |n| {
            if found.is_some() {
                return false;
            }
            if n.kind() == "subscript"
                && let Some((name, _)) = header_read(n, self.source)
                && preflight_has_header(&name) == Some(false)
            {
                found = Some(self.span(n));
                return false;
            }
            !matches!(n.kind(), "function_definition" | "lambda" | "class_definition")
        });
        found
    }

    fn block(&mut self, block: Node<'t>, depth: usize) -> Out {
        if depth > MAX_DEPTH {
            return Out::Done;
        }
        for stmt in children(block) {
            match self.statement(stmt, depth) {
                Out::Continue => {}
                other => return other,
            }
        }
        Out::Continue
    }

    fn statement(&mut self, stmt: Node<'t>, depth: usize) -> Out {
        match stmt.kind() {
            "return_statement" => {
                if self.calls_next(stmt) {
                    return Out::Done;
                }
                if let Some(at) = self.failing_subscript(stmt) {
                    return Out::Exit(at);
                }
                match self.mode {
                    Mode::Dispatch { .. } => Out::Exit(self.span(stmt)),
                    Mode::Authenticate => Out::Done,
                }
            }
            "raise_statement" => Out::Exit(self.span(stmt)),
            "expression_statement" => {
                if let Some(at) = self.failing_subscript(stmt)
                    && !self.calls_next(stmt)
                {
                    return Out::Exit(at);
                }
                if self.calls_next(stmt) {
                    return Out::Done;
                }
                for expr in children(stmt) {
                    self.track_assignment(expr);
                }
                Out::Continue
            }
            "if_statement" => self.if_statement(stmt, depth),
            "try_statement" => {
                let kids = children(stmt);
                let Some(body) = field(stmt, "body") else { return Out::Continue };
                let first_calls_next = children(body).first().is_some_and(|s| self.calls_next(*s));
                match self.block(body, depth + 1) {
                    Out::Exit(at) => return Out::Exit(at),
                    Out::Done if first_calls_next => return Out::Done,
                    _ => {}
                }
                // An exception before `call_next` runs a handler: it may answer the request.
                for handler in kids.iter().filter(|k| matches!(k.kind(), "except_clause" | "except_group_clause")) {
                    if let Some(block) = children(*handler).into_iter().find(|c| c.kind() == "block")
                        && let Out::Exit(at) = self.block(block, depth + 1)
                    {
                        return Out::Exit(at);
                    }
                }
                for clause in kids.iter().filter(|k| matches!(k.kind(), "else_clause" | "finally_clause")) {
                    if let Some(block) = children(*clause).into_iter().find(|c| c.kind() == "block") {
                        match self.block(block, depth + 1) {
                            Out::Continue => {}
                            other => return other,
                        }
                    }
                }
                if self.calls_next(body) { Out::Done } else { Out::Continue }
            }
            "with_statement" => match field(stmt, "body") {
                Some(body) => self.block(body, depth + 1),
                None => Out::Continue,
            },
            "for_statement" | "while_statement" => {
                // The body may run or not.
                match field(stmt, "body").map(|b| self.block(b, depth + 1)) {
                    Some(Out::Exit(at)) => Out::Exit(at),
                    _ => Out::Continue,
                }
            }
            "match_statement" => {
                let mut cases = Vec::new();
                super::syntax::visit(stmt, 3, &mut |n| {
                    if n.kind() == "case_clause" {
                        cases.push(n);
                        return false;
                    }
                    true
                });
                for case in cases {
                    if let Some(block) = children(case).into_iter().find(|c| c.kind() == "block")
                        && let Out::Exit(at) = self.block(block, depth + 1)
                    {
                        return Out::Exit(at);
                    }
                }
                Out::Continue
            }
            _ => Out::Continue,
        }
    }

    fn if_statement(&mut self, stmt: Node<'t>, depth: usize) -> Out {
        let mut branches: Vec<(Option<Node<'t>>, Node<'t>)> = Vec::new();
        if let (Some(condition), Some(body)) = (field(stmt, "condition"), field(stmt, "consequence")) {
            branches.push((Some(condition), body));
        }
        for clause in children(stmt) {
            match clause.kind() {
                "elif_clause" => {
                    if let (Some(condition), Some(body)) = (field(clause, "condition"), field(clause, "consequence")) {
                        branches.push((Some(condition), body));
                    }
                }
                "else_clause" => {
                    if let Some(body) = field(clause, "body") {
                        branches.push((None, body));
                    }
                }
                _ => {}
            }
        }
        let mut all_done = true;
        let mut has_else = false;
        for (condition, _) in &branches {
            if let Some(c) = condition {
                self.note_gate_headers(*c);
            }
        }
        for (condition, body) in branches {
            let truth = match condition {
                Some(c) => self.condition(c, 0),
                None => {
                    has_else = true;
                    Some(true)
                }
            };
            if truth == Some(false) {
                // `if request.method != "OPTIONS": ...`: the preflight skips this branch.
                if let Some(c) = condition {
                    self.note_options_check(c);
                }
                continue;
            }
            let out = self.block(body, depth + 1);
            if let (Some(true), Some(c), Out::Done) = (truth, condition, &out) {
                self.note_options_check(c);
            }
            match (out, truth) {
                (Out::Exit(at), _) => return Out::Exit(at),
                (out, Some(true)) => return out,
                (Out::Continue, None) => all_done = false,
                (Out::Done, _) | (Out::Continue, Some(false)) => {}
            }
        }
        if all_done && has_else { Out::Done } else { Out::Continue }
    }

    /// Headers a condition tests, directly or through a variable assigned from a header read.
    fn note_gate_headers(&mut self, condition: Node<'t>) {
        let mut found = Vec::new();
        super::syntax::visit(condition, MAX_DEPTH, &mut |n| {
            if let Some((name, at)) = header_read(n, self.source) {
                found.push(Spanned::new(name, self.span(at)));
                return false;
            }
            if let Some((name, at)) = self.header_vars.get(text(n, self.source)).filter(|_| n.kind() == "identifier") {
                found.push(Spanned::new(name.clone(), *at));
            }
            true
        });
        for header in found {
            if !self.gate_headers.iter().any(|h| h.value.eq_ignore_ascii_case(&header.value)) {
                self.gate_headers.push(header);
            }
        }
    }

    fn note_options_check(&mut self, condition: Node<'_>) {
        if self.options_check.is_none() && self.mentions_options(condition) {
            self.options_check = Some(self.span(condition));
        }
    }

    fn mentions_options(&self, node: Node<'_>) -> bool {
        text(node, self.source).to_ascii_uppercase().contains("OPTIONS")
    }

    /// `x = request.headers.get("authorization")` and similar: remember what the preflight leaves empty.
    fn track_assignment(&mut self, expr: Node<'t>) {
        if expr.kind() != "assignment" {
            return;
        }
        let (Some(left), Some(right)) = (field(expr, "left"), field(expr, "right")) else { return };
        if left.kind() != "identifier" {
            return;
        }
        let name = text(left, self.source).to_string();
        let mut read = None;
        super::syntax::visit(right, 6, &mut |n| {
            if let Some((header, at)) = header_read(n, self.source).filter(|_| read.is_none()) {
                read = Some((header, self.span(at)));
            }
            read.is_none()
        });
        match read {
            Some(read) => {
                self.header_vars.insert(name.clone(), read);
            }
            None => {
                self.header_vars.remove(&name);
            }
        }
        match self.absent_value(unparen(right)) {
            Some(is_none) => {
                self.absent.insert(name, is_none);
            }
            None => {
                self.absent.remove(&name);
            }
        }
    }

    /// Whether the expression is a header or cookie the preflight lacks: `Some(true)` when `None`,
    /// `Some(false)` when an empty default is given.
    fn absent_value(&self, node: Node<'t>) -> Option<bool> {
        if node.kind() != "call" {
            return None;
        }
        let function = field(node, "function")?;
        if field(function, "attribute").map(|a| text(a, self.source)) != Some("get") {
            return None;
        }
        let object = field(function, "object")?;
        let args = children(field(node, "arguments")?);
        let has_default = args.len() > 1;
        if is_cookies(object, self.source) {
            return Some(!has_default);
        }
        let (name, _) = header_read(node, self.source)?;
        (preflight_has_header(&name) == Some(false)).then_some(!has_default)
    }

    /// The truth of a condition for the preflight, when it is known.
    fn condition(&self, node: Node<'t>, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparen(node);
        match node.kind() {
            "not_operator" => field(node, "argument").and_then(|a| self.condition(a, depth + 1)).map(|b| !b),
            "boolean_operator" => {
                let left = field(node, "left").and_then(|l| self.condition(l, depth + 1));
                let right = field(node, "right").and_then(|r| self.condition(r, depth + 1));
                let is_and = field(node, "operator").is_some_and(|o| text(o, self.source) == "and");
                match (is_and, left, right) {
                    (true, Some(false), _) | (true, _, Some(false)) => Some(false),
                    (true, Some(true), Some(true)) => Some(true),
                    (false, Some(true), _) | (false, _, Some(true)) => Some(true),
                    (false, Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            }
            "identifier" => self.absent.get(text(node, self.source)).map(|_| false),
            "call" => self.absent_value(node).map(|_| false),
            "comparison_operator" => self.comparison(node),
            _ => None,
        }
    }

    fn comparison(&self, node: Node<'t>) -> Option<bool> {
        let operands = children(node);
        let [left, right] = operands.as_slice() else { return None };
        let mut cursor = node.walk();
        let operator = node.children(&mut cursor).find(|c| !c.is_named()).map(|c| c.kind().to_string())?;
        let (left, right) = (self.operand(*left), self.operand(*right));
        let negate = matches!(operator.as_str(), "!=" | "not in" | "is not");
        let result = match (operator.as_str(), left, right) {
            ("==" | "!=", Operand::Method, Operand::Strs(s)) | ("==" | "!=", Operand::Strs(s), Operand::Method) => {
                Some(s.iter().any(|m| m.eq_ignore_ascii_case("OPTIONS")) && s.len() == 1)
            }
            ("==" | "!=", Operand::ScopeType, Operand::Strs(s)) => Some(s == ["http"]),
            ("in" | "not in", Operand::Method, Operand::Strs(s)) => {
                Some(s.iter().any(|m| m.eq_ignore_ascii_case("OPTIONS")))
            }
            ("in" | "not in", Operand::ScopeType, Operand::Strs(s)) => Some(s.iter().any(|t| t == "http")),
            ("in" | "not in", Operand::Strs(s), Operand::Headers) => match s.as_slice() {
                [name] => preflight_has_header(name),
                _ => None,
            },
            ("in" | "not in", Operand::Strs(_), Operand::Cookies) => Some(false),
            ("is" | "is not", Operand::Absent(is_none), Operand::NoneLit) => Some(is_none),
            ("==" | "!=", Operand::Absent(is_none), Operand::Strs(s)) => Some(!is_none && s == [""]),
            _ => None,
        };
        result.map(|r| r != negate)
    }

    fn operand(&self, node: Node<'t>) -> Operand {
        let node = unparen(node);
        let source = self.source;
        match node.kind() {
            "attribute" if field(node, "attribute").is_some_and(|a| text(a, source) == "method") => Operand::Method,
            "call" => {
                // `request.method.upper()`
                let inner = field(node, "function").and_then(|f| field(f, "object"));
                if inner.is_some_and(|i| {
                    i.kind() == "attribute" && field(i, "attribute").is_some_and(|a| text(a, source) == "method")
                }) {
                    return Operand::Method;
                }
                match self.absent_value(node) {
                    Some(is_none) => Operand::Absent(is_none),
                    None => Operand::Other,
                }
            }
            "subscript" => match field(node, "subscript").map(|s| text(s, source).trim_matches(['"', '\''])) {
                Some("method") => Operand::Method,
                Some("type") => Operand::ScopeType,
                _ => Operand::Other,
            },
            "identifier" => match self.absent.get(text(node, source)) {
                Some(is_none) => Operand::Absent(*is_none),
                None => Operand::Other,
            },
            "none" => Operand::NoneLit,
            "string" | "concatenated_string" => match string_literal(node, source).map(|l| l.pieces) {
                Some(pieces) => match pieces.as_slice() {
                    [Piece::Text(t)] => Operand::Strs(vec![t.clone()]),
                    [] => Operand::Strs(vec![String::new()]),
                    _ => Operand::Other,
                },
                None => Operand::Other,
            },
            "tuple" | "list" | "set" => {
                let mut items = Vec::new();
                for item in children(node) {
                    match self.operand(item) {
                        Operand::Strs(s) => items.extend(s),
                        _ => return Operand::Other,
                    }
                }
                Operand::Strs(items)
            }
            _ if is_headers(node, source) => Operand::Headers,
            _ if is_cookies(node, source) => Operand::Cookies,
            _ => Operand::Other,
        }
    }
}

enum Operand {
    Method,
    ScopeType,
    Strs(Vec<String>),
    Headers,
    Cookies,
    Absent(bool),
    NoneLit,
    Other,
}
