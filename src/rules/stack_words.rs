//! What the cross-layer rules (CORS203, 303, 304, 305, 308) say about the app behind a proxy.

use crate::model::Project;
use crate::model::deploy::Annotation;
use crate::model::fastapi::{App, CorsSetup};
use crate::model::stack::Link;
use crate::source::Span;

/// The CORSMiddleware that answers for `app` (the outermost one), if it has one.
pub fn cors(app: &App) -> Option<&CorsSetup> {
    app.outermost_cors().map(|(_, setup)| setup)
}

/// Whether the app's CORS policy sends `Access-Control-Allow-Credentials: true`.
pub fn sends_credentials(project: &Project, setup: &CorsSetup) -> bool {
    project.policies.get(setup.policy).and_then(|p| p.credentials.known()).copied() == Some(true)
}

/// "the FastAPI app behind it (backend/app/main.py)"; for a last-resort link, says it is assumed.
pub fn app_behind(project: &Project, app: &App, link: &Link) -> String {
    let kind = framework(app);
    if link.last_resort {
        format!(
            "the {kind} app assumed to be behind it ({}, the only app and proxy configuration in the repository)",
            project.app_path(app)
        )
    } else {
        format!("the {kind} app behind it ({})", project.app_path(app))
    }
}

/// "FastAPI" or "Starlette".
pub fn framework(app: &App) -> &'static str {
    match app.framework {
        crate::model::fastapi::Framework::FastApi => "FastAPI",
        crate::model::fastapi::Framework::Starlette => "Starlette",
    }
}

/// The label on the link's evidence: which app, and why corslint thinks it is behind this proxy.
pub fn link_label(project: &Project, app: &App, link: &Link) -> String {
    if link.last_resort {
        format!("assumed to reach {} ({})", project.app_path(app), link.because())
    } else {
        format!("reaches {} ({})", project.app_path(app), link.because())
    }
}

/// The app's `allow_origins=...` as written, or "its CORSMiddleware" when not given.
pub fn app_policy(project: &Project, setup: &CorsSetup) -> String {
    let written =
        |name: &str| setup.arg(name).and_then(|a| project.file(a.span.file).map(|f| f.slice(a.span.range).to_string()));
    match written("allow_origins").or_else(|| written("allow_origin_regex")) {
        Some(text) => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("its CORSMiddleware (`{text}`)")
        }
        None => "its CORSMiddleware".to_string(),
    }
}

/// The directives of a snippet: (start, end of the directive, name, first argument unquoted).
pub fn snippet_directives(text: &str) -> Vec<(usize, usize, String, String)> {
    // Comments blanked out, offsets kept: `# ...` to the end of its line.
    let mut cleaned = String::with_capacity(text.len());
    let mut in_comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        if c == '\n' {
            in_comment = false;
        } else if c == '#' && previous.is_whitespace() {
            in_comment = true;
        }
        previous = c;
        if in_comment { cleaned.extend(std::iter::repeat_n(' ', c.len_utf8())) } else { cleaned.push(c) }
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for statement in cleaned.split_inclusive(';') {
        let lead = statement.len() - statement.trim_start().len();
        let body = statement.trim();
        let start = offset + lead;
        offset += statement.len();
        let mut words = body.trim_end_matches(';').split_whitespace();
        let (Some(directive), Some(first)) = (words.next(), words.next()) else { continue };
        out.push((start, start + body.len(), directive.to_string(), first.trim_matches(['\'', '"']).to_string()));
    }
    out
}

/// The file span of bytes `start..end` of an annotation's value (a directive inside a snippet), or
/// the whole value when it is not written verbatim.
pub fn snippet_span(annotation: &Annotation, start: usize, end: usize) -> Span {
    match (annotation.file_offset(start), annotation.file_offset(end)) {
        (Some(s), Some(e)) if s <= e => Span::new(annotation.value.span.file, s, e),
        _ => annotation.value.span,
    }
}
