use super::*;
use crate::parse::javascript::{Dialect, parse};

/// The value of the expression assigned last in `text` (`x = …;` or `const x = …;` on the last
/// line), read in `dialect`.
fn last_value(text: &str, dialect: Dialect) -> ValueKind {
    let (tree, errors) = parse(text, dialect);
    assert!(errors.is_empty(), "{text}: {errors:?}");
    let tree = tree.unwrap();
    let evaluator = Evaluator::new(tree.root(), text);
    let root = tree.root();
    let last = root.named_child(root.named_child_count().saturating_sub(1) as u32).unwrap();
    let expression = match last.kind() {
        "expression_statement" => last.named_child(0).unwrap().child_by_field_name("right").unwrap(),
        _ => last.named_child(0).unwrap().child_by_field_name("value").unwrap(),
    };
    evaluator.eval(expression).kind
}

fn js(text: &str) -> ValueKind {
    last_value(text, Dialect::JavaScript)
}

fn string(s: &str) -> ValueKind {
    ValueKind::String(s.to_owned())
}

fn object(kind: ValueKind) -> Object {
    match kind {
        ValueKind::Object(object) => object,
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn literals() {
    assert_eq!(js("x = 'https://a.com';"), string("https://a.com"));
    assert_eq!(js("x = \"a\\\"b\\u0041\\x41\\n\";"), string("a\"bAA\n"));
    assert_eq!(js("x = `https://a.com`;"), string("https://a.com"));
    assert_eq!(js("x = `https://${host}`;"), ValueKind::Unknown);
    assert_eq!(js("x = 86_400;"), ValueKind::Number(86400.0));
    assert_eq!(js("x = 0x10;"), ValueKind::Number(16.0));
    assert_eq!(js("x = 60 * 60 * 24;"), ValueKind::Number(86400.0));
    assert_eq!(js("x = 'https://' + 'a.com';"), string("https://a.com"));
    assert_eq!(js("x = true;"), ValueKind::Bool(true));
    assert_eq!(js("x = !0;"), ValueKind::Bool(true));
    assert_eq!(js("x = null;"), ValueKind::Null);
    assert_eq!(js("x = undefined;"), ValueKind::Undefined);
    assert_eq!(
        js("x = /^https:\\/\\/a\\.com$/i;"),
        ValueKind::RegExp { pattern: "^https:\\/\\/a\\.com$".into(), flags: "i".into() }
    );
    assert_eq!(js("x = new RegExp('a\\\\.com$');"), ValueKind::RegExp { pattern: "a\\.com$".into(), flags: "".into() });
    assert_eq!(js("x = (origin, cb) => cb(null, true);"), ValueKind::Function);
    assert_eq!(js("x = function (o, cb) {};"), ValueKind::Function);
    assert_eq!(js("x = someCall();"), ValueKind::Unknown);
}

#[test]
fn environment_reads_are_named_unknowns() {
    assert_eq!(js("x = process.env.CORS_ORIGIN;"), ValueKind::Env("CORS_ORIGIN".into()));
    assert_eq!(js("x = process.env['CORS_ORIGIN'];"), ValueKind::Env("CORS_ORIGIN".into()));
    assert_eq!(js("x = import.meta.env.VITE_API;"), ValueKind::Env("VITE_API".into()));
    assert_eq!(js("x = process.env.A || 'http://localhost:3000';"), ValueKind::Unknown);
    assert_eq!(js("x = process.env.A.split(',');"), ValueKind::Unknown);
}

#[test]
fn arrays_and_objects() {
    let text = "x = { origin: ['https://a.com', /b\\.com$/], credentials: true, 'max-age': 600, fn() {} };";
    let o = object(js(text));
    assert!(!o.open);
    let Lookup::Found(origin) = o.get("origin") else { panic!() };
    let ValueKind::Array(elements) = &origin.value.kind else { panic!() };
    assert_eq!(elements[0].kind, string("https://a.com"));
    assert!(matches!(elements[1].kind, ValueKind::RegExp { .. }));
    assert_eq!(o.get("credentials").map_found(), Some(ValueKind::Bool(true)));
    assert_eq!(o.get("max-age").map_found(), Some(ValueKind::Number(600.0)));
    assert_eq!(o.get("fn").map_found(), Some(ValueKind::Function));
    assert_eq!(o.get("methods"), Lookup::Absent);
    // The last key written wins.
    assert_eq!(object(js("x = { a: 1, a: 2 };")).get("a").map_found(), Some(ValueKind::Number(2.0)));
}

#[test]
fn spreads_and_computed_keys() {
    let known = object(js("const base = { credentials: true };\nx = { ...base, origin: '*' };"));
    assert_eq!(known.get("credentials").map_found(), Some(ValueKind::Bool(true)));
    assert!(!known.open);
    // What an unknown spread sets is unknown; what is written after it is known.
    let open = object(js("x = { credentials: true, ...other, origin: '*' };"));
    assert_eq!(open.get("credentials"), Lookup::Unknown);
    assert_eq!(open.get("methods"), Lookup::Unknown);
    assert_eq!(open.get("origin").map_found(), Some(string("*")));
    assert_eq!(object(js("x = { [k]: 1 };")).get("origin"), Lookup::Unknown);
    let ValueKind::Array(elements) = js("const a = ['x'];\nx = [...a, ...b, 'y'];") else { panic!() };
    assert_eq!(
        elements.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
        vec![string("x"), ValueKind::Unknown, string("y")]
    );
}

#[test]
fn consts_resolve_anywhere_in_the_file_once_bound() {
    let text = "async function bootstrap() {\n  const origins = ['https://a.com'];\n  const options = { origin: origins };\n}\nx = options;";
    let o = object(js(text));
    let Some(ValueKind::Array(elements)) = o.get("origin").map_found() else { panic!() };
    assert_eq!(elements[0].kind, string("https://a.com"));
    // Shorthand properties and member access.
    let o = object(js("const origin = 'https://a.com';\nx = { origin };"));
    assert_eq!(o.get("origin").map_found(), Some(string("https://a.com")));
    assert_eq!(
        js("const config = { cors: { origin: 'https://a.com' } };\nx = config.cors.origin;"),
        string("https://a.com")
    );
    assert_eq!(js("const list = ['a', 'b'];\nx = list[1];"), string("b"));
    assert_eq!(js("const config = { cors: {} };\nx = config.cors.origin;"), ValueKind::Undefined);
}

#[test]
fn names_that_are_not_one_unmutated_const_are_unknown() {
    for text in [
        "let origin = 'https://a.com';\nx = origin;",
        "var origin = 'https://a.com';\nx = origin;",
        "const origin = 'https://a.com';\nfunction f(origin) {}\nx = origin;",
        "const origin = 'https://a.com';\nconst g = origin => origin;\nx = origin;",
        "const origin = 'https://a.com';\n{ const origin = 'https://b.com'; }\nx = origin;",
        "import { origin } from './config';\nx = origin;",
        "const list = ['https://a.com'];\nlist.unshift(process.env.ORIGIN);\nx = list;",
        "const list = ['https://a.com'];\nlist.push(a);\nlist.pop();\nx = list;",
        "let list = ['https://a.com'];\nlist.push(a);\nx = list;",
        "const o = { origin: 'https://a.com' };\no.origin = other;\nx = o;",
        "const o = { origin: 'https://a.com' };\nObject.assign(o, other);\nx = o;",
        "const a = b;\nconst b = a;\nx = a;",
    ] {
        assert_eq!(js(text), ValueKind::Unknown, "{text}");
    }
}

/// Appending keeps every element written in its place; what is appended is not known.
#[test]
fn a_const_array_only_appended_to_keeps_its_written_elements() {
    let text = "const list = ['https://a.com'];\nif (dev) { list.push(process.env.ORIGIN); }\nx = list;";
    let ValueKind::Array(elements) = js(text) else { panic!("{text}: not an array") };
    let kinds: Vec<ValueKind> = elements.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [string("https://a.com"), ValueKind::Unknown]);
    assert_eq!(js("const list = ['a', 'b'];\nlist.push('c');\nx = list[1];"), string("b"));
}

#[test]
fn typescript_wrappers_are_looked_through() {
    let ts = |text| last_value(text, Dialect::TypeScript);
    let text = "const options: CorsOptions = { origin: true } as CorsOptions;\nx = options;";
    assert_eq!(object(ts(text)).get("origin").map_found(), Some(ValueKind::Bool(true)));
    assert_eq!(object(ts("x = ({ origin: 'a' } satisfies CorsOptions);")).get("origin").map_found(), Some(string("a")));
    assert_eq!(ts("const o = 'a';\nx = o!;"), string("a"));
    assert_eq!(ts("x = <string>'a';"), string("a"));
}

#[test]
fn hostile_nesting_gives_up_as_unknown() {
    let text = format!("x = {}1{};", "[".repeat(500), "]".repeat(500));
    let mut kind = js(&text);
    let mut depth = 0;
    while let ValueKind::Array(mut elements) = kind {
        kind = elements.pop().map_or(ValueKind::Null, |e| e.kind);
        depth += 1;
    }
    assert_eq!(kind, ValueKind::Unknown);
    assert!(depth <= MAX_DEPTH + 1);
}

impl Lookup<'_> {
    fn map_found(self) -> Option<ValueKind> {
        match self {
            Lookup::Found(property) => Some(property.value.kind.clone()),
            _ => None,
        }
    }
}

/// A linker that answers every import with a string naming what was asked for.
struct Echo;

impl Linker for Echo {
    fn imported(&self, _from: FileId, source: &str, name: &Imported, _depth: usize) -> Option<Value> {
        let kind = ValueKind::String(format!("{source} {name:?}"));
        Some(Value { kind, range: TextRange::new(0, 0), file: Some(1) })
    }

    fn namespace_member(&self, _: FileId, source: &str, name: &Imported, key: &str, _: usize) -> Option<Value> {
        let kind = ValueKind::String(format!("{source} {name:?} .{key}"));
        (source == "./config").then_some(Value { kind, range: TextRange::new(0, 0), file: Some(1) })
    }
}

/// What each `const probe_… = …` of a TypeScript file evaluates to through [`Echo`].
fn linked(text: &str) -> Vec<ValueKind> {
    let (tree, errors) = parse(text, Dialect::TypeScript);
    assert!(errors.is_empty(), "{text}: {errors:?}");
    let tree = tree.unwrap();
    let evaluator = Evaluator::for_file(tree.root(), text, 0);
    (1..)
        .map_while(|i| evaluator.constant(&format!("probe{i}")))
        .map(|node| evaluator.eval_linked(node, &Echo, 0).kind)
        .collect()
}

#[test]
fn typescript_import_require_is_the_whole_module_or_its_members() {
    let text = "import settings = require('./settings');\nimport type T = require('./types');\n\
                const probe1 = settings;\nconst probe2 = settings.corsOptions;\nconst probe3 = settings['origin'];\n\
                const probe4 = T.x;\n";
    assert_eq!(
        linked(text),
        [
            string("./settings Default"),
            string("./settings Named(\"corsOptions\")"),
            string("./settings Named(\"origin\")"),
            ValueKind::Unknown,
        ]
    );
    let (tree, _) = parse(text, Dialect::TypeScript);
    let tree = tree.unwrap();
    let evaluator = Evaluator::new(tree.root(), text);
    assert_eq!(evaluator.import_of("settings"), Some(("./settings", &Imported::Default)));
    assert_eq!(evaluator.import_of("T"), None, "a type import binds no value");
}

#[test]
fn a_member_of_an_imported_name_asks_whether_it_is_a_namespace() {
    let text = "import { security } from './config';\nimport { other } from './other';\n\
                const probe1 = security.cors;\nconst probe2 = other.cors;\nconst probe3 = security;\n";
    assert_eq!(
        linked(text),
        [
            string("./config Named(\"security\") .cors"),
            // Not a namespace: the object is evaluated as before (here a string, which has no `cors`).
            ValueKind::Unknown,
            string("./config Named(\"security\")"),
        ]
    );
}

#[test]
fn a_namespace_reexport_is_an_export_of_its_name() {
    let text = "export * as security from './security';\nexport * as 'quoted' from './q';\nexport * from './all';\n";
    let (tree, _) = parse(text, Dialect::TypeScript);
    let tree = tree.unwrap();
    let evaluator = Evaluator::new(tree.root(), text);
    let from = |name: &str| match evaluator.export(&Imported::Named(name.into())) {
        Some(Export::From(source, imported)) => Some((source.to_owned(), imported.clone())),
        _ => None,
    };
    assert_eq!(from("security"), Some(("./security".into(), Imported::Namespace)));
    assert_eq!(from("quoted"), Some(("./q".into(), Imported::Namespace)));
    assert_eq!(evaluator.star_exports(), ["./all".to_owned()]);
}
