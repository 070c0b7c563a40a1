//! Webhooks: the events an organisation's systems can be told of, the addresses the portal
//! sends them to, and the signature a receiver checks.
//!
//! A delivery is an HTTP POST of a JSON event with the header
//! `Partner-Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`: the HMAC, keyed with the
//! endpoint's secret, of the timestamp, a full stop and the body exactly as sent. While a
//! rotated secret is still honoured, a second `v1=` signed with it follows the first.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Partner-Portal-Signature";
/// The header that carries the event's id (the same on every attempt).
pub const EVENT_ID_HEADER: &str = "Partner-Portal-Event-Id";
/// The header that carries the event's type.
pub const EVENT_TYPE_HEADER: &str = "Partner-Portal-Event-Type";
/// The longest address accepted.
pub const MAX_URL: usize = 2_000;
/// How long a rotated secret keeps signing beside the new one (seconds).
pub const ROTATION_OVERLAP_SECS: i64 = 24 * 3600;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    InquirySubmitted,
    QuoteSent,
    OrderPlaced,
    OrderProcessed,
    RenewalReminder,
    /// Sent on request from the endpoint's page, to try a receiver; nobody subscribes to it.
    Ping,
}

impl EventType {
    /// The events an endpoint can choose.
    pub const CHOSEN: [EventType; 5] = [
        EventType::InquirySubmitted,
        EventType::QuoteSent,
        EventType::OrderPlaced,
        EventType::OrderProcessed,
        EventType::RenewalReminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InquirySubmitted => "inquiry.submitted",
            EventType::QuoteSent => "quote.sent",
            EventType::OrderPlaced => "order.placed",
            EventType::OrderProcessed => "order.processed",
            EventType::RenewalReminder => "renewal.reminder",
            EventType::Ping => "ping",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::CHOSEN
            .into_iter()
            .chain([EventType::Ping])
            .find(|e| e.as_str() == s)
    }

    /// When it is sent, in words.
    pub fn label(self) -> &'static str {
        match self {
            EventType::InquirySubmitted => "A pricing inquiry is submitted",
            EventType::QuoteSent => "A quote is sent or revised",
            EventType::OrderPlaced => "An order is placed",
            EventType::OrderProcessed => "An order is processed (its schedule entries issued)",
            EventType::RenewalReminder => {
                "Renewal reminders (90, 60 and 30 days before an entry ends)"
            }
            EventType::Ping => "A test event",
        }
    }
}

/// The events of a stored list ("order.placed,quote.sent"); unknown words are skipped.
pub fn parse_events(stored: &str) -> Vec<EventType> {
    stored
        .split(',')
        .filter_map(|e| EventType::parse(e.trim()))
        .collect()
}

/// The stored form of a list of events, in [`EventType::CHOSEN`] order.
pub fn store_events(events: &[EventType]) -> String {
    EventType::CHOSEN
        .into_iter()
        .filter(|e| events.contains(e))
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks an endpoint address as typed: `https://` anywhere on the internet, or plain
/// `http://` to this machine only (for trying a receiver out); no user name or password, no
/// fragment, and no internal network address written as a number. Returns the address as it
/// will be called, or what to change, in words.
pub fn check_url(typed: &str) -> Result<String, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("Enter the address the portal sends events to, starting with https://.");
    }
    if typed.chars().count() > MAX_URL {
        return Err("This address is too long; use one of at most 2,000 characters.");
    }
    let url = url::Url::parse(typed).map_err(|_| {
        "Enter a full address starting with https://, e.g. https://erp.example.com/portal-events."
    })?;
    let host = url.host();
    let loopback = match host {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if host.is_some() => {}
        "http" if loopback => {}
        "http" => {
            return Err("Use an https:// address: plain http:// is accepted only for this machine (localhost), for testing.")
        }
        _ => return Err("Enter an address starting with https://."),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave the user name and password out of the address: every delivery is signed instead.");
    }
    if url.fragment().is_some() {
        return Err("Leave out the part from # on: it is never sent to the receiver.");
    }
    let ip: Option<IpAddr> = match host {
        Some(url::Host::Ipv4(ip)) => Some(ip.into()),
        Some(url::Host::Ipv6(ip)) => Some(ip.into()),
        _ => None,
    };
    if ip.is_some_and(|ip| !ip.is_loopback() && internal(ip)) {
        return Err(
            "This is an internal network address: enter the receiver's address on the internet.",
        );
    }
    Ok(url.to_string())
}

/// Whether a receiver's name may be called at this address: loopback (a receiver on this
/// machine, for trying one out) or one on the public internet, never an internal network's
/// (a name that resolves there, such as a cloud's metadata service, is refused when called).
pub fn callable(ip: IpAddr) -> bool {
    ip.is_loopback() || !internal(ip)
}

/// Private, link-local (cloud metadata), unspecified, multicast and other addresses that are
/// not on the public internet.
fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, shared address space (carrier-grade NAT).
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| internal(v4.into()))
        }
    }
}

/// The lower-case hex HMAC-SHA256 of `{timestamp}.{body}` keyed with `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    super::token::hex(&mac.finalize().into_bytes())
}

/// The signature header's value: `t=<timestamp>` and a `v1=` for each secret that signs.
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    let mut value = format!("t={timestamp}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(secret, timestamp, body));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses() {
        let ok = |s: &str| check_url(s).unwrap();
        assert_eq!(
            ok(" https://erp.example.com/portal-events "),
            "https://erp.example.com/portal-events"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080/hook"),
            "http://127.0.0.1:8080/hook"
        );
        assert_eq!(ok("http://localhost/hook"), "http://localhost/hook");
        assert_eq!(ok("http://[::1]:9/x"), "http://[::1]:9/x");
        assert_eq!(
            ok("https://bücher.example/x"),
            "https://xn--bcher-kva.example/x"
        );
        for refused in [
            "",
            "erp.example.com",
            "http://erp.example.com/hook",
            "ftp://erp.example.com/",
            "https://user:pw@erp.example.com/",
            "https://erp.example.com/#part",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/x",
            "https://[::ffff:192.168.1.1]/x",
            "https://0.0.0.0/x",
            "javascript:alert(1)",
            "https://",
        ] {
            assert!(check_url(refused).is_err(), "{refused:?} is refused");
        }
        assert!(check_url(&format!("https://e.example/{}", "a".repeat(2_000))).is_err());
    }

    #[test]
    fn names_are_called_only_at_public_or_loopback_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for ok in ["93.184.216.34", "127.0.0.1", "::1", "2606:4700::1111"] {
            assert!(callable(ip(ok)), "{ok}");
        }
        for refused in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!callable(ip(refused)), "{refused}");
        }
    }

    #[test]
    fn signature_is_the_hmac_of_timestamp_and_body() {
        let got = sign("whsec_test", 1_700_000_000, b"{}");
        assert_eq!(got.len(), 64);
        assert_ne!(got, sign("whsec_test", 1_700_000_001, b"{}"));
        assert_ne!(got, sign("whsec_other", 1_700_000_000, b"{}"));
        // The primitive is HMAC-SHA256: RFC 4231's test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            crate::domain::token::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature_header(&["a", "b"], 5, b"x"),
            format!("t=5,v1={},v1={}", sign("a", 5, b"x"), sign("b", 5, b"x"))
        );
    }

    #[test]
    fn events_round_trip() {
        let stored = store_events(&[EventType::OrderPlaced, EventType::InquirySubmitted]);
        assert_eq!(stored, "inquiry.submitted,order.placed");
        assert_eq!(
            parse_events(&format!("{stored},nonsense")),
            [EventType::InquirySubmitted, EventType::OrderPlaced]
        );
    }

    proptest! {
        #[test]
        fn any_text_is_judged_without_panic(s in "\\PC{0,80}") {
            let _ = check_url(&s);
            let _ = check_url(&format!("https://{s}"));
            let _ = parse_events(&s);
        }
    }
}
