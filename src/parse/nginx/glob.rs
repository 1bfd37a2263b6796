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

/// Directory entries one glob may look at, in all directories together: `include /*/*/*/*.conf`
/// would otherwise walk much of the file system (`/proc` alone has thousands of entries per level).
const MAX_GLOB_ENTRIES: usize = 100_000;

/// Expands a glob on the file system, one path component at a time; regular files only. Stops
/// looking after [`MAX_GLOB_ENTRIES`] directory entries.
pub fn glob_disk(pattern: &Path) -> Vec<PathBuf> {
    let mut budget = MAX_GLOB_ENTRIES;
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
        let matcher = component_matcher(&name);
        let mut next = Vec::new();
        for dir in &current {
            if budget == 0 {
                break;
            }
            let listed = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Ok(entries) = std::fs::read_dir(listed) else {
                continue;
            };
            for entry in entries.flatten() {
                if budget == 0 {
                    break;
                }
                budget -= 1;
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
            next.retain(|p| p.is_dir());
        }
        current = next;
    }
    current.retain(|p| p.is_file());
    current
}
