//! The rewrite phase: variables (request, `set`, `map`), `if` conditions, `return`, `break`.

use crate::model::Project;
use crate::model::nginx::syntax::{regex_matches, variables};
use crate::model::nginx::{BlockId, ConditionKind, MapKey, NginxModel, Step, Tri};
use crate::simulate::Trace;
use crate::simulate::request::WireRequest;
use std::collections::HashMap;

/// The rewrite phase's outcome at one level.
pub(super) enum Flow {
    Continue,
    Break,
    Return(Option<u16>),
}

pub(super) struct Eval<'a> {
    pub(super) project: &'a Project,
    pub(super) model: &'a NginxModel,
    pub(super) req: &'a WireRequest,
    pub(super) server: BlockId,
    pub(super) location: BlockId,
    pub(super) vars: HashMap<String, String>,
    pub(super) unknown: Vec<String>,
}

impl Eval<'_> {
    pub(super) fn var(&mut self, name: &str, depth: usize) -> Option<String> {
        if depth > 32 {
            return None;
        }
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        let url = self.req.url.as_ref();
        match name {
            "request_method" => return Some(self.req.method.clone()),
            "uri" | "document_uri" => return Some(url.map(|u| u.path.clone()).unwrap_or_else(|| "/".into())),
            "request_uri" => {
                return Some(url.map_or_else(
                    || "/".into(),
                    |u| {
                        if u.query.is_empty() { u.path.clone() } else { format!("{}?{}", u.path, u.query) }
                    },
                ));
            }
            "args" | "query_string" => return Some(url.map(|u| u.query.clone()).unwrap_or_default()),
            "scheme" => return url.map(|u| u.scheme.clone()),
            "host" => return url.map(|u| u.host.clone()),
            _ => {}
        }
        if let Some(arg) = name.strip_prefix("arg_") {
            return Some(url.map(|u| u.arg(arg)).unwrap_or_default());
        }
        if let Some(h) = name.strip_prefix("http_") {
            return Some(self.req.header(&h.replace('_', "-")).unwrap_or_default());
        }
        let maps: Vec<_> = self.model.maps_for(self.location, name).into_iter().cloned().collect();
        if let Some(map) = maps.last() {
            if map.incomplete {
                return None;
            }
            let source = self.var(&map.source, depth + 1)?;
            let mut value = map.default.as_ref().map(|d| d.value.clone()).unwrap_or_default();
            let exact = map
                .entries
                .iter()
                .find(|e| matches!(&e.key, MapKey::Exact(k) if k.value.eq_ignore_ascii_case(&source)));
            let chosen = exact.or_else(|| {
                map.entries.iter().find(|e| match &e.key {
                    MapKey::Regex { pattern, case_insensitive } => {
                        regex_matches(&pattern.value, *case_insensitive, &source) == Some(true)
                    }
                    MapKey::Exact(_) => false,
                })
            });
            if let Some(e) = chosen {
                value = e.value.value.clone();
                // A regex key's captures (`$1`, `$name`) are variables for the value.
                if let MapKey::Regex { pattern, case_insensitive } = &e.key {
                    for (name, captured) in captures(&pattern.value, *case_insensitive, &source) {
                        self.vars.insert(name, captured);
                    }
                }
            }
            return self.expand(&value, depth + 1);
        }
        None
    }

    /// A value with its variables replaced; `None` when one is unknown.
    pub(super) fn expand(&mut self, text: &str, depth: usize) -> Option<String> {
        let mut out = String::new();
        let mut last = 0;
        for v in variables(text) {
            out.push_str(text.get(last..v.start).unwrap_or(""));
            match self.var(&v.name, depth + 1) {
                Some(value) => out.push_str(&value),
                None => {
                    let what = format!("the nginx variable `${}`", v.name);
                    if !self.unknown.contains(&what) {
                        self.unknown.push(what);
                    }
                    return None;
                }
            }
            last = v.end;
        }
        out.push_str(text.get(last..).unwrap_or(""));
        Some(out)
    }

    fn condition(&mut self, id: BlockId) -> Tri {
        let Some(cond) = self.model.block(id).and_then(|b| b.condition()).cloned() else { return Tri::Maybe };
        let Some(var) = cond.variable().map(str::to_string) else { return Tri::Maybe };
        let Some(value) = self.var(&var, 0) else { return Tri::Maybe };
        match &cond.kind {
            ConditionKind::Compare { negated, operand, .. }
                if crate::model::nginx::syntax::has_variables(&operand.value) =>
            {
                match self.expand(&operand.value, 0) {
                    Some(o) => {
                        if (o == value) != *negated {
                            Tri::Yes
                        } else {
                            Tri::No
                        }
                    }
                    None => Tri::Maybe,
                }
            }
            _ => cond.holds_for(&var, &value),
        }
    }

    /// Runs one level's rewrite directives; `matched` collects the `if`s that matched.
    pub(super) fn run(&mut self, level: BlockId, matched: &mut Vec<BlockId>, trace: &mut Trace) -> Flow {
        let Some(block) = self.model.block(level) else { return Flow::Continue };
        for step in &block.steps {
            match step {
                Step::Set(set) => match self.expand(&set.value.value, 0) {
                    Some(v) => {
                        self.vars.insert(set.var.clone(), v);
                    }
                    None => {
                        self.vars.remove(&set.var);
                    }
                },
                Step::If(id) => match self.condition(*id) {
                    Tri::Yes => {
                        matched.push(*id);
                        match self.run(*id, matched, trace) {
                            Flow::Continue => {}
                            other => return other,
                        }
                    }
                    Tri::No => {}
                    Tri::Maybe => {
                        let head = self
                            .model
                            .block(*id)
                            .and_then(|b| {
                                self.project.file(b.head.file).and_then(|f| f.text.get(b.head.start()..b.head.end()))
                            })
                            .unwrap_or("if");
                        trace.unknown(format!("whether nginx's `{head}` matches"));
                    }
                },
                Step::Return(r) => return Flow::Return(r.status),
                Step::Rewrite { flag, .. } => match flag.as_deref() {
                    Some("break") => return Flow::Break,
                    _ => trace.unknown("where nginx's `rewrite` sends the request (not simulated)"),
                },
                Step::Break(_) => return Flow::Break,
            }
        }
        Flow::Continue
    }
}

/// The numbered and named captures of nginx regex `pattern` on `haystack`, lowercase names.
fn captures(pattern: &str, case_insensitive: bool, haystack: &str) -> Vec<(String, String)> {
    let Ok(re) = regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
    else {
        return Vec::new();
    };
    let Some(found) = re.captures(haystack) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, name) in re.capture_names().enumerate().skip(1) {
        let value = found.get(i).map_or("", |m| m.as_str()).to_string();
        out.push((i.to_string(), value.clone()));
        if let Some(name) = name {
            out.push((name.to_ascii_lowercase(), value));
        }
    }
    out
}
