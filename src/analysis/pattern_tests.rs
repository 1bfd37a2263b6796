use super::*;
use MatchSemantics::*;
use PatternFindingKind as K;

const SEARCH: MatchSemantics = Search { case_insensitive: false };
const SEARCH_CI: MatchSemantics = Search { case_insensitive: true };

/// `(kind, attack origin, text of the pattern at the cause)`; `^`/`$` for missing anchors.
fn findings(pattern: &str, semantics: MatchSemantics) -> Vec<(PatternFindingKind, String, String)> {
    let report = analyze_pattern(pattern, semantics);
    assert_eq!(report.unanalyzable, None, "{pattern}");
    report
        .findings
        .iter()
        .map(|f| {
            assert!(SerializedOrigin::parse(&f.attack_origin).is_some(), "not an origin: {}", f.attack_origin);
            assert!(f.explanation.contains(&f.attack_origin));
            let cause = match f.cause_range {
                Some(r) if r.is_empty() && r.start == 0 => "^".to_owned(),
                Some(r) if r.is_empty() => "$".to_owned(),
                Some(r) => pattern[r.start..r.end].to_owned(),
                None => String::new(),
            };
            (f.kind, f.attack_origin.clone(), cause)
        })
        .collect()
}

fn finding(kind: PatternFindingKind, attack: &str, cause: &str) -> (PatternFindingKind, String, String) {
    (kind, attack.to_owned(), cause.to_owned())
}

fn clean(pattern: &str, semantics: MatchSemantics) {
    let report = analyze_pattern(pattern, semantics);
    assert_eq!(report.unanalyzable, None, "{pattern}");
    assert!(!report.accepts_any && !report.accepts_null, "{pattern}: {report:?}");
    assert_eq!(report.findings, [], "{pattern} under {semantics:?}");
    assert!(!report.intended_origins.is_empty(), "{pattern}: no intended origin");
}

#[test]
fn starlette_subdomains_of_own_domain_are_intended() {
    clean(r"https://.*\.example\.com", FullMatch);
    clean(r"https://[a-z0-9-]+\.example\.com", FullMatch);
    clean(r"https://(www|app)\.example\.com", FullMatch);
    clean(r"https://([a-z]+\.)?example\.com", FullMatch);
    clean(r"http://localhost:\d+", FullMatch);
    clean(r"https?://localhost(:\d+)?", FullMatch);
}

#[test]
fn wildcard_glued_to_the_domain() {
    assert_eq!(
        findings(r"https://.*example\.com", FullMatch),
        [finding(K::UnboundedWildcard, "https://evilexample.com", ".*")]
    );
    assert_eq!(
        findings(r"https://[\w.-]+example\.com", FullMatch),
        [finding(K::UnboundedWildcard, "https://evilexample.com", r"[\w.-]+")]
    );
    assert_eq!(
        findings(r"https://myapp-.*\.vercel\.app", FullMatch),
        [finding(K::UnboundedWildcard, "https://myapp-evil.vercel.app", ".*")]
    );
}

#[test]
fn unescaped_dot_is_located() {
    assert_eq!(
        findings("https://app.example.com", FullMatch),
        [finding(K::UnescapedDot, "https://appaexample.com", ".")]
    );
    let report = analyze_pattern("https://app.example.com", FullMatch);
    assert_eq!(report.findings[0].cause_range, Some(TextRange::new(11, 12)));
    // The first dot only swaps a label of example.com, the last one makes no real domain.
    let deep = analyze_pattern(r"https://api.app.example\.com", FullMatch);
    assert_eq!(deep.findings.len(), 1);
    assert_eq!(deep.findings[0].attack_origin, "https://api.appaexample.com");
    assert_eq!(deep.findings[0].cause_range, Some(TextRange::new(15, 16)));
    assert_eq!(findings(r"https://app\.example.com", FullMatch), []);
}

#[test]
fn nginx_search_is_unanchored() {
    let pattern = r"https://app\.example\.com";
    assert_eq!(findings(pattern, SEARCH), [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]);
    clean(r"^https://app\.example\.com$", SEARCH);
    clean(r"^https://(app|admin)\.example\.com$", SEARCH_CI);
    // Nothing a browser sends has text before `https://`, and nothing but digits after a port.
    clean(r"https://app\.example\.com$", SEARCH);
    clean(r"http://localhost:\d+", SEARCH);
    assert_eq!(findings("http://localhost", SEARCH), [finding(K::UnanchoredEnd, "http://localhost.evil.com", "$")]);
    assert_eq!(
        findings(r"^https://app\.example\.com.*", SEARCH),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", ".*")]
    );
}

#[test]
fn scheme_less_search_is_open_at_both_ends() {
    assert_eq!(
        findings("example.com", SEARCH_CI),
        [
            finding(K::UnanchoredEnd, "https://example.com.evil.com", "$"),
            finding(K::UnanchoredStart, "https://evilexample.com", "^"),
        ]
    );
    assert_eq!(
        findings(r"app.example\.com", SEARCH),
        [
            finding(K::UnescapedDot, "https://appaexample.com", "."),
            finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$"),
        ]
    );
}

#[test]
fn python_re_match_is_start_anchored() {
    assert_eq!(
        findings(r"https://app\.example\.com", StartAnchored),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]
    );
    clean(r"https://app\.example\.com$", StartAnchored);
    clean(r"^https://\w+\.example\.com$", StartAnchored);
    clean(r"https://app\.example\.com\Z", StartAnchored);
}

#[test]
fn ingress_nginx_end_anchored_and_glob() {
    clean(r"https://app\.example\.com", EndAnchored);
    clean(r"https://[A-Za-z0-9\-]+\.example\.com", EndAnchored);
    assert_eq!(findings(r"example\.com", EndAnchored), [finding(K::UnanchoredStart, "https://evilexample.com", "^")]);
    clean("https://*.example.com", Glob);
    clean("https://app.example.com", Glob);
    clean("*.example.com", Glob);
    assert_eq!(findings("example.com", Glob), [finding(K::UnanchoredStart, "https://evilexample.com", "^")]);
    assert_eq!(
        findings("https://*.vercel.app", Glob),
        [finding(K::AnySubdomainOfPublicSuffix, "https://evil.vercel.app", "*")]
    );
    assert!(analyze_pattern("HTTPS://APP.EXAMPLE.COM", Glob).findings.is_empty());
}

#[test]
fn public_suffix_wildcards() {
    assert_eq!(
        findings(r"https://.*\.vercel\.app", FullMatch),
        [finding(K::AnySubdomainOfPublicSuffix, "https://evil.vercel.app", ".*")]
    );
    assert_eq!(
        findings(r"https://[a-z0-9-]+\.github\.io", FullMatch),
        [finding(K::AnySubdomainOfPublicSuffix, "https://evil.github.io", "[a-z0-9-]+")]
    );
    assert_eq!(
        findings(r"https://[a-z]+\.com", FullMatch),
        [finding(K::AnySubdomainOfPublicSuffix, "https://evil.com", "[a-z]+")]
    );
    clean(r"https://.*\.myapp\.vercel\.app", FullMatch);
}

#[test]
fn istio_prefix() {
    assert_eq!(
        findings("https://app.example.com", Prefix),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]
    );
    clean("http://localhost:3000", Prefix);
}

#[test]
fn scheme_downgrade_only_when_meant_for_https() {
    assert_eq!(
        findings(r"https://app\.example\.com|.*//app\.example\.com", FullMatch),
        [finding(K::SchemeDowngrade, "http://app.example.com", ".*")]
    );
    // `https?` says both on purpose: CORS107's business, not a downgrade.
    clean(r"https?://app\.example\.com", FullMatch);
}

#[test]
fn accepts_any_and_null() {
    for pattern in [".*", r"https?://.*", ".+", "https://.*", r"https://[^/]+", ""] {
        let semantics = if pattern.is_empty() { SEARCH } else { FullMatch };
        let report = analyze_pattern(pattern, semantics);
        assert!(report.accepts_any, "{pattern}");
        assert_eq!(report.findings, [], "{pattern}");
    }
    assert!(analyze_pattern(".*", FullMatch).accepts_null);
    assert!(!analyze_pattern(r"https?://.*", FullMatch).accepts_null);
    assert!(analyze_pattern(r"(https://foo\.com|null)", FullMatch).accepts_null);
    assert!(!analyze_pattern(r"https://(foo|null)", FullMatch).accepts_null);
    assert!(analyze_pattern("null", Glob).accepts_null);
    assert!(!analyze_pattern(r"^https://app\.example\.com$", SEARCH).accepts_any);
}

#[test]
fn case_sensitivity_follows_the_layer() {
    // nginx `~` with upper case never matches what browsers send: nothing to attack either.
    let report = analyze_pattern(r"^https://App\.example\.com", SEARCH);
    assert!(report.findings.is_empty() && report.intended_origins.is_empty());
    assert_eq!(
        findings(r"^HTTPS://APP\.EXAMPLE\.COM", SEARCH_CI),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]
    );
}

#[test]
fn fancy_only_patterns_are_analysed() {
    clean(r"^https://(?!evil)[a-z]+\.example\.com$", SEARCH);
    clean(r"^https://(?<!x)(app|www)\.example\.com(?=$)", SEARCH);
    clean(r"^(https)://(?P<h>app)\.example\.com$", SEARCH);
    assert_eq!(
        findings(r"^https://(?!evil)app\.example\.com", SEARCH),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]
    );
}

#[test]
fn unanalyzable_patterns_never_panic_or_hang() {
    assert!(matches!(analyze_pattern("(", FullMatch).unanalyzable, Some(Unanalyzable::Invalid { .. })));
    let long = "a".repeat(MAX_PATTERN_LEN + 1);
    assert_eq!(analyze_pattern(&long, FullMatch).unanalyzable, Some(Unanalyzable::TooLong { len: long.len() }));
    assert_eq!(analyze_pattern("(a{5000}){5000}", FullMatch).unanalyzable, Some(Unanalyzable::TooComplex));
    let nested = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(analyze_pattern(&nested, FullMatch).unanalyzable, Some(Unanalyzable::TooComplex));
    assert_eq!(analyze_pattern(r"\w{1000}\w{1000}\w{1000}", FullMatch).unanalyzable, Some(Unanalyzable::TooComplex));
    for pattern in [r"^(a+)+\1$", r"(?=(a+)+b)\1", r"((a|a)*)*\1x", "[", r"\", "a{2,1}", "(?P<x>a)(?P=x)", "*"] {
        for semantics in [FullMatch, SEARCH, StartAnchored, EndAnchored, Glob, Prefix] {
            let _ = analyze_pattern(pattern, semantics);
        }
    }
    let catastrophic = format!("{}!", "a".repeat(40));
    assert!(!OriginMatcher::new(r"^(a+)+\1$", FullMatch).is_ok_and(|m| m.is_match(&catastrophic)));
}

#[test]
fn large_repetition_counts_are_analysed_as_the_origins_they_can_match() {
    // The boundary of issue 13: both sides of 1000 are judged, and alike.
    for count in ["1000", "1001", "5000", "100000", "99999999999999999999999"] {
        let pattern = format!("https://.{{0,{count}}}");
        let report = analyze_pattern(&pattern, FullMatch);
        assert_eq!(report.unanalyzable, None, "{pattern}");
        assert!(report.accepts_any, "{pattern}");
    }
    let is = |p: &str, o: &str| OriginMatcher::new(p, FullMatch).is_ok_and(|m| m.is_match(o));
    // Exact on everything up to the origin bound: a count of 5000 requires 5000 characters.
    assert!(!is(r"https://a{5000}\.com", "https://aaaa.com"));
    assert!(is(r"https://a{2,5000}\.com", "https://aaaa.com"));
    assert!(is(r"https://a{00002}\.com", "https://aa.com"), "leading zeros keep their value");
    // Counts inside a class or escaped are not counts.
    assert!(is(r"https://[{]5000}\.com", "https://{5000}.com"));
    assert!(is(r"https://x\{5000}\.com", "https://x{5000}.com"));
    // What still compiles too large is reported, not passed.
    assert_eq!(analyze_pattern("https://(a{0,100}){0,100}", FullMatch).unanalyzable, None);
    assert_eq!(
        analyze_pattern("https://((a{0,1000}){0,1000}){0,1000}", FullMatch).unanalyzable,
        Some(Unanalyzable::TooComplex)
    );
}

#[test]
fn matcher_semantics() {
    let is = |p: &str, s, o: &str| OriginMatcher::new(p, s).is_ok_and(|m| m.is_match(o));
    assert!(is(r"https://a\.com", FullMatch, "https://a.com") && !is(r"https://a\.com", FullMatch, "https://a.com.x"));
    assert!(is(r"https://a\.com", StartAnchored, "https://a.com.x") && !is(r"a\.com", StartAnchored, "https://a.com"));
    assert!(is(r"a\.com", SEARCH, "https://a.com") && !is(r"A\.com", SEARCH, "https://a.com"));
    assert!(is(r"A\.com", SEARCH_CI, "https://a.com"));
    assert!(is(r"a\.com", EndAnchored, "https://A.COM") && !is(r"a\.com", EndAnchored, "https://a.com.x"));
    assert!(is("https://*.a.com", Glob, "https://x-1.a.com") && !is("https://*.a.com", Glob, "https://x.y.a.com"));
    assert!(!is("https://*.a.com", Glob, "https://xa.com"));
    assert!(is("https://a.com", Prefix, "https://a.com.evil") && !is("https://a.com", Prefix, "https://aXcom"));
    assert!(is(r"a|b", FullMatch, "b") && !is(r"a|b", FullMatch, "ab"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_patterns_never_panic(pattern in r"[a-z.*+?^$\\()\[\]{}|:/0-9-]{0,40}") {
            for semantics in [FullMatch, SEARCH, EndAnchored, Glob, Prefix] {
                let report = analyze_pattern(&pattern, semantics);
                for f in report.findings {
                    prop_assert!(SerializedOrigin::parse(&f.attack_origin).is_some());
                    if let Some(r) = f.cause_range {
                        prop_assert!(r.start <= r.end && r.end <= pattern.len());
                    }
                }
            }
        }
    }
}

#[test]
fn more_real_world_patterns() {
    clean(r"https://(.*\.)?example\.com", FullMatch);
    clean(r"https://[a-z]+\.example\.(com|org)", FullMatch);
    clean(r"^https://.*\.example\.com$", SEARCH);
    clean(r"https://.*\.example\.com(:\d+)?", FullMatch);
    assert_eq!(
        findings(r"https://.*\.example\.com", SEARCH),
        [finding(K::UnanchoredEnd, "https://app.example.com.evil.com", "$")]
    );
    assert_eq!(
        findings(r"https://app\.example\.[a-z]+", FullMatch),
        [finding(K::UnboundedWildcard, "https://app.example.io", "[a-z]+")]
    );
    assert_eq!(
        findings(r"https://.*\.ngrok-free\.app", FullMatch),
        [finding(K::AnySubdomainOfPublicSuffix, "https://evil.ngrok-free.app", ".*")]
    );
    // Every dot that opens another registrable domain is its own cause.
    assert_eq!(
        findings("https://app.example.co.uk", FullMatch),
        [
            finding(K::UnescapedDot, "https://appaexample.co.uk", "."),
            finding(K::UnescapedDot, "https://app.exampleaco.uk", "."),
        ]
    );
    // Only digits can follow `localhost:`, and a port is not a host.
    assert_eq!(findings(r"http://localhost:.*", FullMatch), []);
    clean(r"http://127.0.0.1:8000", FullMatch);
}

/// semantics.md section 6, union set for `https://app.example.com`: a strict pattern accepts
/// none of them, and what each weakening lets in is one of them.
#[test]
fn patterns_that_never_match_a_browser_origin() {
    let never = |p: &str, s| analyze_pattern(p, s).never_matches;
    assert_eq!(never(r"https://app\.example\.com/", FullMatch), Some(OriginProblemKind::TrailingSlash));
    assert_eq!(never(r"https://.*\.example\.com/", FullMatch), Some(OriginProblemKind::TrailingSlash));
    assert_eq!(never(r"^https://App\.example\.com", SEARCH), Some(OriginProblemKind::UpperCase));
    assert_eq!(never(r"^https://App\.example\.com", SEARCH_CI), None);
    assert_eq!(never(r"https://a\.com:443", FullMatch), Some(OriginProblemKind::DefaultPort));
    assert_eq!(never(r"https://app\.example\.com/?", FullMatch), None);
    assert_eq!(never(r"http://localhost:.*", FullMatch), None);
}

#[test]
fn union_attack_set() {
    let strict = OriginMatcher::new(r"^https://app\.example\.com$", SEARCH).expect("compiles");
    let union = [
        "https://evil.com",
        "null",
        "https://app.example.com.evil.com",
        "https://evilapp.example.com",
        "https://evilexample.com",
        "https://xample.com",
        "https://appaexample.com",
        "https://app.exampleacom",
        "https://evil.app.example.com",
        "https://evil.example.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://app.example.com_.evil.com",
        "https://app.example.com%60.evil.com",
        "HTTPS://APP.EXAMPLE.COM",
        "https://app.example.com/",
        "https://whatever.github.io",
        "https://codepen.io",
    ];
    assert!(union.iter().all(|o| !strict.is_match(o)));
    assert!(strict.is_match("https://app.example.com"));
    let weak = [
        (r"https://app\.example\.com", SEARCH),
        (r"https://app.example.com", FullMatch),
        (r"https://.*example\.com", FullMatch),
        (r"https://app\.example\.com|.*//app\.example\.com", FullMatch),
        (r".*\.github\.io|https://app\.example\.com", FullMatch),
    ];
    for (pattern, semantics) in weak {
        let report = analyze_pattern(pattern, semantics);
        assert!(!report.findings.is_empty(), "{pattern}");
        for f in &report.findings {
            let in_union = union.contains(&f.attack_origin.as_str());
            let derived = ["evil", ".evil.com", "aexample", "github.io"].iter().any(|w| f.attack_origin.contains(w));
            assert!(in_union || derived, "{pattern}: {}", f.attack_origin);
        }
    }
}
