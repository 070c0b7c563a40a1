//! Import files held between their dry run and their import (see `app::uploads`).

use crate::domain::UserId;
use sqlx::{AnyConnection, AnyPool};

pub async fn insert(
    conn: &mut AnyConnection,
    token: &str,
    kind: &str,
    user: UserId,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pending_uploads (token, kind, user_id, created_at, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token)
    .bind(kind)
    .bind(user.0)
    .bind(now)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// The file held under `token` for this person and kind, if it was held at `since` or later.
pub async fn get(
    pool: &AnyPool,
    token: &str,
    kind: &str,
    user: UserId,
    since: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT body FROM pending_uploads WHERE token = $1 AND kind = $2 AND user_id = $3 AND created_at >= $4",
    )
    .bind(token)
    .bind(kind)
    .bind(user.0)
    .bind(since)
    .fetch_optional(pool)
    .await
}

pub async fn delete(conn: &mut AnyConnection, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_uploads WHERE token = $1")
        .bind(token)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets files held before `before`.
pub async fn delete_older_than(pool: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM pending_uploads WHERE created_at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
