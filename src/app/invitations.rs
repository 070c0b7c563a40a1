//! Invitations (issue 19): people are invited, not handed passwords. Adding a person (an
//! organisation admin on its users page, or the vendor admin creating an organisation with
//! its first admin) mails them a single-use link, valid 7 days, where they choose their own
//! password; no admin ever chooses or sees it. Until they accept, the account is disabled,
//! so no business notice reaches them (their organisation's notices go to the others, or the
//! admins). The admin can send a new link (the old one stops working) or withdraw it.

use super::{Ctx, Error};
use crate::db::invitations::{self as store, Found};
use crate::db::users::{self, PasswordState, User};
use crate::domain::contact::Person;
use crate::domain::password::check_new_password;
use crate::domain::{AccessRole, FieldErrors, OrgId, UserId};
use crate::mail::notify::{queue_personal, Notice};
use rand::distributions::{Alphanumeric, DistString};

/// How long a link works.
pub const VALID_DAYS: i64 = 7;

/// Who is invited, to which organisation, as what.
pub struct Invitee<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub email: &'a str,
    pub org_name: &'a str,
    pub role: AccessRole,
}

/// The invitation mail.
fn notice(invitee: &Invitee<'_>, by: &str, link: &str, until: &str) -> Notice {
    let by = if by.is_empty() {
        "The portal's administrator".to_string()
    } else {
        by.to_string()
    };
    Notice {
        kind: "invitation".into(),
        subject: format!("You are invited to the Partner Portal for {}", invitee.org_name),
        heading: "You are invited to the Partner Portal".into(),
        paragraphs: vec![
            format!(
                "{by} added you to {} on the Partner Portal as {}.",
                invitee.org_name,
                invitee.role.label().to_lowercase()
            ),
            format!(
                "Choose your password with the link below. It works once, until {until}. Nobody else knows or chooses your password."
            ),
            "If the link has expired, ask your organisation's portal administrator to send a new one. If you did not expect this mail, you can ignore it.".into(),
        ],
        action: Some(("Choose your password".into(), link.to_string())),
    }
}

/// Makes a new link for `invitee` (withdrawing earlier ones) and queues its mail in the
/// caller's transaction; returns when the link stops working (Unix seconds).
pub(crate) async fn send(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    invitee: &Invitee<'_>,
) -> Result<i64, Error> {
    let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 43);
    let expires_at = ctx.now + VALID_DAYS * 86_400;
    let id = store::insert(
        &mut *conn,
        invitee.user,
        &crate::domain::token::hash(&token),
        ctx.user,
        ctx.now,
        expires_at,
    )
    .await?;
    let by = match ctx.user {
        Some(user) => users::get_with_org(&ctx.db.pool, user)
            .await?
            .map(|u| {
                if u.org_name == invitee.org_name {
                    u.user.display_name
                } else {
                    format!("{} of {}", u.user.display_name, u.org_name)
                }
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    let link = format!("{}/invitations/{token}", ctx.public_url);
    let until = crate::clock::format_timestamp(expires_at);
    queue_personal(
        &mut *conn,
        &Person {
            user_id: invitee.user.0,
            name: invitee.name.to_string(),
            email: invitee.email.to_string(),
        },
        &format!("invitation:{id}"),
        &notice(invitee, &by, &link, &until),
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    Ok(expires_at)
}

/// An invited person the caller may invite again or withdraw: one of the caller's own
/// organisation (its admins), or a first admin of an organisation the vendor admin created.
async fn invited(ctx: &Ctx, id: i64) -> Result<(User, String), Error> {
    let manages = ctx.role.is_some_and(AccessRole::manages_own_users);
    let vendor = ctx.role == Some(AccessRole::VendorAdmin);
    ctx.require(manages || vendor, "invite users").await?;
    let found = users::get_with_org(&ctx.db.pool, UserId(id))
        .await?
        .filter(|u| {
            (manages && Some(u.user.org_id) == ctx.org)
                || (vendor && u.user.role == AccessRole::admin_of(u.org_kind))
        })
        .ok_or(Error::NotFound)?;
    if found.user.password != PasswordState::Invited {
        return Err(Error::Conflict(format!(
            "{} has accepted the invitation already and signs in with their own password.",
            found.user.display_name
        )));
    }
    Ok((found.user, found.org_name))
}

/// Sends an invited person a new link (the earlier one stops working); returns the person
/// and when the new link expires.
pub async fn resend(ctx: &Ctx, id: i64) -> Result<(User, i64), Error> {
    let (user, org_name) = invited(ctx, id).await?;
    let mut tx = ctx.db.pool.begin().await?;
    let expires_at = send(
        &mut tx,
        ctx,
        &Invitee {
            user: user.id,
            name: &user.display_name,
            email: &user.email,
            org_name: &org_name,
            role: user.role,
        },
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "invitation_sent",
        &user.email,
        "a new link; earlier links withdrawn",
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok((user, expires_at))
}

/// Withdraws an invited person's link: it stops working, and the person stays listed as
/// invited until an admin sends a new one.
pub async fn revoke(ctx: &Ctx, id: i64) -> Result<User, Error> {
    let (user, _) = invited(ctx, id).await?;
    let mut tx = ctx.db.pool.begin().await?;
    let withdrawn = store::revoke_open(&mut tx, user.id, ctx.now).await?;
    if withdrawn == 0 {
        return Err(Error::Conflict(format!(
            "{} has no open invitation to withdraw.",
            user.display_name
        )));
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "invitation_withdrawn",
        &user.email,
        "",
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// What a link is worth when someone opens it.
#[derive(Debug, Clone)]
pub enum Standing {
    /// No such link (mistyped, or from another portal).
    Unknown,
    Open(Found),
    /// Too late; with the admins to ask for a new one.
    Expired(Found, Vec<String>),
    /// Spent: the password is chosen.
    Used(Found),
    /// Withdrawn, or replaced by a newer link.
    Withdrawn(Found, Vec<String>),
}

/// The active admins of an organisation, by name (whom to ask for a new link).
async fn admins_of(ctx_pool: &sqlx::AnyPool, org: OrgId) -> Result<Vec<String>, Error> {
    Ok(users::all_in_org(ctx_pool, org)
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role.manages_own_users())
        .map(|u| u.display_name)
        .collect())
}

/// Looks a link's token up.
pub async fn look_up(db: &crate::db::Db, token: &str, now: i64) -> Result<Standing, Error> {
    let plausible = token.len() == 43 && token.chars().all(|c| c.is_ascii_alphanumeric());
    if !plausible {
        return Ok(Standing::Unknown);
    }
    let Some(found) = store::find(&db.pool, &crate::domain::token::hash(token)).await? else {
        return Ok(Standing::Unknown);
    };
    Ok(if found.used_at.is_some() {
        Standing::Used(found)
    } else if found.revoked_at.is_some() {
        let admins = admins_of(&db.pool, found.org_id).await?;
        Standing::Withdrawn(found, admins)
    } else if found.expires_at <= now {
        let admins = admins_of(&db.pool, found.org_id).await?;
        Standing::Expired(found, admins)
    } else {
        Standing::Open(found)
    })
}

/// The password as the invitation page sends it.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub password: String,
    pub confirm: String,
}

/// Accepts an open invitation with the password chosen (errors on `password`, `confirm`):
/// the account is active from now on. Returns the person, to sign them in.
pub async fn accept(
    db: &crate::db::Db,
    actor: &crate::db::audit::Actor,
    invitation: &Found,
    choice: Choice,
    now: i64,
) -> Result<UserId, Error> {
    let mut errors = FieldErrors::default();
    if let Err(e) = check_new_password(&choice.password) {
        errors.add("password", e.to_string());
    } else if choice.password != choice.confirm {
        errors.add("confirm", "The two passwords differ.");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = super::password::hash(choice.password).await?;
    let mut tx = db.pool.begin().await?;
    if !store::accept(&mut tx, invitation.id, invitation.user_id, &hash, now).await? {
        return Err(Error::Conflict(
            "This invitation was used, withdrawn or expired meanwhile; open the link again to see what to do."
                .into(),
        ));
    }
    let actor = crate::db::audit::Actor {
        user_id: Some(invitation.user_id),
        email: Some(invitation.email.clone()),
        org_id: Some(invitation.org_id),
        ..actor.clone()
    };
    crate::db::audit::record(
        &mut *tx,
        &actor,
        "invitation_accepted",
        &invitation.email,
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(invitation.user_id)
}
