//! The nginx parser on any text: never panics, every range on character boundaries inside the
//! text, and the crossplane dump of the recovered tree is produced.
#![no_main]

use corslint::parse::nginx::{self, Config};
use corslint::source::TextRange;
use libfuzzer_sys::fuzz_target;

fn check(text: &str, config: &Config) {
    let ok = |r: TextRange| {
        r.start <= r.end && r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
    };
    for d in config.walk() {
        assert!(ok(d.range) && ok(d.name_range), "{d:?}");
        assert!(d.args.iter().all(|a| ok(a.range)), "{d:?}");
        assert!(d.block.as_ref().is_none_or(|b| ok(b.range)), "{d:?}");
    }
    assert!(config.comments.iter().all(|c| ok(c.range)));
    assert!(config.errors.iter().all(|e| ok(e.range)));
    assert_eq!(config.errors.len(), config.error_lines.len());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = nginx::parse(&text);
    check(&text, &config);
    let _ = nginx::crossplane::dump(&[(std::path::Path::new("fuzz.conf"), &config)]);
});
