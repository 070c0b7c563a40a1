//! One error type for every handler. A person sees a plain page that says what to do; the
//! cause chain goes to the log, never to the page.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in (or the session ended). htmx requests get `HX-Redirect`, since a 303
    /// would be followed inside the XHR and the login page swapped into a fragment.
    #[error("not signed in")]
    Unauthenticated { htmx: bool },
    #[error("the form's security token is missing or stale")]
    Csrf,
    #[error("the request came from another site")]
    CrossOrigin,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// An upload larger than the page takes; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A section closed by a maintenance window; the message says until when.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e))
    }
}

impl From<crate::app::Error> for AppError {
    fn from(e: crate::app::Error) -> Self {
        use crate::app::Error;
        match e {
            Error::NotFound => AppError::NotFound,
            Error::Forbidden => AppError::Forbidden,
            Error::Conflict(m) => AppError::Conflict(m),
            // A handler that shows a form catches these and puts each message next to its
            // field; elsewhere the messages are the answer.
            Error::Invalid(errors) => AppError::BadRequest(errors.messages().join(" ")),
            Error::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

impl AppError {
    fn title_and_message(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => (
                "Page not found",
                "There is nothing here, or you have no access to it. Check the address, or go back to the dashboard."
                    .into(),
            ),
            AppError::Forbidden => (
                "Not allowed",
                "Your access role does not allow this. Ask your organisation's portal administrator if you need it."
                    .into(),
            ),
            AppError::Unauthenticated { .. } => ("Sign in", "Please sign in.".into()),
            AppError::Csrf => (
                "Form expired",
                "This form has expired or was sent from elsewhere. Go back, reload the page and try again.".into(),
            ),
            AppError::CrossOrigin => (
                "Request refused",
                "This request came from another web site, so the portal refused it.".into(),
            ),
            AppError::BadRequest(m) => ("Bad request", m.clone()),
            AppError::TooLarge(m) => ("File too large", m.clone()),
            AppError::Conflict(m) => ("Changed meanwhile", m.clone()),
            AppError::Unavailable(m) => ("Unavailable during maintenance", m.clone()),
            AppError::Unexpected(_) => (
                "Something went wrong",
                "The portal could not finish this request. Nothing was changed. Try again in a moment; if it keeps \
                 happening, tell your vendor administrator the time it happened."
                    .into(),
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf | AppError::CrossOrigin => StatusCode::FORBIDDEN,
            AppError::Unauthenticated { htmx: true } => StatusCode::UNAUTHORIZED,
            AppError::Unauthenticated { htmx: false } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unauthenticated { htmx: false } => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/login"))
                    .finish();
            }
            AppError::Unauthenticated { htmx: true } => {
                return HttpResponse::Unauthorized()
                    .insert_header(("HX-Redirect", "/login"))
                    .finish();
            }
            AppError::Unexpected(e) => tracing::error!(error = ?e, "request failed"),
            _ => {}
        }
        let status = self.status_code();
        let (title, message) = self.title_and_message();
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: &message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{title}: {message}"));
        let mut response = HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body);
        let probe = match self {
            AppError::Csrf => Some(Probe::Csrf),
            AppError::CrossOrigin => Some(Probe::CrossOrigin),
            AppError::NotFound => Some(Probe::NotFound),
            _ => None,
        };
        if let Some(probe) = probe {
            response.extensions_mut().insert(probe);
        }
        response
    }
}

/// A refusal that may be someone probing: a form without its token or from another site, or
/// a record that is not there (or is another organisation's). `web::probes` writes them to
/// the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    Csrf,
    CrossOrigin,
    NotFound,
}

impl Probe {
    pub fn action(self) -> &'static str {
        match self {
            Probe::Csrf => "csrf_refused",
            Probe::CrossOrigin => "cross_origin_refused",
            Probe::NotFound => "not_found",
        }
    }
}

/// A 415 that actix or an extractor answered in plain text (a form posted to an upload page
/// without its file encoding) becomes the portal's page; JSON answers stay as they are.
pub fn unsupported_media_page<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::middleware::ErrorHandlerResponse;
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, _) = res.into_parts();
    let mut page = AppError::BadRequest(
        "This page takes a file upload: choose the file on the page and send the form from there."
            .into(),
    )
    .error_response();
    *page.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, page).map_into_right_body(),
    ))
}
