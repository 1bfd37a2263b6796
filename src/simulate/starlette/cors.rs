//! `CORSMiddleware` as `starlette/middleware/cors.py` builds it and answers (semantics.md section 1),
//! including what plain strings instead of lists do (Python `in` is a substring test).

use crate::analysis::matcher::{MatchSemantics, OriginMatcher};
use crate::model::app::{ArgShape, CorsSetup};
use crate::model::{CorsPolicy, OriginKind, Value};
use crate::simulate::fetch::Response;
use crate::simulate::request::WireRequest;

/// Which Starlette behaviour to simulate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StarletteVersion {
    /// 1.10 and later (checked against 1.10.0): `QUERY` in `allow_methods=["*"]`, the full preflight
    /// `Vary`, `Vary: Origin` on every simple response (also disallowed origins and a static `*`).
    #[default]
    Latest,
    /// 1.0 to 1.9 (read from 1.3.1): `["*"]` + credentials always reflects.
    V1,
    /// 0.15 to 0.52: `["*"]` reflects only when the request carries a `Cookie`.
    Legacy,
}

impl StarletteVersion {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major: u32 =
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| format!("`{text}` is not a version"))?;
        let minor: u32 =
            parts.next().and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()).unwrap_or(0);
        match (major, minor) {
            (0, m) if m >= 15 => Ok(StarletteVersion::Legacy),
            (0, _) => Err(format!("Starlette {text} is older than 0.15, which the simulation does not model")),
            (1, m) if m < 10 => Ok(StarletteVersion::V1),
            _ => Ok(StarletteVersion::Latest),
        }
    }
}

/// A Python value that is either a sequence of strings or a plain string (where `in` is a substring
/// test and iteration yields characters).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PySeq {
    List(Vec<String>),
    Str(String),
}

impl PySeq {
    pub(super) fn contains(&self, item: &str) -> bool {
        match self {
            PySeq::List(items) => items.iter().any(|i| i == item),
            PySeq::Str(s) => s.contains(item),
        }
    }

    fn items(&self) -> Vec<String> {
        match self {
            PySeq::List(items) => items.clone(),
            PySeq::Str(s) => s.chars().map(String::from).collect(),
        }
    }
}

const SAFELISTED: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];

/// `CORSMiddleware(...)` as constructed.
#[derive(Clone, Debug)]
pub(super) struct Cors {
    origins: PySeq,
    regex: Option<String>,
    methods: PySeq,
    headers: PySeq,
    expose: PySeq,
    /// `allow_methods`/`allow_headers` could not be resolved: only preflights depend on them.
    pub(super) unknown_for_preflight: Option<String>,
    /// `expose_headers` could not be resolved (never decides the verdict).
    pub(super) unknown_expose: bool,
    credentials: bool,
    max_age: u64,
}

fn seq_of(
    setup: &CorsSetup,
    arg: &str,
    setting: &crate::model::Setting<crate::model::NameList>,
) -> Result<PySeq, String> {
    if let Some(a) = setup.arg(arg) {
        match &a.shape {
            ArgShape::Str(Some(s)) => return Ok(PySeq::Str(s.clone())),
            ArgShape::EnvStr | ArgShape::Str(None) => return Err(format!("`{arg}` (read from the environment)")),
            _ => {}
        }
    }
    match &setting.value {
        Value::Known(names) => Ok(PySeq::List(names.iter().map(|n| n.value.clone()).collect())),
        Value::Unknown => Err(format!("the value of `{arg}`")),
    }
}

impl Cors {
    pub(super) fn from(policy: &CorsPolicy, setup: &CorsSetup) -> Result<Cors, String> {
        let origins = match setup.arg("allow_origins").map(|a| &a.shape) {
            Some(ArgShape::Str(Some(s))) => PySeq::Str(s.clone()),
            Some(ArgShape::EnvStr) => return Err("`allow_origins` (read from the environment)".to_string()),
            _ => {
                if policy.origins.has_unknown {
                    return Err("the value of `allow_origins`".to_string());
                }
                PySeq::List(
                    policy
                        .origins
                        .entries
                        .iter()
                        .filter_map(|e| match &e.kind {
                            OriginKind::Any => Some("*".to_string()),
                            OriginKind::Literal(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                )
            }
        };
        let regex = policy.origins.entries.iter().find_map(|e| match &e.kind {
            OriginKind::Pattern { pattern, .. } => Some(pattern.clone()),
            _ => None,
        });
        let credentials = match &policy.credentials.value {
            Value::Known(b) => *b,
            Value::Unknown => return Err("the value of `allow_credentials`".to_string()),
        };
        let max_age = match &policy.max_age.value {
            Value::Known(n) => *n,
            Value::Unknown => 600,
        };
        let methods = seq_of(setup, "allow_methods", &policy.methods);
        let headers = seq_of(setup, "allow_headers", &policy.headers);
        let expose = seq_of(setup, "expose_headers", &policy.expose_headers);
        let unknown_for_preflight = methods.as_ref().err().or(headers.as_ref().err()).cloned();
        Ok(Cors {
            origins,
            regex,
            methods: methods.unwrap_or(PySeq::List(Vec::new())),
            headers: headers.unwrap_or(PySeq::List(Vec::new())),
            unknown_expose: expose.is_err(),
            expose: expose.unwrap_or(PySeq::List(Vec::new())),
            unknown_for_preflight,
            credentials,
            max_age,
        })
    }

    fn allow_all(&self) -> bool {
        self.origins.contains("*")
    }

    pub(super) fn is_allowed_origin(&self, origin: &str) -> bool {
        if self.allow_all() {
            return true;
        }
        if let Some(re) = &self.regex
            && OriginMatcher::new(re, MatchSemantics::FullMatch).is_ok_and(|m| m.is_match(origin))
        {
            return true;
        }
        self.origins.contains(origin)
    }

    pub(super) fn methods(&self, version: StarletteVersion) -> PySeq {
        if self.methods.contains("*") {
            let mut all: Vec<String> =
                ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"].iter().map(|m| m.to_string()).collect();
            if version == StarletteVersion::Latest {
                all.push("QUERY".to_string());
            }
            PySeq::List(all)
        } else {
            self.methods.clone()
        }
    }

    fn simple_headers(&self, response: &mut Response) {
        if self.allow_all() {
            response.set("Access-Control-Allow-Origin", "*");
        }
        if self.credentials {
            response.set("Access-Control-Allow-Credentials", "true");
        }
        let expose = self.expose.items();
        if !expose.is_empty() {
            response.set("Access-Control-Expose-Headers", &expose.join(", "));
        }
    }

    /// `preflight_response`.
    pub(super) fn preflight(&self, req: &WireRequest, version: StarletteVersion) -> Response {
        let origin = req.header("origin").unwrap_or_default();
        let method = req.header("access-control-request-method").unwrap_or_default();
        let requested = req.header("access-control-request-headers");
        let allow_all_headers = self.headers.contains("*");
        let explicit = !self.allow_all() || self.credentials;
        let mut r = Response::new(200);
        if version == StarletteVersion::Latest {
            r.set(
                "Vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
            );
        } else if explicit {
            r.set("Vary", "Origin");
        }
        if !explicit {
            r.set("Access-Control-Allow-Origin", "*");
        }
        let methods = self.methods(version);
        r.set("Access-Control-Allow-Methods", &methods.items().join(", "));
        r.set("Access-Control-Max-Age", &self.max_age.to_string());
        let mut merged: Vec<String> = SAFELISTED.iter().map(|s| s.to_string()).collect();
        merged.extend(self.headers.items());
        merged.sort();
        merged.dedup();
        if !allow_all_headers {
            r.set("Access-Control-Allow-Headers", &merged.join(", "));
        }
        if self.credentials {
            r.set("Access-Control-Allow-Credentials", "true");
        }
        let allowed_headers: Vec<String> = merged.iter().map(|h| h.to_lowercase()).collect();
        let mut failures = Vec::new();
        if self.is_allowed_origin(&origin) {
            if explicit {
                r.set("Access-Control-Allow-Origin", &origin);
            }
        } else {
            failures.push("origin");
        }
        if !methods.contains(&method) {
            failures.push("method");
        }
        if let Some(requested) = requested {
            if allow_all_headers {
                r.set("Access-Control-Allow-Headers", &requested);
            } else if requested.to_lowercase().split(',').any(|h| !allowed_headers.iter().any(|a| a == h.trim())) {
                failures.push("headers");
            }
        }
        if failures.is_empty() {
            r.status = 200;
        } else {
            r.status = 400;
        }
        r.append("Content-Type", "text/plain; charset=utf-8");
        r
    }

    /// `simple_response`: the headers put on the inner response.
    pub(super) fn simple(&self, req: &WireRequest, response: &mut Response, version: StarletteVersion) {
        self.simple_headers(response);
        let origin = req.header("origin").unwrap_or_default();
        let reflect_all = match version {
            StarletteVersion::Legacy => req.has("cookie"),
            StarletteVersion::V1 | StarletteVersion::Latest => self.credentials,
        };
        let explicit = if self.allow_all() { reflect_all } else { self.is_allowed_origin(&origin) };
        if explicit {
            response.set("Access-Control-Allow-Origin", &origin);
            add_vary(response, "Origin");
        } else if version == StarletteVersion::Latest {
            // 1.10 appends `Vary: Origin` in every other case too: a disallowed origin, and a static
            // `*` without credentials.
            add_vary(response, "Origin");
        }
    }
}

pub(super) fn add_vary(response: &mut Response, value: &str) {
    let vary = match response.get("vary") {
        Some(existing) => format!("{existing}, {value}"),
        None => value.to_string(),
    };
    response.set("Vary", &vary);
}
