//! CORS headers a Node.js app writes itself: `res.header(name, value)`, `res.setHeader(name,
//! value)`, `res.set(name, value)`, `res.append(name, value)`, and the object forms
//! `res.set({ name: value })`, `res.header({...})`, `res.writeHead(status, {...})`. Each function that sets
//! `Access-Control-Allow-Origin` becomes one policy ([`Layer::ExpressHeaders`]): its origin is
//! `*`, a literal, or the request's own `Origin` (`req.headers.origin`, `req.header("origin")`,
//! `req.get("origin")`, also behind a `const` or `|| "*"`), and credentials are allowed when the
//! same function sets `Access-Control-Allow-Credentials` to `true`. A value inside an `if`, a
//! `switch` or a conditional expression that mentions the origin is checked by the code around it:
//! Unknown, not reflection.

use super::value::{Evaluator, ValueKind};
use crate::model::{CorsPolicy, Layer, OriginEntry, OriginKind, Origins, Setting, Value as ModelValue};
use crate::source::{FileId, Span};
use tree_sitter::Node;

const SETTERS: &[&str] = &["header", "setHeader", "set", "append", "writeHead"];

/// One header write: its name (lower case), the value's node, and the call.
struct Write<'t> {
    name: String,
    value: Node<'t>,
    call: Node<'t>,
}

/// The policies the file's own header writes make, one per function that writes
/// `Access-Control-Allow-Origin`.
pub fn policies(file: FileId, root: Node<'_>, text: &str) -> Vec<CorsPolicy> {
    let eval = Evaluator::new(root, text);
    let writes = header_writes(root, &eval);
    let mut out = Vec::new();
    for origin in writes.iter().filter(|w| w.name == "access-control-allow-origin") {
        let span = Span::new(file, origin.call.start_byte(), origin.call.end_byte());
        let value_span = Span::new(file, origin.value.start_byte(), origin.value.end_byte());
        let mut origins = Origins::default();
        if is_guarded(origin.call, text) {
            origins.has_unknown = true;
        } else if reflects_origin(origin.value, &eval) {
            origins.entries.push(OriginEntry { kind: OriginKind::Reflect, span: value_span, text_start: None });
        } else {
            match eval.eval(origin.value).kind {
                ValueKind::String(s) if s == "*" => {
                    origins.entries.push(OriginEntry { kind: OriginKind::Any, span: value_span, text_start: None })
                }
                ValueKind::String(s) => {
                    let text_start = (origin.value.kind() == "string"
                        && origin.value.end_byte() - origin.value.start_byte() == s.len() + 2)
                        .then_some(origin.value.start_byte() + 1);
                    origins.entries.push(OriginEntry { kind: OriginKind::Literal(s), span: value_span, text_start })
                }
                _ => origins.has_unknown = true,
            }
        }
        let scope = enclosing_function(origin.call);
        let credentials = writes
            .iter()
            .filter(|w| w.name == "access-control-allow-credentials" && enclosing_function(w.call) == scope)
            .map(|w| {
                let value = match eval.eval(w.value).kind {
                    ValueKind::String(s) => ModelValue::Known(s == "true"),
                    ValueKind::Bool(b) => ModelValue::Known(b),
                    _ => ModelValue::Unknown,
                };
                Setting::explicit(value, Span::new(file, w.call.start_byte(), w.call.end_byte()))
            })
            .next_back()
            .unwrap_or_else(|| Setting::default_at(false, span));
        fn unknown<T>(span: Span) -> Setting<T> {
            Setting { value: ModelValue::Unknown, span, explicit: false }
        }
        out.push(CorsPolicy {
            layer: Layer::ExpressHeaders,
            span,
            origins,
            credentials,
            methods: unknown(span),
            headers: unknown(span),
            expose_headers: unknown(span),
            max_age: unknown(span),
        });
    }
    out
}

fn header_writes<'t>(root: Node<'t>, eval: &Evaluator<'t>) -> Vec<Write<'t>> {
    let mut writes = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
        if node.kind() != "call_expression" {
            continue;
        }
        let Some(function) = node.child_by_field_name("function").filter(|f| f.kind() == "member_expression") else {
            continue;
        };
        let method = function.child_by_field_name("property").map_or("", |p| eval.text(p));
        if !SETTERS.contains(&method) {
            continue;
        }
        let Some(arguments) = node.child_by_field_name("arguments") else { continue };
        let mut cursor = arguments.walk();
        let args: Vec<Node<'t>> = arguments.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect();
        // `res.writeHead(status[, message], headers)` and Express's `res.set({...})`/`res.header({...})`.
        let object = match (method, args.as_slice()) {
            ("writeHead", [_, .., last]) => Some(*last),
            ("set" | "header", [only]) => Some(*only),
            _ => None,
        };
        if let Some(object) = object.map(|o| eval.resolve(o)).filter(|o| o.kind() == "object") {
            writes.extend(object_writes(object, eval));
            continue;
        }
        let (Some(name), Some(value)) = (args.first(), args.get(1)) else { continue };
        let Some(name) = eval.eval(*name).kind.as_str().map(str::to_ascii_lowercase) else { continue };
        if name.starts_with("access-control-") {
            writes.push(Write { name, value: *value, call: node });
        }
    }
    writes
}

/// The `Access-Control-*` properties of a headers object (`{ "Access-Control-Allow-Origin": origin }`);
/// each property stands for its write.
fn object_writes<'t>(object: Node<'t>, eval: &Evaluator<'t>) -> Vec<Write<'t>> {
    let mut cursor = object.walk();
    let pairs: Vec<Node<'t>> = object.named_children(&mut cursor).filter(|n| n.kind() == "pair").collect();
    pairs
        .into_iter()
        .filter_map(|pair| {
            let key = pair.child_by_field_name("key")?;
            let name = match key.kind() {
                "property_identifier" => eval.text(key).to_ascii_lowercase(),
                _ => eval.eval(key).kind.as_str()?.to_ascii_lowercase(),
            };
            let value = pair.child_by_field_name("value")?;
            name.starts_with("access-control-").then_some(Write { name, value, call: pair })
        })
        .collect()
}

/// `req.headers.origin`, `req.headers["origin"]`, `req.header("origin")`, `req.get("Origin")`,
/// through a `const` and on the left of `||`/`??`.
fn reflects_origin(node: Node<'_>, eval: &Evaluator<'_>) -> bool {
    let node = eval.resolve(node);
    if node.kind() == "binary_expression" {
        let operator = node.child_by_field_name("operator").map_or("", |o| eval.text(o));
        return matches!(operator, "||" | "??")
            && node.child_by_field_name("left").is_some_and(|left| reflects_origin(left, eval));
    }
    let compact: String =
        eval.text(node).chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let Some((_, access)) = compact.split_once('.') else { return false };
    let access = access.replace(['\'', '`'], "\"");
    matches!(
        access.as_str(),
        "headers.origin" | "headers[\"origin\"]" | "header(\"origin\")" | "get(\"origin\")" | "headers?.origin"
    )
}

/// Inside an `if`, `switch` or `?:` (up to the enclosing function) whose condition names the origin.
fn is_guarded(call: Node<'_>, text: &str) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent() {
        if is_function(parent) {
            return false;
        }
        let condition = match parent.kind() {
            "if_statement" | "ternary_expression" => parent.child_by_field_name("condition"),
            "switch_statement" => parent.child_by_field_name("value"),
            _ => None,
        };
        // `node` is a guarded branch, not the condition itself.
        let mentions =
            |c: Node<'_>| text.get(c.byte_range()).is_some_and(|t| t.to_ascii_lowercase().contains("origin"));
        if condition.is_some_and(|c| c.id() != node.id() && mentions(c)) {
            return true;
        }
        node = parent;
    }
    false
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_declaration" | "function_expression" | "function" | "arrow_function" | "method_definition"
    )
}

fn enclosing_function(node: Node<'_>) -> Option<usize> {
    let mut node = node;
    while let Some(parent) = node.parent() {
        if is_function(parent) {
            return Some(parent.id());
        }
        node = parent;
    }
    None
}
