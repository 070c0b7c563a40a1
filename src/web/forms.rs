//! Server-side validation results, shown next to the fields they concern.

pub use crate::domain::field_errors::{required_text, FieldErrors};

/// An HTML checkbox: present (any value) when ticked, absent when not.
pub fn ticked(value: &Option<String>) -> bool {
    value.is_some()
}

/// The CSV text of an import form: the checked text sent back by a preview's "Import"
/// button, or else the uploaded file. `Ok(None)` when neither came.
pub fn uploaded_csv(
    sent_back: Option<actix_multipart::form::text::Text<String>>,
    file: Option<actix_multipart::form::bytes::Bytes>,
) -> Result<Option<String>, crate::web::AppError> {
    match (sent_back, file) {
        (Some(csv), _) if !csv.is_empty() => Ok(Some(csv.into_inner())),
        (_, Some(file)) if !file.data.is_empty() => String::from_utf8(file.data.to_vec())
            .map(Some)
            .map_err(|_| {
                crate::web::AppError::BadRequest(
                    "The file is not UTF-8 text; save it as CSV (UTF-8).".into(),
                )
            }),
        _ => Ok(None),
    }
}
