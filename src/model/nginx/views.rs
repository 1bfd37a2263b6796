//! What several rules ask of every response context, worked out once per model: the contexts,
//! the headers each one sends, and what its `Access-Control-Allow-Origin` resolves to. Before,
//! each rule walked the block chains and followed maps and `if`s again for every context, five
//! times over on a monorepo of nginx services.
//!
//! Headers are kept as positions in the blocks (the model owns the directives), and of an origin
//! resolution only the facts the rules read, not its origins: the policies built from them hold
//! those already, and a copy per context would double the largest part of the heap.

use super::policy::{NeverOrigin, OriginResolution, RejectedOrigin};
use super::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// Where one header a context sends is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum HeaderSlot {
    /// `blocks[block].add_headers[index]`.
    Add { block: u32, index: u32 },
    /// `blocks[block].rare().more_set_headers[directive].headers[header]`.
    More { block: u32, directive: u32, header: u32 },
}

/// What [`NginxModel::resolve_origin`] finds besides the origins themselves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OriginFacts {
    pub request_dependent: bool,
    pub rejected: Vec<RejectedOrigin>,
    pub never_origin: Option<(Arg, NeverOrigin)>,
    pub from_referer: bool,
    /// Some origin it admits is the request's own, echoed.
    pub reflects: bool,
}

impl From<OriginResolution> for OriginFacts {
    fn from(r: OriginResolution) -> Self {
        OriginFacts {
            request_dependent: r.request_dependent,
            rejected: r.rejected,
            never_origin: r.never_origin,
            from_referer: r.from_referer,
            reflects: r.origins.entries.iter().any(|e| e.kind == crate::model::OriginKind::Reflect),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Views {
    /// [`NginxModel::contexts`], in block order.
    contexts: Vec<Context>,
    /// The headers of `contexts[i]` are `slots[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    slots: Vec<HeaderSlot>,
    /// By context block and the span of an `Access-Control-Allow-Origin` value it sends.
    origins: HashMap<(BlockId, Span), OriginFacts>,
}

impl Views {
    pub(super) fn compute(model: &NginxModel) -> Views {
        let contexts = model.compute_contexts();
        let mut views = Views { starts: Vec::with_capacity(contexts.len() + 1), ..Views::default() };
        for ctx in &contexts {
            views.starts.push(views.slots.len() as u32);
            let headers = model.compute_effective_headers(ctx.block);
            views.slots.extend(headers.iter().filter_map(|h| model.slot_of(h)));
            for h in headers.iter().filter(|h| h.is(syntax::header::ALLOW_ORIGIN)) {
                let facts = model.resolve_origin(ctx.block, h.value).into();
                views.origins.insert((ctx.block, h.value.span), facts);
            }
        }
        views.starts.push(views.slots.len() as u32);
        views.contexts = contexts;
        views.slots.shrink_to_fit();
        views.origins.shrink_to_fit();
        views
    }

    pub(super) fn contexts(&self) -> &[Context] {
        &self.contexts
    }

    fn slots_of(&self, id: BlockId) -> Option<&[HeaderSlot]> {
        let i = self.contexts.binary_search_by_key(&id, |c| c.block).ok()?;
        let (start, end) = (*self.starts.get(i)? as usize, *self.starts.get(i + 1)? as usize);
        self.slots.get(start..end)
    }
}

impl NginxModel {
    pub(super) fn views(&self) -> &Views {
        self.views.get_or_init(|| Views::compute(self))
    }

    /// The headers a response produced at `id` carries ([`NginxModel::effective_headers`]),
    /// from the views when `id` is a context.
    pub(super) fn cached_effective_headers(&self, id: BlockId) -> Option<Vec<HeaderRef<'_>>> {
        let slots = self.views.get()?.slots_of(id)?;
        slots.iter().map(|s| self.header_at(*s)).collect()
    }

    /// What the `Access-Control-Allow-Origin` value `value` sent in context `ctx` resolves to,
    /// besides its origins (computed once per context and value).
    pub fn origin_facts(&self, ctx: BlockId, value: &Arg) -> Cow<'_, OriginFacts> {
        match self.views().origins.get(&(ctx, value.span)) {
            Some(facts) => Cow::Borrowed(facts),
            None => Cow::Owned(self.resolve_origin(ctx, value).into()),
        }
    }

    fn slot_of(&self, h: &HeaderRef<'_>) -> Option<HeaderSlot> {
        let block = self.block(h.block)?;
        let b = u32::try_from(h.block).ok()?;
        match h.source {
            HeaderSource::AddHeader => {
                let index = block.add_headers.iter().position(|a| std::ptr::eq(&a.name, h.name))?;
                Some(HeaderSlot::Add { block: b, index: u32::try_from(index).ok()? })
            }
            HeaderSource::MoreSet => {
                let more = &block.rare().more_set_headers;
                more.iter().enumerate().find_map(|(d, directive)| {
                    let header = directive.headers.iter().position(|m| std::ptr::eq(&m.name, h.name))?;
                    Some(HeaderSlot::More {
                        block: b,
                        directive: u32::try_from(d).ok()?,
                        header: u32::try_from(header).ok()?,
                    })
                })
            }
        }
    }

    fn header_at(&self, slot: HeaderSlot) -> Option<HeaderRef<'_>> {
        match slot {
            HeaderSlot::Add { block, index } => {
                let item = self.block(block as usize)?.add_headers.get(index as usize)?;
                Some(HeaderRef {
                    name: &item.name,
                    value: &item.value,
                    always: item.always,
                    statuses: None,
                    typed: false,
                    source: HeaderSource::AddHeader,
                    block: block as usize,
                    span: item.span,
                })
            }
            HeaderSlot::More { block, directive, header } => {
                let d = self.block(block as usize)?.rare().more_set_headers.get(directive as usize)?;
                let h = d.headers.get(header as usize)?;
                Some(HeaderRef {
                    name: &h.name,
                    value: &h.value,
                    always: d.statuses.is_none(),
                    statuses: d.statuses.as_deref(),
                    typed: d.types.is_some(),
                    source: HeaderSource::MoreSet,
                    block: block as usize,
                    span: d.span,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::nginx::testing::project;

    /// The views answer what the block chains do: inherited `add_header`s, headers-more values a
    /// later command replaces, `if`s with their own headers.
    #[test]
    fn the_views_agree_with_the_block_chains() {
        let project = project(
            r#"
            map $http_origin $cors { default ""; "~^https://a\.example\.com$" $http_origin; }
            server {
                add_header Access-Control-Allow-Origin *;
                more_set_headers "Access-Control-Allow-Origin: https://x.example.com" "X-Frame-Options: DENY";
                location /inherits/ { proxy_pass http://app; }
                location /own/ {
                    more_set_headers "Access-Control-Allow-Origin: $cors";
                    add_header Vary Origin;
                    if ($request_method = OPTIONS) { add_header Access-Control-Max-Age 600; return 204; }
                }
            }"#,
        );
        let model = &project.nginx;
        assert!(model.contexts().len() >= 3, "{:?}", model.contexts());
        for ctx in model.contexts() {
            let cached = model.cached_effective_headers(ctx.block).expect("every context is in the views");
            assert_eq!(cached, model.compute_effective_headers(ctx.block), "context {}", ctx.block);
            for h in cached.iter().filter(|h| h.is("access-control-allow-origin")) {
                let fresh: super::OriginFacts = model.resolve_origin(ctx.block, h.value).into();
                assert_eq!(*model.origin_facts(ctx.block, h.value), fresh);
            }
        }
    }
}
