//! Invitations: a single-use link, valid 7 days, with which an added person chooses their own
//! password. Only the SHA-256 of the link's token is stored. Sending a new link withdraws the
//! earlier ones of the same person.

use crate::domain::{OrgId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

/// An invitation found by its token, with the person it is for.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: i64,
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub invited_by: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Stores a new invitation of `user`, withdrawing any earlier open one; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    user: UserId,
    token_hash: &str,
    by: Option<UserId>,
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    revoke_open(&mut *conn, user, now).await?;
    sqlx::query_scalar(
        "INSERT INTO invitations (user_id, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.0)
    .bind(token_hash)
    .bind(by.map(|u| u.0))
    .bind(now)
    .bind(expires_at)
    .fetch_one(conn)
    .await
}

/// Withdraws the open invitations of `user`; returns how many there were.
pub async fn revoke_open(
    conn: &mut AnyConnection,
    user: UserId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE invitations SET revoked_at = $1 \
         WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user.0)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The invitation whose token hashes to `token_hash`.
pub async fn find(pool: &AnyPool, token_hash: &str) -> Result<Option<Found>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT i.id, i.user_id, u.display_name, u.email, u.org_id, o.name AS org_name, \
         b.display_name AS invited_by, i.expires_at, i.used_at, i.revoked_at \
         FROM invitations i JOIN users u ON u.id = i.user_id JOIN organisations o ON o.id = u.org_id \
         LEFT JOIN users b ON b.id = i.invited_by WHERE i.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Found {
            id: r.try_get("id")?,
            user_id: UserId(r.try_get("user_id")?),
            display_name: r.try_get("display_name")?,
            email: r.try_get("email")?,
            org_id: OrgId(r.try_get("org_id")?),
            org_name: r.try_get("org_name")?,
            invited_by: r.try_get("invited_by")?,
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    })
    .transpose()
}

/// Spends an open, unexpired invitation and activates its person with `hash` as their
/// password, in one statement each: of two tabs sending the form at once, one wins.
pub async fn accept(
    conn: &mut AnyConnection,
    id: i64,
    user: UserId,
    hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let spent = sqlx::query(
        "UPDATE invitations SET used_at = $1 \
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if spent.rows_affected() != 1 {
        return Ok(false);
    }
    let activated = sqlx::query(
        "UPDATE users SET password_hash = $1, password_state = 'set', disabled = 0 \
         WHERE id = $2 AND password_state = 'invited'",
    )
    .bind(hash)
    .bind(user.0)
    .execute(&mut *conn)
    .await?;
    super::outbox::release_held(conn, user, now).await?;
    Ok(activated.rows_affected() == 1)
}

/// The latest invitation of each invited person of `org`: (person, expires, withdrawn).
pub async fn latest_in_org(
    pool: &AnyPool,
    org: OrgId,
) -> Result<Vec<(UserId, i64, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.user_id, i.expires_at, i.revoked_at FROM invitations i JOIN users u ON u.id = i.user_id \
         WHERE u.org_id = $1 AND u.password_state = 'invited' \
         AND i.id = (SELECT MAX(j.id) FROM invitations j WHERE j.user_id = i.user_id)",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                UserId(r.try_get("user_id")?),
                r.try_get("expires_at")?,
                r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            ))
        })
        .collect()
}
