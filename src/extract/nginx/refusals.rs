//! Configurations nginx refuses to load although they parse (`nginx -t` fails), for the directives
//! corslint models: a `map` or `limit_*_zone` outside `http`, an `if` outside `server` and
//! `location`, an `add_header` in a server-level `if`, a second `location` with the same path in
//! one block.
//!
//! Only where the context is known: inside the blocks a file writes, and at the top of a main
//! configuration (one with `http` or `events`). The top of a snippet that no main configuration
//! in the repository includes could be any context, so it is judged on its own, without these.

use crate::model::nginx::{BlockId, BlockKind, NginxModel};
use crate::source::Span;
use std::collections::HashSet;

/// Where a directive is written, as far as nginx's context rules go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The top of the main configuration.
    Main,
    Http,
    Server,
    Location,
    /// An `if` in a `server`.
    ServerIf,
    /// An `if` in a `location`.
    LocationIf,
    LimitExcept,
    /// The top of a snippet whose includer is not known, or a block corslint does not model.
    Unknown,
}

impl Place {
    /// Where the directives of block `id` are, `top` being the place of a file's top level.
    pub fn of(model: &NginxModel, id: BlockId, top: Place) -> Place {
        let Some(block) = model.block(id) else { return Place::Unknown };
        match &block.kind {
            BlockKind::File => top,
            BlockKind::Http => Place::Http,
            BlockKind::Server { .. } => Place::Server,
            BlockKind::Location { .. } => Place::Location,
            BlockKind::LimitExcept { .. } => Place::LimitExcept,
            BlockKind::If { .. } => {
                match block.parent.and_then(|p| model.block(p)).map(|p| &p.kind) {
                    Some(BlockKind::Server { .. }) => Place::ServerIf,
                    Some(BlockKind::Location { .. }) => Place::LocationIf,
                    Some(BlockKind::File) if top == Place::Unknown => Place::Unknown,
                    // An `if` in an `if`, in `http` or at the top: refused itself already.
                    _ => Place::Unknown,
                }
            }
        }
    }
}

/// Why nginx refuses directive `name` (with a block or not) at `place`, in nginx's words.
pub fn refused(name: &str, has_block: bool, place: Place) -> Option<String> {
    let allowed = match (name, has_block) {
        ("map", true) | ("limit_req_zone", false) | ("limit_conn_zone", false) => place == Place::Http,
        ("if", true) => matches!(place, Place::Server | Place::Location),
        ("add_header", false) => !matches!(place, Place::ServerIf | Place::Main | Place::LimitExcept),
        _ => return None,
    };
    if allowed || place == Place::Unknown {
        return None;
    }
    let only = match name {
        "if" => "only in `server` and `location`",
        "add_header" => "only in `http`, `server`, `location` and an `if` in a `location`",
        _ => "only in `http`",
    };
    Some(format!("\"{name}\" directive is not allowed here ({only})"))
}

/// Second `location`s with the same path among the children of one block: nginx refuses them
/// (`duplicate location "/api/"`). Exact (`=`) locations are compared with each other, prefix
/// ones (with or without `^~`) with each other; regex and named locations may repeat.
pub fn duplicate_locations(model: &NginxModel) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for block in &model.blocks {
        let mut seen: HashSet<(bool, &str)> = HashSet::new();
        for child in &block.children {
            let Some(BlockKind::Location { modifier, uri }) = model.block(*child).map(|b| &b.kind) else { continue };
            let Some(uri) = uri.as_ref() else { continue };
            let exact = match modifier.as_ref().map(|m| m.value.as_str()) {
                None | Some("^~") => false,
                Some("=") => true,
                _ => continue,
            };
            if uri.value.starts_with('@') {
                continue;
            }
            if !seen.insert((exact, uri.value.as_str())) {
                out.push((uri.span, format!("duplicate location \"{}\"", uri.value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_nginx_refuses() {
        assert!(refused("map", true, Place::Http).is_none());
        assert!(refused("map", true, Place::Location).is_some());
        assert!(refused("map", true, Place::Main).is_some());
        assert!(refused("map", true, Place::Unknown).is_none());
        assert!(refused("if", true, Place::Http).is_some());
        assert!(refused("if", true, Place::LocationIf).is_some());
        assert!(refused("if", true, Place::Server).is_none());
        assert!(refused("add_header", false, Place::ServerIf).is_some());
        assert!(refused("add_header", false, Place::LocationIf).is_none());
        assert!(refused("limit_req_zone", false, Place::Server).is_some());
        assert!(refused("proxy_pass", false, Place::Main).is_none());
    }
}
