//! Turning templates into responses.

use crate::web::AppError;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use askama::Template;

/// Room a rendered page starts with.
const PAGE_BYTES: usize = 32 * 1024;

pub fn html<T: Template>(status: StatusCode, template: &T) -> Result<HttpResponse, AppError> {
    // A list page is 20–30 KB: written into room for it at once, rather than into askama's
    // estimate of the template's fixed text, doubled a few times and copied each time.
    let mut body = String::with_capacity(PAGE_BYTES.max(T::SIZE_HINT));
    template
        .render_into(&mut body)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("could not render a page: {e}")))?;
    // Pages and their htmx fragments share URLs: caches must tell them apart.
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request"))
        .body(body))
}

pub fn page<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    html(StatusCode::OK, template)
}

/// A form re-rendered with the messages next to the fields.
pub fn invalid<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    html(StatusCode::UNPROCESSABLE_ENTITY, template)
}

/// The whole page, or for a plain htmx request only the block `fragment` picks out of it
/// (askama's block rendering), so one template and one view struct serve both.
pub fn page_or_fragment<'a, P: Template, F: Template + 'a>(
    htmx: &crate::web::extractors::Htmx,
    page: &'a P,
    fragment: impl FnOnce(&'a P) -> F,
) -> Result<HttpResponse, AppError> {
    form_or_fragment(true, htmx, page, fragment)
}

/// [`page_or_fragment`] for a page with a form: 422 when it shows what was wrong.
pub fn form_or_fragment<'a, P: Template, F: Template + 'a>(
    fine: bool,
    htmx: &crate::web::extractors::Htmx,
    page: &'a P,
    fragment: impl FnOnce(&'a P) -> F,
) -> Result<HttpResponse, AppError> {
    let status = if fine {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if htmx.wants_fragment() {
        html(status, &fragment(page))
    } else {
        html(status, page)
    }
}

/// A form page: 200 when `fine`, 422 when it shows what was wrong with the input.
pub fn form<T: Template>(fine: bool, template: &T) -> Result<HttpResponse, AppError> {
    if fine {
        page(template)
    } else {
        invalid(template)
    }
}

/// After a plain form post: go to a page (Post/Redirect/Get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A CSV file to download as `filename`.
pub fn csv_download(body: impl Into<Vec<u8>>, filename: &str, bom: Bom) -> HttpResponse {
    let mut bytes = bom.prefix().to_vec();
    bytes.extend(body.into());
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes)
}

/// Whether a CSV download starts with the UTF-8 byte order mark: spreadsheet programs that
/// otherwise read a file as the system's legacy code page (Excel on Windows) then show
/// "Müller" and "Łódź" as they are. Asked for with `?bom=1` (or a form field `bom`).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct Bom {
    #[serde(default, deserialize_with = "ticked")]
    bom: bool,
}

fn ticked<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let text: String = serde::Deserialize::deserialize(d)?;
    Ok(!text.is_empty() && text != "0")
}

impl Bom {
    pub const UTF8: &'static [u8] = b"\xEF\xBB\xBF";

    pub fn prefix(self) -> &'static [u8] {
        if self.bom {
            Self::UTF8
        } else {
            b""
        }
    }
}
