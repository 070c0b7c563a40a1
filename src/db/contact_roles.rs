//! Which of an organisation's active users hold which contact roles.

use crate::domain::contact::{ContactRole, Person};
use crate::domain::{OrgId, UserId};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};

fn person(r: &sqlx::any::AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        user_id: r.try_get("id")?,
        name: r.try_get("display_name")?,
        email: r.try_get("email")?,
    })
}

/// Active users of the organisation holding `role`.
pub async fn holders<'c, E: Executor<'c, Database = Any>>(
    conn: E,
    org: OrgId,
    role: ContactRole,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM contact_roles c JOIN users u ON u.id = c.user_id \
         WHERE u.org_id = $1 AND c.role = $2 AND u.disabled = 0 ORDER BY u.id",
    )
    .bind(org.0)
    .bind(role.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(person).collect()
}

/// Active administrators of the organisation (the fallback recipients).
pub async fn admins<'c, E: Executor<'c, Database = Any>>(
    conn: E,
    org: OrgId,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, display_name, email FROM users WHERE org_id = $1 AND disabled = 0 \
         AND role IN ('vendor_admin', 'distributor_admin', 'reseller_admin') ORDER BY id",
    )
    .bind(org.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(person).collect()
}

/// Administrators of the organisation who are invited and have not chosen a password yet.
pub async fn invited_admins<'c, E: Executor<'c, Database = Any>>(
    conn: E,
    org: OrgId,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, display_name, email FROM users WHERE org_id = $1 AND password_state = 'invited' \
         AND role IN ('vendor_admin', 'distributor_admin', 'reseller_admin') ORDER BY id",
    )
    .bind(org.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(person).collect()
}

/// Every (user, role) pair of the organisation's active users.
pub async fn assignments(
    pool: &AnyPool,
    org: OrgId,
) -> Result<Vec<(UserId, ContactRole)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.user_id, c.role FROM contact_roles c JOIN users u ON u.id = c.user_id \
         WHERE u.org_id = $1 AND u.disabled = 0 ORDER BY c.user_id, c.role",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let role: String = r.try_get("role")?;
        if let Some(role) = ContactRole::parse(&role) {
            out.push((UserId(r.try_get("user_id")?), role));
        }
    }
    Ok(out)
}

/// Sets one role of one active user of the organisation. Returns the previous state, or
/// `None` when the user is not an active user of this organisation.
pub async fn set(
    conn: &mut AnyConnection,
    org: OrgId,
    user: UserId,
    role: ContactRole,
    on: bool,
) -> Result<Option<bool>, sqlx::Error> {
    let member: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE id = $1 AND org_id = $2 AND disabled = 0",
    )
    .bind(user.0)
    .bind(org.0)
    .fetch_one(&mut *conn)
    .await?;
    if member == 0 {
        return Ok(None);
    }
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM contact_roles WHERE user_id = $1 AND role = $2")
            .bind(user.0)
            .bind(role.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if on {
        sqlx::query("INSERT INTO contact_roles (user_id, role) VALUES ($1, $2) ON CONFLICT (user_id, role) DO NOTHING")
            .bind(user.0)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("DELETE FROM contact_roles WHERE user_id = $1 AND role = $2")
            .bind(user.0)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some(held > 0))
}

/// A disabled user holds no roles.
pub async fn remove_all(conn: &mut AnyConnection, user: UserId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM contact_roles WHERE user_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?
        .rows_affected())
}

/// What an unused unsubscribe token stands for: (user id, e-mail, role).
pub async fn unsubscribe_target(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<Option<(i64, String, ContactRole)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT t.user_id, u.email, t.role FROM unsubscribe_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.used_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let role: String = r.try_get("role")?;
    let Some(role) = ContactRole::parse(&role) else {
        return Ok(None);
    };
    Ok(Some((r.try_get("user_id")?, r.try_get("email")?, role)))
}

/// Uses a token: the role is removed from that one user; false when already used.
pub async fn unsubscribe(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("UPDATE unsubscribe_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL RETURNING user_id, role")
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = row else { return Ok(false) };
    let (user, role): (i64, String) = (r.try_get("user_id")?, r.try_get("role")?);
    sqlx::query("DELETE FROM contact_roles WHERE user_id = $1 AND role = $2")
        .bind(user)
        .bind(role)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Stores a new unsubscribe token (its hash) for one person's role.
pub async fn insert_unsubscribe_token(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    user_id: i64,
    role: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO unsubscribe_tokens (token_hash, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
