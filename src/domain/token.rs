//! Secrets the portal hands out (API tokens, unsubscribe links) are stored only as their
//! SHA-256, so a copy of the database does not hold usable credentials.

use sha2::{Digest, Sha256};

/// The lower-case hex SHA-256 of a token, as stored.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The most requests a minute an API token may be given, and the default.
pub const MAX_PER_MINUTE: u32 = 6_000;
pub const DEFAULT_PER_MINUTE: u32 = 600;

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiScope {
    SchedulesRead,
    OrdersRead,
    OrdersWrite,
    QuotesRead,
    QuotesWrite,
    CatalogueRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 6] = [
        ApiScope::SchedulesRead,
        ApiScope::OrdersRead,
        ApiScope::OrdersWrite,
        ApiScope::QuotesRead,
        ApiScope::QuotesWrite,
        ApiScope::CatalogueRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::SchedulesRead => "schedules:read",
            ApiScope::OrdersRead => "orders:read",
            ApiScope::OrdersWrite => "orders:write",
            ApiScope::QuotesRead => "quotes:read",
            ApiScope::QuotesWrite => "quotes:write",
            ApiScope::CatalogueRead => "catalogue:read",
        }
    }

    pub fn parse(s: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// What it allows, in words.
    pub fn label(self) -> &'static str {
        match self {
            ApiScope::SchedulesRead => "Read license schedules",
            ApiScope::OrdersRead => "Read orders",
            ApiScope::OrdersWrite => "Place orders",
            ApiScope::QuotesRead => "Read inquiries and quotes",
            ApiScope::QuotesWrite => "Send quotes",
            ApiScope::CatalogueRead => "Read the catalogue and translate SKUs",
        }
    }

    /// Whether an organisation of this kind may hold it: placing orders and sending quotes
    /// are distributors' work.
    pub fn allowed_for(self, kind: crate::domain::OrgKind) -> bool {
        use crate::domain::OrgKind;
        match self {
            ApiScope::OrdersWrite | ApiScope::QuotesWrite => kind == OrgKind::Distributor,
            _ => true,
        }
    }
}

/// The scopes of a stored list ("schedules:read catalogue:read"); unknown words are skipped.
pub fn parse_scopes(stored: &str) -> Vec<ApiScope> {
    stored
        .split_whitespace()
        .filter_map(ApiScope::parse)
        .collect()
}

/// The stored form of a set of scopes, in [`ApiScope::ALL`]'s order.
pub fn store_scopes(scopes: &[ApiScope]) -> String {
    ApiScope::ALL
        .into_iter()
        .filter(|s| scopes.contains(s))
        .map(ApiScope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            super::hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn scopes_are_stored_in_one_order_and_unknown_words_are_skipped() {
        use super::{parse_scopes, store_scopes, ApiScope};
        let read = parse_scopes("catalogue:read  schedules:read orders:delete");
        assert_eq!(read, [ApiScope::CatalogueRead, ApiScope::SchedulesRead]);
        assert_eq!(store_scopes(&read), "schedules:read catalogue:read");
        assert!(!ApiScope::OrdersWrite.allowed_for(crate::domain::OrgKind::Reseller));
        assert!(ApiScope::OrdersWrite.allowed_for(crate::domain::OrgKind::Distributor));
    }
}
