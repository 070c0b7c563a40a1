//! The audit log: sign-ins, failed sign-ins, refusals and every administrative decision.

use crate::domain::{OrgId, PageRequest, Paged, UserId};
use sqlx::{Any, AnyPool, Executor, Row};

/// Who did it and from where; `None` for an anonymous visitor.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub org_id: Option<OrgId>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at: i64,
    /// The person's name as it is now (none for a job, or a person no longer there).
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub ip: Option<String>,
}

pub async fn record<'c, E: Executor<'c, Database = Any>>(
    conn: E,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_email, org_id, action, subject, detail, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now)
    .bind(actor.user_id.map(|u| u.0))
    .bind(actor.email.as_deref())
    .bind(actor.org_id.map(|o| o.0))
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(actor.ip.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// Newest first, searched in action, subject, detail and actor.
pub async fn list(pool: &AnyPool, req: &PageRequest) -> Result<Paged<Entry>, sqlx::Error> {
    use crate::domain::paging::PER_PAGE;
    let filter = "(LOWER(a.action) LIKE $1 ESCAPE '\\' OR LOWER(a.subject) LIKE $1 ESCAPE '\\' \
                  OR LOWER(a.detail) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(a.actor_email, '')) LIKE $1 ESCAPE '\\' \
                  OR LOWER(COALESCE(u.display_name, '')) LIKE $1 ESCAPE '\\')";
    let from = "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {from} WHERE {filter}"))
        .bind(req.like_pattern())
        .fetch_one(pool)
        .await?;
    let page = Paged::<Entry>::clamp_page(req.page(), total, PER_PAGE);
    let rows = sqlx::query(&format!(
        "SELECT a.at, u.display_name AS actor_name, a.actor_email, a.action, a.subject, a.detail, a.ip \
         {from} WHERE {filter} ORDER BY a.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(req.like_pattern())
    .bind(PER_PAGE)
    .bind(Paged::<Entry>::offset(page, PER_PAGE))
    .fetch_all(pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get("at")?,
                actor_name: r.try_get("actor_name")?,
                actor_email: r.try_get("actor_email")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                detail: r.try_get("detail")?,
                ip: r.try_get("ip")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Paged {
        items,
        page,
        total,
        per_page: PER_PAGE,
    })
}
