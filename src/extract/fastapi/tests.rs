//! Extraction tests: real pipeline runs over small temporary projects.

use crate::lint::{Options, lint};
use crate::model::app::{ArgShape, Install, MiddlewareKind, OriginNoteKind};
use crate::model::{OriginKind, Project};

pub(super) fn project(files: &[(&str, &str)]) -> (Project, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let full = dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(full, text).expect("write");
    }
    let options = Options { paths: vec![dir.path().to_path_buf()], ..Options::default() };
    let outcome = lint(&options).expect("lint");
    (outcome.project, dir)
}

pub(super) fn origins(p: &Project, policy: usize) -> Vec<String> {
    p.policies[policy]
        .origins
        .entries
        .iter()
        .map(|e| match &e.kind {
            OriginKind::Any => "*".to_string(),
            OriginKind::Literal(s) => s.clone(),
            OriginKind::Pattern { pattern, .. } => format!("re:{pattern}"),
            OriginKind::Reflect => "reflect".to_string(),
        })
        .collect()
}

fn slice(p: &Project, span: crate::source::Span) -> &str {
    p.files[span.file].slice(span.range)
}

#[test]
fn add_middleware_with_alias_and_spans() {
    let (p, _d) = project(&[(
        "main.py",
        "from starlette.middleware.cors import CORSMiddleware as CM\nfrom fastapi import FastAPI\n\napp = FastAPI()\napp.add_middleware(CM, allow_origins=[\"*\"], allow_credentials=True)\n",
    )]);
    assert_eq!(p.policies.len(), 1);
    assert_eq!(origins(&p, 0), ["*"]);
    let policy = &p.policies[0];
    assert_eq!(slice(&p, policy.origins.entries[0].span), "\"*\"");
    assert_eq!(policy.credentials.known(), Some(&true));
    assert_eq!(slice(&p, policy.credentials.span), "allow_credentials=True");
    assert!(!policy.methods.explicit);
    assert_eq!(policy.methods.known().map(|m| m.len()), Some(1));
    assert_eq!(policy.max_age.known(), Some(&600));
    assert_eq!(p.apps.len(), 1);
    assert_eq!(p.apps[0].cors.len(), 1);
}

#[test]
fn middleware_list_kwargs_dict_and_module_paths() {
    let (p, _d) = project(&[(
        "app.py",
        r#"import fastapi
from fastapi.middleware import cors
from starlette.middleware import Middleware

ORIGINS = ["https://a.example.com"] + ["https://b.example.com"]
CORS = dict(allow_origins=ORIGINS, allow_methods=("GET", "POST"))
middleware = [Middleware(cors.CORSMiddleware, **CORS, allow_credentials=True)]
app = fastapi.FastAPI(middleware=middleware)
other = fastapi.FastAPI()
other.add_middleware(middleware_class=fastapi.middleware.cors.CORSMiddleware, **{"allow_origins": ["https://c.example.com/"]})
"#,
    )]);
    assert_eq!(p.policies.len(), 2);
    assert_eq!(origins(&p, 0), ["https://a.example.com", "https://b.example.com"]);
    assert_eq!(
        p.policies[0].methods.known().map(|m| m.iter().map(|s| s.value.clone()).collect::<Vec<_>>()),
        Some(vec!["GET".to_string(), "POST".to_string()])
    );
    assert_eq!(p.apps[0].cors[0].install, Install::MiddlewareList);
    assert_eq!(p.apps[0].cors[0].arg("allow_methods").map(|a| a.shape.clone()), Some(ArgShape::Tuple));
    assert_eq!(origins(&p, 1), ["https://c.example.com/"]);
    assert_eq!(
        slice(&p, p.apps[1].cors[0].arg("allow_origins").map(|a| a.span).unwrap_or(p.apps[1].span)),
        "\"allow_origins\": [\"https://c.example.com/\"]"
    );
}

#[test]
fn wrap_style_and_string_shapes() {
    let (p, _d) = project(&[(
        "main.py",
        r#"import os
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

app = Starlette()
app = CORSMiddleware(app, allow_origins="https://a.com,https://b.com", allow_headers=os.getenv("H"))
"#,
    )]);
    assert_eq!(p.policies.len(), 1);
    let setup = &p.apps[0].cors[0];
    assert_eq!(setup.install, Install::Wrap);
    assert_eq!(
        setup.arg("allow_origins").map(|a| a.shape.clone()),
        Some(ArgShape::Str(Some("https://a.com,https://b.com".into())))
    );
    assert_eq!(setup.arg("allow_headers").map(|a| a.shape.clone()), Some(ArgShape::EnvStr));
    assert!(p.policies[0].origins.has_unknown);
    assert_eq!(p.apps[0].middleware[0].install, Install::Wrap);
}

#[test]
fn constants_from_another_module_and_factory() {
    let (p, _d) = project(&[
        ("backend/app/core/config.py", "ALLOWED_ORIGINS = ['http://localhost:3000', 'null']\n"),
        (
            "backend/app/main.py",
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom app.core.config import ALLOWED_ORIGINS\nfrom .core import config as c\n\ndef create_app():\n    application = FastAPI()\n    application.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS + [o for o in c.ALLOWED_ORIGINS if o != 'null'])\n    return application\n\napp = create_app()\n",
        ),
    ]);
    assert_eq!(p.policies.len(), 1);
    assert_eq!(origins(&p, 0), ["http://localhost:3000", "null", "http://localhost:3000"]);
    assert_eq!(
        p.files[p.policies[0].origins.entries[0].span.file].path.file_name().and_then(|n| n.to_str()),
        Some("config.py")
    );
}

#[test]
fn settings_with_dotenv_override_and_url_slash() {
    let (p, _d) = project(&[
        (
            "app/core/config.py",
            r#"from typing import List
from pydantic import AnyHttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")
    BACKEND_CORS_ORIGINS: List[AnyHttpUrl] = []
    CREDENTIALS: bool = False

settings = Settings()
"#,
        ),
        (
            ".env",
            "APP_BACKEND_CORS_ORIGINS=[\"http://localhost:5173\", \"https://app.example.com/x\"]\napp_credentials=true\n",
        ),
        (
            "app/main.py",
            r#"from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from app.core.config import settings

app = FastAPI()
if settings.BACKEND_CORS_ORIGINS:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[str(origin) for origin in settings.BACKEND_CORS_ORIGINS],
        allow_credentials=settings.CREDENTIALS,
    )
"#,
        ),
    ]);
    assert_eq!(origins(&p, 0), ["http://localhost:5173/", "https://app.example.com/x"]);
    let first = &p.policies[0].origins.entries[0];
    assert_eq!(slice(&p, first.span), "\"http://localhost:5173\"");
    assert_eq!(p.apps[0].cors[0].origin_notes.len(), 1);
    assert_eq!(p.apps[0].cors[0].origin_notes[0].kind, OriginNoteKind::UrlTrailingSlash);
    assert_eq!(p.policies[0].credentials.known(), Some(&true));
}

#[test]
fn template_style_settings_property_with_split_validator() {
    let (p, _d) = project(&[
        (
            "backend/app/core/config.py",
            r#"from typing import Annotated, Any
from pydantic import AnyUrl, BeforeValidator, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict

def parse_cors(v: Any) -> list[str] | str:
    if isinstance(v, str) and not v.startswith("["):
        return [i.strip() for i in v.split(",") if i.strip()]
    elif isinstance(v, list | str):
        return v
    raise ValueError(v)

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file="../.env", env_ignore_empty=True, extra="ignore")
    FRONTEND_HOST: str = "http://localhost:5173"
    BACKEND_CORS_ORIGINS: Annotated[list[AnyUrl] | str, BeforeValidator(parse_cors)] = []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def all_cors_origins(self) -> list[str]:
        return [str(origin).rstrip("/") for origin in self.BACKEND_CORS_ORIGINS] + [self.FRONTEND_HOST]

settings = Settings()  # type: ignore
"#,
        ),
        (
            ".env",
            "FRONTEND_HOST=http://localhost:5173\nBACKEND_CORS_ORIGINS=\"http://localhost,http://localhost:5173,https://localhost\"\n",
        ),
        (
            "backend/app/main.py",
            r#"from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from app.core.config import settings

app = FastAPI()
if settings.all_cors_origins:
    app.add_middleware(CORSMiddleware, allow_origins=settings.all_cors_origins, allow_credentials=True, allow_methods=["*"], allow_headers=["*"])
"#,
        ),
    ]);
    assert_eq!(
        origins(&p, 0),
        ["http://localhost", "http://localhost:5173", "https://localhost", "http://localhost:5173"]
    );
    assert!(p.apps[0].cors[0].origin_notes.is_empty());
    assert_eq!(slice(&p, p.policies[0].origins.entries[1].span), "http://localhost:5173");
}

#[test]
fn nested_list_and_regex() {
    let (p, _d) = project(&[(
        "main.py",
        "import os\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[os.getenv('ORIGINS', '').split(',')], allow_origin_regex=r'https://.*\\.example\\.com')\n",
    )]);
    assert_eq!(origins(&p, 0), [r"re:https://.*\.example\.com"]);
    assert_eq!(p.apps[0].cors[0].origin_notes[0].kind, OriginNoteKind::NestedList);
    assert!(!p.policies[0].origins.has_unknown);
    let entry = &p.policies[0].origins.entries[0];
    assert_eq!(entry.text_start.map(|s| &p.files[0].text[s..s + 5]), Some("https"));
}

#[test]
fn middleware_order_and_preflight_exits() {
    let (p, _d) = project(&[(
        "main.py",
        r#"from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware.base import BaseHTTPMiddleware

class Auth(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.method == "OPTIONS":
            return await call_next(request)
        if "authorization" not in request.headers:
            return JSONResponse({"detail": "no"}, status_code=401)
        return await call_next(request)

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["https://a.com"])
app.add_middleware(GZipMiddleware)
app.add_middleware(Auth)

@app.middleware("http")
async def check(request: Request, call_next):
    token = request.headers.get("Authorization")
    if token is None:
        return JSONResponse({"detail": "no"}, status_code=401)
    return await call_next(request)
"#,
    )]);
    let app = &p.apps[0];
    let names: Vec<_> = app.middleware.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["check", "Auth", "GZipMiddleware", "CORSMiddleware"]);
    match &app.middleware[0].kind {
        MiddlewareKind::Custom(c) => {
            assert_eq!(c.preflight_exit.map(|s| slice(&p, s).starts_with("return JSONResponse")), Some(true))
        }
        other => panic!("{other:?}"),
    }
    match &app.middleware[1].kind {
        MiddlewareKind::Custom(c) => {
            assert_eq!(c.preflight_exit, None);
            assert!(c.options_check.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.outermost_cors().map(|(i, _)| i), Some(3));
}

#[test]
fn routes_bodies_and_headers() {
    let (p, _d) = project(&[
        (
            "app/deps.py",
            r#"from typing import Annotated
from fastapi import Depends, Header
from fastapi.security import OAuth2PasswordBearer, APIKeyHeader

oauth2 = OAuth2PasswordBearer(tokenUrl="token")
api_key = APIKeyHeader(name="X-API-Key")
TokenDep = Annotated[str, Depends(oauth2)]

def current_user(token: TokenDep):
    return token
"#,
        ),
        (
            "app/items.py",
            r#"from fastapi import APIRouter, Body, Depends, Header
from pydantic import BaseModel
from .deps import current_user, api_key

class Item(BaseModel):
    name: str

router = APIRouter(prefix="/items", dependencies=[Depends(api_key)])

@router.post("/")
def create(item: Item, user=Depends(current_user)):
    return item

@router.delete("/{item_id}")
def delete(item_id: int, x_trace_id: str = Header(None)):
    return None

@router.api_route("/bulk", methods=["PUT", "patch"])
def bulk(payload: dict = Body(...)):
    return None
"#,
        ),
        (
            "app/main.py",
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom app import items\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=['https://a.com'])\napp.include_router(items.router, prefix='/api')\n",
        ),
    ]);
    let app = &p.apps[0];
    let routes: Vec<_> = app
        .routes
        .iter()
        .map(|r| {
            (
                r.path.clone().unwrap_or_default(),
                r.methods.iter().map(|m| m.value.clone()).collect::<Vec<_>>(),
                r.json_body.is_some(),
                r.headers.iter().map(|h| h.name.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (
                "/api/items/".to_string(),
                vec!["POST".to_string()],
                true,
                vec!["X-API-Key".to_string(), "Authorization".to_string()]
            ),
            (
                "/api/items/{item_id}".to_string(),
                vec!["DELETE".to_string()],
                false,
                vec!["X-API-Key".to_string(), "x-trace-id".to_string()]
            ),
            (
                "/api/items/bulk".to_string(),
                vec!["PUT".to_string(), "PATCH".to_string()],
                true,
                vec!["X-API-Key".to_string()]
            ),
        ]
    );
}

#[test]
fn deep_nesting_and_cycles_do_not_hang() {
    // Deeper than the extractor follows, within what the parser accepts.
    let deep = format!("x = {}'a'{}\nx = x + {}\n", "(".repeat(900), ")".repeat(900), vec!["'b'"; 3000].join(" + "));
    let (p, _d) = project(&[
        ("a.py", "from b import X as Y\nX = Y\nCORS = 1\n"),
        ("b.py", "from a import Y as X\nimport cors\n"),
        (
            "c.py",
            &format!(
                "from fastapi import FastAPI\n{deep}app = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=x)\n"
            ),
        ),
    ]);
    assert_eq!(p.policies.len(), 1);
    assert!(p.policies[0].origins.has_unknown);
}

fn custom(p: &Project, index: usize) -> &crate::model::app::CustomMiddleware {
    match &p.apps[0].middleware[index].kind {
        MiddlewareKind::Custom(c) => c,
        other => panic!("not custom: {other:?}"),
    }
}

#[test]
fn preflight_simulation_cases() {
    let (p, _d) = project(&[(
        "main.py",
        r#"from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

app = FastAPI()

@app.middleware("http")
async def logs_errors(request, call_next):
    try:
        response = await call_next(request)
    except Exception:
        return JSONResponse({"detail": "error"}, status_code=500)
    return response

@app.middleware("http")
async def key_error(request, call_next):
    token = request.headers["Authorization"]
    return await call_next(request)

@app.middleware("http")
async def decode_fails(request, call_next):
    try:
        user = decode(request.headers.get("authorization", ""))
    except ValueError:
        raise HTTPException(status_code=401)
    return await call_next(request)

@app.middleware("http")
async def health(request, call_next):
    if request.url.path == "/health":
        return await call_next(request)
    elif request.method in ("OPTIONS", "HEAD"):
        return await call_next(request)
    else:
        if not request.cookies.get("session"):
            return JSONResponse({}, status_code=401)
    return await call_next(request)
"#,
    )]);
    // Outermost first: the last decorator is outermost.
    let names: Vec<_> = p.apps[0].middleware.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["health", "decode_fails", "key_error", "logs_errors"]);
    assert_eq!(custom(&p, 0).preflight_exit, None);
    assert!(custom(&p, 0).options_check.is_some());
    assert!(custom(&p, 1).preflight_exit.is_some_and(|s| slice(&p, s).starts_with("raise HTTPException")));
    assert!(custom(&p, 2).preflight_exit.is_some_and(|s| slice(&p, s) == "request.headers[\"Authorization\"]"));
    assert_eq!(custom(&p, 3).preflight_exit, None);
    assert_eq!(custom(&p, 2).gate_headers.len(), 0);
}

#[test]
fn url_objects_without_str_match_nothing() {
    let (p, _d) = project(&[(
        "main.py",
        r#"from pydantic import AnyHttpUrl
from pydantic_settings import BaseSettings
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

class Settings(BaseSettings):
    BACKEND_CORS_ORIGINS: list[AnyHttpUrl] = ["https://app.example.com"]

settings = Settings()
app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=settings.BACKEND_CORS_ORIGINS)
other = FastAPI()
other.add_middleware(CORSMiddleware, allow_origins=[str(o) for o in settings.BACKEND_CORS_ORIGINS])
"#,
    )]);
    assert!(origins(&p, 0).is_empty());
    assert_eq!(p.apps[0].cors[0].origin_notes[0].kind, OriginNoteKind::UrlObject);
    assert_eq!(origins(&p, 1), ["https://app.example.com/"]);
    assert_eq!(p.apps[1].cors[0].origin_notes[0].kind, OriginNoteKind::UrlTrailingSlash);
    assert_eq!(slice(&p, p.policies[1].origins.entries[0].span), "\"https://app.example.com\"");
}

#[test]
fn dependencies_from_decorators_routers_and_security() {
    let (p, _d) = project(&[(
        "main.py",
        r#"from fastapi import APIRouter, Depends, FastAPI, Security
from fastapi.security import HTTPBearer, APIKeyHeader

class JWTBearer(HTTPBearer):
    pass

jwt = JWTBearer()
key = APIKeyHeader(name="X-Key", auto_error=False)
app = FastAPI(dependencies=[Depends(key)])
admin = APIRouter(dependencies=[Security(jwt)])

@admin.put("/settings", dependencies=[Depends(key)])
def put_settings():
    return {}

app.include_router(admin, prefix="/admin")
"#,
    )]);
    let route = &p.apps[0].routes[0];
    assert_eq!(route.path.as_deref(), Some("/admin/settings"));
    let names: Vec<_> = route.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["X-Key", "Authorization", "X-Key"]);
}

/// Function bodies are walked wherever the `def` sits: under an `if`, and in a class whose body
/// tree-sitter had to recover from a syntax error.
#[test]
fn functions_are_walked_under_blocks_and_inside_syntax_errors() {
    let body = "    def create_app():\n        app = FastAPI()\n        app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n        return app\n";
    let imports = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n";
    let nested = format!("{imports}import os\nif os.environ.get(\"X\"):\n{body}");
    let broken = format!("{imports}class Factory:\n    x = ]\n{body}");
    for source in [nested, broken] {
        let (p, _d) = project(&[("main.py", &source)]);
        assert_eq!(p.policies.len(), 1, "{source}");
        assert_eq!(origins(&p, 0), ["*"]);
    }
}
