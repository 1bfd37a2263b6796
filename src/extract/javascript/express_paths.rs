//! Express 5's route paths. Its router (router 2) parses every path with path-to-regexp 8, which
//! throws a `PathError` for Express 4's syntax: an unnamed wildcard (`*`, `/api/*`), a regex group
//! (`(.*)`), `?`/`+` modifiers (`/:id?`), an unbalanced brace. `app.options("*", cors())` then throws
//! when it runs, at start-up, and the app never serves a request. Express 4 (path-to-regexp 0.1)
//! accepts all of them. Checked on express 5.1.0 and 4.21.2 (tests/ground_truth/node).

use crate::model::app::StartupRefusal;
use crate::model::versions::Pin;
use crate::source::Span;

/// A path string given to a route or `use` call that installs `cors()`.
pub(super) struct CorsPath {
    pub span: Span,
    pub path: String,
    /// `options`, `use`, `all`, ...
    pub method: String,
}

impl CorsPath {
    /// What Express `pin` does with the path at start-up, when it refuses it. Only where a
    /// manifest says Express 5 is installed (a range that allows it, `latest`, `*`): a file seen
    /// without its `package.json` may well run on Express 4, and an app that does not start is
    /// not a claim to make from a guess.
    pub(super) fn refusal(&self, pin: &Pin) -> Option<StartupRefusal> {
        if pin.major < 5 || pin.evidence.is_none() {
            return None;
        }
        let why = path_to_regexp_8_error(&self.path)?;
        let (path, method) = (&self.path, &self.method);
        let message = format!(
            "{}: the router cannot parse the path `{path}` (path-to-regexp 8: {why}), so `app.{method}(...)` throws a \
             `PathError` at start-up and the app never serves a request, preflights included",
            pin.describe()
        );
        let help = match named_wildcard(path) {
            // `use` matches every path below its mount point: the prefix is all it needs.
            Some(named) if method == "use" => match named.trim_end_matches("/{*splat}") {
                "" => "drop the path: `app.use(cors(...))` runs for every request".to_owned(),
                prefix => {
                    format!("mount it on the prefix: `app.use(\"{prefix}\", cors(...))` runs for every path below it")
                }
            },
            Some(named) => format!(
                "name the wildcard as Express 5 requires: `app.{method}(\"{named}\", cors(...))` (the braces make it \
                 optional, so the path without a tail matches too); Express 4 accepted the unnamed `*`"
            ),
            None => "write the path in Express 5's syntax: a wildcard needs a name (`/*splat`, or `/{*splat}` to \
                     match `/` too), optional parts go in braces (`/user{/:id}`), regex groups are gone"
                .to_owned(),
        };
        Some(StartupRefusal { span: self.span, message, help })
    }
}

/// Express 4's catch-all paths in Express 5's spelling: `*` → `/{*splat}`, `/api/*` → `/api/{*splat}`.
fn named_wildcard(path: &str) -> Option<String> {
    let prefix = path.strip_suffix('*')?.trim_end_matches('/');
    if prefix.contains(['*', '(', ')', '[', ']', '?', '+', '!', '{', '}', ':', '\\']) {
        return None;
    }
    Some(format!("{prefix}/{{*splat}}"))
}

/// path-to-regexp 8.x `parse`: why it throws for `path` (its message), or `None` when it accepts it.
fn path_to_regexp_8_error(path: &str) -> Option<String> {
    let chars: Vec<char> = path.chars().collect();
    let mut index = 0;
    consume_until(&chars, &mut index, None).err()
}

fn consume_until(chars: &[char], index: &mut usize, end: Option<char>) -> Result<(), String> {
    while let Some(&value) = chars.get(*index) {
        *index += 1;
        if Some(value) == end {
            return Ok(());
        }
        match value {
            '\\' => {
                if *index == chars.len() {
                    return Err(format!("Unexpected end after \\ at index {index}"));
                }
                *index += 1;
            }
            ':' | '*' => match parameter_name(chars, index)? {
                true => {}
                false => return Err(format!("Missing parameter name at index {index}")),
            },
            '{' => consume_until(chars, index, Some('}'))?,
            '}' | '(' | ')' | '[' | ']' | '+' | '?' | '!' => {
                return Err(format!("Unexpected {value} at index {}", *index - 1));
            }
            _ => {}
        }
    }
    match end {
        Some(end) => Err(format!("Unexpected end at index {index}, expected {end}")),
        None => Ok(()),
    }
}

/// Reads the name after `:` or `*`: an identifier or a quoted name; whether there was one.
fn parameter_name(chars: &[char], index: &mut usize) -> Result<bool, String> {
    let id_start = |c: char| c == '$' || c == '_' || c.is_alphabetic();
    let id_continue = |c: char| c == '$' || c == '_' || c == '\u{200c}' || c == '\u{200d}' || c.is_alphanumeric();
    match chars.get(*index) {
        Some(&c) if id_start(c) => {
            while chars.get(*index).is_some_and(|&c| id_continue(c)) {
                *index += 1;
            }
            Ok(true)
        }
        Some('"') => {
            let quote = *index;
            let mut named = false;
            loop {
                *index += 1;
                match chars.get(*index) {
                    None => return Err(format!("Unterminated quote at index {quote}")),
                    Some('"') => {
                        *index += 1;
                        return Ok(named);
                    }
                    Some('\\') => *index += 1,
                    Some(_) => {}
                }
                named = true;
            }
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What express 5.1.0 (path-to-regexp 8.4.2) answered for each path, run on node.
    #[test]
    fn paths_are_refused_as_express_5_refuses_them() {
        for (path, error) in [
            ("*", Some("Missing parameter name at index 1")),
            ("/*", Some("Missing parameter name at index 2")),
            ("/api/*", Some("Missing parameter name at index 6")),
            ("(.*)", Some("Unexpected ( at index 0")),
            ("/api/(.*)", Some("Unexpected ( at index 5")),
            ("/:path*", Some("Missing parameter name at index 7")),
            ("/user/:id?", Some("Unexpected ? at index 9")),
            ("/a+", Some("Unexpected + at index 2")),
            ("/a!", Some("Unexpected ! at index 2")),
            ("/a[b]", Some("Unexpected [ at index 2")),
            ("/a/*1", Some("Missing parameter name at index 4")),
            ("/a{", Some("Unexpected end at index 3, expected }")),
            ("/a}", Some("Unexpected } at index 2")),
            ("/{*splat}", None),
            ("/*splat", None),
            ("*splat", None),
            ("/api/*path", None),
            ("/a\\*", None),
            ("/a\\(x\\)", None),
            ("/:\"quoted\"", None),
            ("/a/*_x", None),
            ("/a/*$x", None),
            ("/a*b", None),
            ("/a/{:id}", None),
            ("/:é", None),
            ("/api/items", None),
        ] {
            assert_eq!(path_to_regexp_8_error(path).as_deref(), error, "{path}");
        }
    }

    #[test]
    fn catch_all_paths_get_a_named_wildcard() {
        assert_eq!(named_wildcard("*").as_deref(), Some("/{*splat}"));
        assert_eq!(named_wildcard("/*").as_deref(), Some("/{*splat}"));
        assert_eq!(named_wildcard("/api/*").as_deref(), Some("/api/{*splat}"));
        assert_eq!(named_wildcard("/api/(.*)"), None);
    }
}
