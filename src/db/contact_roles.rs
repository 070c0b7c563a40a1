//! Which of an organisation's active users hold which contact roles.

use super::sql::Sql;
use crate::domain::contact::{ContactRole, Person};
use crate::domain::{OrgId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::HashMap;

fn person(r: &sqlx::any::AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        user_id: r.try_get("id")?,
        name: r.try_get("display_name")?,
        email: r.try_get("email")?,
    })
}

/// A group of an organisation's people that mail goes to.
#[derive(Debug, Clone, Copy)]
pub enum Group {
    /// Active users holding the role.
    Holders(ContactRole),
    /// Active administrators (the fallback recipients).
    Admins,
    /// Administrators who are invited and have not chosen a password yet.
    InvitedAdmins,
}

/// The people of `group` in each of `orgs` (an organisation with nobody is absent), by user
/// id. A batch job asks for thousands of organisations: a thousand are read per statement.
pub async fn people_of(
    conn: &mut AnyConnection,
    orgs: &[OrgId],
    group: Group,
) -> Result<HashMap<OrgId, Vec<Person>>, sqlx::Error> {
    let mut people: HashMap<OrgId, Vec<Person>> = HashMap::new();
    let ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
    for part in ids.chunks(1_000) {
        let mut q = Sql::new("SELECT u.org_id, u.id, u.display_name, u.email FROM users u");
        if let Group::Holders(role) = group {
            q.push(" JOIN contact_roles c ON c.user_id = u.id AND c.role = ")
                .text(role.as_str());
        }
        q.push(" WHERE u.org_id IN ").ids(part).push(match group {
            Group::Holders(_) => " AND u.disabled = 0",
            Group::Admins => " AND u.disabled = 0 AND u.role IN ",
            Group::InvitedAdmins => " AND u.password_state = 'invited' AND u.role IN ",
        });
        if !matches!(group, Group::Holders(_)) {
            q.push("('vendor_admin', 'distributor_admin', 'reseller_admin')");
        }
        q.push(" ORDER BY u.org_id, u.id");
        for r in q.query().fetch_all(&mut *conn).await? {
            let org = OrgId(r.try_get("org_id")?);
            people.entry(org).or_default().push(person(&r)?);
        }
    }
    Ok(people)
}

/// Active administrators of the organisation.
pub async fn admins(conn: &mut AnyConnection, org: OrgId) -> Result<Vec<Person>, sqlx::Error> {
    Ok(people_of(conn, &[org], Group::Admins)
        .await?
        .remove(&org)
        .unwrap_or_default())
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
