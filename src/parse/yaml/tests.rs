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
    let text = "x-env: &env\n  A: \"1\"\n  B: two\nsvc:\n  environment:\n    <<: *env\n    B: three\n  list: [*env]\n";
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
    let mut text = String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
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
    // A hang guard, not a benchmark: undefused, this input takes exponential time and memory.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
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
    // A hang guard, not a benchmark.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
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
fn many_anchors_and_merges_stay_bounded() {
    let mut text = String::from("base0: &b0 {k0: v}\n");
    for i in 1..5_000 {
        text.push_str(&format!("base{i}: &b{i} {{<<: [*b{}, *b{}], k{i}: v}}\n", i - 1, i / 2));
    }
    let file = parse_ok(&text);
    let root = file.docs[0].root();
    let last = root.get("base4999").unwrap();
    assert!(last.get("k0").is_some() || last.entries().len() > 1);
    for i in (0..5_000).step_by(17) {
        assert!(root.get(&format!("base{i}")).unwrap().entries().len() <= MAX_MERGED_ENTRIES + 1);
    }
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
