//! Sign-in throttling per account and per address (governor, a maintained GCRA limiter).
//! Every attempt counts against its account; only failed ones count against the address, so
//! the people of one office (one address behind a proxy) signing in all morning are never
//! throttled, while an address guessing at many accounts is. The limits live in each portal
//! process; behind a load balancer each process counts alone.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const PER_ACCOUNT_BURST: NonZeroU32 = NonZeroU32::new(5).expect("non-zero");
const PER_ADDRESS_BURST: NonZeroU32 = NonZeroU32::new(30).expect("non-zero");

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    /// Failed attempts per address.
    per_address: DefaultKeyedRateLimiter<String>,
    /// Addresses whose failures ran out, and until when.
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
    /// Counts one sign-in attempt against its account; false when the account's limit is
    /// exhausted or the address is blocked by its failures.
    pub fn attempt(&self, account: &str, address: &str) -> bool {
        let account_ok = self.per_account.check_key(&account.to_lowercase()).is_ok();
        let address_ok = self
            .blocked
            .lock()
            .map(|b| b.get(address).is_none_or(|until| Instant::now() >= *until))
            .unwrap_or(true);
        account_ok && address_ok
    }

    /// Counts a failed attempt against its address; when the address's budget is spent, it
    /// is blocked until the limiter would take another.
    pub fn failed(&self, address: &str) {
        if let Err(not_until) = self.per_address.check_key(&address.to_string()) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            if let Ok(mut blocked) = self.blocked.lock() {
                blocked.insert(address.to_string(), Instant::now() + wait);
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
    fn sixth_attempt_on_one_account_is_refused_but_others_go_on() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert!(l.attempt("dana@reseller.example", "10.0.0.1"));
        }
        assert!(
            !l.attempt("Dana@Reseller.example", "10.0.0.1"),
            "case does not dodge the limit"
        );
        assert!(l.attempt("lee@reseller.example", "10.0.0.1"));
    }

    #[test]
    fn one_address_failing_on_many_accounts_is_refused() {
        let l = LoginLimiter::default();
        let ok = (0..40)
            .filter(|i| {
                let allowed = l.attempt(&format!("user{i}@x.example"), "10.0.0.2");
                if allowed {
                    l.failed("10.0.0.2");
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
