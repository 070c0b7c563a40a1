//! `/quotes`: the quote work of the caller. Distributor staff see the inquiries waiting for a
//! quote (oldest first, with their age) and their quotes about to lapse; resellers the quotes
//! waiting for their answer.

use crate::app;
use crate::db::inquiries::Queued;
use crate::web::chrome::Chrome;
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;

#[derive(Template)]
#[template(path = "pages/quotes.html")]
pub struct QuotesPage {
    pub chrome: Chrome,
    pub work: app::quotes::QuoteWork,
    pub reseller: bool,
    pub today: chrono::NaiveDate,
}

impl QuotesPage {
    /// "3 days" since the inquiry was submitted.
    pub fn age(&self, q: &Queued) -> String {
        let days = q
            .inquiry
            .submitted_on
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or(0, |d| (self.today - d).num_days());
        match days {
            0 => "today".into(),
            1 => "1 day".into(),
            n => format!("{n} days"),
        }
    }
    pub fn money<C: std::borrow::Borrow<crate::domain::Cents>>(&self, c: C) -> String {
        c.borrow()
            .with_currency(crate::db::catalogue::DEFAULT_CURRENCY)
    }
    pub fn valid(&self, q: &Queued) -> String {
        q.valid_until.map(|d| d.to_string()).unwrap_or_default()
    }
    pub fn net(&self, q: &Queued) -> String {
        q.net.map(|n| self.money(n)).unwrap_or_default()
    }
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let work = app::quotes::work(&user.ctx).await?;
    render::page(&QuotesPage {
        chrome: Chrome::new(&user, "/inquiries", "Quotes")?,
        reseller: user.org_kind == crate::domain::OrgKind::Reseller,
        today: user.ctx.today,
        work,
    })
}
