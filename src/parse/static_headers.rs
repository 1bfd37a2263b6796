//! Response headers a hosting platform adds from a configuration file: Vercel's `vercel.json`
//! `headers`, Netlify's `netlify.toml` `[[headers]]` and its `_headers` file. Each file becomes a
//! list of [`HeaderRule`]s (a path pattern and the headers sent on it), every value with its byte
//! range. Next.js `headers()` in `next.config.*` has the same shape and is read from the
//! JavaScript tree by extraction, into the same types.
//!
//! What the platforms do with the rules is the layer's (`model::layer::static_headers`); here is
//! only their syntax.

use crate::parse::ParseError;
use crate::source::TextRange;

/// Which platform's file a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// `vercel.json` `headers`.
    Vercel,
    /// `netlify.toml` `[[headers]]`.
    NetlifyToml,
    /// Netlify's `_headers` file.
    NetlifyFile,
    /// Next.js `headers()` in `next.config.*` (read by extraction from the JavaScript tree).
    Next,
}

/// One rule: the responses it matches and the headers it adds to them.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderRule {
    /// The path pattern as written (`source`, `for`, a `_headers` path line); `None` when it is
    /// not a literal.
    pub path: Option<Literal>,
    /// The rule has `has`/`missing` conditions: it applies only to the requests they select.
    pub conditional: bool,
    pub headers: Vec<Header>,
    /// The whole rule (the object, the table, the path line and its headers).
    pub range: TextRange,
}

/// One header of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The header name as written.
    pub name: String,
    pub name_range: TextRange,
    /// The value, `None` when it is not a literal (an environment variable, a call).
    pub value: Option<Literal>,
    /// The whole entry (`{ key, value }`, `Name = "value"`, `Name: value`).
    pub range: TextRange,
}

/// A string and where it is written; `verbatim_start` is the offset of its first character when
/// the source spells it byte for byte (no escapes), so a position inside it can be pointed at.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub value: String,
    pub range: TextRange,
    pub verbatim_start: Option<usize>,
}

/// The header rules of one platform file.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticHeaders {
    pub platform: Platform,
    pub rules: Vec<HeaderRule>,
}

/// The platform a file name belongs to (`vercel.json`, `netlify.toml`, `_headers`, lower case).
pub fn platform_of(lower_name: &str) -> Option<Platform> {
    match lower_name {
        "vercel.json" => Some(Platform::Vercel),
        "netlify.toml" => Some(Platform::NetlifyToml),
        "_headers" => Some(Platform::NetlifyFile),
        _ => None,
    }
}

/// Parses a platform file. A file the platform would refuse comes back with its error and the
/// rules read before it.
pub fn parse(platform: Platform, text: &str) -> (StaticHeaders, Vec<ParseError>) {
    let (rules, errors) = match platform {
        Platform::Vercel => vercel(text),
        Platform::NetlifyToml => netlify_toml(text),
        Platform::NetlifyFile => (netlify_file(text), Vec::new()),
        Platform::Next => (Vec::new(), Vec::new()),
    };
    (StaticHeaders { platform, rules }, errors)
}

/// A value that names an environment variable (`${VERCEL_URL}`, `$URL`): what it becomes is not
/// in the repository (the catalog's rule for placeholders), so it is not a literal.
pub fn is_placeholder(value: &str) -> bool {
    value.contains("${") || value.trim_start().starts_with('$')
}

/// A string literal written between quotes at `range`, decoded to `value`.
pub fn quoted_literal(text: &str, value: String, range: TextRange) -> Option<Literal> {
    if is_placeholder(&value) {
        return None;
    }
    let inner = range.start + 1..range.end.saturating_sub(1);
    let verbatim = inner.start <= inner.end && text.get(inner.clone()) == Some(value.as_str());
    Some(Literal { value, range, verbatim_start: verbatim.then_some(inner.start) })
}

fn vercel(text: &str) -> (Vec<HeaderRule>, Vec<ParseError>) {
    use super::json_spans::{Json, JsonKind};
    let root = match super::json_spans::parse(text) {
        Ok(root) => root,
        Err(error) => return (Vec::new(), vec![error]),
    };
    let string = |node: &Json| match &node.kind {
        JsonKind::String(s) => quoted_literal(text, s.clone(), node.range),
        _ => None,
    };
    let mut rules = legacy_routes(&root, &string);
    let Some(JsonKind::Array(items)) = root.get("headers").map(|h| &h.kind) else { return (rules, Vec::new()) };
    for item in items {
        let mut rule = HeaderRule {
            path: item.get("source").and_then(string),
            conditional: item.get("has").is_some() || item.get("missing").is_some(),
            headers: Vec::new(),
            range: item.range,
        };
        if let Some(JsonKind::Array(headers)) = item.get("headers").map(|h| &h.kind) {
            for entry in headers {
                let Some(JsonKind::String(name)) = entry.get("key").map(|k| &k.kind) else {
                    continue;
                };
                let name_range = entry.get("key").map_or(entry.range, |k| k.range);
                let value = entry.get("value").and_then(string);
                rule.headers.push(Header { name: name.clone(), name_range, value, range: entry.range });
            }
        }
        rules.push(rule);
    }
    (rules, Vec::new())
}

/// Vercel's legacy `routes`: `{ "src": "/(.*)", "headers": { "Name": "value" }, "dest": … }`
/// (<https://vercel.com/docs/project-configuration#routes>), which older projects still use.
fn legacy_routes(
    root: &super::json_spans::Json,
    string: &dyn Fn(&super::json_spans::Json) -> Option<Literal>,
) -> Vec<HeaderRule> {
    use super::json_spans::JsonKind;
    let Some(JsonKind::Array(routes)) = root.get("routes").map(|r| &r.kind) else { return Vec::new() };
    let mut rules = Vec::new();
    for route in routes {
        let Some(JsonKind::Object(headers)) = route.get("headers").map(|h| &h.kind) else { continue };
        let headers = headers
            .iter()
            .map(|(name, name_range, value)| Header {
                name: name.clone(),
                name_range: *name_range,
                value: string(value),
                range: name_range.cover(value.range),
            })
            .collect();
        rules.push(HeaderRule {
            path: route.get("src").and_then(string),
            conditional: route.get("has").is_some() || route.get("missing").is_some(),
            headers,
            range: route.range,
        });
    }
    rules
}

fn netlify_toml(text: &str) -> (Vec<HeaderRule>, Vec<ParseError>) {
    use toml::de::{DeTable, DeValue};
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let at = error.span().map_or(0, |s| s.start);
            let message = format!("not TOML: {}", error.message());
            return (Vec::new(), vec![ParseError::new(message, TextRange::new(at, at))]);
        }
    };
    let range = |span: std::ops::Range<usize>| TextRange::new(span.start, span.end);
    let functions = function_rewrites(document.get_ref());
    let mut rules = Vec::new();
    let Some(DeValue::Array(tables)) = document.get_ref().get("headers").map(|h| h.get_ref()) else {
        return (rules, Vec::new());
    };
    for table in tables {
        let DeValue::Table(table) = table.get_ref() else { continue };
        let path = table.get("for").and_then(|f| match f.get_ref() {
            DeValue::String(s) => quoted_literal(text, s.to_string(), range(f.span())),
            _ => None,
        });
        if path.as_ref().is_some_and(|p| is_function_path(&p.value) || functions.contains(&p.value)) {
            continue;
        }
        let mut rule = HeaderRule {
            path,
            conditional: false,
            headers: Vec::new(),
            range: range(
                table
                    .values()
                    .map(|v| v.span())
                    .fold(0..0, |a, b| if a.is_empty() { b } else { a.start.min(b.start)..a.end.max(b.end) }),
            ),
        };
        if let Some(DeValue::Table(values)) = table.get("values").map(|v| v.get_ref()) {
            for (name, value) in values {
                let value_literal = match value.get_ref() {
                    DeValue::String(s) => quoted_literal(text, s.to_string(), range(value.span())),
                    _ => None,
                };
                let name_range = range(name.span());
                rule.headers.push(Header {
                    name: name.get_ref().to_string(),
                    name_range,
                    value: value_literal,
                    range: name_range.cover(range(value.span())),
                });
            }
        }
        rules.push(rule);
    }
    (rules, Vec::new())
}

/// Netlify applies custom headers only to files it serves from its own store, "not to proxied
/// content or a URL handled by a function" (<https://docs.netlify.com/manage/routing/headers/>):
/// a rule for a function's path is never sent, so it is left out.
fn is_function_path(path: &str) -> bool {
    path.starts_with("/.netlify/")
}

/// The `from` paths of `[[redirects]]` that hand the request to a function.
fn function_rewrites(document: &toml::de::DeTable<'_>) -> Vec<String> {
    use toml::de::DeValue;
    let Some(DeValue::Array(redirects)) = document.get("redirects").map(|r| r.get_ref()) else { return Vec::new() };
    let field = |table: &toml::de::DeTable<'_>, key: &str| match table.get(key).map(|v| v.get_ref()) {
        Some(DeValue::String(s)) => Some(s.to_string()),
        _ => None,
    };
    redirects
        .iter()
        .filter_map(|r| match r.get_ref() {
            DeValue::Table(t) if field(t, "to").is_some_and(|to| is_function_path(&to)) => field(t, "from"),
            _ => None,
        })
        .collect()
}

/// Netlify's `_headers`: a path line (starting with `/` or a full URL), then indented
/// `Name: value` lines; `#` starts a comment line.
fn netlify_file(text: &str) -> Vec<HeaderRule> {
    let mut rules: Vec<HeaderRule> = Vec::new();
    let mut skipping = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lead = content.len() - content.trim_start().len();
        let indented = lead > 0;
        if !indented {
            let range = TextRange::new(start + lead, start + lead + trimmed.len());
            // A function's headers are never sent: its lines are passed over.
            skipping = is_function_path(trimmed);
            if skipping {
                continue;
            }
            let path = Literal { value: trimmed.to_owned(), range, verbatim_start: Some(range.start) };
            rules.push(HeaderRule { path: Some(path), conditional: false, headers: Vec::new(), range });
            continue;
        }
        if skipping {
            continue;
        }
        let Some(rule) = rules.last_mut() else { continue };
        let Some((name, value)) = trimmed.split_once(':') else { continue };
        let name_start = start + lead;
        let name_range = TextRange::new(name_start, name_start + name.trim_end().len());
        let value_text = value.trim();
        let value_start = name_start + name.len() + 1 + (value.len() - value.trim_start().len());
        let value_range = TextRange::new(value_start, value_start + value_text.len());
        let literal = (!is_placeholder(value_text)).then(|| Literal {
            value: value_text.to_owned(),
            range: value_range,
            verbatim_start: Some(value_start),
        });
        let entry = TextRange::new(name_start, name_start + trimmed.len());
        rule.headers.push(Header { name: name.trim().to_owned(), name_range, value: literal, range: entry });
        rule.range = rule.range.cover(entry);
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, range: TextRange) -> &str {
        &text[range.start..range.end]
    }

    #[test]
    fn vercel_rules_with_spans() {
        let text = r#"{
  "rewrites": [{ "source": "/(.*)", "destination": "/" }],
  "headers": [
    {
      "source": "/api/(.*)",
      "has": [{ "type": "header", "key": "origin" }],
      "headers": [
        { "key": "Access-Control-Allow-Origin", "value": "*" },
        { "key": "Access-Control-Allow-Credentials", "value": "tr\u0075e" }
      ]
    }
  ]
}"#;
        let (parsed, errors) = parse(Platform::Vercel, text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed.rules.len(), 1);
        let rule = &parsed.rules[0];
        assert!(rule.conditional);
        let path = rule.path.as_ref().expect("a source");
        assert_eq!((path.value.as_str(), at(text, path.range)), ("/api/(.*)", "\"/api/(.*)\""));
        assert_eq!(rule.headers.len(), 2);
        let origin = rule.headers[0].value.as_ref().expect("a value");
        assert_eq!(at(text, origin.range), "\"*\"");
        assert_eq!(origin.verbatim_start, Some(origin.range.start + 1));
        let credentials = rule.headers[1].value.as_ref().expect("a value");
        assert_eq!(credentials.value, "true");
        assert_eq!(credentials.verbatim_start, None, "an escape is not verbatim");
    }

    #[test]
    fn vercel_legacy_routes_and_placeholders() {
        let text = r#"{ "routes": [{ "src": "/(.*)", "dest": "server.js", "headers": { "Access-Control-Allow-Origin": "http://localhost:3000/", "Access-Control-Allow-Credentials": "${CREDS}" } }] }"#;
        let (parsed, _) = parse(Platform::Vercel, text);
        assert_eq!(parsed.rules.len(), 1);
        let rule = &parsed.rules[0];
        assert_eq!(rule.path.as_ref().map(|p| p.value.as_str()), Some("/(.*)"));
        assert_eq!(rule.headers[0].value.as_ref().map(|v| v.value.as_str()), Some("http://localhost:3000/"));
        assert_eq!(rule.headers[1].value, None, "a placeholder is not a literal");
        let (file, _) = parse(Platform::NetlifyFile, "/*\n  Access-Control-Allow-Origin: $URL\n");
        assert_eq!(file.rules[0].headers[0].value, None);
    }

    #[test]
    fn invalid_vercel_json_is_an_error() {
        let (parsed, errors) = parse(Platform::Vercel, "{ \"headers\": [ }");
        assert!(parsed.rules.is_empty());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn netlify_toml_rules_with_spans() {
        let text = "[build]\ncommand = \"npm run build\"\n\n[[headers]]\n  for = \"/api/*\"\n  [headers.values]\n    \
                    Access-Control-Allow-Origin = \"https://app.example.com/\"\n    Access-Control-Max-Age = \"86400\"\n";
        let (parsed, errors) = parse(Platform::NetlifyToml, text);
        assert!(errors.is_empty(), "{errors:?}");
        let rule = &parsed.rules[0];
        assert_eq!(rule.path.as_ref().map(|p| p.value.as_str()), Some("/api/*"));
        let names: Vec<&str> = rule.headers.iter().map(|h| at(text, h.name_range)).collect();
        assert!(names.contains(&"Access-Control-Allow-Origin"), "{names:?}");
        let origin =
            rule.headers.iter().find(|h| h.name == "Access-Control-Allow-Origin").and_then(|h| h.value.as_ref());
        assert_eq!(origin.map(|o| at(text, o.range)), Some("\"https://app.example.com/\""));
    }

    /// Netlify does not apply custom headers to functions: such rules are left out.
    #[test]
    fn netlify_function_paths_are_not_rules() {
        let text = "[[redirects]]\nfrom = \"/api/*\"\nto = \"/.netlify/functions/:splat\"\nstatus = 200\n\n\
                    [[headers]]\nfor = \"/api/*\"\n[headers.values]\nAccess-Control-Allow-Origin = \"*\"\n\n\
                    [[headers]]\nfor = \"/.netlify/functions/*\"\n[headers.values]\nAccess-Control-Allow-Origin = \"*\"\n\n\
                    [[headers]]\nfor = \"/static/*\"\n[headers.values]\nAccess-Control-Allow-Origin = \"*\"\n";
        let (parsed, errors) = parse(Platform::NetlifyToml, text);
        assert!(errors.is_empty(), "{errors:?}");
        let paths: Vec<&str> = parsed.rules.iter().filter_map(|r| r.path.as_ref()).map(|p| p.value.as_str()).collect();
        assert_eq!(paths, ["/static/*"]);
        let (file, _) = parse(Platform::NetlifyFile, "/.netlify/functions/*\n  Access-Control-Allow-Origin: *\n");
        assert!(file.rules.iter().all(|r| r.headers.is_empty()));
    }

    #[test]
    fn invalid_toml_is_an_error() {
        let (_, errors) = parse(Platform::NetlifyToml, "[[headers]]\nfor = \n");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn headers_file_rules_with_spans() {
        let text = "# comment\n/api/*\n  Access-Control-Allow-Origin: *\n  X-Frame-Options: DENY\n/*\n  Access-Control-Max-Age:  86400 \n";
        let (parsed, _) = parse(Platform::NetlifyFile, text);
        assert_eq!(parsed.rules.len(), 2);
        assert_eq!(parsed.rules[0].headers.len(), 2);
        let origin = parsed.rules[0].headers[0].value.as_ref().expect("a value");
        assert_eq!((origin.value.as_str(), at(text, origin.range)), ("*", "*"));
        let age = parsed.rules[1].headers[0].value.as_ref().expect("a value");
        assert_eq!(at(text, age.range), "86400");
        assert_eq!(at(text, parsed.rules[1].headers[0].name_range), "Access-Control-Max-Age");
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for text in
            ["", "{", "[[headers]]", "  : x\n", "/a\n  :\n", "{\"headers\": [1, {\"headers\": [2]}]}", "\u{feff}é"]
        {
            for platform in [Platform::Vercel, Platform::NetlifyToml, Platform::NetlifyFile] {
                let _ = parse(platform, text);
            }
        }
    }
}
