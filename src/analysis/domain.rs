//! Host names: registrable domains and public suffixes (Public Suffix List through the `psl`
//! crate, private section included: `vercel.app`, `github.io`, ...), loopback hosts.
//!
//! Hosts are expected as browsers serialize them in `Origin` (lowercase, IPv6 in brackets);
//! every function here lowercases its input first, so callers may pass them as written.

use psl::Psl;
use std::net::{Ipv4Addr, Ipv6Addr};

/// An IPv4 address or a bracketed/bare IPv6 address: these have no registrable domain.
pub fn is_ip_literal(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    host.parse::<Ipv4Addr>().is_ok() || bare.unwrap_or(host).parse::<Ipv6Addr>().is_ok()
}

/// Loopback as CORS107 exempts it: `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return v4.is_loopback();
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    bare.unwrap_or(&host).parse::<Ipv6Addr>().is_ok_and(|v6| v6.is_loopback())
}

/// The public suffix of `host` if the list knows it (`com`, `co.uk`, `vercel.app`), `None` for
/// IP literals and names under an unlisted TLD (`intranet`, `corp.internal`-style names).
pub fn public_suffix(host: &str) -> Option<String> {
    if is_ip_literal(host) {
        return None;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let suffix = psl::List.suffix(host.as_bytes())?;
    if !suffix.is_known() {
        return None;
    }
    std::str::from_utf8(suffix.as_bytes()).ok().map(str::to_owned)
}

/// `name` is itself a listed public suffix (`com`, `github.io`, `vercel.app`): anyone can
/// register a name directly below it.
pub fn is_public_suffix(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    public_suffix(&name).is_some_and(|s| s == name)
}

/// The registrable domain ("eTLD+1": `example.com` for `app.example.com`, `myapp.vercel.app`
/// for `x.myapp.vercel.app`), only under a listed public suffix.
pub fn registrable_domain(host: &str) -> Option<String> {
    if is_ip_literal(host) {
        return None;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let domain = psl::List.domain(host.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(domain.as_bytes()).ok().map(str::to_owned)
}

/// Whether a one-label wildcard directly under `parent` (`https://*.vercel.app`,
/// `https://.*\.github\.io`) admits hosts that anyone can get: true when `parent` is a public
/// suffix. A wildcard under one's own registrable domain (`*.example.com`) is not.
pub fn is_under_public_suffix_wildcard(parent: &str) -> bool {
    is_public_suffix(parent)
}

/// Whether someone other than the owner of the intended domains could obtain `host`: it lies
/// under a listed public suffix and has a registrable domain (so `app.exampleacom`, under no
/// real TLD, and IP literals are not).
pub fn is_obtainable(host: &str) -> bool {
    registrable_domain(host).is_some()
}

/// The "site" used to compare an attack origin with the intended ones: the registrable domain,
/// or the lowercase host itself when it has none (IP literals, `localhost`, intranet names).
pub fn site_key(host: &str) -> String {
    registrable_domain(host).unwrap_or_else(|| host.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domain_uses_icann_and_private_sections() {
        assert_eq!(registrable_domain("app.example.com").as_deref(), Some("example.com"));
        assert_eq!(registrable_domain("a.b.example.co.uk").as_deref(), Some("example.co.uk"));
        assert_eq!(registrable_domain("x.myapp.vercel.app").as_deref(), Some("myapp.vercel.app"));
        assert_eq!(registrable_domain("APP.Example.COM").as_deref(), Some("example.com"));
        assert_eq!(registrable_domain("com"), None);
        assert_eq!(registrable_domain("vercel.app"), None);
        assert_eq!(registrable_domain("127.0.0.1"), None);
        assert_eq!(registrable_domain("[::1]"), None);
        assert_eq!(registrable_domain("app.exampleacom"), None);
    }

    #[test]
    fn public_suffix_wildcards() {
        for open in ["vercel.app", "github.io", "netlify.app", "herokuapp.com", "pages.dev", "com", "co.uk"] {
            assert!(is_under_public_suffix_wildcard(open), "{open}");
        }
        for own in ["example.com", "myapp.vercel.app", "api.example.co.uk", "localhost"] {
            assert!(!is_under_public_suffix_wildcard(own), "{own}");
        }
        assert_eq!(public_suffix("foo.github.io").as_deref(), Some("github.io"));
        assert_eq!(public_suffix("host.intranet"), None);
    }

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["localhost.evil.com", "128.0.0.1", "0.0.0.0", "[::2]", "example.com", "mylocalhost"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn obtainable_and_site_key() {
        assert!(is_obtainable("evilexample.com"));
        assert!(is_obtainable("evil.vercel.app"));
        assert!(!is_obtainable("app.exampleacom"));
        assert!(!is_obtainable("10.0.0.1"));
        assert_eq!(site_key("evil.app.example.com"), "example.com");
        assert_eq!(site_key("localhost"), "localhost");
        assert!(is_ip_literal("[2001:db8::1]") && is_ip_literal("10.1.2.3") && !is_ip_literal("a.com"));
    }
}
