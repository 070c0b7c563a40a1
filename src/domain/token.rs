//! Secrets the portal hands out (API tokens, unsubscribe links) are stored only as their
//! SHA-256, so a copy of the database does not hold usable credentials.

use sha2::{Digest, Sha256};

/// The lower-case hex SHA-256 of a token, as stored.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
}
