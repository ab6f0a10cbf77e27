//! Where the server may send requests: the address policy of webhook and `callbackUrl`
//! deliveries, and the redaction of their URLs in logs.
//!
//! A delivery target must be an `http(s)` URL whose host is, or resolves only to, public
//! addresses. Refused: loopback, private (RFC 1918, IPv6 unique local), link-local, shared
//! (CGNAT), multicast, broadcast, unspecified, documentation, benchmarking and other reserved
//! ranges, and the IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
//! 6to4) of any of those. A host name is refused when *any* of its addresses is. The `url` crate
//! parses numeric hosts the WHATWG way, so `http://2130706433`, `http://0x7f.1` and
//! `http://127.1` all arrive here as `127.0.0.1`.
//!
//! The policy is applied twice: when a URL is registered ([`Policy::check_target`], which
//! resolves the host), and when a delivery connects. There the deliverer's HTTP client resolves
//! names through [`PolicyResolver`], which hands the connector only addresses it has checked
//! (no DNS rebinding between check and connect), and checks IP-literal hosts, which never reach a
//! resolver, itself ([`Policy::check_literal`]).
//!
//! `--allow-private-webhooks` turns the policy off, for local development against a receiver on
//! the same machine or network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// The flag that lets deliveries reach internal addresses; every refusal names it.
pub const ALLOW_FLAG: &str = "--allow-private-webhooks";

/// Longest a registration waits for its host to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which delivery targets are allowed. Cheap to copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    allow_private: bool,
}

/// A target the policy refuses. Its message names no resolved address (a refusal must not tell
/// a caller what an internal name resolves to) and says how to allow it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}: webhooks and callback URLs may not target loopback, private, link-local or other internal addresses (a server for local development can allow them with {ALLOW_FLAG})")]
pub struct Refused {
    what: String,
    /// The refused address, for the operator's log.
    pub addr: IpAddr,
}

impl Policy {
    /// The policy of a server started with (`true`) or without `--allow-private-webhooks`.
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }

    /// Whether internal addresses are allowed.
    pub fn allows_private(self) -> bool {
        self.allow_private
    }

    /// Refuses `addr` when it is internal, unless the policy allows those. `host` is what the URL
    /// named (a name, or the address itself).
    ///
    /// # Errors
    ///
    /// [`Refused`], saying what kind of address it is when `host` is the address itself.
    pub fn check_addr(self, host: &str, addr: IpAddr) -> Result<(), Refused> {
        if self.allow_private {
            return Ok(());
        }
        let Some(kind) = classify(addr) else {
            return Ok(());
        };
        let what = if is_literal(host) {
            format!("{host} is {} {kind} address", article(kind))
        } else {
            format!("{host} resolves to an internal address")
        };
        Err(Refused { what, addr })
    }

    /// Refuses a host name that always means this machine (`localhost`, `*.localhost`, RFC 6761),
    /// whatever the resolver says. (At delivery, such a name is refused by the address it
    /// resolves to.)
    fn check_name(self, name: &str) -> Result<(), Refused> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if self.allow_private || !(name == "localhost" || name.ends_with(".localhost")) {
            return Ok(());
        }
        Err(Refused {
            what: format!("{name} names this machine"),
            addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        })
    }

    /// At delivery: refuses a URL whose host is an internal IP literal. Host names are checked by
    /// [`PolicyResolver`] when the client resolves them (a literal never reaches a resolver); a
    /// URL that does not parse is left to the client to reject.
    ///
    /// # Errors
    ///
    /// [`Refused`].
    pub fn check_literal(self, url: &str) -> Result<(), Refused> {
        let Ok(url) = Url::parse(url) else {
            return Ok(());
        };
        match url.host() {
            Some(Host::Ipv4(ip)) => self.check_addr(&ip.to_string(), IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_addr(&format!("[{ip}]"), IpAddr::V6(ip)),
            Some(Host::Domain(_)) | None => Ok(()),
        }
    }

    /// At registration: the URL must be `http(s)` with a host, and the host must not be, or
    /// resolve to, an internal address. A name that does not resolve (yet) is accepted: each
    /// delivery resolves and checks it again.
    ///
    /// # Errors
    ///
    /// What is wrong, as a message for the field's error details.
    pub async fn check_target(self, url: &str) -> Result<(), String> {
        let parsed = match Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => u,
            _ => return Err("must be an http(s) URL".to_owned()),
        };
        if let Some(Host::Domain(name)) = parsed.host() {
            self.check_name(name).map_err(|e| e.to_string())?;
            if self.allow_private {
                return Ok(());
            }
            let port = parsed.port_or_known_default().unwrap_or(80);
            let resolved = tokio::time::timeout(
                RESOLVE_TIMEOUT,
                tokio::net::lookup_host((name.trim_end_matches('.'), port)),
            )
            .await;
            if let Ok(Ok(addrs)) = resolved {
                for addr in addrs {
                    self.check_addr(name, addr.ip())
                        .map_err(|e| e.to_string())?;
                }
            }
            return Ok(());
        }
        self.check_literal(url).map_err(|e| e.to_string())
    }

    /// The resolver of a delivery client applying this policy.
    pub fn resolver(self) -> std::sync::Arc<PolicyResolver> {
        std::sync::Arc::new(PolicyResolver { policy: self })
    }
}

/// A [`reqwest`] resolver that resolves with the system resolver and fails, with [`Refused`],
/// when any address of the name is refused by its [`Policy`]; otherwise the connector gets
/// exactly the addresses that were checked.
#[derive(Debug, Clone, Copy)]
pub struct PolicyResolver {
    policy: Policy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                policy.check_addr(&host, addr.ip())?;
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Finds a [`Refused`] among the causes of a client error: a name the resolver refused.
pub fn refusal<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e Refused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

/// `url` as it may be logged: without user name and password, without fragment, and with its
/// query (which may carry a token) replaced by `?<redacted>`.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return "<unparseable URL>".to_owned();
    };
    let had_query = parsed.query().is_some();
    // Fails only for URLs without a host, which carry no credentials.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut out = parsed.to_string();
    if had_query {
        out.push_str("?<redacted>");
    }
    out
}

/// What kind of internal address `addr` is; `None` for a public one.
pub fn classify(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Internal IPv4 ranges (network, prefix length, kind), RFC 6890 and its successors.
const V4_RANGES: &[([u8; 4], u32, &str)] = &[
    ([0, 0, 0, 0], 8, "unspecified"),
    ([10, 0, 0, 0], 8, "private"),
    ([100, 64, 0, 0], 10, "shared (CGNAT)"),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local"),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 0, 0, 0], 24, "reserved"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([192, 88, 99, 0], 24, "reserved"),
    ([192, 168, 0, 0], 16, "private"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([255, 255, 255, 255], 32, "broadcast"),
    ([240, 0, 0, 0], 4, "reserved"),
];

fn classify_v4(addr: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(addr);
    V4_RANGES
        .iter()
        .find(|(net, len, _)| {
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            bits & mask == u32::from_be_bytes(*net) & mask
        })
        .map(|(_, _, kind)| *kind)
}

/// Internal IPv6 ranges (network, prefix length, kind). The forms that embed an IPv4 address
/// are handled before these.
const V6_RANGES: &[(u128, u32, &str)] = &[
    (0, 128, "unspecified"),
    (1, 128, "loopback"),
    // ::a.b.c.d, deprecated by RFC 4291; never a real destination.
    (0, 96, "IPv4-compatible"),
    (0x0064_ff9b_0001 << 80, 48, "NAT64 local-use"),
    (0x0100 << 112, 64, "discard-only"),
    (0x2001_0db8 << 96, 32, "documentation"),
    // IETF protocol assignments: Teredo, benchmarking, ORCHID.
    (0x2001 << 112, 23, "reserved"),
    (0x3fff << 112, 20, "documentation"),
    (0xfc00 << 112, 7, "unique local (private)"),
    (0xfe80 << 112, 10, "link-local"),
    (0xfec0 << 112, 10, "site-local"),
    (0xff00 << 112, 8, "multicast"),
];

fn classify_v6(addr: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = embedded_v4(addr) {
        return classify_v4(v4);
    }
    let bits = u128::from(addr);
    V6_RANGES
        .iter()
        .find(|(net, len, _)| {
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            bits & mask == net & mask
        })
        .map(|(_, _, kind)| *kind)
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
/// (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`).
fn embedded_v4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(addr);
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    let prefix96 = bits >> 32;
    if prefix96 == 0xffff || prefix96 == 0xffff_0000 || prefix96 == 0x0064_ff9b << 64 {
        return Some(low32);
    }
    if bits >> 112 == 0x2002 {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

fn is_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'I']) || kind.starts_with("un") {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<&'static str> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn internal_addresses_are_classified() {
        let table = [
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.255", "shared (CGNAT)"),
            ("169.254.169.254", "link-local"),
            ("192.0.0.8", "reserved"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fc00::1", "unique local (private)"),
            ("fd12:3456::1", "unique local (private)"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2001::1", "reserved"),
            ("100::1", "discard-only"),
            ("64:ff9b:1::1", "NAT64 local-use"),
            // IPv6 forms of internal IPv4 addresses.
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:7f00:1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:0:192.168.0.1", "private"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("64:ff9b::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::", "loopback"),
            ("2002:0a00:0001::1", "private"),
        ];
        for (addr, expected) in table {
            assert_eq!(kind(addr), Some(expected), "{addr}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.0.1.1",
            "198.17.255.255",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
            "2001:200::1",
        ] {
            assert_eq!(kind(addr), None, "{addr}");
        }
    }

    #[tokio::test]
    async fn numeric_and_bracketed_hosts_are_normalised_and_refused() {
        let policy = Policy::new(false);
        for url in [
            "http://127.0.0.1/hook",
            "http://2130706433/hook",
            "http://0x7f.1/hook",
            "http://0x7f000001/hook",
            "http://017700000001/hook",
            "http://127.1/hook",
            "http://0/hook",
            "http://[::1]:8080/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[::ffff:a9fe:a9fe]/latest/meta-data",
            "https://169.254.169.254/",
            "http://10.0.0.1/",
        ] {
            let error = policy.check_target(url).await.unwrap_err();
            assert!(error.contains(ALLOW_FLAG), "{url}: {error}");
            assert!(
                policy.check_literal(url).is_err(),
                "{url} passes the delivery check"
            );
        }
        // Names of this machine, whatever they resolve to (at delivery: by their address).
        for url in [
            "http://localhost:9000/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
        ] {
            let error = policy.check_target(url).await.unwrap_err();
            assert!(error.contains(ALLOW_FLAG), "{url}: {error}");
        }
        let refused = policy.check_literal("http://2130706433/").unwrap_err();
        assert_eq!(refused.addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(refused
            .to_string()
            .starts_with("127.0.0.1 is a loopback address"));
    }

    #[tokio::test]
    async fn public_literals_and_other_schemes() {
        let policy = Policy::new(false);
        policy
            .check_target("https://93.184.216.34/hook")
            .await
            .unwrap();
        policy
            .check_target("http://[2606:4700:4700::1111]/")
            .await
            .unwrap();
        for url in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "not a url",
            "https://",
        ] {
            assert_eq!(
                policy.check_target(url).await.unwrap_err(),
                "must be an http(s) URL",
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn the_flag_allows_internal_targets() {
        let policy = Policy::new(true);
        for url in [
            "http://127.0.0.1:1/",
            "http://localhost/",
            "http://[::1]/",
            "http://10.0.0.1/",
        ] {
            policy.check_target(url).await.unwrap();
            policy.check_literal(url).unwrap();
        }
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_internal_addresses() {
        let resolver = Policy::new(false).resolver();
        let error = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .unwrap();
        let refused = refusal(&*error).unwrap();
        assert!(refused.addr.is_loopback(), "{refused:?}");
        assert_eq!(
            refused.to_string().split(':').next(),
            Some("localhost resolves to an internal address"),
            "the address is not told"
        );
        assert!(refused.to_string().contains(ALLOW_FLAG), "{refused}");

        let allowed = Policy::new(true).resolver();
        let addrs: Vec<SocketAddr> = allowed
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[test]
    fn redacted_urls_carry_no_credentials_or_query() {
        assert_eq!(
            redact("https://user:hunter2@hooks.example.com:8443/in?token=s3cret#frag"),
            "https://hooks.example.com:8443/in?<redacted>"
        );
        assert_eq!(
            redact("http://tok@example.com/hook"),
            "http://example.com/hook"
        );
        assert_eq!(redact("https://example.com/"), "https://example.com/");
        assert_eq!(redact("::garbage"), "<unparseable URL>");
    }
}
