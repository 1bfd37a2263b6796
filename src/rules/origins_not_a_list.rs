//! CORS105: a Starlette list setting given a string, a bool, a number or `None`.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::fastapi::{ArgShape, CorsArg};
use crate::rules::{Rule, Sink};

pub struct OriginsNotAList;

/// The CORSMiddleware arguments Starlette iterates or tests with `in`.
const LIST_ARGS: &[&str] = &["allow_origins", "allow_methods", "allow_headers", "expose_headers"];

impl Rule for OriginsNotAList {
    const CODE: &'static str = "CORS105";
    const NAME: &'static str = "origins-not-a-list";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        for setup in project.apps.iter().flat_map(|a| &a.cors) {
            for arg in setup.args.iter().filter(|a| LIST_ARGS.contains(&a.name.as_str())) {
                let Some((message, help)) = explain(arg) else { continue };
                let diagnostic = sink.report(arg.span, message).help(help).primary(primary(&arg.shape));
                if !(arg.value_span.file == arg.span.file
                    && arg.span.start() <= arg.value_span.start()
                    && arg.value_span.end() <= arg.span.end())
                {
                    diagnostic.label(arg.value_span, "the value is written here");
                }
            }
        }
    }
}

fn primary(shape: &ArgShape) -> &'static str {
    match shape {
        ArgShape::Str(_) => "a `str`, not a list",
        ArgShape::EnvStr => "a `str` from the environment, not a list",
        _ => "not a list of strings",
    }
}

/// The message and help for one argument, or `None` when it is fine.
fn explain(arg: &CorsArg) -> Option<(String, String)> {
    let name = arg.name.as_str();
    match &arg.shape {
        // `"*"` behaves exactly like `["*"]` in every one of these settings.
        ArgShape::Str(Some(s)) if s.trim() == "*" => None,
        ArgShape::Str(content) => Some(string_message(name, content.as_deref())),
        ArgShape::EnvStr => Some((
            format!(
                "`{name}` gets `os.getenv(...)`, which is a `str` (or `None`), never a list: {}",
                string_effect(name, None)
            ),
            format!(
                "split it into a list: `{name}=[v.strip() for v in os.getenv(\"...\", \"\").split(\",\") if v.strip()]`"
            ),
        )),
        ArgShape::Bool(_) | ArgShape::Number | ArgShape::NoneValue => Some((
            format!(
                "`{name}` is not a list: Starlette evaluates `\"*\" in {name}` (or joins it) when it builds the middleware \
                 stack, raises `TypeError`, and every request fails with a 500"
            ),
            format!("pass a list of strings, e.g. `{name}={}`", example(name)),
        )),
        _ => None,
    }
}

fn string_message(name: &str, content: Option<&str>) -> (String, String) {
    let message = format!("`{name}` is a string, not a list: {}", string_effect(name, content));
    let help = match content.map(split_list) {
        Some(items) if !items.is_empty() => {
            let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
            format!("write a list: `{name}=[{}]`", quoted.join(", "))
        }
        _ => format!("write a list: `{name}={}`", example(name)),
    };
    (message, help)
}

/// What Starlette does with a `str` in this setting.
fn string_effect(name: &str, content: Option<&str>) -> String {
    match name {
        "allow_origins" => match content {
            Some(s) if s.contains('*') => {
                "Starlette tests `\"*\" in allow_origins`, which is true for any string containing `*`, so every \
                 origin is allowed"
                    .to_string()
            }
            Some(s) => match split_list(s).first().filter(|o| o.chars().count() > 1) {
                Some(first) => {
                    let shorter: String = first.chars().take(first.chars().count() - 1).collect();
                    format!(
                        "Starlette tests `origin in allow_origins`, a substring match, so `{shorter}` (and any other \
                         part of the string) is allowed too"
                    )
                }
                None => "Starlette tests `origin in allow_origins`, a substring match".to_string(),
            },
            None => "Starlette tests `origin in allow_origins`, a substring match, so a value like \
                     `https://a.com,https://b.com` also allows `https://a.co`"
                .to_string(),
        },
        "allow_methods" => "Starlette checks the requested method with a substring test and sends the string's \
                            characters as `Access-Control-Allow-Methods: G, E, T, ...`, where browsers find no method, \
                            so preflights for non-simple methods fail"
            .to_string(),
        "allow_headers" => match content.map(split_list).and_then(|items| items.into_iter().next()) {
            Some(first) => {
                let letters: Vec<String> =
                    first.chars().take(3).map(|c| format!("`{}`", c.to_ascii_lowercase())).collect();
                format!(
                    "Starlette iterates over its characters and allows the one-letter headers {}, ..., never `{first}`, \
                     so preflights that ask for it get 400 `Disallowed CORS headers`",
                    letters.join(", ")
                )
            }
            None => {
                "Starlette iterates over its characters and allows one-letter headers only, so preflights that ask \
                     for a real header get 400 `Disallowed CORS headers`"
                    .to_string()
            }
        },
        _ => "Starlette joins its characters into `Access-Control-Expose-Headers: X, -, T, ...`, so the browser \
              exposes none of the headers meant"
            .to_string(),
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ' ']).map(str::trim).filter(|i| !i.is_empty()).map(str::to_string).collect()
}

fn example(name: &str) -> &'static str {
    match name {
        "allow_origins" => "[\"https://app.example.com\"]",
        "allow_methods" => "[\"GET\", \"POST\"]",
        "allow_headers" => "[\"Authorization\", \"Content-Type\"]",
        _ => "[\"X-Total-Count\"]",
    }
}
