//! The vendor admin maintains the catalogue, the price book and the legacy table: CSV
//! imports checked in a dry run first (all rows or none), an edit page per item, and the
//! dates from which legacy SKUs are refused.

use crate::app::{self, catalogue::Imported, catalogue::PreviewRow, catalogue::Table};
use crate::db::catalogue;
use crate::domain::catalogue::CatalogueItem;
use crate::domain::import::Problems;
use crate::domain::legacy::AcceptanceDates;
use crate::domain::paging::PER_PAGE;
use crate::domain::{Cents, PageRequest, Paged};
use crate::web::chrome::Chrome;
use crate::web::csrf::{self, CsrfForm};
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_multipart::form::{text::Text, MultipartForm};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/admin_catalogue.html", blocks = ["results"])]
pub struct CatalogueAdminPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Paged<CatalogueItem>,
    /// The price book shown, and every price book: (currency, name).
    pub currency: String,
    pub books: Vec<(String, String)>,
    pub legacy_count: usize,
    pub dates: DatesForm,
    pub errors: FieldErrors,
}

impl CatalogueAdminPage {
    /// The price books as choices: "EUR (Euro price book)".
    pub fn book_options(&self) -> Vec<(String, String)> {
        self.books
            .iter()
            .map(|(c, name)| (c.clone(), format!("{c} ({name})")))
            .collect()
    }
}

/// The price book a page shows or edits (`?currency=EUR`).
#[derive(Debug, Default, Deserialize)]
pub struct BookQuery {
    #[serde(default)]
    pub currency: String,
}

impl BookQuery {
    /// The price book asked for when there is one, else the default one.
    async fn chosen(&self, pool: &sqlx::AnyPool) -> Result<String, AppError> {
        let asked = self.currency.trim().to_uppercase();
        Ok(if catalogue::has_price_book(pool, &asked).await? {
            asked
        } else {
            catalogue::DEFAULT_CURRENCY.to_string()
        })
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
    (req, book): (&PageRequest, &BookQuery),
    dates: DatesForm,
    errors: FieldErrors,
) -> Result<CatalogueAdminPage, AppError> {
    let pool = &user.state.db.pool;
    let currency = book.chosen(pool).await?;
    let snapshot = catalogue::snapshot(pool, &currency).await?;
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
    Ok(CatalogueAdminPage {
        chrome: Chrome::new(user, "/admin/catalogue", "Catalogue and price book")?,
        q,
        list: Paged::of_all(items, req.page(), PER_PAGE),
        currency: snapshot.currency,
        books: catalogue::price_books(pool).await?,
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
    book: web::Query<BookQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("maintain the catalogue").await?;
    let dates = catalogue::acceptance_dates(&user.state.db.pool).await?;
    let page = overview(
        &user,
        (&query, &book),
        dates_form(&dates),
        FieldErrors::default(),
    )
    .await?;
    render::page_or_fragment(&htmx, &page, |p| p.as_results())
}

pub async fn save_dates(
    user: CurrentUser,
    form: CsrfForm<DatesForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("maintain the catalogue").await?;
    let form = form.0;
    let saved = app::catalogue::save_dates(
        &user.ctx,
        &form.last_legacy_day,
        &form.odd_term_refused_from,
    )
    .await;
    user.state.catalogue.forget();
    match saved {
        Ok(()) => {
            user.session
                .flash("success", "Saved the legacy SKU dates.")?;
            Ok(render::see_other("/admin/catalogue"))
        }
        Err(app::Error::Invalid(errors)) => {
            let unfiltered = (&PageRequest::default(), &BookQuery::default());
            render::invalid(&overview(&user, unfiltered, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(MultipartForm)]
pub struct ImportForm {
    csrf_token: Option<Text<String>>,
    table: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    file: Option<actix_multipart::form::tempfile::TempFile>,
    /// The token of the file checked before, sent back by the preview's "Import" button.
    upload: Option<Text<String>>,
    commit: Option<Text<String>>,
}

#[derive(Template)]
#[template(path = "pages/admin_catalogue_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub table: String,
    pub title: &'static str,
    /// The checked file's token, for the "Import" button.
    pub upload: String,
    pub problems: Problems,
    pub rows: Vec<PreviewRow>,
}

pub async fn import(
    req: HttpRequest,
    user: CurrentUser,
    form: MultipartForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    user.require_vendor_admin("maintain the catalogue").await?;
    let Some(table) = form.table.as_deref().and_then(|t| Table::parse(t)) else {
        return Err(AppError::BadRequest(
            "Choose what to import: the catalogue or the legacy table.".into(),
        ));
    };
    let kind = table.as_str();
    let held = form.upload.as_ref().map(|t| t.as_str());
    let Some(text) =
        crate::web::forms::import_csv(&user.ctx, kind, held, form.file.as_ref()).await?
    else {
        user.session
            .flash("error", "Choose a CSV file to import.")?;
        return Ok(render::see_other("/admin/catalogue"));
    };
    let commit = form.commit.is_some_and(|c| c.as_str() == "yes");
    let title = table.title();
    let imported = app::catalogue::import(&user.ctx, table, text.as_bytes(), commit).await;
    user.state.catalogue.forget();
    match imported? {
        Imported::Done(count) => {
            if let Some(token) = held {
                app::uploads::release(&user.ctx, token).await?;
            }
            user.session.flash(
                "success",
                format!(
                    "{title}: imported {}.",
                    crate::domain::paging::counted(count, "row", "rows")
                ),
            )?;
            Ok(render::see_other("/admin/catalogue"))
        }
        Imported::Preview { problems, rows } => {
            let page = ImportPage {
                chrome: Chrome::new(&user, "/admin/catalogue", format!("Import: {title}"))?,
                table: table.as_str().to_string(),
                title,
                upload: if problems.is_empty() {
                    app::uploads::hold(&user.ctx, kind, &text).await?
                } else {
                    String::new()
                },
                problems,
                rows,
            };
            render::form(page.problems.is_empty(), &page)
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
    /// The price book the prices are in.
    #[serde(default)]
    pub currency: String,
}

async fn load_item(
    user: &CurrentUser,
    family: &str,
    band: &str,
    book: &BookQuery,
) -> Result<(CatalogueItem, String), AppError> {
    let currency = book.chosen(&user.state.db.pool).await?;
    Ok(app::catalogue::item(&user.ctx, family, band, &currency).await?)
}

fn money_text(c: Option<Cents>) -> String {
    c.map(|c| c.decimal()).unwrap_or_default()
}

pub async fn item_form(
    user: CurrentUser,
    path: web::Path<(String, String)>,
    book: web::Query<BookQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("maintain the catalogue").await?;
    let (item, currency) = load_item(&user, &path.0, &path.1, &book).await?;
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
        currency: currency.clone(),
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

pub async fn update_item(
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<ItemForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("maintain the catalogue").await?;
    let form = form.0;
    let book = BookQuery {
        currency: form.currency.clone(),
    };
    let currency = book.chosen(&user.state.db.pool).await?;
    let input = app::catalogue::ItemInput {
        description: form.description.clone(),
        active_from: form.active_from.clone(),
        active_until: form.active_until.clone(),
        msrp_12: form.msrp_12.clone(),
        msrp_24: form.msrp_24.clone(),
        msrp_36: form.msrp_36.clone(),
        msrp_monthly: form.msrp_monthly.clone(),
        msrp_hardware: form.msrp_hardware.clone(),
    };
    let updated =
        app::catalogue::update_item(&user.ctx, (&path.0, &path.1), &currency, &input).await;
    user.state.catalogue.forget();
    match updated {
        Ok(subject) => {
            user.session
                .flash("success", format!("Saved {subject} ({currency} prices)."))?;
            Ok(render::see_other(&format!(
                "/admin/catalogue?currency={currency}"
            )))
        }
        Err(app::Error::Invalid(errors)) => {
            let (item, currency) = load_item(&user, &path.0, &path.1, &book).await?;
            let chrome = Chrome::new(
                &user,
                "/admin/catalogue",
                format!("{} {}", item.family, item.band),
            )?;
            render::invalid(&ItemPage {
                chrome,
                item,
                currency,
                form,
                errors,
            })
        }
        Err(e) => Err(e.into()),
    }
}
