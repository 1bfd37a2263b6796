//! The YAML reader on any text: never panics, every node's range on character boundaries inside
//! the text, and walking every node (aliases and merge keys followed) terminates.
#![no_main]

use corslint::parse::yaml::{self, Node};
use libfuzzer_sys::fuzz_target;

fn walk(text: &str, node: Node<'_>, depth: usize, budget: &mut usize) {
    if depth > 64 || *budget == 0 {
        return;
    }
    *budget -= 1;
    let r = node.range();
    assert!(r.start <= r.end && r.end <= text.len(), "{r:?}");
    assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "{r:?}");
    if let Some(s) = node.scalar() {
        if let Some(v) = s.verbatim {
            assert!(v.end <= text.len() && text.is_char_boundary(v.start) && text.is_char_boundary(v.end));
        }
        for i in 0..=s.value.len() {
            if let Some(at) = s.file_offset(i) {
                assert!(at <= text.len(), "{at} past {}", text.len());
            }
        }
        let _ = (node.as_bool(), node.is_null(), node.is_unknown());
    }
    for item in node.items() {
        walk(text, item, depth + 1, budget);
    }
    for (key, value) in node.entries() {
        let _ = key.as_str().map(|k| node.get(k));
        walk(text, key, depth + 1, budget);
        walk(text, value, depth + 1, budget);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (file, errors) = yaml::parse(&text);
    for e in &errors {
        assert!(e.range.end <= text.len() && text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
    }
    let mut budget = 100_000;
    for doc in file.documents() {
        walk(&text, doc, 0, &mut budget);
    }
});
