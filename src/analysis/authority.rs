//! The parts of an origin after the scheme: authority (userinfo, host, port) and what follows
//! it. Helpers of `origin.rs`; problems are pushed with byte offsets of the checked input.

use std::net::Ipv6Addr;

use crate::analysis::origin::{LiteralContext, OriginProblem, OriginProblemKind, problem};

/// Path, query and fragment after the authority; `tail` starts at byte `at` of the input.
pub(crate) fn check_tail(tail: &str, at: usize, problems: &mut Vec<OriginProblem>) {
    use OriginProblemKind as K;
    let query = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = &tail[..query];
    if path == "/" {
        problems.push(problem(K::TrailingSlash, at, at + 1));
    } else if !path.is_empty() {
        problems.push(problem(K::Path, at, at + path.len()));
    }
    let rest = &tail[query..];
    let fragment = rest.find('#').unwrap_or(rest.len());
    if fragment > 0 {
        problems.push(problem(K::Query, at + query, at + query + fragment));
    }
    if fragment < rest.len() {
        problems.push(problem(K::Fragment, at + query + fragment, at + tail.len()));
    }
}

/// Splits `host[:port]`; reports port problems. `None` when the authority is unusable.
pub(crate) fn split_host_port<'a>(
    authority: &'a str,
    at: usize,
    scheme: &str,
    problems: &mut Vec<OriginProblem>,
) -> Option<(&'a str, Option<u16>)> {
    use OriginProblemKind as K;
    let colon = if authority.starts_with('[') {
        let close = authority.find(']').map(|i| i + 1).unwrap_or(authority.len());
        match authority[close..].chars().next() {
            None => None,
            Some(':') => Some(close),
            Some(_) => {
                problems.push(problem(K::Invalid, at + close, at + authority.len()));
                return None;
            }
        }
    } else {
        authority.find(':')
    };
    let Some(colon) = colon else {
        return Some((authority, None));
    };
    let digits = &authority[colon + 1..];
    let range = (at + colon, at + authority.len());
    if digits.is_empty() {
        problems.push(problem(K::DefaultPort, range.0, range.1));
        return Some((&authority[..colon], None));
    }
    let port = match digits.parse::<u16>() {
        Ok(port) if digits.bytes().all(|b| b.is_ascii_digit()) => port,
        _ => {
            problems.push(problem(K::InvalidPort, range.0, range.1));
            return None;
        }
    };
    if default_port(scheme) == Some(port) {
        problems.push(problem(K::DefaultPort, range.0, range.1));
    } else if digits.len() > 1 && digits.starts_with('0') {
        problems.push(problem(K::NotCanonical, range.0 + 1, range.1));
    }
    Some((&authority[..colon], Some(port)))
}

/// Checks the host (at byte `at`) and returns it in the form the browser sends.
pub(crate) fn check_host(host: &str, at: usize, ctx: LiteralContext, problems: &mut Vec<OriginProblem>) -> String {
    use OriginProblemKind as K;
    let range = (at, at + host.len());
    if host.is_empty() {
        problems.push(problem(K::Invalid, range.0, range.1));
        return String::new();
    }
    if !ctx.case_insensitive && host.bytes().any(|b| b.is_ascii_uppercase()) {
        problems.push(problem(K::UpperCase, range.0, range.1));
    }
    let lower = host.to_ascii_lowercase();
    if let Some(inner) = lower.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        match inner.parse::<Ipv6Addr>() {
            Ok(ip) => {
                let canonical = format!("[{ip}]");
                if canonical != lower {
                    problems.push(problem(K::NotCanonical, range.0, range.1));
                }
                return canonical;
            }
            Err(_) => problems.push(problem(K::Invalid, range.0, range.1)),
        }
        return lower;
    }
    if !host.is_ascii() {
        problems.push(problem(K::NonAsciiHost, range.0, range.1));
        return lower;
    }
    let glob_ok = ctx.glob_wildcards && host.starts_with("*.") && !host[1..].contains('*');
    if let Some(star) = host.find('*').filter(|_| !glob_ok) {
        problems.push(problem(K::WildcardInLiteral, at + star, at + star + 1));
        return lower;
    }
    let body = if glob_ok { &host[2..] } else { host };
    if let Some(bad) = body.find(|c: char| !(c.is_ascii_alphanumeric() || "-._".contains(c))) {
        let offset = at + (host.len() - body.len()) + bad;
        problems.push(problem(K::Invalid, offset, offset + 1));
    } else if body.is_empty() || body.starts_with('.') || body.contains("..") {
        problems.push(problem(K::Invalid, range.0, range.1));
    }
    lower
}

pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}
