//! An organisation's admin creates and revokes API tokens for its own systems.

use crate::clock::format_timestamp;
use crate::db::{api_tokens, audit};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

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

impl api_tokens::ApiToken {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn last_used(&self) -> String {
        self.last_used_at
            .map(format_timestamp)
            .unwrap_or_else(|| "never".into())
    }
}

/// The hash a token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "name",
        &form.0.name,
        "a name that says which system uses it",
        80,
    );
    if !errors.is_empty() {
        return render::invalid(&view(&user, name, errors, None).await?);
    }
    let token = format!(
        "pp_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
    );
    let prefix = token[..8].to_string();
    api_tokens::insert(
        &user.state.db.pool,
        user.org_id,
        &name,
        &token_hash(&token),
        &prefix,
        user.id,
        user.now(),
    )
    .await?;
    audit::record(
        &user.state.db.pool,
        &user.actor(),
        "api_token_created",
        &name,
        &prefix,
        user.now(),
    )
    .await?;
    // Shown once, on this response; never stored in clear, never put in a redirect.
    render::page(&view(&user, String::new(), FieldErrors::default(), Some(token)).await?)
}

pub async fn revoke(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let name = api_tokens::revoke_in_org(&user.state.db.pool, user.org_id, *path, user.now())
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &user.state.db.pool,
        &user.actor(),
        "api_token_revoked",
        &name,
        "",
        user.now(),
    )
    .await?;
    user.session.flash(
        "success",
        format!("The token “{name}” is revoked; systems using it are refused from now on."),
    )?;
    Ok(render::see_other("/api-tokens"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            super::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
