//! What the cross-layer rules (CORS203, 303, 304, 305, 308) say about the app behind a proxy. How
//! the app's CORS component is named comes from its layer (`AppLayerSpec::component`).

use crate::model::Project;
use crate::model::app::{App, CorsSetup};
use crate::model::stack::Link;

/// The CORS setup that answers for `app` (the outermost one), if it has one.
pub fn cors(app: &App) -> Option<&CorsSetup> {
    app.outermost_cors().map(|(_, setup)| setup)
}

/// Whether the app's CORS policy sends `Access-Control-Allow-Credentials: true`.
pub fn sends_credentials(project: &Project, setup: &CorsSetup) -> bool {
    project.policies.get(setup.policy).and_then(|p| p.credentials.known()).copied() == Some(true)
}

/// How messages name the app's CORS component: `CORSMiddleware`.
pub fn component(project: &Project, setup: &CorsSetup) -> &'static str {
    let layer = project.policies.get(setup.policy).map(|p| p.layer.spec());
    match layer {
        Some(spec) => spec.app().map_or(spec.name(), |app| app.component()),
        None => "CORS middleware",
    }
}

/// "the FastAPI app behind it (backend/app/main.py)"; for a last-resort link, says it is assumed.
pub fn app_behind(project: &Project, app: &App, link: &Link) -> String {
    let kind = app.framework.name();
    if link.last_resort {
        format!(
            "the {kind} app assumed to be behind it ({}, the only app and proxy configuration in the repository)",
            project.app_path(app)
        )
    } else {
        format!("the {kind} app behind it ({})", project.app_path(app))
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

/// The app's origins setting as written (`allow_origins=...`), or its component alone when none is given:
/// "its CORSMiddleware (`allow_origins=[...]`)".
pub fn app_policy(project: &Project, setup: &CorsSetup) -> String {
    let component = component(project, setup);
    let settings = project.policies.get(setup.policy).and_then(|p| p.layer.spec().app()).map(|a| a.origin_settings());
    let written = |name: &&str| {
        setup.arg(name).and_then(|a| project.file(a.span.file).map(|f| f.slice(a.span.range).to_string()))
    };
    match settings.unwrap_or_default().iter().find_map(written) {
        Some(text) => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("its {component} (`{text}`)")
        }
        None => format!("its {component}"),
    }
}
