//! Apps corslint does not model (Express, NestJS, Spring, ASP.NET Core, Go, Laravel, Rails, PHP)
//! that send their own CORS headers, recognised by byte patterns in the source of a compose
//! service's `build` context. Most proxies in real repositories front such apps, and the most
//! common bug there is the proxy adding a second `Access-Control-Allow-Origin` (CORS304).
//!
//! Only what runs counts: comment-only lines, tests, examples and vendored or built directories
//! are skipped (a generated Rails `config/initializers/cors.rb` is all comments until someone
//! enables it). The walk is bounded in files and bytes, and a context that holds an app corslint
//! models is not read at all: its CORS is known. These files are read here, once, because only a
//! linked service's context makes them matter.
//!
//! Where one literal shows what the app does with its policy, that is recorded too: ASP.NET Core's
//! start-up refusal of `AllowAnyOrigin()` with `AllowCredentials()`, and Spring's `*` with
//! credentials as a [`Layer::Spring`] policy ([`spring`]).

mod java_code;
mod spring;

use crate::model::app::{OwnCors, StartupRefusal};
use crate::model::{CorsPolicy, Layer, OriginEntry, OriginKind, Origins, Project, Setting, Value};
use crate::source::{FileId, FileKind, SourceFile, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Directories whose code does not run in the deployed app, or is not the app's own.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "third_party",
    "dist",
    "build",
    "target",
    "bin",
    "obj",
    ".next",
    "coverage",
    "tests",
    "test",
    "spec",
    "__tests__",
    // Not `example`: Java packages are `com.example.*`.
    "examples",
];

/// Source extensions read; anything else in a context is passed over unread.
const SOURCE_EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "ts", "mts", "cts", "java", "kt", "cs", "go", "php", "rb"];

/// Bounds of one context's walk: a context that is a whole monorepo is read only this far.
const MAX_FILES: usize = 4000;
const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Larger files are bundles or generated code, not where an app configures its CORS.
const MAX_FILE_BYTES: u64 = 512 * 1024;

/// What a file shows: how messages name it, the line, and whether it is strong evidence.
#[derive(Clone, Debug, PartialEq)]
struct Evidence {
    framework: &'static str,
    range: std::ops::Range<usize>,
    strong: bool,
}

/// Records an [`OwnCors`] for every compose service whose build context holds an app corslint does
/// not model that sends CORS headers itself.
pub fn extract(project: &mut Project) {
    let mut scanned: HashMap<PathBuf, Scanned> = HashMap::new();
    let mut file_ids: HashMap<PathBuf, FileId> = HashMap::new();
    for service in 0..project.deploy.compose_services.len() {
        let Some(context) = project.compose_build_context(service) else { continue };
        let under_context = |file| project.absolute_path(file).is_some_and(|p| p.starts_with(&context));
        let modelled: Vec<_> = project.apps_under(&context).iter().filter_map(|&a| project.apps.get(a)).collect();
        if !modelled.is_empty() {
            // A CORS component of the app speaks for it (CORS304 names that); else its own header code.
            if modelled.iter().all(|a| a.cors.is_empty())
                && let Some(own) = python_hand_written(project, service, &under_context)
            {
                project.own_cors.push(own);
            }
            continue;
        }
        if let Some(own) = python_hand_written(project, service, &under_context) {
            project.own_cors.push(own);
            continue;
        }
        let found = scanned.entry(context.clone()).or_insert_with(|| scan(&context)).clone();
        if found.evidence.is_none() {
            let next = next_headers(project, service, &under_context);
            project.own_cors.extend(next);
        }
        for (path, text) in found.readable {
            let file = file_id(project, &mut file_ids, path, text);
            read_policies(project, file);
        }
        let Some((path, text, evidence)) = found.evidence else { continue };
        let file = file_id(project, &mut file_ids, path, text);
        let span = Span::new(file, evidence.range.start, evidence.range.end);
        project.own_cors.push(OwnCors { service, framework: evidence.framework, span, strong: evidence.strong });
    }
}

/// The id of a file read here, added to the project the first time.
fn file_id(project: &mut Project, ids: &mut HashMap<PathBuf, FileId>, path: PathBuf, text: String) -> FileId {
    if let Some(id) = ids.get(&path) {
        return *id;
    }
    let shown = path.strip_prefix(&project.root).map_or_else(|_| path.clone(), Path::to_path_buf);
    project.files.push(SourceFile::new(shown, FileKind::AppSource, text));
    let id = project.files.len() - 1;
    ids.insert(path, id);
    id
}

/// What one literal of `file` proves about its policy: ASP.NET Core's start-up refusal, Spring's
/// `*` with credentials. Once per file, whichever services share it.
fn read_policies(project: &mut Project, file: FileId) {
    let Some(source) = project.file(file) else { return };
    if project.startup_refusals.iter().any(|r| r.span.file == file)
        || project.policies.iter().any(|p| p.span.file == file && p.layer == Layer::Spring)
    {
        return;
    }
    if let Some(range) = aspnet_any_origin_with_credentials(&source.path, &source.text) {
        project.startup_refusals.push(StartupRefusal {
            span: Span::new(file, range.start, range.end),
            message: "ASP.NET Core refuses this CORS policy when the app starts: `AllowAnyOrigin()` with \
                      `AllowCredentials()` throws an InvalidOperationException, so the app never serves a request"
                .into(),
            help: "list the trusted origins with `WithOrigins(\"https://app.example.com\")` and keep \
                   `AllowCredentials()`, or drop `AllowCredentials()`"
                .into(),
        });
        return;
    }
    if !is_jvm(&source.path) {
        return;
    }
    let found = spring::readable_setups(&source.text);
    project.policies.extend(found.into_iter().map(|f| spring_policy(file, f)));
}

/// Spring's setup as a policy: every origin (echoed for the pattern `*`, refused with an exception
/// for the origin `*`) with credentials; the rest is not read.
fn spring_policy(file: FileId, found: spring::ReadableSetup) -> CorsPolicy {
    let span = Span::new(file, found.setup.start, found.setup.end);
    fn unread<T>(span: Span) -> Setting<T> {
        Setting { value: Value::Unknown, span, explicit: false }
    }
    let star = Span::new(file, found.star.start, found.star.end);
    let kind = match found.outcome {
        spring::Outcome::EchoesEveryOrigin => OriginKind::Reflect,
        spring::Outcome::Throws => OriginKind::Any,
    };
    let credentials = Span::new(file, found.credentials.start, found.credentials.end);
    CorsPolicy {
        layer: Layer::Spring,
        span,
        origins: Origins { entries: vec![OriginEntry { kind, span: star, text_start: None }], has_unknown: false },
        credentials: Setting::explicit(Value::Known(true), credentials),
        methods: unread(span),
        headers: unread(span),
        expose_headers: unread(span),
        max_age: unread(span),
    }
}

fn is_jvm(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("java" | "kt"))
}

/// A Python function of the service's context that sets `Access-Control-Allow-Origin` itself:
/// strong evidence when it handles every response (a hook, a middleware), weaker for one route.
fn python_hand_written(project: &Project, service: usize, under_context: &dyn Fn(usize) -> bool) -> Option<OwnCors> {
    let mut found: Vec<_> = project.hand_written_cors.iter().filter(|h| under_context(h.span.file)).collect();
    found.sort_by_key(|h| !h.every_response);
    let first = found.first()?;
    Some(OwnCors {
        service,
        framework: "a hand-written `Access-Control-Allow-Origin` header",
        span: first.span,
        strong: first.every_response,
    })
}

/// Next.js `headers()` of the service's context that sets `Access-Control-Allow-Origin`: the
/// Next.js server sends it itself, so a proxy in front adds a second one. Weak evidence: a rule
/// covers the paths of its `source` only. (Vercel's and Netlify's header files do not count: their
/// platform applies them, not the app a compose service runs.)
fn next_headers(project: &Project, service: usize, under_context: &dyn Fn(usize) -> bool) -> Option<OwnCors> {
    let policy = project.policies.iter().find(|p| {
        p.layer == crate::model::Layer::NextHeaders && !p.origins.entries.is_empty() && under_context(p.span.file)
    })?;
    let span = policy.origins.entries.first().map_or(policy.span, |e| e.span);
    Some(OwnCors { service, framework: "Next.js `headers()` in `next.config`", span, strong: false })
}

/// A policy builder chain of a C# file that calls both `AllowAnyOrigin()` and `AllowCredentials()`
/// (one statement, comments skipped): ASP.NET Core's `CorsPolicyBuilder.Build` throws for it. The
/// range of `AllowAnyOrigin`.
fn aspnet_any_origin_with_credentials(path: &Path, text: &str) -> Option<std::ops::Range<usize>> {
    if path.extension().and_then(|e| e.to_str()) != Some("cs") {
        return None;
    }
    let mut offset = 0;
    for statement in text.split_inclusive(';') {
        let any = statement.find(".AllowAnyOrigin()");
        if let Some(at) = any
            && statement.contains(".AllowCredentials()")
            && !statement.lines().any(|l| l.trim_start().starts_with("//") && l.contains(".AllowAnyOrigin()"))
        {
            let start = offset + at + 1;
            return Some(start..start + "AllowAnyOrigin".len());
        }
        offset += statement.len();
    }
    None
}

/// What the walk of one context found.
#[derive(Clone, Default)]
struct Scanned {
    /// The first strong evidence (files in name order), else the first weak one, with the file's
    /// absolute path and text.
    evidence: Option<(PathBuf, String, Evidence)>,
    /// Files whose policy may be readable from one literal (Spring, ASP.NET Core), with their text.
    readable: Vec<(PathBuf, String)>,
}

/// Walks `context` until its first strong evidence; in a Spring or ASP.NET Core app, on through
/// the rest of its Java, Kotlin and C# files, where the policy may be written.
fn scan(context: &Path) -> Scanned {
    let mut walk = ignore::WalkBuilder::new(context);
    walk.hidden(true).require_git(false).follow_links(false).sort_by_file_name(|a, b| a.cmp(b));
    walk.filter_entry(|entry| {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        !(is_dir && entry.depth() > 0 && SKIPPED_DIRS.iter().any(|d| entry.file_name() == *d))
    });
    let (mut files, mut bytes) = (0usize, 0u64);
    let (mut found, mut strong) = (Scanned::default(), false);
    for entry in walk.build().flatten() {
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || !is_candidate(path) || (strong && !may_be_readable(path))
        {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.len() > MAX_FILE_BYTES {
            continue;
        }
        files += 1;
        bytes += meta.len();
        if files > MAX_FILES || bytes > MAX_BYTES {
            break;
        }
        let Ok(raw) = std::fs::read(path) else { continue };
        let text = String::from_utf8_lossy(&raw).into_owned();
        if may_be_readable(path) && (text.contains(".AllowAnyOrigin()") || spring::may_hold(&text)) {
            found.readable.push((path.to_path_buf(), text.clone()));
        }
        if strong {
            continue;
        }
        match evidence(path, &text) {
            Some(e) if e.strong => {
                strong = true;
                found.evidence = Some((path.to_path_buf(), text, e));
                if !may_be_readable(path) {
                    break;
                }
            }
            Some(e) if found.evidence.is_none() => found.evidence = Some((path.to_path_buf(), text, e)),
            _ => {}
        }
    }
    found
}

/// Java, Kotlin and C#: the languages whose policy one literal can show.
fn may_be_readable(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("java" | "kt" | "cs"))
}

/// A source file of a language read here, and not a test by its name.
fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    let is_test = stem.ends_with(".test")
        || stem.ends_with(".spec")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || (matches!(ext, "java" | "kt" | "cs") && (stem.ends_with("Test") || stem.ends_with("Tests")));
    SOURCE_EXTENSIONS.contains(&ext) && !is_test
}

/// A line that holds only a comment (or nothing): its patterns do not run.
fn is_comment_only(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || ["//", "#", "/*", "*", "<!--"].iter().any(|c| t.starts_with(c))
}

/// Lines that name a type without using it (`import …CorsConfiguration;`).
fn is_import(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("import ") || t.starts_with("using ") || t.starts_with("package ")
}

/// What `text` (at `path`) shows, if anything.
fn evidence(path: &Path, text: &str) -> Option<Evidence> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let lines = code_lines(text);
    let find = |pattern: &dyn Fn(&str) -> bool| lines.iter().find(|(_, l)| pattern(l)).map(|(r, _)| r.clone());
    let strong = |framework, range| Evidence { framework, range, strong: true };
    let found = match ext {
        "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" => {
            let imports_cors = find(&|l| {
                ["require('cors')", "require(\"cors\")", "from 'cors'", "from \"cors\""].iter().any(|p| l.contains(p))
            });
            let express = imports_cors.and(find(&|l| l.contains(".use(cors")));
            let nest_option = || {
                text.contains("NestFactory")
                    .then(|| find(&|l| l.contains("cors: true") || l.contains("cors: {")))
                    .flatten()
            };
            express
                .map(|r| strong("Express `cors`", r))
                .or_else(|| find(&|l| l.contains(".enableCors(")).map(|r| strong("NestJS `enableCors`", r)))
                .or_else(|| nest_option().map(|r| strong("NestJS `cors` option", r)))
        }
        "java" | "kt" => find(&|l| l.contains("@CrossOrigin"))
            .map(|r| strong("Spring `@CrossOrigin`", r))
            .or_else(|| {
                find(&|l| !is_import(l) && l.contains("CorsRegistry")).map(|r| strong("Spring `CorsRegistry`", r))
            })
            .or_else(|| {
                find(&|l| !is_import(l) && l.contains("CorsConfiguration"))
                    .map(|r| strong("Spring `CorsConfiguration`", r))
            }),
        // `AddCors` only registers the services; `UseCors` puts the middleware on the pipeline.
        "cs" => find(&|l| l.contains(".UseCors(")).map(|r| strong("ASP.NET Core `UseCors`", r)),
        // Go refuses to compile an unused import: importing the package is using it.
        "go" => [
            ("\"github.com/rs/cors\"", "Go `rs/cors`"),
            ("\"github.com/gin-contrib/cors\"", "Gin `gin-contrib/cors`"),
            ("\"github.com/go-chi/cors\"", "chi `go-chi/cors`"),
        ]
        .into_iter()
        .find_map(|(import, name)| find(&|l| l.contains(import)).map(|r| strong(name, r))),
        "rb" => find(&|l| l.contains("Rack::Cors")).map(|r| strong("Rails `Rack::Cors`", r)),
        // Laravel's `HandleCors` answers only the paths of the file's `paths` setting.
        "php" if path.ends_with("config/cors.php") => find(&|l| l.contains("allowed_origins")).map(|range| Evidence {
            framework: "Laravel `config/cors.php`",
            range,
            strong: false,
        }),
        _ => None,
    };
    found.or_else(|| hand_written(ext, &lines))
}

/// A response header set by hand: PHP `header("Access-Control-Allow-Origin: …")`, Go
/// `w.Header().Set("Access-Control-Allow-Origin", …)`, `res.setHeader(…)` and the like.
fn hand_written(ext: &str, lines: &[(std::ops::Range<usize>, &str)]) -> Option<Evidence> {
    // In JavaScript the same name is also set on requests by frontend code that misunderstands
    // CORS (`xhr.setRequestHeader(...)`, `config.headers[...]`): only a response object counts.
    const JS_SETTERS: &[&str] = &[
        "res.header(",
        "res.setHeader(",
        "res.set(",
        "res.append(",
        "response.header(",
        "response.setHeader(",
        "reply.header(",
        "ctx.set(",
    ];
    const SETTERS: &[&str] =
        &["eader(", "Header().Set(", "Header().Add(", ".set(", ".Set(", ".Add(", ".Append(", "eaders["];
    let setters = if matches!(ext, "js" | "mjs" | "cjs" | "ts" | "mts" | "cts") { JS_SETTERS } else { SETTERS };
    let named = |l: &str| l.contains("\"Access-Control-Allow-Origin") || l.contains("'Access-Control-Allow-Origin");
    let (range, _) = lines.iter().find(|(_, l)| named(l) && setters.iter().any(|s| l.contains(s)))?;
    let framework = match ext {
        "php" => "PHP `header(\"Access-Control-Allow-Origin: …\")`",
        "go" => "Go `Header().Set(\"Access-Control-Allow-Origin\", …)`",
        _ => "a hand-written `Access-Control-Allow-Origin` header",
    };
    Some(Evidence { framework, range: range.clone(), strong: true })
}

/// The lines that hold code, each with its byte range (without the line break).
fn code_lines(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if !is_comment_only(content) {
            out.push((start..start + content.len(), content));
        }
        start += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework(path: &str, text: &str) -> Option<(&'static str, bool)> {
        evidence(Path::new(path), text).map(|e| (e.framework, e.strong))
    }

    #[test]
    fn recognises_each_framework() {
        let express =
            "const cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://a.example' }));\n";
        assert_eq!(framework("src/index.js", express), Some(("Express `cors`", true)));
        let nest = "const app = await NestFactory.create(AppModule);\napp.enableCors();\n";
        assert_eq!(framework("src/main.ts", nest), Some(("NestJS `enableCors`", true)));
        let nest_option = "const app = await NestFactory.create(AppModule, {\n  cors: true,\n});\n";
        assert_eq!(framework("src/main.ts", nest_option), Some(("NestJS `cors` option", true)));
        let spring =
            "import org.springframework.web.bind.annotation.CrossOrigin;\n@CrossOrigin(origins = \"*\")\nclass C {}\n";
        assert_eq!(framework("src/main/java/C.java", spring), Some(("Spring `@CrossOrigin`", true)));
        let registry = "public void addCorsMappings(CorsRegistry registry) {\n";
        assert_eq!(framework("src/main/java/W.java", registry), Some(("Spring `CorsRegistry`", true)));
        let aspnet = "builder.Services.AddCors();\nvar app = builder.Build();\napp.UseCors(\"web\");\n";
        assert_eq!(framework("Program.cs", aspnet), Some(("ASP.NET Core `UseCors`", true)));
        let go = "import (\n\t\"net/http\"\n\t\"github.com/rs/cors\"\n)\n";
        assert_eq!(framework("main.go", go), Some(("Go `rs/cors`", true)));
        let go_hand = "w.Header().Set(\"Access-Control-Allow-Origin\", \"*\")\n";
        assert_eq!(framework("main.go", go_hand).map(|f| f.1), Some(true));
        let php = "<?php\nheader('Access-Control-Allow-Origin: *');\n";
        assert_eq!(framework("public/api.php", php).map(|f| f.1), Some(true));
        let laravel = "<?php\nreturn [\n    'paths' => ['api/*'],\n    'allowed_origins' => ['*'],\n];\n";
        assert_eq!(framework("config/cors.php", laravel), Some(("Laravel `config/cors.php`", false)));
        let rails = "Rails.application.config.middleware.insert_before 0, Rack::Cors do\nend\n";
        assert_eq!(framework("config/initializers/cors.rb", rails), Some(("Rails `Rack::Cors`", true)));
    }

    /// Comments, imports without use, `AddCors` without `UseCors`, and a `cors` call that is not
    /// the `cors` package are not evidence.
    #[test]
    fn ignores_what_does_not_run() {
        let rails = "# Rails.application.config.middleware.insert_before 0, Rack::Cors do\n#   allow do\n# end\n";
        assert_eq!(framework("config/initializers/cors.rb", rails), None);
        let js = "// app.use(cors())\nconst cors = require('cors');\n";
        assert_eq!(framework("index.js", js), None);
        let own = "import { cors } from './cors';\napp.use(cors());\n";
        assert_eq!(framework("index.ts", own), None);
        let java = "import org.springframework.web.cors.CorsConfiguration;\nclass A {}\n";
        assert_eq!(framework("A.java", java), None);
        assert_eq!(framework("Program.cs", "builder.Services.AddCors();\n"), None);
        assert_eq!(framework("notes.md", "app.use(cors())\n"), None);
        let client = "xhr.setRequestHeader('Access-Control-Allow-Origin', '*');\nconfig.headers['Access-Control-Allow-Origin'] = '*';\n";
        assert_eq!(framework("src/api.js", client), None);
        let server = "res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n";
        assert_eq!(framework("src/server.js", server).map(|f| f.1), Some(true));
    }

    #[test]
    fn tests_by_name_are_not_candidates() {
        assert!(is_candidate(Path::new("src/index.js")));
        assert!(!is_candidate(Path::new("src/index.test.js")));
        assert!(!is_candidate(Path::new("src/CorsConfigTest.java")));
        assert!(!is_candidate(Path::new("handler_test.go")));
        assert!(!is_candidate(Path::new("README.md")));
    }

    #[test]
    fn aspnet_any_origin_with_credentials_in_one_chain() {
        let cs = Path::new("Program.cs");
        let chain = "o.AddPolicy(\"web\", p => p.AllowAnyOrigin()\n    .AllowCredentials());\n";
        assert_eq!(aspnet_any_origin_with_credentials(cs, chain).map(|r| &chain[r]), Some("AllowAnyOrigin"));
        let apart = "o.AddPolicy(\"a\", p => p.AllowAnyOrigin());\no.AddPolicy(\"b\", p => p.WithOrigins(x).AllowCredentials());\n";
        assert_eq!(aspnet_any_origin_with_credentials(cs, apart), None);
        let commented = "p.WithOrigins(x)\n    // .AllowAnyOrigin()\n    .AllowCredentials();\n";
        assert_eq!(aspnet_any_origin_with_credentials(cs, commented), None);
        assert_eq!(aspnet_any_origin_with_credentials(Path::new("Cors.java"), chain), None);
    }
}
