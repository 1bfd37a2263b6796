//! What an OPTIONS preflight meets inside a project middleware or authentication backend: the
//! function body is walked with the request a browser sends for a preflight (method `OPTIONS`, no
//! credentials, no custom headers). A `return` or `raise` reached before `call_next` (or `self.app`
//! in pure ASGI middleware) is where the middleware answers the preflight itself.

use super::Ctx;
use super::conditions::{header_read, preflight_has_header};
use super::modules::ModId;
use super::syntax::{MAX_DEPTH, children, contains, field, text};
use crate::source::{Span, Spanned};
use std::collections::HashMap;
use tree_sitter::Node;

pub(super) enum Next {
    /// `call_next` (its parameter name).
    Param(String),
    /// `self.app` in pure ASGI middleware.
    SelfAttr(String),
    /// Authentication backends pass nothing on.
    Nothing,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A middleware: any `return` without `call_next` answers the request.
    Dispatch { asgi: bool },
    /// An authentication backend: `return` (None or credentials) lets the request in; `raise` fails it.
    Authenticate,
}

pub(super) enum Out {
    /// The path goes on.
    Continue,
    /// The preflight reaches the next app (or leaves harmlessly).
    Done,
    /// The preflight is answered here.
    Exit(Span),
}

impl Out {
    pub(super) fn exit(self) -> Option<Span> {
        match self {
            Out::Exit(span) => Some(span),
            _ => None,
        }
    }
}

/// Simulated preflight through a function body.
pub(super) struct Sim<'c, 't> {
    pub(super) ctx: &'c Ctx<'t>,
    pub(super) module: ModId,
    pub(super) next: Next,
    pub(super) mode: Mode,
    pub(super) source: &'t str,
    /// Variables holding a header the preflight does not have: `true` when the value is `None`.
    pub(super) absent: HashMap<String, bool>,
    /// Variables holding a condition whose truth for the preflight is known
    /// (`guarded = request.method != "OPTIONS" and ...`), with the expression assigned.
    pub(super) known_conditions: HashMap<String, (bool, Node<'t>)>,
    /// Variables assigned from a header read: the header and where it is read.
    pub(super) header_vars: HashMap<String, (String, Span)>,
    /// Variables assigned from the request's URL (`path = request.url.path`).
    pub(super) url_vars: std::collections::HashSet<String>,
    pub(super) options_check: Option<Span>,
    pub(super) gate_headers: Vec<Spanned<String>>,
}

impl<'c, 't> Sim<'c, 't> {
    pub(super) fn new(ctx: &'c Ctx<'t>, module: ModId, next: Next, mode: Mode, source: &'t str) -> Self {
        Sim {
            ctx,
            module,
            next,
            mode,
            source,
            absent: HashMap::new(),
            known_conditions: HashMap::new(),
            header_vars: HashMap::new(),
            url_vars: std::collections::HashSet::new(),
            options_check: None,
            gate_headers: Vec::new(),
        }
    }

    pub(super) fn span(&self, node: Node<'_>) -> Span {
        self.ctx.span_in(self.module, node)
    }

    pub(super) fn calls_next(&self, node: Node<'t>) -> bool {
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
    pub(super) fn failing_subscript(&self, node: Node<'t>) -> Option<Span> {
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

    pub(super) fn block(&mut self, block: Node<'t>, depth: usize) -> Out {
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

    pub(super) fn statement(&mut self, stmt: Node<'t>, depth: usize) -> Out {
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

    pub(super) fn if_statement(&mut self, stmt: Node<'t>, depth: usize) -> Out {
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
            if let (None, Some(c), Out::Exit(_)) = (truth, condition, &out)
                && self.same_for_the_actual_request(c)
            {
                // `if not request.url.path.startswith(PREFIX): return 404`: the actual request to
                // that URL meets the same answer, so this is not the preflight being turned away.
                continue;
            }
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
    pub(super) fn note_gate_headers(&mut self, condition: Node<'t>) {
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

    /// Whether a condition reads only what a preflight shares with the actual request it precedes
    /// (the URL: path, query, host, scheme, client) and constants: then it is true for both or for
    /// neither. Headers, cookies, the method, state, or a call that is not a string or `re` test
    /// make it preflight-specific (or unknown).
    pub(super) fn same_for_the_actual_request(&self, condition: Node<'t>) -> bool {
        const URL_PARTS: &[&str] =
            &["url", "path", "base_url", "query_params", "path_params", "client", "hostname", "scheme", "port"];
        const URL_KEYS: &[&str] = &["path", "root_path", "raw_path", "query_string"];
        const PREFLIGHT_SPECIFIC: &[&str] = &["headers", "cookies", "method", "state", "user", "auth", "session"];
        const PURE_CALLS: &[&str] = &[
            "startswith",
            "endswith",
            "lower",
            "upper",
            "strip",
            "rstrip",
            "lstrip",
            "split",
            "match",
            "fullmatch",
            "search",
            "any",
            "all",
            "len",
        ];
        let source = self.source;
        let (mut reads_url, mut shared) = (false, true);
        super::syntax::visit(condition, MAX_DEPTH, &mut |n| {
            if !shared {
                return false;
            }
            match n.kind() {
                "attribute" => {
                    let attr = field(n, "attribute").map_or("", |a| text(a, source));
                    if URL_PARTS.contains(&attr) {
                        reads_url = true;
                        return false;
                    }
                    shared = !PREFLIGHT_SPECIFIC.contains(&attr);
                    shared
                }
                "subscript" => {
                    let key = field(n, "subscript").map(|k| text(k, source).trim_matches(['"', '\'']));
                    if key.is_some_and(|k| URL_KEYS.contains(&k)) {
                        reads_url = true;
                        return false;
                    }
                    true
                }
                "call" => {
                    let function = field(n, "function");
                    let name = function.map(|f| match f.kind() {
                        "attribute" => field(f, "attribute").map_or("", |a| text(a, source)),
                        _ => text(f, source),
                    });
                    shared = name.is_some_and(|name| PURE_CALLS.contains(&name));
                    shared
                }
                "identifier" => {
                    let name = text(n, source);
                    if self.url_vars.contains(name) {
                        reads_url = true;
                    } else if self.absent.contains_key(name) || self.header_vars.contains_key(name) {
                        shared = false;
                    }
                    false
                }
                _ => true,
            }
        });
        reads_url && shared
    }

    pub(super) fn note_options_check(&mut self, condition: Node<'t>) {
        let condition = match self.known_conditions.get(text(condition, self.source)) {
            Some((_, assigned)) if condition.kind() == "identifier" => *assigned,
            _ => condition,
        };
        if self.options_check.is_none() && self.mentions_options(condition) {
            self.options_check = Some(self.span(condition));
        }
    }

    pub(super) fn mentions_options(&self, node: Node<'_>) -> bool {
        text(node, self.source).to_ascii_uppercase().contains("OPTIONS")
    }
}
