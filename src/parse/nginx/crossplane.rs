//! The JSON of `crossplane parse`, for `corslint debug nginx FILE` and for comparing with
//! crossplane.
//!
//! Shape: `{"status", "errors": [{"file", "error", "line"}], "config": [{"file", "status",
//! "errors": [{"error", "line"}], "parsed": [{"directive", "line", "args", "includes"?,
//! "block"?}]}]}`; an error message ends with ` in FILE:LINE` as in crossplane.
//!
//! Known differences: crossplane stops at a file's first syntax error and gives `"parsed": []`
//! for it, where the tree recovered here is given; crossplane's context and argument-count
//! checks (`"x" directive is not allowed here`, ...) are not made; for a missing literal
//! include, crossplane's Python message (`[Errno 2] No such file or directory: '...'`) is
//! imitated. Keys come out sorted (serde_json's map), which JSON comparison ignores.

use std::path::Path;

use serde_json::{Value, json};

use super::glob::has_magic;
use super::include::{Files, IncludeSource, Root, Target, resolve};
use super::{Comment, Config, Directive};

/// `crossplane parse --single-file` of each file, in order.
pub fn dump(files: &[(&Path, &Config)]) -> Value {
    let entries = files.iter().map(|(path, config)| entry(path, config, &[], &|_| None)).collect();
    payload(entries)
}

/// `crossplane parse MAIN` for a resolved main configuration: every file it reaches, with the
/// `includes` of each `include` directive (indexes into `config`).
pub fn dump_root(root: &Root, source: &dyn IncludeSource) -> Value {
    let mut entries = Vec::new();
    for &file in &root.files {
        let (Some(path), Some(config)) = (source.path(file), source.config(file)) else {
            continue;
        };
        let mut extra = Vec::new();
        for site in root.sites.iter().filter(|s| s.file == file) {
            let missing = !has_magic(&site.resolved.to_string_lossy())
                && site.targets.iter().all(|t| matches!(t, Target::External(p) if !p.exists()));
            if missing {
                let message = format!("[Errno 2] No such file or directory: '{}'", site.resolved.display());
                extra.push((message, site.line));
            }
        }
        let includes = |d: &Directive| -> Option<Vec<usize>> {
            let site = root.site(file, d)?;
            let indexes = site.targets.iter().filter_map(|t| match t {
                Target::File(id) | Target::Cycle(id) => root.files.iter().position(|f| f == id),
                Target::External(_) | Target::Stock(_) | Target::OutsideTree(_) => None,
            });
            Some(indexes.collect())
        };
        entries.push(entry(path, config, &extra, &includes));
    }
    payload(entries)
}

/// What `corslint debug nginx FILE` prints.
pub struct Debug {
    /// `crossplane parse FILE`.
    pub json: Value,
    /// Includes not followed, and why (for stderr).
    pub notes: Vec<String>,
}

/// `corslint debug nginx FILE`: `crossplane parse FILE` (following includes from disk unless
/// `single`, as `--single-file`), reading nothing outside the tree of FILE ([`tree_of`]).
pub fn parse_file(path: &Path, single: bool) -> std::io::Result<Debug> {
    let bytes = crate::source::read_file(path)?;
    let config = super::parse(&String::from_utf8_lossy(&bytes));
    if single {
        return Ok(Debug { json: dump(&[(path, &config)]), notes: Vec::new() });
    }
    let tree = tree_of(path);
    let mut files = Files::within(vec![(path.to_path_buf(), config)], &tree);
    let resolution = resolve(&mut files);
    let mut notes = Vec::new();
    let Some(root) = resolution.roots.first() else {
        return Ok(Debug { json: json!({"status": "ok", "errors": [], "config": []}), notes });
    };
    for site in &root.sites {
        let at = files.path(site.file).map_or_else(String::new, |p| format!("{}:{}", p.display(), site.line));
        for target in &site.targets {
            if let Target::OutsideTree(p) = target {
                notes.push(format!(
                    "{at}: `include {}` leads to {}, outside {}: not read",
                    site.pattern,
                    p.display(),
                    tree.display()
                ));
            }
        }
    }
    if let Some((file, _)) = resolution.cut_short {
        let at = files.path(file).map_or_else(String::new, |p| p.display().to_string());
        notes.push(format!("{at}: the includes reach more files than corslint expands; the rest is not read"));
    }
    Ok(Debug { json: dump_root(root, &files), notes })
}

/// The tree `debug nginx FILE` may read: the repository FILE is in (the nearest directory above
/// it holding `.git`), else the working directory when FILE is inside it, else FILE's directory.
pub fn tree_of(path: &Path) -> std::path::PathBuf {
    let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(repo) = dir.ancestors().find(|d| d.join(".git").exists()) {
        return repo.to_path_buf();
    }
    match std::env::current_dir().and_then(std::fs::canonicalize) {
        Ok(cwd) if file.starts_with(&cwd) => cwd,
        _ => dir,
    }
}

fn payload(entries: Vec<Value>) -> Value {
    let mut errors = Vec::new();
    for e in &entries {
        for err in e["errors"].as_array().into_iter().flatten() {
            errors.push(json!({"file": e["file"], "error": err["error"], "line": err["line"]}));
        }
    }
    let status = if errors.is_empty() { "ok" } else { "failed" };
    json!({"status": status, "errors": errors, "config": entries})
}

type Includes<'a> = dyn Fn(&Directive) -> Option<Vec<usize>> + 'a;

fn entry(path: &Path, config: &Config, extra: &[(String, usize)], includes: &Includes) -> Value {
    let file = path.display().to_string();
    // Python's own errors (a missing include) carry no ` in FILE:LINE`.
    let mut errors: Vec<(String, usize)> =
        config.errors_with_lines().map(|(e, line)| (format!("{} in {file}:{line}", e.message), line)).collect();
    errors.extend(extra.iter().cloned());
    errors.sort_by_key(|(_, line)| *line);
    let errors: Vec<Value> = errors.into_iter().map(|(error, line)| json!({"error": error, "line": line})).collect();
    let status = if errors.is_empty() { "ok" } else { "failed" };
    json!({
        "file": file,
        "status": status,
        "errors": errors,
        "parsed": directives(&config.directives, &config.comments, includes),
    })
}

/// Depth is bounded by `MAX_DEPTH`, so recursion is safe.
fn directives(list: &[Directive], comments: &[Comment], includes: &Includes) -> Value {
    let mut items = Vec::new();
    for d in list {
        let mut o = serde_json::Map::new();
        o.insert("directive".into(), json!(d.name));
        o.insert("line".into(), json!(d.line));
        o.insert("args".into(), json!(d.args_str()));
        if let Some(list) = includes(d).filter(|_| d.name == "include") {
            o.insert("includes".into(), json!(list));
        }
        if let Some(b) = &d.block {
            o.insert("block".into(), directives(&b.directives, comments, includes));
        }
        items.push(Value::Object(o));
        // crossplane (0.5.8) always lists the comments written between a directive's name and
        // its `;` or `{` as `#` statements after it, on the directive's line.
        let head_end = d.block.as_ref().map_or(d.range.end, |b| b.range.start);
        let first = comments.partition_point(|c| c.range.start < d.name_range.end);
        let inside = comments.get(first..).unwrap_or(&[]);
        for c in inside.iter().take_while(|c| c.range.end <= head_end) {
            items.push(json!({"directive": "#", "line": d.line, "args": [], "comment": c.body()}));
        }
    }
    Value::Array(items)
}
