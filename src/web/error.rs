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
    /// Signed in with a password an admin chose: the account page first (htmx requests get
    /// `HX-Redirect`, like [`AppError::Unauthenticated`]).
    #[error("must choose a password")]
    ChoosePassword { htmx: bool },
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
            AppError::ChoosePassword { .. } => (
                "Choose your password",
                "Choose your own password on your account page first.".into(),
            ),
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
            AppError::ChoosePassword { htmx: true } => StatusCode::UNAUTHORIZED,
            AppError::ChoosePassword { htmx: false } => StatusCode::SEE_OTHER,
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
            AppError::ChoosePassword { htmx: false } => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/account"))
                    .finish();
            }
            AppError::ChoosePassword { htmx: true } => {
                return HttpResponse::Unauthorized()
                    .insert_header(("HX-Redirect", "/account"))
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
        response.extensions_mut().insert(Shown {
            title,
            message: message.clone(),
        });
        response
    }
}

/// What an error page says, kept on its response so that [`keep_frame`] can say it again
/// inside the portal's frame.
#[derive(Debug, Clone)]
struct Shown {
    title: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "pages/error_framed.html")]
struct FramedErrorPage<'a> {
    chrome: crate::web::chrome::Chrome,
    message: &'a str,
    /// For a 409: what the person typed (label, text), so nothing is lost.
    typed: Vec<(String, String)>,
    /// For a 409: the record's page, to open it again as it is now.
    reload: Option<String>,
    /// Whether that page's form will hold what was typed.
    refilled: bool,
}

/// What a person posted in a form, kept on the request so that a refusal because the record
/// changed meanwhile (409) can show it again and put it back into the form
/// ([`crate::web::rewrite`]).
#[derive(Debug, Clone, Default)]
pub struct Typed(pub Vec<(String, String)>);

impl Typed {
    pub fn of(pairs: Vec<(String, String)>) -> Typed {
        Typed(pairs)
    }

    /// The text to show on the 409 page: tokens, passwords, versions, ids, choices and empty
    /// fields are left out.
    pub fn shown(&self) -> Vec<(String, String)> {
        let pairs = self.0.clone();
        let skipped = |name: &str| {
            name == "csrf_token"
                || name == "confirm"
                || name == "version"
                || name.contains("password")
                || name.ends_with("_id")
                || name.starts_with("use_")
        };
        pairs
            .into_iter()
            .filter(|(name, value)| !skipped(name) && !value.trim().is_empty())
            // Ids and choices from lists are not what a person typed.
            .filter(|(_, value)| value.trim().parse::<i64>().is_err() || value.len() > 12)
            .map(|(name, value)| (label(&name), value.chars().take(4_000).collect()))
            .take(20)
            .collect()
    }
}

/// A field's name in words: "next_step" is "Next step", "reason_4_program" (a cell of line 4)
/// is "Reason (program)", "po_reference" is "Purchase order reference".
fn label(name: &str) -> String {
    let words = |parts: &[&str]| {
        parts
            .iter()
            .map(|p| if *p == "po" { "purchase order" } else { p })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let parts: Vec<&str> = name.split('_').filter(|p| !p.is_empty()).collect();
    let number = parts
        .iter()
        .position(|p| p.chars().all(|c| c.is_ascii_digit()));
    let mut label = match number {
        Some(at) if at + 1 < parts.len() => {
            format!("{} ({})", words(&parts[..at]), words(&parts[at + 1..]))
        }
        Some(at) => words(&parts[..at]),
        None => words(&parts),
    };
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

/// The page to open again after a 409: the page the form was on (same site only), else the
/// record the form posted to.
fn reload_path(req: &actix_web::HttpRequest) -> Option<String> {
    let from_referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|u| {
            let host = req.connection_info().host().to_string();
            u.host_str()
                .is_some_and(|h| host == h || host.starts_with(&format!("{h}:")))
        })
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        });
    from_referer.or_else(|| {
        let path = req.path();
        // /deals/5/approve → /deals/5
        let mut parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() > 3 {
            parts.pop();
        }
        Some(parts.join("/"))
    })
}

/// A signed-in person's error page (404, 403, 409, 503, ...) keeps the navigation, the
/// maintenance banner and the header with their name: they can go on from where they are.
/// Signed-out visitors, htmx requests and the API keep the plain answer. Wraps inside the
/// session middleware and outside the maintenance gate.
pub async fn keep_frame(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::FromRequest;
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(shown) = res.response().extensions().get::<Shown>().cloned() else {
        return Ok(res);
    };
    if crate::web::extractors::Htmx::of(res.request()).request {
        return Ok(res);
    }
    let (req, plain) = res.into_parts();
    let framed = match crate::web::extractors::CurrentUser::from_request(
        &req,
        &mut actix_web::dev::Payload::None,
    )
    .await
    {
        Ok(user) => crate::web::chrome::Chrome::new(&user, "", shown.title).and_then(|chrome| {
            let conflict = plain.status() == StatusCode::CONFLICT;
            let posted = conflict
                .then(|| {
                    use actix_web::HttpMessage;
                    req.extensions().get::<Typed>().cloned()
                })
                .flatten()
                .unwrap_or_default();
            let reload = conflict.then(|| reload_path(&req)).flatten();
            let refilled = reload
                .clone()
                .and_then(|page| {
                    crate::web::rewrite::Refill::new(page, req.path().to_string(), &posted)
                })
                .is_some_and(|refill| {
                    use actix_session::SessionExt;
                    crate::web::rewrite::keep(&req.get_session(), refill)
                });
            FramedErrorPage {
                chrome,
                message: &shown.message,
                typed: posted.shown(),
                reload,
                refilled,
            }
            .render()
            .map_err(|e| AppError::Unexpected(e.into()))
        }),
        Err(e) => Err(e),
    };
    let Ok(body) = framed else {
        return Ok(actix_web::dev::ServiceResponse::new(req, plain));
    };
    let mut response = HttpResponse::build(plain.status())
        .content_type("text/html; charset=utf-8")
        .body(body);
    for (name, value) in plain.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(actix_web::dev::ServiceResponse::new(req, response))
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

#[cfg(test)]
mod typed_tests {
    use super::{label, Typed};

    #[test]
    fn field_names_read_as_words() {
        assert_eq!(label("next_step"), "Next step");
        assert_eq!(label("reason_4_program"), "Reason (program)");
        assert_eq!(
            label("reason_12_deal_registration"),
            "Reason (deal registration)"
        );
        assert_eq!(label("po_reference"), "Purchase order reference");
        assert_eq!(label("qty_3"), "Qty");
        assert_eq!(
            label("é_1_ü"),
            "é (ü)",
            "no panic on a name that starts beyond ASCII"
        );
    }

    #[test]
    fn what_was_typed_leaves_out_tokens_passwords_ids_and_blanks() {
        let pairs = [
            ("csrf_token", "abc"),
            ("reason", "Buys direct"),
            ("new_password", "secret-secret"),
            ("cam_user_id", "4"),
            ("distributor", "12"),
            ("note", "  "),
            ("next_step", "Call on Monday"),
            ("confirm", "yes"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec();
        assert_eq!(
            Typed::of(pairs).shown(),
            [
                ("Reason".to_string(), "Buys direct".to_string()),
                ("Next step".to_string(), "Call on Monday".to_string()),
            ]
        );
    }
}
