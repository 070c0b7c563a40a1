//! An organisation's admins create API tokens for their own systems (shown once, stored
//! hashed) and revoke them.

use super::{Ctx, Error};
use crate::db::api_tokens as store;
use crate::domain::field_errors::required_text;
use crate::domain::{AccessRole, FieldErrors, OrgId};
use rand::distributions::{Alphanumeric, DistString};

pub const MAX_NAME: usize = 80;

async fn admin_org(ctx: &Ctx) -> Result<OrgId, Error> {
    ctx.require(
        ctx.role.is_some_and(AccessRole::manages_own_users),
        "manage API tokens",
    )
    .await?;
    ctx.org.ok_or(Error::Forbidden)
}

/// Creates a token named after the system that uses it; returns the token itself, which is
/// never stored in clear and cannot be shown again.
pub async fn create(ctx: &Ctx, name: &str) -> Result<String, Error> {
    let org = admin_org(ctx).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "name",
        name,
        "a name that says which system uses it",
        MAX_NAME,
    );
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let token = format!(
        "pp_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
    );
    // The token is ASCII: its first eight characters are its first eight bytes.
    let prefix: String = token.chars().take(8).collect();
    let pool = &ctx.db.pool;
    store::insert(
        pool,
        org,
        &name,
        &crate::domain::token::hash(&token),
        &prefix,
        user,
        ctx.now,
    )
    .await?;
    crate::db::audit::record(
        pool,
        &ctx.actor,
        "api_token_created",
        &name,
        &prefix,
        ctx.now,
    )
    .await?;
    Ok(token)
}

/// Revokes one of the organisation's tokens; returns its name.
pub async fn revoke(ctx: &Ctx, id: i64) -> Result<String, Error> {
    let org = admin_org(ctx).await?;
    let pool = &ctx.db.pool;
    let name = store::revoke_in_org(pool, org, id, ctx.now)
        .await?
        .ok_or(Error::NotFound)?;
    crate::db::audit::record(pool, &ctx.actor, "api_token_revoked", &name, "", ctx.now).await?;
    Ok(name)
}
