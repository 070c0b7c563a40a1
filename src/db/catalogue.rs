//! The catalogue, price books, legacy table and the acceptance-date settings.

use super::date;
use crate::domain::catalogue::{CatalogueItem, FamilyKind, Price, Snapshot};
use crate::domain::legacy::{AcceptanceDates, LegacyMapping};
use crate::domain::{Cents, Sku};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

pub const DEFAULT_CURRENCY: &str = "USD";
const LAST_LEGACY_DAY: &str = "legacy.last_day";
const ODD_TERM_REFUSED_FROM: &str = "legacy.odd_term_refused_from";

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what} {value:?} in the catalogue").into())
}

pub async fn setting(pool: &AnyPool, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await
}

pub async fn acceptance_dates(pool: &AnyPool) -> Result<AcceptanceDates, sqlx::Error> {
    let mut dates = AcceptanceDates::default();
    if let Some(v) = setting(pool, LAST_LEGACY_DAY).await? {
        dates.last_legacy_day = date(&v)?;
    }
    if let Some(v) = setting(pool, ODD_TERM_REFUSED_FROM).await? {
        dates.odd_term_refused_from = date(&v)?;
    }
    Ok(dates)
}

fn cents(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<Cents>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(Cents::new))
}

/// Everything the translator needs, read once (the catalogue is small; a 100,000-line
/// translation must not query per line).
pub async fn snapshot(pool: &AnyPool, currency: &str) -> Result<Snapshot, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.family, f.name AS family_name, f.kind, f.unit, f.warranty_months, i.band, i.description, \
                i.active_from, i.active_until, p.currency, p.msrp_12, p.msrp_24, p.msrp_36, p.msrp_monthly, p.msrp_hardware \
         FROM catalogue_items i JOIN product_families f ON f.code = i.family \
         LEFT JOIN prices p ON p.family = i.family AND p.band = i.band AND p.currency = $1",
    )
    .bind(currency)
    .fetch_all(pool)
    .await?;
    let mut snap = Snapshot {
        currency: currency.to_string(),
        dates: acceptance_dates(pool).await?,
        ..Snapshot::default()
    };
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        let has_price = r.try_get::<Option<String>, _>("currency")?.is_some();
        let until: Option<String> = r.try_get("active_until")?;
        let item = CatalogueItem {
            family: r.try_get("family")?,
            family_name: r.try_get("family_name")?,
            kind: FamilyKind::parse(&kind).ok_or_else(|| decode("family kind", &kind))?,
            unit: r.try_get("unit")?,
            warranty_months: r
                .try_get::<Option<i64>, _>("warranty_months")?
                .map(|m| m as u32),
            band: r.try_get("band")?,
            description: r.try_get("description")?,
            active_from: date(&r.try_get::<String, _>("active_from")?)?,
            active_until: until.as_deref().map(date).transpose()?,
            price: has_price
                .then(|| -> Result<Price, sqlx::Error> {
                    Ok(Price {
                        msrp_12: cents(r, "msrp_12")?,
                        msrp_24: cents(r, "msrp_24")?,
                        msrp_36: cents(r, "msrp_36")?,
                        msrp_monthly: cents(r, "msrp_monthly")?,
                        msrp_hardware: cents(r, "msrp_hardware")?,
                    })
                })
                .transpose()?,
        };
        snap.items
            .insert((item.family.clone(), item.band.clone()), item);
    }
    let legacy = sqlx::query("SELECT legacy_sku, new_sku, one_month FROM legacy_skus")
        .fetch_all(pool)
        .await?;
    for r in &legacy {
        let key: String = r.try_get("legacy_sku")?;
        let new: String = r.try_get("new_sku")?;
        let new_sku = Sku::parse(&new).map_err(|_| decode("new SKU", &new))?;
        let mapping = LegacyMapping {
            legacy: key.clone(),
            new_sku,
            one_month: super::flag(r, "one_month")?,
        };
        snap.legacy.insert(key, mapping);
    }
    Ok(snap)
}

/// The catalogue without prices: for what every price book shares (families, bands,
/// descriptions, warranties, orderable dates), never for an amount.
pub async fn unpriced(pool: &AnyPool) -> Result<Snapshot, sqlx::Error> {
    snapshot(pool, "").await
}

pub async fn has_catalogue(pool: &AnyPool) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_families")
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

pub struct NewFamily<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: FamilyKind,
    pub unit: &'a str,
    pub warranty_months: Option<i64>,
}

pub async fn insert_family(conn: &mut AnyConnection, f: &NewFamily<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO product_families (code, name, kind, unit, warranty_months) VALUES ($1, $2, $3, $4, $5)")
        .bind(f.code)
        .bind(f.name)
        .bind(f.kind.as_str())
        .bind(f.unit)
        .bind(f.warranty_months)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_item(
    conn: &mut AnyConnection,
    family: &str,
    band: &str,
    description: &str,
    active_from: NaiveDate,
    active_until: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO catalogue_items (family, band, description, active_from, active_until) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(family)
    .bind(band)
    .bind(description)
    .bind(active_from.to_string())
    .bind(active_until.map(|d| d.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_price_book(
    conn: &mut AnyConnection,
    currency: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO price_books (currency, name) VALUES ($1, $2)")
        .bind(currency)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_legacy(
    conn: &mut AnyConnection,
    legacy: &str,
    new_sku: &Sku,
    one_month: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO legacy_skus (legacy_sku, new_sku, one_month) VALUES ($1, $2, $3)")
        .bind(legacy)
        .bind(new_sku.as_str())
        .bind(i64::from(one_month))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_setting(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_acceptance_dates(
    conn: &mut AnyConnection,
    dates: &AcceptanceDates,
) -> Result<(), sqlx::Error> {
    set_setting(
        &mut *conn,
        LAST_LEGACY_DAY,
        &dates.last_legacy_day.to_string(),
    )
    .await?;
    set_setting(
        &mut *conn,
        ODD_TERM_REFUSED_FROM,
        &dates.odd_term_refused_from.to_string(),
    )
    .await
}

/// Every (family, band) of the catalogue.
pub async fn item_keys(pool: &AnyPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT family, band FROM catalogue_items")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("family")?, r.try_get("band")?)))
        .collect()
}

/// Adds or replaces the rows of a checked catalogue import; call inside a transaction.
pub async fn upsert_catalogue(
    conn: &mut AnyConnection,
    rows: &[crate::domain::import::CatalogueRow],
) -> Result<(), sqlx::Error> {
    for r in rows {
        sqlx::query(
            "INSERT INTO product_families (code, name, kind, unit, warranty_months) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, unit = excluded.unit, \
             warranty_months = excluded.warranty_months",
        )
        .bind(&r.family)
        .bind(&r.family_name)
        .bind(r.kind.as_str())
        .bind(&r.unit)
        .bind(r.warranty_months.map(i64::from))
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO catalogue_items (family, band, description, active_from, active_until) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (family, band) DO UPDATE SET description = excluded.description, \
             active_from = excluded.active_from, active_until = excluded.active_until",
        )
        .bind(&r.family)
        .bind(&r.band)
        .bind(&r.description)
        .bind(r.active_from.to_string())
        .bind(r.active_until.map(|d| d.to_string()))
        .execute(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO price_books (currency, name) VALUES ($1, $2) ON CONFLICT (currency) DO NOTHING")
            .bind(&r.currency)
            .bind(format!("{} price book", r.currency))
            .execute(&mut *conn)
            .await?;
        upsert_price(&mut *conn, &r.currency, &r.family, &r.band, &r.price).await?;
    }
    Ok(())
}

pub async fn upsert_price(
    conn: &mut AnyConnection,
    currency: &str,
    family: &str,
    band: &str,
    p: &Price,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO prices (currency, family, band, msrp_12, msrp_24, msrp_36, msrp_monthly, msrp_hardware) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (currency, family, band) DO UPDATE SET msrp_12 = excluded.msrp_12, msrp_24 = excluded.msrp_24, \
         msrp_36 = excluded.msrp_36, msrp_monthly = excluded.msrp_monthly, msrp_hardware = excluded.msrp_hardware",
    )
    .bind(currency)
    .bind(family)
    .bind(band)
    .bind(p.msrp_12.map(|c| c.cents()))
    .bind(p.msrp_24.map(|c| c.cents()))
    .bind(p.msrp_36.map(|c| c.cents()))
    .bind(p.msrp_monthly.map(|c| c.cents()))
    .bind(p.msrp_hardware.map(|c| c.cents()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds or replaces the rows of a checked legacy import; call inside a transaction.
pub async fn upsert_legacy(
    conn: &mut AnyConnection,
    rows: &[crate::domain::import::LegacyRow],
) -> Result<(), sqlx::Error> {
    for r in rows {
        sqlx::query(
            "INSERT INTO legacy_skus (legacy_sku, new_sku, one_month) VALUES ($1, $2, $3) \
             ON CONFLICT (legacy_sku) DO UPDATE SET new_sku = excluded.new_sku, one_month = excluded.one_month",
        )
        .bind(&r.legacy)
        .bind(r.new_sku.as_str())
        .bind(i64::from(r.one_month))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn update_item(
    conn: &mut AnyConnection,
    family: &str,
    band: &str,
    description: &str,
    active_from: NaiveDate,
    active_until: Option<NaiveDate>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE catalogue_items SET description = $1, active_from = $2, active_until = $3 WHERE family = $4 AND band = $5",
    )
    .bind(description)
    .bind(active_from.to_string())
    .bind(active_until.map(|d| d.to_string()))
    .bind(family)
    .bind(band)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether there is a price book in this currency.
/// The price books: (currency, name), by currency.
pub async fn price_books(pool: &AnyPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT currency, name FROM price_books ORDER BY currency")
        .fetch_all(pool)
        .await
}

pub async fn has_price_book(pool: &AnyPool, currency: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM price_books WHERE currency = $1")
        .bind(currency)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}
