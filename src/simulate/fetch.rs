//! The browser's side: Fetch's CORS check on a response, worded as Chromium's console words it.
//!
//! Pure functions, usable on any response (the ground-truth tests apply [`cors_check`] to what real
//! nginx and uvicorn send). Order of checks follows Chromium (`services/network/public/cpp/cors`):
//! `Access-Control-Allow-Origin`, then `-Credentials`, then (preflight) the status, the methods and
//! the headers.

use super::engines::ByBrowser;
use super::issue::CorsIssue;
use super::request::{BrowserRequest, is_safelisted_method};
use serde::Serialize;

/// A response: status and headers in the order they were sent (duplicates kept).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response { status, headers: Vec::new() }
    }

    /// Fetch's "get": every value of `name` (case-insensitive) combined with `, `.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> =
            self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Appends a header (nginx `add_header`).
    pub fn append(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Replaces every value of `name` with one (`more_set_headers`, Starlette, Traefik `Set`).
    pub fn set(&mut self, name: &str, value: &str) {
        match self.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(first) => {
                if let Some(slot) = self.headers.get_mut(first) {
                    slot.1 = value.to_string();
                }
                let mut index = 0;
                self.headers.retain(|(n, _)| {
                    index += 1;
                    index - 1 == first || !n.eq_ignore_ascii_case(name)
                });
            }
            None => self.append(name, value),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}

/// What the browser decides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub allowed: bool,
    /// Why the browser blocks it, in the words of its console (after "has been blocked by CORS policy: ").
    pub reason: Option<String>,
    /// The same failure as DevTools names it (`Network.CorsError`, Chromium's issues panel).
    pub issue: Option<CorsIssue>,
    /// The stack does not determine the outcome: which value is unknown.
    pub unknown: Option<String>,
    /// Set when Chromium and Firefox reach different verdicts: each one's, and why.
    pub by_browser: Option<ByBrowser>,
    /// Allowed only because browsers are more lenient than the Fetch standard: what to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

impl Verdict {
    pub fn allow() -> Self {
        Verdict { allowed: true, ..Verdict::default() }
    }

    pub fn block(issue: CorsIssue, reason: impl Into<String>) -> Self {
        Verdict { allowed: false, reason: Some(reason.into()), issue: Some(issue), ..Verdict::default() }
    }

    pub fn undetermined(what: impl Into<String>) -> Self {
        Verdict { allowed: false, unknown: Some(what.into()), ..Verdict::default() }
    }
}

pub const PREFLIGHT_PREFIX: &str = "Response to preflight request doesn't pass access control check: ";
pub const MISSING_ALLOW_ORIGIN: &str = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
pub const WILDCARD_WITH_CREDENTIALS: &str = "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.";
pub const NOT_OK_STATUS: &str = "It does not have HTTP ok status.";
pub const REDIRECTED: &str = "Redirect is not allowed for a preflight request.";
pub const AUTHORIZATION_BY_WILDCARD: &str = "`Access-Control-Allow-Headers: *` lets `Authorization` through in Chrome, \
    Firefox and Safari, although the Fetch standard says `*` never covers it (whatwg/fetch#1919): listing \
    `Authorization` explicitly works under both";

/// Fetch's CORS check of `response` for `request`; with `preflight`, also the CORS-preflight
/// checks (ok status, methods, headers). The preflight is judged with the actual request's
/// credentials mode.
pub fn cors_check(request: &BrowserRequest, response: &Response, preflight: bool) -> Verdict {
    // A redirect fails a preflight before any header of it is read.
    if preflight && matches!(response.status, 301 | 302 | 303 | 307 | 308) {
        return Verdict::block(CorsIssue::PreflightDisallowedRedirect, format!("{PREFLIGHT_PREFIX}{REDIRECTED}"));
    }
    if let Err((issue, reason)) = access_check(request, response) {
        return match preflight {
            true => Verdict::block(issue.on_preflight(), format!("{PREFLIGHT_PREFIX}{reason}")),
            false => Verdict::block(issue, reason),
        };
    }
    if !preflight {
        return Verdict::allow();
    }
    if !(200..=299).contains(&response.status) {
        return Verdict::block(CorsIssue::PreflightInvalidStatus, format!("{PREFLIGHT_PREFIX}{NOT_OK_STATUS}"));
    }
    let Some(methods) = parse_list(response.get("access-control-allow-methods").as_deref()) else {
        return Verdict::block(
            CorsIssue::InvalidAllowMethodsPreflightResponse,
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
        );
    };
    let Some(headers) = parse_list(response.get("access-control-allow-headers").as_deref()) else {
        return Verdict::block(
            CorsIssue::InvalidAllowHeadersPreflightResponse,
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
        );
    };
    let method = request.method();
    let star = |list: &[String]| !request.credentials && list.iter().any(|m| m == "*");
    if !is_safelisted_method(&method) && !methods.contains(&method) && !star(&methods) {
        return Verdict::block(
            CorsIssue::MethodDisallowedByPreflightResponse,
            format!("Method {method} is not allowed by Access-Control-Allow-Methods in preflight response."),
        );
    }
    let mut verdict = Verdict::allow();
    for name in request.unsafe_header_names() {
        let listed = headers.iter().any(|h| h.eq_ignore_ascii_case(&name));
        if listed {
            continue;
        }
        if !star(&headers) {
            return Verdict::block(
                CorsIssue::HeaderDisallowedByPreflightResponse,
                format!(
                    "Request header field {name} is not allowed by Access-Control-Allow-Headers in preflight response."
                ),
            );
        }
        // The standard keeps `Authorization` out of `*` (a "CORS non-wildcard request-header
        // name"); Chrome, Firefox and Safari let `*` cover it (whatwg/fetch#1919), and the verdict
        // follows the browsers.
        if name == "authorization" {
            verdict.caveat = Some(AUTHORIZATION_BY_WILDCARD.to_string());
        }
    }
    verdict
}

/// `Access-Control-Allow-Origin` and `-Credentials` (Fetch "CORS check").
fn access_check(request: &BrowserRequest, response: &Response) -> Result<(), (CorsIssue, String)> {
    let Some(origin) = response.get("access-control-allow-origin") else {
        return Err((CorsIssue::MissingAllowOriginHeader, MISSING_ALLOW_ORIGIN.to_string()));
    };
    if origin == "*" {
        return match request.credentials {
            true => Err((CorsIssue::WildcardOriginNotAllowed, WILDCARD_WITH_CREDENTIALS.to_string())),
            false => Ok(()),
        };
    }
    if origin != request.origin {
        if origin.contains([' ', ',']) {
            return Err((
                CorsIssue::MultipleAllowOriginValues,
                format!(
                    "The 'Access-Control-Allow-Origin' header contains multiple values '{origin}', but only one is allowed."
                ),
            ));
        }
        if origin != "null" && !origin.contains("://") {
            return Err((
                CorsIssue::InvalidAllowOriginValue,
                format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{origin}'."),
            ));
        }
        return Err((
            CorsIssue::AllowOriginMismatch,
            format!(
                "The 'Access-Control-Allow-Origin' header has a value '{origin}' that is not equal to the supplied origin."
            ),
        ));
    }
    if request.credentials {
        let credentials = response.get("access-control-allow-credentials").unwrap_or_default();
        if credentials != "true" {
            return Err((
                CorsIssue::InvalidAllowCredentials,
                format!(
                    "The value of the 'Access-Control-Allow-Credentials' header in the response is '{credentials}' which must be 'true' when the request's credentials mode is 'include'."
                ),
            ));
        }
    }
    Ok(())
}

/// Fetch's "extract header list values": comma-separated tokens; `None` when one is not a token.
fn parse_list(value: Option<&str>) -> Option<Vec<String>> {
    let Some(value) = value else { return Some(Vec::new()) };
    let mut out = Vec::new();
    for item in value.split(',').map(str::trim) {
        if item.is_empty() {
            continue;
        }
        if !item.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return None;
        }
        out.push(item.to_string());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::request::Url;

    fn request(method: &str, headers: &[&str], credentials: bool) -> BrowserRequest {
        BrowserRequest {
            origin: "https://app.example.com".into(),
            method: method.into(),
            headers: headers.iter().map(|h| (h.to_string(), "x".to_string())).collect(),
            credentials,
            cookies: credentials,
            url: Url::parse("https://api.example.com/api/items"),
        }
    }

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response { status, headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect() }
    }

    const O: &str = "https://app.example.com";

    #[test]
    fn missing_allow_origin_fails() {
        let v = cors_check(&request("GET", &[], false), &response(200, &[]), false);
        assert_eq!(v.reason.as_deref(), Some(MISSING_ALLOW_ORIGIN));
        let v = cors_check(&request("PUT", &[], false), &response(200, &[]), true);
        assert_eq!(v.reason, Some(format!("{PREFLIGHT_PREFIX}{MISSING_ALLOW_ORIGIN}")));
    }

    #[test]
    fn wildcard_only_without_credentials() {
        let r = response(200, &[("Access-Control-Allow-Origin", "*")]);
        assert!(cors_check(&request("GET", &[], false), &r, false).allowed);
        let v = cors_check(&request("GET", &[], true), &r, false);
        assert_eq!(v.reason.as_deref(), Some(WILDCARD_WITH_CREDENTIALS));
    }

    #[test]
    fn origin_must_be_byte_equal() {
        let r = response(200, &[("Access-Control-Allow-Origin", "https://APP.example.com")]);
        let v = cors_check(&request("GET", &[], false), &r, false);
        assert!(v.reason.is_some_and(|r| r.contains("not equal to the supplied origin")));
        let r = response(200, &[("access-control-allow-origin", O)]);
        assert!(cors_check(&request("GET", &[], false), &r, false).allowed);
    }

    #[test]
    fn credentials_need_exactly_true() {
        let r = response(200, &[("Access-Control-Allow-Origin", O), ("Access-Control-Allow-Credentials", "True")]);
        let v = cors_check(&request("GET", &[], true), &r, false);
        assert!(v.reason.is_some_and(|r| r.contains("is 'True' which must be 'true'")));
        let r = response(200, &[("Access-Control-Allow-Origin", O)]);
        assert!(!cors_check(&request("GET", &[], true), &r, false).allowed);
        assert!(cors_check(&request("GET", &[], false), &r, false).allowed);
    }

    #[test]
    fn multiple_allow_origin_values_always_fail() {
        let r = response(200, &[("Access-Control-Allow-Origin", O), ("Access-Control-Allow-Origin", O)]);
        let v = cors_check(&request("GET", &[], false), &r, false);
        assert_eq!(
            v.reason,
            Some(format!(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{O}, {O}', but only one is allowed."
            ))
        );
    }

    #[test]
    fn preflight_needs_ok_status() {
        let r = response(401, &[("Access-Control-Allow-Origin", O), ("Access-Control-Allow-Methods", "PUT")]);
        let v = cors_check(&request("PUT", &[], false), &r, true);
        assert_eq!(v.reason, Some(format!("{PREFLIGHT_PREFIX}{NOT_OK_STATUS}")));
    }

    #[test]
    fn a_redirected_preflight_fails_whatever_its_headers() {
        let r = response(307, &[("Location", "/login"), ("Access-Control-Allow-Origin", O)]);
        let v = cors_check(&request("PUT", &[], false), &r, true);
        assert_eq!(v.issue, Some(CorsIssue::PreflightDisallowedRedirect));
        assert_eq!(v.reason, Some(format!("{PREFLIGHT_PREFIX}{REDIRECTED}")));
    }

    #[test]
    fn methods_must_be_listed_and_star_needs_no_credentials() {
        let ok = |acam: &str, credentials: bool| {
            let r = response(
                204,
                &[
                    ("Access-Control-Allow-Origin", O),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Allow-Methods", acam),
                ],
            );
            cors_check(&request("PUT", &[], credentials), &r, true)
        };
        assert!(ok("GET, PUT", false).allowed);
        assert!(ok("*", false).allowed);
        assert_eq!(
            ok("*", true).reason.as_deref(),
            Some("Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.")
        );
        assert!(!ok("put", false).allowed, "ACAM matching is case-sensitive");
        assert!(!ok("GET, POST", false).allowed);
    }

    #[test]
    fn headers_must_be_listed_or_covered_by_star_without_credentials() {
        let check = |acah: &str, headers: &[&str], credentials: bool| {
            let r = response(
                200,
                &[
                    ("Access-Control-Allow-Origin", O),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Allow-Headers", acah),
                ],
            );
            cors_check(&request("GET", headers, credentials), &r, true)
        };
        assert!(check("X-Token", &["x-token"], false).allowed);
        assert!(check("*", &["X-Token"], false).allowed);
        assert!(!check("*", &["X-Token"], true).allowed);
        // Browsers let `*` cover `Authorization` without credentials (the standard does not).
        let wildcard = check("*", &["Authorization"], false);
        assert!(wildcard.allowed && wildcard.caveat.as_deref() == Some(AUTHORIZATION_BY_WILDCARD), "{wildcard:?}");
        assert_eq!(
            check("*", &["Authorization"], true).reason.as_deref(),
            Some(
                "Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response."
            )
        );
        let listed = check("*, Authorization", &["Authorization", "X-Token"], false);
        assert!(listed.allowed && listed.caveat.is_none());
    }

    #[test]
    fn safelisted_method_needs_no_allow_methods() {
        let r = response(200, &[("Access-Control-Allow-Origin", O), ("Access-Control-Allow-Headers", "x-token")]);
        assert!(cors_check(&request("GET", &["X-Token"], false), &r, true).allowed);
    }

    #[test]
    fn response_set_replaces_all_values() {
        let mut r = response(200, &[("A", "1"), ("b", "2"), ("a", "3")]);
        r.set("a", "4");
        assert_eq!(r.headers, vec![("A".to_string(), "4".to_string()), ("b".to_string(), "2".to_string())]);
    }
}
