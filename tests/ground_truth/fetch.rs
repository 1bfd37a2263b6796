//! The browser side (semantics.md section 2): when a request needs a preflight, the CORS check on
//! it, the actual request, and the CORS check on its response. The checks are corslint's own
//! (`corslint::simulate::cors_check`), which the browser suite holds to Chromium and Firefox.

use crate::http::{Request, Response, send};
use corslint::simulate::{self, BrowserRequest, cors_check};

/// What a page's script asks for: `fetch(path, {method, headers, credentials})` from `origin`.
#[derive(Clone, Debug)]
pub struct Fetch {
    pub origin: String,
    pub method: String,
    pub path: String,
    /// Headers set by the script (not `Origin`, not `Cookie`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `credentials: "include"`.
    pub include: bool,
    /// With `include`: whether the browser holds a cookie for the API (sent as `Cookie`).
    pub cookie: bool,
    /// Sent by the network, not the page: `Host`, `User-Agent`, `X-Forwarded-Proto`.
    pub transport: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Exchange {
    pub preflight: Option<Response>,
    pub actual: Option<Response>,
    /// `Ok` = the script can read the response; `Err(reason)` = a CORS error.
    pub verdict: Result<(), String>,
}

/// The page's request as corslint's model of the browser takes it.
fn browser_request(fetch: &Fetch) -> BrowserRequest {
    BrowserRequest {
        origin: fetch.origin.clone(),
        method: fetch.method.clone(),
        headers: fetch.headers.clone(),
        credentials: fetch.include,
        cookies: fetch.cookie,
        url: None,
    }
}

/// Fetch's CORS check (with the preflight's own checks when `preflight`), as corslint models it:
/// the model the browser suite holds to what Chromium and Firefox do.
fn check(request: &BrowserRequest, response: &Response, preflight: bool) -> Result<(), String> {
    let response = simulate::Response { status: response.status, headers: response.headers.clone() };
    let verdict = cors_check(request, &response, preflight);
    if verdict.allowed { Ok(()) } else { Err(verdict.reason.unwrap_or_default()) }
}

/// Runs the whole browser exchange against a server on `port`.
pub fn run(port: u16, fetch: &Fetch) -> Result<Exchange, String> {
    let page = browser_request(fetch);
    let mut exchange = Exchange { preflight: None, actual: None, verdict: Ok(()) };
    if page.needs_preflight() {
        let mut headers = fetch.transport.clone();
        headers.push(("Origin".into(), fetch.origin.clone()));
        headers.push(("Access-Control-Request-Method".into(), page.method()));
        let unsafe_names = page.unsafe_header_names();
        if !unsafe_names.is_empty() {
            headers.push(("Access-Control-Request-Headers".into(), unsafe_names.join(",")));
        }
        let request = Request { method: "OPTIONS".into(), path: fetch.path.clone(), headers, body: Vec::new() };
        let response = send(port, &request)?;
        let verdict = check(&page, &response, true);
        exchange.preflight = Some(response);
        if verdict.is_err() {
            exchange.verdict = verdict;
            return Ok(exchange);
        }
    }
    let mut headers = fetch.transport.clone();
    headers.push(("Origin".into(), fetch.origin.clone()));
    headers.extend(fetch.headers.iter().cloned());
    if fetch.include && fetch.cookie {
        headers.push(("Cookie".into(), "session=ground-truth".into()));
    }
    let request = Request { method: page.method(), path: fetch.path.clone(), headers, body: fetch.body.clone() };
    let response = send(port, &request)?;
    exchange.verdict = check(&page, &response, false);
    exchange.actual = Some(response);
    Ok(exchange)
}
