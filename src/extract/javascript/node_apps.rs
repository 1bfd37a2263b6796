//! The apps of one file by receiver name (`app`, `fastify`, `server`), with their CORS setups and
//! policies, as the fastify and Hono readers build them.

use super::express::Options;
use super::express::{arguments, is_not_the_app};
use super::modules::Modules;
use super::plugin_policy::{Flavour, policy_of};
use super::value::{Value, import_source};
use crate::model::CorsPolicy;
use crate::model::Project;
use crate::model::app::{App, CorsSetup, Framework, Install, Middleware, MiddlewareKind, PathScope, Route};
use crate::parse::Parsed;
use crate::source::{FileId, Span, Spanned};
use tree_sitter::Node;

/// Routes registered by `receiver.get(path, …)` and the like, by method name.
pub(super) const ROUTE_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "options", "head"];

pub(super) struct NodeApps {
    pub file: FileId,
    apps: Vec<(String, App, Vec<CorsPolicy>)>,
}

impl NodeApps {
    pub fn new(file: FileId) -> Self {
        NodeApps { file, apps: Vec::new() }
    }

    pub fn span(&self, node: Node<'_>) -> Span {
        Span::new(self.file, node.start_byte(), node.end_byte())
    }

    pub fn app(&mut self, receiver: &str, framework: Framework) -> &mut App {
        app_named(&mut self.apps, self.file, receiver, framework)
    }

    /// A route `METHOD path` registered by `call`.
    pub fn route(&mut self, receiver: &str, framework: Framework, method: &str, path: Option<String>, call: Node<'_>) {
        let span = self.span(call);
        let method_span = self.span(call.child_by_field_name("function").unwrap_or(call));
        let methods = vec![Spanned::new(method.to_ascii_uppercase(), method_span)];
        self.app(receiver, framework).routes.push(Route { methods, path, span, json_body: None, headers: Vec::new() });
    }

    /// A middleware or hook that is not the CORS component, in the order written.
    pub fn middleware(&mut self, receiver: &str, framework: Framework, middleware: Middleware) {
        self.app(receiver, framework).middleware.push(middleware);
    }

    /// One CORS setup with `options` (`None`: called without options) at `node`; nothing when the
    /// options turn it off. `in_stack`: it takes its place in the middleware list (CORS201).
    #[allow(clippy::too_many_arguments)]
    pub fn cors(
        &mut self,
        flavour: &Flavour,
        receiver: &str,
        framework: Framework,
        node: Node<'_>,
        options: Option<&Value>,
        install: Install,
        paths: Option<PathScope>,
        in_stack: bool,
    ) {
        let span = self.span(node);
        let Some(Options { policy, args, unknown_args, origin_notes }) = policy_of(flavour, self.file, options, span)
        else {
            return;
        };
        let app = self.app(receiver, framework);
        if app.cors.is_empty() {
            app.span = span;
        }
        app.framework = framework;
        let index = app.cors.len();
        app.cors.push(CorsSetup { policy: 0, span, install, args, unknown_args, origin_notes, paths });
        if in_stack {
            let kind = MiddlewareKind::Cors { setup: index };
            app.middleware.push(Middleware { name: "cors".to_owned(), span, install, kind });
        }
        let Some((_, app, policies)) = self.apps.iter_mut().find(|(name, _, _)| name == receiver) else { return };
        if let Some(setup) = app.cors.get_mut(index) {
            setup.policy = policies.len();
        }
        policies.push(policy);
    }

    /// The apps that install a CORS component, with their policies.
    pub fn finish(self) -> Vec<(App, Vec<CorsPolicy>)> {
        self.apps.into_iter().filter(|(_, app, _)| !app.cors.is_empty()).map(|(_, app, p)| (app, p)).collect()
    }
}

/// The app a file binds to `receiver`, created on first use (its span is the file's start until
/// something places it).
pub(super) fn app_named<'a>(
    apps: &'a mut Vec<(String, App, Vec<CorsPolicy>)>,
    file: FileId,
    receiver: &str,
    framework: Framework,
) -> &'a mut App {
    let at = match apps.iter().position(|(name, _, _)| name == receiver) {
        Some(at) => at,
        None => {
            let app = App {
                span: Span::new(file, 0, 0),
                framework,
                cors: Vec::new(),
                middleware: Vec::new(),
                routes: Vec::new(),
                header_needs: Vec::new(),
            };
            apps.push((receiver.to_owned(), app, Vec::new()));
            apps.len() - 1
        }
    };
    let (_, app, _) = &mut apps[at];
    app
}

/// Runs `read` over every JavaScript file of the app (not tests or examples) whose text names
/// `needle`, and adds the apps it finds to the project.
pub(super) fn extract_with(
    project: &mut Project,
    parsed: &[Parsed],
    needle: &str,
    read: impl for<'t> Fn(FileId, Node<'t>, &'t str, &Modules<'t>) -> Vec<(App, Vec<CorsPolicy>)>,
) {
    let mut found = Vec::new();
    let modules = Modules::new(&project.files, parsed);
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::JavaScript(tree) = tree else { continue };
        let Some(file) = project.files.get(id) else { continue };
        if !file.text.contains(needle) || is_not_the_app(file.path.strip_prefix(&project.root).unwrap_or(&file.path)) {
            continue;
        }
        found.extend(read(id, tree.root(), &file.text, &modules));
    }
    drop(modules);
    for (mut app, policies) in found {
        let base = project.policies.len();
        for setup in &mut app.cors {
            setup.policy += base;
        }
        project.policies.extend(policies);
        project.apps.push(app);
    }
}

/// `receiver.method(args…)`: the receiver's and the method's text, and the arguments.
pub(super) fn member_call<'t>(call: Node<'t>, text: &'t str) -> Option<(&'t str, &'t str, Vec<Node<'t>>)> {
    let function = call.child_by_field_name("function").filter(|f| f.kind() == "member_expression")?;
    let receiver = function.child_by_field_name("object")?.utf8_text(text.as_bytes()).ok()?;
    let method = function.child_by_field_name("property")?.utf8_text(text.as_bytes()).ok()?;
    Some((receiver, method, arguments(call)))
}

/// Whether `node` is `require("<module>")`, `import("<module>")` or `await import("<module>")`,
/// possibly followed by `.default` or the named export.
pub(super) fn loads_module(node: Node<'_>, text: &str, module: &str) -> bool {
    let mut node = node;
    loop {
        match node.kind() {
            "await_expression" | "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => node = inner,
                None => return false,
            },
            "member_expression" => match node.child_by_field_name("object") {
                Some(object) => node = object,
                None => return false,
            },
            "call_expression" => {
                let Some(function) = node.child_by_field_name("function") else { return false };
                let callee = function.utf8_text(text.as_bytes()).unwrap_or("");
                if callee != "require" && function.kind() != "import" {
                    return false;
                }
                return arguments(node).first().is_some_and(|a| {
                    a.kind() == "string"
                        && a.utf8_text(text.as_bytes()).unwrap_or("").trim_matches(['"', '\'', '`']) == module
                });
            }
            _ => return false,
        }
    }
}

/// The names the file binds to `module`: `const x = require(m)`, `const { x } = require(m)`,
/// `import x from m`, `import { x as y } from m`, `import x = require(m)`, `const x = await import(m)`.
pub(super) fn module_bindings<'t>(root: Node<'t>, text: &'t str, module: &str) -> Vec<&'t str> {
    let mut names = Vec::new();
    let mut stack = vec![root];
    let name_of = |n: Node<'t>| n.utf8_text(text.as_bytes()).unwrap_or("");
    while let Some(node) = stack.pop() {
        let binds = match node.kind() {
            "variable_declarator" => node
                .child_by_field_name("value")
                .is_some_and(|v| loads_module(v, text, module))
                .then(|| node.child_by_field_name("name"))
                .flatten(),
            "import_statement" => {
                import_source(node).is_some_and(|s| name_of(s).trim_matches(['"', '\'']) == module).then_some(node)
            }
            _ => None,
        };
        match binds {
            Some(binding) => {
                let mut inner = vec![binding];
                while let Some(n) = inner.pop() {
                    if matches!(n.kind(), "identifier" | "shorthand_property_identifier_pattern") {
                        names.push(name_of(n));
                    }
                    let mut cursor = n.walk();
                    inner.extend(n.named_children(&mut cursor).filter(|c| c.kind() != "string"));
                }
            }
            None => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}
