//! The vendor admin's organisation pages: distributors and resellers with their first admin.

use crate::app::{self, nfr::Grant};
use crate::db::{orgs, users};
use crate::domain::paging::{Count, Cursor};
use crate::domain::{OrgId, OrgKind, PageRequest, PartnerLevel, UserId};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::{ticked, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/orgs/list.html", blocks = ["results"])]
pub struct OrgsPage {
    pub chrome: Chrome,
    pub q: String,
    pub kind: String,
    pub list: crate::domain::paging::Window<orgs::Org>,
    pub pager: crate::web::views::Pager,
}

pub use crate::app::orgs::Options;

#[derive(Template)]
#[template(path = "pages/orgs/form.html")]
pub struct OrgFormPage {
    pub chrome: Chrome,
    /// None while creating.
    pub editing: Option<orgs::Org>,
    pub members: Members,
    pub form: OrgForm,
    pub options: Options,
    pub errors: FieldErrors,
    /// A reseller's MSP history (when, who, what).
    pub msp_history: Vec<(String, String, String)>,
}

/// What happened to a reseller's MSP status, for its page.
async fn msp_history(
    user: &CurrentUser,
    org: crate::domain::OrgId,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(app::msp_program::history(&user.ctx, org)
        .await?
        .into_iter()
        .map(|(at, who, what)| {
            (
                crate::clock::format_timestamp(at),
                crate::web::views::actor(who),
                what,
            )
        })
        .collect())
}

impl OrgFormPage {
    pub fn currency_options(&self) -> Vec<(String, String)> {
        self.options
            .currencies
            .iter()
            .map(|c| (c.clone(), c.clone()))
            .collect()
    }
    /// Said when the organisation has more users than the page shows.
    pub fn members_note(&self) -> Option<String> {
        let shown = self.members.first.len() as i64;
        (self.members.count != Count::Exact(shown)).then(|| {
            format!(
                "Showing the first {shown} of {}.",
                self.members.count.label("user", "users")
            )
        })
    }
    pub fn is_reseller(&self) -> bool {
        self.form.kind == "reseller"
    }
    pub fn level_selected(&self, l: &PartnerLevel) -> bool {
        self.form.partner_level == l.as_str()
    }
    pub fn cam_selected(&self, id: &UserId) -> bool {
        self.form.cam_user_id == id.0.to_string()
    }
    pub fn distributor_checked(&self, id: &OrgId) -> bool {
        self.form.distributor_ids.contains(&id.0.to_string())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub partner_level: String,
    #[serde(default)]
    pub cam_user_id: String,
    #[serde(default)]
    pub distributor_ids: Vec<String>,
    #[serde(default)]
    pub is_msp: Option<String>,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub admin_name: String,
    #[serde(default)]
    pub admin_email: String,
    /// "yes" once the vendor admin has seen what a change of partner level does.
    #[serde(default)]
    pub confirm: String,
}

#[derive(Debug, Deserialize)]
pub struct KindFilter {
    #[serde(default)]
    kind: Option<String>,
    #[serde(flatten)]
    page: crate::domain::paging::CursorFields,
}

async fn options(user: &CurrentUser) -> Result<Options, AppError> {
    Ok(app::orgs::options(&user.ctx).await?)
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
    filter: web::Query<KindFilter>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("manage organisations").await?;
    let kind = filter
        .kind
        .as_deref()
        .and_then(OrgKind::parse)
        .filter(|k| *k != OrgKind::Vendor);
    let q = query.query().unwrap_or("").to_string();
    let pool = &user.state.db.pool;
    let cursor = filter.page.cursor();
    let kind_name = kind.map(|k| k.as_str()).unwrap_or("").to_string();
    let (list, pager) = crate::web::views::Pager::read(
        &user.state,
        format!("organisations {kind_name} {q}"),
        orgs::list(&user.state.db, kind, &q, cursor),
        orgs::count(pool, kind, &q),
        &format!(
            "/admin/organisations?q={}&kind={kind_name}",
            crate::web::views::query_value(&q)
        ),
        ("organisation", "organisations"),
    )
    .await?;
    let page = OrgsPage {
        chrome: Chrome::new(&user, "/admin/organisations", "Organisations")?,
        q,
        kind: kind_name,
        list,
        pager,
    };
    render::page_or_fragment(&htmx, &page, |p| p.as_results())
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("manage organisations").await?;
    let form = OrgForm {
        kind: "reseller".into(),
        currency: crate::db::catalogue::DEFAULT_CURRENCY.into(),
        ..OrgForm::default()
    };
    let page = OrgFormPage {
        chrome: Chrome::new(&user, "/admin/organisations", "New organisation")?,
        editing: None,
        members: no_members(),
        form,
        options: options(&user).await?,
        errors: FieldErrors::default(),
        msp_history: Vec::new(),
    };
    render::page(&page)
}

impl OrgForm {
    /// The organisation's fields as typed; a form that sends no currency keeps `currency`.
    fn org_input(&self, currency: &str) -> app::orgs::OrgInput {
        app::orgs::OrgInput {
            name: self.name.clone(),
            partner_level: self.partner_level.clone(),
            cam_user_id: self.cam_user_id.clone(),
            distributor_ids: self.distributor_ids.clone(),
            is_msp: ticked(&self.is_msp),
            currency: if self.currency.trim().is_empty() {
                currency.to_string()
            } else {
                self.currency.clone()
            },
        }
    }
}

/// What to add to the confirmation about the NFR allotment a save granted.
fn granted(grant: &Option<Grant>) -> String {
    match grant {
        Some(Grant::Issued { order, lines }) => format!(
            " Its NFR allotment ({}, zero-dollar, 12 months) is issued as order {order}.",
            crate::domain::paging::counted(lines, "product", "products")
        ),
        Some(Grant::Nothing) => {
            " The allotment table has nothing for its level, so no NFR licenses were issued.".into()
        }
        Some(Grant::Already) | None => String::new(),
    }
}

pub async fn create(user: CurrentUser, form: CsrfForm<OrgForm>) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("manage organisations").await?;
    let form = form.0;
    let admin = app::orgs::AdminInput {
        name: form.admin_name.clone(),
        email: form.admin_email.clone(),
    };
    match app::orgs::create(
        &user.ctx,
        &form.kind,
        form.org_input(crate::db::catalogue::DEFAULT_CURRENCY),
        admin,
    )
    .await
    {
        Ok(saved) => {
            user.session.flash(
                "success",
                format!(
                    "{} created; {}{}",
                    saved.name,
                    match &saved.invited {
                        Some((email, until)) => format!(
                            "an invitation to choose a password went to {email} (the link works until {}).",
                            crate::clock::format_timestamp(*until)
                        ),
                        None => String::new(),
                    },
                    granted(&saved.grant)
                ),
            )?;
            Ok(render::see_other(&format!(
                "/admin/organisations/{}",
                saved.id.0
            )))
        }
        Err(app::Error::Invalid(errors)) => {
            let page = OrgFormPage {
                chrome: Chrome::new(&user, "/admin/organisations", "New organisation")?,
                editing: None,
                members: no_members(),
                form,
                options: app::orgs::options(&user.ctx).await?,
                errors,
                msp_history: Vec::new(),
            };
            render::invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The organisation's users (disabled ones last): the first page, and how many there are.
async fn members(db: &crate::db::Db, org: OrgId) -> Result<Members, AppError> {
    Ok(Members {
        first: users::list_in_org(db, org, "", Cursor::First).await?.items,
        count: users::count_in_org(&db.pool, org, "").await?,
    })
}

fn no_members() -> Members {
    Members {
        first: Vec::new(),
        count: Count::Exact(0),
    }
}

/// An organisation's users as its page shows them.
pub struct Members {
    pub first: Vec<users::User>,
    pub count: Count,
}

pub async fn edit_form(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("manage organisations").await?;
    let pool = &user.state.db.pool;
    let org = app::orgs::load(&user.ctx, *path).await?;
    let suppliers = orgs::distributor_ids_of(pool, org.id).await?;
    let form = OrgForm {
        kind: org.kind.as_str().to_string(),
        name: org.name.clone(),
        partner_level: org
            .partner_level
            .map(|l| l.as_str().to_string())
            .unwrap_or_default(),
        cam_user_id: org.cam_user_id.map(|u| u.0.to_string()).unwrap_or_default(),
        distributor_ids: suppliers.iter().map(|d| d.0.to_string()).collect(),
        is_msp: org.is_msp.then(|| "on".to_string()),
        currency: org.currency.clone(),
        ..OrgForm::default()
    };
    let page = OrgFormPage {
        chrome: Chrome::new(&user, "/admin/organisations", org.name.clone())?,
        members: members(&user.state.db, org.id).await?,
        msp_history: msp_history(&user, org.id).await?,
        editing: Some(org),
        form,
        options: options(&user).await?,
        errors: FieldErrors::default(),
    };
    render::page(&page)
}

/// Asks before a change of partner level is saved, with the form's fields to send again.
fn confirm_level(
    user: &CurrentUser,
    org: &orgs::Org,
    form: &OrgForm,
    consequences: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let question = format!("Change the partner level of {}?", org.name);
    let mut fields = vec![
        ("name".to_string(), form.name.clone()),
        ("partner_level".to_string(), form.partner_level.clone()),
        ("cam_user_id".to_string(), form.cam_user_id.clone()),
        ("currency".to_string(), form.currency.clone()),
    ];
    fields.extend(
        form.distributor_ids
            .iter()
            .map(|d| ("distributor_ids".to_string(), d.clone())),
    );
    if let Some(msp) = &form.is_msp {
        fields.push(("is_msp".to_string(), msp.clone()));
    }
    let path = format!("/admin/organisations/{}", org.id.0);
    crate::web::confirm::page(
        Chrome::new(user, "/admin/organisations", question.clone())?,
        crate::web::confirm::Confirm {
            question,
            consequences,
            quoted: Vec::new(),
            action: path.clone(),
            fields,
            button: "Yes, change the level and save".into(),
            back: (org.name.clone(), path),
        },
    )
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let org = app::orgs::load(&user.ctx, *path).await?;
    let form = OrgForm {
        kind: org.kind.as_str().to_string(),
        ..form.0
    };
    let input = form.org_input(&org.currency);
    let outcome = if crate::web::confirm::confirmed(&form.confirm) {
        app::orgs::update(&user.ctx, *path, input).await
    } else {
        match app::orgs::level_change(&user.ctx, *path, &input).await {
            Ok(Some(consequences)) => return confirm_level(&user, &org, &form, consequences),
            Ok(None) => app::orgs::update(&user.ctx, *path, input).await,
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok(saved) => {
            user.session.flash(
                "success",
                format!(
                    "Saved the changes to {}.{}",
                    saved.name,
                    granted(&saved.grant)
                ),
            )?;
            Ok(render::see_other(&format!(
                "/admin/organisations/{}",
                saved.id.0
            )))
        }
        Err(app::Error::Invalid(errors)) => {
            let page = OrgFormPage {
                chrome: Chrome::new(&user, "/admin/organisations", org.name.clone())?,
                members: members(&user.state.db, org.id).await?,
                msp_history: msp_history(&user, org.id).await?,
                editing: Some(org),
                form,
                options: app::orgs::options(&user.ctx).await?,
                errors,
            };
            render::invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}
