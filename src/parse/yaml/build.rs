//! Turning saphyr's marked nodes into the byte-ranged tree.

use super::*;
use saphyr::{Scalar, YamlData};

/// Character index (inside one chunk) to byte offset (in the file).
pub(super) struct CharMap<'t> {
    pub(super) text: &'t str,
    pub(super) base: usize,
    /// Byte offset of every 64th character, when the text is not ASCII.
    pub(super) checkpoints: Option<Vec<usize>>,
}

impl<'t> CharMap<'t> {
    pub(super) fn new(text: &'t str, base: usize) -> Self {
        let checkpoints =
            (!text.is_ascii()).then(|| text.char_indices().step_by(64).map(|(i, _)| i).collect::<Vec<_>>());
        CharMap { text, base, checkpoints }
    }

    pub(super) fn byte(&self, char_index: usize) -> usize {
        let local = match &self.checkpoints {
            None => char_index.min(self.text.len()),
            Some(points) => {
                let Some(&start) = points.get(char_index / 64) else { return self.base + self.text.len() };
                let rest = self.text.get(start..).unwrap_or("");
                start + rest.char_indices().nth(char_index % 64).map_or(rest.len(), |(i, _)| i)
            }
        };
        self.base + local
    }
}

pub(super) struct Builder<'s> {
    /// The original text (values are read from the tree saphyr built; ranges are checked here).
    pub(super) text: &'s str,
    pub(super) chars: &'s CharMap<'s>,
    pub(super) nodes: Vec<NodeData>,
    pub(super) aliases: &'s [(usize, String)],
    pub(super) anchors: &'s [(usize, String)],
    pub(super) next_anchor: usize,
    pub(super) doc_anchors: std::collections::HashMap<String, Vec<(usize, NodeId)>>,
}

impl Builder<'_> {
    pub(super) fn push(&mut self, range: TextRange, kind: NodeKind) -> NodeId {
        self.nodes.push(NodeData { range, kind });
        self.nodes.len() - 1
    }

    pub(super) fn build(&mut self, node: &MarkedYaml<'_>, depth: usize) -> NodeId {
        let start = self.chars.byte(node.span.start.index());
        let end = self.chars.byte(node.span.end.index()).max(start);
        // An anchor written before this node belongs to it (saphyr starts the node at its anchor).
        let mut anchor = None;
        while let Some((pos, name)) = self.anchors.get(self.next_anchor) {
            if *pos > start {
                break;
            }
            anchor = Some((name.clone(), *pos));
            self.next_anchor += 1;
        }
        let id = self.build_data(&node.data, TextRange::new(start, end), depth);
        if let Some((name, pos)) = anchor {
            self.doc_anchors.entry(name).or_default().push((pos, id));
        }
        id
    }

    pub(super) fn build_data<'y>(
        &mut self,
        data: &YamlData<'y, MarkedYaml<'y>>,
        range: TextRange,
        depth: usize,
    ) -> NodeId {
        if depth > MAX_DEPTH {
            return self.push(range, NodeKind::Invalid);
        }
        match data {
            YamlData::Sequence(items) => {
                let id = self.push(range, NodeKind::Sequence(Vec::new()));
                let children: Vec<NodeId> = items.iter().map(|item| self.build(item, depth + 1)).collect();
                if let Some(NodeData { kind: NodeKind::Sequence(slot), .. }) = self.nodes.get_mut(id) {
                    *slot = children;
                }
                id
            }
            YamlData::Mapping(entries) => {
                let id = self.push(range, NodeKind::Mapping(Vec::new()));
                let children: Vec<(NodeId, NodeId)> =
                    entries.iter().map(|(k, v)| (self.build(k, depth + 1), self.build(v, depth + 1))).collect();
                if let Some(NodeData { kind: NodeKind::Mapping(slot), .. }) = self.nodes.get_mut(id) {
                    *slot = children;
                }
                id
            }
            // The tag's own node carries no position: keep the outer one.
            YamlData::Tagged(_, inner) => self.build_data(&inner.data, range, depth + 1),
            YamlData::Value(value) => self.scalar(value, range),
            YamlData::Representation(value, _, _) => {
                let value = Scalar::String(value.clone());
                self.scalar(&value, range)
            }
            YamlData::Alias(_) | YamlData::BadValue => {
                let range = self.value_range(range);
                self.push(range, NodeKind::Invalid)
            }
        }
    }

    /// The range without a leading anchor or tag (`&a !!str value` → `value`) and trailing blanks.
    pub(super) fn value_range(&self, range: TextRange) -> TextRange {
        let bytes = self.text.as_bytes();
        let mut start = range.start;
        while start < range.end && matches!(bytes.get(start), Some(b'&' | b'!')) {
            while start < range.end && !matches!(bytes.get(start), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                start += 1;
            }
            while start < range.end && matches!(bytes.get(start), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                start += 1;
            }
        }
        let mut end = range.end.max(start);
        while end > start && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    pub(super) fn scalar(&mut self, value: &Scalar<'_>, range: TextRange) -> NodeId {
        let range = self.value_range(range);
        if let Ok(i) = self.aliases.binary_search_by_key(&range.start, |(p, _)| *p) {
            let name = self.aliases.get(i).map(|(_, n)| n.clone()).unwrap_or_default();
            return self.push(range, NodeKind::Alias(name));
        }
        let mut source = self.text.get(range.start..range.end).unwrap_or("");
        let quoted = source.starts_with(['"', '\'']);
        // saphyr lets a quoted scalar's span run on through a trailing comment: end it at its quote.
        let range = match quoted.then(|| closing_quote(source)).flatten() {
            Some(len) => {
                source = source.get(..len).unwrap_or(source);
                TextRange::new(range.start, range.start + len)
            }
            None => range,
        };
        let (value, kind) = match value {
            Scalar::String(s) => (s.to_string(), ScalarKind::String),
            Scalar::Null => (source.to_string(), ScalarKind::Null),
            Scalar::Boolean(b) => (source.to_string(), ScalarKind::Bool(*b)),
            Scalar::Integer(i) => (source.to_string(), ScalarKind::Int(*i)),
            Scalar::FloatingPoint(_) => (source.to_string(), ScalarKind::Float),
        };
        let inner = if quoted && source.len() >= 2 { TextRange::new(range.start + 1, range.end - 1) } else { range };
        let verbatim = (self.text.get(inner.start..inner.end) == Some(value.as_str())).then_some(inner);
        let verbatim_lines = if verbatim.is_none() && !quoted { self.block_lines(range, &value) } else { None };
        self.push(range, NodeKind::Scalar(ScalarData { value, kind, quoted, verbatim, verbatim_lines }))
    }

    /// Where each line of `value` starts, if the source lines in `range`, without their common
    /// indentation, are exactly the value's lines (a literal block scalar; folded ones are not).
    pub(super) fn block_lines(&self, range: TextRange, value: &str) -> Option<Vec<usize>> {
        let source = self.text.get(range.start..range.end)?;
        // A one-line block scalar (`key: |` then one line) ends in a line break its range leaves out.
        if !source.contains('\n') && !value.ends_with('\n') {
            return None;
        }
        // saphyr starts the range after the first line's indentation, which every line shares.
        let line_start = self.text.get(..range.start)?.rfind('\n').map_or(0, |i| i + 1);
        if !self.text.get(line_start..range.start)?.bytes().all(|b| b == b' ') {
            return None;
        }
        let indent = range.start - line_start;
        let mut starts = Vec::new();
        let mut rebuilt = String::with_capacity(value.len());
        let mut offset = range.start;
        for (i, line) in source.split('\n').enumerate() {
            let skip = if i == 0 { 0 } else { indent.min(line.len() - line.trim_start_matches(' ').len()) };
            let content =
                line.get(skip..).unwrap_or("").strip_suffix('\r').unwrap_or_else(|| line.get(skip..).unwrap_or(""));
            if i > 0 {
                rebuilt.push('\n');
            }
            starts.push(offset + skip);
            rebuilt.push_str(content);
            offset += line.len() + 1;
        }
        // Chomping only changes the trailing line breaks.
        (rebuilt.trim_end_matches('\n') == value.trim_end_matches('\n')).then_some(starts)
    }
}

/// The length of a quoted scalar that starts `source`, up to and including its closing quote.
pub(super) fn closing_quote(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let quote = *bytes.first()?;
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        if quote == b'"' && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}
