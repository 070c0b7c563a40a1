//! MSP monthly usage and closed months. Usage is kept per month, end customer and SKU:
//! reporting the same pair again replaces its quantity until the vendor closes the month.

pub use super::Scope;
use crate::domain::msp::UsageLine;
use crate::domain::{Cents, OrgId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

/// MSP resellers in scope: (id, name), by name.
pub async fn msps(pool: &AnyPool, scope: Scope) -> Result<Vec<(OrgId, String)>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query(
        "SELECT r.id, r.name FROM organisations r WHERE r.kind = 'reseller' AND r.is_msp <> 0 \
         AND ($1 = 'all' OR ($1 = 'reseller' AND r.id = $2) OR ($1 = 'cam' AND r.cam_user_id = $2) \
              OR ($1 = 'distributor' AND r.id IN (SELECT reseller_id FROM reseller_distributors WHERE distributor_id = $2))) \
         ORDER BY LOWER(r.name)",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((OrgId(r.try_get("id")?), r.try_get("name")?)))
    .collect()
}

pub struct NewUsage<'a> {
    pub reseller: OrgId,
    pub month: &'a str,
    pub end_customer: i64,
    pub sku: &'a str,
    pub description: &'a str,
    pub quantity: i64,
    pub unit_msrp: Cents,
    pub currency: &'a str,
    pub by: UserId,
}

/// Records a usage, replacing an earlier report of the same month, end customer and SKU.
/// The quantity reported so far for this month, end customer and SKU, if any.
pub async fn quantity_of(
    conn: &mut AnyConnection,
    reseller: OrgId,
    month: &str,
    end_customer: i64,
    sku: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT quantity FROM msp_usage WHERE reseller_id = $1 AND month = $2 AND end_customer_id = $3 AND sku = $4",
    )
    .bind(reseller.0)
    .bind(month)
    .bind(end_customer)
    .bind(sku)
    .fetch_optional(conn)
    .await
}

pub async fn record(
    conn: &mut AnyConnection,
    u: &NewUsage<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO msp_usage (reseller_id, month, end_customer_id, sku, description, quantity, unit_msrp, reported_by, reported_at, currency) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (reseller_id, month, end_customer_id, sku) DO UPDATE SET quantity = excluded.quantity, \
         description = excluded.description, unit_msrp = excluded.unit_msrp, currency = excluded.currency, reported_by = excluded.reported_by, \
         reported_at = excluded.reported_at",
    )
    .bind(u.reseller.0)
    .bind(u.month)
    .bind(u.end_customer)
    .bind(u.sku)
    .bind(u.description)
    .bind(u.quantity)
    .bind(u.unit_msrp.cents())
    .bind(u.by.0)
    .bind(now)
    .bind(u.currency)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reseller's usage of a month, for its statement.
pub async fn usage(
    pool: &AnyPool,
    scope: Scope,
    reseller: OrgId,
    month: &str,
) -> Result<Vec<UsageLine>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query(&format!(
        "SELECT e.name AS end_user, u.sku, u.description, u.quantity, u.unit_msrp FROM msp_usage u \
         JOIN end_customers e ON e.id = u.end_customer_id WHERE u.reseller_id = $3 AND u.month = $4 AND u.quantity > 0 AND {}",
        scope.resellers("u.reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(reseller.0)
    .bind(month)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let sku: String = r.try_get("sku")?;
        Ok(UsageLine {
            end_user: r.try_get("end_user")?,
            family: sku.chars().take(6).collect(),
            sku,
            description: r.try_get("description")?,
            quantity: r.try_get("quantity")?,
            unit_msrp: Cents::new(r.try_get("unit_msrp")?),
        })
    })
    .collect()
}

/// The months not closed yet for which this reseller has reported usage, oldest first.
pub async fn open_months_of(pool: &AnyPool, reseller: OrgId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT u.month FROM msp_usage u WHERE u.reseller_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM msp_closed_months c WHERE c.month = u.month) ORDER BY u.month",
    )
    .bind(reseller.0)
    .fetch_all(pool)
    .await
}

pub async fn is_closed(pool: &AnyPool, month: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM msp_closed_months WHERE month = $1")
        .bind(month)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Closes a month; false if it was closed already.
pub async fn close(
    conn: &mut AnyConnection,
    month: &str,
    by: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO msp_closed_months (month, closed_by, closed_at) VALUES ($1, $2, $3) ON CONFLICT (month) DO NOTHING",
    )
    .bind(month)
    .bind(by.0)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
