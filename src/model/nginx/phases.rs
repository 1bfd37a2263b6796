//! The phases before content, as nginx runs them: the rewrite phase (`set`, `if`, `return`,
//! `rewrite`, `break`) in source order, then the access checks (`auth_*` and `satisfy` take the
//! nearest value, `allow`/`deny` lists replace). From them come the contexts a response is
//! produced in and which requests each answers: a `return` in `if ($request_method = OPTIONS)`
//! answers preflights before authentication.

use super::flow::{Flow, Methods};
use super::*;

/// Later `if`s looked at for one that overrides an earlier one: a bound against configurations
/// written to be slow (real ones have a handful per location).
const MAX_LATER_IFS: usize = 64;

/// `set`s of one variable followed for one location: beyond, its value is not followed.
const MAX_SETS_FOLLOWED: usize = 256;

/// Which requests a response context answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requests {
    /// Only `OPTIONS` (the preflight branch).
    Preflight,
    /// Never `OPTIONS`: an earlier branch answers preflights, or the condition excludes them.
    Actual,
    /// Both.
    Any,
}

/// A configuration some response is produced with: a location, an `if` in a location or
/// server, a server without locations, or a standalone snippet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    pub block: BlockId,
    /// The location (or server, or snippet file) the context belongs to.
    pub location: BlockId,
    pub requests: Requests,
    /// The methods whose requests it answers.
    pub reach: Methods,
}

/// The access checks a request meets in a location.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffectiveAccess<'a> {
    /// Active `auth_basic`/`auth_request`/`auth_jwt`, nearest level each.
    pub auth: Vec<Declared<'a, Access>>,
    /// `allow`/`deny` of the nearest level that has any.
    pub rules: Vec<Declared<'a, Access>>,
    pub satisfy_any: bool,
}

impl<'a> EffectiveAccess<'a> {
    /// The directives that turn away a request without credentials from any address, such as a
    /// preflight: `deny all` reached before any `allow`, and active auth (unless `satisfy any`
    /// lets allowed addresses through without it).
    pub fn rejects_anonymous(&self) -> Vec<Declared<'a, Access>> {
        let mut out = Vec::new();
        let first_rule = self.rules.first();
        let deny_all_first = first_rule.filter(|r| r.item.kind == AccessKind::Deny && r.item.arg.value == "all");
        let any_allow = self.rules.iter().any(|r| r.item.kind == AccessKind::Allow);
        if self.satisfy_any {
            // Passing either check is enough: an allowed address skips authentication, and
            // without auth a `deny all` alone decides.
            if any_allow {
                return out;
            }
            if self.auth.is_empty() {
                out.extend(deny_all_first.copied());
            } else {
                out.extend(self.auth.iter().copied());
            }
            return out;
        }
        out.extend(deny_all_first.copied());
        out.extend(self.auth.iter().copied());
        out
    }
}

impl NginxModel {
    /// The access checks a request meets at `id`.
    pub fn effective_access(&self, id: BlockId) -> EffectiveAccess<'_> {
        let mut access = EffectiveAccess::default();
        let chain = self.chain(id);
        for kind in [AccessKind::AuthBasic, AccessKind::AuthRequest, AccessKind::AuthJwt] {
            let nearest = chain.iter().find_map(|b| {
                let blk = self.block(*b)?;
                blk.rare().access.iter().rev().find(|a| a.kind == kind).map(|item| Declared { block: *b, item })
            });
            access.auth.extend(nearest.filter(|d| d.item.is_active_auth()));
        }
        if let Some((b, blk)) = chain
            .iter()
            .filter_map(|b| self.block(*b).map(|blk| (*b, blk)))
            .find(|(_, blk)| blk.rare().access.iter().any(|a| matches!(a.kind, AccessKind::Allow | AccessKind::Deny)))
        {
            access.rules = blk
                .rare()
                .access
                .iter()
                .filter(|a| matches!(a.kind, AccessKind::Allow | AccessKind::Deny))
                .map(|item| Declared { block: b, item })
                .collect();
        }
        access.satisfy_any = chain
            .iter()
            .find_map(|b| self.block(*b).and_then(|blk| blk.rare().satisfy_any.as_ref()))
            .is_some_and(|s| s.value);
        access
    }

    /// What the rewrite phase decides for this model (computed on first use).
    pub(super) fn flow(&self) -> &Flow {
        self.flow.get_or_init(|| Flow::compute(self))
    }

    /// Drops what was worked out from the blocks and maps, before they change.
    pub(super) fn forget_views(&mut self) {
        self.flow.take();
        self.views.take();
    }

    /// The `return` that answers every request reaching context `id` in the rewrite phase: its
    /// own, or for an `if`, the first `return` of its location after it.
    pub fn context_return(&self, id: BlockId) -> Option<&Return> {
        let block = self.block(id)?;
        if let Some(r) = block.own_return() {
            return Some(r);
        }
        if block.steps.iter().any(|s| matches!(s, Step::Break(_))) || block.condition().is_none() {
            return None;
        }
        let at = self.flow().return_after(id)?;
        match self.block(block.parent?)?.steps.get(at)? {
            Step::Return(r) => Some(r),
            _ => None,
        }
    }

    /// Every `set` of `var` that runs for a request in location `loc` (server level first), each
    /// with the `if` it is written in; `None` when there are more than corslint follows.
    pub fn sets_of(&self, loc: BlockId, var: &str) -> Option<Vec<(Option<BlockId>, &SetVar)>> {
        let mut levels = Vec::new();
        if let Some(server) = self.server_of(loc).filter(|s| *s != loc) {
            levels.push(server);
        }
        levels.push(loc);
        let flow = self.flow();
        if levels.iter().map(|l| flow.sets(*l, var).len()).sum::<usize>() > MAX_SETS_FOLLOWED {
            return None;
        }
        let mut out = Vec::new();
        for level in levels {
            for &(in_if, owner, index) in flow.sets(level, var) {
                if let Some(Step::Set(set)) = self.block(owner).and_then(|b| b.steps.get(index)) {
                    out.push((in_if, set));
                }
            }
        }
        Some(out)
    }

    /// The `if` that answers preflights of location `loc` with a `return` in the rewrite phase,
    /// before any access check: the last `if` that matches an `OPTIONS` request, when that is
    /// certain.
    pub fn preflight_branch(&self, loc: BlockId) -> Option<BlockId> {
        self.flow().preflight_answer(loc)
    }

    /// Whether some `return` of the rewrite phase may answer preflights of `loc` before the
    /// access phase: the cautious reading for rules that would blame the access phase.
    pub fn may_answer_preflight_early(&self, loc: BlockId) -> bool {
        self.flow().answers_early(loc)
    }

    /// The requests, by method, whose response gets context `id`'s configuration.
    pub fn reach(&self, id: BlockId) -> Methods {
        self.flow().reach(id)
    }

    /// A later `if` of the same level that can match together with `id` and then decides the
    /// response instead (only the last matching `if` counts), with whether it matches whenever
    /// `id` does (same test). `None` when `id` ends processing itself (`return`, `break`), or
    /// when no such `if` is found among the next [`MAX_LATER_IFS`].
    pub fn overriding_if(&self, id: BlockId) -> Option<(BlockId, bool)> {
        let block = self.block(id)?;
        let condition = block.condition()?;
        if block.own_return().is_some() || block.steps.iter().any(|s| matches!(s, Step::Break(_))) {
            return None;
        }
        let parent = self.block(block.parent?)?;
        let pos = self.flow().position(id)?;
        let mut ifs_seen = 0;
        for step in parent.steps.get(pos + 1..)? {
            match step {
                Step::If(later) => {
                    ifs_seen += 1;
                    if ifs_seen > MAX_LATER_IFS {
                        return None;
                    }
                    let Some(other) = self.block(*later).and_then(Block::condition) else { continue };
                    if !condition.disjoint(other) {
                        return Some((*later, condition.same_test(other)));
                    }
                }
                Step::Return(_) | Step::Break(_) => return None,
                Step::Set(_) | Step::Rewrite { .. } => {}
            }
        }
        None
    }

    /// Every configuration a response can be produced with, in block order, with the requests
    /// it answers. A configuration no request ends up with (an `if` a later one always
    /// overrides, a server-level `if` without `return`) is not one.
    pub fn contexts(&self) -> &[Context] {
        self.views().contexts()
    }

    pub(super) fn compute_contexts(&self) -> Vec<Context> {
        let flow = self.flow();
        let mut out = Vec::new();
        for (id, block) in self.blocks.iter().enumerate() {
            if !flow.is_context(id) {
                continue;
            }
            let reach = flow.reach(id);
            if reach.is_empty() {
                continue;
            }
            let requests = if !reach.actual() {
                Requests::Preflight
            } else if !reach.preflight() {
                Requests::Actual
            } else {
                Requests::Any
            };
            let location = if block.condition().is_some() { self.location_of(id) } else { id };
            out.push(Context { block: id, location, requests, reach });
        }
        out
    }
}
