//! What the cases run on: the test upstream (`upstream.py`), the fixtures' FastAPI apps under
//! uvicorn (`serve_apps.py`), one nginx per nginx case. Shared by the checks on the raw responses
//! and by the browsers.

use crate::model::Model;
use crate::nginx::{self, Nginx, Upstreams};
use crate::nginx_cases::{Case, Upstream};
use crate::procs::Server;
use crate::{fixture_path, helper, root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Serves every app of `fixtures` (each a `.py` file or a folder holding `app/main.py`) from one
/// Python process; returns the process (killed on drop) and each app's port, or why it did not start.
pub fn serve_apps(python: &Path, fixtures: &[&str], logs: &Path) -> (Server, Vec<Result<u16, String>>) {
    let mut command = Command::new(python);
    command.arg(helper("serve_apps.py")).env("PYTHONDONTWRITEBYTECODE", "1");
    for (i, fixture) in fixtures.iter().enumerate() {
        let path = root().join("fixtures").join(fixture);
        let (folder, module) = if path.is_dir() {
            (path.clone(), "app.main".to_string())
        } else {
            (path.parent().unwrap().to_path_buf(), path.file_stem().unwrap().to_string_lossy().into_owned())
        };
        command.arg(format!("a{i}={}:{module}:app", folder.display()));
    }
    let log = logs.join("serve_apps.log");
    let mut server = Server::spawn("serve_apps.py", command, &log).unwrap();
    let lines = server.read_until("READY ALL", Duration::from_secs(60)).unwrap_or_else(|e| {
        panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
    });
    let ports = (0..fixtures.len())
        .map(|i| {
            let key = format!("a{i} ");
            let port = lines.iter().find_map(|l| l.strip_prefix("READY ")?.strip_prefix(&key)?.parse::<u16>().ok());
            port.ok_or_else(|| {
                lines.iter().find(|l| l.starts_with(&format!("FAILED a{i} "))).cloned().unwrap_or_default()
            })
        })
        .collect();
    (server, ports)
}

/// What stands behind the nginx cases: the test upstream (plain and with CORS, over HTTP and
/// FastCGI) and the compose fixtures' own apps.
pub struct NginxBackends {
    nginx: PathBuf,
    headers_more: Option<PathBuf>,
    /// `upstream.py`'s ports: HTTP plain, HTTP with CORS, FastCGI plain, FastCGI with CORS.
    ports: Vec<u16>,
    apps: Vec<&'static str>,
    app_ports: Vec<Result<u16, String>>,
    _upstream: Server,
    _apps: Server,
}

impl NginxBackends {
    pub fn start(nginx: &Path, python: &Path, cases: &[Case], logs: &Path) -> NginxBackends {
        let mut command = Command::new(python);
        command.arg(helper("upstream.py"));
        let mut upstream = Server::spawn("upstream.py", command, &logs.join("upstream.log")).unwrap();
        let ready = upstream.read_until("READY", Duration::from_secs(20)).unwrap();
        let ports = ready.last().unwrap().split_whitespace().skip(1).map(|p| p.parse().unwrap()).collect();
        let apps: Vec<&'static str> = cases
            .iter()
            .filter_map(|c| match c.upstream {
                Upstream::App(dir) => Some(dir),
                _ => None,
            })
            .collect();
        let (apps_server, app_ports) = serve_apps(python, &apps, logs);
        // The headers-more module (`.ci/run` installs it); without it, only the fixtures that use it are skipped.
        let headers_more =
            std::env::var_os("CORSLINT_GT_NGINX_HEADERS_MORE").filter(|p| !p.is_empty()).map(PathBuf::from);
        NginxBackends {
            nginx: nginx.to_path_buf(),
            headers_more,
            ports,
            apps,
            app_ports,
            _upstream: upstream,
            _apps: apps_server,
        }
    }

    /// Starts nginx for `case`; `Ok(None)` when the case is skipped (a note says why).
    pub fn serve(&self, case: &Case) -> Result<Option<Nginx>, String> {
        let http = match case.upstream {
            Upstream::Plain => self.ports[0],
            Upstream::Cors => self.ports[1],
            Upstream::App(dir) => match &self.app_ports[self.apps.iter().position(|b| *b == dir).unwrap()] {
                Ok(port) => *port,
                Err(why) => return Err(format!("{dir}: did not start: {why}")),
            },
        };
        let fixture = fixture_path(case.fixture);
        let modules: Vec<PathBuf> = match (nginx::uses_headers_more(&fixture), &self.headers_more) {
            (false, _) => Vec::new(),
            (true, Some(module)) => vec![module.clone()],
            (true, None) => {
                eprintln!(
                    "ground truth: {} uses headers-more and CORSLINT_GT_NGINX_HEADERS_MORE is not set, skipped",
                    case.fixture
                );
                return Ok(None);
            }
        };
        let fastcgi = if case.upstream == Upstream::Cors { self.ports[3] } else { self.ports[2] };
        nginx::start(&self.nginx, &fixture, Upstreams { http, fastcgi }, &modules)
            .map(Some)
            .map_err(|e| format!("{}: {e}", case.fixture))
    }
}

/// corslint's model of `case`: the fixture itself, or for a compose fixture the whole project. The
/// model assumes an upstream outside the repository answers without CORS headers, so a case in
/// front of the test upstream with CORS has none.
pub fn nginx_model(case: &Case) -> Option<Model> {
    let fixture = fixture_path(case.fixture);
    let path = match case.upstream {
        Upstream::Plain => fixture,
        Upstream::Cors => return None,
        Upstream::App(dir) => root().join("fixtures").join(dir).parent().unwrap().to_path_buf(),
    };
    Some(Model::load(&path, "nginx", "1.10.0"))
}
