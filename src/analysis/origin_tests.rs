use super::*;
use OriginProblemKind as K;

fn check(s: &str) -> OriginCheck {
    check_origin_literal(s, LiteralContext::EXACT)
}

/// The problem kinds with the text each one points at.
fn problems(s: &str, ctx: LiteralContext) -> Vec<(OriginProblemKind, &str)> {
    check_origin_literal(s, ctx).problems.iter().map(|p| (p.kind, &s[p.range.start..p.range.end])).collect()
}

#[test]
fn exact_origins_have_no_problem() {
    for s in [
        "https://app.example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8000",
        "http://[::1]:5173",
        "https://a-b_c.example.co.uk:8443",
        "chrome-extension://abcdefgh",
        "capacitor://localhost",
    ] {
        let c = check(s);
        assert!(c.problems.is_empty(), "{s}: {:?}", c.problems);
        assert_eq!(c.corrected, None);
        assert!(matches!(&c.value, OriginValue::Origin(o) if o.to_string() == s), "{s}");
        assert_eq!(SerializedOrigin::parse(s).map(|o| o.to_string()).as_deref(), Some(s));
    }
}

#[test]
fn any_and_null() {
    assert!(check("*").is_any());
    assert!(check("null").is_null());
    let upper = check("Null");
    assert!(!upper.is_null() && upper.value == OriginValue::Null);
    assert_eq!(problems("Null", LiteralContext::EXACT), [(K::UpperCase, "Null")]);
    assert_eq!(upper.corrected.as_deref(), Some("null"));
    let spaced = check(" *");
    assert!(!spaced.is_any() && spaced.never_matches());
    assert_eq!(spaced.corrected.as_deref(), Some("*"));
}

#[test]
fn trailing_slash_path_query_fragment() {
    let c = check("http://localhost:3000/");
    assert_eq!(problems("http://localhost:3000/", LiteralContext::EXACT), [(K::TrailingSlash, "/")]);
    assert_eq!(c.corrected.as_deref(), Some("http://localhost:3000"));
    assert_eq!(
        problems("https://a.com/app/?x=1#top", LiteralContext::EXACT),
        [(K::Path, "/app/"), (K::Query, "?x=1"), (K::Fragment, "#top")]
    );
    assert_eq!(check("https://a.com/app").corrected.as_deref(), Some("https://a.com"));
    assert_eq!(problems("https://a.com#x", LiteralContext::EXACT), [(K::Fragment, "#x")]);
}

#[test]
fn missing_scheme_suggests_http_only_for_loopback() {
    assert_eq!(problems("localhost:3000", LiteralContext::EXACT), [(K::MissingScheme, "localhost:3000")]);
    assert_eq!(check("localhost:3000").corrected.as_deref(), Some("http://localhost:3000"));
    assert_eq!(check("127.0.0.1:8080").corrected.as_deref(), Some("http://127.0.0.1:8080"));
    assert_eq!(check("app.example.com").corrected.as_deref(), Some("https://app.example.com"));
    assert_eq!(check("//app.example.com").corrected.as_deref(), Some("https://app.example.com"));
    assert_eq!(problems("//app.example.com", LiteralContext::EXACT), [(K::MissingScheme, "//")]);
}

#[test]
fn default_port_case_whitespace_userinfo() {
    assert_eq!(problems("https://a.com:443", LiteralContext::EXACT), [(K::DefaultPort, ":443")]);
    assert_eq!(check("https://a.com:443").corrected.as_deref(), Some("https://a.com"));
    assert_eq!(check("http://a.com:80").corrected.as_deref(), Some("http://a.com"));
    assert!(check("http://a.com:443").problems.is_empty());
    assert_eq!(problems("https://a.com:", LiteralContext::EXACT), [(K::DefaultPort, ":")]);
    assert_eq!(
        problems("HTTPS://App.Example.com", LiteralContext::EXACT),
        [(K::UpperCase, "HTTPS"), (K::UpperCase, "App.Example.com")]
    );
    assert_eq!(check("HTTPS://App.Example.com").corrected.as_deref(), Some("https://app.example.com"));
    assert!(problems("HTTPS://App.Example.com", LiteralContext::INGRESS_NGINX).is_empty());
    assert_eq!(problems(" https://a.com\n", LiteralContext::EXACT), [(K::Whitespace, " "), (K::Whitespace, "\n")]);
    assert_eq!(check(" https://a.com\n").corrected.as_deref(), Some("https://a.com"));
    assert_eq!(problems("https://me@a.com", LiteralContext::EXACT), [(K::Userinfo, "me@")]);
    assert_eq!(problems("https://a.com:08080", LiteralContext::EXACT), [(K::NotCanonical, "08080")]);
    assert_eq!(check("https://a.com:08080").corrected.as_deref(), Some("https://a.com:8080"));
    assert_eq!(check("http://[0:0::1]:3000").corrected.as_deref(), Some("http://[::1]:3000"));
}

#[test]
fn wildcards_depend_on_the_layer() {
    assert_eq!(problems("https://*.example.com", LiteralContext::EXACT), [(K::WildcardInLiteral, "*")]);
    let c = check("https://*.example.com");
    assert_eq!((c.value, c.corrected), (OriginValue::Invalid, None));
    assert!(problems("https://*.example.com", LiteralContext::INGRESS_NGINX).is_empty());
    assert_eq!(problems("https://a.*.example.com", LiteralContext::INGRESS_NGINX), [(K::WildcardInLiteral, "*")]);
}

#[test]
fn not_origins() {
    assert_eq!(problems("https://a.com https://b.com", LiteralContext::EXACT), [(K::MultipleOrigins, " ")]);
    assert_eq!(problems("https://a.com, https://b.com", LiteralContext::EXACT), [(K::MultipleOrigins, ", ")]);
    assert_eq!(problems("https://a.com:99999", LiteralContext::EXACT), [(K::InvalidPort, ":99999")]);
    assert_eq!(problems("https://a.com:x", LiteralContext::EXACT), [(K::InvalidPort, ":x")]);
    assert_eq!(problems("file://", LiteralContext::EXACT), [(K::OpaqueScheme, "file://")]);
    assert_eq!(problems("https://bücher.de", LiteralContext::EXACT), [(K::NonAsciiHost, "bücher.de")]);
    assert_eq!(problems("https://$host", LiteralContext::EXACT), [(K::Invalid, "$")]);
    assert_eq!(problems("https://", LiteralContext::EXACT), [(K::Invalid, "")]);
    assert_eq!(problems("https:example.com", LiteralContext::EXACT), [(K::Invalid, "https:example.com")]);
    assert_eq!(problems("", LiteralContext::EXACT), [(K::Invalid, "")]);
    assert_eq!(check("ht tp://x").value, OriginValue::Invalid);
    for s in ["https://a..com", "https://.a.com", "h@ttps://a.com", "https://[zz]", "https://[::1]x"] {
        assert!(check(s).never_matches(), "{s}");
        assert_eq!(check(s).value, OriginValue::Invalid, "{s}");
    }
}

#[test]
fn loopback_and_insecure() {
    assert!(check("http://app.example.com").is_http_non_loopback());
    for s in
        ["https://app.example.com", "http://localhost:3000", "http://dev.localhost", "http://127.0.0.2", "http://[::1]"]
    {
        assert!(!check(s).is_http_non_loopback(), "{s}");
    }
    assert!(SerializedOrigin::parse("http://[::1]:3000").is_some_and(|o| o.is_loopback()));
}

#[test]
fn never_panics_on_odd_input() {
    for s in ["://", "[", "https://[", "a:", ":1", "\u{0}", "é:1", "https://a.com:é", "*://*", "https://@", "𝔘://x"]
    {
        let _ = check_origin_literal(s, LiteralContext::EXACT);
        let _ = check_origin_literal(s, LiteralContext::INGRESS_NGINX);
    }
}
