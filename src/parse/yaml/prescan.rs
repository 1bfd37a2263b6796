//! The cheap scan before saphyr: anchors and aliases defused, nesting depth estimated, documents cut.

use super::*;

/// What the scan before parsing found.
#[derive(Debug, Default)]

pub(super) struct Prescan {
    /// `(position of the '*', name)`, sorted by position.
    pub(super) aliases: Vec<(usize, String)>,
    /// `(position of the '&', name)`, sorted by position.
    pub(super) anchors: Vec<(usize, String)>,
    /// Start of each `---` line.
    pub(super) doc_starts: Vec<usize>,
    /// An over-estimate of the deepest nesting, and where it was reached.
    pub(super) depth: usize,
    pub(super) deepest_at: usize,
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
pub(super) fn prescan(text: &str) -> Prescan {
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
pub(super) fn chunks(text: &str, doc_starts: &[usize]) -> Vec<TextRange> {
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
