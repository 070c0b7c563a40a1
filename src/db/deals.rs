//! End customers, deal registrations and the discount rules. Every read of a registration
//! takes the caller's scope, so another organisation's registration is simply not found.

pub use super::Scope;
use crate::domain::paging::PER_PAGE;
use crate::domain::pricing::{Bp, Promotion, Rules};
use crate::domain::status::DealStatus;
use crate::domain::{Cents, DealId, OrgId, Paged, PartnerLevel, UserId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

pub(crate) const SCOPE: &str = "($1 = 'all' OR ($1 = 'reseller' AND d.reseller_id = $2) OR ($1 = 'cam' AND r.cam_user_id = $2) \
                     OR ($1 = 'distributor' AND d.distributor_id = $2))";

#[derive(Debug, Clone)]
pub struct Deal {
    pub id: DealId,
    pub reference: String,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub cam_user_id: Option<UserId>,
    pub end_customer_name: String,
    pub distributor_name: String,
    pub estimated_msrp: Cents,
    /// The estimate's currency: the distributor's.
    pub currency: String,
    pub expected_close: String,
    pub notes: String,
    pub status: DealStatus,
    pub submitted_at: i64,
    pub reason: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// The families the registration stands for (those rejected in a partial approval left out).
    pub families: Vec<String>,
    /// The families' names, in the order of `families` ("Intercept X Advanced").
    pub family_names: Vec<String>,
    /// The names of the families rejected when the others were approved.
    pub rejected_family_names: Vec<String>,
    pub end_customer_id: i64,
    pub distributor_id: OrgId,
    /// Who made the latest decision (approval, rejection or extension), and when.
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    /// How often the validity was extended.
    pub extensions: i64,
}

impl Deal {
    /// The status a person sees on `today`: an approved registration past its last day is
    /// expired even before the nightly sweep records it.
    pub fn status_on(&self, today: NaiveDate) -> DealStatus {
        match (self.status, self.valid_until) {
            (DealStatus::Approved, Some(until)) if until < today => DealStatus::Expired,
            (s, _) => s,
        }
    }
}

const SELECT: &str = "SELECT d.id, d.reference, d.reseller_id, r.name AS reseller_name, r.cam_user_id, \
       e.id AS end_customer_id, e.name AS end_customer_name, t.name AS distributor_name, d.estimated_msrp, d.currency, d.expected_close, \
       d.notes, d.status, d.submitted_at, d.reason, d.valid_from, d.valid_until, d.distributor_id, d.decided_at, \
       d.extensions, u.display_name AS decided_by_name \
     FROM deal_registrations d JOIN organisations r ON r.id = d.reseller_id \
     JOIN end_customers e ON e.id = d.end_customer_id JOIN organisations t ON t.id = d.distributor_id \
     LEFT JOIN users u ON u.id = d.decided_by";

fn date(v: Option<String>) -> Result<Option<NaiveDate>, sqlx::Error> {
    v.as_deref().map(super::date).transpose()
}

fn deal(r: &sqlx::any::AnyRow) -> Result<Deal, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Deal {
        id: DealId(r.try_get("id")?),
        reference: r.try_get("reference")?,
        reseller_id: OrgId(r.try_get("reseller_id")?),
        reseller_name: r.try_get("reseller_name")?,
        cam_user_id: r.try_get::<Option<i64>, _>("cam_user_id")?.map(UserId),
        end_customer_id: r.try_get("end_customer_id")?,
        end_customer_name: r.try_get("end_customer_name")?,
        distributor_name: r.try_get("distributor_name")?,
        estimated_msrp: Cents::new(r.try_get("estimated_msrp")?),
        currency: r.try_get("currency")?,
        expected_close: r.try_get("expected_close")?,
        notes: r.try_get("notes")?,
        status: DealStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown deal status {status:?}").into()))?,
        submitted_at: r.try_get("submitted_at")?,
        reason: r.try_get("reason")?,
        valid_from: date(r.try_get("valid_from")?)?,
        valid_until: date(r.try_get("valid_until")?)?,
        families: Vec::new(),
        family_names: Vec::new(),
        rejected_family_names: Vec::new(),
        distributor_id: OrgId(r.try_get("distributor_id")?),
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        extensions: r.try_get("extensions")?,
    })
}

/// The registrations of these rows with their families, read in one query.
async fn with_families(
    pool: &AnyPool,
    rows: &[sqlx::any::AnyRow],
) -> Result<Vec<Deal>, sqlx::Error> {
    let mut items = rows.iter().map(deal).collect::<Result<Vec<_>, _>>()?;
    if items.is_empty() {
        return Ok(items);
    }
    let sql = format!(
        "SELECT x.deal_id, x.family, COALESCE(f.name, x.family), COALESCE(x.decision, '') \
         FROM deal_registration_families x \
         LEFT JOIN product_families f ON f.code = x.family WHERE x.deal_id IN ({}) ORDER BY x.family",
        super::placeholders(1, items.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String, String, String)>(&sql);
    for d in &items {
        query = query.bind(d.id.0);
    }
    for (owner, family, name, decision) in query.fetch_all(pool).await? {
        if let Some(d) = items.iter_mut().find(|d| d.id.0 == owner) {
            if decision == "rejected" && d.status != DealStatus::Rejected {
                d.rejected_family_names.push(name);
            } else {
                d.families.push(family);
                d.family_names.push(name);
            }
        }
    }
    Ok(items)
}

pub async fn list(
    pool: &AnyPool,
    scope: Scope,
    status: Option<DealStatus>,
    page: i64,
) -> Result<Paged<Deal>, sqlx::Error> {
    let (kind, id) = scope.params();
    let status = status.map(|s| s.as_str()).unwrap_or("");
    let filter = format!("{SCOPE} AND ($3 = '' OR d.status = $3)");
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM deal_registrations d JOIN organisations r ON r.id = d.reseller_id WHERE {filter}"
    ))
    .bind(kind)
    .bind(id)
    .bind(status)
    .fetch_one(pool)
    .await?;
    let page = Paged::<Deal>::clamp_page(page, total, PER_PAGE);
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE {filter} ORDER BY d.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(kind)
    .bind(id)
    .bind(status)
    .bind(PER_PAGE)
    .bind(Paged::<Deal>::offset(page, PER_PAGE))
    .fetch_all(pool)
    .await?;
    let items = with_families(pool, &rows).await?;
    Ok(Paged {
        items,
        page,
        total,
        per_page: PER_PAGE,
    })
}

pub async fn get(pool: &AnyPool, scope: Scope, id: DealId) -> Result<Option<Deal>, sqlx::Error> {
    let row = scope
        .one(pool, &format!("{SELECT} WHERE {SCOPE} AND d.id = $3"), id.0)
        .await?;
    Ok(with_families(pool, &Vec::from_iter(row)).await?.pop())
}

/// The id of the registration with this reference, if it is in the caller's scope.
pub async fn id_of(
    pool: &AnyPool,
    scope: Scope,
    reference: &str,
) -> Result<Option<DealId>, sqlx::Error> {
    let (kind, org) = scope.params();
    let id: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT d.id FROM deal_registrations d JOIN organisations r ON r.id = d.reseller_id \
         WHERE {SCOPE} AND d.reference = $3"
    ))
    .bind(kind)
    .bind(org)
    .bind(reference)
    .fetch_optional(pool)
    .await?;
    Ok(id.map(DealId))
}

/// The person who submitted a registration, while their account is active.
pub async fn submitter(
    conn: &mut AnyConnection,
    deal: DealId,
) -> Result<Option<crate::domain::contact::Person>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.id, u.display_name, u.email FROM deal_registrations d JOIN users u ON u.id = d.submitted_by \
         WHERE d.id = $1 AND u.disabled = 0",
    )
    .bind(deal.0)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(crate::domain::contact::Person {
            user_id: r.try_get("id")?,
            name: r.try_get("display_name")?,
            email: r.try_get("email")?,
        })
    })
    .transpose()
}

/// A reseller's end customers in the caller's scope: (id, name), by name.
pub async fn end_customers(
    pool: &AnyPool,
    scope: Scope,
    reseller: OrgId,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let (kind, id) = scope.params();
    let rows = sqlx::query(&format!(
        "SELECT id, name FROM end_customers WHERE reseller_id = $3 AND {} ORDER BY LOWER(name)",
        scope.resellers("reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(reseller.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

pub async fn insert_end_customer(
    conn: &mut AnyConnection,
    reseller: OrgId,
    name: &str,
    contact_name: &str,
    contact_email: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(reseller.0)
    .bind(name)
    .bind(contact_name)
    .bind(contact_email)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The id of the reseller's end customer of this name, created (without a license contact)
/// when missing.
/// The name of an end customer (for the audit log's sentence).
pub async fn end_customer_name(conn: &mut AnyConnection, id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM end_customers WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
}

pub async fn end_customer_named(
    conn: &mut AnyConnection,
    reseller: OrgId,
    name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM end_customers WHERE reseller_id = $1 AND LOWER(name) = LOWER($2)",
    )
    .bind(reseller.0)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    match found {
        Some(id) => Ok(id),
        None => insert_end_customer(conn, reseller, name, "", "", now).await,
    }
}

/// References of approved registrations for this end customer and any of these families
/// that are still valid on `today` (the "one approved registration at a time" rule).
pub async fn approved_conflicts(
    conn: &mut AnyConnection,
    end_customer: i64,
    families: &[String],
    today: NaiveDate,
    except: Option<DealId>,
) -> Result<Vec<String>, sqlx::Error> {
    conflicts(conn, end_customer, families, today, except, false).await
}

/// References of registrations for this end customer and any of these families that are
/// waiting for a decision or approved and still valid on `today`: a new registration for the
/// same deal is refused while one of them stands.
pub async fn open_conflicts(
    conn: &mut AnyConnection,
    end_customer: i64,
    families: &[String],
    today: NaiveDate,
) -> Result<Vec<String>, sqlx::Error> {
    conflicts(conn, end_customer, families, today, None, true).await
}

async fn conflicts(
    conn: &mut AnyConnection,
    end_customer: i64,
    families: &[String],
    today: NaiveDate,
    except: Option<DealId>,
    waiting_too: bool,
) -> Result<Vec<String>, sqlx::Error> {
    let waiting = if waiting_too {
        " OR d.status = 'submitted'"
    } else {
        ""
    };
    let mut found = Vec::new();
    for f in families {
        let refs: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT d.reference FROM deal_registrations d JOIN deal_registration_families f ON f.deal_id = d.id \
             WHERE d.end_customer_id = $1 AND f.family = $2 AND ((d.status = 'approved' AND d.valid_until >= $3 \
             AND COALESCE(f.decision, 'approved') = 'approved'){waiting}) \
             AND d.id <> $4 ORDER BY d.id"
        ))
        .bind(end_customer)
        .bind(f)
        .bind(today.to_string())
        .bind(except.map(|d| d.0).unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?;
        for r in refs {
            if !found.contains(&r) {
                found.push(r);
            }
        }
    }
    Ok(found)
}

pub struct NewDeal<'a> {
    pub reseller: OrgId,
    pub end_customer: i64,
    pub distributor: OrgId,
    pub estimated_msrp: Cents,
    pub currency: &'a str,
    pub expected_close: NaiveDate,
    pub notes: &'a str,
    pub families: &'a [String],
    pub by: UserId,
}

/// Inserts a submitted registration and gives it its reference, `DR-<year>-<id>`.
pub async fn insert(
    conn: &mut AnyConnection,
    d: &NewDeal<'_>,
    year: i32,
    now: i64,
) -> Result<(DealId, String), sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deal_registrations (reference, reseller_id, end_customer_id, distributor_id, estimated_msrp, \
         expected_close, notes, status, submitted_by, submitted_at, currency) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10) RETURNING id",
    )
    .bind(format!("pending-{now}-{}", d.by.0))
    .bind(d.reseller.0)
    .bind(d.end_customer)
    .bind(d.distributor.0)
    .bind(d.estimated_msrp.cents())
    .bind(d.expected_close.to_string())
    .bind(d.notes)
    .bind(d.by.0)
    .bind(now)
    .bind(d.currency)
    .fetch_one(&mut *conn)
    .await?;
    let reference = format!("DR-{year}-{id:04}");
    sqlx::query("UPDATE deal_registrations SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for f in d.families {
        sqlx::query("INSERT INTO deal_registration_families (deal_id, family) VALUES ($1, $2)")
            .bind(id)
            .bind(f)
            .execute(&mut *conn)
            .await?;
    }
    add_event(conn, DealId(id), Some(d.by), "Submitted", now).await?;
    Ok((DealId(id), reference))
}

/// Adds a line to a registration's history.
pub async fn add_event(
    conn: &mut AnyConnection,
    deal: DealId,
    by: Option<UserId>,
    summary: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deal_registration_events (deal_id, at, user_id, summary) VALUES ($1, $2, $3, $4)",
    )
    .bind(deal.0)
    .bind(now)
    .bind(by.map(|u| u.0))
    .bind(summary)
    .execute(conn)
    .await?;
    Ok(())
}

/// A registration's history, oldest first: (when, who, what).
pub async fn events(
    pool: &AnyPool,
    deal: DealId,
) -> Result<Vec<(i64, Option<String>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.at, u.display_name, e.summary FROM deal_registration_events e \
         LEFT JOIN users u ON u.id = e.user_id WHERE e.deal_id = $1 ORDER BY e.at, e.id",
    )
    .bind(deal.0)
    .fetch_all(pool)
    .await
}

/// Records which families an approval covers; the others are rejected.
pub async fn set_family_decisions(
    conn: &mut AnyConnection,
    deal: DealId,
    approved: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deal_registration_families SET decision = 'rejected' WHERE deal_id = $1")
        .bind(deal.0)
        .execute(&mut *conn)
        .await?;
    for f in approved {
        sqlx::query(
            "UPDATE deal_registration_families SET decision = 'approved' WHERE deal_id = $1 AND family = $2",
        )
        .bind(deal.0)
        .bind(f)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Extends an approved registration to `until` if it has been extended `before` times (of
/// two people extending at once, one does).
pub async fn extend(
    conn: &mut AnyConnection,
    deal: DealId,
    by: UserId,
    now: i64,
    until: NaiveDate,
    before: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE deal_registrations SET decided_by = $1, decided_at = $2, valid_until = $3, extensions = extensions + 1 \
         WHERE id = $4 AND status = 'approved' AND extensions = $5",
    )
    .bind(by.0)
    .bind(now)
    .bind(until.to_string())
    .bind(deal.0)
    .bind(before)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a decision if the registration is still in `from` (a second, concurrent decision
/// finds it changed and gets false).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    conn: &mut AnyConnection,
    id: DealId,
    from: DealStatus,
    to: DealStatus,
    by: UserId,
    now: i64,
    reason: Option<&str>,
    valid: Option<(NaiveDate, NaiveDate)>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE deal_registrations SET status = $1, decided_by = $2, decided_at = $3, reason = COALESCE($4, reason), \
         valid_from = COALESCE($5, valid_from), valid_until = COALESCE($6, valid_until) WHERE id = $7 AND status = $8",
    )
    .bind(to.as_str())
    .bind(by.0)
    .bind(now)
    .bind(reason)
    .bind(valid.map(|v| v.0.to_string()))
    .bind(valid.map(|v| v.1.to_string()))
    .bind(id.0)
    .bind(from.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The discount rules in force (for quotes).
pub async fn rules(pool: &AnyPool) -> Result<Rules, sqlx::Error> {
    let mut rules = Rules::default();
    for r in sqlx::query("SELECT partner_level, family, bp FROM program_discounts")
        .fetch_all(pool)
        .await?
    {
        let level: String = r.try_get("partner_level")?;
        if let Some(level) = PartnerLevel::parse(&level) {
            rules.program.insert(
                (level, r.try_get("family")?),
                Bp(r.try_get::<i64, _>("bp")? as u32),
            );
        }
    }
    for r in sqlx::query("SELECT family, bp FROM deal_registration_discounts")
        .fetch_all(pool)
        .await?
    {
        rules
            .deal_registration
            .insert(r.try_get("family")?, Bp(r.try_get::<i64, _>("bp")? as u32));
    }
    for r in sqlx::query("SELECT code, families, bp, starts, ends, currency FROM promotions")
        .fetch_all(pool)
        .await?
    {
        let families: String = r.try_get("families")?;
        let starts = super::date(&r.try_get::<String, _>("starts")?)?;
        let ends = super::date(&r.try_get::<String, _>("ends")?)?;
        rules.promotions.push(Promotion {
            code: r.try_get("code")?,
            currency: r.try_get("currency")?,
            families: families
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            bp: Bp(r.try_get::<i64, _>("bp")? as u32),
            starts,
            ends,
        });
    }
    Ok(rules)
}

/// The vendor admin's settings of deal registrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The smallest estimated MSRP accepted, per currency (those not set: [`DEFAULT_MINIMUM`]).
    pub minimums: std::collections::BTreeMap<String, Cents>,
    /// Days an approval (or an extension) is valid.
    pub validity_days: u32,
    /// How often an approved registration may be extended (default 1).
    pub max_extensions: u32,
    /// An extension is possible only within this many last days of validity (default 30).
    pub extension_window_days: u32,
}

pub const MAX_EXTENSIONS: &str = "deal_registration.max_extensions";
/// The minimum of a currency without its own (5,000.00).
pub const DEFAULT_MINIMUM: Cents = Cents::new(500_000);
const MINIMUM_PREFIX: &str = "deal_registration.minimum_cents.";

/// The setting that holds the minimum of `currency`.
pub fn minimum_key(currency: &str) -> String {
    format!("{MINIMUM_PREFIX}{currency}")
}

impl Settings {
    /// The minimum in each of these currencies, as a person reads it: "EUR 3,000.00 or USD
    /// 5,000.00".
    pub fn minimums_in(&self, currencies: &[String]) -> String {
        currencies
            .iter()
            .map(|c| self.minimum(c).with_currency(c))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The smallest estimated MSRP accepted in `currency`.
    pub fn minimum(&self, currency: &str) -> Cents {
        self.minimums
            .get(currency)
            .copied()
            .unwrap_or(DEFAULT_MINIMUM)
    }
}
pub const EXTENSION_WINDOW_DAYS: &str = "deal_registration.extension_window_days";

/// Settings of deal registrations.
pub async fn settings(pool: &AnyPool) -> Result<Settings, sqlx::Error> {
    let number = |key: &'static str| async move {
        Ok::<_, sqlx::Error>(
            super::catalogue::setting(pool, key)
                .await?
                .and_then(|v| v.parse::<i64>().ok()),
        )
    };
    let whole = |v: Option<i64>, or: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(or);
    let mut minimums = std::collections::BTreeMap::new();
    for (key, value) in
        sqlx::query_as::<_, (String, String)>("SELECT key, value FROM settings WHERE key LIKE $1")
            .bind(format!("{MINIMUM_PREFIX}%"))
            .fetch_all(pool)
            .await?
    {
        if let (Some(currency), Ok(cents)) = (key.strip_prefix(MINIMUM_PREFIX), value.parse()) {
            minimums.insert(currency.to_string(), Cents::new(cents));
        }
    }
    Ok(Settings {
        minimums,
        validity_days: whole(number("deal_registration.validity_days").await?, 90),
        max_extensions: whole(number(MAX_EXTENSIONS).await?, 1),
        extension_window_days: whole(number(EXTENSION_WINDOW_DAYS).await?, 30),
    })
}

pub async fn set_program(
    conn: &mut AnyConnection,
    level: PartnerLevel,
    family: &str,
    bp: Bp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO program_discounts (partner_level, family, bp) VALUES ($1, $2, $3) \
         ON CONFLICT (partner_level, family) DO UPDATE SET bp = excluded.bp",
    )
    .bind(level.as_str())
    .bind(family)
    .bind(i64::from(bp.0))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_deal_registration_discount(
    conn: &mut AnyConnection,
    family: &str,
    bp: Bp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deal_registration_discounts (family, bp) VALUES ($1, $2) ON CONFLICT (family) DO UPDATE SET bp = excluded.bp",
    )
    .bind(family)
    .bind(i64::from(bp.0))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_promotion(conn: &mut AnyConnection, p: &Promotion) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO promotions (code, families, bp, starts, ends, currency) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&p.code)
    .bind(p.families.join(","))
    .bind(i64::from(p.bp.0))
    .bind(p.starts.to_string())
    .bind(p.ends.to_string())
    .bind(&p.currency)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_promotion(conn: &mut AnyConnection, code: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM promotions WHERE code = $1")
        .bind(code)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Quote validity in days (30 unless set).
pub async fn quote_validity_days(pool: &AnyPool) -> Result<u32, sqlx::Error> {
    Ok(super::catalogue::setting(pool, "quote.validity_days")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(30))
}

/// An approved registration with its last valid day, for the expiry job.
pub struct Approved {
    pub id: DealId,
    pub reference: String,
    pub reseller: OrgId,
    pub valid_until: chrono::NaiveDate,
    pub end_customer_name: String,
}

/// Every approved registration with an end date.
pub async fn approved(pool: &AnyPool) -> Result<Vec<Approved>, sqlx::Error> {
    sqlx::query(
        "SELECT d.id, d.reference, d.reseller_id, d.valid_until, e.name AS customer FROM deal_registrations d \
         JOIN end_customers e ON e.id = d.end_customer_id WHERE d.status = 'approved' AND d.valid_until IS NOT NULL",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Approved {
            id: DealId(r.try_get("id")?),
            reference: r.try_get("reference")?,
            reseller: OrgId(r.try_get("reseller_id")?),
            valid_until: super::date(&r.try_get::<String, _>("valid_until")?)?,
            end_customer_name: r.try_get("customer")?,
        })
    })
    .collect()
}

/// Records an approved registration as expired (once).
pub async fn mark_expired(
    conn: &mut AnyConnection,
    id: DealId,
    valid_until: NaiveDate,
    now: i64,
) -> Result<(), sqlx::Error> {
    let done = sqlx::query(
        "UPDATE deal_registrations SET status = 'expired' WHERE id = $1 AND status = 'approved'",
    )
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        let summary = format!("Expired after its last valid day, {valid_until}");
        add_event(conn, id, None, &summary, now).await?;
    }
    Ok(())
}
