//! An application of the repository and what is installed on it: its CORS components, its
//! middleware stack in order, its routes and the request headers they need (CORS105, CORS201,
//! CORS204, CORS205), and what the cross-layer rules (CORS203, CORS303 to CORS308) say about the
//! app behind a proxy.
//!
//! The policy of each CORS setup lives in `Project::policies` like every other layer's;
//! [`CorsSetup::policy`] is its index there, and its `layer` says whose semantics apply.

use crate::model::{Layer, Value};
use crate::source::{Span, Spanned};

/// One application object and what is installed on it.
#[derive(Clone, Debug, PartialEq)]
pub struct App {
    /// The constructor call (`FastAPI(...)`), wherever it is (module level or inside a factory).
    pub span: Span,
    pub framework: Framework,
    /// Every CORS component installed on this app (Starlette's `CORSMiddleware`), in the order they
    /// were found.
    pub cors: Vec<CorsSetup>,
    /// The user middleware stack in effective order: `middleware[0]` is outermost and sees a request
    /// first. Starlette's own `ServerErrorMiddleware` (outside) and `ExceptionMiddleware` (inside) are
    /// not listed.
    pub middleware: Vec<Middleware>,
    /// Routes of the app and of every router included into it (transitively).
    pub routes: Vec<Route>,
    /// Request headers every request needs, whatever the route (an `AuthenticationMiddleware`
    /// backend that reads `Authorization`).
    pub header_needs: Vec<HeaderNeed>,
}

impl App {
    /// The CORS setup that answers preflights: the outermost one in the stack.
    pub fn outermost_cors(&self) -> Option<(usize, &CorsSetup)> {
        self.middleware.iter().enumerate().find_map(|(position, m)| match m.kind {
            MiddlewareKind::Cors { setup } => self.cors.get(setup).map(|s| (position, s)),
            _ => None,
        })
    }

    /// Whether the app answers an OPTIONS request without CORS handling: an OPTIONS route, a
    /// middleware of the project that checks for OPTIONS (or one corslint cannot look into), or a
    /// framework that answers OPTIONS itself.
    pub fn answers_options(&self) -> bool {
        self.framework.answers_options()
            || self.routes.iter().any(|r| r.methods.iter().any(|m| m.value == "OPTIONS"))
            || self.middleware.iter().any(|m| match &m.kind {
                MiddlewareKind::Custom(c) => c.options_check.is_some(),
                MiddlewareKind::Unknown => true,
                _ => false,
            })
    }
}

/// The web framework an app is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    FastApi,
    Starlette,
    Flask,
    /// A Django project: its settings module (no app object; `span` is the `CorsMiddleware` entry).
    Django,
    Litestar,
    Express,
    /// NestJS on its default Express adapter.
    NestJs,
    Fastify,
    /// NestJS on its `FastifyAdapter`: `enableCors` registers `@fastify/cors`.
    NestJsFastify,
    Hono,
}

impl Framework {
    /// How messages name it: `FastAPI`.
    pub fn name(self) -> &'static str {
        match self {
            Framework::FastApi => "FastAPI",
            Framework::Starlette => "Starlette",
            Framework::Flask => "Flask",
            Framework::Django => "Django",
            Framework::Litestar => "Litestar",
            Framework::Express => "Express",
            Framework::NestJs => "NestJS",
            Framework::Fastify => "fastify",
            Framework::NestJsFastify => "NestJS (fastify)",
            Framework::Hono => "Hono",
        }
    }

    /// A short lower-case id for `--verbose` link descriptions: `fastapi`.
    pub fn id(self) -> &'static str {
        match self {
            Framework::FastApi => "fastapi",
            Framework::Starlette => "starlette",
            Framework::Flask => "flask",
            Framework::Django => "django",
            Framework::Litestar => "litestar",
            Framework::Express => "express",
            Framework::NestJs => "nestjs",
            Framework::Fastify => "fastify",
            Framework::NestJsFastify => "nestjs-fastify",
            Framework::Hono => "hono",
        }
    }

    /// The CORS component an app of this framework would install: what a `help` tells to add.
    pub fn cors_layer(self) -> Layer {
        match self {
            Framework::FastApi | Framework::Starlette => Layer::Starlette,
            Framework::Flask => Layer::FlaskCors,
            Framework::Django => Layer::DjangoCors,
            Framework::Litestar => Layer::Litestar,
            Framework::Express | Framework::NestJs => Layer::ExpressCors,
            Framework::Fastify | Framework::NestJsFastify => Layer::FastifyCors,
            Framework::Hono => Layer::HonoCors,
        }
    }

    /// Whether the framework answers OPTIONS for every route by itself (Starlette's router does not:
    /// 405; Flask adds an automatic OPTIONS answer to every route).
    fn answers_options(self) -> bool {
        match self {
            Framework::FastApi | Framework::Starlette => false,
            Framework::Flask => true,
            // Its routes are in `urls.py`, which corslint does not read: not known to answer.
            Framework::Django => false,
            // It adds an OPTIONS handler to every route path.
            Framework::Litestar => true,
            // Express's router answers OPTIONS for a path with routes (200, `Allow`); NestJS too.
            Framework::Express | Framework::NestJs => true,
            // Both answer 404 for a method no route has; `@fastify/cors` adds its own `OPTIONS *`.
            Framework::Fastify | Framework::NestJsFastify | Framework::Hono => false,
        }
    }
}

/// How a middleware was put on the app; decides its place in the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    /// `app.add_middleware(Cls, ...)`: inserted at the front, so the last one added is outermost.
    AddMiddleware,
    /// `@app.middleware("http")`: `add_middleware(BaseHTTPMiddleware, dispatch=f)` where `f` is defined.
    Decorator,
    /// `FastAPI(middleware=[Middleware(Cls, ...)])`: list order, first is outermost, inside every
    /// `add_middleware` one.
    MiddlewareList,
    /// `app = Cls(app, ...)`: wraps the whole application, outside everything else.
    Wrap,
    /// `CORS(app, ...)` or `CORS().init_app(app, ...)`: a Flask extension that adds its headers to
    /// every response in an `after_request` hook (also to error responses).
    Extension,
    /// `@cross_origin(...)` on one view function: that route only.
    ViewDecorator,
    /// `"corsheaders.middleware.CorsMiddleware"` in the `MIDDLEWARE` setting, configured by the
    /// `CORS_*` settings of the same settings module.
    Settings,
    /// `Litestar(cors_config=CORSConfig(...))`: wraps the whole app, outside its exception handling.
    ConstructorConfig,
    /// Express `app.use(...)` (or NestJS `app.enableCors(...)`, which calls it): middleware runs in
    /// registration order, the first registered sees a request first.
    Use,
    /// `fastify.register(cors, opts)`: a hook on every route of the instance, whatever the order in
    /// which routes are declared; hooks run in the order `register` and `addHook` are written.
    Plugin,
    /// A handler argument of one route (`app.get("/x", cors(), handler)`, `app.options("*", cors())`):
    /// runs for that path and method only.
    RouteHandler,
}

/// One installation of a CORS component; its policy's `layer` says which.
#[derive(Clone, Debug, PartialEq)]
pub struct CorsSetup {
    /// Index of its policy in `Project::policies`.
    pub policy: usize,
    /// The installing construct: the `add_middleware(...)` call, the `Middleware(...)` call, or the
    /// wrapping `CORSMiddleware(app, ...)` call.
    pub span: Span,
    pub install: Install,
    /// The keyword arguments that were given (also through `**kwargs` dicts), with their shapes.
    pub args: Vec<CorsArg>,
    /// Some arguments could not be seen (`**unknown`).
    pub unknown_args: bool,
    /// Why some origins never match, beyond what the origin strings themselves say (CORS104 evidence).
    pub origin_notes: Vec<OriginNote>,
    /// The request paths it answers, when not every path: a Flask-CORS resource pattern
    /// (`r"/api/*"`, `re.match`ed against the path) or the path of the route `@cross_origin` decorates.
    pub paths: Option<PathScope>,
}

/// Which request paths a CORS setup answers.
#[derive(Clone, Debug, PartialEq)]
pub enum PathScope {
    /// A regex matched at the start of the path (Flask-CORS `resources`, `CORS_URLS_REGEX`).
    StartAnchoredRegex(String),
    /// One route's path template (`/items/<int:id>`).
    Route(String),
    /// Paths corslint cannot see.
    Unknown,
}

impl CorsSetup {
    pub fn arg(&self, name: &str) -> Option<&CorsArg> {
        self.args.iter().find(|a| a.name == name)
    }
}

/// One keyword argument of a CORS setup.
#[derive(Clone, Debug, PartialEq)]
pub struct CorsArg {
    /// `allow_origins`, `allow_methods`, ...
    pub name: String,
    /// The argument as written at the setup (`allow_origins=ORIGINS`, or the `"allow_origins": ...`
    /// pair of a `**kwargs` dict).
    pub span: Span,
    /// Where the value itself was written: the expression at the call, or the literal behind a
    /// constant, a settings default or a `.env` value (possibly in another file).
    pub value_span: Span,
    pub shape: ArgShape,
}

/// The Python type of a CORS argument's value, as far as static analysis sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgShape {
    List,
    Tuple,
    Set,
    /// A `str`, with its content when known.
    Str(Option<String>),
    /// A string read from the environment (`os.getenv(...)`, `os.environ[...]`, `os.environ.get(...)`).
    EnvStr,
    Bool(bool),
    Number,
    NoneValue,
    /// A known value of another type (a dict, a class, ...).
    Other,
    Unknown,
}

/// Evidence that an allowed origin can never match, which the origin strings alone do not show.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginNote {
    /// The affected entry in the policy's `origins.entries`, when there is one.
    pub entry: Option<usize>,
    pub kind: OriginNoteKind,
    /// The construct that causes it (the `str(o)` call, the nested list).
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OriginNoteKind {
    /// `str()` of a pydantic v2 URL (`AnyHttpUrl`/`HttpUrl`/`AnyUrl`) appended a `/`: the entry's
    /// literal already holds the resulting string (`https://app.example.com/`), its span is where the
    /// value was written without the slash.
    UrlTrailingSlash,
    /// A pydantic v2 URL object (`AnyHttpUrl`, `HttpUrl`, `AnyUrl`) used as an origin without `str()`:
    /// a URL object never equals the request's origin string. No entry is created for it.
    UrlObject,
    /// A list inside the origins list (`[os.getenv("X").split(",")]`): Starlette compares the request's
    /// origin with the inner list, which is never equal. No entry is created for it.
    NestedList,
    /// An entry the component's own startup check refuses although the component would match it
    /// (django-cors-headers `corsheaders.E014`: an origin with a path, query or fragment, which
    /// `manage.py` refuses and a WSGI/ASGI server, which runs no checks, compares by scheme and host).
    RefusedAtStartup,
    /// `*` as one entry of a list the component compares with `===` (Express `cors`: only the whole
    /// option `origin: "*"` means every origin): no browser sends `Origin: *`, so the entry allows
    /// nothing. No entry is created for it.
    WildcardInList,
}

/// One middleware in the stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Middleware {
    /// The class or function name as written (`CORSMiddleware`, `AuthMiddleware`, `check_token`).
    pub name: String,
    /// Where it is installed (the `add_middleware` call, the decorator, the list entry, the wrap).
    pub span: Span,
    pub install: Install,
    pub kind: MiddlewareKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MiddlewareKind {
    /// The app's CORS component; `setup` indexes `App::cors`.
    Cors {
        setup: usize,
    },
    /// A known middleware that always passes requests on (GZip, sessions, ...).
    PassThrough,
    TrustedHost {
        allowed_hosts: Value<Vec<Spanned<String>>>,
    },
    HttpsRedirect,
    Authentication {
        backend: Option<AuthBackend>,
    },
    /// Code of the project: a `BaseHTTPMiddleware` subclass, an `@app.middleware("http")` function, or
    /// a pure ASGI class.
    Custom(CustomMiddleware),
    /// A class corslint cannot look into (from an installed package).
    Unknown,
}

/// What an OPTIONS preflight meets in a middleware of the project.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomMiddleware {
    /// The function or class that implements it.
    pub definition: Span,
    /// A `return`/`raise` (or a failing `request.headers["..."]`) that a preflight (OPTIONS, no
    /// credentials, no custom headers) can reach before `call_next`/`self.app` is called.
    pub preflight_exit: Option<Span>,
    /// The `if request.method == "OPTIONS"` check that passes preflights on, if there is one.
    pub options_check: Option<Span>,
    /// Request headers the middleware tests in its conditions (`if "x-api-key" not in request.headers`):
    /// real requests must carry them, so preflights ask for them.
    pub gate_headers: Vec<Spanned<String>>,
}

/// A Starlette `AuthenticationBackend` of the project.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthBackend {
    pub definition: Span,
    /// A `raise` in `authenticate` that a request without credentials can reach (Starlette answers it
    /// with `on_error`: 400, or a 500 for other exceptions).
    pub raises_without_credentials: Option<Span>,
    /// Request headers `authenticate` reads (`conn.headers["Authorization"]`).
    pub reads_headers: Vec<Spanned<String>>,
}

/// A route of the app.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Upper-case methods it answers; each span is where the method is written (the decorator's
    /// `app.delete`, the `"DELETE"` in `methods=[...]`).
    pub methods: Vec<Spanned<String>>,
    /// The full path when known (router prefixes applied).
    pub path: Option<String>,
    /// The decorator or the registering call.
    pub span: Span,
    /// The parameter that makes the route read a JSON body (a pydantic model, `Body()`, `dict`), or an
    /// `await request.json()`.
    pub json_body: Option<Span>,
    /// Request headers the route's dependencies need (app, router, decorator and parameter levels).
    pub headers: Vec<HeaderNeed>,
}

impl Route {
    /// `DELETE /items/{id}` for messages.
    pub fn describe(&self, method: &str) -> String {
        match &self.path {
            Some(path) => format!("{method} {path}"),
            None => format!("{method} route"),
        }
    }
}

/// A request header a route or app needs the browser to send.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderNeed {
    /// The header name as the client sends it (`Authorization`, `x-token`).
    pub name: String,
    /// What creates the need: the `OAuth2PasswordBearer(...)` call, the `Header()` parameter.
    pub span: Span,
    /// A short description for messages (``OAuth2PasswordBearer``, ``the `Header()` parameter `x_token` ``).
    pub source: String,
    /// The request is served without it: a `Header()` parameter with a default (`Header(None)`,
    /// `Header(default="x")`, or `= None` after an `Annotated[..., Header()]`). FastAPI answers 422
    /// only for a missing required one.
    pub optional: bool,
}

impl HeaderNeed {
    /// Whether a browser request carrying this header needs a preflight that must allow it: not for
    /// CORS-safelisted headers, nor for headers the browser or a proxy sets (scripts cannot).
    pub fn triggers_preflight(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        const NOT_FROM_SCRIPTS: &[&str] = &[
            "accept",
            "accept-language",
            "content-language",
            "content-type",
            "range",
            "accept-charset",
            "accept-encoding",
            "connection",
            "content-length",
            "cookie",
            "date",
            "dnt",
            "host",
            "origin",
            "referer",
            "user-agent",
            "via",
            "forwarded",
            "x-real-ip",
            "keep-alive",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "upgrade-insecure-requests",
            "cache-control",
            "pragma",
            "if-none-match",
            "if-modified-since",
        ];
        !(NOT_FROM_SCRIPTS.contains(&name.as_str())
            || name.starts_with("sec-")
            || name.starts_with("proxy-")
            || name.starts_with("x-forwarded-")
            || name.starts_with("cf-"))
    }
}

/// An app corslint does not model (Express, Spring, ASP.NET Core, Go, Laravel, Rails, PHP) whose
/// source shows that it sends CORS headers itself: enough for the cross-layer rules to know that a
/// proxy adding `Access-Control-Allow-Origin` in front of it sends a second one.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnCors {
    /// The compose service whose `build` context holds the app (`project.deploy.compose_services[service]`).
    pub service: usize,
    /// How messages name what sends the headers: "Express `cors`", "Spring `@CrossOrigin`".
    pub framework: &'static str,
    /// The code that shows it.
    pub span: Span,
    /// Code that runs on the app's requests; `false` for weaker evidence (a configuration file that
    /// applies to some paths only, which may not be the ones the proxy forwards).
    pub strong: bool,
}

/// A function of a Python app that sets `Access-Control-Allow-Origin` on its responses itself
/// (a route, an `after_request` hook, a middleware), whatever the framework.
#[derive(Clone, Debug, PartialEq)]
pub struct HandWrittenCors {
    /// Index of its policy (layer [`Layer::PythonHeaders`]) in `Project::policies`.
    pub policy: usize,
    /// The statement that sets `Access-Control-Allow-Origin`.
    pub span: Span,
    /// It handles every response of the app (a hook or middleware), not one route's.
    pub every_response: bool,
}

/// A CORS setup the framework refuses when the app starts (Express 5 throws on a path its router
/// cannot parse): the app does not run, whatever its policy says.
#[derive(Clone, Debug, PartialEq)]
pub struct StartupRefusal {
    /// What is refused (the path argument).
    pub span: Span,
    /// What happens, naming the release whose behaviour is described.
    pub message: String,
    pub help: String,
}
