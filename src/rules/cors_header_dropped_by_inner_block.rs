//! CORS302: an inner nginx block's own `add_header` silently drops the outer CORS headers.

use crate::diagnostic::Severity;
use crate::model::Project;
use crate::model::nginx::syntax::{canonical_header, header, same_header};
use crate::model::nginx::{AddHeader, BlockId, BlockKind, Declared};
use crate::rules::{Rule, Sink, nginx_words};
use std::collections::HashMap;

pub struct CorsHeaderDroppedByInnerBlock;

impl Rule for CorsHeaderDroppedByInnerBlock {
    const CODE: &'static str = "CORS302";
    const NAME: &'static str = "cors-header-dropped-by-inner-block";
    const SEVERITY: Severity = Severity::Error;

    fn check(project: &Project, sink: &mut Sink) {
        check_nginx(project, sink);
    }
}

/// The headers that matter on actual responses; the preflight ones are CORS203's business.
const ACTUAL_RESPONSE_HEADERS: [&str; 3] = [header::ALLOW_ORIGIN, header::ALLOW_CREDENTIALS, header::EXPOSE_HEADERS];

fn matters(name: &str) -> bool {
    ACTUAL_RESPONSE_HEADERS.iter().any(|h| same_header(h, name))
}

/// An earlier `if` and the CORS headers of it that a later `if` replaces.
type Overridden<'a> = (BlockId, Vec<&'a AddHeader>);

fn check_nginx(project: &Project, sink: &mut Sink) {
    let model = &project.nginx;
    let mut overrides: Vec<(BlockId, Vec<Overridden<'_>>)> = Vec::new();
    let mut by_later: HashMap<BlockId, usize> = HashMap::new();
    for (id, block) in model.blocks.iter().enumerate() {
        if matches!(block.kind, BlockKind::File | BlockKind::LimitExcept { .. }) {
            continue;
        }
        // A preflight-only branch answers no actual request (CORS203 judges it).
        if block.condition().is_some_and(|c| c.is_preflight_only()) {
            continue;
        }
        if model.context_return(id).and_then(|r| r.status) == Some(444) {
            continue;
        }
        if model.stops_inheritance(id) {
            dropped_by_own_add_header(project, sink, id);
        }
        if let Some((later, lost)) = overridden_by_later_if(project, id) {
            match by_later.get(&later).and_then(|&i| overrides.get_mut(i)) {
                Some((_, earlier)) => earlier.push((id, lost)),
                None => {
                    by_later.insert(later, overrides.len());
                    overrides.push((later, vec![(id, lost)]));
                }
            }
        }
    }
    for (later, earlier) in &overrides {
        report_overrides(project, sink, *later, earlier);
    }
}

/// The outer CORS headers a block with its own `add_header` no longer sends.
fn dropped_by_own_add_header(project: &Project, sink: &mut Sink, id: BlockId) {
    let model = &project.nginx;
    let Some(block) = model.block(id) else { return };
    // An include corslint does not have may repeat the outer headers here.
    if !block.rare().unknown_includes.is_empty() {
        return;
    }
    let own = |name: &str| block.add_headers.iter().any(|h| same_header(&h.name.value, name));
    let lost: Vec<Declared<'_, AddHeader>> = model
        .inherited_add_headers(id)
        .into_iter()
        .filter(|h| matters(&h.item.name.value) && !h.item.value.value.is_empty() && !own(&h.item.name.value))
        .collect();
    let Some(first_own) = block.add_headers.first() else { return };
    if lost.is_empty() {
        return;
    }
    let place = nginx_words::block(project, id);
    let from = nginx_words::block(project, lost.first().map_or(id, |h| h.block));
    let names = names_of(&lost);
    let verb = if lost.len() == 1 { "is" } else { "are" };
    let message = format!(
        "{place} has its own `add_header`, so nginx does not inherit the outer ones: {} of {from} {verb} not sent \
         from here, and cross-origin requests to it fail",
        nginx_words::list(&names)
    );
    let mut repeat: Vec<String> = lost.iter().map(|h| nginx_words::with_always(project, h.item.span)).collect();
    repeat.dedup();
    let diagnostic =
        sink.report(first_own.span, message).primary("this `add_header` stops the inheritance").help(format!(
            "repeat them in {place}:\n{}\nor, with nginx 1.29.3 or later, write `add_header_inherit merge;` there",
            nginx_words::code(&repeat)
        ));
    for h in &lost {
        diagnostic.label(h.item.span, format!("not sent from {place}"));
    }
}

/// An `if` whose CORS headers a later `if` that can match too replaces (only the last matching
/// `if`'s configuration counts): the later `if` and the headers lost.
fn overridden_by_later_if(project: &Project, id: BlockId) -> Option<(BlockId, Vec<&AddHeader>)> {
    let model = &project.nginx;
    let block = model.block(id)?;
    block.condition()?;
    let (later, _) = model.overriding_if(id)?;
    if model.block(later).and_then(|b| b.condition()).is_some_and(|c| c.is_preflight_only()) {
        return None;
    }
    let later_headers = model.effective_headers(later);
    let lost: Vec<&AddHeader> = block
        .add_headers
        .iter()
        .filter(|h| matters(&h.name.value) && !h.value.value.is_empty())
        .filter(|h| !later_headers.iter().any(|l| l.is(&h.name.value)))
        .collect();
    (!lost.is_empty()).then_some((later, lost))
}

/// One finding per overriding `if`, however many earlier `if`s it overrides.
fn report_overrides(project: &Project, sink: &mut Sink, later: BlockId, earlier: &[Overridden<'_>]) {
    let model = &project.nginx;
    let Some(later_block) = model.block(later) else { return };
    let mut names: Vec<String> = Vec::new();
    for h in earlier.iter().flat_map(|(_, lost)| lost) {
        let name = canonical_header(&h.name.value);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let blocks: Vec<String> = earlier.iter().map(|(id, _)| nginx_words::block(project, *id)).collect();
    let message = format!(
        "when {} matches too, nginx answers with its configuration, not that of {}: {} added there is not sent",
        nginx_words::block(project, later),
        blocks.join(" or "),
        nginx_words::list(&names)
    );
    let diagnostic = sink.report(later_block.head, message).primary("the last matching `if` decides the headers").help(
        "let one `if` decide the headers: combine the conditions into a variable with `map`, or repeat the CORS \
             `add_header`s in this `if`",
    );
    for h in earlier.iter().flat_map(|(_, lost)| lost) {
        diagnostic.label(h.span, "lost when both `if`s match");
    }
}

fn names_of(lost: &[Declared<'_, AddHeader>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for h in lost {
        let name = canonical_header(&h.item.name.value);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use crate::test_support::findings;

    const RULE: &str = "CORS302";

    #[test]
    fn a_location_with_its_own_add_header_drops_the_servers_cors_headers() {
        let f = findings(
            RULE,
            r#"
            server {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                add_header Access-Control-Allow-Credentials true always;
                add_header Access-Control-Allow-Methods "GET, POST" always;
                location /api/ { proxy_pass http://app; }
                location ~* \.(woff2?|css|js)$ {
                    add_header Cache-Control "public, max-age=31536000";
                }
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`location ~* \\.(woff2?|css|js)$` has its own `add_header`"));
        assert!(
            f[0].message.contains("`Access-Control-Allow-Origin` and `Access-Control-Allow-Credentials` of `server`")
        );
        assert_eq!(f[0].labels.len(), 2);
        assert!(
            f[0].help.as_deref().unwrap_or("").contains("add_header Access-Control-Allow-Credentials true always;")
        );
    }

    #[test]
    fn repeating_or_merging_is_fine() {
        let f = findings(
            RULE,
            r#"
            server {
                add_header Access-Control-Allow-Origin https://app.example.com always;
                location /a/ {
                    add_header Cache-Control no-store;
                    add_header Access-Control-Allow-Origin https://app.example.com always;
                }
                location /b/ { add_header_inherit merge; add_header Cache-Control no-store; }
                location /c/ { add_header_inherit off; }
                location /d/ {
                    if ($request_method = OPTIONS) {
                        add_header Access-Control-Allow-Methods "GET, PUT";
                        return 204;
                    }
                }
            }"#,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn an_if_with_add_header_drops_its_locations_headers() {
        let f = findings(
            RULE,
            r#"
            location /api/ {
                add_header Access-Control-Allow-Origin $cors_origin always;
                if ($request_uri ~ "/download/") { add_header Content-Disposition attachment; }
                proxy_pass http://app;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.starts_with("`if ($request_uri ~ \"/download/\")` has its own"), "{}", f[0].message);
    }

    #[test]
    fn a_later_matching_if_replaces_an_earlier_ones_headers() {
        let f = findings(
            RULE,
            r#"
            location / {
                if ($request_method = GET) { add_header Access-Control-Allow-Origin *; }
                if ($request_method = POST) { add_header Access-Control-Allow-Origin *; }
                if ($http_x_debug) { set $debug 1; }
                proxy_pass http://app;
            }"#,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.starts_with(
                "when `if ($http_x_debug)` matches too, nginx answers with its configuration, not that of \
                 `if ($request_method = GET)` or `if ($request_method = POST)`"
            ),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].labels.len(), 2);
    }
}
