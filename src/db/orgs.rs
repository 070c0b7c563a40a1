//! Organisations and which distributors supply which reseller.

use crate::domain::paging::{Count, Cursor, Window};
use crate::domain::{OrgId, OrgKind, PartnerLevel, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct Org {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub partner_level: Option<PartnerLevel>,
    pub cam_user_id: Option<UserId>,
    pub cam_name: Option<String>,
    pub is_msp: bool,
    pub currency: String,
    pub user_count: i64,
}

/// What the vendor admin enters for a new or changed distributor or reseller.
#[derive(Debug, Clone)]
pub struct OrgFields {
    pub name: String,
    pub partner_level: Option<PartnerLevel>,
    pub cam_user_id: Option<UserId>,
    pub is_msp: bool,
    pub currency: String,
}

const SELECT_ORG: &str =
    "SELECT o.id, o.kind, o.name, o.partner_level, o.cam_user_id, c.display_name AS cam_name, \
       o.is_msp, o.currency, \
       (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id) AS user_count \
     FROM organisations o LEFT JOIN users c ON c.id = o.cam_user_id";

fn decode_err(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?} in the database").into())
}

fn org_from_row(row: &dyn super::cells::Cells) -> Result<Org, sqlx::Error> {
    let kind: String = row.get("kind")?;
    let level: Option<String> = row.get("partner_level")?;
    Ok(Org {
        id: OrgId(row.get("id")?),
        kind: OrgKind::parse(&kind).ok_or_else(|| decode_err("organisation kind", &kind))?,
        name: row.get("name")?,
        partner_level: match level {
            Some(l) => {
                Some(PartnerLevel::parse(&l).ok_or_else(|| decode_err("partner level", &l))?)
            }
            None => None,
        },
        cam_user_id: row.get::<Option<i64>>("cam_user_id")?.map(UserId),
        cam_name: row.get("cam_name")?,
        is_msp: super::flag(row, "is_msp")?,
        currency: row.get("currency")?,
        user_count: row.get("user_count")?,
    })
}

pub async fn get(pool: &AnyPool, id: OrgId) -> Result<Option<Org>, sqlx::Error> {
    let sql = format!("{SELECT_ORG} WHERE o.id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await?;
    row.as_ref().map(|r| org_from_row(r)).transpose()
}

pub async fn vendor(pool: &AnyPool) -> Result<Option<Org>, sqlx::Error> {
    let sql = format!("{SELECT_ORG} WHERE o.kind = 'vendor'");
    let row = sqlx::query(&sql).fetch_optional(pool).await?;
    row.as_ref().map(|r| org_from_row(r)).transpose()
}

/// The organisation list's order: by name (any case), then id.
const ORG_ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "organisations o",
    key: "LOWER(o.name)",
    id: "o.id",
    descending: false,
    keeps_ends: true,
};

/// `FROM ... WHERE ...` of the distributors and resellers (never the vendor), optionally of
/// one kind, whose name holds `part`; `None` when no name does.
async fn orgs_where(
    pool: &AnyPool,
    kind: Option<OrgKind>,
    part: &str,
    few: usize,
) -> Result<Option<super::sql::Sql>, sqlx::Error> {
    use super::names::{matching, Matches, Named};
    let mut sql = super::sql::Sql::default();
    sql.push(
        "FROM organisations o LEFT JOIN users c ON c.id = o.cam_user_id WHERE o.kind <> 'vendor'",
    );
    if let Some(kind) = kind {
        sql.push(" AND o.kind = ").text(kind.as_str());
    }
    let part = part.trim();
    if !part.is_empty() {
        match matching(pool, Named::Organisations, part, super::Scope::All, few).await? {
            Matches::Ids(ids) if ids.is_empty() => return Ok(None),
            Matches::Ids(ids) => {
                sql.push(" AND o.id IN ").ids(&ids);
            }
            Matches::Many => {
                let name = super::names::folded(super::sql::backend(pool), "o.name");
                sql.push(&format!(" AND {name} LIKE "))
                    .text(super::names::like_pattern(part))
                    .push(" ESCAPE '\\'");
            }
        }
    }
    Ok(Some(sql))
}

/// The page at `cursor` of the distributors and resellers, optionally of one kind, whose name
/// holds `part`, by name.
pub async fn list(
    db: &super::Db,
    kind: Option<OrgKind>,
    part: &str,
    cursor: Cursor,
) -> Result<Window<Org>, sqlx::Error> {
    let pool = &db.pool;
    let per_page = crate::domain::paging::PER_PAGE as usize;
    let Some(from) = orgs_where(pool, kind, part, super::names::FEW_TO_LIST).await? else {
        return Ok(Window::forward(Vec::new(), per_page, false, |o: &Org| {
            o.id.0
        }));
    };
    // The columns of SELECT_ORG (whose user count has a FROM of its own).
    let columns = &SELECT_ORG[..SELECT_ORG
        .rfind(" FROM organisations o")
        .unwrap_or(SELECT_ORG.len())];
    ORG_ORDER
        .window(
            db,
            columns,
            &from,
            cursor,
            per_page,
            org_from_row,
            |o: &Org| o.id.0,
        )
        .await
}

/// How many distributors and resellers [`list`] pages through (up to "more than 10,000").
pub async fn count(
    pool: &AnyPool,
    kind: Option<OrgKind>,
    part: &str,
) -> Result<Count, sqlx::Error> {
    match orgs_where(pool, kind, part, super::names::FEW_TO_LIST).await? {
        Some(from) => from.count(pool).await,
        None => Ok(Count::Exact(0)),
    }
}

/// All distributors by name, for choosing a reseller's suppliers.
pub async fn distributors(pool: &AnyPool) -> Result<Vec<(OrgId, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name FROM organisations WHERE kind = 'distributor' ORDER BY LOWER(name)",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((OrgId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

/// A distributor that supplies a reseller, and the currency it trades in.
#[derive(Debug, Clone)]
pub struct Supplier {
    pub id: OrgId,
    pub name: String,
    pub currency: String,
}

impl Supplier {
    /// The choice a reseller sees: "Rhein Distribution GmbH (prices in EUR)".
    pub fn choice(&self) -> (OrgId, String) {
        (
            self.id,
            format!("{} (prices in {})", self.name, self.currency),
        )
    }
}

/// The distributors that supply `reseller`, by name: a reseller's inquiry or registration is
/// priced in the currency of the distributor it addresses.
pub async fn suppliers(pool: &AnyPool, reseller: OrgId) -> Result<Vec<Supplier>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.currency FROM organisations o \
         JOIN reseller_distributors rd ON rd.distributor_id = o.id \
         WHERE rd.reseller_id = $1 ORDER BY LOWER(o.name)",
    )
    .bind(reseller.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Supplier {
                id: OrgId(r.try_get("id")?),
                name: r.try_get("name")?,
                currency: r.try_get("currency")?,
            })
        })
        .collect()
}

/// The distinct currencies of these suppliers, sorted.
pub fn currencies_of(suppliers: &[Supplier]) -> Vec<String> {
    let mut all: Vec<String> = suppliers.iter().map(|s| s.currency.clone()).collect();
    all.sort();
    all.dedup();
    all
}

/// The currency an organisation trades in.
pub async fn currency_of(pool: &AnyPool, org: OrgId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT currency FROM organisations WHERE id = $1")
        .bind(org.0)
        .fetch_optional(pool)
        .await
}

pub async fn distributor_ids_of(
    pool: &AnyPool,
    reseller: OrgId,
) -> Result<Vec<OrgId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT distributor_id FROM reseller_distributors WHERE reseller_id = $1 ORDER BY distributor_id",
    )
    .bind(reseller.0)
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(OrgId).collect())
}

/// Every reseller's distributors (by id), for batch jobs that tell thousands of resellers.
pub async fn suppliers_of_every_reseller(
    pool: &AnyPool,
) -> Result<std::collections::HashMap<OrgId, Vec<OrgId>>, sqlx::Error> {
    let mut suppliers: std::collections::HashMap<OrgId, Vec<OrgId>> = Default::default();
    for r in sqlx::query(
        "SELECT reseller_id, distributor_id FROM reseller_distributors ORDER BY reseller_id, distributor_id",
    )
    .fetch_all(pool)
    .await?
    {
        suppliers
            .entry(OrgId(r.try_get("reseller_id")?))
            .or_default()
            .push(OrgId(r.try_get("distributor_id")?));
    }
    Ok(suppliers)
}

pub async fn insert(
    conn: &mut AnyConnection,
    kind: OrgKind,
    fields: &OrgFields,
    now: i64,
) -> Result<OrgId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (kind, name, partner_level, cam_user_id, is_msp, created_at, currency) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(&fields.name)
    .bind(fields.partner_level.map(|l| l.as_str()))
    .bind(fields.cam_user_id.map(|u| u.0))
    .bind(i64::from(fields.is_msp))
    .bind(now)
    .bind(&fields.currency)
    .fetch_one(conn)
    .await?;
    Ok(OrgId(id))
}

pub async fn update(
    conn: &mut AnyConnection,
    id: OrgId,
    fields: &OrgFields,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE organisations SET name = $1, partner_level = $2, cam_user_id = $3, is_msp = $4, currency = $5 \
         WHERE id = $6 AND kind <> 'vendor'",
    )
    .bind(&fields.name)
    .bind(fields.partner_level.map(|l| l.as_str()))
    .bind(fields.cam_user_id.map(|u| u.0))
    .bind(i64::from(fields.is_msp))
    .bind(&fields.currency)
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_distributors(
    conn: &mut AnyConnection,
    reseller: OrgId,
    distributors: &[OrgId],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM reseller_distributors WHERE reseller_id = $1")
        .bind(reseller.0)
        .execute(&mut *conn)
        .await?;
    for d in distributors {
        sqlx::query(
            "INSERT INTO reseller_distributors (reseller_id, distributor_id) VALUES ($1, $2)",
        )
        .bind(reseller.0)
        .bind(d.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether another organisation has this name already (names are unique regardless of case).
pub async fn name_taken(
    pool: &AnyPool,
    name: &str,
    except: Option<OrgId>,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE LOWER(name) = LOWER($1) AND id <> $2",
    )
    .bind(name)
    .bind(except.map(|o| o.0).unwrap_or(0))
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Resellers at any of these partner levels, for vendor messages.
pub async fn resellers_at_levels(
    pool: &AnyPool,
    levels: &[PartnerLevel],
) -> Result<Vec<OrgId>, sqlx::Error> {
    let mut ids = Vec::new();
    for level in levels {
        let found: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'reseller' AND partner_level = $1 ORDER BY id")
                .bind(level.as_str())
                .fetch_all(pool)
                .await?;
        ids.extend(found.into_iter().map(OrgId));
    }
    Ok(ids)
}

/// Every reseller's name, by its lower-cased form (for checking names typed in an import
/// file, and suggesting the one meant).
pub async fn reseller_names_lowercase(
    pool: &AnyPool,
) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    sqlx::query("SELECT LOWER(name) AS lower, name FROM organisations WHERE kind = 'reseller'")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("lower")?, r.try_get("name")?)))
        .collect()
}

/// Whether the reseller asks for a purchase-order reference on every order it places.
pub async fn po_required(pool: &AnyPool, reseller: OrgId) -> Result<bool, sqlx::Error> {
    let flag: Option<i64> =
        sqlx::query_scalar("SELECT po_required FROM organisations WHERE id = $1")
            .bind(reseller.0)
            .fetch_optional(pool)
            .await?;
    Ok(flag.unwrap_or(0) != 0)
}

pub async fn set_po_required(
    conn: &mut AnyConnection,
    reseller: OrgId,
    required: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organisations SET po_required = $1 WHERE id = $2")
        .bind(i64::from(required))
        .bind(reseller.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
