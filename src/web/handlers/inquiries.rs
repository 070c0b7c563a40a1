//! Pricing inquiries: a reseller builds one for an end customer from new or legacy SKUs,
//! sees the MSRP only, and submits it to one of its distributors. Legacy SKUs are translated
//! on entry and judged again by the rule of the submission date.

use crate::app;
use crate::app::quotes::{Answer, Answered, ProposalLine};
use crate::clock::format_timestamp;
use crate::db::inquiries::{self, Inquiry, NewLine, Scope};
use crate::db::{audit, catalogue, deals, orgs};
use crate::domain::catalogue::{LineInput, Snapshot, Status, Translation};
use crate::domain::contact::ContactRole;
use crate::domain::status::{InquiryEvent, InquiryStatus};
use crate::domain::{Cents, OrgId, OrgKind};
use crate::mail::notify::{notify_role, Notice};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

async fn scope(user: &CurrentUser) -> Result<Scope, AppError> {
    user.trade_scope("see pricing inquiries").await
}

impl Inquiry {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn total(&self) -> String {
        self.total_msrp().with_currency(catalogue::DEFAULT_CURRENCY)
    }
}

impl inquiries::Line {
    pub fn unit(&self) -> String {
        self.unit_msrp.with_currency(catalogue::DEFAULT_CURRENCY)
    }
    pub fn line_total(&self) -> String {
        self.msrp().with_currency(catalogue::DEFAULT_CURRENCY)
    }
}

#[derive(Template)]
#[template(path = "pages/inquiries/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub items: Vec<Inquiry>,
    pub total: i64,
    pub can_create: bool,
    pub resellers: Vec<(OrgId, String)>,
    pub query: ListQuery,
}

impl ListPage {
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.query.reseller.as_deref() == Some(id.0.to_string().as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reseller: Option<String>,
    /// Submitted at least this many days ago.
    #[serde(default)]
    pub older_than: Option<String>,
}

pub async fn list(
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let query = query.into_inner();
    let days = query
        .older_than
        .as_deref()
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| *d > 0);
    let filter = inquiries::Filter {
        status: query.status.as_deref().and_then(InquiryStatus::parse),
        reseller: query
            .reseller
            .as_deref()
            .and_then(|r| r.parse().ok())
            .map(OrgId),
        submitted_before: days.map(|d| user.now() - d * 86_400),
    };
    let list = inquiries::list(&user.state.db.pool, scope, &filter, 1).await?;
    // Distributors filter by the resellers they supply.
    let resellers = match scope {
        Scope::Distributor(d) => crate::db::orders::resellers_of(&user.state.db.pool, d).await?,
        _ => vec![],
    };
    let page = ListPage {
        chrome: Chrome::new(&user, "/inquiries", "Pricing inquiries")?,
        total: list.total,
        items: list.items,
        can_create: user.org_kind == OrgKind::Reseller,
        resellers,
        query,
    };
    render::page(&page)
}

#[derive(Template)]
#[template(path = "pages/inquiries/new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    pub customers: Vec<(i64, String)>,
    pub distributors: Vec<(OrgId, String)>,
    pub form: NewForm,
    pub errors: FieldErrors,
}

async fn require_reseller(user: &CurrentUser) -> Result<(), AppError> {
    user.require(
        user.org_kind == OrgKind::Reseller,
        "create pricing inquiries",
    )
    .await
}

async fn suppliers(user: &CurrentUser) -> Result<Vec<(OrgId, String)>, AppError> {
    let pool = &user.state.db.pool;
    let ids = orgs::distributor_ids_of(pool, user.org_id).await?;
    Ok(orgs::distributors(pool)
        .await?
        .into_iter()
        .filter(|(id, _)| ids.contains(id))
        .collect())
}

async fn new_page(
    user: &CurrentUser,
    form: NewForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    Ok(NewPage {
        chrome: Chrome::new(user, "/inquiries", "New pricing inquiry")?,
        customers: deals::end_customers(&user.state.db.pool, user.org_id).await?,
        distributors: suppliers(user).await?,
        form,
        errors,
    })
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    render::page(&new_page(&user, NewForm::default(), FieldErrors::default()).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub end_customer: String,
    #[serde(default)]
    pub new_customer_name: String,
    #[serde(default)]
    pub new_customer_contact: String,
    #[serde(default)]
    pub new_customer_email: String,
    #[serde(default)]
    pub distributor: String,
}

pub async fn create(user: CurrentUser, form: CsrfForm<NewForm>) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    let form = form.0;
    let page = new_page(&user, NewForm::default(), FieldErrors::default()).await?;
    let mut errors = FieldErrors::default();
    let choice = super::deals::check_end_customer(
        &page.customers,
        &form.end_customer,
        &form.new_customer_name,
        &form.new_customer_contact,
        &form.new_customer_email,
        &mut errors,
    );
    let distributor = form
        .distributor
        .parse::<i64>()
        .ok()
        .map(OrgId)
        .filter(|id| page.distributors.iter().any(|(d, _)| d == id));
    if distributor.is_none() {
        errors.add("distributor", "Choose the distributor the inquiry goes to.");
    }
    let (Some(choice), Some(distributor), true) = (choice, distributor, errors.is_empty()) else {
        return render::invalid(&new_page(&user, form, errors).await?);
    };
    let mut tx = user.state.db.pool.begin().await?;
    let customer =
        super::deals::resolve_end_customer(&mut tx, user.org_id, &choice, user.now()).await?;
    let year = user.state.clock.today().year();
    let (id, reference) = inquiries::insert(
        &mut tx,
        user.org_id,
        customer,
        distributor,
        user.id,
        year,
        user.now(),
    )
    .await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        "inquiry_created",
        &reference,
        "",
        user.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(render::see_other(&format!("/inquiries/{id}")))
}

#[derive(Template)]
#[template(path = "pages/inquiries/show.html")]
pub struct ShowPage {
    pub chrome: Chrome,
    pub inquiry: Inquiry,
    pub editable: bool,
    pub form: LineForm,
    pub errors: FieldErrors,
    pub quotes: Vec<crate::db::quotes::Quote>,
    pub proposal: Vec<ProposalLine>,
    pub can_quote: bool,
    pub can_answer: bool,
    pub today: String,
}

impl ShowPage {
    pub fn money<C: std::borrow::Borrow<Cents>>(&self, c: C) -> String {
        c.borrow().with_currency(catalogue::DEFAULT_CURRENCY)
    }
    pub fn line_error(&self, line: &i64) -> Option<&str> {
        self.errors.get(&format!("line_{line}"))
    }
}

#[derive(Template)]
#[template(path = "partials/inquiry_preview.html")]
pub struct Preview {
    pub translation: Option<Translation>,
    pub quantity: u32,
    pub line_msrp: String,
    pub new_total: String,
    pub problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LineForm {
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub months: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub version: String,
}

async fn load(user: &CurrentUser, id: i64) -> Result<Inquiry, AppError> {
    Ok(app::quotes::load(&user.ctx, id).await?)
}

fn editable(user: &CurrentUser, inquiry: &Inquiry) -> bool {
    inquiry.status == InquiryStatus::Draft
        && user.org_kind == OrgKind::Reseller
        && inquiry.reseller_id == user.org_id
}

async fn show_page(
    user: &CurrentUser,
    inquiry: Inquiry,
    form: LineForm,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    full_page(user, inquiry, form, errors).await
}

async fn full_page(
    user: &CurrentUser,
    inquiry: Inquiry,
    form: LineForm,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let quotes = crate::db::quotes::for_inquiry(&user.state.db.pool, inquiry.id).await?;
    let can_quote = app::quotes::may_quote(&user.ctx, &inquiry);
    let proposal = if can_quote {
        app::quotes::proposal(&user.ctx, &inquiry).await?
    } else {
        vec![]
    };
    let today = user.state.clock.today();
    let can_answer = inquiry.status == InquiryStatus::Quoted
        && inquiry.reseller_id == user.org_id
        && quotes.first().is_some_and(|q| today <= q.valid_until);
    Ok(ShowPage {
        chrome: Chrome::new(user, "/inquiries", inquiry.reference.clone())?,
        editable: editable(user, &inquiry),
        inquiry,
        form,
        errors,
        quotes,
        proposal,
        can_quote,
        can_answer,
        today: today.to_string(),
    })
}

pub async fn show(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    render::page(&show_page(&user, inquiry, LineForm::default(), FieldErrors::default()).await?)
}

/// Reads a line as typed; the translation is judged on `today`.
fn judge(
    snapshot: &Snapshot,
    form: &LineForm,
    today: chrono::NaiveDate,
    errors: &mut FieldErrors,
) -> Option<(Translation, u32)> {
    let months = match form.months.trim() {
        "" => None,
        m => match m.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("months", "Enter the number of months, 1 to 60.");
                None
            }
        },
    };
    let quantity = match form.quantity.trim().parse::<u32>() {
        Ok(q) if q > 0 => Some(q),
        _ => {
            errors.add("quantity", "Enter a quantity of 1 or more.");
            None
        }
    };
    if form.sku.trim().is_empty() {
        errors.add("sku", "Enter a SKU or a legacy SKU.");
        return None;
    }
    let t = snapshot.translate(
        &LineInput {
            line: 1,
            sku: form.sku.clone(),
            months,
        },
        today,
    );
    match t.status {
        Status::Accepted => {}
        Status::Rejected => {
            let suggestion = t
                .suggested
                .as_ref()
                .map(|s| format!(" Use {s}."))
                .unwrap_or_default();
            errors.add("sku", format!("{}{suggestion}", t.message));
        }
        Status::Invalid => errors.add("sku", t.message.clone()),
    }
    Some((t, quantity?)).filter(|_| errors.is_empty())
}

pub async fn preview(
    user: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<LineForm>,
) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let mut errors = FieldErrors::default();
    let judged = judge(&snapshot, &query, user.state.clock.today(), &mut errors);
    let preview = match judged {
        Some((t, q)) => {
            let line = Cents(t.msrp.unwrap_or_default().0 * i64::from(q));
            Preview {
                line_msrp: line.with_currency(&snapshot.currency),
                new_total: Cents(inquiry.total_msrp().0 + line.0).with_currency(&snapshot.currency),
                quantity: q,
                translation: Some(t),
                problem: None,
            }
        }
        None => Preview {
            translation: None,
            quantity: 0,
            line_msrp: String::new(),
            new_total: String::new(),
            problem: errors
                .get("sku")
                .or(errors.get("quantity"))
                .or(errors.get("months"))
                .map(str::to_string),
        },
    };
    render::page(&preview)
}

fn stale(inquiry: &Inquiry) -> AppError {
    app::quotes::stale(inquiry).into()
}

pub async fn add_line(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<LineForm>,
) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    user.require(editable(&user, &inquiry), "change this inquiry")
        .await?;
    let form = form.0;
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let mut errors = FieldErrors::default();
    let Some((t, quantity)) = judge(&snapshot, &form, user.state.clock.today(), &mut errors) else {
        return render::invalid(&show_page(&user, inquiry, form, errors).await?);
    };
    let mut tx = user.state.db.pool.begin().await?;
    if form.version.parse::<i64>().ok() != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, InquiryStatus::Draft).await?
    {
        return Err(stale(&inquiry));
    }
    let sku = t.new_sku.clone().unwrap_or_default();
    let line = NewLine {
        entered: form.sku.trim(),
        months: t.input.months,
        legacy_sku: t.legacy.as_deref(),
        sku: &sku,
        family: &sku[..6.min(sku.len())],
        description: t.description.as_deref().unwrap_or(""),
        quantity,
        unit_msrp: t.msrp.unwrap_or_default(),
    };
    inquiries::add_line(&mut tx, inquiry.id, &line).await?;
    tx.commit().await?;
    Ok(render::see_other(&format!("/inquiries/{}", inquiry.id)))
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

pub async fn remove_line(
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    let inquiry = load(&user, id).await?;
    user.require(editable(&user, &inquiry), "change this inquiry")
        .await?;
    let mut tx = user.state.db.pool.begin().await?;
    if form.0.version.parse::<i64>().ok() != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, InquiryStatus::Draft).await?
    {
        return Err(stale(&inquiry));
    }
    if !inquiries::remove_line(&mut tx, inquiry.id, line).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(render::see_other(&format!("/inquiries/{}", inquiry.id)))
}

pub async fn submit(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    user.require(inquiry.reseller_id == user.org_id, "submit this inquiry")
        .await?;
    inquiry
        .status
        .next(InquiryEvent::Submit)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let today = user.state.clock.today();
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let mut errors = FieldErrors::default();
    if inquiry.lines.is_empty() {
        errors.add("sku", "Add at least one line before you submit.");
    }
    // The acceptance rules of the submission date decide, not those of the day a line was added.
    for l in &inquiry.lines {
        let months = l.months.map(|m| m as u32);
        let t = snapshot.translate(
            &LineInput {
                line: 1,
                sku: l.entered.clone(),
                months,
            },
            today,
        );
        if t.status != Status::Accepted {
            let suggestion = t
                .suggested
                .map(|s| format!(" Use {s}."))
                .unwrap_or_default();
            errors.add(
                "sku",
                format!(
                    "{}: {}{suggestion} Remove the line and add it again.",
                    l.entered, t.message
                ),
            );
        }
    }
    if !errors.is_empty() {
        return render::invalid(&show_page(&user, inquiry, LineForm::default(), errors).await?);
    }
    let mut tx = user.state.db.pool.begin().await?;
    if form.0.version.parse::<i64>().ok() != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, InquiryStatus::Draft).await?
    {
        return Err(stale(&inquiry));
    }
    inquiries::mark_submitted(&mut tx, inquiry.id, &today.to_string(), user.now()).await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        "inquiry_submitted",
        &inquiry.reference,
        &inquiry.distributor_name,
        user.now(),
    )
    .await?;
    let notice = Notice {
        kind: "inquiry_submitted".into(),
        subject: format!(
            "Pricing inquiry {} from {}",
            inquiry.reference, inquiry.reseller_name
        ),
        heading: format!("Pricing inquiry {}", inquiry.reference),
        paragraphs: vec![format!(
            "{} asks for a quote for {} ({} lines, MSRP {}).",
            inquiry.reseller_name,
            inquiry.end_customer_name,
            inquiry.lines.len(),
            inquiry.total()
        )],
        action: Some((
            "Open the inquiry".into(),
            format!(
                "{}/inquiries/{}",
                user.state.settings.public_url(),
                inquiry.id
            ),
        )),
    };
    let event = format!("inquiry:{}:submitted", inquiry.id);
    notify_role(
        &mut tx,
        inquiry.distributor_id,
        ContactRole::Quotes,
        &event,
        &notice,
        &user.state.settings.public_url(),
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!(
            "{} is sent to {}; you will be told when the quote is ready.",
            inquiry.reference, inquiry.distributor_name
        ),
    )?;
    Ok(render::see_other(&format!("/inquiries/{}", inquiry.id)))
}

impl ProposalLine {
    pub fn field(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("bp_{}_{}", self.line.id, d.level.key())
    }
    pub fn reason_field(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("reason_{}_{}", self.line.id, d.level.key())
    }
    pub fn percent(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("{}.{:02}", d.bp.0 / 100, d.bp.0 % 100)
    }
}

#[derive(Deserialize)]
pub struct QuoteForm {
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

pub async fn send_quote(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<QuoteForm>,
) -> Result<HttpResponse, AppError> {
    let fields = form.0.fields;
    let inquiry = app::quotes::load(&user.ctx, *path).await?;
    // The typed percentage of every approved discount, by the form's field names.
    let mut input = app::quotes::QuoteInput {
        version: fields.get("version").and_then(|v| v.parse().ok()),
        note: fields.get("note").cloned().unwrap_or_default(),
        discounts: Vec::new(),
    };
    for pl in app::quotes::proposal(&user.ctx, &inquiry).await? {
        for d in &pl.proposed {
            if let Some(percent) = fields.get(&pl.field(d)) {
                input.discounts.push(app::quotes::TypedDiscount {
                    line: pl.line.id,
                    level: d.level,
                    percent: percent.clone(),
                    reason: fields.get(&pl.reason_field(d)).cloned().unwrap_or_default(),
                });
            }
        }
    }
    match app::quotes::send(&user.ctx, inquiry.id, input).await {
        Ok(sent) => {
            user.session.flash(
                "success",
                format!(
                    "Quote version {} for {} is {}; the reseller is told.",
                    sent.version, inquiry.reference, sent.what
                ),
            )?;
            Ok(render::see_other(&format!("/inquiries/{}", inquiry.id)))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&full_page(&user, inquiry, LineForm::default(), errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn answer(
    user: CurrentUser,
    id: i64,
    answer: Answer,
    version: Option<i64>,
) -> Result<HttpResponse, AppError> {
    let message = match app::quotes::answer(&user.ctx, id, answer, version).await? {
        Answered::Accepted {
            version,
            order,
            distributor,
        } => format!(
            "You accepted quote version {version}: order {order} is placed with {distributor}."
        ),
        Answered::Declined { reference } => format!("You declined the quote for {reference}."),
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&format!("/inquiries/{id}")))
}

pub async fn accept(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    answer(user, *path, Answer::Accept, form.0.version.parse().ok()).await
}

pub async fn decline(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    answer(user, *path, Answer::Decline, form.0.version.parse().ok()).await
}
