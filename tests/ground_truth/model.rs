//! Compares each real exchange with corslint's own model of it: `corslint::simulate` (the code
//! behind `corslint simulate --output-format json`) run in-process on the same fixture and request.
//! Compared: whether a preflight is sent, the status codes, every `Access-Control-*` and `Vary`
//! header, and the browser's verdict.

use crate::fetch::Exchange;
use crate::probe::Probe;
use corslint::lint::{Options, lint};
use corslint::model::Project;
use corslint::simulate::{self, BrowserRequest, StarletteVersion, Url};
use std::path::{Path, PathBuf};

pub struct Model {
    project: Project,
    via: &'static str,
    /// The `Host` of the URL when the probe does not name one (the fixture's first `server_name`).
    host: String,
    starlette: StarletteVersion,
}

/// What is linted for `fixture`: the fixture itself, or, for a JavaScript app inside a fixture
/// project (`fixtures/CORS102/<project>/server.js`), the whole project, so that the modules the
/// app imports are read as a user's run reads them. Other layers keep their one-file view (an
/// nginx file of a compose project is modelled alone, as its real server is run alone).
fn linted_as(fixture: &Path) -> PathBuf {
    let javascript =
        fixture.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "js" | "mjs" | "cjs" | "ts"));
    if !javascript {
        return fixture.to_path_buf();
    }
    let mut project = fixture;
    while let Some(parent) = project.parent() {
        let in_rule_folder = parent
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.len() == 7 && n.starts_with("CORS") && n[4..].bytes().all(|b| b.is_ascii_digit()));
        if in_rule_folder {
            return project.to_path_buf();
        }
        project = parent;
    }
    fixture.to_path_buf()
}

impl Model {
    pub fn load(fixture: &Path, via: &'static str, starlette: &str) -> Model {
        let outcome = lint(&Options { paths: vec![linted_as(fixture)], ..Options::default() }).expect("lint");
        let text = if fixture.is_file() { std::fs::read_to_string(fixture).unwrap_or_default() } else { String::new() };
        let host = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("server_name "))
            .and_then(|rest| rest.split([' ', ';']).next())
            .unwrap_or("api.example.com")
            .to_string();
        Model { project: outcome.project, via, host, starlette: StarletteVersion::parse(starlette).expect("version") }
    }

    /// The `Host` the server sees for `probe`: its own, or the fixture's.
    pub fn host(&self, probe: &Probe) -> String {
        probe.transport_header("host").map_or_else(|| self.host.clone(), str::to_string)
    }

    /// `probe` as a `simulate` request, as if the browser did (`cookies`) or did not hold a cookie
    /// for the API; `None` when it cannot be expressed as one (a `User-Agent` set by the network).
    pub fn request(&self, probe: &Probe, cookies: bool) -> Option<BrowserRequest> {
        let f = &probe.fetch;
        // `simulate` takes what a script sets; the browser's own `User-Agent` and `Referer` are
        // no input of it.
        if probe.transport_header("user-agent").is_some() || probe.transport_header("referer").is_some() {
            return None;
        }
        let scheme = if probe.transport_header("x-forwarded-proto").is_some() { "https" } else { "http" };
        Some(BrowserRequest {
            origin: f.origin.clone(),
            method: f.method.clone(),
            headers: f.headers.clone(),
            credentials: f.include,
            cookies: f.include && cookies,
            url: Url::parse(&format!("{scheme}://{}{}", self.host(probe), f.path)),
        })
    }

    /// `corslint simulate` for [`Model::request`]; `None` when the probe cannot be expressed.
    pub fn simulate(
        &self,
        probe: &Probe,
        cookies: bool,
        endpoint_status: Option<u16>,
    ) -> Option<Result<simulate::Simulation, String>> {
        let request = self.request(probe, cookies)?;
        let options =
            simulate::Options { via: Some(self.via.into()), starlette: self.starlette, endpoint_status, app: None };
        Some(simulate::simulate(&self.project, &request, &options))
    }

    /// What the model says differs from `real`, one line per difference; `None` when the probe
    /// cannot be expressed as a `simulate` request.
    pub fn compare(&self, probe: &Probe, real: &Exchange, endpoint_status: Option<u16>) -> Option<Vec<String>> {
        let sim = match self.simulate(probe, probe.fetch.cookie, endpoint_status)? {
            Ok(sim) => sim,
            Err(e) => return Some(vec![format!("simulate failed: {e}")]),
        };
        let mut diffs = Vec::new();
        match (&real.preflight, &sim.preflight) {
            (Some(r), Some(s)) => diff_response("preflight", r, &s.response, &mut diffs),
            (None, None) => {}
            (r, s) => diffs.push(format!("preflight sent: real {} / model {}", r.is_some(), s.is_some())),
        }
        match (&real.actual, sim.actual.sent) {
            (Some(r), true) => diff_response("actual", r, &sim.actual.response, &mut diffs),
            (None, false) => {}
            (r, s) => diffs.push(format!("actual sent: real {} / model {s}", r.is_some())),
        }
        let model = match (&sim.verdict.unknown, sim.verdict.allowed) {
            (Some(u), _) => format!("undetermined ({u})"),
            (None, true) => "allowed".into(),
            (None, false) => "blocked".into(),
        };
        let real_verdict = if real.verdict.is_ok() { "allowed" } else { "blocked" };
        if model != real_verdict {
            diffs.push(format!("verdict: real {real_verdict} / model {model}"));
        }
        Some(diffs)
    }
}

fn diff_response(which: &str, real: &crate::http::Response, model: &simulate::Response, diffs: &mut Vec<String>) {
    if real.status != model.status {
        diffs.push(format!("{which} status: real {} / model {}", real.status, model.status));
    }
    let mut names: Vec<String> = real.cors_headers().into_iter().map(|(n, _)| n).collect();
    names.extend(
        model
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| n.starts_with("access-control-") || n == "vary"),
    );
    names.sort();
    names.dedup();
    for name in names {
        let (r, m) = (real.get(&name), model.get(&name));
        if r != m {
            diffs.push(format!("{which} {name}: real {r:?} / model {m:?}"));
        }
    }
}
