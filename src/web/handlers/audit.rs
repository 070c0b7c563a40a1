//! The audit log, for vendor admins.

use crate::db::audit::{self, Entry};
use crate::domain::{PageRequest, Paged};
use crate::web::chrome::Chrome;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/audit.html", blocks = ["results"])]
pub struct AuditPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Paged<Entry>,
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("view the audit log").await?;
    let list = audit::list(&user.state.db.pool, &query).await?;
    let q = query.query().unwrap_or("").to_string();
    let page = AuditPage {
        chrome: Chrome::new(&user, "/admin/audit", "Audit log")?,
        q,
        list,
    };
    render::page_or_fragment(&htmx, &page, |p| p.as_results())
}
