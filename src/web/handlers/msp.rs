//! MSP monthly licensing (PRODUCT.md section 7). An MSP reseller reports its monthly usage per
//! end customer and MSP-channel SKU, one line at a time or as a CSV file (all rows or none);
//! the monthly statement prices it at the unit MSRP less the MSP's partner program discount
//! and downloads as CSV. The vendor admin closes a month after it ends. This section is never
//! paused by a maintenance window.

use crate::db::msp::{self, NewUsage};
use crate::db::{audit, catalogue, deals, orgs};
use crate::domain::msp::{
    check_usage, month_bounds, month_of, parse_usage_csv, statement, Reported, Statement,
};
use crate::domain::pricing::Bp;
use crate::domain::{OrgId, OrgKind, PartnerLevel};
use crate::web::chrome::Chrome;
use crate::web::csrf::{self, CsrfForm};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
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
        let org = orgs::get(pool, user.org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        user.require(org.is_msp, "report MSP usage (the reseller is not an MSP)")
            .await?;
        return Ok((vec![(org.id, org.name)], Some(org.id)));
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

/// The statement of a reseller's month, at its partner program discount per family.
async fn statement_of(
    user: &CurrentUser,
    reseller: OrgId,
    month: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Statement, AppError> {
    let pool = &user.state.db.pool;
    let level = orgs::get(pool, reseller)
        .await?
        .and_then(|o| o.partner_level)
        .unwrap_or(PartnerLevel::Authorized);
    let rules = deals::rules(pool).await?;
    let lines = msp::usage(pool, reseller, month).await?;
    Ok(statement(first, last, &lines, |family| {
        rules
            .program
            .get(&(level, family.to_string()))
            .copied()
            .unwrap_or(Bp(0))
    }))
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
    pub form: UsageForm,
    pub errors: FieldErrors,
    pub problems: Vec<(usize, String)>,
}

impl MspPage {
    pub fn msp_selected(&self, id: &OrgId) -> bool {
        self.shown == Some(*id)
    }
    pub fn money(&self, c: &crate::domain::Cents) -> String {
        c.with_currency(catalogue::DEFAULT_CURRENCY)
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
        None => Statement::default(),
    };
    let can_report = user.org_kind == OrgKind::Reseller && !closed;
    let customers = match (can_report, shown) {
        (true, Some(r)) => deals::end_customers(pool, r).await?,
        _ => Vec::new(),
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

/// Checks that the month may still take reports; the message otherwise.
async fn open_month(user: &CurrentUser, month: &str) -> Result<Option<String>, AppError> {
    if month_bounds(month).is_none() {
        return Ok(Some("Enter the month as YYYY-MM.".into()));
    }
    if month > month_of(user.state.clock.today()).as_str() {
        return Ok(Some(
            "Usage is reported for the current month or an earlier one.".into(),
        ));
    }
    if msp::is_closed(&user.state.db.pool, month).await? {
        return Ok(Some(format!("{month} is closed: its statement is final.")));
    }
    Ok(None)
}

async fn save(user: &CurrentUser, month: &str, rows: &[Reported]) -> Result<(), AppError> {
    let pool = &user.state.db.pool;
    let now = user.now();
    let mut tx = pool.begin().await?;
    for r in rows {
        let customer =
            deals::end_customer_named(&mut tx, user.org_id, &r.end_customer, now).await?;
        msp::record(
            &mut tx,
            &NewUsage {
                reseller: user.org_id,
                month,
                end_customer: customer,
                sku: r.sku.as_str(),
                description: &r.description,
                quantity: r.quantity,
                unit_msrp: r.unit_msrp,
                by: user.id,
            },
            now,
        )
        .await?;
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        "msp_usage_reported",
        month,
        &format!("{} lines", rows.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn report(
    user: CurrentUser,
    form: CsrfForm<UsageForm>,
) -> Result<HttpResponse, AppError> {
    msp_in_scope(&user, "").await?;
    user.require(user.org_kind == OrgKind::Reseller, "report MSP usage")
        .await?;
    let form = form.0;
    let month = form.month.trim().to_string();
    let mut errors = FieldErrors::default();
    if let Some(message) = open_month(&user, &month).await? {
        errors.add("month", message);
        return render::invalid(&page(&user, &month, "", form, errors, Vec::new()).await?);
    }
    let (_, last) = month_bounds(&month).unwrap_or_default();
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    match check_usage(
        &snapshot,
        &form.end_customer,
        &form.sku,
        &form.quantity,
        last,
    ) {
        Ok(row) => {
            save(&user, &month, std::slice::from_ref(&row)).await?;
            user.session.flash(
                "success",
                format!(
                    "Recorded {} × {} for {} in {month}.",
                    row.quantity, row.sku, row.end_customer
                ),
            )?;
            Ok(render::see_other(&format!("/msp?month={month}")))
        }
        Err(message) => {
            let (field, text) = message
                .split_once(": ")
                .unwrap_or(("sku", message.as_str()));
            errors.add(field, text.to_string());
            render::invalid(&page(&user, &month, "", form, errors, Vec::new()).await?)
        }
    }
}

#[derive(MultipartForm)]
pub struct UploadForm {
    csrf_token: Option<Text<String>>,
    month: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    file: Option<FileBytes>,
}

pub async fn upload(
    req: HttpRequest,
    user: CurrentUser,
    form: MultipartForm<UploadForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    msp_in_scope(&user, "").await?;
    user.require(user.org_kind == OrgKind::Reseller, "report MSP usage")
        .await?;
    let month = form
        .month
        .map(|m| m.into_inner())
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut errors = FieldErrors::default();
    if let Some(message) = open_month(&user, &month).await? {
        errors.add("month", message);
        return render::invalid(
            &page(&user, &month, "", UsageForm::default(), errors, Vec::new()).await?,
        );
    }
    let Some(text) = crate::web::forms::uploaded_csv(None, form.file)? else {
        errors.add(
            "file",
            "Choose a CSV file with the columns end_customer, sku and quantity.",
        );
        return render::invalid(
            &page(&user, &month, "", UsageForm::default(), errors, Vec::new()).await?,
        );
    };
    let (_, last) = month_bounds(&month).unwrap_or_default();
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    match parse_usage_csv(&text, &snapshot, last) {
        Ok(rows) => {
            save(&user, &month, &rows).await?;
            user.session.flash(
                "success",
                format!("Recorded {} usage lines for {month}.", rows.len()),
            )?;
            Ok(render::see_other(&format!("/msp?month={month}")))
        }
        Err(problems) => {
            errors.add(
                "file",
                format!(
                    "Nothing was recorded: the file has {} problems, listed below.",
                    problems.len()
                ),
            );
            render::invalid(&page(&user, &month, "", UsageForm::default(), errors, problems).await?)
        }
    }
}

pub async fn statement_csv(
    user: CurrentUser,
    query: web::Query<MspQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, shown) = msp_in_scope(&user, &query.reseller).await?;
    let reseller = shown.ok_or(AppError::NotFound)?;
    let (month, first, last) = month_or_current(&query.month, user.state.clock.today());
    let s = statement_of(&user, reseller, &month, first, last).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let money = |c: crate::domain::Cents| c.decimal();
    w.write_record([
        "Start Date",
        "End Date",
        "End User Identifier",
        "Product Description",
        "SKU",
        "Total Quantity",
        "Unit MSRP",
        "Unit Price",
        "Total Price",
    ])
    .map_err(anyhow::Error::from)?;
    for r in &s.rows {
        w.write_record([
            r.start.to_string(),
            r.end.to_string(),
            r.end_user.clone(),
            r.description.clone(),
            r.sku.clone(),
            r.quantity.to_string(),
            money(r.unit_msrp),
            money(r.unit_price),
            money(r.total_price),
        ])
        .map_err(anyhow::Error::from)?;
    }
    w.write_record([
        first.to_string(),
        last.to_string(),
        "Total".into(),
        String::new(),
        String::new(),
        s.total_quantity.to_string(),
        String::new(),
        String::new(),
        money(s.total_price),
    ])
    .map_err(anyhow::Error::from)?;
    Ok(render::csv_download(
        render::csv_bytes(w)?,
        &format!("msp-statement-{month}.csv"),
    ))
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    month: String,
}

pub async fn close(user: CurrentUser, form: CsrfForm<CloseForm>) -> Result<HttpResponse, AppError> {
    user.require(user.role.is_vendor_admin(), "close MSP months")
        .await?;
    let month = form.0.month.trim().to_string();
    let Some((_, last)) = month_bounds(&month) else {
        return Err(AppError::BadRequest("Enter the month as YYYY-MM.".into()));
    };
    if last >= user.state.clock.today() {
        return Err(AppError::Conflict(format!(
            "{month} has not ended yet; close it after {last}."
        )));
    }
    let mut tx = user.state.db.pool.begin().await?;
    if !msp::close(&mut tx, &month, user.id, user.now()).await? {
        return Err(AppError::Conflict(format!("{month} is closed already.")));
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        "msp_month_closed",
        &month,
        "",
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!(
            "{month} is closed: MSPs can no longer change its usage, and its statements are final."
        ),
    )?;
    Ok(render::see_other(&format!("/msp?month={month}")))
}
