//! Running an origin pattern the way a layer runs it.
//!
//! Each [`MatchSemantics`] variant models one layer's matching:
//! - `FullMatch`: Starlette/FastAPI `allow_origin_regex`, `re.fullmatch` (starlette
//!   `middleware/cors.py`, since 0.13.1); Litestar `allow_origin_regex` (`fullmatch`).
//! - `StartAnchored`: Python `re.match`, anchored at the start only: Flask-CORS regex origins
//!   (`flask_cors/core.py`), django-cors-headers `CORS_ALLOWED_ORIGIN_REGEXES` (`middleware.py`).
//! - `Search`: unanchored substring search unless the pattern has `^`/`$`: nginx `~`/`~*` in
//!   `map`/`if` (ngx_http_map_module), Traefik `accessControlAllowOriginListRegex` (Go
//!   `regexp.MatchString`, `pkg/middlewares/headers/header.go`).
//! - `EndAnchored`: ingress-nginx's rendered `if ($http_origin ~* ((o1)|(o2))$)`: `$` appended,
//!   no `^`, case-insensitive (`rootfs/etc/nginx/template/nginx.tmpl`). The pattern is the
//!   rendered regex of one origin.
//! - `Glob`: an ingress-nginx `cors-allow-origin` entry as written (`https://*.example.com`),
//!   rendered as ingress-nginx does (`regexp.QuoteMeta`, first `*` → `[A-Za-z0-9\-]+`, one DNS
//!   label; `annotations/cors/main.go`), then matched as `EndAnchored`.
//! - `Prefix`: Istio `corsPolicy.allowOrigins[].prefix`, a plain string prefix.
//!
//! Patterns are written for Python `re`, PCRE or Go RE2, which agree with Rust `regex` on what
//! origin patterns use; `\Z` (Python/PCRE end of text) is read as `\z`. Patterns `regex` rejects
//! (lookarounds, backreferences) run on `fancy-regex` with a backtracking limit. Repetition counts
//! above [`MAX_ORIGIN_LEN`] are compiled as `MAX_ORIGIN_LEN + 1`: on strings no longer than that
//! (every origin a browser can send) both match alike, so `https://.{0,5000}` is analysed like
//! `https://.{0,1000}`; longer strings are never matched. Bounds: patterns over
//! [`MAX_PATTERN_LEN`] bytes or nested deeper than 64 groups are not analysed, nor patterns whose
//! compiled program is still over the size limit (nested counts). A match that hits the
//! backtracking limit counts as no match (never a finding).

use crate::source::TextRange;

/// Longer patterns are not analysed.
pub const MAX_PATTERN_LEN: usize = 4096;
const SIZE_LIMIT: usize = 1 << 20;
const BACKTRACK_LIMIT: usize = 100_000;
const MAX_NESTING: usize = 64;
/// The longest string a clamped pattern judges exactly: longer than any origin (a host is at most
/// 253 bytes, a scheme and port add a few).
pub const MAX_ORIGIN_LEN: usize = 1000;

/// How a layer matches a request's `Origin` against a configured pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchSemantics {
    /// The whole origin must match (Starlette, Litestar).
    FullMatch,
    /// Anchored at the start only (Python `re.match`: Flask-CORS, django-cors-headers).
    StartAnchored,
    /// Unanchored search (nginx `~` / `~*`, Traefik regex list).
    Search { case_insensitive: bool },
    /// `$`-anchored only, case-insensitive (ingress-nginx rendered regex).
    EndAnchored,
    /// ingress-nginx `cors-allow-origin` entry with an optional `*` label glob.
    Glob,
    /// Plain string prefix (Istio `prefix`).
    Prefix,
}

/// Why a pattern was not analysed. Never a finding by itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unanalyzable {
    TooLong {
        len: usize,
    },
    /// Too deeply nested, a huge repetition count, or a compiled program over the size limit.
    TooComplex,
    /// Neither `regex` nor `fancy-regex` accepts it.
    Invalid {
        message: String,
    },
}

/// Which ends the layer anchors, and whether it ignores case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Anchors {
    pub start: bool,
    pub end: bool,
    pub case_insensitive: bool,
}

/// The regex text a pattern runs as, with a map back to byte offsets in the pattern as written.
#[derive(Clone, Debug)]
pub(crate) struct Translated {
    pub regex: String,
    original_len: usize,
    /// `(regex range, original range)` for each original character; empty when the regex is the
    /// pattern itself (offsets are then the same).
    segments: Vec<(TextRange, TextRange)>,
}

impl Translated {
    fn new(pattern: &str, semantics: MatchSemantics) -> Self {
        match semantics {
            MatchSemantics::Glob => translate_chars(pattern, glob_char),
            MatchSemantics::Prefix => translate_chars(pattern, |c, _| regex::escape(c)),
            _ => Translated { regex: python_escapes(pattern), original_len: pattern.len(), segments: Vec::new() },
        }
    }

    /// Maps a byte range of `regex` to the pattern as written.
    pub fn to_original(&self, range: TextRange) -> TextRange {
        if self.segments.is_empty() {
            return range;
        }
        let locate = |offset: usize, want_end: bool| {
            self.segments
                .iter()
                .find(|(r, _)| offset >= r.start && offset < r.end)
                .map(|(_, o)| if want_end { o.end } else { o.start })
                .unwrap_or(self.original_len)
        };
        let start = locate(range.start, false);
        let end = if range.is_empty() { start } else { locate(range.end - 1, true) };
        TextRange::new(start, end.max(start))
    }
}

fn translate_chars(pattern: &str, mut f: impl FnMut(&str, &mut bool) -> String) -> Translated {
    let mut regex = String::new();
    let mut segments = Vec::new();
    let mut state = false;
    for (i, c) in pattern.char_indices() {
        let original = TextRange::new(i, i + c.len_utf8());
        let start = regex.len();
        regex.push_str(&f(&pattern[i..original.end], &mut state));
        segments.push((TextRange::new(start, regex.len()), original));
    }
    Translated { regex, original_len: pattern.len(), segments }
}

/// ingress-nginx: `regexp.QuoteMeta`, then the first `\*` becomes one DNS label.
fn glob_char(c: &str, wildcard_used: &mut bool) -> String {
    if c == "*" && !*wildcard_used {
        *wildcard_used = true;
        return r"[A-Za-z0-9\-]+".to_owned();
    }
    if c.len() == 1 && r"\.+*?()|[]{}^$".contains(c) {
        return format!(r"\{c}");
    }
    c.to_owned()
}

/// Python/PCRE `\Z` is Rust `\z`; same length, so offsets are unchanged.
fn python_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped && c == 'Z' {
            out.push('z');
        } else {
            out.push(c);
        }
        escaped = !escaped && c == '\\';
    }
    out
}

impl MatchSemantics {
    pub(crate) fn anchors(self) -> Anchors {
        let (start, end, case_insensitive) = match self {
            MatchSemantics::FullMatch => (true, true, false),
            MatchSemantics::StartAnchored => (true, false, false),
            MatchSemantics::Search { case_insensitive } => (false, false, case_insensitive),
            MatchSemantics::EndAnchored | MatchSemantics::Glob => (false, true, true),
            MatchSemantics::Prefix => (true, false, false),
        };
        Anchors { start, end, case_insensitive }
    }
}

enum Engine {
    Std(regex::Regex, Clamped),
    Fancy(Box<fancy_regex::Regex>, Clamped),
}

/// Whether repetition counts were lowered to [`MAX_ORIGIN_LEN`] `+ 1` (then longer strings are
/// not judged).
type Clamped = bool;

/// A pattern compiled with a layer's semantics.
pub struct OriginMatcher {
    engine: Engine,
    pub(crate) translated: Translated,
    pub(crate) anchors: Anchors,
}

impl std::fmt::Debug for OriginMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginMatcher").field("regex", &self.translated.regex).finish()
    }
}

impl OriginMatcher {
    pub fn new(pattern: &str, semantics: MatchSemantics) -> Result<Self, Unanalyzable> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(Unanalyzable::TooLong { len: pattern.len() });
        }
        let translated = Translated::new(pattern, semantics);
        let anchors = semantics.anchors();
        let engine = compile(&translated.regex, anchors)?;
        Ok(OriginMatcher { engine, translated, anchors })
    }

    /// Whether the layer would accept `origin`.
    pub fn is_match(&self, origin: &str) -> bool {
        engine_match(&self.engine, origin)
    }

    /// The same pattern with its regex text or anchors changed (cause localisation).
    pub(crate) fn variant(regex: &str, anchors: Anchors) -> Option<Variant> {
        compile(regex, anchors).ok().map(Variant)
    }
}

/// A changed copy of a pattern, compiled (cause localisation).
pub(crate) struct Variant(Engine);

impl Variant {
    pub fn is_match(&self, origin: &str) -> bool {
        engine_match(&self.0, origin)
    }
}

fn engine_match(engine: &Engine, origin: &str) -> bool {
    match engine {
        Engine::Std(_, true) | Engine::Fancy(_, true) if origin.len() > MAX_ORIGIN_LEN => false,
        Engine::Std(re, _) => re.is_match(origin),
        Engine::Fancy(re, _) => re.is_match(origin).unwrap_or(false),
    }
}

fn compile(regex: &str, anchors: Anchors) -> Result<Engine, Unanalyzable> {
    if regex.len() > 4 * MAX_PATTERN_LEN || too_deeply_nested(regex) {
        return Err(Unanalyzable::TooComplex);
    }
    let (clamped_regex, clamped) = clamp_counts(regex);
    let regex = clamped_regex.as_str();
    let full = format!(
        "{}{}(?:{regex}){}",
        if anchors.case_insensitive { "(?i)" } else { "" },
        if anchors.start { "^" } else { "" },
        if anchors.end { "$" } else { "" },
    );
    let std = regex::RegexBuilder::new(&full)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .nest_limit(MAX_NESTING as u32 * 2)
        .build();
    match std {
        Ok(re) => Ok(Engine::Std(re, clamped)),
        Err(regex::Error::CompiledTooBig(_)) => Err(Unanalyzable::TooComplex),
        Err(std_err) => fancy_regex::RegexBuilder::new(&full)
            .backtrack_limit(BACKTRACK_LIMIT)
            .delegate_size_limit(SIZE_LIMIT)
            .delegate_dfa_size_limit(SIZE_LIMIT)
            .build()
            .map(|re| Engine::Fancy(Box::new(re), clamped))
            .map_err(|_| Unanalyzable::Invalid { message: std_err.to_string() }),
    }
}

/// Cheap guard run before either engine sees the text: group nesting.
fn too_deeply_nested(regex: &str) -> bool {
    let bytes = regex.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 1,
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Every repetition count above [`MAX_ORIGIN_LEN`] (`{n}`, `{n,}`, `{n,m}` outside a character
/// class) rewritten as `MAX_ORIGIN_LEN + 1`, zero-padded to the digits it replaces so every offset
/// into the pattern stays valid. Returns whether anything changed.
fn clamp_counts(regex: &str) -> (String, bool) {
    let bytes = regex.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let (mut i, mut in_class, mut clamped) = (0usize, false, false);
    let limit = (MAX_ORIGIN_LEN + 1).to_string();
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => {
                out.extend(bytes.get(i..i + 2).or_else(|| bytes.get(i..)).unwrap_or_default());
                i += 2;
                continue;
            }
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'{' if !in_class => {
                let body_len = bytes
                    .get(i + 1..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == b',')
                    .count();
                if bytes.get(i + 1 + body_len) == Some(&b'}') && body_len > 0 {
                    out.push(b'{');
                    let body = bytes.get(i + 1..i + 1 + body_len).unwrap_or_default();
                    for (index, digits) in body.split(|c| *c == b',').enumerate() {
                        if index > 0 {
                            out.push(b',');
                        }
                        let significant =
                            digits.iter().position(|d| *d != b'0').and_then(|at| digits.get(at..)).unwrap_or_default();
                        let big = significant.len() > limit.len()
                            || (significant.len() == limit.len() && significant > limit.as_bytes());
                        if big {
                            clamped = true;
                            out.extend(std::iter::repeat_n(b'0', digits.len() - limit.len()));
                            out.extend(limit.as_bytes());
                        } else {
                            out.extend(digits);
                        }
                    }
                    out.push(b'}');
                    i += body_len + 2;
                    continue;
                }
            }
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    // Only ASCII digits were replaced by ASCII digits: still the same UTF-8.
    (String::from_utf8(out).unwrap_or_else(|_| regex.to_owned()), clamped)
}
