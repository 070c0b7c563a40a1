//! Applications to join the MSP program, the months an MSP reports usage for, and the history
//! of a reseller's MSP status.

use super::Scope;
use crate::domain::{OrgId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub cam_user_id: Option<UserId>,
    pub training_completed_on: String,
    pub trained_people: String,
    pub terms: String,
    /// `submitted`, `approved` or `rejected`.
    pub status: String,
    pub start_month: Option<String>,
    pub reason: Option<String>,
    pub submitted_by: Option<UserId>,
    pub submitter_name: String,
    pub submitter_email: String,
    pub submitted_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.reseller_id, r.name AS reseller_name, r.cam_user_id, \
     a.training_completed_on, a.trained_people, a.terms, a.status, a.start_month, a.reason, \
     a.submitted_by, COALESCE(u.display_name, '') AS submitter_name, COALESCE(u.email, '') AS submitter_email, \
     a.submitted_at, x.display_name AS decided_by_name, a.decided_at \
     FROM msp_applications a JOIN organisations r ON r.id = a.reseller_id \
     LEFT JOIN users u ON u.id = a.submitted_by LEFT JOIN users x ON x.id = a.decided_by";

fn application(r: &sqlx::any::AnyRow) -> Result<Application, sqlx::Error> {
    Ok(Application {
        id: r.try_get("id")?,
        reseller_id: OrgId(r.try_get("reseller_id")?),
        reseller_name: r.try_get("reseller_name")?,
        cam_user_id: r.try_get::<Option<i64>, _>("cam_user_id")?.map(UserId),
        training_completed_on: r.try_get("training_completed_on")?,
        trained_people: r.try_get("trained_people")?,
        terms: r.try_get("terms")?,
        status: r.try_get("status")?,
        start_month: r.try_get("start_month")?,
        reason: r.try_get("reason")?,
        submitted_by: r.try_get::<Option<i64>, _>("submitted_by")?.map(UserId),
        submitter_name: r.try_get("submitter_name")?,
        submitter_email: r.try_get("submitter_email")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
    })
}

/// The applications in `scope`: waiting ones first, then the latest decided (at most 200).
pub async fn list(pool: &AnyPool, scope: Scope) -> Result<Vec<Application>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query(&format!(
        "{SELECT} WHERE {} ORDER BY CASE WHEN a.status = 'submitted' THEN 0 ELSE 1 END, a.id DESC LIMIT 200",
        scope.resellers("a.reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(application)
    .collect()
}

pub async fn get(
    pool: &AnyPool,
    scope: Scope,
    id: i64,
) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE {} AND a.id = $3",
        scope.resellers("a.reseller_id")
    );
    scope
        .one(pool, &sql, id)
        .await?
        .as_ref()
        .map(application)
        .transpose()
}

/// The reseller's latest application, if any.
pub async fn latest(pool: &AnyPool, reseller: OrgId) -> Result<Option<Application>, sqlx::Error> {
    sqlx::query(&format!(
        "{SELECT} WHERE a.reseller_id = $1 ORDER BY a.id DESC LIMIT 1"
    ))
    .bind(reseller.0)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(application)
    .transpose()
}

pub struct NewApplication<'a> {
    pub reseller: OrgId,
    pub training_completed_on: &'a str,
    pub trained_people: &'a str,
    pub terms: &'a str,
    pub by: UserId,
}

pub async fn insert(
    conn: &mut AnyConnection,
    a: &NewApplication<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO msp_applications (reseller_id, training_completed_on, trained_people, terms, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(a.reseller.0)
    .bind(a.training_completed_on)
    .bind(a.trained_people)
    .bind(a.terms)
    .bind(a.by.0)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Records the decision on a waiting application; false when it was decided meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    start_month: Option<&str>,
    reason: Option<&str>,
    by: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE msp_applications SET status = $1, start_month = $2, reason = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $6 AND status = 'submitted'",
    )
    .bind(status)
    .bind(start_month)
    .bind(reason)
    .bind(by.0)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The months a reseller reports MSP usage for: (from, until), `YYYY-MM`, either open.
pub async fn months(
    pool: &AnyPool,
    reseller: OrgId,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    Ok(
        sqlx::query_as("SELECT msp_from, msp_until FROM organisations WHERE id = $1")
            .bind(reseller.0)
            .fetch_optional(pool)
            .await?
            .unwrap_or((None, None)),
    )
}

/// Makes the reseller an MSP from `month` on.
pub async fn start(
    conn: &mut AnyConnection,
    reseller: OrgId,
    month: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE organisations SET is_msp = 1, msp_from = $1, msp_until = NULL WHERE id = $2",
    )
    .bind(month)
    .bind(reseller.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the reseller's MSP status after `last_month` (its usage stays).
pub async fn end(
    conn: &mut AnyConnection,
    reseller: OrgId,
    last_month: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organisations SET msp_until = $1 WHERE id = $2")
        .bind(last_month)
        .bind(reseller.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_history(
    conn: &mut AnyConnection,
    reseller: OrgId,
    by: Option<UserId>,
    summary: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO msp_history (reseller_id, at, user_id, summary) VALUES ($1, $2, $3, $4)",
    )
    .bind(reseller.0)
    .bind(now)
    .bind(by.map(|u| u.0))
    .bind(summary)
    .execute(conn)
    .await?;
    Ok(())
}

/// The reseller's MSP history, oldest first: (when, who, what).
pub async fn history(
    pool: &AnyPool,
    reseller: OrgId,
) -> Result<Vec<(i64, Option<String>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.at, u.display_name, h.summary FROM msp_history h LEFT JOIN users u ON u.id = h.user_id \
         WHERE h.reseller_id = $1 ORDER BY h.id",
    )
    .bind(reseller.0)
    .fetch_all(pool)
    .await
}
