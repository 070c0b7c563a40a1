//! Server-side session records: logging out or disabling a user deletes them, which ends
//! the session for real (a cookie alone proves nothing).

use crate::domain::UserId;
use sqlx::{AnyConnection, AnyPool};

/// A live session's state and, when it is signed in, its user and organisation: one query for
/// what every signed-in page needs before it reads anything else.
pub async fn load_with_user(
    db: &super::Db,
    id: &str,
    now: i64,
) -> Result<Option<(String, Option<super::users::UserWithOrg>)>, sqlx::Error> {
    let mut sql = super::sql::Sql::new(&format!(
        "SELECT s.state, {}, u.id AS signed_in FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
         LEFT JOIN organisations o ON o.id = u.org_id WHERE s.id = ",
        super::users::WITH_ORG_COLUMNS
    ));
    sql.text(id).push(" AND s.expires_at > ").int(now);
    let session = |row: &dyn super::cells::Cells| {
        let user = match row.get::<Option<i64>>("signed_in")? {
            Some(_) => Some(super::users::with_org_from_row(row)?),
            None => None,
        };
        Ok((row.get::<String>("state")?, user))
    };
    // On the list connections (`super::lists`), without the main pool's ping after the
    // statement. Alternating runs on the large data: PostgreSQL, the list pages' p99 lower in
    // 15 of 17 (e.g. 27.7 against 50.7 ms); SQLite (rusqlite on the request's thread),
    // `/licenses` 6,100-6,900 -> 8,500-9,500 req/s, `/account` 9,800-11,000 -> 11,900-13,200.
    Ok(sql.read(db, &session).await?.pop())
}

/// What the account page shows of a session: its public handle, and where it was signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub handle: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn insert(
    pool: &AnyPool,
    id: &str,
    user: Option<UserId>,
    state: &str,
    expires_at: i64,
    now: i64,
    details: &Details,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, state, expires_at, created_at, handle, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(user.map(|u| u.0))
    .bind(state)
    .bind(expires_at)
    .bind(now)
    .bind(details.handle.as_deref())
    .bind(details.ip.as_deref())
    .bind(details.user_agent.as_deref())
    .execute(pool)
    .await?;
    Ok(())
}

/// One of a person's sessions, as the account page lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub handle: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A person's live sessions, newest first.
pub async fn of_user(pool: &AnyPool, user: UserId, now: i64) -> Result<Vec<Listed>, sqlx::Error> {
    use sqlx::Row;
    sqlx::query(
        "SELECT handle, created_at, expires_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC LIMIT 100",
    )
    .bind(user.0)
    .bind(now)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Listed {
            handle: r.try_get("handle")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            ip: r.try_get("ip")?,
            user_agent: r.try_get("user_agent")?,
        })
    })
    .collect()
}

/// Ends one of a person's sessions by its handle; false if there is none.
pub async fn end(
    conn: &mut AnyConnection,
    user: UserId,
    handle: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND handle = $2")
        .bind(user.0)
        .bind(handle)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of a person but the one with handle `keep`.
pub async fn end_others(
    conn: &mut AnyConnection,
    user: UserId,
    keep: &str,
) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND (handle IS NULL OR handle <> $2)")
            .bind(user.0)
            .bind(keep)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Returns false when the session no longer exists (expired, logged out, user disabled).
pub async fn update(
    pool: &AnyPool,
    id: &str,
    user: Option<UserId>,
    state: &str,
    expires_at: i64,
    details: &Details,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET user_id = $1, state = $2, expires_at = $3, handle = $4, ip = $5, user_agent = $6 \
         WHERE id = $7",
    )
    .bind(user.map(|u| u.0))
    .bind(state)
    .bind(expires_at)
    .bind(details.handle.as_deref())
    .bind(details.ip.as_deref())
    .bind(details.user_agent.as_deref())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pushes the idle expiry forward (the store calls this at most once a minute per session;
/// see `web::session::TOUCH_EVERY_SECS`).
pub async fn touch(pool: &AnyPool, id: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
        .bind(expires_at)
        .bind(id)
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
