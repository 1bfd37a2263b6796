//! Spring's CORS policy where one literal proves it, in one `CorsRegistry` mapping chain, one
//! `CorsConfiguration` object (the same variable in the same block) or one `@CrossOrigin`
//! annotation (`CorsConfiguration.checkOrigin`, spring-web 5.3+):
//! - the origin pattern `*` with credentials: Spring answers every origin with its own `Origin`
//!   and `Access-Control-Allow-Credentials: true`;
//! - the origin `*` with credentials: `validateAllowCredentials` throws an IllegalArgumentException
//!   for these requests instead of answering them (checked before any pattern).
//!
//! Java and Kotlin calls (`x.setAllowCredentials(true)`) and Kotlin properties
//! (`x.allowCredentials = true`, also inside `CorsConfiguration().apply { }`) are read; an argument
//! that is not a literal leaves the setup unjudged, and so do the defaults (`addMapping` alone
//! allows `*`, but a global configuration may be combined).

use super::java_code::Code;
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
/// `config.setAllowCredentials(true)` on the same variable in the same block, in source order;
/// also Kotlin's property syntax (`config.allowCredentials = true`) and the receiver-less writes of
/// a `CorsConfiguration().apply { ... }` block.
fn configurations(code: &Code) -> Vec<ReadableSetup> {
    let mut writes: Vec<(usize, &str, Write)> = Vec::new();
    for method in SETTERS {
        for at in code.find_all(method) {
            let Some(receiver) = receiver_of(code, at, method) else { continue };
            if let Some(call) = code.call_at(at).filter(|c| code.name(c) == *method) {
                writes.push((at, receiver, Write { setter: method, args: call.args.clone(), whole: call.whole() }));
            }
        }
    }
    for (property, setter) in PROPERTIES {
        for at in code.find_all(property) {
            let Some(receiver) = receiver_of(code, at, property) else { continue };
            if let Some(value) = code.assigned_value(at + property.len()) {
                writes.push((at, receiver, Write { setter, args: value.clone(), whole: at..value.end }));
            }
        }
    }
    writes.sort_by_key(|(at, ..)| *at);
    let blocks = code.blocks_of(writes.iter().map(|(at, ..)| *at));
    let mut setups: HashMap<(usize, &str), (Written, Range<usize>)> = HashMap::new();
    for ((at, receiver, write), block) in writes.into_iter().zip(blocks) {
        let (written, setup) = setups.entry((block, receiver)).or_insert_with(|| (Written::default(), at..at));
        setup.end = write.whole.end;
        let args = write.args;
        match write.setter {
            "addAllowedOriginPattern" => written.add_pattern(code, args),
            "setAllowedOriginPatterns" => written.set_patterns(code, args),
            "addAllowedOrigin" => written.add_origin(code, args),
            "setAllowedOrigins" => written.set_origins(code, args),
            _ => written.set_credentials(code.is_true(args), write.whole),
        }
    }
    setups.into_values().filter_map(|(written, setup)| written.judge(setup)).collect()
}

/// The `CorsConfiguration` methods that set what is judged.
const SETTERS: &[&str] = &[
    "addAllowedOriginPattern",
    "setAllowedOriginPatterns",
    "addAllowedOrigin",
    "setAllowedOrigins",
    "setAllowCredentials",
];

/// Kotlin's properties for the setters (`allowCredentials = true` calls `setAllowCredentials`).
const PROPERTIES: &[(&str, &str)] = &[
    ("allowedOriginPatterns", "setAllowedOriginPatterns"),
    ("allowedOrigins", "setAllowedOrigins"),
    ("allowCredentials", "setAllowCredentials"),
];

/// One write of a setting: the setter it calls, its argument (or assigned value), all of it.
struct Write {
    setter: &'static str,
    args: Range<usize>,
    whole: Range<usize>,
}

/// What `name` at `at` is written on: the variable before its `.`, or `""` when it starts a
/// statement (the implicit receiver of Kotlin's `apply { }`); `None` inside a longer word or
/// anywhere else (`val allowCredentials = true` names a local).
fn receiver_of<'c>(code: &'c Code, at: usize, name: &str) -> Option<&'c str> {
    let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let bytes = code.masked.as_bytes();
    if word(at.checked_sub(1).and_then(|i| bytes.get(i))) || word(bytes.get(at + name.len())) {
        return None;
    }
    let before = code.masked.get(..at)?.trim_end_matches([' ', '\t']);
    match before.as_bytes().last() {
        // Inside `apply { }`, `this.allowCredentials` and `allowCredentials` write the same object.
        Some(b'.') => code.receiver_before(before.len() - 1).map(|r| if r == "this" { "" } else { r }),
        // A named argument on its own line (`cors(\n  allowCredentials = true,\n)`) is no write.
        None | Some(b'\n' | b'{' | b';') if innermost_open(bytes, at) != Some(b'(') => Some(""),
        _ => None,
    }
}

/// The innermost bracket still open at `at`: `{`, `(`, `[`, or `None` at the top level.
fn innermost_open(bytes: &[u8], at: usize) -> Option<u8> {
    let mut closed = 0usize;
    for b in bytes.get(..at)?.iter().rev() {
        match b {
            b')' | b'}' | b']' => closed += 1,
            b'(' | b'{' | b'[' if closed == 0 => return Some(*b),
            b'(' | b'{' | b'[' => closed -= 1,
            _ => {}
        }
    }
    None
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
    fn kotlin_properties() {
        let assigned = "val config = CorsConfiguration()\nconfig.allowedOriginPatterns = listOf(\"*\")\nconfig.allowCredentials = true\n";
        assert_eq!(found(assigned), [("\"*\"", "allowCredentials = true")]);
        let applied = "val config = CorsConfiguration().apply {\n    allowedOrigins = listOf(\n        \"*\",\n    )\n    allowCredentials = true\n}\n";
        assert_eq!(echoes(applied), [("\"*\"", "allowCredentials = true", Outcome::Throws)]);
        let this = "CorsConfiguration().apply {\n    this.allowedOriginPatterns = listOf(\"*\")\n    allowCredentials = true\n}\n";
        assert_eq!(found(this), [("\"*\"", "allowCredentials = true")]);
        let added = "CorsConfiguration().apply { addAllowedOriginPattern(\"*\"); allowCredentials = true }\n";
        assert_eq!(found(added), [("\"*\"", "allowCredentials = true")]);
        for kotlin in [
            "config.allowedOriginPatterns = listOf(\"https://*.example.com\")\nconfig.allowCredentials = true\n",
            "config.allowedOriginPatterns = listOf(\"*\")\nconfig.allowCredentials = enabled\n",
            "config.allowedOriginPatterns = listOf(\"*\")\nif (config.allowCredentials == true) {}\n",
            "val allowCredentials = true\nconfig.allowedOriginPatterns = listOf(\"*\")\n",
            "a.allowedOriginPatterns = listOf(\"*\")\nb.allowCredentials = true\n",
            "config.allowedOriginPatterns = origins\nconfig.allowCredentials = true\n",
            "corsProperties(\n    allowedOriginPatterns = listOf(\"*\"),\n    allowCredentials = true,\n)\n",
        ] {
            assert_eq!(found(kotlin), [], "{kotlin}");
        }
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
            "config.allowCredentials =",
            "allowedOrigins = listOf(\"*\"",
            "{ allowCredentials = true",
        ] {
            let _ = readable_setups(text);
        }
    }
}
