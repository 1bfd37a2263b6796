use super::*;

fn write(dir: &Path, path: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(&path, bytes).expect("file");
    path
}

fn everything(_: FileKind, bytes: &[u8]) -> bool {
    !bytes.is_empty()
}

fn names(found: &[Found], root: &Path) -> Vec<String> {
    found.iter().map(|f| f.path.strip_prefix(root).unwrap_or(&f.path).display().to_string()).collect()
}

#[cfg(target_os = "linux")]
#[test]
fn read_file_refuses_what_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.conf");
    assert_eq!(read_file(&missing).unwrap_err().kind(), std::io::ErrorKind::NotFound);
    let text = dir.path().join("a.conf");
    std::fs::write(&text, "a;").unwrap();
    assert_eq!(read_file(&text).unwrap(), b"a;");
    assert!(read_file(dir.path()).is_err());
    // A FIFO without a writer: opening it must neither block nor read.
    let fifo = dir.path().join("fifo.conf");
    let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    assert_eq!(read_file(&fifo).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn a_file_gone_before_its_read_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::new(dir.path(), true).unwrap();
    let collected = Mutex::new(Collected::default());
    visit(&root, &dir.path().join("gone.conf"), false, &|_, _| true, &collected);
    let discovery = finish(collected.into_inner().unwrap());
    assert!(discovery.files.is_empty() && discovery.missing.is_empty());
    assert!(discovery.notes[0].contains("gone.conf: skipped, cannot be read"), "{:?}", discovery.notes);
}

#[test]
fn nginx_sites_anywhere_under_an_nginx_directory_and_nothing_else_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "devops/etc/nginx/stage/web.staging.app", "server {\n  listen 80;\n}\n");
    write(d, "nginx/Dockerfile", "FROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/\n");
    write(d, "nginx/Makefile", "build:\n\tdocker build .\n");
    write(d, "nginx/LICENSE", "MIT License; if you use this, include it {\n");
    write(d, "nginx/logrotate.conf", "/var/log/nginx/*.log {\n  daily\n}\n");
    write(d, "nginx/.dockerignore", "*.log\n");
    write(d, "nginx/start", "#!/bin/sh\nnginx -g 'daemon off;'\n");
    write(d, "nginx/htpasswd", "admin:$apr1$x$y\n");
    let discovery = discover(&[d.to_path_buf()], &everything);
    assert_eq!(names(&discovery.files, d), ["devops/etc/nginx/stage/web.staging.app"]);
    assert!(discovery.skipped.is_empty() && discovery.passed_over.is_empty());
}

#[test]
fn conf_files_of_other_programs_are_not_selected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "etc/sysctl.conf", "net.ipv4.ip_forward = 1\n");
    write(d, "etc/sysctl.d/99-tuning.conf", "vm.swappiness=10\n");
    write(d, "php/www.conf", "; pool\n[www]\nuser = www-data\n");
    write(d, "redis/redis.conf", "bind 127.0.0.1\nport 6379\n");
    write(d, "redis/cache.conf", "bind 127.0.0.1\nport 6379\n");
    write(d, "supervisor/supervisord.conf", "[supervisord]\nnodaemon=true\n");
    write(d, "db/postgresql.conf", "max_connections = 100\n");
    write(d, "db/tuning.conf", "shared_buffers = 128MB  # min 128kB\nwork_mem = 4MB;\n");
    write(d, "dovecot/dovecot.folders.conf", "namespace inbox {\n  inbox = yes\n  mailbox \"Trash\" {\n");
    write(d, "proxy/log.conf", "log_format json escape=json\n  '{\"t\":\"$time_iso8601\"}';\n");
    write(d, "proxy/cache.conf", "proxy_cache_path /var/cache/nginx levels=1:2 keys_zone=api:10m;\n");
    let discovery = discover(&[d.to_path_buf()], &everything);
    assert_eq!(names(&discovery.files, d), ["proxy/cache.conf", "proxy/log.conf"]);
}

#[cfg(unix)]
#[test]
fn site_links_are_followed_inside_the_tree_and_linted_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    write(d, "nginx/sites-available/api.example.io", "server { listen 80; }\n");
    write(d, "nginx/sites-available/only-linked", "server { listen 81; }\n");
    write(d, "nginx/.gitignore", "sites-available/only-linked\n");
    std::fs::create_dir_all(d.join("nginx/sites-enabled")).unwrap();
    std::os::unix::fs::symlink("../sites-available/api.example.io", d.join("nginx/sites-enabled/api.example.io"))
        .unwrap();
    std::os::unix::fs::symlink("../sites-available/only-linked", d.join("nginx/sites-enabled/only-linked")).unwrap();
    // Walked from the repository root, and from the `nginx/` directory whose links point beside it.
    for start in [d.to_path_buf(), d.join("nginx/sites-enabled")] {
        let discovery = discover(std::slice::from_ref(&start), &everything);
        let canonical = std::fs::canonicalize(d).unwrap();
        let mut shown: Vec<String> = discovery
            .files
            .iter()
            .map(|f| {
                let path = std::fs::canonicalize(&f.path).unwrap();
                path.strip_prefix(&canonical).unwrap().display().to_string()
            })
            .collect();
        shown.sort();
        assert_eq!(shown, ["nginx/sites-available/api.example.io", "nginx/sites-available/only-linked"], "{start:?}");
        assert!(discovery.files.iter().all(|f| !f.path.to_string_lossy().contains("sites-enabled")));
    }
}

#[cfg(unix)]
#[test]
fn links_out_of_the_tree_are_skipped_without_reading_the_target() {
    let outside = tempfile::tempdir().unwrap();
    let secret = write(outside.path(), "secret.conf", "server { add_header X-Secret hunter2; }\n");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    std::fs::create_dir_all(d.join("nginx/sites-enabled")).unwrap();
    std::os::unix::fs::symlink(&secret, d.join("nginx/sites-enabled/default")).unwrap();
    std::os::unix::fs::symlink(&secret, d.join("nginx/proxy.conf")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join("nginx/shared")).unwrap();
    let walked = discover(&[d.to_path_buf()], &everything);
    let named = discover(&[d.join("nginx/proxy.conf")], &everything);
    for discovery in [&walked, &named] {
        assert!(discovery.files.is_empty(), "{:?}", discovery.files);
        assert!(discovery.skipped.iter().all(|s| s.reason == SkipReason::OutsideTree));
    }
    assert_eq!(walked.skipped.len(), 2);
    assert!(named.skipped[0].explicit);
    assert!(
        walked.notes.iter().any(|n| n.contains("nginx/shared") && n.contains("outside the tree")),
        "{:?}",
        walked.notes
    );
}

#[test]
fn overlapping_paths_find_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "nginx/api.conf", "server { listen 80; }\n");
    let named = d.join("nginx/api.conf");
    let discovery = discover(&[d.to_path_buf(), d.join("nginx"), d.join("nginx/../nginx"), named], &everything);
    assert_eq!(discovery.files.len(), 1);
    assert_eq!(discovery.files[0].path, d.join("nginx/api.conf"));
    assert!(discovery.files[0].explicit, "named on the command line, too");
}

#[test]
fn kept_files_that_cannot_be_analysed_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut large = b"services:\n  api:\n    image: api\n".to_vec();
    large.resize(usize::try_from(MAX_FILE_SIZE).unwrap() + 10, b'#');
    write(d, "big/docker-compose.yml", &large);
    // A large file whose first megabytes hold nothing that can matter was never a candidate.
    let mut lock = b"lockfileVersion: '9.0'\n".to_vec();
    lock.resize(usize::try_from(MAX_FILE_SIZE).unwrap() + 10, b' ');
    write(d, "big/openapi.yaml", &lock);
    write(d, "bin/app.conf", b"server {\0\0\0}");
    let text = "server { listen 80; }\n";
    let utf16: Vec<u8> = [0xff, 0xfe].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    write(d, "nginx/utf16.conf", utf16);
    let keep = |kind: FileKind, bytes: &[u8]| kind != FileKind::Yaml || bytes.windows(9).any(|w| w == b"services:");
    let discovery = discover(&[d.to_path_buf()], &keep);
    let skipped: Vec<(String, &SkipReason)> =
        discovery.skipped.iter().map(|s| (s.path.strip_prefix(d).unwrap().display().to_string(), &s.reason)).collect();
    assert_eq!(
        skipped,
        [
            ("big/docker-compose.yml".to_owned(), &SkipReason::TooLarge { size: MAX_FILE_SIZE + 10 }),
            ("bin/app.conf".to_owned(), &SkipReason::Binary),
        ]
    );
    assert_eq!(names(&discovery.files, d), ["nginx/utf16.conf"]);
    assert_eq!(discovery.files[0].bytes, text.as_bytes());
    assert_eq!(discovery.passed_over, [d.join("big/openapi.yaml")]);
}

#[test]
fn minified_bundles_are_not_read_on_a_walk_but_are_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bundle =
        format!("/*! license */\n{}res.setHeader(\"Access-Control-Allow-Origin\",o);\n", "var a=1;".repeat(4096));
    let bundle = write(d, "web/api/swagger-ui-bundle.js", bundle);
    write(d, "web/api/server.js", "res.setHeader(\"Access-Control-Allow-Origin\", origin);\n");
    let walked = discover(&[d.to_path_buf()], &everything);
    assert_eq!(names(&walked.files, d), ["web/api/server.js"]);
    let named = discover(std::slice::from_ref(&bundle), &everything);
    assert_eq!(named.files.len(), 1);
}
