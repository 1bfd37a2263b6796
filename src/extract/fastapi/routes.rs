//! Routes and what a browser request to them carries: a JSON body (pydantic model, `Body()`,
//! `dict`, `await request.json()`) and request headers (security schemes, `Header()` parameters),
//! found through `Depends`/`Security` chains, `Annotated[...]` and type aliases.

use super::Ctx;
use super::modules::ModId;
use super::objects::RouteOp;
use super::syntax::{MAX_DEPTH, field, text, unparen, visit};
use super::value::{CallV, Scope, V, Val, parameters};
use crate::model::app::{HeaderNeed, Route};
use crate::source::Span;
use std::collections::HashSet;
use tree_sitter::Node;

/// How many `Depends` levels are followed.
const MAX_DEPENDENCY_DEPTH: usize = 8;

/// What a request needs, collected over a route's dependencies.
#[derive(Debug, Default)]
pub struct Needs {
    pub headers: Vec<HeaderNeed>,
    pub json_body: Option<Span>,
    visited: HashSet<usize>,
}

/// FastAPI's security classes and the header each one reads (`APIKeyHeader` needs its call for the
/// `name=` argument).
fn security_header(path: &str, call: Option<&CallV<'_>>) -> Option<String> {
    let name = super::middleware::starlette_name(path)?;
    match name {
        "OAuth2PasswordBearer"
        | "OAuth2AuthorizationCodeBearer"
        | "OAuth2"
        | "OpenIdConnect"
        | "HTTPBearer"
        | "HTTPBasic"
        | "HTTPDigest"
        | "HTTPBase" => Some("Authorization".to_string()),
        "APIKeyHeader" => call?.arg(None, "name").and_then(|a| a.val.str().map(str::to_string)),
        _ => None,
    }
}

fn marker<'a>(call: &'a CallV<'_>) -> Option<&'a str> {
    let name = super::middleware::starlette_name(&call.path)?;
    matches!(name, "Header" | "Depends" | "Security" | "Body" | "Form" | "File" | "Query" | "Path" | "Cookie")
        .then_some(name)
}

impl<'t> Ctx<'t> {
    /// The model route for a route operation, under routers' prefixes and dependencies.
    pub fn route_facts(&self, op: &RouteOp<'t>, prefix: &str, inherited: &[Val<'t>]) -> Route {
        let mut needs = Needs::default();
        for dependency in inherited.iter().chain(&op.dependencies) {
            self.dependency_needs(dependency, &mut needs, 0);
        }
        if let Some((module, def)) = op.handler {
            self.function_needs(module, def, &mut needs, 0);
        }
        Route {
            methods: op.methods.clone(),
            path: op.path.as_ref().map(|p| format!("{prefix}{p}")),
            span: op.span,
            json_body: needs.json_body,
            headers: needs.headers,
        }
    }

    /// What one dependency value (`Depends(f)`, a security scheme, a function) needs.
    pub fn dependency_needs(&self, val: &Val<'t>, needs: &mut Needs, depth: usize) {
        if depth > MAX_DEPENDENCY_DEPTH {
            return;
        }
        match &val.v {
            V::Call(call) => {
                if let Some(header) = security_header(&call.path, Some(call)) {
                    let source = format!("`{}`", super::middleware::starlette_name(&call.path).unwrap_or("security"));
                    needs.headers.push(HeaderNeed { name: header, span: call.span, source, optional: false });
                } else if matches!(marker(call), Some("Depends" | "Security"))
                    && let Some(inner) = call.arg(Some(0), "dependency")
                {
                    self.dependency_needs(&inner.val.clone(), needs, depth + 1);
                }
            }
            V::Func(module, def) => self.function_needs(*module, *def, needs, depth + 1),
            V::Instance(module, class, _) => {
                let (_, external) = self.class_chain(*module, *class);
                let auth = external.iter().any(|p| security_header(p, None).is_some());
                if auth {
                    let name = external.iter().find_map(|p| super::middleware::starlette_name(p)).unwrap_or("security");
                    needs.headers.push(HeaderNeed {
                        name: "Authorization".to_string(),
                        span: val.span,
                        source: format!("a subclass of `{name}`"),
                        optional: false,
                    });
                }
            }
            _ => {}
        }
    }

    /// The parameters of a handler or dependency function.
    fn function_needs(&self, module: ModId, def: Node<'t>, needs: &mut Needs, depth: usize) {
        if depth > MAX_DEPENDENCY_DEPTH || !needs.visited.insert(def.id()) {
            return;
        }
        let source = self.modules.get(module).map_or("", |m| m.text);
        let scope = Scope::module(module);
        for (name, param, default) in parameters(def, source) {
            self.refuel(self.span_in(module, param));
            let param_span = self.span_in(module, param);
            let annotation = field(param, "type");
            let mut markers: Vec<Val<'t>> = default.map(|d| self.eval(d, &scope, 0)).into_iter().collect();
            if let Some(annotation) = annotation {
                markers.extend(self.annotated_markers(module, annotation, 0));
            }
            let mut has_marker = false;
            for (index, m) in markers.iter().enumerate() {
                let V::Call(call) = &m.v else { continue };
                match marker(call) {
                    Some("Header") => {
                        has_marker = true;
                        let alias = call.arg(None, "alias").and_then(|a| a.val.str().map(str::to_string));
                        let convert =
                            !matches!(call.arg(None, "convert_underscores").map(|a| &a.val.v), Some(V::Bool(false)));
                        let header =
                            alias.unwrap_or_else(|| if convert { name.replace('_', "-") } else { name.clone() });
                        let source = format!("the `Header()` parameter `{name}`");
                        // A default in the marker (`...` is Unknown: required), or, for a marker in
                        // the annotation, the parameter's own default.
                        let optional = match call.arg(Some(0), "default") {
                            Some(d) => !matches!(d.val.v, V::Unknown),
                            None => call.arg(None, "default_factory").is_some() || (default.is_some() && index > 0),
                        };
                        needs.headers.push(HeaderNeed { name: header, span: param_span, source, optional });
                    }
                    Some("Depends" | "Security") => {
                        has_marker = true;
                        // `Depends()` without an argument depends on the annotation's class: not followed.
                        if let Some(inner) = call.arg(Some(0), "dependency") {
                            self.dependency_needs(&inner.val.clone(), needs, depth + 1);
                        }
                    }
                    Some("Body") => {
                        has_marker = true;
                        needs.json_body.get_or_insert(param_span);
                    }
                    Some(_) => has_marker = true,
                    None => {}
                }
            }
            if has_marker {
                continue;
            }
            if let Some(annotation) = annotation {
                if self.is_body_type(module, annotation, 0) {
                    needs.json_body.get_or_insert(param_span);
                    continue;
                }
                if text(annotation, source).trim() == "Request" {
                    self.reads_json(module, def, &name, needs);
                }
            } else if depth == 0 && name == "request" {
                self.reads_json(module, def, &name, needs);
            }
        }
    }

    /// `await request.json()` in the body.
    fn reads_json(&self, module: ModId, def: Node<'t>, request: &str, needs: &mut Needs) {
        let source = self.modules.get(module).map_or("", |m| m.text);
        let Some(body) = field(def, "body") else { return };
        let mut found = None;
        visit(body, MAX_DEPTH, &mut |n| {
            if found.is_some() {
                return false;
            }
            if n.kind() == "call"
                && let Some(f) = field(n, "function").filter(|f| f.kind() == "attribute")
            {
                let on_request = field(f, "object").is_some_and(|o| text(o, source) == request);
                if on_request && field(f, "attribute").is_some_and(|a| text(a, source) == "json") {
                    found = Some(self.span_in(module, n));
                    return false;
                }
            }
            !matches!(n.kind(), "function_definition" | "class_definition")
        });
        if let Some(at) = found {
            needs.json_body.get_or_insert(at);
        }
    }

    /// The calls inside `Annotated[T, Header(), Depends(f)]`, also through a module-level alias
    /// (`TokenDep = Annotated[str, Depends(oauth2)]`).
    fn annotated_markers(&self, module: ModId, annotation: Node<'t>, depth: usize) -> Vec<Val<'t>> {
        if depth > 2 {
            return Vec::new();
        }
        let source = self.modules.get(module).map_or("", |m| m.text);
        let scope = Scope::module(module);
        let mut calls = Vec::new();
        let mut names = Vec::new();
        visit(annotation, 6, &mut |n| match n.kind() {
            "call" => {
                calls.push(n);
                false
            }
            "identifier" => {
                names.push(n);
                false
            }
            _ => true,
        });
        let mut out: Vec<Val<'t>> = calls.into_iter().map(|c| self.eval(c, &scope, 0)).collect();
        if out.is_empty() {
            // A single name: an alias defined as `Annotated[...]`.
            if let [name] = names.as_slice() {
                if let Some(super::modules::Binding::Value { value: Some(value), .. }) =
                    self.modules.get(module).and_then(|m| m.symbols.get(text(*name, source)))
                    && unparen(*value).kind() == "subscript"
                {
                    out.extend(self.annotated_markers(module, *value, depth + 1));
                }
                if let Some(super::modules::Binding::Import(_) | super::modules::Binding::ImportChoice(_)) =
                    self.modules.get(module).and_then(|m| m.symbols.get(text(*name, source)))
                    && let Some((m, value)) = self.imported_alias(module, text(*name, source))
                {
                    out.extend(self.annotated_markers(m, value, depth + 1));
                }
            }
        }
        out
    }

    /// The `Annotated[...]` expression an imported name is bound to in its module.
    fn imported_alias(&self, module: ModId, name: &str) -> Option<(ModId, Node<'t>)> {
        let import = match self.modules.get(module)?.symbols.get(name)? {
            super::modules::Binding::Import(import) => import,
            super::modules::Binding::ImportChoice(imports) => self.chosen_import(imports, module)?,
            _ => return None,
        };
        let target = self.index.find(&import.module, import.relative, module)?;
        let real = import.name.as_deref()?;
        match self.modules.get(target)?.symbols.get(real)? {
            super::modules::Binding::Value { value: Some(value), .. } if unparen(*value).kind() == "subscript" => {
                Some((target, *value))
            }
            _ => None,
        }
    }

    /// A parameter type FastAPI reads from a JSON body: a pydantic model (or a list of them), `dict`.
    fn is_body_type(&self, module: ModId, annotation: Node<'t>, depth: usize) -> bool {
        if depth > MAX_DEPTH / 4 {
            return false;
        }
        let source = self.modules.get(module).map_or("", |m| m.text);
        let plain = text(annotation, source).replace(' ', "");
        if plain == "dict" || plain.starts_with("dict[") || plain.starts_with("Dict[") {
            return true;
        }
        let mut names = Vec::new();
        visit(annotation, 8, &mut |n| {
            if matches!(n.kind(), "identifier" | "attribute") {
                names.push(n);
                return false;
            }
            n.kind() != "call"
        });
        names.into_iter().any(|n| match self.eval(n, &Scope::module(module), 0).v {
            V::Class(m, class) => {
                let (_, external) = self.class_chain(m, class);
                external
                    .iter()
                    .any(|p| p.ends_with("BaseModel") || p.ends_with("SQLModel") || p.starts_with("pydantic."))
            }
            _ => false,
        })
    }
}
