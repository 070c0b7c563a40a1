//! Orders and license schedules. The vendor processes placed orders (a job in `serve`, or
//! this page's button); each line becomes an entry of the end customer's license schedule.

use crate::db::orders::{self, Entry, Order, Scope};
use crate::domain::paging::Cursor;
use crate::domain::schedule::{status_on, EntryStatus, Period};
use crate::domain::EntryId;
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::views::Pager;
use crate::web::{render, AppError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

async fn scope(user: &CurrentUser) -> Result<Scope, AppError> {
    user.trade_scope("see orders and license schedules").await
}

#[derive(Template)]
#[template(path = "pages/orders/list.html")]
pub struct OrdersPage {
    pub chrome: Chrome,
    pub orders: Vec<Order>,
    pub can_process: bool,
    /// Distributors enter orders for the resellers they supply.
    pub can_enter: bool,
    pub waiting: i64,
    pub pager: Pager,
}

pub async fn list(
    user: CurrentUser,
    query: web::Query<crate::domain::paging::CursorFields>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let pool = &user.state.db.pool;
    let (window, pager) = Pager::read(
        &user.state,
        format!("orders {scope:?}"),
        orders::list(&user.state.db, scope, query.cursor()),
        orders::count(pool, scope),
        "/orders?",
        ("order", "orders"),
    )
    .await?;
    let page = OrdersPage {
        chrome: Chrome::new(&user, "/orders", "Orders")?,
        waiting: crate::db::dashboard::orders_waiting(pool, scope).await?,
        can_process: user.role.is_vendor_admin(),
        can_enter: user.org_kind == crate::domain::OrgKind::Distributor,
        pager,
        orders: window.items,
    };
    render::page(&page)
}

#[derive(Template)]
#[template(path = "pages/orders/show.html")]
pub struct OrderPage {
    pub chrome: Chrome,
    pub view: crate::app::orders::OrderView,
    pub today: chrono::NaiveDate,
}

impl OrderPage {
    pub fn placed(&self) -> String {
        crate::clock::format_timestamp(self.view.order.created_at)
    }
    pub fn processed(&self) -> String {
        self.view
            .order
            .processed_at
            .map(crate::clock::format_timestamp)
            .unwrap_or_default()
    }
    pub fn window_ends(&self) -> String {
        self.view
            .waits_until
            .map(crate::clock::format_timestamp)
            .unwrap_or_default()
    }
    pub fn money(&self, c: &crate::domain::Cents) -> String {
        c.with_currency(&self.view.order.currency)
    }
}

/// One order: its lines (with the entries they renew or change), status history, and the
/// schedule entries it created.
pub async fn show(
    user: CurrentUser,
    path: web::Path<crate::domain::OrderId>,
) -> Result<HttpResponse, AppError> {
    let view = crate::app::orders::show(&user.ctx, *path).await?;
    render::page(&OrderPage {
        chrome: Chrome::new(&user, "/orders", format!("Order {}", view.order.reference))?,
        today: user.ctx.today,
        view,
    })
}

pub async fn process(user: CurrentUser, _f: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let today = user.ctx.today;
    let stats = crate::app::orders::process_now(&user.ctx).await?;
    let text = if stats.waiting > 0 {
        format!(
            "{} {}: a maintenance window is in force. {} processed after it, with that day's completion date.",
            crate::domain::paging::counted(stats.waiting, "order", "orders"),
            if stats.waiting == 1 { "waits" } else { "wait" },
            if stats.waiting == 1 { "It is" } else { "They are" }
        )
    } else if stats.orders == 0 {
        "No placed order was waiting.".to_string()
    } else {
        format!(
            "Processed {} with completion date {today}: {} issued and mailed.",
            crate::domain::paging::counted(stats.orders, "order", "orders"),
            crate::domain::paging::counted(
                stats.entries,
                "license schedule entry",
                "license schedule entries"
            )
        )
    };
    user.session.flash("success", text)?;
    Ok(render::see_other("/orders"))
}

pub struct Row {
    pub entry: Entry,
    pub status: EntryStatus,
    /// Ticked for renewal (the page was opened from a renewal reminder).
    pub ticked: bool,
}

impl Row {
    /// The start and end dates as `YYYY-MM-DD`, written directly (a page lists a hundred).
    pub fn start(&self) -> crate::web::views::IsoDate {
        crate::web::views::IsoDate(self.entry.start)
    }
    pub fn end(&self) -> crate::web::views::IsoDate {
        crate::web::views::IsoDate(self.entry.end)
    }
    /// The order that created the entry, when the viewer may open it (a distributor sees only
    /// its own orders of a reseller it supplies).
    pub fn order_link(&self, viewer: &crate::db::Scope) -> Option<crate::domain::OrderId> {
        let (order, sold_by) = self.entry.order?;
        match viewer {
            crate::db::Scope::Distributor(d) if *d != sold_by => None,
            _ => Some(order),
        }
    }

    /// A standard subscription that has not ended can get a co-termed upgrade or add-on.
    pub fn changeable(&self) -> bool {
        self.renewable() && self.status != EntryStatus::Expired
    }

    /// A standard subscription (not hardware, NFR or MSP) can be asked to be renewed.
    pub fn renewable(&self) -> bool {
        crate::domain::Sku::parse(&self.entry.sku).is_ok_and(|s| {
            let f = s.fields();
            f.channel == crate::domain::sku::Channel::Standard
                && f.transaction != crate::domain::sku::Transaction::Hardware
        })
    }
}

#[derive(Template)]
#[template(path = "pages/orders/licenses.html")]
pub struct LicensesPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub families: Vec<(String, String)>,
    /// The end customer shown alone (from a link), whose schedule can be printed and
    /// downloaded as a PDF.
    pub single: Option<(i64, String)>,
    pub query: LicenseQuery,
    pub query_string: String,
    pub pager: Pager,
    pub errors: crate::web::forms::FieldErrors,
    /// Distributors and the vendor see several resellers' schedules and filter by reseller.
    pub many_resellers: bool,
    /// A reseller's people choose entries and ask for their renewal pricing.
    pub can_renew: bool,
    /// Whose page it is, for the links to orders.
    pub viewer: crate::db::Scope,
}

impl LicensesPage {
    pub fn family_selected(&self, code: &str) -> bool {
        self.query.family.as_deref() == Some(code)
    }
    pub fn filtered(&self) -> bool {
        self.query_string.split('&').any(|kv| !kv.ends_with('='))
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct LicenseQuery {
    #[serde(default)]
    pub end_customer: Option<String>,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub reseller: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub ends_from: Option<String>,
    #[serde(default)]
    pub ends_to: Option<String>,
    /// Where the page starts; links write these.
    #[serde(flatten, skip_serializing)]
    pub page: crate::domain::paging::CursorFields,
    /// Entries to tick for "Ask for renewal pricing" (ids separated by commas), as a renewal
    /// reminder links them.
    #[serde(skip_serializing)]
    #[serde(default)]
    pub renew: Option<String>,
}

const PER_PAGE: usize = 50;
/// The most rows one CSV download holds; narrow the filter for more.
const CSV_MAX: i64 = 200_000;

impl LicenseQuery {
    /// Whether entry `id` is among those to tick for renewal.
    fn ticks(&self, id: EntryId) -> bool {
        self.renew.as_deref().is_some_and(|list| {
            list.split(',')
                .any(|p| p.trim().parse::<i64>().ok() == Some(id.0))
        })
    }

    /// The filter, with a message for each field that is not understood.
    fn filter(&self) -> (orders::EntryFilter, crate::web::forms::FieldErrors) {
        let mut errors = crate::web::forms::FieldErrors::default();
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
        let mut date = |field: &str, v: &Option<String>| {
            let t = text(v);
            if t.is_empty() {
                return None;
            }
            let d = chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok();
            if d.is_none() {
                errors.add(field, "Enter the date as YYYY-MM-DD.");
            }
            d
        };
        let (ends_from, ends_to) = (
            date("ends_from", &self.ends_from),
            date("ends_to", &self.ends_to),
        );
        if let (Some(from), Some(to)) = (ends_from, ends_to) {
            if from > to {
                errors.add(
                    "ends_to",
                    format!(
                        "This date ({to}) is before “Ends on or after” ({from}): no entry can end in between. Swap the two dates, or clear one."
                    ),
                );
            }
        }
        let filter = orders::EntryFilter {
            end_customer: text(&self.end_customer).parse().ok(),
            customer: text(&self.customer),
            reseller: text(&self.reseller),
            status: match text(&self.status).as_str() {
                "upcoming" => Some(EntryStatus::Upcoming),
                "active" => Some(EntryStatus::Active),
                "expiring" => Some(EntryStatus::Expiring),
                "expired" => Some(EntryStatus::Expired),
                _ => None,
            },
            family: text(&self.family),
            ends_from,
            ends_to,
            ..orders::EntryFilter::default()
        };
        (filter, errors)
    }

    fn cursor(&self) -> Cursor {
        self.page.cursor()
    }
}

fn row(e: Entry, today: chrono::NaiveDate) -> Row {
    Row {
        status: status_on(
            Period {
                start: e.start,
                end: e.end,
            },
            today,
        ),
        entry: e,
        ticked: false,
    }
}

/// The end customer's name, from the page's first row, or (when the other filters leave no
/// rows) from one entry of its schedule in scope.
async fn customer_named(
    user: &CurrentUser,
    id: i64,
    first: Option<&Entry>,
) -> Result<Option<(i64, String)>, AppError> {
    if let Some(e) = first {
        return Ok(Some((id, e.end_customer_name.clone())));
    }
    let only = orders::EntryFilter {
        end_customer: Some(id),
        ..orders::EntryFilter::default()
    };
    Ok(orders::schedule(
        &user.state.db,
        user.scope(),
        &only,
        user.ctx.today,
        Cursor::First,
        1,
    )
    .await?
    .items
    .first()
    .map(|e| (id, e.end_customer_name.clone())))
}

pub async fn licenses(
    user: CurrentUser,
    query: web::Query<LicenseQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let query = query.into_inner();
    let (filter, errors) = query.filter();
    let today = user.state.clock.today();
    let db = &user.state.db;
    let pool = &db.pool;
    let query_string = serde_html_form::to_string(&query).unwrap_or_default();
    let (window, pager) = Pager::read(
        &user.state,
        format!("licenses {scope:?} {filter:?} {today}"),
        orders::schedule(db, scope, &filter, today, query.cursor(), PER_PAGE),
        orders::schedule_count(pool, scope, &filter, today),
        &format!("/licenses?{query_string}"),
        ("entry", "entries"),
    )
    .await?;
    let single = match filter.end_customer {
        Some(id) => customer_named(&user, id, window.items.first()).await?,
        None => None,
    };
    // The family names, the same in every price book.
    let families = user
        .state
        .catalogue
        .snapshot(&user.state.db, crate::db::catalogue::DEFAULT_CURRENCY)
        .await?
        .families();
    let page = LicensesPage {
        chrome: Chrome::new(&user, "/licenses", "License schedules")?,
        rows: window
            .items
            .into_iter()
            .map(|e| {
                let mut r = row(e, today);
                r.ticked = query.ticks(r.entry.id);
                r
            })
            .collect(),
        families,
        single,
        query,
        query_string,
        pager,
        errors,
        many_resellers: user.org_kind != crate::domain::OrgKind::Reseller,
        can_renew: user.org_kind == crate::domain::OrgKind::Reseller,
        viewer: scope,
    };
    render::page(&page)
}

/// The printable schedule of one end customer: the same entries as its PDF, on a page with
/// nothing else, laid out for paper.
#[derive(Template)]
#[template(path = "pages/orders/print.html")]
pub struct PrintPage {
    pub title: String,
    pub customer: String,
    pub reseller: String,
    pub today: String,
    pub rows: Vec<Row>,
}

/// One end customer's entries with its name and its reseller's; another organisation's end
/// customer (or one without entries) is not found.
async fn one_schedule(
    user: &CurrentUser,
    end_customer: i64,
) -> Result<(Vec<Entry>, String, String), AppError> {
    let scope = scope(user).await?;
    let entries = orders::entries(&user.state.db.pool, scope, Some(end_customer)).await?;
    let first = entries.first().ok_or(AppError::NotFound)?;
    let (customer, reseller) = (first.end_customer_name.clone(), first.reseller_name.clone());
    Ok((entries, customer, reseller))
}

pub async fn licenses_print(
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (entries, customer, reseller) = one_schedule(&user, *path).await?;
    let today = user.state.clock.today();
    render::page(&PrintPage {
        title: format!("License schedule of {customer}"),
        customer,
        reseller,
        today: today.to_string(),
        rows: entries.into_iter().map(|e| row(e, today)).collect(),
    })
}

pub async fn licenses_csv(
    user: CurrentUser,
    query: web::Query<LicenseQuery>,
    bom: web::Query<render::Bom>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let (filter, errors) = query.filter();
    if !errors.is_empty() {
        return Err(AppError::BadRequest(
            "A date of the filter is not a date (YYYY-MM-DD).".into(),
        ));
    }
    let today = user.state.clock.today();
    let download = ScheduleDownload {
        db: user.state.db.clone(),
        scope,
        filter,
        today,
        sent: 0,
        cursor: Cursor::First,
        started: false,
        done: false,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"license-schedule.csv\"",
        ))
        .streaming(futures_util::StreamExt::chain(
            futures_util::stream::once(async move {
                Ok::<_, AppError>(actix_web::web::Bytes::from_static(bom.prefix()))
            }),
            futures_util::stream::unfold(download, |mut d| async move {
                d.next_chunk().await.map(|chunk| (chunk, d))
            }),
        )))
}

/// How many rows the download reads from the database at a time.
const CSV_CHUNK: i64 = 2_000;

/// A schedule download in progress: it reads [`CSV_CHUNK`] entries at a time after the last
/// one sent, so memory stays small however long the file (up to [`CSV_MAX`] rows).
struct ScheduleDownload {
    db: crate::db::Db,
    scope: crate::db::Scope,
    filter: orders::EntryFilter,
    today: chrono::NaiveDate,
    sent: i64,
    /// Where the next chunk starts: after the last entry sent.
    cursor: Cursor,
    started: bool,
    done: bool,
}

impl ScheduleDownload {
    /// The next part of the file (the header row first), or None at the end.
    async fn next_chunk(&mut self) -> Option<Result<actix_web::web::Bytes, AppError>> {
        if self.done {
            return None;
        }
        let mut out = crate::domain::csv_export::CsvOut::default();
        if !self.started {
            self.started = true;
            if let Err(e) = out.row(SCHEDULE_CSV_HEADER) {
                self.done = true;
                return Some(Err(AppError::Unexpected(e.into())));
            }
        }
        let limit = CSV_CHUNK.min(CSV_MAX - self.sent);
        let window = match orders::schedule(
            &self.db,
            self.scope,
            &self.filter,
            self.today,
            self.cursor,
            limit as usize,
        )
        .await
        {
            Ok(window) => window,
            Err(e) => {
                tracing::error!(error = %e, "the schedule download stopped");
                self.done = true;
                return Some(Err(e.into()));
            }
        };
        self.sent += window.items.len() as i64;
        match window.next {
            Some(next) if self.sent < CSV_MAX => self.cursor = next,
            _ => self.done = true,
        }
        for e in window.items {
            let r = row(e, self.today);
            if let Err(e) = out.row(schedule_csv_cells(&r)) {
                self.done = true;
                return Some(Err(AppError::Unexpected(e.into())));
            }
        }
        Some(
            out.finish()
                .map(actix_web::web::Bytes::from)
                .map_err(AppError::Unexpected),
        )
    }
}

const SCHEDULE_CSV_HEADER: [&str; 9] = [
    "end_customer",
    "reseller",
    "product",
    "sku",
    "quantity",
    "start_date",
    "end_date",
    "order",
    "status",
];

/// One schedule row's CSV cells, in the header's order.
fn schedule_csv_cells(r: &Row) -> [String; 9] {
    let e = &r.entry;
    [
        e.end_customer_name.clone(),
        e.reseller_name.clone(),
        e.description.clone(),
        e.sku.clone(),
        e.quantity.to_string(),
        e.start.to_string(),
        e.end.to_string(),
        e.order_reference.clone(),
        r.status.as_str().to_string(),
    ]
}

/// One end customer's schedule as a PDF. Another organisation's end customer is not found.
pub async fn licenses_pdf(
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (entries, customer, reseller) = one_schedule(&user, *path).await?;
    let pdf = crate::web::pdf::schedule(&customer, &reseller, &entries, user.state.clock.today())?;
    let file: String = customer
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"license-schedule-{file}.pdf\""),
        ))
        .body(pdf))
}

#[derive(Deserialize)]
pub struct RenewForm {
    #[serde(default)]
    entries: Vec<String>,
    /// "Everything expiring in the next 90 days" instead of the ticked entries.
    #[serde(default)]
    expiring: Option<String>,
    /// On one end customer's schedule: that end customer.
    #[serde(default)]
    end_customer: Option<String>,
}

/// "Ask for renewal pricing" on the schedule: a draft inquiry per end customer with one
/// renewal line per chosen entry (or per entry expiring in the next 90 days), opened for the
/// reseller to check and submit.
pub async fn ask_renewal_pricing(
    user: CurrentUser,
    form: CsrfForm<RenewForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let end_customer = form.end_customer.as_deref().and_then(|c| c.parse().ok());
    let back = match end_customer {
        Some(id) => format!("/licenses?end_customer={id}"),
        None => "/licenses".into(),
    };
    let entries = if form.expiring.is_some() {
        crate::app::inquiries::expiring_entries(&user.ctx, end_customer).await
    } else {
        Ok(form.entries.iter().filter_map(|e| e.parse().ok()).collect())
    };
    let drafts = match entries {
        Ok(entries) => crate::app::inquiries::ask_renewal_pricing(&user.ctx, &entries).await,
        Err(e) => Err(e),
    };
    match drafts {
        Ok(ids) if ids.len() == 1 => {
            let id = ids[0];
            user.session.flash(
                "success",
                "This draft asks for renewal pricing: each line renews its schedule entry from the day after it ends. Check the quantities, then submit it to the distributor.",
            )?;
            Ok(render::see_other(&format!("/inquiries/{id}")))
        }
        Ok(ids) => {
            user.session.flash(
                "success",
                format!("{} draft inquiries ask for renewal pricing, one per end customer. Open each, check the quantities and submit it to the distributor.", ids.len()),
            )?;
            Ok(render::see_other("/inquiries?status=draft"))
        }
        Err(crate::app::Error::Invalid(errors)) => {
            user.session.flash_refusal(&errors)?;
            Ok(render::see_other(&back))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/orders/change.html")]
pub struct ChangePage {
    pub chrome: Chrome,
    pub offer: crate::app::inquiries::ChangeOffer,
    pub today: String,
    pub form: ChangeForm,
    pub errors: crate::web::forms::FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub quantity: String,
}

async fn change_page(
    user: &CurrentUser,
    entry: EntryId,
    form: Option<ChangeForm>,
    errors: crate::web::forms::FieldErrors,
) -> Result<Result<ChangePage, crate::app::Error>, AppError> {
    let offer = match crate::app::inquiries::change_offer(&user.ctx, entry).await {
        Ok(offer) => offer,
        Err(e @ crate::app::Error::Invalid(_)) => return Ok(Err(e)),
        Err(e) => return Err(e.into()),
    };
    let form = form.unwrap_or_else(|| ChangeForm {
        product: offer.own_product(),
        quantity: offer.entry.quantity.to_string(),
    });
    Ok(Ok(ChangePage {
        chrome: Chrome::new(user, "/licenses", "Upgrade or add to a subscription")?,
        today: user.ctx.today.to_string(),
        offer,
        form,
        errors,
    }))
}

/// Back to the schedule with why an entry cannot be changed.
fn cannot_change(user: &CurrentUser, e: crate::app::Error) -> Result<HttpResponse, AppError> {
    match e {
        crate::app::Error::Invalid(errors) => {
            user.session.flash_refusal(&errors)?;
            Ok(render::see_other("/licenses"))
        }
        e => Err(e.into()),
    }
}

/// "Upgrade or add" for one schedule entry: the co-termed change's dates and SKU, and a form
/// for what to add.
pub async fn change_form(
    user: CurrentUser,
    path: web::Path<EntryId>,
) -> Result<HttpResponse, AppError> {
    let empty = crate::web::forms::FieldErrors::default();
    match change_page(&user, *path, None, empty).await? {
        Ok(page) => render::page(&page),
        Err(e) => cannot_change(&user, e),
    }
}

/// Opens a draft inquiry with the co-termed change line, for the reseller to check and submit.
pub async fn ask_change_pricing(
    user: CurrentUser,
    path: web::Path<EntryId>,
    form: CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let input = crate::app::inquiries::ChangeInput {
        product: form.product.clone(),
        quantity: form.quantity.clone(),
    };
    match crate::app::inquiries::ask_change_pricing(&user.ctx, *path, &input).await {
        Ok(id) => {
            user.session.flash(
                "success",
                "This draft asks for the pricing of a mid-term change: it starts when the order is processed and ends with the subscription it changes. Check it, then submit it to the distributor.",
            )?;
            Ok(render::see_other(&format!("/inquiries/{id}")))
        }
        Err(crate::app::Error::Invalid(errors)) if !errors.has("entries") => {
            match change_page(&user, *path, Some(form), errors).await? {
                Ok(page) => render::invalid(&page),
                Err(e) => cannot_change(&user, e),
            }
        }
        Err(e) => cannot_change(&user, e),
    }
}
