//! `Access-Control-*` headers a Python app writes on its responses itself
//! (`response.headers["Access-Control-Allow-Origin"] = ...`): whatever the code puts there is
//! what the browser reads, so its values are judged as the browser compares them, like a
//! proxy's `add_header`.

use super::{Advice, Field, LayerSpec};
use crate::model::CorsPolicy;

pub struct PythonHeaders;

impl LayerSpec for PythonHeaders {
    fn name(&self) -> &'static str {
        "the app's own header code"
    }

    fn label(&self) -> &'static str {
        "Python hand-written headers"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        match field {
            Field::Origins => format!(
                "`if origin in ALLOWED_ORIGINS: response.headers[\"{}\"] = origin` with \
                 `ALLOWED_ORIGINS = {{\"{}\"}}` and `response.headers[\"Vary\"] = \"Origin\"`",
                field.header(),
                values.join("\", \"")
            ),
            _ => format!("`response.headers[\"{}\"] = \"{}\"`", field.header(), values.join(", ")),
        }
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        Some(format!(
            "`if re.fullmatch(r\"{regex}\", origin): response.headers[\"Access-Control-Allow-Origin\"] = origin`"
        ))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: super::proxy_sends_star_with_credentials("the app's own header code"),
            help: format!(
                "send back only the origins of your frontends: {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "the app sets `Access-Control-Allow-Origin` to the request's `Origin` header without comparing it with an \
         allowlist, so it echoes every origin"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        format!(
            "echo only allowed origins: {}; or let the framework's CORS library do it",
            self.write_setting(Field::Origins, &["https://app.example.com"])
        )
    }
}
