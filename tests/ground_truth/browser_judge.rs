//! Judging the browsers' outcomes: each engine's verdict against `corslint simulate`'s for the same
//! request, and against what the fixture claims. Differences that are not CORS (a cookie the
//! browser did not send, mixed content, Local Network Access) are classified apart: they say
//! nothing about the CORS model and are never "fixed" into it.

use crate::browser::{ENGINES, Job, Outcome};
use crate::model::Model;
use crate::probe::Probe;
use corslint::simulate::engines::firefox_withholds_cookies;
use corslint::simulate::{BrowserRequest, Url};
use std::collections::BTreeMap;

/// One fixture/request pair sent to the browsers.
pub struct Planned<'a> {
    /// `fixture | request`, as the lines of the report start.
    pub what: String,
    pub probe: &'a Probe,
    /// `None` when the model is not comparable (a test upstream with CORS of its own).
    pub model: Option<&'a Model>,
    pub endpoint_status: Option<u16>,
    pub job: Job,
}

/// What the judging found, line by line, and the counts the summary prints.
#[derive(Default)]
pub struct Verdicts {
    /// The harness itself went wrong (wrong page origin, a timeout): the run proves nothing.
    pub harness: Vec<String>,
    /// A browser disagrees with what the fixture claims.
    pub claims: Vec<String>,
    /// A browser disagrees with `corslint simulate` (or the two browsers disagree and simulate does not say so).
    pub model: Vec<String>,
    /// Not CORS: the cookie was not sent, mixed content, Local Network Access.
    pub classified: Vec<String>,
    pub counts: BTreeMap<String, Counts>,
    /// engine → issue name → count
    pub issues: BTreeMap<String, BTreeMap<String, usize>>,
}

/// What one engine did, in numbers.
#[derive(Clone, Copy, Default)]
pub struct Counts {
    exchanges: usize,
    allowed: usize,
    blocked: usize,
    preflights: usize,
    without_cookie: usize,
}

/// Firefox's console key for each DevTools issue: what Firefox says when it reports the same failure.
/// Firefox names several `Access-Control-Allow-Origin` values "multiple" only when they come as
/// header lines spelled alike (`Access-Control-Allow-Origin` twice); one line with a list, or lines
/// in different case (an app's `access-control-allow-origin` and nginx's), "do not match".
fn firefox_key(issue: &str, outcome: &Outcome) -> &'static str {
    let own = ["PreflightInvalidStatus", "PreflightDisallowedRedirect"];
    match issue.strip_prefix("Preflight").filter(|_| !own.contains(&issue)).unwrap_or(issue) {
        "MissingAllowOriginHeader" => "CORSMissingAllowOrigin",
        "WildcardOriginNotAllowed" => "CORSNotSupportingCredentials",
        "MultipleAllowOriginValues" if outcome.repeats_header_verbatim("access-control-allow-origin") => {
            "CORSMultipleAllowOriginNotAllowed"
        }
        "MultipleAllowOriginValues" | "InvalidAllowOriginValue" | "AllowOriginMismatch" => {
            "CORSAllowOriginNotMatchingOrigin"
        }
        "InvalidAllowCredentials" => "CORSMissingAllowCredentials",
        "PreflightInvalidStatus" => "CORSPreflightDidNotSucceed",
        "PreflightDisallowedRedirect" => "CORSExternalRedirectNotAllowed",
        "MethodDisallowedByPreflightResponse" => "CORSMethodNotFound",
        "HeaderDisallowedByPreflightResponse" => "CORSMissingAllowHeaderFromPreflight",
        "InvalidAllowMethodsPreflightResponse" => "CORSInvalidAllowMethod",
        "InvalidAllowHeadersPreflightResponse" => "CORSInvalidAllowHeader",
        _ => "?",
    }
}

fn word(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "blocked" }
}

/// The browser's verdict in one word, with its reason.
fn said(outcome: &Outcome) -> String {
    let allowed = outcome.resolved == Some(true);
    match (allowed, &outcome.issue, &outcome.net_error) {
        (true, _, _) => "allowed".into(),
        (false, Some(issue), _) => format!("blocked ({issue})"),
        (false, None, Some(net)) => format!("blocked ({net})"),
        (false, None, None) => format!("blocked ({})", outcome.error.as_deref().unwrap_or("no reason given")),
    }
}

/// Not a CORS failure: what the browser blocked for another reason, if so.
fn not_cors(outcome: &Outcome) -> Option<String> {
    let issue = outcome.issue.as_deref().unwrap_or("");
    if issue.contains("PrivateNetwork") || issue.contains("LocalNetwork") {
        return Some(format!("Local Network Access: {issue}"));
    }
    let net = outcome.net_error.as_deref().unwrap_or("");
    if outcome.resolved == Some(false) && outcome.issue.is_none() && net.contains("mixed-content") {
        return Some(format!("mixed content: {net}"));
    }
    None
}

impl Verdicts {
    /// Judges every planned exchange with its outcomes.
    pub fn judge(planned: &[Planned<'_>], outcomes: &[Outcome]) -> Verdicts {
        let mut v = Verdicts::default();
        for plan in planned {
            let found: Vec<&Outcome> = ENGINES
                .iter()
                .filter_map(|engine| outcomes.iter().find(|o| o.id == plan.job.id && o.engine == *engine))
                .collect();
            let what = &plan.what;
            if found.len() != ENGINES.len() {
                v.harness.push(format!("{what} | no outcome from every engine"));
                continue;
            }
            let judged: Vec<Option<bool>> = found.iter().map(|o| v.one(plan, o, what)).collect();
            v.engines_differ(plan, &found, &judged, what);
        }
        v
    }

    /// Judges one engine's outcome; returns whether it allowed the request, when that is a CORS verdict.
    fn one(&mut self, plan: &Planned<'_>, outcome: &Outcome, what: &str) -> Option<bool> {
        let engine = outcome.engine.as_str();
        let counts = self.counts.entry(engine.to_string()).or_default();
        counts.exchanges += 1;
        if let Some(error) = &outcome.harness_error {
            self.harness.push(format!("{what} | {engine}: {error}"));
            return None;
        }
        if outcome.origin.as_deref() != Some(plan.job.origin.as_str()) {
            self.harness.push(format!("{what} | {engine}: the page's origin is {:?}", outcome.origin));
            return None;
        }
        let allowed = outcome.resolved == Some(true);
        if allowed {
            counts.allowed += 1;
        } else {
            counts.blocked += 1;
        }
        counts.preflights += usize::from(outcome.preflight().is_some());
        if let Some(issue) = &outcome.issue {
            *self.issues.entry(engine.to_string()).or_default().entry(issue.clone()).or_default() += 1;
        }
        if let Some(class) = not_cors(outcome) {
            self.classified.push(format!("{what} | {engine}: {class}"));
            return None;
        }
        // Without an actual request (its preflight failed) the cookie never had a chance.
        let sent = outcome.cookie_sent();
        if sent == Some(true) && !plan.job.cookie {
            self.harness.push(format!("{what} | {engine}: sent a cookie the job did not set"));
            return None;
        }
        if plan.job.cookie && sent == Some(false) {
            counts.without_cookie += 1;
            let why = outcome.cookie_blocked.as_ref().map(|r| r.join(", ")).unwrap_or_else(|| "its policy".into());
            self.classified.push(format!("{what} | {engine}: cookie not sent ({why}); {}", said(outcome)));
        }
        let expected_cookie = plan.job.cookie && !(engine == "firefox" && Self::firefox_withholds(plan));
        if let Some(sent) = sent
            && sent != expected_cookie
        {
            self.model.push(format!("{what} | {engine}: cookie sent {sent} / simulate assumes {expected_cookie}"));
        }
        if let Some((differing, why)) = plan.probe.differs()
            && differing == engine
        {
            self.classified.push(format!("{what} | {engine}: {}, as the fixture says: {why}", said(outcome)));
        }
        match plan.probe.expected_in(engine) {
            Some(want) if want != allowed => {
                let server = outcome.responses();
                self.claims.push(format!(
                    "{what} | {engine}: {} (the fixture says {})\n      server: {server}",
                    said(outcome),
                    word(want)
                ));
            }
            _ => {}
        }
        self.against_model(plan, outcome, sent.unwrap_or(expected_cookie) != expected_cookie, what);
        Some(allowed)
    }

    /// Whether simulate expects Firefox to send this request without the page's cookie.
    fn firefox_withholds(plan: &Planned<'_>) -> bool {
        let job = &plan.job;
        let request = BrowserRequest {
            origin: job.origin.clone(),
            method: job.method.clone(),
            headers: job.headers.clone(),
            credentials: job.credentials,
            cookies: job.cookie,
            url: Url::parse(&format!("https://{}{}", job.host, job.path)),
        };
        firefox_withholds_cookies(&request)
    }

    /// The engine's verdict and issue against `corslint simulate`'s for it (`verdict.by_browser`
    /// when the browsers differ). When the cookie did not go as simulate assumes (already reported),
    /// against simulate for the request as the server got it, so only the cookie is reported.
    fn against_model(&mut self, plan: &Planned<'_>, outcome: &Outcome, cookie_surprise: bool, what: &str) {
        let engine = outcome.engine.as_str();
        let Some(model) = plan.model else { return };
        let cookies = if cookie_surprise { outcome.cookie_sent().unwrap_or(false) } else { plan.job.cookie };
        let sim = match model.simulate(plan.probe, cookies, plan.endpoint_status) {
            None => return,
            Some(Err(e)) => {
                self.model.push(format!("{what} | {engine}: simulate failed: {e}"));
                return;
            }
            Some(Ok(sim)) => sim,
        };
        let verdict = &sim.verdict;
        let allowed = outcome.resolved == Some(true);
        let (expected_allowed, expected_issue) = match verdict.by_browser.as_ref().and_then(|b| b.get(engine)) {
            Some(own) if !cookie_surprise => (own.allowed, own.issue),
            _ => (verdict.allowed, verdict.issue),
        };
        let expected_issue = expected_issue.map(|i| i.name()).unwrap_or_default();
        let diff = if let Some(unknown) = &verdict.unknown {
            format!("{} / model undetermined ({unknown})", said(outcome))
        } else if allowed != expected_allowed {
            let issue = if expected_allowed { String::new() } else { format!(" ({expected_issue})") };
            format!("{} / model {}{issue}", said(outcome), word(expected_allowed))
        } else if allowed {
            return;
        } else if engine == "chromium" && outcome.issue.as_deref() != Some(expected_issue.as_str()) {
            format!("issue {} / model {expected_issue}", said(outcome))
        } else if engine == "firefox"
            && let Some(key) = &outcome.issue
            && key != firefox_key(&expected_issue, outcome)
        {
            let reason = outcome.reason.as_deref().unwrap_or("");
            format!(
                "reason {key} ({reason}) / model {expected_issue} (Firefox: {})",
                firefox_key(&expected_issue, outcome)
            )
        } else {
            return;
        };
        self.model.push(format!("{what} | {engine}: {diff}\n      server: {}", outcome.responses()));
    }

    /// Where the engines' verdicts differ on the same request, simulate must report both
    /// (`verdict.by_browser`); each engine's own was checked against it above.
    fn engines_differ(&mut self, plan: &Planned<'_>, found: &[&Outcome], judged: &[Option<bool>], what: &str) {
        let [Some(chromium), Some(firefox)] = judged[..] else { return };
        if chromium == firefox {
            return;
        }
        let sim = plan.model.and_then(|m| m.simulate(plan.probe, plan.job.cookie, plan.endpoint_status));
        if !matches!(sim, Some(Ok(ref sim)) if sim.verdict.by_browser.is_some()) {
            let (c, f) = (said(found[0]), said(found[1]));
            self.model.push(format!("{what} | chromium {c} / firefox {f}: simulate has no `by_browser`"));
        }
    }

    /// The browsers, their prefs, what they did, what was classified apart and how long it took.
    pub fn summary(&self, info: &serde_json::Value, skipped: &[String], took: std::time::Duration) -> String {
        let mut out = String::new();
        for engine in ENGINES {
            let Counts { exchanges, allowed, blocked, preflights, without_cookie } =
                self.counts.get(engine).copied().unwrap_or_default();
            out.push_str(&format!(
                "ground truth (browsers): {engine} {}: {exchanges} exchanges, {allowed} allowed, {blocked} blocked, \
                 {preflights} with a preflight, {without_cookie} without the cookie the page held\n",
                info[engine]["version"].as_str().unwrap_or("?")
            ));
            out.push_str(&format!("  prefs: {}\n", info[engine]["prefs"]));
            out.push_str(&format!("  issues: {:?}\n", self.issues.get(engine).cloned().unwrap_or_default()));
        }
        out.push_str(&format!("ground truth (browsers): {took:.0?} in all\n"));
        let classified = "not CORS (cookie policy, mixed content, Local Network Access)";
        for (title, lines) in [(classified, &self.classified[..]), ("not sent to the browsers", skipped)] {
            out.push_str(&format!("  {title}: {}\n", lines.len()));
            for line in lines {
                out.push_str(&format!("    {line}\n"));
            }
        }
        out
    }
}
