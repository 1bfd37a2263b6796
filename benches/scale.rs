//! Scale benchmark: builds a deterministic synthetic repository (mostly unrelated Python, JS, YAML
//! and text, with a few hundred CORS setups, nginx configs and manifests spread through it), then
//! times `corslint` against the floor, `rg -l -i -e cors -e access-control`, over the same tree.
//!
//! `cargo bench --bench scale` (sizes: `BENCH_FILES=10000,25000,50000`, default 50000; runs per
//! measurement: `BENCH_RUNS`, default 3).
//!
//! Then the tree where every file matters: N h5bp-style nginx projects, one per folder (an
//! `nginx.conf` with `http {}`, maps on `$http_origin` and the content type, several servers and
//! locations sending CORS headers), at `BENCH_NGINX=500,2000,4000` (the default; empty skips it).
//! Prints CPU per project and peak RSS, medians of `BENCH_RUNS` runs; the cost per project should
//! stay flat as N grows; then the same 2,000 projects each with the compose file that runs its nginx
//! (`BENCH_NGINX_COMPOSE=2000`, the default), and 2,000 whole stacks (`BENCH_STACK=2000`: nginx,
//! the compose file and the FastAPI app it proxies to). The same for N FastAPI apps of a few modules each (`BENCH_FASTAPI=500,2000`,
//! the default), and for Django's sdist (a large Python tree without CORS) against `rg`, when it
//! has been unpacked under `target/bench-trees/` (`BENCH_PEERS=install` fetches it with pip).
//!
//! Peers, when installed in `target/bench-venv` (`BENCH_PEERS=install` creates it with pip: gixy-ng
//! and semgrep): gixy-ng once per nginx tree over all main configs (`gixy -f json DIR/*/nginx.conf`),
//! semgrep on the FastAPI trees with `--metrics=off` (and `--no-git-ignore`: `target/` is ignored) and the local rule
//! `benches/semgrep-fastapi-wildcard-cors.yaml`. Runs of both are interleaved; prints wall-clock and CPU-time
//! (user + system) medians with their ratios, and corslint's peak RSS. On a busy machine the CPU ratio
//! is the steadier figure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift: the same tree on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "order", "user", "invoice", "price", "total", "session", "cache", "queue", "report", "tenant", "item", "stock",
    "payment", "token", "record", "config", "metric", "event", "window", "buffer",
];

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join("_")
}

fn python_module(rng: &mut Rng) -> String {
    let mut s = String::from("import os\nimport json\nfrom typing import Any\n\n");
    for _ in 0..(8 + rng.below(25)) {
        let name = words(rng, 3);
        s.push_str(&format!(
            "def {name}(data: dict[str, Any]) -> Any:\n    value = data.get({:?}, {})\n    if value > {}:\n        return json.dumps(value)\n    return os.path.join('a', str(value))\n\n",
            words(rng, 1),
            rng.below(1000),
            rng.below(50)
        ));
    }
    s
}

fn js_module(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..(5 + rng.below(20)) {
        s.push_str(&format!(
            "export function {}(x) {{\n  const y = x * {};\n  return fetch('/api/{}', {{ method: 'GET' }}).then(r => r.json()) + y;\n}}\n\n",
            words(rng, 2),
            rng.below(100),
            words(rng, 1)
        ));
    }
    s
}

fn yaml_doc(rng: &mut Rng) -> String {
    format!(
        "name: {}\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make {}\n",
        words(rng, 2),
        words(rng, 1)
    )
}

fn text_doc(rng: &mut Rng) -> String {
    (0..(20 + rng.below(60))).map(|_| words(rng, 6) + "\n").collect()
}

const FASTAPI: &str = r#"from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)


@app.delete("/items/{item_id}")
def delete_item(item_id: int):
    return {"deleted": item_id}
"#;

const NGINX: &str = r#"server {
    listen 80;
    location /api/ {
        add_header Access-Control-Allow-Origin $http_origin;
        add_header Access-Control-Allow-Credentials true;
        proxy_pass http://backend:8000;
    }
}
"#;

const INGRESS: &str = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/enable-cors: "true"
spec:
  rules:
    - host: api.example.com
"#;

fn build_tree(root: &Path, files: usize) -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for i in 0..files {
        let dir = root.join(format!("pkg{:03}/mod{:02}", i % 500, (i / 500) % 20));
        std::fs::create_dir_all(&dir)?;
        let (name, text) = match (i % 200, rng.below(10)) {
            (0, _) => (format!("app_{i}.py"), FASTAPI.to_string()),
            (1, _) => (format!("site_{i}.conf"), NGINX.to_string()),
            (2, _) => (format!("ingress_{i}.yaml"), INGRESS.to_string()),
            (_, 0..=4) => (format!("m{i}.py"), python_module(&mut rng)),
            (_, 5..=6) => (format!("m{i}.js"), js_module(&mut rng)),
            (_, 7) => (format!("w{i}.yml"), yaml_doc(&mut rng)),
            _ => (format!("n{i}.md"), text_doc(&mut rng)),
        };
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

fn tree_for(files: usize) -> std::io::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-tree-{files}"));
    let marker = root.join(".complete");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&root);
        build_tree(&root, files)?;
        std::fs::write(&marker, "")?;
    }
    Ok(root)
}

/// One measured run: wall time, CPU time (user + system) and peak RSS of the child alone.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
    rss_kib: i64,
}

fn run_once(cmd: &mut Command) -> Option<Run> {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
    let pid = libc::pid_t::try_from(child.id()).ok()?;
    let mut status = 0;
    // SAFETY: wait4 only writes into the status and the struct we pass; `child` is never waited on
    // through std afterwards.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::wait4(pid, &mut status, 0, &mut usage) != pid {
            return None;
        }
        usage
    };
    let wall = start.elapsed();
    // corslint exits 1 when it finds problems; rg exits 1 when nothing matches.
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) > 1 {
        return None;
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Some(Run { wall, cpu: tv(usage.ru_utime) + tv(usage.ru_stime), rss_kib: usage.ru_maxrss })
}

/// Median wall and CPU times, and the largest peak RSS.
fn summary(runs: &[Run]) -> Option<Run> {
    let median = |mut d: Vec<Duration>| {
        d.sort();
        d.get(d.len() / 2).copied()
    };
    Some(Run {
        wall: median(runs.iter().map(|r| r.wall).collect())?,
        cpu: median(runs.iter().map(|r| r.cpu).collect())?,
        rss_kib: runs.iter().map(|r| r.rss_kib).max()?,
    })
}

/// nginx parse throughput over the real-world corpus (when `../shared` is present) and the tree's configs.
fn nginx_throughput() {
    let shared = std::env::var_os("CORSLINT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let mut texts = Vec::new();
    let mut stack = vec![shared.join("corpus/nginx")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    texts.push(NGINX.repeat(2000));
    let bytes: usize = texts.iter().map(String::len).sum();
    let rounds = 20;
    let mut best = f64::MAX;
    let mut directives = 0;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..rounds {
            for text in &texts {
                directives += corslint::parse::nginx::parse(text).walk().count();
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "nginx parser: {} files, {:.1} KB, {:.1} MB/s ({directives} directives)",
        texts.len(),
        bytes as f64 / 1e3,
        mb / best
    );
}

/// One h5bp-style nginx project: its maps are visible only inside its own `http` block, so every
/// project defines the same variable names, as real monorepos of services do.
fn nginx_project(rng: &mut Rng, i: usize) -> String {
    let mut s = String::from("worker_processes auto;\nevents { worker_connections 1024; }\n\nhttp {\n");
    s.push_str("    include mime.types;\n    default_type application/octet-stream;\n    sendfile on;\n\n");
    s.push_str("    map $http_origin $cors_origin {\n        default \"\";\n");
    for k in 0..(2 + rng.below(4)) {
        s.push_str(&format!("        \"~^https://{}-{k}\\.example\\.com$\" $http_origin;\n", words(rng, 1)));
    }
    s.push_str("    }\n\n    map $http_origin $cors_credentials {\n        default \"\";\n");
    s.push_str(&format!("        \"https://app{i}.example.com\" \"true\";\n    }}\n\n"));
    s.push_str("    map $sent_http_content_type $cors {\n        default \"\";\n        ~*image/ \"*\";\n        ~*font/ \"*\";\n    }\n\n");
    s.push_str("    map $request_method $cors_method {\n        default \"\";\n        OPTIONS \"GET, POST, PUT, DELETE\";\n    }\n\n");
    s.push_str(&format!(
        "    upstream backend{i} {{\n        server 10.0.{}.{}:8000;\n    }}\n\n",
        i % 250,
        rng.below(250)
    ));
    for srv in 0..(2 + rng.below(3)) {
        s.push_str(&format!(
            "    server {{\n        listen 80;\n        server_name s{srv}.svc{i}.example.com;\n        root /srv/{}/public;\n\n",
            words(rng, 1)
        ));
        s.push_str("        location ~* \\.(?:png|jpe?g|gif|svg|woff2?)$ {\n            add_header Access-Control-Allow-Origin $cors;\n            expires 1M;\n        }\n\n");
        for loc in 0..(2 + rng.below(4)) {
            s.push_str(&format!("        location /{}{loc}/ {{\n", words(rng, 1)));
            s.push_str("            if ($request_method = OPTIONS) {\n                add_header Access-Control-Allow-Origin $cors_origin;\n                add_header Access-Control-Allow-Methods $cors_method;\n                add_header Access-Control-Max-Age 86400;\n                return 204;\n            }\n");
            if rng.below(3) == 0 {
                s.push_str("            add_header Access-Control-Allow-Origin $http_origin always;\n            add_header Access-Control-Allow-Credentials true always;\n");
            } else {
                s.push_str("            add_header Access-Control-Allow-Origin $cors_origin always;\n            add_header Access-Control-Allow-Credentials $cors_credentials always;\n            add_header Vary Origin always;\n");
            }
            s.push_str(&format!(
                "            proxy_set_header Host $host;\n            proxy_pass http://backend{i};\n        }}\n\n"
            ));
        }
        s.push_str("    }\n\n");
    }
    s.push_str("}\n");
    s
}

fn nginx_tree_for(projects: usize) -> std::io::Result<PathBuf> {
    nginx_tree(projects, false)
}

/// The same projects, each with the compose file that runs its nginx (its configuration mounted),
/// as services of a monorepo have: linking a proxy to its deployment must not scan every service.
fn nginx_compose_tree_for(projects: usize) -> std::io::Result<PathBuf> {
    nginx_tree(projects, true)
}

fn nginx_tree(projects: usize, compose: bool) -> std::io::Result<PathBuf> {
    let name = if compose { "nginx-compose" } else { "nginx" };
    tree(&format!("{name}-{projects}"), ".complete", 0x0a11_f11e_5da7_7e25, projects, |rng, i| {
        let mut files = vec![("nginx.conf", nginx_project(rng, i))];
        if compose {
            let service = format!(
                "services:\n  proxy{i}:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n    ports:\n      - \"80\"\n"
            );
            files.push(("compose.yaml", service));
        }
        files
    })
}

/// `target/bench-{name}`, built unless a `marker` file says it is complete: project `i` is the
/// files `project` gives, in `svc{i:05}`; the same tree on every machine.
fn tree(
    name: &str,
    marker: &str,
    seed: u64,
    projects: usize,
    mut project: impl FnMut(&mut Rng, usize) -> Vec<(&'static str, String)>,
) -> std::io::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-{name}"));
    let marker = root.join(marker);
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&root);
        let mut rng = Rng(seed);
        for i in 0..projects {
            let dir = root.join(format!("svc{i:05}"));
            for (path, text) in project(&mut rng, i) {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
                std::fs::write(path, text)?;
            }
        }
        std::fs::write(&marker, "")?;
    }
    Ok(root)
}

/// N services of a monorepo, each the whole stack: its nginx proxies to the compose service `api`,
/// which builds a FastAPI app (every deployment has its own `proxy` and `api`).
fn stack_tree_for(projects: usize) -> std::io::Result<PathBuf> {
    tree(&format!("stack-{projects}"), ".complete", 0x57ac_c0de_0000_0001, projects, |rng, i| {
        let nginx: Vec<String> = nginx_project(rng, i)
            .lines()
            .map(|line| if line.starts_with("        server 10.0.") { "        server api:8000;" } else { line })
            .map(|line| format!("{line}\n"))
            .collect();
        let mut files = vec![("nginx.conf", nginx.concat())];
        files.extend(fastapi_project(rng, i));
        let compose = "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n    ports:\n      - \"80\"\n  api:\n    build: .\n";
        files.push(("compose.yaml", compose.to_string()));
        files
    })
}

/// The tree where every file matters: the cost per project must not grow with the tree, with or
/// without the compose files (`BENCH_NGINX_COMPOSE`, default 2000; gixy-ng reads only the nginx),
/// and for whole stacks (`BENCH_STACK`, default 2000; no peer reads all three layers).
fn nginx_projects_cost(corslint: &str, runs: usize) {
    let gixy = peer("gixy");
    let gixy_command = |root: &Path| {
        let gixy = gixy.as_ref()?;
        let mut configs: Vec<PathBuf> = std::fs::read_dir(root)
            .ok()?
            .flatten()
            .map(|d| d.path().join("nginx.conf"))
            .filter(|p| p.exists())
            .collect();
        configs.sort();
        let mut cmd = Command::new(gixy);
        cmd.args(["-f", "json"]).args(configs);
        Some(("gixy-ng", cmd))
    };
    projects_cost("nginx", "BENCH_NGINX", "500,2000,4000", corslint, runs, nginx_tree_for, gixy_command);
    projects_cost("+compose", "BENCH_NGINX_COMPOSE", "2000", corslint, runs, nginx_compose_tree_for, gixy_command);
    projects_cost("stack", "BENCH_STACK", "2000", corslint, runs, stack_tree_for, |_| None);
}

/// N FastAPI apps, each a package of a few modules with its CORSMiddleware.
fn fastapi_projects_cost(corslint: &str, runs: usize) {
    let semgrep = peer("semgrep");
    let rule = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/semgrep-fastapi-wildcard-cors.yaml");
    projects_cost("fastapi", "BENCH_FASTAPI", "500,2000", corslint, runs, fastapi_tree_for, |root| {
        let mut cmd = Command::new(semgrep.as_ref()?);
        cmd.args([
            "scan",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
            "--json",
            "--no-git-ignore",
            "--config",
        ])
        .arg(&rule)
        .arg(root);
        Some(("semgrep", cmd))
    });
}

/// Runs corslint (and the peer, interleaved) on trees of N projects; prints CPU per project and peak
/// RSS, medians of `runs` runs.
fn projects_cost(
    what: &str,
    sizes_var: &str,
    default_sizes: &str,
    corslint: &str,
    runs: usize,
    tree_for: fn(usize) -> std::io::Result<PathBuf>,
    peer_command: impl Fn(&Path) -> Option<(&'static str, Command)>,
) {
    let sizes: Vec<usize> = std::env::var(sizes_var)
        .unwrap_or_else(|_| default_sizes.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if sizes.is_empty() {
        return;
    }
    println!(
        "{what:>8} {:>8} {:>10} {:>12} {:>10} {:>9}  peer: cpu/project, RSS, cpu ratio",
        "MB", "cpu", "cpu/project", "peak RSS", "wall"
    );
    for projects in sizes {
        let root = match tree_for(projects) {
            Ok(root) => root,
            Err(e) => return eprintln!("cannot build the {what} tree: {e}"),
        };
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut peer_name = None;
        for _ in 0..runs {
            ours.extend(run_once(Command::new(corslint).args(["--output-format", "concise"]).arg(&root)));
            if let Some((name, mut cmd)) = peer_command(&root) {
                peer_name = Some(name);
                theirs.extend(run_once(&mut cmd));
            }
        }
        let Some(run) = summary(&ours) else {
            println!("{projects:>8} corslint failed");
            continue;
        };
        let per_project = |r: &Run| r.cpu.as_secs_f64() * 1e3 / projects as f64;
        let peer = match (peer_name, summary(&theirs)) {
            (Some(name), Some(p)) => format!(
                "  {name}: {:.2} ms, {} MB, {:.0}x",
                per_project(&p),
                p.rss_kib / 1024,
                p.cpu.as_secs_f64() / run.cpu.as_secs_f64().max(1e-9)
            ),
            (Some(name), None) => format!("  {name} failed"),
            _ => String::new(),
        };
        println!(
            "{projects:>8} {:>8.1} {:>7.0} ms {:>9.2} ms {:>7} MB {:>6.0} ms{peer}",
            tree_bytes(&root) as f64 / 1e6,
            run.cpu.as_secs_f64() * 1e3,
            per_project(&run),
            run.rss_kib / 1024,
            run.wall.as_secs_f64() * 1e3
        );
    }
}

fn tree_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// A peer tool installed in the benchmark's venv, if it is.
fn peer(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv/bin").join(name);
    path.exists().then_some(path)
}

/// `BENCH_PEERS=install`: the venv with gixy-ng and semgrep, and Django's sdist, from PyPI.
fn install_peers() {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let venv = target.join("bench-venv");
    let pip = venv.join("bin/pip");
    let ok = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
    if !pip.exists() && !ok(Command::new("python3").args(["-m", "venv"]).arg(&venv)) {
        return eprintln!("cannot create {}", venv.display());
    }
    if !ok(Command::new(&pip).args(["install", "-q", "gixy-ng", "semgrep"])) {
        eprintln!("pip could not install gixy-ng and semgrep");
    }
    let trees = target.join("bench-trees");
    if !trees.join(DJANGO).exists() {
        let fetched = ok(Command::new(&pip)
            .args(["download", "-q", "--no-binary", ":all:", "--no-deps", "django==5.2.8", "-d"])
            .arg(&trees));
        let archive = trees.join(format!("{DJANGO}.tar.gz"));
        if !fetched || !ok(Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&trees)) {
            eprintln!("cannot fetch Django's sdist");
        }
    }
}

const DJANGO: &str = "django-5.2.8";

/// Django's sdist: thousands of Python files, none about CORS; corslint should cost what `rg` does.
fn django_cost(corslint: &str, runs: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-trees").join(DJANGO);
    if !root.exists() {
        return println!("django sdist: not unpacked (BENCH_PEERS=install fetches it)");
    }
    let mut ours = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..runs {
        ours.extend(run_once(Command::new(corslint).args(["--output-format", "concise"]).arg(&root)));
        floor.extend(run_once(Command::new("rg").args(["-l", "-i", "-e", "cors", "-e", "access-control"]).arg(&root)));
    }
    if let (Some(ours), Some(floor)) = (summary(&ours), summary(&floor)) {
        println!(
            "{DJANGO}: corslint {:.1} ms (cpu {:.1} ms, {} MB), rg {:.1} ms (cpu {:.1} ms): {:.2}x wall, {:.2}x cpu",
            ours.wall.as_secs_f64() * 1e3,
            ours.cpu.as_secs_f64() * 1e3,
            ours.rss_kib / 1024,
            floor.wall.as_secs_f64() * 1e3,
            floor.cpu.as_secs_f64() * 1e3,
            ours.wall.as_secs_f64() / floor.wall.as_secs_f64().max(1e-9),
            ours.cpu.as_secs_f64() / floor.cpu.as_secs_f64().max(1e-9)
        );
    }
}

/// One FastAPI service: settings with its origins, a router, models, and the app that adds
/// CORSMiddleware (a wildcard in every fifth, which semgrep's rule and corslint both report).
fn fastapi_project(rng: &mut Rng, i: usize) -> Vec<(&'static str, String)> {
    let origins = if i.is_multiple_of(5) {
        "[\"*\"]".to_string()
    } else {
        format!("[\"https://app{i}.example.com\", \"https://{}.example.com\"]", words(rng, 1))
    };
    let config = format!(
        "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    project_name: str = \"svc{i}\"\n    database_url: str = \"postgresql://db/{}\"\n    debug: bool = False\n\n\nsettings = Settings()\n",
        words(rng, 1)
    );
    let mut models = String::from("from pydantic import BaseModel\n\n");
    let mut routes = String::from(
        "from fastapi import APIRouter, HTTPException\n\nfrom .models import *\n\nrouter = APIRouter()\n\n",
    );
    for k in 0..(4 + rng.below(6)) {
        let name = format!("{}{k}", words(rng, 1));
        models.push_str(&format!(
            "\nclass Item{k}(BaseModel):\n    id: int\n    {name}: str\n    total: float = 0.0\n\n"
        ));
        routes.push_str(&format!(
            "\n@router.get(\"/{name}/{{item_id}}\")\nasync def get_{name}(item_id: int) -> Item{k}:\n    if item_id < 0:\n        raise HTTPException(status_code=404)\n    return Item{k}(id=item_id, {name}=\"x\")\n\n"
        ));
    }
    // Half the services import their own modules absolutely, as when each is run from its folder
    // (`from app.config import settings`): thousands of `app.config`s, each import meaning one.
    let package = if i % 2 == 1 { "app" } else { "" };
    let main = format!(
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\nfrom {package}.config import settings\nfrom {package}.routes import router\n\napp = FastAPI(title=settings.project_name)\napp.add_middleware(\n    CORSMiddleware,\n    allow_origins={origins},\n    allow_credentials=True,\n    allow_methods=[\"*\"],\n    allow_headers=[\"*\"],\n)\napp.include_router(router, prefix=\"/api\")\n"
    );
    vec![
        ("app/__init__.py", String::new()),
        ("app/config.py", config),
        ("app/models.py", models),
        ("app/routes.py", routes),
        ("app/main.py", main),
    ]
}

fn fastapi_tree_for(projects: usize) -> std::io::Result<PathBuf> {
    // The marker is named by the generator's version: a tree an older generator left is built again.
    tree(&format!("fastapi-{projects}"), ".complete-absolute-imports", 0xfa57_a991_0000_0001, projects, fastapi_project)
}

fn main() {
    if std::env::var("BENCH_PEERS").as_deref() == Ok("install") {
        install_peers();
    }
    nginx_throughput();
    let sizes: Vec<usize> = std::env::var("BENCH_FILES")
        .unwrap_or_else(|_| "50000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let corslint = env!("CARGO_BIN_EXE_corslint");
    println!(
        "{:>8} {:>12} {:>12} {:>7} {:>10} {:>10} {:>9} {:>10}",
        "files", "corslint", "rg -l", "ratio", "cpu ours", "cpu rg", "cpu ratio", "peak RSS"
    );
    for files in sizes {
        let root = match tree_for(files) {
            Ok(root) => root,
            Err(e) => return eprintln!("cannot build the synthetic tree: {e}"),
        };
        // Interleaved, so a busy machine slows both alike.
        let mut ours = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..runs {
            ours.extend(run_once(Command::new(corslint).args(["--output-format", "concise"]).arg(&root)));
            floor.extend(run_once(
                Command::new("rg").args(["-l", "-i", "-e", "cors", "-e", "access-control"]).arg(&root),
            ));
        }
        let (ours, floor) = (summary(&ours), summary(&floor));
        let ms = |d: Option<Duration>| d.map_or("n/a".to_string(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3));
        let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64()),
            _ => "n/a".to_string(),
        };
        let wall = |r: Option<Run>| r.map(|r| r.wall);
        let cpu = |r: Option<Run>| r.map(|r| r.cpu);
        println!(
            "{files:>8} {:>12} {:>12} {:>7} {:>10} {:>10} {:>9} {:>7} MB",
            ms(wall(ours)),
            ms(wall(floor)),
            ratio(wall(ours), wall(floor)),
            ms(cpu(ours)),
            ms(cpu(floor)),
            ratio(cpu(ours), cpu(floor)),
            ours.map_or(0, |r| r.rss_kib) / 1024
        );
        // The time means something only if the planted problems were found.
        if let Ok(out) = Command::new(corslint).args(["--output-format", "concise"]).arg(&root).output() {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("         corslint: {}", text.lines().last().unwrap_or("no output"));
        }
        if floor.is_none() {
            println!("         (rg is not installed: `apt-get install ripgrep` for the floor)");
        }
        // A named file is linted inside its project: the tree is one (`root = true`).
        if std::fs::write(root.join("corslint.toml"), "root = true\n").is_ok() {
            named_file_cost(corslint, &root, "pkg000/mod00/app_0.py", runs);
        }
    }
    nginx_projects_cost(corslint, runs);
    fastapi_projects_cost(corslint, runs);
    django_cost(corslint, runs);
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    println!("demo:");
    named_file_cost(corslint, &demo, "backend/app/main.py", runs);
}

/// `corslint FILE` (pre-commit, editors: the project around FILE is walked) against `corslint .`
/// in the same tree. The issue's budget: within 1.5x.
fn named_file_cost(corslint: &str, root: &Path, file: &str, runs: usize) {
    let mut named = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..runs {
        named.extend(run_once(Command::new(corslint).current_dir(root).args(["--output-format", "concise", file])));
        whole.extend(run_once(Command::new(corslint).current_dir(root).args(["--output-format", "concise", "."])));
    }
    let (named, whole) = (summary(&named), summary(&whole));
    if let (Some(named), Some(whole)) = (named, whole) {
        println!(
            "         named file {:.1} ms, `corslint .` {:.1} ms: {:.2}x (cpu {:.1} ms vs {:.1} ms)",
            named.wall.as_secs_f64() * 1e3,
            whole.wall.as_secs_f64() * 1e3,
            named.wall.as_secs_f64() / whole.wall.as_secs_f64().max(1e-9),
            named.cpu.as_secs_f64() * 1e3,
            whole.cpu.as_secs_f64() * 1e3
        );
    }
}
