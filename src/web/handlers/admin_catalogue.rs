//! The vendor admin maintains the catalogue, the price book and the legacy table: CSV
//! imports checked in a dry run first (all rows or none), an edit page per item, and the
//! dates from which legacy SKUs are refused.

use crate::db::{audit, catalogue};
use crate::domain::catalogue::{CatalogueItem, Price};
use crate::domain::legacy::AcceptanceDates;
use crate::domain::paging::PER_PAGE;
use crate::domain::{Cents, PageRequest, Paged};
use crate::import::{self, Problems};
use crate::web::chrome::Chrome;
use crate::web::csrf::{self, CsrfForm};
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;

async fn require_vendor_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.is_vendor_admin(), "maintain the catalogue")
        .await
}

#[derive(Template)]
#[template(path = "pages/admin_catalogue.html")]
pub struct CatalogueAdminPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Paged<CatalogueItem>,
    pub currency: String,
    pub legacy_count: usize,
    pub dates: DatesForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "pages/admin_catalogue.html", block = "results")]
pub struct CatalogueAdminResults<'a> {
    pub q: &'a str,
    pub list: &'a Paged<CatalogueItem>,
    pub currency: &'a str,
}

impl CatalogueItem {
    /// "42.00 / 79.80 / 113.40 · monthly 3.85", or the hardware price.
    pub fn prices_label(&self) -> String {
        prices(self)
    }

    /// "from 2023-01-01" or "2023-01-01 to 2023-06-30".
    pub fn window_label(&self) -> String {
        window(self)
    }
}

fn prices(item: &CatalogueItem) -> String {
    let Some(p) = &item.price else {
        return "no price".into();
    };
    let m = |c: Option<Cents>| c.map(|c| c.amount()).unwrap_or_else(|| "—".into());
    match p.msrp_hardware {
        Some(hw) => hw.amount(),
        None => format!(
            "{} / {} / {} · monthly {}",
            m(p.msrp_12),
            m(p.msrp_24),
            m(p.msrp_36),
            m(p.msrp_monthly)
        ),
    }
}

fn window(item: &CatalogueItem) -> String {
    match item.active_until {
        Some(until) => format!("{} to {until}", item.active_from),
        None => format!("from {}", item.active_from),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DatesForm {
    #[serde(default)]
    pub last_legacy_day: String,
    #[serde(default)]
    pub odd_term_refused_from: String,
}

async fn overview(
    user: &CurrentUser,
    req: &PageRequest,
    dates: DatesForm,
    errors: FieldErrors,
) -> Result<CatalogueAdminPage, AppError> {
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let q = req.query().unwrap_or("").to_lowercase();
    let mut items: Vec<CatalogueItem> = snapshot
        .items
        .values()
        .filter(|i| {
            q.is_empty()
                || format!("{} {} {}", i.family, i.band, i.description)
                    .to_lowercase()
                    .contains(&q)
        })
        .cloned()
        .collect();
    items.sort_by(|a, b| (&a.family, &a.band).cmp(&(&b.family, &b.band)));
    let total = items.len() as i64;
    let page = Paged::<CatalogueItem>::clamp_page(req.page(), total, PER_PAGE);
    let items = items
        .into_iter()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    Ok(CatalogueAdminPage {
        chrome: Chrome::new(user, "/admin/catalogue", "Catalogue and price book")?,
        q,
        list: Paged {
            items,
            page,
            total,
            per_page: PER_PAGE,
        },
        currency: snapshot.currency,
        legacy_count: snapshot.legacy.len(),
        dates,
        errors,
    })
}

fn dates_form(d: &AcceptanceDates) -> DatesForm {
    DatesForm {
        last_legacy_day: d.last_legacy_day.to_string(),
        odd_term_refused_from: d.odd_term_refused_from.to_string(),
    }
}

pub async fn page(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let dates = catalogue::acceptance_dates(&user.state.db.pool).await?;
    let page = overview(&user, &query, dates_form(&dates), FieldErrors::default()).await?;
    if htmx.wants_fragment() {
        return render::page(&CatalogueAdminResults {
            q: &page.q,
            list: &page.list,
            currency: &page.currency,
        });
    }
    render::page(&page)
}

fn date_field(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add(field, "Enter the date as YYYY-MM-DD, e.g. 2023-12-31.");
    }
    d
}

pub async fn save_dates(
    user: CurrentUser,
    form: CsrfForm<DatesForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let form = form.0;
    let mut errors = FieldErrors::default();
    let last = date_field(&mut errors, "last_legacy_day", &form.last_legacy_day);
    let odd = date_field(
        &mut errors,
        "odd_term_refused_from",
        &form.odd_term_refused_from,
    );
    let (Some(last_legacy_day), Some(odd_term_refused_from), true) = (last, odd, errors.is_empty())
    else {
        return render::invalid(&overview(&user, &PageRequest::default(), form, errors).await?);
    };
    let before = catalogue::acceptance_dates(&user.state.db.pool).await?;
    let after = AcceptanceDates {
        last_legacy_day,
        odd_term_refused_from,
    };
    let mut tx = user.state.db.pool.begin().await?;
    catalogue::set_acceptance_dates(&mut tx, &after).await?;
    let detail = format!(
        "legacy accepted until {} -> {}; odd terms refused from {} -> {}",
        before.last_legacy_day,
        after.last_legacy_day,
        before.odd_term_refused_from,
        after.odd_term_refused_from
    );
    audit::record(
        &mut *tx,
        &user.actor(),
        "legacy_dates_changed",
        "settings",
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session
        .flash("success", "Saved the legacy SKU dates.")?;
    Ok(render::see_other("/admin/catalogue"))
}

#[derive(MultipartForm)]
pub struct ImportForm {
    csrf_token: Option<Text<String>>,
    table: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    file: Option<FileBytes>,
    /// The checked file's text, sent back by the preview's "Import" button.
    #[multipart(limit = "16MB")]
    csv: Option<Text<String>>,
    commit: Option<Text<String>>,
}

pub struct PreviewRow {
    pub line: usize,
    pub what: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "pages/admin_catalogue_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub table: String,
    pub title: &'static str,
    pub csv: String,
    pub problems: Problems,
    pub rows: Vec<PreviewRow>,
}

enum Checked {
    Catalogue(Vec<import::CatalogueRow>),
    Legacy(Vec<import::LegacyRow>),
}

async fn check(
    user: &CurrentUser,
    table: &str,
    bytes: &[u8],
) -> Result<Result<Checked, Problems>, AppError> {
    Ok(match table {
        "catalogue" => import::check_catalogue(bytes).map(Checked::Catalogue),
        _ => {
            let known: HashSet<_> = catalogue::item_keys(&user.state.db.pool)
                .await?
                .into_iter()
                .collect();
            import::check_legacy(bytes, &known).map(Checked::Legacy)
        }
    })
}

pub async fn import(
    req: HttpRequest,
    user: CurrentUser,
    form: MultipartForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    require_vendor_admin(&user).await?;
    let table = match form.table.map(|t| t.into_inner()).as_deref() {
        Some("catalogue") => "catalogue",
        Some("legacy") => "legacy",
        _ => {
            return Err(AppError::BadRequest(
                "Choose what to import: the catalogue or the legacy table.".into(),
            ))
        }
    };
    let title = if table == "catalogue" {
        "Catalogue and prices"
    } else {
        "Legacy SKU table"
    };
    let Some(text) = crate::web::forms::uploaded_csv(form.csv, form.file)? else {
        user.session
            .flash("error", "Choose a CSV file to import.")?;
        return Ok(render::see_other("/admin/catalogue"));
    };
    let checked = check(&user, table, text.as_bytes()).await?;
    let commit = form.commit.is_some_and(|c| c.as_str() == "yes");
    match (checked, commit) {
        (Ok(rows), true) => {
            let mut tx = user.state.db.pool.begin().await?;
            let count = match &rows {
                Checked::Catalogue(r) => {
                    catalogue::upsert_catalogue(&mut tx, r).await?;
                    r.len()
                }
                Checked::Legacy(r) => {
                    catalogue::upsert_legacy(&mut tx, r).await?;
                    r.len()
                }
            };
            let detail = format!("{count} rows");
            audit::record(
                &mut *tx,
                &user.actor(),
                "catalogue_imported",
                title,
                &detail,
                user.now(),
            )
            .await?;
            tx.commit().await?;
            user.session
                .flash("success", format!("{title}: imported {count} rows."))?;
            Ok(render::see_other("/admin/catalogue"))
        }
        (checked, _) => {
            let current =
                catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
            let (problems, rows) = match checked {
                Err(problems) => (problems, vec![]),
                Ok(Checked::Catalogue(rows)) => {
                    // Each row is compared with the price book of its own currency.
                    let mut books = std::collections::HashMap::new();
                    for r in &rows {
                        if !books.contains_key(&r.currency) {
                            let book =
                                catalogue::snapshot(&user.state.db.pool, &r.currency).await?;
                            books.insert(r.currency.clone(), book);
                        }
                    }
                    let preview = rows
                        .iter()
                        .map(|r| PreviewRow {
                            line: r.line,
                            what: format!(
                                "{} {} ({}): {}",
                                r.family, r.band, r.currency, r.description
                            ),
                            change: import::describe_change(r, books.get(&r.currency)),
                        })
                        .collect();
                    (vec![], preview)
                }
                Ok(Checked::Legacy(rows)) => {
                    let preview = rows
                        .iter()
                        .map(|r| PreviewRow {
                            line: r.line,
                            what: format!(
                                "{} → {}{}",
                                r.legacy,
                                r.new_sku,
                                if r.one_month { " (1 month)" } else { "" }
                            ),
                            change: match current.legacy.get(&r.legacy) {
                                None => "new".into(),
                                Some(m) if m.new_sku == r.new_sku && m.one_month == r.one_month => {
                                    "unchanged".into()
                                }
                                Some(m) => format!("was {}", m.new_sku),
                            },
                        })
                        .collect();
                    (vec![], preview)
                }
            };
            let page = ImportPage {
                chrome: Chrome::new(&user, "/admin/catalogue", format!("Import: {title}"))?,
                table: table.to_string(),
                title,
                csv: text,
                problems,
                rows,
            };
            if page.problems.is_empty() {
                render::page(&page)
            } else {
                render::invalid(&page)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "pages/admin_catalogue_item.html")]
pub struct ItemPage {
    pub chrome: Chrome,
    pub item: CatalogueItem,
    pub currency: String,
    pub form: ItemForm,
    pub errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub active_from: String,
    #[serde(default)]
    pub active_until: String,
    #[serde(default)]
    pub msrp_12: String,
    #[serde(default)]
    pub msrp_24: String,
    #[serde(default)]
    pub msrp_36: String,
    #[serde(default)]
    pub msrp_monthly: String,
    #[serde(default)]
    pub msrp_hardware: String,
}

async fn load_item(
    user: &CurrentUser,
    family: &str,
    band: &str,
) -> Result<(CatalogueItem, String), AppError> {
    let snapshot = catalogue::snapshot(&user.state.db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let item = snapshot
        .items
        .get(&(family.to_string(), band.to_string()))
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((item, snapshot.currency))
}

fn money_text(c: Option<Cents>) -> String {
    c.map(|c| c.decimal()).unwrap_or_default()
}

pub async fn item_form(
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let (item, currency) = load_item(&user, &path.0, &path.1).await?;
    let p = item.price.clone().unwrap_or_default();
    let form = ItemForm {
        description: item.description.clone(),
        active_from: item.active_from.to_string(),
        active_until: item.active_until.map(|d| d.to_string()).unwrap_or_default(),
        msrp_12: money_text(p.msrp_12),
        msrp_24: money_text(p.msrp_24),
        msrp_36: money_text(p.msrp_36),
        msrp_monthly: money_text(p.msrp_monthly),
        msrp_hardware: money_text(p.msrp_hardware),
    };
    let chrome = Chrome::new(
        &user,
        "/admin/catalogue",
        format!("{} {}", item.family, item.band),
    )?;
    render::page(&ItemPage {
        chrome,
        item,
        currency,
        form,
        errors: FieldErrors::default(),
    })
}

fn money_field(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    required: bool,
) -> Option<Cents> {
    match (value.trim(), required) {
        ("", true) => {
            errors.add(field, "Enter the amount, e.g. 42.00.");
            None
        }
        ("", false) => None,
        (v, _) => Cents::parse(v)
            .map_err(|e| errors.add(field, e.to_string()))
            .ok(),
    }
}

pub async fn update_item(
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<ItemForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let (item, currency) = load_item(&user, &path.0, &path.1).await?;
    let form = form.0;
    let mut errors = FieldErrors::default();
    let description = required_text(
        &mut errors,
        "description",
        &form.description,
        "a description",
        200,
    );
    let from = date_field(&mut errors, "active_from", &form.active_from);
    let until = match form.active_until.trim() {
        "" => None,
        v => date_field(&mut errors, "active_until", v),
    };
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errors.add(
                "active_until",
                "The item would stop being orderable before it starts.",
            );
        }
    }
    let hardware = item.kind == crate::domain::catalogue::FamilyKind::Hardware;
    let price = Price {
        msrp_12: money_field(&mut errors, "msrp_12", &form.msrp_12, !hardware),
        msrp_24: money_field(&mut errors, "msrp_24", &form.msrp_24, !hardware),
        msrp_36: money_field(&mut errors, "msrp_36", &form.msrp_36, !hardware),
        msrp_monthly: money_field(&mut errors, "msrp_monthly", &form.msrp_monthly, false),
        msrp_hardware: money_field(&mut errors, "msrp_hardware", &form.msrp_hardware, hardware),
    };
    let Some(active_from) = from.filter(|_| errors.is_empty()) else {
        let chrome = Chrome::new(
            &user,
            "/admin/catalogue",
            format!("{} {}", item.family, item.band),
        )?;
        return render::invalid(&ItemPage {
            chrome,
            item,
            currency,
            form,
            errors,
        });
    };
    let before = prices(&item);
    let mut tx = user.state.db.pool.begin().await?;
    catalogue::update_item(
        &mut tx,
        &item.family,
        &item.band,
        &description,
        active_from,
        until,
    )
    .await?;
    catalogue::upsert_price(&mut tx, &currency, &item.family, &item.band, &price).await?;
    let after = prices(&CatalogueItem {
        price: Some(price),
        ..item.clone()
    });
    let subject = format!("{} {}", item.family, item.band);
    let detail = format!(
        "{currency} prices {before} -> {after}; orderable {}",
        window(&CatalogueItem {
            active_from,
            active_until: until,
            ..item.clone()
        })
    );
    audit::record(
        &mut *tx,
        &user.actor(),
        "catalogue_item_updated",
        &subject,
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash("success", format!("Saved {subject}."))?;
    Ok(render::see_other("/admin/catalogue"))
}
