//! A [`Simulation`] as a Mermaid sequence diagram (`corslint simulate --output-format mermaid`):
//! the browser, each layer the request passes, the preflight and the actual request, the headers
//! that decide and the verdict. GitHub renders it in a comment or a step summary.

use super::{Exchange, Simulation};
use std::fmt::Write;

/// Text Mermaid shows as written: characters that end a message or start an entity are written
/// as entities, and line breaks (which a file's value may hold) as spaces.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The headers of a response that decide the CORS check.
fn deciding(headers: &[(String, String)]) -> String {
    let cors: Vec<String> = headers
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            n.starts_with("access-control-") || n == "vary"
        })
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    if cors.is_empty() { "no CORS headers".to_string() } else { cors.join(", ") }
}

fn exchange(out: &mut String, sim: &Simulation, kind: &str, ex: &Exchange, layers: &[String]) {
    let path = sim.url.as_deref().and_then(super::Url::parse).map_or_else(|| "/".to_string(), |u| u.path);
    let asks: Vec<String> = ex
        .request_headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-request-"))
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    let asks = if asks.is_empty() { String::new() } else { format!(" ({})", asks.join(", ")) };
    let participant =
        |layer: &str| layers.iter().position(|l| l == layer).map_or_else(|| "B".to_string(), |i| format!("L{i}"));
    let steps: Vec<&super::Step> = sim.steps.iter().filter(|s| s.request == kind).collect();
    let _ = writeln!(out, "    Note over B: {kind}");
    let mut from = "B".to_string();
    for step in &steps {
        let to = participant(&step.layer);
        if to != from {
            let _ = writeln!(out, "    {from}->>{to}: {}", text(&format!("{} {path}{asks}", ex.method)));
            from = to;
        }
    }
    for (i, step) in steps.iter().enumerate().rev() {
        let here = participant(&step.layer);
        let _ = writeln!(out, "    Note right of {here}: {}", text(&step.what));
        let outer =
            i.checked_sub(1).and_then(|o| steps.get(o)).map_or_else(|| "B".to_string(), |o| participant(&o.layer));
        if outer != here {
            let status = step.status.map_or_else(|| "?".to_string(), |s| s.to_string());
            let _ = writeln!(out, "    {here}-->>{outer}: {}", text(&format!("{status} {}", deciding(&step.headers))));
        }
    }
    let check = if !ex.sent {
        "not sent: the preflight failed".to_string()
    } else if ex.verdict.allowed {
        "CORS check passes".to_string()
    } else {
        format!("CORS check fails: {}", ex.verdict.reason.as_deref().unwrap_or(""))
    };
    let _ = writeln!(out, "    Note over B: {}", text(&check));
}

pub fn diagram(sim: &Simulation) -> String {
    let mut out = String::from("sequenceDiagram\n");
    let _ = writeln!(out, "    participant B as {}", text(&format!("Browser at {}", sim.origin)));
    // One participant per layer, in the order the request meets them.
    let mut layers: Vec<String> = Vec::new();
    for step in &sim.steps {
        if !layers.contains(&step.layer) {
            layers.push(step.layer.clone());
        }
    }
    for (i, layer) in layers.iter().enumerate() {
        let full = sim.stack.iter().find(|s| s.to_ascii_lowercase().starts_with(&layer.to_ascii_lowercase()));
        let _ = writeln!(out, "    participant L{i} as {}", text(full.map_or(layer.as_str(), String::as_str)));
    }
    if let Some(p) = &sim.preflight {
        exchange(&mut out, sim, "preflight", p, &layers);
    }
    exchange(&mut out, sim, "actual", &sim.actual, &layers);
    let verdict = match (&sim.verdict.unknown, sim.verdict.allowed) {
        (Some(what), _) => format!("Verdict: undetermined, depends on {what}"),
        (None, true) => "Verdict: allowed".to_string(),
        (None, false) => format!("Verdict: blocked: {}", sim.verdict.reason.as_deref().unwrap_or("")),
    };
    let _ = writeln!(out, "    Note over B: {}", text(&verdict));
    out
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn values_cannot_end_a_message_or_break_a_line() {
        assert_eq!(text("a;b#c<d>\ne"), "a#59;b#35;c#lt;d#gt; e");
    }
}
