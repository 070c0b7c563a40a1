//! Signing in: the account by e-mail (case ignored), the password checked against its
//! argon2id hash (an unknown account against a dummy hash, so timing tells nothing), every
//! attempt in the audit log. The sign-in throttle and the session are the web layer's.

use super::Error;
use crate::db::audit::{self, Actor};
use crate::db::{users, Db};
use crate::domain::{Email, UserId};

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Unknown e-mail or wrong password: the two look the same.
    WrongCredentials,
    Disabled,
    /// Too many sign-ins at once: nothing was checked; try again in a moment.
    Busy,
}

/// Checks an e-mail and password; on success records the sign-in and returns the user.
pub async fn sign_in(
    db: &Db,
    actor: &Actor,
    email: &str,
    password: String,
    now: i64,
) -> Result<Result<UserId, Refused>, Error> {
    let typed = email.trim().to_lowercase();
    let candidate = match Email::parse(email) {
        Ok(email) => users::find_for_login(&db.pool, &email).await?,
        Err(_) => None,
    };
    let hash = candidate.as_ref().map(|c| c.password_hash.clone());
    let Ok(password_ok) = crate::app::password::verify(password, hash).await else {
        return Ok(Err(Refused::Busy));
    };
    let password_ok = password_ok && candidate.is_some();
    let refused = match candidate.filter(|_| password_ok) {
        None => Refused::WrongCredentials,
        Some(user) if user.disabled => Refused::Disabled,
        Some(user) => {
            users::record_login(&db.pool, user.id, now).await?;
            let actor = Actor {
                user_id: Some(user.id),
                ..actor.clone()
            };
            audit::record(&db.pool, &actor, "login", &typed, "", now).await?;
            return Ok(Ok(user.id));
        }
    };
    let why = match refused {
        Refused::WrongCredentials => "wrong e-mail or password",
        Refused::Disabled => "account disabled",
        Refused::Busy => "busy",
    };
    audit::record(&db.pool, actor, "login_failed", &typed, why, now).await?;
    Ok(Err(refused))
}
