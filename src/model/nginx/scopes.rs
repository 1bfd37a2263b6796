//! What each configuration root defines by name: its `map`s by the variable they set and its
//! `upstream`s. A `map` or `upstream` is visible only inside the tree it is written in (the main
//! configuration with its includes inlined; a fragment no main configuration includes is its own
//! root), so a repository of many projects that reuse the same names must not look through all
//! of them on every variable of every header.

use super::*;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Scopes {
    /// Per root: map indices by the variable they define, in source order.
    maps: HashMap<BlockId, HashMap<String, Vec<usize>>>,
    /// Per root: the first upstream of each name.
    upstreams: HashMap<BlockId, HashMap<String, usize>>,
}

impl Scopes {
    pub(super) fn compute(model: &NginxModel) -> Scopes {
        let mut scopes = Scopes::default();
        for (i, map) in model.maps.iter().enumerate() {
            let by_var = scopes.maps.entry(model.root(map.scope)).or_default();
            by_var.entry(map.target.clone()).or_default().push(i);
        }
        for (i, upstream) in model.upstreams.iter().enumerate() {
            let by_name = scopes.upstreams.entry(model.root(upstream.scope)).or_default();
            by_name.entry(upstream.name.clone()).or_insert(i);
        }
        scopes
    }

    pub(super) fn maps(&self, root: BlockId, var: &str) -> &[usize] {
        self.maps.get(&root).and_then(|by_var| by_var.get(var)).map_or(&[], Vec::as_slice)
    }

    pub(super) fn upstream(&self, root: BlockId, name: &str) -> Option<usize> {
        self.upstreams.get(&root).and_then(|by_name| by_name.get(name)).copied()
    }
}
