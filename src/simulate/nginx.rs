//! nginx: server and location selection, the rewrite phase (`set`, `if`, `return`, `map`s), the
//! access phase, the content handler (`proxy_pass`, static files) and the header filters
//! (`add_header` by status and inheritance, headers-more, what passes through from the upstream).

use super::fetch::Response;
use super::request::{Url, WireRequest};
use super::{Next, Trace};
use crate::model::Project;
use crate::model::nginx::{
    AccessKind, BlockId, BlockKind, Declared, HeaderSource, MoreCommand, NginxModel, PassModule, is_cors_header,
};
use eval::{Eval, Flow};
use select::{find_location, location_uri, server_for, server_names, servers};
use std::collections::HashMap;

mod eval;
mod select;

pub(crate) struct NginxSim<'p> {
    project: &'p Project,
    server: BlockId,
}

impl NginxSim<'_> {
    /// The names the server answers to (`server_name`).
    pub(crate) fn names(&self) -> Vec<String> {
        server_names(self.project, self.server)
    }

    /// The server block.
    pub(crate) fn span(&self) -> Option<crate::source::Span> {
        model(self.project).block(self.server).map(|b| b.span)
    }

    /// Whether `block` lies inside this server (a location, or an `if` in one).
    pub(crate) fn contains(&self, block: BlockId) -> bool {
        model(self.project).chain(block).contains(&self.server)
    }
}

fn model(project: &Project) -> &NginxModel {
    &project.nginx
}

pub(crate) fn candidates<'p>(project: &'p Project, url: Option<&Url>) -> Vec<NginxSim<'p>> {
    let all = servers(project);
    if all.is_empty() {
        return Vec::new();
    }
    let pick = match url {
        Some(url) => {
            let port = url.port.unwrap_or(if url.scheme.eq_ignore_ascii_case("https") { 443 } else { 80 });
            server_for(project, &url.host, port)
        }
        None if all.len() == 1 => all.first().copied(),
        None => {
            let proxying: Vec<BlockId> =
                all.iter().copied().filter(|s| NginxSim { project, server: *s }.forwards()).collect();
            if proxying.len() == 1 {
                proxying.first().copied()
            } else {
                return all.into_iter().map(|server| NginxSim { project, server }).collect();
            }
        }
    };
    pick.map(|server| NginxSim { project, server }).into_iter().collect()
}

impl<'p> NginxSim<'p> {
    pub fn name(&self) -> String {
        let names = server_names(self.project, self.server);
        let span = model(self.project).block(self.server).map(|b| b.span);
        let at = span
            .and_then(|s| {
                self.project.file(s.file).map(|f| format!("{}:{}", f.path.display(), f.position(s.start()).row))
            })
            .unwrap_or_default();
        match names.first() {
            Some(n) => format!("nginx server {n} ({at})"),
            None => format!("nginx server ({at})"),
        }
    }

    /// Whether some location of the server hands requests to an upstream.
    pub fn forwards(&self) -> bool {
        let m = model(self.project);
        m.blocks.iter().enumerate().any(|(i, b)| b.pass.is_some() && m.server_of(i) == Some(self.server))
    }

    pub fn default_url(&self) -> Option<Url> {
        let m = model(self.project);
        let host = server_names(self.project, self.server)
            .into_iter()
            .find(|n| n != "_" && !n.contains('*') && !n.starts_with('~') && !n.is_empty())
            .unwrap_or_else(|| "localhost".to_string());
        // The first prefix location that proxies, not an internal one (`/_auth`, `internal;`).
        let proxying: Vec<(Option<String>, String)> = m
            .blocks
            .iter()
            .enumerate()
            .filter(|(i, b)| b.is_location() && m.server_of(*i) == Some(self.server) && m.pass_of(*i).is_some())
            .filter(|(_, b)| {
                let text = self.project.file(b.span.file).and_then(|f| f.text.get(b.span.start()..b.span.end()));
                !text.is_some_and(|t| t.lines().any(|l| l.trim() == "internal;"))
            })
            .filter_map(|(i, _)| location_uri(m, i))
            .filter(|(_, uri)| uri.starts_with('/') && !uri.starts_with("/_") && !uri.contains(['(', '^', '$', '*']))
            .collect();
        let path = proxying
            .iter()
            .find(|(modifier, _)| matches!(modifier.as_deref(), None | Some("^~")))
            .or(proxying.first())
            .map_or_else(|| "/".to_string(), |(_, uri)| uri.clone());
        Some(Url { scheme: "https".into(), host, port: None, path, query: String::new() })
    }

    fn head(&self, id: BlockId) -> String {
        let m = model(self.project);
        m.block(id)
            .and_then(|b| self.project.file(b.head.file).and_then(|f| f.text.get(b.head.start()..b.head.end())))
            .unwrap_or("server")
            .to_string()
    }

    pub fn handle(&self, req: &WireRequest, trace: &mut Trace, next: &mut Next<'_>) -> Response {
        let m = model(self.project);
        let path = req.path().unwrap_or("/").to_string();
        let location = find_location(m, self.server, &path, 0).map(|(l, _)| l);
        let mut eval = Eval {
            project: self.project,
            model: m,
            req,
            server: self.server,
            location: location.unwrap_or(self.server),
            vars: HashMap::new(),
            unknown: Vec::new(),
        };
        let mut notes = Vec::new();
        if !req.method.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-') {
            // nginx's request-line parser takes only `A-Z`, `_` and `-` in a method (a script's
            // `patch` is sent as written): 400 before any location, with the server's headers.
            let mut response = Response::new(400);
            self.filter_headers(self.server, &mut response, &mut eval, trace, &mut notes);
            for u in std::mem::take(&mut eval.unknown) {
                trace.unknown(u);
            }
            let what =
                format!("method `{}` is not upper case: nginx answers 400 before choosing a location", req.method);
            trace.step("nginx", what, &response, notes);
            return response;
        }
        let mut what = match location {
            Some(l) => format!("`{}`", self.head(l)),
            None => "no location matches: the server itself".to_string(),
        };
        // Rewrite phase: the server's directives, then the location's.
        let mut server_ifs = Vec::new();
        let mut location_ifs = Vec::new();
        let mut flow = eval.run(eval.server, &mut server_ifs, trace);
        let mut context = location.unwrap_or(self.server);
        if let Flow::Return(_) = flow {
            context = server_ifs.last().copied().unwrap_or(self.server);
        } else if let Some(l) = location {
            flow = eval.run(l, &mut location_ifs, trace);
            if let Some(last) = location_ifs.last() {
                context = *last;
            }
        }
        for i in &location_ifs {
            what.push_str(&format!(" → `{}` matches", self.head(*i)));
        }
        let mut response = match flow {
            Flow::Return(status) => {
                let status = status.unwrap_or_else(|| {
                    trace.unknown("the status of nginx's `return` (a variable)");
                    200
                });
                what.push_str(&format!(" → return {status}"));
                Response::new(status)
            }
            Flow::Continue | Flow::Break => self.after_rewrite(context, req, &mut what, &mut notes, trace, next),
        };
        if let Some(content_type) = response.get("content-type").or_else(|| error_page_type(response.status)) {
            eval.vars.insert("sent_http_content_type".into(), content_type);
        }
        self.filter_headers(context, &mut response, &mut eval, trace, &mut notes);
        for u in std::mem::take(&mut eval.unknown) {
            trace.unknown(u);
        }
        trace.step("nginx", what, &response, notes);
        response
    }

    /// Access phase and content handler.
    fn after_rewrite(
        &self,
        context: BlockId,
        req: &WireRequest,
        what: &mut String,
        notes: &mut Vec<String>,
        trace: &mut Trace,
        next: &mut Next<'_>,
    ) -> Response {
        let m = model(self.project);
        let location = m.location_of(context);
        let mut checks = m.effective_access(context).rejects_anonymous();
        if let Some(limit) = m.block(location).and_then(|b| {
            b.children
                .iter()
                .copied()
                .find(|c| matches!(m.block(*c).map(|x| &x.kind), Some(BlockKind::LimitExcept { .. })))
        }) && let Some(BlockKind::LimitExcept { methods }) = m.block(limit).map(|b| &b.kind)
        {
            let listed = methods.iter().any(|x| {
                x.value.eq_ignore_ascii_case(&req.method)
                    || (req.method == "HEAD" && x.value.eq_ignore_ascii_case("GET"))
            });
            if !listed {
                checks = m.effective_access(limit).rejects_anonymous();
            }
        }
        for check in checks {
            let directive = check.item.directive();
            if check.item.kind == AccessKind::Deny {
                what.push_str(&format!(" → `deny {}`: 403", check.item.arg.value));
                return Response::new(403);
            }
            if req.has_credentials() {
                notes.push(format!("`{directive}` is assumed to accept the request's credentials"));
                continue;
            }
            what.push_str(&format!(" → `{directive}` without credentials: 401"));
            return Response::new(401);
        }
        if let Some(pass) = m.pass_of(context) {
            what.push_str(&format!(" → {}_pass {}", pass.item.module.prefix(), pass.item.target.value));
            let upstream = next(&self.upstream_request(context, req, pass.item.host()), trace);
            let mut hidden: Vec<String> = vec!["date".into(), "server".into(), "x-pad".into()];
            for h in m.effective_hidden(context, pass.item.module) {
                hidden.push(h.item.name.value.to_ascii_lowercase());
            }
            if pass.item.module != PassModule::Proxy {
                notes.push(format!("{}_pass: the upstream's headers are read as they come", pass.item.module.prefix()));
            }
            let mut response = Response::new(upstream.status);
            for (n, v) in upstream.headers {
                let lower = n.to_ascii_lowercase();
                if hidden.contains(&lower) || lower.starts_with("x-accel-") {
                    continue;
                }
                response.headers.push((n, v));
            }
            return response;
        }
        if let Some(static_try) = self.try_files_static(context) {
            notes.push(format!("`{static_try}`: served as a static file"));
        } else if m.has_other_content(context) {
            trace.unknown(
                "the response of a content handler other than proxy_pass or static files (try_files, Lua, ...)",
            );
            return Response::new(200);
        }
        let single_range = req.header("range").is_some_and(|r| {
            r.trim().strip_prefix("bytes=").is_some_and(|spec| {
                !spec.contains(',')
                    && spec.split_once('-').is_some_and(|(a, b)| {
                        a.trim().chars().all(|c| c.is_ascii_digit()) && b.trim().chars().all(|c| c.is_ascii_digit())
                    })
            })
        });
        let file = |status: u16| {
            let mut response = Response::new(status);
            if let Some(content_type) = req.path().and_then(static_type) {
                response.headers.push(("Content-Type".into(), content_type.into()));
            }
            response
        };
        if req.method == "GET" && single_range {
            // The range filter answers a satisfiable single range with 206 Partial Content.
            notes.push("static file: assumed to exist and the range to be satisfiable".to_string());
            what.push_str(" → static file, one range: 206");
            file(206)
        } else if matches!(req.method.as_str(), "GET" | "HEAD") {
            notes.push("static file: assumed to exist".to_string());
            what.push_str(" → static file: 200");
            file(200)
        } else {
            what.push_str(&format!(" → static file module refuses {}: 405", req.method));
            Response::new(405)
        }
    }

    /// The request as the upstream gets it: `Host` is `$proxy_host` unless `proxy_set_header Host`
    /// says otherwise; `proxy_set_header Origin` replaces the browser's `Origin`, or removes it when
    /// the value is empty (nginx sends no header with an empty value), so the app behind sees no or
    /// another origin. Other `proxy_set_header`s do not matter to CORS.
    fn upstream_request(&self, context: BlockId, req: &WireRequest, proxy_host: &str) -> WireRequest {
        let m = model(self.project);
        let mut out = req.clone();
        let sets = m.effective_proxy_set_headers(context);
        let url = req.url.as_ref();
        let expand = |value: &str| {
            value
                .replace("$http_origin", &req.header("origin").unwrap_or_default())
                .replace("$http_host", &req.header("host").unwrap_or_default())
                .replace("$host", &url.map(|u| u.host.clone()).unwrap_or_default())
                .replace("$scheme", &url.map(|u| u.scheme.clone()).unwrap_or_default())
                .replace("$proxy_host", proxy_host)
        };
        let set = |name: &str| sets.iter().find(|h| h.item.name.value.eq_ignore_ascii_case(name));
        let host = match set("host") {
            Some(h) => expand(&h.item.value.value),
            None => proxy_host.to_string(),
        };
        out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
        out.headers.insert(0, ("Host".to_string(), host));
        if let Some(h) = set("origin") {
            let origin = expand(&h.item.value.value);
            let position = out.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case("origin"));
            out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("origin"));
            if !origin.is_empty() {
                let at = position.unwrap_or(out.headers.len()).min(out.headers.len());
                out.headers.insert(at, ("Origin".to_string(), origin));
            }
        }
        out
    }

    /// A `try_files` whose last fallback is a file or `=code`, not a named location: the
    /// static module answers (its text, for the notes).
    fn try_files_static(&self, context: BlockId) -> Option<String> {
        let m = model(self.project);
        let span = m.chain(context).into_iter().find_map(|b| m.block(b).and_then(|blk| blk.rare().other_content))?;
        let text = self.project.file(span.file)?.text.get(span.start()..span.end())?.trim_end_matches(';').to_string();
        let rest = text.strip_prefix("try_files")?;
        let last = rest.split_whitespace().last()?;
        (!last.starts_with('@')).then_some(text)
    }

    /// The header filters. headers-more's runs first: nginx calls the filter registered last
    /// first, and headers-more (a dynamic module, or built in as an "aux" filter) registers after
    /// the headers filter of `add_header`. So `more_set_headers` and `more_clear_headers` see the
    /// upstream's headers only, in the order they are written, the outer level's first; then
    /// `add_header` appends to what they leave, and neither replaces nor clears its headers.
    fn filter_headers(
        &self,
        context: BlockId,
        response: &mut Response,
        eval: &mut Eval<'_>,
        trace: &mut Trace,
        notes: &mut Vec<String>,
    ) {
        let m = model(self.project);
        let status = response.status;
        let not_sent = |notes: &mut Vec<String>, name: &str, why: &str| {
            if is_cors_header(name) {
                notes.push(format!("`{name}` ({why}) is not sent with a {status}"));
            }
        };
        for command in m.more_commands(context) {
            match command {
                MoreCommand::Set(Declared { item: set, .. }) => {
                    if !command.covers(status) {
                        for h in &set.headers {
                            not_sent(notes, &h.name.value, "limited by `-s`");
                        }
                        continue;
                    }
                    if set.types.is_some() {
                        trace.note("`more_set_headers -t` is applied regardless of the content type");
                    }
                    for h in &set.headers {
                        let before = eval.unknown.len();
                        match eval.expand(&h.value.value, 0) {
                            // An empty value clears the header.
                            Some(value) if value.is_empty() => response.remove(&h.name.value),
                            Some(value) => response.set(&h.name.value, &value),
                            // Only CORS headers decide the verdict.
                            None if !is_cors_header(&h.name.value) => eval.unknown.truncate(before),
                            None => {}
                        }
                    }
                }
                MoreCommand::Clear(Declared { item: clear, .. }) => {
                    if !command.covers(status) {
                        continue;
                    }
                    response.headers.retain(|(n, _)| !clear.clears(n));
                }
            }
        }
        for h in m.effective_headers(context).into_iter().filter(|h| h.source == HeaderSource::AddHeader) {
            if !h.covers(status) {
                not_sent(notes, &h.name.value, "without `always`");
                continue;
            }
            let before = eval.unknown.len();
            match eval.expand(&h.value.value, 0) {
                Some(value) if !value.is_empty() => response.append(&h.name.value, &value),
                Some(_) => {}
                None if !h.is_cors() => eval.unknown.truncate(before),
                None => {}
            }
        }
    }
}

/// The `Content-Type` of nginx's own answer with `status` when it has no other: an HTML error page.
fn error_page_type(status: u16) -> Option<String> {
    (status >= 400).then(|| "text/html".to_string())
}

/// The `Content-Type` nginx's `mime.types` gives a static file, by its extension (the common
/// web types; others are not guessed).
fn static_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next()?;
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "application/javascript",
        "json" => "application/json",
        "txt" => "text/plain",
        "xml" => "text/xml",
        "svg" | "svgz" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        _ => return None,
    })
}
