//! Real browsers as the judges of a probe: `node/browser.js` (puppeteer-core) drives the system's
//! Chromium over the DevTools protocol and Firefox over WebDriver BiDi, runs the probe's `fetch()`
//! in a fresh browser context from a page at the probe's origin, and reports what came of it.
//! This side turns probes into jobs and reads the outcomes back.

use crate::probe::Probe;
use crate::procs::Server;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::process::{ChildStdin, Command};
use std::time::Duration;

/// The engines `browser.js` drives, in the order they are reported.
pub const ENGINES: [&str; 2] = ["chromium", "firefox"];

/// One `fetch()` for every engine: what the page asks for, and where the API proxy sends it.
#[derive(Clone, Debug, Serialize)]
pub struct Job {
    pub id: usize,
    pub origin: String,
    /// The API's host name: in the browser's URL (with the proxy's port) and, without the port,
    /// the `Host` the server sees.
    pub host: String,
    pub path: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub credentials: bool,
    /// Whether the browser holds a cookie for the API (a `SameSite=None; Secure` session cookie).
    pub cookie: bool,
    /// The server's port on 127.0.0.1.
    pub upstream: u16,
    /// Headers the network sets (`X-Forwarded-Proto`, `User-Agent`), replacing the browser's.
    pub transport: Vec<(String, String)>,
}

impl Job {
    /// The job for `probe` against the server on `upstream`; `Err` says why a browser cannot send it.
    pub fn new(id: usize, probe: &Probe, host: String, upstream: u16) -> Result<Job, String> {
        let f = &probe.fetch;
        if !is_serialized_origin(&f.origin) {
            return Err(format!("no page has the origin `{}`", f.origin));
        }
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
            return Err(format!("`{host}` is not a host name a browser can fetch"));
        }
        let transport = f.transport.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")).cloned().collect();
        Ok(Job {
            id,
            origin: f.origin.clone(),
            host,
            path: f.path.clone(),
            method: f.method.clone(),
            headers: f.headers.clone(),
            body: (!f.body.is_empty()).then(|| String::from_utf8_lossy(&f.body).into_owned()),
            credentials: f.include,
            cookie: f.include && f.cookie,
            upstream,
            transport,
        })
    }
}

/// `null`, or `scheme://host[:port]` with nothing after: what a browser can send as `Origin`.
fn is_serialized_origin(origin: &str) -> bool {
    origin == "null"
        || origin.split_once("://").is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#'])
        })
}

/// A request as the API proxy passed it on, and the server's answer.
#[derive(Clone, Debug, Deserialize)]
pub struct Seen {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub response: Option<SeenResponse>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SeenResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// What one engine made of one job.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub id: usize,
    pub engine: String,
    /// `self.origin` in the page: must be the job's origin.
    pub origin: Option<String>,
    /// The `fetch()` promise resolved: the page can read the response.
    pub resolved: Option<bool>,
    pub error: Option<String>,
    /// Chromium: `corsErrorStatus.corsError` of `Network.loadingFailed`. Firefox: the key of its
    /// console message (`CORSMissingAllowOrigin`, ...), when it logged one.
    pub issue: Option<String>,
    /// Firefox: the console's "(Reason: ...)".
    pub reason: Option<String>,
    /// Chromium: a failure that is not CORS (`mixed-content`, `net::ERR_...`).
    pub net_error: Option<String>,
    /// Chromium: why a cookie was not sent (`ThirdPartyPhaseout`, `SameSiteLax`, ...).
    pub cookie_blocked: Option<Vec<String>>,
    pub harness_error: Option<String>,
    #[serde(default)]
    pub requests: Vec<Seen>,
}

impl Outcome {
    pub fn preflight(&self) -> Option<&Seen> {
        self.requests.iter().find(|r| r.method == "OPTIONS")
    }

    pub fn actual(&self) -> Option<&Seen> {
        self.requests.iter().find(|r| r.method != "OPTIONS")
    }

    /// The response the failure is about (the preflight's when there was one and no actual
    /// request) carries `name` on two lines spelled byte for byte alike.
    pub fn repeats_header_verbatim(&self, name: &str) -> bool {
        let seen = self.actual().or(self.preflight()).and_then(|r| r.response.as_ref());
        let names: Vec<&str> = seen
            .map(|r| r.headers.iter().map(|(n, _)| n.as_str()).filter(|n| n.eq_ignore_ascii_case(name)).collect())
            .unwrap_or_default();
        names.iter().enumerate().any(|(i, n)| names.get(i + 1..).is_some_and(|rest| rest.contains(n)))
    }

    /// Status and `Access-Control-*`/`Vary` headers of what the server answered, for messages.
    pub fn responses(&self) -> String {
        let show = |seen: &Seen| match &seen.response {
            Some(r) => {
                let cors: Vec<&(String, String)> = r
                    .headers
                    .iter()
                    .filter(|(n, _)| {
                        n.to_ascii_lowercase().starts_with("access-control-") || n.eq_ignore_ascii_case("vary")
                    })
                    .collect();
                format!("{} {} {cors:?}", seen.method, r.status)
            }
            None => format!("{} (no response)", seen.method),
        };
        self.requests.iter().map(show).collect::<Vec<_>>().join("; ")
    }

    /// Whether the server got a `Cookie` with the actual request; `None` when the browser sent no
    /// actual request (its preflight failed).
    pub fn cookie_sent(&self) -> Option<bool> {
        self.actual().map(|r| r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("cookie")))
    }
}

/// The running driver: both browsers, the page server and the API proxies.
pub struct Browsers {
    /// `{engine: {version, prefs}}`, as `browser.js` read them from the running browsers.
    pub info: serde_json::Value,
    stdin: Option<ChildStdin>,
    server: Server,
    scratch: tempfile::TempDir,
}

impl Browsers {
    pub fn start(node: &Path, modules: &Path, chromium: &Path, firefox: &Path) -> Result<Browsers, String> {
        let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut command = Command::new(node);
        command
            .arg(crate::helper("node/browser.js"))
            .arg(scratch.path())
            .arg(chromium)
            .arg(firefox)
            .env("NODE_PATH", modules);
        let log = scratch.path().join("browser.log");
        let (mut server, stdin) = Server::spawn_with_input("browser.js", command, &log)?;
        let ready = server
            .read_until("READY ", Duration::from_secs(90))
            .map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))?;
        let line = ready.last().and_then(|l| l.strip_prefix("READY ")).unwrap_or("{}");
        let info = serde_json::from_str(line).map_err(|e| format!("READY line {line:?}: {e}"))?;
        Ok(Browsers { info, stdin: Some(stdin), server, scratch })
    }

    /// Runs every job in every engine; returns the outcomes in completion order.
    pub fn run(mut self, jobs: &[Job]) -> Result<Vec<Outcome>, String> {
        let mut stdin = self.stdin.take().ok_or("already run")?;
        for job in jobs {
            let line = serde_json::to_string(job).map_err(|e| e.to_string())?;
            writeln!(stdin, "{line}").map_err(|e| format!("browser.js stdin: {e}"))?;
        }
        drop(stdin);
        let mut outcomes = Vec::new();
        while outcomes.len() < jobs.len() * ENGINES.len() {
            // Each exchange has its own timeouts in browser.js; this only catches a hung driver.
            let lines = self.server.read_until("RESULT ", Duration::from_secs(120)).map_err(|e| {
                let log = std::fs::read_to_string(self.scratch.path().join("browser.log")).unwrap_or_default();
                format!("{e}\n{log}")
            })?;
            let line = lines.last().and_then(|l| l.strip_prefix("RESULT ")).unwrap_or("{}");
            outcomes.push(serde_json::from_str(line).map_err(|e| format!("RESULT line {line:?}: {e}"))?);
        }
        // Let it close the browsers (and reap them) before the drop kills it.
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while self.server.exited().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(outcomes)
    }
}
