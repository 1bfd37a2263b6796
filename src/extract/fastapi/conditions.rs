//! Conditions as a preflight sees them: `request.method == "OPTIONS"` is true, headers a browser does
//! not put on a preflight are absent (so `"authorization" not in request.headers` is true), and
//! anything else is unknown.

use super::preflight::Sim;
use super::syntax::{MAX_DEPTH, Piece, children, field, string_literal, text, unparen};
use tree_sitter::Node;

/// Headers a browser's preflight carries (lower case); `None` for headers a proxy may add.
pub(super) fn preflight_has_header(name: &str) -> Option<bool> {
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

impl<'t> Sim<'_, 't> {
    /// `x = request.headers.get("authorization")` and similar: remember what the preflight leaves empty.
    pub(super) fn track_assignment(&mut self, expr: Node<'t>) {
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
        if self.same_for_the_actual_request(right) {
            self.url_vars.insert(name.clone());
        } else {
            self.url_vars.remove(&name);
        }
        match self.condition(right, 0) {
            Some(truth) => {
                self.known_conditions.insert(name.clone(), (truth, right));
            }
            None => {
                self.known_conditions.remove(&name);
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
    pub(super) fn absent_value(&self, node: Node<'t>) -> Option<bool> {
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
    pub(super) fn condition(&self, node: Node<'t>, depth: usize) -> Option<bool> {
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
            "identifier" => {
                let name = text(node, self.source);
                self.known_conditions
                    .get(name)
                    .map(|(truth, _)| *truth)
                    .or_else(|| self.absent.get(name).map(|_| false))
            }
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
