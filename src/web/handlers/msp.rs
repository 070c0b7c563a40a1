//! MSP monthly licensing (PRODUCT.md section 7). An MSP reseller reports its monthly usage per
//! end customer and MSP-channel SKU, one line at a time or as a CSV file (all rows or none);
//! the monthly statement prices it at the unit MSRP less the MSP's partner program discount
//! and downloads as CSV. The vendor admin closes a month after it ends. This section is never
//! paused by a maintenance window.

use crate::app::{self, msp::Uploaded};
use crate::db::msp::{self};
use crate::db::{catalogue, deals};
use crate::domain::msp::{month_bounds, month_of, Statement};
use crate::domain::{OrgId, OrgKind};
use crate::web::chrome::Chrome;
use crate::web::csrf::{self, CsrfForm};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_multipart::form::{text::Text, MultipartForm};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct MspQuery {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub reseller: String,
}

/// The month asked for (`YYYY-MM`), or the current one.
fn month_or_current(text: &str, today: NaiveDate) -> (String, NaiveDate, NaiveDate) {
    let month = if month_bounds(text).is_some() {
        text.trim().to_string()
    } else {
        month_of(today)
    };
    let (first, last) = month_bounds(&month).unwrap_or((today, today));
    (month, first, last)
}

/// Whose statement this person may see, and which one is shown: an MSP reseller its own; the
/// others the MSPs in their scope (a distributor those it supplies, a CAM its resellers).
async fn msp_in_scope(
    user: &CurrentUser,
    chosen: &str,
) -> Result<(Vec<(OrgId, String)>, Option<OrgId>), AppError> {
    let pool = &user.state.db.pool;
    if user.org_kind == OrgKind::Reseller {
        let id = app::msp::own_msp(&user.ctx).await?;
        return Ok((vec![(id, user.org_name.clone())], Some(id)));
    }
    let msps = msp::msps(pool, user.scope()).await?;
    let shown = chosen
        .parse::<i64>()
        .ok()
        .map(OrgId)
        .filter(|id| msps.iter().any(|(m, _)| m == id));
    if shown.is_none() && !chosen.trim().is_empty() {
        return Err(AppError::NotFound);
    }
    // With a single MSP to look at, there is nothing to choose.
    let shown = shown.or_else(|| (msps.len() == 1).then(|| msps[0].0));
    Ok((msps, shown))
}

async fn statement_of(
    user: &CurrentUser,
    reseller: OrgId,
    month: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Statement, AppError> {
    Ok(app::msp::statement_of(&user.ctx, reseller, month, first, last).await?)
}

#[derive(Template)]
#[template(path = "pages/msp.html")]
pub struct MspPage {
    pub chrome: Chrome,
    pub month: String,
    pub first: String,
    pub last: String,
    pub closed: bool,
    pub can_close: bool,
    pub msps: Vec<(OrgId, String)>,
    pub shown: Option<OrgId>,
    pub shown_name: String,
    pub statement: Statement,
    pub can_report: bool,
    pub customers: Vec<(i64, String)>,
    /// The MSP monthly SKUs orderable this month: (SKU, description, unit MSRP).
    pub products: Vec<(String, String, String)>,
    pub form: UsageForm,
    pub errors: FieldErrors,
    pub problems: Vec<(usize, String)>,
}

impl MspPage {
    pub fn msp_selected(&self, id: &OrgId) -> bool {
        self.shown == Some(*id)
    }
    pub fn product_selected(&self, sku: &str) -> bool {
        self.form.sku.trim().eq_ignore_ascii_case(sku)
    }
    pub fn money(&self, c: &crate::domain::Cents) -> String {
        c.with_currency(&self.statement.currency)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UsageForm {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub end_customer: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub quantity: String,
    /// "on" when the person says the end customer is new.
    #[serde(default)]
    pub new_customer: Option<String>,
    /// The suggested end customer's button, without JavaScript: put it in the field.
    #[serde(default)]
    pub use_end_customer: String,
}

/// "Recorded 30 × … for … in 2026-03 (replaced 25 with 30; Harbour Dental is new in your end
/// customers)."
fn recorded_message(what: String, recorded: &app::msp::Recorded, quantities: &[i64]) -> String {
    let mut notes: Vec<String> = recorded
        .replaced
        .iter()
        .zip(quantities)
        .filter_map(|(before, now)| {
            before
                .filter(|b| b != now)
                .map(|b| format!("replaced {b} with {now}"))
        })
        .collect();
    let unchanged = recorded
        .replaced
        .iter()
        .zip(quantities)
        .filter(|(before, now)| **before == Some(**now))
        .count();
    if unchanged > 0 {
        notes.push(format!(
            "{} as before",
            crate::web::views::counted(unchanged, "quantity", "quantities")
        ));
    }
    if !recorded.added.is_empty() {
        notes.push(format!(
            "new in your end customers: {}",
            recorded.added.join(", ")
        ));
    }
    if notes.is_empty() {
        format!("{what}.")
    } else {
        format!("{what} ({}).", notes.join("; "))
    }
}

/// The MSP monthly products orderable on `on`: (SKU, description, monthly MSRP).
async fn msp_products(
    pool: &sqlx::AnyPool,
    on: NaiveDate,
    currency: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(catalogue::snapshot(pool, currency)
        .await?
        .msp_monthly(on)
        .into_iter()
        .map(|(sku, description, msrp)| {
            (
                sku.as_str().to_string(),
                description,
                msrp.with_currency(currency),
            )
        })
        .collect())
}

async fn page(
    user: &CurrentUser,
    month: &str,
    chosen: &str,
    form: UsageForm,
    errors: FieldErrors,
    problems: Vec<(usize, String)>,
) -> Result<MspPage, AppError> {
    let today = user.state.clock.today();
    let (msps, shown) = msp_in_scope(user, chosen).await?;
    let (month, first, last) = month_or_current(month, today);
    let pool = &user.state.db.pool;
    let closed = msp::is_closed(pool, &month).await?;
    let statement = match shown {
        Some(r) => statement_of(user, r, &month, first, last).await?,
        None => Statement {
            currency: catalogue::DEFAULT_CURRENCY.into(),
            ..Statement::default()
        },
    };
    let can_report = user.org_kind == OrgKind::Reseller && !closed;
    let customers = match (can_report, shown) {
        (true, Some(r)) => deals::end_customers(pool, user.scope(), r).await?,
        _ => Vec::new(),
    };
    let products = if can_report {
        msp_products(pool, last.min(today), &statement.currency).await?
    } else {
        Vec::new()
    };
    let shown_name = msps
        .iter()
        .find(|(id, _)| Some(*id) == shown)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    Ok(MspPage {
        chrome: Chrome::new(user, "/msp", "MSP monthly licensing")?,
        first: first.to_string(),
        last: last.to_string(),
        closed,
        can_close: user.role.is_vendor_admin() && !closed && last < today,
        month,
        msps,
        shown,
        shown_name,
        statement,
        can_report,
        customers,
        products,
        form,
        errors,
        problems,
    })
}

pub async fn show(
    user: CurrentUser,
    query: web::Query<MspQuery>,
) -> Result<HttpResponse, AppError> {
    let p = page(
        &user,
        &query.month,
        &query.reseller,
        UsageForm::default(),
        FieldErrors::default(),
        Vec::new(),
    )
    .await?;
    render::page(&p)
}

pub async fn report(
    user: CurrentUser,
    form: CsrfForm<UsageForm>,
) -> Result<HttpResponse, AppError> {
    let mut form = form.0;
    let month = form.month.trim().to_string();
    if !form.use_end_customer.trim().is_empty() {
        form.end_customer = std::mem::take(&mut form.use_end_customer);
        let again = page(&user, &month, "", form, FieldErrors::default(), Vec::new()).await?;
        return render::page(&again);
    }
    let typed = app::msp::TypedUsage {
        end_customer: form.end_customer.clone(),
        sku: form.sku.clone(),
        quantity: form.quantity.clone(),
        new_customer: form.new_customer.is_some(),
    };
    match app::msp::report(&user.ctx, &month, &typed).await {
        Ok((row, recorded)) => {
            user.session.flash(
                "success",
                recorded_message(
                    format!(
                        "Recorded {} × {} ({}) for {} in {month}",
                        row.quantity, row.description, row.sku, row.end_customer
                    ),
                    &recorded,
                    &[row.quantity],
                ),
            )?;
            Ok(render::see_other(&format!("/msp?month={month}")))
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&page(&user, &month, "", form, errors, Vec::new()).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(MultipartForm)]
pub struct UploadForm {
    csrf_token: Option<Text<String>>,
    month: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    file: Option<actix_multipart::form::tempfile::TempFile>,
}

pub async fn upload(
    req: HttpRequest,
    user: CurrentUser,
    form: MultipartForm<UploadForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    app::msp::own_msp(&user.ctx).await?;
    let month = form
        .month
        .map(|m| m.into_inner())
        .unwrap_or_default()
        .trim()
        .to_string();
    let refused =
        |errors, problems| page(&user, &month, "", UsageForm::default(), errors, problems);
    let Some(text) =
        crate::web::forms::import_csv(&user.ctx, "msp_usage", None, form.file.as_ref()).await?
    else {
        let mut errors = FieldErrors::default();
        errors.add(
            "file",
            "Choose a CSV file with the columns end_customer, sku and quantity.",
        );
        return render::invalid(&refused(errors, Vec::new()).await?);
    };
    match app::msp::upload(&user.ctx, &month, &text).await {
        Ok(Uploaded::Recorded(n, recorded, quantities)) => {
            user.session.flash(
                "success",
                recorded_message(
                    format!(
                        "Recorded {} for {month}",
                        crate::web::views::counted(n, "usage line", "usage lines")
                    ),
                    &recorded,
                    &quantities,
                ),
            )?;
            Ok(render::see_other(&format!("/msp?month={month}")))
        }
        Ok(Uploaded::Refused(problems)) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "file",
                format!(
                    "Nothing was recorded: the file has {}, listed below.",
                    crate::domain::paging::counted(problems.len(), "problem", "problems")
                ),
            );
            render::invalid(&refused(errors, problems).await?)
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&refused(errors, Vec::new()).await?),
        Err(e) => Err(e.into()),
    }
}

pub async fn statement_csv(
    user: CurrentUser,
    query: web::Query<MspQuery>,
    bom: web::Query<render::Bom>,
) -> Result<HttpResponse, AppError> {
    let (_, shown) = msp_in_scope(&user, &query.reseller).await?;
    let reseller = shown.ok_or(AppError::NotFound)?;
    let (month, first, last) = month_or_current(&query.month, user.state.clock.today());
    let s = statement_of(&user, reseller, &month, first, last).await?;
    Ok(render::csv_download(
        statement_csv_bytes(&s, first, last)?,
        &format!("msp-statement-{month}.csv"),
        *bom,
    ))
}

/// A monthly statement as CSV: the columns of PRODUCT.md section 7 and a total row.
fn statement_csv_bytes(
    s: &Statement,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<u8>, AppError> {
    let mut w = crate::domain::csv_export::CsvOut::default();
    let money = |c: crate::domain::Cents| c.decimal();
    w.row([
        "Start Date",
        "End Date",
        "End User Identifier",
        "Product Description",
        "SKU",
        "Total Quantity",
        "Unit MSRP",
        "Unit Price",
        "Total Price",
        "Currency",
    ])
    .map_err(anyhow::Error::from)?;
    for r in &s.rows {
        w.row([
            r.start.to_string(),
            r.end.to_string(),
            r.end_user.clone(),
            r.description.clone(),
            r.sku.clone(),
            r.quantity.to_string(),
            money(r.unit_msrp),
            money(r.unit_price),
            money(r.total_price),
            s.currency.clone(),
        ])
        .map_err(anyhow::Error::from)?;
    }
    w.row([
        first.to_string(),
        last.to_string(),
        "Total".into(),
        String::new(),
        String::new(),
        s.total_quantity.to_string(),
        String::new(),
        String::new(),
        money(s.total_price),
        s.currency.clone(),
    ])
    .map_err(anyhow::Error::from)?;
    Ok(w.finish()?)
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    month: String,
}

pub async fn close(user: CurrentUser, form: CsrfForm<CloseForm>) -> Result<HttpResponse, AppError> {
    let month = form.0.month.trim().to_string();
    app::msp::close_month(&user.ctx, &month).await?;
    user.session.flash(
        "success",
        format!(
            "{month} is closed: MSPs can no longer change its usage, and its statements are final."
        ),
    )?;
    Ok(render::see_other(&format!("/msp?month={month}")))
}
