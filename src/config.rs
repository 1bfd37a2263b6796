//! Configuration: `corslint.toml`, `.corslint.toml` or `[tool.corslint]` in `pyproject.toml`, the
//! nearest one above each linted file (as ruff does), or one file given with `--config`.

use crate::diagnostic::Severity;
use crate::rules::RULES;
use crate::source::normalize_path;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot be read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
}

/// The keys a config may hold, exactly as users write them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<String>>,
    extend_select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    severity: Option<BTreeMap<String, String>>,
    exclude: Option<Vec<String>>,
    allowed_origins: Option<AllowedOrigins>,
    fail_on: Option<String>,
    /// This directory is the project root: the walk for named files stops here, not at `.git`.
    root: Option<bool>,
    /// A baseline file (relative to this config): findings recorded there are not reported.
    baseline: Option<String>,
    /// `false`: named files are linted alone, without the project around them (`--no-project`).
    project_context: Option<bool>,
    /// Frontends the repository cannot describe itself (CORS109): which origins exist, a fact,
    /// unlike `allowed-origins`, which says which may be trusted.
    frontends: Option<Vec<DeclaredFrontend>>,
}

/// One `[[frontends]]` entry.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DeclaredFrontend {
    pub name: Option<String>,
    /// The origins its pages have, as browsers send them.
    pub origins: Vec<String>,
    /// The API base URL the pages call.
    pub api: String,
    /// `development` or `production` (default).
    pub environment: Option<String>,
    /// The pages send credentials (`credentials: "include"`, `withCredentials`).
    #[serde(default)]
    pub credentials: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AllowedOrigins {
    Everywhere(Vec<String>),
    /// Path glob (relative to the config) to the origins trusted there.
    ByPath(BTreeMap<String, Vec<String>>),
}

/// `pyproject.toml` as far as corslint reads it: other tools' sections are not looked at.
#[derive(Debug, Deserialize)]
struct PyProject<Section> {
    tool: PyProjectTool<Section>,
}

#[derive(Debug, Deserialize)]
struct PyProjectTool<Section> {
    corslint: Section,
}

/// A config file larger than this is not a config file (`--config /dev/zero` must not hang).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Selection given on the command line; it overrides the file.
#[derive(Clone, Debug, Default)]
pub struct CliOverrides {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
}

/// One loaded configuration, resolved for use.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (`None`: defaults).
    pub path: Option<PathBuf>,
    /// Directory that relative globs are taken against.
    pub base: PathBuf,
    select: Option<Vec<String>>,
    extend_select: Vec<String>,
    ignore: Vec<String>,
    per_file_ignores: Vec<(GlobMatcher, Vec<String>)>,
    severity: HashMap<String, Severity>,
    exclude: Vec<GlobMatcher>,
    allowed_origins: Vec<(Option<GlobMatcher>, Vec<String>)>,
    pub fail_on: Option<Severity>,
    /// `root = true`: the project root.
    pub root: bool,
    /// The baseline file, resolved against the config's folder.
    pub baseline: Option<PathBuf>,
    /// `project-context = false`: named files are linted without their project.
    pub project_context: Option<bool>,
    /// `[[frontends]]`.
    pub frontends: Vec<DeclaredFrontend>,
}

impl Config {
    /// Whether `code` is enabled for `file`, with the command line taking precedence.
    pub fn is_enabled(&self, code: &str, file: &Path, cli: &CliOverrides) -> bool {
        let extend = self.extend_select.iter().chain(&cli.extend_select);
        let selected_by = match cli.select.as_ref().or(self.select.as_ref()) {
            Some(select) => longest_match(select.iter().chain(extend), code),
            // Every rule is on by default.
            None => Some(longest_match(extend, code).unwrap_or(0)),
        };
        let Some(selected_len) = selected_by else { return false };
        let relative = self.relative(file);
        let file_ignores =
            self.per_file_ignores.iter().filter(|(glob, _)| matches_glob(glob, &relative)).flat_map(|(_, codes)| codes);
        match longest_match(self.ignore.iter().chain(&cli.ignore).chain(file_ignores), code) {
            // The more specific entry wins; on a tie, ignore wins.
            Some(ignored_len) => selected_len > ignored_len,
            None => true,
        }
    }

    pub fn severity_of(&self, code: &str, default: Severity) -> Severity {
        self.severity.get(code).copied().unwrap_or(default)
    }

    pub fn is_excluded(&self, file: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let relative = self.relative(file);
        self.exclude.iter().any(|g| matches_glob(g, &relative))
    }

    /// The origins the user declared trustworthy for `file` (CORS108), if any were declared.
    pub fn allowed_origins(&self, file: &Path) -> Option<Vec<&str>> {
        let relative = self.relative(file);
        let mut found: Option<Vec<&str>> = None;
        for (glob, origins) in &self.allowed_origins {
            if glob.as_ref().is_none_or(|g| matches_glob(g, &relative)) {
                found.get_or_insert_with(Vec::new).extend(origins.iter().map(String::as_str));
            }
        }
        found
    }

    /// Every setting as it applies to `file` (with the command line's overrides), for
    /// `--show-settings`: `(key, value)` in the config file's own words.
    pub fn settings(&self, file: &Path, cli: &CliOverrides) -> Vec<(&'static str, String)> {
        let list =
            |items: &[String]| format!("[{}]", items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", "));
        let relative = self.relative(file);
        let file_ignores: Vec<String> = self
            .per_file_ignores
            .iter()
            .filter(|(glob, _)| matches_glob(glob, &relative))
            .map(|(glob, codes)| format!("{:?} = {}", glob.glob().glob(), list(codes)))
            .collect();
        let mut severity: Vec<String> =
            self.severity.iter().map(|(code, level)| format!("{code} = {level:?}")).collect();
        severity.sort();
        let enabled: Vec<String> =
            RULES.iter().filter(|r| self.is_enabled(r.code, file, cli)).map(|r| r.code.to_owned()).collect();
        vec![
            ("config", self.path.as_ref().map_or_else(|| "none (defaults)".to_owned(), |p| p.display().to_string())),
            (
                "select",
                cli.select
                    .as_ref()
                    .or(self.select.as_ref())
                    .map_or_else(|| "every rule (default)".to_owned(), |s| list(s)),
            ),
            ("extend-select", list(&[self.extend_select.clone(), cli.extend_select.clone()].concat())),
            ("ignore", list(&[self.ignore.clone(), cli.ignore.clone()].concat())),
            ("per-file-ignores", format!("[{}]", file_ignores.join(", "))),
            ("severity", format!("{{{}}}", severity.join(", "))),
            ("exclude", list(&self.exclude.iter().map(|g| g.glob().glob().to_owned()).collect::<Vec<_>>())),
            ("excluded", self.is_excluded(file).to_string()),
            (
                "allowed-origins",
                self.allowed_origins(file).map_or_else(
                    || "none".to_owned(),
                    |o| list(&o.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()),
                ),
            ),
            ("fail-on", cli.fail_on.or(self.fail_on).unwrap_or(Severity::Warning).to_string()),
            ("root", self.root.to_string()),
            ("baseline", self.baseline.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string())),
            ("project-context", self.project_context.unwrap_or(true).to_string()),
            ("enabled rules", enabled.join(", ")),
        ]
    }

    fn relative(&self, file: &Path) -> PathBuf {
        let absolute = absolute(file);
        absolute.strip_prefix(&self.base).map(Path::to_path_buf).unwrap_or(absolute)
    }
}

fn matches_glob(glob: &GlobMatcher, relative: &Path) -> bool {
    glob.is_match(relative) || relative.file_name().is_some_and(|n| glob.is_match(n))
}

/// Length of the longest entry that is a prefix of `code`.
fn longest_match<'a>(entries: impl Iterator<Item = &'a String>, code: &str) -> Option<usize> {
    entries.filter(|e| code.starts_with(e.as_str()) || e.as_str() == "ALL").map(|e| e.len()).max()
}

/// `path` from the root, with `.` and `..` resolved by name: `../corslint.toml` seen from `sub/`
/// and `sub/../x` must compare equal to the same paths written without them.
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        normalize_path(path)
    } else {
        std::env::current_dir().map(|d| normalize_path(&d.join(path))).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Checks that a selector names at least one rule (`CORS1`, `CORS101`, `ALL`).
pub fn check_selector(selector: &str) -> Result<(), String> {
    if selector == "ALL" || RULES.iter().any(|r| r.code.starts_with(selector)) && selector.starts_with("CORS") {
        Ok(())
    } else {
        Err(format!("`{selector}` is not a rule code or prefix (e.g. `CORS101`, `CORS1`); see `corslint rules`"))
    }
}

/// Reads at most [`MAX_CONFIG_BYTES`] of a config file.
fn read_bounded(path: &Path) -> Result<String, ConfigError> {
    let io = |source| ConfigError::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("larger than {} MiB: not a corslint configuration", MAX_CONFIG_BYTES >> 20),
        });
    }
    String::from_utf8(bytes).map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// What a config file holds for corslint.
#[derive(Debug)]
enum Loaded {
    Config(Box<Config>),
    /// A `pyproject.toml` without `[tool.corslint]`: the config above it applies.
    NotOurs,
    /// A `pyproject.toml` that is not TOML and does not mention corslint: another tool's problem,
    /// so not a reason to stop a walk that finds it; the config above it applies.
    Broken(ConfigError),
}

/// Reads one config file.
fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = read_bounded(path)?;
    let invalid = |span: Option<std::ops::Range<usize>>, message: String| {
        let offset = span.map_or(0, |s| s.start).min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError::Invalid { path: path.to_path_buf(), line, column, message }
    };
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let raw: RawConfig = if is_pyproject {
        let document: toml::Table = match toml::from_str(&text) {
            Ok(document) => document,
            Err(e) if !text.contains("corslint") => {
                return Ok(Loaded::Broken(invalid(e.span(), e.message().to_string())));
            }
            Err(e) => return Err(invalid(e.span(), e.message().to_string())),
        };
        let section = document.get("tool").and_then(toml::Value::as_table).and_then(|tool| tool.get("corslint"));
        match section {
            None => return Ok(Loaded::NotOurs),
            Some(toml::Value::Table(_)) => {}
            Some(other) => {
                let at =
                    toml::from_str::<PyProject<toml::Spanned<toml::Value>>>(&text).ok().map(|p| p.tool.corslint.span());
                return Err(invalid(
                    at,
                    format!(
                        "`tool.corslint` is a {}: it must be a table of settings (`[tool.corslint]`, then `key = value` lines)",
                        other.type_str()
                    ),
                ));
            }
        }
        // Deserialized from the whole file so that errors point at the key in it.
        toml::from_str::<PyProject<RawConfig>>(&text)
            .map(|p| p.tool.corslint)
            .map_err(|e| invalid(e.span(), format!("[tool.corslint]: {}", e.message())))?
    } else {
        toml::from_str(&text).map_err(|e| invalid(e.span(), e.message().to_string()))?
    };
    let base = absolute(path).parent().map(Path::to_path_buf).unwrap_or_default();
    let find_key = |key: &str| text.find(key).map(|s| s..s);
    let check_codes = |key: &str, codes: &[String]| -> Result<(), ConfigError> {
        for code in codes {
            check_selector(code).map_err(|m| invalid(find_key(code).or(find_key(key)), format!("`{key}`: {m}")))?;
        }
        Ok(())
    };
    let glob = |key: &str, pattern: &str| -> Result<GlobMatcher, ConfigError> {
        Glob::new(pattern)
            .map(|g| g.compile_matcher())
            .map_err(|e| invalid(find_key(pattern).or(find_key(key)), format!("`{key}`: bad glob `{pattern}`: {e}")))
    };
    let mut config = Config { path: Some(path.to_path_buf()), base, ..Config::default() };
    if let Some(select) = raw.select {
        check_codes("select", &select)?;
        config.select = Some(select);
    }
    for (key, list, target) in
        [("extend-select", raw.extend_select, &mut config.extend_select), ("ignore", raw.ignore, &mut config.ignore)]
    {
        let list = list.unwrap_or_default();
        check_codes(key, &list)?;
        *target = list;
    }
    for (pattern, codes) in raw.per_file_ignores.unwrap_or_default() {
        check_codes("per-file-ignores", &codes)?;
        config.per_file_ignores.push((glob("per-file-ignores", &pattern)?, codes));
    }
    for (code, level) in raw.severity.unwrap_or_default() {
        if crate::rules::find(&code).is_none() {
            return Err(invalid(find_key(&code), format!("`severity`: `{code}` is not a rule code")));
        }
        let level = Severity::parse(&level).ok_or_else(|| {
            invalid(find_key(&code), format!("`severity`: `{level}` must be one of error, warning, info"))
        })?;
        config.severity.insert(code, level);
    }
    for pattern in raw.exclude.unwrap_or_default() {
        config.exclude.push(glob("exclude", &pattern)?);
    }
    match raw.allowed_origins {
        Some(AllowedOrigins::Everywhere(origins)) => config.allowed_origins.push((None, origins)),
        Some(AllowedOrigins::ByPath(map)) => {
            for (pattern, origins) in map {
                config.allowed_origins.push((Some(glob("allowed-origins", &pattern)?), origins));
            }
        }
        None => {}
    }
    config.root = raw.root.unwrap_or(false);
    config.baseline = raw.baseline.map(|b| config.base.join(b));
    config.project_context = raw.project_context;
    for frontend in raw.frontends.unwrap_or_default() {
        if frontend.environment.as_deref().is_some_and(|e| crate::model::frontend::Environment::parse(e).is_none()) {
            return Err(invalid(
                find_key("environment"),
                "`frontends`: `environment` must be development or production".into(),
            ));
        }
        config.frontends.push(frontend);
    }
    if let Some(level) = raw.fail_on {
        config.fail_on = Some(Severity::parse(&level).ok_or_else(|| {
            invalid(find_key("fail-on"), format!("`fail-on`: `{level}` must be one of error, warning, info"))
        })?);
    }
    Ok(Loaded::Config(Box::new(config)))
}

/// The file names corslint reads its configuration from, nearest first within one folder.
pub const CONFIG_NAMES: &[&str] = &["corslint.toml", ".corslint.toml", "pyproject.toml"];

/// Whether the corslint configuration in `dir` (if any) says `root = true`. A broken one says nothing.
pub fn declares_root(dir: &Path) -> bool {
    CONFIG_NAMES.iter().map(|name| dir.join(name)).filter(|p| p.is_file()).find_map(|p| match load(&p) {
        Ok(Loaded::Config(config)) => Some(config.root),
        Ok(Loaded::NotOurs) => None,
        Ok(Loaded::Broken(_)) | Err(_) => Some(false),
    }) == Some(true)
}

/// Finds and caches the nearest configuration for each directory.
#[derive(Debug, Default)]
pub struct Resolver {
    fixed: Option<Arc<Config>>,
    by_dir: HashMap<PathBuf, Arc<Config>>,
    default: Arc<Config>,
    /// The working directory, asked once: relative paths are looked up against it.
    cwd: Option<PathBuf>,
    /// Config files passed over and why (`--verbose`).
    pub notes: Vec<String>,
    /// Directories the walk read and found no settings file in: not probed again.
    without_settings: std::collections::HashSet<PathBuf>,
}

impl Resolver {
    /// With `--config FILE`, that file applies everywhere.
    pub fn new(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let fixed = match explicit.map(|path| (path, load(path))) {
            Some((_, Ok(Loaded::Config(config)))) => Some(Arc::new(*config)),
            Some((path, Ok(Loaded::NotOurs))) => Some(Arc::new(Config {
                path: Some(path.to_path_buf()),
                base: absolute(path).parent().map(Path::to_path_buf).unwrap_or_default(),
                ..Config::default()
            })),
            // The file the user named is never someone else's problem.
            Some((_, Ok(Loaded::Broken(error)) | Err(error))) => return Err(error),
            None => None,
        };
        Ok(Resolver { fixed, cwd: std::env::current_dir().ok(), ..Resolver::default() })
    }

    /// The configuration that governs `file`.
    pub fn for_file(&mut self, file: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let dir = match file.parent() {
            Some(parent) => self.absolute_dir(parent),
            None => absolute(file).parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        self.for_dir(&dir)
    }

    /// Tells the resolver which directories a walk read and which of them hold a file that can
    /// hold settings: the others are not probed for the three names (thousands of `statx` on a
    /// large tree).
    pub fn learn_walk(&mut self, dirs: &[PathBuf], settings_dirs: &[PathBuf]) {
        let with: std::collections::HashSet<PathBuf> = settings_dirs.iter().map(|d| self.absolute_dir(d)).collect();
        let without: Vec<PathBuf> = dirs.iter().map(|d| self.absolute_dir(d)).filter(|d| !with.contains(d)).collect();
        self.without_settings.extend(without);
    }

    fn absolute_dir(&self, dir: &Path) -> PathBuf {
        match &self.cwd {
            _ if dir.is_absolute() => normalize_path(dir),
            Some(cwd) => normalize_path(&cwd.join(dir)),
            None => absolute(dir),
        }
    }

    fn for_dir(&mut self, dir: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(found) = self.by_dir.get(dir) {
            return Ok(found.clone());
        }
        let mut found = None;
        let names = if self.without_settings.contains(dir) { &[] } else { CONFIG_NAMES };
        for name in names {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            match load(&candidate)? {
                Loaded::Config(config) => {
                    found = Some(Arc::new(*config));
                    break;
                }
                Loaded::NotOurs => {}
                Loaded::Broken(error) => self.notes.push(format!("{error} (not a corslint configuration: ignored)")),
            }
        }
        let config = match (found, dir.parent()) {
            (Some(config), _) => config,
            (None, Some(parent)) if parent != dir => self.for_dir(parent)?,
            (None, _) => self.default.clone(),
        };
        self.by_dir.insert(dir.to_path_buf(), config.clone());
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn paths_are_compared_without_dot_and_dotdot() {
        assert_eq!(absolute(Path::new("/srv/app/sub/../corslint.toml")), Path::new("/srv/app/corslint.toml"));
    }

    #[test]
    fn path_keyed_settings_are_relative_to_the_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            &root.join("corslint.toml"),
            "exclude = [\"sub/legacy/**\"]\n[allowed-origins]\n\"sub/prod/**\" = [\"https://app.example.com\"]\n",
        );
        std::fs::create_dir(root.join("sub")).expect("sub");
        let Loaded::Config(config) = load(&root.join("sub/../corslint.toml")).expect("loads") else {
            panic!("a corslint.toml is a config")
        };
        assert_eq!(config.base, root);
        assert!(config.allowed_origins(&root.join("sub/prod/main.py")).is_some());
        assert!(config.allowed_origins(&root.join("sub/dev/main.py")).is_none());
        assert!(config.is_excluded(&root.join("sub/x/../legacy/app.py")));
    }

    #[test]
    fn pyproject_files_are_read_for_their_corslint_section_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pyproject.toml");
        let loaded = |text: &str| {
            write(&path, text);
            load(&path)
        };
        assert!(matches!(loaded("[project]\nname = \"x\"\n"), Ok(Loaded::NotOurs)));
        assert!(matches!(loaded("tool = 3\n"), Ok(Loaded::NotOurs)), "another tool's odd pyproject");
        assert!(matches!(loaded("[project\nname =\n"), Ok(Loaded::Broken(_))));
        assert!(matches!(loaded("[tool.corslint\n"), Err(ConfigError::Invalid { line: 1, .. })));
        assert!(
            matches!(loaded("[tool.corslint]\nfail-on = \"error\"\n"), Ok(Loaded::Config(c)) if c.fail_on == Some(Severity::Error))
        );
        match loaded("[project]\nname = \"x\"\n[tool]\ncorslint = \"x\"\n") {
            Err(ConfigError::Invalid { line: 4, column: 12, message, .. }) => {
                assert!(message.contains("is a string: it must be a table"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        match loaded("[tool.black]\nline-length = 1\n[tool.corslint]\nselct = []\n") {
            Err(ConfigError::Invalid { line: 4, column: 1, message, .. }) => {
                assert!(message.contains("selct"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn config_files_are_read_up_to_one_mebibyte() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("corslint.toml");
        let padding = "#".repeat(MAX_CONFIG_BYTES as usize - 1);
        write(&path, &format!("{padding}\n"));
        assert!(matches!(load(&path), Ok(Loaded::Config(_))), "exactly 1 MiB is read");
        write(&path, &format!("{padding}\n\n"));
        assert!(
            matches!(load(&path), Err(ConfigError::Invalid { message, .. }) if message.contains("larger than 1 MiB"))
        );
    }

    #[test]
    fn a_walked_directory_without_settings_is_not_probed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (root, nested, plain) = (dir.path().to_path_buf(), dir.path().join("nested"), dir.path().join("plain"));
        write(&root.join("corslint.toml"), "fail-on = \"info\"\n");
        write(&nested.join("corslint.toml"), "fail-on = \"warning\"\n");
        std::fs::create_dir_all(&plain).expect("mkdir");
        let mut resolver = Resolver::new(None).expect("resolver");
        resolver.learn_walk(&[root.clone(), nested.clone(), plain.clone()], &[root.clone(), nested.clone()]);
        // Written after the walk: a directory the walk found without one is not looked at again.
        write(&plain.join("corslint.toml"), "fail-on = \"error\"\n");
        let governing = |resolver: &mut Resolver, file: &Path| resolver.for_file(file).expect("config").path.clone();
        assert_eq!(governing(&mut resolver, &nested.join("a.py")), Some(nested.join("corslint.toml")));
        assert_eq!(governing(&mut resolver, &plain.join("a.py")), Some(root.join("corslint.toml")));
    }
}
