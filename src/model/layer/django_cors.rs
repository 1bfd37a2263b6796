//! django-cors-headers (`CorsMiddleware` and the `CORS_*` settings), semantics.md section 4 and
//! corsheaders/middleware.py, checks.py (4.9.0).
//!
//! `CORS_ALLOWED_ORIGINS` entries are compared by scheme and netloc only (`urlsplit`), so a path
//! or trailing `/` does not stop a match; `CORS_ALLOWED_ORIGIN_REGEXES` are `re.match`ed (anchored
//! at the start only). `CORS_ALLOW_ALL_ORIGINS` sends `*`, or, with `CORS_ALLOW_CREDENTIALS`,
//! echoes the request's origin. Its system checks (E001-E015) refuse bad types and origins, but
//! they run under `manage.py` (`runserver`, `migrate`, `check`), not under a WSGI/ASGI server.

use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::model::CorsPolicy;
use crate::model::app::{ArgShape, CorsArg, Install, OriginNoteKind};

pub struct DjangoCors;

impl LayerSpec for DjangoCors {
    fn name(&self) -> &'static str {
        "django-cors-headers"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        let key = self.setting_name(field);
        if field == Field::MaxAge {
            format!("{key} = {}", values.join(""))
        } else {
            let items: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            format!("{key} = [{}]", items.join(", "))
        }
    }

    /// `re.match` anchors only the start: the `$` must be written.
    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$');
        Some(format!("CORS_ALLOWED_ORIGIN_REGEXES = [r\"^{body}$\"]"))
    }

    /// `CORS_ALLOW_ALL_ORIGINS` with `CORS_ALLOW_CREDENTIALS` echoes the origin instead of `*`.
    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "django-cors-headers answers every origin with `Access-Control-Allow-Origin: <that origin>` \
                      and `Access-Control-Allow-Credentials: true` (`CORS_ALLOW_ALL_ORIGINS` with \
                      `CORS_ALLOW_CREDENTIALS`): any website can read responses sent with the user's cookies"
                .to_owned(),
            help: format!(
                "set CORS_ALLOW_ALL_ORIGINS = False and list the origins of your frontends, e.g. {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "django-cors-headers echoes the request's `Origin` in `Access-Control-Allow-Origin` without an allowlist"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, e.g. {}, or a regex anchored at both ends such as \
             CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://[a-z0-9-]+\\.example\\.com$\"]",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }

    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        Some(&DjangoCors)
    }
}

impl AppLayerSpec for DjangoCors {
    fn component(&self) -> &'static str {
        "CorsMiddleware"
    }

    fn app_kind(&self) -> &'static str {
        "Django"
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["CORS_ALLOWED_ORIGINS", "CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ALLOW_ALL_ORIGINS"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        match field {
            Field::Origins => "CORS_ALLOWED_ORIGINS",
            Field::Methods => "CORS_ALLOW_METHODS",
            Field::Headers => "CORS_ALLOW_HEADERS",
            Field::ExposeHeaders => "CORS_EXPOSE_HEADERS",
            Field::MaxAge => "CORS_PREFLIGHT_MAX_AGE",
        }
    }

    /// corsheaders.E006 (and E001/E002/E007/E008 for the other lists): a string where a sequence
    /// of strings belongs.
    fn wrong_type(&self, arg: &CorsArg, _install: Install) -> Option<Advice> {
        let name = arg.name.as_str();
        let (check, effect) = match name {
            "CORS_ALLOWED_ORIGINS" | "CORS_ORIGIN_WHITELIST" => {
                ("E006", "each character is compared as an origin, so no origin is ever allowed")
            }
            "CORS_ALLOWED_ORIGIN_REGEXES" | "CORS_ORIGIN_REGEX_WHITELIST" => (
                "E007",
                "each character is `re.match`ed as a regex, so an origin is allowed whenever its first character \
                 is one of them (every `h` of `https://...`)",
            ),
            "CORS_ALLOW_METHODS" => {
                ("E002", "`Access-Control-Allow-Methods` lists its characters, so preflights for any method fail")
            }
            "CORS_ALLOW_HEADERS" => {
                ("E001", "`Access-Control-Allow-Headers` lists its characters, so preflights asking for a header fail")
            }
            _ => return None,
        };
        match &arg.shape {
            ArgShape::Str(_) | ArgShape::EnvStr => Some(Advice {
                message: format!(
                    "`{name}` is a string, not a list: `manage.py` (runserver, migrate, check) refuses to start \
                     (corsheaders.{check}); under a WSGI/ASGI server the setting takes effect and {effect}"
                ),
                help: format!("write a list: `{name} = [\"...\"]`"),
            }),
            _ => None,
        }
    }

    fn never_an_origin(&self, kind: OriginNoteKind) -> Advice {
        if kind == OriginNoteKind::RefusedAtStartup {
            return Advice {
                message: "django-cors-headers' system check corsheaders.E014 refuses an origin with a path, query or \
                          fragment: `manage.py` (`runserver`, `migrate`, `check`) will not start; under a WSGI/ASGI \
                          server, which runs no system checks, the app starts and the entry matches by scheme and \
                          host"
                    .to_owned(),
                help: "write the origin alone, `scheme://host[:port]`, e.g. \"https://app.example.com\"".to_owned(),
            };
        }
        Advice {
            message: "django-cors-headers compares the scheme and host of this value with the request's origin, and \
                      it has none"
                .to_owned(),
            help: "list origin strings, e.g. CORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]".to_owned(),
        }
    }

    /// It answers every preflight 200 and lists its settings; the browser refuses what is missing.
    fn preflight_refusal(&self, field: Field) -> &'static str {
        match field {
            Field::Headers => "a 200 whose `Access-Control-Allow-Headers` (the setting as written) lacks them",
            _ => "a 200 whose `Access-Control-Allow-Methods` (the setting as written) lacks it",
        }
    }

    /// The browser compares the listed methods byte for byte.
    fn methods_case_sensitive(&self) -> bool {
        true
    }

    fn always_allowed_headers(&self) -> &'static [&'static str] {
        &[]
    }

    fn outer_raise(&self) -> &'static str {
        "Django answers it with a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "the middleware above CorsMiddleware answers the preflight itself, without CORS headers"
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        "put \"corsheaders.middleware.CorsMiddleware\" first in MIDDLEWARE, above CommonMiddleware and WhiteNoise"
    }

    fn pass_preflights(&self) -> &'static str {
        "`if request.method == \"OPTIONS\": return self.get_response(request)`"
    }

    /// django/middleware/common.py turns a 404 into a redirect to the path with a `/` appended
    /// (`APPEND_SLASH`, on by default) in `process_response`, after the view; a preflight is
    /// answered by `CorsMiddleware` with a 200 and never redirected. WhiteNoise serves static
    /// files before the request reaches anything below it.
    fn answers_outside(&self, middleware: &str) -> Option<&'static str> {
        match middleware {
            "django.middleware.common.CommonMiddleware" => Some(
                "the redirects it answers (`APPEND_SLASH`: a request for `/api/items` that has no view gets a 301 to \
                 `/api/items/`)",
            ),
            "whitenoise.middleware.WhiteNoiseMiddleware" => Some("the static files it serves"),
            _ => None,
        }
    }
}
