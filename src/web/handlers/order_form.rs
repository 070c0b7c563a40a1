//! The distributor's direct order form: one of its resellers, that reseller's end customer,
//! and lines by SKU. A renewal or mid-term change names the schedule entry it continues; the
//! form proposes the renewal SKU of an entry, and for a change the SKU of the months left
//! (rounded up). "Check the order" prices the lines with the approved discounts and shows
//! the proposals; "Place the order" places it for the vendor to process.

use crate::app::{self, orders::DirectOrder, orders::TypedLine, orders::MAX_DIRECT_LINES};
use crate::db::deals;
use crate::db::orders;
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
    /// A suggested SKU's button without JavaScript: "line:SKU" puts it in that line's field
    /// and checks the order.
    #[serde(default)]
    pub use_sku: String,
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
    /// The record the error names (label, path).
    pub link: Option<(String, String)>,
    pub suggestion: Option<String>,
}

pub struct EntryOption {
    pub id: crate::domain::EntryId,
    pub label: String,
    pub status: &'static str,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub start: String,
    pub end: String,
    /// Placed orders that renew or change this entry, for the table (text, the order's page).
    pub pending: Vec<(String, String)>,
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
    pub fn entry_selected(&self, line: &LineView, id: &crate::domain::EntryId) -> bool {
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

/// The end customer's schedule entries as the form lists them, with the placed orders
/// that renew or change each.
async fn entry_options(user: &CurrentUser, customer: i64) -> Result<Vec<EntryOption>, AppError> {
    let pool = &user.state.db.pool;
    let pending_of = orders::pending_changes(pool, user.scope(), customer).await?;
    let entries = orders::entries(pool, user.scope(), Some(customer)).await?;
    Ok(entries
        .into_iter()
        .map(|e| EntryOption {
            pending: pending_of
                .iter()
                .filter(|p| p.entry == e.id)
                .map(|p| {
                    (
                        format!("{} on {}", p.sku, p.reference),
                        format!("/orders/{}", p.order),
                    )
                })
                .collect(),
            id: e.id,
            label: format!(
                "{} × {} ({}), ends {}",
                e.quantity, e.description, e.sku, e.end
            ),
            status: status_on(
                Period {
                    start: e.start,
                    end: e.end,
                },
                user.ctx.today,
            )
            .as_str(),
            start: e.start.to_string(),
            end: e.end.to_string(),
            sku: e.sku,
            description: e.description,
            quantity: e.quantity,
        })
        .collect())
}

/// The page for the chosen reseller and end customer (each ignored unless it is one the
/// distributor may order for).
async fn form_page(
    user: &CurrentUser,
    reseller: &str,
    end_customer: &str,
    mut lines: Vec<LineView>,
    errors: FieldErrors,
) -> Result<OrderFormPage, AppError> {
    let (resellers, reseller) = supplied_reseller(user, reseller).await?;
    let customers = match reseller {
        Some(r) => deals::end_customers(&user.state.db.pool, user.scope(), r).await?,
        None => Vec::new(),
    };
    let end_customer = end_customer
        .parse::<i64>()
        .ok()
        .filter(|id| customers.iter().any(|(c, _)| c == id));
    let entries = match end_customer {
        Some(c) => entry_options(user, c).await?,
        None => Vec::new(),
    };
    lines.resize_with(lines.len().max(ROWS), LineView::default);
    for (i, l) in lines.iter_mut().enumerate() {
        l.n = i + 1;
    }
    Ok(OrderFormPage {
        chrome: Chrome::new(user, "/orders", "Enter an order")?,
        resellers,
        reseller,
        customers,
        end_customer,
        entries,
        lines,
        total: String::new(),
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

impl OrderForm {
    /// The lines as typed (SKUs upper-cased).
    fn typed(&self) -> Vec<TypedLine> {
        let rows = self
            .sku
            .len()
            .max(self.quantity.len())
            .max(self.entry.len());
        let cell =
            |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        (0..rows.min(MAX_DIRECT_LINES))
            .map(|i| TypedLine {
                sku: cell(&self.sku, i).to_uppercase(),
                quantity: cell(&self.quantity, i),
                entry: cell(&self.entry, i),
            })
            .collect()
    }
}

impl From<&TypedLine> for LineView {
    fn from(t: &TypedLine) -> Self {
        LineView {
            sku: t.sku.clone(),
            quantity: t.quantity.clone(),
            entry: t.entry.clone(),
            ..LineView::default()
        }
    }
}

/// The lines as typed and three empty rows more (up to the most an order may have).
fn with_more_rows(typed: &[TypedLine]) -> Vec<LineView> {
    let mut lines: Vec<LineView> = typed.iter().map(LineView::from).collect();
    lines.resize_with((lines.len() + 3).min(MAX_DIRECT_LINES), LineView::default);
    lines
}

pub async fn submit(
    user: CurrentUser,
    form: CsrfForm<OrderForm>,
) -> Result<HttpResponse, AppError> {
    require_distributor(&user).await?;
    let mut form = form.0;
    if let Some((n, sku)) = form.use_sku.split_once(':') {
        if let Some(cell) = n
            .parse::<usize>()
            .ok()
            .and_then(|n| form.sku.get_mut(n.wrapping_sub(1)))
        {
            *cell = sku.to_string();
            form.action = "check".into();
        }
    }
    let typed = form.typed();
    let page = |lines, errors| form_page(&user, &form.reseller, &form.end_customer, lines, errors);
    if form.action == "more" {
        return render::page(&page(with_more_rows(&typed), FieldErrors::default()).await?);
    }
    let order = DirectOrder {
        // Anything but one of the distributor's resellers and their end customers is refused
        // by the use case, next to the field.
        reseller: OrgId(form.reseller.parse().unwrap_or(0)),
        end_customer: form.end_customer.parse().unwrap_or(0),
        lines: typed.clone(),
    };
    let placing = form.action == "place";
    let outcome = if placing {
        app::orders::place_direct(&user.ctx, &order).await
    } else {
        app::orders::check_direct(&user.ctx, &order).await.map(Err)
    };
    match outcome {
        Ok(Ok(placed)) => placed_page(
            &user,
            &page(Vec::new(), FieldErrors::default()).await?,
            placed,
        ),
        Ok(Err(checked)) => {
            let (lines, errors) = checked_lines(&checked, placing);
            let shown = OrderFormPage {
                total: checked.total.with_currency(&checked.currency),
                ..page(lines, errors).await?
            };
            render::form(shown.errors.is_empty(), &shown)
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&page(refused_lines(&typed, &errors), errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The lines as typed, each with the refusal the placing gave it (`line_N`: an entry renewed
/// by another order meanwhile, say), next to the line and with its link. The order's lines
/// are the rows not left empty, in their order.
fn refused_lines(typed: &[TypedLine], errors: &FieldErrors) -> Vec<LineView> {
    let mut placed = 0;
    typed
        .iter()
        .map(|t| {
            let mut line = LineView::from(t);
            if t.sku.is_empty() && t.entry.is_empty() {
                return line;
            }
            placed += 1;
            let field = format!("line_{placed}");
            if let Some(message) = errors.get(&field) {
                line.error = message.to_string();
                line.link = errors.links(&field).first().cloned();
            }
            line
        })
        .collect()
}

/// The checked form's lines as shown, and what to do about them.
fn checked_lines(checked: &app::orders::Checked, placing: bool) -> (Vec<LineView>, FieldErrors) {
    let mut errors = FieldErrors::default();
    if let Some(problem) = checked.problem(placing) {
        errors.add("lines", problem);
    }
    let lines = checked
        .lines
        .iter()
        .map(|l| LineView::checked(l, &checked.currency))
        .collect();
    (lines, errors)
}

impl LineView {
    /// A line as the check left it: the SKU to order, its product and price, or why not.
    fn checked(l: &app::orders::CheckedLine, currency: &str) -> LineView {
        LineView {
            sku: l.sku.clone(),
            description: l.description.clone(),
            net: l.net.map(|n| n.with_currency(currency)).unwrap_or_default(),
            note: l.note.clone(),
            error: l.error.clone(),
            link: l.link.clone(),
            suggestion: l.suggestion.clone(),
            ..LineView::from(&l.typed)
        }
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
            placed.total.with_currency(&placed.currency)
        ),
    )?;
    Ok(render::see_other("/orders"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(sku: &str, entry: &str) -> TypedLine {
        TypedLine {
            sku: sku.into(),
            quantity: "1".into(),
            entry: entry.into(),
        }
    }

    #[test]
    fn a_refusal_of_the_nth_order_line_shows_on_its_row() {
        let mut errors = FieldErrors::default();
        errors.add("line_2", "Another order renews this entry already.");
        errors.link("line_2", "Open order SO-2026-00001", "/orders/1");
        // Row 2 was left empty: the order's second line is row 3.
        let rows = [typed("EPIXADB10SN12T", ""), typed("", ""), typed("", "17")];
        let lines = refused_lines(&rows, &errors);
        assert_eq!(lines[0].error, "");
        assert_eq!(lines[1].error, "");
        assert_eq!(lines[2].error, "Another order renews this entry already.");
        assert_eq!(
            lines[2].link,
            Some(("Open order SO-2026-00001".into(), "/orders/1".into()))
        );
        assert_eq!(lines[2].entry, "17");
    }
}
