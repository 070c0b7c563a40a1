//! Signing in and out.

use crate::app;
use crate::db::audit::{self, Actor};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::client_ip;
use crate::web::session::TypedSession;
use crate::web::{render, AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/login.html")]
pub struct LoginPage {
    pub csrf: String,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<&'static str>,
    /// E-mail, organisation and access role of each demo account.
    pub demo_accounts: Vec<(&'static str, &'static str, crate::domain::AccessRole)>,
    pub demo_password: &'static str,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// The sign-in page with a fresh form token, and the cookie that must come back with it.
fn login_page_view(
    req: &HttpRequest,
    state: &AppState,
    email: &str,
) -> (LoginPage, actix_web::cookie::Cookie<'static>) {
    let (csrf, cookie) = crate::web::csrf::login_token(req, state.demo);
    let page = LoginPage {
        csrf,
        email: email.to_string(),
        error: None,
        notice: None,
        demo_accounts: if state.demo {
            crate::seed::DEMO_ACCOUNTS.to_vec()
        } else {
            vec![]
        },
        demo_password: crate::seed::DEMO_PASSWORD,
    };
    (page, cookie)
}

/// The page with its form cookie set.
fn with_cookie(
    response: Result<HttpResponse, AppError>,
    cookie: &actix_web::cookie::Cookie<'static>,
) -> Result<HttpResponse, AppError> {
    let mut response = response?;
    response
        .add_cookie(cookie)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("could not set the form cookie: {e}")))?;
    Ok(response)
}

pub async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    if session.user_id().is_some() {
        return Ok(render::see_other("/"));
    }
    let (mut page, cookie) = login_page_view(&req, &state, "");
    if query.signed_out.is_some() {
        page.notice = Some("You are signed out.");
    }
    with_cookie(render::page(&page), &cookie)
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let now = state.clock.timestamp();
    let ip = client_ip(&req);
    let address = ip.clone().unwrap_or_default();
    let typed = form.email.trim().to_lowercase();
    let actor = Actor {
        email: Some(typed.clone()),
        ip: ip.clone(),
        ..Actor::default()
    };
    let (mut page, cookie) = login_page_view(&req, &state, form.email.trim());

    if !state.login_limiter.attempt(&typed, &address) {
        audit::record(&state.db.pool, &actor, "login_throttled", &typed, "", now).await?;
        page.error = Some("Too many sign-in attempts. Wait a minute, then try again.".into());
        return with_cookie(render::html(StatusCode::TOO_MANY_REQUESTS, &page), &cookie);
    }

    match app::auth::sign_in(&state.db, &actor, &form.email, form.password, now).await? {
        Ok(user) => {
            let agent = req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            session.log_in(user, now, ip.as_deref(), agent)?;
            Ok(render::see_other("/"))
        }
        Err(refused) => {
            if refused != app::auth::Refused::Busy {
                state.login_limiter.failed(&typed, &address);
            }
            let (status, error) = match refused {
                app::auth::Refused::WrongCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "The e-mail address or the password is wrong.",
                ),
                app::auth::Refused::Disabled => (
                    StatusCode::UNAUTHORIZED,
                    "This account is disabled. Ask your organisation's portal administrator.",
                ),
                app::auth::Refused::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The portal is very busy signing people in. Wait a moment, then try again.",
                ),
            };
            page.error = Some(error.into());
            with_cookie(render::html(status, &page), &cookie)
        }
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = session.user_id() {
        let actor = Actor {
            user_id: Some(user),
            ip: client_ip(&req),
            ..Actor::default()
        };
        audit::record(
            &state.db.pool,
            &actor,
            "logout",
            "",
            "",
            state.clock.timestamp(),
        )
        .await?;
    }
    session.log_out();
    Ok(render::see_other("/login?signed_out=1"))
}
