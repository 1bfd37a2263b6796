//! Angular CLI: `angular.json`'s `serve` target (port, TLS, proxy file), where `ng build` writes
//! the pages, and the API base URL of each build: the `environment` object of
//! `src/environments/environment*.ts`, as each build configuration's `fileReplacements` picks it
//! (`ng serve` builds the `development` configuration, `ng build` the `production` one).

use super::files::Files;
use super::{deployed, find, json_file};
use crate::extract::javascript::value::{Evaluator, Object, ValueKind};
use crate::model::frontend::{ApiBase, Environment, Evidence, Frontend};
use crate::model::{Project, Value};
use crate::parse::Parsed;
use crate::source::{Span, normalize_path};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use tree_sitter::Node;

/// `angular.json` beside the package: the `serve` target's `port`, `ssl` and `proxyConfig`, and
/// the paths of that proxy file.
pub(super) fn serve(
    project: &Project,
    files: &Files<'_>,
    dir: &Path,
    frontend: &mut Frontend,
    port: &mut Option<u16>,
    https: &mut bool,
    evidence: &mut Vec<Evidence>,
) {
    let Some((id, json)) = json_file(files, &dir.join("angular.json")) else { return };
    let projects = json.get("projects").and_then(Json::as_object);
    // One application: with several, which one a page belongs to is not known here.
    let serves: Vec<&Json> = projects
        .into_iter()
        .flatten()
        .filter_map(|(_, p)| p.get("architect").or_else(|| p.get("targets"))?.get("serve")?.get("options"))
        .collect();
    let [options] = serves[..] else {
        if serves.len() > 1 {
            frontend.unknowns.push("which of angular.json's projects is served: there are several".to_string());
        }
        return;
    };
    if port.is_none()
        && let Some(p) = options.get("port").and_then(Json::as_u64).and_then(|p| u16::try_from(p).ok())
    {
        *port = Some(p);
        let span = find(project, id, "\"port\"").unwrap_or(Span::new(id, 0, 0));
        evidence.push(Evidence { span, what: format!("angular.json serves on port {p}") });
    }
    if options.get("ssl").and_then(Json::as_bool) == Some(true) {
        *https = true;
    }
    let Some(proxy) = options.get("proxyConfig").and_then(Json::as_str) else { return };
    let Some((proxy_id, proxy_json)) = json_file(files, &dir.join(proxy)) else {
        frontend.unknowns.push(format!("the dev proxy's paths: {proxy} was not read"));
        return;
    };
    for (path, _) in proxy_json.as_object().into_iter().flatten() {
        let span = find(project, proxy_id, &format!("\"{path}\"")).unwrap_or(Span::new(proxy_id, 0, 0));
        frontend.dev_proxy.push((path.clone(), Evidence { span, what: format!("{proxy} proxies `{path}`") }));
    }
}

/// Where `ng build` writes the browser files: `outputPath` of the one project's `build` target
/// (`{ base, browser }`, or a string under which the `application` builder adds `browser/`).
pub(super) fn output(files: &Files<'_>, dir: &Path) -> Option<deployed::BuildOutput> {
    let (_, json) = json_file(files, &dir.join("angular.json"))?;
    let builds: Vec<&Json> = json
        .get("projects")?
        .as_object()?
        .values()
        .filter_map(|p| p.get("architect").or_else(|| p.get("targets"))?.get("build"))
        .collect();
    let [build] = builds[..] else { return None };
    let builder = build.get("builder").and_then(Json::as_str).unwrap_or("");
    let output = build.get("options")?.get("outputPath")?;
    let path = match output {
        Json::String(base) if builder.ends_with(":application") => Path::new(base).join("browser"),
        Json::String(base) => PathBuf::from(base),
        Json::Object(parts) => {
            let base = parts.get("base")?.as_str()?;
            let browser = parts.get("browser").and_then(Json::as_str).unwrap_or("browser");
            Path::new(base).join(browser)
        }
        _ => return None,
    };
    Some(deployed::BuildOutput {
        dir: normalize_path(&dir.join(&path)),
        what: format!("angular.json's `outputPath` ({})", path.display()),
    })
}

/// The file each build reads for `src/environments/environment.ts`: the `with` of the
/// configuration's `fileReplacements`, else the file itself.
fn environment_files(json: &Json, dir: &Path) -> Vec<(Environment, PathBuf)> {
    let builds: Vec<&Json> = json
        .get("projects")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|projects| projects.values())
        .filter_map(|p| p.get("architect").or_else(|| p.get("targets"))?.get("build"))
        .collect();
    let [build] = builds[..] else { return Vec::new() };
    let base = PathBuf::from("src/environments/environment.ts");
    [Environment::Development, Environment::Production]
        .into_iter()
        .map(|environment| {
            let replaced = build
                .get("configurations")
                .and_then(|c| c.get(environment.name()))
                .and_then(|c| c.get("fileReplacements"))
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .find_map(|r| {
                    let replace = r.get("replace")?.as_str()?;
                    let with = r.get("with")?.as_str()?;
                    (normalize_path(Path::new(replace)) == base).then(|| PathBuf::from(with))
                });
            (environment, normalize_path(&dir.join(replaced.unwrap_or_else(|| base.clone()))))
        })
        .collect()
}

/// The API base URL each build's `environment` object gives (`apiUrl`, `apiBaseUrl`,
/// `backendUrl`...), and what could not be read.
pub(super) fn api_bases(project: &Project, files: &Files<'_>, dir: &Path) -> (Vec<ApiBase>, Vec<String>) {
    let mut bases = Vec::new();
    let mut unknowns = Vec::new();
    let Some((_, json)) = json_file(files, &dir.join("angular.json")) else { return (bases, unknowns) };
    for (environment, path) in environment_files(json, dir) {
        let found = files.id_of(&path).and_then(|id| Some((id, project.file(id)?)));
        let Some((id, file)) = found else {
            if path.is_file() {
                unknowns.push(format!(
                    "the API base URL of the {} build: {} was not read",
                    environment.name(),
                    path.display()
                ));
            }
            continue;
        };
        let Some(Parsed::JavaScript(tree)) = files.parsed.get(id) else { continue };
        let evaluator = Evaluator::new(tree.root(), &file.text);
        let Some(object) = environment_object(&evaluator, tree.root()) else { continue };
        for property in &object.properties {
            if !names_api(&property.key) {
                continue;
            }
            let span = Span::new(id, property.value.range.start, property.value.range.end);
            let url = match property.value.kind.as_str() {
                Some(url) if super::env::is_usable_base(url) => Value::Known(url.to_string()),
                _ => Value::Unknown,
            };
            let what =
                format!("`{}` in {}", property.key, path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
            bases.push(ApiBase { environment, url, evidence: vec![Evidence { span, what }] });
        }
    }
    (bases, unknowns)
}

/// `export const environment = { ... }`.
fn environment_object<'t>(evaluator: &Evaluator<'t>, root: Node<'t>) -> Option<Object> {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "variable_declarator"
            && node.child_by_field_name("name").is_some_and(|n| evaluator.text(n) == "environment")
            && let Some(value) = node.child_by_field_name("value")
            && let ValueKind::Object(object) = evaluator.eval(value).kind
        {
            return Some(object);
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    None
}

/// `apiUrl`, `apiBaseUrl`, `API_URL`, `backendUrl`: a key naming the API's URL, not a key or token.
fn names_api(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    (lower.contains("api") || lower.contains("backend"))
        && (lower.contains("url") || lower.contains("base") || lower.contains("host") || lower.contains("endpoint"))
        && !["key", "token", "secret"].iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_replacements_pick_each_builds_environment() {
        let json: Json = serde_json::from_str(
            r#"{"projects": {"app": {"architect": {"build": {"configurations": {
                "production": {"fileReplacements": [{"replace": "src/environments/environment.ts", "with": "src/environments/environment.prod.ts"}]},
                "development": {}
            }}}}}}"#,
        )
        .unwrap();
        assert_eq!(
            environment_files(&json, Path::new("web")),
            [
                (Environment::Development, PathBuf::from("web/src/environments/environment.ts")),
                (Environment::Production, PathBuf::from("web/src/environments/environment.prod.ts")),
            ]
        );
        assert!(names_api("apiUrl") && names_api("API_BASE_URL") && names_api("backendHost"));
        assert!(!names_api("apiKey") && !names_api("production") && !names_api("sentryUrl"));
    }
}
