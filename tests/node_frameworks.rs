//! fastify `@fastify/cors` and Hono `cors()` as real code spells them (ESM imports, TypeScript,
//! `await app.register(...)`, named exports, NestJS on `FastifyAdapter`, options in variables or
//! from the environment), through the real pipeline: which layers and findings come out.

use corslint::lint::{Options, lint};
use corslint::model::Layer;
use corslint::model::app::Framework;

struct Outcome {
    codes: Vec<String>,
    apps: Vec<(Framework, Vec<Layer>)>,
}

fn run(name: &str, text: &str) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(&path, text).expect("write");
    let outcome = lint(&Options { paths: vec![dir.path().to_path_buf()], ..Options::default() }).expect("lint");
    let project = &outcome.project;
    let apps = project
        .apps
        .iter()
        .map(|app| {
            let layers = app.cors.iter().filter_map(|s| project.policies.get(s.policy)).map(|p| p.layer).collect();
            (app.framework, layers)
        })
        .collect();
    let mut codes: Vec<String> = outcome.diagnostics.iter().map(|d| d.code.to_string()).collect();
    codes.sort();
    Outcome { codes, apps }
}

#[test]
fn fastify_esm_await_register_with_named_export() {
    let out = run(
        "src/server.ts",
        r#"import Fastify from "fastify";
import { fastifyCors } from "@fastify/cors";

const app = Fastify();
const corsOptions = { origin: true, credentials: true };
await app.register(fastifyCors, corsOptions);
app.get("/api/me", async () => ({}));
"#,
    );
    assert_eq!(out.apps, vec![(Framework::Fastify, vec![Layer::FastifyCors])]);
    assert_eq!(out.codes, vec!["CORS102"]);
}

#[test]
fn fastify_plugin_loaded_in_place() {
    let out = run(
        "server.js",
        r#"const app = require("fastify")();
app.register(require("@fastify/cors"), { origin: "*", credentials: true });
app.register(import("@fastify/cors"), { origin: ["https://a.example.com/"] });
"#,
    );
    assert_eq!(out.apps, vec![(Framework::Fastify, vec![Layer::FastifyCors, Layer::FastifyCors])]);
    assert_eq!(out.codes, vec!["CORS101", "CORS104"]);
}

/// Values from the environment are Unknown: no finding, whatever the rest says.
#[test]
fn fastify_origin_from_environment_is_not_judged() {
    let out = run(
        "server.mjs",
        r#"import fastify from "fastify";
import cors from "@fastify/cors";
const app = fastify();
app.register(cors, { origin: process.env.CORS_ORIGIN, credentials: true, methods: ["GET", "PUT"] });
app.put("/api/items", async () => []);
"#,
    );
    assert_eq!(out.apps.len(), 1);
    assert!(out.codes.is_empty(), "{:?}", out.codes);
}

/// An `onRequest` hook registered after the plugin, or a `preHandler` hook registered before it,
/// runs after the plugin's hook: the preflight never meets it.
#[test]
fn fastify_hooks_after_the_plugin_phase_are_not_in_front() {
    let out = run(
        "server.js",
        r#"const app = require("fastify")();
const cors = require("@fastify/cors");
app.addHook("preHandler", app.authenticate);
app.register(cors, { origin: "https://app.example.com" });
app.addHook("onRequest", app.authenticate);
"#,
    );
    assert!(out.codes.is_empty(), "{:?}", out.codes);
    let before = run(
        "server.js",
        r#"const app = require("fastify")();
const cors = require("@fastify/cors");
app.addHook("onRequest", app.authenticate);
app.register(cors, { origin: "https://app.example.com" });
"#,
    );
    assert_eq!(before.codes, vec!["CORS201"]);
}

#[test]
fn fastify_cors_turned_off_is_no_layer() {
    let out = run(
        "server.js",
        "const app = require(\"fastify\")();\napp.register(require(\"@fastify/cors\"), { origin: false });\n",
    );
    assert!(out.apps.is_empty());
}

#[test]
fn nestjs_on_fastify_adapter_registers_fastify_cors() {
    let out = run(
        "src/main.ts",
        r#"import { NestFactory } from "@nestjs/core";
import { FastifyAdapter, NestFastifyApplication } from "@nestjs/platform-fastify";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
  app.enableCors({ origin: "*", credentials: true });
  await app.listen(3000);
}
bootstrap();
"#,
    );
    assert_eq!(out.apps, vec![(Framework::NestJsFastify, vec![Layer::FastifyCors])]);
    assert_eq!(out.codes, vec!["CORS101"]);
    let create = run(
        "src/main.ts",
        r#"import { NestFactory } from "@nestjs/core";
import { FastifyAdapter } from "@nestjs/platform-fastify";
const app = await NestFactory.create(AppModule, new FastifyAdapter(), { cors: { origin: true, credentials: true } });
"#,
    );
    assert_eq!(create.apps, vec![(Framework::NestJsFastify, vec![Layer::FastifyCors])]);
    assert_eq!(create.codes, vec!["CORS102"]);
}

#[test]
fn hono_esm_with_renamed_import_and_default_options() {
    let out = run(
        "src/index.ts",
        r#"import { Hono } from "hono";
import { cors as honoCors } from "hono/cors";

const app = new Hono();
app.use(honoCors());
app.use("/api/*", honoCors({ origin: "*", credentials: true }));
app.get("/api/items", (c) => c.json([]));
export default app;
"#,
    );
    assert_eq!(out.apps, vec![(Framework::Hono, vec![Layer::HonoCors, Layer::HonoCors])]);
    assert_eq!(out.codes, vec!["CORS101"]);
}

/// Hono's authentication middleware on other paths than `cors()` is not in front of it.
#[test]
fn hono_auth_on_other_paths_is_not_in_front() {
    let out = run(
        "src/index.ts",
        r#"import { Hono } from "hono";
import { cors } from "hono/cors";
import { basicAuth } from "hono/basic-auth";
const app = new Hono();
app.use("/admin/*", basicAuth({ username: "a", password: "b" }));
app.use("/api/*", cors({ origin: ["https://app.example.com"] }));
"#,
    );
    assert!(out.codes.is_empty(), "{:?}", out.codes);
}

/// A string Hono origin compares exactly: listed origins of another form are CORS104, and a
/// string `allowMethods` is CORS105 (no `Access-Control-Allow-Methods` is sent).
#[test]
fn hono_option_types() {
    let out = run(
        "src/index.ts",
        r#"import { Hono } from "hono";
import { cors } from "hono/cors";
const app = new Hono();
app.use("*", cors({ origin: "HTTPS://APP.EXAMPLE.COM", allowMethods: "GET,PUT" }));
"#,
    );
    assert_eq!(out.codes, vec!["CORS104", "CORS105"]);
}

/// Deno imports Hono from npm or JSR.
#[test]
fn hono_under_deno() {
    for module in ["npm:hono/cors", "jsr:@hono/hono/cors"] {
        let out = run(
            "supabase/functions/api/index.ts",
            &format!(
                "import {{ Hono }} from \"npm:hono\";\nimport {{ cors }} from \"{module}\";\nconst app = new Hono();\n\
                 app.use(\"*\", cors({{ origin: [\"https://app.example.com/\"] }}));\n"
            ),
        );
        assert_eq!(out.codes, vec!["CORS104"], "{module}");
    }
}

/// A hook added inside another plugin function is encapsulated: it guards that plugin's routes,
/// never the root's `OPTIONS *` route that answers preflights.
#[test]
fn fastify_hook_of_an_encapsulated_plugin_is_not_in_front() {
    let out = run(
        "server.js",
        r#"const fastify = require("fastify")();
const cors = require("@fastify/cors");
fastify.register(async function privateRoutes(fastify) {
  fastify.addHook("onRequest", fastify.authenticate);
  fastify.get("/api/me", async () => ({}));
});
fastify.register(cors, { origin: "https://app.example.com" });
"#,
    );
    assert!(out.codes.is_empty(), "{:?}", out.codes);
}

/// CORS208's words come from the layer: Hono's `cors()` registered after the routes is told about
/// Hono's registration order, not Express's.
#[test]
fn hono_cors_after_routes_is_worded_for_hono() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hono = r#"import { Hono } from "hono";
import { cors } from "hono/cors";

const app = new Hono();
app.put("/api/items", (c) => c.json([]));
app.use(cors({ origin: "https://app.example.com" }));
"#;
    std::fs::write(dir.path().join("server.ts"), hono).expect("write");
    let outcome = lint(&Options { paths: vec![dir.path().to_path_buf()], ..Options::default() }).expect("lint");
    let words: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "CORS208")
        .map(|d| format!("{}\nhelp: {}", d.message, d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(words.len(), 1, "{words:?}");
    assert!(!words[0].contains("Express"), "{}", words[0]);
    insta::assert_snapshot!("cors208_hono_wording", words[0]);
}
