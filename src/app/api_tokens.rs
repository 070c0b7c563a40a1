//! An organisation's admins create API tokens for their own systems (shown once, stored
//! hashed) and revoke them.

use super::{Ctx, Error};
use crate::db::api_tokens as store;
use crate::domain::field_errors::required_text;
use crate::domain::token::ApiScope;
use crate::domain::{AccessRole, FieldErrors, OrgId, OrgKind};
use chrono::NaiveDate;
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

/// A new token as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub name: String,
    /// The scopes ticked ([`ApiScope::as_str`]).
    pub scopes: Vec<String>,
    /// The last day it works (YYYY-MM-DD), or empty for no end.
    pub last_day: String,
    /// Requests a minute it may send (empty: the default).
    pub per_minute: String,
}

/// The scopes an organisation's token may hold, with what each allows.
pub fn offered(kind: OrgKind) -> Vec<ApiScope> {
    ApiScope::ALL
        .into_iter()
        .filter(|s| s.allowed_for(kind))
        .collect()
}

/// Creates a token named after the system that uses it, with the scopes chosen (those the
/// organisation's kind may hold) and an optional last day (it stops at the end of that day in
/// the vendor's time zone); returns the token itself, which is never stored in clear and
/// cannot be shown again.
pub async fn create(ctx: &Ctx, input: &NewToken) -> Result<String, Error> {
    let org = admin_org(ctx).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let kind = ctx.role.map(AccessRole::org_kind).ok_or(Error::Forbidden)?;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "name",
        &input.name,
        "a name that says which system uses it",
        MAX_NAME,
    );
    let offered = offered(kind);
    let scopes: Vec<ApiScope> = input
        .scopes
        .iter()
        .filter_map(|s| ApiScope::parse(s.trim()))
        .filter(|s| offered.contains(s))
        .collect();
    if scopes.is_empty() {
        errors.add("scopes", "Tick at least one thing the token may do.");
    }
    let expires_at = match input.last_day.trim() {
        "" => None,
        typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(day) if day < ctx.today => {
                errors.add(
                    "last_day",
                    "The last day has passed; choose today or later.",
                );
                None
            }
            Ok(day) => end_of_day(ctx, day),
            Err(_) => {
                errors.add(
                    "last_day",
                    "Enter the last day as YYYY-MM-DD, or leave it empty.",
                );
                None
            }
        },
    };
    use crate::domain::token::{DEFAULT_PER_MINUTE, MAX_PER_MINUTE};
    let per_minute = match input.per_minute.trim() {
        "" => DEFAULT_PER_MINUTE,
        typed => typed
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PER_MINUTE).contains(n))
            .unwrap_or_else(|| {
                errors.add(
                    "per_minute",
                    format!("Enter a number of requests a minute from 1 to {MAX_PER_MINUTE}."),
                );
                DEFAULT_PER_MINUTE
            }),
    };
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
    let hash = crate::domain::token::hash(&token);
    let new = store::NewToken {
        org,
        name: &name,
        hash: &hash,
        prefix: &prefix,
        scopes: &scopes,
        expires_at,
        per_minute,
        by: user,
    };
    store::insert(pool, &new, ctx.now).await?;
    let detail = format!(
        "{prefix}; {}; {per_minute} a minute{}",
        crate::domain::token::store_scopes(&scopes),
        match input.last_day.trim() {
            "" => String::new(),
            day => format!("; until {day}"),
        }
    );
    crate::db::audit::record(
        pool,
        &ctx.actor,
        "api_token_created",
        &name,
        &detail,
        ctx.now,
    )
    .await?;
    Ok(token)
}

/// The moment the day after `day` starts in the vendor's time zone (UTC seconds).
fn end_of_day(ctx: &Ctx, day: NaiveDate) -> Option<i64> {
    use chrono::TimeZone;
    let next = day.succ_opt()?.and_hms_opt(0, 0, 0)?;
    ctx.zone
        .from_local_datetime(&next)
        .earliest()
        .map(|t| t.timestamp())
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
