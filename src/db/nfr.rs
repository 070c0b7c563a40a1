//! NFR allotments, grants and requests. Reads of requests take the caller's scope: a
//! reseller its own, a distributor those of the resellers it supplies, a channel account
//! manager those of its resellers, the vendor admin all.

pub use super::Scope;
use crate::domain::nfr::AllotmentRow;
use crate::domain::status::NfrStatus;
use crate::domain::{NfrRequestId, OrgId, PartnerLevel, UserId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

/// The whole allotment table: (level, row), by level, family and band.
pub async fn allotments(pool: &AnyPool) -> Result<Vec<(PartnerLevel, AllotmentRow)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT partner_level, family, band, quantity FROM nfr_allotments ORDER BY partner_level, family, band",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let level: String = r.try_get("partner_level")?;
        if let Some(level) = PartnerLevel::parse(&level) {
            out.push((
                level,
                AllotmentRow {
                    family: r.try_get("family")?,
                    band: r.try_get("band")?,
                    quantity: r.try_get("quantity")?,
                },
            ));
        }
    }
    Ok(out)
}

/// The allotment of one partner level.
pub async fn allotment_of(
    pool: &AnyPool,
    level: PartnerLevel,
) -> Result<Vec<AllotmentRow>, sqlx::Error> {
    Ok(allotments(pool)
        .await?
        .into_iter()
        .filter(|(l, _)| *l == level)
        .map(|(_, r)| r)
        .collect())
}

pub async fn set_allotment(
    conn: &mut AnyConnection,
    level: PartnerLevel,
    row: &AllotmentRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO nfr_allotments (partner_level, family, band, quantity) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (partner_level, family, band) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(level.as_str())
    .bind(&row.family)
    .bind(&row.band)
    .bind(row.quantity)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_allotment(
    conn: &mut AnyConnection,
    level: PartnerLevel,
    family: &str,
    band: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM nfr_allotments WHERE partner_level = $1 AND family = $2 AND band = $3",
    )
    .bind(level.as_str())
    .bind(family)
    .bind(band)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Records that a reseller joined at `level` on `joined_on`; false if it has its grant already
/// (a reseller is granted once, however often the admin action or the job runs).
pub async fn grant_once(
    conn: &mut AnyConnection,
    reseller: OrgId,
    level: PartnerLevel,
    joined_on: NaiveDate,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO nfr_grants (reseller_id, partner_level, joined_on, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (reseller_id) DO NOTHING",
    )
    .bind(reseller.0)
    .bind(level.as_str())
    .bind(joined_on.to_string())
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn set_grant_order(
    conn: &mut AnyConnection,
    reseller: OrgId,
    order: crate::domain::OrderId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE nfr_grants SET order_id = $1 WHERE reseller_id = $2")
        .bind(order.0)
        .bind(reseller.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The reseller's NFR licenses in force on `today` (or still to start): (family, quantity).
pub async fn held(
    pool: &AnyPool,
    scope: Scope,
    reseller: OrgId,
    today: NaiveDate,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query_as(&format!(
        "SELECT SUBSTR(sku, 1, 6) AS family, CAST(SUM(quantity) AS BIGINT) AS quantity FROM license_entries \
         WHERE reseller_id = $3 AND SUBSTR(sku, 10, 1) = 'N' AND end_date >= $4 AND {} GROUP BY SUBSTR(sku, 1, 6)",
        scope.resellers("reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(reseller.0)
    .bind(today.to_string())
    .fetch_all(pool)
    .await
}

/// The end customer a reseller's own NFR licenses are scheduled under, created when missing.
pub async fn own_use_customer(
    conn: &mut AnyConnection,
    reseller: OrgId,
    reseller_name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let name = format!("{reseller_name} (own use, NFR)");
    super::deals::end_customer_named(conn, reseller, &name, now).await
}

#[derive(Debug, Clone)]
pub struct RequestLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: NfrRequestId,
    pub reference: String,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub cam_user_id: Option<UserId>,
    pub requested_by: Option<UserId>,
    pub requester_name: String,
    pub requester_email: String,
    pub on_behalf_of: Option<String>,
    pub justification: String,
    pub status: NfrStatus,
    pub reason: Option<String>,
    pub order_reference: Option<String>,
    pub order_id: Option<i64>,
    pub created_at: i64,
    /// Who decided, and when.
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub lines: Vec<RequestLine>,
}

pub(crate) const SCOPE: &str = "($1 = 'all' OR ($1 = 'reseller' AND q.reseller_id = $2) OR ($1 = 'cam' AND r.cam_user_id = $2) \
     OR ($1 = 'distributor' AND q.reseller_id IN (SELECT reseller_id FROM reseller_distributors WHERE distributor_id = $2)))";

const SELECT: &str = "SELECT q.id, q.reference, q.reseller_id, r.name AS reseller_name, r.cam_user_id, q.requested_by, \
       COALESCE(u.display_name, '') AS requester_name, COALESCE(u.email, '') AS requester_email, d.name AS on_behalf_of, \
       q.justification, q.status, q.reason, o.reference AS order_reference, q.order_id, q.created_at, \
       x.display_name AS decided_by_name, q.decided_at \
     FROM nfr_requests q JOIN organisations r ON r.id = q.reseller_id LEFT JOIN users u ON u.id = q.requested_by \
     LEFT JOIN users x ON x.id = q.decided_by \
     LEFT JOIN organisations d ON d.id = q.on_behalf_of LEFT JOIN orders o ON o.id = q.order_id";

fn request(r: &sqlx::any::AnyRow) -> Result<Request, sqlx::Error> {
    Ok(Request {
        id: NfrRequestId(r.try_get("id")?),
        reference: r.try_get("reference")?,
        reseller_id: OrgId(r.try_get("reseller_id")?),
        reseller_name: r.try_get("reseller_name")?,
        cam_user_id: r.try_get::<Option<i64>, _>("cam_user_id")?.map(UserId),
        requested_by: r.try_get::<Option<i64>, _>("requested_by")?.map(UserId),
        requester_name: r.try_get("requester_name")?,
        requester_email: r.try_get("requester_email")?,
        on_behalf_of: r.try_get("on_behalf_of")?,
        justification: r.try_get("justification")?,
        status: {
            let s: String = r.try_get("status")?;
            NfrStatus::parse(&s)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown NFR status {s:?}").into()))?
        },
        reason: r.try_get("reason")?,
        order_reference: r.try_get("order_reference")?,
        order_id: r.try_get("order_id")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
        lines: Vec::new(),
    })
}

/// The requests of these rows with their lines, read in one query.
async fn with_lines(
    pool: &AnyPool,
    rows: &[sqlx::any::AnyRow],
) -> Result<Vec<Request>, sqlx::Error> {
    let mut items = rows.iter().map(request).collect::<Result<Vec<_>, _>>()?;
    if items.is_empty() {
        return Ok(items);
    }
    let sql = format!(
        "SELECT request_id, sku, description, quantity FROM nfr_request_lines WHERE request_id IN ({}) ORDER BY line_no",
        super::placeholders(1, items.len())
    );
    let mut query = sqlx::query(&sql);
    for r in &items {
        query = query.bind(r.id.0);
    }
    for l in query.fetch_all(pool).await? {
        let owner: i64 = l.try_get("request_id")?;
        let line = RequestLine {
            sku: l.try_get("sku")?,
            description: l.try_get("description")?,
            quantity: l.try_get("quantity")?,
        };
        if let Some(r) = items.iter_mut().find(|r| r.id.0 == owner) {
            r.lines.push(line);
        }
    }
    Ok(items)
}

/// Requests in scope, newest first (at most 200).
pub async fn list(pool: &AnyPool, scope: Scope) -> Result<Vec<Request>, sqlx::Error> {
    let (kind, id) = scope.params();
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE {SCOPE} ORDER BY q.id DESC LIMIT 200"
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await?;
    with_lines(pool, &rows).await
}

pub async fn get(
    pool: &AnyPool,
    scope: Scope,
    id: NfrRequestId,
) -> Result<Option<Request>, sqlx::Error> {
    let row = scope
        .one(pool, &format!("{SELECT} WHERE {SCOPE} AND q.id = $3"), id.0)
        .await?;
    Ok(with_lines(pool, &Vec::from_iter(row)).await?.pop())
}

pub struct NewRequest<'a> {
    pub reseller: OrgId,
    pub by: UserId,
    pub on_behalf_of: Option<OrgId>,
    pub justification: &'a str,
    pub lines: &'a [RequestLine],
}

/// Inserts a submitted request and gives it its reference, `NFR-<year>-<id>`.
pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewRequest<'_>,
    year: i32,
    now: i64,
) -> Result<(NfrRequestId, String), sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO nfr_requests (reference, reseller_id, requested_by, on_behalf_of, justification, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6) RETURNING id",
    )
    .bind(format!("pending-{now}-{}", n.by.0))
    .bind(n.reseller.0)
    .bind(n.by.0)
    .bind(n.on_behalf_of.map(|o| o.0))
    .bind(n.justification)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let reference = format!("NFR-{year}-{id:04}");
    sqlx::query("UPDATE nfr_requests SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, l) in n.lines.iter().enumerate() {
        sqlx::query("INSERT INTO nfr_request_lines (request_id, line_no, sku, description, quantity) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(i as i64 + 1)
            .bind(&l.sku)
            .bind(&l.description)
            .bind(l.quantity)
            .execute(&mut *conn)
            .await?;
    }
    Ok((NfrRequestId(id), reference))
}

/// Records a decision if the request still waits for one; false if someone decided first.
pub async fn decide(
    conn: &mut AnyConnection,
    id: NfrRequestId,
    status: NfrStatus,
    by: UserId,
    now: i64,
    reason: Option<&str>,
    order: Option<crate::domain::OrderId>,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE nfr_requests SET status = $1, decided_by = $2, decided_at = $3, reason = $4, order_id = $5 \
         WHERE id = $6 AND status = 'submitted'",
    )
    .bind(status.as_str())
    .bind(by.0)
    .bind(now)
    .bind(reason)
    .bind(order.map(|o| o.0))
    .bind(id.0)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
