//! CORS headers an Express (or any Node.js) app writes itself: `res.header(name, value)`,
//! `res.setHeader(name, value)`, `res.set(name, value)`. Node sends what is written; nothing
//! compares the request's `Origin` unless the code around it does, so a value taken from the
//! request's `Origin` outside such a check echoes every origin.

use super::{Advice, Field, LayerSpec};
use crate::model::CorsPolicy;

pub struct ExpressHeaders;

impl LayerSpec for ExpressHeaders {
    fn name(&self) -> &'static str {
        "the app's own `res.setHeader`"
    }

    fn label(&self) -> &'static str {
        "Node.js hand-written headers"
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        format!("res.setHeader(\"{}\", \"{}\")", field.header(), values.join(", "))
    }

    fn write_origin_regex(&self, regex: &str) -> Option<String> {
        let body = regex.trim_start_matches('^').trim_end_matches('$').replace('/', "\\/");
        Some(format!(
            "if (/^{body}$/.test(req.headers.origin)) res.setHeader(\"Access-Control-Allow-Origin\", req.headers.origin)"
        ))
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: "the app sends `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: \
                      browsers reject this response for requests with cookies, so the frontend's credentialed calls \
                      fail"
                .to_owned(),
            help: "send one allowed origin instead of `*`, e.g. res.setHeader(\"Access-Control-Allow-Origin\", \
                   \"https://app.example.com\")"
                .to_owned(),
        }
    }

    fn echoes_every_origin(&self) -> String {
        "the app copies the request's `Origin` into `Access-Control-Allow-Origin` without checking it against an \
         allowlist"
            .to_owned()
    }

    fn allowlist_help(&self) -> String {
        "send the origin only when it is in a list of your frontends: `if (allowed.includes(req.headers.origin)) \
         res.setHeader(\"Access-Control-Allow-Origin\", req.headers.origin)`, with `res.vary(\"Origin\")`, or use \
         the `cors` package with `origin: [\"https://app.example.com\"]`"
            .to_owned()
    }
}
