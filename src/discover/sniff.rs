//! What a cheap look at a file's first statements says it is: nginx, another program's
//! configuration, or neither.
//!
//! nginx evidence is a statement nginx would read: a directive nginx knows ending in `;` or `{`
//! (quotes respected, so `log_format … escape=json` spanning lines counts), or block syntax
//! `name … {` with a directive-like name. `=` alone is never evidence: `key = value` lines are
//! sysctl, PostgreSQL, php-fpm or INI files.

/// The verdict of [`sniff`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// A statement nginx would read.
    Nginx,
    /// INI sections, `key = value` lines, XML/Apache tags, a `;` comment, a script's `#!`.
    Other,
    /// Neither: `key value` lines as in redis.conf, free text, or no content at all.
    Unclear,
}

/// Bytes looked at: the first statements decide, and a file is never read twice for it.
const SNIFF_BYTES: usize = 16 * 1024;

/// Statements looked at before giving up (comments and blank lines do not count).
const SNIFF_STATEMENTS: usize = 8;

/// Directives of nginx and its common modules, including every block directive. A first
/// statement naming one of them is nginx evidence; nginx accepts others (third-party modules),
/// which count only as block syntax or inside an nginx directory.
const KNOWN_DIRECTIVES: &[&str] = &[
    "absolute_redirect",
    "access_log",
    "add_header",
    "add_trailer",
    "aio",
    "alias",
    "allow",
    "auth_basic",
    "auth_basic_user_file",
    "auth_jwt",
    "auth_request",
    "auth_request_set",
    "autoindex",
    "break",
    "charset",
    "client_body_buffer_size",
    "client_body_temp_path",
    "client_body_timeout",
    "client_header_buffer_size",
    "client_max_body_size",
    "daemon",
    "default_type",
    "deny",
    "env",
    "error_log",
    "error_page",
    "etag",
    "events",
    "expires",
    "fastcgi_cache_path",
    "fastcgi_param",
    "fastcgi_pass",
    "geo",
    "grpc_pass",
    "gzip",
    "gzip_types",
    "gzip_vary",
    "gzip_comp_level",
    "gzip_min_length",
    "gzip_proxied",
    "hash",
    "http",
    "if",
    "include",
    "index",
    "internal",
    "ip_hash",
    "keepalive",
    "keepalive_timeout",
    "large_client_header_buffers",
    "least_conn",
    "limit_conn",
    "limit_conn_zone",
    "limit_except",
    "limit_req",
    "limit_req_zone",
    "listen",
    "load_module",
    "location",
    "log_format",
    "lua_package_path",
    "lua_shared_dict",
    "mail",
    "map",
    "map_hash_bucket_size",
    "more_clear_headers",
    "more_set_headers",
    "multi_accept",
    "open_file_cache",
    "pcre_jit",
    "pid",
    "proxy_buffering",
    "proxy_buffer_size",
    "proxy_buffers",
    "proxy_cache",
    "proxy_cache_path",
    "proxy_cache_valid",
    "proxy_connect_timeout",
    "proxy_hide_header",
    "proxy_http_version",
    "proxy_intercept_errors",
    "proxy_pass",
    "proxy_read_timeout",
    "proxy_redirect",
    "proxy_send_timeout",
    "proxy_set_header",
    "real_ip_header",
    "resolver",
    "return",
    "rewrite",
    "root",
    "sendfile",
    "server",
    "server_name",
    "server_names_hash_bucket_size",
    "server_tokens",
    "set",
    "set_real_ip_from",
    "split_clients",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_ciphers",
    "ssl_prefer_server_ciphers",
    "ssl_protocols",
    "ssl_session_cache",
    "ssl_session_timeout",
    "stream",
    "sub_filter",
    "tcp_nodelay",
    "tcp_nopush",
    "try_files",
    "types",
    "types_hash_max_size",
    "underscores_in_headers",
    "upstream",
    "user",
    "uwsgi_param",
    "uwsgi_pass",
    "valid_referers",
    "worker_connections",
    "worker_processes",
    "worker_rlimit_nofile",
];

/// Looks at the first statements of `bytes`.
pub fn sniff(bytes: &[u8]) -> Sniff {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let bytes = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    if bytes.starts_with(b"#!") {
        return Sniff::Other;
    }
    let mut at = 0;
    // A block with a name nginx does not know (`rtmp {`, `namespace inbox {`): nginx's, unless
    // its first statement is a `key = value` line (Dovecot, Icinga, HOCON).
    let mut unknown_block = false;
    let undecided = |unknown_block: bool| if unknown_block { Sniff::Nginx } else { Sniff::Unclear };
    for _ in 0..SNIFF_STATEMENTS {
        at = skip_blanks_and_comments(bytes, at);
        let Some(&first) = bytes.get(at) else { break };
        if matches!(first, b'[' | b'<' | b';') {
            return Sniff::Other;
        }
        let word_end = at + bytes.get(at..).unwrap_or(&[]).iter().take_while(|&&b| !is_separator(b)).count();
        let word = bytes.get(at..word_end).unwrap_or(&[]);
        let statement = Statement::read(bytes, word_end);
        let rest = bytes.get(word_end..).unwrap_or(&[]);
        let after_word = rest.iter().find(|b| **b != b' ' && **b != b'\t').copied();
        if !is_directive_name(word) || after_word == Some(b'=') {
            // `FROM nginx`, `all:`, `MIT License`, `net.ipv4.ip_forward = 1`, `port = 5432`.
            let assignment = statement.equals_first_line || word.contains(&b'=');
            return if assignment { Sniff::Other } else { undecided(unknown_block) };
        }
        // nginx's `if` always takes a parenthesised condition; English prose does not.
        let shaped = word != b"if" || after_word == Some(b'(');
        let known = shaped && std::str::from_utf8(word).is_ok_and(|w| KNOWN_DIRECTIVES.contains(&w));
        match statement.end {
            Some(b';' | b'{') if known => return Sniff::Nginx,
            Some(b'{') if !statement.equals_first_line => unknown_block = true,
            _ if statement.equals_first_line => return Sniff::Other,
            Some(b'}') | None => return undecided(unknown_block),
            Some(_) => {}
        }
        // An unknown `name args;`: a third-party module, or another format; the next decides.
        at = statement.next;
    }
    undecided(unknown_block)
}

/// Where a statement ends, and what the line it starts on says.
struct Statement {
    /// The `;`, `{` or `}` that ends it (`None`: the end of the sniffed bytes).
    end: Option<u8>,
    /// Offset just past that terminator.
    next: usize,
    /// An unquoted `=` on the statement's first line, before any terminator: `key = value`.
    equals_first_line: bool,
}

impl Statement {
    /// Reads from `from` to the first unquoted `;`, `{` or `}` (comments skipped, lines joined).
    fn read(bytes: &[u8], from: usize) -> Statement {
        let mut quote = None;
        let mut first_line = true;
        let mut equals_first_line = false;
        let mut i = from;
        while let Some(&b) = bytes.get(i) {
            match (quote, b) {
                (Some(q), b'\\') if q == b'"' || q == b'\'' => i += 1,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'#') => {
                    i += bytes.get(i..).unwrap_or(&[]).iter().take_while(|&&c| c != b'\n').count();
                    continue;
                }
                (None, b'\n') => first_line = false,
                (None, b'=') if first_line => equals_first_line = true,
                (None, b';' | b'{' | b'}') => return Statement { end: Some(b), next: i + 1, equals_first_line },
                (None, _) => {}
            }
            i += 1;
        }
        Statement { end: None, next: bytes.len(), equals_first_line }
    }
}

/// Also skips template tags (`{{- if .Values.tls }}`, `{% for %}`): what they render is unknown.
fn skip_blanks_and_comments(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&b) = bytes.get(at) {
        let rest = bytes.get(at..).unwrap_or(&[]);
        let tag_end = match rest.get(..2) {
            Some(b"{{") => Some(&b"}}"[..]),
            Some(b"{%") => Some(&b"%}"[..]),
            Some(b"{#") => Some(&b"#}"[..]),
            _ => None,
        };
        if let Some(end) = tag_end {
            at += rest.windows(2).position(|w| w == end).map_or(rest.len(), |i| i + 2);
        } else if b.is_ascii_whitespace() {
            at += 1;
        } else if b == b'#' {
            at += bytes.get(at..).unwrap_or(&[]).iter().take_while(|&&c| c != b'\n').count();
        } else {
            break;
        }
    }
    at
}

fn is_separator(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b';' | b'{' | b'}' | b'#')
}

/// What nginx directive names look like (`proxy_pass`, `more_set_headers`, `content_by_lua_block`).
fn is_directive_name(word: &[u8]) -> bool {
    word.first().is_some_and(u8::is_ascii_alphabetic)
        && word.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_statements_are_evidence() {
        assert_eq!(sniff(b"# comment\nserver {\n listen 80;\n}\n"), Sniff::Nginx);
        assert_eq!(sniff(b"add_header X-Frame-Options DENY;\n"), Sniff::Nginx);
        assert_eq!(sniff(b"upstream api { server app:8000; }"), Sniff::Nginx);
        assert_eq!(sniff(b"location /api/ {\n}\n"), Sniff::Nginx);
        // A first directive that spans lines or holds `=` is still nginx.
        assert_eq!(
            sniff(b"log_format json escape=json\n  '{\"time\":\"$time_iso8601\"}';\nserver { }\n"),
            Sniff::Nginx
        );
        assert_eq!(sniff(b"proxy_cache_path /var/cache/nginx levels=1:2 keys_zone=api:10m;\n"), Sniff::Nginx);
        // Block syntax of a directive nginx does not ship (a module's block).
        assert_eq!(sniff(b"vhost_traffic_status_zone_block on {\n}\n"), Sniff::Nginx);
        // A module's block holding nginx statements (nginx-rtmp).
        assert_eq!(sniff(b"rtmp {\n    server {\n        listen 1935;\n    }\n}\n"), Sniff::Nginx);
        // An unknown `name args;` first, then a known directive.
        assert_eq!(sniff(b"more_directive x;\nlisten 80;\n"), Sniff::Nginx);
        // Template tags before the first directive.
        assert_eq!(sniff(b"{{- if .Values.tls }}\n{# jinja #}\nserver {\n}\n"), Sniff::Nginx);
    }

    #[test]
    fn other_programs_configs_are_not_nginx() {
        // sysctl.conf, postgresql.conf: `key = value`, even with a `;` further on.
        assert_eq!(sniff(b"# sysctl\nnet.ipv4.ip_forward = 1\nvm.swappiness=10\n"), Sniff::Other);
        assert_eq!(
            sniff(b"max_connections = 100\t\t# (change requires restart)\nshared_buffers = 128MB\n"),
            Sniff::Other
        );
        assert_eq!(sniff(b"listen_addresses = 'localhost'; \n"), Sniff::Other);
        // php-fpm pool `www.conf`: `;` comments and an INI section.
        assert_eq!(
            sniff(b"; Start a new pool named 'www'.\n[www]\nuser = www-data\nlisten = /run/php.sock\n"),
            Sniff::Other
        );
        // supervisord.conf
        assert_eq!(
            sniff(b"[supervisord]\nnodaemon=true\n\n[program:nginx]\ncommand=nginx -g 'daemon off;'\n"),
            Sniff::Other
        );
        assert_eq!(sniff(b"<VirtualHost *:80>\n</VirtualHost>\n"), Sniff::Other);
        assert_eq!(sniff(b"#!/bin/sh\nset -e\nnginx -g 'daemon off;'\n"), Sniff::Other);
        // Dovecot: named blocks whose statements are `key = value` lines.
        assert_eq!(
            sniff(b"namespace inbox {\n  inbox = yes\n  mailbox \"Trash\" {\n    auto = subscribe\n"),
            Sniff::Other
        );
        // redis.conf: `key value` lines, no terminator.
        assert_eq!(sniff(b"# Redis\nbind 127.0.0.1\nport 6379\nappendonly yes\n"), Sniff::Unclear);
        // logrotate: a path before `{` is not a directive name.
        assert_eq!(sniff(b"/var/log/nginx/*.log {\n daily\n rotate 14\n}\n"), Sniff::Unclear);
        // Dockerfile, Makefile, LICENSE.
        assert_eq!(sniff(b"FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n"), Sniff::Unclear);
        assert_eq!(sniff(b"all:\n\tdocker build -t web .\n"), Sniff::Unclear);
        assert_eq!(sniff(b"MIT License\n\nCopyright (c) 2024\n"), Sniff::Unclear);
        assert_eq!(sniff(b""), Sniff::Unclear);
    }
}
