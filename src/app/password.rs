//! Password hashing with argon2id (PRODUCT.md section 9: m=19456 KiB, t=2, p=1).
//!
//! Hashing is slow on purpose, so it runs on the blocking pool, never on the async workers.

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn argon2() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::thread_rng());
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("could not hash a password: {e}"))?;
    Ok(hash.to_string())
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("the password hashing task failed")?
}

/// A hash to check against when the account does not exist, so that the answer takes as long
/// as for a real account and timing does not tell which e-mail addresses have accounts.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not-a-real-password-for-timing").unwrap_or_default())
}

fn verify_blocking(candidate: &str, hash: Option<&str>) -> bool {
    let stored: &str = match hash {
        Some(h) => h,
        None => dummy_hash(),
    };
    let ok = PasswordHash::new(stored)
        .map(|parsed| {
            argon2()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && hash.is_some()
}

/// Checks a password; `None` (no such account) runs the same work and always fails.
pub async fn verify(candidate: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&candidate, hash.as_deref()))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_specified_parameters() {
        let h = hash_blocking("demo-password").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("demo-password", Some(&h)));
        assert!(!verify_blocking("demo-passwore", Some(&h)));
        assert!(!verify_blocking("not-a-real-password-for-timing", None));
        assert!(!verify_blocking("x", Some("not a hash")));
    }
}
