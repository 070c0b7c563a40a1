//! The distributor's direct order form: one of its resellers, that reseller's end customer,
//! and lines by SKU. A renewal or mid-term change names the schedule entry it continues; the
//! form proposes the renewal SKU of an entry, and for a change the SKU of the months left
//! (rounded up). "Check the order" prices the lines with the approved discounts and shows
//! the proposals; "Place the order" places it for the vendor to process.

use crate::app::{self, orders::DirectOrder, orders::TypedLine, orders::MAX_DIRECT_LINES};
use crate::db::orders;
use crate::db::{catalogue, deals, Scope};
use crate::domain::schedule::{status_on, Period};
use crate::domain::{OrgId, OrgKind};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

const ROWS: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct Choice {
    #[serde(default)]
    pub reseller: String,
    #[serde(default)]
    pub end_customer: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub reseller: String,
    #[serde(default)]
    pub end_customer: String,
    #[serde(default)]
    pub sku: Vec<String>,
    #[serde(default)]
    pub quantity: Vec<String>,
    #[serde(default)]
    pub entry: Vec<String>,
    /// `check`, `more` (add lines) or `place`.
    #[serde(default)]
    pub action: String,
}

/// One line as the form shows it.
#[derive(Debug, Default, Clone)]
pub struct LineView {
    pub n: usize,
    pub sku: String,
    pub quantity: String,
    pub entry: String,
    pub description: String,
    pub net: String,
    pub note: String,
    pub error: String,
}

pub struct EntryOption {
    pub id: i64,
    pub label: String,
    pub status: &'static str,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub start: String,
    pub end: String,
    /// Placed orders that renew or change this entry, for the table.
    pub pending: String,
    /// The order that renews this entry already, if any (an entry is renewed once).
    pub renewed_by: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/orders/new.html")]
pub struct OrderFormPage {
    pub chrome: Chrome,
    pub resellers: Vec<(OrgId, String)>,
    pub reseller: Option<OrgId>,
    pub customers: Vec<(i64, String)>,
    pub end_customer: Option<i64>,
    pub entries: Vec<EntryOption>,
    pub lines: Vec<LineView>,
    pub total: String,
    pub errors: FieldErrors,
}

impl OrderFormPage {
    pub fn reseller_selected(&self, id: &OrgId) -> bool {
        self.reseller == Some(*id)
    }
    pub fn customer_selected(&self, id: &i64) -> bool {
        self.end_customer == Some(*id)
    }
    pub fn reseller_name(&self) -> String {
        self.resellers
            .iter()
            .find(|(id, _)| Some(*id) == self.reseller)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }
    pub fn customer_name(&self) -> String {
        self.customers
            .iter()
            .find(|(id, _)| Some(*id) == self.end_customer)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }
    pub fn entry_selected(&self, line: &LineView, id: &i64) -> bool {
        line.entry == id.to_string()
    }
}

async fn require_distributor(user: &CurrentUser) -> Result<(), AppError> {
    user.require(
        user.org_kind == OrgKind::Distributor,
        "enter orders for resellers",
    )
    .await
}

/// The resellers the distributor supplies, and the one `chosen` names if it is one of them
/// (another reseller's id is simply not chosen).
pub async fn supplied_reseller(
    user: &CurrentUser,
    chosen: &str,
) -> Result<(Vec<(OrgId, String)>, Option<OrgId>), AppError> {
    let resellers = orders::resellers_of(&user.state.db.pool, user.org_id).await?;
    let reseller = chosen
        .parse::<i64>()
        .ok()
        .map(OrgId)
        .filter(|id| resellers.iter().any(|(r, _)| r == id));
    Ok((resellers, reseller))
}

/// The page for the chosen reseller and end customer (each ignored unless it is one the
/// distributor may order for).
async fn form_page(
    user: &CurrentUser,
    reseller: &str,
    end_customer: &str,
    lines: Vec<LineView>,
    errors: FieldErrors,
) -> Result<OrderFormPage, AppError> {
    let pool = &user.state.db.pool;
    let (resellers, reseller) = supplied_reseller(user, reseller).await?;
    let customers = match reseller {
        Some(r) => deals::end_customers(pool, r).await?,
        None => Vec::new(),
    };
    let end_customer = end_customer
        .parse::<i64>()
        .ok()
        .filter(|id| customers.iter().any(|(c, _)| c == id));
    let mut entries = Vec::new();
    if let Some(c) = end_customer {
        let today = user.state.clock.today();
        let pending_of = orders::pending_changes(pool, c).await?;
        for e in orders::entries(pool, Scope::Distributor(user.org_id), Some(c)).await? {
            let status = status_on(
                Period {
                    start: e.start,
                    end: e.end,
                },
                today,
            );
            let pending = pending_of
                .iter()
                .filter(|(id, _, _)| *id == e.id)
                .map(|(_, sku, reference)| format!("{sku} on {reference}"))
                .collect::<Vec<_>>()
                .join(", ");
            let renewed_by = pending_of
                .iter()
                .find(|(id, sku, _)| *id == e.id && app::orders::is_renewal(sku))
                .map(|(_, _, reference)| reference.clone());
            entries.push(EntryOption {
                renewed_by,
                id: e.id,
                label: format!(
                    "{} × {} ({}), ends {}",
                    e.quantity, e.description, e.sku, e.end
                ),
                status: status.as_str(),
                sku: e.sku,
                description: e.description,
                quantity: e.quantity,
                start: e.start.to_string(),
                end: e.end.to_string(),
                pending,
            });
        }
    }
    let mut lines = lines;
    while lines.len() < ROWS {
        lines.push(LineView::default());
    }
    for (i, l) in lines.iter_mut().enumerate() {
        l.n = i + 1;
    }
    let total = String::new();
    Ok(OrderFormPage {
        chrome: Chrome::new(user, "/orders", "Enter an order")?,
        resellers,
        reseller,
        customers,
        end_customer,
        entries,
        lines,
        total,
        errors,
    })
}

pub async fn new_form(
    user: CurrentUser,
    query: web::Query<Choice>,
) -> Result<HttpResponse, AppError> {
    require_distributor(&user).await?;
    let page = form_page(
        &user,
        &query.reseller,
        &query.end_customer,
        Vec::new(),
        FieldErrors::default(),
    )
    .await?;
    render::page(&page)
}

pub async fn submit(
    user: CurrentUser,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    require_distributor(&user).await?;
    let form = form.0;
    let rows = form
        .sku
        .len()
        .max(form.quantity.len())
        .max(form.entry.len());
    let cell = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
    let typed: Vec<TypedLine> = (0..rows.min(MAX_DIRECT_LINES))
        .map(|i| TypedLine {
            sku: cell(&form.sku, i).to_uppercase(),
            quantity: cell(&form.quantity, i),
            entry: cell(&form.entry, i),
        })
        .collect();
    let as_typed = |t: &TypedLine| LineView {
        sku: t.sku.clone(),
        quantity: t.quantity.clone(),
        entry: t.entry.clone(),
        ..LineView::default()
    };
    let page = |lines, errors| form_page(&user, &form.reseller, &form.end_customer, lines, errors);
    let mut errors = FieldErrors::default();
    let (reseller, end_customer) = match (form.reseller.parse(), form.end_customer.parse()) {
        (Ok(r), Ok(c)) => (OrgId(r), c),
        (Err(_), _) => {
            errors.add("reseller", "Choose one of the resellers you supply.");
            return render::invalid(&page(typed.iter().map(as_typed).collect(), errors).await?);
        }
        (_, Err(_)) => {
            errors.add("end_customer", "Choose the reseller's end customer.");
            return render::invalid(&page(typed.iter().map(as_typed).collect(), errors).await?);
        }
    };
    if form.action == "more" {
        let mut lines: Vec<LineView> = typed.iter().map(as_typed).collect();
        lines.resize_with((lines.len() + 3).min(MAX_DIRECT_LINES), LineView::default);
        return render::page(&page(lines, errors).await?);
    }
    let order = DirectOrder {
        reseller,
        end_customer,
        lines: typed.clone(),
    };
    let checked = if form.action == "place" {
        match app::orders::place_direct(&user.ctx, &order).await {
            Ok(Ok(placed)) => return placed_page(&user, &page(Vec::new(), errors).await?, placed),
            Ok(Err(checked)) => checked,
            Err(app::Error::Invalid(errors)) => {
                return render::invalid(&page(typed.iter().map(as_typed).collect(), errors).await?)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        match app::orders::check_direct(&user.ctx, &order).await {
            Ok(checked) => checked,
            Err(app::Error::Invalid(errors)) => {
                return render::invalid(&page(typed.iter().map(as_typed).collect(), errors).await?)
            }
            Err(e) => return Err(e.into()),
        }
    };
    if checked.failed() {
        errors.add("lines", "Correct the marked lines.");
    } else if checked.order_lines.is_empty() {
        errors.add("lines", "Enter at least one line: a SKU and a quantity.");
    } else if form.action == "place" && checked.proposals > 0 {
        errors.add(
            "lines",
            "The marked lines were changed as proposed: check them and place the order again.",
        );
    }
    let lines = checked
        .lines
        .iter()
        .map(|l| LineView {
            sku: l.sku.clone(),
            description: l.description.clone(),
            net: l
                .net
                .map(|n| n.with_currency(catalogue::DEFAULT_CURRENCY))
                .unwrap_or_default(),
            note: l.note.clone(),
            error: l.error.clone(),
            ..as_typed(&l.typed)
        })
        .collect();
    let fine = errors.is_empty();
    let mut shown = page(lines, errors).await?;
    shown.total = checked.total.with_currency(catalogue::DEFAULT_CURRENCY);
    if fine {
        render::page(&shown)
    } else {
        render::invalid(&shown)
    }
}

/// After placing: the confirmation, and back to the orders.
fn placed_page(
    user: &CurrentUser,
    page: &OrderFormPage,
    placed: app::orders::Placed,
) -> Result<HttpResponse, AppError> {
    user.session.flash(
        "success",
        format!(
            "Order {} for {} ({}) is placed, net {}. The vendor processes it; the license schedule is mailed then.",
            placed.reference,
            page.customer_name(),
            page.reseller_name(),
            placed.total.with_currency(catalogue::DEFAULT_CURRENCY)
        ),
    )?;
    Ok(render::see_other("/orders"))
}
