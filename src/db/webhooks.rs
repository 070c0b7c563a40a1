//! Webhook endpoints (an organisation's receivers and the events each takes) and their
//! deliveries: an outbox of their own, written in the transaction of the change and claimed
//! by the webhook worker with a lease, as the mail outbox is.

use super::Backend;
use crate::domain::paging::PER_PAGE;
use crate::domain::webhook::{parse_events, store_events, EventType};
use crate::domain::{OrgId, Paged, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: i64,
    pub org_id: OrgId,
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
    /// Until when the secret before the last rotation still signs (UTC seconds).
    pub previous_until: Option<i64>,
    /// Deliveries that are dead (their last try failed), waiting for someone to retry.
    pub dead: i64,
    /// The newest delivery's status and time, if any.
    pub last: Option<(String, i64)>,
}

const ENDPOINT: &str = "SELECT w.id, w.org_id, w.url, w.description, w.events, u.display_name AS created_by, \
       w.created_at, w.rotated_at, w.previous_until, \
       (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.status = 'dead') AS dead, \
       (SELECT d.status FROM webhook_deliveries d WHERE d.endpoint_id = w.id ORDER BY d.id DESC LIMIT 1) AS last_status, \
       (SELECT d.created_at FROM webhook_deliveries d WHERE d.endpoint_id = w.id ORDER BY d.id DESC LIMIT 1) AS last_at \
     FROM webhook_endpoints w LEFT JOIN users u ON u.id = w.created_by";

fn endpoint(r: &sqlx::any::AnyRow) -> Result<Endpoint, sqlx::Error> {
    let last_status: Option<String> = r.try_get("last_status")?;
    let last_at: Option<i64> = r.try_get("last_at")?;
    Ok(Endpoint {
        id: r.try_get("id")?,
        org_id: OrgId(r.try_get("org_id")?),
        url: r.try_get("url")?,
        description: r.try_get("description")?,
        events: parse_events(&r.try_get::<String, _>("events")?),
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        rotated_at: r.try_get("rotated_at")?,
        previous_until: r.try_get("previous_until")?,
        dead: r.try_get("dead")?,
        last: last_status.zip(last_at),
    })
}

/// An organisation's endpoints, oldest first.
pub async fn list_in_org(pool: &AnyPool, org: OrgId) -> Result<Vec<Endpoint>, sqlx::Error> {
    let rows = sqlx::query(&format!("{ENDPOINT} WHERE w.org_id = $1 ORDER BY w.id"))
        .bind(org.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(endpoint).collect()
}

/// One of the organisation's endpoints; another organisation's is not found.
pub async fn get_in_org(
    pool: &AnyPool,
    org: OrgId,
    id: i64,
) -> Result<Option<Endpoint>, sqlx::Error> {
    let row = sqlx::query(&format!("{ENDPOINT} WHERE w.org_id = $1 AND w.id = $2"))
        .bind(org.0)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(endpoint).transpose()
}

/// An endpoint to store.
pub struct NewEndpoint<'a> {
    pub org: OrgId,
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a [EventType],
    pub secret: &'a str,
    pub by: UserId,
}

pub async fn insert(pool: &AnyPool, e: &NewEndpoint<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (org_id, url, description, events, secret, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.org.0)
    .bind(e.url)
    .bind(e.description)
    .bind(store_events(e.events))
    .bind(e.secret)
    .bind(e.by.0)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Changes an endpoint's address, description and events; false when it is not the
/// organisation's.
pub async fn update_in_org(
    pool: &AnyPool,
    org: OrgId,
    id: i64,
    url: &str,
    description: &str,
    events: &[EventType],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3 WHERE id = $4 AND org_id = $5",
    )
    .bind(url)
    .bind(description)
    .bind(store_events(events))
    .bind(id)
    .bind(org.0)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A new signing secret; the one it replaces keeps signing until `previous_until`.
pub async fn rotate_in_org(
    pool: &AnyPool,
    org: OrgId,
    id: i64,
    secret: &str,
    previous_until: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $1, secret = $2, rotated_at = $3 \
         WHERE id = $4 AND org_id = $5",
    )
    .bind(previous_until)
    .bind(secret)
    .bind(now)
    .bind(id)
    .bind(org.0)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an endpoint and its deliveries; false when it is not the organisation's.
pub async fn delete_in_org(pool: &AnyPool, org: OrgId, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE id = $1 AND org_id = $2)")
        .bind(id)
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// An endpoint that takes an event: its id and organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscriber {
    pub endpoint: i64,
    pub org: OrgId,
}

/// Every endpoint of these organisations (and of the vendor when `vendor`) that takes
/// `event`.
pub async fn subscribers(
    conn: &mut AnyConnection,
    orgs: &[OrgId],
    vendor: bool,
    event: EventType,
) -> Result<Vec<Subscriber>, sqlx::Error> {
    let ids = orgs
        .iter()
        .map(|o| o.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut whose = Vec::new();
    if !ids.is_empty() {
        whose.push(format!("w.org_id IN ({ids})"));
    }
    if vendor {
        whose.push("o.kind = 'vendor'".to_string());
    }
    if whose.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are numbers formatted here, never text from outside.
    let rows = sqlx::query(&format!(
        "SELECT w.id, w.org_id, w.events FROM webhook_endpoints w JOIN organisations o ON o.id = w.org_id \
         WHERE {} ORDER BY w.id",
        whose.join(" OR ")
    ))
    .fetch_all(conn)
    .await?;
    let mut found = Vec::new();
    for r in &rows {
        if parse_events(&r.try_get::<String, _>("events")?).contains(&event) {
            found.push(Subscriber {
                endpoint: r.try_get("id")?,
                org: OrgId(r.try_get("org_id")?),
            });
        }
    }
    Ok(found)
}

/// Whether any endpoint at all takes `event` (so a job with thousands of events skips the
/// work when nobody listens).
pub async fn anyone_takes(pool: &AnyPool, event: EventType) -> Result<bool, sqlx::Error> {
    let pattern = format!("%{}%", event.as_str());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE events LIKE $1")
        .bind(pattern)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// A delivery to queue.
pub struct NewDelivery<'a> {
    pub endpoint: i64,
    pub dedupe_key: &'a str,
    pub event_id: &'a str,
    pub event: EventType,
    pub payload: &'a str,
}

/// Queues a delivery; one with the same dedupe key is queued once only.
pub async fn enqueue(
    conn: &mut AnyConnection,
    d: &NewDelivery<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, dedupe_key, event_id, event_type, payload, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(d.endpoint)
    .bind(d.dedupe_key)
    .bind(d.event_id)
    .bind(d.event.as_str())
    .bind(d.payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery as the worker sends it: the event and where to, with the secrets that sign.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
    /// The secret before the last rotation, while it still signs.
    pub previous_secret: Option<String>,
}

/// Claims up to `limit` due deliveries for `lease_secs` (see `outbox::claim`).
pub async fn claim(
    pool: &AnyPool,
    backend: Backend,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = if backend == Backend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE webhook_deliveries SET status = 'sending', lease_until = $1 WHERE id IN (\
           SELECT id FROM webhook_deliveries WHERE (status = 'queued' AND next_attempt_at <= $2) \
           OR (status = 'sending' AND lease_until < $2) ORDER BY id LIMIT $3 {lock}) \
         RETURNING id"
    ))
    .bind(now + lease_secs)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(&format!(
        "SELECT d.id, d.event_id, d.event_type, d.payload, d.attempts, w.url, w.secret, \
         CASE WHEN w.previous_until > $1 THEN w.previous_secret END AS previous_secret \
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE d.id IN ({list}) ORDER BY d.id"
    ))
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                url: r.try_get("url")?,
                secret: r.try_get("secret")?,
                previous_secret: r.try_get("previous_secret")?,
            })
        })
        .collect()
}

pub async fn mark_delivered(
    pool: &AnyPool,
    id: i64,
    status: u16,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, last_status = $2, last_error = NULL, \
         lease_until = NULL, attempts = attempts + 1 WHERE id = $3",
    )
    .bind(now)
    .bind(i64::from(status))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt (the receiver's status, if it answered): queued again at
/// `retry_at`, or dead when there is none.
pub async fn mark_failed(
    pool: &AnyPool,
    id: i64,
    status: Option<u16>,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let (state, next) = match retry_at {
        Some(t) => ("queued", t),
        None => ("dead", 0),
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status = $2, last_error = $3, \
         lease_until = NULL, next_attempt_at = CASE WHEN $1 = 'dead' THEN next_attempt_at ELSE $4 END WHERE id = $5",
    )
    .bind(state)
    .bind(status.map(i64::from))
    .bind(error)
    .bind(next)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A dead or delivered delivery of the organisation's endpoint gets a fresh round of
/// attempts, now; false when there is no such delivery (or it is on its way already).
pub async fn retry_in_org(
    pool: &AnyPool,
    org: OrgId,
    endpoint: i64,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'queued', attempts = 0, next_attempt_at = $1 \
         WHERE id = $2 AND endpoint_id = $3 AND status IN ('dead', 'delivered') \
         AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE org_id = $4)",
    )
    .bind(now)
    .bind(id)
    .bind(endpoint)
    .bind(org.0)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One delivery as the endpoint's page lists it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// An endpoint's deliveries, newest first; `status` "" for all.
pub async fn deliveries(
    pool: &AnyPool,
    endpoint: i64,
    status: &str,
    page: i64,
) -> Result<Paged<Delivery>, sqlx::Error> {
    let filter = "endpoint_id = $1 AND ($2 = '' OR status = $2)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE {filter}"
    ))
    .bind(endpoint)
    .bind(status)
    .fetch_one(pool)
    .await?;
    let page = Paged::<Delivery>::clamp_page(page, total, PER_PAGE);
    let rows = sqlx::query(&format!(
        "SELECT id, event_id, event_type, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at \
         FROM webhook_deliveries WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(endpoint)
    .bind(status)
    .bind(PER_PAGE)
    .bind(Paged::<Delivery>::offset(page, PER_PAGE))
    .fetch_all(pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_status: r.try_get("last_status")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                delivered_at: r.try_get("delivered_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Paged {
        items,
        page,
        total,
        per_page: PER_PAGE,
    })
}

/// How many deliveries are queued and dead, for the metrics.
pub async fn counts(pool: &AnyPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status ORDER BY status",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect()
}
