//! Deal registrations: a reseller registers an opportunity; its channel account manager
//! approves (valid 90 days, extendable) or rejects it with a reason. Only one approved
//! registration per end customer and family at a time.

use crate::clock::format_timestamp;
use crate::db::deals::{self, Deal};
use crate::db::{audit, catalogue, orgs};
use crate::domain::contact::{ContactRole, Person};
use crate::domain::status::{valid_until, DealEvent, DealStatus};
use crate::domain::{AccessRole, Cents, Email, OrgId, OrgKind};
use crate::mail::notify::{notify_role, queue_for, Notice};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

fn may_decide(user: &CurrentUser, deal: &Deal) -> bool {
    user.role.is_vendor_admin()
        || (user.role == AccessRole::ChannelManager && deal.cam_user_id == Some(user.id))
}

impl Deal {
    pub fn submitted(&self) -> String {
        format_timestamp(self.submitted_at)
    }
    pub fn families_label(&self) -> String {
        self.families.join(", ")
    }
    pub fn validity(&self) -> String {
        match (self.valid_from, self.valid_until) {
            (Some(f), Some(u)) => format!("{f} to {u}"),
            _ => "—".into(),
        }
    }
}

pub struct Row {
    pub deal: Deal,
    pub status: DealStatus,
}

#[derive(Template)]
#[template(path = "pages/deals/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub total: i64,
    pub status: String,
    pub can_register: bool,
    pub is_cam: bool,
}

/// `?status=...&page=...` of a list filtered by status (deal registrations, leads).
#[derive(Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub page: Option<i64>,
}

pub async fn list(
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let is_cam = user.role == AccessRole::ChannelManager;
    // A channel account manager's queue opens on what waits for a decision.
    let status = match query.status.as_deref() {
        Some(s) => DealStatus::parse(s),
        None if is_cam => Some(DealStatus::Submitted),
        None => None,
    };
    let list = deals::list(
        &user.state.db.pool,
        user.scope(),
        status,
        query.page.unwrap_or(1),
    )
    .await?;
    let today = user.state.clock.today();
    let rows = list
        .items
        .into_iter()
        .map(|d| Row {
            status: d.status_on(today),
            deal: d,
        })
        .collect();
    let page = ListPage {
        chrome: Chrome::new(&user, "/deals", "Deal registrations")?,
        rows,
        total: list.total,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        can_register: user.org_kind == OrgKind::Reseller,
        is_cam,
    };
    render::page(&page)
}

#[derive(Template)]
#[template(path = "pages/deals/new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    pub form: DealForm,
    pub customers: Vec<(i64, String)>,
    pub families: Vec<(String, String)>,
    pub distributors: Vec<(OrgId, String)>,
    pub minimum: String,
    pub minimum_hint: String,
    pub errors: FieldErrors,
}

impl NewPage {
    pub fn family_checked(&self, code: &str) -> bool {
        self.form.families.iter().any(|f| f == code)
    }
    pub fn customer_selected(&self, id: &i64) -> bool {
        self.form.end_customer == id.to_string()
    }
    pub fn distributor_selected(&self, id: &OrgId) -> bool {
        self.form.distributor == id.0.to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    pub end_customer: String,
    #[serde(default)]
    pub new_customer_name: String,
    #[serde(default)]
    pub new_customer_contact: String,
    #[serde(default)]
    pub new_customer_email: String,
    #[serde(default)]
    pub families: Vec<String>,
    #[serde(default)]
    pub estimated_msrp: String,
    #[serde(default)]
    pub expected_close: String,
    #[serde(default)]
    pub distributor: String,
    #[serde(default)]
    pub notes: String,
}

async fn require_reseller(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.org_kind == OrgKind::Reseller, "register deals")
        .await
}

async fn new_page(
    user: &CurrentUser,
    form: DealForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let pool = &user.state.db.pool;
    let snapshot = catalogue::snapshot(pool, catalogue::DEFAULT_CURRENCY).await?;
    let families = snapshot.families();
    let suppliers = orgs::distributor_ids_of(pool, user.org_id).await?;
    let distributors = orgs::distributors(pool)
        .await?
        .into_iter()
        .filter(|(id, _)| suppliers.contains(id))
        .collect();
    let (minimum, _) = deals::settings(pool).await?;
    Ok(NewPage {
        chrome: Chrome::new(user, "/deals", "Register a deal")?,
        form,
        customers: deals::end_customers(pool, user.org_id).await?,
        families,
        distributors,
        minimum: minimum.with_currency(catalogue::DEFAULT_CURRENCY),
        minimum_hint: format!(
            "At least {}.",
            minimum.with_currency(catalogue::DEFAULT_CURRENCY)
        ),
        errors,
    })
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    render::page(&new_page(&user, DealForm::default(), FieldErrors::default()).await?)
}

pub async fn create(user: CurrentUser, form: CsrfForm<DealForm>) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let today = user.state.clock.today();
    let page = new_page(&user, DealForm::default(), FieldErrors::default()).await?;
    let mut errors = FieldErrors::default();

    let choice = check_end_customer(
        &page.customers,
        &form.end_customer,
        &form.new_customer_name,
        &form.new_customer_contact,
        &form.new_customer_email,
        &mut errors,
    );
    let families: Vec<String> = form
        .families
        .iter()
        .filter(|f| page.families.iter().any(|(c, _)| c == *f))
        .cloned()
        .collect();
    if families.is_empty() {
        errors.add("families", "Choose at least one product family.");
    }
    let (minimum, _) = deals::settings(pool).await?;
    match Cents::parse(&form.estimated_msrp) {
        Ok(v) if v < minimum => errors.add(
            "estimated_msrp",
            format!(
                "A deal registration needs an estimated MSRP value of at least {}.",
                page.minimum
            ),
        ),
        Ok(_) => {}
        Err(e) => errors.add("estimated_msrp", e.to_string()),
    }
    let close = NaiveDate::parse_from_str(form.expected_close.trim(), "%Y-%m-%d").ok();
    match close {
        None => errors.add(
            "expected_close",
            "Enter the expected close date as YYYY-MM-DD.",
        ),
        Some(d) if d < today => errors.add("expected_close", "The expected close date has passed."),
        Some(_) => {}
    }
    let distributor = form
        .distributor
        .parse::<i64>()
        .ok()
        .map(OrgId)
        .filter(|id| page.distributors.iter().any(|(d, _)| d == id));
    if distributor.is_none() {
        errors.add(
            "distributor",
            "Choose the distributor that will quote this deal.",
        );
    }
    let (Some(close), Some(distributor), Ok(estimated), true) = (
        close,
        distributor,
        Cents::parse(&form.estimated_msrp),
        errors.is_empty(),
    ) else {
        return render::invalid(&new_page(&user, form, errors).await?);
    };

    let now = user.now();
    let mut tx = pool.begin().await?;
    let Some(choice) = choice else {
        return Err(AppError::BadRequest("The end customer is missing.".into()));
    };
    let end_customer = resolve_end_customer(&mut tx, user.org_id, &choice, now).await?;
    let conflicts = deals::approved_conflicts(&mut tx, end_customer, &families, today, 0).await?;
    if !conflicts.is_empty() {
        errors.add(
            "families",
            format!(
                "This end customer already has an approved deal registration for this product ({}); a second one is not accepted while it is valid.",
                conflicts.join(", ")
            ),
        );
        return render::invalid(&new_page(&user, form, errors).await?);
    }
    let new = deals::NewDeal {
        reseller: user.org_id,
        end_customer,
        distributor,
        estimated_msrp: estimated,
        expected_close: close,
        notes: form.notes.trim(),
        families: &families,
        by: user.id,
    };
    let (id, reference) = deals::insert(&mut tx, &new, today.year(), now).await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        "deal_registration_submitted",
        &reference,
        &families.join(","),
        now,
    )
    .await?;
    // The reseller's channel account manager decides: tell them.
    let org = orgs::get(pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(cam) = org.cam_user_id {
        let cam_user = crate::db::users::get_with_org(pool, cam).await?;
        if let Some(cam_user) = cam_user.filter(|c| !c.user.disabled) {
            let person = Person {
                user_id: cam.0,
                name: cam_user.user.display_name,
                email: cam_user.user.email,
            };
            let link = format!("{}/deals/{id}", user.state.settings.public_url());
            let notice = Notice {
                kind: "deal_registration_submitted".into(),
                subject: format!(
                    "Deal registration {reference} from {} waits for your decision",
                    org.name
                ),
                heading: format!("Deal registration {reference}"),
                paragraphs: vec![format!(
                    "{} registered a deal for {} ({}), estimated MSRP {}.",
                    org.name,
                    families.join(", "),
                    choice.name(&page.customers),
                    estimated.with_currency(catalogue::DEFAULT_CURRENCY)
                )],
                action: Some(("Approve or reject it".into(), link)),
            };
            let event = format!("deal:{id}:submitted");
            queue_for(
                &mut tx,
                &person,
                ContactRole::DealRegistration,
                &event,
                &notice,
                &user.state.settings.public_url(),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    user.session.flash(
        "success",
        format!("Deal registration {reference} is submitted to your channel account manager."),
    )?;
    Ok(render::see_other(&format!("/deals/{id}")))
}

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

/// Checks the end-customer part of a form (the `end_customer` select, or the three
/// `new_customer_*` fields), with messages next to the fields.
pub fn check_end_customer(
    customers: &[(i64, String)],
    selected: &str,
    new_name: &str,
    new_contact: &str,
    new_email: &str,
    errors: &mut FieldErrors,
) -> Option<EndCustomerChoice> {
    let existing = selected
        .parse::<i64>()
        .ok()
        .filter(|id| customers.iter().any(|(c, _)| c == id));
    let name = new_name.trim();
    match (existing, name.is_empty()) {
        (Some(id), true) => Some(EndCustomerChoice::Existing(id)),
        (None, false) => {
            let contact = required_text(
                errors,
                "new_customer_contact",
                new_contact,
                "the customer's license contact",
                100,
            );
            let email = Email::parse(new_email)
                .map_err(|e| errors.add("new_customer_email", e.to_string()))
                .ok();
            if customers.iter().any(|(_, n)| n.eq_ignore_ascii_case(name)) {
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

/// The id of the chosen end customer, creating a new one in the caller's transaction.
pub async fn resolve_end_customer(
    conn: &mut sqlx::AnyConnection,
    reseller: OrgId,
    choice: &EndCustomerChoice,
    now: i64,
) -> Result<i64, AppError> {
    Ok(match choice {
        EndCustomerChoice::Existing(id) => *id,
        EndCustomerChoice::New {
            name,
            contact,
            email,
        } => deals::insert_end_customer(conn, reseller, name, contact, email.as_str(), now).await?,
    })
}

#[derive(Template)]
#[template(path = "pages/deals/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub deal: Deal,
    pub status: DealStatus,
    pub can_decide: bool,
    pub errors: FieldErrors,
}

async fn load(user: &CurrentUser, id: i64) -> Result<Deal, AppError> {
    deals::get(&user.state.db.pool, user.scope(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_page(
    user: &CurrentUser,
    deal: Deal,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let status = deal.status_on(user.state.clock.today());
    Ok(ShowPage {
        chrome: Chrome::new(user, "/deals", deal.reference.clone())?,
        can_decide: may_decide(user, &deal),
        status,
        deal,
        errors,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let deal = load(&user, *path).await?;
    render::page(&show_page(&user, deal, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    user: CurrentUser,
    id: i64,
    event: DealEvent,
    reason: String,
) -> Result<HttpResponse, AppError> {
    let deal = load(&user, id).await?;
    user.require(may_decide(&user, &deal), "decide on deal registrations")
        .await?;
    let today = user.state.clock.today();
    let current = deal.status_on(today);
    let next = current
        .next(event)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    if event == DealEvent::Reject && reason.trim().is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("reason", "Give the reseller the reason for the rejection.");
        return render::invalid(&show_page(&user, deal, errors).await?);
    }
    let pool = &user.state.db.pool;
    let (_, days) = deals::settings(pool).await?;
    let mut tx = pool.begin().await?;
    let valid = match event {
        DealEvent::Approve => {
            let conflicts = deals::approved_conflicts(
                &mut tx,
                deal.end_customer_id,
                &deal.families,
                today,
                deal.id,
            )
            .await?;
            if !conflicts.is_empty() {
                return Err(AppError::Conflict(format!(
                    "{} cannot be approved: {} is approved for this end customer and product and still valid. Reject this one as a conflict.",
                    deal.reference,
                    conflicts.join(", ")
                )));
            }
            Some((today, valid_until(today, days)))
        }
        // Extending: another full validity from today, or from the current end if later.
        DealEvent::Extend => {
            let from = deal.valid_until.map(|u| u.max(today)).unwrap_or(today);
            Some((
                deal.valid_from.unwrap_or(today),
                valid_until(from, days + 1),
            ))
        }
        _ => None,
    };
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    if !deals::decide(
        &mut tx,
        deal.id,
        deal.status,
        next,
        user.id,
        user.now(),
        reason,
        valid,
    )
    .await?
    {
        return Err(AppError::Conflict(format!(
            "{} was decided by someone else meanwhile; reload the page.",
            deal.reference
        )));
    }
    let what = match event {
        DealEvent::Approve => "approved",
        DealEvent::Reject => "rejected",
        DealEvent::Extend => "extended",
        DealEvent::Lapse => "expired",
    };
    let detail = match valid {
        Some((f, u)) => format!("{what}; valid {f} to {u}"),
        None => format!("{what}; {}", reason.unwrap_or("")),
    };
    audit::record(
        &mut *tx,
        &user.actor(),
        "deal_registration_decided",
        &deal.reference,
        &detail,
        user.now(),
    )
    .await?;
    let mut paragraphs = vec![format!(
        "Your deal registration {} for {} ({}) is {what}.",
        deal.reference,
        deal.end_customer_name,
        deal.families_label()
    )];
    if let Some((_, u)) = valid {
        paragraphs.push(format!("It is valid until {u}; quotes for this end customer and product get the deal registration discount until then."));
    }
    if let Some(r) = reason {
        paragraphs.push(format!("Reason: {r}"));
    }
    let notice = Notice {
        kind: "deal_registration_status".into(),
        subject: format!("Deal registration {} {what}", deal.reference),
        heading: format!("Deal registration {} {what}", deal.reference),
        paragraphs,
        action: Some((
            "See the registration".into(),
            format!("{}/deals/{}", user.state.settings.public_url(), deal.id),
        )),
    };
    let event_key = format!(
        "deal:{}:{what}:{}",
        deal.id,
        valid.map(|v| v.1.to_string()).unwrap_or_default()
    );
    notify_role(
        &mut tx,
        deal.reseller_id,
        ContactRole::DealRegistration,
        &event_key,
        &notice,
        &user.state.settings.public_url(),
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!(
            "{} is {what}; the reseller is told by e-mail.",
            deal.reference
        ),
    )?;
    Ok(render::see_other(&format!("/deals/{}", deal.id)))
}

pub async fn approve(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Approve, form.0.reason).await
}

pub async fn reject(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Reject, form.0.reason).await
}

pub async fn extend(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Extend, form.0.reason).await
}
