//! CORS307: one `Access-Control-Allow-Origin` value lists several origins.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::RejectedKind;
use crate::model::nginx::syntax::header;
use crate::rules::{Rule, Sink};
use crate::source::Span;
use std::collections::HashSet;

pub struct MultipleOriginsInHeader;

impl Rule for MultipleOriginsInHeader {
    const CODE: &'static str = "CORS307";
    const NAME: &'static str = "multiple-origins-in-header";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
    }
}

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut reported: HashSet<Span> = HashSet::new();
    for (ctx, headers) in model.cors_contexts() {
        for h in headers.iter().filter(|h| h.is(header::ALLOW_ORIGIN)) {
            let resolution = model.origin_facts(ctx.block, h.value);
            for rejected in resolution.rejected.iter().filter(|r| r.kind == RejectedKind::SeveralOrigins) {
                if !reported.insert(rejected.value.span) {
                    continue;
                }
                let origins: Vec<&str> = rejected
                    .value
                    .value
                    .split(|c: char| c == ',' || c.is_ascii_whitespace())
                    .filter(|p| !p.is_empty())
                    .collect();
                let mut map = vec!["map $http_origin $cors_origin {".to_string(), "    default \"\";".to_string()];
                map.extend(origins.iter().map(|o| format!("    \"{o}\" $http_origin;")));
                map.push("}".to_string());
                map.push("# and in the location:".to_string());
                map.push("add_header Access-Control-Allow-Origin $cors_origin always;".to_string());
                map.push("add_header Vary Origin always;".to_string());
                sink.report(
                    rejected.value.span,
                    format!(
                        "`Access-Control-Allow-Origin` lists {} origins in one value: browsers accept exactly one \
                         origin or `*`, so every cross-origin request fails, from each of them",
                        origins.len()
                    ),
                )
                .primary("several origins")
                .help(format!(
                    "send the one origin that asked, chosen by a `map` in the `http` block:\n{}",
                    crate::rules::nginx_words::code(&map)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS307";

    #[test]
    fn space_and_comma_lists_are_flagged() {
        let f = findings(
            RULE,
            r#"
            location /a/ { add_header Access-Control-Allow-Origin "https://a.example.com https://b.example.com" always; }
            location /b/ { add_header Access-Control-Allow-Origin "https://a.example.com, https://b.example.com" always; }
            location /c/ { more_set_headers "Access-Control-Allow-Origin: https://a.example.com,https://b.example.com"; }"#,
        );
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f[0].help.as_deref().unwrap_or("").contains("\"https://b.example.com\" $http_origin;"));
    }

    #[test]
    fn one_origin_a_star_or_a_map_are_fine() {
        let f = findings(
            RULE,
            r#"
            map $http_origin $cors { default ""; "~^https://(a|b)\.example\.com$" $http_origin; }
            server {
                location /a/ { add_header Access-Control-Allow-Origin https://a.example.com always; }
                location /b/ { add_header Access-Control-Allow-Origin * always; }
                location /c/ { add_header Access-Control-Allow-Origin $cors always; }
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    /// A value that a later headers-more command (the location's own set, run after the
    /// server's) replaces in every location is never sent.
    #[test]
    fn a_value_replaced_by_a_later_more_set_headers_is_not_sent() {
        let one = |locations: &str| {
            findings(
                RULE,
                &format!(
                    r#"
                    server {{
                        more_set_headers "Access-Control-Allow-Origin: https://a.example.com https://b.example.com";
                        location /a/ {{ more_set_headers "Access-Control-Allow-Origin: https://a.example.com"; }}
                        {locations}
                    }}"#
                ),
            )
        };
        assert!(one("").is_empty(), "{:#?}", one(""));
        assert_eq!(one("location /b/ { proxy_pass http://127.0.0.1:8000; }").len(), 1);
    }
}
