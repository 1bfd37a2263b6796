//! Flask-CORS (`CORS(app, ...)`, `@cross_origin(...)`, `CORS_*` config keys), semantics.md
//! section 4 and flask_cors/core.py (6.x).
//!
//! `origins` defaults to `*`, which it turns into the regex `.*`; without `send_wildcard=True` it
//! answers a matching request with the request's own `Origin`. A string with a regex character
//! (`* \ [ ] ? $ ^ ( )`) is `re.match`ed (anchored at the start only), any other is compared
//! case-insensitively. A plain string is wrapped into a list, so no setting has a wrong type.

use super::{Advice, AppLayerSpec, Field, LayerSpec};
use crate::analysis::origin::LiteralContext;
use crate::model::CorsPolicy;
use crate::model::app::{CorsArg, Install, OriginNoteKind};

pub struct FlaskCors;

impl LayerSpec for FlaskCors {
    fn name(&self) -> &'static str {
        "Flask-CORS"
    }

    /// `v.casefold() == p.casefold()` for a string without regex characters.
    fn literal_context(&self) -> LiteralContext {
        LiteralContext { glob_wildcards: false, case_insensitive: true }
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        super::python_keyword(self.setting_name(field), field, values)
    }

    /// `re.match` anchors only the start: the `$` must be written.
    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$');
        Some(format!("origins=[r\"^{body}$\"]"))
    }

    /// Only `send_wildcard=True` sends `*`, and with credentials Flask-CORS refuses it.
    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "Flask-CORS raises `ValueError` (\"Cannot use supports_credentials in conjunction with an origin \
                      string of '*'\") when `CORS(...)` runs with `send_wildcard=True`: the app does not start"
                .to_owned(),
            help: format!(
                "list the origins of your frontends, e.g. {}, and drop send_wildcard",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "Flask-CORS allows every origin here (`origins` is `*`, also its default) and, without `send_wildcard=True`, \
         answers each with its own `Origin` in `Access-Control-Allow-Origin`"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "list the origins of your frontends, e.g. {}, or a regex anchored at both ends such as \
             origins=[r\"^https://[a-z0-9-]+\\.example\\.com$\"]",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }

    /// `allow_headers="*"` becomes `.*` and echoes the requested headers; methods and exposed
    /// headers are joined and sent as written.
    fn sends_star_as_written(&self, field: Field) -> bool {
        field != Field::Headers
    }

    fn app(&'static self) -> Option<&'static dyn AppLayerSpec> {
        Some(&FlaskCors)
    }
}

impl AppLayerSpec for FlaskCors {
    fn component(&self) -> &'static str {
        "Flask-CORS"
    }

    fn app_kind(&self) -> &'static str {
        "Flask"
    }

    fn origin_settings(&self) -> &'static [&'static str] {
        &["origins"]
    }

    fn setting_name(&self, field: Field) -> &'static str {
        match field {
            Field::Origins => "origins",
            Field::Methods => "methods",
            Field::Headers => "allow_headers",
            Field::ExposeHeaders => "expose_headers",
            Field::MaxAge => "max_age",
        }
    }

    /// `ensure_iterable` wraps a string or any scalar into a list: every type is accepted.
    fn wrong_type(&self, _arg: &CorsArg, _install: Install) -> Option<Advice> {
        None
    }

    fn never_an_origin(&self, _kind: OriginNoteKind) -> Advice {
        Advice {
            message: "Flask-CORS compares the request's origin with `str()` of this value, which is never an origin"
                .to_owned(),
            help: "pass origin strings, e.g. origins=[\"https://app.example.com\"]".to_owned(),
        }
    }

    /// Flask answers the OPTIONS itself (200); Flask-CORS adds the allow headers only for what matches.
    fn preflight_refusal(&self, field: Field) -> &'static str {
        match field {
            Field::Headers => "a 200 whose `Access-Control-Allow-Headers` leaves them out",
            _ => "a 200 without `Access-Control-Allow-Methods`",
        }
    }

    /// It upper-cases both the setting and the requested method.
    fn methods_case_sensitive(&self) -> bool {
        false
    }

    fn always_allowed_headers(&self) -> &'static [&'static str] {
        &[]
    }

    fn outer_raise(&self) -> &'static str {
        "Flask answers it with a 500"
    }

    fn outer_auth_refusal(&self) -> &'static str {
        "Flask answers the preflight with the hook's own response"
    }

    fn move_outermost(&self, _outer_install: Install, _cors_install: Install) -> &'static str {
        "let OPTIONS requests through the `before_request` hook, so Flask's automatic OPTIONS answer gets the CORS \
         headers"
    }

    fn pass_preflights(&self) -> &'static str {
        "`if request.method == \"OPTIONS\": return None`"
    }
}
