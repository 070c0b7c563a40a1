//! Joining the MSP program (issue 18): a reseller admin applies from the portal (the MSP
//! training is completed, on which day and by whom, and the program terms the vendor admin
//! maintains are accepted); the reseller's channel account manager (the vendor admins when it
//! has none) approves from a start month or rejects with a reason, and both sides hear of it
//! by mail (`partner_program`). An MSP reports usage from its start month; the vendor admin can
//! end the status from a month on, and the usage reported before stays.

use super::{Ctx, Error};
use crate::db::msp_program::{self as store, Application, NewApplication};
use crate::db::{catalogue, orgs};
use crate::domain::contact::{ContactRole, Person};
use crate::domain::field_errors::required_text;
use crate::domain::msp::{month_bounds, month_of};
use crate::domain::{AccessRole, FieldErrors, OrgId};
use crate::mail::notices;
use crate::mail::notify::{notify_role, queue_for};

/// The settings key of the program terms.
pub const TERMS: &str = "msp.program_terms";

/// The terms until the vendor admin writes its own.
pub const DEFAULT_TERMS: &str = "The partner reports each month's usage per end customer by the 5th of the next month, \
bills its end customers itself, and is invoiced monthly at its MSP program price. At least one person at the partner \
has completed the MSP training and keeps it current. Either side may end the program from a month on.";

pub const MAX_PEOPLE: usize = 500;
pub const MAX_TERMS: usize = 5_000;
pub const MAX_REASON: usize = 1_000;

/// The program terms as they read now.
pub async fn terms(pool: &sqlx::AnyPool) -> Result<String, Error> {
    Ok(catalogue::setting(pool, TERMS)
        .await?
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TERMS.to_string()))
}

/// The vendor admin rewrites the terms; applications keep the text they accepted.
pub async fn set_terms(ctx: &Ctx, text: &str) -> Result<String, Error> {
    ctx.require_vendor_admin("change the MSP program terms")
        .await?;
    let mut errors = FieldErrors::default();
    let text = required_text(&mut errors, "terms", text, "the program terms", MAX_TERMS);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let mut tx = ctx.db.pool.begin().await?;
    catalogue::set_setting(&mut tx, TERMS, &text).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "msp_terms_changed",
        "MSP program",
        "",
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(text)
}

/// A reseller's standing in the program, as its own pages show it.
#[derive(Debug, Clone)]
pub struct Standing {
    pub reseller: OrgId,
    pub name: String,
    /// An MSP this month (or from a later start month).
    pub member: bool,
    pub from: Option<String>,
    pub until: Option<String>,
    pub latest: Option<Application>,
    pub terms: String,
}

impl Standing {
    /// Whether the reseller may apply now: not an MSP, and nothing waiting.
    pub fn may_apply(&self) -> bool {
        !self.member && self.latest.as_ref().is_none_or(|a| a.status != "submitted")
    }
}

async fn standing_of(ctx: &Ctx, reseller: OrgId) -> Result<Standing, Error> {
    let pool = &ctx.db.pool;
    let org = orgs::get(pool, reseller).await?.ok_or(Error::NotFound)?;
    let (from, until) = store::months(pool, reseller).await?;
    let this_month = month_of(ctx.today);
    let member = org.is_msp && until.as_deref().is_none_or(|u| u >= this_month.as_str());
    Ok(Standing {
        reseller,
        name: org.name,
        member,
        from,
        until,
        latest: store::latest(pool, reseller).await?,
        terms: terms(pool).await?,
    })
}

/// The caller's own reseller's standing (a reseller's people; its admin applies).
pub async fn own_standing(ctx: &Ctx) -> Result<Standing, Error> {
    let reseller = match (ctx.role, ctx.org) {
        (Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser), Some(org)) => Some(org),
        _ => None,
    };
    ctx.require(reseller.is_some(), "see the MSP program of a reseller")
        .await?;
    standing_of(ctx, reseller.ok_or(Error::Forbidden)?).await
}

/// An application as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct ApplicationInput {
    pub training_completed_on: String,
    pub trained_people: String,
    pub accept_terms: bool,
}

/// The reseller admin applies; the deciders are mailed.
pub async fn apply(ctx: &Ctx, input: &ApplicationInput) -> Result<i64, Error> {
    ctx.require(
        ctx.role == Some(AccessRole::ResellerAdmin),
        "apply for the MSP program (the reseller's administrator does)",
    )
    .await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let standing = own_standing(ctx).await?;
    if standing.member {
        return Err(Error::Conflict(format!(
            "{} is in the MSP program already.",
            standing.name
        )));
    }
    if !standing.may_apply() {
        return Err(Error::Conflict(format!(
            "{} has applied already; the application waits for a decision.",
            standing.name
        )));
    }
    let mut errors = FieldErrors::default();
    let completed =
        chrono::NaiveDate::parse_from_str(input.training_completed_on.trim(), "%Y-%m-%d");
    match completed {
        Ok(d) if d > ctx.today => errors.add(
            "training_completed_on",
            "The training must be completed already: enter the day it was.",
        ),
        Ok(_) => {}
        Err(_) => errors.add(
            "training_completed_on",
            "Enter the day the training was completed as YYYY-MM-DD.",
        ),
    }
    let people = required_text(
        &mut errors,
        "trained_people",
        &input.trained_people,
        "the names of the people who completed the training",
        MAX_PEOPLE,
    );
    if !input.accept_terms {
        errors.add(
            "accept_terms",
            "Tick the box to accept the program terms; the application cannot go without it.",
        );
    }
    let Ok(completed) = completed else {
        return Err(Error::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let completed = completed.to_string();
    let mut tx = ctx.db.pool.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewApplication {
            reseller: standing.reseller,
            training_completed_on: &completed,
            trained_people: &people,
            terms: &standing.terms,
            by: user,
        },
        ctx.now,
    )
    .await?;
    store::add_history(
        &mut tx,
        standing.reseller,
        Some(user),
        &format!("Applied to join the MSP program (training completed on {completed} by {people})"),
        ctx.now,
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "msp_applied",
        &standing.name,
        &format!("training {completed}: {people}"),
        ctx.now,
    )
    .await?;
    let org = orgs::get(&ctx.db.pool, standing.reseller)
        .await?
        .ok_or(Error::NotFound)?;
    let (deciders, _) = super::deciders_for(&ctx.db.pool, &org).await?;
    let notice = notices::msp_applied(id, &standing.name, &completed, &people, &ctx.public_url);
    for person in &deciders {
        queue_for(
            &mut tx,
            person,
            ContactRole::PartnerProgram,
            &format!("msp:{id}:applied"),
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Whether the caller decides on this application: the vendor admins, and the reseller's CAM.
pub fn may_decide(ctx: &Ctx, a: &Application) -> bool {
    match ctx.role {
        Some(AccessRole::VendorAdmin) => true,
        Some(AccessRole::ChannelManager) => ctx.user.is_some() && a.cam_user_id == ctx.user,
        _ => false,
    }
}

/// The applications the caller sees (its resellers' for a CAM, every one for the vendor).
pub async fn applications(ctx: &Ctx) -> Result<Vec<Application>, Error> {
    ctx.require(
        matches!(
            ctx.role,
            Some(AccessRole::VendorAdmin | AccessRole::ChannelManager)
        ),
        "decide MSP program applications",
    )
    .await?;
    Ok(store::list(&ctx.db.pool, ctx.scope).await?)
}

pub async fn application(ctx: &Ctx, id: i64) -> Result<Application, Error> {
    let a = store::get(&ctx.db.pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)?;
    ctx.require(may_decide(ctx, &a), "decide MSP program applications")
        .await?;
    Ok(a)
}

/// A decision as the form sends it.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve { start_month: String },
    Reject { reason: String },
}

/// What a checked decision does.
#[derive(Debug, Clone)]
pub enum Checked {
    Approve { start_month: String },
    Reject { reason: String },
}

/// Checks a decision without carrying it out (for the confirmation page).
pub async fn check(
    ctx: &Ctx,
    id: i64,
    decision: &Decision,
) -> Result<(Application, Checked), Error> {
    let a = application(ctx, id).await?;
    if a.status != "submitted" {
        return Err(Error::Conflict(format!(
            "The application of {} was {} meanwhile.",
            a.reseller_name, a.status
        )));
    }
    let this_month = month_of(ctx.today);
    let checked = match decision {
        Decision::Approve { start_month } => {
            let month = start_month.trim();
            if month_bounds(month).is_none() {
                return Err(Error::invalid(
                    "start_month",
                    "Enter the first month of MSP usage as YYYY-MM.",
                ));
            }
            if month < this_month.as_str() {
                return Err(Error::invalid(
                    "start_month",
                    format!("The program starts this month ({this_month}) or later."),
                ));
            }
            Checked::Approve {
                start_month: month.to_string(),
            }
        }
        Decision::Reject { reason } => {
            let mut errors = FieldErrors::default();
            let reason = required_text(
                &mut errors,
                "reason",
                reason,
                "the reason the partner reads",
                MAX_REASON,
            );
            if !errors.is_empty() {
                return Err(Error::Invalid(errors));
            }
            Checked::Reject { reason }
        }
    };
    Ok((a, checked))
}

/// Approves (the reseller is an MSP from the start month) or rejects an application, records
/// it and mails the reseller's partner program role and the applicant.
pub async fn decide(ctx: &Ctx, id: i64, decision: &Decision) -> Result<Application, Error> {
    let (a, checked) = check(ctx, id, decision).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let mut tx = ctx.db.pool.begin().await?;
    let (status, month, reason, summary) = match &checked {
        Checked::Approve { start_month } => (
            "approved",
            Some(start_month.as_str()),
            None,
            format!("Approved: an MSP from {start_month}"),
        ),
        Checked::Reject { reason } => (
            "rejected",
            None,
            Some(reason.as_str()),
            format!("Rejected: {reason}"),
        ),
    };
    if !store::decide(&mut tx, a.id, status, month, reason, user, ctx.now).await? {
        return Err(Error::Conflict(format!(
            "The application of {} was decided by someone else meanwhile.",
            a.reseller_name
        )));
    }
    if let Some(month) = month {
        store::start(&mut tx, a.reseller_id, month).await?;
    }
    store::add_history(&mut tx, a.reseller_id, Some(user), &summary, ctx.now).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        if month.is_some() {
            "msp_application_approved"
        } else {
            "msp_application_rejected"
        },
        &a.reseller_name,
        &summary,
        ctx.now,
    )
    .await?;
    let notice = notices::msp_decided(&a.reseller_name, month, reason, &ctx.public_url);
    let event = format!("msp:{}:{status}", a.id);
    if let Some(by) = a.submitted_by.filter(|_| !a.submitter_email.is_empty()) {
        let person = Person {
            user_id: by.0,
            name: a.submitter_name.clone(),
            email: a.submitter_email.clone(),
        };
        queue_for(
            &mut tx,
            &person,
            ContactRole::PartnerProgram,
            &event,
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    notify_role(
        &mut tx,
        a.reseller_id,
        ContactRole::PartnerProgram,
        &event,
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// The vendor admin ends a reseller's MSP status from `from_month` on: usage is reported up to
/// the month before, and what was reported stays.
pub async fn end(ctx: &Ctx, reseller: OrgId, from_month: &str) -> Result<String, Error> {
    ctx.require_vendor_admin("end a reseller's MSP status")
        .await?;
    let standing = standing_of(ctx, reseller).await?;
    if !standing.member {
        return Err(Error::Conflict(format!(
            "{} is not in the MSP program.",
            standing.name
        )));
    }
    let month = from_month.trim();
    let this_month = month_of(ctx.today);
    let Some((first, _)) = month_bounds(month) else {
        return Err(Error::invalid(
            "from_month",
            "Enter the first month without MSP status as YYYY-MM.",
        ));
    };
    if month < this_month.as_str() {
        return Err(Error::invalid(
            "from_month",
            format!("The status ends from this month ({this_month}) or a later one; usage already reported stays."),
        ));
    }
    let last = first
        .pred_opt()
        .map(month_of)
        .ok_or_else(|| Error::invalid("from_month", "Enter a later month."))?;
    if standing.from.as_deref().is_some_and(|f| last.as_str() < f) {
        return Err(Error::invalid(
            "from_month",
            "The status would end before it starts.",
        ));
    }
    let mut tx = ctx.db.pool.begin().await?;
    store::end(&mut tx, reseller, &last).await?;
    let summary = format!("MSP status ends from {month}: usage is reported up to {last}");
    store::add_history(&mut tx, reseller, ctx.user, &summary, ctx.now).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "msp_ended",
        &standing.name,
        &summary,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// A reseller's MSP history (the vendor's organisation page).
pub async fn history(
    ctx: &Ctx,
    reseller: OrgId,
) -> Result<Vec<(i64, Option<String>, String)>, Error> {
    Ok(store::history(&ctx.db.pool, reseller).await?)
}
