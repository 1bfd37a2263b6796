//! Spring's CORS policy where one literal proves it, in one `CorsRegistry` mapping chain, one
//! `CorsConfiguration` object (the same variable in the same block) or one `@CrossOrigin`
//! annotation (`CorsConfiguration.checkOrigin`, spring-web 5.3+):
//! - the origin pattern `*` with credentials: Spring answers every origin with its own `Origin`
//!   and `Access-Control-Allow-Credentials: true`;
//! - the origin `*` with credentials: `validateAllowCredentials` throws an IllegalArgumentException
//!   for these requests instead of answering them (checked before any pattern).
//!
//! Only Java and Kotlin call syntax is read (`x.setAllowCredentials(true)`, not Kotlin's
//! `x.allowCredentials = true`); an argument that is not a literal leaves the setup unjudged, and
//! so do the defaults (`addMapping` alone allows `*`, but a global configuration may be combined).

use std::collections::HashMap;
use std::ops::Range;

/// What Spring does with a setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The pattern `*` with credentials: every origin echoed, with credentials.
    EchoesEveryOrigin,
    /// The origin `*` with credentials: an exception instead of an answer.
    Throws,
}

/// One Spring setup one literal judges: the `"*"`, the credentials setting, the whole setup.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ReadableSetup {
    pub(super) outcome: Outcome,
    pub(super) star: Range<usize>,
    pub(super) credentials: Range<usize>,
    pub(super) setup: Range<usize>,
}

/// Bytes that make a file worth reading for it: every form names its origins
/// (`allowedOrigins`, `setAllowedOriginPatterns`, `addAllowedOrigin`, `@CrossOrigin`).
pub(super) fn may_hold(text: &str) -> bool {
    text.contains("llowedOrigin") || text.contains("@CrossOrigin")
}

/// Every setup of the file whose outcome one literal shows.
pub(super) fn readable_setups(text: &str) -> Vec<ReadableSetup> {
    let code = Code::new(text);
    let mut found = registry_chains(&code);
    found.extend(configurations(&code));
    found.extend(annotations(&code));
    found.sort_by_key(|f| f.star.start);
    found.dedup();
    found
}

/// The origins and credentials one setup writes, as far as literals show them.
#[derive(Default)]
struct Written {
    origin_star: Option<Range<usize>>,
    /// Some origin is not a literal: it might be `*`.
    origins_unread: bool,
    pattern_star: Option<Range<usize>>,
    credentials: Option<Range<usize>>,
}

impl Written {
    fn set_origins(&mut self, code: &Code, args: Range<usize>) {
        self.origin_star = code.star_in(args.clone());
        self.origins_unread = code.literal_list(args).is_none();
    }

    fn add_origin(&mut self, code: &Code, args: Range<usize>) {
        self.origin_star = self.origin_star.take().or_else(|| code.star_in(args.clone()));
        self.origins_unread |= code.literal_list(args).is_none();
    }

    fn set_patterns(&mut self, code: &Code, args: Range<usize>) {
        self.pattern_star = code.star_in(args);
    }

    fn add_pattern(&mut self, code: &Code, args: Range<usize>) {
        self.pattern_star = self.pattern_star.take().or_else(|| code.star_in(args));
    }

    /// `true` written as a literal sets it; anything else clears what an earlier call set.
    fn set_credentials(&mut self, written_true: bool, range: Range<usize>) {
        self.credentials = written_true.then_some(range);
    }

    fn judge(self, setup: Range<usize>) -> Option<ReadableSetup> {
        let credentials = self.credentials?;
        let (outcome, star) = match (self.origin_star, self.pattern_star) {
            (Some(star), _) => (Outcome::Throws, star),
            (None, Some(star)) if !self.origins_unread => (Outcome::EchoesEveryOrigin, star),
            _ => return None,
        };
        Some(ReadableSetup { outcome, star, credentials, setup })
    }
}

/// One call of a chain or on a receiver: the method's name and where its arguments are.
struct Call {
    name: Range<usize>,
    args: Range<usize>,
}

impl Call {
    /// From the method's name to the closing parenthesis.
    fn whole(&self) -> Range<usize> {
        self.name.start..self.args.end + 1
    }
}

/// `registry.addMapping("/**").allowedOriginPatterns("*").allowCredentials(true)`.
fn registry_chains(code: &Code) -> Vec<ReadableSetup> {
    let mut found = Vec::new();
    for at in code.find_all(".addMapping") {
        let chain = code.chain(at + 1);
        let mut written = Written::default();
        for call in &chain {
            match code.name(call) {
                "allowedOrigins" => written.set_origins(code, call.args.clone()),
                "allowedOriginPatterns" => written.set_patterns(code, call.args.clone()),
                "allowCredentials" => written.set_credentials(code.is_true(call.args.clone()), call.whole()),
                _ => {}
            }
        }
        let Some(end) = chain.last().map(|c| c.args.end + 1) else { continue };
        found.extend(written.judge(at + 1..end));
    }
    found
}

/// `config.addAllowedOriginPattern("*")` (or `setAllowedOriginPatterns(List.of("*"))`) and
/// `config.setAllowCredentials(true)` on the same variable in the same block, in source order.
fn configurations(code: &Code) -> Vec<ReadableSetup> {
    const METHODS: &[&str] = &[
        "addAllowedOriginPattern",
        "setAllowedOriginPatterns",
        "addAllowedOrigin",
        "setAllowedOrigins",
        "setAllowCredentials",
    ];
    let mut calls: Vec<(usize, &str, Call)> = Vec::new();
    for method in METHODS {
        for at in code.find_all(&format!(".{method}")) {
            let Some(receiver) = code.receiver_before(at) else { continue };
            let Some(call) = code.call_at(at + 1) else { continue };
            if code.name(&call) == *method {
                calls.push((at, receiver, call));
            }
        }
    }
    calls.sort_by_key(|(at, ..)| *at);
    let blocks = code.blocks_of(calls.iter().map(|(at, ..)| *at));
    let mut setups: HashMap<(usize, &str), (Written, Range<usize>)> = HashMap::new();
    for ((at, receiver, call), block) in calls.iter().zip(blocks) {
        let (written, setup) = setups.entry((block, receiver)).or_insert_with(|| (Written::default(), *at..*at));
        setup.end = call.args.end + 1;
        let args = call.args.clone();
        match code.name(call) {
            "addAllowedOriginPattern" => written.add_pattern(code, args),
            "setAllowedOriginPatterns" => written.set_patterns(code, args),
            "addAllowedOrigin" => written.add_origin(code, args),
            "setAllowedOrigins" => written.set_origins(code, args),
            _ => written.set_credentials(code.is_true(args), call.whole()),
        }
    }
    setups.into_values().filter_map(|(written, setup)| written.judge(setup)).collect()
}

/// `@CrossOrigin(originPatterns = "*", allowCredentials = "true")`.
fn annotations(code: &Code) -> Vec<ReadableSetup> {
    let mut found = Vec::new();
    for at in code.find_all("@CrossOrigin") {
        let after = at + "@CrossOrigin".len();
        let open = after + code.masked[after..].len() - code.masked[after..].trim_start().len();
        if code.masked.as_bytes().get(open) != Some(&b'(') {
            continue;
        }
        let Some(close) = code.closing(open) else { continue };
        let mut written = Written::default();
        let arguments = code.named_arguments(open + 1..close);
        // `@CrossOrigin("*")`: one unnamed argument is `value`, an alias of `origins`.
        if arguments.is_empty() && code.literal_list(open + 1..close).is_some_and(|l| !l.is_empty()) {
            written.set_origins(code, open + 1..close);
        }
        for (name, value) in arguments {
            match name {
                "originPatterns" => written.set_patterns(code, value),
                "origins" | "value" => written.add_origin(code, value),
                "allowCredentials" => {
                    let value = code.trimmed(value);
                    written.set_credentials(code.text.get(value.clone()) == Some("\"true\""), value);
                }
                _ => {}
            }
        }
        found.extend(written.judge(at..close + 1));
    }
    found
}

/// Java or Kotlin source with its comments blanked and its string contents blanked (quotes kept),
/// so that structure is found in `masked` and literal values are read from `text` at the same
/// offsets.
struct Code<'t> {
    text: &'t str,
    masked: String,
    /// Each string literal, quotes included.
    strings: Vec<Range<usize>>,
}

impl<'t> Code<'t> {
    fn new(text: &'t str) -> Self {
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
    fn find_all(&self, needle: &str) -> Vec<usize> {
        self.masked.match_indices(needle).map(|(at, _)| at).collect()
    }

    fn name(&self, call: &Call) -> &str {
        self.text.get(call.name.clone()).unwrap_or("")
    }

    /// The closing parenthesis (or brace) of the one that opens at `open`.
    fn closing(&self, open: usize) -> Option<usize> {
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
    fn call_at(&self, at: usize) -> Option<Call> {
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
    fn chain(&self, at: usize) -> Vec<Call> {
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
    fn receiver_before(&self, dot: usize) -> Option<&str> {
        let before = self.masked.get(..dot)?.trim_end();
        let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).map_or(0, |p| p + 1);
        let receiver = before.get(start..)?.trim_matches('.');
        (!receiver.is_empty() && !receiver.starts_with(|c: char| c.is_ascii_digit())).then_some(receiver)
    }

    /// For each position (in ascending order), where its innermost `{` block starts.
    fn blocks_of(&self, positions: impl Iterator<Item = usize>) -> Vec<usize> {
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
    fn literals(&self, range: Range<usize>) -> impl Iterator<Item = (Range<usize>, &str)> + '_ {
        self.strings
            .iter()
            .filter(move |s| s.start >= range.start && s.end <= range.end)
            .map(|s| (s.clone(), self.text.get(s.start + 1..s.end.saturating_sub(1)).unwrap_or("")))
    }

    /// The values of arguments that hold nothing but string literals, bare or in a list
    /// (`List.of(...)`, `Arrays.asList(...)`, `{...}`), with `CorsConfiguration.ALL` read as `*`;
    /// `None` when anything else is there.
    fn literal_list(&self, range: Range<usize>) -> Option<Vec<(Range<usize>, &str)>> {
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
    fn star_in(&self, range: Range<usize>) -> Option<Range<usize>> {
        self.literal_list(range)?.into_iter().find(|(_, value)| *value == "*").map(|(r, _)| r)
    }

    /// Arguments that are the literal `true` (or `Boolean.TRUE`).
    fn is_true(&self, range: Range<usize>) -> bool {
        matches!(self.masked.get(range).map(str::trim), Some("true" | "Boolean.TRUE"))
    }

    /// The `name = value` arguments of an annotation, split at its top-level commas.
    fn named_arguments(&self, range: Range<usize>) -> Vec<(&str, Range<usize>)> {
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

    /// `range` without the whitespace around it.
    fn trimmed(&self, range: Range<usize>) -> Range<usize> {
        let inner = self.masked.get(range.clone()).unwrap_or("");
        let start = range.start + (inner.len() - inner.trim_start().len());
        start..start + inner.trim().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, &str)> {
        echoes(text).into_iter().map(|(star, credentials, _)| (star, credentials)).collect()
    }

    fn echoes(text: &str) -> Vec<(&str, &str, Outcome)> {
        readable_setups(text).into_iter().map(|f| (&text[f.star], &text[f.credentials], f.outcome)).collect()
    }

    #[test]
    fn the_origin_star_with_credentials_throws() {
        let chain =
            "registry.addMapping(\"/**\").allowedOrigins(\"*\").allowedOriginPatterns(\"*\").allowCredentials(true);\n";
        assert_eq!(echoes(chain), [("\"*\"", "allowCredentials(true)", Outcome::Throws)]);
        // The origin's `*`, which Spring checks first, not the pattern's.
        assert_eq!(readable_setups(chain)[0].star.start, chain.find("\"*\"").unwrap_or(0));
        let config = "c.setAllowedOrigins(Arrays.asList(\"*\"));\nc.setAllowCredentials(true);\n";
        assert_eq!(echoes(config), [("\"*\"", "setAllowCredentials(true)", Outcome::Throws)]);
        let annotation = "@CrossOrigin(origins = \"*\", allowCredentials = \"true\")\n";
        assert_eq!(echoes(annotation), [("\"*\"", "\"true\"", Outcome::Throws)]);
        assert_eq!(echoes("@CrossOrigin(\"*\")\n"), []);
    }

    #[test]
    fn a_registry_mapping_chain() {
        let java = "registry.addMapping(\"/**\")\n    .allowedOriginPatterns(\"*\")\n    .allowedMethods(\"*\")\n    .allowCredentials(true);\n";
        assert_eq!(found(java), [("\"*\"", "allowCredentials(true)")]);
        let kotlin =
            "registry.addMapping(\"/api/**\")\n    .allowCredentials(true)\n    .allowedOriginPatterns(\"*\")\n";
        assert_eq!(found(kotlin), [("\"*\"", "allowCredentials(true)")]);
        let commented = "registry.addMapping(\"/**\") // every path\n    .allowedOrigins(\"https://a.example\")\n    .allowedOriginPatterns(\"*\") /* all */\n    .allowCredentials(true).maxAge(3600);\n";
        assert_eq!(found(commented), [("\"*\"", "allowCredentials(true)")]);
    }

    #[test]
    fn a_configuration_object() {
        let add = "CorsConfiguration config = new CorsConfiguration();\nconfig.addAllowedOriginPattern(\"*\");\nconfig.setAllowCredentials(true);\n";
        assert_eq!(found(add), [("\"*\"", "setAllowCredentials(true)")]);
        let list = "c.setAllowedOriginPatterns(List.of(\"*\"));\nc.setAllowCredentials(Boolean.TRUE);\n";
        assert_eq!(found(list), [("\"*\"", "setAllowCredentials(Boolean.TRUE)")]);
        let all = "c.setAllowedOriginPatterns(Collections.singletonList(CorsConfiguration.ALL));\nc.setAllowCredentials(true);\n";
        assert_eq!(found(all), [("CorsConfiguration.ALL", "setAllowCredentials(true)")]);
    }

    #[test]
    fn an_annotation() {
        let java = "@CrossOrigin(originPatterns = \"*\", allowCredentials = \"true\")\n@RestController\nclass C {}\n";
        assert_eq!(found(java), [("\"*\"", "\"true\"")]);
        let array = "@CrossOrigin(allowCredentials = \"true\", originPatterns = {\"https://a.example\", \"*\"})\n";
        assert_eq!(found(array), [("\"*\"", "\"true\"")]);
    }

    /// Each half alone, a list of origins, a value that is not a literal, two variables or two
    /// blocks, and comments are not judged.
    #[test]
    fn only_what_one_literal_proves() {
        for java in [
            "registry.addMapping(\"/**\").allowedOriginPatterns(\"*\");\n",
            "registry.addMapping(\"/**\").allowedOriginPatterns(\"https://*.example.com\").allowCredentials(true);\n",
            "registry.addMapping(\"/**\").allowedOriginPatterns(origins).allowCredentials(true);\n",
            "registry.addMapping(\"/**\").allowedOriginPatterns(\"*\").allowCredentials(enabled);\n",
            "registry.addMapping(\"/a\").allowedOriginPatterns(\"*\");\nregistry.addMapping(\"/b\").allowCredentials(true);\n",
            "a.addAllowedOriginPattern(\"*\");\nb.setAllowCredentials(true);\n",
            "void f() { c.addAllowedOriginPattern(\"*\"); }\nvoid g() { c.setAllowCredentials(true); }\n",
            "c.addAllowedOriginPattern(\"*\");\nc.setAllowCredentials(true);\nc.setAllowCredentials(false);\n",
            "c.addAllowedOriginPattern(\"*\");\nc.setAllowedOriginPatterns(List.of(\"https://a.example\"));\nc.setAllowCredentials(true);\n",
            "// c.addAllowedOriginPattern(\"*\");\nc.setAllowCredentials(true);\n",
            "/* registry.addMapping(\"/**\").allowedOriginPatterns(\"*\").allowCredentials(true); */\n",
            "String s = \"registry.addMapping(x).allowedOriginPatterns(\\\"*\\\").allowCredentials(true)\";\n",
            "@CrossOrigin(originPatterns = \"*\")\n",
            "@CrossOrigin(originPatterns = \"*\", allowCredentials = \"false\")\n",
            "@CrossOrigin(originPatterns = \"*\", allowCredentials = CREDENTIALS)\n",
            "@CrossOrigin(origins = ORIGINS, originPatterns = \"*\", allowCredentials = \"true\")\n",
            "registry.addMapping(\"/**\").allowedOrigins(origins).allowedOriginPatterns(\"*\").allowCredentials(true);\n",
        ] {
            assert_eq!(found(java), [], "{java}");
        }
    }

    #[test]
    fn broken_text_does_not_panic() {
        for text in [
            "registry.addMapping(",
            "@CrossOrigin(originPatterns = \"*",
            "c.setAllowCredentials(",
            ".x(",
            "\"",
            "é.addAllowedOriginPattern(\"*\")",
        ] {
            let _ = readable_setups(text);
        }
    }
}
