//! Parsers: bytes to syntax trees whose nodes carry byte ranges. One module per format.

pub mod nginx;
pub mod template;
pub mod yaml;

use crate::source::TextRange;

pub mod dotenv;
pub mod javascript;
pub mod javascript_scope;
mod json_spans;
pub mod module_suffixes;
pub mod python;
pub mod python_imports;
pub mod static_headers;

/// Why a file (or part of one) could not be parsed; becomes a CORS901 finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// Where the parser gave up (often empty: a position).
    pub range: TextRange,
}

impl ParseError {
    pub fn new(message: impl Into<String>, range: TextRange) -> Self {
        ParseError { message: message.into(), range }
    }
}

use crate::source::{FileKind, SourceFile};

/// The first `ERROR` or `MISSING` node of a tree-sitter tree in document order, found without
/// recursion: the syntax error of a Python or JavaScript file.
pub(crate) fn first_syntax_error(root: tree_sitter::Node<'_>) -> Option<ParseError> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_missing() {
            let at = node.start_byte();
            return Some(ParseError::new(format!("expected `{}` here", node.kind()), TextRange::new(at, at)));
        }
        if node.is_error() {
            let range = TextRange::new(node.start_byte(), node.start_byte());
            return Some(ParseError::new("invalid syntax", range));
        }
        // Descend only into subtrees that hold an error; otherwise move on.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// A file's syntax tree, as the extractors read it.
#[derive(Debug)]
pub enum Parsed {
    /// The file's kind has no parser yet, or the prefilter found nothing that can matter.
    Nothing,
    Nginx(nginx::Config),
    Yaml(yaml::YamlFile),
    Python(python::PythonTree),
    Dotenv(dotenv::DotenvFile),
    JavaScript(javascript::JsTree),
    /// A frontend's JSON configuration ([`FileKind::FrontendJson`]).
    Json(serde_json::Value),
    /// A hosting platform's header rules ([`FileKind::StaticHeaders`]).
    StaticHeaders(static_headers::StaticHeaders),
}

/// A frontend's JSON file. npm refuses a `package.json` that is not JSON (CORS901); the Angular
/// CLI reads its files as JSON with comments, which this does not, so theirs are only passed over.
fn json(file: &SourceFile) -> (Parsed, Vec<ParseError>) {
    match serde_json::from_str(&file.text) {
        Ok(value) => (Parsed::Json(value), Vec::new()),
        Err(e) if file.path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("package.json")) => {
            let at = line_column_offset(&file.text, e.line(), e.column());
            (Parsed::Nothing, vec![ParseError::new(format!("not JSON: {e}"), TextRange::new(at, at))])
        }
        Err(_) => (Parsed::Nothing, Vec::new()),
    }
}

/// The byte offset of 1-based `line` and `column` (serde_json counts columns in bytes).
fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Whether a file's bytes can hold anything that matters: the prefilter that keeps most files
/// away from the parsers.
pub fn worth_parsing(kind: FileKind, bytes: &[u8]) -> bool {
    // A byte-order mark is not content: `^services:` must match on a file's first line either way.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match kind {
        FileKind::Python => python_worth_parsing(bytes),
        FileKind::JavaScript => javascript_worth_parsing(bytes),
        FileKind::Yaml => yaml_worth_parsing(bytes),
        FileKind::Dotenv | FileKind::Nginx => !bytes.is_empty(),
        // Read by extraction for byte patterns, never handed to a parser.
        FileKind::AppSource => false,
        FileKind::FrontendJson => frontend_json_worth_parsing(bytes),
        FileKind::StaticHeaders => names_cors_header(bytes),
    }
}

/// What makes a `package.json` a frontend with a dev server corslint knows (semantics.md §7), an
/// `angular.json` a workspace (its builders), the byte-level twin of the frontend layer's tool list:
/// the directory of such a file holds JavaScript the frontend readers read.
const FRONTEND_TOOL_TOKENS: &[&[u8]] = &[
    b"\"vite\"",
    b"\"next\"",
    b"\"react-scripts\"",
    b"\"@sveltejs/kit\"",
    b"\"astro\"",
    b"\"nuxt\"",
    b"\"@angular/cli\"",
    b"@angular-devkit/build-angular",
    b"@angular/build",
];

/// Whether a frontend JSON file names a dev-server tool ([`FRONTEND_TOOL_TOKENS`]).
pub fn names_frontend_tool(bytes: &[u8]) -> bool {
    static TOKENS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| literal_search(FRONTEND_TOOL_TOKENS));
    names_any(TOKENS.as_ref(), bytes)
}

/// What a frontend's JSON file must hold to matter: a frontend tool, or a proxy `target`
/// (`proxy.conf.json`), or a pin of `@fastify/cors`, whose major version changes its default
/// `methods` (the fastify layer reads it).
fn frontend_json_worth_parsing(bytes: &[u8]) -> bool {
    static OTHER_TOKENS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| literal_search(&[&b"\"@fastify/cors\""[..], &b"\"target\""[..]]));
    names_frontend_tool(bytes) || names_any(OTHER_TOKENS.as_ref(), bytes)
}

/// Whether the bytes name a CORS header, in any case (header names are case-insensitive, and
/// platforms and apps send them as written): what a platform's header file, a hand-written header
/// in app code, must show to matter.
pub fn names_cors_header(bytes: &[u8]) -> bool {
    const NAME: &[u8] = b"access-control-";
    // Anchored on each `-` (memchr) rather than compared at every byte: the name's first dash is
    // its seventh byte.
    const FIRST_DASH: usize = 6;
    memchr::memchr_iter(b'-', bytes).any(|dash| {
        dash.checked_sub(FIRST_DASH)
            .and_then(|start| bytes.get(start..start + NAME.len()))
            .is_some_and(|w| w.eq_ignore_ascii_case(NAME))
    })
}

/// A platform's header file, by its name; a file the platform refuses is CORS901.
fn static_headers_file(file: &SourceFile) -> (Parsed, Vec<ParseError>) {
    let name = file.path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match static_headers::platform_of(&name) {
        Some(platform) => {
            let (headers, errors) = static_headers::parse(platform, &file.text);
            (Parsed::StaticHeaders(headers), errors)
        }
        None => (Parsed::Nothing, Vec::new()),
    }
}

/// Parses one file according to its kind. Never fails: errors come back beside the tree.
pub fn parse_file(file: &SourceFile) -> (Parsed, Vec<ParseError>) {
    let parsed = parse_source(file);
    (parsed.tree, parsed.errors)
}

/// A file's tree and what went wrong reading it.
#[derive(Debug)]
pub struct ParsedFile {
    pub tree: Parsed,
    /// Syntax errors (CORS901).
    pub errors: Vec<ParseError>,
    /// A template that its parser cannot read once its template syntax is masked: not the file's
    /// fault (the template engine renders it), but not analysed either (CORS903). One per file.
    pub not_analysed: Option<ParseError>,
}

impl ParsedFile {
    /// A file whose parse is left to extraction ([`crate::extract::extract_parsing_python`]).
    pub fn deferred() -> Self {
        ParsedFile { tree: Parsed::Nothing, errors: Vec::new(), not_analysed: None }
    }
}

/// [`parse_file`], telling template problems apart from syntax errors. Template syntax
/// (`{{ }}`, `{% %}`) is masked first ([`template`]): the parsers see text of the same length,
/// with placeholders for the values the template fills in.
pub fn parse_source(file: &SourceFile) -> ParsedFile {
    let dialect = match file.kind {
        FileKind::Nginx => Some(template::Dialect::Nginx),
        FileKind::Yaml => Some(template::Dialect::Yaml),
        FileKind::Python
        | FileKind::JavaScript
        | FileKind::Dotenv
        | FileKind::AppSource
        | FileKind::FrontendJson
        | FileKind::StaticHeaders => None,
    };
    let masked = dialect.filter(|_| template::has_template_syntax(&file.text)).map(|d| template::mask(&file.text, d));
    let text = masked.as_ref().map_or(file.text.as_str(), |m| m.text.as_str());
    let mut budget_cut = None;
    let (tree, mut errors) = match file.kind {
        FileKind::Nginx => {
            let config = nginx::parse(text);
            let errors = config.errors.clone();
            (Parsed::Nginx(config), errors)
        }
        FileKind::Yaml => {
            let (mut tree, mut errors) = yaml::parse(text);
            tree.template_values = masked.as_ref().map(|m| m.values.clone()).unwrap_or_default();
            // nginx lines of a template are masked for nginx (a statement stays a statement).
            let nginx_masked = masked.as_ref().map(|_| template::mask(&file.text, template::Dialect::Nginx).text);
            let (embedded, cut) = yaml::embedded_nginx(&tree, nginx_masked.as_deref().unwrap_or(text), &file.path);
            for embedded in embedded {
                errors.extend(embedded.config.errors.iter().cloned());
                tree.embedded_nginx.push(embedded);
            }
            if let Some(at) = cut {
                let message = "the nginx configurations in this file's ConfigMaps from here on were not analysed: \
                               there are more than corslint reads in one file";
                budget_cut = Some(ParseError::new(message, at));
            }
            (Parsed::Yaml(tree), errors)
        }
        FileKind::Python => match python::parse(&file.text) {
            (Some(tree), errors) => (Parsed::Python(tree), errors),
            (None, errors) => (Parsed::Nothing, errors),
        },
        FileKind::JavaScript => {
            let dialect = javascript::Dialect::of_path(&file.path).unwrap_or(javascript::Dialect::JavaScript);
            let mut parsed = javascript::parse(&file.text, dialect);
            // Flow's annotations (`// @flow`, `import type`, `x: string`) are TypeScript's too.
            if !parsed.1.is_empty() && dialect == javascript::Dialect::JavaScript {
                let typed = javascript::parse(&file.text, javascript::Dialect::TypeScript);
                if typed.0.is_some() && typed.1.is_empty() {
                    parsed = typed;
                }
            }
            match parsed {
                (Some(tree), errors) => (Parsed::JavaScript(tree), errors),
                (None, errors) => (Parsed::Nothing, errors),
            }
        }
        FileKind::Dotenv => (Parsed::Dotenv(dotenv::parse(&file.text)), Vec::new()),
        FileKind::AppSource => (Parsed::Nothing, Vec::new()),
        FileKind::FrontendJson => json(file),
        FileKind::StaticHeaders => static_headers_file(file),
    };
    let unclosed = masked.as_ref().and_then(|m| m.unclosed);
    // A template by name (`compose.template.yml` with its own `#!for` lines) is rendered by a tool
    // before its program reads it: what cannot be read is not analysed, not a syntax error.
    // Asked only when there is an error: the name check is not paid by every file.
    // Python and JavaScript are never masked, but a project template (cookiecutter's `{{cookiecutter.slug}}/`
    // folders, Jinja `{% if %}` lines) is not the project's code either.
    let source_template = || {
        matches!(file.kind, FileKind::Python | FileKind::JavaScript)
            && (template::has_template_syntax(&file.text)
                || file.path.components().any(|c| c.as_os_str().to_string_lossy().contains("{{")))
    };
    let template =
        || masked.is_some() || (dialect.is_some() && crate::source::is_template_name(&file.path)) || source_template();
    let not_analysed = match (masked.is_some(), errors.first()) {
        (true, None) if unclosed.is_some() => unclosed.map(|tag| {
            let message = "this template was not analysed past this tag: no `{{ end }}` closes it, so what follows is \
                           not read";
            ParseError::new(message, tag)
        }),
        (_, Some(first)) if template() => {
            let what = match file.kind {
                FileKind::Nginx => "nginx",
                FileKind::Python => "Python",
                FileKind::JavaScript => "JavaScript",
                _ => "YAML",
            };
            let message = if masked.is_some() {
                format!(
                    "this template was not analysed: once its `{{{{ }}}}`/`{{% %}}` tags are read as unknown values, it \
                     is not {what} corslint can read ({})",
                    first.message
                )
            } else {
                format!(
                    "this template was not analysed: before it is rendered, it is not {what} corslint can read ({})",
                    first.message
                )
            };
            let problem = ParseError::new(message, first.range);
            errors.clear();
            Some(problem)
        }
        // The grammars lag the languages (TypeScript's `in` as a property name, new proposals), and
        // most files kept are frontend code kept for a URL or a credentials mode: a file with nothing
        // about CORS in it that the grammar cannot read is a `--verbose` note, not a finding.
        // Flow that is not also TypeScript (`?boolean`) is valid code corslint cannot read: not analysed.
        (_, Some(first))
            if file.kind == FileKind::JavaScript && (is_flow(&file.text) || !template::may_hold_cors(&file.text)) =>
        {
            let message = format!(
                "this file was not analysed: corslint's JavaScript/TypeScript grammar cannot read it{} ({})",
                if is_flow(&file.text) { " (Flow type syntax)" } else { "" },
                first.message
            );
            let problem = ParseError::new(message, first.range);
            errors.clear();
            Some(problem)
        }
        _ => budget_cut,
    };
    ParsedFile { tree, errors, not_analysed }
}

/// Whether a JavaScript file carries Flow's `@flow` pragma in its leading comment.
fn is_flow(text: &str) -> bool {
    let head = text.as_bytes().get(..text.len().min(512)).unwrap_or_default().trim_ascii_start();
    (head.starts_with(b"//") || head.starts_with(b"/*")) && head.windows(5).any(|w| w == b"@flow")
}

/// Whether a Python file is where the walk through imports in [`python_imports`] starts: it uses
/// FastAPI, Starlette, Flask (or flask-cors) or Litestar as code (an `import`/`from` line naming one,
/// `Flask(...)` through a star import, `fastapi.FastAPI`), names django-cors-headers (a
/// `MIDDLEWARE` entry is a string), or writes `Access-Control-Allow-Origin` itself (any framework:
/// a Django view, a Tornado handler). A framework's name in a string or a comment is not a use:
/// Django's own tests write "Flask" in test data, and following their imports parsed half of
/// Django. Without an anchor, no Python file is parsed. `DJANGO_SETTINGS_MODULE` is read by
/// [`python_points_at_settings`].
pub fn python_names_framework(bytes: &[u8]) -> bool {
    // Every match of the regex holds one of these words in some case. The regex cannot skip ahead
    // to a literal (its import branch starts with `^[ \t]*`), so it reads every byte of every file
    // it is given; the words are found many times faster, and most files have none.
    static WORDS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| literal_search(&[FRAMEWORKS, &["access-control-allow-origin"]].concat()));
    static FRAMEWORK: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(concat!(
            r"(?-u)corsheaders|(?i:access-control-allow-origin)",
            // An import naming the framework, on its line, its backslash continuations or inside
            // its parentheses: `from flask_cors import CORS`, `from .compat import (\n FastAPI,\n)`.
            r"|(?m:^[ \t]*(?:from|import)[ \t](?:[^\n(\\]|\\\r?\n|\\)*(?:\([^)]*)?(?i:fastapi|starlette|flask|litestar))",
            r"|\b(?:FastAPI|Starlette|Flask|Litestar)[ \t]*\(|\b(?:fastapi|starlette|flask|litestar)\.",
        ))
        .ok()
    });
    if !names_in_any_case(WORDS.as_ref(), bytes) {
        return false;
    }
    match FRAMEWORK.as_ref() {
        Some(re) => re.is_match(bytes),
        None => true,
    }
}

/// Whether a Python file names `DJANGO_SETTINGS_MODULE` (`manage.py`, `wsgi.py`), from which the
/// Django layer reads which settings module applies, or is a settings module that django-split-settings
/// assembles. It matters only beside an app or django-cors-headers
/// settings, so it starts the walk only when another file does (see [`python_imports`]).
pub fn python_points_at_settings(bytes: &[u8]) -> bool {
    static NAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"DJANGO_SETTINGS_MODULE"));
    // A settings module assembled by django-split-settings: the one `DJANGO_SETTINGS_MODULE`
    // names, whose `include(...)` may name its files in a way no import line shows (a glob).
    static SPLIT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"split_settings"));
    NAME.find(bytes).is_some() || SPLIT.find(bytes).is_some()
}

/// The literal byte tokens a JavaScript/TypeScript file must contain for some extractor to read
/// it: those of the backend layers, read wherever they are, and those of the frontend readers,
/// which read only the files of a frontend's package ([`javascript_scope`]). A new extractor adds
/// the tokens it anchors on here (and a case to the prefilter test), nowhere else. Case-sensitive,
/// matched anywhere in the file.
pub const JAVASCRIPT_BACKEND_TOKENS: &[&str] = &[
    // The `cors` package (Express), `@fastify/cors`, `hono/cors`, NestJS's `cors:` option.
    "cors",
    // NestJS `app.enableCors(...)`.
    "enableCors",
    // Hand-written headers (`res.setHeader("Access-Control-Allow-Origin", ...)`), in either case.
    "Access-Control-",
    "access-control-",
];

/// Whether a file of a frontend's package names what the client reader reads: axios, HttpClient's
/// `withCredentials`, an `Authorization` header set on every call, or a `fetch(...)` or
/// `new URL(...)` call. The reader knows those two calls by their callee's whole name, so only a
/// call counts: `prefetch(`, `window.fetch(`, `baseURL`, `URL.createObjectURL(`, a `URL` type or
/// `URLSearchParams` name no call it reads. (Vite and Astro configs are read by name, Angular's
/// environment files by [`ANGULAR_ENVIRONMENT_TOKEN`].)
pub fn names_client_call(bytes: &[u8]) -> bool {
    const ANYWHERE: &[&[u8]] = &[b"axios", b"withCredentials", b"Authorization"];
    ANYWHERE.iter().any(|token| memchr::memmem::find(bytes, token).is_some())
        || calls(bytes, b"fetch", |before| !before.ends_with(b"."))
        || calls(bytes, b"URL", |before| {
            before
                .trim_ascii_end()
                .strip_suffix(b"new")
                .is_some_and(|rest| !rest.last().is_some_and(is_identifier_byte))
        })
}

/// `export const environment = { apiUrl: ... }`: what Angular's reader reads in the environment
/// files of a package with an `angular.json`.
pub const ANGULAR_ENVIRONMENT_TOKEN: &str = "const environment";

/// A byte that continues a JavaScript identifier (ASCII only: the scans only have to keep every match).
pub(crate) fn is_identifier_byte(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$')
}

/// Whether `name` occurs as a whole identifier (no ASCII identifier byte, `$` included, right
/// before or after it), followed by an argument list (`(`, or `<` for TypeScript's type arguments),
/// where `before` accepts the bytes before it. A non-ASCII neighbour does not count as an
/// identifier byte: the test only has to keep every call.
fn calls(bytes: &[u8], name: &[u8], before: impl Fn(&[u8]) -> bool) -> bool {
    memchr::memmem::find_iter(bytes, name).any(|start| {
        let (Some(head), Some(tail)) = (bytes.get(..start), bytes.get(start + name.len()..)) else { return false };
        !head.last().is_some_and(is_identifier_byte)
            && !tail.first().is_some_and(is_identifier_byte)
            && matches!(tail.trim_ascii_start().first(), Some(b'(' | b'<'))
            && before(head)
    })
}

/// See [`JAVASCRIPT_BACKEND_TOKENS`].
pub const JAVASCRIPT_FRONTEND_TOKENS: &[&str] = &[
    // The API client (`axios.create({ baseURL, withCredentials })`, `fetch(url, { credentials:
    // "include" })`: the only credentials mode that sends cookies cross-origin, so its value, not
    // the word `credentials` that OAuth code is full of), the env lookups a base URL reads, and
    // `vite.config.*` (`defineConfig`). Not `fetch(` or `process.env` alone: most frontend and Node
    // files have them, and a call without credentials or a public env variable tells nothing about
    // the browser's request.
    "axios",
    "\"include\"",
    "'include'",
    "`include`",
    "import.meta.env",
    "VITE_",
    "NEXT_PUBLIC_",
    "REACT_APP_",
    "baseURL",
    "defineConfig",
    // Angular: the API URL of each build (`src/environments/environment*.ts`), and HttpClient's
    // `withCredentials` (per call, or on every call in an interceptor's `req.clone(...)`).
    "const environment",
    "withCredentials",
];

fn javascript_worth_parsing(bytes: &[u8]) -> bool {
    static TOKENS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> = std::sync::LazyLock::new(|| {
        let tokens: Vec<&str> = JAVASCRIPT_BACKEND_TOKENS.iter().chain(JAVASCRIPT_FRONTEND_TOKENS).copied().collect();
        literal_search(&tokens)
    });
    names_any(TOKENS.as_ref(), bytes)
}

/// Whether `search` finds one of its literals in `bytes`; a search that could not be built keeps
/// every non-empty file (parsing too much costs time, never a finding).
fn names_any(search: Option<&aho_corasick::AhoCorasick>, bytes: &[u8]) -> bool {
    search.map_or(!bytes.is_empty(), |search| search.is_match(bytes))
}

/// One pass over a file for any of several case-sensitive literals, built the first time a file of
/// its kind is met. Leftmost-first, so the SIMD packed searcher runs (1.6x the regex crate's
/// speed on the JavaScript tokens); standard semantics would walk the automaton byte by byte.
fn literal_search<T: AsRef<[u8]>>(literals: &[T]) -> Option<aho_corasick::AhoCorasick> {
    aho_corasick::AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostFirst).build(literals).ok()
}

/// YAML that can hold a CORS policy, an auth annotation, or facts that tie a proxy to an app:
/// Ingress/Service/workload manifests, Traefik middlewares (CRDs, labels, dynamic files),
/// compose files, Helm values with ingress annotations. CI workflows and OpenAPI specs rarely
/// match, so they are never parsed.
fn yaml_worth_parsing(bytes: &[u8]) -> bool {
    static INTERESTING: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(concat!(
            r"(?i:cors|accesscontrol|access-control-)|auth-url|auth-type|configuration-snippet|nginx\.ingress\.kubernetes\.io/",
            r"|middlewares|kind[\x22']?[ \t]*:[ \t]*[\x22']?(?:Ingress|Service|Deployment|StatefulSet|DaemonSet|Middleware|ConfigMap)",
            r"|patchesStrategicMerge|patchesJson6902|commonAnnotations|(?m:^patches[ \t]*:)|(?m:^ingress[ \t]*:)",
            r"|(?m:^services[ \t]*:)",
        ))
        .ok()
    });
    match INTERESTING.as_ref() {
        Some(re) => re.is_match(bytes),
        None => !bytes.is_empty(),
    }
}

/// The words a Python file must contain to matter: CORS setup, origins, security and header
/// dependencies, settings, request bodies, middleware, apps and routers, Starlette route tables
/// (`Route(`, `Mount(`, `Router(`: a module holding only `routes = [Route(...)]` names nothing else),
/// Django settings assembled by django-split-settings (`split_settings`).
/// Origins and the framework names are added below with their own case rules. Literals, so the
/// regex crate runs it as one SIMD multi-literal scan.
const PYTHON_WORDS: &str = "cors|CORS|Cors|iddleware|IDDLEWARE|Header(|Depends(|Security(|OAuth2|\
                            HTTPBearer|HTTPBasic|HTTPDigest|APIKey|BaseSettings|BaseModel|SQLModel|APIRouter|\
                            include_router|add_api_route|Route(|Mount(|Router(|split_settings";

/// HTTP-method decorators that register routes (`@app.get(`, `@router.api_route(`).
const ROUTE_DECORATORS: &[&[u8]] =
    &[b"get", b"post", b"put", b"patch", b"delete", b"options", b"head", b"api_route", b"route"];

fn python_worth_parsing(bytes: &[u8]) -> bool {
    static WORDS: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let escaped: Vec<String> = PYTHON_WORDS.split('|').map(|w| regex::escape(w.trim())).collect();
        // `origins`, `ALLOWED_ORIGIN`, `origin_regex`, but not `original`: the word that made most
        // library files look like candidates.
        regex::bytes::Regex::new(&format!(
            r"{}|(?-u:[oO]rigin|ORIGIN)(?-u:[sS_]|\b)|DJANGO_SETTINGS_MODULE",
            escaped.join("|")
        ))
        .ok()
    });
    match words {
        Some(re) => re.is_match(bytes) || names_a_framework_in_any_case(bytes) || has_route_decorator(bytes),
        None => !bytes.is_empty(),
    }
}

/// The framework names a Python file can hold in the case of its module (`from starlette.routing
/// import Route`) or of its class (`Starlette(...)`), so in any ASCII case, as the anchor test
/// [`python_names_framework`] reads them.
const FRAMEWORKS: &[&str] = &["fastapi", "starlette", "flask", "corsheaders", "litestar"];

fn names_a_framework_in_any_case(bytes: &[u8]) -> bool {
    static SEARCH: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| literal_search(FRAMEWORKS));
    names_in_any_case(SEARCH.as_ref(), bytes)
}

/// Whether `search` (of lower-case literals) finds one in `bytes` in any ASCII case. Searched in a
/// lower-cased copy, a chunk at a time: a case-insensitive search of a few words (the regex
/// crate's, which tries their case variants, or aho-corasick's, which steps byte by byte) cost a
/// fifth of a run on a large Python tree; lower-case literals are one SIMD scan.
fn names_in_any_case(search: Option<&aho_corasick::AhoCorasick>, bytes: &[u8]) -> bool {
    let Some(search) = search else { return !bytes.is_empty() };
    // A literal across a chunk's end is whole in the next chunk, which starts this much earlier.
    let overlap = search.max_pattern_len().saturating_sub(1);
    let mut folded = [0u8; 4096];
    let mut start = 0;
    loop {
        let end = bytes.len().min(start + folded.len());
        let chunk = bytes.get(start..end).unwrap_or_default();
        for (to, from) in folded.iter_mut().zip(chunk) {
            *to = from.to_ascii_lowercase();
        }
        if search.is_match(folded.get(..chunk.len()).unwrap_or_default()) {
            return true;
        }
        if end == bytes.len() {
            return false;
        }
        start = end.saturating_sub(overlap).max(start + 1);
    }
}

/// A line `@name.attr.method(` whose last attribute is an HTTP method: routes on an app imported
/// from elsewhere (`from .main import app`) leave no other trace in the file.
fn has_route_decorator(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = bytes.get(from..).and_then(|rest| memchr::memchr(b'@', rest)).map(|i| i + from) {
        from = at + 1;
        // Only indentation may precede the `@` (looked at within a bounded window: never quadratic).
        let window = at.saturating_sub(256);
        let before = bytes.get(window..at).unwrap_or_default();
        let indent = match before.iter().rposition(|&c| c == b'\n') {
            Some(newline) => before.get(newline + 1..).unwrap_or_default(),
            None if window == 0 => before,
            None => continue,
        };
        if !indent.iter().all(|c| *c == b' ' || *c == b'\t') {
            continue;
        }
        let rest = bytes.get(at + 1..).unwrap_or_default();
        let len = rest.iter().take(200).take_while(|c| c.is_ascii_alphanumeric() || b"_. \t".contains(c)).count();
        if rest.get(len) != Some(&b'(') {
            continue;
        }
        let dotted = rest.get(..len).unwrap_or_default();
        let Some(dot) = dotted.iter().rposition(|&c| c == b'.') else { continue };
        let last = dotted.get(dot + 1..).unwrap_or_default().trim_ascii();
        if ROUTE_DECORATORS.contains(&last) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_call_is_named_only_as_a_call_the_reader_reads() {
        for calling in [
            "await fetch(url)",
            "fetch (`${base}/x`)",
            "const r = fetch<Item>(u)",
            "new URL(path, base)",
            "x = new\n  URL (a)",
            "axios.get(u)",
            "{ withCredentials: true }",
            "headers.Authorization = t",
        ] {
            assert!(names_client_call(calling.as_bytes()), "{calling}");
        }
        for quiet in [
            "prefetch(url)",
            "window.fetch(url)",
            "const { fetch } = opts",
            "refetchQueries()",
            "URL.createObjectURL(blob)",
            "let u: URL = base",
            "new URLSearchParams(q)",
            "renewURL(x)",
            "const baseURL = '/api'",
        ] {
            assert!(!names_client_call(quiet.as_bytes()), "{quiet}");
        }
    }

    #[test]
    fn yaml_prefilter() {
        let worth = |s: &str| worth_parsing(FileKind::Yaml, s.as_bytes());
        assert!(worth("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"));
        assert!(worth("{\"apiVersion\": \"v1\", \"kind\": \"Service\"}"));
        assert!(worth("services:\n  api:\n    image: x\n"));
        assert!(worth("labels:\n  - traefik.http.middlewares.c.headers.accessControlAllowOriginList=x\n"));
        assert!(worth("ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: x\n"));
        assert!(!worth("name: CI\non: push\njobs:\n  test:\n    services:\n      db:\n        image: postgres\n"));
        assert!(!worth("openapi: 3.1.0\npaths: {}\n"));
    }

    #[test]
    fn javascript_prefilter_keeps_candidates_only() {
        for yes in [
            "const cors = require('cors');",
            "import cors from \"cors\";",
            "app.enableCors({ origin: true });",
            "NestFactory.create(AppModule, { cors: true })",
            "res.setHeader('Access-Control-Allow-Origin', '*');",
            "res.set('access-control-allow-origin', req.headers.origin);",
            "export const api = axios.create({ baseURL: import.meta.env.VITE_API_URL });",
            "await fetch(url, { credentials: 'include' });",
            "await fetch(url, { credentials: \"include\" });",
            "const base = process.env.REACT_APP_API_URL;",
            "export default defineConfig({ server: { port: 3000 } });",
        ] {
            assert!(worth_parsing(FileKind::JavaScript, yes.as_bytes()), "{yes}");
        }
        for no in [
            "import React from 'react';\nexport default App;\n",
            "",
            "const x = 1;\n",
            "export const load = () => fetch('/api/items').then((r) => r.json());",
            "const port = process.env.PORT || 3000;",
            // OAuth code is full of the word; only the `"include"` mode sends cookies cross-origin.
            "const credentials = await exchange(code, { grant_type: 'client_credentials' });",
            // The tokens are matched in their case: `CORS` and `Axios` are not `cors` and `axios`.
            "const CORS_ENABLED = true; // Axios-free\n",
        ] {
            assert!(!worth_parsing(FileKind::JavaScript, no.as_bytes()), "{no}");
        }
        // Anywhere in the file, not only as a word, and after a byte-order mark.
        assert!(worth_parsing(FileKind::JavaScript, "\u{feff}import corsMiddleware from './mw';".as_bytes()));
        assert!(worth_parsing(FileKind::JavaScript, b"export const client = myaxiosWrapper();"));
    }

    #[test]
    fn frontend_json_prefilter_keeps_dev_servers_and_proxies() {
        let worth = |s: &str| worth_parsing(FileKind::FrontendJson, s.as_bytes());
        assert!(worth("{\"devDependencies\": {\"vite\": \"^5.0.0\"}}"));
        assert!(worth("\u{feff}{\"dependencies\": {\"@fastify/cors\": \"9\"}}"));
        assert!(worth("{\"/api\": {\"target\": \"http://localhost:3000\"}}"));
        assert!(worth("{\"builder\": \"@angular-devkit/build-angular:dev-server\"}"));
        assert!(!worth("{\"name\": \"lib\", \"dependencies\": {\"lodash\": \"4\"}}"));
        // Quoted names only: a package whose name merely contains `vite` is not Vite.
        assert!(!worth("{\"devDependencies\": {\"vite-plugin-x\": \"1\", \"Next\": \"1\"}}"));
    }

    #[test]
    fn cors_header_names_in_any_case_anywhere() {
        for yes in ["Access-Control-Allow-Origin", "x-ACCESS-CONTROL-max-age", "--access-control-"] {
            assert!(names_cors_header(yes.as_bytes()), "{yes}");
        }
        for no in ["", "-", "control-", "access-control", "access_control-allow", "access-contro-l-"] {
            assert!(!names_cors_header(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn python_anchors_are_uses_of_a_framework() {
        for yes in [
            "from fastapi import FastAPI\n",
            "    import flask\n",
            "from flask_cors import CORS\n",
            "from litestar.config.cors import CORSConfig\n",
            "from .compat import (\n    Depends,\n    FastAPI,\n)\n",
            "from .compat import Depends, \\\n    Starlette\n",
            "from .base import *\napp = Flask(__name__)\n",
            "app = fastapi.FastAPI()\n",
            "MIDDLEWARE = ['corsheaders.middleware.CorsMiddleware']\n",
            "response['Access-Control-Allow-Origin'] = '*'\n",
            "response['ACCESS-CONTROL-ALLOW-ORIGIN'] = '*'\n",
            "from STARLETTE.middleware import Middleware\n",
        ] {
            assert!(python_names_framework(yes.as_bytes()), "{yes}");
        }
        for no in [
            "CSV = 'Framework,ID.Django,1.Flask,2.'\n",
            "token = b'flaskdj:alkdjf'\n",
            "# Works like FastAPI's dependencies.\nfrom .deps import resolve\n",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'test_sqlite')\n",
            // The words in any case are only where the search starts: the case rules still apply.
            "FastAPIs = 1\nSTARLETTE.x = 2\n",
        ] {
            assert!(!python_names_framework(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn python_prefilter_keeps_candidates_only() {
        for yes in [
            "from fastapi.middleware.cors import CORSMiddleware",
            "ALLOWED_ORIGINS = ['https://a.com']",
            "origin = 'https://a.com'",
            "FRONTEND_ORIGIN='https://a.com'",
            "allow_origin_regex = r'.*'",
            "@router.delete('/x')\ndef f(): pass",
            "@ app . get ( '/' )",
            "def f(x: str = Header(None)): pass",
            "class S(BaseSettings): pass",
            "class Item(BaseModel): pass",
            "oauth = OAuth2PasswordBearer(tokenUrl='t')",
            "from starlette.routing import Route\nroutes = [Route('/u', endpoint=u, methods=['PUT'])]\n",
            "routes = [Mount('/api', routes=api)]\n",
            "api = Router(routes=[])\n",
            "import fastapi\n",
        ] {
            assert!(worth_parsing(FileKind::Python, yes.as_bytes()), "{yes}");
        }
        assert!(worth_parsing(FileKind::Yaml, b"\xef\xbb\xbfservices:\n  api:\n    build: .\n"));
        // Framework names in any case, also across the chunks the lower-cased search reads.
        for case in ["STARLETTE_DEBUG = 1\n", "x = FlAsK\n", "# LiteStar\n", "corsHeaders\n"] {
            assert!(worth_parsing(FileKind::Python, case.as_bytes()), "{case}");
        }
        for at in [0, 4080, 4086, 4090, 4095, 8170, 8181] {
            let mut text = vec![b' '; 9000];
            text.splice(at..at + 11, b"CorsHeaders".iter().copied());
            assert!(names_a_framework_in_any_case(&text), "{at}");
            assert!(!names_a_framework_in_any_case(text.get(..at + 10).unwrap_or_default()), "{at}");
        }
        for no in ["import os\nprint(os.environ.get('X'))\n", "d = {}\nd.get('a')\n", "", "original = copy(x)\n"] {
            assert!(!worth_parsing(FileKind::Python, no.as_bytes()), "{no}");
        }
    }
}
