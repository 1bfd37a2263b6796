//! The origin policy an nginx configuration expresses, and its [`CorsPolicy`] for the
//! layer-independent rules.
//!
//! `Access-Control-Allow-Origin` is resolved through what nginx would compute: `*`, a fixed
//! value, `$http_origin` (reflected, unless an `if` on `$http_origin` guards the context), a
//! `map $http_origin $var` (exact keys compare case-insensitively, `~` regexes case-sensitively,
//! `~*` not; regexes search unanchored), and `set $var ...` inside `if ($http_origin ~* ...)`
//! allowlists, including the flag pattern (`set $cors true;` then `if ($cors = true)`).
//! What cannot be resolved (a variable set by Lua or `geo`, an envsubst `${VAR}` placeholder)
//! is Unknown and never produces a finding by itself.

use super::syntax::{self, ConditionKind, StaticOrigin, Tri, classify_static_origin, has_variables, header};
use super::{Arg, BlockId, Condition, Context, HeaderRef, MapKey, NginxModel};
use crate::model::{CorsPolicy, Layer, NameList, OriginEntry, OriginKind, Origins, PatternSemantics, Setting, Value};
use crate::source::{Span, Spanned};
use std::collections::HashSet;

/// Variables and flags are followed this deep (a map over a variable set from a map ...).
const MAX_VARIABLE_DEPTH: usize = 16;

/// Which origins can reach a context, as far as `if` conditions on the origin say.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    /// Nothing about the origin is checked: every origin gets here.
    Open,
    /// Only origins matching these entries get here.
    Only(Vec<OriginEntry>),
    /// The check depends on something corslint cannot see.
    Unknown,
}

impl Guard {
    fn union(self, other: Guard) -> Guard {
        match (self, other) {
            (Guard::Open, _) | (_, Guard::Open) => Guard::Open,
            (Guard::Unknown, _) | (_, Guard::Unknown) => Guard::Unknown,
            (Guard::Only(mut a), Guard::Only(b)) => {
                a.extend(b);
                Guard::Only(a)
            }
        }
    }
}

/// Why a value sent as `Access-Control-Allow-Origin` can never be accepted as one origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectedKind {
    /// Several origins in one value (CORS307).
    SeveralOrigins,
    /// Not an origin, `*` or `null` at all (CORS309).
    NotAnOrigin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RejectedOrigin {
    pub kind: RejectedKind,
    pub value: Arg,
}

/// What `Access-Control-Allow-Origin` can be in one context.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OriginResolution {
    pub origins: Origins,
    /// The value depends on the request's `Origin` (reflected, or chosen by a map or an `if`):
    /// responses need `Vary: Origin`.
    pub request_dependent: bool,
    /// Values that can never be one origin: left out of `origins`, reported by CORS307/CORS309.
    pub rejected: Vec<RejectedOrigin>,
    /// A value that never equals a cross-origin request's `Origin` whatever the request
    /// (`$request_uri`, `$host`, `$scheme://$host`, `https://${DOMAIN}/`), and why (CORS104).
    pub never_origin: Option<(Arg, NeverOrigin)>,
    /// The value is chosen from the request's `Referer` (`map $http_referer`): responses vary with
    /// it.
    pub from_referer: bool,
}

/// Request variables whose value is never the request's `Origin`.
const NON_ORIGIN_VARIABLES: [&str; 9] =
    ["host", "http_host", "server_name", "http_referer", "request_uri", "uri", "scheme", "remote_addr", "document_uri"];

/// Why a value is never a cross-origin request's `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeverOrigin {
    /// A request variable that holds no origin (`$request_uri`: a path; `$host`: no scheme;
    /// `$http_referer`: a URL with a path; `$remote_addr`: an address), by name.
    Variable(String),
    /// `$scheme://$host` and the like: this server's own origin, which a cross-origin request
    /// never comes from.
    OwnOrigin,
    /// What the literal text around template placeholders rules out, whatever they hold.
    Shape(&'static str),
}

fn entry(kind: OriginKind, arg: &Arg) -> OriginEntry {
    OriginEntry { kind, span: arg.span, text_start: arg.text_start }
}

/// A template placeholder in a map key or an `if` regex (`${DOMAIN}`, a masked `{{ }}`): nginx
/// reads neither with variables, so it is text an envsubst or template pass fills in later.
fn templated(text: &str) -> bool {
    text.contains("${")
}

/// The origins a map key stands for; a [`Guard::Unknown`] for a templated one.
fn key_guard(key: &MapKey) -> Guard {
    if templated(&key.arg().value) { Guard::Unknown } else { Guard::Only(vec![key_entry(key)]) }
}

fn key_entry(key: &MapKey) -> OriginEntry {
    match key {
        MapKey::Exact(a) => entry(OriginKind::Literal(a.value.clone()), a),
        MapKey::Regex { pattern, case_insensitive } => entry(
            OriginKind::Pattern {
                pattern: pattern.value.clone(),
                semantics: PatternSemantics::Search { case_insensitive: *case_insensitive },
            },
            pattern,
        ),
    }
}

struct Resolver<'m> {
    model: &'m NginxModel,
    /// The location the context belongs to: where `set`s run.
    location: BlockId,
    out: OriginResolution,
}

impl Resolver<'_> {
    /// A value that becomes the header, reaching the response only for origins `guard` admits.
    fn value(&mut self, v: &Arg, guard: &Guard, depth: usize) {
        let text = v.value.as_str();
        if text.is_empty() {
            return;
        }
        if let Some(var) = syntax::single_variable(text) {
            if var == "http_origin" {
                self.out.request_dependent = true;
                match guard {
                    Guard::Open => self.out.origins.entries.push(entry(OriginKind::Reflect, v)),
                    Guard::Only(entries) => self.out.origins.entries.extend(entries.iter().cloned()),
                    Guard::Unknown => self.out.origins.has_unknown = true,
                }
            } else if NON_ORIGIN_VARIABLES.contains(&var.as_str()) {
                self.out.origins.has_unknown = true;
                self.out.never_origin.get_or_insert_with(|| (v.clone(), NeverOrigin::Variable(var)));
            } else {
                self.variable(&var, guard, depth + 1);
            }
            return;
        }
        if has_variables(text) {
            self.out.origins.has_unknown = true;
            let vars = syntax::variables(text);
            if vars.iter().any(|r| r.name == "http_origin") {
                self.out.request_dependent = true;
            } else if let Some(why) = never_an_origin(text, &vars) {
                self.out.never_origin.get_or_insert_with(|| (v.clone(), why));
            }
            return;
        }
        if !matches!(guard, Guard::Open) {
            self.out.request_dependent = true;
        }
        match classify_static_origin(text) {
            StaticOrigin::Any => self.out.origins.entries.push(entry(OriginKind::Any, v)),
            StaticOrigin::OriginLike => self.out.origins.entries.push(entry(OriginKind::Literal(text.to_string()), v)),
            StaticOrigin::Several => {
                self.out.rejected.push(RejectedOrigin { kind: RejectedKind::SeveralOrigins, value: v.clone() })
            }
            StaticOrigin::NotAnOrigin => {
                self.out.rejected.push(RejectedOrigin { kind: RejectedKind::NotAnOrigin, value: v.clone() })
            }
        }
    }

    /// A variable used as the header value, through maps and `set`s.
    fn variable(&mut self, var: &str, guard: &Guard, depth: usize) {
        if depth > MAX_VARIABLE_DEPTH {
            self.out.origins.has_unknown = true;
            return;
        }
        let mut found = false;
        for map in self.model.maps_for(self.location, var) {
            found = true;
            if map.incomplete {
                self.out.origins.has_unknown = true;
            }
            if map.source == "http_origin" {
                self.out.request_dependent = true;
                for e in &map.entries {
                    let echoed = syntax::single_variable(&e.value.value)
                        .is_some_and(|v| v == "http_origin" || captures_whole_value(&e.key, &v));
                    if echoed && templated(&e.key.arg().value) {
                        self.out.origins.has_unknown = true;
                    } else if echoed {
                        self.out.origins.entries.push(key_entry(&e.key));
                    } else {
                        self.value(&e.value, &key_guard(&e.key), depth + 1);
                    }
                }
                if let Some(d) = &map.default {
                    self.value(d, guard, depth + 1);
                }
            } else if map.source == "http_referer" {
                // The page's URL picks the value: which origins get it is not known, but the
                // answer varies with the request.
                self.out.request_dependent = true;
                self.out.from_referer = true;
                for value in map.entries.iter().map(|e| &e.value).chain(map.default.as_ref()) {
                    match syntax::single_variable(&value.value) {
                        Some(v) if v == "http_referer" => self.value(value, &Guard::Unknown, depth + 1),
                        Some(v) if map.entries.iter().any(|e| captures(&e.key, &v)) => {
                            self.out.origins.has_unknown = true
                        }
                        _ => self.value(value, &Guard::Unknown, depth + 1),
                    }
                }
            } else {
                // A map over a flag (`map $origin_allowed $cors`): each value reaches the origins
                // for which the flag has a value its key matches.
                for e in &map.entries {
                    let key_guard =
                        guard_where(self.model, self.location, &map.source, &|val| key_matches(&e.key, val), depth + 1);
                    self.value(&e.value, &narrow(guard, key_guard), depth + 1);
                }
                if let Some(d) = &map.default {
                    let unmatched = |val: &str| {
                        let mut out = Tri::Yes;
                        for e in &map.entries {
                            match key_matches(&e.key, val) {
                                Tri::Yes => return Tri::No,
                                Tri::Maybe => out = Tri::Maybe,
                                Tri::No => {}
                            }
                        }
                        out
                    };
                    let default_guard = guard_where(self.model, self.location, &map.source, &unmatched, depth + 1);
                    self.value(d, &narrow(guard, default_guard), depth + 1);
                }
            }
        }
        let Some(sets) = self.model.sets_of(self.location, var) else {
            self.out.origins.has_unknown = true;
            return;
        };
        for (in_if, set) in sets {
            found = true;
            let set_guard = match in_if.and_then(|i| self.model.block(i)).and_then(|b| b.condition()) {
                Some(c) => narrow(guard, guard_of(self.model, self.location, c, depth + 1)),
                None => guard.clone(),
            };
            self.value(&set.value, &set_guard, depth + 1);
        }
        if !found {
            self.out.origins.has_unknown = true;
        }
    }
}

/// The origins an `if` condition lets through.
pub(super) fn guard_of(model: &NginxModel, location: BlockId, condition: &Condition, depth: usize) -> Guard {
    if depth > MAX_VARIABLE_DEPTH {
        return Guard::Unknown;
    }
    let Some(var) = condition.variable() else { return Guard::Open };
    if var == "http_origin" {
        return match &condition.kind {
            ConditionKind::Match { negated: false, pattern, .. } if templated(&pattern.value) => Guard::Unknown,
            ConditionKind::Match { negated: false, case_insensitive, pattern, .. } => Guard::Only(vec![entry(
                OriginKind::Pattern {
                    pattern: pattern.value.clone(),
                    semantics: PatternSemantics::Search { case_insensitive: *case_insensitive },
                },
                pattern,
            )]),
            ConditionKind::Compare { negated: false, operand, .. } if !has_variables(&operand.value) => {
                Guard::Only(vec![entry(OriginKind::Literal(operand.value.clone()), operand)])
            }
            _ => Guard::Open,
        };
    }
    if var == "request_method" || NON_ORIGIN_VARIABLES.contains(&var) || var.starts_with("http_") {
        return Guard::Open;
    }
    if matches!(
        condition.kind,
        ConditionKind::Compare { negated: true, .. } | ConditionKind::Match { negated: true, .. }
    ) {
        return Guard::Unknown;
    }
    guard_where(model, location, var, &|value| condition.holds_for(var, value), depth)
}

/// The origins that reach a point where flag `var` has a value `holds` accepts: the union of
/// what the maps and `set`s that give it such a value let through.
fn guard_where(model: &NginxModel, location: BlockId, var: &str, holds: &dyn Fn(&str) -> Tri, depth: usize) -> Guard {
    if depth > MAX_VARIABLE_DEPTH {
        return Guard::Unknown;
    }
    if var == "request_method" || NON_ORIGIN_VARIABLES.contains(&var) || var.starts_with("http_") {
        return Guard::Open;
    }
    // nginx's own variables (`$sent_http_content_type`, `$arg_x`) say nothing about the origin.
    if syntax::is_builtin_variable(var) && model.maps_for(location, var).is_empty() {
        return Guard::Open;
    }
    let value_holds = |value: &Arg| if has_variables(&value.value) { Tri::Maybe } else { holds(&value.value) };
    let mut result: Option<Guard> = None;
    let mut add = |g: Guard| {
        result = Some(match result.take() {
            None => g,
            Some(r) => r.union(g),
        })
    };
    for map in model.maps_for(location, var) {
        let origin_map = map.source == "http_origin";
        if map.incomplete {
            add(Guard::Unknown);
        }
        for e in &map.entries {
            match value_holds(&e.value) {
                Tri::No => {}
                Tri::Maybe => add(Guard::Unknown),
                Tri::Yes if origin_map => add(key_guard(&e.key)),
                Tri::Yes => add(Guard::Open),
            }
        }
        let default_holds = match &map.default {
            Some(d) => value_holds(d),
            None => holds(""),
        };
        match default_holds {
            Tri::No => {}
            Tri::Maybe => add(Guard::Unknown),
            Tri::Yes => add(Guard::Open),
        }
    }
    let mut any_set = false;
    let Some(sets) = model.sets_of(location, var) else { return Guard::Unknown };
    for (in_if, set) in sets {
        any_set = true;
        match value_holds(&set.value) {
            Tri::No => {}
            Tri::Maybe => add(Guard::Unknown),
            Tri::Yes => match in_if.and_then(|i| model.block(i)).and_then(|b| b.condition()) {
                Some(c) => add(guard_of(model, location, c, depth + 1)),
                None => add(Guard::Open),
            },
        }
    }
    let no_map = model.maps_for(location, var).is_empty();
    match result {
        Some(g) => g,
        // Set somewhere, but never to a value that passes: nothing gets through.
        None if any_set || !no_map => Guard::Only(Vec::new()),
        None => Guard::Unknown,
    }
}

/// What reaches a value both through `outer` and through `inner`: `inner` where it says
/// something, else `outer`.
fn narrow(outer: &Guard, inner: Guard) -> Guard {
    match inner {
        Guard::Open => outer.clone(),
        other => other,
    }
}

/// Whether a map key matches `value` (exact keys compare case-insensitively).
fn key_matches(key: &MapKey, value: &str) -> Tri {
    match key {
        MapKey::Exact(k) => {
            if k.value.eq_ignore_ascii_case(value) {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        MapKey::Regex { pattern, case_insensitive } => {
            match syntax::regex_matches(&pattern.value, *case_insensitive, value) {
                Some(true) => Tri::Yes,
                Some(false) => Tri::No,
                None => Tri::Maybe,
            }
        }
    }
}

/// Whether `var` (`1`, or a name) is a capture group of the regex key.
fn captures(key: &MapKey, var: &str) -> bool {
    let MapKey::Regex { pattern, .. } = key else { return false };
    let p = &pattern.value;
    match var.parse::<usize>() {
        Ok(n) => n >= 1 && p.matches('(').count() >= n,
        Err(_) => p.contains(&format!("(?<{var}>")) || p.contains(&format!("(?P<{var}>")),
    }
}

/// Whether capture `var` of the regex key is the whole matched value: the key is
/// `^(...)$`-shaped (or `(?<name>...)`), so the capture is the origin itself.
fn captures_whole_value(key: &MapKey, var: &str) -> bool {
    let MapKey::Regex { pattern, .. } = key else { return false };
    if !captures(key, var) {
        return false;
    }
    let p = pattern.value.trim_start_matches('^');
    let Some(open) = p.strip_prefix('(') else { return false };
    let named = match var.parse::<usize>() {
        Ok(1) => !open.starts_with('?'),
        Ok(_) => return false,
        Err(_) => open.starts_with(&format!("?<{var}>")) || open.starts_with(&format!("?P<{var}>")),
    };
    // The group closes at the end of the pattern (before `$`).
    let body = p.trim_end_matches('$');
    named && body.ends_with(')') && group_closes_at_end(body)
}

/// Whether the first `(` of `body` is closed by its last character.
fn group_closes_at_end(body: &str) -> bool {
    let mut depth = 0usize;
    let mut escaped = false;
    let len = body.len();
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1 == len;
                }
            }
            _ => {}
        }
    }
    false
}

/// A value built from request variables and text that can never be a cross-origin request's
/// `Origin`, whatever the request; `None` when it might be one.
fn never_an_origin(text: &str, vars: &[syntax::VarRef]) -> Option<NeverOrigin> {
    let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
    let request_only = names.iter().all(|n| NON_ORIGIN_VARIABLES.contains(n) || *n == "server_port");
    if request_only {
        let path_like = ["request_uri", "uri", "document_uri", "http_referer", "remote_addr"];
        if let Some(n) = names.iter().find(|n| path_like.contains(n)) {
            return Some(NeverOrigin::Variable((*n).to_string()));
        }
        if text.contains("://") {
            return Some(NeverOrigin::OwnOrigin);
        }
        return names.first().map(|n| NeverOrigin::Variable((*n).to_string()));
    }
    // Template placeholders (`${DOMAIN}`, a masked `{{ }}`) may hold anything: only the literal
    // text around them can rule an origin out.
    let mut literal = String::new();
    let mut last = 0;
    for v in vars {
        literal.push_str(text.get(last..v.start).unwrap_or(""));
        literal.push('\u{0}');
        last = v.end;
    }
    literal.push_str(text.get(last..).unwrap_or(""));
    if literal.ends_with('/') {
        return Some(NeverOrigin::Shape("a trailing `/`"));
    }
    if literal.matches("://").count() >= 2 {
        return Some(NeverOrigin::Shape("two schemes"));
    }
    let scheme_then = literal.split_once("://").filter(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if scheme_then.is_some_and(|(_, rest)| rest.contains('/')) {
        return Some(NeverOrigin::Shape("a path after the host"));
    }
    None
}

impl NginxModel {
    /// The origins context `ctx` admits before any header is chosen: its own condition when it
    /// is an `if`, else an earlier `if ($http_origin !~ ...) { return ...; }` that turns the
    /// others away.
    pub fn context_guard(&self, ctx: BlockId) -> Guard {
        let location = self.location_of(ctx);
        let own = match self.block(ctx).and_then(|b| b.condition()) {
            Some(c) => guard_of(self, location, c, 0),
            None => Guard::Open,
        };
        if own != Guard::Open {
            return own;
        }
        if let Some(gate) = self.flow().origin_gate(location).filter(|g| *g != ctx) {
            let Some(condition) = self.block(gate).and_then(|b| b.condition()) else { return Guard::Open };
            let kind = match &condition.kind {
                ConditionKind::Match { pattern, .. } if templated(&pattern.value) => return Guard::Unknown,
                ConditionKind::Match { negated: true, case_insensitive, pattern, .. } => OriginKind::Pattern {
                    pattern: pattern.value.clone(),
                    semantics: PatternSemantics::Search { case_insensitive: *case_insensitive },
                },
                ConditionKind::Compare { negated: true, operand, .. } if !has_variables(&operand.value) => {
                    OriginKind::Literal(operand.value.clone())
                }
                _ => return Guard::Open,
            };
            let arg = match &condition.kind {
                ConditionKind::Match { pattern, .. } => pattern,
                ConditionKind::Compare { operand, .. } => operand,
                _ => return Guard::Open,
            };
            return Guard::Only(vec![entry(kind, arg)]);
        }
        Guard::Open
    }

    /// Whether header value `value` at context `ctx` is a variable that a `map` on the response's
    /// `Content-Type` sets only for some types (h5bp's `map $sent_http_content_type $cors` for
    /// images and fonts), none of them a type error pages have: error pages never carry the
    /// header, with or without `always`. When this configuration defines no such map, those of
    /// the repository's other configurations count: a snippet is included where one is defined.
    pub fn sent_only_for_content_types(&self, ctx: BlockId, value: &Arg) -> bool {
        /// What nginx's own error pages and typical API errors are sent as.
        const ERROR_TYPES: [&str; 3] = ["text/html; charset=utf-8", "application/json", "text/plain; charset=utf-8"];
        let Some(var) = syntax::single_variable(&value.value) else { return false };
        let mut maps = self.maps_for(ctx, &var);
        if maps.is_empty() {
            maps = self.flow().maps(&var).iter().filter_map(|i| self.maps.get(*i)).collect();
        }
        let key_matches = |key: &MapKey, ty: &str| match key {
            MapKey::Exact(k) => k.value.eq_ignore_ascii_case(ty),
            MapKey::Regex { pattern, case_insensitive } => {
                syntax::regex_matches(&pattern.value, *case_insensitive, ty) != Some(false)
            }
        };
        !maps.is_empty()
            && maps.iter().all(|m| {
                m.source == "sent_http_content_type"
                    && !m.incomplete
                    && m.default.as_ref().is_none_or(|d| d.value.is_empty())
                    && m.entries
                        .iter()
                        .filter(|e| !e.value.value.is_empty())
                        .all(|e| ERROR_TYPES.iter().all(|ty| !key_matches(&e.key, ty)))
            })
    }

    /// What the `Access-Control-Allow-Origin` header `value` means in context `ctx`.
    pub fn resolve_origin(&self, ctx: BlockId, value: &Arg) -> OriginResolution {
        let mut r = Resolver { model: self, location: self.location_of(ctx), out: OriginResolution::default() };
        let guard = self.context_guard(ctx);
        r.value(value, &guard, 0);
        r.out
    }

    /// One [`CorsPolicy`] per distinct set of CORS headers a response context sends. An `if`
    /// that only inherits its location's headers adds nothing new; an `if` that a later matching
    /// `if` always overrides is no context (its headers are never sent).
    pub fn cors_policies(&self) -> Vec<CorsPolicy> {
        let mut seen: HashSet<Vec<Span>> = HashSet::new();
        let mut out = Vec::new();
        for (ctx, headers) in self.cors_contexts() {
            if let Some(block) = self.block(ctx.block)
                && block.condition().is_some()
                && !block.sets_headers()
            {
                continue;
            }
            let mut key: Vec<Span> = headers.iter().map(|h| h.span).collect();
            key.sort();
            key.dedup();
            if !seen.insert(key) {
                continue;
            }
            out.push(self.policy(ctx, &headers));
        }
        out
    }

    fn policy(&self, ctx: Context, headers: &[HeaderRef<'_>]) -> CorsPolicy {
        let find = |name: &str| headers.iter().find(|h| h.is(name));
        let declaring = find(header::ALLOW_ORIGIN).or_else(|| headers.first()).map_or(ctx.block, |h| h.block);
        let span = self.block(declaring).map_or_else(|| headers.first().map(|h| h.span), |b| Some(b.head));
        let span = span.unwrap_or(Span::new(0, 0, 0));
        let origins = match find(header::ALLOW_ORIGIN) {
            Some(h) => self.resolve_origin(ctx.block, h.value).origins,
            None => Origins::default(),
        };
        let credentials = match find(header::ALLOW_CREDENTIALS) {
            Some(h) if has_variables(&h.value.value) => Setting::explicit(Value::Unknown, h.value.span),
            Some(h) => Setting::explicit(Value::Known(h.value.value == "true"), h.value.span),
            None => Setting::default_at(false, span),
        };
        let list = |name: &str| match find(name) {
            Some(h) if has_variables(&h.value.value) => Setting::explicit(Value::Unknown, h.value.span),
            Some(h) => Setting::explicit(Value::Known(name_list(h.value)), h.value.span),
            None => Setting::default_at(Vec::new(), span),
        };
        let max_age = match find(header::MAX_AGE) {
            // Only a preflight reads it, and no preflight gets this configuration.
            Some(_) if !ctx.reach.preflight() => Setting::default_at(5, span),
            Some(h) => match h.value.value.trim().parse::<u64>() {
                Ok(n) => Setting::explicit(Value::Known(n), h.value.span),
                Err(_) => Setting::explicit(Value::Unknown, h.value.span),
            },
            // Fetch: without the header a preflight is cached for 5 seconds.
            None => Setting::default_at(5, span),
        };
        CorsPolicy {
            layer: Layer::Nginx,
            span,
            origins,
            credentials,
            methods: list(header::ALLOW_METHODS),
            headers: list(header::ALLOW_HEADERS),
            expose_headers: list(header::EXPOSE_HEADERS),
            max_age,
        }
    }
}

/// The comma-separated items of a header value, each with its span.
pub fn name_list(value: &Arg) -> NameList {
    syntax::list_items(&value.value)
        .into_iter()
        .map(|(start, end, item)| Spanned::new(item.to_string(), value.sub_span(start, end)))
        .collect()
}
