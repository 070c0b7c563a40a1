//! CSRF protection: a synchronizer token kept in the server-side session (checked by the
//! `CsrfForm` extractor on every state-changing handler) plus an Origin check in middleware.
//!
//! The token travels as the `csrf_token` form field (plain forms) or the `X-CSRF-Token`
//! header (htmx, set once on `<body hx-headers>`).
//!
//! The sign-in form is the exception: a visitor who only opens it has no session, and should
//! not cost a session row. Its token is a double-submit one: the same random value in a
//! short-lived `SameSite=Strict` cookie and in the form, compared on the POST.

use crate::web::session::TypedSession;
use crate::web::{AppError, AppState};
use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpRequest, ResponseError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "X-CSRF-Token";

/// A urlencoded form whose CSRF token was checked before the form is handed over.
pub struct CsrfForm<T>(pub T);

/// For POSTs that carry nothing but the token (sign out, disable, enable).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

fn token_matches(expected: Option<String>, given: Option<String>) -> bool {
    match (expected, given) {
        (Some(e), Some(g)) => bool::from(e.as_bytes().ct_eq(g.as_bytes())),
        _ => false,
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|_| {
                AppError::BadRequest("The form could not be read (is it too large?).".into())
            })?;
            if crate::web::forms::holds_nul(&body) {
                return Err(crate::web::forms::nul_refused());
            }
            let field = serde_html_form::from_bytes::<TokenField>(&body)
                .ok()
                .and_then(|t| t.csrf_token);
            verify(&req, field)?;
            let form = serde_html_form::from_bytes::<T>(&body)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))?;
            if let Ok(pairs) = serde_html_form::from_bytes::<Vec<(String, String)>>(&body) {
                use actix_web::HttpMessage;
                req.extensions_mut()
                    .insert(crate::web::error::Typed::of(pairs));
            }
            Ok(CsrfForm(form))
        })
    }
}

/// Checks the token of a request: the `X-CSRF-Token` header, or else the form's field.
/// Multipart handlers call this with their `csrf_token` part.
pub fn verify(req: &HttpRequest, field: Option<String>) -> Result<(), AppError> {
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let given = header.or(field);
    let expected = TypedSession(req.get_session()).stored_csrf_token();
    if token_matches(expected, given.clone()) || login_token_matches(req, given) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// The sign-in form's cookie: `__Host-` outside demo mode (HTTPS only).
fn login_cookie_name(demo: bool) -> &'static str {
    if demo {
        "portal_login"
    } else {
        "__Host-portal_login"
    }
}

/// The token of a signed-out form (signing in, accepting an invitation) and the cookie that
/// carries it (an hour from now): the one the browser has already (two tabs share it), or a
/// new one.
pub fn login_token(req: &HttpRequest, demo: bool) -> (String, actix_web::cookie::Cookie<'static>) {
    use actix_web::cookie::{time::Duration, Cookie, SameSite};
    use rand::distributions::{Alphanumeric, DistString};
    let token = req
        .cookie(login_cookie_name(demo))
        .map(|c| c.value().to_string())
        .filter(|t| t.len() == 43 && t.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::thread_rng(), 43));
    let cookie = Cookie::build(login_cookie_name(demo), token.clone())
        .path("/")
        .http_only(true)
        .secure(!demo)
        .same_site(SameSite::Strict)
        .max_age(Duration::hours(1))
        .finish();
    (token, cookie)
}

/// The POST of a signed-out form (signing in, accepting an invitation), with its cookie and
/// its field the same value.
fn login_token_matches(req: &HttpRequest, given: Option<String>) -> bool {
    if req.path() != "/login" && !req.path().starts_with("/invitations/") {
        return false;
    }
    let demo = req.app_data::<Data<AppState>>().is_none_or(|s| s.demo);
    let cookie = req
        .cookie(login_cookie_name(demo))
        .map(|c| c.value().to_string());
    token_matches(cookie, given)
}

/// Refuses state-changing requests whose Origin (or Referer) names another site.
pub async fn check_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || origin_ok(req.request()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    tracing::warn!(origin = ?req.headers().get("origin"), path = %req.path(), "cross-origin request refused");
    let response = AppError::CrossOrigin.error_response();
    Ok(req.into_response(response).map_into_right_body())
}

fn origin_ok(req: &HttpRequest) -> bool {
    let source = req
        .headers()
        .get("origin")
        .or_else(|| req.headers().get("referer"))
        .and_then(|v| v.to_str().ok());
    // No Origin and no Referer: not a browser form post; the token check still applies.
    let Some(source) = source else { return true };
    let Ok(url) = url::Url::parse(source) else {
        return false;
    };
    let base = req
        .app_data::<Data<AppState>>()
        .and_then(|s| s.settings.base_origin());
    if let Some(base) = base {
        return url.origin().ascii_serialization() == base;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let source_host = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    source_host.eq_ignore_ascii_case(req.connection_info().host())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_be_present_and_equal() {
        assert!(token_matches(Some("abc".into()), Some("abc".into())));
        assert!(!token_matches(Some("abc".into()), Some("abd".into())));
        assert!(!token_matches(Some("abc".into()), Some("ab".into())));
        assert!(!token_matches(None, Some("abc".into())));
        assert!(!token_matches(Some("abc".into()), None));
        assert!(!token_matches(None, None));
    }
}
