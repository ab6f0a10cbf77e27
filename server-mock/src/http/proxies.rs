//! Load balancers the server trusts to say who the client is (`--trusted-proxy`).
//!
//! Behind a load balancer every connection comes from the balancer, so the per-address limits of
//! the session routes would count every client as one. A request whose TCP peer is a trusted
//! proxy is taken to come from the address that proxy appended to `X-Forwarded-For`: the
//! rightmost address in the header that is not itself a trusted proxy (what a client wrote to
//! the left of it is not believed). A request from any other peer is counted by its peer, its
//! `X-Forwarded-For` ignored; with no `--trusted-proxy` (the default) the header is never read.
//!
//! ```
//! use renderiq_server::http::proxies::{ProxyNet, TrustedProxies};
//! let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
//! let peer = "10.0.0.2".parse().unwrap();
//! let client = proxies.client(peer, Some("198.51.100.7, 10.0.0.3"));
//! assert_eq!(client, "198.51.100.7".parse::<std::net::IpAddr>().unwrap());
//! ```

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// One trusted proxy: an address (`10.0.0.2`) or a network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet(IpNet);

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
            .map(Self)
            .map_err(|_| {
                format!(
                    "{s:?} is not an IP address or network: give one like 10.0.0.2 or 10.0.0.0/8"
                )
            })
    }
}

impl std::fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The trusted proxies of a server.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ProxyNet>);

impl TrustedProxies {
    /// Trusts `nets`.
    pub fn new(nets: Vec<ProxyNet>) -> Self {
        Self(nets)
    }

    /// `true` when `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.0.contains(&ip))
    }

    /// The client behind a request from `peer` carrying `forwarded_for` (the `X-Forwarded-For`
    /// header's values joined with commas): see the [module documentation](self).
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let Some(header) = forwarded_for else {
            return peer;
        };
        let mut nearest = peer;
        for hop in header.rsplit(',') {
            match parse_hop(hop) {
                Some(ip) if self.trusts(ip) => nearest = ip,
                Some(ip) => return ip,
                // An unreadable entry: nothing to its left can be believed.
                None => return nearest,
            }
        }
        nearest
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`203.0.113.5:4711`,
/// `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.2`, what a dual-stack socket reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), Some("198.51.100.1")),
            ip("203.0.113.9")
        );
        let lb = proxies(&["10.0.0.2"]);
        assert_eq!(
            lb.client(ip("203.0.113.9"), Some("198.51.100.1")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let lb = proxies(&["10.0.0.0/8", "fd00::/8"]);
        // A client's own forged entry to the left is not believed.
        assert_eq!(
            lb.client(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7, 10.0.0.3")),
            ip("198.51.100.7")
        );
        assert_eq!(
            lb.client(ip("10.0.0.2"), Some("[2001:db8::1]:4711")),
            ip("2001:db8::1")
        );
        assert_eq!(
            lb.client(ip("::ffff:10.0.0.2"), Some("198.51.100.7:80")),
            ip("198.51.100.7")
        );
        // No header, or nothing but proxies: the nearest proxy.
        assert_eq!(lb.client(ip("10.0.0.2"), None), ip("10.0.0.2"));
        assert_eq!(lb.client(ip("10.0.0.2"), Some("10.0.0.4")), ip("10.0.0.4"));
        // An unreadable entry stops the walk at the last hop that could be read.
        assert_eq!(
            lb.client(ip("10.0.0.2"), Some("198.51.100.7, junk, 10.0.0.3")),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn a_proxy_is_an_address_or_a_network_and_anything_else_is_refused_with_an_example() {
        assert_eq!(
            "10.0.0.2".parse::<ProxyNet>().unwrap().to_string(),
            "10.0.0.2/32"
        );
        assert_eq!(
            "10.0.0.0/8".parse::<ProxyNet>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        let e = "lb.internal".parse::<ProxyNet>().unwrap_err();
        assert!(e.contains("10.0.0.0/8"), "{e}");
    }
}
