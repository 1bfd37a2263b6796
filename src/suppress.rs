//! Inline suppressions: `# corslint: ignore[CODE, ...]` on the line or alone on the line above,
//! `# corslint: ignore-file[CODE, ...]` anywhere, and `# noqa: CODE` in Python. nginx, YAML, Python
//! and dotenv files use `#` comments; JavaScript and TypeScript write the same directives after
//! `//`. One scanner serves them all.

use crate::source::{FileId, FileKind, SourceFile, Span};

/// A code written in a comment directive, with where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentCode {
    pub code: String,
    pub span: Span,
}

/// A `# <keyword>[CODES]` or `# <keyword>: CODES` comment and the line it applies to.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentDirective {
    /// 1-based row the directive covers: its own row when it trails code, the next row when alone.
    pub target_row: usize,
    pub codes: Vec<CommentCode>,
    pub span: Span,
}

/// Finds `# {keyword}[A, B]` and `# {keyword}: A, B` comments (the colon form takes codes up to the
/// end of the comment). `keyword` is matched case-sensitively after optional spaces.
pub fn comment_directives(file: &SourceFile, id: FileId, keyword: &str) -> Vec<CommentDirective> {
    let marker = comment_marker(file.kind);
    let mut out = Vec::new();
    for row in 1..=file.line_count() {
        let line = file.line(row);
        let Some(line_start) = file.line_start(row) else { continue };
        let mut search_from = 0;
        while let Some(hash) = line.get(search_from..).and_then(|l| l.find(marker)).map(|i| i + search_from) {
            search_from = hash + marker.len();
            let after_hash = line.get(hash + marker.len()..).unwrap_or("");
            let trimmed = after_hash.trim_start();
            let Some(rest) = trimmed.strip_prefix(keyword) else { continue };
            let rest_offset = hash + marker.len() + (after_hash.len() - trimmed.len()) + keyword.len();
            let (list, list_offset) = if let Some(inner) = rest.strip_prefix('[') {
                let Some(close) = inner.find(']') else { continue };
                (inner.get(..close).unwrap_or(""), rest_offset + 1)
            } else if let Some(inner) = rest.strip_prefix(':') {
                let end = inner.find('#').unwrap_or(inner.len());
                (inner.get(..end).unwrap_or(""), rest_offset + 1)
            } else {
                continue;
            };
            let mut codes = Vec::new();
            let mut offset = list_offset;
            for part in list.split(',') {
                let code = part.trim();
                let lead = part.len() - part.trim_start().len();
                if !code.is_empty() {
                    let start = line_start + offset + lead;
                    codes.push(CommentCode { code: code.to_string(), span: Span::new(id, start, start + code.len()) });
                }
                offset += part.len() + 1;
            }
            let alone = line.get(..hash).unwrap_or("").trim().is_empty();
            out.push(CommentDirective {
                target_row: if alone { row + 1 } else { row },
                codes,
                span: Span::new(id, line_start + hash, line_start + line.len()),
            });
            break;
        }
    }
    out
}

/// What starts a line comment in files of `kind`.
pub fn comment_marker(kind: FileKind) -> &'static str {
    match kind {
        // JSON has no comments; the Angular CLI reads its files as JSON with `//` comments.
        FileKind::JavaScript | FileKind::FrontendJson => "//",
        // `netlify.toml` and `_headers` comment with `#`; `vercel.json` cannot hold a comment.
        FileKind::Python
        | FileKind::Nginx
        | FileKind::Yaml
        | FileKind::Dotenv
        | FileKind::AppSource
        | FileKind::StaticHeaders => "#",
    }
}

#[derive(Debug)]
pub struct Suppression {
    pub directive: CommentDirective,
    pub file_level: bool,
}

/// Every suppression comment in a file.
pub fn scan(file: &SourceFile, id: FileId) -> Vec<Suppression> {
    // Most files have no suppression at all: one substring search instead of a scan of each line.
    let python = file.kind == FileKind::Python;
    let may_have = file.text.contains("corslint:") || (python && file.text.contains("noqa"));
    if !may_have {
        return Vec::new();
    }
    let mut out: Vec<Suppression> = comment_directives(file, id, "corslint: ignore-file")
        .into_iter()
        .map(|directive| Suppression { directive, file_level: true })
        .collect();
    out.extend(
        comment_directives(file, id, "corslint: ignore")
            .into_iter()
            .map(|directive| Suppression { directive, file_level: false }),
    );
    if python {
        for mut directive in comment_directives(file, id, "noqa") {
            // `# noqa: E501, CORS101`: other tools' codes are theirs.
            directive.codes.retain(|c| c.code.starts_with("CORS"));
            if !directive.codes.is_empty() {
                // noqa applies to its own line only, as in flake8 and ruff.
                directive.target_row = file.position(directive.span.start()).row;
                out.push(Suppression { directive, file_level: false });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_trailing_and_standalone_comments() {
        let text =
            "a = 1  # corslint: ignore[CORS101, CORS104]\n# corslint: ignore[CORS301]\nb\nc  # noqa: E501,CORS105\n";
        let file = SourceFile::new("x.py".into(), FileKind::Python, text.into());
        let found = scan(&file, 0);
        let rows: Vec<(usize, Vec<&str>)> = found
            .iter()
            .map(|s| (s.directive.target_row, s.directive.codes.iter().map(|c| c.code.as_str()).collect()))
            .collect();
        assert_eq!(rows, vec![(1, vec!["CORS101", "CORS104"]), (3, vec!["CORS301"]), (4, vec!["CORS105"])]);
        let code = &found[0].directive.codes[1];
        assert_eq!(file.slice(code.span.range), "CORS104");
    }

    #[test]
    fn javascript_directives_follow_double_slashes() {
        let text = "app.use(cors()); // corslint: ignore[CORS101]\n// corslint: ignore[CORS201]\nx();\n# corslint: ignore[CORS301]\n";
        let file = SourceFile::new("app.js".into(), FileKind::JavaScript, text.into());
        let found = scan(&file, 0);
        let rows: Vec<(usize, Vec<&str>)> = found
            .iter()
            .map(|s| (s.directive.target_row, s.directive.codes.iter().map(|c| c.code.as_str()).collect()))
            .collect();
        assert_eq!(rows, vec![(1, vec!["CORS101"]), (3, vec!["CORS201"])]);
        let code = &scan(&file, 0)[0].directive.codes[0];
        assert_eq!(file.slice(code.span.range), "CORS101");
    }

    #[test]
    fn ignore_file_is_not_a_line_suppression() {
        let file = SourceFile::new("n.conf".into(), FileKind::Nginx, "# corslint: ignore-file[CORS301]\n".into());
        let found = scan(&file, 0);
        assert_eq!(found.len(), 1);
        assert!(found[0].file_level);
    }
}
