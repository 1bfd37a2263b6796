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

use crate::parse::ParseError;
use crate::source::TextRange;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

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
        match MarkedYaml::load_from_str(chunk_text) {
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

/// Character index (inside one chunk) to byte offset (in the file).
struct CharMap<'t> {
    text: &'t str,
    base: usize,
    /// Byte offset of every 64th character, when the text is not ASCII.
    checkpoints: Option<Vec<usize>>,
}

impl<'t> CharMap<'t> {
    fn new(text: &'t str, base: usize) -> Self {
        let checkpoints =
            (!text.is_ascii()).then(|| text.char_indices().step_by(64).map(|(i, _)| i).collect::<Vec<_>>());
        CharMap { text, base, checkpoints }
    }

    fn byte(&self, char_index: usize) -> usize {
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

struct Builder<'s> {
    /// The original text (values are read from the tree saphyr built; ranges are checked here).
    text: &'s str,
    chars: &'s CharMap<'s>,
    nodes: Vec<NodeData>,
    aliases: &'s [(usize, String)],
    anchors: &'s [(usize, String)],
    next_anchor: usize,
    doc_anchors: std::collections::HashMap<String, Vec<(usize, NodeId)>>,
}

impl Builder<'_> {
    fn push(&mut self, range: TextRange, kind: NodeKind) -> NodeId {
        self.nodes.push(NodeData { range, kind });
        self.nodes.len() - 1
    }

    fn build(&mut self, node: &MarkedYaml<'_>, depth: usize) -> NodeId {
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

    fn build_data<'y>(&mut self, data: &YamlData<'y, MarkedYaml<'y>>, range: TextRange, depth: usize) -> NodeId {
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
    fn value_range(&self, range: TextRange) -> TextRange {
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

    fn scalar(&mut self, value: &Scalar<'_>, range: TextRange) -> NodeId {
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
    fn block_lines(&self, range: TextRange, value: &str) -> Option<Vec<usize>> {
        let source = self.text.get(range.start..range.end)?;
        if !source.contains('\n') {
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
fn closing_quote(source: &str) -> Option<usize> {
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

/// What the scan before parsing found.
#[derive(Debug, Default)]
struct Prescan {
    /// `(position of the '*', name)`, sorted by position.
    aliases: Vec<(usize, String)>,
    /// `(position of the '&', name)`, sorted by position.
    anchors: Vec<(usize, String)>,
    /// Start of each `---` line.
    doc_starts: Vec<usize>,
    /// An over-estimate of the deepest nesting, and where it was reached.
    depth: usize,
    deepest_at: usize,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// A single pass over the text that tracks just enough of YAML's grammar (quotes, comments, flow
/// brackets, block scalars, the start of a node) to find anchors, aliases and `---` lines, and to
/// bound the nesting depth. Anything it gets wrong only changes what it finds, never the parse:
/// an alias it misses is left to saphyr (whose own budget still applies).
fn prescan(text: &str) -> Prescan {
    let bytes = text.as_bytes();
    let mut out = Prescan::default();
    let mut quote: Option<u8> = None;
    let mut flow_depth = 0usize;
    // In flow context, whether the next token starts a node (after `[`, `{`, `,`, `:`).
    let mut flow_node_start = true;
    // Inside a block scalar: lines indented more than this belong to it.
    let mut block_scalar: Option<usize> = None;
    let mut block_depth = 0usize;
    let mut line_start = 0usize;
    while line_start < bytes.len() {
        let line_end = bytes
            .get(line_start..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
            .map_or(bytes.len(), |i| line_start + i);
        let line = bytes.get(line_start..line_end).unwrap_or(&[]);
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let blank = line.iter().all(|&b| is_blank(b));
        let next_line = line_end + 1;
        if let Some(threshold) = block_scalar {
            if blank || indent > threshold {
                line_start = next_line;
                continue;
            }
            block_scalar = None;
        }
        let mut i = indent;
        if quote.is_none() && (line.starts_with(b"---") || line.starts_with(b"...")) {
            let after = line.get(3).copied();
            if after.is_none() || after.is_some_and(is_blank) {
                if line.starts_with(b"---") {
                    out.doc_starts.push(line_start);
                }
                flow_depth = 0;
                i = 3;
            }
        }
        let in_flow_at_start = flow_depth > 0 || quote.is_some();
        let mut node_start = if flow_depth > 0 { flow_node_start } else { quote.is_none() };
        // Column of the node whose block scalar may start on this line (`key` of `key: |`, `-` of `- |`).
        let mut owner_col = indent;
        let mut indicators = 0usize;
        let mut line_max_flow = flow_depth;
        let mut after_quote = false;
        while let Some(&c) = line.get(i) {
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && line.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    node_start = false;
                    after_quote = true;
                    i += 1;
                    continue;
                }
                i += 1;
                continue;
            }
            let next = line.get(i + 1).copied();
            let next_ends = next.is_none_or(|n| is_blank(n) || (flow_depth > 0 && is_flow_indicator(n)));
            let follows_quote = std::mem::take(&mut after_quote);
            match c {
                b' ' | b'\t' | b'\r' => {}
                b'#' if i == 0 || line.get(i - 1).is_some_and(|&p| is_blank(p)) => break,
                b'\'' | b'"' if node_start => {
                    quote = Some(c);
                    node_start = false;
                    owner_col = i;
                }
                b'[' | b'{' if node_start || flow_depth > 0 => {
                    flow_depth += 1;
                    line_max_flow = line_max_flow.max(flow_depth);
                    node_start = true;
                }
                b']' | b'}' if flow_depth > 0 => {
                    flow_depth -= 1;
                    node_start = false;
                }
                b',' if flow_depth > 0 => node_start = true,
                b'&' | b'*' | b'!' if node_start => {
                    let name_start = i + 1;
                    let mut j = name_start;
                    while line.get(j).is_some_and(|&b| !is_blank(b) && !is_flow_indicator(b)) {
                        j += 1;
                    }
                    let name = String::from_utf8_lossy(line.get(name_start..j).unwrap_or(&[])).into_owned();
                    if !name.is_empty() {
                        match c {
                            b'&' => out.anchors.push((line_start + i, name)),
                            b'*' => {
                                out.aliases.push((line_start + i, name));
                                node_start = false;
                            }
                            _ => {}
                        }
                    }
                    i = j;
                    continue;
                }
                b'-' | b'?' if node_start && next_ends => {
                    indicators += 1;
                    owner_col = i;
                }
                // `"key":value` is a mapping entry in flow context, JSON style.
                b':' if next_ends || (flow_depth > 0 && follows_quote) => {
                    indicators += 1;
                    node_start = true;
                }
                b'|' | b'>' if node_start && flow_depth == 0 => {
                    let mut j = i + 1;
                    while line.get(j).is_some_and(|b| matches!(b, b'0'..=b'9' | b'+' | b'-')) {
                        j += 1;
                    }
                    let rest = line.get(j..).unwrap_or(&[]);
                    let rest =
                        rest.iter().position(|&b| !is_blank(b)).map_or(&[][..], |k| rest.get(k..).unwrap_or(&[]));
                    if rest.is_empty() || rest.starts_with(b"#") {
                        block_scalar = Some(owner_col);
                        break;
                    }
                    node_start = false;
                }
                _ => {
                    if node_start {
                        owner_col = i;
                    }
                    node_start = false;
                }
            }
            i += 1;
        }
        if flow_depth > 0 {
            flow_node_start = node_start;
        }
        // A node at column c has at most 2(c + 1) block ancestors (a sequence may sit at its parent
        // key's column, nothing else can); each indicator on the line may open one more.
        let depth = if in_flow_at_start {
            block_depth + line_max_flow + 2 * indicators
        } else if blank {
            block_depth
        } else {
            block_depth = 2 * (indent + 1) + 2 * indicators;
            block_depth + line_max_flow
        };
        if depth > out.depth {
            out.depth = depth;
            out.deepest_at = line_start + indent;
        }
        line_start = next_line;
    }
    out
}

/// Byte ranges of the chunks to parse one at a time: cut at each `---` line, except that a first
/// chunk holding only comments and directives stays with the document it introduces.
fn chunks(text: &str, doc_starts: &[usize]) -> Vec<TextRange> {
    let mut cuts: Vec<usize> = doc_starts.iter().copied().filter(|&s| s > 0).collect();
    if let Some(&first) = cuts.first() {
        let head = text.get(..first).unwrap_or("");
        let only_preamble =
            head.lines().map(str::trim).all(|l| l.is_empty() || l.starts_with('#') || l.starts_with('%'));
        if only_preamble {
            cuts.remove(0);
        }
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        out.push(TextRange::new(start, cut));
        start = cut;
    }
    out.push(TextRange::new(start, text.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> YamlFile {
        let (file, errors) = parse(text);
        assert!(errors.is_empty(), "unexpected errors: {errors:?}");
        file
    }

    fn slice(text: &str, r: TextRange) -> &str {
        &text[r.start..r.end]
    }

    #[test]
    fn scalars_carry_byte_ranges_of_their_value() {
        let text = "é: 1\nkey: \"quoted value\"  # c\nplain: some text  # comment\nanchored: &a !!str tagged\nl:\n  - 'it''s'  # c\n";
        let file = parse_ok(text);
        let root = file.docs[0].root();
        let (k, v) = root.entry("key").unwrap();
        assert_eq!(slice(text, k.range()), "key");
        assert_eq!(slice(text, v.range()), "\"quoted value\"");
        assert_eq!(slice(text, v.scalar().unwrap().verbatim.unwrap()), "quoted value");
        let plain = root.get("plain").unwrap();
        assert_eq!(slice(text, plain.range()), "some text");
        assert_eq!(slice(text, root.get("anchored").unwrap().range()), "tagged");
        assert_eq!(root.get("é").unwrap().as_str(), Some("1"));
        assert_eq!(root.get("é").unwrap().scalar().unwrap().kind, ScalarKind::Int(1));
        let item = root.get("l").unwrap().items().next().unwrap();
        assert_eq!(slice(text, item.range()), "'it''s'");
    }

    #[test]
    fn escaped_and_multiline_values_are_not_verbatim() {
        let text = "a: \"x\\ty\"\nb: 'it''s'\nc: one\n  two\n";
        let file = parse_ok(text);
        let root = file.docs[0].root();
        for key in ["a", "b", "c"] {
            assert_eq!(root.get(key).unwrap().scalar().unwrap().verbatim, None, "{key}");
        }
        assert_eq!(root.get("b").unwrap().as_str(), Some("it's"));
    }

    #[test]
    fn multi_document_positions_and_errors_per_document() {
        let text = "a: 1\n---\nb: [\n---\nc: ok\n";
        let (file, errors) = parse(text);
        assert_eq!(file.docs.len(), 2);
        assert_eq!(errors.len(), 1);
        let c = file.docs[1].root().get("c").unwrap();
        assert_eq!(slice(text, c.range()), "ok");
        // The error is reported in the second document, not at the start of the file.
        assert!(errors[0].range.start >= 9, "{errors:?}");
    }

    #[test]
    fn literal_block_lines_map_back_to_the_file() {
        let text = "snippet: |\n  more_set_headers \"Vary: Origin\";\n\n  add_header X-A b;\nfolded: >\n  a\n  b\n";
        let file = parse_ok(text);
        let root = file.docs[0].root();
        let snippet = root.get("snippet").unwrap().scalar().unwrap();
        let at = snippet.value.find("add_header").unwrap();
        let offset = snippet.file_offset(at).unwrap();
        assert_eq!(&text[offset..offset + 10], "add_header");
        let vary = snippet.value.find("Vary").unwrap();
        assert_eq!(&text[snippet.file_offset(vary).unwrap()..][..4], "Vary");
        assert_eq!(root.get("folded").unwrap().scalar().unwrap().verbatim_lines, None);
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: &x \"v\"\r\nb: *x\r\n---\r\nc: 'w'  # c\r\n";
        let file = parse_ok(text);
        let b = file.docs[0].root().get("b").unwrap();
        assert_eq!(b.as_str(), Some("v"));
        assert_eq!(slice(text, file.docs[1].root().get("c").unwrap().range()), "'w'");
    }

    #[test]
    fn directives_stay_with_their_document() {
        let file = parse_ok("%YAML 1.2\n---\na: 1\n");
        assert_eq!(file.docs.len(), 1);
    }

    #[test]
    fn aliases_resolve_by_reference_and_merge_keys_apply() {
        let text =
            "x-env: &env\n  A: \"1\"\n  B: two\nsvc:\n  environment:\n    <<: *env\n    B: three\n  list: [*env]\n";
        let file = parse_ok(text);
        let root = file.docs[0].root();
        let env = root.path(&["svc", "environment"]).unwrap();
        let entries: Vec<(&str, &str)> =
            env.entries().iter().map(|(k, v)| (k.as_str().unwrap(), v.as_str().unwrap())).collect();
        assert_eq!(entries, vec![("B", "three"), ("A", "1")]);
        let aliased = root.path(&["svc", "list"]).unwrap().items().next().unwrap();
        assert_eq!(aliased.get("B").unwrap().as_str(), Some("two"));
        assert_eq!(slice(text, aliased.get("A").unwrap().range()), "\"1\"");
    }

    #[test]
    fn unknown_alias_is_unknown() {
        let file = parse_ok("a: *nowhere\n");
        assert!(file.docs[0].root().get("a").unwrap().is_unknown());
    }

    #[test]
    fn alias_bomb_finishes_fast() {
        let mut text =
            String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for i in 1..30 {
            let refs = vec![format!("*a{}", i - 1); 9].join(",");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        // Collection keys made saphyr's own budget count a whole subtree as one node.
        text.push_str("k0: &k0 {[*a29, 1]: 1, [*a29, 2]: 2}\n");
        for i in 1..20 {
            text.push_str(&format!("k{i}: &k{i} {{[*k{}, 1]: 1, [*k{}, 2]: 2}}\n", i - 1, i - 1));
        }
        text.push_str(&format!("big: &big \"{}\"\nrefs: [{}]\n", "x".repeat(100_000), vec!["*big"; 10_000].join(",")));
        let started = std::time::Instant::now();
        let (file, errors) = parse(&text);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
        let root = file.docs[0].root();
        let last = root.get("a29").unwrap().items().next().unwrap().items().next().unwrap();
        assert!(last.is_sequence());
        assert_eq!(root.get("refs").unwrap().items().nth(9_999).unwrap().as_str().map(str::len), Some(100_000));
    }

    #[test]
    fn anchor_chain_of_ten_levels() {
        let mut text = String::from("l0: &l0 {cors: yes}\n");
        for i in 1..10 {
            text.push_str(&format!("l{i}: &l{i} {{inner: *l{}}}\n", i - 1));
        }
        let started = std::time::Instant::now();
        let file = parse_ok(&text);
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
        let mut node = file.docs[0].root().get("l9").unwrap();
        for _ in 0..9 {
            node = node.get("inner").unwrap();
        }
        assert_eq!(node.get("cors").unwrap().as_str(), Some("yes"));
    }

    #[test]
    fn self_referencing_alias_does_not_loop() {
        let (file, _) = parse("a: &a [*a]\n");
        if let Some(doc) = file.docs.first() {
            let inner = doc.root().get("a").unwrap().items().next().unwrap();
            assert!(inner.is_unknown());
        }
    }

    #[test]
    fn aliases_inside_quotes_comments_and_block_scalars_are_text() {
        let text = "a: \"*x\"\nb: |\n  - *x\n  &y\nc: x *y # *z\nd: [\"a\", *x]\ne: &x 1\n";
        let scan = prescan(text);
        assert_eq!(scan.aliases.len(), 1, "{:?}", scan.aliases);
        assert_eq!(&text[scan.aliases[0].0..scan.aliases[0].0 + 2], "*x");
        assert_eq!(scan.anchors.len(), 1);
        let (file, _) = parse(text);
        let root = file.docs[0].root();
        assert_eq!(root.get("a").unwrap().as_str(), Some("*x"));
        assert_eq!(root.get("b").unwrap().as_str(), Some("- *x\n&y\n"));
        assert_eq!(root.get("c").unwrap().as_str(), Some("x *y"));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("{}x\n", "- ".repeat(20_000));
        let (file, errors) = parse(&text);
        assert!(file.docs.is_empty());
        assert_eq!(errors.len(), 1);
        let flow = format!("{}{}\n", "[".repeat(5000), "]".repeat(5000));
        let (_, errors) = parse(&flow);
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn allowed_depth_fits_a_worker_stack() {
        // Rayon workers have 2 MiB stacks: the deepest YAML the scan lets through must parse there.
        // The worst case the estimate lets through: compact block sequences, then flow collections
        // as deep as saphyr allows.
        let text = format!("{}{}{}\n", "- ".repeat(125), "[".repeat(250), "]".repeat(250));
        assert!(prescan(&text).depth <= MAX_DEPTH, "{}", prescan(&text).depth);
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let (file, errors) = parse(&text);
                (file.docs.len(), errors.len())
            })
            .unwrap();
        let (docs, errors) = handle.join().unwrap();
        assert_eq!((docs, errors), (1, 0));
        let flow = format!("a:\n  b: {}{}\n", "[".repeat(250), "]".repeat(250));
        let handle = std::thread::Builder::new().stack_size(2 << 20).spawn(move || parse(&flow).1.len()).unwrap();
        assert_eq!(handle.join().unwrap(), 0);
    }

    #[test]
    fn non_ascii_positions_convert_to_bytes() {
        let text = "# ünïcödé ✓\nname: \"日本語\"\nnext: value\n";
        let file = parse_ok(text);
        let root = file.docs[0].root();
        assert_eq!(slice(text, root.get("name").unwrap().range()), "\"日本語\"");
        assert_eq!(slice(text, root.get("next").unwrap().range()), "value");
    }

    #[test]
    fn duplicate_key_is_an_error_of_that_document_only() {
        let (file, errors) = parse("a: 1\n---\nb: 1\nb: 2\n---\nc: 3\n");
        assert_eq!(file.docs.len(), 2);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("duplicated key"), "{errors:?}");
    }

    #[test]
    fn many_anchors_and_merges_stay_fast() {
        let mut text = String::from("base0: &b0 {k0: v}\n");
        for i in 1..5_000 {
            text.push_str(&format!("base{i}: &b{i} {{<<: [*b{}, *b{}], k{i}: v}}\n", i - 1, i / 2));
        }
        let started = std::time::Instant::now();
        let file = parse_ok(&text);
        let root = file.docs[0].root();
        let last = root.get("base4999").unwrap();
        assert!(last.get("k0").is_some() || last.entries().len() > 1);
        for i in (0..5_000).step_by(17) {
            assert!(root.get(&format!("base{i}")).unwrap().entries().len() <= MAX_MERGED_ENTRIES + 1);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    }

    proptest::proptest! {
        #[test]
        fn yaml_ish_text_never_panics(text in "[-:&*!|>?#\\[\\]{},'\" \n\ta-c0-9<]{0,200}") {
            let (file, _) = parse(&text);
            for doc in file.documents() {
                let _ = doc.entries();
                for item in doc.items() {
                    let _ = item.entries();
                    let _ = item.as_str();
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for text in ["", "---", "- [", "a: \"", "? ", "&", "*", "a: &", "{]", "\t- x", "'", "|\n", "---\n---\n...\n"] {
            let _ = parse(text);
        }
    }
}
