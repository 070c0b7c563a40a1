//! The delivery worker: claims due outbox rows, delivers them, and records the result with
//! the retry schedule of PRODUCT.md section 2. `try_run_once` is what tests and
//! `partner-portal mail flush` call; `spawn` runs it on an interval inside `serve`.

use super::Mailer;
use crate::clock::Clock;
use crate::db::{outbox, Db};
use crate::domain::contact::next_attempt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// How long a claimed message is reserved for the process that claimed it.
const LEASE_SECS: i64 = 120;
const BATCH: i64 = 50;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub sent: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// Delivers every message due at `now` (in batches), once.
pub async fn try_run_once(db: &Db, mailer: &Mailer, now: i64) -> anyhow::Result<RunStats> {
    let mut stats = RunStats::default();
    loop {
        let batch = outbox::claim(&db.pool, db.backend, now, LEASE_SECS, BATCH).await?;
        if batch.is_empty() {
            return Ok(stats);
        }
        for mail in &batch {
            let at = UNIX_EPOCH + Duration::from_secs(now.max(0) as u64);
            match mailer.deliver(mail, at).await {
                Ok(message_id) => {
                    outbox::mark_sent(&db.pool, mail.id, &message_id, now).await?;
                    stats.sent += 1;
                }
                Err(error) => {
                    let retry_at = next_attempt(mail.attempts + 1, now);
                    tracing::warn!(id = mail.id, to = %mail.to_address, %error, dead = retry_at.is_none(), "mail not delivered");
                    outbox::mark_failed(&db.pool, mail.id, &error, retry_at).await?;
                    if retry_at.is_some() {
                        stats.retrying += 1;
                    } else {
                        stats.dead += 1;
                    }
                }
            }
        }
        if (batch.len() as i64) < BATCH {
            return Ok(stats);
        }
    }
}

/// Runs the worker every `every` inside `serve`.
pub fn spawn(
    db: Db,
    mailer: Arc<Mailer>,
    clock: Clock,
    every: Duration,
    metrics: Arc<crate::metrics::Metrics>,
) {
    crate::jobs::repeat("mail", every, metrics, move || {
        let (db, mailer, clock) = (db.clone(), mailer.clone(), clock.clone());
        async move { try_run_once(&db, &mailer, clock.timestamp()).await }
    });
}
