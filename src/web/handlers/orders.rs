//! Orders and license schedules. The vendor processes placed orders (a job in `serve`, or
//! this page's button); each line becomes an entry of the end customer's license schedule.

use crate::clock::format_timestamp;
use crate::db::audit;
use crate::db::orders::{self, Entry, Order, Scope};
use crate::domain::schedule::{status_on, EntryStatus, Period};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

async fn scope(user: &CurrentUser) -> Result<Scope, AppError> {
    user.trade_scope("see orders and license schedules").await
}

impl Order {
    pub fn placed(&self) -> String {
        format_timestamp(self.created_at)
    }
}

#[derive(Template)]
#[template(path = "pages/orders/list.html")]
pub struct OrdersPage {
    pub chrome: Chrome,
    pub orders: Vec<Order>,
    pub can_process: bool,
    /// Distributors enter orders for the resellers they supply.
    pub can_enter: bool,
    pub waiting: usize,
}

pub async fn list(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let orders = orders::list(&user.state.db.pool, scope).await?;
    let page = OrdersPage {
        chrome: Chrome::new(&user, "/orders", "Orders")?,
        waiting: orders.iter().filter(|o| o.completed_on.is_none()).count(),
        can_process: user.role.is_vendor_admin(),
        can_enter: user.org_kind == crate::domain::OrgKind::Distributor,
        orders,
    };
    render::page(&page)
}

pub async fn process(user: CurrentUser, _f: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    user.require(user.role.is_vendor_admin(), "process orders")
        .await?;
    let today = user.state.clock.today();
    let stats = crate::jobs::process_orders(
        &user.state.db,
        today,
        Some(user.id.0),
        &user.state.settings.public_url(),
        user.now(),
    )
    .await?;
    let detail = format!(
        "{} orders, {} entries, completed {today}",
        stats.orders, stats.entries
    );
    audit::record(
        &user.state.db.pool,
        &user.actor(),
        "orders_processed",
        "orders",
        &detail,
        user.now(),
    )
    .await?;
    let text = if stats.waiting > 0 {
        format!("{} orders wait: a maintenance window is in force. They are processed after it, with that day's completion date.", stats.waiting)
    } else if stats.orders == 0 {
        "No placed order was waiting.".to_string()
    } else {
        format!("Processed {} orders with completion date {today}: {} license schedule entries issued and mailed.", stats.orders, stats.entries)
    };
    user.session.flash("success", text)?;
    Ok(render::see_other("/orders"))
}

pub struct Row {
    pub entry: Entry,
    pub status: EntryStatus,
}

#[derive(Template)]
#[template(path = "pages/orders/licenses.html")]
pub struct LicensesPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub customers: Vec<(i64, String)>,
    pub query: LicenseQuery,
    pub query_string: String,
}

impl LicensesPage {
    /// The end customer shown alone, whose schedule can be downloaded as a PDF.
    pub fn single_customer(&self) -> Option<i64> {
        let id = self.query.end_customer.as_deref()?.parse::<i64>().ok()?;
        self.rows
            .first()
            .filter(|r| r.entry.end_customer_id == id)
            .map(|_| id)
    }

    pub fn customer_selected(&self, id: &i64) -> bool {
        self.query.end_customer.as_deref() == Some(id.to_string().as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LicenseQuery {
    #[serde(default)]
    pub end_customer: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

async fn rows(
    user: &CurrentUser,
    query: &LicenseQuery,
) -> Result<(Vec<Row>, Vec<(i64, String)>), AppError> {
    let scope = scope(user).await?;
    let customer = query
        .end_customer
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok());
    let all = orders::entries(&user.state.db.pool, scope, None).await?;
    let mut customers: Vec<(i64, String)> = all
        .iter()
        .map(|e| (e.end_customer_id, e.end_customer_name.clone()))
        .collect();
    customers.sort_by_key(|a| a.1.to_lowercase());
    customers.dedup();
    let today = user.state.clock.today();
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let rows = all
        .into_iter()
        .filter(|e| customer.is_none_or(|c| e.end_customer_id == c))
        .map(|e| Row {
            status: status_on(
                Period {
                    start: e.start,
                    end: e.end,
                },
                today,
            ),
            entry: e,
        })
        .filter(|r| status.is_none_or(|s| r.status.as_str() == s))
        .collect();
    Ok((rows, customers))
}

pub async fn licenses(
    user: CurrentUser,
    query: web::Query<LicenseQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (rows, customers) = rows(&user, &query).await?;
    let query_string = serde_html_form::to_string([
        (
            "end_customer",
            query.end_customer.clone().unwrap_or_default(),
        ),
        ("status", query.status.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    let page = LicensesPage {
        chrome: Chrome::new(&user, "/licenses", "License schedules")?,
        rows,
        customers,
        query,
        query_string,
    };
    render::page(&page)
}

pub async fn licenses_csv(
    user: CurrentUser,
    query: web::Query<LicenseQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, _) = rows(&user, &query).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
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
    w.write_record(header).map_err(anyhow::Error::from)?;
    for r in &rows {
        let e = &r.entry;
        w.write_record([
            e.end_customer_name.as_str(),
            e.reseller_name.as_str(),
            e.description.as_str(),
            e.sku.as_str(),
            &e.quantity.to_string(),
            &e.start.to_string(),
            &e.end.to_string(),
            e.order_reference.as_str(),
            r.status.as_str(),
        ])
        .map_err(anyhow::Error::from)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("could not write the CSV: {e}"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"license-schedule.csv\"",
        ))
        .body(body))
}

/// One end customer's schedule as a PDF. Another organisation's end customer is not found.
pub async fn licenses_pdf(
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let scope = scope(&user).await?;
    let entries = orders::entries(&user.state.db.pool, scope, Some(*path)).await?;
    let first = entries.first().ok_or(AppError::NotFound)?;
    let (customer, reseller) = (first.end_customer_name.clone(), first.reseller_name.clone());
    let pdf = crate::pdf::schedule(&customer, &reseller, &entries, user.state.clock.today())?;
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
