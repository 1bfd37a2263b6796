//! The whole pipeline over the real-world corpus in `../shared/corpus`: no crash, and CORS901
//! exactly where SOURCES.md says the files go wrong.

use corslint::lint::{Options, lint};
use std::path::PathBuf;

mod common;

fn corpus() -> Option<PathBuf> {
    common::corpus("")
}

#[test]
fn unparsable_configs_are_exactly_the_broken_ones() {
    let Some(corpus) = corpus() else { return };
    let outcome = lint(&Options { paths: vec![corpus.clone()], ..Options::default() }).expect("lint runs");
    let mut found: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "CORS901")
        .filter_map(|d| {
            let file = outcome.project.file(d.span.file)?;
            let path = corslint::config::absolute(&file.path);
            let relative = path.strip_prefix(corslint::config::absolute(&corpus)).ok()?.to_string_lossy().into_owned();
            Some(format!("{relative}:{}", file.position(d.span.start()).row))
        })
        .collect();
    found.sort();
    let expected = [
        "nginx-broken/crossplane-missing-semicolon/broken-above.conf:4",
        "nginx-broken/crossplane-missing-semicolon/broken-below.conf:7",
        "nginx-broken/ingress-nginx-truncated/cleanConf.expected.conf:135",
        "nginx-broken/ingress-nginx-truncated/cleanConf.src.conf:182",
        // Planted garbage that a correct include resolution never reaches; linted alone it is
        // broken. (`includes-globbed/servers/locations/not-included.conf` lies outside any nginx
        // directory and does not look like nginx, so a walk does not select it at all.)
        "nginx/crossplane-tests/includes-regular/conf.d/bar.conf:2",
        "nginx/crossplane-tests/includes-regular/conf.d/foo.conf:2",
        // crossplane's quoting test: words glued to closing quotes, which `nginx -t` refuses
        // (`unexpected "-"`), once per line.
        "nginx/crossplane-tests/quote-behavior/nginx.conf:1",
        "nginx/crossplane-tests/quote-behavior/nginx.conf:2",
    ];
    assert_eq!(found, expected);
}
