//! Password hashing with argon2id (PRODUCT.md section 9: m=19456 KiB, t=2, p=1).
//!
//! Hashing is slow on purpose, so it runs on the blocking pool, never on the async workers;
//! and each one takes 19 MiB, so at most two per processor core run at once: a sign-in flood
//! waits for a permit (a few seconds at most, then [`Busy`]) instead of exhausting memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Too many password checks at once: the caller answers "busy, try again".
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the portal is busy checking passwords; try again in a moment")]
pub struct Busy;

/// How long a password check waits for a permit before giving up.
const WAIT: Duration = Duration::from_secs(5);

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(2 * cores)
    })
}

/// Runs `work` on the blocking pool once a permit is free (waiting at most [`WAIT`]).
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    bounded_on(permits(), WAIT, work).await
}

async fn bounded_on<T: Send + 'static>(
    permits: &Semaphore,
    wait: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let _permit = tokio::time::timeout(wait, permits.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    tokio::task::spawn_blocking(work).await.map_err(|_| Busy)
}

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
    bounded(move || hash_blocking(&password)).await?
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
pub async fn verify(candidate: String, hash: Option<String>) -> Result<bool, Busy> {
    bounded(move || verify_blocking(&candidate, hash.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_beyond_the_permits_wait_then_are_refused_as_busy() {
        let one = Semaphore::new(1);
        let wait = Duration::from_millis(50);
        let held = one.acquire().await;
        // Every permit taken: the check waits, then gives up without running.
        let check = bounded_on(&one, wait, || verify_blocking("x", None)).await;
        assert!(matches!(check, Err(Busy)));
        drop(held);
        let check = bounded_on(&one, wait, || verify_blocking("x", None)).await;
        assert!(matches!(check, Ok(false)));
        assert!(
            permits().available_permits() >= 2,
            "two per core, at least one core"
        );
    }

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
