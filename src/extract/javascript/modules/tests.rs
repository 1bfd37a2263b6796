use super::*;
use crate::source::FileKind;

/// Writes `files` under a temporary directory and parses the JavaScript ones, as the pipeline
/// would (a file listed with `parsed: false` exists on disk but was passed over).
struct Project {
    dir: tempfile::TempDir,
    files: Vec<SourceFile>,
    parsed: Vec<Parsed>,
}

fn project(files: &[(&str, &str, bool)]) -> Project {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sources = Vec::new();
    let mut parsed = Vec::new();
    for (name, text, is_parsed) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, text).expect("write");
        let Some(dialect) = Dialect::of_path(&path).filter(|_| *is_parsed) else { continue };
        let (tree, errors) = parse(text, dialect);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        sources.push(SourceFile::new(path, FileKind::JavaScript, (*text).to_owned()));
        parsed.push(Parsed::JavaScript(tree.expect("tree")));
    }
    Project { dir, files: sources, parsed }
}

/// The value the first file's `const probe = …` evaluates to, imports followed.
fn probe(project: &Project) -> Value {
    let modules = Modules::new(&project.files, &project.parsed);
    let evaluator = modules.evaluator(0).expect("evaluator");
    let node = evaluator.constant("probe").expect("a `const probe`");
    evaluator.eval_linked(node, &modules, 0)
}

fn object_keys(value: &Value) -> Vec<(String, ValueKind)> {
    match &value.kind {
        ValueKind::Object(object) => object.properties.iter().map(|p| (p.key.clone(), p.value.kind.clone())).collect(),
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn commonjs_named_and_default_exports_are_followed_into_their_file() {
    let p = project(&[
        ("server.js", "const { corsOptions } = require('./config/cors');\nconst probe = corsOptions;\n", true),
        ("config/cors.js", "module.exports = { corsOptions: { origin: true, credentials: true } };\n", true),
    ]);
    let value = probe(&p);
    assert_eq!(value.file, Some(1), "the value is written in config/cors.js");
    assert_eq!(
        object_keys(&value),
        vec![("origin".into(), ValueKind::Bool(true)), ("credentials".into(), ValueKind::Bool(true))]
    );
    let text = &p.files[1].text;
    match &value.kind {
        ValueKind::Object(object) => {
            let origin = &object.properties[0];
            assert_eq!(&text[origin.value.range.start..origin.value.range.end], "true");
            assert_eq!(origin.span(0).file, 1);
        }
        _ => unreachable!(),
    }

    let p = project(&[
        ("server.js", "const options = require('../shared/cors.js');\nconst probe = options.origin;\n", true),
        ("shared/cors.js", "", false),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown, "an unparsed module on disk is Unknown");
}

#[test]
fn esm_named_default_namespace_and_reexports() {
    let p = project(&[
        (
            "src/main.ts",
            "import { corsOptions as opts } from './config';\nconst probe = { ...opts, maxAge: 600 };\n",
            true,
        ),
        ("src/config/index.ts", "export * from './cors';\nexport { other } from './other';\n", true),
        (
            "src/config/cors.ts",
            "const origins = ['https://a.example.com'];\nexport const corsOptions = { origin: origins };\n",
            true,
        ),
    ]);
    let keys = object_keys(&probe(&p));
    assert_eq!(keys[0].0, "origin");
    assert!(matches!(&keys[0].1, ValueKind::Array(items) if items[0].kind.as_str() == Some("https://a.example.com")));

    let p = project(&[
        (
            "app.mjs",
            "import * as config from './cors.mjs';\nimport def from './cors.mjs';\nconst probe = [config.origin, def];\n",
            true,
        ),
        ("cors.mjs", "export const origin = 'https://b.example.com';\nexport default 'x';\n", true),
    ]);
    match probe(&p).kind {
        ValueKind::Array(items) => {
            assert_eq!(items[0].kind.as_str(), Some("https://b.example.com"));
            assert_eq!(items[1].kind.as_str(), Some("x"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tsconfig_paths_aliases_resolve_and_a_package_does_not() {
    let tsconfig = "{\n  // JSON with comments\n  \"compilerOptions\": {\n    \"baseUrl\": \".\",\n    \"paths\": { \"@/*\": [\"./src/*\"], \"@config\": [\"./src/config/cors.ts\"], },\n  },\n}\n";
    let p = project(&[
        (
            "src/app.ts",
            "import { a } from '@/config/cors';\nimport b from '@config';\nimport c from 'cors';\nconst probe = [a, b, c];\n",
            true,
        ),
        ("src/config/cors.ts", "export const a = 'https://a.example.com';\nexport default a;\n", true),
        ("tsconfig.json", tsconfig, true),
    ]);
    match probe(&p).kind {
        ValueKind::Array(items) => {
            assert_eq!(items[0].kind.as_str(), Some("https://a.example.com"));
            assert_eq!(items[1].kind.as_str(), Some("https://a.example.com"));
            assert_eq!(items[2].kind, ValueKind::Unknown);
        }
        other => panic!("{other:?}"),
    }
    // `extends`: the paths of the base config apply.
    let p = project(&[
        ("web/src/app.ts", "import { a } from '~/cors';\nconst probe = a;\n", true),
        ("web/src/cors.ts", "export const a = true;\n", true),
        ("web/tsconfig.json", "{ \"extends\": \"./tsconfig.base\" }", true),
        ("web/tsconfig.base.json", "{ \"compilerOptions\": { \"paths\": { \"~/*\": [\"src/*\"] } } }", true),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Bool(true));
    drop(p.dir);
}

#[test]
fn cycles_and_long_chains_are_unknown_not_endless() {
    let p = project(&[
        ("a.js", "const { x } = require('./b');\nconst probe = x;\nmodule.exports = { y: x };\n", true),
        ("b.js", "const { y } = require('./a');\nmodule.exports = { x: y };\n", true),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown);

    let mut files: Vec<(String, String)> =
        vec![("m0.js".into(), "const { v } = require('./m1');\nconst probe = v;\n".into())];
    for i in 1..20 {
        files.push((format!("m{i}.js"), format!("const {{ v }} = require('./m{}');\nexports.v = v;\n", i + 1)));
    }
    files.push(("m20.js".into(), "exports.v = true;\n".into()));
    let listed: Vec<(&str, &str, bool)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str(), true)).collect();
    assert_eq!(probe(&project(&listed)).kind, ValueKind::Unknown, "past MAX_MODULES");
    let short: Vec<(&str, &str, bool)> = vec![
        ("m0.js", "const { v } = require('./m1');\nconst probe = v;\n", true),
        ("m1.js", "const { v } = require('./m2');\nexports.v = v;\n", true),
        ("m2.js", "exports.v = true;\n", true),
    ];
    assert_eq!(probe(&project(&short)).kind, ValueKind::Bool(true));
}

#[test]
fn a_name_assigned_or_exported_twice_is_unknown() {
    let p = project(&[
        ("a.js", "const { o } = require('./b');\nconst probe = o;\n", true),
        ("b.js", "exports.o = true;\nif (process.env.X) { exports.o = false; }\n", true),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown);
    let p = project(&[
        ("a.js", "const o = require('./b');\nconst probe = o;\n", true),
        ("b.js", "module.exports = { origin: true };\nif (dev) module.exports = { origin: false };\n", true),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown);
}

#[test]
fn typescript_import_require_reads_module_exports_or_the_namespace() {
    let p = project(&[
        (
            "src/server.ts",
            "import settings = require('./settings');\nimport legacy = require('./legacy');\n\
             const probe = [settings.corsOptions, legacy.origin, legacy, settings.missing];\n",
            true,
        ),
        ("src/settings.ts", "export const corsOptions = { origin: true };\n", true),
        ("src/legacy.js", "module.exports = { origin: 'https://a.example.com' };\n", true),
    ]);
    match probe(&p).kind {
        ValueKind::Array(items) => {
            assert_eq!(object_keys(&items[0]), vec![("origin".into(), ValueKind::Bool(true))]);
            assert_eq!(items[1].kind.as_str(), Some("https://a.example.com"));
            assert_eq!(
                object_keys(&items[2]),
                vec![("origin".into(), ValueKind::String("https://a.example.com".into()))]
            );
            assert_eq!(items[3].kind, ValueKind::Unknown);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_namespace_reexported_by_an_index_is_followed_into_its_module() {
    let p = project(&[
        (
            "src/server.ts",
            "import { security, plain } from './config';\nimport * as config from './config';\n\
             const probe = [security.cors, security.missing, plain.cors, security];\n",
            true,
        ),
        (
            "src/config/index.ts",
            "export * as security from './security';\nimport * as s from './security';\nexport { s as plain };\n",
            true,
        ),
        ("src/config/security.ts", "export const cors = { origin: true };\n", true),
    ]);
    match probe(&p).kind {
        ValueKind::Array(items) => {
            assert_eq!(object_keys(&items[0]), vec![("origin".into(), ValueKind::Bool(true))]);
            assert_eq!(items[0].file, Some(2), "written in security.ts");
            assert_eq!(items[1].kind, ValueKind::Unknown, "not exported: unknown, not undefined");
            assert_eq!(object_keys(&items[2]), vec![("origin".into(), ValueKind::Bool(true))]);
            assert_eq!(items[3].kind, ValueKind::Unknown, "a namespace as a whole is not evaluated");
        }
        other => panic!("{other:?}"),
    }
    // The inner module was not parsed: unknown.
    let p = project(&[
        ("src/server.ts", "import { security } from './config';\nconst probe = security.cors;\n", true),
        ("src/config/index.ts", "export * as security from './security';\n", true),
        ("src/config/security.ts", "export const cors = { origin: true };\n", false),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown);
    // A namespace that re-exports itself ends.
    let p = project(&[
        ("a.ts", "import { ns } from './b';\nexport { ns } from './b';\nconst probe = ns.x;\n", true),
        ("b.ts", "export { ns } from './a';\n", true),
    ]);
    assert_eq!(probe(&p).kind, ValueKind::Unknown);
}
