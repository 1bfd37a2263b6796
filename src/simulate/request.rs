//! The browser's request (Fetch): which headers are CORS-safelisted, whether a preflight is
//! needed, and what the preflight and the actual request look like on the wire.

/// A URL as far as the simulation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// Lowercase.
    pub host: String,
    pub port: Option<u16>,
    /// The path, starting with `/` (no query).
    pub path: String,
    /// The query string without `?` (empty when there is none).
    pub query: String,
}

impl Url {
    /// `https://api.example.com:8443/api/items?x=1` → parts; `None` when there is no `scheme://host`.
    pub fn parse(text: &str) -> Option<Url> {
        let (scheme, rest) = text.split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, p.parse().ok()),
            _ => (authority, None),
        };
        if host.is_empty() || scheme.is_empty() {
            return None;
        }
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        Some(Url {
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
            port,
            path,
            query: query.to_string(),
        })
    }

    /// `host[:port]` as the `Host` header carries it.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    pub fn to_text(&self) -> String {
        let query = if self.query.is_empty() { String::new() } else { format!("?{}", self.query) };
        format!("{}://{}{}{query}", self.scheme, self.authority(), self.path)
    }

    /// The value of query argument `name` (nginx `$arg_name`), empty when absent.
    pub fn arg(&self, name: &str) -> String {
        self.query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    }
}

/// What the page's script asks for (`fetch(url, {method, headers, credentials})`).
#[derive(Clone, Debug, PartialEq)]
pub struct BrowserRequest {
    /// The page's origin, serialized (`https://app.example.com`, `null`).
    pub origin: String,
    /// As the script wrote it; [`BrowserRequest::method`] normalizes it.
    pub method: String,
    /// Headers the script sets (author request headers), in order.
    pub headers: Vec<(String, String)>,
    /// Credentials mode `include`.
    pub credentials: bool,
    /// With `include`, whether the browser has cookies for the site (it then sends `Cookie`).
    pub cookies: bool,
    pub url: Option<Url>,
}

/// A request as a server sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct WireRequest {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub url: Option<Url>,
}

impl WireRequest {
    /// The value of header `name` (duplicates combined with `, `), case-insensitive.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> =
            self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// OPTIONS with `Origin` and `Access-Control-Request-Method`: a CORS preflight.
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.has("origin") && self.has("access-control-request-method")
    }

    /// Carries something that can authenticate it (`Authorization` or `Cookie`).
    pub fn has_credentials(&self) -> bool {
        self.has("authorization") || self.has("cookie")
    }

    pub fn path(&self) -> Option<&str> {
        self.url.as_ref().map(|u| u.path.as_str())
    }
}

/// Fetch's "CORS-safelisted method".
pub fn is_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// Fetch's method normalization: only these six are upper-cased (`patch` stays as written).
pub fn normalize_method(method: &str) -> String {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)).map_or_else(|| method.to_string(), |m| (*m).to_string())
}

fn is_cors_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f || b"\"():<>?@[\\]{}".contains(&b)
}

/// Fetch's "CORS-safelisted request-header" (name and value).
pub fn is_safelisted_header(name: &str, value: &str) -> bool {
    if value.len() > 128 {
        return false;
    }
    match name.to_ascii_lowercase().as_str() {
        "accept" => !value.bytes().any(is_cors_unsafe_byte),
        "accept-language" | "content-language" => {
            value.bytes().all(|b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b))
        }
        "content-type" => {
            if value.bytes().any(is_cors_unsafe_byte) {
                return false;
            }
            let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            matches!(essence.as_str(), "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
        }
        "range" => {
            let Some(spec) = value.strip_prefix("bytes=") else { return false };
            let Some((start, end)) = spec.split_once('-') else { return false };
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            !start.is_empty()
                && digits(start)
                && digits(end)
                && (end.is_empty() || start.parse::<u64>().ok() <= end.parse::<u64>().ok())
        }
        _ => false,
    }
}

impl BrowserRequest {
    /// The method after Fetch's normalization.
    pub fn method(&self) -> String {
        normalize_method(&self.method)
    }

    /// Fetch's "CORS-unsafe request-header names": sorted, lowercase, without duplicates.
    pub fn unsafe_header_names(&self) -> Vec<String> {
        let total: usize = self.headers.iter().filter(|(n, v)| is_safelisted_header(n, v)).map(|(_, v)| v.len()).sum();
        let mut names: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, v)| total > 1024 || !is_safelisted_header(n, v))
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Why the browser sends a preflight first, or `None` for a simple request.
    pub fn preflight_reason(&self) -> Option<String> {
        let method = self.method();
        let unsafe_names = self.unsafe_header_names();
        let mut why = Vec::new();
        if !is_safelisted_method(&method) {
            why.push(format!("the method {method} is not GET, HEAD or POST"));
        }
        if !unsafe_names.is_empty() {
            why.push(format!("the request sets {} (not CORS-safelisted)", unsafe_names.join(", ")));
        }
        (!why.is_empty()).then(|| why.join(" and "))
    }

    pub fn needs_preflight(&self) -> bool {
        self.preflight_reason().is_some()
    }

    fn common_headers(&self) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        if let Some(url) = &self.url {
            headers.push(("Host".to_string(), url.authority()));
        }
        headers.push(("Origin".to_string(), self.origin.clone()));
        headers
    }

    /// The preflight: `OPTIONS`, `Access-Control-Request-Method`, `Access-Control-Request-Headers`,
    /// never credentials.
    pub fn preflight(&self) -> WireRequest {
        let mut headers = self.common_headers();
        headers.push(("Access-Control-Request-Method".to_string(), self.method()));
        let names = self.unsafe_header_names();
        if !names.is_empty() {
            headers.push(("Access-Control-Request-Headers".to_string(), names.join(",")));
        }
        headers.push(("Accept".to_string(), "*/*".to_string()));
        WireRequest { method: "OPTIONS".to_string(), headers, url: self.url.clone() }
    }

    /// The request itself, with `Cookie` when credentials are included and the browser has some.
    pub fn actual(&self) -> WireRequest {
        let mut headers = self.common_headers();
        headers.extend(self.headers.iter().cloned());
        if self.credentials && self.cookies {
            headers.push(("Cookie".to_string(), "session=abc".to_string()));
        }
        WireRequest { method: self.method(), headers, url: self.url.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, headers: &[(&str, &str)]) -> BrowserRequest {
        BrowserRequest {
            origin: "https://app.example.com".into(),
            method: method.into(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            credentials: false,
            cookies: false,
            url: Url::parse("https://api.example.com/api/items"),
        }
    }

    #[test]
    fn preflight_triggers() {
        assert!(!request("GET", &[]).needs_preflight());
        assert!(!request("post", &[("Content-Type", "text/plain;charset=UTF-8")]).needs_preflight());
        assert!(request("POST", &[("Content-Type", "application/json")]).needs_preflight());
        assert!(request("PUT", &[]).needs_preflight());
        assert!(request("GET", &[("Authorization", "Bearer x")]).needs_preflight());
        assert!(!request("GET", &[("Range", "bytes=0-99")]).needs_preflight());
        assert!(request("GET", &[("Range", "bytes=0-99,200-")]).needs_preflight());
        assert_eq!(normalize_method("patch"), "patch");
        assert_eq!(normalize_method("put"), "PUT");
    }

    #[test]
    fn preflight_headers_are_sorted_lowercase() {
        let r = request("PUT", &[("X-Token", "1"), ("Authorization", "Bearer x"), ("Accept", "*/*")]);
        let p = r.preflight();
        assert_eq!(p.header("access-control-request-headers").as_deref(), Some("authorization,x-token"));
        assert_eq!(p.header("access-control-request-method").as_deref(), Some("PUT"));
        assert!(!p.has("authorization"));
    }

    #[test]
    fn urls() {
        let u = Url::parse("HTTPS://Api.Example.com:8443/x/y?z").expect("url");
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port, u.path.as_str()),
            ("https", "api.example.com", Some(8443), "/x/y")
        );
        assert_eq!(Url::parse("https://a.com").map(|u| u.path), Some("/".to_string()));
        assert_eq!(Url::parse("a.com"), None);
    }
}
