//! What the cross-layer rules (CORS203, 303, 304, 305, 308) say about the app behind a proxy.

use crate::model::Project;
use crate::model::fastapi::{App, CorsSetup};
use crate::model::stack::Link;

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
