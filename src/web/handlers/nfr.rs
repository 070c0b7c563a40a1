//! Not-for-resale licenses (PRODUCT.md section 6). A reseller sees its NFR allotment (used
//! and left per family) and asks for more with an NFR request; a distributor may file one on
//! behalf of a reseller it supplies. The reseller's channel account manager (or the vendor
//! admin) approves it, which issues and processes a zero-dollar NFR order onto the reseller's
//! schedule, or rejects it with a reason. The vendor admin keeps the allotment table.

use crate::app::{self, nfr::Decision, nfr::TypedLine};
use crate::db::nfr::{self, Request};
use crate::db::orgs;
use crate::domain::nfr::{usage, AllotmentRow};
use crate::domain::NfrRequestId;
use crate::domain::{AccessRole, OrgId, OrgKind, PartnerLevel};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

const ROWS: usize = 5;

/// One product family of a reseller's allotment, by name.
#[derive(Debug, Clone)]
pub struct UsageRow {
    pub name: String,
    pub family: String,
    pub allotted: i64,
    pub used: i64,
    pub left: i64,
}

/// What a request asks beyond the allotment, a sentence per product family it asks for:
/// "Intercept X Advanced: 30 requested, 25 left in the allotment: 5 above it."
pub fn overage(request: &Request, usage: &[UsageRow]) -> Vec<String> {
    let mut asked: Vec<(String, i64)> = Vec::new();
    for line in &request.lines {
        let family: String = line.sku.chars().take(6).collect();
        match asked.iter_mut().find(|(f, _)| *f == family) {
            Some((_, n)) => *n += line.quantity,
            None => asked.push((family, line.quantity)),
        }
    }
    asked
        .into_iter()
        .map(|(family, n)| {
            let row = usage.iter().find(|u| u.family == family);
            let name = row
                .map(|u| u.name.clone())
                .unwrap_or_else(|| family.clone());
            let left = row.map(|u| u.left).unwrap_or(0);
            match row {
                None => format!(
                    "{name}: {n} requested; the allotment has none, so all {n} are above it."
                ),
                Some(_) if n > left => format!(
                    "{name}: {n} requested, {left} left in the allotment: {} above it.",
                    n - left
                ),
                Some(_) => {
                    format!("{name}: {n} requested, within the {left} left in the allotment.")
                }
            }
        })
        .collect()
}

/// The allotment of the reseller's level against the NFR licenses it holds.
async fn usage_of(user: &CurrentUser, reseller: OrgId) -> Result<Vec<UsageRow>, AppError> {
    let pool = &user.state.db.pool;
    let level = orgs::get(pool, reseller)
        .await?
        .and_then(|o| o.partner_level);
    let allotment = match level {
        Some(level) => nfr::allotment_of(pool, level).await?,
        None => Vec::new(),
    };
    let held = nfr::held(pool, user.scope(), reseller, user.state.clock.today()).await?;
    let names = crate::db::catalogue::unpriced(pool).await?.families();
    Ok(usage(&allotment, &held)
        .into_iter()
        .map(|u| UsageRow {
            name: names
                .iter()
                .find(|(code, _)| *code == u.family)
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| u.family.clone()),
            family: u.family,
            allotted: u.allotted,
            used: u.used,
            left: u.left,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "pages/nfr/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub requests: Vec<Request>,
    pub usage: Vec<UsageRow>,
    pub is_reseller: bool,
    pub can_request: bool,
    pub is_cam: bool,
    pub is_vendor_admin: bool,
}

pub async fn list(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let requests = nfr::list(&user.state.db.pool, user.scope()).await?;
    let is_reseller = user.org_kind == OrgKind::Reseller;
    let usage = if is_reseller {
        usage_of(&user, user.org_id).await?
    } else {
        Vec::new()
    };
    render::page(&ListPage {
        chrome: Chrome::new(&user, "/nfr", "NFR licenses")?,
        requests,
        usage,
        is_reseller,
        can_request: may_request(&user),
        is_cam: user.role == AccessRole::ChannelManager,
        is_vendor_admin: user.role.is_vendor_admin(),
    })
}

fn may_request(user: &CurrentUser) -> bool {
    matches!(user.org_kind, OrgKind::Reseller | OrgKind::Distributor)
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub reseller: String,
    #[serde(default)]
    pub sku: Vec<String>,
    #[serde(default)]
    pub quantity: Vec<String>,
    #[serde(default)]
    pub justification: String,
}

#[derive(Default, Clone)]
pub struct LineView {
    pub n: usize,
    pub sku: String,
    pub quantity: String,
    pub description: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "pages/nfr/new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    /// For a distributor: the resellers it supplies.
    pub resellers: Vec<(OrgId, String)>,
    pub reseller: Option<OrgId>,
    pub usage: Vec<UsageRow>,
    pub lines: Vec<LineView>,
    pub justification: String,
    pub errors: FieldErrors,
    /// The NFR products orderable today: (SKU, description).
    pub products: Vec<(String, String)>,
}

impl NewPage {
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.reseller == Some(*id)
    }
    /// Whether a line's SKU is one of the products listed (else it shows as typed).
    pub fn listed(&self, sku: &str) -> bool {
        self.products
            .iter()
            .any(|(s, _)| s.eq_ignore_ascii_case(sku.trim()))
    }
}

async fn require_requester(user: &CurrentUser) -> Result<(), AppError> {
    user.require(may_request(user), "file NFR requests").await
}

/// The reseller a request is for: a reseller's own, or the one a distributor chose among
/// those it supplies (with that list).
async fn requester_reseller(
    user: &CurrentUser,
    chosen: &str,
) -> Result<(Vec<(OrgId, String)>, Option<OrgId>), AppError> {
    if user.org_kind == OrgKind::Distributor {
        crate::web::handlers::order_form::supplied_reseller(user, chosen).await
    } else {
        Ok((Vec::new(), Some(user.org_id)))
    }
}

async fn new_page(
    user: &CurrentUser,
    reseller: &str,
    lines: Vec<LineView>,
    justification: String,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let (resellers, reseller) = requester_reseller(user, reseller).await?;
    let usage = match reseller {
        Some(r) => usage_of(user, r).await?,
        None => Vec::new(),
    };
    let mut lines = lines;
    while lines.len() < ROWS {
        lines.push(LineView::default());
    }
    for (i, l) in lines.iter_mut().enumerate() {
        l.n = i + 1;
    }
    // Those orderable in the price book of the caller's currency (a reseller's NFR lines are
    // checked against its own).
    let currency = orgs::currency_of(&user.state.db.pool, user.org_id)
        .await?
        .unwrap_or_else(|| crate::db::catalogue::DEFAULT_CURRENCY.into());
    let products = crate::db::catalogue::snapshot(&user.state.db.pool, &currency)
        .await?
        .nfr_products(user.state.clock.today())
        .into_iter()
        .map(|(sku, description)| (sku.as_str().to_string(), description))
        .collect();
    Ok(NewPage {
        products,
        chrome: Chrome::new(user, "/nfr", "Request NFR licenses")?,
        resellers,
        reseller,
        usage,
        lines,
        justification,
        errors,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    reseller: String,
}

pub async fn new_form(
    user: CurrentUser,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    require_requester(&user).await?;
    render::page(
        &new_page(
            &user,
            &query.reseller,
            Vec::new(),
            String::new(),
            FieldErrors::default(),
        )
        .await?,
    )
}

impl RequestForm {
    /// The lines as typed, each with its message from a refused request.
    fn views_with(&self, errors: &FieldErrors) -> Vec<LineView> {
        self.typed_lines()
            .into_iter()
            .enumerate()
            .map(|(i, t)| LineView {
                error: errors
                    .get(&format!("line_{}", i + 1))
                    .unwrap_or_default()
                    .to_string(),
                sku: t.sku,
                quantity: t.quantity,
                ..LineView::default()
            })
            .collect()
    }

    fn typed_lines(&self) -> Vec<TypedLine> {
        let cell =
            |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        (0..self
            .sku
            .len()
            .max(self.quantity.len())
            .min(app::nfr::MAX_LINES))
            .map(|i| TypedLine {
                sku: cell(&self.sku, i).to_uppercase(),
                quantity: cell(&self.quantity, i),
            })
            .collect()
    }
}

pub async fn create(
    user: CurrentUser,
    form: CsrfForm<RequestForm>,
) -> Result<HttpResponse, AppError> {
    require_requester(&user).await?;
    let form = form.0;
    let input = app::nfr::NewRequest {
        reseller: form.reseller.clone(),
        lines: form.typed_lines(),
        justification: form.justification.clone(),
    };
    match app::nfr::request(&user.ctx, input).await {
        Ok(filed) => {
            let who = if filed.to_cam {
                "its channel account manager"
            } else {
                "the vendor"
            };
            user.session.flash(
                "success",
                format!(
                    "NFR request {} for {} is sent to {who} for a decision.",
                    filed.reference, filed.reseller_name
                ),
            )?;
            Ok(render::see_other(&format!("/nfr/{}", filed.id)))
        }
        Err(app::Error::Invalid(errors)) => {
            let views = form.views_with(&errors);
            render::invalid(
                &new_page(&user, &form.reseller, views, form.justification, errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/nfr/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub request: Request,
    pub usage: Vec<UsageRow>,
    /// The request against the allotment, a sentence per product family.
    pub overage: Vec<String>,
    pub can_decide: bool,
    pub errors: FieldErrors,
}

async fn load(user: &CurrentUser, id: NfrRequestId) -> Result<Request, AppError> {
    nfr::get(&user.state.db.pool, user.scope(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_page(
    user: &CurrentUser,
    request: Request,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let usage = usage_of(user, request.reseller_id).await?;
    Ok(ShowPage {
        chrome: Chrome::new(user, "/nfr", request.reference.clone())?,
        overage: overage(&request, &usage),
        usage,
        can_decide: app::nfr::may_decide(&user.ctx, &request)
            && request.status == crate::domain::status::NfrStatus::Submitted,
        request,
        errors,
    })
}

pub async fn show(
    user: CurrentUser,
    path: web::Path<NfrRequestId>,
) -> Result<HttpResponse, AppError> {
    let request = load(&user, *path).await?;
    render::page(&show_page(&user, request, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

pub async fn approve(
    user: CurrentUser,
    path: web::Path<NfrRequestId>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    if !crate::web::confirm::confirmed(&form.0.confirm) {
        return ask(user, *path, Decision::Approve).await;
    }
    decide(user, *path, Decision::Approve).await
}

/// What approving (or rejecting) a request does, a sentence each.
async fn consequences(
    user: &CurrentUser,
    request: &Request,
    approve: bool,
) -> Result<Vec<String>, AppError> {
    let total: i64 = request.lines.iter().map(|l| l.quantity).sum();
    let mut consequences = if approve {
        let usage = usage_of(user, request.reseller_id).await?;
        let mut c = vec![format!(
            "Issues {} at no charge to {}: a zero-dollar NFR order is placed and processed onto its license schedule, running 12 months from today.",
            crate::web::views::counted(usize::try_from(total).unwrap_or(0), "license", "licenses"),
            request.reseller_name
        )];
        c.extend(overage(request, &usage));
        c
    } else {
        vec![format!(
            "Nothing is issued; {} may ask again.",
            request.reseller_name
        )]
    };
    consequences.push(format!(
        "{} (who asked) and {}'s partner program contacts are told by e-mail.",
        request.requester_name, request.reseller_name
    ));
    Ok(consequences)
}

/// What a decision does, asked before it is done.
async fn ask(
    user: CurrentUser,
    id: NfrRequestId,
    decision: Decision,
) -> Result<HttpResponse, AppError> {
    let (request, _, reason) = match app::nfr::check(&user.ctx, id, &decision).await {
        Ok(checked) => checked,
        Err(app::Error::Invalid(errors)) => {
            let request = load(&user, id).await?;
            return render::invalid(&show_page(&user, request, errors).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let approve = matches!(decision, Decision::Approve);
    let consequences = consequences(&user, &request, approve).await?;
    let (verb, action) = if approve {
        ("Approve", "approve")
    } else {
        ("Reject", "reject")
    };
    let question = format!(
        "{verb} {} for {}?",
        request.reference, request.reseller_name
    );
    crate::web::confirm::page(
        Chrome::new(&user, "/nfr", question.clone())?,
        crate::web::confirm::Confirm {
            question,
            consequences,
            quoted: (!reason.is_empty())
                .then(|| ("Your reason".to_string(), reason.clone()))
                .into_iter()
                .collect(),
            action: format!("/nfr/{id}/{action}"),
            fields: (!reason.is_empty())
                .then(|| ("reason".to_string(), reason))
                .into_iter()
                .collect(),
            button: format!("Yes, {}", verb.to_lowercase()),
            back: (request.reference.clone(), format!("/nfr/{id}")),
        },
    )
}

pub async fn reject(
    user: CurrentUser,
    path: web::Path<NfrRequestId>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let decision = Decision::Reject {
        reason: form.0.reason,
    };
    if !crate::web::confirm::confirmed(&form.0.confirm) {
        return ask(user, *path, decision).await;
    }
    decide(user, *path, decision).await
}

async fn decide(
    user: CurrentUser,
    id: NfrRequestId,
    decision: Decision,
) -> Result<HttpResponse, AppError> {
    let decided = match app::nfr::decide(&user.ctx, id, decision).await {
        Ok(d) => d,
        Err(app::Error::Invalid(errors)) => {
            let request = load(&user, id).await?;
            return render::invalid(&show_page(&user, request, errors).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let message = match &decided.order {
        Some((order, true)) => format!("{} is approved; order {order} waits for the maintenance window to end and is processed then.", decided.reference),
        Some((order, false)) => format!("{} is approved; order {order} is processed and on the reseller's schedule.", decided.reference),
        None => format!("{} is rejected; the requester and the reseller are told by e-mail.", decided.reference),
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/nfr/{id}")))
}

#[derive(Template)]
#[template(path = "pages/nfr/admin.html")]
pub struct AdminPage {
    pub chrome: Chrome,
    pub rows: Vec<(PartnerLevel, AllotmentRow)>,
    pub levels: Vec<PartnerLevel>,
    pub form: AllotmentForm,
    pub errors: FieldErrors,
}

impl AdminPage {
    pub fn level_selected(&self, l: &PartnerLevel) -> bool {
        self.form.partner_level == l.as_str()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AllotmentForm {
    #[serde(default)]
    pub partner_level: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub quantity: String,
}

async fn admin_page(
    user: &CurrentUser,
    form: AllotmentForm,
    errors: FieldErrors,
) -> Result<AdminPage, AppError> {
    Ok(AdminPage {
        chrome: Chrome::new(user, "/admin/nfr", "NFR allotments")?,
        rows: nfr::allotments(&user.state.db.pool).await?,
        levels: PartnerLevel::ALL.to_vec(),
        form,
        errors,
    })
}

pub async fn admin(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("keep the NFR allotments").await?;
    render::page(&admin_page(&user, AllotmentForm::default(), FieldErrors::default()).await?)
}

/// Adds a row to the allotment table, or changes its quantity (0 removes it).
pub async fn admin_save(
    user: CurrentUser,
    form: CsrfForm<AllotmentForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let input = app::nfr::AllotmentInput {
        partner_level: form.partner_level.clone(),
        product: form.product.clone(),
        quantity: form.quantity.clone(),
    };
    match app::nfr::set_allotment(&user.ctx, &input).await {
        Ok((level, description, quantity)) => {
            user.session.flash(
                "success",
                format!(
                    "{} resellers joining from now on get {quantity} × {description}. Resellers that joined before keep what they have.",
                    level.label()
                ),
            )?;
            Ok(render::see_other("/admin/nfr"))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&admin_page(&user, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}
