//! Hand-written CORS in any Python app: a route, an `after_request` hook, a middleware or a Django
//! view that puts `Access-Control-Allow-Origin` on its response itself
//! (`response.headers["Access-Control-Allow-Origin"] = request.headers.get("origin")`,
//! `response["Access-Control-Allow-Origin"] = "*"`, `self.set_header(...)`,
//! `JSONResponse(..., headers={...})`). One policy per function that sets it, with the
//! `Access-Control-*` headers the same function sets beside it.
//!
//! Only what reaches a response counts: a request's or an HTTP client's headers (code that
//! misunderstands CORS sets them too) are not a response's, and tests and examples do not run in
//! the app. An echoed `Origin` that the function
//! compares with anything (`if origin in ALLOWED:`, `origin.endswith(...)`, `is_allowed(origin)`)
//! is an allowlist corslint does not judge: Unknown, never reflect-any.
//!
//! Code of a project whose app installs a CORS component is left alone: the component answers
//! the preflights (an `OPTIONS` route behind Starlette's `CORSMiddleware` never runs) and,
//! depending on the library, replaces or keeps the hand-written header on other responses.

use super::Ctx;
use super::modules::ModId;
use super::syntax::{MAX_DEPTH, Piece, children, field, string_literal, text, unparen, visit};
use crate::model::app::{App, HandWrittenCors};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, Setting, Value};
use crate::source::{Span, Spanned};
use tree_sitter::Node;

const ALLOW_ORIGIN: &str = "access-control-allow-origin";
const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";

/// Where a header is set: its name, the value expression, and the function it is set in.
struct Setter<'t> {
    name: String,
    value: Node<'t>,
    /// The statement or call that sets it.
    at: Node<'t>,
    function: Option<Node<'t>>,
}

/// What an `Access-Control-Allow-Origin` value is, as far as the function shows.
enum Sent {
    Literal {
        value: String,
        text_start: Option<usize>,
    },
    /// The request's `Origin`, echoed without any comparison in the function.
    Echo,
    Unknown,
}

impl<'t> Ctx<'t> {
    /// The project roots of the apps that install a CORS component: hand-written headers there are
    /// not read as a policy of their own.
    pub(super) fn cors_roots(&self, apps: &[App]) -> Vec<std::path::PathBuf> {
        apps.iter()
            .filter(|a| !a.cors.is_empty())
            .filter_map(|a| self.modules.iter().find(|m| m.file == a.span.file))
            .map(|m| self.services.project_root(&m.dir))
            .collect()
    }

    /// The modules read for hand-written CORS, with their project roots: those that name the header,
    /// outside tests and outside the roots of `cors_roots`.
    pub(super) fn hand_written_modules(&self, cors_roots: &[std::path::PathBuf]) -> Vec<(ModId, std::path::PathBuf)> {
        let mut read = Vec::new();
        for (module, m) in self.modules.iter().enumerate() {
            let in_tests = self.files.get(m.file).is_some_and(|f| is_test_path(&f.path));
            if in_tests || !m.text.to_ascii_lowercase().contains(ALLOW_ORIGIN) {
                continue;
            }
            let root = self.services.project_root(&m.dir);
            if !cors_roots.contains(&root) {
                read.push((module, root));
            }
        }
        read
    }

    /// Every function of the modules read ([`Self::hand_written_modules`]) that sets
    /// `Access-Control-Allow-Origin` on a response, as a policy (local indices) and what it applies to.
    pub(super) fn hand_written_cors(
        &self,
        policies: &mut Vec<CorsPolicy>,
        read: &[(ModId, std::path::PathBuf)],
    ) -> Vec<HandWrittenCors> {
        let mut out = Vec::new();
        for &(module, _) in read {
            let Some(m) = self.modules.get(module) else { continue };
            let setters = setters(m.root, m.text);
            let mut functions: Vec<Option<Node<'t>>> = Vec::new();
            for s in setters.iter().filter(|s| s.name == ALLOW_ORIGIN) {
                if !functions.iter().any(|f| f.map(|n| n.id()) == s.function.map(|n| n.id())) {
                    functions.push(s.function);
                }
            }
            for function in functions {
                let same = |s: &&Setter<'t>| s.function.map(|n| n.id()) == function.map(|n| n.id());
                let own: Vec<&Setter<'t>> = setters.iter().filter(same).collect();
                let Some(policy) = self.hand_written_policy(module, function, &own, &setters) else { continue };
                let span = policy.span;
                policies.push(policy);
                out.push(HandWrittenCors {
                    policy: policies.len() - 1,
                    span,
                    every_response: function.is_some_and(|f| runs_on_every_response(f, m.text)),
                });
            }
        }
        out
    }

    fn hand_written_policy(
        &self,
        module: ModId,
        function: Option<Node<'t>>,
        own: &[&Setter<'t>],
        all: &[Setter<'t>],
    ) -> Option<CorsPolicy> {
        let source = self.source(module);
        let span_of = |node: Node<'_>| self.span_in(module, node);
        let origin_setters: Vec<&&Setter<'t>> = own.iter().filter(|s| s.name == ALLOW_ORIGIN).collect();
        let first = origin_setters.first()?;
        let span = span_of(first.at);
        let mut origins = Origins::default();
        for setter in &origin_setters {
            let entry_span = span_of(setter.value);
            let kind = match self.sent(module, function, setter.value, own, 0) {
                Sent::Literal { value, text_start } if value.trim() == "*" => {
                    origins.entries.push(OriginEntry { kind: OriginKind::Any, span: entry_span, text_start });
                    continue;
                }
                Sent::Literal { value, text_start } => {
                    origins.entries.push(OriginEntry {
                        kind: OriginKind::Literal(value),
                        span: entry_span,
                        text_start,
                    });
                    continue;
                }
                Sent::Echo => OriginKind::Reflect,
                Sent::Unknown => {
                    origins.has_unknown = true;
                    continue;
                }
            };
            origins.entries.push(OriginEntry { kind, span: entry_span, text_start: None });
        }
        let literal =
            |name: &str| own.iter().find(|s| s.name == name).map(|s| (literal_text(s.value, source), span_of(s.value)));
        // Set by another function of the module: maybe on the same responses, maybe not.
        let elsewhere = |name: &str| all.iter().any(|s| s.name == name);
        let credentials = match literal(ALLOW_CREDENTIALS) {
            Some((Some(value), at)) => Setting::explicit(Value::Known(value == "true"), at),
            Some((None, at)) => Setting::explicit(Value::Unknown, at),
            None if elsewhere(ALLOW_CREDENTIALS) => Setting::explicit(Value::Unknown, span),
            None => Setting::default_at(false, span),
        };
        let list = |name: &str| match literal(name) {
            Some((Some(value), at)) => Setting::explicit(Value::Known(names(&value, at)), at),
            Some((None, at)) => Setting::explicit(Value::Unknown, at),
            None => Setting::default_at(NameList::new(), span),
        };
        let max_age = match literal("access-control-max-age") {
            Some((Some(value), at)) => Setting::explicit(value.trim().parse().map_or(Value::Unknown, Value::Known), at),
            Some((None, at)) => Setting::explicit(Value::Unknown, at),
            // Fetch: without the header a preflight is cached for 5 seconds.
            None => Setting::default_at(5, span),
        };
        Some(CorsPolicy {
            layer: Layer::PythonHeaders,
            span,
            origins,
            credentials,
            methods: list("access-control-allow-methods"),
            headers: list("access-control-allow-headers"),
            expose_headers: list("access-control-expose-headers"),
            max_age,
        })
    }

    /// What `value` sends: a literal (also behind a module constant or a local name bound once),
    /// the request's `Origin` when nothing in the function compares it, else Unknown.
    fn sent(
        &self,
        module: ModId,
        function: Option<Node<'t>>,
        value: Node<'t>,
        own: &[&Setter<'t>],
        depth: usize,
    ) -> Sent {
        let source = self.source(module);
        let value = unparen(value);
        if depth > 4 {
            return Sent::Unknown;
        }
        if let Some(lit) = string_literal(value, source) {
            return match lit.pieces.as_slice() {
                [] => Sent::Literal { value: String::new(), text_start: lit.text_start },
                [Piece::Text(t)] => Sent::Literal { value: t.clone(), text_start: lit.text_start },
                _ => Sent::Unknown,
            };
        }
        if is_origin_read(value, source) {
            return self.echo_unless_compared(function, &[], own, source);
        }
        match value.kind() {
            // `origin or "*"`: the origin when the request has one.
            "boolean_operator" if field(value, "operator").is_some_and(|o| text(o, source) == "or") => {
                match field(value, "left").map(|l| self.sent(module, function, l, own, depth + 1)) {
                    Some(Sent::Echo) => Sent::Echo,
                    _ => Sent::Unknown,
                }
            }
            "identifier" => {
                let name = text(value, source);
                let Some(function) = function else {
                    return self.module_literal(module, name, value);
                };
                match single_binding(function, name, source) {
                    Binding::One(bound) => {
                        if is_origin_read(unparen(bound), source) {
                            return self.echo_unless_compared(Some(function), &[name], own, source);
                        }
                        match self.sent(module, Some(function), bound, own, depth + 1) {
                            Sent::Echo => self.echo_unless_compared(Some(function), &[name], own, source),
                            other => other,
                        }
                    }
                    Binding::None => self.module_literal(module, name, value),
                    Binding::Several => Sent::Unknown,
                }
            }
            _ => Sent::Unknown,
        }
    }

    fn module_literal(&self, module: ModId, name: &str, at: Node<'t>) -> Sent {
        let val = self.module_name(module, name, self.span_in(module, at), 0);
        match &val.v {
            super::value::V::Str(s) => Sent::Literal { value: s.value.clone(), text_start: s.text_start },
            _ => Sent::Unknown,
        }
    }

    /// `Echo`, unless the function compares the request's origin (read again, or through `names`)
    /// with anything, or hands it to a call: then an allowlist may decide, and it is Unknown.
    fn echo_unless_compared(
        &self,
        function: Option<Node<'t>>,
        names: &[&str],
        own: &[&Setter<'t>],
        source: &str,
    ) -> Sent {
        let Some(function) = function else { return Sent::Echo };
        let mentions = |n: Node<'_>| {
            super::syntax::contains(n, &|x| {
                (x.kind() == "identifier" && names.contains(&text(x, source))) || is_origin_read(x, source)
            })
        };
        let sets_header = |n: Node<'_>| own.iter().any(|s| s.at.id() == n.id() || contains_node(n, s.value));
        let mut compared = false;
        visit(function, MAX_DEPTH, &mut |n| {
            if compared {
                return false;
            }
            let checks = match n.kind() {
                "comparison_operator" => !is_none_test(n, source) && mentions(n),
                "match_statement" => field(n, "subject").is_some_and(mentions),
                // A call that reads the origin is the read itself; one that sets the header is the setter.
                "call" => !is_origin_read(n, source) && !sets_header(n) && !is_logging(n, source) && mentions(n),
                _ => false,
            };
            compared |= checks;
            !compared
        });
        if compared { Sent::Unknown } else { Sent::Echo }
    }
}

enum Binding<'t> {
    None,
    One(Node<'t>),
    Several,
}

/// The value of the only assignment to `name` in `function` (outside nested functions); a name
/// bound several times, or as a parameter or loop variable, could hold either.
fn single_binding<'t>(function: Node<'t>, name: &str, source: &str) -> Binding<'t> {
    let params = field(function, "parameters");
    if params.is_some_and(|p| super::syntax::contains(p, &|x| x.kind() == "identifier" && text(x, source) == name)) {
        return Binding::Several;
    }
    let mut found: Vec<Node<'t>> = Vec::new();
    let mut other = false;
    let Some(body) = field(function, "body") else { return Binding::None };
    visit(body, MAX_DEPTH, &mut |n| {
        match n.kind() {
            "assignment" | "augmented_assignment" => {
                let target = field(n, "left").map(unparen);
                if target.is_some_and(|t| t.kind() == "identifier" && text(t, source) == name) {
                    match field(n, "right") {
                        Some(right) if n.kind() == "assignment" => found.push(right),
                        _ => other = true,
                    }
                } else if target.is_some_and(|t| {
                    t.kind() != "identifier"
                        && super::syntax::contains(t, &|x| x.kind() == "identifier" && text(x, source) == name)
                }) {
                    other = true;
                }
            }
            "for_statement" | "named_expression" | "with_item" | "except_clause" => {
                let binds = field(n, "left").or_else(|| field(n, "name")).or_else(|| field(n, "alias"));
                if binds.is_some_and(|b| {
                    super::syntax::contains(b, &|x| x.kind() == "identifier" && text(x, source) == name)
                }) || (n.kind() != "for_statement" && text(n, source).contains(name))
                {
                    other = true;
                }
            }
            _ => {}
        }
        !matches!(n.kind(), "function_definition" | "class_definition" | "lambda")
    });
    match (found.as_slice(), other) {
        ([], false) => Binding::None,
        ([one], false) => Binding::One(*one),
        _ => Binding::Several,
    }
}

/// `x is None`, `x is not None`: whether there is an origin, not which one.
fn is_none_test(node: Node<'_>, source: &str) -> bool {
    let kids = children(node);
    kids.len() == 2 && kids.last().is_some_and(|k| k.kind() == "none") && {
        let written = text(node, source);
        written.contains(" is ")
    }
}

fn is_logging(call: Node<'_>, source: &str) -> bool {
    let callee = field(call, "function").map_or("", |f| text(f, source));
    callee == "print" || callee.starts_with("log") || callee.contains(".log") || callee.starts_with("warnings.")
}

fn contains_node(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// `request.headers.get("origin")`, `request.headers["Origin"]`, `request.META.get("HTTP_ORIGIN")`,
/// `request.environ["HTTP_ORIGIN"]`, `self.request.headers.get("Origin")`.
fn is_origin_read(node: Node<'_>, source: &str) -> bool {
    let (object, key) = match node.kind() {
        "call" => {
            let Some(callee) = field(node, "function").filter(|f| f.kind() == "attribute") else { return false };
            if field(callee, "attribute").is_none_or(|a| text(a, source) != "get") {
                return false;
            }
            let first = field(node, "arguments").and_then(|a| children(a).into_iter().next());
            (field(callee, "object"), first)
        }
        "subscript" => (field(node, "value"), field(node, "subscript")),
        _ => return false,
    };
    let holds_request_headers = object.is_some_and(|o| {
        let o = text(o, source);
        o.ends_with("headers") || o.ends_with("META") || o.ends_with("environ")
    });
    let key = key.and_then(|k| literal_text(k, source)).map(|k| k.to_ascii_lowercase());
    holds_request_headers && matches!(key.as_deref(), Some("origin" | "http_origin"))
}

/// The text of a plain string literal.
fn literal_text(node: Node<'_>, source: &str) -> Option<String> {
    let lit = string_literal(unparen(node), source)?;
    match lit.pieces.as_slice() {
        [] => Some(String::new()),
        [Piece::Text(t)] => Some(t.clone()),
        _ => None,
    }
}

fn names(value: &str, at: Span) -> NameList {
    value.split(',').map(str::trim).filter(|n| !n.is_empty()).map(|n| Spanned::new(n.to_string(), at)).collect()
}

/// Every `Access-Control-*` response header the module sets, with the function it is set in.
fn setters<'t>(root: Node<'t>, source: &str) -> Vec<Setter<'t>> {
    let mut out = Vec::new();
    let mut functions: Vec<Node<'t>> = Vec::new();
    visit(root, 200, &mut |n| {
        match n.kind() {
            "function_definition" => functions.push(n),
            "assignment" => {
                if let (Some(left), Some(right)) = (field(n, "left"), field(n, "right"))
                    && left.kind() == "subscript"
                    && field(left, "value").is_some_and(|v| is_response_headers(v, source, true))
                    && let Some(name) = field(left, "subscript").and_then(|k| header_name(k, source))
                {
                    out.push(Setter { name, value: right, at: n, function: enclosing(n, &functions) });
                }
            }
            "call" => call_setters(n, source, &functions, &mut out),
            _ => {}
        }
        true
    });
    out
}

/// `response.headers.set(name, value)` (also `add`, `setdefault`, `append`, `__setitem__`),
/// Tornado's `self.set_header(name, value)`, and a `headers={...}` dict given to a response
/// (`JSONResponse(..., headers={...})`, `response.headers.update({...})`).
fn call_setters<'t>(call: Node<'t>, source: &str, functions: &[Node<'t>], out: &mut Vec<Setter<'t>>) {
    let Some(callee) = field(call, "function") else { return };
    let Some(arguments) = field(call, "arguments") else { return };
    let args = children(arguments);
    let function = enclosing(call, functions);
    let (object, method) = match callee.kind() {
        "attribute" => (field(callee, "object"), field(callee, "attribute").map_or("", |a| text(a, source))),
        "identifier" => (None, text(callee, source)),
        _ => return,
    };
    let pair_setter = matches!(method, "set_header" | "add_header")
        || (matches!(method, "set" | "add" | "setdefault" | "append" | "__setitem__" | "add_header")
            && object.is_some_and(|o| is_response_headers(o, source, false)));
    if pair_setter
        && let [name, value, ..] = args.as_slice()
        && let Some(name) = header_name(*name, source)
    {
        out.push(Setter { name, value: *value, at: call, function });
        return;
    }
    let dicts: Vec<Node<'t>> = if matches!(method, "update" | "extend")
        && object.is_some_and(|o| is_response_headers(o, source, false))
    {
        args.into_iter().filter(|a| a.kind() == "dictionary").collect()
    } else if method.ends_with("Response") || method == "make_response" {
        let keyword = args.iter().find_map(|a| {
            (a.kind() == "keyword_argument" && field(*a, "name").is_some_and(|n| text(n, source) == "headers"))
                .then(|| field(*a, "value"))
                .flatten()
        });
        // `make_response(body, status, headers)`: its positional dict is the headers.
        let positional = (method == "make_response").then(|| args.iter().copied().find(|a| a.kind() == "dictionary"));
        keyword.into_iter().chain(positional.flatten()).filter(|d| d.kind() == "dictionary").collect()
    } else {
        Vec::new()
    };
    for dict in dicts {
        for pair in children(dict).into_iter().filter(|p| p.kind() == "pair") {
            if let (Some(key), Some(value)) = (field(pair, "key"), field(pair, "value"))
                && let Some(name) = header_name(key, source)
            {
                out.push(Setter { name, value, at: pair, function });
            }
        }
    }
}

/// An `Access-Control-*` header name, lower-cased.
fn header_name(node: Node<'_>, source: &str) -> Option<String> {
    let name = literal_text(node, source)?.to_ascii_lowercase();
    name.starts_with("access-control-").then_some(name)
}

/// `response.headers`, `resp.headers`, `self.response.headers`, or with `bare`, a response itself
/// (Django's `response["..."] = ...`): named as a response, never a request or an HTTP client.
fn is_response_headers(node: Node<'_>, source: &str, bare: bool) -> bool {
    let node = unparen(node);
    let owner = match node.kind() {
        "attribute" if field(node, "attribute").is_some_and(|a| text(a, source) == "headers") => field(node, "object"),
        "identifier" if bare => Some(node),
        _ => None,
    };
    let Some(owner) = owner else { return false };
    let last = match owner.kind() {
        "attribute" => field(owner, "attribute").map_or("", |a| text(a, source)),
        "identifier" => text(owner, source),
        _ => return false,
    };
    let last = last.to_ascii_lowercase();
    last.contains("resp") || matches!(last.as_str(), "res" | "rv" | "r")
}

/// Tests and examples set headers on responses they build themselves; none of it runs in the app.
fn is_test_path(path: &std::path::Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        // The directories near the file only: where the repository itself lies does not matter.
        || path.components().rev().skip(1).take(3).any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "test" | "examples")))
}

/// The innermost function whose body holds `node`.
fn enclosing<'t>(node: Node<'t>, functions: &[Node<'t>]) -> Option<Node<'t>> {
    functions.iter().rev().find(|f| contains_node(**f, node)).copied()
}

/// A hook or middleware that handles every response: `@app.after_request`,
/// `@app.middleware("http")`, `BaseHTTPMiddleware.dispatch`, a Django middleware's
/// `process_response`/`__call__`, or a function that passes the request on (`call_next`,
/// `get_response`). A route or view sets the header for its own path only.
fn runs_on_every_response(function: Node<'_>, source: &str) -> bool {
    let decorated = function.parent().filter(|p| p.kind() == "decorated_definition").is_some_and(|p| {
        children(p).iter().filter(|d| d.kind() == "decorator").any(|d| {
            let t = text(*d, source);
            t.contains("after_request") || t.contains("after_app_request") || t.contains("middleware")
        })
    });
    let name = field(function, "name").map_or("", |n| text(n, source));
    let body = field(function, "body").map_or("", |b| text(b, source));
    decorated
        || matches!(name, "dispatch" | "process_response" | "__call__")
        || body.contains("call_next(")
        || body.contains("get_response(")
}
