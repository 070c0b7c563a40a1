//! A person's own account: changing their password (the current one first).

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
/// `confirm_password`).
pub async fn change_password(ctx: &Ctx, change: PasswordChange) -> Result<(), Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let hash = users::password_hash(pool, user).await?;
    if !super::password::verify(change.current, hash).await {
        errors.add("current_password", "This is not your current password.");
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
    users::set_password(pool, user, &hash).await?;
    let email = ctx.actor.email.clone().unwrap_or_default();
    crate::db::audit::record(pool, &ctx.actor, "password_changed", &email, "", ctx.now).await?;
    Ok(())
}
