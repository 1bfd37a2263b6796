//! What the app really installs: `try`/`except ImportError` imports, keyword dicts updated after
//! they are built, and lists of any length.

use super::tests::{origins, project};

const APP: &str = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n";

fn with_origins_import(import: &str) -> String {
    format!("{APP}{import}\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS)\n")
}

#[test]
fn import_fallback_binds_the_import_that_resolves() {
    let first = with_origins_import(
        "try:\n    from .origins import ORIGINS\nexcept ImportError:\n    from ..origins import ORIGINS\n",
    );
    let (p, _d) = project(&[
        ("svc/app/main.py", &first),
        ("svc/app/origins.py", "ORIGINS = ['https://first.example.com']\n"),
        ("svc/origins.py", "ORIGINS = ['https://parent.example.com']\n"),
    ]);
    assert_eq!(origins(&p, 0), ["https://first.example.com"]);

    // The first module is not in the project: the fallback runs.
    let (p, _d) =
        project(&[("svc/app/main.py", &first), ("svc/origins.py", "ORIGINS = ['https://parent.example.com']\n")]);
    assert_eq!(origins(&p, 0), ["https://parent.example.com"]);

    // The first module exists but lacks the name: `from .origins import ORIGINS` raises ImportError.
    let (p, _d) = project(&[
        ("svc/app/main.py", &first),
        ("svc/app/origins.py", "OTHER_ORIGINS = ['https://other.example.com']\n"),
        ("svc/origins.py", "ORIGINS = ['https://parent.example.com']\n"),
    ]);
    assert_eq!(origins(&p, 0), ["https://parent.example.com"]);
}

#[test]
fn import_fallback_between_installed_packages_keeps_the_class() {
    let text = "from fastapi import FastAPI\ntry:\n    from fastapi.middleware.cors import CORSMiddleware\nexcept (ImportError, ModuleNotFoundError):\n    from starlette.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=['*'])\n";
    let (p, _d) = project(&[("main.py", text)]);
    assert_eq!(origins(&p, 0), ["*"]);
}

#[test]
fn other_handlers_and_assignments_stay_unknown() {
    // A handler that is not about imports, or a fallback that is an assignment: the value depends on
    // what happens at run time.
    for import in [
        "try:\n    from .origins import ORIGINS\nexcept ValueError:\n    from ..origins import ORIGINS\n",
        "try:\n    from .origins import ORIGINS\nexcept ImportError:\n    ORIGINS = ['*']\n",
    ] {
        let (p, _d) = project(&[
            ("svc/app/main.py", &with_origins_import(import)),
            ("svc/origins.py", "ORIGINS = ['https://parent.example.com']\n"),
        ]);
        assert!(origins(&p, 0).is_empty(), "{import}");
        assert!(p.policies[0].origins.has_unknown, "{import}");
    }
}

#[test]
fn keyword_dicts_and_lists_changed_in_place_are_followed_in_statement_order() {
    let text = format!(
        "{APP}app = FastAPI()\nkw = {{'allow_origins': ['https://a.example.com']}}\nkw['allow_credentials'] = True\n\
         kw.update({{'allow_methods': ['GET']}}, max_age=60)\nkw |= {{'allow_headers': ['X-Token']}}\n\
         app.add_middleware(CORSMiddleware, **kw)\nkw['allow_origins'] = ['*']\n"
    );
    let (p, _d) = project(&[("main.py", &text)]);
    assert_eq!(origins(&p, 0), ["https://a.example.com"], "the change after the call is not seen");
    let policy = &p.policies[0];
    assert_eq!(policy.credentials.known(), Some(&true));
    assert_eq!(p.files[0].slice(policy.credentials.span.range), "kw['allow_credentials'] = True");
    assert_eq!(policy.max_age.known(), Some(&60));
    assert_eq!(policy.headers.known().map(|h| h.len()), Some(1));

    let lists = format!(
        "{APP}from .extra import EXTRA_ORIGINS\nORIGINS = ['https://a.example.com']\nORIGINS.append('https://b.example.com')\n\
         ORIGINS += ['https://c.example.com']\nORIGINS.extend(EXTRA_ORIGINS)\napp = FastAPI()\n\
         app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)\n"
    );
    let extra = "EXTRA_ORIGINS = ['https://d.example.com']\nEXTRA_ORIGINS.append('https://e.example.com')\n";
    let (p, _d) = project(&[("pkg/main.py", &lists), ("pkg/extra.py", extra)]);
    assert_eq!(
        origins(&p, 0),
        [
            "https://a.example.com",
            "https://b.example.com",
            "https://c.example.com",
            "https://d.example.com",
            "https://e.example.com"
        ]
    );
}

#[test]
fn changes_that_may_not_run_make_the_value_unknown() {
    for change in [
        "if DEBUG:\n    kw['allow_origins'] = ['*']\n",
        "for origin in EXTRA:\n    kw['allow_origins'].append(origin)\n",
        "kw.pop('allow_origins')\n",
        "kw.update(**unknown_options())\n",
    ] {
        let text = format!(
            "{APP}app = FastAPI()\nkw = {{'allow_origins': ['https://a.example.com']}}\n{change}\
             app.add_middleware(CORSMiddleware, **kw)\n"
        );
        let (p, _d) = project(&[("main.py", &text)]);
        let policy = &p.policies[0];
        assert!(policy.origins.has_unknown || policy.credentials.known().is_none(), "{change}");
    }
}

#[test]
fn lists_of_any_length_are_analysed_whole() {
    let entries: Vec<String> = (0..20_000).map(|i| format!("    'https://store-{i}.example.com',\n")).collect();
    let text = format!(
        "{APP}ORIGINS = [\n{}    '*',\n]\nEXTRA = [*ORIGINS, 'https://extra.example.com']\napp = FastAPI()\n\
         app.add_middleware(CORSMiddleware, allow_origins=EXTRA + ORIGINS)\n",
        entries.concat()
    );
    let (p, _d) = project(&[("main.py", &text)]);
    let found = origins(&p, 0);
    assert_eq!(found.len(), 2 * 20_001 + 1);
    assert_eq!(found.iter().filter(|o| *o == "*").count(), 2);
    assert!(!p.policies[0].origins.has_unknown);
    assert!(p.not_analysed.is_empty(), "{:?}", p.not_analysed);
}

#[test]
fn bounds_that_evaluation_hits_are_reported_not_passed() {
    // Each constant doubles the one before: 2^18 items from a few hundred bytes; then a chain of
    // constants deeper than evaluation follows.
    let mut doubling = format!("{APP}A0 = ['https://a.example.com']\n");
    for i in 1..=18 {
        doubling.push_str(&format!("A{i} = A{} + A{}\n", i - 1, i - 1));
    }
    let mut chain = format!("{APP}A0 = ['*']\n");
    for i in 1..=40 {
        chain.push_str(&format!("A{i} = A{}\n", i - 1));
    }
    for (constants, used, why) in
        [(doubling, "A18", "grows beyond 100000 items"), (chain, "A40", "nest more than 40 levels")]
    {
        let text =
            format!("{constants}app = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins={used} + ['*'])\n");
        let started = std::time::Instant::now();
        let (p, _d) = project(&[("main.py", &text)]);
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "hang guard: {:?}", started.elapsed());
        assert!(p.policies[0].origins.has_unknown, "{why}");
        let [skipped] = p.not_analysed.as_slice() else { panic!("{why}: {:?}", p.not_analysed) };
        assert!(skipped.message.contains(why), "{}", skipped.message);
        assert!(p.files[skipped.span.file].slice(skipped.span.range).starts_with("app.add_middleware"));
    }
}

const SETTINGS: &str = "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=ENV_FILE)\n    CORS_ORIGINS: list[str] = ['https://default.example.com']\n\nsettings = Settings()\n";
const MAIN: &str = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom app.config import settings\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS)\n";

fn service_origins(files: &[(&str, &str)], env_file: &str) -> (Vec<String>, bool) {
    let settings = SETTINGS.replace("ENV_FILE", &format!("{env_file:?}"));
    let mut all = vec![("api/app/config.py", settings.as_str()), ("api/app/main.py", MAIN)];
    all.extend_from_slice(files);
    let (p, _d) = project(&all);
    (origins(&p, 0), p.policies[0].origins.has_unknown)
}

#[test]
fn a_settings_module_reads_the_env_files_of_its_own_service() {
    let root_env = (".env", "CORS_ORIGINS=[\"https://root.example.com\"]\n");
    let marker = ("api/pyproject.toml", "[project]\nname = \"api\"\n");
    // Above the project root: not read, unless `env_file` points there (from the project root).
    let got = service_origins(&[marker, root_env], ".env");
    assert_eq!(got, (vec!["https://default.example.com".to_string()], false));
    let got = service_origins(&[marker, root_env], "../.env");
    assert_eq!(got, (vec!["https://root.example.com".to_string()], false));
    // Without a project marker the service reaches up to the repository's own `.env`.
    let got = service_origins(&[root_env], ".env");
    assert_eq!(got, (vec!["https://root.example.com".to_string()], false));
}

#[test]
fn compose_environment_wins_over_env_files() {
    let own_env = ("api/.env", "CORS_ORIGINS=[\"https://own.example.com\"]\n");
    let compose_env = (".env", "CORS_ORIGINS=[\"https://compose.example.com\"]\n");
    let compose =
        |environment: &str| format!("services:\n  api:\n    build: ./api\n    environment:\n      - {environment}\n");
    // A literal value in compose: not a `.env` value, not the default.
    let literal = compose("CORS_ORIGINS=${FROM_SHELL}");
    let got = service_origins(&[own_env, compose_env, ("docker-compose.yml", &literal)], ".env");
    assert_eq!(got, (Vec::new(), true));
    // Passed through from compose's own `.env`.
    let passed = compose("CORS_ORIGINS=${CORS_ORIGINS}");
    let got = service_origins(&[own_env, compose_env, ("docker-compose.yml", &passed)], ".env");
    assert_eq!(got, (vec!["https://compose.example.com".to_string()], false));
}
