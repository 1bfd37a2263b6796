//! What nginx reads in a value: variables, `if` conditions, response header names.

use super::Arg;
use crate::analysis::memo::Memo;
use crate::source::Span;

/// Three-valued answer: static analysis knows, or cannot tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

/// The methods a browser can send, for deciding which `if ($request_method ...)` blocks match.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The CORS response headers, lowercase.
pub mod header {
    pub const ALLOW_ORIGIN: &str = "access-control-allow-origin";
    pub const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
    pub const ALLOW_METHODS: &str = "access-control-allow-methods";
    pub const ALLOW_HEADERS: &str = "access-control-allow-headers";
    pub const EXPOSE_HEADERS: &str = "access-control-expose-headers";
    pub const MAX_AGE: &str = "access-control-max-age";
    pub const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";

    /// Every response header of the CORS protocol, in their usual spelling.
    pub const RESPONSE: [&str; 7] = [
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Access-Control-Allow-Private-Network",
    ];

    /// Request headers of the protocol: a browser sends them, a server never needs to.
    pub const REQUEST: [&str; 3] =
        ["Access-Control-Request-Method", "Access-Control-Request-Headers", "Access-Control-Request-Private-Network"];
}

/// Whether a response header name belongs to CORS (`Access-Control-*`, any case).
pub fn is_cors_header(name: &str) -> bool {
    name.len() >= 15 && name.get(..15).is_some_and(|p| p.eq_ignore_ascii_case("access-control-"))
}

/// Header names compare case-insensitively.
pub fn same_header(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The usual spelling of a CORS response header name (`Access-Control-Allow-Origin`).
pub fn canonical_header(name: &str) -> String {
    header::RESPONSE
        .iter()
        .chain(header::REQUEST.iter())
        .find(|known| same_header(known, name))
        .map_or_else(|| name.to_string(), |known| (*known).to_string())
}

/// A variable reference inside a value: byte range in the value and the lowercase name
/// (nginx variable names are case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub start: usize,
    pub end: usize,
    pub name: String,
}

/// Every `$name` and `${name}` in a value, in order. `$1`-style captures are included (named `1`).
pub fn variables(value: &str) -> Vec<VarRef> {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'$') {
            i += 1;
            continue;
        }
        let start = i;
        let braced = bytes.get(i + 1) == Some(&b'{');
        let name_start = if braced { i + 2 } else { i + 1 };
        let mut j = name_start;
        while bytes.get(j).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            j += 1;
        }
        if j == name_start {
            i += 1;
            continue;
        }
        let name = value.get(name_start..j).unwrap_or("").to_ascii_lowercase();
        let end = if braced {
            if bytes.get(j) != Some(&b'}') {
                i = j;
                continue;
            }
            j + 1
        } else {
            j
        };
        out.push(VarRef { start, end, name });
        i = end;
    }
    out
}

/// Whether `name` (lowercase, without `$`) is a variable nginx itself defines from the request,
/// the response or the server (`$host`, `$http_origin`, `$sent_http_content_type`, `$arg_page`),
/// as opposed to one a configuration defines (`set`, `map`) or an envsubst placeholder.
pub fn is_builtin_variable(name: &str) -> bool {
    const PREFIXES: [&str; 6] = ["http_", "sent_http_", "upstream_http_", "arg_", "cookie_", "sent_trailer_"];
    const NAMES: [&str; 28] = [
        "args",
        "binary_remote_addr",
        "body_bytes_sent",
        "bytes_sent",
        "content_length",
        "content_type",
        "document_root",
        "document_uri",
        "host",
        "hostname",
        "is_args",
        "query_string",
        "realpath_root",
        "remote_addr",
        "remote_port",
        "remote_user",
        "request",
        "request_body",
        "request_method",
        "request_uri",
        "scheme",
        "server_addr",
        "server_name",
        "server_port",
        "server_protocol",
        "status",
        "uri",
        "proxy_host",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// The variable a value consists of, alone (`$http_origin`, `${cors}`), lowercase, without `$`.
pub fn single_variable(value: &str) -> Option<String> {
    let vars = variables(value);
    match vars.as_slice() {
        [v] if v.start == 0 && v.end == value.len() => Some(v.name.clone()),
        _ => None,
    }
}

pub fn has_variables(value: &str) -> bool {
    !variables(value).is_empty()
}

/// What an nginx `if` tests, with its operands.
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionKind {
    /// `if ($var)`: true unless the value is empty or `0`.
    Var { var: String },
    /// `$var = value`, `$var != value` (case-sensitive string comparison).
    Compare { var: String, negated: bool, operand: Arg },
    /// `$var ~ re`, `~*`, `!~`, `!~*` (PCRE search, unanchored).
    Match { var: String, negated: bool, case_insensitive: bool, pattern: Arg },
    /// `-f`, `-d`, `-e`, `-x` and their negations.
    FileTest,
    /// Anything else (nginx would refuse most of it).
    Other,
}

/// The condition of an `if`, as written between its parentheses.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub kind: ConditionKind,
    /// The whole condition (every argument).
    pub span: Span,
}

fn variable_name(arg: &Arg) -> Option<String> {
    single_variable(&arg.value)
}

impl Condition {
    /// Reads the arguments of `if` (parentheses already removed, as crossplane removes them).
    pub fn parse(args: &[Arg], span: Span) -> Condition {
        let kind = match args {
            [var] => match variable_name(var) {
                Some(var) => ConditionKind::Var { var },
                None => ConditionKind::Other,
            },
            [op, _] if matches!(op.value.as_str(), "-f" | "!-f" | "-d" | "!-d" | "-e" | "!-e" | "-x" | "!-x") => {
                ConditionKind::FileTest
            }
            [var, op, operand] => match variable_name(var) {
                Some(var) => match op.value.as_str() {
                    "=" => ConditionKind::Compare { var, negated: false, operand: operand.clone() },
                    "!=" => ConditionKind::Compare { var, negated: true, operand: operand.clone() },
                    "~" | "~*" | "!~" | "!~*" => ConditionKind::Match {
                        var,
                        negated: op.value.starts_with('!'),
                        case_insensitive: op.value.ends_with('*'),
                        pattern: operand.clone(),
                    },
                    _ => ConditionKind::Other,
                },
                None => ConditionKind::Other,
            },
            _ => ConditionKind::Other,
        };
        Condition { kind, span }
    }

    /// The variable the condition tests, if it tests one.
    pub fn variable(&self) -> Option<&str> {
        match &self.kind {
            ConditionKind::Var { var } | ConditionKind::Compare { var, .. } | ConditionKind::Match { var, .. } => {
                Some(var)
            }
            ConditionKind::FileTest | ConditionKind::Other => None,
        }
    }

    /// Whether the condition holds when `var` has the value `value`, for a condition on `var`.
    pub fn holds_for(&self, var: &str, value: &str) -> Tri {
        match &self.kind {
            ConditionKind::Var { var: v } if v == var => Tri::from_bool(!value.is_empty() && value != "0"),
            ConditionKind::Compare { var: v, negated, operand } if v == var => {
                if has_variables(&operand.value) {
                    return Tri::Maybe;
                }
                let equal = Tri::from_bool(operand.value == value);
                if *negated { equal.not() } else { equal }
            }
            ConditionKind::Match { var: v, negated, case_insensitive, pattern } if v == var => {
                match regex_matches(&pattern.value, *case_insensitive, value) {
                    Some(m) => {
                        let m = Tri::from_bool(m);
                        if *negated { m.not() } else { m }
                    }
                    None => Tri::Maybe,
                }
            }
            _ => Tri::Maybe,
        }
    }

    /// Whether a request with this method makes the condition true.
    pub fn matches_method(&self, method: &str) -> Tri {
        self.holds_for("request_method", method)
    }

    /// True only for `OPTIONS` requests: the preflight branch (`if ($request_method = OPTIONS)`).
    pub fn is_preflight_only(&self) -> bool {
        self.matches_method("OPTIONS") == Tri::Yes
            && METHODS.iter().filter(|m| **m != "OPTIONS").all(|m| self.matches_method(m) == Tri::No)
    }

    /// Whether two conditions can never hold for the same request.
    pub fn disjoint(&self, other: &Condition) -> bool {
        let (Some(a), Some(b)) = (self.variable(), other.variable()) else { return false };
        if a != b {
            return false;
        }
        if a == "request_method" {
            return METHODS.iter().all(|m| self.matches_method(m) == Tri::No || other.matches_method(m) == Tri::No);
        }
        // Two tests of one variable against fixed values: disjoint when the value one needs
        // makes the other false.
        for (x, y) in [(self, other), (other, self)] {
            if let ConditionKind::Compare { negated: false, operand, .. } = &x.kind
                && !has_variables(&operand.value)
                && y.holds_for(a, &operand.value) == Tri::No
            {
                return true;
            }
        }
        false
    }

    /// Whether the two conditions are written the same (same test of the same variable).
    pub fn same_test(&self, other: &Condition) -> bool {
        match (&self.kind, &other.kind) {
            (ConditionKind::Var { var: a }, ConditionKind::Var { var: b }) => a == b,
            (
                ConditionKind::Compare { var: a, negated: na, operand: oa },
                ConditionKind::Compare { var: b, negated: nb, operand: ob },
            ) => a == b && na == nb && oa.value == ob.value,
            (
                ConditionKind::Match { var: a, negated: na, case_insensitive: ca, pattern: pa },
                ConditionKind::Match { var: b, negated: nb, case_insensitive: cb, pattern: pb },
            ) => a == b && na == nb && ca == cb && pa.value == pb.value,
            _ => false,
        }
    }
}

/// Runs an nginx (PCRE) regex as a search; `None` when the `regex` crate cannot compile it.
pub fn regex_matches(pattern: &str, case_insensitive: bool, haystack: &str) -> Option<bool> {
    // Compiled once per process: every map of every config tests its patterns per CORS header.
    static COMPILED: Memo<(String, bool), Option<regex::Regex>> = Memo::new();
    let re = COMPILED.get_or_compute((pattern.to_owned(), case_insensitive), || {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .ok()
    })?;
    Some(re.is_match(haystack))
}

/// What a fixed `Access-Control-Allow-Origin` value is, before any origin analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticOrigin {
    /// `*`.
    Any,
    /// Looks like one origin (possibly misspelled: the origin rules judge it).
    OriginLike,
    /// Several origins in one value (`https://a.com https://b.com`, `a, b`): CORS307.
    Several,
    /// Nothing like an origin (`true`, `all`, `yes`): CORS309.
    NotAnOrigin,
}

fn looks_like_origin(part: &str) -> bool {
    part == "*" || part == "null" || part.contains("://") || part.contains('.') || part.contains(':')
}

/// Classifies a fixed `Access-Control-Allow-Origin` value.
pub fn classify_static_origin(value: &str) -> StaticOrigin {
    let trimmed = value.trim();
    if trimmed == "*" {
        return StaticOrigin::Any;
    }
    let parts: Vec<&str> =
        trimmed.split(|c: char| c == ',' || c.is_ascii_whitespace()).filter(|p| !p.is_empty()).collect();
    if parts.len() >= 2 && parts.iter().filter(|p| looks_like_origin(p)).count() >= 2 {
        return StaticOrigin::Several;
    }
    let lower = trimmed.to_ascii_lowercase();
    if parts.len() == 1 && !looks_like_origin(&lower) && lower != "localhost" {
        return StaticOrigin::NotAnOrigin;
    }
    StaticOrigin::OriginLike
}

/// Splits a comma-separated header value into its items with their byte ranges in `value`
/// (surrounding spaces excluded; empty items skipped).
pub fn list_items(value: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in value.split(',') {
        let lead = piece.len() - piece.trim_start().len();
        let item = piece.trim();
        if !item.is_empty() {
            out.push((start + lead, start + lead + item.len(), item));
        }
        start += piece.len() + 1;
    }
    out
}

/// An HTTP token (RFC 9110 `tchar`s): what a method or header name must be.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Levenshtein distance over ASCII-lowercased bytes, or `None` once it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        let mut row_min = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let best = [
                prev.get(j + 1).map_or(usize::MAX, |v| v + 1),
                cur.get(j).map_or(usize::MAX, |v| v + 1),
                prev.get(j).map_or(usize::MAX, |v| v + cost),
            ]
            .into_iter()
            .min()
            .unwrap_or(usize::MAX);
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = best;
            }
            row_min = row_min.min(best);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().filter(|d| *d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(v: &str) -> Arg {
        Arg::new(v, Span::new(0, 0, 0), None)
    }

    #[test]
    fn variables_are_found_in_both_spellings() {
        assert_eq!(single_variable("$http_origin").as_deref(), Some("http_origin"));
        assert_eq!(single_variable("${HTTP_ORIGIN}").as_deref(), Some("http_origin"));
        assert_eq!(single_variable("https://$host"), None);
        assert!(has_variables("https://$host"));
        assert!(!has_variables("costs $ 5"));
        assert_eq!(variables("${cors}options").first().map(|v| v.name.as_str()), Some("cors"));
    }

    #[test]
    fn request_method_conditions() {
        let c = |args: &[&str]| Condition::parse(&args.iter().map(|a| arg(a)).collect::<Vec<_>>(), Span::new(0, 0, 0));
        assert!(c(&["$request_method", "=", "OPTIONS"]).is_preflight_only());
        assert!(c(&["$request_method", "~", "^OPTIONS$"]).is_preflight_only());
        assert!(c(&["$request_method", "~*", "options"]).is_preflight_only());
        assert!(!c(&["$request_method", "~", "^(GET|OPTIONS)$"]).is_preflight_only());
        assert!(!c(&["$request_method", "!=", "OPTIONS"]).is_preflight_only());
        assert_eq!(c(&["$http_origin", "~", "x"]).matches_method("OPTIONS"), Tri::Maybe);
        assert!(c(&["$request_method", "=", "GET"]).disjoint(&c(&["$request_method", "=", "POST"])));
        assert!(!c(&["$request_method", "=", "GET"]).disjoint(&c(&["$http_origin", "=", "POST"])));
        assert!(c(&["$cors", "=", "true"]).disjoint(&c(&["$cors", "=", "trueoptions"])));
        assert!(!c(&["$cors", "=", "true"]).disjoint(&c(&["$cors", "~", "true"])));
    }

    #[test]
    fn static_origin_values() {
        assert_eq!(classify_static_origin("*"), StaticOrigin::Any);
        assert_eq!(classify_static_origin("https://a.com"), StaticOrigin::OriginLike);
        assert_eq!(classify_static_origin("https://a.com/"), StaticOrigin::OriginLike);
        assert_eq!(classify_static_origin("https://a.com https://b.com"), StaticOrigin::Several);
        assert_eq!(classify_static_origin("https://a.com,https://b.com"), StaticOrigin::Several);
        assert_eq!(classify_static_origin("true"), StaticOrigin::NotAnOrigin);
        assert_eq!(classify_static_origin("localhost"), StaticOrigin::OriginLike);
        assert_eq!(classify_static_origin("null"), StaticOrigin::OriginLike);
    }

    #[test]
    fn small_helpers() {
        assert_eq!(list_items("GET, POST ,PUT,"), vec![(0, 3, "GET"), (5, 9, "POST"), (11, 14, "PUT")]);
        assert!(is_token("X-Request-Id"));
        assert!(!is_token("GET POST"));
        assert_eq!(edit_distance("Access-Control-Allow-Origins", "access-control-allow-origin", 3), Some(1));
        assert_eq!(edit_distance("Cache-Control", "access-control-allow-origin", 3), None);
        assert!(is_cors_header("ACCESS-CONTROL-ALLOW-ORIGIN"));
        assert!(!is_cors_header("Vary"));
    }
}
