//! The project model: layer-independent facts that rules read. Every value points back at its source.
//!
//! Extractors fill it (`crate::extract`); rules only read it. Layer-specific facts live in the
//! submodules; the CORS policy of every layer is expressed once, as a [`CorsPolicy`].

pub mod app;
pub mod deploy;
pub mod frontend;
pub mod layer;
pub mod nginx;
pub mod stack;
pub mod versions;

pub use layer::Layer;

use crate::parse::ParseError;
use crate::source::{FileId, SourceFile, Span};
use std::collections::HashMap;
use std::path::PathBuf;

/// A value static analysis either resolved or could not. `Unknown` never produces a finding by itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    Known(T),
    Unknown,
}

impl<T> Value<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Value::Known(v) => Some(v),
            Value::Unknown => None,
        }
    }
}

/// How a layer matches an origin pattern against the request's `Origin` (defined with the matcher
/// that runs it).
pub use crate::analysis::matcher::MatchSemantics as PatternSemantics;

#[derive(Clone, Debug, PartialEq)]
pub enum OriginKind {
    /// Every origin, answered with `*` (or emulated by reflection, as Starlette does with credentials).
    Any,
    /// The request's `Origin` is echoed back without an allowlist.
    Reflect,
    /// One exact origin string, as configured.
    Literal(String),
    /// Origins matching a pattern.
    Pattern { pattern: String, semantics: PatternSemantics },
}

#[derive(Clone, Debug, PartialEq)]
pub struct OriginEntry {
    pub kind: OriginKind,
    /// The written value (a string literal with its quotes, a directive argument, an annotation value).
    pub span: Span,
    /// Byte offset in the file of the value's first character, when the value is written verbatim
    /// (no escapes), so a position inside the value can be pointed at.
    pub text_start: Option<usize>,
}

/// The set of origins a policy trusts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Origins {
    pub entries: Vec<OriginEntry>,
    /// Part of the allowlist could not be resolved statically.
    pub has_unknown: bool,
}

/// A setting as the layer sees it: written explicitly, or the layer's default.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: Value<T>,
    /// The setting as written, or, for a default, the construct that declares the policy.
    pub span: Span,
    pub explicit: bool,
}

impl<T> Setting<T> {
    pub fn explicit(value: Value<T>, span: Span) -> Self {
        Setting { value, span, explicit: true }
    }

    pub fn default_at(value: T, span: Span) -> Self {
        Setting { value: Value::Known(value), span, explicit: false }
    }

    pub fn known(&self) -> Option<&T> {
        self.value.known()
    }
}

/// A list of names (methods, headers) each with where it was written.
pub type NameList = Vec<crate::source::Spanned<String>>;

/// One layer's CORS behaviour, whatever layer declared it.
#[derive(Clone, Debug, PartialEq)]
pub struct CorsPolicy {
    pub layer: Layer,
    /// The construct that declares the policy (the `add_middleware` call, the location, the Ingress).
    pub span: Span,
    pub origins: Origins,
    pub credentials: Setting<bool>,
    pub methods: Setting<NameList>,
    pub headers: Setting<NameList>,
    pub expose_headers: Setting<NameList>,
    pub max_age: Setting<u64>,
}

/// A policy's settings other than its origins, when static analysis resolved every one of them:
/// what a simulate engine needs to answer a request the way the layer does.
pub struct KnownSettings<'p> {
    pub credentials: bool,
    pub methods: &'p NameList,
    pub headers: &'p NameList,
    pub expose_headers: &'p NameList,
    pub max_age: u64,
}

impl CorsPolicy {
    pub fn known_settings(&self) -> Option<KnownSettings<'_>> {
        Some(KnownSettings {
            credentials: *self.credentials.known()?,
            methods: self.methods.known()?,
            headers: self.headers.known()?,
            expose_headers: self.expose_headers.known()?,
            max_age: *self.max_age.known()?,
        })
    }
}

/// Everything the rules may look at.
#[derive(Debug, Default)]
pub struct Project {
    /// The directory paths are shown relative to.
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    /// Files that could not be parsed, in whole or in part (CORS901).
    pub parse_errors: Vec<(FileId, ParseError)>,
    pub policies: Vec<CorsPolicy>,
    /// nginx configurations: blocks, maps and upstreams, with nginx's inheritance rules.
    pub nginx: nginx::NginxModel,
    /// The origins the user declared trustworthy (`allowed-origins` in the configuration that governs
    /// the file), for each file that has the setting (CORS108). Filled by the pipeline, not extractors.
    pub allowed_origins: HashMap<FileId, Vec<String>>,
    /// Ingresses, Traefik middlewares and routers, compose services, Kubernetes Services and workloads.
    pub deploy: deploy::DeployFacts,
    /// Applications of the repository (their CORS components, middleware stack, routes, header needs).
    pub apps: Vec<app::App>,
    /// Apps corslint does not model that send their own CORS headers (found by byte patterns).
    pub own_cors: Vec<app::OwnCors>,
    /// Python functions that set `Access-Control-Allow-Origin` themselves (their policies are in
    /// `policies`); the apps they belong to send their own CORS headers.
    pub hand_written_cors: Vec<app::HandWrittenCors>,
    /// Which proxy, gateway or router reaches which app, and why (filled after every extractor).
    pub links: Vec<stack::Link>,
    /// What a stage could not analyse although it was asked to (CORS903): the run cannot vouch for it.
    pub not_analysed: Vec<NotAnalysed>,
    /// Frontends found in the repository (or declared in `[[frontends]]`): the origins their pages
    /// have and the API each calls.
    pub frontends: Vec<frontend::Frontend>,
    /// `Access-Control-*` response headers a configuration file sends as written (Next.js, Vercel
    /// and Netlify header rules), for the checks of a header's own name and value (CORS309).
    pub written_headers: Vec<WrittenHeader>,
    /// The framework releases the apps were read with (`package.json`, `requirements*.txt`, ...).
    pub versions: versions::Versions,
    /// Setups the framework refuses when the app starts (CORS901): the app does not run at all.
    pub startup_refusals: Vec<app::StartupRefusal>,
    /// What the stack linking looks up, indexed on its first use.
    pub stack_index: std::sync::OnceLock<stack::Index>,
    /// Positions in `links` by their front node, indexed on first use (after linking).
    pub links_by_front: std::sync::OnceLock<HashMap<stack::Node, Vec<usize>>>,
}

/// A response header as a configuration writes it; `value` is `None` when it is not a literal.
#[derive(Clone, Debug, PartialEq)]
pub struct WrittenHeader {
    pub name: nginx::Arg,
    pub value: Option<nginx::Arg>,
}

/// Something skipped or cut short, with where to point and what the user can do about it.
#[derive(Clone, Debug, PartialEq)]
pub struct NotAnalysed {
    /// The file (an empty span at its start when the whole file was skipped) or the construct.
    pub span: Span,
    /// What was not analysed and why, as the finding's message.
    pub message: String,
    /// How to have it analysed, or to exclude it explicitly.
    pub help: String,
}

impl Project {
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }
}
