//! Names: comprehension variables, function frames, module bindings, imports (project modules or
//! outside paths), attributes of modules, classes and instances.

use super::Ctx;
use super::bindings::is_unnamed_include;
use super::modules::{Binding, ImportRef, ModId, Symbols, Update, UpdateKind, collect_symbols};
use super::syntax::{children, field, text, unparen};
use super::value::{BUILTINS, DictV, Scope, SeqKind, V, Val, merge};
use crate::source::Span;
use std::rc::Rc;
use tree_sitter::Node;

fn has_updates(binding: &Binding<'_>) -> bool {
    matches!(binding, Binding::Value { updates, .. } if !updates.is_empty())
}

impl<'t> Ctx<'t> {
    /// Looks a name up: comprehension variables, function frames, module, builtins.
    pub fn lookup(&self, name: &str, at: Span, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        if let Some((_, val)) = scope.overlay.iter().rev().find(|(n, _)| n == name) {
            return val.clone();
        }
        let mut frame = scope.frame.clone();
        while let Some(f) = frame {
            if let Some(val) = f.params.get(name) {
                return val.clone();
            }
            if let Some(binding) = f.locals.get(name) {
                if has_updates(binding) {
                    // What it holds depends on where it is read: not memoized.
                    let local = Scope { module: f.module, frame: Some(f.clone()), overlay: Rc::new(Vec::new()) };
                    return self.eval_binding(binding, &local, at, depth);
                }
                if let Some(val) = f.memo.borrow().get(name) {
                    return val.clone();
                }
                let local = Scope { module: f.module, frame: Some(f.clone()), overlay: Rc::new(Vec::new()) };
                // A placeholder first: a local defined through itself is unknown, not a loop.
                f.memo.borrow_mut().insert(name.to_string(), Val::unknown(at));
                let stops = self.budget.stops();
                let val = self.eval_named(&f.locals, name, binding, &local, at, depth);
                if self.budget.stops() == stops {
                    f.memo.borrow_mut().insert(name.to_string(), val.clone());
                } else {
                    f.memo.borrow_mut().remove(name);
                }
                return val;
            }
            if let Some(default) = f.defaults.get(name) {
                let outer = Scope { module: f.module, frame: f.parent.clone(), overlay: Rc::new(Vec::new()) };
                return self.eval(*default, &outer, depth + 1);
            }
            if f.param_names.iter().any(|p| p == name) {
                return Val::unknown(at);
            }
            frame = f.parent.clone();
        }
        self.module_name(scope.module, name, at, depth)
    }

    /// A module-level name, memoized; cycles and rebound names are `Unknown`.
    pub fn module_name(&self, module: ModId, name: &str, at: Span, depth: usize) -> Val<'t> {
        let key = (module, name.to_string());
        if let Some(val) = self.memo.borrow().get(&key) {
            return val.clone();
        }
        // A container changed in place reads differently before and after each change in its own
        // file: evaluated per use there (bounded by the same cycle guard), memoized for imports.
        let changed = self.modules.get(module).and_then(|m| m.symbols.get(name)).is_some_and(has_updates);
        if changed && at.file == self.file_of(module) {
            if !self.active.borrow_mut().insert(key.clone()) {
                return Val::unknown(at);
            }
            let val = match self.modules.get(module).and_then(|m| m.symbols.get(name)) {
                Some(binding) => self.eval_binding(binding, &Scope::module(module), at, depth),
                None => Val::unknown(at),
            };
            self.active.borrow_mut().remove(&key);
            return val;
        }
        if !self.active.borrow_mut().insert(key.clone()) {
            return Val::unknown(at);
        }
        let stops = self.budget.stops();
        let symbols = self.modules.get(module).map(|m| &m.symbols);
        let val = match symbols.and_then(|s| Some((s, s.get(name)?))) {
            Some((symbols, binding)) => self.eval_named(symbols, name, binding, &Scope::module(module), at, depth),
            None => self.star_or_builtin(module, name, at, depth),
        };
        self.active.borrow_mut().remove(&key);
        // Cut short by a bound: another statement, with its own budget, evaluates it afresh.
        if self.budget.stops() == stops {
            self.memo.borrow_mut().insert(key, val.clone());
        }
        val
    }

    pub(super) fn star_or_builtin(&self, module: ModId, name: &str, at: Span, depth: usize) -> Val<'t> {
        let stars = self.modules.get(module).map(|m| m.symbols.stars.clone()).unwrap_or_default();
        // The last star import that binds the name wins, as in Python.
        for star in stars.into_iter().rev() {
            match self.index.find(&star.module, star.relative, module) {
                Some(target) => {
                    let Some(symbols) = self.modules.get(target).map(|m| &m.symbols) else { continue };
                    if symbols.get(name).is_none() && symbols.stars.is_empty() {
                        continue;
                    }
                    let val = self.module_name(target, name, at, depth + 1);
                    if !matches!(&val.v, V::Path(path) if path.starts_with("?.")) {
                        return val;
                    }
                }
                // A project file that was not parsed holds none of the words the prefilter looks
                // for, so it sets no setting or value corslint reads (or it does not exist, as an
                // `optional(...)` split-settings file may not).
                None if star.relative && !is_unnamed_include(&star) => {}
                None => return Val { v: V::Path(format!("{}.{name}", star.module.join("."))), span: at },
            }
        }
        let path = if BUILTINS.contains(&name) { format!("builtins.{name}") } else { format!("?.{name}") };
        Val { v: V::Path(path), span: at }
    }

    /// The module whose own statements bind a module-level name: the module itself, else the star
    /// import it reads the name through, as [`Self::star_or_builtin`] picks it.
    pub(super) fn binding_module(&self, module: ModId, name: &str, depth: usize) -> Option<ModId> {
        let symbols = &self.modules.get(module)?.symbols;
        if symbols.get(name).is_some() {
            return Some(module);
        }
        if depth > super::syntax::MAX_DEPTH {
            return None;
        }
        for star in symbols.stars.iter().rev() {
            match self.index.find(&star.module, star.relative, module) {
                Some(target) => {
                    if let Some(found) = self.binding_module(target, name, depth + 1) {
                        return Some(found);
                    }
                }
                // Skipped as `star_or_builtin` skips it; any other star may bind the name unseen.
                None if star.relative && !is_unnamed_include(star) => {}
                None => return None,
            }
        }
        None
    }

    /// What `name`, bound in `symbols`, holds. A list or tuple that is afterwards only grown by
    /// changes that may not run (`if DEBUG: origins.append("http://localhost:3000")`) still holds
    /// every item first written, in order: it is partly known, not `Unknown`.
    fn eval_named(
        &self,
        symbols: &Symbols<'t>,
        name: &str,
        binding: &Binding<'t>,
        scope: &Scope<'t>,
        at: Span,
        depth: usize,
    ) -> Val<'t> {
        if let Binding::Rebound(values) = binding
            && symbols.maybe_grown.contains_key(name)
            && let Some(Some(first)) = values.first()
        {
            let mut written = self.eval(*first, scope, depth + 1);
            if let V::Seq(seq) = &mut written.v
                && matches!(seq.kind, SeqKind::List | SeqKind::Tuple)
            {
                seq.unknown = true;
                return written;
            }
        }
        self.eval_binding(binding, scope, at, depth)
    }

    pub fn eval_binding(&self, binding: &Binding<'t>, scope: &Scope<'t>, at: Span, depth: usize) -> Val<'t> {
        match binding {
            Binding::Value { value: Some(value), updates, .. } if updates.is_empty() => {
                self.eval(*value, scope, depth + 1)
            }
            Binding::Value { value: Some(value), updates, .. } => {
                let mut val = self.eval(*value, scope, depth + 1);
                // A use in the same file sees only the changes made before it; an import sees them all.
                let same_file = at.file == self.file_of(scope.module);
                for update in updates.iter().filter(|u| !same_file || u.at.start_byte() < at.start()) {
                    val = self.apply_update(val, update, scope, depth);
                }
                val
            }
            Binding::Value { value: None, .. } => Val::unknown(at),
            Binding::Rebound(values) => self.eval_rebound(values, scope, at, depth),
            Binding::Def(def) => Val { v: V::Func(scope.module, *def), span: self.span_in(scope.module, *def) },
            Binding::Class(class) => {
                Val { v: V::Class(scope.module, *class), span: self.span_in(scope.module, *class) }
            }
            Binding::Import(import) => self.eval_import(import, scope.module, at, depth),
            Binding::ImportChoice(imports) => match self.chosen_import(imports, scope.module) {
                Some(import) => self.eval_import(import, scope.module, at, depth),
                None => Val::unknown(at),
            },
        }
    }

    /// One in-place change of a dict or list; anything else about the value makes it unknown.
    fn apply_update(&self, val: Val<'t>, update: &Update<'t>, scope: &Scope<'t>, depth: usize) -> Val<'t> {
        let span = val.span;
        let v = match (val.v, &update.kind) {
            (V::Dict(mut dict), UpdateKind::SetItem { key, value }) => {
                match self.eval(*key, scope, depth + 1).v {
                    V::Str(key) => {
                        let value = self.eval(*value, scope, depth + 1);
                        dict.entries.retain(|(name, _, _)| *name != key.value);
                        dict.entries.push((key.value, value, self.span_in(scope.module, update.at)));
                    }
                    _ => dict.unknown = true,
                }
                V::Dict(dict)
            }
            (V::Dict(mut dict), UpdateKind::Merge(other)) => {
                let other = if other.kind() == "argument_list" {
                    self.keywords_as_dict(*other, scope, depth)
                } else {
                    match self.eval(*other, scope, depth + 1).v {
                        V::Dict(other) => other,
                        _ => DictV { entries: Vec::new(), unknown: true },
                    }
                };
                merge(&mut dict, other);
                V::Dict(dict)
            }
            (V::Seq(mut seq), UpdateKind::Append(item)) if seq.kind == SeqKind::List => {
                let item = self.eval(*item, scope, depth + 1);
                seq.items_mut().push(item);
                V::Seq(seq)
            }
            (V::Seq(mut seq), UpdateKind::Extend(items)) if seq.kind == SeqKind::List => {
                match self.eval(*items, scope, depth + 1).v {
                    V::Seq(more) if self.burn_items(seq.items.len() + more.items.len()) => {
                        seq.unknown |= more.unknown;
                        seq.items_mut().extend(more.items.iter().cloned());
                    }
                    _ => seq.unknown = true,
                }
                V::Seq(seq)
            }
            (V::Seq(mut seq), UpdateKind::Insert { index, item }) if seq.kind == SeqKind::List => {
                match self.eval(*index, scope, depth + 1).v {
                    // A list with unknown items has no known positions.
                    V::Int(index) if !seq.unknown => {
                        let at = list_insert_position(index, seq.items.len());
                        let item = self.eval(*item, scope, depth + 1);
                        seq.items_mut().insert(at, item);
                        V::Seq(seq)
                    }
                    _ => V::Unknown,
                }
            }
            _ => V::Unknown,
        };
        Val { v, span }
    }

    /// `d.update(a=1, **more)` or `d.update(other)`: the pairs it adds, as a dict.
    fn keywords_as_dict(&self, arguments: Node<'t>, scope: &Scope<'t>, depth: usize) -> DictV<'t> {
        let source = self.source(scope.module);
        let mut out = DictV::default();
        for argument in children(arguments) {
            match argument.kind() {
                "keyword_argument" => match (field(argument, "name"), field(argument, "value")) {
                    (Some(name), Some(value)) => {
                        let value = self.eval(value, scope, depth + 1);
                        out.entries.retain(|(n, _, _)| n != text(name, source));
                        out.entries.push((text(name, source).to_string(), value, self.span_in(scope.module, argument)));
                    }
                    _ => out.unknown = true,
                },
                "dictionary_splat" => match children(argument).first().map(|d| self.eval(*d, scope, depth + 1).v) {
                    Some(V::Dict(more)) => merge(&mut out, more),
                    _ => out.unknown = true,
                },
                "comment" => {}
                _ => match self.eval(argument, scope, depth + 1).v {
                    V::Dict(more) => merge(&mut out, more),
                    _ => out.unknown = true,
                },
            }
        }
        out
    }

    fn eval_import(&self, import: &ImportRef, module: ModId, at: Span, depth: usize) -> Val<'t> {
        match &import.name {
            None => match self.index.find(&import.module, import.relative, module) {
                Some(target) => Val { v: V::Module(target), span: at },
                None => Val { v: V::Path(import.module.join(".")), span: at },
            },
            Some(name) => match self.index.find(&import.module, import.relative, module) {
                Some(target) => {
                    let has_name = self.modules.get(target).is_some_and(|m| m.symbols.get(name).is_some());
                    let mut sub = import.module.clone();
                    sub.push(name.clone());
                    match self.index.find(&sub, import.relative, module) {
                        Some(submodule) if !has_name => Val { v: V::Module(submodule), span: at },
                        _ => self.module_name(target, name, at, depth + 1),
                    }
                }
                None => {
                    let mut sub = import.module.clone();
                    sub.push(name.clone());
                    match self.index.find(&sub, import.relative, module) {
                        Some(submodule) => Val { v: V::Module(submodule), span: at },
                        None if import.relative => Val::unknown(at),
                        None => Val { v: V::Path(sub.join(".")), span: at },
                    }
                }
            },
        }
    }

    /// Of `try`/`except ImportError` alternatives, the import Python ends up running: the first that
    /// names a project module holding the name (or a submodule of that name). A relative import of
    /// a file the project does not have fails and falls through; an absolute one that is not in the
    /// project is an installed package and is taken as it stands.
    pub(super) fn chosen_import<'a>(&self, imports: &'a [ImportRef], module: ModId) -> Option<&'a ImportRef> {
        imports.iter().find(|import| {
            let found = self.index.find(&import.module, import.relative, module);
            let holds_name = |target: ModId| match &import.name {
                None => true,
                Some(name) => self
                    .modules
                    .get(target)
                    .is_some_and(|m| m.symbols.get(name).is_some() || !m.symbols.stars.is_empty()),
            };
            let submodule = import.name.as_ref().and_then(|name| {
                let mut sub = import.module.clone();
                sub.push(name.clone());
                self.index.find(&sub, import.relative, module)
            });
            match found {
                Some(target) => holds_name(target) || submodule.is_some(),
                None => submodule.is_some() || !import.relative,
            }
        })
    }

    /// A name bound several times is unknown, except an app that is later wrapped in place
    /// (`app = FastAPI()` … `app = CORSMiddleware(app, ...)`) or changed in place
    /// (`app.config["X"] = ...`): that name still stands for the app.
    pub(super) fn eval_rebound(
        &self,
        values: &[Option<Node<'t>>],
        scope: &Scope<'t>,
        at: Span,
        depth: usize,
    ) -> Val<'t> {
        let Some(Some(first)) = values.first() else { return Val::unknown(at) };
        let first_val = self.eval(*first, scope, depth + 1);
        // An object of a library class corslint does not model (`login_manager = LoginManager()`,
        // then `login_manager.session_protection = "strong"`) stays that library's object: what
        // it is handed is not project code that could fill `app.config`.
        let library_object =
            matches!(&first_val.v, V::Call(call) if matches!(&call.callee.v, V::Path(p) if !p.starts_with("?.")));
        if !matches!(first_val.v, V::App(_)) && !library_object {
            return Val::unknown(at);
        }
        let changes = if library_object { &["attribute"][..] } else { &["subscript", "attribute"][..] };
        let in_place = |n: Node<'t>| {
            changes.contains(&n.kind())
                && n.parent().is_some_and(|p| p.kind() == "assignment" && field(p, "left") == Some(n))
        };
        let all_wraps = values.iter().skip(1).all(|v| v.is_some_and(|n| unparen(n).kind() == "call" || in_place(n)));
        if all_wraps { first_val } else { Val::unknown(at) }
    }

    pub fn attribute(&self, object: Val<'t>, attr: &str, at: Span, depth: usize) -> Val<'t> {
        let v = match object.v {
            V::Path(p) => {
                let path = format!("{p}.{attr}");
                let components: Vec<String> = path.split('.').map(str::to_string).collect();
                match components.first().map(String::as_str) {
                    Some("?") => V::Path(path),
                    _ => match self.index.find_from_first(&components) {
                        Some(module) if self.external_looking(&components) => V::Module(module),
                        _ => V::Path(path),
                    },
                }
            }
            V::Module(module) => {
                if self.modules.get(module).is_some_and(|m| m.symbols.get(attr).is_some()) {
                    return self.module_name(module, attr, at, depth + 1);
                }
                let mut sub = self.modules.get(module).map(|m| m.path.clone()).unwrap_or_default();
                sub.push(attr.to_string());
                match self.index.find(&sub, true, module) {
                    Some(submodule) => V::Module(submodule),
                    None => V::Unknown,
                }
            }
            V::Class(module, class) => return self.class_attribute(module, class, attr, at, depth),
            V::Instance(module, class, call) => {
                return self.instance_attribute(module, class, &call, object.span, attr, at, depth);
            }
            V::Str(_) | V::EnvStr | V::Seq(_) | V::Dict(_) => {
                V::Method(Box::new(Val { v: object.v, span: object.span }), attr.to_string())
            }
            _ => V::Unknown,
        };
        Val { v, span: at }
    }

    /// A dotted path only becomes a project module when the project has it; stdlib and package paths
    /// (`os`, `fastapi.middleware.cors`) stay outside paths.
    pub(super) fn external_looking(&self, components: &[String]) -> bool {
        !matches!(
            components.first().map(String::as_str),
            Some("os" | "fastapi" | "starlette" | "pydantic" | "builtins")
        )
    }

    /// `Class.NAME` for constants and methods in a class body (bases not searched).
    pub(super) fn class_attribute(
        &self,
        module: ModId,
        class: Node<'t>,
        attr: &str,
        at: Span,
        depth: usize,
    ) -> Val<'t> {
        let Some(body) = field(class, "body") else { return Val::unknown(at) };
        let symbols = collect_symbols(body, self.source(module), &[]);
        match symbols.get(attr) {
            Some(binding) => self.eval_binding(binding, &Scope::module(module), at, depth + 1),
            None => Val::unknown(at),
        }
    }

    /// The class and its project base classes, nearest first, and the dotted paths of the bases
    /// outside the project (`pydantic_settings.BaseSettings`, `starlette.middleware.base.BaseHTTPMiddleware`).
    pub fn class_chain(&self, module: ModId, class: Node<'t>) -> (Vec<(ModId, Node<'t>)>, Vec<String>) {
        let mut chain = vec![(module, class)];
        let mut external = Vec::new();
        let mut index = 0;
        while let Some(&(m, c)) = chain.get(index) {
            index += 1;
            if chain.len() > 8 {
                break;
            }
            let Some(bases) = field(c, "superclasses") else { continue };
            for base in children(bases) {
                if base.kind() == "keyword_argument" {
                    continue;
                }
                match self.eval(base, &Scope::module(m), 0).v {
                    V::Class(bm, bc) if !chain.iter().any(|(_, n)| n.id() == bc.id()) => chain.push((bm, bc)),
                    V::Path(p) => external.push(p),
                    _ => {}
                }
            }
        }
        (chain, external)
    }

    /// A method (`def name`) of a class or of its project base classes.
    pub fn find_method(&self, module: ModId, class: Node<'t>, name: &str) -> Option<(ModId, Node<'t>)> {
        let (chain, _) = self.class_chain(module, class);
        chain.into_iter().find_map(|(m, c)| {
            let body = field(c, "body")?;
            match collect_symbols(body, self.source(m), &[]).get(name) {
                Some(Binding::Def(def)) => Some((m, *def)),
                _ => None,
            }
        })
    }
}

/// Where Python's `list.insert(index, item)` puts the item: a negative index counts from the end,
/// and an index past either end is clamped to it.
fn list_insert_position(index: i64, len: usize) -> usize {
    let len_signed = i64::try_from(len).unwrap_or(i64::MAX);
    let at = if index < 0 { index.saturating_add(len_signed) } else { index };
    usize::try_from(at.clamp(0, len_signed)).unwrap_or(len)
}
