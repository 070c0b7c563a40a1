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

/// The month's first and last day, if the month may still take reports (errors on `month`).
async fn open_month(ctx: &Ctx, month: &str) -> Result<NaiveDate, Error> {
    let Some((_, last)) = month_bounds(month) else {
        return Err(Error::invalid("month", "Enter the month as YYYY-MM."));
    };
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

async fn save(ctx: &Ctx, reseller: OrgId, month: &str, rows: &[Reported]) -> Result<(), Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let mut tx = ctx.db.pool.begin().await?;
    for r in rows {
        let customer =
            deals::end_customer_named(&mut tx, reseller, &r.end_customer, ctx.now).await?;
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
                by: user,
            },
            ctx.now,
        )
        .await?;
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
    Ok(())
}

/// One usage line as typed.
#[derive(Debug, Clone, Default)]
pub struct TypedUsage {
    pub end_customer: String,
    pub sku: String,
    pub quantity: String,
}

/// Records one usage line of the caller's MSP for `month` (errors on `month`,
/// `end_customer`, `sku` or `quantity`).
pub async fn report(ctx: &Ctx, month: &str, typed: &TypedUsage) -> Result<Reported, Error> {
    let reseller = own_msp(ctx).await?;
    let last = open_month(ctx, month).await?;
    let snapshot = catalogue::snapshot(&ctx.db.pool, catalogue::DEFAULT_CURRENCY).await?;
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
    save(ctx, reseller, month, std::slice::from_ref(&row)).await?;
    Ok(row)
}

/// What an uploaded usage file did.
#[derive(Debug)]
pub enum Uploaded {
    /// Every row was recorded.
    Recorded(usize),
    /// The file's problems by line; nothing was recorded.
    Refused(Problems),
}

/// Records a CSV of usage (columns `end_customer`, `sku`, `quantity`) for `month`, all rows
/// or none.
pub async fn upload(ctx: &Ctx, month: &str, csv: &str) -> Result<Uploaded, Error> {
    let reseller = own_msp(ctx).await?;
    let last = open_month(ctx, month).await?;
    let snapshot = catalogue::snapshot(&ctx.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    match parse_usage_csv(csv, &snapshot, last) {
        Ok(rows) => {
            save(ctx, reseller, month, &rows).await?;
            Ok(Uploaded::Recorded(rows.len()))
        }
        Err(problems) => Ok(Uploaded::Refused(problems)),
    }
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
    let level = orgs::get(pool, reseller)
        .await?
        .and_then(|o| o.partner_level)
        .unwrap_or(PartnerLevel::Authorized);
    let rules = deals::rules(pool).await?;
    let lines = store::usage(pool, ctx.scope, reseller, month).await?;
    Ok(statement(first, last, &lines, |family| {
        rules
            .program
            .get(&(level, family.to_string()))
            .copied()
            .unwrap_or(Bp(0))
    }))
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
