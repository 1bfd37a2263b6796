//! Middleware classification: Starlette's own middleware by name, project middleware (a `dispatch`
//! method, an `@app.middleware` function, a pure ASGI `__call__`) through the preflight simulation of
//! `preflight`, and authentication backends.

use super::Ctx;
use super::conditions::header_read;
use super::modules::ModId;
use super::preflight::{Mode, Next, Sim};
use super::syntax::{MAX_DEPTH, field, text};
use super::value::{Arg, V, Val, parameters};
use crate::model::Value;
use crate::model::app::{AuthBackend, CustomMiddleware, MiddlewareKind};
use crate::source::Spanned;
use tree_sitter::Node;

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
