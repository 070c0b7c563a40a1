//! Who is asking, by network address: the connection's peer, or behind a trusted reverse proxy
//! the address that proxy reports. One function serves the sign-in limiter, the audit log and
//! the session list, so a client-sent `X-Forwarded-For` is believed only from `TRUSTED_PROXIES`.

use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads "10.0.0.0/8, 192.168.1.5" (a bare address is a single host).
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("TRUSTED_PROXIES: “{p}” is not an address or a CIDR range such as 10.0.0.0/8.")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client of a connection from `peer` whose `X-Forwarded-For` headers say
    /// `forwarded` (in order): the peer itself unless it is a trusted proxy; otherwise the
    /// right-most forwarded address that is not a trusted proxy (what the nearest untrusted
    /// hop said is all that can be believed).
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.trusts(&peer) {
            return peer;
        }
        let mut hops = forwarded
            .iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        hops.reverse();
        let mut client = peer;
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

/// The client address of a request (see [`TrustedProxies::client`]).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let proxies = req
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
        .map(|s| s.trusted_proxies.clone())
        .unwrap_or_default();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(proxies.client(peer, &forwarded).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() -> Result<(), String> {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &["1.2.3.4"]),
            ip("203.0.113.9")
        );
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5")?;
        // From the load balancer: the client it reports.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["198.51.100.7"]),
            ip("198.51.100.7")
        );
        // A client that sends its own X-Forwarded-For gets its claim skipped: the proxy appends
        // the real address last.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["1.2.3.4, 198.51.100.7"]),
            ip("198.51.100.7")
        );
        // Two trusted hops.
        assert_eq!(
            proxies.client(ip("192.168.1.5"), &["198.51.100.7", "10.0.0.2"]),
            ip("198.51.100.7")
        );
        // Directly from the internet, a forged header is ignored.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &["10.0.0.1"]),
            ip("203.0.113.9")
        );
        // Junk in the header stops the walk at the last good hop.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["not an ip"]),
            ip("10.1.2.3")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("").is_ok_and(|p| p.0.is_empty()));
        Ok(())
    }
}
