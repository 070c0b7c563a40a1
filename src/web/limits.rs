//! Sign-in throttling per account and per address (governor, a maintained GCRA limiter).
//! The limits live in each portal process; behind a load balancer each process counts alone.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

const PER_ACCOUNT_BURST: NonZeroU32 = NonZeroU32::new(5).expect("non-zero");
const PER_ADDRESS_BURST: NonZeroU32 = NonZeroU32::new(30).expect("non-zero");

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
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
        }
    }
}

impl LoginLimiter {
    /// Counts one sign-in attempt; false when either limit is exhausted.
    pub fn attempt(&self, account: &str, address: &str) -> bool {
        let account_ok = self.per_account.check_key(&account.to_lowercase()).is_ok();
        let address_ok = self.per_address.check_key(&address.to_string()).is_ok();
        account_ok && address_ok
    }

    /// Forgets keys whose limits have fully recovered, so memory does not grow.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
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
    fn one_address_trying_many_accounts_is_refused() {
        let l = LoginLimiter::default();
        let ok = (0..40)
            .filter(|i| l.attempt(&format!("user{i}@x.example"), "10.0.0.2"))
            .count();
        assert_eq!(ok, 30);
    }
}
