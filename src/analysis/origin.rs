//! Configured origin strings against what browsers send (CORS104, CORS107, CORS309).
//!
//! A browser sends `Origin` as the *serialized origin* of the page: `scheme://host[:port]` with
//! scheme and host in lowercase, no default port, nothing after the authority (no path, not even
//! a trailing `/`, no query, fragment or userinfo), or `null` for opaque origins (WHATWG HTML
//! "serialization of an origin"; Fetch `Origin` header). Every layer compares its allowed origins
//! with that exact string (Starlette `origin in allow_origins`; the browser's own byte comparison
//! of `Access-Control-Allow-Origin` with nginx/Traefik values), so an entry that differs in any
//! way never matches. A few layers relax one rule, described by [`LiteralContext`].
//!
//! Missing scheme: the help suggests `http://` for loopback hosts (`localhost:3000` is a dev
//! server) and `https://` for every other host.

use std::fmt;

use crate::analysis::authority::{check_host, check_tail, default_port, split_host_port};
use crate::analysis::domain::is_loopback_host;
use crate::source::TextRange;

/// How a layer compares a configured origin with the request's `Origin`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiteralContext {
    /// A leading `*.` label in the host is a one-label glob (ingress-nginx `cors-allow-origin`,
    /// Litestar); elsewhere a `*` inside an entry is a literal that never matches.
    pub glob_wildcards: bool,
    /// The layer ignores case (ingress-nginx `~*`, Flask-CORS equality, nginx `map` strings).
    pub case_insensitive: bool,
}

impl LiteralContext {
    /// Byte-exact comparison: Starlette/FastAPI `allow_origins`, nginx `add_header` values (the
    /// browser compares them), Traefik `accessControlAllowOriginList`.
    pub const EXACT: Self = LiteralContext { glob_wildcards: false, case_insensitive: false };
    /// ingress-nginx `cors-allow-origin` entries: `*.` glob, case-insensitive `~*` match.
    pub const INGRESS_NGINX: Self = LiteralContext { glob_wildcards: true, case_insensitive: true };
}

/// Why a configured origin can never equal a browser's `Origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OriginProblemKind {
    /// Leading or trailing whitespace (`" https://a.com"`).
    Whitespace,
    /// Several origins in one value (`"https://a.com https://b.com"`, `a,b`): CORS307.
    MultipleOrigins,
    /// No `scheme://` (`localhost:3000`, `example.com`).
    MissingScheme,
    /// Upper-case scheme, host or `null` (`HTTPS://App.example.com`).
    UpperCase,
    /// `user@` before the host.
    Userinfo,
    /// A port the browser omits: the scheme's default (`https://a.com:443`) or an empty one.
    DefaultPort,
    /// A port that is not a number from 0 to 65535.
    InvalidPort,
    /// Only a trailing `/` after the authority (`http://localhost:3000/`).
    TrailingSlash,
    /// A path after the authority (`https://a.com/app`).
    Path,
    /// A `?query`.
    Query,
    /// A `#fragment`.
    Fragment,
    /// A `*` in a layer that does not glob (Starlette list: `https://*.example.com` is literal).
    WildcardInLiteral,
    /// A host with non-ASCII characters: browsers send it in punycode (`xn--...`).
    NonAsciiHost,
    /// A spelling the browser normalizes (`[0:0::1]` for `[::1]`, port `08080`).
    NotCanonical,
    /// A scheme whose pages send `Origin: null` (`file://`, `data:`, `about:`, `blob:`).
    OpaqueScheme,
    /// Not an origin at all (bad scheme, empty or malformed host, stray characters).
    Invalid,
}

impl OriginProblemKind {
    /// Whether the corrected origin can still be computed once this problem is known.
    fn is_correctable(self) -> bool {
        !matches!(
            self,
            Self::MultipleOrigins
                | Self::InvalidPort
                | Self::WildcardInLiteral
                | Self::NonAsciiHost
                | Self::OpaqueScheme
                | Self::Invalid
        )
    }
}

/// One problem and the byte range of the input that causes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OriginProblem {
    pub kind: OriginProblemKind,
    pub range: TextRange,
}

/// A serialized origin `scheme://host[:port]`, as browsers send it. In a globbing
/// [`LiteralContext`] the host may start with `*.`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SerializedOrigin {
    pub scheme: String,
    pub host: String,
    /// `None` for the scheme's default port.
    pub port: Option<u16>,
}

impl SerializedOrigin {
    /// Parses a string that is *exactly* a serialized origin (no problem at all), else `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let check = check_origin_literal(s, LiteralContext::EXACT);
        match check.value {
            OriginValue::Origin(o) if check.problems.is_empty() => Some(o),
            _ => None,
        }
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// An `http://` origin that is not loopback: trusting it with credentials is CORS107.
    pub fn is_http_non_loopback(&self) -> bool {
        self.scheme == "http" && !self.is_loopback()
    }
}

impl fmt::Display for SerializedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// What a configured entry means once its problems are fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginValue {
    /// `*`: every origin (only when spelled exactly `*` and `problems` is empty).
    Any,
    /// `null`, the opaque origin.
    Null,
    Origin(SerializedOrigin),
    /// Not an origin, or one whose correction cannot be guessed.
    Invalid,
}

/// Result of [`check_origin_literal`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginCheck {
    /// What the entry means once corrected; as written it means that only if `problems` is empty.
    pub value: OriginValue,
    /// Why the entry as written never equals a browser's `Origin`; empty: usable as it is.
    pub problems: Vec<OriginProblem>,
    /// What to write instead (`http://localhost:3000` for `http://localhost:3000/`), when there
    /// are problems and all of them can be corrected.
    pub corrected: Option<String>,
}

impl OriginCheck {
    /// The entry can never match a browser's `Origin` (CORS104/CORS309).
    pub fn never_matches(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Exactly `*`: allows every origin in the layers where `*` means that.
    pub fn is_any(&self) -> bool {
        self.value == OriginValue::Any && self.problems.is_empty()
    }

    /// Exactly `null` (CORS103).
    pub fn is_null(&self) -> bool {
        self.value == OriginValue::Null && self.problems.is_empty()
    }

    /// The (corrected) origin is `http://` and not loopback (CORS107).
    pub fn is_http_non_loopback(&self) -> bool {
        matches!(&self.value, OriginValue::Origin(o) if o.is_http_non_loopback())
    }
}

/// Checks whether the configured origin `s` can ever equal what a browser sends in `Origin`.
/// Ranges in the result are byte offsets within `s`.
pub fn check_origin_literal(s: &str, ctx: LiteralContext) -> OriginCheck {
    let mut problems = Vec::new();
    let trimmed_start = s.trim_start();
    let lead = s.len() - trimmed_start.len();
    let t = trimmed_start.trim_end();
    let trail_start = lead + t.len();
    if lead > 0 {
        problems.push(problem(OriginProblemKind::Whitespace, 0, lead));
    }
    if trail_start < s.len() {
        problems.push(problem(OriginProblemKind::Whitespace, trail_start, s.len()));
    }
    let value = classify(t, lead, ctx, &mut problems);
    let corrected = match &value {
        _ if problems.is_empty() => None,
        _ if !problems.iter().all(|p| p.kind.is_correctable()) => None,
        OriginValue::Any => Some("*".to_owned()),
        OriginValue::Null => Some("null".to_owned()),
        OriginValue::Origin(o) => Some(o.to_string()),
        OriginValue::Invalid => None,
    };
    let value = if problems.iter().all(|p| p.kind.is_correctable()) { value } else { OriginValue::Invalid };
    OriginCheck { value, problems, corrected }
}

pub(crate) fn problem(kind: OriginProblemKind, start: usize, end: usize) -> OriginProblem {
    OriginProblem { kind, range: TextRange::new(start, end) }
}

/// Classifies the trimmed entry `t`, which starts at byte `base` of the input.
fn classify(t: &str, base: usize, ctx: LiteralContext, problems: &mut Vec<OriginProblem>) -> OriginValue {
    use OriginProblemKind as K;
    let whole = |kind| problem(kind, base, base + t.len());
    if let Some(i) = t.find(|c: char| c.is_whitespace() || c == ',') {
        let len = t[i..].find(|c: char| !(c.is_whitespace() || c == ',')).unwrap_or(t.len() - i);
        problems.push(problem(K::MultipleOrigins, base + i, base + i + len));
        return OriginValue::Invalid;
    }
    if t == "*" {
        return OriginValue::Any;
    }
    if t.eq_ignore_ascii_case("null") {
        if t != "null" && !ctx.case_insensitive {
            problems.push(whole(K::UpperCase));
        }
        return OriginValue::Null;
    }
    if t.is_empty() {
        problems.push(whole(K::Invalid));
        return OriginValue::Invalid;
    }
    let (scheme, rest, rest_at) = match t.find("://") {
        Some(i) => {
            let scheme = &t[..i];
            let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !valid {
                problems.push(problem(K::Invalid, base, base + i));
                return OriginValue::Invalid;
            }
            if !ctx.case_insensitive && scheme.bytes().any(|b| b.is_ascii_uppercase()) {
                problems.push(problem(K::UpperCase, base, base + i));
            }
            (scheme.to_ascii_lowercase(), &t[i + 3..], i + 3)
        }
        None => {
            if let Some(after) = t.strip_prefix("//") {
                problems.push(problem(K::MissingScheme, base, base + 2));
                (String::new(), after, 2)
            } else {
                let colon = t.find(':');
                let port_follows = colon.is_some_and(|c| t[c + 1..].starts_with(|ch: char| ch.is_ascii_digit()));
                if colon.is_some() && !port_follows {
                    // `https:example.com`, `data:...`, `mailto:x`: a scheme without an authority.
                    let opaque = ["data:", "about:", "blob:", "javascript:"]
                        .iter()
                        .any(|p| t.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p)));
                    problems.push(whole(if opaque { K::OpaqueScheme } else { K::Invalid }));
                    return OriginValue::Invalid;
                }
                problems.push(whole(K::MissingScheme));
                (String::new(), t, 0)
            }
        }
    };
    if ["file", "data", "about", "blob", "javascript"].contains(&scheme.as_str()) {
        problems.push(problem(K::OpaqueScheme, base, base + rest_at));
        return OriginValue::Invalid;
    }
    let at = |i: usize| base + rest_at + i;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    check_tail(&rest[authority_end..], at(authority_end), problems);
    let mut authority = &rest[..authority_end];
    let mut authority_at = 0;
    if let Some(i) = authority.rfind('@') {
        problems.push(problem(K::Userinfo, at(0), at(i + 1)));
        authority = &authority[i + 1..];
        authority_at = i + 1;
    }
    let Some((host, port)) = split_host_port(authority, at(authority_at), &scheme, problems) else {
        return OriginValue::Invalid;
    };
    let host = check_host(host, at(authority_at), ctx, problems);
    let scheme = if scheme.is_empty() {
        if is_loopback_host(&host) { "http".to_owned() } else { "https".to_owned() }
    } else {
        scheme
    };
    let port = port.filter(|p| default_port(&scheme) != Some(*p));
    OriginValue::Origin(SerializedOrigin { scheme, host, port })
}

#[cfg(test)]
#[path = "origin_tests.rs"]
mod tests;
