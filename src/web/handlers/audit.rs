//! The audit log, for vendor admins.

use crate::clock::format_timestamp;
use crate::db::audit::{self, Entry};
use crate::domain::{PageRequest, Paged};
use crate::web::chrome::Chrome;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Paged<Entry>,
}

/// The results table alone, for the live search.
#[derive(Template)]
#[template(path = "pages/audit.html", block = "results")]
pub struct AuditResults<'a> {
    pub q: &'a str,
    pub list: &'a Paged<Entry>,
}

impl Entry {
    pub fn when(&self) -> String {
        format_timestamp(self.at)
    }
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
) -> Result<HttpResponse, AppError> {
    user.require(user.role.is_vendor_admin(), "view the audit log")
        .await?;
    let list = audit::list(&user.state.db.pool, &query).await?;
    let q = query.query().unwrap_or("").to_string();
    if htmx.wants_fragment() {
        return render::page(&AuditResults { q: &q, list: &list });
    }
    render::page(&AuditPage {
        chrome: Chrome::new(&user, "/admin/audit", "Audit log")?,
        q,
        list,
    })
}
