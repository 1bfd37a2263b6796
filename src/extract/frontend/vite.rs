//! `vite.config.{js,ts,mjs,mts,cjs,cts}`: the dev server's `server.port`, `strictPort`, `host`,
//! `https` and `proxy`, and `envDir`/`envPrefix`, read with the shared JS evaluator. Only literals,
//! object properties and env lookups count: a config written as a function (`defineConfig(({ mode
//! }) => ...)`), or a setting the evaluator cannot resolve, leaves that setting Unknown.

use crate::extract::javascript::value::{Evaluator, Lookup, Object, Value as JsValue, ValueKind};
use crate::model::frontend::Evidence;
use crate::parse::javascript::JsTree;
use crate::source::{FileId, Span};
use tree_sitter::Node;

/// A setting: absent (Vite's default), known, or not resolvable.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting<T> {
    Absent,
    Known(T, Span),
    Unknown,
}

impl<T> Setting<T> {
    #[cfg(test)]
    pub fn known(&self) -> Option<(&T, Span)> {
        match self {
            Setting::Known(v, span) => Some((v, *span)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ViteConfig {
    pub port: Setting<u16>,
    pub strict_port: Setting<bool>,
    /// The host the dev server prints (`127.0.0.1`), or `localhost` for every other binding.
    pub host: Setting<String>,
    pub https: Setting<bool>,
    /// The paths the dev server proxies, each with where it is written.
    pub proxy: Setting<Vec<(String, Span)>>,
    pub env_dir: Setting<String>,
    pub env_prefix: Setting<Vec<String>>,
    /// `build.outDir`: where `vite build` writes the production build.
    pub out_dir: Setting<String>,
}

impl ViteConfig {
    fn unknown() -> Self {
        ViteConfig {
            port: Setting::Unknown,
            strict_port: Setting::Unknown,
            host: Setting::Unknown,
            https: Setting::Unknown,
            proxy: Setting::Unknown,
            env_dir: Setting::Unknown,
            env_prefix: Setting::Unknown,
            out_dir: Setting::Unknown,
        }
    }
}

/// The config the file exports, as far as it can be read.
pub fn read(tree: &JsTree, text: &str, file: FileId) -> ViteConfig {
    let root = tree.root();
    let evaluator = Evaluator::new(root, text);
    let Some(exported) = exported(root, text) else { return ViteConfig::unknown() };
    // `defineConfig({...})` returns its argument; a function form depends on the command and mode.
    let config = match exported.kind() {
        "call_expression"
            if exported.child_by_field_name("function").is_some_and(|f| evaluator.text(f) == "defineConfig") =>
        {
            let mut cursor = exported.walk();
            let argument = exported
                .child_by_field_name("arguments")
                .and_then(|a| a.named_children(&mut cursor).find(|n| n.kind() != "comment"));
            match argument {
                Some(argument) => evaluator.eval(argument),
                None => return ViteConfig::unknown(),
            }
        }
        _ => evaluator.eval(exported),
    };
    let ValueKind::Object(config) = &config.kind else { return ViteConfig::unknown() };
    let span = |value: &JsValue| Span::new(file, value.range.start, value.range.end);
    let server = match config.get("server") {
        Lookup::Found(p) => match &p.value.kind {
            ValueKind::Object(o) => Some(o.clone()),
            _ => None,
        },
        Lookup::Absent => Some(Object::default()),
        Lookup::Unknown => None,
    };
    // Vite's `build.outDir`; Astro's is a top-level `outDir`.
    let out_dir = match config.get("build") {
        Lookup::Found(p) => match &p.value.kind {
            ValueKind::Object(build) => setting(build, "outDir", |v| v.as_str().map(str::to_string), &span),
            _ => Setting::Unknown,
        },
        Lookup::Absent => setting(config, "outDir", |v| v.as_str().map(str::to_string), &span),
        Lookup::Unknown => Setting::Unknown,
    };
    let Some(server) = server else {
        let mut out = ViteConfig::unknown();
        out.env_dir = setting(config, "envDir", |v| v.as_str().map(str::to_string), &span);
        out.env_prefix = setting(config, "envPrefix", prefixes, &span);
        out.out_dir = out_dir;
        return out;
    };
    ViteConfig {
        port: setting(
            &server,
            "port",
            |v| v.as_number().filter(|n| n.fract() == 0.0 && *n > 0.0 && *n < 65536.0).map(|n| n as u16),
            &span,
        ),
        strict_port: setting(&server, "strictPort", ValueKind::as_bool, &span),
        host: setting(
            &server,
            "host",
            |v| match v {
                ValueKind::String(h) if matches!(h.as_str(), "127.0.0.1" | "::1" | "[::1]") => Some(h.clone()),
                ValueKind::String(_) | ValueKind::Bool(_) => Some("localhost".to_string()),
                _ => None,
            },
            &span,
        ),
        https: setting(
            &server,
            "https",
            |v| match v {
                ValueKind::Bool(b) => Some(*b),
                ValueKind::Object(_) => Some(true),
                ValueKind::Null | ValueKind::Undefined => Some(false),
                _ => None,
            },
            &span,
        ),
        proxy: match server.get("proxy") {
            Lookup::Found(p) => match &p.value.kind {
                ValueKind::Object(o) if !o.open => Setting::Known(
                    o.properties
                        .iter()
                        .map(|q| (q.key.clone(), Span::new(file, q.key_range.start, q.key_range.end)))
                        .collect(),
                    span(&p.value),
                ),
                _ => Setting::Unknown,
            },
            Lookup::Absent => Setting::Absent,
            Lookup::Unknown => Setting::Unknown,
        },
        env_dir: setting(config, "envDir", |v| v.as_str().map(str::to_string), &span),
        env_prefix: setting(config, "envPrefix", prefixes, &span),
        out_dir,
    }
}

fn prefixes(value: &ValueKind) -> Option<Vec<String>> {
    match value {
        ValueKind::String(s) => Some(vec![s.clone()]),
        ValueKind::Array(items) => items.iter().map(|i| i.kind.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

fn setting<T>(
    object: &Object,
    key: &str,
    read: impl Fn(&ValueKind) -> Option<T>,
    span: &impl Fn(&JsValue) -> Span,
) -> Setting<T> {
    match object.get(key) {
        Lookup::Found(p) => match read(&p.value.kind) {
            Some(v) => Setting::Known(v, span(&p.value)),
            None => Setting::Unknown,
        },
        Lookup::Absent => Setting::Absent,
        Lookup::Unknown => Setting::Unknown,
    }
}

/// `export default X` or `module.exports = X`: the node of `X`.
fn exported<'t>(root: Node<'t>, text: &str) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "export_statement"
                if text
                    .get(statement.start_byte()..statement.end_byte())
                    .is_some_and(|t| t.starts_with("export default")) =>
            {
                return statement.child_by_field_name("value").or_else(|| {
                    let last = statement.named_child_count().checked_sub(1)?;
                    statement.named_child(u32::try_from(last).ok()?)
                });
            }
            "expression_statement" => {
                let expression = statement.named_child(0)?;
                if expression.kind() == "assignment_expression"
                    && expression
                        .child_by_field_name("left")
                        .and_then(|l| text.get(l.start_byte()..l.end_byte()))
                        .is_some_and(|l| l == "module.exports")
                {
                    return expression.child_by_field_name("right");
                }
            }
            _ => {}
        }
    }
    None
}

/// Evidence that a setting of the config was read.
pub fn evidence(span: Span, what: impl Into<String>) -> Evidence {
    Evidence { span, what: what.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::javascript::{Dialect, parse};

    fn config(text: &str) -> ViteConfig {
        let (tree, _) = parse(text, Dialect::TypeScript);
        read(&tree.expect("parses"), text, 0)
    }

    #[test]
    fn reads_the_server_block() {
        let c = config(
            "import { defineConfig } from 'vite';\nexport default defineConfig({\n  server: { port: 3000, strictPort: true, host: '127.0.0.1', proxy: { '/api': 'http://localhost:8000' } },\n  envPrefix: ['VITE_', 'APP_'],\n});\n",
        );
        assert_eq!(c.port.known().map(|(p, _)| *p), Some(3000));
        assert_eq!(c.strict_port.known().map(|(b, _)| *b), Some(true));
        assert_eq!(c.host.known().map(|(h, _)| h.clone()), Some("127.0.0.1".to_string()));
        assert_eq!(
            c.proxy.known().map(|(p, _)| p.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()),
            Some(vec!["/api".to_string()])
        );
        assert_eq!(c.env_prefix.known().map(|(p, _)| p.clone()), Some(vec!["VITE_".to_string(), "APP_".to_string()]));
    }

    #[test]
    fn absent_settings_are_vites_defaults_and_functions_are_unknown() {
        let plain = config("export default { plugins: [] };\n");
        assert_eq!(plain.port, Setting::Absent);
        assert_eq!(plain.proxy, Setting::Absent);
        let function = config("export default defineConfig(({ mode }) => ({ server: { port: 3000 } }));\n");
        assert_eq!(function.port, Setting::Unknown);
        let env = config("export default defineConfig({ server: { port: Number(process.env.PORT) } });\n");
        assert_eq!(env.port, Setting::Unknown);
        let cjs = config("module.exports = { server: { port: 4000 } };\n");
        assert_eq!(cjs.port.known().map(|(p, _)| *p), Some(4000));
    }
}
