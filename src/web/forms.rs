//! Server-side validation results, shown next to the fields they concern.

pub use crate::domain::field_errors::{required_text, FieldErrors};

/// An HTML checkbox: present (any value) when ticked, absent when not.
pub fn ticked(value: &Option<String>) -> bool {
    value.is_some()
}

/// The CSV text of an import form: the file checked before and held under the `upload` token
/// (the preview's "Import" button), or else the uploaded file, which actix-multipart streamed
/// to a temporary file. `Ok(None)` when neither came.
pub async fn import_csv(
    ctx: &crate::app::Ctx,
    kind: &str,
    held: Option<&str>,
    file: Option<&actix_multipart::form::tempfile::TempFile>,
) -> Result<Option<String>, crate::web::AppError> {
    if let Some(token) = held.filter(|t| !t.trim().is_empty()) {
        return Ok(Some(crate::app::uploads::held(ctx, kind, token).await?));
    }
    let Some(file) = file.filter(|f| f.size > 0) else {
        return Ok(None);
    };
    let bytes = tokio::fs::read(file.file.path())
        .await
        .map_err(|e| crate::web::AppError::Unexpected(e.into()))?;
    String::from_utf8(bytes).map(Some).map_err(|_| {
        crate::web::AppError::BadRequest(
            "The file is not UTF-8 text; save it as CSV (UTF-8).".into(),
        )
    })
}

/// How much one multipart upload may hold in all (the license import takes the largest file);
/// each form's fields say their own limit (`#[multipart(limit = ...)]`), under this one.
pub const UPLOAD_LIMIT: usize = 65 * 1024 * 1024;

/// The multipart settings of every upload form: the limits above instead of actix-multipart's
/// 2 MiB default, and refusals answered with the portal's page, not a plain-text 413.
pub fn multipart_config() -> actix_multipart::form::MultipartFormConfig {
    actix_multipart::form::MultipartFormConfig::default()
        .total_limit(UPLOAD_LIMIT)
        .memory_limit(UPLOAD_LIMIT)
        .error_handler(multipart_error)
}

fn multipart_error(
    e: actix_multipart::MultipartError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_multipart::MultipartError;
    use actix_web::error::PayloadError;
    use actix_web::ResponseError;
    let too_large = matches!(e, MultipartError::Payload(PayloadError::Overflow))
        || e.status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
    let error = if too_large {
        crate::web::AppError::TooLarge(
            "The file is larger than this page takes: 16 MB for the SKU translator, the price book and MSP usage, 64 MB for the license import. Split it into parts and upload them one after the other."
                .into(),
        )
    } else if matches!(e, MultipartError::ContentTypeIncompatible) {
        crate::web::AppError::BadRequest(
            "This page takes a file upload form: choose the file on the page and send it from there.".into(),
        )
    } else {
        crate::web::AppError::BadRequest(format!(
            "The upload could not be read ({e}). Choose the file again and send the form once more."
        ))
    };
    error.into()
}

/// Whether url-encoded text holds a NUL character (`%00`, or the byte itself): nothing the
/// portal stores may hold one (PostgreSQL refuses it), and no person types one.
pub fn holds_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
}

pub fn nul_refused() -> crate::web::AppError {
    crate::web::AppError::BadRequest(
        "The form holds a NUL character (often pasted from another program by mistake). Remove it and send the form again."
            .into(),
    )
}

/// Refuses a request whose address holds a NUL character (a search or filter of a list) with
/// the portal's page, before any query sees it.
pub async fn refuse_nul_in_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if holds_nul(req.query_string().as_bytes()) || holds_nul(req.path().as_bytes()) {
        // The API answers problems, the pages their error page.
        if req.path().starts_with("/api/") {
            return Err(crate::web::handlers::api::refused(
                "query",
                "The address holds a NUL character, which no parameter takes.".into(),
            )
            .into());
        }
        return Err(nul_refused().into());
    }
    next.call(req).await
}
