//! Glob patterns of `include`, as glob(3) expands them for nginx: `*`, `?`, `[...]` and
//! backslash escapes within one path component, hidden names matched only by a component that
//! starts with `.`, results sorted by the caller.

use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

/// Whether a pattern has glob characters (nginx's test: `*`, `?` or `[`).
pub fn has_magic(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// A glob as glob(3) reads it: `*`, `?`, `[...]`, backslash escapes, braces literal.
pub fn glob_builder(pattern: &str) -> Result<globset::Glob, globset::Error> {
    let escaped = pattern.replace('{', "[{]").replace('}', "[}]");
    GlobBuilder::new(&escaped).literal_separator(true).backslash_escape(true).build()
}

fn component_matcher(pattern: &str) -> Option<GlobMatcher> {
    glob_builder(pattern).ok().map(|g| g.compile_matcher())
}

/// Whether `path` lies inside `tree` (a canonical directory) once symlinks are resolved; a path
/// that does not exist yet is judged by its nearest existing ancestor. Without a tree, anywhere.
pub fn within_tree(path: &Path, tree: Option<&Path>) -> bool {
    let Some(tree) = tree else { return true };
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    };
    let mut probe = crate::source::normalize_path(&absolute);
    loop {
        if let Ok(real) = std::fs::canonicalize(&probe) {
            return real.starts_with(tree);
        }
        if !probe.pop() {
            return false;
        }
    }
}

/// Expands a glob on the file system inside `tree`, one path component at a time; regular
/// files only, and only what lies inside the tree (symlinks resolved). Every directory entry
/// looked at costs one of `left`; it stops when none is left.
pub fn glob_disk(pattern: &Path, tree: &Path, left: &mut usize) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let components: Vec<Component> = pattern.components().collect();
    let last = components.len().saturating_sub(1);
    for (i, c) in components.iter().enumerate() {
        let Component::Normal(name) = c else {
            current.iter_mut().for_each(|p| p.push(c.as_os_str()));
            continue;
        };
        let name = name.to_string_lossy();
        if !name.contains(['*', '?', '[']) {
            current.iter_mut().for_each(|p| p.push(name.as_ref()));
            continue;
        }
        // The directories about to be listed must lie inside the tree.
        current.retain(|dir| within_tree(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }, Some(tree)));
        let matcher = component_matcher(&name);
        let mut next = Vec::new();
        for dir in &current {
            if *left == 0 {
                break;
            }
            let listed = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Ok(entries) = std::fs::read_dir(listed) else {
                continue;
            };
            for entry in entries.flatten() {
                if *left == 0 {
                    break;
                }
                *left -= 1;
                let entry_name = entry.file_name();
                let entry_name = entry_name.to_string_lossy();
                if entry_name.starts_with('.') && !name.starts_with('.') {
                    continue;
                }
                let matched = match &matcher {
                    Some(m) => m.is_match(entry_name.as_ref()),
                    None => entry_name == name,
                };
                if matched {
                    next.push(dir.join(entry.file_name()));
                }
            }
        }
        if i < last {
            next.retain(|p| p.is_dir() && within_tree(p, Some(tree)));
        }
        current = next;
    }
    current.retain(|p| p.is_file() && within_tree(p, Some(tree)));
    current
}
