//! YAML: saphyr's spanned nodes turned into a small tree whose every node carries a byte range.
//!
//! Three things saphyr does that a linter must not inherit, and how this module avoids them:
//!
//! - **Positions are character indexes.** Every marker is converted to a byte offset (identity for
//!   ASCII text, otherwise through checkpoints every 64 characters).
//! - **Aliases are expanded eagerly, by cloning.** saphyr bounds the number of cloned nodes, but
//!   counts a mapping key as one node and does not count string sizes, so an alias of a large
//!   scalar or of a mapping with collection keys still blows up. A cheap scan runs first
//!   ([`prescan`]): it finds anchors and aliases the way YAML's grammar places them (at the start
//!   of a node, outside quotes, comments and block scalars) and replaces each alias's `*` with a
//!   `~` of the same length, so saphyr sees a plain string and expands nothing. The tree then
//!   resolves aliases lazily, by reference, one hop at a time ([`Node`]), so an alias bomb costs
//!   what its text costs.
//! - **The parser recurses once per nesting level.** The same scan estimates the nesting depth and
//!   files nested deeper than [`MAX_DEPTH`] are reported instead of parsed.
//!
//! Documents are parsed one at a time (the text is cut at `---` lines, which YAML forbids inside
//! any node), so an error in the third document of a manifest still lets the first two be linted,
//! and a duplicated key (a saphyr error, and an error for kubectl and docker compose too) costs only
//! its document.

mod build;
mod embedded;
mod prescan;
#[cfg(test)]
mod tests;

use crate::parse::ParseError;
use crate::source::TextRange;
use build::{Builder, CharMap};
pub use embedded::{EmbeddedNginx, embedded_nginx, isolated};
use prescan::{chunks, prescan};
use saphyr::{LoadableYamlNode, MarkedYaml};

/// Nesting depth beyond which a file is not parsed (saphyr's parser, and this module's tree
/// building, recurse once per level). Real manifests stay below 30.
pub const MAX_DEPTH: usize = 512;

/// Hops followed when an alias points at an anchored node, and merge keys followed inside merges.
const MAX_ALIAS_HOPS: usize = 8;
const MAX_MERGE_DEPTH: usize = 8;
/// Entries a mapping with merge keys (`<<: *base`) may yield, whatever the merges add up to.
const MAX_MERGED_ENTRIES: usize = 2_000;

pub type NodeId = usize;

/// A parsed YAML file: its documents in order (documents that failed to parse are left out).
#[derive(Debug, Default)]
pub struct YamlFile {
    pub docs: Vec<Document>,
    /// For a template: the Helm values its placeholders read ([`crate::parse::template`]).
    pub template_values: Vec<crate::parse::template::ValueRef>,
    /// nginx configurations in its ConfigMaps.
    pub embedded_nginx: Vec<EmbeddedNginx>,
}

impl YamlFile {
    pub fn documents(&self) -> impl Iterator<Item = Node<'_>> {
        self.docs.iter().map(Document::root)
    }
}

/// How a scalar's value was typed by YAML's core schema (plain scalars only; quoted ones are strings).
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarKind {
    String,
    Bool(bool),
    Int(i64),
    Float,
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScalarData {
    /// The value as a string: the loaded string, or for a typed plain scalar its text (`600`, `true`).
    pub value: String,
    pub kind: ScalarKind,
    /// Written in single or double quotes.
    pub quoted: bool,
    /// Where the value's characters stand verbatim in the file (plain single-line scalars, quoted
    /// ones without escapes): a range inside it can be pointed at character by character.
    pub verbatim: Option<TextRange>,
    /// For a multi-line value whose lines stand verbatim after their indentation (a literal block
    /// scalar, `|`): the byte offset in the file where each line of the value starts.
    pub verbatim_lines: Option<Vec<usize>>,
}

impl ScalarData {
    /// The byte offset in the file of byte `offset` of the value, when the value is verbatim there.
    pub fn file_offset(&self, offset: usize) -> Option<usize> {
        if let Some(range) = self.verbatim {
            return (offset <= range.len()).then_some(range.start + offset);
        }
        let lines = self.verbatim_lines.as_ref()?;
        let before = self.value.get(..offset)?;
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Some(lines.get(line)? + (offset - line_start))
    }
}

#[derive(Debug)]
enum NodeKind {
    Scalar(ScalarData),
    Sequence(Vec<NodeId>),
    Mapping(Vec<(NodeId, NodeId)>),
    /// `*name`: resolved by [`Node`] when read.
    Alias(String),
    /// A value saphyr could not type (`!!int abc`).
    Invalid,
}

#[derive(Debug)]
struct NodeData {
    range: TextRange,
    kind: NodeKind,
}

/// One YAML document as a tree of nodes.
#[derive(Debug)]
pub struct Document {
    nodes: Vec<NodeData>,
    root: NodeId,
    /// For each anchor name, `(position of the anchor, node)` in document order.
    anchors: std::collections::HashMap<String, Vec<(usize, NodeId)>>,
    pub range: TextRange,
}

impl Document {
    pub fn root(&self) -> Node<'_> {
        Node::new(self, self.root)
    }

    fn data(&self, id: NodeId) -> Option<&NodeData> {
        self.nodes.get(id)
    }

    /// The node an alias at `id` stands for, if its anchor was completed before the alias.
    fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_ALIAS_HOPS {
            let Some(NodeData { range, kind: NodeKind::Alias(name) }) = self.data(id) else { return id };
            let defined = self.anchors.get(name).map_or(&[][..], Vec::as_slice);
            let before = defined.partition_point(|(pos, _)| *pos < range.start);
            let target = before
                .checked_sub(1)
                .and_then(|i| defined.get(i))
                .map(|(_, target)| *target)
                .filter(|t| self.data(*t).is_some_and(|d| d.range.end <= range.start));
            match target {
                Some(target) => id = target,
                None => return id,
            }
        }
        id
    }
}

/// A node of a [`Document`], with aliases already followed.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    doc: &'a Document,
    id: NodeId,
}

impl<'a> Node<'a> {
    fn new(doc: &'a Document, id: NodeId) -> Self {
        Node { doc, id: doc.resolve(id) }
    }

    fn kind(&self) -> Option<&'a NodeKind> {
        self.doc.data(self.id).map(|d| &d.kind)
    }

    /// Where the node is written (for a scalar: the value with its quotes, without anchor or tag).
    pub fn range(&self) -> TextRange {
        self.doc.data(self.id).map(|d| d.range).unwrap_or_default()
    }

    pub fn scalar(&self) -> Option<&'a ScalarData> {
        match self.kind()? {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a scalar, whatever its type (`600` for `max-age: 600`).
    pub fn as_str(&self) -> Option<&'a str> {
        self.scalar().map(|s| s.value.as_str())
    }

    /// `true`/`false` written plainly or quoted, in any case (Kubernetes annotations must be quoted
    /// strings; Traefik labels are strings too).
    pub fn as_bool(&self) -> Option<bool> {
        let s = self.scalar()?;
        match &s.kind {
            ScalarKind::Bool(b) => Some(*b),
            _ if s.value.trim().eq_ignore_ascii_case("true") => Some(true),
            _ if s.value.trim().eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn is_mapping(&self) -> bool {
        matches!(self.kind(), Some(NodeKind::Mapping(_)))
    }

    pub fn is_sequence(&self) -> bool {
        matches!(self.kind(), Some(NodeKind::Sequence(_)))
    }

    pub fn is_null(&self) -> bool {
        self.scalar().is_some_and(|s| s.kind == ScalarKind::Null)
    }

    /// An alias whose anchor is missing, or a value YAML could not type: never a known value.
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind(), Some(NodeKind::Alias(_) | NodeKind::Invalid) | None)
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = Node<'a>> + 'a {
        let doc = self.doc;
        let ids: &'a [NodeId] = match self.kind() {
            Some(NodeKind::Sequence(items)) => items,
            _ => &[],
        };
        ids.iter().map(move |&id| Node::new(doc, id))
    }

    /// The entries of a mapping in order, with merge keys (`<<: *base`) applied: an entry written
    /// in the mapping wins over a merged one, and earlier merges win over later ones.
    pub fn entries(&self) -> Vec<(Node<'a>, Node<'a>)> {
        let mut out = Vec::new();
        if !self.own_entries().iter().any(|&(k, _)| Node::new(self.doc, k).is_merge_key()) {
            out.extend(self.own_entries().iter().map(|&(k, v)| (Node::new(self.doc, k), Node::new(self.doc, v))));
            return out;
        }
        let mut seen = std::collections::HashSet::new();
        let mut budget = MAX_MERGED_ENTRIES;
        self.collect_entries(&mut out, &mut seen, &mut budget, 0);
        out
    }

    fn own_entries(&self) -> &'a [(NodeId, NodeId)] {
        match self.kind() {
            Some(NodeKind::Mapping(entries)) => entries,
            _ => &[],
        }
    }

    /// `budget` bounds the entries looked at, however the merges fan out.
    fn collect_entries(
        &self,
        out: &mut Vec<(Node<'a>, Node<'a>)>,
        seen: &mut std::collections::HashSet<&'a str>,
        budget: &mut usize,
        depth: usize,
    ) {
        let mut merges = Vec::new();
        for &(k, v) in self.own_entries() {
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            let key = Node::new(self.doc, k);
            let value = Node::new(self.doc, v);
            if key.is_merge_key() {
                merges.push(value);
            } else if key.as_str().is_none_or(|name| seen.insert(name)) {
                out.push((key, value));
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return;
        }
        for merge in merges {
            let sources: Vec<Node<'a>> = if merge.is_sequence() { merge.items().collect() } else { vec![merge] };
            for source in sources.into_iter().filter(Node::is_mapping) {
                source.collect_entries(out, seen, budget, depth + 1);
            }
        }
    }

    fn is_merge_key(&self) -> bool {
        self.scalar().is_some_and(|s| !s.quoted && s.value == "<<")
    }

    /// The key node and value of the entry `key` of a mapping (merge keys applied).
    pub fn entry(&self, key: &str) -> Option<(Node<'a>, Node<'a>)> {
        for &(k, v) in self.own_entries() {
            let k = Node::new(self.doc, k);
            if k.as_str() == Some(key) && !k.is_merge_key() {
                return Some((k, Node::new(self.doc, v)));
            }
        }
        if !self.own_entries().iter().any(|&(k, _)| Node::new(self.doc, k).is_merge_key()) {
            return None;
        }
        self.entries().into_iter().find(|(k, _)| k.as_str() == Some(key))
    }

    /// The value of the entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// `get` along a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<Node<'a>> {
        keys.iter().try_fold(*self, |node, key| node.get(key))
    }
}

/// Parses a YAML file into its documents; errors come back beside the documents that did parse.
/// The chunk as the YAML readers of the tools read it, when saphyr alone rejects it. libyaml and
/// go-yaml (PyYAML, docker compose, kubectl) accept a flow collection closed on a line of its own
/// at its key's indentation (`test: [` … `]` under a compose healthcheck); saphyr calls that
/// invalid indentation. Such a line, once saphyr has rejected it, is lifted onto the previous
/// line (same length, same line count) and the chunk read again, a bounded number of times.
fn lift_rejected_closers(chunk: &str, error: &saphyr::ScanError) -> Option<String> {
    const MAX_LIFTS: usize = 32;
    let mut bytes = chunk.as_bytes().to_vec();
    let mut error = error.clone();
    for _ in 0..MAX_LIFTS {
        if error.info() != "invalid indentation" || !lift_flow_closer(&mut bytes, error.marker().index()) {
            return None;
        }
        let lifted = std::str::from_utf8(&bytes).ok()?;
        match MarkedYaml::load_from_str(lifted) {
            Ok(_) => return Some(lifted.to_owned()),
            Err(e) => error = e,
        }
    }
    None
}

/// Moves a line holding only `]`/`}` closers (at character `at`) to the end of the previous line,
/// when that line has no comment that would swallow them: `"x"\n  ]` becomes `"x"]  \n`.
fn lift_flow_closer(bytes: &mut [u8], at: usize) -> bool {
    // Only ASCII comes before the error in the lines touched, so a character index is a byte
    // index there; anything else is left alone.
    let Some(prefix) = bytes.get(..at) else { return false };
    if !prefix.is_ascii() {
        return false;
    }
    let line_start = prefix.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line_end =
        bytes.get(at..).and_then(|rest| rest.iter().position(|b| *b == b'\n')).map_or(bytes.len(), |i| at + i);
    let Some(line) = bytes.get(line_start..line_end) else { return false };
    let closers = line.trim_ascii().to_vec();
    if line_start == 0 || closers.is_empty() || !closers.iter().all(|b| matches!(b, b']' | b'}' | b',')) {
        return false;
    }
    let previous_start =
        bytes.get(..line_start - 1).and_then(|p| p.iter().rposition(|b| *b == b'\n')).map_or(0, |i| i + 1);
    if bytes
        .get(previous_start..line_start)
        .is_none_or(|previous| previous.contains(&b'#') || previous.trim_ascii().is_empty())
    {
        return false;
    }
    // `\n␣␣]` → `]␣␣\n`: the closers join the previous line; the newline moves to this line's end.
    // With CRLF endings the previous line's `\r\n` moves whole, and this line keeps its own `\r`.
    let crlf = line_start >= 2 && bytes.get(line_start - 2) == Some(&b'\r');
    let break_start = if crlf { line_start - 2 } else { line_start - 1 };
    let Some(segment) = bytes.get_mut(break_start..line_end) else { return false };
    let line_break: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let trailing: &[u8] = if segment.last() == Some(&b'\r') { b"\r" } else { b"" };
    let Some(padding) = segment.len().checked_sub(closers.len() + line_break.len() + trailing.len()) else {
        return false;
    };
    let moved: Vec<u8> = closers
        .iter()
        .copied()
        .chain(std::iter::repeat_n(b' ', padding))
        .chain(line_break.iter().copied())
        .chain(trailing.iter().copied())
        .collect();
    segment.copy_from_slice(&moved);
    true
}

pub fn parse(text: &str) -> (YamlFile, Vec<ParseError>) {
    let scan = prescan(text);
    if scan.depth > MAX_DEPTH {
        let at = scan.deepest_at;
        let error = ParseError::new(
            format!("nested more than {MAX_DEPTH} levels deep; corslint does not analyse such YAML"),
            TextRange::new(at, at),
        );
        return (YamlFile::default(), vec![error]);
    }
    let neutralized;
    let text_to_parse = if scan.aliases.is_empty() {
        text
    } else {
        let mut bytes = text.as_bytes().to_vec();
        for (pos, _) in &scan.aliases {
            if let Some(b) = bytes.get_mut(*pos) {
                *b = b'~';
            }
        }
        // Only an ASCII `*` was replaced by an ASCII `~`: still UTF-8, and every offset is unchanged.
        neutralized = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        neutralized.as_str()
    };

    let mut file = YamlFile::default();
    let mut errors = Vec::new();
    for chunk in chunks(text_to_parse, &scan.doc_starts) {
        let Some(chunk_text) = text_to_parse.get(chunk.start..chunk.end) else { continue };
        let chars = CharMap::new(chunk_text, chunk.start);
        let lifted;
        let loaded = match MarkedYaml::load_from_str(chunk_text) {
            Err(e) => match lift_rejected_closers(chunk_text, &e) {
                Some(text) => {
                    lifted = text;
                    MarkedYaml::load_from_str(&lifted).map_err(|_| e)
                }
                None => Err(e),
            },
            loaded => loaded,
        };
        match loaded {
            Ok(docs) => {
                for doc in &docs {
                    let mut builder = Builder {
                        text,
                        chars: &chars,
                        nodes: Vec::new(),
                        aliases: &scan.aliases,
                        anchors: &scan.anchors,
                        next_anchor: scan.anchors.partition_point(|(p, _)| *p < chunk.start),
                        doc_anchors: std::collections::HashMap::new(),
                    };
                    let root = builder.build(doc, 0);
                    let range = builder.nodes.get(root).map(|n| n.range).unwrap_or_default();
                    file.docs.push(Document { nodes: builder.nodes, root, anchors: builder.doc_anchors, range });
                }
            }
            Err(e) => {
                let at = chars.byte(e.marker().index());
                errors.push(ParseError::new(e.info().to_string(), TextRange::new(at, at)));
            }
        }
    }
    (file, errors)
}
