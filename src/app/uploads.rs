//! An import file between its dry run and its import: held in the database under a random
//! token for the person who checked it, for an hour. The preview page carries the token
//! instead of sending the whole file back, and whichever portal process takes the "Import"
//! finds it.

use super::{Ctx, Error};
use crate::db::uploads as store;
use rand::distributions::{Alphanumeric, DistString};

/// How long a checked file is held.
pub const HELD_SECS: i64 = 60 * 60;

/// Holds `body` for the caller; returns its token.
pub async fn hold(ctx: &Ctx, kind: &str, body: &str) -> Result<String, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 43);
    let mut conn = ctx.db.pool.acquire().await?;
    store::insert(&mut conn, &token, kind, user, body, ctx.now).await?;
    Ok(token)
}

/// The caller's file held under `token`, or why it is not there.
pub async fn held(ctx: &Ctx, kind: &str, token: &str) -> Result<String, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    store::get(&ctx.db.pool, token.trim(), kind, user, ctx.now - HELD_SECS)
        .await?
        .ok_or_else(|| {
            Error::Conflict(
                "The checked file is no longer held (it is kept for an hour after its check): choose it and check it again."
                    .into(),
            )
        })
}

/// Forgets a held file (after its import).
pub async fn release(ctx: &Ctx, token: &str) -> Result<(), Error> {
    let mut conn = ctx.db.pool.acquire().await?;
    store::delete(&mut conn, token.trim()).await?;
    Ok(())
}
