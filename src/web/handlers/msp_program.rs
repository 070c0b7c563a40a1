//! Joining the MSP program: the reseller's page (apply, or where its application stands), the
//! deciders' list and application page (approve from a start month, reject with a reason,
//! each confirmed first), the vendor admin's program terms and ending an MSP's status.

use crate::app::{self, msp_program as program};
use crate::clock::format_timestamp;
use crate::db::msp_program::Application;
use crate::domain::OrgId;
use crate::web::chrome::Chrome;
use crate::web::confirm::{confirmed, Confirm};
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    pub training_completed_on: String,
    #[serde(default)]
    pub trained_people: String,
    #[serde(default)]
    pub accept_terms: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/msp_program.html")]
pub struct ProgramPage {
    pub chrome: Chrome,
    pub standing: program::Standing,
    pub may_apply: bool,
    pub form: ApplyForm,
    pub errors: FieldErrors,
}

impl ProgramPage {
    pub fn when(&self, ts: &i64) -> String {
        format_timestamp(*ts)
    }
}

async fn program_page(
    user: &CurrentUser,
    form: ApplyForm,
    errors: FieldErrors,
) -> Result<ProgramPage, AppError> {
    let standing = program::own_standing(&user.ctx).await?;
    Ok(ProgramPage {
        chrome: Chrome::new(user, "/msp/program", "The MSP program")?,
        may_apply: standing.may_apply() && user.role == crate::domain::AccessRole::ResellerAdmin,
        standing,
        form,
        errors,
    })
}

pub async fn show(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&program_page(&user, ApplyForm::default(), FieldErrors::default()).await?)
}

pub async fn apply(user: CurrentUser, form: CsrfForm<ApplyForm>) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let input = program::ApplicationInput {
        training_completed_on: form.training_completed_on.clone(),
        trained_people: form.trained_people.clone(),
        accept_terms: form.accept_terms.is_some(),
    };
    match program::apply(&user.ctx, &input).await {
        Ok(_) => {
            user.session.flash(
                "success",
                "Your application is sent: your channel account manager decides, and your partner program contacts hear of it by e-mail.",
            )?;
            Ok(render::see_other("/msp/program"))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&program_page(&user, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/msp_applications.html")]
pub struct ApplicationsPage {
    pub chrome: Chrome,
    pub applications: Vec<Application>,
    /// The vendor admin edits the terms here.
    pub terms: Option<String>,
    pub errors: FieldErrors,
}

impl ApplicationsPage {
    pub fn when(&self, ts: &i64) -> String {
        format_timestamp(*ts)
    }
}

async fn applications_page(
    user: &CurrentUser,
    terms: Option<String>,
    errors: FieldErrors,
) -> Result<ApplicationsPage, AppError> {
    let applications = program::applications(&user.ctx).await?;
    let terms = match (terms, user.role) {
        (Some(t), _) => Some(t),
        (None, crate::domain::AccessRole::VendorAdmin) => {
            Some(program::terms(&user.state.db.pool).await?)
        }
        _ => None,
    };
    Ok(ApplicationsPage {
        chrome: Chrome::new(user, "/msp/applications", "MSP program applications")?,
        applications,
        terms,
        errors,
    })
}

pub async fn list(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&applications_page(&user, None, FieldErrors::default()).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    pub terms: String,
}

pub async fn save_terms(
    user: CurrentUser,
    form: CsrfForm<TermsForm>,
) -> Result<HttpResponse, AppError> {
    match program::set_terms(&user.ctx, &form.0.terms).await {
        Ok(_) => {
            user.session.flash(
                "success",
                "The program terms are saved: new applications accept them as they read now.",
            )?;
            Ok(render::see_other("/msp/applications"))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&applications_page(&user, Some(form.0.terms), errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/msp_application.html")]
pub struct ApplicationPage {
    pub chrome: Chrome,
    pub a: Application,
    /// The organisation's page is the vendor admin's.
    pub can_open_org: bool,
    pub start_month: String,
    pub reason: String,
    pub errors: FieldErrors,
}

impl ApplicationPage {
    pub fn when(&self, ts: &i64) -> String {
        format_timestamp(*ts)
    }
}

async fn application_page(
    user: &CurrentUser,
    id: i64,
    form: DecisionForm,
    errors: FieldErrors,
) -> Result<ApplicationPage, AppError> {
    let a = program::application(&user.ctx, id).await?;
    let start_month = if form.start_month.is_empty() {
        crate::domain::msp::month_of(user.ctx.today)
    } else {
        form.start_month
    };
    Ok(ApplicationPage {
        chrome: Chrome::new(
            user,
            "/msp/applications",
            format!("MSP program application of {}", a.reseller_name),
        )?,
        a,
        can_open_org: user.role == crate::domain::AccessRole::VendorAdmin,
        start_month,
        reason: form.reason,
        errors,
    })
}

pub async fn application(
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render::page(
        &application_page(
            &user,
            *path,
            DecisionForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub start_month: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub confirm: String,
}

pub async fn approve(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let decision = program::Decision::Approve {
        start_month: form.0.start_month.clone(),
    };
    decide(user, *path, form.0, decision).await
}

pub async fn reject(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let decision = program::Decision::Reject {
        reason: form.0.reason.clone(),
    };
    decide(user, *path, form.0, decision).await
}

/// The confirmation page of a decision: what it does, and who is told.
async fn ask(
    user: &CurrentUser,
    id: i64,
    form: DecisionForm,
    decision: &program::Decision,
) -> Result<HttpResponse, AppError> {
    let (a, checked) = match program::check(&user.ctx, id, decision).await {
        Ok(c) => c,
        Err(app::Error::Invalid(errors)) => {
            return render::invalid(&application_page(user, id, form, errors).await?)
        }
        Err(e) => return Err(e.into()),
    };
    let told = format!(
        "{} (who applied) and {}'s partner program contacts are told by e-mail.",
        a.submitter_name, a.reseller_name
    );
    let (question, consequences, fields, button, action) = match checked {
        program::Checked::Approve { start_month } => (
            format!("Approve the MSP program application of {}?", a.reseller_name),
            vec![
                format!("{} becomes an MSP from {start_month}: it reports usage per end customer from that month on, priced at its program discount.", a.reseller_name),
                told,
            ],
            vec![("start_month".to_string(), start_month)],
            "Yes, approve",
            "approve",
        ),
        program::Checked::Reject { reason } => (
            format!("Reject the MSP program application of {}?", a.reseller_name),
            vec![format!("{} stays outside the program and may apply again.", a.reseller_name), told],
            vec![("reason".to_string(), reason)],
            "Yes, reject",
            "reject",
        ),
    };
    let quoted = fields
        .iter()
        .filter(|(k, _)| k == "reason")
        .map(|(_, v)| ("Your reason".to_string(), v.clone()))
        .collect();
    crate::web::confirm::page(
        Chrome::new(user, "/msp/applications", question.clone())?,
        Confirm {
            question,
            consequences,
            quoted,
            action: format!("/msp/applications/{id}/{action}"),
            fields,
            button: button.into(),
            back: ("The application".into(), format!("/msp/applications/{id}")),
        },
    )
}

/// Asks first (what the decision does), then decides.
async fn decide(
    user: CurrentUser,
    id: i64,
    form: DecisionForm,
    decision: program::Decision,
) -> Result<HttpResponse, AppError> {
    if !confirmed(&form.confirm) {
        return ask(&user, id, form, &decision).await;
    }
    match program::decide(&user.ctx, id, &decision).await {
        Ok(a) => {
            user.session.flash(
                "success",
                match decision {
                    program::Decision::Approve { start_month } => format!(
                        "{} is in the MSP program from {}; it is told by e-mail.",
                        a.reseller_name,
                        start_month.trim()
                    ),
                    program::Decision::Reject { .. } => format!(
                        "The application of {} is rejected; it is told by e-mail.",
                        a.reseller_name
                    ),
                },
            )?;
            Ok(render::see_other(&format!("/msp/applications/{id}")))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&application_page(&user, id, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    pub from_month: String,
    #[serde(default)]
    pub confirm: String,
}

/// The vendor admin ends a reseller's MSP status from a month on (asked first).
pub async fn end(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<EndForm>,
) -> Result<HttpResponse, AppError> {
    let reseller = OrgId(*path);
    let back = format!("/admin/organisations/{}", reseller.0);
    let form = form.0;
    if !confirmed(&form.confirm) {
        user.ctx
            .require_vendor_admin("end a reseller's MSP status")
            .await?;
        let org = crate::db::orgs::get(&user.state.db.pool, reseller)
            .await?
            .ok_or(AppError::NotFound)?;
        let month = form.from_month.trim().to_string();
        let question = format!("End the MSP status of {} from {month}?", org.name);
        return crate::web::confirm::page(
            Chrome::new(&user, "/admin/organisations", question.clone())?,
            Confirm {
                question,
                consequences: vec![
                    format!("{} reports MSP usage up to the month before {month}; usage it reported stays, and so do its statements.", org.name),
                    "It may apply to join the program again.".into(),
                ],
                quoted: Vec::new(),
                action: format!("/admin/organisations/{}/msp-end", reseller.0),
                fields: vec![("from_month".into(), month)],
                button: "Yes, end the MSP status".into(),
                back: (org.name.clone(), back),
            },
        );
    }
    match program::end(&user.ctx, reseller, &form.from_month).await {
        Ok(summary) => {
            user.session.flash("success", format!("{summary}."))?;
        }
        Err(app::Error::Invalid(errors)) => {
            user.session.flash_refusal(&errors)?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(render::see_other(&back))
}
