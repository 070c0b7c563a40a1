//! Pricing inquiries: a reseller builds one for an end customer from new or legacy SKUs,
//! sees the MSRP only, and submits it to one of its distributors. Legacy SKUs are translated
//! on entry and judged again by the rule of the submission date.

use crate::app;
use crate::app::quotes::{Answer, Answered};
use crate::db::inquiries::{self, Inquiry, Scope};
use crate::db::{catalogue, deals, orgs};
use crate::domain::catalogue::Translation;
use crate::domain::status::InquiryStatus;
use crate::domain::{Cents, InquiryId, OrgId, OrgKind};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

async fn scope(user: &CurrentUser) -> Result<Scope, AppError> {
    user.trade_scope("see pricing inquiries").await
}

#[derive(Template)]
#[template(path = "pages/inquiries/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub items: Vec<Inquiry>,
    pub pager: crate::web::views::Pager,
    pub can_create: bool,
    pub resellers: Vec<(OrgId, String)>,
    pub query: ListQuery,
}

impl ListPage {
    pub fn statuses(&self) -> [InquiryStatus; 6] {
        InquiryStatus::ALL
    }
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.query.reseller.as_deref() == Some(id.0.to_string().as_str())
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reseller: Option<String>,
    /// Submitted at least this many days ago.
    #[serde(default)]
    pub older_than: Option<String>,
    /// Where the page starts.
    #[serde(flatten, skip_serializing)]
    pub page: crate::domain::paging::CursorFields,
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
    let pool = &user.state.db.pool;
    let (list, pager) = crate::web::views::Pager::read(
        &user.state,
        format!("inquiries {scope:?} {filter:?}"),
        inquiries::list(&user.state.db, scope, &filter, query.page.cursor()),
        inquiries::count(pool, scope, &filter),
        &format!(
            "/inquiries?{}",
            serde_html_form::to_string(&query).unwrap_or_default()
        ),
        ("inquiry", "inquiries"),
    )
    .await?;
    // Distributors filter by the resellers they supply.
    let resellers = match scope {
        Scope::Distributor(d) => crate::db::orders::resellers_of(&user.state.db.pool, d).await?,
        _ => vec![],
    };
    let page = ListPage {
        chrome: Chrome::new(&user, "/inquiries", "Pricing inquiries")?,
        pager,
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
    /// The deal registration the inquiry is started for.
    pub deal: Option<crate::db::deals::Deal>,
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
    Ok(orgs::suppliers(&user.state.db.pool, user.org_id)
        .await?
        .iter()
        .map(orgs::Supplier::choice)
        .collect())
}

async fn new_page(
    user: &CurrentUser,
    mut form: NewForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    // Started from a deal registration: its end customer and distributor.
    let deal = if form.deal.trim().is_empty() {
        None
    } else {
        match app::inquiries::deal_for_inquiry(&user.ctx, &form.deal).await {
            Ok(d) => Some(d),
            Err(app::Error::Invalid(_)) => {
                form.deal.clear();
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    if let Some(d) = &deal {
        form.end_customer = d.end_customer_id.to_string();
        form.distributor = d.distributor_id.0.to_string();
    }
    Ok(NewPage {
        deal,
        chrome: Chrome::new(user, "/inquiries", "New pricing inquiry")?,
        customers: deals::end_customers(&user.state.db.pool, user.scope(), user.org_id).await?,
        distributors: suppliers(user).await?,
        form,
        errors,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub deal: String,
}

pub async fn new_form(
    user: CurrentUser,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    let form = NewForm {
        deal: query.deal.clone(),
        ..NewForm::default()
    };
    render::page(&new_page(&user, form, FieldErrors::default()).await?)
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
    /// The deal registration the inquiry is for (its id), if any.
    #[serde(default)]
    pub deal: String,
}

pub async fn create(user: CurrentUser, form: CsrfForm<NewForm>) -> Result<HttpResponse, AppError> {
    require_reseller(&user).await?;
    let form = form.0;
    let input = app::inquiries::NewInquiry {
        end_customer: app::deals::TypedEndCustomer {
            selected: form.end_customer.clone(),
            new_name: form.new_customer_name.clone(),
            new_contact: form.new_customer_contact.clone(),
            new_email: form.new_customer_email.clone(),
        },
        distributor: form.distributor.clone(),
        deal: form.deal.clone(),
    };
    match app::inquiries::create(&user.ctx, input).await {
        Ok(id) => Ok(render::see_other(&format!("/inquiries/{id}"))),
        Err(app::Error::Invalid(errors)) => render::invalid(&new_page(&user, form, errors).await?),
        Err(e) => Err(e.into()),
    }
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
    pub can_answer: bool,
    pub today: String,
    /// For the dates a renewal or change would run if processed today.
    pub today_date: chrono::NaiveDate,
    /// A renewal term typed that was refused: (line, what was typed), shown again.
    pub typed_term: Option<(i64, String)>,
    /// The quote desk, for staff who may quote this inquiry.
    pub desk: Option<super::quotes::Desk>,
    /// Whether the caller reads the internal note and the reasons kept internal.
    pub sees_internal: bool,
    /// The order placed from the accepted quote: (id, reference).
    pub order: Option<(crate::domain::OrderId, String)>,
}

impl ShowPage {
    pub fn money<C: std::borrow::Borrow<Cents>>(&self, c: C) -> String {
        c.borrow().with_currency(&self.inquiry.currency)
    }
    pub fn term_error(&self, line: &i64) -> Option<&str> {
        self.errors.get(&format!("term_{line}"))
    }
    /// The term field of a renewal line: what was typed when refused, else the SKU's term.
    pub fn term_value(&self, line: &crate::db::inquiries::Line) -> String {
        match &self.typed_term {
            Some((id, typed)) if *id == line.id => typed.clone(),
            _ => line
                .sku
                .get(11..13)
                .unwrap_or("")
                .trim_start_matches('0')
                .to_string(),
        }
    }
    /// Whether a line is a renewal whose term the reseller may change here.
    pub fn term_changeable(&self, line: &crate::db::inquiries::Line) -> bool {
        self.editable && line.changes_entry.is_some() && app::orders::is_renewal(&line.sku)
    }
}

#[derive(Template)]
#[template(path = "partials/inquiry_preview.html")]
pub struct Preview {
    pub translation: Option<Translation>,
    /// The quantity falls outside the SKU's user band.
    pub warning: Option<String>,
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
    /// The suggested SKU's button without JavaScript: put it in the field, add nothing.
    #[serde(default)]
    pub use_sku: String,
}

async fn load(user: &CurrentUser, id: InquiryId) -> Result<Inquiry, AppError> {
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
    let quotes = app::quotes::versions(&user.ctx, &inquiry).await?;
    let desk = super::quotes::desk(user, &inquiry, &quotes).await?;
    let sees_internal = app::quotes::sees_internal(&user.ctx, &inquiry);
    let today = user.state.clock.today();
    let order = if inquiry.status == InquiryStatus::Accepted {
        crate::db::orders::of_inquiry(&user.state.db.pool, user.scope(), inquiry.id).await?
    } else {
        None
    };
    let can_answer = inquiry.status == InquiryStatus::Quoted
        && inquiry.reseller_id == user.org_id
        && quotes.first().is_some_and(|q| today <= q.valid_until);
    Ok(ShowPage {
        chrome: Chrome::new(user, "/inquiries", inquiry.reference.clone())?,
        editable: editable(user, &inquiry),
        inquiry,
        form,
        errors,
        sees_internal,
        quotes,
        desk,
        can_answer,
        today: today.to_string(),
        today_date: today,
        typed_term: None,
        order,
    })
}

pub async fn show(user: CurrentUser, path: web::Path<InquiryId>) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    render::page(&show_page(&user, inquiry, LineForm::default(), FieldErrors::default()).await?)
}

impl LineForm {
    fn typed(&self) -> app::inquiries::TypedLine {
        app::inquiries::TypedLine {
            sku: self.sku.clone(),
            months: self.months.clone(),
            quantity: self.quantity.clone(),
        }
    }
}

pub async fn preview(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    query: web::Query<LineForm>,
) -> Result<HttpResponse, AppError> {
    let inquiry = load(&user, *path).await?;
    let snapshot = catalogue::snapshot(&user.state.db.pool, &inquiry.currency).await?;
    let mut errors = FieldErrors::default();
    let judged = app::inquiries::judge(&snapshot, &query.typed(), user.ctx.today, &mut errors);
    let preview = match judged {
        Some((t, q)) => {
            let line = t.msrp().unwrap_or_default() * i64::from(q);
            Preview {
                warning: t
                    .new_sku()
                    .and_then(|sku| sku.get(6..9).map(str::to_string))
                    .and_then(|band| crate::domain::sku::band_warning(&band, q)),
                line_msrp: line.with_currency(&snapshot.currency),
                new_total: (inquiry.total_msrp() + line).with_currency(&snapshot.currency),
                quantity: q,
                translation: Some(t),
                problem: None,
            }
        }
        None => Preview {
            translation: None,
            warning: None,
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

pub async fn add_line(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    form: CsrfForm<LineForm>,
) -> Result<HttpResponse, AppError> {
    let mut form = form.0;
    if !form.use_sku.trim().is_empty() {
        form.sku = std::mem::take(&mut form.use_sku);
        form.months.clear();
        let inquiry = load(&user, *path).await?;
        return render::page(&show_page(&user, inquiry, form, FieldErrors::default()).await?);
    }
    let seen = form.version.parse().ok();
    match app::inquiries::add_line(&user.ctx, *path, &form.typed(), seen).await {
        Ok(()) => Ok(render::see_other(&format!("/inquiries/{}", *path))),
        Err(app::Error::Invalid(errors)) => {
            let inquiry = load(&user, *path).await?;
            render::invalid(&show_page(&user, inquiry, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    term: String,
}

/// A renewal line's term, changed on the draft (the link to its entry stays).
pub async fn change_term(
    user: CurrentUser,
    path: web::Path<(InquiryId, i64)>,
    form: CsrfForm<TermForm>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    let form = form.0;
    let seen = form.version.parse().ok();
    match app::inquiries::change_renewal_term(&user.ctx, id, line, &form.term, seen).await {
        Ok(()) => Ok(render::see_other(&format!("/inquiries/{id}"))),
        Err(app::Error::Invalid(errors)) => {
            let inquiry = load(&user, id).await?;
            let page = show_page(&user, inquiry, LineForm::default(), errors).await?;
            render::invalid(&ShowPage {
                typed_term: Some((line, form.term)),
                ..page
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

pub async fn remove_line(
    user: CurrentUser,
    path: web::Path<(InquiryId, i64)>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    app::inquiries::remove_line(&user.ctx, id, line, form.0.version.parse().ok()).await?;
    Ok(render::see_other(&format!("/inquiries/{id}")))
}

pub async fn submit(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    match app::inquiries::submit(&user.ctx, *path, form.0.version.parse().ok()).await {
        Ok(inquiry) => {
            user.session.flash(
                "success",
                format!(
                    "{} is sent to {}; you will be told when the quote is ready.",
                    inquiry.reference, inquiry.distributor_name
                ),
            )?;
            Ok(render::see_other(&format!("/inquiries/{}", inquiry.id)))
        }
        Err(app::Error::Invalid(errors)) => {
            let inquiry = load(&user, *path).await?;
            render::invalid(&show_page(&user, inquiry, LineForm::default(), errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn answer(
    user: CurrentUser,
    id: InquiryId,
    answer: Answer,
    version: Option<i64>,
    po_reference: &str,
) -> Result<HttpResponse, AppError> {
    let answered = match app::quotes::answer(&user.ctx, id, answer, version, po_reference).await {
        Ok(answered) => answered,
        Err(app::Error::Invalid(errors)) => {
            let page = accept_page(&user, id, po_reference, errors).await?;
            return render::invalid(&page);
        }
        Err(e) => return Err(e.into()),
    };
    // Accepting lands on the order it placed; declining stays on the inquiry.
    let (message, next) = match answered {
        Answered::Accepted {
            version,
            order_id,
            order,
            distributor,
        } => (
            format!(
                "You accepted quote version {version}: order {order} is placed with {distributor}."
            ),
            format!("/orders/{order_id}"),
        ),
        Answered::Declined { reference } => (
            format!("You declined the quote for {reference}."),
            format!("/inquiries/{id}"),
        ),
    };
    user.session.flash("success", message)?;
    Ok(render::see_other(&next))
}

/// The confirmation before a binding order: what is accepted, and the purchase-order reference.
#[derive(Template)]
#[template(path = "pages/inquiries/accept.html")]
pub struct AcceptPage {
    pub chrome: Chrome,
    pub inquiry: Inquiry,
    pub quote: crate::db::quotes::Quote,
    pub po_reference: String,
    /// The reseller asks for a purchase-order reference on every order.
    pub po_required: bool,
    pub errors: FieldErrors,
}

impl AcceptPage {
    pub fn po_label(&self) -> &'static str {
        if self.po_required {
            "Your purchase-order reference (required)"
        } else {
            "Your purchase-order reference (optional)"
        }
    }
    pub fn money<C: std::borrow::Borrow<Cents>>(&self, c: C) -> String {
        c.borrow().with_currency(&self.inquiry.currency)
    }
}

async fn accept_page(
    user: &CurrentUser,
    id: InquiryId,
    po_reference: &str,
    errors: FieldErrors,
) -> Result<AcceptPage, AppError> {
    let inquiry = load(user, id).await?;
    user.require(inquiry.reseller_id == user.org_id, "accept this quote")
        .await?;
    if inquiry.status != InquiryStatus::Quoted {
        return Err(AppError::Conflict(format!(
            "The quote for {} is not waiting for an answer (it is {}).",
            inquiry.reference, inquiry.status
        )));
    }
    let quote = app::quotes::versions(&user.ctx, &inquiry)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let po_required =
        crate::db::orgs::po_required(&user.state.db.pool, inquiry.reseller_id).await?;
    Ok(AcceptPage {
        po_required,
        chrome: Chrome::new(
            user,
            "/inquiries",
            format!("Accept the quote for {}", inquiry.reference),
        )?,
        inquiry,
        quote,
        po_reference: po_reference.to_string(),
        errors,
    })
}

pub async fn accept_form(
    user: CurrentUser,
    path: web::Path<InquiryId>,
) -> Result<HttpResponse, AppError> {
    render::page(&accept_page(&user, *path, "", FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    po_reference: String,
}

pub async fn accept(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    form: CsrfForm<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    answer(
        user,
        *path,
        Answer::Accept,
        form.version.parse().ok(),
        &form.po_reference,
    )
    .await
}

pub async fn decline(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    form: CsrfForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    answer(
        user,
        *path,
        Answer::Decline,
        form.0.version.parse().ok(),
        "",
    )
    .await
}
