//! Deal registrations: a reseller registers an opportunity; its channel account manager
//! approves (valid 90 days, extendable) or rejects it with a reason. Only one approved
//! registration per end customer and family at a time.

use crate::app;
use crate::db::deals::{self, Deal};
use crate::db::{catalogue, orgs};
use crate::domain::status::{DealEvent, DealStatus};
use crate::domain::DealId;
use crate::domain::{AccessRole, OrgId, OrgKind};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub struct Row {
    pub deal: Deal,
    pub status: DealStatus,
    /// For a decider, on a registration waiting for a decision: the references of the other
    /// registrations for the same end customer and product that stand.
    pub overlaps: Vec<String>,
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
    let mut rows = Vec::new();
    for deal in list.items {
        let status = deal.status_on(today);
        let overlaps =
            if status == DealStatus::Submitted && app::deals::may_decide(&user.ctx, &deal) {
                app::deals::overlaps(&user.ctx, &deal).await?
            } else {
                Vec::new()
            };
        rows.push(Row {
            status,
            deal,
            overlaps,
        });
    }
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
    pub estimate_label: String,
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
    let snapshot = catalogue::unpriced(pool).await?;
    let families = snapshot.families();
    let suppliers = orgs::suppliers(pool, user.org_id).await?;
    let settings = deals::settings(pool).await?;
    let currencies = orgs::currencies_of(&suppliers);
    Ok(NewPage {
        chrome: Chrome::new(user, "/deals", "Register a deal")?,
        form,
        customers: deals::end_customers(pool, user.scope(), user.org_id).await?,
        families,
        distributors: suppliers.iter().map(orgs::Supplier::choice).collect(),
        estimate_label: match currencies.as_slice() {
            [one] => format!("Estimated MSRP value ({one})"),
            _ => "Estimated MSRP value, in the currency of the distributor you choose".into(),
        },
        minimum_hint: format!("At least {}.", settings.minimums_in(&currencies)),
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
    let input = app::deals::NewRegistration {
        end_customer: form.end_customer_typed(),
        families: form.families.clone(),
        estimated_msrp: form.estimated_msrp.clone(),
        expected_close: form.expected_close.clone(),
        distributor: form.distributor.clone(),
        notes: form.notes.clone(),
    };
    match app::deals::register(&user.ctx, input).await {
        Ok(r) => {
            user.session.flash(
                "success",
                format!(
                    "Deal registration {} is submitted to {}.",
                    r.reference,
                    if r.to_cam {
                        "your channel account manager"
                    } else {
                        "the vendor (you have no channel account manager at the moment)"
                    }
                ),
            )?;
            Ok(render::see_other(&format!("/deals/{}", r.id)))
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&new_page(&user, form, errors).await?),
        Err(e) => Err(e.into()),
    }
}

impl DealForm {
    /// The end-customer fields as typed.
    pub fn end_customer_typed(&self) -> app::deals::TypedEndCustomer {
        app::deals::TypedEndCustomer {
            selected: self.end_customer.clone(),
            new_name: self.new_customer_name.clone(),
            new_contact: self.new_customer_contact.clone(),
            new_email: self.new_customer_email.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/deals/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub deal: Deal,
    pub status: DealStatus,
    pub can_decide: bool,
    pub errors: FieldErrors,
    /// What was typed into the decision form (kept when it comes back with a message).
    pub form: DecisionForm,
    /// For a decider: other registrations for the same end customer and product that stand.
    pub overlaps: Vec<(String, Option<DealId>)>,
    /// For an approved registration: whether it can be extended now, or why not.
    pub extension: Result<(), String>,
    pub history: Vec<(String, String, String)>,
    /// The reseller may start a pricing inquiry for it (approved and valid today).
    pub can_quote: bool,
}

impl ShowPage {
    pub fn family_ticked(&self, code: &str) -> bool {
        self.form.families.is_empty() || self.form.families.iter().any(|f| f == code)
    }
}

async fn load(user: &CurrentUser, id: DealId) -> Result<Deal, AppError> {
    Ok(app::deals::load(&user.ctx, id).await?)
}

async fn show_page(
    user: &CurrentUser,
    deal: Deal,
    form: DecisionForm,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let today = user.state.clock.today();
    let status = deal.status_on(today);
    let can_decide = app::deals::may_decide(&user.ctx, &deal);
    let pool = &user.state.db.pool;
    let mut overlaps = Vec::new();
    if can_decide && status == DealStatus::Submitted {
        for reference in app::deals::overlaps(&user.ctx, &deal).await? {
            let id = deals::id_of(pool, user.scope(), &reference).await?;
            overlaps.push((reference, id));
        }
    }
    let settings = deals::settings(pool).await?;
    let extension = match app::deals::extensible_from(&deal, &settings) {
        _ if deal.extensions >= i64::from(settings.max_extensions) => Err(format!(
            "It was extended {} already, the most allowed.",
            crate::web::views::counted(
                usize::try_from(deal.extensions).unwrap_or(0),
                "time",
                "times"
            )
        )),
        Some(from) if today < from => Err(format!(
            "It can be extended from {from}, within the last {} of its validity.",
            crate::domain::paging::counted(settings.extension_window_days, "day", "days")
        )),
        Some(_) => Ok(()),
        None => Err("It has no validity to extend.".into()),
    };
    let history = deals::events(pool, deal.id)
        .await?
        .into_iter()
        .map(|(at, who, what)| {
            (
                crate::clock::format_timestamp(at),
                crate::web::views::actor(who),
                what,
            )
        })
        .collect();
    Ok(ShowPage {
        chrome: Chrome::new(user, "/deals", deal.reference.clone())?,
        can_quote: user.org_kind == OrgKind::Reseller && status == DealStatus::Approved,
        can_decide,
        status,
        deal,
        errors,
        form,
        overlaps,
        extension,
        history,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<DealId>) -> Result<HttpResponse, AppError> {
    let deal = load(&user, *path).await?;
    render::page(&show_page(&user, deal, DecisionForm::default(), FieldErrors::default()).await?)
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub reason: String,
    /// For an approval: the families approved.
    #[serde(default)]
    pub families: Vec<String>,
    /// "yes" once the person has seen what the decision does.
    #[serde(default)]
    pub confirm: String,
}

/// The page that asks before a decision, saying what it does; it posts the decision again.
fn confirm_decision(
    user: &CurrentUser,
    event: DealEvent,
    plan: app::deals::Plan,
) -> Result<HttpResponse, AppError> {
    let (action, button, verb) = match event {
        DealEvent::Approve if plan.rejected_names.is_empty() => {
            ("approve", "Yes, approve", "Approve")
        }
        DealEvent::Approve => ("approve", "Yes, approve in part", "Approve in part"),
        DealEvent::Reject => ("reject", "Yes, reject", "Reject"),
        _ => ("extend", "Yes, extend", "Extend"),
    };
    let id = plan.deal.id;
    let question = format!(
        "{verb} {} for {}?",
        plan.deal.reference, plan.deal.end_customer_name
    );
    let mut fields: Vec<(String, String)> = plan
        .reason
        .iter()
        .map(|r| ("reason".to_string(), r.clone()))
        .collect();
    if event == DealEvent::Approve {
        fields.extend(
            plan.approved
                .iter()
                .map(|f| ("families".to_string(), f.clone())),
        );
    }
    crate::web::confirm::page(
        Chrome::new(user, "/deals", question.clone())?,
        crate::web::confirm::Confirm {
            question,
            consequences: plan.consequences,
            quoted: plan
                .reason
                .iter()
                .map(|r| ("Your reason".to_string(), r.clone()))
                .collect(),
            action: format!("/deals/{id}/{action}"),
            fields,
            button: button.to_string(),
            back: (plan.deal.reference.clone(), format!("/deals/{id}")),
        },
    )
}

/// A decision: the first post shows what it will do and asks for confirmation; the
/// confirmed post does it.
async fn decide(
    user: CurrentUser,
    id: DealId,
    event: DealEvent,
    form: DecisionForm,
) -> Result<HttpResponse, AppError> {
    let input = app::deals::DecisionInput {
        reason: form.reason.clone(),
        families: form.families.clone(),
    };
    let confirmed = crate::web::confirm::confirmed(&form.confirm);
    let outcome = if confirmed {
        app::deals::decide(&user.ctx, id, event, &input).await
    } else {
        app::deals::plan(&user.ctx, id, event, &input).await
    };
    match outcome {
        Ok(plan) if !confirmed => confirm_decision(&user, event, plan),
        Ok(plan) => {
            user.session.flash(
                "success",
                format!(
                    "{} is {}; {}'s deal registration contacts and the submitter are told by e-mail.",
                    plan.deal.reference, plan.what, plan.deal.reseller_name
                ),
            )?;
            Ok(render::see_other(&format!("/deals/{id}")))
        }
        Err(app::Error::Invalid(errors)) => {
            let deal = load(&user, id).await?;
            render::invalid(&show_page(&user, deal, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn approve(
    user: CurrentUser,
    path: web::Path<DealId>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Approve, form.0).await
}

pub async fn reject(
    user: CurrentUser,
    path: web::Path<DealId>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Reject, form.0).await
}

pub async fn extend(
    user: CurrentUser,
    path: web::Path<DealId>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, DealEvent::Extend, form.0).await
}
