//! Where Chromium and Firefox part on the same `fetch()`. The ground truth runs every fixture in
//! both (tests/ground_truth/browser.rs): their CORS checks agree; what differs is whether a
//! cross-site credentialed request carries the user's cookie. Firefox's Total Cookie Protection
//! (its default, `network.cookie.cookieBehavior` 5) keys cookies by the top-level site, so a page
//! on another site never sends the cookie the user got from the API's site; a default Chromium
//! profile sends a `SameSite=None; Secure` cookie. That is cookie policy, not CORS: the CORS check
//! stays the same, only the request differs, and a server that answers differently without the
//! cookie (Starlette before 1.0 with `*` and credentials) gets two verdicts.

use super::fetch::Verdict;
use super::issue::CorsIssue;
use super::request::{BrowserRequest, Url};
use crate::analysis::domain::site_key;
use serde::Serialize;

/// Each browser's verdict, when they differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ByBrowser {
    pub chromium: EngineVerdict,
    pub firefox: EngineVerdict,
    /// Why they differ.
    pub why: String,
}

impl ByBrowser {
    /// The verdict of `engine` (`chromium`, `firefox`).
    pub fn get(&self, engine: &str) -> Option<&EngineVerdict> {
        match engine {
            "chromium" => Some(&self.chromium),
            "firefox" => Some(&self.firefox),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineVerdict {
    pub allowed: bool,
    pub issue: Option<CorsIssue>,
    pub reason: Option<String>,
}

impl From<&Verdict> for EngineVerdict {
    fn from(v: &Verdict) -> Self {
        EngineVerdict { allowed: v.allowed, issue: v.issue, reason: v.reason.clone() }
    }
}

/// Firefox sends no cookie with this request although the page asks for credentials and the user
/// has a cookie for the API: the page is on another site (registrable domain, scheme ignored, as
/// Firefox compares) or has an opaque origin (`null`).
pub fn firefox_withholds_cookies(request: &BrowserRequest) -> bool {
    let Some(url) = &request.url else { return false };
    if !(request.credentials && request.cookies) {
        return false;
    }
    match Url::parse(&request.origin) {
        Some(origin) => site_key(&origin.host) != site_key(&url.host),
        None => true,
    }
}

/// The two verdicts, when the request without its cookie (Firefox's) fares differently.
pub fn split(with_cookie: &Verdict, without_cookie: &Verdict) -> Option<ByBrowser> {
    let (chromium, firefox) = (EngineVerdict::from(with_cookie), EngineVerdict::from(without_cookie));
    (chromium.allowed != firefox.allowed || chromium.issue != firefox.issue).then(|| ByBrowser {
        chromium,
        firefox,
        why: "Firefox sends no cookie from a page on another site (Total Cookie Protection); Chromium sends it"
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &str, credentials: bool) -> BrowserRequest {
        BrowserRequest {
            origin: origin.into(),
            method: "GET".into(),
            headers: Vec::new(),
            credentials,
            cookies: credentials,
            url: Url::parse("https://api.example.com/items"),
        }
    }

    #[test]
    fn only_a_page_on_another_site_loses_the_cookie_in_firefox() {
        assert!(!firefox_withholds_cookies(&request("https://app.example.com", true)));
        assert!(!firefox_withholds_cookies(&request("http://app.example.com", true)), "the scheme is not compared");
        assert!(firefox_withholds_cookies(&request("https://evil.com", true)));
        assert!(firefox_withholds_cookies(&request("https://app.example.com.evil.com", true)));
        assert!(firefox_withholds_cookies(&request("http://localhost:5173", true)));
        assert!(firefox_withholds_cookies(&request("null", true)));
        assert!(!firefox_withholds_cookies(&request("https://evil.com", false)));
    }

    #[test]
    fn split_only_when_the_verdicts_differ() {
        let allowed = Verdict::allow();
        let blocked = Verdict::block(CorsIssue::WildcardOriginNotAllowed, "no");
        assert!(split(&allowed, &allowed).is_none());
        let by = split(&allowed, &blocked).expect("differs");
        assert!(by.chromium.allowed && !by.firefox.allowed);
        assert_eq!(by.get("firefox").and_then(|v| v.issue), Some(CorsIssue::WildcardOriginNotAllowed));
    }
}
