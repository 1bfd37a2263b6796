//! Runs an nginx fixture for real: the fixture wrapped in a minimal main config (ports rewritten to
//! a free one, `ssl` dropped, upstreams pointed at the local test upstream, `fastcgi_pass` at its
//! FastCGI twin, `root` at a scratch web root, headers-more loaded when the fixture uses it),
//! checked with `nginx -t`, then started in the foreground as our child.

use crate::procs::{Server, free_port, wait_for_port};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct Nginx {
    pub port: u16,
    _server: Server,
    _dir: tempfile::TempDir,
}

/// Files the static-file fixtures serve.
const WEB_ROOT: [(&str, &str); 5] = [
    ("index.html", "<!doctype html>"),
    ("font.woff2", "wOF2"),
    ("app.js", "console.log(1)"),
    ("videos/clip.mp4", "0123456789abcdefghij"),
    ("hello.txt", "hello"),
];

/// Where the fixture's upstreams go: the HTTP one (`proxy_pass`) and the FastCGI one
/// (`fastcgi_pass`, PHP-FPM in the fixtures).
#[derive(Clone, Copy, Debug)]
pub struct Upstreams {
    pub http: u16,
    pub fastcgi: u16,
}

/// The headers-more directives: a fixture with any of them needs the module loaded.
const HEADERS_MORE: [&str; 4] =
    ["more_set_headers", "more_clear_headers", "more_set_input_headers", "more_clear_input_headers"];

/// Whether `fixture` (a file, or a folder of them) uses headers-more.
pub fn uses_headers_more(fixture: &Path) -> bool {
    let uses = |text: &str| {
        text.lines().map(|l| l.split('#').next().unwrap_or("")).any(|l| {
            l.split(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}').any(|w| HEADERS_MORE.contains(&w))
        })
    };
    if fixture.is_dir() {
        std::fs::read_dir(fixture).into_iter().flatten().flatten().any(|e| uses_headers_more(&e.path()))
    } else {
        std::fs::read_to_string(fixture).is_ok_and(|text| uses(&text))
    }
}

fn rewrite(text: &str, port: u16, upstreams: Upstreams, scratch: &Path) -> String {
    let listen = Regex::new(r"(?m)^(\s*)listen\s[^;]*;").unwrap();
    let target = Regex::new(r"(?:127\.0\.0\.1|backend[\w-]*):\d+").unwrap();
    let fastcgi = Regex::new(r"(?m)^(\s*)fastcgi_pass\s[^;]*;").unwrap();
    let htpasswd = Regex::new(r"auth_basic_user_file\s+[^;]+;").unwrap();
    let root = Regex::new(r"(?m)^(\s*)root\s+/[^;]*;").unwrap();
    let text = target.replace_all(text, format!("127.0.0.1:{}", upstreams.http));
    let text = fastcgi.replace_all(&text, format!("${{1}}fastcgi_pass 127.0.0.1:{};", upstreams.fastcgi));
    let text = listen.replace_all(&text, format!("${{1}}listen 127.0.0.1:{port};"));
    let text =
        htpasswd.replace_all(&text, format!("auth_basic_user_file {};", scratch.join("htpasswd").display()).as_str());
    let text = root.replace_all(&text, format!("${{1}}root {};", scratch.join("www").display()));
    text.replace("include mime.types;", "include /etc/nginx/mime.types;")
        .replace("include fastcgi_params;", "include /etc/nginx/fastcgi_params;")
        .replace("include proxy_params;", "include /etc/nginx/proxy_params;")
}

/// What goes at the top of `http {}`: scratch temp paths and the cache zone CORS306 uses.
fn http_preamble(scratch: &Path) -> String {
    let s = scratch.display();
    format!(
        "access_log off;\n client_body_temp_path {s}/body; proxy_temp_path {s}/proxy; fastcgi_temp_path {s}/fastcgi;\n \
         uwsgi_temp_path {s}/uwsgi; scgi_temp_path {s}/scgi;\n proxy_cache_path {s}/cache keys_zone=api:1m;\n"
    )
}

/// What goes at the top of the main config: `load_module`s, then the process settings.
fn main_preamble(scratch: &Path, modules: &[PathBuf]) -> String {
    let s = scratch.display();
    let load: String = modules.iter().map(|m| format!("load_module {};\n", m.display())).collect();
    format!("{load}daemon off;\nmaster_process off;\npid {s}/nginx.pid;\nerror_log {s}/error.log warn;\n")
}

fn copy_tree(from: &Path, to: &Path, edit: &dyn Fn(&str) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest, edit);
        } else {
            std::fs::write(&dest, edit(&std::fs::read_to_string(&path).unwrap())).unwrap();
        }
    }
}

/// Starts `fixture` (a `.conf` file, or a folder holding `nginx.conf`) with `nginx_bin`, with the
/// dynamic `modules` (`.so` paths) loaded.
pub fn start(nginx_bin: &Path, fixture: &Path, upstreams: Upstreams, modules: &[PathBuf]) -> Result<Nginx, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let scratch = dir.path().to_path_buf();
    for (file, content) in WEB_ROOT {
        let path = scratch.join("www").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::write(scratch.join("htpasswd"), "user:{PLAIN}secret\n").unwrap();
    let port = free_port();
    let edit = |text: &str| rewrite(text, port, upstreams, &scratch);
    let main: PathBuf = if fixture.is_dir() {
        let site = scratch.join("site");
        copy_tree(fixture, &site, &edit);
        let text = std::fs::read_to_string(site.join("nginx.conf")).unwrap();
        let text = text.replacen("http {", &format!("http {{\n{}", http_preamble(&scratch)), 1);
        std::fs::write(site.join("nginx.conf"), format!("{}{text}", main_preamble(&scratch, modules))).unwrap();
        site.join("nginx.conf")
    } else {
        std::fs::write(scratch.join("fixture.conf"), edit(&std::fs::read_to_string(fixture).unwrap())).unwrap();
        let main = format!(
            "{}events {{}}\nhttp {{\n{}include {};\n}}\n",
            main_preamble(&scratch, modules),
            http_preamble(&scratch),
            scratch.join("fixture.conf").display()
        );
        std::fs::write(scratch.join("main.conf"), main).unwrap();
        scratch.join("main.conf")
    };
    let args = |cmd: &mut Command| {
        cmd.arg("-c").arg(&main).arg("-p").arg(&scratch).arg("-e").arg(scratch.join("error.log"));
    };
    let mut test = Command::new(nginx_bin);
    args(&mut test);
    let out = test.arg("-t").output().map_err(|e| format!("nginx -t: {e}"))?;
    if !out.status.success() {
        return Err(format!("nginx -t failed for {}:\n{}", fixture.display(), String::from_utf8_lossy(&out.stderr)));
    }
    let mut run = Command::new(nginx_bin);
    args(&mut run);
    let mut server = Server::spawn("nginx", run, &scratch.join("stderr.log"))?;
    if !wait_for_port(port, Duration::from_secs(10)) || server.exited().is_some() {
        let log = std::fs::read_to_string(scratch.join("error.log")).unwrap_or_default();
        return Err(format!("nginx did not start for {}:\n{log}", fixture.display()));
    }
    Ok(Nginx { port, _server: server, _dir: dir })
}
