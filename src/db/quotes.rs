//! Quotes (each send is a new version; older ones stay readable) and orders.

use super::date;
use crate::domain::pricing::{PricedLine, Step};
use crate::domain::{Cents, InquiryId, UserId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct QuoteLine {
    pub line_no: i64,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp: Cents,
    pub msrp: Cents,
    pub steps: Vec<Step>,
    pub net: Cents,
    /// The schedule entry this line renews or changes, and that entry's end date.
    pub changes_entry: Option<crate::domain::EntryId>,
    pub changes_end: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Quote {
    pub id: i64,
    pub version: i64,
    pub quote_date: NaiveDate,
    pub valid_until: NaiveDate,
    /// The note to the reseller.
    pub note: String,
    /// The distributor's internal note (never shown to the reseller).
    pub internal_note: String,
    pub total_msrp: Cents,
    pub total_net: Cents,
    pub lines: Vec<QuoteLine>,
}

/// Every version of the inquiry's quote, newest first (the lines of all versions in one
/// query).
pub async fn for_inquiry(
    pool: &AnyPool,
    scope: super::Scope,
    inquiry: InquiryId,
) -> Result<Vec<Quote>, sqlx::Error> {
    let (kind, id) = scope.params();
    let rows = sqlx::query(&format!(
        "SELECT id, version, quote_date, valid_until, note, internal_note, total_msrp, total_net FROM quotes \
         WHERE inquiry_id IN (SELECT i.id FROM inquiries i WHERE i.id = $3 AND {}) ORDER BY version DESC",
        super::inquiries::SCOPE
    ))
    .bind(kind)
    .bind(id)
    .bind(inquiry.0)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(Quote {
            id: r.try_get("id")?,
            version: r.try_get("version")?,
            quote_date: date(&r.try_get::<String, _>("quote_date")?)?,
            valid_until: date(&r.try_get::<String, _>("valid_until")?)?,
            note: r.try_get("note")?,
            internal_note: r.try_get("internal_note")?,
            total_msrp: Cents::new(r.try_get("total_msrp")?),
            total_net: Cents::new(r.try_get("total_net")?),
            lines: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let lines = sqlx::query(
        "SELECT ql.quote_id, ql.line_no, ql.sku, ql.description, ql.quantity, ql.unit_msrp, ql.msrp, ql.steps, ql.net, \
         ql.changes_entry_id, le.end_date AS changes_end \
         FROM quote_lines ql LEFT JOIN license_entries le ON le.id = ql.changes_entry_id \
         WHERE ql.quote_id IN (SELECT id FROM quotes WHERE inquiry_id = $1) ORDER BY ql.quote_id, ql.line_no",
    )
    .bind(inquiry.0)
    .fetch_all(pool)
    .await?;
    for l in &lines {
        let owner: i64 = l.try_get("quote_id")?;
        let steps: String = l.try_get("steps")?;
        let line = QuoteLine {
            line_no: l.try_get("line_no")?,
            sku: l.try_get("sku")?,
            description: l.try_get("description")?,
            quantity: l.try_get("quantity")?,
            unit_msrp: Cents::new(l.try_get("unit_msrp")?),
            msrp: Cents::new(l.try_get("msrp")?),
            steps: serde_json::from_str(&steps).map_err(|e| sqlx::Error::Decode(e.into()))?,
            net: Cents::new(l.try_get("net")?),
            changes_entry: l
                .try_get::<Option<i64>, _>("changes_entry_id")?
                .map(crate::domain::EntryId),
            changes_end: l.try_get("changes_end")?,
        };
        if let Some(q) = out.iter_mut().find(|q| q.id == owner) {
            q.lines.push(line);
        }
    }
    Ok(out)
}

pub struct PricedInput<'a> {
    pub sku: &'a str,
    pub description: &'a str,
    pub quantity: i64,
    pub unit_msrp: Cents,
    pub priced: &'a PricedLine,
    pub changes_entry: Option<crate::domain::EntryId>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    by: Option<UserId>,
    now: i64,
    quote_date: NaiveDate,
    valid_until: NaiveDate,
    (note, internal_note): (&str, &str),
    lines: &[PricedInput<'_>],
) -> Result<(i64, i64), sqlx::Error> {
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM quotes WHERE inquiry_id = $1",
    )
    .bind(inquiry.0)
    .fetch_one(&mut *conn)
    .await?;
    let total_msrp: i64 = lines.iter().map(|l| l.priced.msrp.cents()).sum();
    let total_net: i64 = lines.iter().map(|l| l.priced.net.cents()).sum();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quotes (inquiry_id, version, created_by, created_at, quote_date, valid_until, note, internal_note, total_msrp, total_net) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(inquiry.0)
    .bind(version)
    .bind(by.map(|u| u.0))
    .bind(now)
    .bind(quote_date.to_string())
    .bind(valid_until.to_string())
    .bind(note)
    .bind(internal_note)
    .bind(total_msrp)
    .bind(total_net)
    .fetch_one(&mut *conn)
    .await?;
    for (i, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quote_lines (quote_id, line_no, sku, description, quantity, unit_msrp, msrp, steps, net, changes_entry_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(l.sku)
        .bind(l.description)
        .bind(l.quantity)
        .bind(l.unit_msrp.cents())
        .bind(l.priced.msrp.cents())
        .bind(serde_json::to_string(&l.priced.steps).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .bind(l.priced.net.cents())
        .bind(l.changes_entry.map(|e| e.0))
        .execute(&mut *conn)
        .await?;
    }
    Ok((id, version))
}

pub async fn set_inquiry_status(
    conn: &mut AnyConnection,
    inquiry: InquiryId,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inquiries SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(inquiry.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The end customer of an inquiry and the reseller's partner level, for pricing.
pub async fn pricing_subject(
    pool: &AnyPool,
    inquiry: InquiryId,
) -> Result<(i64, Option<String>), sqlx::Error> {
    let row = sqlx::query(
        "SELECT i.end_customer_id, r.partner_level FROM inquiries i JOIN organisations r ON r.id = i.reseller_id WHERE i.id = $1",
    )
    .bind(inquiry.0)
    .fetch_one(pool)
    .await?;
    Ok((
        row.try_get("end_customer_id")?,
        row.try_get("partner_level")?,
    ))
}

/// Approved registrations of the end customer, for pricing (validity is checked by date).
pub async fn registrations(
    pool: &AnyPool,
    end_customer: i64,
) -> Result<Vec<crate::domain::pricing::DealRegistrationTerms>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, reference, valid_from, valid_until FROM deal_registrations WHERE end_customer_id = $1 AND status = 'approved'",
    )
    .bind(end_customer)
    .fetch_all(pool)
    .await?;
    let families: Vec<(i64, String)> = sqlx::query_as(
        "SELECT f.deal_id, f.family FROM deal_registration_families f JOIN deal_registrations d ON d.id = f.deal_id \
         WHERE d.end_customer_id = $1 AND d.status = 'approved' AND COALESCE(f.decision, 'approved') = 'approved'",
    )
    .bind(end_customer)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let (Some(from), Some(until)) = (
            r.try_get::<Option<String>, _>("valid_from")?,
            r.try_get::<Option<String>, _>("valid_until")?,
        ) else {
            continue;
        };
        out.push(crate::domain::pricing::DealRegistrationTerms {
            reference: r.try_get("reference")?,
            end_customer_id: end_customer,
            families: families
                .iter()
                .filter(|(deal, _)| *deal == id)
                .map(|(_, f)| f.clone())
                .collect(),
            valid_from: date(&from)?,
            valid_until: date(&until)?,
        });
    }
    Ok(out)
}

/// An inquiry whose latest quote waits for the reseller's answer.
pub struct OpenQuote {
    pub inquiry: InquiryId,
    pub reference: String,
    pub version: i64,
    pub valid_until: NaiveDate,
}

/// Every inquiry with a quote waiting for an answer, with its latest version.
pub async fn open_quotes(pool: &AnyPool) -> Result<Vec<OpenQuote>, sqlx::Error> {
    sqlx::query(
        "SELECT i.id, i.reference, q.version, q.valid_until FROM inquiries i \
         JOIN quotes q ON q.inquiry_id = i.id \
         WHERE i.status = 'quoted' AND q.version = (SELECT MAX(version) FROM quotes WHERE inquiry_id = i.id)",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(OpenQuote {
            inquiry: InquiryId(r.try_get("id")?),
            reference: r.try_get("reference")?,
            version: r.try_get("version")?,
            valid_until: date(&r.try_get::<String, _>("valid_until")?)?,
        })
    })
    .collect()
}
