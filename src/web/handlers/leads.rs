//! Partner leads (PRODUCT.md section 6): the vendor admin or a channel account manager assigns
//! a lead to a reseller (its `new_leads` role is told), resellers add their own, and every
//! update is activity. A partner-generated lead without activity for more than 90 days (a
//! setting) expires and becomes read-only; the sweep records that and reminds the reseller 14
//! days before. A vendor-assigned lead idle that long is flagged for its CAM, who can reassign
//! it. Distributors are not part of a reseller's lead pipeline and get 403.

use crate::app;
use crate::clock::format_timestamp;
use crate::db::leads::{self, Lead};
use crate::domain::lead::{Inactivity, LeadSource, LeadStatus, Standing};
use crate::domain::LeadId;
use crate::domain::{AccessRole, OrgId, OrgKind};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

const PER_PAGE: usize = crate::domain::paging::PER_PAGE as usize;

/// `?status=...` and where the page starts.
#[derive(Deserialize)]
pub struct LeadListQuery {
    pub status: Option<String>,
    #[serde(flatten)]
    pub page: crate::domain::paging::CursorFields,
}

fn assigns(user: &CurrentUser) -> bool {
    app::leads::assigns(&user.ctx)
}

async fn require_lead_reader(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.org_kind != OrgKind::Distributor, "see partner leads")
        .await
}

pub struct Row {
    pub lead: Lead,
    pub standing: Standing,
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
    pub pager: crate::web::views::Pager,
    pub status: String,
    pub can_create: bool,
    pub assigns: bool,
    pub rule: Inactivity,
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<LeadListQuery>,
) -> Result<HttpResponse, AppError> {
    require_lead_reader(&user).await?;
    let filter = match query.status.as_deref() {
        Some("idle") => leads::Filter::Idle,
        Some(s) => LeadStatus::parse(s).map_or(leads::Filter::All, leads::Filter::Status),
        None => leads::Filter::All,
    };
    let today = user.state.clock.today();
    let rule = app::leads::inactivity(&user.ctx).await?;
    let cursor = query.page.cursor();
    let db = &user.state.db;
    let pool = &db.pool;
    let cutoff = rule.cutoff(today);
    let status = match filter {
        leads::Filter::All => String::new(),
        leads::Filter::Idle => "idle".into(),
        leads::Filter::Status(s) => s.as_str().into(),
    };
    let (window, pager) = crate::web::views::Pager::read(
        &user.state,
        format!("leads {:?} {filter:?} {cutoff}", user.scope()),
        leads::list(db, user.scope(), filter, cutoff, cursor, PER_PAGE),
        leads::count(pool, user.scope(), filter, cutoff),
        &format!("/leads?status={status}"),
        ("lead", "leads"),
    )
    .await?;
    let rows = window
        .items
        .into_iter()
        .map(|l| Row {
            standing: l.standing(today, rule),
            lead: l,
        })
        .collect();
    let results = Results {
        pager,
        rows,
        status,
        can_create: user.org_kind == OrgKind::Reseller,
        assigns: assigns(&user),
        rule,
    };
    if htmx.wants_fragment() {
        return render::page(&ResultsFragment { results });
    }
    render::page(&ListPage {
        chrome: Chrome::new(&user, "/leads", "Leads")?,
        heading: heading(user.role),
        results,
    })
}

/// Whose leads the list shows, in words.
fn heading(role: AccessRole) -> &'static str {
    match role {
        AccessRole::VendorAdmin => "Leads of all resellers",
        AccessRole::ChannelManager => "Leads of your resellers",
        _ => "Your leads",
    }
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
    let input = app::leads::NewLead {
        reseller: form.reseller.clone(),
        company: form.company.clone(),
        contact_name: form.contact_name.clone(),
        contact_email: form.contact_email.clone(),
        interest: form.interest.clone(),
        notes: form.notes.clone(),
        next_step: form.next_step.clone(),
    };
    let added = match app::leads::add(&user.ctx, input).await {
        Ok(added) => added,
        Err(app::Error::Invalid(errors)) => {
            return render::invalid(&new_page(&user, form, errors).await?)
        }
        Err(e) => return Err(e.into()),
    };
    let message = match &added.assigned {
        Some((reseller, told)) => format!(
            "The lead {} is assigned to {reseller}; {} there {} told by e-mail.",
            added.company,
            crate::domain::paging::counted(told, "person", "people"),
            if *told == 1 { "is" } else { "are" }
        ),
        None => format!(
            "The lead {} is added. It expires after more than {} without activity.",
            added.company,
            crate::domain::paging::counted(
                app::leads::inactivity(&user.ctx).await?.days,
                "day",
                "days"
            )
        ),
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/leads/{}", added.id)))
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub next_step: String,
    /// A note to add to the log.
    #[serde(default)]
    pub note: String,
}

/// One line of the lead's history as the page shows it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/leads/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub lead: Lead,
    pub status: LeadStatus,
    pub standing: Standing,
    pub rule: Inactivity,
    /// A reseller may change the status and next step and add notes.
    pub can_update: bool,
    /// The vendor admin and the reseller's CAM may add notes.
    pub can_note: bool,
    /// For the vendor admin and the CAM of a vendor-assigned open lead: the other resellers
    /// it may go to.
    pub reassign_to: Vec<(OrgId, String)>,
    pub form: UpdateForm,
    pub statuses: [LeadStatus; 5],
    pub history: Vec<HistoryLine>,
    pub errors: FieldErrors,
}

async fn load(user: &CurrentUser, id: LeadId) -> Result<Lead, AppError> {
    Ok(app::leads::load(&user.ctx, id).await?)
}

async fn show_page(
    user: &CurrentUser,
    lead: Lead,
    form: Option<UpdateForm>,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let rule = app::leads::inactivity(&user.ctx).await?;
    let standing = lead.standing(user.state.clock.today(), rule);
    let status = standing.status;
    let reassign_to =
        if assigns(user) && lead.source == LeadSource::Vendor && lead.stored_status.is_open() {
            leads::assignable_resellers(&user.state.db.pool, user.scope())
                .await?
                .into_iter()
                .filter(|(id, _)| *id != lead.reseller_id)
                .collect()
        } else {
            Vec::new()
        };
    let history = leads::events(&user.state.db.pool, user.scope(), lead.id)
        .await?
        .into_iter()
        .map(|e| HistoryLine {
            at: format_timestamp(e.at),
            who: crate::web::views::actor(e.who),
            what: e.summary,
            note: e.note,
        })
        .collect();
    let form = form.unwrap_or_else(|| UpdateForm {
        status: status.as_str().into(),
        next_step: lead.next_step.clone(),
        note: String::new(),
    });
    Ok(ShowPage {
        chrome: Chrome::new(user, "/leads", lead.company.clone())?,
        can_update: user.org_kind == OrgKind::Reseller && !status.is_read_only(),
        can_note: assigns(user) && !status.is_read_only(),
        status,
        standing,
        rule,
        reassign_to,
        lead,
        form,
        statuses: LeadStatus::CHOOSABLE,
        history,
        errors,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<LeadId>) -> Result<HttpResponse, AppError> {
    let lead = load(&user, *path).await?;
    render::page(&show_page(&user, lead, None, FieldErrors::default()).await?)
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<LeadId>,
    form: CsrfForm<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let input = app::leads::LeadUpdate {
        status: form.status.clone(),
        next_step: form.next_step.clone(),
        note: form.note.clone(),
    };
    let updated = match app::leads::update(&user.ctx, *path, input).await {
        Ok(u) => u,
        Err(app::Error::Invalid(errors)) => {
            let lead = load(&user, *path).await?;
            return render::invalid(&show_page(&user, lead, Some(form), errors).await?);
        }
        Err(e) => return Err(e.into()),
    };
    if !updated.changed {
        user.session.flash(
            "warning",
            format!(
                "Nothing changed: the status and next step of {} are as they were and no note was added, so nothing was recorded.",
                updated.company
            ),
        )?;
        return Ok(render::see_other(&format!("/leads/{}", *path)));
    }
    let message = match updated.expires_on {
        _ if !updated.activity => format!("Your note on the lead {} is added.", updated.company),
        Some(on) => format!(
            "The lead {} is updated; it now expires on {on} unless there is more activity.",
            updated.company
        ),
        None if updated.status.is_open() => format!("The lead {} is updated.", updated.company),
        None => format!(
            "The lead {} is closed as {}.",
            updated.company, updated.status
        ),
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/leads/{}", *path)))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    pub reseller: String,
}

/// Gives a vendor-assigned lead to another reseller (the vendor admin, or the CAM of both).
pub async fn reassign(
    user: CurrentUser,
    path: web::Path<LeadId>,
    form: CsrfForm<ReassignForm>,
) -> Result<HttpResponse, AppError> {
    match app::leads::reassign(&user.ctx, *path, &form.0.reseller).await {
        Ok(name) => {
            user.session.flash(
                "success",
                format!("The lead is now {name}'s; their new-leads contacts are told by e-mail."),
            )?;
            Ok(render::see_other(&format!("/leads/{}", *path)))
        }
        Err(app::Error::Invalid(errors)) => {
            let lead = load(&user, *path).await?;
            render::invalid(&show_page(&user, lead, None, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}
