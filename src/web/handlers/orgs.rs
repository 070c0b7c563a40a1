//! The vendor admin's organisation pages: distributors and resellers with their first admin.

use crate::db::{audit, orgs, users};
use crate::domain::{
    password::check_new_password, AccessRole, Email, OrgId, OrgKind, PageRequest, Paged,
    PartnerLevel, UserId,
};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::{required_text, ticked, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use sqlx::AnyPool;

#[derive(Template)]
#[template(path = "pages/orgs/list.html")]
pub struct OrgsPage {
    pub chrome: Chrome,
    pub q: String,
    pub kind: String,
    pub list: Paged<orgs::Org>,
}

#[derive(Template)]
#[template(path = "pages/orgs/list.html", block = "results")]
pub struct OrgsResults<'a> {
    pub q: &'a str,
    pub kind: &'a str,
    pub list: &'a Paged<orgs::Org>,
}

/// Choices the form offers.
pub struct Options {
    pub levels: Vec<PartnerLevel>,
    pub cams: Vec<(UserId, String)>,
    pub distributors: Vec<(OrgId, String)>,
}

#[derive(Template)]
#[template(path = "pages/orgs/form.html")]
pub struct OrgFormPage {
    pub chrome: Chrome,
    /// None while creating.
    pub editing: Option<orgs::Org>,
    pub members: Paged<users::User>,
    pub form: OrgForm,
    pub options: Options,
    pub errors: FieldErrors,
}

impl OrgFormPage {
    /// Said when the organisation has more users than the page shows.
    pub fn members_note(&self) -> Option<String> {
        let shown = self.members.items.len() as i64;
        (self.members.total > shown)
            .then(|| format!("Showing the first {shown} of {} users.", self.members.total))
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
    pub admin_name: String,
    #[serde(default)]
    pub admin_email: String,
    #[serde(default)]
    pub admin_password: String,
}

#[derive(Debug, Deserialize)]
pub struct KindFilter {
    #[serde(default)]
    kind: Option<String>,
}

async fn require_vendor_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.is_vendor_admin(), "manage organisations")
        .await
}

async fn options(pool: &AnyPool) -> Result<Options, AppError> {
    Ok(Options {
        levels: PartnerLevel::ALL.to_vec(),
        cams: users::channel_managers(pool).await?,
        distributors: orgs::distributors(pool).await?,
    })
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
    filter: web::Query<KindFilter>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let kind = filter
        .kind
        .as_deref()
        .and_then(OrgKind::parse)
        .filter(|k| *k != OrgKind::Vendor);
    let list = orgs::list(&user.state.db.pool, kind, &query).await?;
    let q = query.query().unwrap_or("").to_string();
    let kind = kind.map(|k| k.as_str()).unwrap_or("").to_string();
    if htmx.wants_fragment() {
        return render::page(&OrgsResults {
            q: &q,
            kind: &kind,
            list: &list,
        });
    }
    let chrome = Chrome::new(&user, "/admin/organisations", "Organisations")?;
    render::page(&OrgsPage {
        chrome,
        q,
        kind,
        list,
    })
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let form = OrgForm {
        kind: "reseller".into(),
        ..OrgForm::default()
    };
    let page = OrgFormPage {
        chrome: Chrome::new(&user, "/admin/organisations", "New organisation")?,
        editing: None,
        members: no_members(),
        form,
        options: options(&user.state.db.pool).await?,
        errors: FieldErrors::default(),
    };
    render::page(&page)
}

/// Checks the organisation part of the form; resellers need a level, a CAM and a supplier.
fn check_org_fields(
    kind: OrgKind,
    form: &OrgForm,
    options: &Options,
    errors: &mut FieldErrors,
) -> (orgs::OrgFields, Vec<OrgId>) {
    let name = required_text(errors, "name", &form.name, "the organisation's name", 120);
    if kind != OrgKind::Reseller {
        let fields = orgs::OrgFields {
            name,
            partner_level: None,
            cam_user_id: None,
            is_msp: false,
        };
        return (fields, vec![]);
    }
    let level = PartnerLevel::parse(&form.partner_level);
    if level.is_none() {
        errors.add("partner_level", "Choose the reseller's partner level.");
    }
    let cam = form
        .cam_user_id
        .parse::<i64>()
        .ok()
        .map(UserId)
        .filter(|id| options.cams.iter().any(|(c, _)| c == id));
    if cam.is_none() {
        errors.add(
            "cam_user_id",
            "Choose the reseller's channel account manager.",
        );
    }
    let mut suppliers = Vec::new();
    for raw in &form.distributor_ids {
        match raw
            .parse::<i64>()
            .ok()
            .map(OrgId)
            .filter(|id| options.distributors.iter().any(|(d, _)| d == id))
        {
            Some(id) if !suppliers.contains(&id) => suppliers.push(id),
            Some(_) => {}
            None => errors.add(
                "distributor_ids",
                "One of the chosen distributors does not exist any more.",
            ),
        }
    }
    if suppliers.is_empty() {
        errors.add(
            "distributor_ids",
            "Choose at least one distributor that supplies this reseller.",
        );
    }
    let fields = orgs::OrgFields {
        name,
        partner_level: level,
        cam_user_id: cam,
        is_msp: ticked(&form.is_msp),
    };
    (fields, suppliers)
}

pub async fn create(user: CurrentUser, form: CsrfForm<OrgForm>) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let options = options(pool).await?;
    let mut errors = FieldErrors::default();
    let kind = OrgKind::parse(&form.kind).filter(|k| *k != OrgKind::Vendor);
    if kind.is_none() {
        errors.add(
            "kind",
            "Choose whether this is a distributor or a reseller.",
        );
    }
    let (fields, suppliers) = check_org_fields(
        kind.unwrap_or(OrgKind::Distributor),
        &form,
        &options,
        &mut errors,
    );
    if !errors.has("name") && orgs::name_taken(pool, &fields.name, None).await? {
        errors.add("name", "An organisation with this name exists already.");
    }
    let admin_name = required_text(
        &mut errors,
        "admin_name",
        &form.admin_name,
        "the administrator's name",
        100,
    );
    let admin_email = match Email::parse(&form.admin_email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.add("admin_email", e.to_string());
            None
        }
    };
    if let Some(e) = &admin_email {
        if users::email_taken(pool, e).await? {
            errors.add(
                "admin_email",
                "A user with this e-mail address exists already.",
            );
        }
    }
    if let Err(e) = check_new_password(&form.admin_password) {
        errors.add("admin_password", e.to_string());
    }
    let (Some(kind), Some(admin_email), true) = (kind, admin_email, errors.is_empty()) else {
        let page = OrgFormPage {
            chrome: Chrome::new(&user, "/admin/organisations", "New organisation")?,
            editing: None,
            members: no_members(),
            form: OrgForm {
                admin_password: String::new(),
                ..form
            },
            options,
            errors,
        };
        return render::invalid(&page);
    };
    let hash = crate::password::hash(form.admin_password).await?;
    let now = user.now();
    let mut tx = pool.begin().await?;
    let created = async {
        let id = orgs::insert(&mut tx, kind, &fields, now).await?;
        orgs::set_distributors(&mut tx, id, &suppliers).await?;
        let admin = users::NewUser {
            org_id: id,
            email: &admin_email,
            display_name: &admin_name,
            password_hash: &hash,
            role: AccessRole::admin_of(kind),
        };
        users::insert(&mut tx, &admin, now).await?;
        Ok::<_, sqlx::Error>(id)
    }
    .await;
    let id = match created {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "The name or the administrator's e-mail was taken meanwhile. Go back and choose another.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let detail = describe(kind, &fields, &suppliers, &options) + &format!("; admin {admin_email}");
    audit::record(
        &mut *tx,
        &user.actor(),
        "organisation_created",
        &fields.name,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    let nfr = joined(&user, kind, id, None, fields.partner_level).await?;
    user.session.flash(
        "success",
        format!(
            "{} created; {admin_email} can now sign in.{nfr}",
            fields.name
        ),
    )?;
    Ok(render::see_other(&format!("/admin/organisations/{}", id.0)))
}

/// A reseller joins the partner program when it gets its first partner level (created with
/// one, or given one): it receives its level's NFR allotment, once. Returns what to add to the
/// confirmation.
async fn joined(
    user: &CurrentUser,
    kind: OrgKind,
    id: OrgId,
    before: Option<crate::domain::PartnerLevel>,
    after: Option<crate::domain::PartnerLevel>,
) -> Result<String, AppError> {
    let (OrgKind::Reseller, None, Some(level)) = (kind, before, after) else {
        return Ok(String::new());
    };
    use crate::app::nfr::{grant_on_join, Grant};
    Ok(match grant_on_join(&user.ctx, id, level).await? {
        Grant::Issued { order, lines } => format!(
            " Its NFR allotment ({lines} products, zero-dollar, 12 months) is issued as order {order}."
        ),
        Grant::Nothing => {
            " The allotment table has nothing for its level, so no NFR licenses were issued.".into()
        }
        Grant::Already => String::new(),
    })
}

/// A one-line summary for the audit log.
fn describe(kind: OrgKind, f: &orgs::OrgFields, suppliers: &[OrgId], options: &Options) -> String {
    if kind != OrgKind::Reseller {
        return format!("{} {:?}", kind.as_str(), f.name);
    }
    let cam = options
        .cams
        .iter()
        .find(|(id, _)| Some(*id) == f.cam_user_id)
        .map(|(_, n)| n.as_str())
        .unwrap_or("-");
    let names: Vec<&str> = options
        .distributors
        .iter()
        .filter(|(id, _)| suppliers.contains(id))
        .map(|(_, n)| n.as_str())
        .collect();
    format!(
        "reseller {:?}, level {}, CAM {cam}, MSP {}, distributors {}",
        f.name,
        f.partner_level.map(|l| l.as_str()).unwrap_or("-"),
        if f.is_msp { "yes" } else { "no" },
        names.join(", ")
    )
}

async fn load_org(pool: &AnyPool, id: i64) -> Result<orgs::Org, AppError> {
    orgs::get(pool, OrgId(id))
        .await?
        .filter(|o| o.kind != OrgKind::Vendor)
        .ok_or(AppError::NotFound)
}

/// The organisation's users, first page (disabled ones last).
async fn members(pool: &AnyPool, org: OrgId) -> Result<Paged<users::User>, AppError> {
    Ok(users::list_in_org(pool, org, &PageRequest::default()).await?)
}

fn no_members() -> Paged<users::User> {
    Paged {
        items: vec![],
        page: 1,
        total: 0,
        per_page: crate::domain::paging::PER_PAGE,
    }
}

pub async fn edit_form(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let pool = &user.state.db.pool;
    let org = load_org(pool, *path).await?;
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
        ..OrgForm::default()
    };
    let page = OrgFormPage {
        chrome: Chrome::new(&user, "/admin/organisations", org.name.clone())?,
        members: members(pool, org.id).await?,
        editing: Some(org),
        form,
        options: options(pool).await?,
        errors: FieldErrors::default(),
    };
    render::page(&page)
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let pool = &user.state.db.pool;
    let org = load_org(pool, *path).await?;
    let form = OrgForm {
        kind: org.kind.as_str().to_string(),
        ..form.0
    };
    let options = options(pool).await?;
    let mut errors = FieldErrors::default();
    let (fields, suppliers) = check_org_fields(org.kind, &form, &options, &mut errors);
    if !errors.has("name") && orgs::name_taken(pool, &fields.name, Some(org.id)).await? {
        errors.add("name", "An organisation with this name exists already.");
    }
    if !errors.is_empty() {
        let page = OrgFormPage {
            chrome: Chrome::new(&user, "/admin/organisations", org.name.clone())?,
            members: members(pool, org.id).await?,
            editing: Some(org),
            form,
            options,
            errors,
        };
        return render::invalid(&page);
    }
    let before_suppliers = orgs::distributor_ids_of(pool, org.id).await?;
    let before = describe(
        org.kind,
        &orgs::OrgFields {
            name: org.name.clone(),
            partner_level: org.partner_level,
            cam_user_id: org.cam_user_id,
            is_msp: org.is_msp,
        },
        &before_suppliers,
        &options,
    );
    let after = describe(org.kind, &fields, &suppliers, &options);
    let mut tx = pool.begin().await?;
    match orgs::update(&mut tx, org.id, &fields).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "Another organisation took this name meanwhile.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    if org.kind == OrgKind::Reseller {
        orgs::set_distributors(&mut tx, org.id, &suppliers).await?;
    }
    let detail = format!("before: {before}; after: {after}");
    audit::record(
        &mut *tx,
        &user.actor(),
        "organisation_updated",
        &fields.name,
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    let nfr = joined(
        &user,
        org.kind,
        org.id,
        org.partner_level,
        fields.partner_level,
    )
    .await?;
    user.session.flash(
        "success",
        format!("Saved the changes to {}.{nfr}", fields.name),
    )?;
    Ok(render::see_other(&format!(
        "/admin/organisations/{}",
        org.id.0
    )))
}
