//! One fixture/request pair: what the browser does, what must come of it, and which headers or
//! statuses prove the rule's claim.

use crate::fetch::{Exchange, Fetch, run};
use crate::http::Response;

#[derive(Clone, Copy, Debug)]
pub enum On {
    Preflight,
    Actual,
}

#[derive(Clone, Debug)]
enum Assert {
    Status(On, u16),
    Header(On, &'static str, String),
    NoHeader(On, &'static str),
    Body(On, &'static str),
}

#[derive(Clone, Debug)]
pub struct Probe {
    pub what: String,
    pub fetch: Fetch,
    /// `Some(true)` = readable, `Some(false)` = CORS error.
    allowed: Option<bool>,
    /// A browser that reaches the other verdict, and why.
    differs: Option<(&'static str, &'static str)>,
    asserts: Vec<Assert>,
}

pub const APP: &str = "https://app.example.com";
pub const EVIL: &str = "https://evil.com";

/// A `GET path` from `origin`, without credentials.
pub fn get(origin: &str, path: &str) -> Probe {
    request("GET", origin, path)
}

pub fn request(method: &str, origin: &str, path: &str) -> Probe {
    Probe {
        what: String::new(),
        fetch: Fetch {
            origin: origin.into(),
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            include: false,
            cookie: false,
            transport: Vec::new(),
        },
        allowed: None,
        differs: None,
        asserts: Vec::new(),
    }
}

impl Probe {
    /// `credentials: "include"` with a session cookie stored.
    pub fn cookie(mut self) -> Self {
        self.fetch.include = true;
        self.fetch.cookie = true;
        self
    }
    /// `credentials: "include"` before any cookie is set (no `Cookie` header).
    pub fn include_without_cookie(mut self) -> Self {
        self.fetch.include = true;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.fetch.headers.push((name.into(), value.into()));
        self
    }
    pub fn json(self) -> Self {
        let mut probe = self.header("Content-Type", "application/json");
        probe.fetch.body = b"{}".to_vec();
        probe
    }
    pub fn body(mut self, content_type: &str, body: &str) -> Self {
        self.fetch.headers.push(("Content-Type".into(), content_type.into()));
        self.fetch.body = body.as_bytes().to_vec();
        self
    }
    pub fn transport(mut self, name: &str, value: &str) -> Self {
        self.fetch.transport.push((name.into(), value.into()));
        self
    }
    pub fn allowed(mut self) -> Self {
        self.allowed = Some(true);
        self
    }
    pub fn blocked(mut self) -> Self {
        self.allowed = Some(false);
        self
    }
    /// `engine` (`chromium`, `firefox`) reaches the other verdict, for the reason `why`.
    pub fn differs_in(mut self, engine: &'static str, why: &'static str) -> Self {
        self.differs = Some((engine, why));
        self
    }
    pub fn status(mut self, on: On, status: u16) -> Self {
        self.asserts.push(Assert::Status(on, status));
        self
    }
    pub fn has(mut self, on: On, name: &'static str, value: &str) -> Self {
        self.asserts.push(Assert::Header(on, name, value.into()));
        self
    }
    pub fn lacks(mut self, on: On, name: &'static str) -> Self {
        self.asserts.push(Assert::NoHeader(on, name));
        self
    }
    pub fn body_has(mut self, on: On, text: &'static str) -> Self {
        self.asserts.push(Assert::Body(on, text));
        self
    }
    pub fn note(mut self, what: &str) -> Self {
        self.what = what.into();
        self
    }

    /// The browser the fixture says reaches the other verdict, and why.
    pub fn differs(&self) -> Option<(&'static str, &'static str)> {
        self.differs
    }

    /// What the fixture claims `engine` does: `Some(true)` = readable, `Some(false)` = CORS error.
    pub fn expected_in(&self, engine: &str) -> Option<bool> {
        let differs = self.differs.is_some_and(|(e, _)| e == engine);
        self.allowed.map(|allowed| allowed != differs)
    }

    /// A header the network sets (`Host`, `User-Agent`, `X-Forwarded-Proto`), not the page.
    pub fn transport_header(&self, name: &str) -> Option<&str> {
        self.fetch.transport.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn describe(&self) -> String {
        let f = &self.fetch;
        let creds = match (f.include, f.cookie) {
            (true, true) => " +cookie",
            (true, false) => " +include(no cookie)",
            _ => "",
        };
        let headers: Vec<&str> = f.headers.iter().map(|(n, _)| n.as_str()).collect();
        format!("{} {} from {}{creds} {headers:?} {}", f.method, f.path, f.origin, self.what)
    }

    /// Runs the exchange on `port`; `Err` lists what did not hold, with the real headers.
    pub fn check(&self, port: u16) -> Result<Exchange, String> {
        let exchange = run(port, &self.fetch)?;
        let mut problems = Vec::new();
        if let Some(want) = self.allowed
            && exchange.verdict.is_ok() != want
        {
            let word = if want { "allowed" } else { "blocked" };
            problems.push(format!("expected {word}, browser verdict {:?}", exchange.verdict));
        }
        for assert in &self.asserts {
            let on = |on: &On| -> Option<&Response> {
                match on {
                    On::Preflight => exchange.preflight.as_ref(),
                    On::Actual => exchange.actual.as_ref(),
                }
            };
            let problem = match assert {
                Assert::Status(o, s) => match on(o) {
                    Some(r) if r.status == *s => None,
                    Some(r) => Some(format!("{o:?} status {} (want {s})", r.status)),
                    None => Some(format!("no {o:?} response")),
                },
                Assert::Header(o, n, v) => match on(o) {
                    Some(r) if r.get(n).as_deref() == Some(v.as_str()) => None,
                    Some(r) => Some(format!("{o:?} {n}: {:?} (want {v:?})", r.get(n))),
                    None => Some(format!("no {o:?} response")),
                },
                Assert::NoHeader(o, n) => match on(o) {
                    Some(r) if r.get(n).is_none() => None,
                    Some(r) => Some(format!("{o:?} has {n}: {:?} (want none)", r.get(n))),
                    None => Some(format!("no {o:?} response")),
                },
                Assert::Body(o, t) => match on(o) {
                    Some(r) if r.body.contains(t) => None,
                    Some(r) => Some(format!("{o:?} body {:?} lacks {t:?}", r.body)),
                    None => Some(format!("no {o:?} response")),
                },
            };
            problems.extend(problem);
        }
        if problems.is_empty() {
            return Ok(exchange);
        }
        let show = |r: &Option<Response>| r.as_ref().map(|r| format!("{} {:?}", r.status, r.cors_headers()));
        Err(format!(
            "{}\n      preflight: {:?}\n      actual: {:?}",
            problems.join("; "),
            show(&exchange.preflight),
            show(&exchange.actual)
        ))
    }
}
