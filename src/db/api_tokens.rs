//! API tokens for distributors' (and any organisation's) systems. Only a SHA-256 hash of a
//! token is stored; the token itself is shown once, when it is created.

use crate::domain::token::{parse_scopes, store_scopes, ApiScope};
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
    /// What it may do.
    pub scopes: Vec<ApiScope>,
    /// When it stops working (UTC seconds), if ever.
    pub expires_at: Option<i64>,
    /// Requests a minute it may send.
    pub per_minute: i64,
}

/// A live token's organisation and what the token may do.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub id: i64,
    pub org_id: OrgId,
    /// Requests a minute it may send.
    pub per_minute: u32,
    pub scopes: Vec<ApiScope>,
    /// Its name and first characters, for the audit log ("“ERP import” (pp_AbC12)").
    pub named: String,
}

pub async fn list_in_org(pool: &AnyPool, org: OrgId) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.prefix, u.display_name AS created_by, t.created_at, t.last_used_at, t.revoked_at, \
         t.scopes, t.expires_at, t.per_minute \
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
                scopes: parse_scopes(&r.try_get::<String, _>("scopes")?),
                expires_at: r.try_get("expires_at")?,
                per_minute: r.try_get("per_minute")?,
            })
        })
        .collect()
}

/// A token to store: only its hash, its first characters, what it may do and until when.
pub struct NewToken<'a> {
    pub org: OrgId,
    pub name: &'a str,
    pub hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a [ApiScope],
    pub expires_at: Option<i64>,
    pub per_minute: u32,
    pub by: UserId,
}

pub async fn insert(pool: &AnyPool, t: &NewToken<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_by, created_at, scopes, expires_at, per_minute) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.org.0)
    .bind(t.name)
    .bind(t.hash)
    .bind(t.prefix)
    .bind(t.by.0)
    .bind(now)
    .bind(store_scopes(t.scopes))
    .bind(t.expires_at)
    .bind(i64::from(t.per_minute))
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

/// The organisation and scopes of a live token (not revoked, not expired), noting its use at
/// most once a minute.
pub async fn authenticate(
    pool: &AnyPool,
    hash: &str,
    now: i64,
) -> Result<Option<Bearer>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, org_id, last_used_at, scopes, name, prefix, per_minute FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash)
    .bind(now)
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
    Ok(Some(Bearer {
        id,
        per_minute: u32::try_from(row.try_get::<i64, _>("per_minute")?).unwrap_or(1),
        org_id: OrgId(row.try_get("org_id")?),
        scopes: parse_scopes(&row.try_get::<String, _>("scopes")?),
        named: format!(
            "“{}” ({})",
            row.try_get::<String, _>("name")?,
            row.try_get::<String, _>("prefix")?
        ),
    }))
}
