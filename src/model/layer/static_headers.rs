//! Fixed response headers from a configuration file: Next.js `headers()` in `next.config.*`,
//! Vercel `headers` in `vercel.json`, Netlify `[[headers]]` in `netlify.toml` and its `_headers`
//! file. Each rule adds its headers, as written, to the responses whose path its pattern matches:
//! nothing compares the request's `Origin`, so a value is sent to every origin alike.
//!
//! What the platforms document, and what corslint relies on:
//! - Next.js (<https://nextjs.org/docs/app/api-reference/config/next-config-js/headers>):
//!   `headers()` returns `{ source, headers: [{ key, value }], has, missing, basePath, locale }`;
//!   `source` is a path pattern; `has`/`missing` restrict the rule to requests with (or without)
//!   a header, cookie, query or host value; "if two headers match the same path and set the same
//!   header key, the last header key will override the first"; headers are checked before the
//!   filesystem (pages and `/public`).
//! - Vercel (<https://vercel.com/docs/project-configuration/vercel-json>, and its CORS guide
//!   <https://vercel.com/kb/guide/how-to-enable-cors>): `headers` has the same shape (`source`,
//!   `has`, `missing`, `headers: [{ key, value }]`) and adds the headers to the responses of the
//!   matching paths; Vercel Functions add no CORS headers of their own.
//! - Netlify (<https://docs.netlify.com/manage/routing/headers/>): `[[headers]]` with `for` and
//!   `[headers.values]`, or `_headers` in the publish directory (a path line, then indented
//!   `Name: value` lines). Custom headers apply only to files Netlify serves from its own store:
//!   not to proxied content, functions or server-rendered pages. Where `_headers` and
//!   `netlify.toml` set the same header for the same path, `netlify.toml` wins; a header set
//!   again for the same path by a later rule overrides the earlier one
//!   (`@netlify/headers-parser`, `merge.ts`).
//!
//! Unknown, so never reported: whether an OPTIONS preflight gets a 2xx status (a header rule
//! adds headers, it answers nothing), whether Vercel sends a header twice when a function sets it
//! too, and which of two Vercel rules wins for one path.

use super::{Advice, Field, LayerSpec};
use crate::model::CorsPolicy;

/// One platform's header rules: how messages name it and how it writes a header.
pub struct StaticHeaders {
    /// How messages name the layer.
    name: &'static str,
    /// Who sends the headers, as the subject of a sentence.
    sender: &'static str,
    write: fn(Field, &[&str]) -> String,
}

pub static NEXT: StaticHeaders = StaticHeaders { name: "Next.js `headers()`", sender: "Next.js", write: next_entry };
pub static VERCEL: StaticHeaders = StaticHeaders { name: "Vercel `headers`", sender: "Vercel", write: vercel_entry };
pub static NETLIFY: StaticHeaders =
    StaticHeaders { name: "Netlify `headers`", sender: "Netlify", write: netlify_toml_entry };
pub static NETLIFY_FILE: StaticHeaders =
    StaticHeaders { name: "Netlify `_headers`", sender: "Netlify", write: netlify_file_entry };

/// `{ key: "Name", value: "v" }`; several origins become one rule per origin, each applied only
/// when the request comes from it (a `has` condition on the `origin` header).
fn next_entry(field: Field, values: &[&str]) -> String {
    if field == Field::Origins && values.len() > 1 {
        let rules: Vec<String> = values
            .iter()
            .map(|o| {
                format!(
                    "{{ source: \"/api/:path*\", has: [{{ type: \"header\", key: \"origin\", value: \"{o}\" }}], \
                     headers: [{{ key: \"Access-Control-Allow-Origin\", value: \"{o}\" }}, {{ key: \"Vary\", value: \
                     \"Origin\" }}] }}"
                )
            })
            .collect();
        return format!("one rule per origin, each sent only to that origin: {}", rules.join(", "));
    }
    format!("{{ key: \"{}\", value: \"{}\" }}", field.header(), values.join(", "))
}

/// The same objects as Next.js, as JSON.
fn vercel_entry(field: Field, values: &[&str]) -> String {
    let mut written = next_entry(field, values);
    for key in ["source", "has", "type", "key", "value", "headers"] {
        written = written.replace(&format!("{{ {key}:"), &format!("{{ \"{key}\":"));
        written = written.replace(&format!(", {key}:"), &format!(", \"{key}\":"));
    }
    written
}

/// Netlify's header rules have no request conditions: one value goes to every origin.
fn netlify_several_origins(values: &[&str]) -> String {
    format!(
        "an Edge Function that sends the request's `Origin` back when it is one of `{}`: Netlify's header rules \
         send one fixed value to every origin",
        values.join("`, `")
    )
}

fn netlify_toml_entry(field: Field, values: &[&str]) -> String {
    if field == Field::Origins && values.len() > 1 {
        return netlify_several_origins(values);
    }
    format!("{} = \"{}\" under [headers.values]", field.header(), values.join(", "))
}

fn netlify_file_entry(field: Field, values: &[&str]) -> String {
    if field == Field::Origins && values.len() > 1 {
        return netlify_several_origins(values);
    }
    format!("`  {}: {}` under the path line", field.header(), values.join(", "))
}

impl LayerSpec for StaticHeaders {
    fn name(&self) -> &'static str {
        self.name
    }

    fn write_setting(&self, field: Field, values: &[&str]) -> String {
        (self.write)(field, values)
    }

    /// A header value is sent as written: no pattern is matched against the request.
    fn write_origin_regex(&self, _regex: &str) -> Option<String> {
        None
    }

    fn every_origin_with_credentials(&self, _policy: &CorsPolicy) -> Advice {
        Advice {
            message: format!(
                "{} sends `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true` on every \
                 response this rule matches: browsers reject such a response for requests with cookies, so the \
                 frontend's credentialed calls fail",
                self.sender
            ),
            help: format!(
                "send the one origin of your frontend instead of `*`: {}",
                self.write_setting(Field::Origins, &["https://app.example.com"])
            ),
        }
    }

    /// Never the case: a rule's value is fixed.
    fn echoes_every_origin(&self) -> String {
        "the rule sends a fixed value to every origin".to_owned()
    }

    fn allowlist_help(&self) -> String {
        self.write_setting(Field::Origins, &["https://a.example.com", "https://b.example.com"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_writes_its_own_syntax() {
        assert_eq!(
            NEXT.write_setting(Field::MaxAge, &["7200"]),
            "{ key: \"Access-Control-Max-Age\", value: \"7200\" }"
        );
        assert_eq!(
            VERCEL.write_setting(Field::MaxAge, &["7200"]),
            "{ \"key\": \"Access-Control-Max-Age\", \"value\": \"7200\" }"
        );
        assert_eq!(
            NETLIFY.write_setting(Field::MaxAge, &["7200"]),
            "Access-Control-Max-Age = \"7200\" under [headers.values]"
        );
        assert_eq!(
            NETLIFY_FILE.write_setting(Field::MaxAge, &["7200"]),
            "`  Access-Control-Max-Age: 7200` under the path line"
        );
        let vercel = VERCEL.write_setting(Field::Origins, &["https://a.example", "https://b.example"]);
        assert!(vercel.contains("{ \"source\": \"/api/:path*\", \"has\": [{ \"type\": \"header\""), "{vercel}");
        let several = NEXT.write_setting(Field::Origins, &["https://a.example", "https://b.example"]);
        assert!(several.contains("has: [{ type: \"header\", key: \"origin\", value: \"https://b.example\" }]"));
    }
}
