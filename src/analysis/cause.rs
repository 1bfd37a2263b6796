//! Locating what in a pattern lets an attack origin in, by changing the pattern and testing the
//! attack again: adding the missing `$`/`^` (cause: the empty range where it goes), escaping one
//! unescaped `.`, removing one wildcard repetition (first keeping an intended origin accepted,
//! then not). Ranges are in the regex text; `Translated::to_original` maps them back. Patterns
//! that only `fancy-regex` parses get anchor changes only.

use regex_syntax::ast::{self, Ast};

use crate::analysis::matcher::{Anchors, OriginMatcher};
use crate::analysis::origin::SerializedOrigin;
use crate::source::TextRange;

/// At most this many changed patterns are compiled per analysis.
const MAX_VARIANTS: usize = 64;

/// What, in the pattern, lets an attack in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    MissingStart,
    MissingEnd,
    Dot(TextRange),
    Wildcard(TextRange),
}

/// Which change to try first: the one the probe was built to expose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefer {
    /// Dot swaps: escaping a `.` before the anchors.
    Dots,
    /// Suffix probes: `^` first.
    StartAnchor,
    /// Everything else: `$`, then `^`, then dots.
    EndAnchor,
}

/// Unescaped dots and wildcard repetitions of the regex, in pattern order.
#[derive(Default)]
pub(crate) struct AstNodes {
    dots: Vec<TextRange>,
    wildcards: Vec<TextRange>,
}

impl AstNodes {
    pub fn of(regex: &str) -> Self {
        let mut nodes = AstNodes::default();
        if let Ok(ast) = ast::parse::ParserBuilder::new().nest_limit(128).build().parse(regex) {
            nodes.walk(&ast, 0);
        }
        nodes
    }

    fn walk(&mut self, ast: &Ast, depth: usize) {
        let range = |s: &ast::Span| TextRange::new(s.start.offset, s.end.offset);
        if depth > 128 {
            return;
        }
        match ast {
            Ast::Dot(span) => self.dots.push(range(span)),
            Ast::Repetition(rep) => {
                if has_class(&rep.ast, depth) {
                    self.wildcards.push(range(&rep.span));
                }
                if !matches!(*rep.ast, Ast::Dot(_)) {
                    self.walk(&rep.ast, depth + 1);
                }
            }
            Ast::Group(group) => self.walk(&group.ast, depth + 1),
            Ast::Alternation(alt) => alt.asts.iter().for_each(|a| self.walk(a, depth + 1)),
            Ast::Concat(concat) => concat.asts.iter().for_each(|a| self.walk(a, depth + 1)),
            _ => {}
        }
    }
}

/// Whether a repeated sub-pattern contains a character class (a wildcard, not `s?` or `(www\.)?`).
fn has_class(ast: &Ast, depth: usize) -> bool {
    if depth > 128 {
        return false;
    }
    match ast {
        Ast::Dot(_) | Ast::ClassUnicode(_) | Ast::ClassPerl(_) | Ast::ClassBracketed(_) => true,
        Ast::Repetition(rep) => has_class(&rep.ast, depth + 1),
        Ast::Group(group) => has_class(&group.ast, depth + 1),
        Ast::Alternation(alt) => alt.asts.iter().any(|a| has_class(a, depth + 1)),
        Ast::Concat(concat) => concat.asts.iter().any(|a| has_class(a, depth + 1)),
        _ => false,
    }
}

/// Finds the smallest change to the pattern that rejects an attack.
pub(crate) struct Localizer<'a> {
    matcher: &'a OriginMatcher,
    nodes: &'a AstNodes,
    intended: &'a [SerializedOrigin],
    budget: usize,
}

impl<'a> Localizer<'a> {
    pub fn new(matcher: &'a OriginMatcher, nodes: &'a AstNodes, intended: &'a [SerializedOrigin]) -> Self {
        Localizer { matcher, nodes, intended, budget: MAX_VARIANTS }
    }

    pub fn locate(&mut self, attack: &str, prefer: Prefer) -> Option<Cause> {
        let anchors = self.matcher.anchors;
        let regex = self.matcher.translated.regex.clone();
        // Anchors are judged without keeping the intended origins: `^` in front of a scheme-less
        // search pattern rejects them too, yet it is the missing piece.
        let mut changes: Vec<(Cause, String, Anchors, bool)> = Vec::new();
        if !anchors.end {
            changes.push((Cause::MissingEnd, regex.clone(), Anchors { end: true, ..anchors }, false));
        }
        if !anchors.start {
            changes.push((Cause::MissingStart, regex.clone(), Anchors { start: true, ..anchors }, false));
        }
        let dots = self.nodes.dots.iter().map(|&r| (Cause::Dot(r), splice(&regex, r, r"\."), anchors, true));
        let dots: Vec<_> = dots.collect();
        changes = if prefer == Prefer::Dots { [dots, changes].concat() } else { [changes, dots].concat() };
        if prefer == Prefer::StartAnchor {
            changes.sort_by_key(|(c, ..)| *c != Cause::MissingStart);
        }
        for (cause, regex, anchors, keep) in changes {
            if self.rejects(attack, &regex, anchors, keep) {
                return Some(cause);
            }
        }
        // A wildcard is judged with both ends anchored: in `^https://app\.example\.com.*` under
        // search semantics the `.*` is what to remove, even though `$` is missing too.
        let anchored = Anchors { start: true, end: true, ..anchors };
        let wildcards: Vec<_> = self.nodes.wildcards.iter().map(|&r| (r, splice(&regex, r, ""))).collect();
        for keep_intended in [true, false] {
            for (range, changed) in &wildcards {
                if self.rejects(attack, changed, anchored, keep_intended) {
                    return Some(Cause::Wildcard(*range));
                }
            }
        }
        None
    }

    /// The changed pattern rejects `attack` (and, if asked, still accepts an intended origin).
    fn rejects(&mut self, attack: &str, regex: &str, anchors: Anchors, keep_intended: bool) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let Some(variant) = OriginMatcher::variant(regex, anchors) else {
            return false;
        };
        !variant.is_match(attack)
            && (!keep_intended
                || self.intended.is_empty()
                || self.intended.iter().any(|o| variant.is_match(&o.to_string())))
    }
}

fn splice(text: &str, range: TextRange, with: &str) -> String {
    let head = text.get(..range.start).unwrap_or("");
    let tail = text.get(range.end..).unwrap_or("");
    format!("{head}{with}{tail}")
}
