//! Reads which major release of a package a source file runs with, from the nearest manifest above
//! it that names the package: `package.json` (`dependencies`, `devDependencies`,
//! `peerDependencies`, `optionalDependencies`; NestJS's `@nestjs/platform-express` 11 brings
//! Express 5), `requirements*.txt` (and `requirements/*.txt`), `pyproject.toml` (PEP 621 and
//! Poetry), `Pipfile`, `setup.cfg` `install_requires`. A range tells the highest major it allows
//! (`^4.18.2` → 4, `>=5,<6` → 5, `~=4.0` → 4); a range without an upper bound, or nothing at all,
//! means the newest release. Each directory's manifests are read once per run.

use crate::model::versions::{Package, Pin, PinEvidence};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Directories searched above a file before giving up (a monorepo's root manifest is within reach).
const MAX_LEVELS: usize = 8;

/// `package.json` sections that install a package.
const NPM_SECTIONS: &[&str] = &["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/// The manifests of one directory, as far as they pin the packages corslint cares about.
#[derive(Default)]
struct DirPins {
    pins: Vec<Pin>,
    /// A repository's top (`.git`): manifests above it belong to something else.
    is_repository_root: bool,
}

/// Finds pins for files, reading each directory's manifests once.
pub struct Resolver {
    root: PathBuf,
    dirs: HashMap<PathBuf, DirPins>,
}

impl Resolver {
    /// `root` is the project root: paths in the evidence are shown relative to it.
    pub fn new(root: &Path) -> Resolver {
        Resolver { root: root.to_path_buf(), dirs: HashMap::new() }
    }

    /// The release of `package` the file at `path` runs with.
    pub fn pin(&mut self, path: &Path, package: Package) -> Pin {
        let path = self.root.join(path);
        for dir in path.ancestors().skip(1).take(MAX_LEVELS) {
            if !self.dirs.contains_key(dir) {
                let read = read_dir_pins(dir, &self.root);
                self.dirs.insert(dir.to_path_buf(), read);
            }
            let Some(found) = self.dirs.get(dir) else { break };
            if let Some(pin) = found.pins.iter().find(|p| p.package == package) {
                return pin.clone();
            }
            // Not the project root: a run from a subfolder still sees the manifest above it.
            if found.is_repository_root {
                break;
            }
        }
        Pin::newest(package)
    }
}

/// Records, for every app of a framework whose releases differ, the release its file runs with.
pub fn pin_apps(project: &mut crate::model::Project, resolver: &mut Resolver) {
    use crate::model::app::Framework;
    let mut pins = Vec::new();
    for app in &project.apps {
        let package = match app.framework {
            Framework::Flask => Package::FlaskCors,
            Framework::Express | Framework::NestJs => Package::Express,
            _ => continue,
        };
        let Some(file) = project.files.get(app.span.file) else { continue };
        pins.push((app.span.file, resolver.pin(&file.path, package)));
    }
    for (file, pin) in pins {
        project.versions.insert(file, pin);
    }
}

fn read_dir_pins(dir: &Path, root: &Path) -> DirPins {
    let mut pins = Vec::new();
    let shown = |name: &Path| name.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| name.to_path_buf());
    let mut add = |package: Package, manifest: &Path, requirement: String, major: Option<u64>| {
        if pins.iter().any(|p: &Pin| p.package == package) {
            return;
        }
        let major = major.unwrap_or(package.newest_major());
        pins.push(Pin { package, major, evidence: Some(PinEvidence { manifest: shown(manifest), requirement }) });
    };
    let package_json = dir.join("package.json");
    // npm and pip both read a manifest that starts with a byte-order mark.
    let read = |path: &Path| std::fs::read_to_string(path).map(|t| t.trim_start_matches('\u{feff}').to_owned());
    if let Ok(text) = read(&package_json) {
        for (package, requirement, major) in npm_pins(&text) {
            add(package, &package_json, requirement, major);
        }
    }
    for manifest in python_manifests(dir) {
        let Ok(text) = read(&manifest) else { continue };
        let name = manifest.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let requirements = match name {
            "pyproject.toml" | "Pipfile" => toml_requirements(&text),
            "setup.cfg" => setup_cfg_requirements(&text),
            _ => text.lines().filter_map(pep508).collect(),
        };
        for (distribution, spec) in requirements {
            if distribution == Package::FlaskCors.name() {
                let major = python_major(&spec);
                add(Package::FlaskCors, &manifest, format!("{distribution}{spec}"), major);
            }
        }
    }
    DirPins { pins, is_repository_root: dir.join(".git").exists() }
}

/// The Python manifests of a directory, in the order they are believed.
fn python_manifests(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut requirements = |folder: &Path, any_name: bool| {
        let Ok(entries) = std::fs::read_dir(folder) else { return };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.ends_with(".txt") && (any_name || name.starts_with("requirements"))
            })
            .collect();
        found.sort();
        out.extend(found);
    };
    requirements(dir, false);
    requirements(&dir.join("requirements"), true);
    out.extend(["pyproject.toml", "Pipfile", "setup.cfg"].iter().map(|n| dir.join(n)));
    out
}

/// `(package, requirement as written, highest major)` for each package a `package.json` pins.
fn npm_pins(text: &str) -> Vec<(Package, String, Option<u64>)> {
    let Ok(serde_json::Value::Object(manifest)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let spec_of =
        |name: &str| NPM_SECTIONS.iter().find_map(|s| manifest.get(*s)?.get(name)?.as_str().map(str::to_owned));
    if let Some(spec) = spec_of("express") {
        return vec![(Package::Express, format!("\"express\": \"{spec}\""), npm_major(&spec))];
    }
    // NestJS's Express adapter depends on Express 5 from NestJS 11 on.
    if let Some(spec) = spec_of("@nestjs/platform-express") {
        let major = npm_major(&spec).map(|nest| if nest >= 11 { 5 } else { 4 });
        return vec![(Package::Express, format!("\"@nestjs/platform-express\": \"{spec}\""), major)];
    }
    Vec::new()
}

/// The highest major an npm range allows; `None` when it has no upper bound (or is no range:
/// `latest`, a tag, a git URL, `file:`), which installs the newest release.
pub(crate) fn npm_major(spec: &str) -> Option<u64> {
    let spec = spec.trim();
    // `"express5": "npm:express@5.1.0"`, `workspace:^5`.
    let spec = match spec.strip_prefix("npm:") {
        Some(alias) => alias.rsplit_once('@').map_or("", |(_, version)| version),
        None => spec.strip_prefix("workspace:").unwrap_or(spec),
    };
    let mut highest = None;
    for alternative in spec.split("||") {
        let upper = npm_alternative_upper(alternative.trim())?;
        highest = highest.max(Some(upper));
    }
    highest
}

fn npm_alternative_upper(alternative: &str) -> Option<u64> {
    if let Some((_, upper)) = alternative.split_once(" - ") {
        return version_major(upper.trim());
    }
    // Operators may stand apart from their version: `>= 4.0.0 < 5`.
    let mut comparators: Vec<String> = Vec::new();
    let mut pending = String::new();
    for token in alternative.split_whitespace() {
        if token.chars().all(|c| "<>=~^".contains(c)) {
            pending.push_str(token);
        } else {
            comparators.push(format!("{pending}{token}"));
            pending.clear();
        }
    }
    let mut upper: Option<u64> = None;
    for comparator in &comparators {
        let operator: String = comparator.chars().take_while(|c| "<>=~^".contains(*c)).collect();
        let version = &comparator[operator.len()..];
        let bound = match operator.as_str() {
            ">" | ">=" => continue,
            "<" => below(version),
            "<=" => version_major(version),
            "" | "=" | "^" | "~" | "~>" => version_major(version),
            _ => None,
        };
        let bound = bound?;
        upper = Some(upper.map_or(bound, |u| u.min(bound)));
    }
    upper
}

/// The major of `4.18.2`, `v5`, `5.x`; `None` for `*`, `x` or what is not a version.
fn version_major(version: &str) -> Option<u64> {
    let version = version.trim().trim_start_matches(['v', '=']);
    version.split('.').next()?.parse().ok()
}

/// The highest major below `version`: `< 5` and `< 5.0.0` allow 4, `< 5.2` allows 5.
fn below(version: &str) -> Option<u64> {
    let major = version_major(version)?;
    let rest_is_zero = version.trim().split('.').skip(1).all(|p| p.chars().all(|c| c == '0' || c == '*'));
    if rest_is_zero { major.checked_sub(1) } else { Some(major) }
}

/// The highest major a PEP 440 specifier set (`>=4,<6`, `==5.0.*`, `~=4.0`) or a Poetry/Pipfile
/// constraint (`^5.0`, `~5.0`, `*`, `5.0.1`) allows; `None` without an upper bound.
pub(crate) fn python_major(spec: &str) -> Option<u64> {
    let spec = spec.trim().trim_start_matches('(').trim_end_matches(')');
    let mut upper: Option<u64> = None;
    for clause in spec.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let operator: String = clause.chars().take_while(|c| "<>=!~^".contains(*c)).collect();
        let version = clause[operator.len()..].trim();
        let bound = match operator.as_str() {
            ">" | ">=" | "!=" => continue,
            "<" => below(version),
            "" | "==" | "===" | "~=" | "<=" | "^" | "~" => version_major(version),
            _ => None,
        };
        let bound = bound?;
        upper = Some(upper.map_or(bound, |u| u.min(bound)));
    }
    upper
}

/// A PEP 503 normalised distribution name and its specifier, from one requirements line
/// (`Flask_CORS[extra]>=4.0 ; python_version > "3.8"  # comment`); `None` for options (`-r`),
/// URLs and blank lines.
fn pep508(line: &str) -> Option<(String, String)> {
    let line = line.split(" #").next().unwrap_or("").trim();
    if line.is_empty() || line.starts_with(['-', '#']) {
        return None;
    }
    let name_len = line.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))).unwrap_or(line.len());
    let name = normalise(line.get(..name_len)?);
    let mut rest = line.get(name_len..).unwrap_or("").trim_start();
    if rest.starts_with('[') {
        rest = rest.split_once(']').map_or("", |(_, r)| r);
    }
    let spec = rest.split(';').next().unwrap_or("").trim();
    if spec.starts_with('@') {
        return None;
    }
    (!name.is_empty()).then(|| (name, spec.to_owned()))
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "-_.".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The requirements of a `pyproject.toml` (PEP 621 `dependencies`, optional dependencies and
/// dependency groups; Poetry's dependency tables) or a `Pipfile` (`packages`, `dev-packages`).
fn toml_requirements(text: &str) -> Vec<(String, String)> {
    let Ok(doc) = text.parse::<toml::Table>() else { return Vec::new() };
    let mut out = Vec::new();
    let strings = |value: Option<&toml::Value>, out: &mut Vec<(String, String)>| {
        for item in value.and_then(toml::Value::as_array).into_iter().flatten() {
            out.extend(item.as_str().and_then(pep508));
        }
    };
    let table = |value: Option<&toml::Value>, out: &mut Vec<(String, String)>| {
        for (name, constraint) in value.and_then(toml::Value::as_table).into_iter().flatten() {
            let spec = match constraint {
                toml::Value::String(s) => s.as_str(),
                toml::Value::Table(t) => t.get("version").and_then(toml::Value::as_str).unwrap_or("*"),
                _ => "*",
            };
            out.push((normalise(name), if spec == "*" { String::new() } else { spec.to_owned() }));
        }
    };
    let project = doc.get("project");
    strings(project.and_then(|p| p.get("dependencies")), &mut out);
    for (_, extra) in
        project.and_then(|p| p.get("optional-dependencies")).and_then(toml::Value::as_table).into_iter().flatten()
    {
        strings(Some(extra), &mut out);
    }
    for (_, group) in doc.get("dependency-groups").and_then(toml::Value::as_table).into_iter().flatten() {
        strings(Some(group), &mut out);
    }
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    table(poetry.and_then(|p| p.get("dependencies")), &mut out);
    table(poetry.and_then(|p| p.get("dev-dependencies")), &mut out);
    for (_, group) in poetry.and_then(|p| p.get("group")).and_then(toml::Value::as_table).into_iter().flatten() {
        table(group.get("dependencies"), &mut out);
    }
    table(doc.get("packages"), &mut out);
    table(doc.get("dev-packages"), &mut out);
    out
}

/// `install_requires` of `[options]` in a `setup.cfg`: the indented lines after the key.
fn setup_cfg_requirements(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(value) = line.trim_start().strip_prefix("install_requires") {
            let value = value.trim_start();
            if let Some(first) = value.strip_prefix('=') {
                inside = true;
                out.extend(pep508(first));
                continue;
            }
        }
        if inside {
            if line.starts_with([' ', '\t']) {
                out.extend(pep508(line));
            } else if !line.trim().is_empty() {
                inside = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_ranges_tell_the_highest_major_they_allow() {
        for (spec, major) in [
            ("^4.18.2", Some(4)),
            ("~4.21.0", Some(4)),
            ("4.21.2", Some(4)),
            ("4.x", Some(4)),
            ("5", Some(5)),
            ("v5.1.0", Some(5)),
            (">=4.17.0 <5.0.0", Some(4)),
            (">= 4 < 5", Some(4)),
            ("<5.2", Some(5)),
            ("<=4.21.2", Some(4)),
            ("^4.17.1 || ^5.0.0", Some(5)),
            ("4.17.1 - 4.21.2", Some(4)),
            ("npm:express@5.1.0", Some(5)),
            ("workspace:^4.0.0", Some(4)),
            (">=4.17.0", None),
            ("*", None),
            ("latest", None),
            ("", None),
            ("github:expressjs/express", None),
            ("^4 || >=5", None),
        ] {
            assert_eq!(npm_major(spec), major, "{spec}");
        }
    }

    #[test]
    fn python_specifiers_tell_the_highest_major_they_allow() {
        for (spec, major) in [
            ("==6.0.1", Some(6)),
            ("==5.0.*", Some(5)),
            ("~=4.0", Some(4)),
            (">=4,<6", Some(5)),
            (">=4.0,<5.0.0", Some(4)),
            ("<5.1", Some(5)),
            ("^5.0", Some(5)),
            ("~4.0", Some(4)),
            ("5.0.0", Some(5)),
            ("(>=3.0.10,<4)", Some(3)),
            (">=4.0", None),
            ("!=5.0.0", None),
            ("", None),
        ] {
            assert_eq!(python_major(spec), major, "{spec}");
        }
    }

    #[test]
    fn requirement_lines_name_a_normalised_distribution() {
        assert_eq!(
            pep508("Flask_CORS[x]>=4.0 ; python_version > '3.8'  # why"),
            Some(("flask-cors".into(), ">=4.0".into()))
        );
        assert_eq!(pep508("flask-cors"), Some(("flask-cors".into(), String::new())));
        assert_eq!(pep508("-r base.txt"), None);
        assert_eq!(pep508("flask-cors @ https://example.com/f.whl"), None);
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    }

    /// The nearest manifest that names the package wins; one that does not is skipped.
    #[test]
    fn the_nearest_manifest_naming_the_package_decides() {
        let root = tempfile::tempdir().expect("tempdir");
        let root = root.path();
        std::fs::create_dir(root.join(".git")).expect("git");
        write(root, "package.json", r#"{"devDependencies": {"express": "^4.21.2"}}"#);
        write(root, "api/package.json", r#"{"dependencies": {"cors": "^2.8.5"}}"#);
        write(root, "web/package.json", r#"{"dependencies": {"express": ">=5.0.0 <6"}}"#);
        write(root, "nest/package.json", r#"{"dependencies": {"@nestjs/platform-express": "^10.4.0"}}"#);
        let mut resolver = Resolver::new(root);
        let api = resolver.pin(&root.join("api/src/server.js"), Package::Express);
        assert_eq!((api.major, api.evidence.map(|e| e.manifest)), (4, Some(PathBuf::from("package.json"))));
        assert_eq!(resolver.pin(&root.join("web/server.js"), Package::Express).major, 5);
        assert_eq!(resolver.pin(&root.join("nest/src/main.ts"), Package::Express).major, 4);
        let unpinned = resolver.pin(&root.join("api/app.py"), Package::FlaskCors);
        assert_eq!(unpinned, Pin::newest(Package::FlaskCors));
        assert!(unpinned.describe().contains("Flask-CORS 6, the newest release"), "{}", unpinned.describe());
    }

    #[test]
    fn python_manifests_of_every_kind_pin_flask_cors() {
        let root = tempfile::tempdir().expect("tempdir");
        let root = root.path();
        write(root, "a/requirements-prod.txt", "flask==3.1\nFlask-Cors==4.0.1\n");
        write(root, "b/requirements/base.txt", "flask-cors>=5,<6\n");
        write(root, "c/pyproject.toml", "[project]\ndependencies = [\"flask-cors~=5.0\"]\n");
        write(root, "d/pyproject.toml", "[tool.poetry.dependencies]\nflask-cors = { version = \"^4.0\" }\n");
        write(root, "e/Pipfile", "[packages]\nflask-cors = \"==5.0.1\"\n");
        write(
            root,
            "f/setup.cfg",
            "[options]\ninstall_requires =\n    flask\n    flask-cors<5\npython_requires = >=3.9\n",
        );
        write(root, "g/requirements.txt", "flask-cors>=4.0\n");
        let mut resolver = Resolver::new(root);
        for (dir, major) in [("a", 4), ("b", 5), ("c", 5), ("d", 4), ("e", 5), ("f", 4), ("g", 6)] {
            let pin = resolver.pin(&root.join(dir).join("app.py"), Package::FlaskCors);
            assert_eq!(pin.major, major, "{dir}: {pin:?}");
            assert!(pin.evidence.is_some(), "{dir}");
        }
    }
}
