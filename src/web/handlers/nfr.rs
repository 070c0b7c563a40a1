//! Not-for-resale licenses (PRODUCT.md section 6). A reseller sees its NFR allotment (used
//! and left per family) and asks for more with an NFR request; a distributor may file one on
//! behalf of a reseller it supplies. The reseller's channel account manager (or the vendor
//! admin) approves it, which issues and processes a zero-dollar NFR order onto the reseller's
//! schedule, or rejects it with a reason. The vendor admin keeps the allotment table.

use crate::clock::format_timestamp;
use crate::db::nfr::{self, Request, RequestLine};
use crate::db::{audit, catalogue, orgs};
use crate::domain::catalogue::Availability;
use crate::domain::contact::{ContactRole, Person};
use crate::domain::nfr::{usage, AllotmentRow, Usage};
use crate::domain::sku::{Channel, Transaction};
use crate::domain::{AccessRole, OrgId, OrgKind, PartnerLevel, Sku, SkuFields, UserId};
use crate::mail::notify::{notify_role, queue_for, Notice};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

const ROWS: usize = 5;

impl Request {
    pub fn submitted(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn filed_by(&self) -> String {
        match &self.on_behalf_of {
            Some(d) => format!(
                "{} of {d}, on behalf of {}",
                self.requester_name, self.reseller_name
            ),
            None => format!("{} of {}", self.requester_name, self.reseller_name),
        }
    }
}

fn may_decide(user: &CurrentUser, r: &Request) -> bool {
    user.role.is_vendor_admin()
        || (user.role == AccessRole::ChannelManager && r.cam_user_id == Some(user.id))
}

/// The allotment of the reseller's level against the NFR licenses it holds.
async fn usage_of(user: &CurrentUser, reseller: OrgId) -> Result<Vec<Usage>, AppError> {
    let pool = &user.state.db.pool;
    let level = orgs::get(pool, reseller)
        .await?
        .and_then(|o| o.partner_level);
    let allotment = match level {
        Some(level) => nfr::allotment_of(pool, level).await?,
        None => Vec::new(),
    };
    let held = nfr::held(pool, reseller, user.state.clock.today()).await?;
    Ok(usage(&allotment, &held))
}

#[derive(Template)]
#[template(path = "pages/nfr/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub requests: Vec<Request>,
    pub usage: Vec<Usage>,
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
    pub usage: Vec<Usage>,
    pub lines: Vec<LineView>,
    pub justification: String,
    pub errors: FieldErrors,
}

impl NewPage {
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.reseller == Some(*id)
    }
}

async fn require_requester(user: &CurrentUser) -> Result<(), AppError> {
    user.require(may_request(user), "file NFR requests").await
}

async fn new_page(
    user: &CurrentUser,
    reseller: &str,
    lines: Vec<LineView>,
    justification: String,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    let (resellers, reseller) = if user.org_kind == OrgKind::Distributor {
        crate::web::handlers::order_form::supplied_reseller(user, reseller).await?
    } else {
        (Vec::new(), Some(user.org_id))
    };
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
    Ok(NewPage {
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

/// The NFR SKU a person meant: an NFR-channel SKU as typed, or a standard one turned into its
/// NFR-channel twin (a new term of the same product).
fn nfr_sku(typed: &str) -> Result<Sku, String> {
    let sku = Sku::parse(typed).map_err(|e| e.to_string())?;
    let f = sku.fields();
    match f.channel {
        Channel::NotForResale => Ok(sku),
        Channel::MspMonthly => {
            Err("MSP monthly SKUs (channel M) are reported as usage, not requested as NFR.".into())
        }
        Channel::Standard => {
            let transaction = if f.transaction == Transaction::Hardware {
                Transaction::Hardware
            } else {
                Transaction::New
            };
            Sku::build(SkuFields {
                channel: Channel::NotForResale,
                transaction,
                ..f.clone()
            })
            .map_err(|e| e.to_string())
        }
    }
}

pub async fn create(
    user: CurrentUser,
    form: CsrfForm<RequestForm>,
) -> Result<HttpResponse, AppError> {
    require_requester(&user).await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let today = user.state.clock.today();
    let mut errors = FieldErrors::default();
    let page = new_page(
        &user,
        &form.reseller,
        Vec::new(),
        String::new(),
        FieldErrors::default(),
    )
    .await?;
    let Some(reseller) = page.reseller else {
        errors.add("reseller", "Choose one of the resellers you supply.");
        return render::invalid(
            &new_page(
                &user,
                &form.reseller,
                Vec::new(),
                form.justification,
                errors,
            )
            .await?,
        );
    };
    let snapshot = catalogue::snapshot(pool, catalogue::DEFAULT_CURRENCY).await?;
    let rows = form.sku.len().max(form.quantity.len()).min(40);
    let mut views = Vec::new();
    let mut lines = Vec::new();
    for i in 0..rows {
        let sku_text = form
            .sku
            .get(i)
            .map(|s| s.trim().to_uppercase())
            .unwrap_or_default();
        let quantity = form
            .quantity
            .get(i)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let mut view = LineView {
            sku: sku_text.clone(),
            quantity: quantity.clone(),
            ..LineView::default()
        };
        if sku_text.is_empty() && quantity.is_empty() {
            views.push(view);
            continue;
        }
        match nfr_sku(&sku_text) {
            Err(e) => view.error = e,
            Ok(sku) => match snapshot.availability(&sku, today) {
                Availability::NotOrderable { reason, .. } => view.error = reason,
                Availability::Orderable { description, .. } => match quantity.parse::<i64>() {
                    Ok(q) if (1..=10_000).contains(&q) => {
                        view.sku = sku.to_string();
                        view.description = description.clone();
                        lines.push(RequestLine {
                            sku: sku.to_string(),
                            description: format!("{description} (NFR)"),
                            quantity: q,
                        });
                    }
                    _ => view.error = "Enter a quantity from 1 to 10,000.".into(),
                },
            },
        }
        views.push(view);
    }
    let failed = views.iter().any(|v| !v.error.is_empty());
    if lines.is_empty() && !failed {
        errors.add(
            "lines",
            "Enter at least one product: its SKU and a quantity.",
        );
    } else if failed {
        errors.add("lines", "Correct the marked lines.");
    }
    let justification = required_text(
        &mut errors,
        "justification",
        &form.justification,
        "why the reseller needs these licenses",
        2000,
    );
    if !errors.is_empty() {
        return render::invalid(
            &new_page(&user, &form.reseller, views, form.justification, errors).await?,
        );
    }
    let now = user.now();
    let on_behalf = (user.org_kind == OrgKind::Distributor).then_some(user.org_id);
    let mut tx = pool.begin().await?;
    let (id, reference) = nfr::insert(
        &mut tx,
        &nfr::NewRequest {
            reseller,
            by: user.id,
            on_behalf_of: on_behalf,
            justification: &justification,
            lines: &lines,
        },
        today.year(),
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        "nfr_requested",
        &reference,
        &format!("{} lines", lines.len()),
        now,
    )
    .await?;
    // The reseller's channel account manager decides; without one, the vendor admins do.
    let org = orgs::get(pool, reseller).await?.ok_or(AppError::NotFound)?;
    let deciders = deciders(&user, org.cam_user_id).await?;
    let public_url = user.state.settings.public_url();
    let by = if on_behalf.is_some() {
        format!("{} filed it on behalf of {}", user.org_name, org.name)
    } else {
        format!("{} filed it", org.name)
    };
    let mut paragraphs = vec![format!("{by}. Justification: {justification}")];
    paragraphs.extend(
        lines
            .iter()
            .map(|l| format!("{} × {} ({})", l.quantity, l.description, l.sku)),
    );
    let notice = Notice {
        kind: "nfr_request_submitted".into(),
        subject: format!(
            "NFR request {reference} from {} waits for your decision",
            org.name
        ),
        heading: format!("NFR request {reference}"),
        paragraphs,
        action: Some((
            "Approve or reject it".into(),
            format!("{public_url}/nfr/{id}"),
        )),
    };
    for person in &deciders {
        queue_for(
            &mut tx,
            person,
            ContactRole::PartnerProgram,
            &format!("nfr:{id}:submitted"),
            &notice,
            &public_url,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let who = if org.cam_user_id.is_some() {
        "its channel account manager"
    } else {
        "the vendor"
    };
    user.session.flash(
        "success",
        format!(
            "NFR request {reference} for {} is sent to {who} for a decision.",
            org.name
        ),
    )?;
    Ok(render::see_other(&format!("/nfr/{id}")))
}

/// Who decides on a reseller's requests: its CAM, or every active vendor admin without one.
async fn deciders(user: &CurrentUser, cam: Option<UserId>) -> Result<Vec<Person>, AppError> {
    let pool = &user.state.db.pool;
    if let Some(cam) = cam {
        if let Some(u) = crate::db::users::get_with_org(pool, cam)
            .await?
            .filter(|u| !u.user.disabled)
        {
            return Ok(vec![Person {
                user_id: cam.0,
                name: u.user.display_name,
                email: u.user.email,
            }]);
        }
    }
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email FROM users u JOIN organisations o ON o.id = u.org_id \
         WHERE o.kind = 'vendor' AND u.role = 'vendor_admin' AND u.disabled = 0 ORDER BY u.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email)| Person {
            user_id,
            name,
            email,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "pages/nfr/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub request: Request,
    pub usage: Vec<Usage>,
    pub can_decide: bool,
    pub errors: FieldErrors,
}

async fn load(user: &CurrentUser, id: i64) -> Result<Request, AppError> {
    nfr::get(&user.state.db.pool, user.scope(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_page(
    user: &CurrentUser,
    request: Request,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    Ok(ShowPage {
        chrome: Chrome::new(user, "/nfr", request.reference.clone())?,
        usage: usage_of(user, request.reseller_id).await?,
        can_decide: may_decide(user, &request) && request.status == "submitted",
        request,
        errors,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let request = load(&user, *path).await?;
    render::page(&show_page(&user, request, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
}

pub async fn approve(
    user: CurrentUser,
    path: web::Path<i64>,
    _form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, true, String::new()).await
}

pub async fn reject(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    decide(user, *path, false, form.0.reason).await
}

async fn decide(
    user: CurrentUser,
    id: i64,
    approve: bool,
    reason: String,
) -> Result<HttpResponse, AppError> {
    let request = load(&user, id).await?;
    user.require(may_decide(&user, &request), "decide on NFR requests")
        .await?;
    if request.status != "submitted" {
        return Err(AppError::Conflict(format!(
            "{} is {} already.",
            request.reference, request.status
        )));
    }
    let reason = reason.trim().to_string();
    if !approve && reason.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("reason", "Give the reason for the rejection.");
        return render::invalid(&show_page(&user, request, errors).await?);
    }
    let db = &user.state.db;
    let today = user.state.clock.today();
    let now = user.now();
    let public_url = user.state.settings.public_url();
    let mut tx = db.pool.begin().await?;
    let mut order = None;
    if approve {
        let snapshot = catalogue::snapshot(&db.pool, catalogue::DEFAULT_CURRENCY).await?;
        let mut skus = Vec::new();
        for l in &request.lines {
            let sku = Sku::parse(&l.sku).map_err(|e| AppError::BadRequest(e.to_string()))?;
            skus.push((sku, l.quantity));
        }
        let lines = crate::nfr::zero_dollar_lines(&snapshot, &skus);
        order = Some(
            crate::nfr::place_nfr_order(
                &mut tx,
                db,
                request.reseller_id,
                &lines,
                user.id,
                today,
                now,
            )
            .await?,
        );
    }
    let status = if approve { "approved" } else { "rejected" };
    let decided = nfr::decide(
        &mut tx,
        request.id,
        status,
        user.id,
        now,
        (!reason.is_empty()).then_some(reason.as_str()),
        order.as_ref().map(|(id, _)| *id),
    )
    .await?;
    if !decided {
        return Err(AppError::Conflict(format!(
            "{} was decided by someone else meanwhile; reload the page.",
            request.reference
        )));
    }
    let detail = match &order {
        Some((_, reference)) => format!("approved; order {reference}"),
        None => format!("rejected: {reason}"),
    };
    audit::record(
        &mut *tx,
        &user.actor(),
        "nfr_decided",
        &request.reference,
        &detail,
        now,
    )
    .await?;
    let mut paragraphs = vec![match &order {
        Some((_, reference)) => format!(
            "NFR request {} for {} is approved. Order {reference} puts the licenses on its schedule at no cost, for 12 months from the day it is processed.",
            request.reference, request.reseller_name
        ),
        None => format!("NFR request {} for {} is rejected.", request.reference, request.reseller_name),
    }];
    if !reason.is_empty() {
        paragraphs.push(format!("Reason: {reason}"));
    }
    let notice = Notice {
        kind: "nfr_request_decided".into(),
        subject: format!("NFR request {} {status}", request.reference),
        heading: format!("NFR request {} {status}", request.reference),
        paragraphs,
        action: Some((
            "See the request".into(),
            format!("{public_url}/nfr/{}", request.id),
        )),
    };
    let event = format!("nfr:{}:{status}", request.id);
    if let Some(by) = request
        .requested_by
        .filter(|_| !request.requester_email.is_empty())
    {
        let person = Person {
            user_id: by.0,
            name: request.requester_name.clone(),
            email: request.requester_email.clone(),
        };
        queue_for(
            &mut tx,
            &person,
            ContactRole::PartnerProgram,
            &event,
            &notice,
            &public_url,
            now,
        )
        .await?;
    }
    notify_role(
        &mut tx,
        request.reseller_id,
        ContactRole::PartnerProgram,
        &event,
        &notice,
        &public_url,
        now,
    )
    .await?;
    tx.commit().await?;
    let mut message = format!(
        "{} is {status}; the requester and the reseller are told by e-mail.",
        request.reference
    );
    if let Some((order_id, reference)) = order {
        let stats =
            crate::jobs::process_order(db, order_id, today, Some(user.id.0), &public_url, now)
                .await?;
        message = if stats.waiting > 0 {
            format!("{} is approved; order {reference} waits for the maintenance window to end and is processed then.", request.reference)
        } else {
            format!(
                "{} is approved; order {reference} is processed and on the reseller's schedule.",
                request.reference
            )
        };
    }
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/nfr/{}", request.id)))
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
    user.require(user.role.is_vendor_admin(), "keep the NFR allotments")
        .await?;
    render::page(&admin_page(&user, AllotmentForm::default(), FieldErrors::default()).await?)
}

/// Adds a row to the allotment table, or changes its quantity (0 removes it).
pub async fn admin_save(
    user: CurrentUser,
    form: CsrfForm<AllotmentForm>,
) -> Result<HttpResponse, AppError> {
    user.require(user.role.is_vendor_admin(), "keep the NFR allotments")
        .await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let mut errors = FieldErrors::default();
    let level = PartnerLevel::parse(&form.partner_level);
    if level.is_none() {
        errors.add("partner_level", "Choose a partner level.");
    }
    let product = form.product.trim().to_uppercase().replace([' ', '-'], "");
    let snapshot = catalogue::snapshot(pool, catalogue::DEFAULT_CURRENCY).await?;
    let item = (product.len() == 9)
        .then(|| {
            snapshot
                .items
                .get(&(product[..6].to_string(), product[6..].to_string()))
        })
        .flatten();
    if item.is_none() {
        errors.add("product", "Enter a family and band of the catalogue, e.g. EPIXADB10 (the first nine characters of a SKU).");
    }
    let quantity = form
        .quantity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (0..=10_000).contains(q));
    if quantity.is_none() {
        errors.add(
            "quantity",
            "Enter a quantity from 0 to 10,000 (0 removes the row).",
        );
    }
    let (Some(level), Some(item), Some(quantity), true) =
        (level, item, quantity, errors.is_empty())
    else {
        return render::invalid(&admin_page(&user, form, errors).await?);
    };
    let row = AllotmentRow {
        family: item.family.clone(),
        band: item.band.clone(),
        quantity,
    };
    let mut tx = pool.begin().await?;
    if quantity == 0 {
        nfr::delete_allotment(&mut tx, level, &row.family, &row.band).await?;
    } else {
        nfr::set_allotment(&mut tx, level, &row).await?;
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        "nfr_allotment_changed",
        &format!("{} {}{}", level.as_str(), row.family, row.band),
        &format!("quantity {quantity}"),
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!(
            "{} resellers joining from now on get {quantity} × {}. Resellers that joined before keep what they have.",
            level.label(),
            item.description
        ),
    )?;
    Ok(render::see_other("/admin/nfr"))
}
