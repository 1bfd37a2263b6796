//! Dockerfiles, as far as corslint needs them: the stages and their `COPY`/`ADD` lines, so a
//! container path can be traced back to the build context (`COPY --from=build /app/dist
//! /usr/share/nginx/html` after `WORKDIR /app` and `COPY . .` in the `build` stage serves the
//! context's `dist`). Dockerfiles are no format corslint lints: they are read here, small ones
//! only, by the extractors that follow a chain through them.

use crate::source::normalize_path;
use std::path::{Component, Path, PathBuf};

/// Dockerfiles larger than this are not read: real ones are a few kilobytes.
const MAX_BYTES: u64 = 256 * 1024;

/// Stages followed at most when one copies from another.
const MAX_HOPS: usize = 8;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stage {
    /// `AS name`, lowercased as Docker compares it.
    pub name: Option<String>,
    /// The image or earlier stage it starts from.
    pub base: String,
    pub copies: Vec<Copy>,
    /// The `WORKDIR` the stage ends with (a stage built on it starts there).
    pub workdir: PathBuf,
}

/// One `COPY`/`ADD` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Copy {
    /// `--from=stage` (lowercased), or `None` for the build context.
    pub from: Option<String>,
    pub sources: Vec<String>,
    /// Absolute: a relative destination is resolved against the stage's `WORKDIR`.
    pub dest: PathBuf,
    /// The destination was written as a directory (`/srv/`) or receives several sources.
    pub into_dir: bool,
    /// 1-based.
    pub line: usize,
}

impl Dockerfile {
    /// The Dockerfile at `path`, when it is a small regular file.
    pub fn read(path: &Path) -> Option<Dockerfile> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return None;
        }
        let bytes = crate::source::read_file(path).ok()?;
        Some(parse(&String::from_utf8_lossy(&bytes)))
    }

    /// The stage an image is built from: `target` (compose `build.target`), else the last one.
    pub fn final_stage(&self, target: Option<&str>) -> Option<usize> {
        match target {
            Some(target) => self.stage_named(&target.to_ascii_lowercase()),
            None => self.stages.len().checked_sub(1),
        }
    }

    /// The `COPY` lines of every stage that take their sources from the build context.
    pub fn context_copies(&self) -> impl Iterator<Item = &Copy> {
        self.stages.iter().flat_map(|s| &s.copies).filter(|c| c.from.is_none())
    }

    /// The path in the build context that `container` holds in stage `stage`, when a `COPY` from
    /// the context put it there (directly, or through the stages it copies from or builds on).
    /// What a `RUN` writes there (`npm run build` → `/app/dist`) counts as the context path it
    /// lies at: a build output is named by where it is written.
    pub fn context_path(&self, stage: usize, container: &Path, context: &Path) -> Option<PathBuf> {
        self.trace(stage, &normalize_path(container), context, MAX_HOPS)
    }

    fn trace(&self, stage: usize, container: &Path, context: &Path, hops: usize) -> Option<PathBuf> {
        let hops = hops.checked_sub(1)?;
        let current = self.stages.get(stage)?;
        for copy in current.copies.iter().rev() {
            let Some(rest) = copy_covers(copy, container, context) else { continue };
            let (source, rest) = rest;
            return match &copy.from {
                None => Some(normalize_path(&context.join(source).join(rest))),
                Some(from) => {
                    let from = self.stage_named(from).filter(|f| *f < stage)?;
                    self.trace(from, &Path::new(source).join(rest), context, hops)
                }
            };
        }
        let base = self.stage_named(&current.base.to_ascii_lowercase()).filter(|b| *b < stage)?;
        self.trace(base, container, context, hops)
    }

    /// A stage by its name or its index (`--from=0`).
    fn stage_named(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name.as_deref() == Some(name)).or_else(|| {
            let index: usize = name.parse().ok()?;
            (index < self.stages.len()).then_some(index)
        })
    }
}

/// The source of `copy` and the rest of the path below it, when `copy` wrote `container`.
fn copy_covers<'c>(copy: &'c Copy, container: &Path, context: &Path) -> Option<(&'c str, PathBuf)> {
    for source in copy.sources.iter().rev() {
        let is_dir_source = source == "." || source.ends_with('/') || copy.from.is_some() || {
            let host = context.join(source);
            host.is_dir() || !host.exists() && Path::new(source).extension().is_none()
        };
        let target = if copy.into_dir && !is_dir_source {
            copy.dest.join(Path::new(source).file_name()?)
        } else {
            copy.dest.clone()
        };
        if let Ok(rest) = container.strip_prefix(&target)
            && (is_dir_source || rest.as_os_str().is_empty())
        {
            return Some((source.as_str(), rest.to_path_buf()));
        }
    }
    None
}

/// Reads the instructions corslint follows: `FROM`, `WORKDIR` and `COPY`/`ADD`. Continuation
/// lines are joined; the JSON form is read too; sources that are URLs, globs or variables are
/// left out.
pub fn parse(text: &str) -> Dockerfile {
    // Docker skips a byte-order mark before the first instruction.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut stages: Vec<Stage> = Vec::new();
    let mut logical = String::new();
    let mut first_line = 0;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if logical.is_empty() {
            first_line = index + 1;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                logical.push_str(head);
                logical.push(' ');
                continue;
            }
            None => logical.push_str(trimmed),
        }
        let instruction = std::mem::take(&mut logical);
        let mut words = instruction.split_whitespace();
        let Some(keyword) = words.next() else { continue };
        let rest: Vec<&str> = words.collect();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                let args: Vec<&str> = rest.iter().copied().filter(|w| !w.starts_with("--")).collect();
                let name = match args[..] {
                    [_, as_word, name, ..] if as_word.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
                    _ => None,
                };
                let base = args.first().map(|b| b.to_string()).unwrap_or_default();
                // A stage built on another starts in its working directory.
                let lowered = base.to_ascii_lowercase();
                let workdir = stages
                    .iter()
                    .find(|s| s.name.as_deref() == Some(lowered.as_str()))
                    .map_or_else(|| PathBuf::from("/"), |s| s.workdir.clone());
                stages.push(Stage { name, base, copies: Vec::new(), workdir });
            }
            "WORKDIR" => {
                if let Some(stage) = stages.last_mut()
                    && let Some(dir) = rest.first().filter(|d| !d.contains('$'))
                {
                    stage.workdir = normalize_path(&stage.workdir.join(dir.trim_matches('"')));
                }
            }
            "COPY" | "ADD" => {
                let Some(stage) = stages.last_mut() else { continue };
                if let Some(copy) = copy_line(&rest, &stage.workdir, first_line) {
                    stage.copies.push(copy);
                }
            }
            _ => {}
        }
    }
    Dockerfile { stages }
}

fn copy_line(words: &[&str], workdir: &Path, line: usize) -> Option<Copy> {
    let from = words.iter().find_map(|w| w.strip_prefix("--from=")).map(|f| f.to_ascii_lowercase());
    let args: Vec<String> = words.iter().filter(|w| !w.starts_with("--")).map(|w| (*w).to_string()).collect();
    let joined = args.join(" ");
    let args: Vec<String> = serde_json::from_str::<Vec<String>>(&joined).unwrap_or(args);
    let (dest, sources) = args.split_last()?;
    if dest.contains('$') || sources.is_empty() {
        return None;
    }
    let remote = |s: &String| s.contains("://") || s.contains(['$', '*', '?', '[']);
    let sources: Vec<String> = sources.iter().filter(|s| !remote(s)).cloned().collect();
    if sources.is_empty() || sources.iter().any(|s| Path::new(s).components().any(|c| c == Component::ParentDir)) {
        return None;
    }
    let into_dir = dest.ends_with('/') || sources.len() > 1;
    Some(Copy { from, into_dir, sources, dest: normalize_path(&workdir.join(dest)), line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_a_multi_stage_build_back_to_the_context() {
        let text = "FROM node:22 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n\
                    RUN npm run build\n\nFROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n\
                    COPY --from=build /app/dist /usr/share/nginx/html\n";
        let file = parse(text);
        assert_eq!(file.stages.len(), 2);
        let last = file.final_stage(None).unwrap();
        let context = Path::new("frontend");
        assert_eq!(
            file.context_path(last, Path::new("/usr/share/nginx/html"), context),
            Some(PathBuf::from("frontend/dist"))
        );
        assert_eq!(
            file.context_path(last, Path::new("/etc/nginx/conf.d/default.conf"), context),
            Some(PathBuf::from("frontend/nginx.conf"))
        );
        assert_eq!(file.context_path(last, Path::new("/usr/lib"), context), None);
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_read_past() {
        let file = parse(
            "\u{feff}FROM node AS build\r\nWORKDIR /app\r\nCOPY . .\r\nFROM nginx\r\nCOPY --from=build /app/dist /srv\r\n",
        );
        assert_eq!(file.stages.len(), 2);
        assert_eq!(file.context_path(1, Path::new("/srv"), Path::new("web")), Some(PathBuf::from("web/dist")));
    }

    #[test]
    fn follows_stage_indexes_bases_and_json_form() {
        let text = "FROM node AS deps\nWORKDIR /src\nCOPY [\"web/\", \"./\"]\nFROM deps AS build\nRUN make\n\
                    FROM caddy\nCOPY --from=1 /src/build/ /srv/\n";
        let file = parse(text);
        assert_eq!(file.context_path(2, Path::new("/srv"), Path::new("")), Some(PathBuf::from("web/build")));
        assert_eq!(file.stages[0].copies[0].dest, PathBuf::from("/src"));
        assert_eq!(file.final_stage(Some("BUILD")), Some(1));
    }

    #[test]
    fn context_copies_skip_other_stages_and_remote_sources() {
        let text = "FROM nginx:1.27\nCOPY --chown=nginx nginx/nginx.conf /etc/nginx/nginx.conf\n\
                    COPY [\"cors.conf\", \"ssl.conf\", \"/etc/nginx/snippets/\"]\nCOPY --from=build /app /srv\n\
                    ADD conf.d \\\n    /etc/nginx/conf.d\nADD https://example.com/x.conf /etc/x.conf\n# COPY x /y\n";
        let copies: Vec<(Vec<String>, PathBuf, usize)> =
            parse(text).context_copies().map(|c| (c.sources.clone(), c.dest.clone(), c.line)).collect();
        assert_eq!(
            copies,
            [
                (vec!["nginx/nginx.conf".to_string()], PathBuf::from("/etc/nginx/nginx.conf"), 2),
                (vec!["cors.conf".to_string(), "ssl.conf".to_string()], PathBuf::from("/etc/nginx/snippets"), 3),
                (vec!["conf.d".to_string()], PathBuf::from("/etc/nginx/conf.d"), 5),
            ]
        );
    }
}
