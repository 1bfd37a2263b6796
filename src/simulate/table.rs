//! Printing the frontends (`corslint frontends`) and their pairs (`corslint simulate` without
//! `--origin`): text for people, JSON for tools. Every value comes from the repository and is
//! escaped ([`escape::value`]).

use super::pairs::{Outcome, Pair};
use crate::model::Project;
use crate::model::frontend::Evidence;
use crate::report::escape;
use crate::source::Span;
use serde_json::{Value, json};
use std::fmt::Write;

/// `frontend/package.json:7`.
fn place(project: &Project, span: Span) -> String {
    match project.file(span.file) {
        Some(file) => format!("{}:{}", file.path.display(), file.position(span.start()).row),
        None => String::new(),
    }
}

fn evidence_json(project: &Project, evidence: &[Evidence]) -> Value {
    evidence.iter().map(|e| json!({ "at": place(project, e.span), "what": e.what })).collect()
}

fn evidence_text(out: &mut String, project: &Project, evidence: &[Evidence], indent: &str) {
    for e in evidence {
        let _ = writeln!(out, "{indent}from {}: {}", escape::value(&place(project, e.span)), escape::value(&e.what));
    }
}

/// `corslint frontends`, as text.
pub fn frontends_text(project: &Project) -> String {
    let mut out = String::new();
    for frontend in &project.frontends {
        let dir = if frontend.dir.as_os_str().is_empty() { ".".into() } else { frontend.dir.display().to_string() };
        let _ = writeln!(out, "{} ({})", escape::value(&dir), frontend.tool.name());
        for origin in &frontend.origins {
            let fallback = if origin.fallback { ", fallback port" } else { "" };
            let _ =
                writeln!(out, "  origin {} ({}{fallback})", escape::value(&origin.origin), origin.environment.name());
            evidence_text(&mut out, project, &origin.evidence, "    ");
        }
        for api in &frontend.apis {
            let url = api.url.known().map_or("unknown", String::as_str);
            let _ = writeln!(out, "  api {} ({})", escape::value(url), api.environment.name());
            evidence_text(&mut out, project, &api.evidence, "    ");
        }
        if frontend.client.credentials {
            let _ = writeln!(out, "  credentials: include");
            evidence_text(&mut out, project, frontend.client.credentials_evidence.as_slice(), "    ");
        }
        for (name, evidence) in &frontend.client.headers {
            let _ = writeln!(out, "  header {}", escape::value(name));
            evidence_text(&mut out, project, std::slice::from_ref(evidence), "    ");
        }
        for (path, evidence) in &frontend.dev_proxy {
            let _ = writeln!(out, "  dev proxy {} (same-origin)", escape::value(path));
            evidence_text(&mut out, project, std::slice::from_ref(evidence), "    ");
        }
        for unknown in &frontend.unknowns {
            let _ = writeln!(out, "  unknown: {}", escape::value(unknown));
        }
    }
    out
}

/// `corslint frontends --output-format json`.
pub fn frontends_json(project: &Project) -> String {
    let list: Vec<Value> = project
        .frontends
        .iter()
        .map(|f| {
            json!({
                "dir": f.dir.display().to_string(),
                "tool": f.tool,
                "origins": f.origins.iter().map(|o| json!({
                    "origin": o.origin,
                    "environment": o.environment,
                    "fallback": o.fallback,
                    "evidence": evidence_json(project, &o.evidence),
                })).collect::<Vec<_>>(),
                "apis": f.apis.iter().map(|a| json!({
                    "url": a.url.known(),
                    "environment": a.environment,
                    "evidence": evidence_json(project, &a.evidence),
                })).collect::<Vec<_>>(),
                "credentials": f.client.credentials,
                "headers": f.client.headers.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
                "dev_proxy": f.dev_proxy.iter().map(|(path, e)| json!({
                    "path": path, "evidence": evidence_json(project, std::slice::from_ref(e)),
                })).collect::<Vec<_>>(),
                "unknown": f.unknowns,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "frontends": list })).unwrap_or_default()
}

/// The pair table of `corslint simulate` without `--origin`.
pub fn pairs_text(pairs: &[Pair]) -> String {
    let rows: Vec<[String; 5]> = pairs
        .iter()
        .map(|p| {
            let origin = if p.fallback { format!("{} (fallback)", p.origin) } else { p.origin.clone() };
            [
                escape::value(&origin).into_owned(),
                escape::value(&p.api).into_owned(),
                p.environment.name().to_string(),
                p.outcome.name().to_string(),
                escape::value(&match p.request.as_str() {
                    "GET" => p.outcome.reason().to_string(),
                    request => format!("{request}: {}", p.outcome.reason()),
                })
                .into_owned(),
            ]
        })
        .collect();
    let header = ["FRONTEND ORIGIN", "API URL", "ENVIRONMENT", "VERDICT", "REASON"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                text.push_str(cell);
            } else {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(cell.chars().count());
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, header);
    for row in &rows {
        line(&mut out, [&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

/// The pairs as JSON: one object per pair (documented in the README).
pub fn pairs_json(project: &Project, pairs: &[Pair]) -> String {
    let list: Vec<Value> = pairs
        .iter()
        .map(|p| {
            json!({
                "frontend": project.frontends.get(p.frontend).map(|f| f.dir.display().to_string()),
                "origin": p.origin,
                "fallback": p.fallback,
                "api": p.api,
                "environment": p.environment,
                "credentials": p.credentials,
                "request": p.request,
                "verdict": p.outcome.name(),
                "reason": match &p.outcome { Outcome::Allowed => None, other => Some(other.reason()) },
                "stack": p.simulation.as_ref().map(|s| s.stack.clone()),
                "policy": p.policy.map(|s| place(project, s)),
                "origin_evidence": evidence_json(project, &p.origin_evidence),
                "api_evidence": evidence_json(project, &p.api_evidence),
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "pairs": list })).unwrap_or_default()
}
