//! The API client in a frontend's source: `axios.create({ baseURL, withCredentials, headers })`,
//! `axios.defaults.withCredentials = true`, `fetch(url, { credentials: "include" })`, the env
//! variables a base URL reads (`import.meta.env.VITE_API_URL`, `process.env.REACT_APP_API_URL`),
//! and the calls that need a preflight: another method than GET/HEAD/POST, or a JSON body (axios
//! sends a plain object as `application/json`; `fetch` only with that `Content-Type` written).
//! Only literals, object properties and env lookups count (the shared evaluator); a base URL
//! built any other way is Unknown.

use crate::extract::javascript::value::{Evaluator, Lookup, Object, Value, ValueKind};
use crate::model::frontend::Evidence;
use crate::parse::javascript::JsTree;
use crate::source::{FileId, Span};
use std::cell::OnceCell;
use tree_sitter::Node;

/// What one file's client code says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientFacts {
    /// Base URLs written as literals (absolute or a path), with where.
    pub literal_bases: Vec<(String, Span)>,
    /// Env variables a base URL reads, with where.
    pub env_bases: Vec<(String, Span)>,
    /// Env variables a called URL starts with (`fetch(`${import.meta.env.VITE_X}/items`)`): API
    /// bases too, besides the client's `baseURL` or the conventional names.
    pub env_urls: Vec<(String, Span)>,
    /// A base URL that is neither: the API cannot be known from this client.
    pub unknown_base: Option<Span>,
    pub credentials: Option<Evidence>,
    /// `Authorization` (or another header) set on every call.
    pub headers: Vec<(String, Evidence)>,
    /// Calls that write: (method, sends JSON, where).
    pub writes: Vec<(String, bool, Evidence)>,
    /// A `fetch(...)` call.
    pub fetches: bool,
    /// An axios or HttpClient call, which go through `XMLHttpRequest`.
    pub xhr: bool,
}

/// Reads the client calls of one file.
pub fn read(tree: &JsTree, text: &str, file: FileId) -> ClientFacts {
    // The file names none of what a client call needs (the same test decides whether it is parsed).
    if !crate::parse::names_client_call(text.as_bytes()) {
        return ClientFacts::default();
    }
    let root = tree.root();
    let evaluator = LazyEvaluator::new(root, text);
    let mut facts = ClientFacts::default();
    let span = |node: Node<'_>| Span::new(file, node.start_byte(), node.end_byte());
    let instances = axios_instances(&evaluator, root);
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "call_expression" => {
                call(&evaluator, node, &mut facts, &span);
                write(&evaluator, node, &instances, &mut facts, &span);
            }
            // `new URL("/items", import.meta.env.VITE_API_URL)`, `new URL(import.meta.env.VITE_API_URL)`.
            "new_expression" if node.child_by_field_name("constructor").is_some_and(|c| evaluator.text(c) == "URL") => {
                let mut cursor = node.walk();
                let arguments: Vec<Node<'_>> = node
                    .child_by_field_name("arguments")
                    .map(|a| a.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect())
                    .unwrap_or_default();
                if let Some(base) = arguments.get(1).or(arguments.first()) {
                    env_prefix_of(&evaluator, *base, &mut facts, &span);
                }
            }
            "assignment_expression" => {
                let left = node.child_by_field_name("left").map(|l| evaluator.text(l)).unwrap_or("");
                if left.starts_with("axios.defaults.") {
                    facts.xhr = true;
                }
                if left.ends_with("defaults.withCredentials")
                    && node.child_by_field_name("right").map(|r| evaluator.eval(r).kind) == Some(ValueKind::Bool(true))
                {
                    facts.credentials = Some(Evidence {
                        span: span(node),
                        what: "`withCredentials = true` on axios's defaults".into(),
                    });
                }
                if left.ends_with("headers.Authorization") || left.ends_with("headers.common.Authorization") {
                    facts.headers.push((
                        "Authorization".into(),
                        Evidence { span: span(node), what: "every call sets `Authorization`".into() },
                    ));
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    facts
}

fn call<'t>(evaluator: &LazyEvaluator<'t>, node: Node<'t>, facts: &mut ClientFacts, span: &impl Fn(Node<'_>) -> Span) {
    let Some(function) = node.child_by_field_name("function") else { return };
    let name = evaluator.text(function);
    let mut cursor = node.walk();
    let arguments: Vec<Node<'t>> = node
        .child_by_field_name("arguments")
        .map(|a| a.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect())
        .unwrap_or_default();
    match name {
        "axios.create" => {
            facts.xhr = true;
            let Some(options) = arguments.first() else { return };
            let ValueKind::Object(object) = evaluator.eval(*options).kind else { return };
            base_url(&object, "baseURL", facts, span(*options));
            if let Lookup::Found(p) = object.get("withCredentials")
                && p.value.kind == ValueKind::Bool(true)
            {
                let at = Span::new(span(*options).file, p.value.range.start, p.value.range.end);
                facts.credentials =
                    Some(Evidence { span: at, what: "`withCredentials: true` in `axios.create`".into() });
            }
            if let Lookup::Found(p) = object.get("headers")
                && let ValueKind::Object(headers) = &p.value.kind
                && let Lookup::Found(h) = headers.get("Authorization")
            {
                let at = Span::new(span(*options).file, h.key_range.start, h.key_range.end);
                facts.headers.push((
                    "Authorization".into(),
                    Evidence { span: at, what: "`Authorization` in `axios.create`".into() },
                ));
            }
        }
        "fetch" => {
            facts.fetches = true;
            if let Some(url) = arguments.first() {
                env_prefix_of(evaluator, *url, facts, span);
            }
            let Some(options) = arguments.get(1).filter(|_| evaluator.names.include) else { return };
            let ValueKind::Object(object) = evaluator.eval(*options).kind else { return };
            if let Lookup::Found(p) = object.get("credentials")
                && p.value.kind.as_str() == Some("include")
            {
                let at = Span::new(span(*options).file, p.value.range.start, p.value.range.end);
                facts.credentials = Some(Evidence { span: at, what: "`credentials: \"include\"` in `fetch`".into() });
            }
        }
        // Angular's HttpClient (`this.http.get(url, { withCredentials: true })`), and an
        // interceptor's `req.clone({ withCredentials: true, setHeaders: { Authorization } })`,
        // which applies to every call.
        _ if HTTP_CLIENT_CALLS.iter().any(|m| name.ends_with(m)) => {
            // Only `withCredentials` or an interceptor's `setHeaders` count; most `.get(...)` are
            // maps and stores, in files that name neither.
            if !(evaluator.names.with_credentials || (name.ends_with(".clone") && evaluator.names.set_headers)) {
                return;
            }
            facts.xhr = true;
            for options in &arguments {
                let ValueKind::Object(object) = evaluator.eval(*options).kind else { continue };
                let file = span(*options).file;
                if let Lookup::Found(p) = object.get("withCredentials")
                    && p.value.kind == ValueKind::Bool(true)
                {
                    let at = Span::new(file, p.value.range.start, p.value.range.end);
                    let method = name.rsplit('.').next().unwrap_or(name);
                    facts.credentials =
                        Some(Evidence { span: at, what: format!("`withCredentials: true` in `{method}(...)`") });
                }
                if name.ends_with(".clone")
                    && let Lookup::Found(p) = object.get("setHeaders")
                    && let ValueKind::Object(headers) = &p.value.kind
                    && let Lookup::Found(h) = headers.get("Authorization")
                {
                    let at = Span::new(file, h.key_range.start, h.key_range.end);
                    let what = "the interceptor sets `Authorization` on every call".to_string();
                    facts.headers.push(("Authorization".into(), Evidence { span: at, what }));
                }
            }
        }
        _ => {}
    }
}

/// The env variable a URL starts with (`${import.meta.env.VITE_API_URL}/items`,
/// `process.env.REACT_APP_API + "/items"`, `import.meta.env.VITE_API_URL`): the variable the
/// client reads its base from.
fn env_prefix_of<'t>(
    evaluator: &LazyEvaluator<'t>,
    url: Node<'t>,
    facts: &mut ClientFacts,
    span: &impl Fn(Node<'_>) -> Span,
) {
    if !evaluator.names.env {
        return;
    }
    let head = match url.kind() {
        "template_string" => {
            let mut cursor = url.walk();
            let first = url
                .named_children(&mut cursor)
                .find(|c| c.kind() != "string_fragment" || !evaluator.text(*c).is_empty());
            match first {
                Some(sub) if sub.kind() == "template_substitution" => sub.named_child(0),
                _ => None,
            }
        }
        "binary_expression" => url.child_by_field_name("left"),
        _ => Some(url),
    };
    let Some(head) = head else { return };
    if let ValueKind::Env(name) = evaluator.eval(head).kind
        && !facts.env_urls.iter().any(|(n, _)| *n == name)
    {
        facts.env_urls.push((name, span(head)));
    }
}

/// Calls whose options say how Angular's HttpClient sends a request.
const HTTP_CLIENT_CALLS: &[&str] =
    &[".clone", ".get", ".post", ".put", ".patch", ".delete", ".head", ".options", ".request"];

/// The names bound to `axios.create(...)` in this file (`const api = axios.create({...})`).
fn axios_instances<'t>(evaluator: &LazyEvaluator<'t>, root: Node<'t>) -> Vec<String> {
    let mut names = vec!["axios".to_string()];
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "variable_declarator"
            && let (Some(name), Some(value)) = (node.child_by_field_name("name"), node.child_by_field_name("value"))
            && value.kind() == "call_expression"
            && value.child_by_field_name("function").is_some_and(|f| evaluator.text(f) == "axios.create")
        {
            names.push(evaluator.text(name).to_string());
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    names
}

/// `api.put(url, {...})`, `axios.post(url, [...])`, `fetch(url, { method: "DELETE" })`: a call
/// that needs a preflight. Only what is written counts: data that is not an object or array
/// literal may be `FormData` (no preflight), a method that is not a literal is not known.
fn write<'t>(
    evaluator: &LazyEvaluator<'t>,
    node: Node<'t>,
    instances: &[String],
    facts: &mut ClientFacts,
    span: &impl Fn(Node<'_>) -> Span,
) {
    let Some(function) = node.child_by_field_name("function") else { return };
    let mut cursor = node.walk();
    let arguments: Vec<Node<'t>> = node
        .child_by_field_name("arguments")
        .map(|a| a.named_children(&mut cursor).filter(|n| n.kind() != "comment").collect())
        .unwrap_or_default();
    let (method, json) = if evaluator.text(function) == "fetch" {
        let Some(options) = arguments.get(1).filter(|_| evaluator.names.method) else { return };
        let ValueKind::Object(object) = evaluator.eval(*options).kind else { return };
        let Lookup::Found(method) = object.get("method") else { return };
        let Some(method) = method.value.kind.as_str().map(str::to_ascii_uppercase) else { return };
        let json = match object.get("headers") {
            Lookup::Found(h) => match &h.value.kind {
                ValueKind::Object(headers) => headers.properties.iter().any(|p| {
                    p.key.eq_ignore_ascii_case("content-type")
                        && p.value.kind.as_str().is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
                }),
                _ => false,
            },
            _ => false,
        };
        (method, json)
    } else {
        let Some(member) = Some(function).filter(|f| f.kind() == "member_expression") else { return };
        let (Some(object), Some(property)) =
            (member.child_by_field_name("object"), member.child_by_field_name("property"))
        else {
            return;
        };
        if !instances.iter().any(|i| i == evaluator.text(object)) {
            return;
        }
        facts.xhr = true;
        let method = evaluator.text(property).to_ascii_uppercase();
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
            return;
        }
        let data = arguments.get(1).is_some_and(|d| matches!(d.kind(), "object" | "array"));
        let json = data && method != "DELETE";
        (method, json)
    };
    let simple = matches!(method.as_str(), "GET" | "HEAD" | "POST");
    if simple && !json {
        return;
    }
    if facts.writes.iter().any(|(m, j, _)| *m == method && *j == json) {
        return;
    }
    let what = if json { format!("a {method} with a JSON body") } else { format!("a {method}") };
    facts.writes.push((
        method,
        json,
        Evidence { span: span(node), what: format!("{what}: the browser sends a preflight") },
    ));
}

/// The file's evaluator, built the first time a value is asked for: building it walks the whole
/// tree, and most files the gate lets through hold no call whose options count. A value is asked
/// for only where the file names what could make it count (`ValueKind::Env` comes only from
/// `process.env`/`import.meta.env`; an object's keys are written in the file, since imports are
/// not followed here).
struct LazyEvaluator<'t> {
    root: Node<'t>,
    text: &'t str,
    built: OnceCell<Evaluator<'t>>,
    names: Names,
}

/// Which words the file names at all.
struct Names {
    env: bool,
    include: bool,
    method: bool,
    with_credentials: bool,
    set_headers: bool,
}

impl<'t> LazyEvaluator<'t> {
    fn new(root: Node<'t>, text: &'t str) -> Self {
        let names = Names {
            env: text.contains(".env"),
            include: text.contains("include"),
            method: text.contains("method"),
            with_credentials: text.contains("withCredentials"),
            set_headers: text.contains("setHeaders"),
        };
        LazyEvaluator { root, text, built: OnceCell::new(), names }
    }

    fn text(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn eval(&self, node: Node<'t>) -> Value {
        self.built.get_or_init(|| Evaluator::new(self.root, self.text)).eval(node)
    }
}

/// A base URL property: a literal, an env lookup, or something unknown.
fn base_url(object: &Object, key: &str, facts: &mut ClientFacts, at: Span) {
    let Lookup::Found(p) = object.get(key) else { return };
    let here = Span::new(at.file, p.value.range.start, p.value.range.end);
    match &p.value.kind {
        ValueKind::String(s) => facts.literal_bases.push((s.clone(), here)),
        ValueKind::Env(name) => facts.env_bases.push((name.clone(), here)),
        _ => facts.unknown_base = Some(here),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::javascript::{Dialect, parse};

    fn facts(text: &str) -> ClientFacts {
        let (tree, _) = parse(text, Dialect::TypeScript);
        read(&tree.expect("parses"), text, 0)
    }

    #[test]
    fn axios_instances_and_fetch_options() {
        let f = facts(
            "import axios from 'axios';\nexport const api = axios.create({ baseURL: import.meta.env.VITE_API_URL, withCredentials: true });\n",
        );
        assert_eq!(f.env_bases.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["VITE_API_URL"]);
        assert!(f.credentials.is_some());
        assert!(f.xhr && !f.fetches, "axios goes through XMLHttpRequest");
        let literal = facts("const api = axios.create({ baseURL: 'http://localhost:8000/api' });\n");
        assert_eq!(literal.literal_bases[0].0, "http://localhost:8000/api");
        let fetched = facts("fetch(`${base}/items`, { credentials: 'include' });\n");
        assert!(fetched.credentials.is_some());
        assert!(fetched.fetches && !fetched.xhr);
        let omitted = facts("fetch('/api/items', { credentials: 'same-origin' });\n");
        assert!(omitted.credentials.is_none());
        let built = facts("const api = axios.create({ baseURL: getBase() });\n");
        assert!(built.unknown_base.is_some());
        let auth =
            facts("api.interceptors.request.use((c) => { c.headers.Authorization = `Bearer ${t}`; return c; });\n");
        assert_eq!(auth.headers[0].0, "Authorization");
        let angular = facts(
            "intercept(req, next) { return next.handle(req.clone({ withCredentials: true, setHeaders: { Authorization: `Bearer ${t}` } })); }\n",
        );
        assert!(angular.credentials.is_some());
        assert_eq!(angular.headers[0].0, "Authorization");
        assert!(facts("this.http.get(url, { withCredentials: false });\n").credentials.is_none());
        let bases = |text: &str| facts(text).env_urls.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(bases("fetch(`${import.meta.env.VITE_SERVER}/items`);\n"), ["VITE_SERVER"]);
        assert_eq!(bases("fetch(process.env.REACT_APP_HOST + '/items');\n"), ["REACT_APP_HOST"]);
        assert_eq!(bases("const u = new URL('/items', import.meta.env.VITE_ORIGIN);\n"), ["VITE_ORIGIN"]);
        assert!(bases("fetch(`/api/${id}`);\n").is_empty());
    }

    #[test]
    fn options_bound_to_a_name_are_still_read() {
        let angular = facts("const options = { withCredentials: true };\nthis.http.get(url, options);\n");
        assert!(angular.credentials.is_some());
        let fetched = facts("const init = { credentials: 'include' };\nfetch(url, init);\n");
        assert!(fetched.credentials.is_some());
        let base = facts("const API = import.meta.env.VITE_API;\nfetch(`${API}/items`);\n");
        assert_eq!(base.env_urls.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["VITE_API"]);
        assert!(facts("const seen = new Map();\nseen.get(key);\nrefetch();\n") == ClientFacts::default());
    }

    #[test]
    fn calls_that_need_a_preflight() {
        let writes = |text: &str| {
            let mut found: Vec<(String, bool)> = facts(text).writes.into_iter().map(|(m, j, _)| (m, j)).collect();
            found.sort();
            found
        };
        let f = "const api = axios.create({ baseURL: '/api' });\nexport const save = (n) => api.put(`/notes/${n.id}`, { title: n.title });\n\
                 export const add = () => api.post('/notes', { title: '' });\nexport const upload = (form) => api.post('/files', form);\n";
        assert_eq!(writes(f), [("POST".to_string(), true), ("PUT".to_string(), true)]);
        let fetched = "fetch(url, { method: 'delete' });\nfetch(url, { method: 'POST', body: JSON.stringify(x) });\n\
                       fetch(url, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body });\n";
        assert_eq!(writes(fetched), [("DELETE".to_string(), false), ("PATCH".to_string(), true)]);
        assert!(writes("other.post('/x', { a: 1 });\nfetch(url, { method: m });\n").is_empty());
    }
}
