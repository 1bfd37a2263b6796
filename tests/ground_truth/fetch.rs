//! The browser side (semantics.md section 2), kept in this one file so it can be replaced by
//! `corslint::simulate::fetch::cors_check` once `simulate` is merged: when a request needs a
//! preflight, the CORS check on it, the actual request, and the CORS check on its response.

use crate::http::{Request, Response, send};

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

const SAFELISTED_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

fn safelisted_header(name: &str, value: &str) -> bool {
    if value.len() > 128 {
        return false;
    }
    match name.to_ascii_lowercase().as_str() {
        "accept" | "accept-language" | "content-language" => true,
        "content-type" => {
            let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"].contains(&essence.as_str())
        }
        "range" => simple_range(value),
        _ => false,
    }
}

/// `bytes=N-` or `bytes=N-M`: one range only.
fn simple_range(value: &str) -> bool {
    let Some(spec) = value.strip_prefix("bytes=") else { return false };
    let Some((start, end)) = spec.split_once('-') else { return false };
    !start.is_empty() && start.bytes().all(|b| b.is_ascii_digit()) && end.bytes().all(|b| b.is_ascii_digit())
}

/// The CORS-unsafe request-header names, lower-cased and sorted (the preflight's ACRH).
pub fn unsafe_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> =
        headers.iter().filter(|(n, v)| !safelisted_header(n, v)).map(|(n, _)| n.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    names
}

/// Fetch's CORS check on one response.
pub fn cors_check(response: &Response, origin: &str, include: bool) -> Result<(), String> {
    let Some(acao) = response.get("access-control-allow-origin") else {
        return Err("no Access-Control-Allow-Origin".into());
    };
    if acao == "*" && !include {
        return Ok(());
    }
    if acao != origin {
        return Err(format!("Access-Control-Allow-Origin `{acao}` is not `{origin}`"));
    }
    if include && response.get("access-control-allow-credentials").as_deref() != Some("true") {
        return Err(format!(
            "credentials: Access-Control-Allow-Credentials is {:?}, not `true`",
            response.get("access-control-allow-credentials")
        ));
    }
    Ok(())
}

fn list(response: &Response, name: &str) -> Vec<String> {
    response
        .get(name)
        .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// The preflight's own checks: status, CORS check, methods, headers.
pub fn preflight_check(response: &Response, fetch: &Fetch, unsafe_names: &[String]) -> Result<(), String> {
    if !(200..300).contains(&response.status) {
        return Err(format!("preflight answered {}", response.status));
    }
    cors_check(response, &fetch.origin, fetch.include).map_err(|e| format!("preflight: {e}"))?;
    let methods = list(response, "access-control-allow-methods");
    let wildcard_methods = methods.iter().any(|m| m == "*") && !fetch.include;
    if !SAFELISTED_METHODS.contains(&fetch.method.as_str()) && !wildcard_methods && !methods.contains(&fetch.method) {
        return Err(format!("preflight: method {} not in Access-Control-Allow-Methods {methods:?}", fetch.method));
    }
    let allowed: Vec<String> =
        list(response, "access-control-allow-headers").iter().map(|h| h.to_ascii_lowercase()).collect();
    let wildcard_headers = allowed.iter().any(|h| h == "*") && !fetch.include;
    for name in unsafe_names {
        let listed = allowed.contains(name);
        // Browsers let `*` cover `Authorization` too (whatwg/fetch#1919; semantics.md section 2).
        let covered = listed || wildcard_headers;
        if !covered {
            return Err(format!("preflight: header {name} not in Access-Control-Allow-Headers {allowed:?}"));
        }
    }
    Ok(())
}

/// Runs the whole browser exchange against a server on `port`.
pub fn run(port: u16, fetch: &Fetch) -> Result<Exchange, String> {
    let unsafe_names = unsafe_header_names(&fetch.headers);
    let needs_preflight = !SAFELISTED_METHODS.contains(&fetch.method.as_str()) || !unsafe_names.is_empty();
    let mut exchange = Exchange { preflight: None, actual: None, verdict: Ok(()) };
    if needs_preflight {
        let mut headers = fetch.transport.clone();
        headers.push(("Origin".into(), fetch.origin.clone()));
        headers.push(("Access-Control-Request-Method".into(), fetch.method.clone()));
        if !unsafe_names.is_empty() {
            headers.push(("Access-Control-Request-Headers".into(), unsafe_names.join(",")));
        }
        let request = Request { method: "OPTIONS".into(), path: fetch.path.clone(), headers, body: Vec::new() };
        let response = send(port, &request)?;
        let verdict = preflight_check(&response, fetch, &unsafe_names);
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
    let request = Request { method: fetch.method.clone(), path: fetch.path.clone(), headers, body: fetch.body.clone() };
    let response = send(port, &request)?;
    exchange.verdict = cors_check(&response, &fetch.origin, fetch.include);
    exchange.actual = Some(response);
    Ok(exchange)
}
