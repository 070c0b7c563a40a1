//! The webhook worker: claims due deliveries, POSTs each event signed to its endpoint, and
//! records the answer with the mail outbox's retry schedule (PRODUCT.md section 2): a 2xx
//! answer delivers it; anything else (a redirect too: none is followed), or no answer within
//! the timeout, is tried again later, and after the last try the delivery is dead until
//! someone retries it on the endpoint's page.

use crate::clock::Clock;
use crate::db::webhooks::{self as store, Claimed};
use crate::db::Db;
use crate::domain::contact::next_attempt;
use crate::domain::webhook::{
    signature_header, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER,
};
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed delivery is reserved for the process that claimed it: longer than the
/// timeouts of a batch's sends.
const LEASE_SECS: i64 = 600;
const BATCH: i64 = 25;
/// How long the portal waits for a receiver's answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusing receiver's answer is kept, in characters.
const KEPT_ANSWER: usize = 200;

/// Resolves a receiver's name to its public (or loopback) addresses only: the address check
/// at registration sees numbers only, so a name pointing into an internal network is caught
/// here, at every call.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let callable: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| crate::domain::webhook::callable(a.ip()))
                .collect();
            if callable.is_empty() {
                return Err(format!(
                    "{host} resolves only to internal network addresses, which are never called"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(callable.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client deliveries go out with: no redirect followed, no proxy from the
/// environment, names resolved to public addresses only, a timeout for the whole exchange.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly))
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!(
            "partner-portal-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()?)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub delivered: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// What one attempt came to: the receiver's 2xx status, or its other status if it answered
/// and why the delivery failed.
async fn attempt(
    client: &reqwest::Client,
    d: &Claimed,
    now: i64,
) -> Result<u16, (Option<u16>, String)> {
    let mut secrets = vec![d.secret.as_str()];
    secrets.extend(d.previous_secret.as_deref());
    let signature = signature_header(&secrets, now, d.payload.as_bytes());
    let sent = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, &d.event_id)
        .header(EVENT_TYPE_HEADER, &d.event_type)
        .body(d.payload.clone())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Err((None, unreachable_reason(&e))),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let why = if status.is_redirection() {
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or("elsewhere");
        format!("HTTP {status}: it redirects to {to}; redirects are not followed, so register the address it redirects to.")
    } else {
        let text = response.text().await.unwrap_or_default();
        let kept: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == ' ')
            .take(KEPT_ANSWER)
            .collect();
        match kept.trim() {
            "" => format!("HTTP {status}"),
            said => format!("HTTP {status}: {said}"),
        }
    };
    Err((Some(status.as_u16()), why))
}

/// Why a receiver did not answer, in words.
fn unreachable_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("No answer within {} seconds.", TIMEOUT.as_secs());
    }
    // The innermost cause says what went wrong ("Connection refused", a name resolving only
    // to internal addresses, a certificate not valid for the name).
    let mut cause = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(c) = cause {
        innermost = Some(c.to_string());
        cause = c.source();
    }
    let why = innermost.unwrap_or_else(|| e.to_string());
    if e.is_connect() {
        format!("The receiver could not be reached: {why}.")
    } else {
        format!("The delivery failed: {why}.")
    }
}

/// Delivers every delivery due at `now` (in batches), once.
pub async fn try_run_once(db: &Db, client: &reqwest::Client, now: i64) -> anyhow::Result<RunStats> {
    let mut stats = RunStats::default();
    loop {
        let batch = store::claim(&db.pool, db.backend, now, LEASE_SECS, BATCH).await?;
        if batch.is_empty() {
            return Ok(stats);
        }
        for d in &batch {
            match attempt(client, d, now).await {
                Ok(status) => {
                    store::mark_delivered(&db.pool, d.id, status, now).await?;
                    stats.delivered += 1;
                }
                Err((status, error)) => {
                    let retry_at = next_attempt(d.attempts + 1, now);
                    tracing::warn!(id = d.id, url = %d.url, %error, dead = retry_at.is_none(), "webhook not delivered");
                    store::mark_failed(&db.pool, d.id, status, &error, retry_at).await?;
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
pub fn spawn(db: Db, clock: Clock, every: Duration, metrics: Arc<crate::metrics::Metrics>) {
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = ?e, "the webhook worker has no HTTP client; webhooks wait");
            return;
        }
    };
    crate::jobs::repeat("webhooks", every, metrics, move || {
        let (db, client, clock) = (db.clone(), client.clone(), clock.clone());
        async move { try_run_once(&db, &client, clock.timestamp()).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    #[tokio::test]
    async fn names_resolve_to_callable_addresses_only() {
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<_> = PublicOnly.resolve(name).await.unwrap().collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
