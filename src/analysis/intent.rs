//! The origins a pattern was written for, derived from the pattern itself.
//!
//! A representative string is generated from the regex-syntax HIR: literals as written, a single
//! class as `.` when it allows one (an unescaped `.` between labels means a dot), else a letter or
//! digit; a repeated class as a short neutral filler (`app`, `8888` for digits) or, for attack
//! probes, as `evil` or `io`; optional parts both absent and present; every alternative (all capped).
//! Strings without a scheme (search patterns like `example\.com$`) are tried with `https://`
//! and `http://`. Only strings that are serialized origins and that the pattern accepts count.
//! Patterns the HIR parser rejects (lookarounds, backreferences) fall back to the host-like
//! literals found in their text.

use std::sync::LazyLock;

use regex_syntax::hir::{Class, Hir, HirKind, Repetition};

use crate::analysis::domain::{is_ip_literal, is_loopback_host, public_suffix};
use crate::analysis::matcher::OriginMatcher;
use crate::analysis::origin::{LiteralContext, OriginProblemKind, OriginValue, SerializedOrigin, check_origin_literal};

const MAX_SAMPLES: usize = 16;
const MAX_ORIGINS: usize = 8;
const MAX_SAMPLE_LEN: usize = 256;
const MAX_DEPTH: usize = 128;

/// Which filler a wildcard gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// `app`, `8888`: the intended origins.
    Neutral,
    /// `evil` (and the TLD `io`) where the class allows it: what an attacker would register.
    Attacker,
}

/// The serialized origins the pattern was written for (at most 8), as the matcher accepts them.
pub(crate) fn intended_origins(matcher: &OriginMatcher) -> Vec<SerializedOrigin> {
    let strings = regex_samples(matcher, Fill::Neutral).unwrap_or_else(|| skeleton_samples(&matcher.translated.regex));
    let mut origins: Vec<SerializedOrigin> =
        as_origins(&strings).into_iter().filter(|o| matcher.is_match(&o.to_string())).take(MAX_ORIGINS).collect();
    // A filler can turn the end of a host into junk (`app.example.comapp` for a trailing `.*`):
    // when some sample sits under a real suffix (or is loopback/IP), keep only those.
    let real =
        |o: &SerializedOrigin| is_ip_literal(&o.host) || is_loopback_host(&o.host) || public_suffix(&o.host).is_some();
    if origins.iter().any(real) {
        origins.retain(real);
    }
    origins
}

/// For a pattern with no intended origin: the problem of a derived string that the pattern
/// accepts and that is an origin plus only something browsers never send (`https://a.com/`).
pub(crate) fn never_matching_problem(matcher: &OriginMatcher) -> Option<OriginProblemKind> {
    use OriginProblemKind as K;
    let ctx = LiteralContext { glob_wildcards: false, case_insensitive: matcher.anchors.case_insensitive };
    let never_sent = [K::Whitespace, K::UpperCase, K::DefaultPort, K::TrailingSlash, K::Path, K::Query, K::Fragment];
    for s in regex_samples(matcher, Fill::Neutral)? {
        let tries = if s.contains("://") { vec![s] } else { vec![format!("https://{s}"), format!("http://{s}")] };
        for t in tries.iter().filter(|t| matcher.is_match(t)) {
            let check = check_origin_literal(t, ctx);
            let only_never_sent = check.problems.iter().all(|p| never_sent.contains(&p.kind));
            if matches!(check.value, OriginValue::Origin(_))
                && only_never_sent
                && let Some(first) = check.problems.first()
            {
                return Some(first.kind);
            }
        }
    }
    None
}

/// Origins built with the attacker filler (`https://myapp-evil.vercel.app` for
/// `https://myapp-.*\.vercel\.app`); not checked against the pattern.
pub(crate) fn attacker_fills(matcher: &OriginMatcher) -> Vec<SerializedOrigin> {
    regex_samples(matcher, Fill::Attacker).map(|s| as_origins(&s)).unwrap_or_default()
}

/// Each string as an origin, or, when it has no scheme, with `https://` and `http://` in front.
fn as_origins(strings: &[String]) -> Vec<SerializedOrigin> {
    let mut out: Vec<SerializedOrigin> = Vec::new();
    for s in strings {
        let tries =
            if s.contains("://") { vec![s.clone()] } else { vec![format!("https://{s}"), format!("http://{s}")] };
        for origin in tries.iter().filter_map(|t| SerializedOrigin::parse(t).or_else(|| with_port(t))) {
            if !out.contains(&origin) {
                out.push(origin);
            }
        }
    }
    out
}

/// `http://localhost:` or `http://localhost:app` (a wildcard where the port goes) with a port.
fn with_port(s: &str) -> Option<SerializedOrigin> {
    let (head, filler) = s.rsplit_once(':')?;
    let is_filler = filler.chars().all(|c| c.is_ascii_alphabetic()) && !head.ends_with(':') && head.contains("://");
    is_filler.then(|| SerializedOrigin::parse(&format!("{head}:8888"))).flatten()
}

fn regex_samples(matcher: &OriginMatcher, fill: Fill) -> Option<Vec<String>> {
    let parse = |text: &str| {
        regex_syntax::ParserBuilder::new()
            .case_insensitive(matcher.anchors.case_insensitive)
            .nest_limit(MAX_DEPTH as u32)
            .build()
            .parse(text)
            .ok()
    };
    let regex = &matcher.translated.regex;
    let hir = parse(regex).or_else(|| parse(&without_fancy_parts(regex)))?;
    Some(samples(&hir, fill, 0))
}

/// Drops what only `fancy-regex` runs (lookarounds, backreferences): the remaining pattern
/// generates candidates, which the real pattern then accepts or not.
fn without_fancy_parts(regex: &str) -> String {
    let mut out = String::with_capacity(regex.len());
    let mut rest = regex;
    while let Some(c) = rest.chars().next() {
        let lookaround = ["(?=", "(?!", "(?<=", "(?<!", "(?P="].iter().any(|p| rest.starts_with(p));
        if lookaround {
            rest = rest.get(group_len(rest)..).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('\\') {
            let digits = after.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 {
                rest = after.get(digits..).unwrap_or("");
            } else if after.starts_with("k<") {
                rest = after.find('>').and_then(|i| after.get(i + 1..)).unwrap_or("");
            } else {
                let len = after.chars().next().map_or(0, char::len_utf8);
                out.push_str(rest.get(..1 + len).unwrap_or(""));
                rest = after.get(len..).unwrap_or("");
            }
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Byte length of the parenthesized group at the start of `text` (escape-aware).
fn group_len(text: &str) -> usize {
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn samples(hir: &Hir, fill: Fill, depth: usize) -> Vec<String> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(class) => pick(class, SINGLE).map(|c| vec![c.to_string()]).unwrap_or_default(),
        HirKind::Repetition(rep) => repetition(rep, fill, depth),
        HirKind::Capture(cap) => samples(&cap.sub, fill, depth + 1),
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for part in parts {
                acc = product(&acc, &samples(part, fill, depth + 1));
                if acc.is_empty() {
                    break;
                }
            }
            acc
        }
        HirKind::Alternation(alternatives) => {
            let mut out = Vec::new();
            for alternative in alternatives {
                out.extend(samples(alternative, fill, depth + 1));
                if out.len() >= MAX_SAMPLES {
                    break;
                }
            }
            out.truncate(MAX_SAMPLES);
            out
        }
    }
}

fn product(left: &[String], right: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in left {
        for b in right {
            if out.len() < MAX_SAMPLES && a.len() + b.len() <= MAX_SAMPLE_LEN {
                out.push(format!("{a}{b}"));
            }
        }
    }
    out
}

fn repetition(rep: &Repetition, fill: Fill, depth: usize) -> Vec<String> {
    let max = rep.max.unwrap_or(u32::MAX);
    let mut out = Vec::new();
    if rep.min == 0 {
        out.push(String::new());
    }
    if max == 0 {
        return out;
    }
    if let HirKind::Class(class) = rep.sub.kind() {
        let evil = fill == Fill::Attacker && "evil".chars().all(|c| contains(class, c));
        let digits_only = !contains(class, 'x') && pick(class, &['8']).is_some();
        let target = if evil || digits_only { 4 } else { 3 };
        let n = target.min(max).max(rep.min.max(1)).min(64) as usize;
        if evil {
            out.push("evil".chars().cycle().take(n).collect());
            // A wildcard in the TLD position (`example\.[a-z]+`) is opened by a real TLD.
            if rep.min <= 2 && max >= 2 && "io".chars().all(|c| contains(class, c)) {
                out.push("io".to_owned());
            }
        } else if !digits_only && "ap".chars().all(|c| contains(class, c)) {
            out.push("app".chars().cycle().take(n).collect());
        } else if let Some(c) = pick(class, REPEATED) {
            out.push(c.to_string().repeat(n));
        }
    } else {
        let times = rep.min.clamp(1, 3) as usize;
        for s in samples(&rep.sub, fill, depth + 1) {
            if s.len() * times <= MAX_SAMPLE_LEN {
                out.push(s.repeat(times));
            }
        }
    }
    out.truncate(MAX_SAMPLES);
    out
}

const SINGLE: &[char] = &[
    '.', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
    'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-',
];
const REPEATED: &[char] = &[
    'x', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
    'w', 'y', 'z', '8', '0', '1', '2', '3', '4', '5', '6', '7', '9', '-', '.',
];

/// The first preferred character the class allows, else its first printable ASCII character.
fn pick(class: &Class, preferred: &[char]) -> Option<char> {
    if let Some(&c) = preferred.iter().find(|&&c| contains(class, c)) {
        return Some(c);
    }
    (0x21u8..0x7f).map(char::from).find(|&c| contains(class, c))
}

fn contains(class: &Class, c: char) -> bool {
    match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => u8::try_from(c).is_ok_and(|c| b.ranges().iter().any(|r| r.start() <= c && c <= r.end())),
    }
}

static HOST_LIKE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?:[a-z][a-z0-9+.-]*://)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::[0-9]{1,5})?").ok()
});

/// Host-like literals in the text of a pattern the HIR parser rejects (`\.` read as `.`).
fn skeleton_samples(regex: &str) -> Vec<String> {
    let unescaped = regex.replace(r"\.", ".").replace(r"\-", "-").replace(r"\/", "/");
    let Some(host_like) = HOST_LIKE.as_ref() else {
        return Vec::new();
    };
    host_like.find_iter(&unescaped).map(|m| m.as_str().to_ascii_lowercase()).take(MAX_SAMPLES).collect()
}
