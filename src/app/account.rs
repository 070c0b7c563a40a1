//! A person's own account: changing their password (the current one first), and the places
//! they are signed in.

use super::{Ctx, Error};
use crate::db::users;
use crate::domain::password::check_new_password;
use crate::domain::FieldErrors;

/// The password change as typed.
#[derive(Debug, Clone, Default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes the caller's password (errors on `current_password`, `new_password`,
/// `confirm_password`), ends every session of the person (the web layer gives the current one
/// a new id) and tells them by mail, in one transaction.
pub async fn change_password(ctx: &Ctx, change: PasswordChange) -> Result<(), Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let hash = users::password_hash(pool, user).await?;
    match super::password::verify(change.current, hash).await {
        Ok(true) => {}
        Ok(false) => errors.add("current_password", "This is not your current password."),
        Err(busy) => errors.add("current_password", format!("Not checked: {busy}.")),
    }
    if let Err(e) = check_new_password(&change.new) {
        errors.add("new_password", e.to_string());
    } else if change.new != change.confirm {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = super::password::hash(change.new).await?;
    let person = users::get_with_org(pool, user)
        .await?
        .map(|u| crate::domain::contact::Person {
            user_id: user.0,
            name: u.user.display_name,
            email: u.user.email,
        })
        .ok_or(Error::Forbidden)?;
    let mut tx = pool.begin().await?;
    users::set_password(&mut tx, user, &hash).await?;
    let ended = crate::db::sessions::delete_for_user(&mut tx, user).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "password_changed",
        &person.email,
        &format!("{ended} sessions ended"),
        ctx.now,
    )
    .await?;
    let notice = crate::mail::notices::password_changed(
        &crate::clock::format_timestamp(ctx.now),
        &ctx.public_url,
    );
    crate::mail::notify::queue_personal(
        &mut tx,
        &person,
        &format!("user:{}:password:{}", user.0, ctx.now),
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's signed-in sessions, newest first.
pub async fn sessions(ctx: &Ctx) -> Result<Vec<crate::db::sessions::Listed>, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    Ok(crate::db::sessions::of_user(&ctx.db.pool, user, ctx.now).await?)
}

/// Signs the caller out of one session (by its handle; another person's handle is not found),
/// or, with `handle` None, out of every session but `current`.
pub async fn end_sessions(
    ctx: &Ctx,
    handle: Option<&str>,
    current: Option<&str>,
) -> Result<u64, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let mut tx = ctx.db.pool.begin().await?;
    let ended = match (handle, current) {
        (Some(h), _) if Some(h) == current => {
            return Err(Error::Conflict(
                "That is this session: sign out with the button at the top.".into(),
            ))
        }
        (Some(h), _) => {
            if !crate::db::sessions::end(&mut tx, user, h).await? {
                return Err(Error::NotFound);
            }
            1
        }
        (None, Some(keep)) => crate::db::sessions::end_others(&mut tx, user, keep).await?,
        (None, None) => {
            return Err(Error::Conflict(
                "This session has no handle: sign out and in again.".into(),
            ))
        }
    };
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "sessions_ended",
        &ctx.actor.email.clone().unwrap_or_default(),
        &format!("{ended} sessions ended by their owner"),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
