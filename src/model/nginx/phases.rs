//! The phases before content, as nginx runs them: the rewrite phase (`set`, `if`, `return`,
//! `rewrite`, `break`) in source order, then the access checks (`auth_*` and `satisfy` take the
//! nearest value, `allow`/`deny` lists replace). From them come the contexts a response is
//! produced in and which requests each answers: a `return` in `if ($request_method = OPTIONS)`
//! answers preflights before authentication.

use super::*;

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
                blk.access.iter().rev().find(|a| a.kind == kind).map(|item| Declared { block: *b, item })
            });
            access.auth.extend(nearest.filter(|d| d.item.is_active_auth()));
        }
        if let Some((b, blk)) = chain
            .iter()
            .filter_map(|b| self.block(*b).map(|blk| (*b, blk)))
            .find(|(_, blk)| blk.access.iter().any(|a| matches!(a.kind, AccessKind::Allow | AccessKind::Deny)))
        {
            access.rules = blk
                .access
                .iter()
                .filter(|a| matches!(a.kind, AccessKind::Allow | AccessKind::Deny))
                .map(|item| Declared { block: b, item })
                .collect();
        }
        access.satisfy_any =
            chain.iter().find_map(|b| self.block(*b).and_then(|blk| blk.satisfy_any.as_ref())).is_some_and(|s| s.value);
        access
    }

    /// The `return` that answers every request reaching context `id` in the rewrite phase: its
    /// own, or for an `if`, the first `return` of its location after it.
    pub fn context_return(&self, id: BlockId) -> Option<&Return> {
        let block = self.block(id)?;
        if let Some(r) = block.own_return() {
            return Some(r);
        }
        if block.steps.iter().any(|s| matches!(s, Step::Break(_))) {
            return None;
        }
        if !matches!(block.kind, BlockKind::If { .. }) {
            return None;
        }
        let parent = self.block(block.parent?)?;
        let pos = parent.steps.iter().position(|s| *s == Step::If(id))?;
        for step in parent.steps.get(pos + 1..)? {
            match step {
                Step::Return(r) => return Some(r),
                Step::Break(_) => return None,
                Step::Set(_) | Step::If(_) | Step::Rewrite { .. } => {}
            }
        }
        None
    }

    /// The `if` blocks whose rewrite directives run for a request in context location `loc`:
    /// the server's, then the location's.
    pub(super) fn rewrite_ifs(&self, loc: BlockId) -> Vec<BlockId> {
        let mut out = Vec::new();
        if let Some(server) = self.server_of(loc).filter(|s| *s != loc)
            && let Some(blk) = self.block(server)
        {
            out.extend(blk.ifs());
        }
        if let Some(blk) = self.block(loc) {
            out.extend(blk.ifs());
        }
        out
    }

    /// Every `set` that runs for a request in location `loc` (server level first), each with
    /// the `if` it is written in.
    pub fn sets_for(&self, loc: BlockId) -> Vec<(Option<BlockId>, &SetVar)> {
        let mut levels = Vec::new();
        if let Some(server) = self.server_of(loc).filter(|s| *s != loc) {
            levels.push(server);
        }
        levels.push(loc);
        let mut out = Vec::new();
        for level in levels {
            let Some(blk) = self.block(level) else { continue };
            for step in &blk.steps {
                match step {
                    Step::Set(set) => out.push((None, set)),
                    Step::If(i) => {
                        if let Some(ib) = self.block(*i) {
                            out.extend(ib.sets().map(|s| (Some(*i), s)));
                        }
                    }
                    Step::Return(_) | Step::Rewrite { .. } | Step::Break(_) => {}
                }
            }
        }
        out
    }

    /// The `if` that answers preflights of location `loc` in the rewrite phase, before any
    /// access check: a branch that matches `OPTIONS` for certain and ends in `return`.
    pub fn preflight_branch(&self, loc: BlockId) -> Option<BlockId> {
        self.rewrite_ifs(loc).into_iter().find(|i| {
            self.block(*i).and_then(Block::condition).is_some_and(|c| c.matches_method("OPTIONS") == Tri::Yes)
                && self.context_return(*i).is_some()
        })
    }

    /// Whether some `if` with a `return` may answer preflights of `loc` before the access phase
    /// (its condition may match `OPTIONS`): the cautious reading for rules that would blame the
    /// access phase.
    pub fn may_answer_preflight_early(&self, loc: BlockId) -> bool {
        self.rewrite_ifs(loc).into_iter().any(|i| {
            self.block(i).and_then(Block::condition).is_some_and(|c| c.matches_method("OPTIONS") != Tri::No)
                && self.context_return(i).is_some()
        }) || self.block(loc).and_then(Block::own_return).is_some()
    }

    /// A later `if` of the same level that can match together with `id` and then decides the
    /// response instead (only the last matching `if` counts), with whether it matches whenever
    /// `id` does (same test). `None` when `id` ends processing itself (`return`, `break`).
    pub fn overriding_if(&self, id: BlockId) -> Option<(BlockId, bool)> {
        let block = self.block(id)?;
        let condition = block.condition()?;
        if block.own_return().is_some() || block.steps.iter().any(|s| matches!(s, Step::Break(_))) {
            return None;
        }
        let parent = self.block(block.parent?)?;
        let pos = parent.steps.iter().position(|s| *s == Step::If(id))?;
        for step in parent.steps.get(pos + 1..)? {
            match step {
                Step::If(later) => {
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

    /// Every configuration a response can be produced with, in block order.
    pub fn contexts(&self) -> Vec<Context> {
        let mut out = Vec::new();
        for (id, block) in self.blocks.iter().enumerate() {
            let has_child = |pred: fn(&BlockKind) -> bool| {
                block.children.iter().any(|c| self.block(*c).is_some_and(|cb| pred(&cb.kind)))
            };
            let is_context = match &block.kind {
                BlockKind::Location { .. } => true,
                BlockKind::If { .. } => true,
                BlockKind::Server { .. } => !has_child(|k| matches!(k, BlockKind::Location { .. })),
                BlockKind::File => {
                    !has_child(|k| matches!(k, BlockKind::Location { .. } | BlockKind::Server { .. } | BlockKind::Http))
                }
                BlockKind::Http | BlockKind::LimitExcept { .. } => false,
            };
            if !is_context {
                continue;
            }
            let location = self.location_of(id);
            let early = self.preflight_branch(location);
            let requests = match &block.kind {
                BlockKind::If { condition } if condition.is_preflight_only() => Requests::Preflight,
                BlockKind::If { condition } if condition.matches_method("OPTIONS") == Tri::No => Requests::Actual,
                BlockKind::If { .. } => match early {
                    Some(branch) if branch == id => Requests::Any,
                    Some(branch) if self.runs_before(branch, id) => Requests::Actual,
                    _ => Requests::Any,
                },
                _ if early.is_some() => Requests::Actual,
                _ => Requests::Any,
            };
            out.push(Context {
                block: id,
                location: if matches!(block.kind, BlockKind::If { .. }) { location } else { id },
                requests,
            });
        }
        out
    }

    /// Whether rewrite step `a` (an `if`) runs before `b` for the same request.
    fn runs_before(&self, a: BlockId, b: BlockId) -> bool {
        let (Some(pa), Some(pb)) = (self.parent(a), self.parent(b)) else { return false };
        if pa != pb {
            // Server-level `if`s run before every location-level one.
            return self.block(pa).is_some_and(Block::is_server);
        }
        let Some(parent) = self.block(pa) else { return false };
        let pos = |x| parent.steps.iter().position(|s| *s == Step::If(x));
        matches!((pos(a), pos(b)), (Some(i), Some(j)) if i < j)
    }
}
