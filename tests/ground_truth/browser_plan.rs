//! What the browsers are asked: every fixture/request pair of the nginx cases (and the
//! browser-only edge cases) and of the FastAPI apps on the latest Starlette and on 0.52, each on a
//! server started for the run and all running at once, so the browsers can take them in any order.

use crate::browser::Job;
use crate::browser_judge::Planned;
use crate::fastapi_cases::App;
use crate::model::Model;
use crate::nginx::Nginx;
use crate::nginx_cases::Case;
use crate::probe::Probe;
use crate::procs::Server;
use crate::servers::{NginxBackends, nginx_model, serve_apps};
use crate::{root, upstream_status};
use std::path::Path;

/// One fixture/request pair and where its server listens.
struct Target<'a> {
    fixture: &'static str,
    /// Which server, when the fixture runs on more than one (`Starlette 0.52.1`).
    on: &'static str,
    probe: &'a Probe,
    model: Option<usize>,
    endpoint_status: Option<u16>,
    port: Result<u16, String>,
}

/// The running servers and what to ask of each.
pub struct Plan<'a> {
    targets: Vec<Target<'a>>,
    models: Vec<Model>,
    _nginx: Vec<Nginx>,
    _apps: Vec<Server>,
    _backends: NginxBackends,
}

/// The Pythons the apps run on: the latest Starlette, and 0.52 for [`crate::fastapi_cases::legacy_apps`].
pub struct Pythons<'p> {
    pub latest: &'p Path,
    pub legacy: &'p Path,
}

impl<'a> Plan<'a> {
    /// Starts nginx for every case (behind the test upstream or the fixture's app) and every app.
    pub fn start(
        nginx_bin: &Path,
        pythons: Pythons<'_>,
        cases: &'a [Case],
        (latest, legacy): (&'a [App], &'a [App]),
        logs: &Path,
    ) -> Plan<'a> {
        let backends = NginxBackends::start(nginx_bin, pythons.latest, cases, logs);
        let (mut targets, mut models, mut nginx, mut apps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for case in cases {
            let port = match backends.serve(case) {
                Ok(Some(server)) => Ok(server.port).inspect(|_| nginx.push(server)),
                Ok(None) => continue,
                Err(e) => Err(e),
            };
            let model = nginx_model(case).map(|m| {
                models.push(m);
                models.len() - 1
            });
            for probe in &case.probes {
                let endpoint_status = Some(upstream_status(&probe.fetch.path));
                targets.push(Target {
                    fixture: case.fixture,
                    on: "",
                    probe,
                    model,
                    endpoint_status,
                    port: port.clone(),
                });
            }
        }
        for (list, python, starlette, on) in
            [(latest, pythons.latest, "1.10.0", ""), (legacy, pythons.legacy, "0.52.1", " [Starlette 0.52.1]")]
        {
            let fixtures: Vec<&str> = list.iter().map(|a| a.fixture).collect();
            let logs = logs.join(starlette);
            std::fs::create_dir_all(&logs).unwrap();
            let (server, ports) = serve_apps(python, &fixtures, &logs);
            apps.push(server);
            for (app, port) in list.iter().zip(ports) {
                models.push(Model::load(&root().join("fixtures").join(app.fixture), "app", starlette));
                let model = Some(models.len() - 1);
                for probe in &app.probes {
                    targets.push(Target {
                        fixture: app.fixture,
                        on,
                        probe,
                        model,
                        endpoint_status: None,
                        port: port.clone(),
                    });
                }
            }
        }
        Plan { targets, models, _nginx: nginx, _apps: apps, _backends: backends }
    }

    /// The jobs for the browsers; the pairs no browser can send, and the servers that did not start.
    pub fn planned(&self) -> (Vec<Planned<'_>>, Vec<String>, Vec<String>) {
        let (mut planned, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        for t in &self.targets {
            let port = match &t.port {
                Ok(port) => *port,
                Err(e) => {
                    failed.push(format!("{}: {e}", t.fixture));
                    continue;
                }
            };
            let model = t.model.and_then(|m| self.models.get(m));
            let host = model.map_or_else(|| "api.example.com".to_string(), |m| m.host(t.probe));
            let what = format!("{} | {}{}", t.fixture, t.probe.describe().trim_end(), t.on);
            match Job::new(planned.len(), t.probe, host, port) {
                Ok(job) => {
                    planned.push(Planned { what, probe: t.probe, model, endpoint_status: t.endpoint_status, job })
                }
                Err(why) => skipped.push(format!("{what} | {why}")),
            }
        }
        (planned, skipped, failed)
    }
}
