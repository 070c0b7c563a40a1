//! The vendor admin's pricing rules: partner program percentages by level and family, deal
//! registration percentages by family, promotions, and the validity and minimum settings.

use super::{Ctx, Error};
use crate::db::{catalogue, deals};
use crate::domain::pricing::{Bp, Promotion};
use crate::domain::{Cents, FieldErrors, PartnerLevel};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The catalogue's product families: (code, name), by code.
pub async fn families(ctx: &Ctx) -> Result<Vec<(String, String)>, Error> {
    Ok(catalogue::unpriced(&ctx.db.pool).await?.families())
}

/// The field of a partner program percentage.
pub fn program_field(level: PartnerLevel, family: &str) -> String {
    format!("program_{}_{family}", level.as_str())
}

/// The field of the deal registration minimum in a currency.
pub fn minimum_field(currency: &str) -> String {
    format!("minimum_{currency}")
}

/// The field of a deal registration percentage.
pub fn deal_field(family: &str) -> String {
    format!("deal_{family}")
}

/// Saves every percentage present in `fields` (by [`program_field`] and [`deal_field`]) and
/// the settings `quote_days`, `deal_days` and the minimum of each price book present
/// ([`minimum_field`]), all or nothing.
pub async fn save(ctx: &Ctx, fields: &HashMap<String, String>) -> Result<(), Error> {
    ctx.require_vendor_admin("change pricing rules").await?;
    let mut errors = FieldErrors::default();
    let mut program = Vec::new();
    let mut deal = Vec::new();
    for (family, family_name) in families(ctx).await? {
        for level in PartnerLevel::ALL {
            let name = program_field(level, &family);
            if let Some(v) = fields.get(&name) {
                match Bp::parse_percent(v) {
                    Some(bp) => program.push((level, family.clone(), bp)),
                    None => errors.add(
                        &name,
                        format!(
                            "{level} discount for {family_name}: “{v}” is not a percentage from 0 to 100."
                        ),
                    ),
                }
            }
        }
        let name = deal_field(&family);
        if let Some(v) = fields.get(&name) {
            match Bp::parse_percent(v) {
                Some(bp) => deal.push((family.clone(), bp)),
                None => errors.add(
                    &name,
                    format!(
                        "Deal registration discount for {family_name}: “{v}” is not a percentage from 0 to 100."
                    ),
                ),
            }
        }
    }
    let number = |name: &str, errors: &mut FieldErrors| -> Option<u32> {
        let v = fields.get(name).map(|s| s.trim()).unwrap_or("");
        let n = v.parse::<u32>().ok().filter(|n| (1..=365).contains(n));
        if n.is_none() {
            errors.add(name, "Enter a number of days from 1 to 365.");
        }
        n
    };
    let quote_days = number("quote_days", &mut errors);
    let deal_days = number("deal_days", &mut errors);
    // Sent by the page since the extension rule exists; a form without them leaves them.
    let extensions = fields.get("deal_extensions").map(|v| {
        let n = v.trim().parse::<u32>().ok().filter(|n| *n <= 10);
        if n.is_none() {
            errors.add(
                "deal_extensions",
                "Enter a number of extensions from 0 to 10.",
            );
        }
        n
    });
    let window = fields
        .contains_key("deal_extension_window")
        .then(|| number("deal_extension_window", &mut errors));
    let mut minimums: Vec<(String, Cents)> = Vec::new();
    for (currency, _) in catalogue::price_books(&ctx.db.pool).await? {
        let name = minimum_field(&currency);
        if let Some(v) = fields.get(&name) {
            match Cents::parse(v) {
                Ok(c) => minimums.push((currency, c)),
                Err(e) => errors.add(&name, e.to_string()),
            }
        }
    }
    let (Some(quote_days), Some(deal_days), true) = (quote_days, deal_days, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = ctx.db.pool.begin().await?;
    for (level, family, bp) in &program {
        deals::set_program(&mut tx, *level, family, *bp).await?;
    }
    for (family, bp) in &deal {
        deals::set_deal_registration_discount(&mut tx, family, *bp).await?;
    }
    catalogue::set_setting(&mut tx, "quote.validity_days", &quote_days.to_string()).await?;
    if let Some(Some(n)) = extensions {
        catalogue::set_setting(&mut tx, deals::MAX_EXTENSIONS, &n.to_string()).await?;
    }
    if let Some(Some(days)) = window {
        catalogue::set_setting(&mut tx, deals::EXTENSION_WINDOW_DAYS, &days.to_string()).await?;
    }
    catalogue::set_setting(
        &mut tx,
        "deal_registration.validity_days",
        &deal_days.to_string(),
    )
    .await?;
    for (currency, minimum) in &minimums {
        let key = deals::minimum_key(currency);
        catalogue::set_setting(&mut tx, &key, &minimum.cents().to_string()).await?;
    }
    let minimums = minimums
        .iter()
        .map(|(currency, c)| c.with_currency(currency))
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!("{} program and {} deal registration percentages; quotes {quote_days} days; registrations {deal_days} days, minimum {minimums}", program.len(), deal.len());
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "pricing_rules_changed",
        "pricing",
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A promotion as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct PromoInput {
    pub code: String,
    pub families: String,
    pub percent: String,
    pub starts: String,
    pub ends: String,
    /// The price book it applies to.
    pub currency: String,
}

/// Adds a promotion; returns its code.
pub async fn add_promotion(ctx: &Ctx, input: &PromoInput) -> Result<String, Error> {
    ctx.require_vendor_admin("change pricing rules").await?;
    let known = families(ctx).await?;
    let existing = deals::rules(&ctx.db.pool).await?.promotions;
    let mut errors = FieldErrors::default();
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.chars().count() > 30
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.add(
            "code",
            "Enter a code of up to 30 letters, digits and dashes.",
        );
    } else if existing.iter().any(|p| p.code == code) {
        errors.add("code", "A promotion with this code exists already.");
    }
    let families: Vec<String> = input
        .families
        .split([',', ' '])
        .map(|f| f.trim().to_uppercase())
        .filter(|f| !f.is_empty())
        .collect();
    if let Some(unknown) = families
        .iter()
        .find(|f| !known.iter().any(|(code, _)| code == *f))
    {
        errors.add(
            "families",
            format!("{unknown} is not a family of the catalogue."),
        );
    }
    // A form without the choice means the default price book.
    let currency = match input.currency.trim() {
        "" => catalogue::DEFAULT_CURRENCY.to_string(),
        typed => typed.to_uppercase(),
    };
    if !catalogue::has_price_book(&ctx.db.pool, &currency).await? {
        errors.add(
            "currency",
            "Choose the price book the promotion applies to.",
        );
    }
    let bp = Bp::parse_percent(&input.percent).filter(|b| b.0 > 0);
    if bp.is_none() {
        errors.add("percent", "Enter a percentage above 0 and up to 100.");
    }
    let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
    let (starts, ends) = (date(&input.starts), date(&input.ends));
    if starts.is_none() {
        errors.add("starts", "Enter the first day as YYYY-MM-DD.");
    }
    match (starts, ends) {
        (_, None) => errors.add("ends", "Enter the last day as YYYY-MM-DD."),
        (Some(s), Some(e)) if e < s => {
            errors.add("ends", "The promotion would end before it starts.")
        }
        _ => {}
    }
    let (Some(bp), Some(starts), Some(ends), true) = (bp, starts, ends, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let promotion = Promotion {
        code: code.clone(),
        currency,
        families,
        bp,
        starts,
        ends,
    };
    let mut tx = ctx.db.pool.begin().await?;
    deals::add_promotion(&mut tx, &promotion).await?;
    let detail = format!(
        "{bp} on {} in {} from {starts} to {ends}",
        if promotion.families.is_empty() {
            "all".into()
        } else {
            promotion.families.join(",")
        },
        promotion.currency
    );
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "promotion_added",
        &code,
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// Removes a promotion (quotes already sent keep it).
pub async fn delete_promotion(ctx: &Ctx, code: &str) -> Result<(), Error> {
    ctx.require_vendor_admin("change pricing rules").await?;
    let mut tx = ctx.db.pool.begin().await?;
    if !deals::delete_promotion(&mut tx, code).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(&mut *tx, &ctx.actor, "promotion_deleted", code, "", ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
