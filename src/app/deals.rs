//! Deal registrations (PRODUCT.md section 6): a reseller registers an opportunity; its
//! channel account manager (the vendor admins without one) approves it (valid for the
//! configured days, extendable) or rejects it with a reason. Only one approved registration
//! per end customer and family at a time.

use super::{Ctx, Error};
use crate::db::deals::{self as store, Deal};
use crate::db::{catalogue, orgs};
use crate::domain::contact::ContactRole;
use crate::domain::field_errors::required_text;
use crate::domain::paging::counted;
use crate::domain::status::{valid_until, DealEvent, DealStatus};
use crate::domain::{AccessRole, Cents, DealId, Email, FieldErrors, OrgId};
use crate::mail::notices;
use crate::mail::notify::{notify_role, queue_for};
use chrono::{Datelike, NaiveDate};

/// The longest name, contact and notes a person may type.
pub const MAX_NAME: usize = 200;
pub const MAX_CONTACT: usize = 100;
pub const MAX_NOTES: usize = 4000;

/// The end customer a form names: one of the reseller's, or a new one to create.
#[derive(Debug, Clone)]
pub enum EndCustomerChoice {
    Existing(i64),
    New {
        name: String,
        contact: String,
        email: Email,
    },
}

impl EndCustomerChoice {
    pub fn name(&self, customers: &[(i64, String)]) -> String {
        match self {
            EndCustomerChoice::Existing(id) => customers
                .iter()
                .find(|(c, _)| c == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            EndCustomerChoice::New { name, .. } => name.clone(),
        }
    }
}

/// The end-customer part of a form as typed: the `end_customer` select, or the three
/// `new_customer_*` fields.
#[derive(Debug, Clone, Default)]
pub struct TypedEndCustomer {
    pub selected: String,
    pub new_name: String,
    pub new_contact: String,
    pub new_email: String,
}

/// Checks the end-customer part of a form against the reseller's `customers`, with messages
/// next to the fields.
pub fn check_end_customer(
    customers: &[(i64, String)],
    typed: &TypedEndCustomer,
    errors: &mut FieldErrors,
) -> Option<EndCustomerChoice> {
    let existing = typed
        .selected
        .parse::<i64>()
        .ok()
        .filter(|id| customers.iter().any(|(c, _)| c == id));
    let name = typed.new_name.trim();
    match (existing, name.is_empty()) {
        (Some(id), true) => Some(EndCustomerChoice::Existing(id)),
        (None, false) => {
            if name.chars().count() > MAX_NAME {
                errors.add(
                    "new_customer_name",
                    format!("Use at most {MAX_NAME} characters."),
                );
            }
            let contact = required_text(
                errors,
                "new_customer_contact",
                &typed.new_contact,
                "the customer's license contact",
                MAX_CONTACT,
            );
            let email = Email::parse(&typed.new_email)
                .map_err(|e| errors.add("new_customer_email", e.to_string()))
                .ok();
            if customers
                .iter()
                .any(|(_, n)| n.to_lowercase() == name.to_lowercase())
            {
                errors.add(
                    "new_customer_name",
                    "You have an end customer of this name: choose it from the list.",
                );
            }
            email.map(|email| EndCustomerChoice::New {
                name: name.to_string(),
                contact,
                email,
            })
        }
        (Some(_), false) => {
            errors.add(
                "end_customer",
                "Choose an end customer or enter a new one, not both.",
            );
            None
        }
        (None, true) => {
            errors.add(
                "end_customer",
                "Choose the end customer, or enter a new one below.",
            );
            None
        }
    }
}

/// The `distributor` field of a form, if it names one of the distributors that supply the
/// reseller; otherwise `refusal` goes next to the field.
pub async fn supplier_chosen(
    ctx: &Ctx,
    reseller: OrgId,
    typed: &str,
    errors: &mut FieldErrors,
    refusal: &str,
) -> Result<Option<orgs::Supplier>, Error> {
    let suppliers = orgs::suppliers(&ctx.db.pool, reseller).await?;
    let chosen = typed
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| suppliers.into_iter().find(|s| s.id == OrgId(id)));
    match &chosen {
        None => errors.add("distributor", refusal),
        Some(s) if !catalogue::has_price_book(&ctx.db.pool, &s.currency).await? => errors.add(
            "distributor",
            format!(
                "{} trades in {}, and the vendor has no {} price book yet: choose another distributor or ask your channel account manager.",
                s.name, s.currency, s.currency
            ),
        ),
        Some(_) => {}
    }
    Ok(chosen)
}

/// The id of the chosen end customer, creating a new one in the caller's transaction.
pub async fn resolve_end_customer(
    conn: &mut sqlx::AnyConnection,
    reseller: OrgId,
    choice: &EndCustomerChoice,
    now: i64,
) -> Result<i64, Error> {
    Ok(match choice {
        EndCustomerChoice::Existing(id) => *id,
        EndCustomerChoice::New {
            name,
            contact,
            email,
        } => store::insert_end_customer(conn, reseller, name, contact, email.as_str(), now).await?,
    })
}

/// A registration as the reseller's form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewRegistration {
    pub end_customer: TypedEndCustomer,
    pub families: Vec<String>,
    pub estimated_msrp: String,
    pub expected_close: String,
    pub distributor: String,
    pub notes: String,
}

/// A submitted registration.
#[derive(Debug, Clone)]
pub struct Registered {
    pub id: DealId,
    pub reference: String,
    /// The reseller has an active channel account manager, who decides (else the vendor
    /// admins do).
    pub to_cam: bool,
}

/// Registers a deal for the caller's reseller: an end customer of its own (or a new one),
/// catalogue families, an estimated MSRP of at least the minimum, a close date not passed, one
/// of its distributors; refused while another approved registration of the same end customer
/// and family is valid. The CAM is told.
pub async fn register(ctx: &Ctx, input: NewRegistration) -> Result<Registered, Error> {
    let reseller = match (ctx.org, ctx.role) {
        (Some(org), Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser)) => org,
        _ => {
            ctx.require(false, "register deals").await?;
            return Err(Error::Forbidden);
        }
    };
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let customers = store::end_customers(pool, ctx.scope, reseller).await?;
    let choice = check_end_customer(&customers, &input.end_customer, &mut errors);
    let snapshot = catalogue::unpriced(pool).await?;
    let known = snapshot.families();
    let families: Vec<String> = input
        .families
        .iter()
        .filter(|f| known.iter().any(|(c, _)| c == *f))
        .cloned()
        .collect();
    if families.is_empty() {
        errors.add("families", "Choose at least one product family.");
    }
    let distributor = supplier_chosen(
        ctx,
        reseller,
        &input.distributor,
        &mut errors,
        "Choose the distributor that will quote this deal.",
    )
    .await?;
    // The estimate is in the chosen distributor's currency; before one is chosen, it must
    // reach the minimum in one of the suppliers' currencies.
    let currencies: Vec<String> = match &distributor {
        Some(d) => vec![d.currency.clone()],
        None => orgs::currencies_of(&orgs::suppliers(pool, reseller).await?),
    };
    let settings = store::settings(pool).await?;
    let estimated = match Cents::parse(&input.estimated_msrp) {
        Ok(v) if !currencies.is_empty() && currencies.iter().all(|c| v < settings.minimum(c)) => {
            errors.add(
                "estimated_msrp",
                format!(
                    "A deal registration needs an estimated MSRP value of at least {}.",
                    settings.minimums_in(&currencies)
                ),
            );
            None
        }
        Ok(v) => Some(v),
        Err(e) => {
            errors.add("estimated_msrp", e.to_string());
            None
        }
    };
    let close = match NaiveDate::parse_from_str(input.expected_close.trim(), "%Y-%m-%d") {
        Err(_) => {
            errors.add(
                "expected_close",
                "Enter the expected close date as YYYY-MM-DD.",
            );
            None
        }
        Ok(d) if d < ctx.today => {
            errors.add("expected_close", "The expected close date has passed.");
            None
        }
        Ok(d) => Some(d),
    };
    if input.notes.trim().chars().count() > MAX_NOTES {
        errors.add("notes", format!("Use at most {MAX_NOTES} characters."));
    }
    let (Some(choice), Some(estimated), Some(close), Some(distributor), true) =
        (choice, estimated, close, distributor, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = pool.begin().await?;
    let end_customer = resolve_end_customer(&mut tx, reseller, &choice, ctx.now).await?;
    let conflicts = store::open_conflicts(&mut tx, end_customer, &families, ctx.today).await?;
    if !conflicts.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add(
            "families",
            format!(
                "This end customer already has a deal registration for this product that is approved or waiting for a decision ({}); a second one is not accepted while it stands.",
                conflicts.join(", ")
            ),
        );
        for reference in &conflicts {
            if let Some(other) = store::id_of(pool, ctx.scope, reference).await? {
                errors.link(
                    "families",
                    format!("See {reference}"),
                    format!("/deals/{other}"),
                );
            }
        }
        return Err(Error::Invalid(errors));
    }
    let new = store::NewDeal {
        reseller,
        end_customer,
        distributor: distributor.id,
        estimated_msrp: estimated,
        currency: &distributor.currency,
        expected_close: close,
        notes: input.notes.trim(),
        families: &families,
        by: user,
    };
    let (id, reference) = store::insert(&mut tx, &new, ctx.today.year(), ctx.now).await?;
    let customer = crate::db::deals::end_customer_name(&mut tx, end_customer).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "deal_registration_submitted",
        &format!("{reference} for {customer}"),
        &families.join(","),
        ctx.now,
    )
    .await?;
    // The reseller's channel account manager decides: tell them; the vendor admins when the
    // reseller has no active CAM (PRODUCT.md section 2).
    let org = orgs::get(pool, reseller).await?.ok_or(Error::NotFound)?;
    let (deciders, to_cam) = super::deciders_for(pool, &org).await?;
    let notice = notices::deal_submitted(
        &notices::DealSubmitted {
            id,
            reference: &reference,
            reseller: &org.name,
            families: &families,
            end_customer: &choice.name(&customers),
            estimated,
            currency: &distributor.currency,
        },
        &ctx.public_url,
    );
    for person in &deciders {
        queue_for(
            &mut tx,
            person,
            ContactRole::DealRegistration,
            &format!("deal:{id}:submitted"),
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Registered {
        id,
        reference,
        to_cam,
    })
}

/// Whether the caller decides on this registration: the vendor admins, and its CAM.
pub fn may_decide(ctx: &Ctx, deal: &Deal) -> bool {
    match ctx.role {
        Some(AccessRole::VendorAdmin) => true,
        Some(AccessRole::ChannelManager) => ctx.user.is_some() && deal.cam_user_id == ctx.user,
        _ => false,
    }
}

/// A registration in the caller's scope.
pub async fn load(ctx: &Ctx, id: DealId) -> Result<Deal, Error> {
    store::get(&ctx.db.pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)
}

/// The longest reason for a decision.
pub const MAX_REASON: usize = 1_000;

/// A decision as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub reason: String,
    /// For an approval: the family codes approved (the others are rejected); empty approves
    /// every family.
    pub families: Vec<String>,
}

/// What a decision will do, checked and not yet done: the confirmation page shows it, and
/// [`decide`] carries it out.
#[derive(Debug, Clone)]
pub struct Plan {
    pub deal: Deal,
    pub event: DealEvent,
    pub next: DealStatus,
    /// "approved", "rejected", "extended".
    pub what: &'static str,
    pub reason: Option<String>,
    /// The validity the decision gives.
    pub valid: Option<(NaiveDate, NaiveDate)>,
    /// For an approval: the families approved and (by name) those rejected.
    pub approved: Vec<String>,
    pub approved_names: Vec<String>,
    pub rejected_names: Vec<String>,
    /// For an extension: which one this is, and how many are allowed.
    pub extension: Option<(i64, u32)>,
    /// What will happen, in sentences, for the confirmation page.
    pub consequences: Vec<String>,
}

/// Registrations that overlap `deal` (same end customer and product family) and stand:
/// waiting for a decision, or approved and valid on `today`. The CAM's queue flags them.
pub async fn overlaps(ctx: &Ctx, deal: &Deal) -> Result<Vec<String>, Error> {
    let mut conn = ctx.db.pool.acquire().await?;
    let mut found =
        store::open_conflicts(&mut conn, deal.end_customer_id, &deal.families, ctx.today).await?;
    found.retain(|r| *r != deal.reference);
    Ok(found)
}

/// The first day `deal` may be extended under `settings`.
pub fn extensible_from(deal: &Deal, settings: &store::Settings) -> Option<NaiveDate> {
    let until = deal.valid_until?;
    until.checked_sub_days(chrono::Days::new(
        u64::from(settings.extension_window_days.max(1)) - 1,
    ))
}

/// Checks a decision on a registration (who may, its state, the reason, the families, the
/// extension rules, conflicts) without doing it.
pub async fn plan(
    ctx: &Ctx,
    id: DealId,
    event: DealEvent,
    input: &DecisionInput,
) -> Result<Plan, Error> {
    let deal = load(ctx, id).await?;
    ctx.require(may_decide(ctx, &deal), "decide on deal registrations")
        .await?;
    let today = ctx.today;
    let next = deal.status_on(today).next(event)?;
    let reason = input.reason.trim();
    let mut errors = FieldErrors::default();
    if reason.chars().count() > MAX_REASON {
        errors.add("reason", format!("Use at most {MAX_REASON} characters."));
    }
    let approved: Vec<String> = if event == DealEvent::Approve && !input.families.is_empty() {
        deal.families
            .iter()
            .filter(|f| input.families.contains(f))
            .cloned()
            .collect()
    } else {
        deal.families.clone()
    };
    let (approved_names, rejected_names): (Vec<String>, Vec<String>) = {
        let (yes, no): (Vec<_>, Vec<_>) = deal
            .families
            .iter()
            .zip(&deal.family_names)
            .partition(|(f, _)| approved.contains(f));
        let names =
            |pairs: Vec<(&String, &String)>| pairs.into_iter().map(|(_, n)| n.clone()).collect();
        (names(yes), names(no))
    };
    if event == DealEvent::Approve {
        if approved.is_empty() {
            errors.add(
                "families",
                "Tick at least one product to approve; to approve none, reject the registration.",
            );
        } else if !rejected_names.is_empty() && reason.is_empty() {
            errors.add(
                "reason",
                format!(
                    "Give the reseller the reason why {} is not approved.",
                    rejected_names.join(" and ")
                ),
            );
        }
    }
    if event == DealEvent::Reject && reason.is_empty() {
        errors.add("reason", "Give the reseller the reason for the rejection.");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let settings = store::settings(&ctx.db.pool).await?;
    let mut consequences = Vec::new();
    let mut extension = None;
    let valid = match event {
        DealEvent::Approve => {
            let mut conn = ctx.db.pool.acquire().await?;
            let conflicts = store::approved_conflicts(
                &mut conn,
                deal.end_customer_id,
                &approved,
                today,
                Some(deal.id),
            )
            .await?;
            if !conflicts.is_empty() {
                return Err(Error::Conflict(format!(
                    "{} cannot be approved: {} is approved for this end customer and product and still valid. Reject this one as a conflict.",
                    deal.reference,
                    conflicts.join(", ")
                )));
            }
            let valid = (today, valid_until(today, settings.validity_days));
            consequences.push(format!(
                "Quotes for {} get the deal registration discount on {} from {} until {}.",
                deal.end_customer_name,
                approved_names.join(", "),
                valid.0,
                valid.1
            ));
            if !rejected_names.is_empty() {
                consequences.push(format!(
                    "{} is rejected, with your reason.",
                    rejected_names.join(" and ")
                ));
            }
            Some(valid)
        }
        DealEvent::Extend => {
            let (Some(until), Some(from_day)) =
                (deal.valid_until, extensible_from(&deal, &settings))
            else {
                return Err(Error::Conflict(format!(
                    "{} has no validity to extend.",
                    deal.reference
                )));
            };
            if deal.extensions >= i64::from(settings.max_extensions) {
                return Err(Error::Conflict(format!(
                    "{} was extended {} already; the limit is {}. It stays valid until {until}.",
                    deal.reference,
                    counted(
                        usize::try_from(deal.extensions).unwrap_or(0),
                        "time",
                        "times"
                    ),
                    counted(
                        usize::try_from(settings.max_extensions).unwrap_or(0),
                        "extension",
                        "extensions"
                    ),
                )));
            }
            if today < from_day {
                return Err(Error::Conflict(format!(
                    "{} can be extended from {from_day}: only within the last {} of its validity, which ends on {until}.",
                    deal.reference,
                    crate::domain::paging::counted(settings.extension_window_days, "day", "days")
                )));
            }
            let from = until.max(today);
            let new_until = valid_until(from, settings.validity_days + 1);
            extension = Some((deal.extensions + 1, settings.max_extensions));
            consequences.push(format!(
                "{} stays valid until {new_until} instead of {until}: extension {} of at most {}.",
                deal.reference,
                deal.extensions + 1,
                settings.max_extensions
            ));
            Some((deal.valid_from.unwrap_or(today), new_until))
        }
        _ => {
            consequences.push(format!(
                "{} gets no deal registration discount for {}.",
                deal.end_customer_name,
                deal.family_names.join(", ")
            ));
            None
        }
    };
    consequences.push(format!(
        "{}'s deal registration contacts and the person who submitted it are told by e-mail.",
        deal.reseller_name
    ));
    let what = match event {
        DealEvent::Approve => "approved",
        DealEvent::Reject => "rejected",
        DealEvent::Extend => "extended",
        DealEvent::Lapse => "expired",
    };
    Ok(Plan {
        event,
        next,
        what,
        reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
        valid,
        approved,
        approved_names,
        rejected_names,
        extension,
        consequences,
        deal,
    })
}

/// Approves (all or some of its families), rejects (with a reason) or extends a
/// registration, records it in its history and the audit log, and tells the reseller's deal
/// registration role and the submitter. Returns the plan carried out.
pub async fn decide(
    ctx: &Ctx,
    id: DealId,
    event: DealEvent,
    input: &DecisionInput,
) -> Result<Plan, Error> {
    let plan = plan(ctx, id, event, input).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let deal = &plan.deal;
    let mut tx = ctx.db.pool.begin().await?;
    let done = match (event, plan.valid) {
        (DealEvent::Extend, Some((_, until))) => {
            store::extend(&mut tx, deal.id, user, ctx.now, until, deal.extensions).await?
        }
        _ => {
            store::decide(
                &mut tx,
                deal.id,
                deal.status,
                plan.next,
                user,
                ctx.now,
                plan.reason.as_deref(),
                plan.valid,
            )
            .await?
        }
    };
    if !done {
        return Err(Error::Conflict(format!(
            "{} was decided by someone else meanwhile; reload the page.",
            deal.reference
        )));
    }
    if event == DealEvent::Approve {
        store::set_family_decisions(&mut tx, deal.id, &plan.approved).await?;
    }
    let summary = history_line(&plan);
    store::add_event(&mut tx, deal.id, Some(user), &summary, ctx.now).await?;
    let action = match (event, plan.rejected_names.is_empty()) {
        (DealEvent::Approve, true) => "deal_registration_approved",
        (DealEvent::Approve, false) => "deal_registration_approved_in_part",
        (DealEvent::Extend, _) => "deal_registration_extended",
        _ => "deal_registration_rejected",
    };
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        action,
        &format!("{} for {}", deal.reference, deal.end_customer_name),
        &summary,
        ctx.now,
    )
    .await?;
    let told = Deal {
        families: plan.approved.clone(),
        family_names: plan.approved_names.clone(),
        ..deal.clone()
    };
    let notice = notices::deal_decided(
        &told,
        plan.what,
        plan.valid,
        plan.reason.as_deref(),
        &plan.rejected_names,
        &ctx.public_url,
    );
    let event_key = format!(
        "deal:{}:{}:{}",
        deal.id,
        plan.what,
        plan.valid.map(|v| v.1.to_string()).unwrap_or_default()
    );
    notify_role(
        &mut tx,
        deal.reseller_id,
        ContactRole::DealRegistration,
        &event_key,
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    // And whoever submitted it (once: the same event to the same address is queued once).
    if let Some(person) = store::submitter(&mut tx, deal.id).await? {
        queue_for(
            &mut tx,
            &person,
            ContactRole::DealRegistration,
            &event_key,
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(plan)
}

/// The line a decision adds to the registration's history.
fn history_line(plan: &Plan) -> String {
    let reason = plan.reason.as_deref().unwrap_or("");
    match (plan.event, plan.valid) {
        (DealEvent::Approve, Some((from, until))) if plan.rejected_names.is_empty() => {
            format!("Approved, valid {from} to {until}")
        }
        (DealEvent::Approve, Some((from, until))) => format!(
            "Approved for {}, valid {from} to {until}; rejected for {}: {reason}",
            plan.approved_names.join(", "),
            plan.rejected_names.join(", ")
        ),
        (DealEvent::Extend, Some((_, until))) => {
            let (n, of) = plan.extension.unwrap_or((1, 1));
            format!("Extended until {until} (extension {n} of at most {of})")
        }
        _ => format!("Rejected: {reason}"),
    }
}
