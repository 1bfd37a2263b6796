//! Template files (Helm and Go templates, Jinja, Ansible) read as what they render to: the
//! template syntax is masked before the nginx or YAML parser sees the text.
//!
//! The convention every parser relies on:
//! - the masked text has the same byte length as the file, and every line break stays where it
//!   was, so spans and positions computed on it are right in the file;
//! - an expression (`{{ .Values.origin }}`, `{{ host }}`) becomes a placeholder `${___}`: `$`,
//!   `{`, underscores, `}` (line breaks kept where the expression spans lines), which every layer
//!   reads as an Unknown value, the shape of an envsubst or Terraform `${VAR}`; in YAML it is
//!   `$____` (the `$VAR` shape), because `{` and `}` are YAML flow syntax;
//! - block-control tags (`{{- if … }}`, `{{ else }}`, `{{ end }}`, `{{ range }}`, `{% if %}`,
//!   `{% endfor %}`, variable assignments) become spaces, so a block is read as if its condition
//!   holds; the `else` branches (what runs when it does not) become spaces too, and so do
//!   definitions (`{{ define }}`, `{% macro %}`), which render nothing where they are written;
//! - comments (`{{/* */}}`, `{# #}`) become spaces;
//! - an expression alone on its line stands for whole statements, not a value: in YAML it becomes
//!   spaces (`{{- include "labels" . | nindent 4 }}` adds mapping entries nobody can see), in
//!   nginx a statement `${___};` whose last byte is the `;`, so the directives after it are not
//!   swallowed as its arguments.
//!
//! What the placeholders stood for is kept as [`ValueRef`]s where it is a path into Helm's values
//! (`toYaml .Values.ingress.annotations | nindent 4`), so an extractor can evaluate it, and where
//! it renders statements nobody can see (an `include` alone on its line).

use crate::source::TextRange;

/// What the masked text is handed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Nginx,
    Yaml,
}

/// A template expression that renders whole statements (alone on its line), or reads Helm values
/// (`{{ toYaml .Values.ingress.annotations | nindent 4 }}`, `{{ toYaml . }}` inside
/// `{{ with .Values.ingress.annotations }}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRef {
    /// The tag in the file.
    pub range: TextRange,
    /// The path below `.Values` (`["ingress", "annotations"]`); `None` when it reads something
    /// else (`include "labels" .`, a range variable).
    pub path: Option<Vec<String>>,
    /// Rendered through `toYaml` (a mapping or list), not as a scalar.
    pub to_yaml: bool,
    /// Alone on its line: it renders whole entries, not a value.
    pub alone: bool,
}

/// The masked text and what its placeholders read.
#[derive(Debug, Default)]
pub struct Masked {
    pub text: String,
    pub values: Vec<ValueRef>,
    /// An `else` branch or a definition that no end closes: everything after the tag was
    /// blanked, so the rest of the file is not read.
    pub unclosed: Option<TextRange>,
}

/// Whether a template that cannot be read could still hold a CORS finding: CORS words, header
/// directives, an Ingress, a Traefik middleware, ingress-nginx's snippet or auth annotations, an
/// nginx `location`. A chart's HorizontalPodAutoscaler or ServiceAccount template holds none, and
/// reporting it as not analysed would be a false alarm on every Helm chart.
pub fn may_hold_cors(text: &str) -> bool {
    static EVIDENCE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"(?i:cors(?:[^l]|$)|access-control|accesscontrol)|add_header|more_set_headers|proxy_hide_header|auth_request",
            r"|configuration-snippet|server-snippet|auth-url|(?m:^\s*location\s)",
            r#"|kind["']?\s*:\s*["']?(?:Ingress|Middleware)"#,
        ))
        .ok()
    });
    EVIDENCE.as_ref().is_none_or(|re| re.is_match(text))
}

/// Whether `text` holds template tags at all (`{{ `, `{{-`, `{{.`, `{{$`, `{{/*`, `{% `, `{%-`,
/// `{# `): a Lua table `{{1, 2}}` in an nginx file does not count.
pub fn has_template_syntax(text: &str) -> bool {
    tag_starts(text.as_bytes()).next().is_some()
}

fn tag_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.windows(3).enumerate().filter_map(|(i, w)| match w {
        [b'{', b'{', b' ' | b'-' | b'.' | b'$' | b'/' | b'\n' | b'\t'] => Some(i),
        [b'{', b'%', b' ' | b'-' | b'\n'] | [b'{', b'#', b' ' | b'-' | b'\n'] => Some(i),
        _ => None,
    })
}

/// One tag: where it is, and what it does.
#[derive(Debug)]
struct Tag {
    range: TextRange,
    role: Role,
}

#[derive(Debug, PartialEq, Eq)]
enum Role {
    Expression {
        values: Option<(Vec<String>, bool)>,
    },
    /// Opens a block whose body renders (`if`, `with`, `range`, `for`, `block`).
    Open {
        with_values: Option<Vec<String>>,
    },
    /// Opens a block whose body renders nothing here (`define`, `macro`, `call`'s caller).
    Definition,
    /// `else`, `else if`, `elif`: what follows, up to the block's end, is not rendered.
    Else,
    End,
    /// Comments, assignments, `break`, `continue`, `raw`: nothing rendered.
    Silent,
}

/// Masks the template syntax of `text` for `dialect` (see the module documentation).
pub fn mask(text: &str, dialect: Dialect) -> Masked {
    let bytes = text.as_bytes();
    let tags = scan(bytes);
    let lines = Lines::new(bytes);
    let mut out = bytes.to_vec();
    let mut values = Vec::new();
    // Open blocks: whether each one is being skipped (an else branch, a definition), and the
    // values path `.` stands for inside it.
    let mut stack: Vec<(bool, Option<Vec<String>>)> = Vec::new();
    let skipping = |stack: &[(bool, Option<Vec<String>>)]| stack.iter().any(|(skip, _)| *skip);
    // Where the current skipped region starts, and the tag that started it.
    let mut skip_from: Option<(usize, TextRange)> = None;
    for (index, tag) in tags.iter().enumerate() {
        let was_skipping = skipping(&stack);
        match &tag.role {
            Role::Open { with_values } => {
                let dot = match with_values {
                    Some(path) => Some(resolve_dot(path, &stack)),
                    None => stack.last().and_then(|(_, dot)| dot.clone()),
                };
                stack.push((false, dot));
            }
            Role::Definition => stack.push((true, None)),
            Role::Else => {
                if let Some(top) = stack.last_mut() {
                    top.0 = true;
                }
            }
            Role::End => {
                stack.pop();
            }
            Role::Expression { values: read } if !was_skipping => {
                let dot = stack.last().and_then(|(_, dot)| dot.clone());
                let path = read.as_ref().and_then(|(path, _)| absolute_values_path(path, dot.as_deref()));
                let to_yaml = read.as_ref().is_some_and(|(_, to_yaml)| *to_yaml);
                let alone = alone_on_line(bytes, &lines, &tags, index);
                if alone || path.is_some() {
                    values.push(ValueRef { range: tag.range, path, to_yaml, alone });
                }
            }
            Role::Expression { .. } | Role::Silent => {}
        }
        let now_skipping = skipping(&stack);
        match (was_skipping, now_skipping) {
            (false, true) => skip_from = Some((tag.range.end, tag.range)),
            (true, false) => {
                if let Some((from, _)) = skip_from.take() {
                    blank(&mut out, from, tag.range.start);
                }
            }
            _ => {}
        }
        let alone = || alone_on_line(bytes, &lines, &tags, index);
        match &tag.role {
            Role::Expression { .. } if !was_skipping => match (dialect, alone()) {
                (Dialect::Yaml, true) => blank(&mut out, tag.range.start, tag.range.end),
                (Dialect::Nginx, true) => placeholder(&mut out, tag.range, Shape::Statement),
                (Dialect::Nginx, false) => placeholder(&mut out, tag.range, Shape::Braced),
                (Dialect::Yaml, false) => placeholder(&mut out, tag.range, Shape::Bare),
            },
            _ => blank(&mut out, tag.range.start, tag.range.end),
        }
    }
    if let Some((from, _)) = skip_from {
        blank(&mut out, from, bytes.len());
    }
    // Only ASCII replaced whole characters (UTF-8 continuation bytes are never kept alone).
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Masked { text, values, unclosed: skip_from.map(|(_, tag)| tag) }
}

/// Every tag, in order. An unclosed tag is left as text: the parser reports what it makes of it.
fn scan(bytes: &[u8]) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut from = 0;
    while let Some(start) = tag_starts(bytes.get(from..).unwrap_or(&[])).next().map(|i| i + from) {
        let close: &[u8] = match bytes.get(start + 1) {
            Some(b'%') => b"%}",
            Some(b'#') => b"#}",
            _ => b"}}",
        };
        let Some(end) = closing(bytes, start + 2, close) else {
            from = start + 2;
            continue;
        };
        let inner = String::from_utf8_lossy(bytes.get(start + 2..end - 2).unwrap_or(&[])).into_owned();
        let role = match bytes.get(start + 1) {
            Some(b'#') => Role::Silent,
            Some(b'%') => jinja_statement(&inner),
            _ => go_action(&inner),
        };
        tags.push(Tag { range: TextRange::new(start, end), role });
        from = end;
    }
    tags
}

/// Offset just past `close`, skipping quoted strings inside the tag (`{{ "}}" }}`).
fn closing(bytes: &[u8], from: usize, close: &[u8]) -> Option<usize> {
    let mut i = from;
    let mut quote: Option<u8> = None;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(q) if b == b'\\' && q != b'`' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'"' | b'`' | b'\'') && close == b"}}" => quote = Some(b),
            None if bytes.get(i..i + close.len()) == Some(close) => return Some(i + close.len()),
            None => {}
        }
        i += 1;
    }
    None
}

fn trim_markers(inner: &str) -> &str {
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    inner.trim()
}

fn first_word(s: &str) -> &str {
    s.split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("")
}

/// A Go template action (`{{ … }}`).
fn go_action(inner: &str) -> Role {
    let action = trim_markers(inner);
    if action.starts_with("/*") {
        return Role::Silent;
    }
    match first_word(action) {
        "if" => Role::Open { with_values: None },
        "range" => Role::Open { with_values: None }.unscoped(),
        "with" => Role::Open { with_values: values_operand(action.get(4..).unwrap_or("")).or(Some(Vec::new())) }
            .scoped_or_unknown(),
        "block" => Role::Open { with_values: None },
        "define" => Role::Definition,
        "else" => Role::Else,
        "end" => Role::End,
        "break" | "continue" => Role::Silent,
        _ if is_assignment(action) => Role::Silent,
        _ => Role::Expression { values: values_pipeline(action) },
    }
}

impl Role {
    /// Inside `range`, `.` is an item: nothing known.
    fn unscoped(self) -> Role {
        match self {
            Role::Open { .. } => Role::Open { with_values: Some(vec![UNKNOWN_DOT.to_owned()]) },
            other => other,
        }
    }

    /// `with` on something other than a values path: `.` is unknown inside.
    fn scoped_or_unknown(self) -> Role {
        match self {
            Role::Open { with_values: Some(path) } if path.is_empty() => {
                Role::Open { with_values: Some(vec![UNKNOWN_DOT.to_owned()]) }
            }
            other => other,
        }
    }
}

/// A path segment that makes `.` unknown (`range` items, `with` on a non-values expression).
const UNKNOWN_DOT: &str = "\u{0}";

/// `$x := …`, `$x = …`: nothing is rendered.
fn is_assignment(action: &str) -> bool {
    action.starts_with('$') && (action.contains(":=") || action.split_whitespace().nth(1) == Some("="))
}

/// A Jinja statement (`{% … %}`).
fn jinja_statement(inner: &str) -> Role {
    let statement = trim_markers(inner);
    match first_word(statement) {
        "if" | "for" | "with" | "block" | "filter" | "autoescape" | "trans" => Role::Open { with_values: None },
        "macro" | "call" => Role::Definition,
        // `{% set x %}…{% endset %}` captures its body; `{% set x = 1 %}` has no end.
        "set" if !statement.contains('=') => Role::Definition,
        "elif" | "else" => Role::Else,
        w if w.starts_with("end") => Role::End,
        "include" => Role::Expression { values: None },
        _ => Role::Silent,
    }
}

/// Functions a values pipeline may go through and stay the same value (formatting only).
const FORMATTING: &[&str] = &["toYaml", "quote", "squote", "nindent", "indent", "trim", "toString"];

/// `toYaml .Values.a.b | nindent 4`, `.Values.a | toYaml | indent 2`, `.Values.a.b | quote`,
/// `toYaml .`: the values path read (relative to `.` when it starts with `.` but not `.Values`),
/// and whether `toYaml` renders it.
fn values_pipeline(action: &str) -> Option<(Vec<String>, bool)> {
    let mut path = None;
    let mut to_yaml = false;
    for stage in action.split('|') {
        let mut words = stage.split_whitespace();
        let first = words.next()?;
        if first == "toYaml" {
            to_yaml = true;
        } else if !FORMATTING.contains(&first) {
            path = Some(values_operand(first)?);
            continue;
        }
        for word in words {
            if word.starts_with('.') || word.starts_with('$') {
                path = Some(values_operand(word)?);
            } else if !word.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
        }
    }
    path.map(|p| (p, to_yaml))
}

/// `.Values.a.b` → `["Values", "a", "b"]`; `$.Values.a` the same; `.` → `[]`; `.a` → `["a"]`
/// (relative to the current `.`).
fn values_operand(word: &str) -> Option<Vec<String>> {
    let word = word.trim();
    let word = word.strip_prefix('$').unwrap_or(word);
    if word == "." {
        return Some(Vec::new());
    }
    let rest = word.strip_prefix('.')?;
    let parts: Vec<String> = rest.split('.').map(str::to_owned).collect();
    parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(parts)
}

/// The path `with` makes `.` stand for, from its operand and the enclosing `.`.
fn resolve_dot(operand: &[String], stack: &[(bool, Option<Vec<String>>)]) -> Vec<String> {
    if operand.first().is_some_and(|p| p == "Values" || p == UNKNOWN_DOT) {
        return operand.to_vec();
    }
    let mut dot = stack.last().and_then(|(_, dot)| dot.clone()).unwrap_or_default();
    dot.extend(operand.iter().cloned());
    dot
}

/// The path below `.Values` an operand reads, with `.` resolved; `None` outside the values.
fn absolute_values_path(path: &[String], dot: Option<&[String]>) -> Option<Vec<String>> {
    let full: Vec<String> = match path.first().map(String::as_str) {
        Some("Values") => path.to_vec(),
        _ => dot?.iter().chain(path).cloned().collect(),
    };
    if full.iter().any(|p| p == UNKNOWN_DOT) {
        return None;
    }
    full.strip_prefix(&["Values".to_owned()]).map(<[String]>::to_vec)
}

/// Where each line starts, to find a tag's line without scanning back through a long one.
struct Lines(Vec<usize>);

impl Lines {
    fn new(bytes: &[u8]) -> Self {
        let breaks = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1);
        Lines(std::iter::once(0).chain(breaks).collect())
    }

    /// The start of the line holding `offset`, and the end of the line holding `end` (its `\n`).
    fn around(&self, offset: usize, end: usize, len: usize) -> (usize, usize) {
        let start = self.0.get(self.0.partition_point(|&s| s <= offset).saturating_sub(1)).copied().unwrap_or(0);
        let next = self.0.get(self.0.partition_point(|&s| s <= end)).copied();
        (start, next.map_or(len, |n| n - 1))
    }
}

/// Whether tag `index` is the only thing on its line(s) besides blanks and other tags that render
/// nothing. Only the tags of those lines are looked at (`tags` is in text order).
fn alone_on_line(bytes: &[u8], lines: &Lines, tags: &[Tag], index: usize) -> bool {
    let Some(tag) = tags.get(index) else { return false };
    let (line_start, line_end) = lines.around(tag.range.start, tag.range.end, bytes.len());
    let first = tags.partition_point(|t| t.range.end <= line_start);
    let last = tags.partition_point(|t| t.range.start < line_end);
    let mut at = line_start;
    for (i, other) in tags.iter().enumerate().take(last).skip(first) {
        let between = bytes.get(at..other.range.start.max(at)).unwrap_or(&[]);
        if !between.iter().all(u8::is_ascii_whitespace) {
            return false;
        }
        if i != index && matches!(other.role, Role::Expression { .. }) {
            return false;
        }
        at = other.range.end.max(at);
    }
    bytes.get(at..line_end).unwrap_or(&[]).iter().all(u8::is_ascii_whitespace)
}

/// Spaces over `from..to`, line breaks kept.
fn blank(out: &mut [u8], from: usize, to: usize) {
    for b in out.get_mut(from..to.min(out.len())).unwrap_or(&mut []) {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// What a placeholder must look like where it stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `${___}`: an nginx value.
    Braced,
    /// `${___};`: an nginx statement.
    Statement,
    /// `$____`: a YAML value, where `{` and `}` are flow syntax (`names: [{{ .a }}, {{ .b }}]`,
    /// also across lines).
    Bare,
}

/// A placeholder over the tag (line breaks kept).
fn placeholder(out: &mut [u8], range: TextRange, shape: Shape) {
    let close = match shape {
        Shape::Braced => Some(range.end.saturating_sub(1)),
        Shape::Statement => Some(range.end.saturating_sub(2)),
        Shape::Bare => None,
    };
    // nginx ends `${…}` at a line break: a tag over several lines (`{{- template "location" (dict`,
    // its arguments, `) }}`) keeps the placeholder on its first line, when it fits there.
    let fits = match shape {
        Shape::Braced => 3,
        Shape::Statement => 4,
        Shape::Bare => usize::MAX,
    };
    let first_break = out.get(range.start..range.end.min(out.len())).and_then(|s| s.iter().position(|b| *b == b'\n'));
    let first_line =
        first_break.map(|at| out.get(range.start..range.start + at).map_or(0, |s| s.trim_ascii_end().len()));
    if let Some(length) = first_line.filter(|length| *length >= fits) {
        blank(out, range.start + length, range.end);
        placeholder(out, TextRange::new(range.start, range.start + length), shape);
        return;
    }
    let span = out.get_mut(range.start..range.end.min(out.len())).unwrap_or(&mut []);
    for (offset, b) in span.iter_mut().enumerate().map(|(i, b)| (range.start + i, b)) {
        if *b == b'\n' || *b == b'\r' {
            continue;
        }
        *b = match offset {
            o if o == range.start => b'$',
            o if o == range.start + 1 && shape != Shape::Bare => b'{',
            o if Some(o) == close => b'}',
            o if shape == Shape::Statement && o + 1 == range.end => b';',
            _ => b'_',
        };
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
