//! Answers kept in this process for a few seconds, for reads that many requests share and
//! that may be a little old: the catalogue snapshot, the counts of long lists, the renewals
//! due on home pages. Each entry is
//! fresh for the cache's time; this process's own writes drop what they change
//! ([`Ttl::forget`]), another process's show once the entry is stale. The cache holds at
//! most [`MAX_ENTRIES`] entries, so keys made of user input cannot grow it without bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most entries one cache holds; past it, stale entries go, and if that is not
/// enough, all.
pub const MAX_ENTRIES: usize = 2_000;

pub struct Ttl<K, V> {
    fresh: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    pub fn new(fresh: Duration) -> Self {
        Ttl {
            fresh,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The answer for `key`: the kept one while fresh, otherwise `read`'s (kept when it
    /// succeeds).
    pub async fn get_or<E, F>(&self, key: K, read: F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.fresh_value(&key) {
            return Ok(v);
        }
        let v = read.await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                let fresh = self.fresh;
                entries.retain(|_, (read, _)| read.elapsed() < fresh);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), v.clone()));
        }
        Ok(v)
    }

    fn fresh_value(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (read, v) = entries.get(key)?;
        (read.elapsed() < self.fresh).then(|| v.clone())
    }

    /// Drops every entry (after this process changed what they answer).
    pub fn forget(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_answers_while_fresh_and_forgets_on_request() {
        let cache: Ttl<u32, u32> = Ttl::new(Duration::from_secs(60));
        assert_eq!(cache.get_or(1, async { Ok::<_, ()>(10) }).await, Ok(10));
        assert_eq!(
            cache.get_or(1, async { Ok::<_, ()>(11) }).await,
            Ok(10),
            "kept"
        );
        cache.forget();
        assert_eq!(cache.get_or(1, async { Ok::<_, ()>(12) }).await, Ok(12));
        assert_eq!(
            cache.get_or(2, async { Err::<u32, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            cache.get_or(2, async { Ok::<_, ()>(20) }).await,
            Ok(20),
            "a failure is not kept"
        );
        let stale: Ttl<u32, u32> = Ttl::new(Duration::ZERO);
        assert_eq!(stale.get_or(1, async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(stale.get_or(1, async { Ok::<_, ()>(2) }).await, Ok(2));
    }

    #[tokio::test]
    async fn never_holds_more_than_its_limit() {
        let cache: Ttl<usize, usize> = Ttl::new(Duration::from_secs(60));
        for k in 0..MAX_ENTRIES + 10 {
            assert_eq!(cache.get_or(k, async move { Ok::<_, ()>(k) }).await, Ok(k));
        }
        assert!(cache.entries.lock().is_ok_and(|e| e.len() <= MAX_ENTRIES));
    }
}
