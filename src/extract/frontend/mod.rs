//! Frontends: a `package.json` that depends on a dev server corslint knows (Vite, Next.js, Create
//! React App, Angular CLI), the port its dev script gives, the `.env*` files of its directory in the
//! tool's precedence, `angular.json` and `proxy.conf.json` (semantics.md §7).
//!
//! Only what is written counts: a port from a config file corslint cannot read makes the origin
//! Unknown (listed, never checked). Deployed origins need an evidence chain from the build to the
//! host that serves it ([`deployed`]).

mod angular;
mod client;
mod deployed;
mod env;
mod files;
mod scripts;
mod vite;

use crate::model::frontend::{
    ApiBase, ClientRequest, Environment, Evidence, Frontend, FrontendOrigin, RequestInterface, Tool, Write,
};
use crate::model::{Project, Value};
use crate::parse::Parsed;
use crate::parse::dotenv::DotenvFile;
use crate::parse::javascript::JsTree;
use crate::source::{FileId, Span, normalize_path};
use files::Files;
use rayon::prelude::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The dependency naming each tool, most specific first: a Next.js or Angular project may also
/// depend on Vite (for tests), never the reverse.
const TOOL_DEPENDENCIES: &[(&str, Tool)] = &[
    ("next", Tool::Next),
    ("react-scripts", Tool::CreateReactApp),
    ("@angular/cli", Tool::Angular),
    ("nuxt", Tool::Nuxt),
    ("@sveltejs/kit", Tool::SvelteKit),
    ("astro", Tool::Astro),
    ("vite", Tool::Vite),
];

/// Vite reads these config files; a port set there cannot be read without the JS grammar.
const VITE_CONFIGS: &[&str] =
    &["vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs", "vite.config.cts"];

/// Astro's config: its `server.port`/`host` and `outDir` read like a Vite config's.
const ASTRO_CONFIGS: &[&str] =
    &["astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts", "astro.config.cjs"];

pub fn extract(project: &mut Project, parsed: &[Parsed]) {
    let files = Files::new(project, parsed);
    // Each file's client calls are read once: nested packages of a monorepo share their files. The
    // reads are the frontend layer's largest cost, so they run on the worker threads first.
    let clients: Vec<OnceLock<client::ClientFacts>> = parsed.iter().map(|_| OnceLock::new()).collect();
    let mut sources: Vec<FileId> = Vec::new();
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::Json(json) = tree else { continue };
        let Some(file) = project.file(id) else { continue };
        if is_package_json(&file.path) && tool_of(json).is_some() {
            sources.extend(client_sources(&files, &dir_of(&file.path)).map(|(id, _)| id));
        }
    }
    sources.sort_unstable();
    sources.dedup();
    sources.par_iter().for_each(|&id| {
        if let (Some(cell), Some(Parsed::JavaScript(tree)), Some(file)) =
            (clients.get(id), parsed.get(id), project.file(id))
        {
            cell.get_or_init(|| client::read(tree, &file.text, id));
        }
    });
    let mut found = Vec::new();
    for (id, tree) in parsed.iter().enumerate() {
        let Parsed::Json(json) = tree else { continue };
        let Some(file) = project.file(id) else { continue };
        if !is_package_json(&file.path) {
            continue;
        }
        if let Some(frontend) = package(project, &files, &clients, id, json) {
            found.push(frontend);
        }
    }
    project.frontends.extend(found);
}

fn is_package_json(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.eq_ignore_ascii_case("package.json"))
}

/// The tool a `package.json` depends on, with the dependency that names it.
fn tool_of(json: &Json) -> Option<&'static (&'static str, Tool)> {
    TOOL_DEPENDENCIES.iter().find(|(name, _)| depends_on(json, name))
}

fn depends_on(json: &Json, name: &str) -> bool {
    ["dependencies", "devDependencies"].iter().any(|section| json.get(section).and_then(|d| d.get(name)).is_some())
}

fn dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The first occurrence of `needle` in file `id`, as a span.
fn find(project: &Project, id: FileId, needle: &str) -> Option<Span> {
    let text = &project.file(id)?.text;
    let start = text.find(needle)?;
    Some(Span::new(id, start, start + needle.len()))
}

fn package(
    project: &Project,
    files: &Files<'_>,
    clients: &[OnceLock<client::ClientFacts>],
    id: FileId,
    json: &Json,
) -> Option<Frontend> {
    let (dependency, tool) = tool_of(json)?;
    let depends = |name: &str| depends_on(json, name);
    let path = project.file(id)?.path.clone();
    let dir = dir_of(&path);
    // The dependency's key (`"vite": "^6"`), not a script that runs it (`"dev": "vite"`).
    let package_span = find(project, id, &format!("\"{dependency}\":"))
        .or_else(|| find(project, id, &format!("\"{dependency}\"")))
        .map_or(Span::new(id, 0, 0), |s| Span::new(id, s.start(), s.start() + dependency.len() + 2));
    let mut frontend = Frontend {
        dir: dir.clone(),
        tool: *tool,
        span: Some(package_span),
        origins: Vec::new(),
        apis: Vec::new(),
        client: Default::default(),
        dev_proxy: Vec::new(),
        unknowns: Vec::new(),
    };
    let depends_on = Evidence { span: package_span, what: format!("depends on `{dependency}`") };

    // The dev script: the first script that starts the tool's dev server.
    let scripts = json.get("scripts").and_then(Json::as_object);
    let dev = scripts.into_iter().flatten().find_map(|(name, command)| {
        let command = command.as_str()?;
        let dev = scripts::dev_command(*tool, command)?;
        let quoted = serde_json::to_string(command).ok()?;
        let span = find(project, id, &quoted).unwrap_or(package_span);
        Some((name.clone(), dev, span))
    });
    let mut evidence = vec![depends_on.clone()];
    let mut port = None;
    let mut host = None;
    let mut strict = false;
    let mut https = Some(false);
    if let Some((name, dev, span)) = &dev {
        if let Some(p) = dev.port {
            port = Some(p);
            evidence.push(Evidence { span: *span, what: format!("the `{name}` script sets port {p}") });
        }
        host = dev.host.clone().filter(|h| is_loopback_literal(h));
        strict = dev.strict_port;
        https = Some(dev.https);
    }
    let mut env_dir = dir.clone();
    let mut prefixes: Option<Vec<String>> =
        Some(tool.env_prefixes().iter().map(|p| p.to_string()).collect()).filter(|p: &Vec<String>| !p.is_empty());
    // What the dev server's origin needs that is not known (the origin is then not listed).
    let mut origin_unknown: Option<String> = None;
    // Whether the dev server moves to the next port when its own is taken; `None`: not known.
    // Where the production build is written (Next.js serves its own pages: not followed).
    let mut output: Result<deployed::BuildOutput, String> = match tool {
        Tool::Vite => Ok(deployed::BuildOutput { dir: dir.join("dist"), what: "Vite's default `dist`".into() }),
        Tool::Astro => Ok(deployed::BuildOutput { dir: dir.join("dist"), what: "Astro's default `dist`".into() }),
        // Only the static adapter writes files a web server serves; the others run a server.
        Tool::SvelteKit if depends("@sveltejs/adapter-static") => {
            Ok(deployed::BuildOutput { dir: dir.join("build"), what: "adapter-static's default `build`".into() })
        }
        Tool::SvelteKit | Tool::Nuxt => Err(String::new()),
        Tool::CreateReactApp => {
            Ok(deployed::BuildOutput { dir: dir.join("build"), what: "Create React App's `build`".into() })
        }
        Tool::Angular => Err("angular.json names no single `outputPath`".into()),
        Tool::Next | Tool::Declared => Err(String::new()),
    };
    let mut moves = match tool {
        // Nuxt's listener takes the next free port from 3000 (get-port-please's port range).
        Tool::Next | Tool::CreateReactApp | Tool::Nuxt => Some(true),
        Tool::Vite | Tool::SvelteKit => Some(!strict),
        // Astro tries 4322, 4323, ... when its port is taken.
        Tool::Astro => Some(true),
        Tool::Angular | Tool::Declared => Some(false),
    };
    if tool.is_vite() {
        let configs = if *tool == Tool::Astro { ASTRO_CONFIGS } else { VITE_CONFIGS };
        match vite_config(project, files, &dir, configs) {
            ViteFile::None => {}
            ViteFile::Unread(config) => {
                origin_unknown =
                    Some(format!("{} was not read (nothing in it matched the prefilter)", config.display()));
                output = Err(format!("`build.outDir` in {} was not read", config.display()));
            }
            ViteFile::Read(config, file) => {
                let name = project
                    .file(file)
                    .and_then(|f| f.path.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                apply_vite(
                    &config,
                    &name,
                    &mut frontend,
                    &mut evidence,
                    &mut port,
                    &mut host,
                    &mut https,
                    &mut moves,
                    strict,
                    &mut origin_unknown,
                );
                match &config.out_dir {
                    vite::Setting::Known(d, _) => {
                        output = Ok(deployed::BuildOutput {
                            dir: normalize_path(&dir.join(d)),
                            what: format!("`build.outDir: {d}` in {name}"),
                        })
                    }
                    vite::Setting::Unknown => output = Err(format!("`build.outDir` in {name} is not resolvable")),
                    vite::Setting::Absent => {}
                }
                match &config.env_dir {
                    vite::Setting::Known(d, _) => env_dir = normalize_path(&dir.join(d)),
                    vite::Setting::Unknown => prefixes = None,
                    vite::Setting::Absent => {}
                }
                match &config.env_prefix {
                    vite::Setting::Known(list, _) => prefixes = prefixes.map(|_| list.clone()),
                    vite::Setting::Unknown => prefixes = None,
                    vite::Setting::Absent => {}
                }
            }
        }
    }
    if *tool == Tool::Nuxt {
        // `devServer.port`/`https` in nuxt.config would change the origin; that config is not read.
        let config = ["nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs"]
            .iter()
            .map(|name| dir.join(name))
            .find(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains("devServer")));
        if let Some(config) = config.filter(|_| port.is_none()) {
            origin_unknown.get_or_insert(format!("`devServer` in {} is not read", config.display()));
        }
    }
    let env_files = env_files(files, &env_dir);
    if port.is_none() && *tool == Tool::CreateReactApp {
        // Create React App reads `PORT` from its env files too (Next.js does not: its server starts first).
        if let Some((p, span, file_name)) = env_port(&env_files) {
            port = Some(p);
            evidence.push(Evidence { span, what: format!("`PORT` in {file_name}") });
        }
    }
    if *tool == Tool::Angular {
        let mut angular_https = false;
        angular::serve(project, files, &dir, &mut frontend, &mut port, &mut angular_https, &mut evidence);
        https = https.map(|h| h || angular_https);
        if let Some(out) = angular::output(files, &dir) {
            output = Ok(out);
        }
        let (bases, unknowns) = angular::api_bases(project, files, &dir);
        frontend.apis.extend(bases);
        frontend.unknowns.extend(unknowns);
    }
    match (origin_unknown, https) {
        (Some(why), _) => frontend.unknowns.push(format!("the dev server's origin: {why}")),
        (None, None) => frontend.unknowns.push("the dev server's scheme: `server.https` is not resolvable".into()),
        (None, Some(https)) => {
            let scheme = if https { "https" } else { "http" };
            let host = host.unwrap_or_else(|| "localhost".to_string());
            // Astro 1 and 2 served on 3000; 3 moved to 4321.
            let default_port = match tool {
                Tool::Astro if major_version(json, "astro").is_some_and(|m| m < 3) => Some(3000),
                _ => tool.default_port(),
            };
            if let Some(port) = port.or(default_port) {
                frontend.origins.push(FrontendOrigin {
                    origin: format!("{scheme}://{}:{port}", bracket(&host)),
                    environment: Environment::Development,
                    fallback: false,
                    evidence: evidence.clone(),
                });
                match moves {
                    Some(true) => {
                        if let Some(next) = port.checked_add(1) {
                            let mut fallback = evidence.clone();
                            if let Some(last) = fallback.last_mut() {
                                last.what.push_str(&format!("; when {port} is taken the dev server moves to {next}"));
                            }
                            frontend.origins.push(FrontendOrigin {
                                origin: format!("{scheme}://{}:{next}", bracket(&host)),
                                environment: Environment::Development,
                                fallback: true,
                                evidence: fallback,
                            });
                        }
                    }
                    Some(false) => {}
                    None => frontend
                        .unknowns
                        .push("whether the dev server moves to another port: `strictPort` is not resolvable".into()),
                }
            }
        }
    }
    match output {
        Ok(output) => {
            let (origins, unknowns) = deployed::origins(project, files, &dir, &output, &depends_on);
            if origins.is_empty() && unknowns.is_empty() {
                frontend.unknowns.push(format!(
                    "the deployed origin: no Dockerfile or compose volume in the repository puts {} behind an nginx \
                     `server` corslint can follow",
                    output.dir.display()
                ));
            }
            frontend.origins.extend(origins);
            frontend.unknowns.extend(unknowns);
        }
        Err(why) if !why.is_empty() => frontend.unknowns.push(format!("the deployed origin: {why}")),
        Err(_) => {}
    }
    if let Some(target) = json.get("proxy").and_then(Json::as_str).filter(|_| *tool == Tool::CreateReactApp) {
        let span = find(project, id, "\"proxy\"").unwrap_or(package_span);
        frontend.dev_proxy.push(("/".to_string(), Evidence { span, what: format!("`proxy` → {target}") }));
    }
    let client = client_facts(project, files, clients, &dir);
    if let Some(credentials) = &client.credentials {
        frontend.client.credentials = true;
        frontend.client.credentials_evidence = Some(credentials.clone());
    }
    frontend.client.headers = client.headers.clone();
    if client.xhr && !client.fetches {
        frontend.client.interface = RequestInterface::XmlHttpRequest;
    }
    frontend.client.writes = client
        .writes
        .iter()
        .map(|(method, json, evidence)| Write { method: method.clone(), json: *json, evidence: evidence.clone() })
        .collect();
    for (base, span) in &client.literal_bases {
        for environment in [Environment::Development, Environment::Production] {
            let url = if env::is_usable_base(base) { Value::Known(base.clone()) } else { Value::Unknown };
            let evidence = vec![Evidence { span: *span, what: "the API client's `baseURL`".into() }];
            frontend.apis.push(ApiBase { environment, url, evidence });
        }
    }
    match (&prefixes, client.unknown_base) {
        (_, Some(span)) => frontend.unknowns.push(format!(
            "the API base URL: the client's `baseURL` at {}:{} is neither a literal nor an env lookup",
            project.file(span.file).map(|f| f.path.display().to_string()).unwrap_or_default(),
            project.file(span.file).map_or(0, |f| f.position(span.start()).row)
        )),
        (None, None) if !tool.env_prefixes().is_empty() => {
            frontend.unknowns.push("the API base URL: `envDir` or `envPrefix` is not resolvable".into());
        }
        (None, None) => {}
        (Some(prefixes), None) => {
            // The variables the client reads, when it says; else the conventional API names.
            let read: Vec<&str> = client.env_bases.iter().map(|(n, _)| n.as_str()).collect();
            let called: Vec<&str> = client.env_urls.iter().map(|(n, _)| n.as_str()).collect();
            let wanted = |key: &str| {
                prefixes.iter().any(|p| key.starts_with(p.as_str()))
                    && (called.contains(&key)
                        || if read.is_empty() {
                            prefixes.iter().any(|p| env::names_api(key, p))
                        } else {
                            read.contains(&key)
                        })
            };
            for environment in [Environment::Development, Environment::Production] {
                frontend.apis.extend(env::api_bases(*tool, environment, &env_files, &wanted));
            }
        }
    }
    if frontend.apis.is_empty()
        && frontend.unknowns.iter().all(|u| !u.starts_with("the API base URL"))
        && !tool.env_prefixes().is_empty()
    {
        frontend.unknowns.push(format!(
            "the API base URL: no `{}*API*` variable in the env files of {}, and no `axios.create({{ baseURL }})` in its source",
            tool.env_prefixes().first().copied().unwrap_or_default(),
            if env_dir.as_os_str().is_empty() { ".".to_string() } else { env_dir.display().to_string() }
        ));
    }
    Some(frontend)
}

/// Where a Vite config stands.
enum ViteFile {
    None,
    /// On disk, but not parsed (the prefilter found nothing in it).
    Unread(PathBuf),
    Read(Box<vite::ViteConfig>, FileId),
}

fn vite_config(project: &Project, files: &Files<'_>, dir: &Path, configs: &[&str]) -> ViteFile {
    for name in configs {
        let found = files.id_of(&dir.join(name)).and_then(|id| Some((id, project.file(id)?)));
        match found.and_then(|(id, f)| match files.parsed.get(id) {
            Some(Parsed::JavaScript(tree)) => Some(ViteFile::Read(Box::new(vite::read(tree, &f.text, id)), id)),
            _ => None,
        }) {
            Some(read) => return read,
            None if dir.join(name).is_file() => return ViteFile::Unread(dir.join(name)),
            None => {}
        }
    }
    ViteFile::None
}

/// What the Vite config says, after the dev script (whose flags win over the config).
#[allow(clippy::too_many_arguments)]
fn apply_vite(
    config: &vite::ViteConfig,
    name: &str,
    frontend: &mut Frontend,
    evidence: &mut Vec<Evidence>,
    port: &mut Option<u16>,
    host: &mut Option<String>,
    https: &mut Option<bool>,
    moves: &mut Option<bool>,
    strict_flag: bool,
    origin_unknown: &mut Option<String>,
) {
    use vite::Setting;
    if port.is_none() {
        match &config.port {
            Setting::Known(p, span) => {
                *port = Some(*p);
                evidence.push(vite::evidence(*span, format!("`server.port: {p}` in {name}")));
            }
            Setting::Unknown => {
                origin_unknown.get_or_insert(format!("`server.port` in {name} is not resolvable"));
            }
            Setting::Absent => {}
        }
    }
    if host.is_none() {
        match &config.host {
            Setting::Known(h, _) => *host = Some(h.clone()).filter(|h| h != "localhost"),
            Setting::Unknown => {
                origin_unknown.get_or_insert(format!("`server.host` in {name} is not resolvable"));
            }
            Setting::Absent => {}
        }
    }
    if *https == Some(false) {
        match &config.https {
            Setting::Known(b, _) => *https = Some(*b),
            Setting::Unknown => *https = None,
            Setting::Absent => {}
        }
    }
    if !strict_flag {
        *moves = match &config.strict_port {
            Setting::Known(strict, _) => Some(!strict),
            Setting::Absent => Some(true),
            Setting::Unknown => None,
        };
    }
    match &config.proxy {
        Setting::Known(paths, _) => {
            for (path, span) in paths {
                frontend.dev_proxy.push((path.clone(), vite::evidence(*span, format!("`server.proxy` in {name}"))));
            }
        }
        Setting::Unknown => {
            frontend.unknowns.push(format!("the dev proxy's paths: `server.proxy` in {name} is not resolvable"))
        }
        Setting::Absent => {}
    }
}

/// The JavaScript files of the package's directory whose client calls count: all but its Vite
/// config.
fn client_sources<'f>(files: &'f Files<'_>, dir: &Path) -> impl Iterator<Item = (FileId, &'f JsTree)> + 'f {
    files.under(dir).filter_map(|(path, id)| {
        let Some(Parsed::JavaScript(tree)) = files.parsed.get(id) else { return None };
        let is_config = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| VITE_CONFIGS.contains(&n));
        (!is_config).then_some((id, tree))
    })
}

/// The client facts of every JavaScript file of the package's directory.
fn client_facts(
    project: &Project,
    files: &Files<'_>,
    clients: &[OnceLock<client::ClientFacts>],
    dir: &Path,
) -> client::ClientFacts {
    let mut all = client::ClientFacts::default();
    for (id, tree) in client_sources(files, dir) {
        let Some(file) = project.file(id) else { continue };
        let Some(cell) = clients.get(id) else { continue };
        let facts = cell.get_or_init(|| client::read(tree, &file.text, id)).clone();
        all.literal_bases.extend(facts.literal_bases);
        all.env_bases.extend(facts.env_bases);
        all.env_urls.extend(facts.env_urls);
        all.unknown_base = all.unknown_base.or(facts.unknown_base);
        all.credentials = all.credentials.or(facts.credentials);
        all.headers.extend(facts.headers);
        all.fetches |= facts.fetches;
        all.xhr |= facts.xhr;
        for write in facts.writes {
            if !all.writes.iter().any(|(m, j, _)| *m == write.0 && *j == write.1) {
                all.writes.push(write);
            }
        }
    }
    all.headers.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    all
}

/// The highest major a dependency's range allows (`^2.10.0` → 2); `None` for an unbounded range,
/// which installs the newest.
fn major_version(json: &Json, name: &str) -> Option<u64> {
    let range = ["dependencies", "devDependencies"].iter().find_map(|s| json.get(s)?.get(name)?.as_str())?;
    crate::extract::versions::npm_major(range)
}

fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() }
}

/// `--host 127.0.0.1` changes the address the dev server prints; `--host` alone (every
/// interface) or a name corslint cannot resolve leaves `localhost`.
fn is_loopback_literal(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "::1" | "[::1]" | "localhost")
}

/// The `.env*` files directly in `dir`, with their names.
fn env_files<'a>(files: &Files<'a>, dir: &Path) -> Vec<(String, FileId, &'a DotenvFile)> {
    files
        .in_dir(dir)
        .filter_map(|(path, id)| {
            let Some(Parsed::Dotenv(env)) = files.parsed.get(id) else { return None };
            let name = path.file_name()?.to_str()?;
            (name == ".env" || name.starts_with(".env.")).then(|| (name.to_string(), id, env))
        })
        .collect()
}

fn env_port(files: &[(String, FileId, &DotenvFile)]) -> Option<(u16, Span, String)> {
    let order = env::files_in_precedence(Tool::CreateReactApp, Environment::Development);
    order.iter().rev().find_map(|name| {
        let (file_name, id, env) = files.iter().find(|(n, _, _)| n == name)?;
        let entry = env.get("PORT", true)?;
        let port = entry.value.parse().ok()?;
        Some((port, Span::new(*id, entry.value_range.start, entry.value_range.end), file_name.clone()))
    })
}

fn json_file<'a>(files: &Files<'a>, path: &Path) -> Option<(FileId, &'a Json)> {
    let id = files.id_of(path)?;
    match files.parsed.get(id) {
        Some(Parsed::Json(json)) => Some((id, json)),
        _ => None,
    }
}

/// A frontend declared in `[[frontends]]` of corslint.toml: what it says, nothing inferred.
pub fn declared(entry: &crate::config::DeclaredFrontend) -> Frontend {
    let environment = entry.environment.as_deref().and_then(Environment::parse).unwrap_or(Environment::Production);
    Frontend {
        dir: PathBuf::from(entry.name.clone().unwrap_or_else(|| "[[frontends]]".to_string())),
        tool: Tool::Declared,
        span: None,
        origins: entry
            .origins
            .iter()
            .map(|origin| FrontendOrigin { origin: origin.clone(), environment, fallback: false, evidence: Vec::new() })
            .collect(),
        apis: vec![ApiBase { environment, url: Value::Known(entry.api.clone()), evidence: Vec::new() }],
        client: ClientRequest { credentials: entry.credentials, ..ClientRequest::default() },
        dev_proxy: Vec::new(),
        unknowns: Vec::new(),
    }
}
