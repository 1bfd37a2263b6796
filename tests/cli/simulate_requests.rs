//! `simulate` answers only for requests a browser can make, and its report cannot be forged.

use super::{corslint, stderr, stdout, write};

const APP: &str = "fixtures/simulate/fastapi_allowlist";

fn simulate(args: &[&str]) -> std::process::Output {
    corslint().arg("simulate").arg(APP).args(args).output().expect("the binary runs")
}

#[test]
fn origins_no_browser_sends_are_refused_with_the_one_it_sends() {
    for (origin, says) in [
        ("https://app.example.com/", "it sends `https://app.example.com`"),
        ("https://app.example.com/admin", "no path, query or trailing `/`"),
        ("HTTPS://app.example.com", "the scheme in lower case"),
        ("https://app.example.com:443", "no default port"),
        ("", "or `null`"),
        ("https://app.example.com:99999", "above 65535"),
        ("app.example.com", "it sends `https://app.example.com`"),
    ] {
        let output = simulate(&["--origin", origin]);
        assert_eq!(output.status.code(), Some(2), "{origin:?}: {}", stdout(&output));
        assert!(stdout(&output).is_empty(), "{origin:?}");
        assert!(stderr(&output).contains(says), "{origin:?}: {}", stderr(&output));
    }
}

#[test]
fn headers_fetch_cannot_set_are_refused() {
    for (header, says) in [
        ("X Bad: 1", "not a token"),
        ("Bad@Name: x", "not a token"),
        ("Cookie: session=1", "--credentials"),
        ("Origin: https://app.example.com", "--origin"),
        ("Host: api.example.com", "--url"),
        ("Sec-Fetch-Site: same-origin", "cannot set"),
        ("Access-Control-Request-Private-Network: true", "cannot set"),
        ("X-HTTP-Method-Override: TRACE", "cannot set"),
    ] {
        let output = simulate(&["--origin", "https://app.example.com", "-H", header]);
        assert_eq!(output.status.code(), Some(2), "{header}: {}", stdout(&output));
        assert!(stderr(&output).contains(says), "{header}: {}", stderr(&output));
    }
    let url = simulate(&["--origin", "https://app.example.com", "--url", "https://api.example.com:70000/api/items"]);
    assert_eq!(url.status.code(), Some(2), "{}", stdout(&url));
    assert!(stderr(&url).contains("above 65535"), "{}", stderr(&url));
}

#[test]
fn origin_null_is_a_request_browsers_make() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("main.py"),
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n\
         app.add_middleware(CORSMiddleware, allow_origins=[\"null\"])\n\n\n@app.get(\"/items\")\ndef items():\n    return []\n",
    );
    let output = corslint()
        .arg("simulate")
        .arg(dir.path())
        .args(["--origin", "null", "--url", "https://api.example.com/items"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("Verdict: allowed: the page at null can read the response"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn the_simulate_report_escapes_what_the_repository_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("nginx.conf"),
        "server {\n    listen 80;\n    server_name api.example.com;\n    location / {\n        \
         add_header Access-Control-Allow-Origin \"https://app.example.com\u{1b}[2J\r::error title=x::y\" always;\n        \
         add_header X-Note \"a\n::warning::b\" always;\n        return 200;\n    }\n}\n",
    );
    let output = corslint()
        .arg("simulate")
        .arg(dir.path())
        .args(["--origin", "https://app.example.com", "--url", "https://api.example.com/"])
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("< Access-Control-Allow-Origin: https://app.example.com\\x1b[2J\\"), "{text}");
    assert!(text.contains("< X-Note: a\\n::warning::b"), "{text}");
    for line in text.split(['\n', '\r']) {
        assert!(!line.trim_start().starts_with("::"), "{line:?}\n{text}");
    }
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
}
