//! The catalogue browser: every signed-in user finds a product by family, band or
//! description and sees its SKU and MSRP for a term of 1 to 60 months.

use crate::domain::catalogue::BrowseRow;
use crate::domain::paging::PER_PAGE;
use crate::domain::{PageRequest, Paged};
use crate::web::chrome::Chrome;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/catalogue.html")]
pub struct CataloguePage {
    pub chrome: Chrome,
    pub q: String,
    pub term: u8,
    pub terms: Vec<u8>,
    pub currency: String,
    pub list: Paged<BrowseRow>,
}

#[derive(Template)]
#[template(path = "pages/catalogue.html", block = "results")]
pub struct CatalogueResults<'a> {
    pub q: &'a str,
    pub term: u8,
    pub currency: &'a str,
    pub list: &'a Paged<BrowseRow>,
}

#[derive(Deserialize)]
pub struct TermQuery {
    term: Option<String>,
}

impl CataloguePage {
    pub fn money(&self, row: &BrowseRow) -> String {
        money(row, &self.currency)
    }
}

impl CatalogueResults<'_> {
    pub fn money(&self, row: &BrowseRow) -> String {
        money(row, self.currency)
    }
}

fn money(row: &BrowseRow, currency: &str) -> String {
    row.msrp
        .map(|c| c.with_currency(currency))
        .unwrap_or_else(|| "no price".into())
}

pub async fn browse(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
    term: web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    // Any term from 1 to 60 months; anything else shows the standard 12.
    let term = term
        .term
        .as_deref()
        .and_then(|t| t.parse::<u8>().ok())
        .filter(|t| (1..=60).contains(t))
        .unwrap_or(12);
    let org = crate::db::orgs::get(&user.state.db.pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot = crate::app::translator::snapshot_for(&user.state.db, &org.currency).await?;
    let q = query.query().unwrap_or("").to_string();
    let rows = snapshot.browse(&q, term, user.state.clock.today());
    let total = rows.len() as i64;
    let page = Paged::<BrowseRow>::clamp_page(query.page(), total, PER_PAGE);
    let items = rows
        .into_iter()
        .skip(Paged::<BrowseRow>::offset(page, PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    let list = Paged {
        items,
        page,
        total,
        per_page: PER_PAGE,
    };
    if htmx.wants_fragment() {
        return render::page(&CatalogueResults {
            q: &q,
            term,
            currency: &snapshot.currency,
            list: &list,
        });
    }
    let page = CataloguePage {
        chrome: Chrome::new(&user, "/catalogue", "Catalogue")?,
        q,
        term,
        terms: (1..=60).collect(),
        currency: snapshot.currency,
        list,
    };
    render::page(&page)
}
