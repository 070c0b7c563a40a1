//! API tokens for distributors' (and any organisation's) systems. Only a SHA-256 hash of a
//! token is stored; the token itself is shown once, when it is created.

use crate::domain::{OrgId, UserId};
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn list_in_org(pool: &AnyPool, org: OrgId) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.prefix, u.display_name AS created_by, t.created_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by WHERE t.org_id = $1 \
         ORDER BY t.revoked_at IS NOT NULL, t.id DESC",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                prefix: r.try_get("prefix")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

pub async fn insert(
    pool: &AnyPool,
    org: OrgId,
    name: &str,
    hash: &str,
    prefix: &str,
    by: UserId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.0)
    .bind(name)
    .bind(hash)
    .bind(prefix)
    .bind(by.0)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Revokes a token of this organisation; false when there is no such live token.
pub async fn revoke_in_org(
    pool: &AnyPool,
    org: OrgId,
    id: i64,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL RETURNING name",
    )
    .bind(now)
    .bind(id)
    .bind(org.0)
    .fetch_optional(pool)
    .await
}

/// The organisation a live token belongs to (and notes its use, at most once a minute).
pub async fn authenticate(
    pool: &AnyPool,
    hash: &str,
    now: i64,
) -> Result<Option<OrgId>, sqlx::Error> {
    let row = sqlx::query("SELECT id, org_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(hash)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let last: Option<i64> = row.try_get("last_used_at")?;
    if last.is_none_or(|t| now - t >= 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
    }
    Ok(Some(OrgId(row.try_get("org_id")?)))
}
