//! headers-more (`more_set_headers`, `more_clear_headers`) as nginx runs it: every level's
//! commands, outer first and each level's in the order written, to every status unless `-s`
//! says otherwise, and an empty value clears. Its filter runs before `add_header`'s, on the
//! upstream's headers only, so nothing here touches an `add_header`.

use super::*;

/// One headers-more command, as [`NginxModel::more_commands`] lists them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MoreCommand<'a> {
    Set(Declared<'a, MoreSetHeaders>),
    Clear(Declared<'a, MoreClearHeaders>),
}

impl MoreCommand<'_> {
    /// The directive.
    pub fn span(&self) -> Span {
        match self {
            MoreCommand::Set(d) => d.item.span,
            MoreCommand::Clear(d) => d.item.span,
        }
    }

    fn statuses(&self) -> Option<&[u16]> {
        match self {
            MoreCommand::Set(d) => d.item.statuses.as_deref(),
            MoreCommand::Clear(d) => d.item.statuses.as_deref(),
        }
    }

    fn typed(&self) -> bool {
        match self {
            MoreCommand::Set(d) => d.item.types.is_some(),
            MoreCommand::Clear(d) => d.item.types.is_some(),
        }
    }

    /// Runs on a response with this status (`-s` lists the statuses; `-t` is not judged here).
    pub fn covers(&self, status: u16) -> bool {
        self.statuses().is_none_or(|s| s.contains(&status))
    }

    /// Applies to every response (no `-s`, no `-t`).
    pub fn unconditional(&self) -> bool {
        self.statuses().is_none() && !self.typed()
    }

    /// Whether it sets (any value, the empty one clears) or clears header `name`.
    pub fn touches(&self, name: &str) -> bool {
        match self {
            MoreCommand::Set(d) => d.item.headers.iter().any(|h| same_header(&h.name.value, name)),
            MoreCommand::Clear(d) => d.item.clears(name),
        }
    }

    /// Whether this command, run after `earlier`, removes or replaces the `name` value `earlier`
    /// sets on every response that value reaches. Only a command without `-t` and whose `-s`
    /// covers `earlier`'s statuses is certain to.
    fn supersedes(&self, earlier: &MoreSetHeaders, name: &str) -> bool {
        let statuses_cover = match (self.statuses(), earlier.statuses.as_deref()) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|s| mine.contains(s)),
        };
        statuses_cover && !self.typed() && self.touches(name)
    }
}

impl NginxModel {
    /// The headers-more commands in force at `id`, in the order they run: the outer level's
    /// first, each level's in the order written (a set and a clear from different files, through
    /// `include`, keep the sets first). They all run before `add_header`'s filter, on the
    /// upstream's headers only: nothing here touches an `add_header`.
    pub fn more_commands(&self, id: BlockId) -> Vec<MoreCommand<'_>> {
        let mut chain = self.chain(id);
        chain.reverse();
        let mut out = Vec::new();
        for (b, block) in chain.into_iter().filter_map(|b| self.block(b).map(|blk| (b, blk))) {
            let (mut sets, mut clears) =
                (block.rare().more_set_headers.iter().peekable(), block.rare().more_clear_headers.iter().peekable());
            loop {
                let clear_first = match (sets.peek(), clears.peek()) {
                    (Some(s), Some(c)) => c.span.file == s.span.file && c.span.start() < s.span.start(),
                    (None, Some(_)) => true,
                    (_, None) => false,
                };
                let next = if clear_first {
                    clears.next().map(|item| MoreCommand::Clear(Declared { block: b, item }))
                } else {
                    sets.next().map(|item| MoreCommand::Set(Declared { block: b, item }))
                };
                match next {
                    Some(command) => out.push(command),
                    None => break,
                }
            }
        }
        out
    }

    /// headers-more `more_clear_headers` in force at `id`: every level's, outer first.
    pub fn effective_more_clear(&self, id: BlockId) -> Vec<Declared<'_, MoreClearHeaders>> {
        self.more_commands(id)
            .into_iter()
            .filter_map(|c| match c {
                MoreCommand::Clear(d) => Some(d),
                MoreCommand::Set(_) => None,
            })
            .collect()
    }

    /// The first headers-more command at `id` that removes or replaces the `name` header the
    /// upstream sends, for every response: an unconditional `more_clear_headers` that matches it
    /// or `more_set_headers` that names it. Whatever follows, the upstream's value is gone.
    pub fn more_replaces_upstream(&self, id: BlockId, name: &str) -> Option<MoreCommand<'_>> {
        self.more_commands(id).into_iter().find(|c| c.unconditional() && c.touches(name))
    }

    /// The `more_set_headers` values a response produced at `id` carries: those no later
    /// headers-more command clears or replaces (an empty value adds nothing and is left out).
    pub(super) fn sent_more_set_headers(&self, id: BlockId) -> Vec<HeaderRef<'_>> {
        let commands = self.more_commands(id);
        let mut out = Vec::new();
        for (i, command) in commands.iter().enumerate() {
            let MoreCommand::Set(d) = command else { continue };
            let later = commands.get(i + 1..).unwrap_or_default();
            for h in d.item.headers.iter().filter(|h| !h.value.value.is_empty()) {
                if later.iter().any(|l| l.supersedes(d.item, &h.name.value)) {
                    continue;
                }
                out.push(HeaderRef {
                    name: &h.name,
                    value: &h.value,
                    always: d.item.statuses.is_none(),
                    statuses: d.item.statuses.as_deref(),
                    typed: d.item.types.is_some(),
                    source: HeaderSource::MoreSet,
                    block: d.block,
                    span: d.item.span,
                });
            }
        }
        out
    }
}
