//! Which files are candidates, by name and place, and what their content must show.

use super::sniff::{Sniff, sniff};
use crate::source::{FileKind, TEMPLATE_SUFFIXES};
use std::path::{Component, Path};

/// Directories whose files may be nginx configurations named after their site: a file without a
/// known extension anywhere below one is nginx when its content says so.
const NGINX_DIRS: &[&str] =
    &["conf.d", "sites-available", "sites-enabled", "snippets", "http.d", "stream.d", "vhost.d", "vhosts.d"];

/// Names that are never nginx, whatever directory they are in and whatever their first line looks
/// like (a prefix match, case-insensitive: `Dockerfile.prod`, `LICENSE.txt`).
const NEVER_NGINX_PREFIXES: &[&str] = &[
    "dockerfile",
    "containerfile",
    "makefile",
    "gnumakefile",
    "license",
    "licence",
    "copying",
    "readme",
    "changelog",
    "changes",
    "notice",
    "authors",
    "contributing",
    "vagrantfile",
    "jenkinsfile",
    "procfile",
    "gemfile",
    "rakefile",
    "justfile",
    "caddyfile",
    "docker-compose",
    "compose.",
];

/// Configuration files of other programs that end in `.conf` (exact names, case-insensitive).
const OTHER_PROGRAMS_CONF: &[&str] = &[
    "logrotate.conf",
    "redis.conf",
    "sentinel.conf",
    "sysctl.conf",
    "supervisord.conf",
    "supervisor.conf",
    "postgresql.conf",
    "pg_hba.conf",
    "pg_ident.conf",
    "php-fpm.conf",
    "resolv.conf",
    "krb5.conf",
    "mongod.conf",
    "jail.conf",
    "named.conf",
    "ntp.conf",
    "rsyslog.conf",
    "httpd.conf",
    "apache2.conf",
    "ports.conf",
    "squid.conf",
    "unbound.conf",
    "dnsmasq.conf",
    "fail2ban.conf",
    "host.conf",
    "nsswitch.conf",
    "ld.so.conf",
];

/// Extensions of source, documents, keys and assets that live in nginx directories (a Rust module
/// `src/nginx/eval.rs`, a `README.md`, `certs/api.example.io.crt`) and are never site files, even
/// though `eval.rs` reads like a domain.
const NOT_SITE_EXTENSIONS: &[&str] = &[
    "rs",
    "py",
    "js",
    "mjs",
    "cjs",
    "ts",
    "go",
    "java",
    "rb",
    "php",
    "c",
    "h",
    "md",
    "rst",
    "txt",
    "json",
    "toml",
    "lock",
    "html",
    "htm",
    "css",
    "sh",
    "bash",
    "ps1",
    "bat",
    "xml",
    "svg",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "ico",
    "webp",
    "woff",
    "woff2",
    "ttf",
    "eot",
    "orig",
    "bak",
    "swp",
    "patch",
    "diff",
    "crt",
    "pem",
    "key",
    "csr",
    "der",
    "p12",
    "log",
    "gz",
    "zip",
    "tar",
    "tgz",
    "map",
    "lua",
    "pl",
    "cfg",
    "ini",
    "dockerfile",
    "mk",
    "service",
];

/// JSON files that say how a frontend's dev server runs (exact names, lower-cased).
const FRONTEND_JSON_NAMES: &[&str] = &["package.json", "angular.json", "proxy.conf.json"];

/// Hosting platforms' response-header files (exact names, lower-cased): Vercel, Netlify.
const STATIC_HEADER_NAMES: &[&str] = &["vercel.json", "netlify.toml", "_headers"];

/// JavaScript and TypeScript extensions (lower case), read with the grammar
/// [`crate::parse::javascript::Dialect::of_path`] picks.
const JAVASCRIPT_EXTENSIONS: &[&str] = &["js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts"];

/// Directories whose JavaScript is built, bundled or someone else's: never the app's own source.
/// (`node_modules` is not walked at all.) Only JavaScript is passed over there: a `build/nginx.conf`
/// is still configuration.
/// `.yarn` holds Yarn's own bundled releases and plugins (megabytes each), `.pnp.cjs` its loader.
const JAVASCRIPT_SKIPPED_DIRS: &[&str] =
    &["node_modules", "dist", "build", ".next", "vendor", ".yarn", ".nuxt", ".svelte-kit", ".output", "coverage"];

/// Directories of tests and their mocks: their JavaScript never runs in the deployed app or the
/// browser (issue #16's decision), so it is not read at all. Examples are still read: a frontend
/// under `examples/` is a frontend, and the backend layers pass over them themselves.
pub const JAVASCRIPT_TEST_DIRS: &[&str] = &["test", "tests", "__tests__", "spec", "e2e", "__mocks__", "cypress"];

/// A JavaScript test by its place or name (`app.test.js`, `server.spec.ts`, `test/cors.js`,
/// `login.cy.ts`); `path` relative to the walked directory.
pub fn is_javascript_test(path: &Path) -> bool {
    let name = file_name(path);
    directories(path).any(|d| JAVASCRIPT_TEST_DIRS.contains(&d))
        || [".test.", ".spec.", ".e2e-spec.", ".cy."].iter().any(|marker| name.contains(marker))
}

/// A file selected by name and place, and what its content must still show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Candidate {
    pub kind: FileKind,
    pub check: ContentCheck,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ContentCheck {
    /// The name settles it.
    None,
    /// nginx evidence ([`sniff`]); content that is merely unclear is accepted when `unclear_ok`.
    Nginx { unclear_ok: bool },
    /// A template without an inner extension under `templates/` (`ingress.tpl`): a Kubernetes
    /// manifest (`apiVersion:` and `kind:` lines) is YAML, anything else (`_helpers.tpl`) is not.
    Manifest,
    /// JavaScript found on a walk: a minified bundle (`swagger-ui-bundle.js` copied into the
    /// repository) is someone else's built code, whatever its name.
    NotMinified,
}

/// Bytes of a JavaScript file looked at for a minified line.
const MINIFIED_SNIFF_BYTES: usize = 64 * 1024;
/// A line this long is a bundler's or a minifier's, not a person's (the longest `import` list or
/// inline data in a hand-written module stays far below).
const MINIFIED_LINE: usize = 16 * 1024;

/// Whether the first bytes of a JavaScript file hold a line as long as minifiers write them.
pub(super) fn looks_minified(bytes: &[u8]) -> bool {
    let head = bytes.get(..MINIFIED_SNIFF_BYTES).unwrap_or(bytes);
    let mut line_start = 0;
    for newline in memchr::memchr_iter(b'\n', head).chain(std::iter::once(head.len())) {
        if newline - line_start >= MINIFIED_LINE {
            return true;
        }
        line_start = newline + 1;
    }
    false
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The name without a template suffix, lower-cased, and whether there was one.
fn rendered_name(name: &str) -> (String, bool) {
    let lower = name.to_ascii_lowercase();
    for suffix in TEMPLATE_SUFFIXES {
        if let Some(inner) = lower.strip_suffix(suffix).filter(|inner| !inner.is_empty()) {
            return (inner.to_owned(), true);
        }
    }
    (lower, false)
}

/// Classification by name alone; nginx candidates may still be rejected by a content sniff.
pub fn classify_by_name(path: &Path) -> Option<FileKind> {
    let (name, templated) = rendered_name(file_name(path));
    if name.ends_with(".py") {
        Some(FileKind::Python)
    } else if !templated && is_javascript_name(&name) {
        let built = directories(path).any(|d| JAVASCRIPT_SKIPPED_DIRS.contains(&d));
        (!built).then_some(FileKind::JavaScript)
    } else if name == "pnpm-lock.yaml" || name.ends_with(".lock.yaml") || name.ends_with(".lock.yml") {
        None // generated lock files: large, and never configuration
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        Some(FileKind::Yaml)
    } else if FRONTEND_JSON_NAMES.contains(&name.as_str()) {
        Some(FileKind::FrontendJson)
    } else if !templated && STATIC_HEADER_NAMES.contains(&name.as_str()) {
        // A `_headers` copied into a build output is the same file again.
        let built = directories(path).any(|d| JAVASCRIPT_SKIPPED_DIRS.contains(&d));
        (!built).then_some(FileKind::StaticHeaders)
    } else if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        Some(FileKind::Dotenv)
    } else if (name.ends_with(".nginx") || name.ends_with(".conf")) && !never_nginx(&name) {
        Some(FileKind::Nginx)
    } else {
        None
    }
}

/// The `files:` filter of the pre-commit hook (`.pre-commit-hooks.yaml`): every name
/// [`classify_by_name`] selects (templates of them too), every file below an nginx-looking
/// directory (selected by content), chart templates, and the configuration files, whose change
/// must re-run the hook. A test keeps the hook file equal to it.
pub fn hook_files_regex() -> String {
    let escape = |s: &str| s.replace('.', "\\.");
    let templates: Vec<String> = TEMPLATE_SUFFIXES.iter().map(|s| escape(s.trim_start_matches('.'))).collect();
    let dirs: Vec<String> =
        NGINX_DIRS.iter().map(|d| escape(d)).chain(["[^/]*nginx[^/]*".to_owned(), "sites-[^/]+".to_owned()]).collect();
    let configs: Vec<String> = crate::config::CONFIG_NAMES
        .iter()
        .chain(FRONTEND_JSON_NAMES)
        .chain(STATIC_HEADER_NAMES)
        .map(|n| escape(n))
        .collect();
    format!(
        "(?i)((\\.py|\\.[cm]?[jt]sx?|\\.ya?ml|(^|/)\\.env(\\.[^/]*)?|\\.env|(^|/)nginx\\.conf|\\.nginx|\\.conf)(\\.({templates}))?$\
         |(^|/)templates/[^/]+\\.({templates})$|(^|/)({dirs})/|(^|/)({configs})$)",
        templates = templates.join("|"),
        dirs = dirs.join("|"),
        configs = configs.join("|")
    )
}

/// `app.ts`, `server.mjs`, but not a type declaration (`index.d.ts`: no code runs) or a minified
/// bundle (`vendor.min.js`).
fn is_javascript_name(lower_name: &str) -> bool {
    let Some((stem, extension)) = lower_name.rsplit_once('.') else { return false };
    JAVASCRIPT_EXTENSIONS.contains(&extension)
        && !stem.is_empty()
        && !stem.ends_with(".d")
        && !stem.ends_with(".min")
        && !stem.starts_with(".pnp")
}

fn never_nginx(lower_name: &str) -> bool {
    lower_name.starts_with('.')
        || NEVER_NGINX_PREFIXES.iter().any(|p| lower_name.starts_with(p))
        || OTHER_PROGRAMS_CONF.contains(&lower_name)
}

/// What the walk selects `path` as (`path` relative to the walked directory, or as named).
pub(super) fn candidate(path: &Path, explicit: bool) -> Option<Candidate> {
    let (name, templated) = rendered_name(file_name(path));
    match classify_by_name(path) {
        Some(FileKind::Nginx) if name == "nginx.conf" && !templated => {
            Some(Candidate { kind: FileKind::Nginx, check: ContentCheck::None })
        }
        // Named for nginx, yet `KEY=value` lines (`env.nginx.template`) or a shebang are not nginx.
        Some(FileKind::Nginx) if name == "nginx.conf" || name.ends_with(".nginx") => {
            Some(Candidate { kind: FileKind::Nginx, check: ContentCheck::Nginx { unclear_ok: true } })
        }
        Some(FileKind::Nginx) => Some(Candidate {
            kind: FileKind::Nginx,
            check: ContentCheck::Nginx { unclear_ok: parent_is_nginx_dir(path) },
        }),
        // Read when named, as stdin and editor buffers are; a walk passes over tests.
        Some(FileKind::JavaScript) if !explicit && is_javascript_test(path) => None,
        Some(FileKind::JavaScript) if !explicit => {
            Some(Candidate { kind: FileKind::JavaScript, check: ContentCheck::NotMinified })
        }
        Some(kind) => Some(Candidate { kind, check: ContentCheck::None }),
        None if maybe_nginx_by_location(path) => {
            Some(Candidate { kind: FileKind::Nginx, check: ContentCheck::Nginx { unclear_ok: false } })
        }
        None if templated && !name.contains('.') && in_dir_named(path, "templates") => {
            Some(Candidate { kind: FileKind::Yaml, check: ContentCheck::Manifest })
        }
        None => None,
    }
}

/// Whether the content of a candidate is what its name suggested.
pub(super) fn content_fits(candidate: &Candidate, bytes: &[u8]) -> bool {
    match candidate.check {
        ContentCheck::None => true,
        ContentCheck::Nginx { unclear_ok } => match sniff(bytes) {
            Sniff::Nginx => true,
            Sniff::Other => false,
            Sniff::Unclear => unclear_ok,
        },
        ContentCheck::Manifest => has_line_starting(bytes, b"apiVersion:") && has_line_starting(bytes, b"kind:"),
        // Checked after the prefilter, on the few files that name a token (see `judge`).
        ContentCheck::NotMinified => true,
    }
}

fn has_line_starting(bytes: &[u8], key: &[u8]) -> bool {
    bytes.split(|&b| b == b'\n').any(|line| line.starts_with(key))
}

/// A file with no known extension under an nginx directory (`conf.d/api.example.io`,
/// `nginx/stage/web.staging.app`), or a site named after its domain.
pub(super) fn maybe_nginx_by_location(path: &Path) -> bool {
    let (name, _) = rendered_name(file_name(path));
    if name.is_empty() || never_nginx(&name) || !under_nginx_dir(path) {
        return false;
    }
    let extension = name.rsplit_once('.').map(|(_, ext)| ext);
    match extension {
        None => true,
        // `api.example.io`, `web.staging.app`: a domain, unless the last label is a known extension.
        Some(ext) => !ext.is_empty() && name.split('.').all(|l| !l.is_empty()) && !NOT_SITE_EXTENSIONS.contains(&ext),
    }
}

fn is_nginx_dir(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("nginx") || lower.starts_with("sites-") || NGINX_DIRS.contains(&lower.as_str())
}

fn directories(path: &Path) -> impl Iterator<Item = &str> {
    let dirs = path.parent().map(Path::components).into_iter().flatten();
    dirs.filter_map(|c| match c {
        Component::Normal(name) => name.to_str(),
        _ => None,
    })
}

/// Some directory on the way to the file (below where the walk started) looks like nginx's.
fn under_nginx_dir(path: &Path) -> bool {
    directories(path).any(is_nginx_dir)
}

fn parent_is_nginx_dir(path: &Path) -> bool {
    directories(path).last().is_some_and(is_nginx_dir)
}

fn in_dir_named(path: &Path, dir: &str) -> bool {
    directories(path).any(|d| d == dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> Option<FileKind> {
        candidate(Path::new(path), false).map(|c| c.kind)
    }

    #[test]
    fn a_walk_passes_over_javascript_tests_but_reads_them_when_named() {
        for test in ["src/app.test.ts", "api/server.spec.js", "__tests__/client.ts", "e2e/login.ts", "cypress/x.cy.ts"]
        {
            assert_eq!(kind(test), None, "{test}");
            assert_eq!(candidate(Path::new(test), true).map(|c| c.kind), Some(FileKind::JavaScript), "{test}");
        }
        for app in ["src/app.ts", "src/testing.ts", "examples/vite/src/api.ts", "src/contest/api.js"] {
            assert_eq!(kind(app), Some(FileKind::JavaScript), "{app}");
        }
        // Only JavaScript: a test directory's nginx or compose file is still configuration.
        assert_eq!(kind("e2e/docker-compose.yml"), Some(FileKind::Yaml));
    }

    #[test]
    fn classifies_by_name_and_place() {
        assert_eq!(classify_by_name(Path::new("app/main.py")), Some(FileKind::Python));
        assert_eq!(classify_by_name(Path::new("k8s/ingress.yaml")), Some(FileKind::Yaml));
        assert_eq!(classify_by_name(Path::new(".env.production")), Some(FileKind::Dotenv));
        assert_eq!(classify_by_name(Path::new("prod.env")), Some(FileKind::Dotenv));
        assert_eq!(classify_by_name(Path::new("default.conf.template")), Some(FileKind::Nginx));
        assert_eq!(classify_by_name(Path::new("README.md")), None);
        for js in ["server.js", "src/app.ts", "web/App.tsx", "a.jsx", "a.mjs", "a.cjs", "a.mts", "a.cts", "Main.JS"] {
            assert_eq!(classify_by_name(Path::new(js)), Some(FileKind::JavaScript), "{js}");
        }
        for not_js in [
            "node_modules/cors/lib/index.js",
            "dist/main.js",
            "web/build/static/js/main.js",
            ".next/server/app.js",
            "vendor/jquery.js",
            "types/index.d.ts",
            "public/vendor.min.js",
            ".yarn/releases/yarn-3.2.1.cjs",
            ".pnp.cjs",
            "web/.svelte-kit/output/server/index.js",
            "app.js.map",
            "app.json",
        ] {
            assert_eq!(classify_by_name(Path::new(not_js)), None, "{not_js}");
        }
        assert_eq!(classify_by_name(Path::new("build/nginx.conf")), Some(FileKind::Nginx));
        assert_eq!(classify_by_name(Path::new("frontend/pnpm-lock.yaml")), None);
        assert_eq!(kind("conf.d/api.example.io"), Some(FileKind::Nginx));
        assert_eq!(kind("sites-enabled/default"), Some(FileKind::Nginx));
        assert_eq!(kind("src/default"), None);
        assert_eq!(kind("src/nginx/eval.rs"), None);
        assert_eq!(kind("nginx/README.md"), None);
        assert_eq!(kind("nginx/certs/api.example.io.crt"), None);
    }

    #[test]
    fn any_directory_under_an_nginx_directory() {
        assert_eq!(kind("devops/etc/nginx/stage/web.staging.app"), Some(FileKind::Nginx));
        assert_eq!(kind("etc/nginx/sites-available/api.example.io"), Some(FileKind::Nginx));
        assert_eq!(kind("extras/nginx/portdb.example.org"), Some(FileKind::Nginx));
        assert_eq!(kind("docker/nginx-proxy/cors"), Some(FileKind::Nginx));
        // The content must still say nginx.
        let site = candidate(Path::new("nginx/stage/web.staging.app"), false).unwrap();
        assert!(content_fits(&site, b"server {\n listen 80;\n}\n"));
        assert!(!content_fits(&site, b"user:$apr1$abc\n"));
    }

    #[test]
    fn names_that_are_never_nginx() {
        for name in [
            "nginx/Dockerfile",
            "nginx/Dockerfile.prod",
            "nginx/Makefile",
            "nginx/LICENSE",
            "nginx/.dockerignore",
            "nginx/logrotate.conf",
            "nginx/entrypoint.sh",
            "conf.d/redis.conf",
            "nginx/conf.d/.gitkeep",
        ] {
            assert_eq!(kind(name), None, "{name}");
        }
    }

    #[test]
    fn templates_are_classified_by_what_they_render() {
        assert_eq!(kind("proxy/default.conf.tpl"), Some(FileKind::Nginx));
        assert_eq!(kind("roles/web/templates/nginx.conf.j2"), Some(FileKind::Nginx));
        assert_eq!(kind("terraform/templates/traefik-middleware-cors.yaml.tpl"), Some(FileKind::Yaml));
        assert_eq!(kind("deploy/ingress.yml.j2"), Some(FileKind::Yaml));
        assert_eq!(kind("nginx/templates/api.example.io.template"), Some(FileKind::Nginx));
        let tpl = candidate(Path::new("chart/templates/ingress.tpl"), false).unwrap();
        assert_eq!(tpl.kind, FileKind::Yaml);
        assert!(content_fits(&tpl, b"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"));
        assert!(!content_fits(&tpl, b"{{- define \"chart.name\" -}}\n{{ .Chart.Name }}\n{{- end }}\n"));
        assert_eq!(kind("chart/_helpers.tpl"), None);
    }

    #[test]
    fn unclear_conf_only_directly_in_an_nginx_directory() {
        let in_dir = candidate(Path::new("nginx/conf.d/broken.conf"), false).unwrap();
        assert!(content_fits(&in_dir, b"garbage\n"));
        let outside = candidate(Path::new("redis/cache.conf"), false).unwrap();
        assert!(!content_fits(&outside, b"bind 127.0.0.1\nport 6379\n"));
        let supervisor = candidate(Path::new("supervisor/conf.d/app.conf"), false).unwrap();
        assert!(!content_fits(&supervisor, b"[program:app]\ncommand=run\n"));
        for (name, text) in [
            ("sysctl.d/99-net.conf", "net.core.somaxconn = 1024\n"),
            ("php/www.conf", "; pool\n[www]\nuser = www-data\n"),
            ("db/custom.conf", "max_connections = 100\nlisten_addresses = '*'\n"),
        ] {
            let c = candidate(Path::new(name), false).unwrap();
            assert!(!content_fits(&c, text.as_bytes()), "{name}");
        }
    }
}
