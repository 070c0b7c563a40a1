//! The catalogue browser: every signed-in user finds a product by family, band or
//! description and sees its SKU and MSRP for a term of 1 to 60 months.

use crate::cache::Ttl;
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
#[template(path = "pages/catalogue.html", blocks = ["results"])]
pub struct CataloguePage {
    pub chrome: Chrome,
    pub q: String,
    pub term: u8,
    pub terms: Vec<u8>,
    pub currency: String,
    pub list: Paged<BrowseRow>,
}

#[derive(Deserialize)]
pub struct TermQuery {
    term: Option<String>,
}

impl CataloguePage {
    pub fn money(&self, row: &BrowseRow) -> String {
        money(row, &self.currency)
    }
    /// The MSP monthly MSRP of a row, if it has one.
    pub fn msp_money(&self, msrp: &Option<crate::domain::Cents>) -> String {
        msrp.map(|c| format!("{} a month", c.with_currency(&self.currency)))
            .unwrap_or_else(|| "no price".into())
    }
}

fn money(row: &BrowseRow, currency: &str) -> String {
    row.msrp
        .map(|c| c.with_currency(currency))
        .unwrap_or_else(|| "no price".into())
}

impl TermQuery {
    /// Any term from 1 to 60 months; anything else shows the standard 12.
    fn months(&self) -> u8 {
        self.term
            .as_deref()
            .and_then(|t| t.parse::<u8>().ok())
            .filter(|t| (1..=60).contains(t))
            .unwrap_or(12)
    }
}

pub async fn browse(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
    term: web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let term = term.months();
    let org = crate::db::orgs::get(&user.state.db.pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot = user
        .state
        .catalogue
        .snapshot(&user.state.db, &org.currency)
        .await?;
    let q = query.query().unwrap_or("").to_string();
    let rows = snapshot.browse(&q, term, user.state.clock.today());
    let list = Paged::of_all(rows, query.page(), PER_PAGE);
    let page = CataloguePage {
        chrome: Chrome::new(&user, "/catalogue", "Catalogue")?,
        q,
        term,
        terms: (1..=60).collect(),
        currency: snapshot.currency.clone(),
        list,
    };
    render::page_or_fragment(&htmx, &page, |p| p.as_results())
}

/// The catalogue and its prices as the browser shows them, read from the database at most
/// every two seconds per process and currency instead of on every request; this process's
/// own catalogue changes drop it at once ([`SnapshotCache::forget`]), another process's show
/// within seconds.
pub struct SnapshotCache(Ttl<String, std::sync::Arc<crate::domain::catalogue::Snapshot>>);

impl Default for SnapshotCache {
    fn default() -> Self {
        SnapshotCache(Ttl::new(std::time::Duration::from_secs(2)))
    }
}

impl SnapshotCache {
    pub async fn snapshot(
        &self,
        db: &crate::db::Db,
        currency: &str,
    ) -> Result<std::sync::Arc<crate::domain::catalogue::Snapshot>, AppError> {
        self.0
            .get_or(currency.to_string(), async {
                Ok::<_, AppError>(std::sync::Arc::new(
                    crate::app::translator::snapshot_for(db, currency).await?,
                ))
            })
            .await
    }

    /// Drops every cached snapshot (after this process changed the catalogue or a price).
    pub fn forget(&self) {
        self.0.forget();
    }
}
