//! Partner leads (PRODUCT.md section 6): the vendor admin or a channel account manager assigns
//! a lead to a reseller (its `new_leads` role is told); resellers add their own; every update
//! is activity. Expiry and reminders are the sweep's (`jobs`).

use super::{Ctx, Error};
use crate::db::leads::{self as store, Lead};
use crate::domain::contact::ContactRole;
use crate::domain::field_errors::required_text;
use crate::domain::lead::{Inactivity, LeadSource, LeadStatus};
use crate::domain::{AccessRole, Email, FieldErrors, LeadId, OrgId};
use crate::mail::notices;
use crate::mail::notify::notify_role;
use chrono::NaiveDate;

pub const MAX_COMPANY: usize = 200;
pub const MAX_CONTACT: usize = 100;
pub const MAX_INTEREST: usize = 200;
pub const MAX_NOTES: usize = 4000;
pub const MAX_NEXT_STEP: usize = 300;

/// Whether the caller assigns leads (the vendor admin and channel account managers) rather
/// than adding its own.
pub fn assigns(ctx: &Ctx) -> bool {
    matches!(
        ctx.role,
        Some(AccessRole::VendorAdmin | AccessRole::ChannelManager)
    )
}

fn reseller_of(ctx: &Ctx) -> Option<OrgId> {
    match ctx.role {
        Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser) => ctx.org,
        _ => None,
    }
}

/// A lead in the caller's scope; distributors are not in a reseller's lead pipeline (403).
pub async fn load(ctx: &Ctx, id: LeadId) -> Result<Lead, Error> {
    ctx.require(
        !matches!(
            ctx.role,
            Some(AccessRole::DistributorAdmin | AccessRole::DistributorStaff)
        ),
        "see partner leads",
    )
    .await?;
    store::get(&ctx.db.pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)
}

fn check_length(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.trim().chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
}

/// A lead as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewLead {
    /// For an assignment: the reseller that gets it.
    pub reseller: String,
    pub company: String,
    pub contact_name: String,
    pub contact_email: String,
    pub interest: String,
    pub notes: String,
    pub next_step: String,
}

/// An added or assigned lead.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: LeadId,
    pub company: String,
    /// For an assignment: the reseller's name and how many people there were told.
    pub assigned: Option<(String, usize)>,
}

/// Adds a partner-generated lead for the caller's reseller, or assigns one (vendor admin,
/// CAM) to a reseller in scope, telling its new-leads role.
pub async fn add(ctx: &Ctx, input: NewLead) -> Result<Added, Error> {
    let assigns = assigns(ctx);
    if !assigns && reseller_of(ctx).is_none() {
        ctx.require(false, "create or assign leads").await?;
    }
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let mut reseller_name = String::new();
    let reseller = if assigns {
        let chosen = input.reseller.parse::<i64>().ok().map(OrgId);
        let found = store::assignable_resellers(pool, ctx.scope)
            .await?
            .into_iter()
            .find(|(r, _)| Some(*r) == chosen);
        if found.is_none() {
            errors.add("reseller", "Choose the reseller that gets this lead.");
        }
        found.map(|(id, name)| {
            reseller_name = name;
            id
        })
    } else {
        reseller_of(ctx)
    };
    let company = required_text(
        &mut errors,
        "company",
        &input.company,
        "the company",
        MAX_COMPANY,
    );
    let contact_name = required_text(
        &mut errors,
        "contact_name",
        &input.contact_name,
        "the contact's name",
        MAX_CONTACT,
    );
    let email = Email::parse(&input.contact_email)
        .map_err(|e| errors.add("contact_email", e.to_string()))
        .ok();
    check_length(&mut errors, "interest", &input.interest, MAX_INTEREST);
    check_length(&mut errors, "notes", &input.notes, MAX_NOTES);
    check_length(&mut errors, "next_step", &input.next_step, MAX_NEXT_STEP);
    let (Some(reseller), Some(email), true) = (reseller, email, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let interest = input.interest.trim();
    let mut tx = pool.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::NewLead {
            reseller,
            company: &company,
            contact_name: &contact_name,
            contact_email: email.as_str(),
            interest,
            source: if assigns {
                LeadSource::Vendor
            } else {
                LeadSource::Partner
            },
            notes: input.notes.trim(),
            next_step: input.next_step.trim(),
            by: user,
        },
        ctx.today,
        ctx.now,
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        if assigns {
            "lead_assigned"
        } else {
            "lead_created"
        },
        &format!("the lead {company}"),
        &format!(
            "lead {id}{}",
            if assigns {
                format!(" to {reseller_name}")
            } else {
                String::new()
            }
        ),
        ctx.now,
    )
    .await?;
    let mut assigned = None;
    if assigns {
        let told = tell_assigned(
            ctx,
            &mut tx,
            reseller,
            &format!("lead:{id}:assigned"),
            &notices::LeadAssigned {
                id,
                by: "",
                company: &company,
                contact_name: &contact_name,
                contact_email: email.as_str(),
                interest,
            },
        )
        .await?;
        assigned = Some((reseller_name, told));
    }
    tx.commit().await?;
    Ok(Added {
        id,
        company,
        assigned,
    })
}

/// Tells the new-leads role of `reseller` that a lead is theirs now (signed by the caller);
/// returns how many people were told.
async fn tell_assigned(
    ctx: &Ctx,
    tx: &mut sqlx::AnyConnection,
    reseller: OrgId,
    event: &str,
    lead: &notices::LeadAssigned<'_>,
) -> Result<usize, Error> {
    let by = match ctx.user {
        Some(user) => crate::db::users::get_with_org(&ctx.db.pool, user)
            .await?
            .map(|u| u.user.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let notice =
        notices::lead_assigned(&notices::LeadAssigned { by: &by, ..*lead }, &ctx.public_url);
    Ok(notify_role(
        tx,
        reseller,
        ContactRole::NewLeads,
        event,
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?
    .len())
}

/// The inactivity rule in force (the vendor admin's settings).
pub async fn inactivity(ctx: &Ctx) -> Result<Inactivity, Error> {
    let pool = &ctx.db.pool;
    let key = pool.connect_options().database_url.to_string();
    Ok(INACTIVITY.get_or(key, store::inactivity(pool)).await?)
}

/// The inactivity rule by database, read at most every two seconds: every lead page shows
/// it, and it changes when the vendor admin saves the time limits (which forgets it at once
/// in that process; another process has it within two seconds).
static INACTIVITY: std::sync::LazyLock<crate::cache::Ttl<String, Inactivity>> =
    std::sync::LazyLock::new(|| crate::cache::Ttl::new(std::time::Duration::from_secs(2)));

/// Forgets the inactivity rules read (after the time limits changed).
pub(crate) fn forget_inactivity() {
    INACTIVITY.forget();
}

/// An update as the lead's form sends it. A reseller may change the status and the next
/// step and add a note; the vendor admin and a channel account manager add notes only.
#[derive(Debug, Clone, Default)]
pub struct LeadUpdate {
    pub status: String,
    pub next_step: String,
    /// A note to add to the lead's log (empty for none); earlier notes are never changed.
    pub note: String,
}

/// What an update did.
#[derive(Debug, Clone)]
pub struct Updated {
    pub company: String,
    pub status: LeadStatus,
    /// For an open lead: the day it expires without more activity.
    pub expires_on: Option<NaiveDate>,
    /// False when the form changed nothing: nothing was recorded, and it is not activity.
    pub changed: bool,
    /// Whether it counted as the reseller's activity (a note by the vendor's side does not).
    pub activity: bool,
}

/// `“text”`, or "nothing" for an empty value: how the history names an earlier value.
fn quoted(value: &str) -> String {
    if value.is_empty() {
        "nothing".to_string()
    } else {
        format!("“{value}”")
    }
}

/// Records an update of a lead in the caller's scope. A reseller's change of status or next
/// step, or its note, is activity (the inactivity clock starts again); a note by the vendor
/// admin or the reseller's channel account manager is added to the log without being the
/// reseller's activity. The history keeps the earlier value of every changed field. A form
/// that changes nothing records nothing. An expired lead is read-only.
pub async fn update(ctx: &Ctx, id: LeadId, input: LeadUpdate) -> Result<Updated, Error> {
    let lead = load(ctx, id).await?;
    let vendor_side = assigns(ctx);
    ctx.require(vendor_side || reseller_of(ctx).is_some(), "update leads")
        .await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let today = ctx.today;
    let rule = inactivity(ctx).await?;
    if lead.standing(today, rule).status.is_read_only() {
        return Err(Error::Conflict(format!(
            "The lead {} expired on {} after more than {} without activity; it is read-only.",
            lead.company,
            rule.over_on(lead.last_activity_on),
            crate::domain::paging::counted(rule.days, "day", "days")
        )));
    }
    let mut errors = FieldErrors::default();
    let status = if vendor_side {
        Some(lead.stored_status)
    } else {
        let status = LeadStatus::parse(input.status.trim()).filter(|s| !s.is_read_only());
        if status.is_none() {
            errors.add("status", "Choose new, contacted, qualified, won or lost.");
        }
        status
    };
    check_length(&mut errors, "note", &input.note, MAX_NOTES);
    check_length(&mut errors, "next_step", &input.next_step, MAX_NEXT_STEP);
    if vendor_side && input.note.trim().is_empty() {
        errors.add("note", "Write the note to add.");
    }
    let (Some(status), true) = (status, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let next_step = if vendor_side {
        lead.next_step.as_str()
    } else {
        input.next_step.trim()
    };
    let note = input.note.trim();
    let mut changes = Vec::new();
    if status != lead.stored_status {
        changes.push(format!("Status: {} → {}", lead.stored_status, status));
    }
    if next_step != lead.next_step {
        changes.push(format!(
            "Next step: {} → {}",
            quoted(&lead.next_step),
            quoted(next_step)
        ));
    }
    if !note.is_empty() {
        changes.push("Added a note".to_string());
    }
    let unchanged = Updated {
        company: lead.company.clone(),
        status,
        expires_on: None,
        changed: false,
        activity: false,
    };
    if changes.is_empty() {
        return Ok(unchanged);
    }
    let summary = changes.join("; ");
    let note = (!note.is_empty()).then_some(note);
    let mut tx = ctx.db.pool.begin().await?;
    let recorded = if vendor_side {
        store::still_open(&mut tx, lead.id, rule.cutoff(today)).await?
    } else {
        store::update(
            &mut tx,
            lead.id,
            status,
            next_step,
            today,
            rule.cutoff(today),
        )
        .await?
    };
    if !recorded {
        return Err(Error::Conflict(format!(
            "The lead {} has expired; it is read-only.",
            lead.company
        )));
    }
    store::add_event(&mut tx, lead.id, Some(user), &summary, note, ctx.now).await?;
    tx.commit().await?;
    let activity = !vendor_side;
    Ok(Updated {
        expires_on: (activity && status.is_open() && lead.source == LeadSource::Partner)
            .then(|| rule.over_on(today)),
        changed: true,
        activity,
        ..unchanged
    })
}

/// Moves a vendor-assigned open lead to another reseller (the vendor admin, or the CAM of
/// both resellers), typically one flagged idle. The lead starts afresh there: status new,
/// activity today, and the new reseller's new-leads role is told.
pub async fn reassign(ctx: &Ctx, id: LeadId, to: &str) -> Result<String, Error> {
    ctx.require(assigns(ctx), "reassign leads").await?;
    let lead = load(ctx, id).await?;
    if lead.source != LeadSource::Vendor || !lead.stored_status.is_open() {
        return Err(Error::Conflict(format!(
            "The lead {} is {}; only open leads assigned by the vendor can be reassigned.",
            lead.company,
            if lead.source == LeadSource::Partner {
                "the reseller's own"
            } else {
                lead.stored_status.as_str()
            }
        )));
    }
    let chosen = to.trim().parse::<i64>().ok().map(OrgId);
    let Some((reseller, name)) = store::assignable_resellers(&ctx.db.pool, ctx.scope)
        .await?
        .into_iter()
        .find(|(r, _)| Some(*r) == chosen && *r != lead.reseller_id)
    else {
        return Err(Error::invalid(
            "reseller",
            "Choose another reseller to give this lead to.",
        ));
    };
    let mut tx = ctx.db.pool.begin().await?;
    if !store::reassign(&mut tx, id, lead.reseller_id, reseller, ctx.today).await? {
        return Err(Error::Conflict(format!(
            "The lead {} was changed meanwhile; open it again.",
            lead.company
        )));
    }
    let summary = format!("Reassigned from {} to {name}", lead.reseller_name);
    store::add_event(&mut tx, id, ctx.user, &summary, None, ctx.now).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "lead_reassigned",
        &format!("the lead {}", lead.company),
        &format!("lead {id}: {summary}"),
        ctx.now,
    )
    .await?;
    tell_assigned(
        ctx,
        &mut tx,
        reseller,
        &format!("lead:{id}:assigned:{}", reseller.0),
        &notices::LeadAssigned {
            id,
            by: "",
            company: &lead.company,
            contact_name: &lead.contact_name,
            contact_email: &lead.contact_email,
            interest: &lead.interest,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(name)
}
