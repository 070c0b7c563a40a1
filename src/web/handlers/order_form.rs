//! The distributor's direct order form: one of its resellers, that reseller's end customer,
//! and lines by SKU. A renewal or mid-term change names the schedule entry it continues; the
//! form proposes the renewal SKU of an entry, and for a change the SKU of the months left
//! (rounded up). "Check the order" prices the lines with the approved discounts and shows
//! the proposals; "Place the order" places it for the vendor to process.

use crate::db::orders::{self, NewOrderLine};
use crate::db::{audit, catalogue, deals, Scope};
use crate::domain::catalogue::Availability;
use crate::domain::order_line::{check, ChangedEntry, LineCheck};
use crate::domain::pricing::{price_line, proposed, QuoteContext};
use crate::domain::schedule::{status_on, Period};
use crate::domain::sku::Transaction;
use crate::domain::{Cents, OrgId, OrgKind, PartnerLevel, Sku};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

const ROWS: usize = 5;
const MAX_ROWS: usize = 40;

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
                .find(|(id, sku, _)| {
                    *id == e.id && sku.chars().nth(10) == Some(Transaction::Renewal.code())
                })
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
    let pool = &user.state.db.pool;
    let today = user.state.clock.today();
    let rows = form
        .sku
        .len()
        .max(form.quantity.len())
        .max(form.entry.len())
        .min(MAX_ROWS);
    let cell =
        |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut lines: Vec<LineView> = (0..rows)
        .map(|i| LineView {
            sku: cell(&form.sku, i).to_uppercase(),
            quantity: cell(&form.quantity, i),
            entry: cell(&form.entry, i),
            ..LineView::default()
        })
        .collect();
    let mut errors = FieldErrors::default();
    let mut page = form_page(
        &user,
        &form.reseller,
        &form.end_customer,
        Vec::new(),
        FieldErrors::default(),
    )
    .await?;
    let (Some(reseller), Some(end_customer)) = (page.reseller, page.end_customer) else {
        if page.reseller.is_none() {
            errors.add("reseller", "Choose one of the resellers you supply.");
        } else {
            errors.add("end_customer", "Choose the reseller's end customer.");
        }
        page.errors = errors;
        return render::invalid(&page);
    };
    if form.action == "more" {
        let extra = (lines.len() + 3).min(MAX_ROWS);
        lines.resize_with(extra, LineView::default);
        let page = form_page(&user, &form.reseller, &form.end_customer, lines, errors).await?;
        return render::page(&page);
    }

    let snapshot = catalogue::snapshot(pool, catalogue::DEFAULT_CURRENCY).await?;
    let rules = deals::rules(pool).await?;
    let level = crate::db::orgs::get(pool, reseller)
        .await?
        .and_then(|o| o.partner_level)
        .unwrap_or(PartnerLevel::Authorized);
    let ctx = QuoteContext {
        partner_level: level,
        end_customer_id: end_customer,
        registrations: crate::db::quotes::registrations(pool, end_customer).await?,
        quote_date: today,
    };
    let mut placed = Vec::new();
    let mut proposals = 0;
    let mut total = Cents(0);
    for line in lines.iter_mut() {
        if line.sku.is_empty() && line.entry.is_empty() {
            continue;
        }
        let entry_id = line.entry.parse::<i64>().ok();
        let entry = match entry_id {
            Some(id) => match page.entries.iter().find(|e| e.id == id) {
                Some(e) => {
                    if let Some(reference) = e
                        .renewed_by
                        .as_ref()
                        // An empty SKU asks for the renewal; a typed one is a renewal by its R.
                        .filter(|_| {
                            line.sku.is_empty()
                                || line.sku.chars().nth(10) == Some(Transaction::Renewal.code())
                        })
                    {
                        line.error = format!("This entry is renewed by order {reference} already: renew the entry that order adds once it is processed.");
                        continue;
                    }
                    match (Sku::parse(&e.sku), crate::db::date(&e.end)) {
                        (Ok(sku), Ok(end)) => Some(ChangedEntry { sku, end }),
                        _ => None,
                    }
                }
                None => {
                    line.error = "Choose an entry of this end customer's schedule.".into();
                    continue;
                }
            },
            None => None,
        };
        let sku = if line.sku.is_empty() {
            None
        } else {
            match Sku::parse(&line.sku) {
                Ok(s) => Some(s),
                Err(e) => {
                    line.error = e.to_string();
                    continue;
                }
            }
        };
        let sku = match check(sku.as_ref(), entry.as_ref(), today) {
            LineCheck::Fine(s) => s,
            LineCheck::Proposed { sku, why } => {
                line.sku = sku.to_string();
                line.note = why;
                proposals += 1;
                sku
            }
            LineCheck::Refused(why) => {
                line.error = why;
                continue;
            }
        };
        let (description, msrp) = match snapshot.availability(&sku, today) {
            Availability::Orderable { description, msrp } => (description, msrp),
            Availability::NotOrderable { reason, .. } => {
                line.error = reason;
                continue;
            }
        };
        line.description = description.clone();
        let quantity = match line.quantity.parse::<u32>() {
            Ok(q) if (1..=100_000).contains(&q) => q,
            _ => {
                line.error = "Enter a quantity from 1 to 100,000.".into();
                continue;
            }
        };
        let discounts = proposed(&rules, &ctx, &sku.fields().family);
        let priced = price_line(msrp, quantity, &discounts)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        line.net = priced.net.with_currency(catalogue::DEFAULT_CURRENCY);
        total = Cents(total.0 + priced.net.0);
        placed.push(NewOrderLine {
            sku: sku.to_string(),
            description,
            quantity: i64::from(quantity),
            changes_entry: entry_id,
            unit_msrp: msrp,
            net: priced.net,
        });
    }
    let failed = lines.iter().any(|l| !l.error.is_empty());
    if placed.is_empty() && !failed {
        errors.add("lines", "Enter at least one line: a SKU and a quantity.");
    }
    let ready = !failed && errors.is_empty() && proposals == 0;
    if form.action != "place" || !ready {
        if form.action == "place" && proposals > 0 {
            errors.add(
                "lines",
                "The marked lines were changed as proposed: check them and place the order again.",
            );
        } else if failed {
            errors.add("lines", "Correct the marked lines.");
        }
        let status_ok = errors.is_empty();
        let mut page = form_page(&user, &form.reseller, &form.end_customer, lines, errors).await?;
        page.total = total.with_currency(catalogue::DEFAULT_CURRENCY);
        return if status_ok {
            render::page(&page)
        } else {
            render::invalid(&page)
        };
    }

    let now = user.now();
    let mut tx = pool.begin().await?;
    let (_, reference) = orders::place_direct(
        &mut tx,
        reseller,
        user.org_id,
        end_customer,
        &placed,
        user.id,
        today.year(),
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        &user.actor(),
        "order_placed",
        &reference,
        &format!("{} lines, net {}", placed.len(), total.0),
        now,
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!(
            "Order {reference} for {} ({}) is placed, net {}. The vendor processes it; the license schedule is mailed then.",
            page.customer_name(),
            page.reseller_name(),
            total.with_currency(catalogue::DEFAULT_CURRENCY)
        ),
    )?;
    Ok(render::see_other("/orders"))
}
