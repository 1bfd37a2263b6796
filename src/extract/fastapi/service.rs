//! Which service a Python file belongs to, and what configuration reaches that service.
//!
//! A monorepo holds several services, each with its own `.env`. A settings module reads only its
//! own service's: the settings module's directory up to its project root, the nearest directory
//! that holds `pyproject.toml`, `setup.py`, `setup.cfg` or a `requirements*.txt`, or that a compose
//! service builds (its `build:` context). pydantic-settings resolves `env_file` against the
//! working directory, which is that project root when the service runs. A compose service that
//! builds the module also gives it its `env_file:` files and its `environment:` (which wins over
//! any file). A `.env` anywhere else belongs to another service, or to none, and is never read.

use crate::model::deploy::ComposeService;
use crate::model::stack::absolute;
use crate::parse::dotenv::{DotenvEntry, DotenvFile};
use crate::source::{FileId, SourceFile};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files that mark the root of a Python project.
const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg"];

/// A compose service that builds Python code, resolved to absolute paths.
#[derive(Debug)]
struct Build<'t> {
    service: &'t ComposeService,
    context: PathBuf,
    compose_dir: PathBuf,
}

/// Where the value of a settings field comes from.
#[derive(Debug)]
pub enum EnvSource<'t> {
    /// A `.env` file of the service (read by pydantic or passed by compose).
    File(FileId, &'t DotenvEntry),
    /// Set by the environment in a way corslint cannot see (compose `environment:` with another
    /// value, or passed from the shell): neither a `.env` value nor the default.
    Unknown,
    /// Not set anywhere corslint sees: the field's default applies.
    NotSet,
}

#[derive(Debug)]
pub struct Services<'t> {
    root: PathBuf,
    builds: Vec<Build<'t>>,
    /// Positions in `builds` by build context: a directory is looked up by its ancestors, never
    /// against every service of a monorepo.
    by_context: HashMap<PathBuf, Vec<usize>>,
    project_roots: RefCell<HashMap<PathBuf, PathBuf>>,
}

/// The dotenv files of the project by absolute path, in file order.
#[derive(Debug, Default)]
pub struct Dotenvs<'t>(HashMap<PathBuf, Vec<(FileId, &'t DotenvFile)>>);

impl<'t> Dotenvs<'t> {
    /// The project's dotenv files, by the absolute paths `services` gives them.
    pub fn of(files: &[SourceFile], parsed: &'t [crate::parse::Parsed], services: &Services<'_>) -> Self {
        let mut dotenvs = Dotenvs::default();
        for (id, (file, tree)) in files.iter().zip(parsed).enumerate() {
            if let crate::parse::Parsed::Dotenv(env) = tree {
                dotenvs.add(services.absolute(&file.path), id, env);
            }
        }
        dotenvs
    }

    fn add(&mut self, path: PathBuf, file: FileId, env: &'t DotenvFile) {
        self.0.entry(path).or_default().push((file, env));
    }

    /// The entry `key` of the first dotenv file at `path` (absolute) that sets it.
    fn entry(&self, path: &Path, key: &str, case_sensitive: bool) -> Option<(FileId, &'t DotenvEntry)> {
        let files = self.0.get(path)?;
        files.iter().find_map(|(file, env)| Some((*file, env.get(key, case_sensitive)?)))
    }
}

impl<'t> Services<'t> {
    pub fn new(root: &Path, files: &'t [SourceFile], compose: &'t [ComposeService]) -> Self {
        let builds = compose
            .iter()
            .filter_map(|service| {
                let build = service.build.as_ref()?;
                let compose_file = files.get(service.name.span.file)?;
                let compose_dir = absolute(root, compose_file.path.parent().unwrap_or(Path::new("")));
                let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
                if context.contains("://") || context.contains('$') {
                    return None;
                }
                Some(Build { service, context: absolute(&compose_dir, Path::new(context)), compose_dir })
            })
            .collect::<Vec<Build<'t>>>();
        let mut by_context: HashMap<PathBuf, Vec<usize>> = HashMap::new();
        for (at, build) in builds.iter().enumerate() {
            by_context.entry(build.context.clone()).or_default().push(at);
        }
        Services { root: root.to_path_buf(), builds, by_context, project_roots: RefCell::default() }
    }

    /// A displayed path made absolute (cwd-independent, see [`absolute`]).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        absolute(&self.root, path)
    }

    /// The project root of code in `dir`: the nearest directory (from `dir` up) with a project
    /// marker or built by a compose service; the filesystem root when there is none.
    pub(super) fn project_root(&self, dir: &Path) -> PathBuf {
        if let Some(found) = self.project_roots.borrow().get(dir) {
            return found.clone();
        }
        let mut found = PathBuf::from("/");
        // Every directory passed on the way has the same root: remembered too, so that a folder
        // of thousands of services is listed once, not once per service.
        let mut passed = Vec::new();
        for candidate in dir.ancestors().take(64) {
            if let Some(known) = self.project_roots.borrow().get(candidate) {
                found = known.clone();
                break;
            }
            let built = self.by_context.contains_key(candidate);
            if built || is_project_root(candidate) {
                found = candidate.to_path_buf();
                break;
            }
            passed.push(candidate);
        }
        let mut roots = self.project_roots.borrow_mut();
        for directory in passed {
            roots.insert(directory.to_path_buf(), found.clone());
        }
        found
    }

    /// Where the settings field read as `key` gets its value, for a settings module in `dir`.
    /// `env_files` are the class's `env_file` names (`.env` when none), `dotenvs` every dotenv
    /// file of the project.
    pub fn env_source(
        &self,
        dir: &Path,
        key: &str,
        case_sensitive: bool,
        env_files: &[String],
        dotenvs: &Dotenvs<'t>,
    ) -> EnvSource<'t> {
        let same = |a: &str| if case_sensitive { a == key } else { a.eq_ignore_ascii_case(key) };
        let entry_in = |path: &Path| dotenvs.entry(path, key, case_sensitive);
        // Compose: `environment:` wins over `env_file:`, which wins over pydantic's own `.env`.
        let mut building: Vec<usize> =
            dir.ancestors().filter_map(|context| self.by_context.get(context)).flatten().copied().collect();
        building.sort_unstable();
        let builds: Vec<&Build<'t>> = building.into_iter().filter_map(|at| self.builds.get(at)).collect();
        for build in &builds {
            let Some(var) = build.service.environment.iter().rev().find(|v| same(&v.name.value)) else { continue };
            // `- NAME`, `NAME: ${NAME}`: compose takes it from the shell or its own `.env`.
            let passed_through = var.value.as_ref().is_none_or(|v| names_variable(&v.value, key));
            return match entry_in(&build.compose_dir.join(".env")) {
                Some((file, entry)) if passed_through => EnvSource::File(file, entry),
                _ => EnvSource::Unknown,
            };
        }
        for build in &builds {
            for env_file in build.service.env_files.iter().rev() {
                if let Some((file, entry)) = entry_in(&absolute(&build.compose_dir, Path::new(&env_file.value))) {
                    return EnvSource::File(file, entry);
                }
            }
        }
        let project_root = self.project_root(dir);
        let defaults = [".env".to_string()];
        let env_files = if env_files.is_empty() { &defaults[..] } else { env_files };
        for env_file in env_files.iter().rev() {
            // Resolved against the working directory the service is started from.
            if let Some(found) = entry_in(&absolute(&project_root, Path::new(env_file))) {
                return EnvSource::File(found.0, found.1);
            }
        }
        // Started from another directory of the service: the nearest file of that name on the way up.
        let names: Vec<&str> = env_files.iter().filter_map(|f| f.rsplit(['/', '\\']).next()).collect();
        for candidate in dir.ancestors().take(64) {
            for name in &names {
                if let Some((file, entry)) = entry_in(&candidate.join(name)) {
                    return EnvSource::File(file, entry);
                }
            }
            if candidate == project_root {
                break;
            }
        }
        EnvSource::NotSet
    }
}

/// Whether `value` is `$NAME`, `${NAME}` or `${NAME:-default}` (and the like) for `name`.
fn names_variable(value: &str, name: &str) -> bool {
    let inner = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')).or_else(|| value.strip_prefix('$'));
    inner.is_some_and(|v| v.split([':', '-', '?', '+']).next() == Some(name))
}

fn is_project_root(dir: &Path) -> bool {
    if PROJECT_MARKERS.iter().any(|marker| dir.join(marker).is_file()) {
        return true;
    }
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with("requirements") && name.ends_with(".txt")
    })
}

#[cfg(test)]
mod tests {
    use super::names_variable;

    #[test]
    fn passed_through_variables() {
        for value in ["$ORIGINS", "${ORIGINS}", "${ORIGINS:-*}", "${ORIGINS?required}"] {
            assert!(names_variable(value, "ORIGINS"), "{value}");
        }
        for value in ["https://a.example.com", "${OTHER}", "$ORIGINS_EXTRA", "prefix-${ORIGINS}"] {
            assert!(!names_variable(value, "ORIGINS"), "{value}");
        }
    }
}
