//! A minimal HTTP/1.1 client over `std::net::TcpStream`: one request per connection
//! (`Connection: close`), bounded by timeouts, enough to read status, headers and body.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A request as sent on the wire (header names as written).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// In wire order, names lower-cased; duplicates kept.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The Fetch "get" of a header: the values joined with `, `, or `None` when absent.
    pub fn get(&self, name: &str) -> Option<String> {
        let values = self.all(name);
        if values.is_empty() { None } else { Some(values.join(", ")) }
    }

    /// The `Access-Control-*` and `Vary` headers, for failure messages and comparisons.
    pub fn cors_headers(&self) -> Vec<(String, String)> {
        self.headers.iter().filter(|(n, _)| n.starts_with("access-control-") || n == "vary").cloned().collect()
    }
}

pub fn send(port: u16, request: &Request) -> Result<Response, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect {port}: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
    let has_host = request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"));
    if !has_host {
        head.push_str("Host: localhost\r\n");
    }
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", request.body.len()));
    stream.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    stream.write_all(&request.body).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no header end in {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Ok(Response { status, headers, body })
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
