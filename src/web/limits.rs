//! Sign-in throttling per account and per address (governor, a maintained GCRA limiter).
//! Only failed attempts count, against their account and their address: the people of one
//! office (one address behind a proxy) signing in all morning, or one person signing in again
//! and again, are never throttled, while guessing at one account or from one address at many
//! accounts is. The limits live in each portal process; behind a load balancer each process
//! counts alone.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Four failures pass; the fifth finds the budget spent and blocks the account, so the next
/// attempt (even with the right password) waits.
const PER_ACCOUNT_BURST: NonZeroU32 = burst(4);
const PER_ADDRESS_BURST: NonZeroU32 = burst(30);

/// A burst size for the constants above: evaluated while compiling, so a 0 written there
/// stops the build and nothing can fail while the portal runs.
const fn burst(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(b) => b,
        None => panic!("a burst of 0 would refuse every attempt"),
    }
}

pub struct LoginLimiter {
    /// Failed attempts per account.
    per_account: DefaultKeyedRateLimiter<String>,
    /// Failed attempts per address.
    per_address: DefaultKeyedRateLimiter<String>,
    /// Accounts ("account:…") and addresses ("address:…") whose failures ran out, and until
    /// when.
    blocked: Mutex<HashMap<String, Instant>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        // After a burst, one more attempt per minute per account, one per 2 s per address.
        let account = Quota::with_period(Duration::from_secs(60))
            .map(|q| q.allow_burst(PER_ACCOUNT_BURST))
            .unwrap_or_else(|| Quota::per_minute(PER_ACCOUNT_BURST));
        let address = Quota::with_period(Duration::from_secs(2))
            .map(|q| q.allow_burst(PER_ADDRESS_BURST))
            .unwrap_or_else(|| Quota::per_minute(PER_ADDRESS_BURST));
        LoginLimiter {
            per_account: RateLimiter::keyed(account),
            per_address: RateLimiter::keyed(address),
            blocked: Mutex::new(HashMap::new()),
        }
    }
}

impl LoginLimiter {
    fn is_blocked(&self, key: &str) -> bool {
        self.blocked
            .lock()
            .map(|b| b.get(key).is_some_and(|until| Instant::now() < *until))
            .unwrap_or(false)
    }

    /// Whether a sign-in to `account` from `address` may be tried: false while either has
    /// spent its failures.
    pub fn attempt(&self, account: &str, address: &str) -> bool {
        !self.is_blocked(&format!("account:{}", account.to_lowercase()))
            && !self.is_blocked(&format!("address:{address}"))
    }

    /// Counts a failed attempt against its account and its address; one whose budget is
    /// spent is blocked until the limiter would take another.
    pub fn failed(&self, account: &str, address: &str) {
        for (limiter, key) in [
            (
                &self.per_account,
                format!("account:{}", account.to_lowercase()),
            ),
            (&self.per_address, format!("address:{address}")),
        ] {
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                if let Ok(mut blocked) = self.blocked.lock() {
                    blocked.insert(key, Instant::now() + wait);
                }
            }
        }
    }

    /// Forgets keys whose limits have fully recovered, so memory does not grow.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
        if let Ok(mut blocked) = self.blocked.lock() {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_on_one_account_block_it_but_others_go_on() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert!(l.attempt("dana@reseller.example", "10.0.0.1"));
            l.failed("dana@reseller.example", "10.0.0.1");
        }
        assert!(
            !l.attempt("Dana@Reseller.example", "10.0.0.7"),
            "case and another address do not dodge the limit"
        );
        assert!(l.attempt("lee@reseller.example", "10.0.0.1"));
    }

    #[test]
    fn one_person_signing_in_again_and_again_is_never_throttled() {
        let l = LoginLimiter::default();
        for _ in 0..100 {
            assert!(l.attempt("dana@reseller.example", "10.0.0.1"));
        }
    }

    #[test]
    fn one_address_failing_on_many_accounts_is_refused() {
        let l = LoginLimiter::default();
        let ok = (0..40)
            .filter(|i| {
                let allowed = l.attempt(&format!("user{i}@x.example"), "10.0.0.2");
                if allowed {
                    l.failed(&format!("user{i}@x.example"), "10.0.0.2");
                }
                allowed
            })
            .count();
        // Thirty failures spend the burst; the one that finds it spent blocks the address.
        assert_eq!(ok, 31);
        assert!(
            l.attempt("someone@else.example", "10.0.0.3"),
            "another address goes on"
        );
    }

    #[test]
    fn successful_sign_ins_do_not_count_against_the_address() {
        let l = LoginLimiter::default();
        for i in 0..200 {
            assert!(l.attempt(&format!("person{i}@office.example"), "10.0.0.4"));
        }
    }
}

use crate::domain::token::MAX_PER_MINUTE;

/// API requests per token: each token may send its `per_minute` requests a minute (all at
/// once, then one every 60/`per_minute` seconds); past that it is answered 429 with the
/// seconds to wait. Each portal process counts alone, like the sign-in limits.
#[derive(Default)]
pub struct TokenLimiter(Mutex<HashMap<i64, (u32, governor::DefaultDirectRateLimiter)>>);

impl TokenLimiter {
    /// Counts a request of token `id`; `Err(seconds)` to wait when its budget is spent.
    pub fn check(&self, id: i64, per_minute: u32) -> Result<(), u64> {
        let Some(rate) = NonZeroU32::new(per_minute.clamp(1, MAX_PER_MINUTE)) else {
            return Ok(());
        };
        let Ok(mut tokens) = self.0.lock() else {
            return Ok(());
        };
        // A token's rate changed (or it is new): start it afresh at its rate.
        if tokens.get(&id).is_none_or(|(r, _)| *r != rate.get()) {
            tokens.insert(
                id,
                (rate.get(), RateLimiter::direct(Quota::per_minute(rate))),
            );
        }
        match tokens.get(&id).map(|(_, l)| l.check()) {
            Some(Err(not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Forgets tokens that have their whole budget again (run now and then).
    pub fn forget_idle(&self) {
        if let Ok(mut tokens) = self.0.lock() {
            tokens.retain(|_, (rate, l)| {
                NonZeroU32::new(*rate).is_some_and(|r| l.check_n(r).is_err())
            });
        }
    }
}
