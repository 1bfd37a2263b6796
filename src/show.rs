//! `--show-files` (what a run would lint, and as what) and `--show-settings FILE` (which
//! configuration governs a file, with every resolved value).

use crate::config::{self, CliOverrides, Resolver};
use crate::discover;
use crate::lint::{LintError, Options};
use crate::source::FileKind;
use std::fmt::Write;
use std::path::Path;

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Python => "python",
        FileKind::Nginx => "nginx",
        FileKind::Yaml => "yaml",
        FileKind::Dotenv => "dotenv",
        FileKind::JavaScript => "javascript",
        FileKind::AppSource => "app source",
        FileKind::FrontendJson => "frontend json",
        FileKind::StaticHeaders => "platform headers",
    }
}

/// One line per selected file: its path, its kind, and whether the byte prefilter sends it to a
/// parser or passes over it (nothing in it can matter). Excluded files are listed as such.
pub fn files(options: &Options) -> Result<String, LintError> {
    let mut resolver = Resolver::new(options.config.as_deref())?;
    let stdin = options.stdin.as_ref().map(|(name, _)| name.as_path());
    let paths = match crate::project::Scope::of(&options.paths, stdin).filter(|_| options.project_context) {
        Some(scope) => scope.walk,
        None if options.paths.is_empty() => vec![".".into()],
        None => options.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect(),
    };
    let discovery = discover::discover(&paths, &|_, _| true);
    if let Some(missing) = discovery.missing.first() {
        return Err(LintError::Missing(missing.clone()));
    }
    let mut out = String::new();
    for file in &discovery.files {
        let config = resolver.for_file(&file.path)?;
        let what = if config.is_excluded(&file.path) && !file.explicit {
            "excluded"
        } else if crate::parse::worth_parsing(file.kind, &file.bytes) {
            "parsed"
        } else {
            "passed over (nothing that can matter)"
        };
        let path = config::absolute(&file.path);
        let cwd = std::env::current_dir().unwrap_or_default();
        let shown = path.strip_prefix(&cwd).unwrap_or(&path);
        let _ = writeln!(out, "{}\t{}\t{what}", crate::report::escape::path(shown), kind_name(file.kind));
    }
    let _ = writeln!(out, "{} files", discovery.files.len());
    Ok(out)
}

/// The configuration that governs `file` and every value it resolves to.
pub fn settings(file: &Path, options: &Options, cli: &CliOverrides) -> Result<String, LintError> {
    let mut resolver = Resolver::new(options.config.as_deref())?;
    let config = resolver.for_file(file)?;
    let mut out = String::new();
    let _ = writeln!(out, "file: {}", crate::report::escape::path(file));
    let kind = discover::classify_by_name(file).map_or("not selected by name (nginx folders are sniffed)", kind_name);
    let _ = writeln!(out, "kind: {kind}");
    let root = crate::project::Roots::default().of(file);
    let _ = writeln!(
        out,
        "project root: {}",
        root.map_or_else(|| "none (no .git or root = true above)".to_owned(), |r| r.display().to_string())
    );
    for (key, value) in config.settings(file, cli) {
        let _ = writeln!(out, "{key}: {value}");
    }
    Ok(out)
}
