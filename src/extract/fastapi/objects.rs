//! The app and router objects found in the project, and what was done to each: every operation is
//! recorded once, in statement order, on the object it targets.

use super::Ctx;
use super::modules::ModId;
use super::value::{CallV, Scope, V, Val};
use crate::model::app::Framework;
use crate::source::{FileId, Span, Spanned};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    App(usize),
    Router(usize),
}

/// An application object found in the project.
#[derive(Debug)]
pub struct AppObj<'t> {
    pub span: Span,
    pub framework: Framework,
    /// The constructor call; `None` for an app only known as a parameter (`def setup(app): ...`).
    pub ctor: Option<CallV<'t>>,
    pub ops: Vec<Op<'t>>,
}

#[derive(Debug)]
pub struct RouterObj<'t> {
    pub ctor: CallV<'t>,
    pub ops: Vec<Op<'t>>,
}

#[derive(Debug)]
pub struct Op<'t> {
    /// Statement order: byte offsets along the chain of calls that led here.
    pub key: Vec<usize>,
    pub kind: OpKind<'t>,
}

#[derive(Debug)]
pub enum OpKind<'t> {
    /// `app.add_middleware(Cls, ...)`: the whole call (the class is its first argument).
    AddMiddleware(CallV<'t>),
    /// `@app.middleware("http")` on `def`.
    Decorator {
        module: ModId,
        def: Node<'t>,
        span: Span,
    },
    /// `app = Cls(app, ...)`.
    Wrap(CallV<'t>),
    Route(RouteOp<'t>),
    /// `CORS(app, ...)` / `CORS(...).init_app(app, ...)`: the options after the app, later ones
    /// winning (Flask-CORS).
    FlaskCors(CallV<'t>),
    /// `@cross_origin(...)` on the view of the route at `route` (its path template).
    CrossOrigin {
        call: CallV<'t>,
        route: Option<String>,
        span: Span,
    },
    /// `app.config[...] = ...`, `app.config.update(...)`, `app.config.from_object(...)`: the
    /// `CORS_*` keys set (upper case), and whether keys may have been set that corslint cannot see.
    Config {
        entries: Vec<(String, super::value::Arg<'t>)>,
        unknown: bool,
    },
    Include {
        router: usize,
        prefix: Option<String>,
        dependencies: Vec<Val<'t>>,
    },
}

#[derive(Debug)]
pub struct RouteOp<'t> {
    pub methods: Vec<Spanned<String>>,
    pub path: Option<String>,
    pub span: Span,
    pub handler: Option<(ModId, Node<'t>)>,
    pub dependencies: Vec<Val<'t>>,
}

#[derive(Debug, Default)]
pub struct Objects<'t> {
    pub apps: Vec<AppObj<'t>>,
    pub routers: Vec<RouterObj<'t>>,
    pub(super) by_node: HashMap<(FileId, usize), Target>,
    /// (target, operation node) pairs already recorded: a function walked from a call site and again
    /// on its own records its operations once.
    pub(super) seen: HashSet<(Target, FileId, usize)>,
    /// Operations on a receiver that is not a known app (a parameter never bound at a call site):
    /// kept until every walk is done, then given to a stand-in app unless a real app got them.
    pub(super) pending: Vec<(Span, Op<'t>, (FileId, usize))>,
}

pub(super) const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "options", "head", "trace"];

pub(super) fn app_framework(path: &str) -> Option<Framework> {
    match path {
        "fastapi.FastAPI" | "fastapi.applications.FastAPI" | "?.FastAPI" => Some(Framework::FastApi),
        "starlette.applications.Starlette" | "?.Starlette" => Some(Framework::Starlette),
        "flask.Flask" | "flask.app.Flask" => Some(Framework::Flask),
        "litestar.Litestar" | "litestar.app.Litestar" => Some(Framework::Litestar),
        _ => None,
    }
}

pub(super) fn is_router(path: &str) -> bool {
    matches!(
        path,
        "fastapi.APIRouter"
            | "fastapi.routing.APIRouter"
            | "?.APIRouter"
            | "starlette.routing.Router"
            | "flask.Blueprint"
            | "flask.blueprints.Blueprint"
    )
}

impl Objects<'_> {
    /// How much has been recorded so far (objects, operations, operations waiting for an app):
    /// grows whenever a statement does something to an app or router.
    pub fn recorded(&self) -> usize {
        self.apps.len() + self.routers.len() + self.seen.len() + self.pending.len()
    }
}

impl<'t> Ctx<'t> {
    /// Called by the evaluator for every call of something outside the project: an app or router
    /// constructor becomes an object (one per constructor call).
    pub fn construct(&self, call: &CallV<'t>) -> Option<V<'t>> {
        let framework = app_framework(&call.path);
        if framework.is_none() && !is_router(&call.path) {
            return None;
        }
        let key = (call.span.file, call.span.start());
        let mut objects = self.objects.borrow_mut();
        if let Some(target) = objects.by_node.get(&key) {
            return Some(match *target {
                Target::App(id) => V::App(id),
                Target::Router(id) => V::Router(id),
            });
        }
        let target = match framework {
            Some(framework) => {
                let app = AppObj { span: call.span, framework, ctor: Some(call.clone()), ops: Vec::new() };
                objects.apps.push(app);
                Target::App(objects.apps.len() - 1)
            }
            None => {
                objects.routers.push(RouterObj { ctor: call.clone(), ops: Vec::new() });
                Target::Router(objects.routers.len() - 1)
            }
        };
        objects.by_node.insert(key, target);
        Some(match target {
            Target::App(id) => V::App(id),
            Target::Router(id) => V::Router(id),
        })
    }

    pub(super) fn record(&self, target: Target, node: Node<'t>, scope: &Scope<'t>, op: Op<'t>) {
        let file = self.span_in(scope.module, node).file;
        let mut objects = self.objects.borrow_mut();
        if !objects.seen.insert((target, file, node.start_byte())) {
            return;
        }
        match target {
            Target::App(id) => {
                if let Some(app) = objects.apps.get_mut(id) {
                    app.ops.push(op);
                }
            }
            Target::Router(id) => {
                if let Some(router) = objects.routers.get_mut(id) {
                    router.ops.push(op);
                }
            }
        }
    }

    /// Operations on unknown receivers that no real app received become stand-in apps, one per
    /// receiver (so `def setup(app): app.add_middleware(CORSMiddleware, ...)` still yields a policy).
    pub(super) fn settle_pending(&self) {
        let mut objects = self.objects.borrow_mut();
        let pending = std::mem::take(&mut objects.pending);
        let recorded: HashSet<(FileId, usize)> = objects.seen.iter().map(|(_, f, s)| (*f, *s)).collect();
        let mut stand_ins: HashMap<Span, usize> = HashMap::new();
        for (receiver, op, node_key) in pending {
            if recorded.contains(&node_key) {
                continue;
            }
            let id = *stand_ins.entry(receiver).or_insert_with(|| {
                objects.apps.push(AppObj {
                    span: receiver,
                    framework: Framework::FastApi,
                    ctor: None,
                    ops: Vec::new(),
                });
                objects.apps.len() - 1
            });
            if let Some(app) = objects.apps.get_mut(id)
                && !app.ops.iter().any(|o| o.key == op.key)
            {
                app.ops.push(op);
            }
        }
    }
}

/// The items of a list value (`dependencies=[...]`).
pub fn seq_items<'t>(val: Option<&Val<'t>>) -> Vec<Val<'t>> {
    match val.map(|v| &v.v) {
        Some(V::Seq(seq)) => seq.items.to_vec(),
        _ => Vec::new(),
    }
}

/// `methods=[...]` of `api_route`/`add_api_route`: upper-cased (FastAPI upper-cases them), default
/// `GET`; `None` when the list is not known.
pub(super) fn methods_arg(parts: &CallV<'_>, default_span: Span) -> Option<Vec<Spanned<String>>> {
    match parts.arg(None, "methods").map(|a| &a.val.v) {
        None | Some(V::NoneVal) => Some(vec![Spanned::new("GET".to_string(), default_span)]),
        Some(V::Seq(seq)) if !seq.unknown => {
            seq.items.iter().map(|item| item.str().map(|m| Spanned::new(m.to_ascii_uppercase(), item.span))).collect()
        }
        _ => None,
    }
}
