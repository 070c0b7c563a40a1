//! An organisation's admin creates and revokes API tokens for its own systems.

use crate::app;
use crate::db::api_tokens;
use crate::domain::token::ApiScope;
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/api_tokens.html")]
pub struct TokensPage {
    pub chrome: Chrome,
    pub tokens: Vec<api_tokens::ApiToken>,
    /// The form as typed (or empty).
    pub form: NewToken,
    /// The scopes this organisation's tokens may hold.
    pub offered: Vec<ApiScope>,
    pub now: i64,
    pub errors: FieldErrors,
    /// The token just created: shown this once.
    pub created: Option<String>,
    pub base: String,
}

/// The hash a token is stored and looked up by.
async fn require_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.manages_own_users(), "manage API tokens")
        .await
}

impl TokensPage {
    pub fn expired(&self, t: &api_tokens::ApiToken) -> bool {
        t.expires_at.is_some_and(|at| at <= self.now)
    }
    pub fn ticked(&self, scope: &ApiScope) -> bool {
        self.form.scopes.iter().any(|s| s == scope.as_str())
    }
}

async fn view(
    user: &CurrentUser,
    form: NewToken,
    errors: FieldErrors,
    created: Option<String>,
) -> Result<TokensPage, AppError> {
    Ok(TokensPage {
        chrome: Chrome::new(user, "/api-tokens", "API tokens")?,
        tokens: api_tokens::list_in_org(&user.state.db.pool, user.org_id).await?,
        form,
        offered: app::api_tokens::offered(user.org_kind),
        now: user.state.clock.timestamp(),
        errors,
        created,
        base: user.state.settings.base_url.clone().unwrap_or_default(),
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    render::page(&view(&user, fresh_form(), FieldErrors::default(), None).await?)
}

/// A new token's form: reading schedules and the catalogue ticked, no last day.
fn fresh_form() -> NewToken {
    NewToken {
        scopes: vec![
            ApiScope::SchedulesRead.as_str().into(),
            ApiScope::CatalogueRead.as_str().into(),
        ],
        per_minute: crate::domain::token::DEFAULT_PER_MINUTE.to_string(),
        ..NewToken::default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewToken {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub last_day: String,
    #[serde(default)]
    pub per_minute: String,
}

pub async fn create(user: CurrentUser, form: CsrfForm<NewToken>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let form = form.0;
    let input = app::api_tokens::NewToken {
        name: form.name.clone(),
        scopes: form.scopes.clone(),
        last_day: form.last_day.clone(),
        per_minute: form.per_minute.clone(),
    };
    match app::api_tokens::create(&user.ctx, &input).await {
        // Shown once, on this response; never stored in clear, never put in a redirect.
        Ok(token) => {
            render::page(&view(&user, fresh_form(), FieldErrors::default(), Some(token)).await?)
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&view(&user, form, errors, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let name = app::api_tokens::revoke(&user.ctx, *path).await?;
    user.session.flash(
        "success",
        format!("The token “{name}” is revoked; systems using it are refused from now on."),
    )?;
    Ok(render::see_other("/api-tokens"))
}
