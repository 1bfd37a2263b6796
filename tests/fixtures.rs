//! The fixture harness: runs the real pipeline over `fixtures/` and compares the findings with the
//! `# expect: CODE` comments written in the fixtures. Each file directly under `fixtures/<CODE>/` is
//! linted alone; each subdirectory (and `fixtures/demo`) is linted as one project.

use corslint::lint::{Options, lint};
use corslint::model::Project;
use corslint::model::layer::Layer;
use corslint::source::{FileKind, SourceFile};
use corslint::suppress::comment_directives;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Findings = BTreeMap<(PathBuf, usize, String), usize>;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every lint target: single files under the rule folders, and project folders.
fn targets() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(fixtures_root()) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let is_rule_folder = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("CORS"));
        if !is_rule_folder {
            out.push(path);
            continue;
        }
        for child in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            out.push(child.path());
        }
    }
    out.sort();
    out
}

/// Relative to the crate root, as the harness reports paths.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let absolute = if path.is_absolute() { path.to_path_buf() } else { root.join(path) };
    absolute.strip_prefix(root).map(Path::to_path_buf).unwrap_or(absolute)
}

fn files_under(target: &Path) -> Vec<PathBuf> {
    if target.is_file() {
        return vec![target.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![target.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { stack.push(path) } else { out.push(path) }
        }
    }
    out
}

/// A showcase folder's expectations, kept beside it in `expected.txt` (one `path:row CODE` a line,
/// the path relative to the folder) so its files carry no harness markers.
fn listed_expectations(target: &Path) -> Option<Findings> {
    let text = std::fs::read_to_string(target.join("expected.txt")).ok()?;
    let mut expected = Findings::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (place, code) =
            line.split_once(' ').unwrap_or_else(|| panic!("expected.txt: `{line}` is not `path:row CODE`"));
        let (path, row) = place.rsplit_once(':').unwrap_or_else(|| panic!("expected.txt: `{line}` has no row"));
        let row: usize = row.parse().unwrap_or_else(|_| panic!("expected.txt: `{line}`: bad row"));
        *expected.entry((relative(&target.join(path)), row, code.trim().to_string())).or_default() += 1;
    }
    Some(expected)
}

fn expectations(target: &Path) -> Findings {
    if target.is_dir()
        && let Some(listed) = listed_expectations(target)
    {
        return listed;
    }
    let mut expected = Findings::new();
    // Prose may quote the syntax; only configuration files carry expectations.
    for path in files_under(target).into_iter().filter(|p| p.extension().is_none_or(|e| e != "md")) {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // Each format's own comments: `# expect:` in nginx, YAML, Python and dotenv, `// expect:` in
        // JavaScript and TypeScript.
        let kind = corslint::discover::classify_by_name(&path).unwrap_or(FileKind::Nginx);
        let file = SourceFile::new(path.clone(), kind, text);
        for directive in comment_directives(&file, 0, "expect") {
            for code in directive.codes {
                *expected.entry((relative(&path), directive.target_row, code.code)).or_default() += 1;
            }
        }
    }
    expected
}

/// One fixture linted: its findings, and the layers (as the rule pages name them) its findings
/// were in and its files hold.
struct Run {
    found: Findings,
    fired: BTreeMap<&'static str, BTreeSet<&'static str>>,
    /// By file (relative to the crate root).
    layers: BTreeMap<PathBuf, BTreeSet<&'static str>>,
}

fn actual(target: &Path) -> Run {
    let options = Options { paths: vec![target.to_path_buf()], ..Options::default() };
    let outcome = match lint(&options) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{}: the pipeline failed: {e}", target.display()),
    };
    let project = &outcome.project;
    let mut run = Run { found: Findings::new(), fired: BTreeMap::new(), layers: BTreeMap::new() };
    for d in &outcome.diagnostics {
        let Some(file) = project.file(d.span.file) else { continue };
        let row = file.position(d.span.start()).row;
        *run.found.entry((relative(&file.path), row, d.code.to_string())).or_default() += 1;
        let files = std::iter::once(d.span.file).chain(d.labels.iter().map(|l| l.span.file));
        run.fired.entry(d.code).or_default().extend(files.flat_map(|f| file_layers(project, f)));
    }
    run.layers =
        project.files.iter().enumerate().map(|(id, f)| (relative(&f.path), file_layers(project, id))).collect();
    run
}

/// The layers a file configures: its CORS policies' layers, apps that send their own CORS headers,
/// and the proxies and gateways it declares without a CORS policy (an Ingress whose CORS is left to
/// the app, a Traefik auth middleware).
fn file_layers(project: &Project, file: usize) -> BTreeSet<&'static str> {
    let mut layers: BTreeSet<&'static str> =
        project.policies.iter().filter(|p| p.span.file == file).map(|p| p.layer.spec().label()).collect();
    // Spring is also a layer of its own, with a policy where one literal judges the setup.
    let spring = Layer::Spring.spec().label();
    for own in project.own_cors.iter().filter(|o| o.span.file == file) {
        layers.insert(if own.framework.starts_with(spring) { spring } else { OWN_CORS });
    }
    let deploy = &project.deploy;
    if deploy.ingresses.iter().any(|i| i.span.file == file) {
        layers.insert(Layer::IngressNginx.spec().label());
    }
    let traefik = deploy.traefik_middlewares.iter().map(|m| m.name.span);
    if traefik.chain(deploy.traefik_routers.iter().map(|r| r.name.span)).any(|s| s.file == file) {
        layers.insert(Layer::Traefik.spec().label());
    }
    if layers.is_empty() && project.file(file).is_some_and(|f| f.kind == FileKind::Nginx) {
        layers.insert("nginx");
    }
    layers
}

/// How the rule pages name an app whose CORS corslint only recognises.
const OWN_CORS: &str = "apps with their own CORS";

/// Every fixture with its expectations, linted once for all the tests that read them.
fn runs() -> &'static [(PathBuf, Findings, Run)] {
    static RUNS: std::sync::OnceLock<Vec<(PathBuf, Findings, Run)>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| targets().into_iter().map(|t| (t.clone(), expectations(&t), actual(&t))).collect())
}

#[test]
fn every_fixture_produces_exactly_its_expected_findings() {
    let runs = runs();
    assert!(!runs.is_empty(), "no fixtures found under {}", fixtures_root().display());
    let mut problems = Vec::new();
    for (_, expected, run) in runs {
        let found = &run.found;
        let keys: BTreeSet<_> = expected.keys().chain(found.keys()).collect();
        for key in keys {
            let (want, got) = (expected.get(key).copied().unwrap_or(0), found.get(key).copied().unwrap_or(0));
            if want != got {
                let (path, row, code) = key;
                let what = if want > got { "missing" } else { "unexpected" };
                problems.push(format!("{what}: {}:{row} {code} (expected {want}, found {got})", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "fixture findings differ from `# expect:` comments:\n  {}", problems.join("\n  "));
}

#[test]
fn every_rule_has_a_doc_page_and_fixtures_both_ways() {
    let mut problems = Vec::new();
    for rule in corslint::rules::RULES {
        if corslint::docs::page(rule.code).is_none() {
            problems.push(format!("{}: no rules/{}.md", rule.code, rule.code));
        }
        let folder = fixtures_root().join(rule.code);
        let files = files_under(&folder);
        let triggers = |path: &PathBuf| expectations(path).keys().any(|(_, _, code)| code == rule.code);
        if !files.iter().any(triggers) {
            problems.push(format!("{}: no fixture under fixtures/{} expects it", rule.code, rule.code));
        }
        if !files.iter().any(|f| !triggers(f)) {
            problems.push(format!("{}: no fixture under fixtures/{} that must stay silent", rule.code, rule.code));
        }
    }
    for (code, page) in corslint::docs::RULE_DOCS {
        match corslint::rules::find(code) {
            None => problems.push(format!("rules/{code}.md documents no registered rule")),
            Some(rule) => {
                let title = format!("# {} {}", rule.code, rule.name);
                if !page.starts_with(&title) {
                    problems.push(format!("rules/{code}.md must start with `{title}`"));
                }
                for section in ["What it does", "Why is this bad?", "Example", "Fix", "Layers", "References"] {
                    if corslint::docs::section(page, section).is_none() {
                        problems.push(format!("rules/{code}.md lacks `## {section}`"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "rule catalogue problems:\n  {}", problems.join("\n  "));
}

/// With `CORSLINT_BLESS=1` the table is rewritten in place instead of compared.
#[test]
fn readme_rule_table_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let (Some(from), Some(to)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the {start:?} … {end:?} markers around the rule table");
    };
    let table = corslint::docs::rule_table();
    let current = &readme[from + start.len()..to];
    if std::env::var_os("CORSLINT_BLESS").is_some() {
        let updated = format!("{}{table}{}", &readme[..from + start.len()], &readme[to..]);
        std::fs::write(&path, updated).expect("README.md is writable");
        return;
    }
    assert_eq!(
        current, table,
        "README.md's rule table is out of date: run `CORSLINT_BLESS=1 cargo test --test fixtures readme`"
    );
}

/// Where a rule's fixtures show it in each layer: firing (a finding in a file of that layer, or
/// labelling one), and silent (a file of that layer under the rule's folder that expects nothing of
/// the rule).
#[derive(Default)]
struct Shown {
    fired: BTreeSet<&'static str>,
    silent: BTreeSet<&'static str>,
}

fn shown(code: &str, runs: &[(PathBuf, Findings, Run)]) -> Shown {
    let mut shown = Shown::default();
    let folder = fixtures_root().join(code);
    for (target, expected, run) in runs {
        shown.fired.extend(run.fired.get(code).into_iter().flatten().copied());
        if !target.starts_with(&folder) {
            continue;
        }
        for (path, layers) in &run.layers {
            if !expected.keys().any(|(p, _, c)| p == path && c == code) {
                shown.silent.extend(layers.iter().copied());
            }
        }
    }
    shown
}

/// The README's rule table says which layers each rule covers (from each page's header line); a
/// layer is named exactly when the rule's fixtures show it both ways.
#[test]
fn rule_pages_name_the_layers_their_fixtures_cover_both_ways() {
    let runs = runs();
    let mut problems = Vec::new();
    for rule in corslint::rules::RULES {
        let named: BTreeSet<&str> = corslint::docs::layers(rule.code).into_iter().collect();
        if named == BTreeSet::from(["all"]) {
            continue;
        }
        let shown = shown(rule.code, runs);
        let both: BTreeSet<&str> = shown.fired.intersection(&shown.silent).copied().collect();
        for layer in named.difference(&both) {
            let lacks = if shown.fired.contains(layer) { "a silent fixture" } else { "a fixture that fires" };
            problems.push(format!("rules/{}.md names {layer}, whose fixtures lack {lacks}", rule.code));
        }
        for layer in both.difference(&named) {
            problems.push(format!("rules/{}.md does not name {layer}, which its fixtures show both ways", rule.code));
        }
    }
    assert!(problems.is_empty(), "rule pages and fixtures disagree on layers:\n  {}", problems.join("\n  "));
}
