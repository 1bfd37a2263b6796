//! Printing a [`Simulation`]: a readable step-by-step report, or JSON. Every value in the text
//! report comes from the repository or the command line and is escaped ([`escape::value`]):
//! one line per header, step and note, whatever the files hold.

use super::{Exchange, Simulation};
use crate::report::escape;
use std::fmt::Write;

pub fn json(sim: &Simulation) -> String {
    serde_json::to_string_pretty(sim).unwrap_or_default()
}

fn headers(out: &mut String, headers: &[(String, String)], indent: &str) {
    for (n, v) in headers {
        let _ = writeln!(out, "{indent}{}: {}", escape::value(n), escape::value(v));
    }
}

fn exchange(out: &mut String, sim: &Simulation, kind: &str, ex: &Exchange) {
    let url = escape::value(sim.url.as_deref().unwrap_or(""));
    let _ = writeln!(out, "\n{kind}: {} {url}", escape::value(&ex.method));
    headers(out, &ex.request_headers, "  > ");
    for step in sim.steps.iter().filter(|s| s.request == kind) {
        let status = step.status.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
        let _ = writeln!(out, "  [{}] {}  ({status})", escape::value(&step.layer), escape::value(&step.what));
        for note in &step.notes {
            let _ = writeln!(out, "      note: {}", escape::value(note));
        }
    }
    let _ = writeln!(out, "  browser receives {}:", ex.response.status);
    headers(out, &ex.response.headers, "  < ");
    if !ex.sent {
        let _ = writeln!(out, "  (not sent by the browser: the preflight failed)");
    } else if ex.verdict.allowed {
        let _ = writeln!(out, "  CORS check: passes");
    } else if let Some(reason) = &ex.verdict.reason {
        let _ = writeln!(out, "  CORS check: fails: {}", escape::value(reason));
    }
}

pub fn text(sim: &Simulation) -> String {
    let mut out = String::new();
    let mode = if sim.credentials { "include" } else { "same-origin/omit" };
    let origin = escape::value(&sim.origin);
    let stack: Vec<_> = sim.stack.iter().map(|layer| escape::value(layer)).collect();
    let _ = writeln!(out, "Stack: {}", stack.join(" → "));
    let _ = writeln!(out, "Request from {origin} (credentials: {mode})");
    match &sim.preflight_reason {
        Some(why) => {
            let _ = writeln!(out, "Preflight: yes, because {}", escape::value(why));
        }
        None => {
            let _ = writeln!(out, "Preflight: no (a simple request)");
        }
    }
    if let Some(p) = &sim.preflight {
        exchange(&mut out, sim, "preflight", p);
    }
    exchange(&mut out, sim, "actual", &sim.actual);
    if !sim.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for n in &sim.notes {
            let _ = writeln!(out, "  - {}", escape::value(n));
        }
    }
    let url = escape::value(sim.url.as_deref().unwrap_or(""));
    let _ = writeln!(out);
    match (&sim.verdict.unknown, sim.verdict.allowed, &sim.verdict.reason) {
        (Some(what), _, _) => {
            let _ = writeln!(out, "Verdict: undetermined: depends on {}", escape::value(what));
        }
        (None, true, _) => {
            let _ = writeln!(out, "Verdict: allowed: the page at {origin} can read the response");
        }
        (None, false, reason) => {
            let _ = writeln!(
                out,
                "Verdict: blocked: Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: {}",
                escape::value(reason.as_deref().unwrap_or(""))
            );
        }
    }
    out
}
