//! An organisation's admin creates and revokes API tokens for its own systems.

use crate::app;
use crate::db::api_tokens;
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
    pub name: String,
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

async fn view(
    user: &CurrentUser,
    name: String,
    errors: FieldErrors,
    created: Option<String>,
) -> Result<TokensPage, AppError> {
    Ok(TokensPage {
        chrome: Chrome::new(user, "/api-tokens", "API tokens")?,
        tokens: api_tokens::list_in_org(&user.state.db.pool, user.org_id).await?,
        name,
        errors,
        created,
        base: user.state.settings.base_url.clone().unwrap_or_default(),
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    render::page(&view(&user, String::new(), FieldErrors::default(), None).await?)
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
}

pub async fn create(user: CurrentUser, form: CsrfForm<NewToken>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    match app::api_tokens::create(&user.ctx, &form.0.name).await {
        // Shown once, on this response; never stored in clear, never put in a redirect.
        Ok(token) => {
            render::page(&view(&user, String::new(), FieldErrors::default(), Some(token)).await?)
        }
        Err(app::Error::Invalid(errors)) => {
            render::invalid(&view(&user, form.0.name.trim().to_string(), errors, None).await?)
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
