//! Starlette's `CORSMiddleware` (also FastAPI's re-export), semantics.md section 1.

use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::model::CorsPolicy;
use crate::model::app::{ArgShape, CorsArg, Install, OriginNoteKind};

pub struct Starlette;

/// Starlette's `CORSMiddleware` keywords, which Litestar's `CORSConfig` shares.
pub(super) fn setting_name(field: Field) -> &'static str {
    match field {
        Field::Origins => "allow_origins",
        Field::Methods => "allow_methods",
        Field::Headers => "allow_headers",
        Field::ExposeHeaders => "expose_headers",
        Field::MaxAge => "max_age",
    }
}

impl LayerSpec for Starlette {
    fn name(&self) -> &'static str {
        "Starlette"
    }

    fn label(&self) -> &'static str {
        "FastAPI/Starlette"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        super::python_keyword(self.setting_name(field), field, values)
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        Some(format!("allow_origin_regex=r\"{regex}\""))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "Starlette answers every origin with `Access-Control-Allow-Origin: <that origin>` and \
                      `Access-Control-Allow-Credentials: true`: any website can read responses sent with the user's \
                      cookies (Starlette 1.0 and later for every request, 0.15 to 0.52 for every request that carries \
                      a cookie)"
                .to_owned(),
            help: format!(
                "list the origins of your frontends, e.g. {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "Starlette echoes the request's `Origin` in `Access-Control-Allow-Origin` without an allowlist".to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, e.g. {}, or an anchored regex such as \
             allow_origin_regex=r\"https://[a-z0-9-]+\\.example\\.com\"",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }

    /// Starlette expands `allow_methods=["*"]` and mirrors the requested headers for `["*"]`.
    fn sends_star_as_written(&self, _field: Field) -> bool {
        false
    }

    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        Some(&Starlette)
    }
}

impl AppLayerSpec for Starlette {
    fn component(&self) -> &'static str {
        "CORSMiddleware"
    }

    fn app_kind(&self) -> &'static str {
        "Starlette"
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["allow_origins", "allow_origin_regex"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        setting_name(field)
    }

    fn wrong_type(&self, arg: &CorsArg, install: Install) -> Option<Advice> {
        not_a_list(arg, install)
    }

    fn never_an_origin(&self, kind: OriginNoteKind) -> Advice {
        match kind {
            // Starlette reads a `*` entry as every origin: `WildcardInList` is never noted for it.
            OriginNoteKind::NestedList | OriginNoteKind::WildcardInList => Advice {
                message: "a list inside `allow_origins`: Starlette compares the request's origin with this inner \
                          list, which is never equal, so none of its origins is ever allowed"
                    .to_owned(),
                help: "pass the list itself, e.g. allow_origins=os.environ[\"ORIGINS\"].split(\",\")".to_owned(),
            },
            OriginNoteKind::UrlObject | OriginNoteKind::UrlTrailingSlash | OriginNoteKind::RefusedAtStartup => Advice {
                message: "a pydantic URL object, not a string: Starlette checks `origin in allow_origins`, and a URL \
                          object never equals the request's origin string, so this origin is never allowed"
                    .to_owned(),
                help: "convert and strip the `/` pydantic adds: [str(o).rstrip(\"/\") for o in \
                       settings.BACKEND_CORS_ORIGINS]"
                    .to_owned(),
            },
        }
    }

    fn preflight_refusal(&self, field: Field) -> &'static str {
        match field {
            Field::Headers => "400 `Disallowed CORS headers`",
            _ => "400 `Disallowed CORS method`",
        }
    }

    fn methods_case_sensitive(&self) -> bool {
        true
    }

    fn always_allowed_headers(&self) -> &'static [&'static str] {
        &["accept", "accept-language", "content-language", "content-type"]
    }

    fn outer_raise(&self) -> &'static str {
        "Starlette's `ServerErrorMiddleware` turns that into a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "Starlette answers the preflight with an error (400 from `on_error`, or a 500)"
    }

    fn move_outermost(&self, outer_install: Install, cors_install: Install) -> &'static str {
        match (outer_install, cors_install) {
            (_, Install::MiddlewareList) | (Install::Wrap, _) => {
                "install CORSMiddleware outermost (`app.add_middleware(CORSMiddleware, ...)` after every other \
                 middleware, or wrap the finished app: `app = CORSMiddleware(app, ...)`)"
            }
            _ => {
                "add CORSMiddleware last, after every other `add_middleware` call and `@app.middleware` function, so \
                 it is the outermost middleware"
            }
        }
    }

    fn pass_preflights(&self) -> &'static str {
        "`if request.method == \"OPTIONS\": return await call_next(request)`"
    }
}

/// The CORSMiddleware arguments Starlette iterates or tests with `in`.
const LIST_ARGS: &[&str] = &["allow_origins", "allow_methods", "allow_headers", "expose_headers"];

/// CORS105: a list setting given a string, a bool, a number or `None`.
fn not_a_list(arg: &CorsArg, install: Install) -> Option<Advice> {
    let name = arg.name.as_str();
    if !LIST_ARGS.contains(&name) {
        return None;
    }
    let (message, help) = match &arg.shape {
        // `"*"` behaves exactly like `["*"]` in every one of these settings.
        ArgShape::Str(Some(s)) if s.trim() == "*" => return None,
        ArgShape::Str(content) => string_message(name, content.as_deref()),
        ArgShape::EnvStr => (
            format!(
                "`{name}` gets `os.getenv(...)`, which is a `str` (or `None`), never a list: {}",
                string_effect(name, None)
            ),
            format!(
                "split it into a list: `{name}=[v.strip() for v in os.getenv(\"...\", \"\").split(\",\") if v.strip()]`"
            ),
        ),
        ArgShape::Bool(_) | ArgShape::Number | ArgShape::NoneValue => (
            match install {
                // `CORSMiddleware(app, ...)` runs `__init__` at import: the app never starts.
                Install::Wrap => format!(
                    "`{name}` is not a list: `CORSMiddleware(app, ...)` evaluates `\"*\" in {name}` (or joins it) \
                     when the module is imported, raises `TypeError`, and the app never starts"
                ),
                _ => format!(
                    "`{name}` is not a list: Starlette evaluates `\"*\" in {name}` (or joins it) when it builds the \
                     middleware stack, raises `TypeError`, and every request fails with a 500"
                ),
            },
            format!("pass a list of strings, e.g. `{name}={}`", example(name)),
        ),
        _ => return None,
    };
    Some(Advice { message, help })
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
