//! The partner API's idempotency keys: per organisation, the first answer given to a key and
//! the hash of the request it answered.

use crate::domain::OrgId;
use sqlx::{AnyConnection, AnyPool, Row};

/// The answer kept for a key.
#[derive(Debug, Clone)]
pub struct Kept {
    pub request_hash: String,
    pub status: u16,
    pub response: String,
}

/// The answer kept for `key` of `org`, if any.
pub async fn kept(pool: &AnyPool, org: OrgId, key: &str) -> Result<Option<Kept>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT request_hash, status, response FROM api_idempotency WHERE org_id = $1 AND idem_key = $2",
    )
    .bind(org.0)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Kept {
            request_hash: r.try_get("request_hash")?,
            status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(500),
            response: r.try_get("response")?,
        })
    })
    .transpose()
}

/// Claims `key` for this request in the caller's transaction; false when another request
/// holds it (then nothing is written).
pub async fn claim(
    conn: &mut AnyConnection,
    org: OrgId,
    key: &str,
    request_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO api_idempotency (org_id, idem_key, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (org_id, idem_key) DO NOTHING",
    )
    .bind(org.0)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Keeps the answer of a claimed key (in the same transaction as what it answers).
pub async fn keep(
    conn: &mut AnyConnection,
    org: OrgId,
    key: &str,
    status: u16,
    response: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_idempotency SET status = $1, response = $2 WHERE org_id = $3 AND idem_key = $4",
    )
    .bind(i64::from(status))
    .bind(response)
    .bind(org.0)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}
