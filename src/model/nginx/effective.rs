//! The views that apply nginx's own rules: `add_header` inheritance, effective headers, contexts,
//! access. The order headers-more commands run in, and what they leave of the upstream's headers,
//! is `headers_more`'s.

use super::*;

/// An item together with the block that declares it.
#[derive(Debug, PartialEq)]
pub struct Declared<'a, T> {
    pub block: BlockId,
    pub item: &'a T,
}

impl<T> Clone for Declared<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Declared<'_, T> {}

/// How a header reaches the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderSource {
    /// `add_header`: appended to whatever the upstream sent.
    AddHeader,
    /// `more_set_headers`: replaces the upstream's (and earlier headers-more values), but
    /// runs before `add_header`, whose header of the same name is sent too.
    MoreSet,
}

/// One header a response in some context carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeaderRef<'a> {
    pub name: &'a Arg,
    pub value: &'a Arg,
    /// Sent with every status (`add_header ... always`, `more_set_headers` without `-s`).
    pub always: bool,
    /// `more_set_headers -s`: only these statuses.
    pub statuses: Option<&'a [u16]>,
    /// `more_set_headers -t`: only some content types.
    pub typed: bool,
    pub source: HeaderSource,
    /// The block that declares the directive.
    pub block: BlockId,
    /// The directive.
    pub span: Span,
}

impl HeaderRef<'_> {
    pub fn is(&self, name: &str) -> bool {
        same_header(&self.name.value, name)
    }

    pub fn is_cors(&self) -> bool {
        is_cors_header(&self.name.value)
    }

    /// Whether a response with `status` carries it.
    pub fn covers(&self, status: u16) -> bool {
        match (self.source, self.statuses) {
            (HeaderSource::MoreSet, Some(list)) => list.contains(&status),
            (HeaderSource::MoreSet, None) => true,
            (HeaderSource::AddHeader, _) => self.always || ADD_HEADER_STATUSES.contains(&status),
        }
    }
}

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
    /// Adds a block; an `if` is also recorded as a step of its parent, in source order, so call
    /// this in source order together with the parent's `set`/`return` steps.
    pub fn add_block(&mut self, parent: Option<BlockId>, kind: BlockKind, span: Span, head: Span) -> BlockId {
        let id = self.blocks.len();
        let is_if = matches!(kind, BlockKind::If { .. });
        // A parent always comes before its children, which keeps every walk up the tree finite.
        let parent = parent.filter(|p| *p < id);
        self.blocks.push(Block::new(kind, parent, span, head));
        if let Some(p) = parent.and_then(|p| self.blocks.get_mut(p)) {
            p.children.push(id);
            if is_if {
                p.steps.push(Step::If(id));
            }
        }
        id
    }

    pub fn block(&self, id: BlockId) -> Option<&Block> {
        self.blocks.get(id)
    }

    pub fn block_mut(&mut self, id: BlockId) -> Option<&mut Block> {
        self.blocks.get_mut(id)
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// `id`, its parent, and so on up to the root.
    pub fn chain(&self, id: BlockId) -> Vec<BlockId> {
        let mut out = Vec::new();
        let mut current = Some(id);
        while let Some(b) = current {
            if self.blocks.get(b).is_none() || out.len() >= MAX_DEPTH {
                break;
            }
            out.push(b);
            current = self.blocks.get(b).and_then(|blk| blk.parent).filter(|p| *p < b);
        }
        out
    }

    pub fn parent(&self, id: BlockId) -> Option<BlockId> {
        self.block(id).and_then(|b| b.parent)
    }

    pub fn root(&self, id: BlockId) -> BlockId {
        self.chain(id).last().copied().unwrap_or(id)
    }

    /// The nearest location, server or file enclosing `id` (inclusive): where a context's
    /// rewrite directives and handler come from.
    pub fn location_of(&self, id: BlockId) -> BlockId {
        self.chain(id)
            .into_iter()
            .find(|b| {
                self.block(*b).is_some_and(|blk| {
                    matches!(blk.kind, BlockKind::Location { .. } | BlockKind::Server { .. } | BlockKind::File)
                })
            })
            .unwrap_or(id)
    }

    /// The server enclosing `id` (inclusive).
    pub fn server_of(&self, id: BlockId) -> Option<BlockId> {
        self.chain(id).into_iter().find(|b| self.block(*b).is_some_and(Block::is_server))
    }

    /// The `add_header_inherit` mode in force at `id`.
    pub fn inherit_mode(&self, id: BlockId) -> InheritMode {
        self.chain(id)
            .into_iter()
            .find_map(|b| self.block(b).and_then(|blk| blk.add_header_inherit.as_ref()))
            .map_or(InheritMode::On, |m| m.value)
    }

    /// The `add_header`s nginx applies at `id`, after inheritance.
    pub fn effective_add_headers(&self, id: BlockId) -> Vec<Declared<'_, AddHeader>> {
        let mut chain = self.chain(id);
        chain.reverse();
        let mut effective: Vec<Declared<'_, AddHeader>> = Vec::new();
        let mut mode = InheritMode::On;
        for b in chain {
            let Some(block) = self.block(b) else { continue };
            if let Some(m) = &block.add_header_inherit {
                mode = m.value;
            }
            let own = block.add_headers.iter().map(|item| Declared { block: b, item });
            effective = match mode {
                InheritMode::Off => own.collect(),
                InheritMode::On if block.add_headers.is_empty() => effective,
                InheritMode::On => own.collect(),
                InheritMode::Merge => own.chain(effective).collect(),
            };
        }
        effective
    }

    /// What `id` would inherit if it had no `add_header` of its own: the parent's effective set.
    pub fn inherited_add_headers(&self, id: BlockId) -> Vec<Declared<'_, AddHeader>> {
        self.parent(id).map(|p| self.effective_add_headers(p)).unwrap_or_default()
    }

    /// Whether `id`'s own `add_header`s stop the outer ones (mode `on`, at least one own).
    pub fn stops_inheritance(&self, id: BlockId) -> bool {
        self.block(id).is_some_and(|b| !b.add_headers.is_empty()) && self.inherit_mode(id) == InheritMode::On
    }

    /// Every header a response produced at `id` can carry from nginx's own directives (an
    /// empty value adds nothing and is left out): the `more_set_headers` values that no later
    /// headers-more command clears or replaces, and the effective `add_header`s, which
    /// headers-more never touches (its filter runs first), so a `more_set_headers` and an
    /// `add_header` of one name both reach the response.
    pub fn effective_headers(&self, id: BlockId) -> Vec<HeaderRef<'_>> {
        let mut out: Vec<HeaderRef<'_>> = self
            .effective_add_headers(id)
            .into_iter()
            .filter(|h| !h.item.value.value.is_empty())
            .map(|h| HeaderRef {
                name: &h.item.name,
                value: &h.item.value,
                always: h.item.always,
                statuses: None,
                typed: false,
                source: HeaderSource::AddHeader,
                block: h.block,
                span: h.item.span,
            })
            .collect();
        out.extend(self.sent_more_set_headers(id));
        out
    }

    /// The upstream response headers `module` hides at `id` (nearest level with a
    /// `*_hide_header`), minus those a `*_pass_header` (nearest level with one) lets through.
    pub fn effective_hidden(&self, id: BlockId, module: PassModule) -> Vec<Declared<'_, UpstreamHeader>> {
        let nearest = |pick: fn(&Block) -> &Vec<UpstreamHeader>| {
            self.chain(id)
                .into_iter()
                .filter_map(|b| self.block(b).map(|blk| (b, blk)))
                .find(|(_, blk)| pick(blk).iter().any(|h| h.module == module))
                .map(|(b, blk)| {
                    pick(blk).iter().filter(|h| h.module == module).map(|item| Declared { block: b, item }).collect()
                })
                .unwrap_or_else(Vec::new)
        };
        let hidden: Vec<Declared<'_, UpstreamHeader>> = nearest(|b| &b.hide_headers);
        let passed: Vec<Declared<'_, UpstreamHeader>> = nearest(|b| &b.pass_headers);
        hidden
            .into_iter()
            .filter(|h| !passed.iter().any(|p| same_header(&p.item.name.value, &h.item.name.value)))
            .collect()
    }

    /// `proxy_set_header`s in force at `id` (nearest level that has any).
    pub fn effective_proxy_set_headers(&self, id: BlockId) -> Vec<Declared<'_, ProxySetHeader>> {
        self.chain(id)
            .into_iter()
            .filter_map(|b| self.block(b).map(|blk| (b, blk)))
            .find(|(_, blk)| !blk.proxy_set_headers.is_empty())
            .map(|(b, blk)| blk.proxy_set_headers.iter().map(|item| Declared { block: b, item }).collect())
            .unwrap_or_default()
    }

    /// The handler that produces responses at `id`: the `*_pass` of the context's location (an
    /// `if` in a location uses its location's).
    pub fn pass_of(&self, id: BlockId) -> Option<Declared<'_, Pass>> {
        for b in self.chain(id) {
            let blk = self.block(b)?;
            if let Some(item) = &blk.pass {
                return Some(Declared { block: b, item });
            }
            if !matches!(blk.kind, BlockKind::If { .. }) {
                return None;
            }
        }
        None
    }

    /// Whether responses at `id` come from another content handler than static files.
    pub fn has_other_content(&self, id: BlockId) -> bool {
        for b in self.chain(id) {
            let Some(blk) = self.block(b) else { return false };
            if blk.other_content.is_some() || blk.pass.is_some() {
                return true;
            }
            if !matches!(blk.kind, BlockKind::If { .. }) {
                return false;
            }
        }
        false
    }

    /// The `upstream` block a pass target names, if the configuration has it.
    pub fn upstream_of(&self, pass: &Pass, from: BlockId) -> Option<&Upstream> {
        let root = self.root(from);
        let host = pass.host();
        self.upstreams.iter().find(|u| u.name == host && self.root(u.scope) == root)
    }

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
    pub(crate) fn rewrite_ifs(&self, loc: BlockId) -> Vec<BlockId> {
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

    /// The maps visible from `id` whose target is `var`.
    pub fn maps_for(&self, id: BlockId, var: &str) -> Vec<&Map> {
        let root = self.root(id);
        self.maps.iter().filter(|m| m.target == var && self.root(m.scope) == root).collect()
    }

    /// Every context that sends CORS headers, with those headers.
    pub fn cors_contexts(&self) -> Vec<(Context, Vec<HeaderRef<'_>>)> {
        self.contexts()
            .into_iter()
            .filter_map(|ctx| {
                let headers: Vec<HeaderRef<'_>> =
                    self.effective_headers(ctx.block).into_iter().filter(HeaderRef::is_cors).collect();
                (!headers.is_empty()).then_some((ctx, headers))
            })
            .collect()
    }
}
