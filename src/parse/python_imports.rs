//! Which Python candidates are worth parsing, decided from their bytes and their `import` lines.
//!
//! The word prefilter keeps every file that *could* matter to a FastAPI app (a `BaseModel`, an
//! `origins` constant, middleware); in a repository where an app sits beside a large other Python
//! code base that is most of that code base. What the extractor can use is narrower: the files that
//! name FastAPI or Starlette (apps, routers, security dependencies, middleware), the files one of
//! them imports (settings, constants, models), transitively, and the files that import one of them
//! (routes declared on `from .main import app`). Modules are matched as the extractor matches
//! them ([`super::module_suffixes`]), so the file an import resolves to is kept.

use std::path::{Component, Path};

/// One Python candidate: its path as discovered and its bytes.
pub struct Candidate<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
}

/// For each candidate, whether to parse it: reachable through imports from a file that uses a
/// framework ([`super::python_names_framework`]), or holding a corslint suppression (checked for
/// CORS902 either way). A file naming `DJANGO_SETTINGS_MODULE` starts the walk too, but only beside
/// such a file: alone (a library's own tests and scripts) it has no settings to point at that matter.
///
/// Import lines are read only where they can change the answer: in the files the walk reaches, and
/// in the files that may import an anchor (see [`may_import_any`]). In a large code base with one
/// app, that is a handful of files instead of every candidate, on the run's one sequential step.
pub fn worth_parsing(candidates: &[Candidate<'_>]) -> Vec<bool> {
    static SUPPRESSION: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"corslint"));
    let mut keep: Vec<bool> = candidates.iter().map(|c| SUPPRESSION.find(c.bytes).is_some()).collect();
    let mut anchors: Vec<bool> = candidates.iter().map(|c| super::python_names_framework(c.bytes)).collect();
    if !anchors.contains(&true) {
        return keep;
    }
    for (anchor, candidate) in anchors.iter_mut().zip(candidates) {
        *anchor = *anchor || super::python_points_at_settings(candidate.bytes);
    }
    let (modules, packages): (Vec<Vec<String>>, Vec<Vec<String>>) =
        candidates.iter().map(|c| module_of(c.path)).unzip();
    let by_suffix = super::module_suffixes::ModuleSuffixes::new(modules);
    let modules = by_suffix.paths();
    let mut imports: Vec<Option<Vec<usize>>> = vec![None; candidates.len()];
    let mut imports_of = |id: usize| -> Vec<usize> {
        let Some(slot) = imports.get_mut(id) else { return Vec::new() };
        slot.get_or_insert_with(|| {
            let (Some(candidate), Some(package), Some(importer)) =
                (candidates.get(id), packages.get(id), modules.get(id))
            else {
                return Vec::new();
            };
            let mut found = Vec::new();
            for module in imported_modules(candidate.bytes, package) {
                found.extend(by_suffix.nearest(&module, importer));
            }
            found
        })
        .clone()
    };

    let mut anchor_names: Vec<&str> = anchors
        .iter()
        .zip(modules)
        .filter(|(is_anchor, _)| **is_anchor)
        .filter_map(|(_, module)| module.last().map(String::as_str))
        .collect();
    // Thousands of apps have a handful of distinct names (`main`, `app`, `routes`).
    anchor_names.sort_unstable();
    anchor_names.dedup();
    let names_an_anchor = NameSearch::new(&anchor_names);
    let mut reached = vec![false; candidates.len()];
    let mut work: Vec<usize> = Vec::new();
    for (id, is_anchor) in anchors.iter().enumerate() {
        let mut imports_anchor = || {
            let may = candidates.get(id).zip(packages.get(id)).is_some_and(|(c, package)| {
                names_an_anchor.found_in(c.bytes)
                    || package.iter().any(|p| anchor_names.binary_search(&p.as_str()).is_ok())
            });
            may && imports_of(id).iter().any(|&t| anchors.get(t) == Some(&true))
        };
        if *is_anchor || imports_anchor() {
            work.push(id);
        }
    }
    while let Some(id) = work.pop() {
        match reached.get_mut(id) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        work.extend(imports_of(id).into_iter().filter(|&t| reached.get(t) == Some(&false)));
    }
    for (k, r) in keep.iter_mut().zip(reached) {
        *k |= r;
    }
    keep
}

/// Whether a file's bytes name one of some modules' last components as a whole word: a file that
/// imports module `a.b.c` writes `c` (`import a.b.c`, `from a.b import c`, `from .c import x`),
/// except through a relative import of a package (`from . import x` loads the package it is in,
/// named by its own path, which [`worth_parsing`] checks beside this). Past a few names (a tree of
/// many apps) the search would cost more than it saves: then every file may import an anchor.
struct NameSearch(Option<Vec<memchr::memmem::Finder<'static>>>);

impl NameSearch {
    const MAX_NAMES: usize = 8;

    fn new(names: &[&str]) -> NameSearch {
        let mut names: Vec<&str> = names.to_vec();
        names.sort_unstable();
        names.dedup();
        let finders = names.iter().map(|n| memchr::memmem::Finder::new(n.as_bytes()).into_owned());
        NameSearch((names.len() <= Self::MAX_NAMES).then(|| finders.collect()))
    }

    fn found_in(&self, bytes: &[u8]) -> bool {
        // Any byte but an ASCII letter, digit or `_` may bound a name (Unicode whitespace splits
        // import lines too): a wrong guess only reads one more file's imports.
        let bounds = |at: Option<&u8>| at.is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
        let Some(finders) = &self.0 else { return true };
        finders.iter().any(|finder| {
            let len = finder.needle().len();
            finder.find_iter(bytes).any(|at| {
                let before = at.checked_sub(1).and_then(|i| bytes.get(i));
                bounds(before) && bounds(bytes.get(at + len))
            })
        })
    }
}

/// A file's dotted module path and the package its relative imports start from (its directory):
/// `app/core/config.py` → `app.core.config` in `app.core`, `app/core/__init__.py` → `app.core` in
/// `app.core`. The extractor names modules with this too, so both always agree.
pub fn module_of(path: &Path) -> (Vec<String>, Vec<String>) {
    let package: Vec<String> = path
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str().map(str::to_owned),
            _ => None,
        })
        .collect();
    let mut module = package.clone();
    match path.file_stem().and_then(|s| s.to_str()) {
        Some("__init__") => {}
        stem => module.push(stem.unwrap_or_default().to_owned()),
    }
    (module, package)
}

/// Every module an `import` or `from ... import` line may load: `from a.b import c, d` gives
/// `a.b`, `a.b.c` and `a.b.d` (a name may be a submodule). Relative imports are made absolute
/// against `package`. A byte scan, not a parse: a line that only looks like an import adds a
/// module to parse, never removes one.
pub fn imported_modules(bytes: &[u8], package: &[String]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("import ") {
            for item in rest.split(',') {
                let name = item.split_whitespace().next().unwrap_or_default();
                out.push(dotted(name));
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else { continue };
            let Some(base) = absolute(module.trim(), package) else { continue };
            let mut names = names.trim().to_owned();
            if names.starts_with('(') {
                // Parenthesised names may run over several lines (bounded: a stray `(` must not
                // make one import swallow the rest of the file).
                for more in lines.by_ref().take(200) {
                    if names.contains(')') {
                        break;
                    }
                    names.push(',');
                    names.push_str(more);
                    if more.contains(')') {
                        break;
                    }
                }
            }
            for item in names.trim_matches(|c| c == '(' || c == ')' || c == '\\').split(',') {
                let name = item.split_whitespace().next().unwrap_or_default().trim_matches(|c| c == '(' || c == ')');
                if is_identifier(name) {
                    let mut path = base.clone();
                    path.push(name.to_owned());
                    out.push(path);
                }
            }
            out.push(base);
        }
    }
    if text.contains("split_settings") {
        out.extend(quoted_python_paths(&text).filter_map(|path| split_settings_module(path, package)));
    }
    out.retain(|m| !m.is_empty());
    out
}

/// The quoted strings ending in `.py` (`"components/common.py"`): what django-split-settings'
/// `include(...)` may run, wherever the list of them is written.
fn quoted_python_paths(text: &str) -> impl Iterator<Item = &str> {
    // Every piece between two quotes, not every other one: an apostrophe in a comment would shift
    // the pairs. Code between strings has spaces or commas, a path has none.
    text.split(['"', '\'']).filter(|s| s.ends_with(".py") && !s.contains(|c: char| c.is_whitespace() || c == ','))
}

/// The module django-split-settings' `include("conf/db.py")` runs, from the including module's
/// package: the path is relative to that file's directory. `None` for a glob or a path out of the
/// project, whose files are not known.
pub fn split_settings_module(path: &str, package: &[String]) -> Option<Vec<String>> {
    let path = path.strip_suffix(".py")?;
    if path.starts_with('/') || path.contains(['*', '?', '[']) {
        return None;
    }
    let mut module = package.to_vec();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                module.pop()?;
            }
            part if is_identifier(part) => module.push(part.to_owned()),
            _ => return None,
        }
    }
    Some(module)
}

/// `..core.config` against package `app.api` → `app.core.config`; `None` past the top.
fn absolute(module: &str, package: &[String]) -> Option<Vec<String>> {
    let dots = module.len() - module.trim_start_matches('.').len();
    let rest = dotted(module.trim_start_matches('.'));
    if dots == 0 {
        return Some(rest);
    }
    let keep = package.len().checked_sub(dots - 1)?;
    let mut path: Vec<String> = package.get(..keep)?.to_vec();
    path.extend(rest);
    Some(path)
}

fn dotted(name: &str) -> Vec<String> {
    name.split('.').filter(|p| is_identifier(p)).map(str::to_owned).collect()
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_') && !s.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(files: &[(&str, &str)]) -> Vec<String> {
        let candidates: Vec<Candidate<'_>> =
            files.iter().map(|(p, t)| Candidate { path: Path::new(p), bytes: t.as_bytes() }).collect();
        let keep = worth_parsing(&candidates);
        files.iter().zip(keep).filter(|(_, k)| *k).map(|((p, _), _)| (*p).to_owned()).collect()
    }

    #[test]
    fn imports_from_an_app_are_followed_and_the_rest_is_left() {
        let files = [
            (
                "svc/app/main.py",
                "from fastapi import FastAPI\nfrom .core.config import settings\nfrom app import routes\n",
            ),
            (
                "svc/app/core/config.py",
                "from pydantic_settings import BaseSettings\nfrom ..origins import (\n    ORIGINS,\n)\n",
            ),
            ("svc/app/origins.py", "ORIGINS = ['https://a.example.com']\n"),
            ("svc/app/routes.py", "from .main import app\n@app.get('/x')\ndef x(): ...\n"),
            ("svc/app/models.py", "class Item(BaseModel): ...\n"),
            ("svc/app/api/items.py", "from ..main import app\n@app.delete('/items')\ndef d(): ...\n"),
            ("django/web/middleware.py", "class TimingMiddleware: ...\n"),
            ("django/web/views.py", "from .middleware import TimingMiddleware\nORIGINS = []\n"),
            ("lib/quiet.py", "x = 1  # corslint: ignore[CORS101]\n"),
        ];
        assert_eq!(
            kept(&files),
            [
                "svc/app/main.py",
                "svc/app/core/config.py",
                "svc/app/origins.py",
                "svc/app/routes.py",
                "svc/app/api/items.py",
                "lib/quiet.py"
            ]
        );
    }

    /// Past the size where a group of same-named modules gets its own index, an import still
    /// reaches exactly the module it names: its own app's, relative or absolute.
    #[test]
    fn many_apps_with_the_same_module_names_reach_only_what_they_import() {
        let mut owned = Vec::new();
        for i in 0..40 {
            owned.push((
                format!("svc{i}/app/main.py"),
                "from fastapi import FastAPI\nfrom .config import s\n".to_owned(),
            ));
            owned.push((format!("svc{i}/app/config.py"), "S = 1\n".to_owned()));
            owned.push((format!("svc{i}/app/models.py"), "M = 1\n".to_owned()));
        }
        owned.push(("tool/main.py".to_owned(), "from flask import Flask\nfrom lib.models import M\n".to_owned()));
        owned.push(("tool/lib/models.py".to_owned(), "M = 2\n".to_owned()));
        let files: Vec<(&str, &str)> = owned.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let kept = kept(&files);
        assert!(kept.iter().all(|p| !p.starts_with("svc") || !p.ends_with("models.py")), "{kept:?}");
        assert_eq!(kept.len(), 40 * 2 + 2, "{kept:?}");
        assert!(kept.iter().any(|p| p == "svc39/app/config.py") && kept.iter().any(|p| p == "tool/lib/models.py"));
    }

    #[test]
    fn an_absolute_import_among_many_apps_reaches_its_own_apps_module() {
        let mut owned = Vec::new();
        for i in 0..40 {
            let main = if i % 2 == 1 { "from app.models import M\n" } else { "" };
            owned.push((format!("svc{i}/app/main.py"), format!("from fastapi import FastAPI\n{main}")));
            owned.push((format!("svc{i}/app/models.py"), "M = 1\n".to_owned()));
        }
        let files: Vec<(&str, &str)> = owned.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let kept = kept(&files);
        let models: Vec<&String> = kept.iter().filter(|p| p.ends_with("models.py")).collect();
        assert_eq!(models.len(), 20, "{kept:?}");
        assert!(models.iter().all(|p| {
            p.trim_start_matches("svc").split('/').next().is_some_and(|n| n.ends_with(['1', '3', '5', '7', '9']))
        }));
    }

    #[test]
    fn a_relative_import_of_the_package_reaches_its_init() {
        // `items.py` never writes `api`: it imports the package it is in, named by its own path.
        let files = [
            ("svc/api/__init__.py", "from fastapi import APIRouter, FastAPI\nrouter = APIRouter()\n"),
            ("svc/api/items.py", "from . import router\n@router.delete('/items')\ndef d(): ...\n"),
            ("svc/other/items.py", "from . import router\n@router.delete('/items')\ndef d(): ...\n"),
        ];
        assert_eq!(kept(&files), ["svc/api/__init__.py", "svc/api/items.py"]);
    }

    #[test]
    fn an_anchor_named_inside_a_longer_word_is_not_imported() {
        // `manager` is not `manage`; the walk still finds the real import beside it.
        let files = [
            ("svc/manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'svc.settings')\n"),
            ("svc/main.py", "from fastapi import FastAPI\napp = FastAPI()\n"),
            ("svc/plugins.py", "from .manager import get_manager\nclass Origins: ...\n"),
            ("svc/cli.py", "from svc import manage\nORIGIN = 'x'\n"),
        ];
        assert_eq!(kept(&files), ["svc/manage.py", "svc/main.py", "svc/cli.py"]);
    }

    #[test]
    fn without_a_framework_only_suppressions_are_kept() {
        let files = [("a/settings.py", "class S(BaseSettings): ...\n"), ("a/x.py", "# corslint: ignore[CORS101]\n")];
        assert_eq!(kept(&files), ["a/x.py"]);
    }

    #[test]
    fn a_framework_named_in_data_starts_no_walk() {
        // Django's own tests: "Flask" in test data, DJANGO_SETTINGS_MODULE in scripts, and imports
        // that reach most of the library.
        let files = [
            (
                "tests/requests/tests.py",
                "from django.http import HttpRequest\nCSV = 'Framework,ID.Django,1.Flask,2.'\n",
            ),
            ("tests/runtests.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'test_sqlite')\n"),
            (
                "django/http/__init__.py",
                "from django.http.request import HttpRequest\nclass HttpRequest(BaseModel): ...\n",
            ),
        ];
        assert!(kept(&files).is_empty(), "{:?}", kept(&files));
    }

    #[test]
    fn the_settings_pointer_starts_the_walk_beside_an_app() {
        let files = [
            ("manage.py", "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\n"),
            ("shop/settings.py", "INSTALLED_APPS = ['corsheaders']\nCORS_ALLOWED_ORIGINS = []\n"),
        ];
        assert_eq!(kept(&files), ["manage.py", "shop/settings.py"]);
    }

    #[test]
    fn split_settings_includes_are_followed_from_the_settings_module() {
        let files = [
            ("shop/components/common.py", "MIDDLEWARE = ['corsheaders.middleware.CorsMiddleware']\n"),
            ("shop/components/cors.py", "CORS_ALLOWED_ORIGINS = []\n"),
            // An apostrophe in a comment does not hide the paths after it.
            (
                "shop/settings.py",
                "from split_settings.tools import include\n# don't edit\ninclude('components/common.py', \"components/cors.py\")\n",
            ),
            ("shop/other.py", "CORS_ALLOWED_ORIGINS = []\n"),
        ];
        assert_eq!(kept(&files), ["shop/components/common.py", "shop/components/cors.py", "shop/settings.py"]);
    }

    #[test]
    fn split_settings_paths_are_modules_beside_the_including_file() {
        let package: Vec<String> = vec!["shop".into(), "settings".into()];
        let module = |path| split_settings_module(path, &package).map(|m| m.join("."));
        assert_eq!(module("components/cors.py").as_deref(), Some("shop.settings.components.cors"));
        assert_eq!(module("./../base.py").as_deref(), Some("shop.base"));
        for unknown in ["components/*.py", "/etc/shop/local.py", "env-{0}.py", "local.txt", "../../../x.py"] {
            assert_eq!(module(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn import_lines_name_modules_and_submodules() {
        let package: Vec<String> = vec!["app".into(), "api".into()];
        let got = imported_modules(b"import os, app.db as db\nfrom ...x import y\nfrom . import (a,\n b)\n", &package);
        let got: Vec<String> = got.iter().map(|m| m.join(".")).collect();
        assert_eq!(got, ["os", "app.db", "x.y", "x", "app.api.a", "app.api.b", "app.api"]);
    }
}
