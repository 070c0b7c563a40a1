//! Partner leads (PRODUCT.md section 6): the vendor admin or a channel account manager assigns
//! a lead to a reseller (its `new_leads` role is told), resellers add their own, and every
//! update is activity. A lead without activity for 90 days expires and becomes read-only; the
//! sweep records that and reminds the reseller 14 days before. Distributors are not part of
//! a reseller's lead pipeline and get 403.

use crate::clock::format_timestamp;
use crate::db::audit;
use crate::db::leads::{self, Lead};
use crate::domain::contact::ContactRole;
use crate::domain::lead::LeadStatus;
use crate::domain::{AccessRole, Email, OrgId, OrgKind};
use crate::mail::notify::{notify_role, Notice};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::{required_text, FieldErrors};
use crate::web::handlers::deals::ListQuery;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

const NOTES_MAX: usize = 4000;
const PER_PAGE: i64 = crate::domain::paging::PER_PAGE;
const NEXT_STEP_MAX: usize = 300;

fn assigns(user: &CurrentUser) -> bool {
    user.role.is_vendor_admin() || user.role == AccessRole::ChannelManager
}

async fn require_lead_reader(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.org_kind != OrgKind::Distributor, "see partner leads")
        .await
}

impl Lead {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn source_label(&self) -> &'static str {
        if self.source == "vendor" {
            "Assigned by the vendor"
        } else {
            "Partner-generated"
        }
    }
}

pub struct Row {
    pub lead: Lead,
    pub status: LeadStatus,
}

#[derive(Template)]
#[template(path = "pages/leads/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub results: Results,
}

/// The list alone, for htmx (the filter swaps it in place).
#[derive(Template)]
#[template(path = "partials/lead_results.html")]
pub struct ResultsFragment {
    pub results: Results,
}

pub struct Results {
    pub rows: Vec<Row>,
    pub page: i64,
    pub has_next: bool,
    pub status: String,
    pub can_create: bool,
    pub assigns: bool,
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    require_lead_reader(&user).await?;
    let status = query.status.as_deref().and_then(LeadStatus::parse);
    let today = user.state.clock.today();
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let mut items = leads::list(
        &user.state.db.pool,
        user.scope(),
        status,
        today,
        PER_PAGE + 1,
        (page - 1) * PER_PAGE,
    )
    .await?;
    let has_next = items.len() as i64 > PER_PAGE;
    items.truncate(PER_PAGE as usize);
    let results = Results {
        page,
        has_next,
        rows: items
            .into_iter()
            .map(|l| Row {
                status: l.status_on(today),
                lead: l,
            })
            .collect(),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        can_create: user.org_kind == OrgKind::Reseller,
        assigns: assigns(&user),
    };
    if htmx.wants_fragment() {
        return render::page(&ResultsFragment { results });
    }
    let heading = match user.role {
        AccessRole::VendorAdmin => "Leads of all resellers",
        AccessRole::ChannelManager => "Leads of your resellers",
        _ => "Your leads",
    };
    render::page(&ListPage {
        chrome: Chrome::new(&user, "/leads", "Leads")?,
        heading,
        results,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewLeadForm {
    #[serde(default)]
    pub reseller: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub interest: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub next_step: String,
}

#[derive(Template)]
#[template(path = "pages/leads/new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    pub form: NewLeadForm,
    /// For the vendor admin and channel account managers: whom they may assign to.
    pub resellers: Vec<(OrgId, String)>,
    pub assigns: bool,
    pub errors: FieldErrors,
}

impl NewPage {
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.form.reseller == id.0.to_string()
    }
}

async fn require_creator(user: &CurrentUser) -> Result<(), AppError> {
    user.require(
        user.org_kind == OrgKind::Reseller || assigns(user),
        "create or assign leads",
    )
    .await
}

async fn new_page(
    user: &CurrentUser,
    form: NewLeadForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let assigns = assigns(user);
    let resellers = if assigns {
        leads::assignable_resellers(&user.state.db.pool, user.scope()).await?
    } else {
        Vec::new()
    };
    let title = if assigns {
        "Assign a lead"
    } else {
        "Add a lead"
    };
    Ok(NewPage {
        chrome: Chrome::new(user, "/leads", title)?,
        form,
        resellers,
        assigns,
        errors,
    })
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_creator(&user).await?;
    render::page(&new_page(&user, NewLeadForm::default(), FieldErrors::default()).await?)
}

pub async fn create(
    user: CurrentUser,
    form: CsrfForm<NewLeadForm>,
) -> Result<HttpResponse, AppError> {
    require_creator(&user).await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let mut errors = FieldErrors::default();
    let page = new_page(&user, NewLeadForm::default(), FieldErrors::default()).await?;
    let reseller = if page.assigns {
        let chosen = form
            .reseller
            .parse::<i64>()
            .ok()
            .map(OrgId)
            .filter(|id| page.resellers.iter().any(|(r, _)| r == id));
        if chosen.is_none() {
            errors.add("reseller", "Choose the reseller that gets this lead.");
        }
        chosen
    } else {
        Some(user.org_id)
    };
    let company = required_text(&mut errors, "company", &form.company, "the company", 200);
    let contact_name = required_text(
        &mut errors,
        "contact_name",
        &form.contact_name,
        "the contact's name",
        100,
    );
    let email = Email::parse(&form.contact_email)
        .map_err(|e| errors.add("contact_email", e.to_string()))
        .ok();
    check_length(&mut errors, "interest", &form.interest, 200);
    check_length(&mut errors, "notes", &form.notes, NOTES_MAX);
    check_length(&mut errors, "next_step", &form.next_step, NEXT_STEP_MAX);
    let (Some(reseller), Some(email), true) = (reseller, email, errors.is_empty()) else {
        return render::invalid(&new_page(&user, form, errors).await?);
    };
    let today = user.state.clock.today();
    let now = user.now();
    let source = if page.assigns { "vendor" } else { "partner" };
    let mut tx = pool.begin().await?;
    let id = leads::insert(
        &mut tx,
        &leads::NewLead {
            reseller,
            company: &company,
            contact_name: &contact_name,
            contact_email: email.as_str(),
            interest: form.interest.trim(),
            source,
            notes: form.notes.trim(),
            next_step: form.next_step.trim(),
            by: user.id,
        },
        today,
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        if page.assigns {
            "lead_assigned"
        } else {
            "lead_created"
        },
        &format!("lead {id}"),
        &company,
        now,
    )
    .await?;
    let reseller_name = page
        .resellers
        .iter()
        .find(|(r, _)| *r == reseller)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    let mut told = 0;
    if page.assigns {
        let public_url = user.state.settings.public_url();
        let mut paragraphs = vec![format!(
            "{} assigned you a lead: {company}, contact {contact_name} <{}>.",
            user.name,
            email.as_str()
        )];
        if !form.interest.trim().is_empty() {
            paragraphs.push(format!("Interested in: {}", form.interest.trim()));
        }
        paragraphs.push(
            "Record every contact on the lead: without activity for 90 days it expires.".into(),
        );
        let notice = Notice {
            kind: "lead_assigned".into(),
            subject: format!("New lead: {company}"),
            heading: format!("New lead: {company}"),
            paragraphs,
            action: Some(("Open the lead".into(), format!("{public_url}/leads/{id}"))),
        };
        told = notify_role(
            &mut tx,
            reseller,
            ContactRole::NewLeads,
            &format!("lead:{id}:assigned"),
            &notice,
            &public_url,
            now,
        )
        .await?
        .len();
    }
    tx.commit().await?;
    let message = if page.assigns {
        format!("The lead {company} is assigned to {reseller_name}; {told} people there are told by e-mail.")
    } else {
        format!("The lead {company} is added. It expires after 90 days without activity.")
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/leads/{id}")))
}

fn check_length(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.trim().chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub next_step: String,
}

#[derive(Template)]
#[template(path = "pages/leads/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub lead: Lead,
    pub status: LeadStatus,
    pub can_update: bool,
    pub form: UpdateForm,
    pub statuses: [LeadStatus; 5],
    pub history: Vec<(String, String, String)>,
    pub errors: FieldErrors,
}

async fn load(user: &CurrentUser, id: i64) -> Result<Lead, AppError> {
    require_lead_reader(user).await?;
    leads::get(&user.state.db.pool, user.scope(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_page(
    user: &CurrentUser,
    lead: Lead,
    form: Option<UpdateForm>,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let status = lead.status_on(user.state.clock.today());
    let history = leads::events(&user.state.db.pool, lead.id)
        .await?
        .into_iter()
        .map(|(at, who, what)| {
            (
                format_timestamp(at),
                who.unwrap_or_else(|| "The portal".into()),
                what,
            )
        })
        .collect();
    let form = form.unwrap_or_else(|| UpdateForm {
        status: status.as_str().into(),
        notes: lead.notes.clone(),
        next_step: lead.next_step.clone(),
    });
    Ok(ShowPage {
        chrome: Chrome::new(user, "/leads", lead.company.clone())?,
        can_update: user.org_kind == OrgKind::Reseller && !status.is_read_only(),
        status,
        lead,
        form,
        statuses: LeadStatus::CHOOSABLE,
        history,
        errors,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let lead = load(&user, *path).await?;
    render::page(&show_page(&user, lead, None, FieldErrors::default()).await?)
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let lead = load(&user, *path).await?;
    user.require(user.org_kind == OrgKind::Reseller, "update leads")
        .await?;
    let today = user.state.clock.today();
    if lead.status_on(today).is_read_only() {
        return Err(AppError::Conflict(format!(
            "The lead {} expired on {} after 90 days without activity; it is read-only.",
            lead.company,
            lead.expires_on()
        )));
    }
    let form = form.0;
    let mut errors = FieldErrors::default();
    let status = LeadStatus::parse(form.status.trim()).filter(|s| !s.is_read_only());
    if status.is_none() {
        errors.add("status", "Choose new, contacted, qualified, won or lost.");
    }
    check_length(&mut errors, "notes", &form.notes, NOTES_MAX);
    check_length(&mut errors, "next_step", &form.next_step, NEXT_STEP_MAX);
    let (Some(status), true) = (status, errors.is_empty()) else {
        return render::invalid(&show_page(&user, lead, Some(form), errors).await?);
    };
    let mut changes = Vec::new();
    if status != lead.stored_status {
        changes.push(format!("status {} → {}", lead.stored_status, status));
    }
    if form.notes.trim() != lead.notes {
        changes.push("notes".to_string());
    }
    if form.next_step.trim() != lead.next_step {
        changes.push(format!("next step: {}", form.next_step.trim()));
    }
    let summary = if changes.is_empty() {
        "Activity recorded".to_string()
    } else {
        format!("Updated {}", changes.join("; "))
    };
    let now = user.now();
    let mut tx = user.state.db.pool.begin().await?;
    if !leads::update(
        &mut tx,
        lead.id,
        status,
        form.notes.trim(),
        form.next_step.trim(),
        today,
    )
    .await?
    {
        return Err(AppError::Conflict(format!(
            "The lead {} has expired; it is read-only.",
            lead.company
        )));
    }
    leads::add_event(&mut tx, lead.id, Some(user.id), &summary, now).await?;
    tx.commit().await?;
    let message = if status.is_open() {
        format!(
            "The lead {} is updated; it now expires on {} unless there is more activity.",
            lead.company,
            crate::domain::lead::expires_on(today)
        )
    } else {
        format!("The lead {} is closed as {status}.", lead.company)
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/leads/{}", lead.id)))
}
