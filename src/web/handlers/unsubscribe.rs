//! Unsubscribe links in marketing mail: no sign-in, single use, removing that one role for
//! that one person. GET shows a confirmation; POST (also the mail client's one-click POST,
//! RFC 8058) does it.

use crate::app;
use crate::db::contact_roles;
use crate::web::{render, AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/unsubscribe.html")]
pub struct UnsubscribePage {
    pub token: String,
    pub email: String,
    pub role: String,
    pub done: bool,
    pub invalid: bool,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn confirm(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let target = contact_roles::unsubscribe_target(
        &state.db.pool,
        &crate::domain::token::hash(&query.token),
    )
    .await?;
    let page = match target {
        Some((_, email, role)) => UnsubscribePage {
            token: query.token.clone(),
            email,
            role: role.label().to_string(),
            done: false,
            invalid: false,
        },
        None => UnsubscribePage {
            token: String::new(),
            email: String::new(),
            role: String::new(),
            done: false,
            invalid: true,
        },
    };
    let status = if page.invalid {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    render::html(status, &page)
}

/// The token is the credential here: a mail client posts it without any session.
pub async fn unsubscribe(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
    form: Option<web::Form<TokenQuery>>,
) -> Result<HttpResponse, AppError> {
    let token = form
        .map(|f| f.into_inner().token)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| query.token.clone());
    let Some((email, role)) = app::contact_roles::unsubscribe(
        &state.db,
        &crate::domain::token::hash(&token),
        state.clock.timestamp(),
    )
    .await?
    else {
        let page = UnsubscribePage {
            token: String::new(),
            email: String::new(),
            role: String::new(),
            done: false,
            invalid: true,
        };
        return render::html(StatusCode::NOT_FOUND, &page);
    };
    render::page(&UnsubscribePage {
        token: String::new(),
        email,
        role: role.label().to_string(),
        done: true,
        invalid: false,
    })
}
