//! Server-side session records: logging out or disabling a user deletes them, which ends
//! the session for real (a cookie alone proves nothing).

use crate::domain::UserId;
use sqlx::{AnyConnection, AnyPool};

pub async fn load(pool: &AnyPool, id: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT state FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(id)
        .bind(now)
        .fetch_optional(pool)
        .await
}

pub async fn insert(
    pool: &AnyPool,
    id: &str,
    user: Option<UserId>,
    state: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (id, user_id, state, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(user.map(|u| u.0))
        .bind(state)
        .bind(expires_at)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Returns false when the session no longer exists (expired, logged out, user disabled).
pub async fn update(
    pool: &AnyPool,
    id: &str,
    user: Option<UserId>,
    state: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE sessions SET user_id = $1, state = $2, expires_at = $3 WHERE id = $4")
            .bind(user.map(|u| u.0))
            .bind(state)
            .bind(expires_at)
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Pushes the idle expiry forward; skips the write when it moved less than a minute, so that
/// a busy user does not cost a database write per request.
pub async fn touch(pool: &AnyPool, id: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2 AND expires_at < $3")
        .bind(expires_at)
        .bind(id)
        .bind(expires_at - 60)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_for_user(conn: &mut AnyConnection, user: UserId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
