//! The rewrite phase as a whole: for each request method, which configuration a response gets.
//!
//! nginx runs a level's rewrite directives in order (the server's, then the chosen location's).
//! A matching `if` runs its own directives and makes its configuration the request's; when
//! several match, the last one's counts, and a `return` or `break` ends the phase. A server-level
//! `if` only answers through a `return`: after the server's directives nginx chooses the location
//! again, whose configuration replaces the `if`'s.
//!
//! Conditions are decided per method (`$request_method`), and through flags `set` earlier at a
//! known value (`set $cors 0;` … `if ($cors = 1)`). A later `if` overrides an earlier one for
//! certain only when it matches whenever the earlier one did: it holds for the method, it tests
//! exactly the same thing, or it tests a flag the earlier one set to a value that passes. Every
//! other pair may overlap, and then the earlier `if` still answers some requests.
//!
//! [`Flow`] is computed once per model, in one pass per method over each level's directives:
//! linear in the configuration, whatever the number of `if`s.

use super::scopes::Scopes;
use super::syntax::{Condition, ConditionKind, METHODS, Tri};
use super::*;
use std::collections::{HashMap, HashSet};

/// A set of request methods, over [`METHODS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Methods(u8);

/// The index of `OPTIONS` in [`METHODS`].
const OPTIONS: usize = 6;

/// Implications one flag may carry at a time: a bound against configurations written to be slow.
const MAX_IMPLICATIONS: usize = 64;

impl Methods {
    fn insert(&mut self, index: usize) {
        self.0 |= 1 << index;
    }

    /// Whether requests with `method` (one of [`METHODS`]) are among them.
    pub fn contains(self, method: &str) -> bool {
        METHODS.iter().position(|m| *m == method).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Preflights (`OPTIONS`) are among them.
    pub fn preflight(self) -> bool {
        self.0 & (1 << OPTIONS) != 0
    }

    /// Some method other than `OPTIONS` is among them.
    pub fn actual(self) -> bool {
        self.0 & !(1 << OPTIONS) != 0
    }
}

/// What the rewrite phase decides, for every block of the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flow {
    /// Per block: the methods whose requests get a response with this block's configuration.
    reach: Vec<Methods>,
    /// Per block: whether responses can be produced with its configuration at all.
    context: Vec<bool>,
    /// Per `if`: its index in its parent's steps.
    position: Vec<Option<usize>>,
    /// Per `if`: the index in its parent's steps of the first `return` after it (none when a
    /// `break` comes first).
    return_after: Vec<Option<usize>>,
    /// Per location (or other level): the `if` whose configuration answers preflights with a
    /// `return` before the access phase, when that is certain.
    preflight_answer: HashMap<BlockId, BlockId>,
    /// Levels where some `return` of the rewrite phase may answer a preflight.
    early: HashSet<BlockId>,
    /// Per server and level: its `set`s and those of its `if`s, by variable, each as (the `if`,
    /// the block holding the step, the step's index).
    sets: HashMap<BlockId, HashMap<String, Vec<SetRef>>>,
    /// Per level: the first `if` (server's first) that turns away other origins with a `return`
    /// (`if ($http_origin !~ ...) { return 403; }`).
    origin_gate: HashMap<BlockId, BlockId>,
    /// Maps by the variable they define.
    maps: HashMap<String, Vec<usize>>,
    /// Maps and upstreams by the root that sees them.
    scopes: Scopes,
}

/// Where a `set` is written: the `if` it is in (if any), the block, the index in its steps.
pub type SetRef = (Option<BlockId>, BlockId, usize);

impl Flow {
    pub(super) fn reach(&self, id: BlockId) -> Methods {
        self.reach.get(id).copied().unwrap_or_default()
    }

    pub(super) fn is_context(&self, id: BlockId) -> bool {
        self.context.get(id).copied().unwrap_or(false)
    }

    pub(super) fn position(&self, id: BlockId) -> Option<usize> {
        self.position.get(id).copied().flatten()
    }

    pub(super) fn return_after(&self, id: BlockId) -> Option<usize> {
        self.return_after.get(id).copied().flatten()
    }

    pub(super) fn preflight_answer(&self, level: BlockId) -> Option<BlockId> {
        self.preflight_answer.get(&level).copied()
    }

    pub(super) fn answers_early(&self, level: BlockId) -> bool {
        self.early.contains(&level)
    }

    pub(super) fn sets(&self, level: BlockId, var: &str) -> &[SetRef] {
        self.sets.get(&level).and_then(|by_var| by_var.get(var)).map_or(&[], Vec::as_slice)
    }

    pub(super) fn origin_gate(&self, level: BlockId) -> Option<BlockId> {
        self.origin_gate.get(&level).copied()
    }

    pub(super) fn maps(&self, var: &str) -> &[usize] {
        self.maps.get(var).map_or(&[], Vec::as_slice)
    }

    pub(super) fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    pub(super) fn compute(model: &NginxModel) -> Flow {
        let n = model.blocks.len();
        let mut flow = Flow {
            reach: vec![Methods::default(); n],
            context: vec![false; n],
            position: vec![None; n],
            return_after: vec![None; n],
            preflight_answer: HashMap::new(),
            early: HashSet::new(),
            sets: HashMap::new(),
            origin_gate: HashMap::new(),
            maps: HashMap::new(),
            scopes: Scopes::compute(model),
        };
        for (i, map) in model.maps.iter().enumerate() {
            flow.maps.entry(map.target.clone()).or_default().push(i);
        }
        for block in &model.blocks {
            flow.index_steps(block);
        }
        for (id, block) in model.blocks.iter().enumerate() {
            if matches!(block.kind, BlockKind::Server { .. } | BlockKind::Location { .. } | BlockKind::File) {
                flow.index_sets(model, id, block);
                flow.index_gate(model, id, block);
            }
        }
        let mut servers: HashMap<BlockId, Vec<ServerOutcome>> = HashMap::new();
        for (id, block) in model.blocks.iter().enumerate() {
            if !is_level(model, block) {
                if block.is_server() {
                    let outcome = (0..METHODS.len()).map(|m| flow.server_phase(model, id, m)).collect();
                    servers.insert(id, outcome);
                }
                continue;
            }
            let server = model.server_of(id).filter(|s| *s != id);
            flow.mark_contexts(id, block);
            for method in 0..METHODS.len() {
                let before = server.and_then(|s| servers.get(&s)).and_then(|o| o.get(method));
                if let Some(outcome) = before {
                    if outcome.early && method == OPTIONS {
                        flow.early.insert(id);
                    }
                    if outcome.done {
                        if let Some(answer) = outcome.answer.filter(|_| method == OPTIONS) {
                            flow.preflight_answer.insert(id, answer);
                        }
                        continue;
                    }
                }
                let base = before.map(|o| &o.flags);
                let mut walk = Walk::new(model, method, base);
                walk.level(&mut flow, id);
            }
        }
        flow
    }

    /// The `set`s that run at level `id`, its own and its `if`s'.
    fn index_sets(&mut self, model: &NginxModel, id: BlockId, block: &Block) {
        let mut by_var: HashMap<String, Vec<SetRef>> = HashMap::new();
        for (i, step) in block.steps.iter().enumerate() {
            match step {
                Step::Set(set) => by_var.entry(set.var.clone()).or_default().push((None, id, i)),
                Step::If(j) => {
                    for (k, inner) in model.block(*j).map_or(&[][..], |b| b.steps.as_slice()).iter().enumerate() {
                        if let Step::Set(set) = inner {
                            by_var.entry(set.var.clone()).or_default().push((Some(*j), *j, k));
                        }
                    }
                }
                Step::Return(_) | Step::Break(_) | Step::Rewrite { .. } => {}
            }
        }
        if !by_var.is_empty() {
            self.sets.insert(id, by_var);
        }
    }

    /// The first `if` of level `id` (after its server's) that turns other origins away.
    fn index_gate(&mut self, model: &NginxModel, id: BlockId, block: &Block) {
        let inherited = model.server_of(id).filter(|s| *s != id).and_then(|s| self.origin_gate.get(&s).copied());
        let own = || {
            block.ifs().find(|j| {
                let Some(b) = model.block(*j) else { return false };
                let returns = Ending::of(b).returns || self.return_after(*j).is_some();
                let turns_away = b.condition().is_some_and(|c| {
                    c.variable() == Some("http_origin")
                        && matches!(
                            c.kind,
                            ConditionKind::Match { negated: true, .. } | ConditionKind::Compare { negated: true, .. }
                        )
                });
                returns && turns_away
            })
        };
        if let Some(gate) = inherited.or_else(own) {
            self.origin_gate.insert(id, gate);
        }
    }

    /// Positions of the `if`s of `block`, and the `return` that follows each.
    fn index_steps(&mut self, block: &Block) {
        let mut next_return = None;
        for (i, step) in block.steps.iter().enumerate().rev() {
            match step {
                Step::Return(_) => next_return = Some(i),
                Step::Break(_) => next_return = None,
                Step::If(child) => {
                    if let Some(p) = self.position.get_mut(*child) {
                        *p = Some(i);
                    }
                    if let Some(r) = self.return_after.get_mut(*child) {
                        *r = next_return;
                    }
                }
                Step::Set(_) | Step::Rewrite { .. } => {}
            }
        }
    }

    /// The level and its `if`s can produce responses; a server's `if`s only with a `return`.
    fn mark_contexts(&mut self, level: BlockId, block: &Block) {
        if let Some(c) = self.context.get_mut(level) {
            *c = true;
        }
        for child in block.ifs() {
            if let Some(c) = self.context.get_mut(child) {
                *c = true;
            }
        }
    }

    fn live(&mut self, id: BlockId, method: usize) {
        if let Some(r) = self.reach.get_mut(id) {
            r.insert(method);
        }
    }

    /// The server's own rewrite directives for requests with method `method`, before any
    /// location's: where they leave the flags, and whether they answer the request themselves.
    fn server_phase(&mut self, model: &NginxModel, server: BlockId, method: usize) -> ServerOutcome {
        let mut out = ServerOutcome::default();
        let Some(block) = model.block(server) else { return out };
        let mut walk = Walk::new(model, method, None);
        for step in &block.steps {
            match step {
                Step::Set(set) => walk.assign(&set.var, known(&set.value)),
                Step::Return(_) => {
                    out.done = true;
                    out.early |= method == OPTIONS;
                    break;
                }
                Step::Break(_) => break,
                Step::Rewrite { .. } => {}
                Step::If(j) => {
                    let Some(jb) = model.block(*j) else { continue };
                    let Some(condition) = jb.condition() else { continue };
                    let m = walk.eval(condition);
                    if m == Tri::No {
                        continue;
                    }
                    walk.run_sets(jb, m);
                    let ending = Ending::of(jb);
                    if ending.ends == Tri::No {
                        continue;
                    }
                    // Only an `if` that ends the phase answers from the server level.
                    if let Some(c) = self.context.get_mut(*j) {
                        *c = true;
                    }
                    self.live(*j, method);
                    out.early |= method == OPTIONS && ending.returns;
                    if m == Tri::Yes && ending.ends == Tri::Yes {
                        out.done = true;
                        out.answer = ending.returns.then_some(*j);
                        break;
                    }
                }
            }
        }
        out.flags = walk.flags;
        out
    }
}

/// Where a server's rewrite directives leave one method's requests.
#[derive(Default)]
struct ServerOutcome {
    flags: HashMap<String, Known>,
    /// A `return` of the server answers every such request: no location is chosen.
    done: bool,
    /// The server-level `if` that answers it with a `return`.
    answer: Option<BlockId>,
    /// Some server-level `return` may answer it.
    early: bool,
}

/// Levels whose rewrite directives run for a request: locations, servers without locations and
/// snippets judged on their own.
fn is_level(model: &NginxModel, block: &Block) -> bool {
    let has_child =
        |pred: fn(&BlockKind) -> bool| block.children.iter().any(|c| model.block(*c).is_some_and(|cb| pred(&cb.kind)));
    match &block.kind {
        BlockKind::Location { .. } => true,
        BlockKind::Server { .. } => !has_child(|k| matches!(k, BlockKind::Location { .. })),
        BlockKind::File => {
            !has_child(|k| matches!(k, BlockKind::Location { .. } | BlockKind::Server { .. } | BlockKind::Http))
        }
        BlockKind::Http | BlockKind::If { .. } | BlockKind::LimitExcept { .. } => false,
    }
}

/// A flag's value as far as the rewrite phase knows it.
#[derive(Clone, Debug, PartialEq)]
enum Known {
    Value(String),
    Unknown,
}

fn known(value: &Arg) -> Known {
    if syntax::has_variables(&value.value) { Known::Unknown } else { Known::Value(value.value.clone()) }
}

/// How an `if`'s own directives end the rewrite phase when it matches.
struct Ending {
    /// `return` or `break`: for certain; a `rewrite` with a flag: maybe.
    ends: Tri,
    /// The first thing that ends it is a `return`.
    returns: bool,
}

impl Ending {
    fn of(block: &Block) -> Ending {
        let mut ends = Tri::No;
        for step in &block.steps {
            match step {
                Step::Return(_) => return Ending { ends: Tri::Yes, returns: ends == Tri::No },
                Step::Break(_) => return Ending { ends: Tri::Yes, returns: false },
                Step::Rewrite { flag: Some(_), .. } => ends = Tri::Maybe,
                Step::Rewrite { flag: None, .. } | Step::Set(_) | Step::If(_) => {}
            }
        }
        Ending { ends, returns: false }
    }
}

/// A key equal for two conditions exactly when they test the same thing the same way.
fn test_key(condition: &Condition) -> Option<String> {
    match &condition.kind {
        ConditionKind::Var { var } => Some(format!("v\u{0}{var}")),
        ConditionKind::Compare { var, negated, operand } => {
            Some(format!("c\u{0}{var}\u{0}{negated}\u{0}{}", operand.value))
        }
        ConditionKind::Match { var, negated, case_insensitive, pattern } => {
            Some(format!("m\u{0}{var}\u{0}{negated}\u{0}{case_insensitive}\u{0}{}", pattern.value))
        }
        ConditionKind::FileTest | ConditionKind::Other => None,
    }
}

/// One method's requests through one level's rewrite directives.
struct Walk<'m> {
    model: &'m NginxModel,
    method: usize,
    /// Flags set at this level (they hide the server's).
    flags: HashMap<String, Known>,
    base: Option<&'m HashMap<String, Known>>,
    /// `if`s that matched (or may have) and that no later `if` certainly overrides yet.
    pending: Vec<BlockId>,
    pending_set: HashSet<BlockId>,
    /// `pending[..settled]` already answer some request (a `rewrite ... break` came after them).
    settled: usize,
    /// Pending `if`s by what they test: a later `if` with the same test overrides them.
    by_test: HashMap<String, Vec<BlockId>>,
    /// Pending `if`s that set a flag, with the value: a later test of the flag that this value
    /// passes overrides them.
    by_flag: HashMap<String, Vec<(BlockId, String)>>,
    /// Some `if` matched for certain: the level's own configuration no longer answers.
    certain: bool,
}

impl<'m> Walk<'m> {
    fn new(model: &'m NginxModel, method: usize, base: Option<&'m HashMap<String, Known>>) -> Self {
        Walk {
            model,
            method,
            flags: HashMap::new(),
            base,
            pending: Vec::new(),
            pending_set: HashSet::new(),
            settled: 0,
            by_test: HashMap::new(),
            by_flag: HashMap::new(),
            certain: false,
        }
    }

    fn flag(&self, var: &str) -> Option<&Known> {
        self.flags.get(var).or_else(|| self.base.and_then(|b| b.get(var)))
    }

    fn assign(&mut self, var: &str, value: Known) {
        self.by_flag.remove(var);
        self.flags.insert(var.to_string(), value);
    }

    fn eval(&self, condition: &Condition) -> Tri {
        let Some(var) = condition.variable() else { return Tri::Maybe };
        if var == "request_method" {
            return METHODS.get(self.method).map_or(Tri::Maybe, |m| condition.matches_method(m));
        }
        match self.flag(var) {
            Some(Known::Value(v)) => condition.holds_for(var, v),
            Some(Known::Unknown) | None => Tri::Maybe,
        }
    }

    /// The `set`s of `if` `block` that runs (`Yes`) or may run (`Maybe`).
    fn run_sets(&mut self, block: &Block, matched: Tri) {
        for set in block.sets() {
            let value = if matched == Tri::Yes { known(&set.value) } else { Known::Unknown };
            self.assign(&set.var, value);
        }
    }

    fn unpend(&mut self, id: BlockId) {
        self.pending_set.remove(&id);
    }

    /// Every pending `if` may answer, and so may the level itself when no `if` surely matched.
    fn settle(&mut self, flow: &mut Flow, level: BlockId) {
        for id in std::mem::take(&mut self.pending) {
            if self.pending_set.remove(&id) {
                flow.live(id, self.method);
            }
        }
        self.by_test.clear();
        self.by_flag.clear();
        if !self.certain {
            flow.live(level, self.method);
        }
    }

    /// The level's directives, in order.
    fn level(&mut self, flow: &mut Flow, level: BlockId) {
        let Some(block) = self.model.block(level) else { return };
        for step in &block.steps {
            match step {
                Step::Set(set) => self.assign(&set.var, known(&set.value)),
                Step::Return(_) | Step::Break(_) => {
                    if self.method == OPTIONS {
                        if matches!(step, Step::Return(_)) {
                            flow.early.insert(level);
                        }
                        let only: Vec<BlockId> =
                            self.pending.iter().copied().filter(|p| self.pending_set.contains(p)).collect();
                        if let ([single], true, Step::Return(_)) = (only.as_slice(), self.certain, step) {
                            flow.preflight_answer.insert(level, *single);
                        }
                    }
                    self.settle(flow, level);
                    return;
                }
                // `break`, `redirect` and `permanent` answer with the configuration in force when
                // the regex matches; `last` (and no flag) move the request to another location.
                Step::Rewrite { flag: Some(f), .. } if matches!(f.as_str(), "break" | "redirect" | "permanent") => {
                    for id in self.pending.get(self.settled..).unwrap_or_default() {
                        if self.pending_set.contains(id) {
                            flow.live(*id, self.method);
                        }
                    }
                    self.settled = self.pending.len();
                    if !self.certain {
                        flow.live(level, self.method);
                    }
                }
                Step::Rewrite { .. } => {}
                Step::If(j) => {
                    if self.if_step(flow, level, *j) {
                        return;
                    }
                }
            }
        }
        self.settle(flow, level);
    }

    /// One `if`; true when it ends the phase for certain.
    fn if_step(&mut self, flow: &mut Flow, level: BlockId, j: BlockId) -> bool {
        let model = self.model;
        let Some(block) = model.block(j) else { return false };
        let Some(condition) = block.condition() else { return false };
        let m = self.eval(condition);
        if m == Tri::No {
            return false;
        }
        let key = test_key(condition);
        if m == Tri::Yes {
            self.pending.clear();
            self.pending_set.clear();
            self.settled = 0;
            self.by_test.clear();
            self.by_flag.clear();
        } else {
            if let Some(same) = key.as_ref().and_then(|k| self.by_test.remove(k)) {
                for id in same {
                    self.unpend(id);
                }
            }
            if let Some(var) = condition.variable() {
                let mut implied = Vec::new();
                if let Some(list) = self.by_flag.get_mut(var) {
                    list.retain(|(id, value)| {
                        let passes = condition.holds_for(var, value) == Tri::Yes;
                        if passes {
                            implied.push(*id);
                        }
                        !passes
                    });
                }
                for id in implied {
                    self.unpend(id);
                }
            }
        }
        self.run_sets(block, m);
        let ending = Ending::of(block);
        if ending.ends != Tri::No {
            flow.live(j, self.method);
            if self.method == OPTIONS && ending.returns {
                flow.early.insert(level);
            }
        }
        if ending.ends == Tri::Yes {
            if m == Tri::Yes {
                if self.method == OPTIONS && ending.returns {
                    flow.preflight_answer.insert(level, j);
                }
                self.certain = true;
                self.pending.clear();
                self.pending_set.clear();
                return true;
            }
            return false;
        }
        self.pending.push(j);
        self.pending_set.insert(j);
        if let Some(k) = key {
            self.by_test.entry(k).or_default().push(j);
        }
        for set in block.sets() {
            if let Known::Value(v) = known(&set.value) {
                let list = self.by_flag.entry(set.var.clone()).or_default();
                if list.len() < MAX_IMPLICATIONS {
                    list.push((j, v));
                }
            }
        }
        if m == Tri::Yes {
            self.certain = true;
        }
        false
    }
}
