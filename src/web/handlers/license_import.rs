//! The vendor admin imports licenses from the old system: a dry run first that lists every
//! problem by line and the licenses whose term started before they were activated, then the
//! import of all rows or none. Importing the same file again changes nothing.

use crate::app::{self, licenses::LicenseImport};
use crate::domain::import::{LicensePreview, Problems};
use crate::web::chrome::Chrome;
use crate::web::csrf;
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_multipart::form::{tempfile::TempFile, text::Text, MultipartForm};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "pages/license_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    /// The checked file's token, for the "Import" button.
    pub upload: String,
    pub problems: Problems,
    pub preview: Option<LicensePreview>,
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("import licenses").await?;
    let chrome = Chrome::new(&user, "/admin/licenses/import", "Import licenses")?;
    render::page(&ImportPage {
        chrome,
        upload: String::new(),
        problems: vec![],
        preview: None,
    })
}

const KIND: &str = "licenses";

#[derive(MultipartForm)]
pub struct ImportForm {
    csrf_token: Option<Text<String>>,
    #[multipart(limit = "64MB")]
    file: Option<TempFile>,
    /// The token of the file checked before, sent back by the preview's "Import" button.
    upload: Option<Text<String>>,
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
    let held = form.upload.as_ref().map(|t| t.as_str());
    let Some(text) =
        crate::web::forms::import_csv(&user.ctx, KIND, held, form.file.as_ref()).await?
    else {
        user.session
            .flash("error", "Choose a CSV file to import.")?;
        return Ok(render::see_other("/admin/licenses/import"));
    };
    let commit = form.commit.is_some_and(|c| c.as_str() == "yes");
    let chrome = || Chrome::new(&user, "/admin/licenses/import", "Import licenses");
    match app::licenses::import(&user.ctx, text.as_bytes(), commit).await? {
        LicenseImport::Refused(problems) => render::invalid(&ImportPage {
            chrome: chrome()?,
            upload: String::new(),
            problems,
            preview: None,
        }),
        LicenseImport::Preview(preview) => render::page(&ImportPage {
            chrome: chrome()?,
            upload: app::uploads::hold(&user.ctx, KIND, &text).await?,
            problems: vec![],
            preview: Some(preview),
        }),
        LicenseImport::Imported { rows, added, .. } => {
            if let Some(token) = held {
                app::uploads::release(&user.ctx, token).await?;
            }
            user.session.flash(
                "success",
                format!(
                    "Imported {} ({} in the file).",
                    crate::domain::paging::counted(
                        added,
                        "license schedule entry",
                        "license schedule entries"
                    ),
                    crate::domain::paging::counted(rows, "row", "rows")
                ),
            )?;
            Ok(render::see_other("/licenses"))
        }
    }
}
