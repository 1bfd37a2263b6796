//! The views that apply nginx's own rules to the block tree: `add_header` inheritance, effective
//! headers, hidden and passed upstream headers, the handler. The order headers-more commands run
//! in, and what they leave of the upstream's headers, is `headers_more`'s; the rewrite phase,
//! access checks and the contexts they make are `phases`'.

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

impl NginxModel {
    /// Adds a block; an `if` is also recorded as a step of its parent, in source order, so call
    /// this in source order together with the parent's `set`/`return` steps.
    pub fn add_block(&mut self, parent: Option<BlockId>, kind: BlockKind, span: Span, head: Span) -> BlockId {
        self.forget_views();
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
        self.forget_views();
        self.blocks.get_mut(id)
    }

    /// Records an `include` that was not followed (once per place it is read from).
    pub fn note_unfollowed(&mut self, span: Span, why: String) {
        self.unfollowed.push((span, why));
    }

    /// Gives back the spare capacity of the blocks from `first` on, once they have all been read.
    pub fn shrink_blocks_from(&mut self, first: BlockId) {
        for block in self.blocks.iter_mut().skip(first) {
            block.shrink_to_fit();
        }
    }

    pub fn add_map(&mut self, map: Map) {
        self.forget_views();
        self.maps.push(map);
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
            .find_map(|b| self.block(b).and_then(|blk| blk.rare().add_header_inherit.as_ref()))
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
            if let Some(m) = &block.rare().add_header_inherit {
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
        self.cached_effective_headers(id).unwrap_or_else(|| self.compute_effective_headers(id))
    }

    pub(super) fn compute_effective_headers(&self, id: BlockId) -> Vec<HeaderRef<'_>> {
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

    /// An `include` corslint did not follow that could change the `add_header`s in force at `id`:
    /// one at `id` or at a level up to the nearest that has `add_header`s of its own (those
    /// further out do not reach `id`). What is absent there is unknown.
    pub fn unknown_headers(&self, id: BlockId) -> Option<Span> {
        for b in self.chain(id) {
            let block = self.block(b)?;
            if let Some(span) = block.rare().unknown_includes.first() {
                return Some(*span);
            }
            if !block.add_headers.is_empty() && self.inherit_mode(b) != InheritMode::Merge {
                return None;
            }
        }
        None
    }

    /// An `include` not followed that could add `*_hide_header`s in force at `id` (up to the
    /// nearest level with its own).
    pub fn unknown_hidden(&self, id: BlockId, module: PassModule) -> Option<Span> {
        for b in self.chain(id) {
            let block = self.block(b)?;
            if let Some(span) = block.rare().unknown_includes.first() {
                return Some(*span);
            }
            if block.rare().hide_headers.iter().any(|h| h.module == module) {
                return None;
            }
        }
        None
    }

    /// An `include` not followed at location `loc` or its server: it could answer preflights in
    /// the rewrite phase, or check access.
    pub fn unknown_phases(&self, loc: BlockId) -> Option<Span> {
        let server = self.server_of(loc).filter(|s| *s != loc);
        [Some(loc), server].into_iter().flatten().find_map(|b| self.block(b)?.rare().unknown_includes.first().copied())
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
        let hidden: Vec<Declared<'_, UpstreamHeader>> = nearest(|b| &b.rare().hide_headers);
        let passed: Vec<Declared<'_, UpstreamHeader>> = nearest(|b| &b.rare().pass_headers);
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
            if blk.rare().other_content.is_some() || blk.pass.is_some() {
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
        let index = self.flow().scopes().upstream(self.root(from), pass.host())?;
        self.upstreams.get(index)
    }

    /// The maps visible from `id` whose target is `var`.
    pub fn maps_for(&self, id: BlockId, var: &str) -> Vec<&Map> {
        self.flow().scopes().maps(self.root(id), var).iter().filter_map(|i| self.maps.get(*i)).collect()
    }

    /// Every context that sends CORS headers, with those headers.
    pub fn cors_contexts(&self) -> Vec<(Context, Vec<HeaderRef<'_>>)> {
        self.contexts()
            .iter()
            .copied()
            .filter_map(|ctx| {
                let headers: Vec<HeaderRef<'_>> =
                    self.effective_headers(ctx.block).into_iter().filter(HeaderRef::is_cors).collect();
                (!headers.is_empty()).then_some((ctx, headers))
            })
            .collect()
    }
}
