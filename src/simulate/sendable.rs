//! What a page's script can make a browser send. `simulate` refuses the rest: a verdict on a
//! request no browser makes (an origin with a path, a `Cookie` set by the script) would answer
//! a question nobody can ask, and usually hides a typo in the command.

use super::request::{BrowserRequest, Url};
use crate::report::escape;

/// Checks that a browser can send `request`; the error says what it would send instead.
pub fn check(request: &BrowserRequest) -> Result<(), String> {
    check_origin(&request.origin)?;
    check_method(&request.method)?;
    for (name, value) in &request.headers {
        check_header(name, value)?;
    }
    Ok(())
}

/// `Name: value`, or a bare name (`Authorization`) with a plausible value.
pub fn header_arg(arg: &str) -> (String, String) {
    match arg.split_once(':') {
        Some((name, value)) => (name.trim().to_string(), value.trim().to_string()),
        None if arg.trim().eq_ignore_ascii_case("authorization") => (arg.trim().to_string(), "Bearer token".into()),
        None => (arg.trim().to_string(), "value".to_string()),
    }
}

/// `--url`: an `http`/`https` URL whose origin part a browser can reach.
pub fn url_arg(text: &str) -> Result<Url, String> {
    let shown = escape::value(text);
    let invalid = |why: String| format!("--url `{shown}`: {why}");
    let url = Url::parse(text).ok_or_else(|| invalid("not an absolute URL (scheme://host/path)".into()))?;
    if !matches!(url.scheme.as_str(), "http" | "https") {
        return Err(invalid(format!("fetch() makes CORS requests to http and https URLs, not `{}:`", url.scheme)));
    }
    let authority_end = text.find("://").map_or(0, |i| i + 3);
    let rest = text.get(authority_end..).unwrap_or("");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    browser_origin(&format!("{}://{authority}", url.scheme)).map_err(|e| invalid(e.why))?;
    Ok(url)
}

/// Why a text is not an origin a browser sends, and the one it sends instead when there is one.
#[derive(Debug)]
struct NotAnOrigin {
    why: String,
    instead: Option<String>,
}

fn check_origin(origin: &str) -> Result<(), String> {
    if origin == "null" {
        return Ok(());
    }
    let shown = escape::value(origin);
    if origin.is_empty() {
        return Err("--origin is empty: a browser sends the page's origin, `scheme://host[:port]` (e.g. \
                    `https://app.example.com`), or `null` from a sandboxed or `file:` page"
            .to_string());
    }
    let (why, instead) = match browser_origin(origin) {
        Ok((sent, _)) if sent == origin => return Ok(()),
        Ok((sent, reasons)) => (reasons.join(", "), Some(sent)),
        Err(NotAnOrigin { why, instead }) => (why, instead),
    };
    Err(match instead {
        Some(sent) => format!("--origin `{shown}`: a browser never sends this ({why}); it sends `{sent}`"),
        None => format!("--origin `{shown}`: a browser never sends this: {why}"),
    })
}

/// The origin a browser sends for a page at `page` (Fetch's serialization of a URL's origin),
/// with what had to change; an error when no page has such a URL.
fn browser_origin(page: &str) -> Result<(String, Vec<&'static str>), NotAnOrigin> {
    let refuse = |why: String| NotAnOrigin { why, instead: None };
    if page.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse("it holds white space or control characters".into()));
    }
    let Some((scheme, rest)) = page.split_once("://") else {
        let instead = browser_origin(&format!("https://{page}")).ok().map(|(sent, _)| sent);
        return Err(NotAnOrigin { why: "there is no scheme".into(), instead });
    };
    let mut reasons = Vec::new();
    let mut scheme_chars = scheme.chars();
    if !scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(refuse(format!("`{scheme}` is not a URL scheme")));
    }
    let scheme = scheme.to_ascii_lowercase();
    if scheme != page.split_once("://").map_or("", |(s, _)| s) {
        reasons.push("the scheme in lower case");
    }
    if scheme == "file" {
        return Err(NotAnOrigin {
            why: "a page loaded from a `file:` URL has an opaque origin".into(),
            instead: Some("null".into()),
        });
    }
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !tail.is_empty() {
        reasons.push("no path, query or trailing `/`");
    }
    let host_port = match authority.rsplit_once('@') {
        Some((_, host_port)) => {
            reasons.push("no user name or password");
            host_port
        }
        None => authority,
    };
    let (host, port) = split_host_port(host_port).map_err(refuse)?;
    let host = checked_host(host).map_err(refuse)?;
    if host != split_host_port(host_port).map_or("", |(h, _)| h) {
        reasons.push("the host in lower case");
    }
    let port = match port {
        None => None,
        Some("") => {
            reasons.push("no `:` without a port");
            None
        }
        Some(digits) => {
            let number = port_number(digits).map_err(refuse)?;
            let default = match scheme.as_str() {
                "http" | "ws" => Some(80),
                "https" | "wss" => Some(443),
                _ => None,
            };
            if default == Some(number) {
                reasons.push("no default port");
                None
            } else {
                if digits.len() > 1 && digits.starts_with('0') {
                    reasons.push("the port without leading zeros");
                }
                Some(number)
            }
        }
    };
    let sent = match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    };
    Ok((sent, reasons))
}

/// `host[:port]`, `[v6]:port`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), String> {
    if authority.starts_with('[') {
        let Some(end) = authority.find(']') else { return Err("the IPv6 address has no closing `]`".into()) };
        let (host, after) = authority.split_at(end + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(format!("`{after}` after the IPv6 address")),
            },
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// The host as a browser serializes it (lower case), or why no URL has it.
fn checked_host(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("there is no host".into());
    }
    if host.contains('*') {
        return Err("an origin is one site: a browser never sends a wildcard".into());
    }
    if !host.is_ascii() {
        return Err("a browser sends a non-ASCII host in punycode (`xn--…`)".into());
    }
    let ipv6 = host.starts_with('[');
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') || (ipv6 && matches!(c, '[' | ']' | ':'));
    if let Some(bad) = host.chars().find(|&c| !allowed(c)) {
        return Err(format!("`{bad}` cannot be part of a host"));
    }
    Ok(host.to_ascii_lowercase())
}

fn port_number(digits: &str) -> Result<u16, String> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the port `{digits}` is not a number"));
    }
    digits.parse::<u16>().map_err(|_| format!("the port {digits} is above 65535: no URL has it"))
}

/// RFC 9110 `token`: what a method or a header name may be made of.
fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_method(method: &str) -> Result<(), String> {
    let shown = escape::value(method);
    if !is_token(method) {
        return Err(format!(
            "--method `{shown}`: fetch() refuses a method that is not a token (letters, digits, `-`…)"
        ));
    }
    if is_forbidden_method(method) {
        return Err(format!("--method {shown}: fetch() refuses this method"));
    }
    Ok(())
}

fn check_header(name: &str, value: &str) -> Result<(), String> {
    let shown = escape::value(name);
    if !is_token(name) {
        return Err(format!(
            "--header `{shown}`: fetch() refuses a header name that is not a token (letters, digits, `-`…); \
             write `Name: value`"
        ));
    }
    if value.contains(['\0', '\r', '\n']) {
        return Err(format!("--header {shown}: fetch() refuses a value with NUL, CR or LF"));
    }
    if is_forbidden_header(name, value) {
        let lower = name.to_ascii_lowercase();
        let instead = match lower.as_str() {
            "cookie" | "cookie2" => "it sends the site's cookies itself with --credentials",
            "origin" => "it sends the page's origin: give it with --origin",
            "host" => "it sends the host of --url",
            _ if lower.starts_with("access-control-request-") => "it sends these itself, in the preflight",
            _ if lower.starts_with("sec-") || lower.starts_with("proxy-") => "it sets these itself",
            _ if is_forbidden_method_override(&lower) => "the override names a method fetch() refuses",
            _ => "it sets this header itself, or never sends it",
        };
        return Err(format!("--header {shown}: fetch() cannot set this header ({instead})"));
    }
    Ok(())
}

/// Fetch's "forbidden method": `fetch()` refuses it.
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

fn is_forbidden_method_override(lower_name: &str) -> bool {
    matches!(lower_name, "x-http-method" | "x-http-method-override" | "x-method-override")
}

/// Fetch's "forbidden request-header": a script cannot set it (the browser drops it or sets it
/// itself). `Access-Control-Request-*` as a whole, as browsers treat it.
pub fn is_forbidden_header(name: &str, value: &str) -> bool {
    const FORBIDDEN: [&str; 19] = [
        "accept-charset",
        "accept-encoding",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    let lower = name.to_ascii_lowercase();
    FORBIDDEN.contains(&lower.as_str())
        || ["proxy-", "sec-", "access-control-request-"].iter().any(|p| lower.starts_with(p))
        || (is_forbidden_method_override(&lower) && value.split(',').any(|m| is_forbidden_method(m.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(origin: &str) -> String {
        check_origin(origin).expect_err(origin)
    }

    #[test]
    fn origins_a_browser_sends_pass() {
        for origin in [
            "https://app.example.com",
            "http://localhost:3000",
            "null",
            "http://[::1]:8080",
            "chrome-extension://abcdefghijklmnop",
            "https://app.example.com.",
        ] {
            assert_eq!(check_origin(origin), Ok(()), "{origin}");
        }
    }

    #[test]
    fn other_origins_are_refused_with_what_a_browser_sends() {
        for (origin, sent) in [
            ("https://app.example.com/", "`https://app.example.com`"),
            ("https://app.example.com/login?next=1", "`https://app.example.com`"),
            ("HTTPS://App.Example.com", "`https://app.example.com`"),
            ("https://app.example.com:443", "`https://app.example.com`"),
            ("http://app.example.com:80", "`http://app.example.com`"),
            ("http://localhost:03000", "`http://localhost:3000`"),
            ("https://user:pw@app.example.com", "`https://app.example.com`"),
            ("app.example.com", "`https://app.example.com`"),
            ("file:///home/me/index.html", "`null`"),
        ] {
            let message = refused(origin);
            assert!(message.contains(&format!("it sends {sent}")), "{origin}: {message}");
        }
        assert!(refused("https://app.example.com/").contains("no path, query or trailing `/`"));
        assert!(refused("https://app.example.com:443").contains("no default port"));
        assert!(refused("HTTPS://app.example.com").contains("the scheme in lower case"));
        assert!(refused("").contains("or `null`"));
        assert!(refused("https://app.example.com:99999").contains("above 65535"));
        assert!(refused("https://*.example.com").contains("wildcard"));
        assert!(refused("https://bücher.example").contains("punycode"));
        assert!(refused("https://app.example.com\u{1b}[2J").contains("\\x1b"), "the message is escaped");
    }

    #[test]
    fn header_names_and_values() {
        assert_eq!(check_header("X-Token", "1"), Ok(()));
        assert!(check_header("X Token", "1").is_err_and(|m| m.contains("not a token")));
        assert!(check_header("Bad@Name", "1").is_err_and(|m| m.contains("not a token")));
        assert!(check_header("X-Token", "a\r\nSet-Cookie: x").is_err_and(|m| m.contains("CR or LF")));
        for (name, why) in [
            ("Cookie", "--credentials"),
            ("origin", "--origin"),
            ("Host", "--url"),
            ("Sec-Fetch-Mode", "sets these itself"),
            ("Access-Control-Request-Private-Network", "in the preflight"),
            ("Access-Control-Request-Method", "in the preflight"),
            ("Referer", "itself"),
        ] {
            let message = check_header(name, "x").expect_err(name);
            assert!(message.contains("cannot set") && message.contains(why), "{name}: {message}");
        }
        assert!(check_header("X-HTTP-Method-Override", "TRACE").is_err());
        assert_eq!(check_header("X-HTTP-Method-Override", "PATCH"), Ok(()));
    }

    #[test]
    fn methods_and_urls() {
        assert_eq!(check_method("PATCH"), Ok(()));
        assert!(check_method("GE T").is_err());
        assert!(check_method("trace").is_err());
        assert!(url_arg("https://api.example.com:70000/x").is_err_and(|m| m.contains("above 65535")));
        assert!(url_arg("ftp://api.example.com/x").is_err());
        assert!(url_arg("https://api.example.com:8443/x").is_ok_and(|u| u.port == Some(8443)));
        assert_eq!(header_arg(" X-Token : abc "), ("X-Token".to_string(), "abc".to_string()));
        assert_eq!(header_arg("Authorization").1, "Bearer token");
    }
}
