//! Frontends of the repository: the origins a browser page of theirs has, and the API each calls
//! (semantics.md §7). Filled by `crate::extract::frontend`; read by CORS109 and `corslint simulate`
//! without `--origin`.

use crate::model::Value;
use crate::source::Span;
use serde::Serialize;
use std::path::PathBuf;

/// The dev server (or framework) that serves a frontend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    Vite,
    /// SvelteKit: Vite's dev server, `PUBLIC_` variables.
    #[serde(rename = "sveltekit")]
    SvelteKit,
    /// Astro 3+: Vite's dev server on 4321, `PUBLIC_` variables.
    Astro,
    /// Nuxt 3+: its own dev server on 3000, `NUXT_PUBLIC_` variables from `.env` in development.
    Nuxt,
    Next,
    CreateReactApp,
    Angular,
    /// Declared in `[[frontends]]` of corslint.toml.
    Declared,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Vite => "Vite",
            Tool::SvelteKit => "SvelteKit",
            Tool::Astro => "Astro",
            Tool::Nuxt => "Nuxt",
            Tool::Next => "Next.js",
            Tool::CreateReactApp => "Create React App",
            Tool::Angular => "Angular CLI",
            Tool::Declared => "corslint.toml",
        }
    }

    /// The dev server's port when nothing sets one.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Tool::Vite | Tool::SvelteKit => Some(5173),
            Tool::Astro => Some(4321),
            Tool::Next | Tool::CreateReactApp | Tool::Nuxt => Some(3000),
            Tool::Angular => Some(4200),
            Tool::Declared => None,
        }
    }

    /// The env variable prefixes that reach the browser bundle.
    pub fn env_prefixes(self) -> &'static [&'static str] {
        match self {
            Tool::Vite => &["VITE_"],
            // `$env/static/public` (`kit.env.publicPrefix`), and `import.meta.env` as in Vite.
            Tool::SvelteKit => &["PUBLIC_", "VITE_"],
            Tool::Astro => &["PUBLIC_"],
            // `runtimeConfig.public` is overridden by `NUXT_PUBLIC_*` variables.
            Tool::Nuxt => &["NUXT_PUBLIC_"],
            Tool::Next => &["NEXT_PUBLIC_"],
            Tool::CreateReactApp => &["REACT_APP_"],
            Tool::Angular | Tool::Declared => &[],
        }
    }

    /// Runs Vite's dev server: a config's `server` block, `--strictPort` and Vite's env file
    /// precedence apply.
    pub fn is_vite(self) -> bool {
        matches!(self, Tool::Vite | Tool::SvelteKit | Tool::Astro)
    }
}

/// Which build of the frontend a page runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    pub fn name(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }

    pub fn parse(text: &str) -> Option<Environment> {
        match text.to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(Environment::Development),
            "production" | "prod" => Some(Environment::Production),
            _ => None,
        }
    }
}

/// Where a fact about a frontend was read.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    pub span: Span,
    /// `the dev script's --port 3001`.
    pub what: String,
}

/// One origin a page of the frontend can have.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontendOrigin {
    /// Serialized (`http://localhost:5173`).
    pub origin: String,
    pub environment: Environment,
    /// Only the port the dev server moves to when its own is taken (no `strictPort`).
    pub fallback: bool,
    /// Outermost evidence first (the dependency, then what sets the port).
    pub evidence: Vec<Evidence>,
}

/// The base URL the frontend's API calls go to in one environment.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiBase {
    pub environment: Environment,
    /// An absolute URL, a path (same-origin) or not resolvable.
    pub url: Value<String>,
    pub evidence: Vec<Evidence>,
}

/// How the client sends its requests, as far as the repository says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientRequest {
    /// `credentials: "include"` / axios `withCredentials: true`.
    pub credentials: bool,
    /// Where the credentials mode is written (none when declared in corslint.toml).
    pub credentials_evidence: Option<Evidence>,
    /// Headers the client sets on every call (`Authorization` from an interceptor).
    pub headers: Vec<(String, Evidence)>,
    /// Calls that need a preflight: another method than GET/HEAD/POST, or a JSON body.
    pub writes: Vec<Write>,
    /// The browser interface the calls go through, which the console names in its error.
    pub interface: RequestInterface,
}

/// `fetch` or `XMLHttpRequest` (what axios and Angular's HttpClient use in a browser).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RequestInterface {
    #[default]
    Fetch,
    XmlHttpRequest,
}

impl RequestInterface {
    /// As the browser's console writes it: "Access to XMLHttpRequest at ...".
    pub fn console_name(self) -> &'static str {
        match self {
            RequestInterface::Fetch => "fetch",
            RequestInterface::XmlHttpRequest => "XMLHttpRequest",
        }
    }
}

/// A call of the client that needs a preflight.
#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    pub method: String,
    /// `Content-Type: application/json`.
    pub json: bool,
    pub evidence: Evidence,
}

impl Write {
    /// `PUT with a JSON body`.
    pub fn describe(&self) -> String {
        if self.json { format!("{} with a JSON body", self.method) } else { self.method.clone() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Frontend {
    /// The package's directory (relative as shown), or the declared name.
    pub dir: PathBuf,
    pub tool: Tool,
    /// The dependency that names the tool (or the `[[frontends]]` entry: no span, see `declared`).
    pub span: Option<Span>,
    pub origins: Vec<FrontendOrigin>,
    pub apis: Vec<ApiBase>,
    pub client: ClientRequest,
    /// Paths the dev server proxies to the backend (same-origin for the browser).
    pub dev_proxy: Vec<(String, Evidence)>,
    /// What could not be resolved, for `corslint frontends`.
    pub unknowns: Vec<String>,
}

impl Frontend {
    /// The API bases of `environment` that are absolute URLs.
    pub fn api_urls(&self, environment: Environment) -> impl Iterator<Item = (&str, &ApiBase)> {
        self.apis
            .iter()
            .filter(move |a| a.environment == environment)
            .filter_map(|a| a.url.known().map(|u| (u.as_str(), a)))
    }
}
