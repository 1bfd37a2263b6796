//! Which `server` and `location` answer a request, as nginx chooses them.

use super::model;
use crate::model::Project;
use crate::model::nginx::syntax::regex_matches;
use crate::model::nginx::{BlockId, BlockKind, NginxModel};

pub(super) fn servers(project: &Project) -> Vec<BlockId> {
    model(project).blocks.iter().enumerate().filter(|(_, b)| b.is_server()).map(|(i, _)| i).collect()
}

pub(super) fn server_names(project: &Project, server: BlockId) -> Vec<String> {
    match model(project).block(server).map(|b| &b.kind) {
        Some(BlockKind::Server { names }) => names.iter().map(|n| n.value.to_ascii_lowercase()).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn is_default_server(project: &Project, server: BlockId) -> bool {
    model(project).block(server).is_some_and(|b| b.listens.iter().any(|l| l.default_server))
}

/// The servers that listen on `port` (a server without `listen` listens on 80; one whose port
/// corslint cannot read may listen on any), in order. Empty when none does.
pub(super) fn servers_on_port(project: &Project, port: u16) -> Vec<BlockId> {
    let m = model(project);
    servers(project)
        .into_iter()
        .filter(|s| {
            let listens = m.block(*s).map_or(&[][..], |b| b.listens.as_slice());
            listens.is_empty() && port == 80 || listens.iter().any(|l| l.port.is_none_or(|p| p == port))
        })
        .collect()
}

/// nginx's choice of the server for a request to `host` on `port`: among the servers listening
/// on that port, by `server_name`, else the port's `default_server`, else its first server. When
/// no server listens on it (ports from the environment), by name among all.
pub(super) fn server_for(project: &Project, host: &str, port: u16) -> Option<BlockId> {
    let on_port = servers_on_port(project, port);
    if on_port.is_empty() {
        let all = servers(project);
        return server_by_name(project, host, &all)
            .or_else(|| all.iter().copied().find(|s| is_default_server(project, *s)))
            .or_else(|| all.first().copied());
    }
    let default = |s: &BlockId| {
        model(project).block(*s).is_some_and(|b| b.listens.iter().any(|l| l.default_server && l.port == Some(port)))
    };
    server_by_name(project, host, &on_port)
        .or_else(|| on_port.iter().copied().find(default))
        .or_else(|| on_port.first().copied())
}

/// nginx's `server_name` selection among `all`: exact, longest leading wildcard, longest trailing
/// wildcard, first regex; `None` when no name matches (the default server answers).
pub(super) fn server_by_name(project: &Project, host: &str, all: &[BlockId]) -> Option<BlockId> {
    let all = all.to_vec();
    let named = |pred: &dyn Fn(&str) -> Option<usize>| {
        all.iter()
            .filter_map(|s| server_names(project, *s).iter().filter_map(|n| pred(n)).max().map(|len| (len, *s)))
            .max_by_key(|(len, s)| (*len, std::cmp::Reverse(*s)))
            .map(|(_, s)| s)
    };
    if let Some(s) = named(&|n: &str| (n == host).then_some(usize::MAX)) {
        return Some(s);
    }
    let leading = |n: &str| {
        let suffix =
            n.strip_prefix("*.").map(|d| format!(".{d}")).or_else(|| n.strip_prefix('.').map(|d| format!(".{d}")))?;
        (host.ends_with(&suffix) || n.starts_with('.') && suffix.get(1..) == Some(host)).then_some(suffix.len())
    };
    if let Some(s) = named(&leading) {
        return Some(s);
    }
    let trailing = |n: &str| {
        let prefix = n.strip_suffix(".*")?;
        host.starts_with(&format!("{prefix}.")).then_some(prefix.len())
    };
    if let Some(s) = named(&trailing) {
        return Some(s);
    }
    all.into_iter().find(|s| {
        server_names(project, *s)
            .iter()
            .any(|n| n.strip_prefix('~').is_some_and(|re| regex_matches(re, false, host) == Some(true)))
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    Exact,
    Prefix { stop_regex: bool },
    Regex,
}

pub(super) fn location_uri(model: &NginxModel, id: BlockId) -> Option<(Option<String>, String)> {
    match &model.block(id)?.kind {
        BlockKind::Location { modifier, uri } => Some((
            modifier.as_ref().map(|m| m.value.clone()),
            uri.as_ref().map(|u| u.value.clone()).unwrap_or_default(),
        )),
        _ => None,
    }
}

/// nginx's location search: exact `=`, longest prefix (nested ones inside it), `^~` stops, regexes
/// in order, else the longest prefix.
pub(super) fn find_location(model: &NginxModel, parent: BlockId, path: &str, depth: usize) -> Option<(BlockId, Found)> {
    if depth > 16 {
        return None;
    }
    let children: Vec<(BlockId, Option<String>, String)> = model
        .block(parent)?
        .children
        .iter()
        .filter_map(|c| location_uri(model, *c).map(|(m, u)| (*c, m, u)))
        .filter(|(_, m, u)| !u.starts_with('@') && m.as_deref() != Some("@"))
        .collect();
    for (id, m, u) in &children {
        if m.as_deref() == Some("=") && u == path {
            return Some((*id, Found::Exact));
        }
    }
    let best = children
        .iter()
        .filter(|(_, m, u)| matches!(m.as_deref(), None | Some("^~")) && path.starts_with(u.as_str()))
        .max_by_key(|(_, _, u)| u.len());
    let mut result = best.map(|(id, m, _)| (*id, Found::Prefix { stop_regex: m.as_deref() == Some("^~") }));
    if let Some((id, Found::Prefix { stop_regex })) = result {
        match find_location(model, id, path, depth + 1) {
            Some((n, Found::Exact | Found::Regex)) => return Some((n, Found::Regex)),
            Some((n, Found::Prefix { stop_regex: s })) => {
                result = Some((n, Found::Prefix { stop_regex: s || stop_regex }))
            }
            None => {}
        }
        if matches!(result, Some((_, Found::Prefix { stop_regex: true }))) {
            return result;
        }
    }
    for (id, m, u) in &children {
        let ci = match m.as_deref() {
            Some("~") => false,
            Some("~*") => true,
            _ => continue,
        };
        if regex_matches(u, ci, path) == Some(true) {
            return Some((*id, Found::Regex));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::nginx::testing::project;

    fn chosen(p: &Project, host: &str, path: &str) -> String {
        let server = server_by_name(p, host, &servers(p)).or_else(|| servers(p).first().copied()).unwrap_or(0);
        let file = &p.files[0];
        match find_location(&p.nginx, server, path, 0) {
            Some((id, _)) => p.nginx.block(id).map(|b| file.slice(b.head.range).to_string()).unwrap_or_default(),
            None => format!("server {server}"),
        }
    }

    #[test]
    fn nginx_location_selection() {
        let p = project(
            r#"
            server {
                server_name api.example.com;
                location = /api/health { }
                location /api/ {
                    location /api/admin/ { }
                }
                location ^~ /static/ { }
                location ~ \.php$ { }
                location ~* \.(png|jpg)$ { }
                location / { }
            }
            server {
                server_name *.example.org;
            }"#,
        );
        assert_eq!(chosen(&p, "api.example.com", "/api/health"), "location = /api/health");
        assert_eq!(chosen(&p, "api.example.com", "/api/health/x"), "location /api/");
        assert_eq!(chosen(&p, "api.example.com", "/api/admin/users"), "location /api/admin/");
        assert_eq!(chosen(&p, "api.example.com", "/static/logo.png"), "location ^~ /static/");
        assert_eq!(chosen(&p, "api.example.com", "/img/logo.PNG"), r"location ~* \.(png|jpg)$");
        assert_eq!(chosen(&p, "api.example.com", "/api/index.php"), r"location ~ \.php$");
        assert_eq!(chosen(&p, "api.example.com", "/other"), "location /");
        assert_eq!(server_by_name(&p, "www.example.org", &servers(&p)), servers(&p).get(1).copied());
        assert_eq!(server_by_name(&p, "example.net", &servers(&p)), None);
    }

    /// nginx picks the servers listening on the request's port first, then the name: an
    /// `https://` URL reaches the `listen 443 ssl` server even when a `listen 80` one with the same
    /// name comes first.
    #[test]
    fn the_port_decides_before_the_name() {
        let p = project(
            r#"
            server { listen 80; server_name api.example.com; return 301 https://$host$request_uri; }
            server { listen 443 ssl; listen [::]:443 ssl; server_name api.example.com; location / { } }
            server { listen 8080 default_server; server_name other.example.com; }
            server { listen ${PORT}; server_name templated.example.com; }"#,
        );
        let all = servers(&p);
        assert_eq!(server_for(&p, "api.example.com", 443), all.get(1).copied());
        assert_eq!(server_for(&p, "api.example.com", 80), all.first().copied());
        // No name matches on 8080: its default server; the templated port may be any.
        assert_eq!(server_for(&p, "unknown.example.com", 8080), all.get(2).copied());
        assert_eq!(server_for(&p, "templated.example.com", 9000), all.get(3).copied());
    }
}
