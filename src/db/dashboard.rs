//! The counts a home page opens on, each scoped exactly as the list it links to.

use super::Scope;
use chrono::NaiveDate;
use sqlx::{AnyPool, Row};

/// One count query with the scope bound as `$1`/`$2` and up to two dates as `$3`/`$4`.
async fn count(
    pool: &AnyPool,
    scope: Scope,
    sql: &str,
    dates: &[NaiveDate],
) -> Result<i64, sqlx::Error> {
    let (kind, id) = scope.params();
    let mut query = sqlx::query_scalar::<_, i64>(sql).bind(kind).bind(id);
    for d in dates {
        query = query.bind(d.to_string());
    }
    query.fetch_one(pool).await
}

/// Inquiries in scope with this status.
pub async fn inquiries(pool: &AnyPool, scope: Scope, status: &str) -> Result<i64, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM inquiries i WHERE {} AND i.status = $3",
        super::inquiries::SCOPE
    ))
    .bind(kind)
    .bind(id)
    .bind(status)
    .fetch_one(pool)
    .await
}

/// Placed orders not processed yet.
pub async fn orders_waiting(pool: &AnyPool, scope: Scope) -> Result<i64, sqlx::Error> {
    count(
        pool,
        scope,
        &format!(
            "SELECT COUNT(*) FROM orders o LEFT JOIN order_processing p ON p.order_id = o.id \
             WHERE {} AND p.order_id IS NULL",
            super::orders::SCOPE
        ),
        &[],
    )
    .await
}

/// What a channel account manager decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    DealRegistration,
    NfrRequest,
    MspApplication,
}

/// Submitted requests of the resellers in scope waiting for a decision.
pub async fn to_decide(pool: &AnyPool, scope: Scope, what: Decision) -> Result<i64, sqlx::Error> {
    let (from, scope_sql) = match what {
        Decision::DealRegistration => (
            "deal_registrations d JOIN organisations r ON r.id = d.reseller_id WHERE d.status = 'submitted'",
            super::deals::SCOPE.to_string(),
        ),
        Decision::NfrRequest => (
            "nfr_requests q JOIN organisations r ON r.id = q.reseller_id WHERE q.status = 'submitted'",
            super::nfr::SCOPE.to_string(),
        ),
        Decision::MspApplication => (
            "msp_applications a WHERE a.status = 'submitted'",
            scope.resellers("a.reseller_id"),
        ),
    };
    count(
        pool,
        scope,
        &format!("SELECT COUNT(*) FROM {from} AND {scope_sql}"),
        &[],
    )
    .await
}

/// Approved deal registrations whose validity ends between `from` and `until`.
pub async fn deals_expiring(
    pool: &AnyPool,
    scope: Scope,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<i64, sqlx::Error> {
    count(
        pool,
        scope,
        &format!(
            "SELECT COUNT(*) FROM deal_registrations d JOIN organisations r ON r.id = d.reseller_id \
             WHERE {} AND d.status = 'approved' AND d.valid_until >= $3 AND d.valid_until <= $4",
            super::deals::SCOPE
        ),
        &[from, until],
    )
    .await
}

/// Open leads of `source` last active in [`from`, `until`) (dates as the inactivity rule's
/// cutoffs: before `until` a lead is over, so `from` = cutoff gives those about to be).
pub async fn leads_last_active(
    pool: &AnyPool,
    scope: Scope,
    source: &str,
    from: Option<NaiveDate>,
    until: NaiveDate,
) -> Result<i64, sqlx::Error> {
    let join = if matches!(scope, Scope::Cam(_)) {
        " JOIN organisations r ON r.id = l.reseller_id"
    } else {
        ""
    };
    let mut sql = super::sql::Sql::scoped(
        &format!(
            "SELECT COUNT(*) FROM leads l{join} WHERE {} AND l.status IN {}",
            super::leads::in_scope(scope),
            crate::domain::lead::LeadStatus::OPEN_SQL
        ),
        scope,
    );
    sql.push(" AND l.source = ").text(source);
    if let Some(from) = from {
        sql.push(" AND l.last_activity_on >= ")
            .text(from.to_string());
    }
    sql.push(" AND l.last_activity_on < ")
        .text(until.to_string());
    sql.query().fetch_one(pool).await?.try_get(0)
}

/// Messages of the outbox that will not be tried again.
pub async fn dead_mail(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'dead'")
        .fetch_one(pool)
        .await
}

/// What [`renewals_due`] depends on: the newest entry and the newest order line (order lines
/// are only ever added; two index lookups, where counting the lines would read them all on
/// every home page).
pub async fn renewals_version(pool: &AnyPool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM license_entries), \
                (SELECT COALESCE(MAX(id), 0) FROM order_lines)",
    )
    .fetch_one(pool)
    .await
}

/// Subscriptions in scope ending between `from` and `until` and not renewed yet, grouped by
/// SKU and end date: (SKU, end date, entries, licenses).
pub async fn renewals_due(
    pool: &AnyPool,
    scope: Scope,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, String, i64, i64)>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query_as(&format!(
        "SELECT l.sku, l.end_date, COUNT(*) AS entries, CAST(SUM(l.quantity) AS BIGINT) AS licenses \
         FROM license_entries l WHERE {} AND l.end_date >= $3 AND l.end_date <= $4 \
         AND SUBSTR(l.sku, 11, 1) <> 'H' AND SUBSTR(l.sku, 10, 1) = 'S' \
         AND NOT EXISTS (SELECT 1 FROM order_lines r WHERE r.changes_entry_id = l.id AND SUBSTR(r.sku, 11, 1) = 'R') \
         GROUP BY l.sku, l.end_date",
        scope.resellers("l.reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(pool)
    .await
}
