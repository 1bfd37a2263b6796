//! `corslint server` driven as an editor drives it, over stdio: initialize, didOpen of the demo's
//! `backend/app/main.py`, didChange, codeAction, didSave, shutdown, exit. What it publishes for
//! the file must be what `corslint .` reports for it. With `CORSLINT_LSP_TRACE=FILE` the protocol
//! trace (one JSON message per line, `>` sent, `<` received) is written there.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    trace: Vec<String>,
    next_id: i64,
}

const WAIT: Duration = Duration::from_secs(60);

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corslint"))
            .arg("server")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("JSON-RPC");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming, trace: Vec::new(), next_id: 1 }
    }

    fn send(&mut self, message: Value) {
        let text = message.to_string();
        self.trace.push(format!("> {text}"));
        write!(self.stdin, "Content-Length: {}\r\n\r\n{text}", text.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait_for(|m| m["id"] == json!(id) && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// The next message that `matches`; the others are kept in the trace only.
    fn wait_for(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.incoming.recv_timeout(left).expect("the server answers in time");
            self.trace.push(format!("< {message}"));
            if matches(&message) {
                return message;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Value {
        let uri = uri.to_owned();
        self.wait_for(move |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri))["params"].clone()
    }
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

fn uri(path: &Path) -> String {
    corslint::server::uri_of(path).expect("a file URI").to_string()
}

/// `corslint .`'s findings whose primary span is in `file`, as (code, line, character, message)
/// with LSP's 0-based lines and (for this ASCII file) characters.
fn cli_findings(dir: &Path, file: &str) -> Vec<(String, u64, u64, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_corslint"))
        .current_dir(dir)
        .args(["--output-format", "json", "."])
        .output()
        .expect("the binary runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("json");
    let mut out: Vec<_> = json
        .as_array()
        .expect("array")
        .iter()
        .filter(|d| d["filename"] == file)
        .map(|d| {
            let row = d["location"]["row"].as_u64().expect("row") - 1;
            let column = d["location"]["column"].as_u64().expect("column") - 1;
            (
                d["code"].as_str().expect("code").to_owned(),
                row,
                column,
                d["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The published diagnostics reported at this file (not those shown here for a label), in the
/// same shape as [`cli_findings`].
fn published_here(params: &Value) -> Vec<(String, u64, u64, String)> {
    let mut out: Vec<_> = params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            !d["relatedInformation"]
                .as_array()
                .is_some_and(|r| r.iter().any(|i| i["message"].as_str().unwrap_or("").starts_with("reported here")))
        })
        .map(|d| {
            let message = d["message"].as_str().expect("message");
            let message = message.split("\nhelp: ").next().unwrap_or(message).to_owned();
            (
                d["code"].as_str().expect("code").to_owned(),
                d["range"]["start"]["line"].as_u64().expect("line"),
                d["range"]["start"]["character"].as_u64().expect("character"),
                message,
            )
        })
        .collect();
    out.sort();
    out
}

/// The first published diagnostic with `code`.
fn with_code(params: &Value, code: &str) -> Value {
    let diagnostics = params["diagnostics"].as_array().expect("diagnostics");
    diagnostics.iter().find(|d| d["code"] == code).cloned().unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn the_server_publishes_what_the_command_line_reports() {
    let dir = demo();
    let main = dir.join("backend/app/main.py");
    let main_uri = uri(&main);
    let text = std::fs::read_to_string(&main).expect("main.py");
    let mut client = Client::start(&dir);
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["serverInfo"]["name"], "corslint");
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main_uri, "languageId": "python", "version": 1, "text": text}}),
    );
    let opened = client.diagnostics_for(&main_uri);
    assert_eq!(opened["version"], 1);
    let expected = cli_findings(&dir, "backend/app/main.py");
    assert!(expected.len() >= 4, "{expected:#?}");
    assert_eq!(published_here(&opened), expected, "the same findings as `corslint .`");
    for d in opened["diagnostics"].as_array().expect("diagnostics") {
        assert_eq!(d["source"], "corslint");
        let code = d["code"].as_str().expect("code");
        assert!(d["codeDescription"]["href"].as_str().expect("href").ends_with(&format!("rules/{code}.md")));
    }
    // nginx's CORS304 has its other half in main.py: shown there, pointing back at nginx.
    let duplicate = with_code(&opened, "CORS304");
    let related = duplicate["relatedInformation"][0]["location"]["uri"].as_str().expect("related");
    assert!(related.ends_with("nginx/conf.d/api.conf"), "{related}");
    let cors104 = with_code(&opened, "CORS104");
    assert!(
        cors104["relatedInformation"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|i| i["location"]["uri"].as_str().unwrap_or("").ends_with("core/config.py"))
    );

    // The quick fix for CORS104 strips the `/`.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main_uri}, "range": cors104["range"], "context": {"diagnostics": [cors104]}}),
    );
    let action = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["title"].as_str().unwrap_or("").contains("CORS104"))
        .expect("a CORS104 fix");
    let edit = &action["edit"]["changes"][&main_uri][0];
    assert_eq!(edit["newText"], ".rstrip(\"/\")");
    assert_eq!(edit["range"]["start"], cors104["range"]["end"]);

    // An unsaved change that allows the methods: the CORS204s go, after the debounce.
    let changed = text.replace("allow_credentials=True,", "allow_credentials=True,\n    allow_methods=[\"*\"],");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main_uri, "version": 2}, "contentChanges": [{"text": changed}]}),
    );
    let after = client.diagnostics_for(&main_uri);
    assert_eq!(after["version"], 2);
    let codes: Vec<&str> =
        after["diagnostics"].as_array().expect("diagnostics").iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(!codes.contains(&"CORS204"), "{codes:?}");
    assert!(codes.contains(&"CORS205") && codes.contains(&"CORS304"), "{codes:?}");

    // Closing the buffer clears its diagnostics; the file on disk is what counts again.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": main_uri}}));
    let closed = client.diagnostics_for(&main_uri);
    assert_eq!(closed["diagnostics"], json!([]));

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("the server exits");
    assert!(status.success());
    if let Some(path) = std::env::var_os("CORSLINT_LSP_TRACE") {
        std::fs::write(path, client.trace.join("\n") + "\n").expect("trace");
    }
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect("git");
    let path = dir.path().join("my app/main.py");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    // `é` is 2 bytes and 1 UTF-16 unit: in UTF-8 the `/` stands one column further right.
    let text = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, expose_headers=[\"X-Café\"], allow_origins=[\"https://app.example.com/\"])\n";
    std::fs::write(&path, text).expect("write");
    let mut client = Client::start(dir.path());
    let init = client.request(
        "initialize",
        json!({"processId": null, "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    client.notify("initialized", json!({}));
    let file_uri = uri(&path);
    assert!(file_uri.contains("my%20app"), "{file_uri}");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file_uri, "languageId": "python", "version": 1, "text": text}}),
    );
    let published = client.diagnostics_for(&file_uri);
    let slash = with_code(&published, "CORS104");
    let line = text.lines().nth(4).expect("line 5");
    let byte = line.find("https://app.example.com/").expect("origin") + "https://app.example.com".len();
    assert_eq!(slash["range"]["start"], json!({"line": 4, "character": byte}), "UTF-8: columns are bytes");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().expect("exit").success());
}
