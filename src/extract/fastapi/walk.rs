//! Walks every module and function body in statement order and records what is done to app and
//! router objects: `add_middleware`, `@app.middleware("http")`, wrapping, routes, `include_router`.
//! Calls of project functions that receive an app (`setup_cors(app)`) are followed with the app
//! bound, so their operations land on the right app in the right order.

use super::Ctx;
use super::objects::{HTTP_METHODS, Op, OpKind, RouteOp, Target, app_framework, is_router, methods_arg, seq_items};
use super::syntax::{MAX_DEPTH, children, field, span, text, unparen, visit};
use super::value::{CallV, Scope, V, Val};
use crate::source::{Span, Spanned};
use std::rc::Rc;
use tree_sitter::Node;

/// How many project functions deep an app is followed into (`main` → `create_app` → `setup_cors`).
const MAX_CALL_DEPTH: usize = 5;

/// Whether a `def` can sit inside `node`. Expressions and simple statements hold none, unless
/// tree-sitter's error recovery put one there; not entering them halves the search for function
/// bodies, which looked at every node of every module.
fn may_hold_definition(node: Node<'_>) -> bool {
    node.has_error()
        || !matches!(
            node.kind(),
            "expression_statement"
                | "return_statement"
                | "import_statement"
                | "import_from_statement"
                | "future_import_statement"
                | "assert_statement"
                | "delete_statement"
                | "raise_statement"
                | "global_statement"
                | "nonlocal_statement"
                | "pass_statement"
                | "type_alias_statement"
                | "decorator"
                | "parameters"
                | "argument_list"
                | "type"
        )
}

impl<'t> Ctx<'t> {
    /// Walks every module body, then every function body on its own.
    pub fn walk_all(&self) {
        for module in 0..self.modules.len() {
            let Some(m) = self.modules.get(module) else { continue };
            let (root, file) = (m.root, m.file);
            self.walk_block(root, &Scope::module(module), &[file], 0, &mut Vec::new());
        }
        for module in 0..self.modules.len() {
            let Some(m) = self.modules.get(module) else { continue };
            let (root, file) = (m.root, m.file);
            let mut defs = Vec::new();
            visit(root, MAX_DEPTH, &mut |n| {
                if n.kind() == "function_definition" {
                    defs.push(n);
                }
                may_hold_definition(n)
            });
            for def in defs {
                let frame = self.frame_for(module, def, None, None);
                let scope = Scope { module, frame: Some(Rc::new(frame)), overlay: Rc::new(Vec::new()) };
                if let Some(body) = field(def, "body") {
                    self.walk_block(body, &scope, &[file, def.start_byte()], 0, &mut vec![def.id()]);
                }
            }
        }
        self.settle_pending();
    }

    fn walk_block(&self, block: Node<'t>, scope: &Scope<'t>, prefix: &[usize], depth: usize, stack: &mut Vec<usize>) {
        if depth > MAX_DEPTH {
            return;
        }
        for stmt in children(block) {
            self.refuel(self.span_in(scope.module, stmt));
            let recorded = self.objects.borrow().recorded();
            let mut key = prefix.to_vec();
            key.push(stmt.start_byte());
            match stmt.kind() {
                "expression_statement" => {
                    for expr in children(stmt) {
                        self.walk_expression(expr, scope, &key, stack);
                    }
                }
                "decorated_definition" => self.walk_decorated(stmt, scope, &key),
                "if_statement" | "try_statement" | "with_statement" | "for_statement" | "while_statement"
                | "match_statement" | "elif_clause" | "else_clause" | "except_clause" | "finally_clause"
                | "case_clause" | "block" => self.walk_block(stmt, scope, &key, depth + 1, stack),
                _ => {}
            }
            // A statement whose evaluation stopped matters when it did something to an app or router.
            if self.objects.borrow().recorded() != recorded {
                self.budget.keep_pending();
            } else {
                self.budget.drop_pending();
            }
        }
    }

    fn walk_expression(&self, expr: Node<'t>, scope: &Scope<'t>, key: &[usize], stack: &mut Vec<usize>) {
        let expr = unparen(expr);
        match expr.kind() {
            "call" => self.walk_call(expr, scope, key, stack),
            "await" => {
                if let Some(inner) = children(expr).first() {
                    self.walk_expression(*inner, scope, key, stack);
                }
            }
            "assignment" => {
                if self.walk_flask_config_item(expr, scope, key) {
                    return;
                }
                let Some(right) = field(expr, "right").map(unparen) else { return };
                if right.kind() == "call" {
                    // An app or router exists even when nothing refers to it (`app = FastAPI(...)`
                    // served by `uvicorn main:app`): evaluating the call records it.
                    if let Some(function) = field(right, "function")
                        && self
                            .eval(function, scope, 0)
                            .path()
                            .is_some_and(|p| app_framework(p).is_some() || is_router(p))
                    {
                        let _ = self.eval(right, scope, 0);
                    }
                    if !self.walk_wrap(right, scope, key) {
                        self.walk_call(right, scope, key, stack);
                    }
                } else if right.kind() == "assignment" {
                    self.walk_expression(right, scope, key, stack);
                }
            }
            _ => {}
        }
    }

    /// `app = Cls(app, ...)` (or `Cls(app=app, ...)`): a middleware wrapping the whole app.
    fn walk_wrap(&self, call: Node<'t>, scope: &Scope<'t>, key: &[usize]) -> bool {
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        let (Some(function), Some(arguments)) = (field(call, "function"), field(call, "arguments")) else {
            return false;
        };
        let first = children(arguments).into_iter().find(|a| match a.kind() {
            "keyword_argument" => field(*a, "name").is_some_and(|n| text(n, source) == "app"),
            _ => true,
        });
        let app_node = first.and_then(|f| if f.kind() == "keyword_argument" { field(f, "value") } else { Some(f) });
        // An app is passed by name; anything else is not worth evaluating here.
        let Some(app_node) = app_node.filter(|n| matches!(n.kind(), "identifier" | "attribute")) else { return false };
        match self.eval(function, scope, 0).v {
            // `cors = CORS(app)` keeps the extension object: it does not replace the app.
            V::Path(path) if super::flask::is_extension(&path) => return false,
            V::Path(_) | V::Class(..) => {}
            _ => return false,
        }
        let V::App(app) = self.eval(app_node, scope, 0).v else { return false };
        let Some(wrap) = self.eval_call_parts(call, scope) else { return false };
        self.record(Target::App(app), call, scope, Op { key: key.to_vec(), kind: OpKind::Wrap(wrap) });
        true
    }

    fn walk_call(&self, call: Node<'t>, scope: &Scope<'t>, key: &[usize], stack: &mut Vec<usize>) {
        let Some(function) = field(call, "function").map(unparen) else { return };
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        if function.kind() == "attribute" {
            let (Some(object), Some(attr)) = (field(function, "object"), field(function, "attribute")) else { return };
            let attr = text(attr, source);
            match attr {
                "add_middleware" | "include_router" | "register_blueprint" | "add_api_route" | "add_route" => {
                    let receiver = self.eval(object, scope, 0);
                    let Some(parts) = self.eval_call_parts(call, scope) else { return };
                    self.on_receiver(receiver, object, attr, parts, call, scope, key);
                    return;
                }
                _ => {
                    if self.walk_flask_method(call, object, attr, scope, key) {
                        return;
                    }
                }
            }
        }
        // `app.middleware("http")(dispatch)`
        if function.kind() == "call" {
            if let Some((target, _)) = self.middleware_decorator(function, scope) {
                let Some(arguments) = field(call, "arguments") else { return };
                if let Some(first) = children(arguments).first()
                    && let V::Func(module, def) = self.eval(*first, scope, 0).v
                {
                    let op = OpKind::Decorator { module, def, span: self.span_in(scope.module, call) };
                    self.record(target, call, scope, Op { key: key.to_vec(), kind: op });
                }
            }
            return;
        }
        // A project function that receives an app or router: follow it with the arguments bound.
        if stack.len() > MAX_CALL_DEPTH {
            return;
        }
        let callee = self.eval(function, scope, 0);
        if let V::Path(path) = &callee.v
            && super::flask::is_extension(path)
        {
            self.walk_flask_cors(call, scope, key);
            return;
        }
        let followed = match callee.v {
            V::Func(module, def) => Some((module, def, None)),
            // A project class built with the app (`SessionStore(redis, app)`): its `__init__` runs
            // with the app bound, as a function would.
            V::Class(module, class) => self
                .find_method(module, class, "__init__")
                .map(|(module, init)| (module, init, Some(Val::unknown(self.span_in(scope.module, call))))),
            _ => None,
        };
        let Some((module, def, receiver)) = followed else {
            self.flask_config_escapes(&callee, call, scope, key);
            return;
        };
        if stack.contains(&def.id()) {
            return;
        }
        // Follow calls that receive an app or router (passed by name), and factories that return
        // one (so the factory's operations are ordered where it is called).
        let Some(arguments) = field(call, "arguments") else { return };
        let by_name = children(arguments).into_iter().any(|a| {
            let value = if a.kind() == "keyword_argument" { field(a, "value") } else { Some(a) };
            value.is_some_and(|v| matches!(v.kind(), "identifier" | "attribute"))
        });
        if !by_name && self.single_return(def).is_none() {
            return;
        }
        let Some(parts) = self.eval_call_parts(call, scope) else { return };
        let receives = parts.args.iter().any(|a| matches!(a.val.v, V::App(_) | V::Router(_)));
        if !receives && (receiver.is_some() || !matches!(self.apply(parts.clone(), 0).v, V::App(_))) {
            return;
        }
        let frame = self.frame_for(module, def, Some(&parts), receiver);
        let inner = Scope { module, frame: Some(Rc::new(frame)), overlay: Rc::new(Vec::new()) };
        let Some(body) = field(def, "body") else { return };
        let mut prefix = key.to_vec();
        prefix.push(def.start_byte());
        stack.push(def.id());
        self.walk_block(body, &inner, &prefix, 0, stack);
        stack.pop();
    }

    #[allow(clippy::too_many_arguments)]
    fn on_receiver(
        &self,
        receiver: Val<'t>,
        object: Node<'t>,
        attr: &str,
        parts: CallV<'t>,
        call: Node<'t>,
        scope: &Scope<'t>,
        key: &[usize],
    ) {
        let target = match receiver.v {
            V::App(id) => Target::App(id),
            V::Router(id) => Target::Router(id),
            _ => {
                if attr == "add_middleware" {
                    let receiver_span = self.receiver_span(object, scope);
                    let node_key = (self.span_in(scope.module, call).file, call.start_byte());
                    let op = Op { key: key.to_vec(), kind: OpKind::AddMiddleware(parts) };
                    self.objects.borrow_mut().pending.push((receiver_span, op, node_key));
                }
                return;
            }
        };
        let kind = match attr {
            "add_middleware" if matches!(target, Target::App(_)) => OpKind::AddMiddleware(parts),
            "include_router" | "register_blueprint" => {
                let (router_param, prefix_param) =
                    if attr == "include_router" { ("router", "prefix") } else { ("blueprint", "url_prefix") };
                let Some(V::Router(router)) = parts.arg(Some(0), router_param).map(|a| a.val.v.clone()) else {
                    return;
                };
                let prefix = parts.arg(None, prefix_param).and_then(|a| a.val.str().map(str::to_string));
                let dependencies = seq_items(parts.arg(None, "dependencies").map(|a| &a.val));
                OpKind::Include { router, prefix, dependencies }
            }
            "add_api_route" | "add_route" => {
                let path = parts.arg(Some(0), "path").and_then(|a| a.val.str().map(str::to_string));
                let handler = match parts.arg(Some(1), "endpoint").map(|a| &a.val.v) {
                    Some(V::Func(module, def)) => Some((*module, *def)),
                    _ => None,
                };
                let Some(methods) = methods_arg(&parts, self.span_in(scope.module, call)) else { return };
                let dependencies = seq_items(parts.arg(None, "dependencies").map(|a| &a.val));
                let span = self.span_in(scope.module, call);
                OpKind::Route(RouteOp { methods, path, span, handler, dependencies })
            }
            _ => return,
        };
        self.record(target, call, scope, Op { key: key.to_vec(), kind });
    }

    /// Where a stand-in app is declared: the parameter the receiver names, or the receiver itself.
    fn receiver_span(&self, object: Node<'t>, scope: &Scope<'t>) -> Span {
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        if object.kind() == "identifier"
            && let Some(frame) = &scope.frame
        {
            let name = text(object, source);
            let params = super::value::parameters(frame.func, source);
            if let Some((_, node, _)) = params.iter().find(|(p, _, _)| p == name) {
                return self.span_in(scope.module, *node);
            }
        }
        self.span_in(scope.module, object)
    }

    /// `@app.middleware("http")` or `app.middleware("http")`: the app it registers on.
    fn middleware_decorator(&self, call: Node<'t>, scope: &Scope<'t>) -> Option<(Target, ())> {
        let function = field(call, "function")?;
        if function.kind() != "attribute" {
            return None;
        }
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        if field(function, "attribute").map(|a| text(a, source)) != Some("middleware") {
            return None;
        }
        match self.eval(field(function, "object")?, scope, 0).v {
            V::App(id) => Some((Target::App(id), ())),
            _ => None,
        }
    }

    fn walk_decorated(&self, stmt: Node<'t>, scope: &Scope<'t>, key: &[usize]) {
        let Some(def) = field(stmt, "definition").filter(|d| d.kind() == "function_definition") else { return };
        let source = self.modules.get(scope.module).map_or("", |m| m.text);
        let mut cross_origins = Vec::new();
        let mut routed: Option<(Target, Option<String>)> = None;
        for decorator in children(stmt).into_iter().filter(|d| d.kind() == "decorator") {
            let Some(written) = children(decorator).first().copied() else { continue };
            let expr = unparen(written);
            if expr.kind() != "call" {
                continue;
            }
            if self.is_cross_origin(expr, scope) {
                // Only below the route decorator does it wrap the view Flask registers.
                if routed.is_some() {
                    cross_origins.push((expr, decorator));
                }
                continue;
            }
            // tree-sitter's decorator node runs on over a trailing comment to the line break (and
            // its `\r`): the finding points at `@` and the expression only.
            let mut decorator_span = self.span_in(scope.module, decorator);
            decorator_span.range.end = written.end_byte().max(decorator_span.range.start);
            let Some(function) = field(expr, "function").filter(|f| f.kind() == "attribute") else { continue };
            let (Some(object), Some(attr)) = (field(function, "object"), field(function, "attribute")) else {
                continue;
            };
            let attr_text = text(attr, source);
            if attr_text == "middleware" {
                if let Some((target, _)) = self.middleware_decorator(expr, scope) {
                    let op = OpKind::Decorator { module: scope.module, def, span: decorator_span };
                    self.record(target, decorator, scope, Op { key: key.to_vec(), kind: op });
                }
                continue;
            }
            let is_method = HTTP_METHODS.contains(&attr_text);
            if !is_method && attr_text != "api_route" && attr_text != "route" {
                continue;
            }
            let target = match self.eval(object, scope, 0).v {
                V::App(id) => Target::App(id),
                V::Router(id) => Target::Router(id),
                _ => continue,
            };
            let Some(parts) = self.eval_call_parts(expr, scope) else { continue };
            let methods = if is_method {
                vec![Spanned::new(
                    attr_text.to_ascii_uppercase(),
                    span(self.span_in(scope.module, function).file, function),
                )]
            } else {
                match methods_arg(&parts, decorator_span) {
                    Some(methods) => methods,
                    None => continue,
                }
            };
            let path = parts.arg(Some(0), "path").and_then(|a| a.val.str().map(str::to_string));
            let dependencies = seq_items(parts.arg(None, "dependencies").map(|a| &a.val));
            routed = Some((target, path.clone()));
            let route =
                RouteOp { methods, path, span: decorator_span, handler: Some((scope.module, def)), dependencies };
            self.record(target, decorator, scope, Op { key: key.to_vec(), kind: OpKind::Route(route) });
        }
        if let Some((target, route)) = routed {
            for (expr, decorator) in cross_origins {
                self.record_cross_origin(target, route.clone(), expr, decorator, scope, key);
            }
        }
    }
}
