//! nginx as nginx applies it.
//!
//! The extractor records what is written, block by block: [`NginxModel::add_block`] for every
//! `http`, `server`, `location`, `if` and `limit_except`, then the `pub` fields of [`Block`] for
//! the directives corslint cares about, plus `map` and `upstream` blocks. It decides nothing.
//! The views here apply nginx's own rules, so no rule has to know them:
//!
//! - `add_header` is inherited from the outer level only when the current level has none
//!   (replace, not merge); `add_header_inherit on|off|merge` (nginx 1.29.3+, itself inherited)
//!   changes that ([`NginxModel::effective_add_headers`]);
//! - an `if` in a location is an implicit nested location: when it matches, its configuration
//!   (own `add_header`s or the inherited ones) is the one the response gets, and when several
//!   `if`s match only the last one counts; which configuration answers which request method is
//!   worked out once for the whole model (`flow`, [`NginxModel::reach`]), and an `if` that a
//!   later one always overrides is no context at all;
//! - headers-more `more_set_headers`/`more_clear_headers` of every level apply, outer first and
//!   each level's in the order written, to every status unless `-s` says otherwise; an empty
//!   value clears. Its filter runs before `add_header`'s, so it neither clears nor replaces an
//!   `add_header`: a `more_set_headers` and an `add_header` of one name send two values
//!   ([`NginxModel::more_commands`], [`NginxModel::effective_headers`]);
//! - `proxy_hide_header`, `proxy_pass_header` and `proxy_set_header` lists are each inherited
//!   only by a level that has none of its own;
//! - `auth_basic`, `auth_request`, `auth_jwt` and `satisfy` take the nearest value; `allow`/`deny`
//!   lists replace;
//! - the rewrite phase (`set`, `if`, `return`, `rewrite`, `break`) runs in source order before
//!   access checks, so a `return` in `if ($request_method = OPTIONS)` answers preflights before
//!   authentication.
//!
//! [`NginxModel::cors_policies`] turns every response context that sends CORS headers into a
//! [`CorsPolicy`](crate::model::CorsPolicy) for the layer-independent origin rules.

mod effective;
mod flow;
mod headers_more;
mod phases;
mod policy;
mod scopes;
pub mod syntax;
#[cfg(test)]
mod tests;
mod views;

pub use effective::{Declared, HeaderRef, HeaderSource};
pub use flow::Methods;
pub use headers_more::MoreCommand;
pub use phases::{Context, EffectiveAccess, Requests};
pub use policy::{Guard, NeverOrigin, OriginResolution, RejectedKind, RejectedOrigin};
pub use syntax::{Condition, ConditionKind, Tri, is_cors_header};
pub use views::OriginFacts;

use crate::source::{Span, Spanned};
use syntax::same_header;

/// How far the model follows parents, variables and maps: well above any real configuration
/// (the parser keeps at most 200 levels of blocks), and a guard against cycles.
pub const MAX_DEPTH: usize = 256;

/// Index of a block in [`NginxModel::blocks`].
pub type BlockId = usize;

/// Statuses `add_header` covers without `always`.
pub const ADD_HEADER_STATUSES: [u16; 10] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

/// A directive argument as nginx reads it (quotes removed).
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub value: String,
    /// The argument as written, quotes included.
    pub span: Span,
    /// File offset of the value's first character when the value is written verbatim (no
    /// escapes), so a position inside it can be pointed at.
    pub text_start: Option<usize>,
}

impl Arg {
    pub fn new(value: impl Into<String>, span: Span, text_start: Option<usize>) -> Self {
        Arg { value: value.into(), span, text_start }
    }

    /// The span of bytes `start..end` of the value, or the whole argument when the value is not
    /// written verbatim.
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        match self.text_start {
            Some(ts) if start <= end && end <= self.value.len() => Span::new(self.span.file, ts + start, ts + end),
            _ => self.span,
        }
    }

    /// Bytes `start..end` of the value as an argument of its own (`Name` of `'Name: value'`).
    pub fn slice(&self, start: usize, end: usize) -> Arg {
        let value = self.value.get(start..end).unwrap_or("").to_string();
        let verbatim = self.text_start.is_some() && start <= end && end <= self.value.len();
        Arg {
            value,
            span: self.sub_span(start, end),
            text_start: self.text_start.filter(|_| verbatim).map(|t| t + start),
        }
    }
}

/// What kind of block, and what its head says.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockKind {
    /// A file's top level. A file included from nowhere whose top level holds location-level
    /// directives (a snippet) is judged as one location.
    File,
    Http,
    Server {
        names: Vec<Arg>,
    },
    /// `location [modifier] uri` or a named `location @name`.
    Location {
        modifier: Option<Arg>,
        uri: Option<Arg>,
    },
    /// An `if` in a `server` or `location`; in a location, an implicit nested location.
    If {
        condition: Condition,
    },
    /// `limit_except METHOD ... { }`: its directives apply to the methods *not* listed (GET
    /// implies HEAD).
    LimitExcept {
        methods: Vec<Arg>,
    },
}

/// `add_header_inherit` (nginx 1.29.3+).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InheritMode {
    /// Inherit only when this level has no `add_header` (the default).
    On,
    /// Never inherit.
    Off,
    /// Inherit and add this level's own.
    Merge,
}

/// `add_header name value [always]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AddHeader {
    pub name: Arg,
    pub value: Arg,
    pub always: bool,
    /// The directive, `;` included.
    pub span: Span,
}

/// One `Name: value` of `more_set_headers`; an empty value clears the header.
#[derive(Clone, Debug, PartialEq)]
pub struct MoreHeader {
    pub name: Arg,
    pub value: Arg,
}

impl MoreHeader {
    /// Splits a `more_set_headers` argument `'Name: value'` (the value may be empty).
    pub fn parse(arg: &Arg) -> MoreHeader {
        let text = &arg.value;
        let (name_end, value_start) = match text.find(':') {
            Some(colon) => (colon, colon + 1),
            None => (text.len(), text.len()),
        };
        let name_text = text.get(..name_end).unwrap_or("");
        let name_start = name_text.len() - name_text.trim_start().len();
        let name_stop = name_text.trim_end().len();
        let rest = text.get(value_start..).unwrap_or("");
        let value_lead = value_start + (rest.len() - rest.trim_start().len());
        let value_stop = value_start + rest.trim_end().len();
        MoreHeader {
            name: arg.slice(name_start, name_stop.max(name_start)),
            value: arg.slice(value_lead.min(value_stop), value_stop),
        }
    }
}

/// `more_set_headers [-s statuses] [-t types] 'Name: value' ...` (headers-more).
#[derive(Clone, Debug, PartialEq)]
pub struct MoreSetHeaders {
    pub headers: Vec<MoreHeader>,
    /// `-s '401 403'`: only these statuses; `None`: every status.
    pub statuses: Option<Vec<u16>>,
    /// `-t 'text/html'`: only these content types.
    pub types: Option<Vec<String>>,
    pub span: Span,
}

/// `more_clear_headers [-s ...] [-t ...] Name 'Access-Control-*' ...` (headers-more).
#[derive(Clone, Debug, PartialEq)]
pub struct MoreClearHeaders {
    /// Names, possibly ending in `*` (a prefix).
    pub names: Vec<Arg>,
    pub statuses: Option<Vec<u16>>,
    pub types: Option<Vec<String>>,
    pub span: Span,
}

impl MoreClearHeaders {
    /// Whether this directive clears `header`.
    pub fn clears(&self, header: &str) -> bool {
        self.names.iter().any(|n| header_pattern_matches(&n.value, header))
    }
}

/// A header name or a `Prefix*` pattern (headers-more) against a header name.
pub fn header_pattern_matches(pattern: &str, header: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => header.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix)),
        None => same_header(pattern, header),
    }
}

/// The module that talks to an upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassModule {
    Proxy,
    FastCgi,
    Uwsgi,
    Scgi,
    Grpc,
}

impl PassModule {
    /// The module of `proxy_pass`, `fastcgi_hide_header`, ... (by the directive's prefix).
    pub fn of_directive(name: &str) -> Option<PassModule> {
        let prefix = name.split('_').next()?;
        Some(match prefix {
            "proxy" => PassModule::Proxy,
            "fastcgi" => PassModule::FastCgi,
            "uwsgi" => PassModule::Uwsgi,
            "scgi" => PassModule::Scgi,
            "grpc" => PassModule::Grpc,
            _ => return None,
        })
    }

    pub fn prefix(self) -> &'static str {
        match self {
            PassModule::Proxy => "proxy",
            PassModule::FastCgi => "fastcgi",
            PassModule::Uwsgi => "uwsgi",
            PassModule::Scgi => "scgi",
            PassModule::Grpc => "grpc",
        }
    }
}

/// `proxy_hide_header` / `proxy_pass_header` (and their fastcgi/uwsgi/scgi/grpc twins).
#[derive(Clone, Debug, PartialEq)]
pub struct UpstreamHeader {
    pub module: PassModule,
    pub name: Arg,
    pub span: Span,
}

/// `proxy_set_header name value`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxySetHeader {
    pub name: Arg,
    pub value: Arg,
    pub span: Span,
}

/// `proxy_pass`, `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`, `grpc_pass`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    pub module: PassModule,
    pub target: Arg,
    pub span: Span,
}

impl Pass {
    /// The host part of the target (`backend` of `http://backend/api/`, `unix:/run/app.sock`).
    pub fn host(&self) -> &str {
        let t = self.target.value.as_str();
        let rest = t.find("://").and_then(|i| t.get(i + 3..)).unwrap_or(t);
        if rest.starts_with("unix:") {
            return rest;
        }
        rest.split('/').next().unwrap_or(rest)
    }
}

/// `return code [text|URL]` or `return URL`.
#[derive(Clone, Debug, PartialEq)]
pub struct Return {
    /// `None` when the code is a variable; a bare URL is 302.
    pub status: Option<u16>,
    pub span: Span,
}

/// `set $var value`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetVar {
    /// Lowercase, without `$`.
    pub var: String,
    pub value: Arg,
    pub span: Span,
}

/// A rewrite-module directive, in the order the rewrite phase runs them.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Set(SetVar),
    If(BlockId),
    Return(Return),
    /// `rewrite regex replacement [flag]`.
    Rewrite {
        flag: Option<String>,
        span: Span,
    },
    Break(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    AuthBasic,
    AuthRequest,
    AuthJwt,
    Allow,
    Deny,
}

/// An access-phase directive: `auth_basic realm|off`, `auth_request uri|off`, `auth_jwt
/// realm|off`, `allow address`, `deny address`.
#[derive(Clone, Debug, PartialEq)]
pub struct Access {
    pub kind: AccessKind,
    /// The first argument (realm, URI, `off`, address or `all`).
    pub arg: Arg,
    pub span: Span,
}

impl Access {
    pub fn is_auth(&self) -> bool {
        matches!(self.kind, AccessKind::AuthBasic | AccessKind::AuthRequest | AccessKind::AuthJwt)
    }

    /// An auth directive that is switched on (not `off`).
    pub fn is_active_auth(&self) -> bool {
        self.is_auth() && self.arg.value != "off"
    }

    pub fn directive(&self) -> &'static str {
        match self.kind {
            AccessKind::AuthBasic => "auth_basic",
            AccessKind::AuthRequest => "auth_request",
            AccessKind::AuthJwt => "auth_jwt",
            AccessKind::Allow => "allow",
            AccessKind::Deny => "deny",
        }
    }
}

/// `listen address[:port] [ssl] [default_server] ...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Listen {
    /// `None` when it is not a number here (a variable, a UNIX socket).
    pub port: Option<u16>,
    pub ssl: bool,
    pub default_server: bool,
    pub span: Span,
}

impl Listen {
    /// Reads the arguments of `listen`: `80`, `443 ssl`, `[::]:443`, `127.0.0.1` (port 80),
    /// `unix:/run/nginx.sock`, `${PORT}`.
    pub fn parse(args: &[Arg], span: Span) -> Listen {
        let first = args.first().map_or("", |a| a.value.as_str());
        let port = if first.starts_with("unix:") || syntax::has_variables(first) {
            None
        } else if let Ok(p) = first.parse::<u16>() {
            Some(p)
        } else {
            match first.rsplit_once(':') {
                Some((host, p)) if !p.ends_with(']') && !host.is_empty() => p.parse::<u16>().ok(),
                _ => Some(80),
            }
        };
        let has = |word: &str| args.iter().skip(1).any(|a| a.value == word);
        Listen { port, ssl: has("ssl"), default_server: has("default_server") || has("default"), span }
    }
}

/// Directives few blocks have, kept out of [`Block`]: the blocks without any (nearly all of them)
/// pay one pointer instead of their empty lists.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RareDirectives {
    pub add_header_inherit: Option<Spanned<InheritMode>>,
    pub more_set_headers: Vec<MoreSetHeaders>,
    pub more_clear_headers: Vec<MoreClearHeaders>,
    pub hide_headers: Vec<UpstreamHeader>,
    pub pass_headers: Vec<UpstreamHeader>,
    pub access: Vec<Access>,
    /// `satisfy any` (`true`) or `all`.
    pub satisfy_any: Option<Spanned<bool>>,
    /// Another content handler (`try_files`, `*_by_lua*`, `js_content`, `error_page`...): the
    /// response does not come from nginx's static file module.
    pub other_content: Option<Span>,
    /// `include`s of files corslint does not have (not in the repository, outside the tree):
    /// they may set headers, hide upstream headers or add `if`s here, so what is absent at this
    /// level is unknown.
    pub unknown_includes: Vec<Span>,
}

static NO_RARE_DIRECTIVES: RareDirectives = RareDirectives {
    add_header_inherit: None,
    more_set_headers: Vec::new(),
    more_clear_headers: Vec::new(),
    hide_headers: Vec::new(),
    pass_headers: Vec::new(),
    access: Vec::new(),
    satisfy_any: None,
    other_content: None,
    unknown_includes: Vec::new(),
};

/// One block with the directives written directly in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub parent: Option<BlockId>,
    /// The whole directive, block included.
    pub span: Span,
    /// Name and arguments (`location /api/`, `if ($request_method = OPTIONS)`).
    pub head: Span,
    /// Nested blocks, in source order.
    pub children: Vec<BlockId>,
    pub add_headers: Vec<AddHeader>,
    pub proxy_set_headers: Vec<ProxySetHeader>,
    /// `set`, `if`, `return`, `rewrite`, `break`, in source order.
    pub steps: Vec<Step>,
    pub pass: Option<Pass>,
    /// `listen` directives (of a `server`).
    pub listens: Vec<Listen>,
    /// What few blocks have, out of line ([`Block::rare`]).
    rare: Option<Box<RareDirectives>>,
}

impl Block {
    pub fn new(kind: BlockKind, parent: Option<BlockId>, span: Span, head: Span) -> Self {
        Block {
            kind,
            parent,
            span,
            head,
            children: Vec::new(),
            add_headers: Vec::new(),
            proxy_set_headers: Vec::new(),
            steps: Vec::new(),
            pass: None,
            listens: Vec::new(),
            rare: None,
        }
    }

    /// The directives few blocks have (all empty when this one has none of them).
    pub fn rare(&self) -> &RareDirectives {
        self.rare.as_deref().unwrap_or(&NO_RARE_DIRECTIVES)
    }

    pub fn rare_mut(&mut self) -> &mut RareDirectives {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Gives back the spare capacity of every list once the block has been read: on a monorepo
    /// of nginx services the model holds tens of thousands of blocks until the rules are done.
    pub fn shrink_to_fit(&mut self) {
        self.children.shrink_to_fit();
        self.add_headers.shrink_to_fit();
        self.proxy_set_headers.shrink_to_fit();
        self.steps.shrink_to_fit();
        self.listens.shrink_to_fit();
        if let BlockKind::Server { names } = &mut self.kind {
            names.shrink_to_fit();
        }
    }

    pub fn is_location(&self) -> bool {
        matches!(self.kind, BlockKind::Location { .. })
    }

    pub fn is_server(&self) -> bool {
        matches!(self.kind, BlockKind::Server { .. })
    }

    pub fn condition(&self) -> Option<&Condition> {
        match &self.kind {
            BlockKind::If { condition } => Some(condition),
            _ => None,
        }
    }

    /// The `return` this block's own rewrite directives end in, if they reach one: the first
    /// `return` at this level that no `break` precedes.
    pub fn own_return(&self) -> Option<&Return> {
        for step in &self.steps {
            match step {
                Step::Return(r) => return Some(r),
                Step::Break(_) => return None,
                Step::Set(_) | Step::If(_) | Step::Rewrite { .. } => {}
            }
        }
        None
    }

    /// Whether this level sets any response header itself (`add_header` or `more_set_headers`).
    pub fn sets_headers(&self) -> bool {
        !self.add_headers.is_empty() || !self.rare().more_set_headers.is_empty()
    }

    /// The `set $var` directives of this level.
    pub fn sets(&self) -> impl Iterator<Item = &SetVar> {
        self.steps.iter().filter_map(|s| match s {
            Step::Set(set) => Some(set),
            _ => None,
        })
    }

    /// The `if` blocks of this level, in order.
    pub fn ifs(&self) -> impl Iterator<Item = BlockId> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::If(id) => Some(*id),
            _ => None,
        })
    }
}

/// A map entry's key.
#[derive(Clone, Debug, PartialEq)]
pub enum MapKey {
    /// An exact string, compared case-insensitively.
    Exact(Arg),
    /// `~regex` (case-sensitive) or `~*regex`; the argument holds the pattern without the tilde.
    Regex { pattern: Arg, case_insensitive: bool },
}

impl MapKey {
    /// Reads a key as written (`~*^https://`, `"https://a.com"`).
    pub fn parse(key: &Arg) -> MapKey {
        let v = key.value.as_str();
        if let Some(p) = v.strip_prefix("~*") {
            MapKey::Regex { pattern: key.slice(2, 2 + p.len()), case_insensitive: true }
        } else if let Some(p) = v.strip_prefix('~') {
            MapKey::Regex { pattern: key.slice(1, 1 + p.len()), case_insensitive: false }
        } else if let Some(rest) = v.strip_prefix('\\') {
            MapKey::Exact(key.slice(1, 1 + rest.len()))
        } else {
            MapKey::Exact(key.clone())
        }
    }

    pub fn arg(&self) -> &Arg {
        match self {
            MapKey::Exact(a) | MapKey::Regex { pattern: a, .. } => a,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    pub key: MapKey,
    pub value: Arg,
    pub span: Span,
}

/// `map $source $target { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    /// Lowercase variable names without `$`.
    pub source: String,
    pub target: String,
    pub entries: Vec<MapEntry>,
    pub default: Option<Arg>,
    /// An `include` inside the map, or a source that is not a plain variable: entries are missing.
    pub incomplete: bool,
    /// The block the map is written in (maps are global to the configuration of its file tree).
    pub scope: BlockId,
    pub span: Span,
}

/// `upstream name { server ...; }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Upstream {
    pub name: String,
    pub servers: Vec<Arg>,
    pub scope: BlockId,
    pub span: Span,
}

/// Everything nginx-shaped in the project: one tree of blocks per configuration root.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NginxModel {
    pub blocks: Vec<Block>,
    pub maps: Vec<Map>,
    pub upstreams: Vec<Upstream>,
    /// What nginx refuses to load although it parses (`nginx -t`: a directive in a context it does
    /// not allow, a duplicate `location`), at the directive, in nginx's words.
    pub refusals: Vec<(Span, String)>,
    /// `include`s not followed, with why (`--verbose` lists them).
    pub unfollowed: Vec<(Span, String)>,
    /// What the rewrite phase decides, computed on first use; every change through
    /// [`NginxModel::add_block`], [`NginxModel::block_mut`] or [`NginxModel::add_map`] drops it.
    flow: std::sync::OnceLock<flow::Flow>,
    /// What several rules ask of every context, computed on first use and dropped with `flow`.
    views: std::sync::OnceLock<views::Views>,
}
