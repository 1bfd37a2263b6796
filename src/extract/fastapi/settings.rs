//! pydantic settings: `settings.FIELD` is the field's literal default, overridden by the project's
//! `.env` file (pydantic's env names: the field name, case-insensitive unless `case_sensitive`, with
//! `env_prefix`), converted the way pydantic-settings does (JSON for list fields, booleans, URLs).
//! Properties that return a simple expression (`all_cors_origins`) are evaluated with `self` bound.

use super::Ctx;
use super::modules::{Binding, ModId, collect_symbols};
use super::service::EnvSource;
use super::syntax::{MAX_DEPTH, children, field, text, visit};
use super::value::{CallV, Scope, SeqKind, SeqV, StrV, V, Val};
use crate::parse::dotenv::DotenvEntry;
use crate::source::{FileId, Span};
use tree_sitter::Node;

/// What the settings class says about reading `.env` files.
#[derive(Debug, Default)]
struct EnvConfig {
    /// `env_file` paths as written (relative to the working directory the service is started
    /// from: its project root).
    files: Vec<String>,
    prefix: String,
    case_sensitive: bool,
    /// pydantic-settings validates defaults unless told otherwise.
    skip_default_validation: bool,
}

/// How pydantic treats a field's type.
#[derive(Debug, Default)]
struct FieldType {
    container: bool,
    url: bool,
    boolean: bool,
    integer: bool,
}

impl<'t> Ctx<'t> {
    /// `instance.attr` for an instance of a project class.
    #[allow(clippy::too_many_arguments)]
    pub fn instance_attribute(
        &self,
        module: ModId,
        class: Node<'t>,
        call: &CallV<'t>,
        instance_span: Span,
        attr: &str,
        at: Span,
        depth: usize,
    ) -> Val<'t> {
        if depth > MAX_DEPTH {
            return Val::unknown(at);
        }
        if let Some(arg) = call.args.iter().find(|a| a.name.as_deref() == Some(attr)) {
            return arg.val.clone();
        }
        let (chain, external) = self.class_chain(module, class);
        let pydantic_v1 = external.iter().any(|p| p == "pydantic.BaseSettings");
        let is_settings = external.iter().any(|p| p.ends_with("BaseSettings"));
        for (m, c) in &chain {
            let Some(body) = field(*c, "body") else { continue };
            let source = self.modules.get(*m).map_or("", |x| x.text);
            let symbols = collect_symbols(body, source, &[]);
            match symbols.get(attr) {
                Some(Binding::Def(def)) => {
                    let instance = Val { v: V::Instance(module, class, Box::new(call.clone())), span: instance_span };
                    if is_property(*def, source) {
                        let empty = CallV { args: Vec::new(), unknown_args: false, ..call.clone() };
                        return self.call_function(*m, *def, &empty, Some(instance), depth + 1);
                    }
                    return Val { v: V::Method(Box::new(instance), attr.to_string()), span: at };
                }
                Some(Binding::Value { value, annotation, .. }) => {
                    let config = if is_settings { self.env_config(&chain) } else { EnvConfig::default() };
                    let source = if is_settings { self.env_source(*m, &config, attr) } else { EnvSource::NotSet };
                    if let EnvSource::Unknown = source {
                        return Val::unknown(at);
                    }
                    if let EnvSource::File(file, entry) = source {
                        let kind = self.field_type(*m, *annotation);
                        let val = self.env_value(file, entry, &kind, !pydantic_v1);
                        let split = matches!(val.v, V::Unknown) && kind.container && !entry.interpolated;
                        if split && self.splits_commas(*m, *annotation, attr, &chain) {
                            return self.env_split(file, entry, kind.url && !pydantic_v1);
                        }
                        return val;
                    }
                    let Some(value) = value else { return Val::unknown(at) };
                    let mut default = self.field_default(*m, *value, depth);
                    // pydantic-settings validates defaults (`validate_default=True`): a v2 URL field's
                    // default strings become URL objects too.
                    let validated = is_settings && !config.skip_default_validation;
                    if validated && !pydantic_v1 && self.field_type(*m, *annotation).url {
                        mark_url(&mut default);
                    }
                    return default;
                }
                Some(_) => return Val::unknown(at),
                None => {}
            }
        }
        Val::unknown(at)
    }

    /// `X = default`, `X = Field(default)`, `X = Field(default_factory=...)`.
    fn field_default(&self, module: ModId, value: Node<'t>, depth: usize) -> Val<'t> {
        let scope = Scope::module(module);
        let val = self.eval(value, &scope, depth + 1);
        let V::Call(call) = &val.v else { return val };
        if !call.path.ends_with("Field") {
            return val;
        }
        if let Some(default) = call.arg(Some(0), "default") {
            return default.val.clone();
        }
        match call.arg(None, "default_factory").map(|a| &a.val.v) {
            Some(V::Path(p)) if p == "builtins.list" => {
                Val { v: V::Seq(SeqV::new(SeqKind::List, Vec::new(), false)), span: val.span }
            }
            _ => Val::unknown(val.span),
        }
    }

    fn env_config(&self, chain: &[(ModId, Node<'t>)]) -> EnvConfig {
        let mut config = EnvConfig::default();
        for (m, c) in chain.iter().rev() {
            let Some(body) = field(*c, "body") else { continue };
            let source = self.modules.get(*m).map_or("", |x| x.text);
            let symbols = collect_symbols(body, source, &[]);
            let mut options: Vec<(String, Val<'t>)> = Vec::new();
            if let Some(Binding::Value { value: Some(value), .. }) = symbols.get("model_config") {
                match self.eval(*value, &Scope::module(*m), 0).v {
                    V::Call(call) => {
                        options.extend(call.args.iter().filter_map(|a| Some((a.name.clone()?, a.val.clone()))))
                    }
                    V::Dict(dict) => options.extend(dict.entries.into_iter().map(|(k, v, _)| (k, v))),
                    _ => {}
                }
            }
            if let Some(Binding::Class(inner)) = symbols.get("Config")
                && let Some(inner_body) = field(*inner, "body")
            {
                let inner_symbols = collect_symbols(inner_body, source, &[]);
                for name in ["env_file", "env_prefix", "case_sensitive"] {
                    if let Some(Binding::Value { value: Some(value), .. }) = inner_symbols.get(name) {
                        options.push((name.to_string(), self.eval(*value, &Scope::module(*m), 0)));
                    }
                }
            }
            for (name, val) in options {
                match (name.as_str(), &val.v) {
                    ("env_file", V::Str(s)) => config.files = vec![s.value.clone()],
                    ("env_file", V::Seq(seq)) => {
                        config.files = seq.items.iter().filter_map(|i| i.str().map(str::to_string)).collect();
                    }
                    ("env_prefix", V::Str(s)) => config.prefix = s.value.clone(),
                    ("case_sensitive", V::Bool(b)) => config.case_sensitive = *b,
                    ("validate_default", V::Bool(b)) => config.skip_default_validation = !*b,
                    _ => {}
                }
            }
        }
        config
    }

    /// Where a settings field's value comes from: a `.env` file of the module's own service, the
    /// environment compose gives it, or nowhere (see [`super::service`]).
    fn env_source(&self, module: ModId, config: &EnvConfig, field_name: &str) -> EnvSource<'t> {
        let key = format!("{}{field_name}", config.prefix);
        let Some(dir) = self.modules.get(module).map(|m| m.dir.as_path()) else { return EnvSource::NotSet };
        self.services.env_source(dir, &key, config.case_sensitive, &config.files, self.dotenvs)
    }

    fn field_type(&self, module: ModId, annotation: Option<Node<'t>>) -> FieldType {
        let source = self.modules.get(module).map_or("", |m| m.text);
        let Some(annotation) = annotation else { return FieldType::default() };
        let mut kind = FieldType::default();
        let mut identifiers = Vec::new();
        visit(annotation, MAX_DEPTH, &mut |n| {
            if n.kind() == "identifier" {
                identifiers.push(text(n, source));
            }
            true
        });
        for ident in &identifiers {
            match *ident {
                "list" | "List" | "Sequence" | "set" | "Set" | "tuple" | "Tuple" | "frozenset" | "FrozenSet" => {
                    kind.container = true
                }
                "AnyUrl" | "AnyHttpUrl" | "HttpUrl" => kind.url = true,
                _ => {}
            }
        }
        let plain = text(annotation, source).replace(' ', "");
        kind.boolean = matches!(plain.as_str(), "bool" | "Optional[bool]" | "bool|None");
        kind.integer = matches!(plain.as_str(), "int" | "Optional[int]" | "int|None");
        kind
    }

    /// Whether a field has a "before" validator that splits a comma-separated string
    /// (`BeforeValidator(parse_cors)`, `@field_validator("X", mode="before")`, `@validator("X", pre=True)`).
    fn splits_commas(
        &self,
        module: ModId,
        annotation: Option<Node<'t>>,
        name: &str,
        chain: &[(ModId, Node<'t>)],
    ) -> bool {
        let splits = |m: ModId, def: Node<'t>| {
            let source = self.modules.get(m).map_or("", |x| x.text);
            text(def, source).contains("split(")
        };
        if let Some(annotation) = annotation {
            let source = self.modules.get(module).map_or("", |m| m.text);
            let mut calls = Vec::new();
            visit(annotation, MAX_DEPTH, &mut |n| {
                if n.kind() == "call"
                    && field(n, "function").is_some_and(|f| text(f, source).ends_with("BeforeValidator"))
                {
                    calls.push(n);
                }
                true
            });
            for call in calls {
                let Some(first) = field(call, "arguments").and_then(|a| children(a).into_iter().next()) else {
                    continue;
                };
                if let V::Func(m, def) = self.eval(first, &Scope::module(module), 0).v
                    && splits(m, def)
                {
                    return true;
                }
            }
        }
        for (m, c) in chain {
            let Some(body) = field(*c, "body") else { continue };
            let source = self.modules.get(*m).map_or("", |x| x.text);
            for stmt in children(body).into_iter().filter(|s| s.kind() == "decorated_definition") {
                let decorators: String = children(stmt)
                    .into_iter()
                    .filter(|d| d.kind() == "decorator")
                    .map(|d| text(d, source).to_string())
                    .collect();
                let names_field =
                    decorators.contains(&format!("\"{name}\"")) || decorators.contains(&format!("'{name}'"));
                let before = decorators.contains("before") || decorators.contains("pre=True");
                if decorators.contains("validator")
                    && names_field
                    && before
                    && let Some(def) = field(stmt, "definition")
                    && splits(*m, def)
                {
                    return true;
                }
            }
        }
        false
    }

    /// A `.env` value converted to the field's type.
    fn env_value(&self, file: FileId, entry: &DotenvEntry, kind: &FieldType, pydantic_v2: bool) -> Val<'t> {
        let at = Span { file, range: entry.value_range };
        if entry.interpolated {
            return Val::unknown(at);
        }
        let url = kind.url && pydantic_v2;
        let string = |value: String, range: crate::source::TextRange, text_start: Option<usize>| Val {
            v: V::Str(StrV { value, text_start, url, slash_added: None }),
            span: Span { file, range },
        };
        if kind.boolean {
            return match entry.value.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" | "t" | "y" => Val { v: V::Bool(true), span: at },
                "0" | "false" | "no" | "off" | "f" | "n" => Val { v: V::Bool(false), span: at },
                _ => Val::unknown(at),
            };
        }
        if kind.integer {
            return entry.value.trim().parse().map_or(Val::unknown(at), |i| Val { v: V::Int(i), span: at });
        }
        if !kind.container {
            return string(entry.value.clone(), entry.value_range, entry.text_start);
        }
        let raw = self.files.get(file).map_or("", |f| f.slice(entry.value_range));
        let raw_start = entry.value_range.start;
        if let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(&entry.value) {
            let mut seq = SeqV::new(SeqKind::List, Vec::new(), false);
            let mut cursor = 0;
            for item in items {
                let serde_json::Value::String(value) = item else {
                    seq.unknown = true;
                    continue;
                };
                let quoted = format!("\"{value}\"");
                match raw.get(cursor..).and_then(|rest| rest.find(&quoted)).filter(|_| entry.text_start.is_some()) {
                    Some(found) => {
                        let start = raw_start + cursor + found;
                        cursor += found + quoted.len();
                        let range = crate::source::TextRange::new(start, start + quoted.len());
                        seq.items_mut().push(string(value, range, Some(start + 1)));
                    }
                    None => seq.items_mut().push(string(value, entry.value_range, None)),
                }
            }
            return Val { v: V::Seq(seq), span: at };
        }
        Val::unknown(at)
    }

    /// A list field whose `.env` value is not JSON: split on commas when a validator does so.
    fn env_split(&self, file: FileId, entry: &DotenvEntry, url: bool) -> Val<'t> {
        let at = Span { file, range: entry.value_range };
        let mut seq = SeqV::new(SeqKind::List, Vec::new(), false);
        let mut offset = 0;
        for part in entry.value.split(',') {
            let trimmed = part.trim();
            let lead = part.len() - part.trim_start().len();
            let start = entry.text_start.map(|base| base + offset + lead);
            offset += part.len() + 1;
            if trimmed.is_empty() {
                continue;
            }
            let span = match start {
                Some(s) => Span::new(file, s, s + trimmed.len()),
                None => at,
            };
            seq.items_mut().push(Val {
                v: V::Str(StrV { value: trimmed.to_string(), text_start: start, url, slash_added: None }),
                span,
            });
        }
        Val { v: V::Seq(seq), span: at }
    }
}

fn mark_url(val: &mut Val<'_>) {
    match &mut val.v {
        V::Str(s) => s.url = true,
        V::Seq(seq) => {
            for item in seq.items_mut() {
                if let V::Str(s) = &mut item.v {
                    s.url = true;
                }
            }
        }
        _ => {}
    }
}

/// `@property`, `@computed_field`, `@cached_property` on a `def`.
fn is_property(def: Node<'_>, source: &str) -> bool {
    let Some(parent) = def.parent().filter(|p| p.kind() == "decorated_definition") else { return false };
    children(parent).into_iter().filter(|d| d.kind() == "decorator").any(|d| {
        let t = text(d, source);
        t.contains("property") || t.contains("computed_field")
    })
}
