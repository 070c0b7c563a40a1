//! The vendor admin imports licenses from the old system: a dry run first that lists every
//! problem by line and the licenses whose term started before they were activated, then the
//! import of all rows or none. Importing the same file again changes nothing.

use crate::app::{self, licenses::LicenseImport};
use crate::domain::import::{LicensePreview, Problems};
use crate::web::chrome::Chrome;
use crate::web::csrf;
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/license_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub csv: String,
    pub problems: Problems,
    pub preview: Option<LicensePreview>,
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("import licenses").await?;
    let chrome = Chrome::new(&user, "/admin/licenses/import", "Import licenses")?;
    render::page(&ImportPage {
        chrome,
        csv: String::new(),
        problems: vec![],
        preview: None,
    })
}

#[derive(MultipartForm)]
pub struct ImportForm {
    csrf_token: Option<Text<String>>,
    #[multipart(limit = "64MB")]
    file: Option<FileBytes>,
    #[multipart(limit = "64MB")]
    csv: Option<Text<String>>,
    commit: Option<Text<String>>,
}

pub async fn import(
    req: HttpRequest,
    user: CurrentUser,
    form: MultipartForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    user.require_vendor_admin("import licenses").await?;
    let Some(text) = crate::web::forms::uploaded_csv(form.csv, form.file)? else {
        user.session
            .flash("error", "Choose a CSV file to import.")?;
        return Ok(render::see_other("/admin/licenses/import"));
    };
    let commit = form.commit.is_some_and(|c| c.as_str() == "yes");
    let chrome = || Chrome::new(&user, "/admin/licenses/import", "Import licenses");
    match app::licenses::import(&user.ctx, text.as_bytes(), commit).await? {
        LicenseImport::Refused(problems) => render::invalid(&ImportPage {
            chrome: chrome()?,
            csv: String::new(),
            problems,
            preview: None,
        }),
        LicenseImport::Preview(preview) => render::page(&ImportPage {
            chrome: chrome()?,
            csv: text,
            problems: vec![],
            preview: Some(preview),
        }),
        LicenseImport::Imported { rows, added, .. } => {
            user.session.flash(
                "success",
                format!("Imported {added} license schedule entries ({rows} rows in the file)."),
            )?;
            Ok(render::see_other("/licenses"))
        }
    }
}
