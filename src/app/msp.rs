//! MSP monthly licensing (PRODUCT.md section 7): an MSP reseller reports its usage per end
//! customer and MSP-channel SKU for the current or an earlier open month, one line or a CSV
//! file (all rows or none); statements price it at the MSP's program discount; the vendor
//! admin closes ended months. Never paused by a maintenance window.

use super::{Ctx, Error};
use crate::db::{catalogue, deals, msp as store, orgs};
use crate::domain::import::Problems;
use crate::domain::msp::{
    check_usage, month_bounds, month_of, parse_usage_csv, statement, Reported, Statement,
};
use crate::domain::pricing::Bp;
use crate::domain::{AccessRole, FieldErrors, OrgId, PartnerLevel};
use chrono::NaiveDate;

/// The caller's own reseller, when it is an MSP (anyone else: 403, audited).
pub async fn own_msp(ctx: &Ctx) -> Result<OrgId, Error> {
    let org = match (ctx.role, ctx.org) {
        (Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser), Some(org)) => {
            orgs::get(&ctx.db.pool, org).await?
        }
        _ => None,
    };
    let msp = org.filter(|o| o.is_msp).map(|o| o.id);
    ctx.require(
        msp.is_some(),
        "report MSP usage (the reseller is not an MSP)",
    )
    .await?;
    msp.ok_or(Error::Forbidden)
}

/// The month's first and last day, if the month may still take reports (errors on `month`):
/// an open month, not in the future, within the reseller's months as an MSP.
async fn open_month(ctx: &Ctx, reseller: OrgId, month: &str) -> Result<NaiveDate, Error> {
    let Some((_, last)) = month_bounds(month) else {
        return Err(Error::invalid("month", "Enter the month as YYYY-MM."));
    };
    let month = month.trim();
    match crate::db::msp_program::months(&ctx.db.pool, reseller).await? {
        (Some(from), _) if month < from.as_str() => {
            return Err(Error::invalid(
                "month",
                format!("Your MSP status starts with {from}: report usage from that month on."),
            ))
        }
        (_, Some(until)) if month > until.as_str() => {
            return Err(Error::invalid(
                "month",
                format!("Your MSP status ended after {until}: usage is reported up to that month."),
            ))
        }
        _ => {}
    }
    if month > month_of(ctx.today).as_str() {
        return Err(Error::invalid(
            "month",
            "Usage is reported for the current month or an earlier one.",
        ));
    }
    if store::is_closed(&ctx.db.pool, month).await? {
        return Err(Error::invalid(
            "month",
            format!("{month} is closed: its statement is final."),
        ));
    }
    Ok(last)
}

/// What recording usage did.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Per row: the quantity it replaced, if that end customer and SKU had one this month.
    pub replaced: Vec<Option<i64>>,
    /// The end customers added to the MSP's list, by name.
    pub added: Vec<String>,
}

async fn save(
    ctx: &Ctx,
    reseller: OrgId,
    month: &str,
    currency: &str,
    rows: &[Reported],
) -> Result<Recorded, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let known = deals::end_customers(&ctx.db.pool, ctx.scope, reseller).await?;
    let mut recorded = Recorded::default();
    let mut tx = ctx.db.pool.begin().await?;
    for r in rows {
        let is_known = known
            .iter()
            .any(|(_, n)| n.to_lowercase() == r.end_customer.to_lowercase());
        if !is_known
            && !recorded
                .added
                .iter()
                .any(|n| n.to_lowercase() == r.end_customer.to_lowercase())
        {
            recorded.added.push(r.end_customer.clone());
        }
        let customer =
            deals::end_customer_named(&mut tx, reseller, &r.end_customer, ctx.now).await?;
        let before = store::quantity_of(&mut tx, reseller, month, customer, r.sku.as_str()).await?;
        store::record(
            &mut tx,
            &store::NewUsage {
                reseller,
                month,
                end_customer: customer,
                sku: r.sku.as_str(),
                description: &r.description,
                quantity: r.quantity,
                unit_msrp: r.unit_msrp,
                currency,
                by: user,
            },
            ctx.now,
        )
        .await?;
        recorded.replaced.push(before);
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "msp_usage_reported",
        month,
        &format!("{} lines", rows.len()),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(recorded)
}

/// One usage line as typed.
#[derive(Debug, Clone, Default)]
pub struct TypedUsage {
    pub end_customer: String,
    pub sku: String,
    pub quantity: String,
    /// The person said the end customer is new: add it to the MSP's list. Otherwise the
    /// name must be one of the MSP's end customers, so a typo cannot add one for good.
    pub new_customer: bool,
}

/// Records one usage line of the caller's MSP for `month` (errors on `month`,
/// `end_customer`, `sku` or `quantity`).
pub async fn report(
    ctx: &Ctx,
    month: &str,
    typed: &TypedUsage,
) -> Result<(Reported, Recorded), Error> {
    let reseller = own_msp(ctx).await?;
    let last = open_month(ctx, reseller, month).await?;
    let name = typed.end_customer.trim();
    if !typed.new_customer && !name.is_empty() {
        let known = deals::end_customers(&ctx.db.pool, ctx.scope, reseller).await?;
        if !known
            .iter()
            .any(|(_, n)| n.to_lowercase() == name.to_lowercase())
        {
            let mut errors = FieldErrors::default();
            let hint = match crate::domain::import::closest_name(
                name,
                known.iter().map(|(_, n)| n.as_str()),
            ) {
                Some(close) => {
                    errors.suggest("end_customer", close.clone());
                    format!(" Did you mean “{close}”?")
                }
                None => String::new(),
            };
            errors.add(
                "end_customer",
                format!(
                    "None of your end customers is called “{name}”.{hint} To add a new one, tick “This is a new end customer”."
                ),
            );
            return Err(Error::Invalid(errors));
        }
    }
    let snapshot = book_of(ctx, reseller).await?;
    let row = check_usage(
        &snapshot,
        &typed.end_customer,
        &typed.sku,
        &typed.quantity,
        last,
    )
    .map_err(|message| {
        let (field, text) = message
            .split_once(": ")
            .unwrap_or(("sku", message.as_str()));
        let mut errors = FieldErrors::default();
        errors.add(field, text.to_string());
        Error::Invalid(errors)
    })?;
    let recorded = save(
        ctx,
        reseller,
        month,
        &snapshot.currency,
        std::slice::from_ref(&row),
    )
    .await?;
    Ok((row, recorded))
}

/// What an uploaded usage file did.
#[derive(Debug)]
pub enum Uploaded {
    /// Every row was recorded: how many, what that did, and each row's quantity.
    Recorded(usize, Recorded, Vec<i64>),
    /// The file's problems by line; nothing was recorded.
    Refused(Problems),
}

/// Records a CSV of usage (columns `end_customer`, `sku`, `quantity`) for `month`, all rows
/// or none.
pub async fn upload(ctx: &Ctx, month: &str, csv: &str) -> Result<Uploaded, Error> {
    let reseller = own_msp(ctx).await?;
    let last = open_month(ctx, reseller, month).await?;
    let snapshot = book_of(ctx, reseller).await?;
    match parse_usage_csv(csv, &snapshot, last) {
        Ok(rows) => {
            let recorded = save(ctx, reseller, month, &snapshot.currency, &rows).await?;
            let quantities = rows.iter().map(|r| r.quantity).collect();
            Ok(Uploaded::Recorded(rows.len(), recorded, quantities))
        }
        Err(problems) => Ok(Uploaded::Refused(problems)),
    }
}

/// The price book of the currency an MSP trades in: its usage is priced and its statements
/// are made in it.
async fn book_of(ctx: &Ctx, reseller: OrgId) -> Result<crate::domain::catalogue::Snapshot, Error> {
    let currency = orgs::currency_of(&ctx.db.pool, reseller)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(catalogue::snapshot(&ctx.db.pool, &currency).await?)
}

/// The statement of a reseller's month, at its partner program discount per family.
pub async fn statement_of(
    ctx: &Ctx,
    reseller: OrgId,
    month: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Statement, Error> {
    let pool = &ctx.db.pool;
    let org = orgs::get(pool, reseller).await?.ok_or(Error::NotFound)?;
    let level = org.partner_level.unwrap_or(PartnerLevel::Authorized);
    let rules = deals::rules(pool).await?;
    let lines = store::usage(pool, ctx.scope, reseller, month).await?;
    let made = statement(first, last, &lines, |family| {
        rules
            .program
            .get(&(level, family.to_string()))
            .copied()
            .unwrap_or(Bp(0))
    });
    Ok(Statement {
        currency: org.currency,
        ..made
    })
}

/// Closes an ended month for every MSP: its statements are final.
pub async fn close_month(ctx: &Ctx, month: &str) -> Result<(), Error> {
    ctx.require_vendor_admin("close MSP months").await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let Some((_, last)) = month_bounds(month) else {
        return Err(Error::invalid("month", "Enter the month as YYYY-MM."));
    };
    if last >= ctx.today {
        return Err(Error::Conflict(format!(
            "{month} has not ended yet; close it after {last}."
        )));
    }
    let mut tx = ctx.db.pool.begin().await?;
    if !store::close(&mut tx, month, user, ctx.now).await? {
        return Err(Error::Conflict(format!("{month} is closed already.")));
    }
    crate::db::audit::record(&mut *tx, &ctx.actor, "msp_month_closed", month, "", ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
