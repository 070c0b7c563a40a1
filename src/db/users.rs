//! People who sign in. Every query that an organisation's admin drives takes that
//! organisation's id, so another organisation's user is simply not found.

use crate::domain::paging::{Count, Cursor, Window};
use crate::domain::{AccessRole, Email, OrgId, OrgKind, PageRequest, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    pub role: AccessRole,
    pub disabled: bool,
    pub last_login_at: Option<i64>,
    /// Whether the person chose their password, is still invited, or must choose a new one.
    pub password: PasswordState,
}

/// Who chose a person's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordState {
    /// The person, through an invitation or on their account page.
    Set,
    /// Nobody yet: the person is invited (the account is disabled until they accept).
    Invited,
    /// An admin, before invitations: the person must choose a new one when they sign in.
    Change,
}

impl PasswordState {
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordState::Set => "set",
            PasswordState::Invited => "invited",
            PasswordState::Change => "change",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Set, Self::Invited, Self::Change]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// A signed-in user with what every page needs to know about their organisation.
#[derive(Debug, Clone)]
pub struct UserWithOrg {
    pub user: User,
    pub org_kind: OrgKind,
    pub org_name: String,
    /// The reseller is a managed service provider (reports monthly usage).
    pub org_is_msp: bool,
}

pub struct LoginCandidate {
    pub id: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

/// A person to add. `password_hash: None` adds them invited: disabled, without a password,
/// until they accept the invitation.
pub struct NewUser<'a> {
    pub org_id: OrgId,
    pub email: &'a Email,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: AccessRole,
}

const USER_COLUMNS: &str =
    "u.id, u.org_id, u.email, u.display_name, u.role, u.disabled, u.last_login_at, u.password_state";

fn user_from_row(row: &dyn super::cells::Cells) -> Result<User, sqlx::Error> {
    let role: String = row.get("role")?;
    Ok(User {
        id: UserId(row.get("id")?),
        org_id: OrgId(row.get("org_id")?),
        email: row.get("email")?,
        display_name: row.get("display_name")?,
        role: AccessRole::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown access role {role:?}").into()))?,
        disabled: super::flag(row, "disabled")?,
        last_login_at: row.get("last_login_at")?,
        password: {
            let state: String = row.get("password_state")?;
            PasswordState::parse(&state).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown password state {state:?}").into())
            })?
        },
    })
}

pub async fn find_for_login(
    pool: &AnyPool,
    email: &Email,
) -> Result<Option<LoginCandidate>, sqlx::Error> {
    let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(LoginCandidate {
            id: UserId(r.try_get("id")?),
            password_hash: r.try_get("password_hash")?,
            disabled: super::flag(&r, "disabled")?,
        })
    })
    .transpose()
}

pub async fn password_hash(pool: &AnyPool, id: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await
}

pub async fn get_with_org(pool: &AnyPool, id: UserId) -> Result<Option<UserWithOrg>, sqlx::Error> {
    let sql = format!(
        "SELECT {WITH_ORG_COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1"
    );
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await?;
    row.as_ref().map(|r| with_org_from_row(r)).transpose()
}

/// The columns [`with_org_from_row`] reads, from `users u` and `organisations o`.
pub(crate) const WITH_ORG_COLUMNS: &str =
    "u.id, u.org_id, u.email, u.display_name, u.role, u.disabled, u.last_login_at, u.password_state, \
     o.kind AS org_kind, o.name AS org_name, o.is_msp AS org_is_msp";

pub(crate) fn with_org_from_row(r: &dyn super::cells::Cells) -> Result<UserWithOrg, sqlx::Error> {
    let kind: String = r.get("org_kind")?;
    Ok(UserWithOrg {
        user: user_from_row(r)?,
        org_kind: OrgKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown organisation kind {kind:?}").into())
        })?,
        org_name: r.get("org_name")?,
        org_is_msp: super::flag(r, "org_is_msp")?,
    })
}

pub async fn get_in_org(
    pool: &AnyPool,
    org: OrgId,
    id: UserId,
) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.org_id = $2");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .bind(org.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(|r| user_from_row(r)).transpose()
}

/// The users of one organisation: active ones first, then by name.
const USER_ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "users u",
    key: "(CASE WHEN u.disabled = 0 THEN '0' ELSE '1' END || LOWER(u.display_name))",
    id: "u.id",
    descending: false,
    keeps_ends: true,
};

/// `FROM ... WHERE ...` of an organisation's users whose name or e-mail address holds `part`
/// (any case; every user when it is blank).
fn in_org_where(org: OrgId, part: &str) -> super::sql::Sql {
    let mut from = super::sql::Sql::new("FROM users u WHERE u.org_id = ");
    from.int(org.0);
    let search = PageRequest {
        q: Some(part.to_string()),
        page: None,
    };
    if search.query().is_some() {
        let pattern = search.like_pattern();
        from.push(" AND (LOWER(u.display_name) LIKE ")
            .text(pattern.as_str())
            .push(" ESCAPE '\\' OR LOWER(u.email) LIKE ")
            .text(pattern)
            .push(" ESCAPE '\\')");
    }
    from
}

/// The page at `cursor` of one organisation's users, searched by name or e-mail.
pub async fn list_in_org(
    db: &super::Db,
    org: OrgId,
    part: &str,
    cursor: Cursor,
) -> Result<Window<User>, sqlx::Error> {
    USER_ORDER
        .window(
            db,
            &format!("SELECT {USER_COLUMNS}"),
            &in_org_where(org, part),
            cursor,
            crate::domain::paging::PER_PAGE as usize,
            user_from_row,
            |u: &User| u.id.0,
        )
        .await
}

/// How many users [`list_in_org`] pages through.
pub async fn count_in_org(pool: &AnyPool, org: OrgId, part: &str) -> Result<Count, sqlx::Error> {
    in_org_where(org, part).count(pool).await
}

/// Every user of one organisation, in the list's order (an organisation has a handful).
pub async fn all_in_org(pool: &AnyPool, org: OrgId) -> Result<Vec<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY {}, u.id",
        USER_ORDER.key
    );
    let rows = sqlx::query(&sql).bind(org.0).fetch_all(pool).await?;
    rows.iter().map(|r| user_from_row(r)).collect()
}

/// The vendor's active administrators (who decide when a reseller has no CAM).
pub async fn vendor_admins(
    pool: &AnyPool,
) -> Result<Vec<crate::domain::contact::Person>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email FROM users u JOIN organisations o ON o.id = u.org_id \
         WHERE o.kind = 'vendor' AND u.role = 'vendor_admin' AND u.disabled = 0 ORDER BY u.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email)| crate::domain::contact::Person {
            user_id,
            name,
            email,
        })
        .collect())
}

/// Active channel account managers, for assigning a reseller's CAM.
pub async fn channel_managers(pool: &AnyPool) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, display_name FROM users WHERE role = 'channel_manager' AND disabled = 0 \
         ORDER BY LOWER(display_name)",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((UserId(r.try_get("id")?), r.try_get("display_name")?)))
        .collect()
}

pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewUser<'_>,
    now: i64,
) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (org_id, email, display_name, password_hash, role, created_at, disabled, password_state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.org_id.0)
    .bind(new.email.as_str())
    .bind(new.display_name)
    .bind(new.password_hash.unwrap_or(""))
    .bind(new.role.as_str())
    .bind(now)
    .bind(i64::from(new.password_hash.is_none()))
    .bind(
        if new.password_hash.is_some() {
            PasswordState::Set
        } else {
            PasswordState::Invited
        }
        .as_str(),
    )
    .fetch_one(conn)
    .await?;
    Ok(UserId(id))
}

pub async fn update_in_org(
    conn: &mut AnyConnection,
    org: OrgId,
    id: UserId,
    display_name: &str,
    role: AccessRole,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE users SET display_name = $1, role = $2 WHERE id = $3 AND org_id = $4")
            .bind(display_name)
            .bind(role.as_str())
            .bind(id.0)
            .bind(org.0)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables or re-enables a user who has accepted their invitation; disabling also ends
/// every session they have.
pub async fn set_disabled_in_org(
    conn: &mut AnyConnection,
    org: OrgId,
    id: UserId,
    disabled: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET disabled = $1 WHERE id = $2 AND org_id = $3 AND password_state <> 'invited'",
    )
    .bind(i64::from(disabled))
        .bind(id.0)
        .bind(org.0)
        .execute(&mut *conn)
        .await?;
    if disabled && done.rows_affected() == 1 {
        super::sessions::delete_for_user(&mut *conn, id).await?;
        // A disabled user holds no contact roles: their notices go to the others (or the admins).
        super::contact_roles::remove_all(&mut *conn, id).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// Sets the password the person chose: whatever an admin chose before is gone.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: UserId,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, password_state = 'set' WHERE id = $2")
        .bind(hash)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_login(pool: &AnyPool, id: UserId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn email_taken(pool: &AnyPool, email: &Email) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}
