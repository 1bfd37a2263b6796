//! Hand-written CORS headers in Python apps: what the extraction makes of them.

use super::tests::{origins, project};
use crate::model::{Layer, Project};

fn hand_written(p: &Project) -> Vec<(Vec<String>, Option<bool>, bool)> {
    p.hand_written_cors
        .iter()
        .filter_map(|h| p.policies.get(h.policy).map(|policy| (h, policy)))
        .filter(|(_, policy)| policy.layer == Layer::PythonHeaders)
        .map(|(h, policy)| (origins(p, h.policy), policy.credentials.known().copied(), h.every_response))
        .collect()
}

#[test]
fn every_way_of_setting_the_header() {
    let app = r#"
from flask import Flask, request, make_response
app = Flask(__name__)

@app.after_request
def hook(resp):
    origin = request.headers.get("Origin")
    resp.headers["Access-Control-Allow-Origin"] = origin or "*"
    resp.headers["Access-Control-Allow-Credentials"] = "true"
    return resp

@app.route("/a")
def a():
    r = make_response("", 200, {"Access-Control-Allow-Origin": "https://a.example.com"})
    return r

@app.route("/b")
def b():
    response = make_response("")
    response.headers.set("Access-Control-Allow-Origin", "*")
    response.headers["Access-Control-Allow-Credentials"] = True
    return response
"#;
    let (p, _dir) = project(&[("app.py", app)]);
    let mut found = hand_written(&p);
    found.sort();
    assert_eq!(
        found,
        [
            (vec!["*".to_string()], None, false),
            // Other functions of the module set credentials: maybe on the same responses.
            (vec!["https://a.example.com".to_string()], None, false),
            (vec!["reflect".to_string()], Some(true), true),
        ]
    );
}

/// An origin the function compares, a parameter, a request's or client's headers, and an
/// f-string: nothing known, nothing echoed.
#[test]
fn what_is_not_reflect_any() {
    let app = r#"
import requests
from fastapi import FastAPI, Request
app = FastAPI()
ALLOWED = ["https://a.example.com"]

@app.middleware("http")
async def guarded(request: Request, call_next):
    response = await call_next(request)
    origin = request.headers.get("origin")
    ok = origin in ALLOWED
    if ok:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response

def helper(response, origin):
    response.headers["Access-Control-Allow-Origin"] = origin

def formatted(response, host):
    response.headers["Access-Control-Allow-Origin"] = f"https://{host}"

def client(request):
    request.headers["Access-Control-Allow-Origin"] = "*"
    requests.get("https://x", headers={"Access-Control-Allow-Origin": "*"})
"#;
    let (p, _dir) = project(&[("app.py", app)]);
    let found = hand_written(&p);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().all(|(origins, _, _)| origins.is_empty()), "{found:?}");
    assert!(p.policies.iter().filter(|x| x.layer == Layer::PythonHeaders).all(|x| x.origins.has_unknown));
}
