//! Pricing inquiries and their lines, read through the caller's scope: the reseller's own,
//! or those sent to a distributor (never its drafts), or all for the vendor admin.

pub use super::Scope;
use crate::domain::paging::{Count, Cursor, Window, PER_PAGE};
use crate::domain::status::InquiryStatus;
use crate::domain::{Cents, EntryId, InquiryId, OrgId, UserId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

pub(crate) const SCOPE: &str = "($1 = 'all' OR ($1 = 'reseller' AND i.reseller_id = $2) \
                     OR ($1 = 'distributor' AND i.distributor_id = $2 AND i.status <> 'draft'))";

#[derive(Debug, Clone)]
pub struct Line {
    pub id: i64,
    pub entered: String,
    pub months: Option<i64>,
    pub legacy_sku: Option<String>,
    pub sku: String,
    pub family: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp: Cents,
    /// The inquiry's currency (every amount of an inquiry is in one).
    pub currency: String,
    /// The schedule entry this line renews or changes, and that entry's end date.
    pub changes_entry: Option<EntryId>,
    pub changes_end: Option<String>,
}

impl Line {
    pub fn msrp(&self) -> Cents {
        self.unit_msrp * self.quantity
    }
}

#[derive(Debug, Clone)]
pub struct Inquiry {
    pub id: InquiryId,
    pub reference: String,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub end_customer_name: String,
    pub distributor_id: OrgId,
    pub distributor_name: String,
    /// The currency it is priced in: its distributor's when it was started.
    pub currency: String,
    pub status: InquiryStatus,
    pub created_at: i64,
    pub submitted_on: Option<String>,
    pub version: i64,
    pub lines: Vec<Line>,
    /// The deal registration the inquiry was started for: (id, reference).
    pub deal: Option<(i64, String)>,
}

impl Inquiry {
    pub fn total_msrp(&self) -> Cents {
        self.lines.iter().map(|l| l.msrp()).sum()
    }
}

const SELECT: &str = "SELECT i.id, i.reference, i.reseller_id, r.name AS reseller_name, e.name AS end_customer_name, \
       i.distributor_id, t.name AS distributor_name, i.status, i.created_at, i.submitted_on, i.version, \
       i.currency, i.deal_registration_id, g.reference AS deal_reference \
     FROM inquiries i JOIN organisations r ON r.id = i.reseller_id JOIN end_customers e ON e.id = i.end_customer_id \
     JOIN organisations t ON t.id = i.distributor_id LEFT JOIN deal_registrations g ON g.id = i.deal_registration_id";

fn inquiry(r: &dyn super::cells::Cells) -> Result<Inquiry, sqlx::Error> {
    let status: String = r.get("status")?;
    Ok(Inquiry {
        id: InquiryId(r.get("id")?),
        reference: r.get("reference")?,
        reseller_id: OrgId(r.get("reseller_id")?),
        reseller_name: r.get("reseller_name")?,
        end_customer_name: r.get("end_customer_name")?,
        distributor_id: OrgId(r.get("distributor_id")?),
        distributor_name: r.get("distributor_name")?,
        currency: r.get("currency")?,
        status: InquiryStatus::parse(&status).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown inquiry status {status:?}").into())
        })?,
        created_at: r.get("created_at")?,
        submitted_on: r.get("submitted_on")?,
        version: r.get("version")?,
        lines: Vec::new(),
        deal: match (
            r.get::<Option<i64>>("deal_registration_id")?,
            r.get::<Option<String>>("deal_reference")?,
        ) {
            (Some(id), Some(reference)) => Some((id, reference)),
            _ => None,
        },
    })
}

/// An inquiry in a work queue, with its latest quote's validity and net total when quoted.
#[derive(Debug, Clone)]
pub struct Queued {
    pub inquiry: Inquiry,
    pub valid_until: Option<NaiveDate>,
    pub net: Option<Cents>,
}

/// The inquiries in scope with `status`, the oldest submitted first (at most `limit`), with
/// their lines and their latest quote.
pub async fn queue(
    pool: &AnyPool,
    scope: Scope,
    status: InquiryStatus,
    limit: i64,
) -> Result<Vec<Queued>, sqlx::Error> {
    let (kind, id) = scope.params();
    let rows = sqlx::query(&format!(
        "SELECT * FROM ({SELECT} WHERE {SCOPE} AND i.status = $3) x \
         LEFT JOIN (SELECT q.inquiry_id AS quoted_id, q.valid_until, q.total_net FROM quotes q \
           WHERE q.version = (SELECT MAX(v.version) FROM quotes v WHERE v.inquiry_id = q.inquiry_id)) lq \
         ON lq.quoted_id = x.id ORDER BY x.submitted_on, x.id LIMIT $4"
    ))
    .bind(kind)
    .bind(id)
    .bind(status.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let quotes = rows
        .iter()
        .map(|r| {
            let valid = r
                .try_get::<Option<String>, _>("valid_until")?
                .as_deref()
                .map(super::date)
                .transpose()?;
            let net = r.try_get::<Option<i64>, _>("total_net")?.map(Cents::new);
            Ok((valid, net))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(with_lines(pool, &rows)
        .await?
        .into_iter()
        .zip(quotes)
        .map(|(inquiry, (valid_until, net))| Queued {
            inquiry,
            valid_until,
            net,
        })
        .collect())
}

/// The inquiries of these rows with their lines, read in one query.
async fn with_lines(
    pool: &AnyPool,
    rows: &[sqlx::any::AnyRow],
) -> Result<Vec<Inquiry>, sqlx::Error> {
    let items = rows
        .iter()
        .map(|r| inquiry(r))
        .collect::<Result<Vec<_>, _>>()?;
    attach_lines(&mut *pool.acquire().await?, items).await
}

/// The inquiries with their lines, read in one query.
async fn attach_lines(
    conn: &mut AnyConnection,
    mut items: Vec<Inquiry>,
) -> Result<Vec<Inquiry>, sqlx::Error> {
    if items.is_empty() {
        return Ok(items);
    }
    let sql = format!(
        "SELECT il.inquiry_id, il.id, il.entered, il.months, il.legacy_sku, il.sku, il.family, il.description, il.quantity, \
         il.unit_msrp, il.changes_entry_id, le.end_date AS changes_end \
         FROM inquiry_lines il LEFT JOIN license_entries le ON le.id = il.changes_entry_id \
         WHERE il.inquiry_id IN ({}) ORDER BY il.id",
        super::placeholders(1, items.len())
    );
    let mut query = sqlx::query(&sql);
    for i in &items {
        query = query.bind(i.id.0);
    }
    for l in query.fetch_all(conn).await? {
        let owner = InquiryId(l.try_get("inquiry_id")?);
        let line = Line {
            id: l.try_get("id")?,
            entered: l.try_get("entered")?,
            months: l.try_get("months")?,
            legacy_sku: l.try_get("legacy_sku")?,
            sku: l.try_get("sku")?,
            family: l.try_get("family")?,
            description: l.try_get("description")?,
            quantity: l.try_get("quantity")?,
            unit_msrp: Cents::new(l.try_get("unit_msrp")?),
            currency: String::new(),
            changes_entry: l
                .try_get::<Option<i64>, _>("changes_entry_id")?
                .map(EntryId),
            changes_end: l.try_get("changes_end")?,
        };
        if let Some(i) = items.iter_mut().find(|i| i.id == owner) {
            let line = Line {
                currency: i.currency.clone(),
                ..line
            };
            i.lines.push(line);
        }
    }
    Ok(items)
}

/// Narrowing a list: status, reseller, and submitted at or before a time (age).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<InquiryStatus>,
    pub reseller: Option<OrgId>,
    pub submitted_before: Option<i64>,
}

/// The inquiry lists' order: newest first.
const ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "inquiries i",
    key: "i.id",
    id: "i.id",
    descending: true,
    keeps_ends: true,
};

/// `FROM ... WHERE ...` of the inquiries in scope that `filter` leaves.
fn inquiries_where(scope: Scope, filter: &Filter, joins: bool) -> super::sql::Sql {
    let from = if joins {
        &SELECT[SELECT.find(" FROM ").unwrap_or(0)..]
    } else {
        " FROM inquiries i"
    };
    let mut sql = super::sql::Sql::scoped(&format!("{from} WHERE {SCOPE}"), scope);
    if let Some(status) = filter.status {
        sql.push(" AND i.status = ").text(status.as_str());
    }
    if let Some(reseller) = filter.reseller {
        sql.push(" AND i.reseller_id = ").int(reseller.0);
    }
    if let Some(before) = filter.submitted_before {
        sql.push(" AND i.submitted_at IS NOT NULL AND i.submitted_at <= ")
            .int(before);
    }
    sql
}

/// The page at `cursor` of the inquiries in scope that `filter` leaves, newest first, with
/// their lines.
pub async fn list(
    db: &super::Db,
    scope: Scope,
    filter: &Filter,
    cursor: Cursor,
) -> Result<Window<Inquiry>, sqlx::Error> {
    let pool = &db.pool;
    let columns = &SELECT[..SELECT.find(" FROM ").unwrap_or(SELECT.len())];
    let mut window = ORDER
        .window(
            db,
            columns,
            &inquiries_where(scope, filter, true),
            cursor,
            PER_PAGE as usize,
            inquiry,
            |i: &Inquiry| i.id.0,
        )
        .await?;
    window.items = attach_lines(
        &mut *pool.acquire().await?,
        std::mem::take(&mut window.items),
    )
    .await?;
    Ok(window)
}

/// How many inquiries in scope `filter` leaves (up to "more than 10,000").
pub async fn count(pool: &AnyPool, scope: Scope, filter: &Filter) -> Result<Count, sqlx::Error> {
    inquiries_where(scope, filter, false).count(pool).await
}

pub async fn get(
    pool: &AnyPool,
    scope: Scope,
    id: InquiryId,
) -> Result<Option<Inquiry>, sqlx::Error> {
    let row = scope
        .one(pool, &format!("{SELECT} WHERE {SCOPE} AND i.id = $3"), id.0)
        .await?;
    Ok(with_lines(pool, &Vec::from_iter(row)).await?.pop())
}

/// One inquiry with its lines, read inside the caller's transaction (for the events told of
/// it).
pub async fn get_in(
    conn: &mut AnyConnection,
    id: InquiryId,
) -> Result<Option<Inquiry>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE i.id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let items = row
        .iter()
        .map(|r| inquiry(r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(attach_lines(conn, items).await?.pop())
}

pub async fn insert(
    conn: &mut AnyConnection,
    reseller: OrgId,
    end_customer: i64,
    distributor: OrgId,
    author: UserId,
    year: i32,
    now: i64,
) -> Result<(InquiryId, String), sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inquiries (reference, reseller_id, end_customer_id, distributor_id, status, author_id, created_at, currency) \
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, (SELECT d.currency FROM organisations d WHERE d.id = $4)) RETURNING id",
    )
    .bind(format!("pending-{now}-{}", author.0))
    .bind(reseller.0)
    .bind(end_customer)
    .bind(distributor.0)
    .bind(author.0)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let reference = format!("PI-{year}-{id:04}");
    sqlx::query("UPDATE inquiries SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok((InquiryId(id), reference))
}

/// Names the deal registration an inquiry is for.
pub async fn set_deal(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    deal: crate::domain::DealId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inquiries SET deal_registration_id = $1 WHERE id = $2")
        .bind(deal.0)
        .bind(inquiry.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims the inquiry at `version` for a change (and bumps the version). False: someone
/// changed it meanwhile, or it is no longer in `status`.
pub async fn bump(
    conn: &mut AnyConnection,
    id: InquiryId,
    version: i64,
    status: InquiryStatus,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE inquiries SET version = version + 1 WHERE id = $1 AND version = $2 AND status = $3",
    )
    .bind(id.0)
    .bind(version)
    .bind(status.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct NewLine<'a> {
    pub entered: &'a str,
    pub months: Option<u32>,
    pub legacy_sku: Option<&'a str>,
    pub sku: &'a str,
    pub family: &'a str,
    pub description: &'a str,
    pub quantity: u32,
    pub unit_msrp: Cents,
    pub changes_entry: Option<EntryId>,
}

pub async fn add_line(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    l: &NewLine<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO inquiry_lines (inquiry_id, entered, months, legacy_sku, sku, family, description, quantity, unit_msrp, changes_entry_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(inquiry.0)
    .bind(l.entered)
    .bind(l.months.map(i64::from))
    .bind(l.legacy_sku)
    .bind(l.sku)
    .bind(l.family)
    .bind(l.description)
    .bind(i64::from(l.quantity))
    .bind(l.unit_msrp.cents())
    .bind(l.changes_entry.map(|e| e.0))
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the SKU of a line that continues an entry (a renewal's other term): false when the
/// inquiry has no such line.
pub async fn set_continuing_sku(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    line: i64,
    sku: &str,
    description: &str,
    unit_msrp: crate::domain::Cents,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE inquiry_lines SET entered = $1, sku = $1, months = NULL, legacy_sku = NULL, description = $2, unit_msrp = $3 \
         WHERE id = $4 AND inquiry_id = $5 AND changes_entry_id IS NOT NULL",
    )
    .bind(sku)
    .bind(description)
    .bind(unit_msrp.cents())
    .bind(line)
    .bind(inquiry.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_line(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    line: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM inquiry_lines WHERE id = $1 AND inquiry_id = $2")
        .bind(line)
        .bind(inquiry.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_submitted(
    conn: &mut AnyConnection,
    id: InquiryId,
    on: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inquiries SET status = 'submitted', submitted_at = $1, submitted_on = $2 WHERE id = $3")
        .bind(now)
        .bind(on)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who hears about an inquiry's quote: its author (while active) and the reseller's admins.
pub async fn quote_recipients(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
) -> Result<Vec<crate::domain::contact::Person>, sqlx::Error> {
    let reseller: i64 = sqlx::query_scalar("SELECT reseller_id FROM inquiries WHERE id = $1")
        .bind(inquiry.0)
        .fetch_one(&mut *conn)
        .await?;
    let mut people = super::contact_roles::admins(&mut *conn, OrgId(reseller)).await?;
    people.extend(author(conn, inquiry).await?);
    people.sort();
    people.dedup_by(|a, b| a.email == b.email);
    Ok(people)
}

/// The open pricing inquiry (draft, submitted or quoted) that asks already for the renewal of
/// `entry`, if any: its reference.
pub async fn open_renewal_of(
    conn: &mut AnyConnection,
    entry: crate::domain::EntryId,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.reference FROM inquiry_lines l JOIN inquiries i ON i.id = l.inquiry_id \
         WHERE l.changes_entry_id = $1 AND SUBSTR(l.sku, 11, 1) = 'R' \
         AND i.status IN ('draft', 'submitted', 'quoted') ORDER BY i.id LIMIT 1",
    )
    .bind(entry.0)
    .fetch_optional(conn)
    .await
}

/// The inquiry's author, while active.
pub async fn author(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
) -> Result<Option<crate::domain::contact::Person>, sqlx::Error> {
    let author: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email FROM inquiries i JOIN users u ON u.id = i.author_id \
         WHERE i.id = $1 AND u.disabled = 0",
    )
    .bind(inquiry.0)
    .fetch_optional(conn)
    .await?;
    Ok(
        author.map(|(user_id, name, email)| crate::domain::contact::Person {
            user_id,
            name,
            email,
        }),
    )
}
