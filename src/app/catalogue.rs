//! The vendor admin's catalogue: CSV imports of the catalogue and price book and of the
//! legacy table (checked first, all rows or none), an item's edit, and the dates from which
//! legacy SKUs are refused.

use super::{Ctx, Error};
use crate::db::catalogue as store;
use crate::domain::catalogue::{CatalogueItem, FamilyKind, Price};
use crate::domain::field_errors::required_text;
use crate::domain::import::{self, CatalogueRow, LegacyRow, Problems};
use crate::domain::legacy::AcceptanceDates;
use crate::domain::{Cents, FieldErrors};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

pub const MAX_DESCRIPTION: usize = 200;

/// Which table an import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Catalogue,
    Legacy,
}

impl Table {
    pub fn parse(s: &str) -> Option<Table> {
        match s {
            "catalogue" => Some(Table::Catalogue),
            "legacy" => Some(Table::Legacy),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Catalogue => "catalogue",
            Table::Legacy => "legacy",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Table::Catalogue => "Catalogue and prices",
            Table::Legacy => "Legacy SKU table",
        }
    }
}

enum Checked {
    Catalogue(Vec<CatalogueRow>),
    Legacy(Vec<LegacyRow>),
}

/// One row of an import's dry run: what it is and what it changes.
pub struct PreviewRow {
    pub line: usize,
    pub what: String,
    pub change: String,
}

/// What an import did.
pub enum Imported {
    /// The file was written: this many rows.
    Done(usize),
    /// The dry run: the file's problems (nothing can be imported while there are any), or
    /// the rows it would import.
    Preview {
        problems: Problems,
        rows: Vec<PreviewRow>,
    },
}

async fn check(ctx: &Ctx, table: Table, bytes: &[u8]) -> Result<Result<Checked, Problems>, Error> {
    Ok(match table {
        Table::Catalogue => import::check_catalogue(bytes).map(Checked::Catalogue),
        Table::Legacy => {
            let known: HashSet<_> = store::item_keys(&ctx.db.pool).await?.into_iter().collect();
            import::check_legacy(bytes, &known).map(Checked::Legacy)
        }
    })
}

/// Checks an import file and, with `commit` and no problem, writes every row (rows are added
/// or updated, never deleted) in one transaction.
pub async fn import(
    ctx: &Ctx,
    table: Table,
    bytes: &[u8],
    commit: bool,
) -> Result<Imported, Error> {
    ctx.require_vendor_admin("maintain the catalogue").await?;
    let pool = &ctx.db.pool;
    let checked = match check(ctx, table, bytes).await? {
        Err(problems) => {
            return Ok(Imported::Preview {
                problems,
                rows: vec![],
            })
        }
        Ok(checked) => checked,
    };
    if commit {
        let mut tx = pool.begin().await?;
        let count = match &checked {
            Checked::Catalogue(r) => {
                store::upsert_catalogue(&mut tx, r).await?;
                r.len()
            }
            Checked::Legacy(r) => {
                store::upsert_legacy(&mut tx, r).await?;
                r.len()
            }
        };
        crate::db::audit::record(
            &mut *tx,
            &ctx.actor,
            "catalogue_imported",
            table.title(),
            &format!("{count} rows"),
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Imported::Done(count));
    }
    let rows = match checked {
        Checked::Catalogue(rows) => {
            // Each row is compared with the price book of its own currency.
            let mut books = HashMap::new();
            for r in &rows {
                if !books.contains_key(&r.currency) {
                    books.insert(
                        r.currency.clone(),
                        store::snapshot(pool, &r.currency).await?,
                    );
                }
            }
            rows.iter()
                .map(|r| PreviewRow {
                    line: r.line,
                    what: format!(
                        "{} {} ({}): {}",
                        r.family, r.band, r.currency, r.description
                    ),
                    change: import::describe_change(r, books.get(&r.currency)),
                })
                .collect()
        }
        Checked::Legacy(rows) => {
            let current = store::unpriced(pool).await?;
            rows.iter()
                .map(|r| PreviewRow {
                    line: r.line,
                    what: format!(
                        "{} → {}{}",
                        r.legacy,
                        r.new_sku,
                        if r.one_month { " (1 month)" } else { "" }
                    ),
                    change: match current.legacy.get(&r.legacy) {
                        None => "new".into(),
                        Some(m) if m.new_sku == r.new_sku && m.one_month == r.one_month => {
                            "unchanged".into()
                        }
                        Some(m) => format!("was {}", m.new_sku),
                    },
                })
                .collect()
        }
    };
    Ok(Imported::Preview {
        problems: Problems::default(),
        rows,
    })
}

/// "42.00 / 79.80 / 113.40 · monthly 3.85", or the hardware price.
pub fn prices(item: &CatalogueItem) -> String {
    let Some(p) = &item.price else {
        return "no price".into();
    };
    let m = |c: Option<Cents>| c.map(|c| c.amount()).unwrap_or_else(|| "—".into());
    match p.msrp_hardware {
        Some(hw) => hw.amount(),
        None => format!(
            "{} / {} / {} · monthly {}",
            m(p.msrp_12),
            m(p.msrp_24),
            m(p.msrp_36),
            m(p.msrp_monthly)
        ),
    }
}

/// "from 2023-01-01" or "2023-01-01 to 2023-06-30".
pub fn window(item: &CatalogueItem) -> String {
    match item.active_until {
        Some(until) => format!("{} to {until}", item.active_from),
        None => format!("from {}", item.active_from),
    }
}

/// A date field as typed.
pub fn date_field(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add(field, "Enter the date as YYYY-MM-DD, e.g. 2023-12-31.");
    }
    d
}

fn money_field(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    required: bool,
) -> Option<Cents> {
    match (value.trim(), required) {
        ("", true) => {
            errors.add(field, "Enter the amount, e.g. 42.00.");
            None
        }
        ("", false) => None,
        (v, _) => Cents::parse(v)
            .map_err(|e| errors.add(field, e.to_string()))
            .ok(),
    }
}

/// An item with its price in the price book of `currency` (none yet: no price), and that
/// book's currency.
pub async fn item(
    ctx: &Ctx,
    family: &str,
    band: &str,
    currency: &str,
) -> Result<(CatalogueItem, String), Error> {
    ctx.require_vendor_admin("maintain the catalogue").await?;
    if !store::has_price_book(&ctx.db.pool, currency).await? {
        return Err(Error::NotFound);
    }
    let snapshot = store::snapshot(&ctx.db.pool, currency).await?;
    let item = snapshot
        .items
        .get(&(family.to_string(), band.to_string()))
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok((item, snapshot.currency))
}

/// An item's edit as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub description: String,
    pub active_from: String,
    pub active_until: String,
    pub msrp_12: String,
    pub msrp_24: String,
    pub msrp_36: String,
    pub msrp_monthly: String,
    pub msrp_hardware: String,
}

/// Saves an item's description, orderable dates and its prices in the price book of
/// `currency`; returns "FAMILY BAND".
pub async fn update_item(
    ctx: &Ctx,
    (family, band): (&str, &str),
    currency: &str,
    input: &ItemInput,
) -> Result<String, Error> {
    let (item, currency) = item(ctx, family, band, currency).await?;
    let mut errors = FieldErrors::default();
    let description = required_text(
        &mut errors,
        "description",
        &input.description,
        "a description",
        MAX_DESCRIPTION,
    );
    let from = date_field(&mut errors, "active_from", &input.active_from);
    let until = match input.active_until.trim() {
        "" => None,
        v => date_field(&mut errors, "active_until", v),
    };
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errors.add(
                "active_until",
                "The item would stop being orderable before it starts.",
            );
        }
    }
    let hardware = item.kind == FamilyKind::Hardware;
    let price = Price {
        msrp_12: money_field(&mut errors, "msrp_12", &input.msrp_12, !hardware),
        msrp_24: money_field(&mut errors, "msrp_24", &input.msrp_24, !hardware),
        msrp_36: money_field(&mut errors, "msrp_36", &input.msrp_36, !hardware),
        msrp_monthly: money_field(&mut errors, "msrp_monthly", &input.msrp_monthly, false),
        msrp_hardware: money_field(&mut errors, "msrp_hardware", &input.msrp_hardware, hardware),
    };
    let Some(active_from) = from.filter(|_| errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let before = prices(&item);
    let mut tx = ctx.db.pool.begin().await?;
    store::update_item(
        &mut tx,
        &item.family,
        &item.band,
        &description,
        active_from,
        until,
    )
    .await?;
    store::upsert_price(&mut tx, &currency, &item.family, &item.band, &price).await?;
    let after = CatalogueItem {
        price: Some(price),
        active_from,
        active_until: until,
        ..item.clone()
    };
    let subject = format!("{} {}", item.family, item.band);
    let detail = format!(
        "{currency} prices {before} -> {}; orderable {}",
        prices(&after),
        window(&after)
    );
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "catalogue_item_updated",
        &subject,
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(subject)
}

/// Saves the dates from which legacy SKUs are refused (errors on `last_legacy_day` and
/// `odd_term_refused_from`).
pub async fn save_dates(
    ctx: &Ctx,
    last_legacy_day: &str,
    odd_term_refused_from: &str,
) -> Result<(), Error> {
    ctx.require_vendor_admin("maintain the catalogue").await?;
    let mut errors = FieldErrors::default();
    let last = date_field(&mut errors, "last_legacy_day", last_legacy_day);
    let odd = date_field(&mut errors, "odd_term_refused_from", odd_term_refused_from);
    let (Some(last_legacy_day), Some(odd_term_refused_from), true) = (last, odd, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let pool = &ctx.db.pool;
    let before = store::acceptance_dates(pool).await?;
    let after = AcceptanceDates {
        last_legacy_day,
        odd_term_refused_from,
    };
    let mut tx = pool.begin().await?;
    store::set_acceptance_dates(&mut tx, &after).await?;
    let detail = format!(
        "legacy accepted until {} -> {}; odd terms refused from {} -> {}",
        before.last_legacy_day,
        after.last_legacy_day,
        before.odd_term_refused_from,
        after.odd_term_refused_from
    );
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "legacy_dates_changed",
        "settings",
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
