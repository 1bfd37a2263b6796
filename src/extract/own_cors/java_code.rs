//! Java and Kotlin source read without a parser: comments and string contents blanked so that
//! calls, chains, blocks and annotation arguments are found by bytes, and literal values read back
//! at the same offsets (what `spring` needs to judge a policy from its literals).

use std::ops::Range;

/// One call of a chain or on a receiver: the method's name and where its arguments are.
pub(super) struct Call {
    pub(super) name: Range<usize>,
    pub(super) args: Range<usize>,
}

impl Call {
    /// From the method's name to the closing parenthesis.
    pub(super) fn whole(&self) -> Range<usize> {
        self.name.start..self.args.end + 1
    }
}

/// Java or Kotlin source with its comments blanked and its string contents blanked (quotes kept),
/// so that structure is found in `masked` and literal values are read from `text` at the same
/// offsets.
pub(super) struct Code<'t> {
    pub(super) text: &'t str,
    pub(super) masked: String,
    /// Each string literal, quotes included.
    strings: Vec<Range<usize>>,
}

impl<'t> Code<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut masked = bytes.to_vec();
        let mut strings = Vec::new();
        let blank = |masked: &mut Vec<u8>, range: Range<usize>| {
            for b in &mut masked[range] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        };
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    let end = bytes[i..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |p| i + p);
                    blank(&mut masked, i..end);
                    i = end;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    let end = text[i + 2..].find("*/").map_or(bytes.len(), |p| i + 2 + p + 2);
                    blank(&mut masked, i..end);
                    i = end;
                }
                quote @ (b'"' | b'\'') => {
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    let end = (j + 1).min(bytes.len());
                    if end > i + 2 {
                        blank(&mut masked, i + 1..end - 1);
                    }
                    if quote == b'"' {
                        strings.push(i..end);
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
        // Only ASCII bytes were replaced, by ASCII: the text stays UTF-8.
        let masked = String::from_utf8(masked).unwrap_or_default();
        Code { text, masked, strings }
    }

    /// Where `needle` starts in code (not in a comment or a string).
    pub(super) fn find_all(&self, needle: &str) -> Vec<usize> {
        self.masked.match_indices(needle).map(|(at, _)| at).collect()
    }

    pub(super) fn name(&self, call: &Call) -> &str {
        self.text.get(call.name.clone()).unwrap_or("")
    }

    /// The closing parenthesis (or brace) of the one that opens at `open`.
    pub(super) fn closing(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, b) in self.masked.bytes().enumerate().skip(open) {
            match b {
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The call `name(args)` whose name starts at `at`.
    pub(super) fn call_at(&self, at: usize) -> Option<Call> {
        let rest = self.masked.get(at..)?;
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
        let after = &rest[len..];
        let open = at + len + (after.len() - after.trim_start().len());
        if self.masked.as_bytes().get(open) != Some(&b'(') {
            return None;
        }
        let close = self.closing(open)?;
        Some(Call { name: at..at + len, args: open + 1..close })
    }

    /// The chain of calls that starts with the call at `at`: `a(..).b(..).c(..)`.
    pub(super) fn chain(&self, at: usize) -> Vec<Call> {
        let mut calls = Vec::new();
        let mut next = Some(at);
        while let Some(call) = next.and_then(|at| self.call_at(at)) {
            let after = call.args.end + 1;
            let rest = self.masked.get(after..).unwrap_or("");
            let dot = after + (rest.len() - rest.trim_start().len());
            next = (self.masked.as_bytes().get(dot) == Some(&b'.')).then(|| {
                let rest = &self.masked[dot + 1..];
                dot + 1 + (rest.len() - rest.trim_start().len())
            });
            calls.push(call);
        }
        calls
    }

    /// The variable a method is called on, `config` in `config.setAllowCredentials(true)`
    /// (`this.config` as written); `None` for the result of a call.
    pub(super) fn receiver_before(&self, dot: usize) -> Option<&str> {
        let before = self.masked.get(..dot)?.trim_end();
        let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).map_or(0, |p| p + 1);
        let receiver = before.get(start..)?.trim_matches('.');
        (!receiver.is_empty() && !receiver.starts_with(|c: char| c.is_ascii_digit())).then_some(receiver)
    }

    /// For each position (in ascending order), where its innermost `{` block starts.
    pub(super) fn blocks_of(&self, positions: impl Iterator<Item = usize>) -> Vec<usize> {
        let bytes = self.masked.as_bytes();
        let (mut open, mut scanned, mut out) = (vec![0usize], 0usize, Vec::new());
        for at in positions {
            for (i, b) in bytes.iter().enumerate().take(at).skip(scanned) {
                match b {
                    b'{' => open.push(i),
                    b'}' if open.len() > 1 => {
                        open.pop();
                    }
                    _ => {}
                }
            }
            scanned = scanned.max(at);
            out.push(open.last().copied().unwrap_or(0));
        }
        out
    }

    /// The string literals in `range`, each with its value.
    pub(super) fn literals(&self, range: Range<usize>) -> impl Iterator<Item = (Range<usize>, &str)> + '_ {
        self.strings
            .iter()
            .filter(move |s| s.start >= range.start && s.end <= range.end)
            .map(|s| (s.clone(), self.text.get(s.start + 1..s.end.saturating_sub(1)).unwrap_or("")))
    }

    /// The values of arguments that hold nothing but string literals, bare or in a list
    /// (`List.of(...)`, `Arrays.asList(...)`, `{...}`), with `CorsConfiguration.ALL` read as `*`;
    /// `None` when anything else is there.
    pub(super) fn literal_list(&self, range: Range<usize>) -> Option<Vec<(Range<usize>, &str)>> {
        const WRAPPERS: &[&str] = &[
            "List.of",
            "Arrays.asList",
            "Collections.singletonList",
            "listOf",
            "arrayOf",
            "mutableListOf",
            "new String[]",
        ];
        const ALL: &str = "CorsConfiguration.ALL";
        let args = self.masked.get(range.clone())?;
        let mut rest = args.replace(ALL, "");
        for wrapper in WRAPPERS {
            rest = rest.replace(wrapper, "");
        }
        if !rest.chars().all(|c| c.is_whitespace() || "\"(),{}[]".contains(c)) {
            return None;
        }
        let mut values: Vec<_> = self.literals(range.clone()).collect();
        values.extend(args.match_indices(ALL).map(|(p, _)| (range.start + p..range.start + p + ALL.len(), "*")));
        values.sort_by_key(|(r, _)| r.start);
        Some(values)
    }

    /// The `"*"` among arguments that are literals (see [`Code::literal_list`]).
    pub(super) fn star_in(&self, range: Range<usize>) -> Option<Range<usize>> {
        self.literal_list(range)?.into_iter().find(|(_, value)| *value == "*").map(|(r, _)| r)
    }

    /// Arguments that are the literal `true` (or `Boolean.TRUE`).
    pub(super) fn is_true(&self, range: Range<usize>) -> bool {
        matches!(self.masked.get(range).map(str::trim), Some("true" | "Boolean.TRUE"))
    }

    /// The `name = value` arguments of an annotation, split at its top-level commas.
    pub(super) fn named_arguments(&self, range: Range<usize>) -> Vec<(&str, Range<usize>)> {
        let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, range.start);
        for (i, b) in self.masked.bytes().enumerate().take(range.end).skip(range.start) {
            match b {
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    parts.push(start..i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(start..range.end);
        parts
            .into_iter()
            .filter_map(|part| {
                let equals = part.start + self.masked.get(part.clone())?.find('=')?;
                Some((self.text.get(part.start..equals)?.trim(), equals + 1..part.end))
            })
            .collect()
    }

    /// The value of a Kotlin assignment whose `=` follows `after` (`= listOf("*")`, `= true`): a
    /// call up to its closing parenthesis, anything else up to the end of the statement; `None`
    /// when no `=` (or `==`) follows.
    pub(super) fn assigned_value(&self, after: usize) -> Option<Range<usize>> {
        let rest = self.masked.get(after..)?;
        let equals = after + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let bytes = self.masked.as_bytes();
        if bytes.get(equals) != Some(&b'=') || bytes.get(equals + 1) == Some(&b'=') {
            return None;
        }
        let value = self.trimmed(equals + 1..self.statement_end(equals + 1));
        let open = self.masked.get(value.clone())?.find('(').map(|p| value.start + p);
        match open.and_then(|open| self.closing(open)) {
            Some(close) => Some(value.start..close + 1),
            None => Some(value),
        }
    }

    /// Where the statement that goes on at `at` ends: its line's end, a `;` or a `}`.
    fn statement_end(&self, at: usize) -> usize {
        let rest = self.masked.get(at..).unwrap_or("");
        at + rest.find(['\n', ';', '}']).unwrap_or(rest.len())
    }

    /// `range` without the whitespace around it.
    pub(super) fn trimmed(&self, range: Range<usize>) -> Range<usize> {
        let inner = self.masked.get(range.clone()).unwrap_or("");
        let start = range.start + (inner.len() - inner.trim_start().len());
        start..start + inner.trim().len()
    }
}
