//! Unsubscribe links in marketing mail: no sign-in, single use, removing that one role for
//! that one person. GET shows a confirmation; POST (also the mail client's one-click POST,
//! RFC 8058) does it.

use crate::db::audit::{self, Actor};
use crate::db::contact_roles;
use crate::mail::notify::token_hash;
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
    let target =
        contact_roles::unsubscribe_target(&state.db.pool, &token_hash(&query.token)).await?;
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
    let hash = token_hash(&token);
    let target = contact_roles::unsubscribe_target(&state.db.pool, &hash).await?;
    let Some((user_id, email, role)) = target else {
        let page = UnsubscribePage {
            token: String::new(),
            email: String::new(),
            role: String::new(),
            done: false,
            invalid: true,
        };
        return render::html(StatusCode::NOT_FOUND, &page);
    };
    let now = state.clock.timestamp();
    let mut tx = state.db.pool.begin().await?;
    if contact_roles::unsubscribe(&mut tx, &hash, now).await? {
        let actor = Actor {
            user_id: Some(crate::domain::UserId(user_id)),
            email: Some(email.clone()),
            ..Actor::default()
        };
        let detail = format!("{}: on -> off (unsubscribe link)", role.as_str());
        audit::record(
            &mut *tx,
            &actor,
            "contact_role_changed",
            &email,
            &detail,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    render::page(&UnsubscribePage {
        token: String::new(),
        email,
        role: role.label().to_string(),
        done: true,
        invalid: false,
    })
}
