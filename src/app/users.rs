//! An organisation's admins manage its own users: invite them (they choose their own
//! password, see [`super::invitations`]), change name and access role, disable (which ends
//! every session and removes their contact roles) and re-enable. An admin cannot disable
//! themself or change their own role, so every organisation keeps one.

use super::{Ctx, Error};
use crate::db::users::{self as store, User};
use crate::domain::field_errors::required_text;
use crate::domain::{AccessRole, Email, FieldErrors, OrgId, UserId};

pub const MAX_NAME: usize = 100;

/// The caller's organisation, if its role manages the organisation's users.
async fn admin_org(ctx: &Ctx) -> Result<OrgId, Error> {
    let allowed = ctx.role.is_some_and(AccessRole::manages_own_users);
    ctx.require(allowed, "manage users").await?;
    ctx.org.ok_or(Error::Forbidden)
}

/// A user of the caller's own organisation.
pub async fn load_own(ctx: &Ctx, id: i64) -> Result<User, Error> {
    let org = admin_org(ctx).await?;
    store::get_in_org(&ctx.db.pool, org, UserId(id))
        .await?
        .ok_or(Error::NotFound)
}

/// The role named in a form, if the caller's organisation may give it.
fn parse_role(ctx: &Ctx, value: &str, errors: &mut FieldErrors) -> Option<AccessRole> {
    let kind = ctx.role.map(AccessRole::org_kind);
    let role = AccessRole::parse(value)
        .filter(|r| kind.is_some_and(|k| AccessRole::for_kind(k).contains(r)));
    if role.is_none() {
        errors.add("role", "Choose an access role.");
    }
    role
}

/// A person as the form sends them.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub display_name: String,
    pub email: String,
    pub role: String,
}

/// An added or changed user.
#[derive(Debug, Clone)]
pub struct Saved {
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// For an added person: when the invitation link stops working (Unix seconds).
    pub invited_until: Option<i64>,
}

/// Adds a person to the caller's organisation and mails them an invitation to choose their
/// password.
pub async fn create(ctx: &Ctx, input: UserInput) -> Result<Saved, Error> {
    let org = admin_org(ctx).await?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "display_name",
        &input.display_name,
        "the person's name",
        MAX_NAME,
    );
    let email = Email::parse(&input.email)
        .map_err(|e| errors.add("email", e.to_string()))
        .ok();
    if let Some(e) = &email {
        if store::email_taken(pool, e).await? {
            errors.add("email", "A user with this e-mail address exists already.");
        }
    }
    let role = parse_role(ctx, &input.role, &mut errors);
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let org_name = crate::db::orgs::get(pool, org)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut tx = pool.begin().await?;
    let new = store::NewUser {
        org_id: org,
        email: &email,
        display_name: &name,
        password_hash: None,
        role,
    };
    let id = store::insert(&mut tx, &new, ctx.now)
        .await
        .map_err(Error::unique(
            "email",
            "A user with this e-mail address was created meanwhile.",
        ))?;
    let invited_until = super::invitations::send(
        &mut tx,
        ctx,
        &super::invitations::Invitee {
            user: id,
            name: &name,
            email: email.as_str(),
            org_name: &org_name,
            role,
        },
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "user_invited",
        email.as_str(),
        &format!("role {}", role.as_str()),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(Saved {
        id,
        name,
        email: email.as_str().to_string(),
        invited_until: Some(invited_until),
    })
}

/// Changes a user's name and access role (never the caller's own role).
pub async fn update(ctx: &Ctx, id: i64, input: UserInput) -> Result<Saved, Error> {
    let target = load_own(ctx, id).await?;
    let org = admin_org(ctx).await?;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "display_name",
        &input.display_name,
        "the person's name",
        MAX_NAME,
    );
    let role = parse_role(ctx, &input.role, &mut errors);
    if Some(target.id) == ctx.user && role.is_some_and(|r| r != target.role) {
        errors.add(
            "role",
            "You cannot change your own access role; ask another administrator.",
        );
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = ctx.db.pool.begin().await?;
    if !store::update_in_org(&mut tx, org, target.id, &name, role).await? {
        return Err(Error::NotFound);
    }
    let detail = format!(
        "name {:?} -> {:?}; role {} -> {}",
        target.display_name,
        name,
        target.role.as_str(),
        role.as_str()
    );
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "user_updated",
        &target.email,
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(Saved {
        id: target.id,
        name,
        email: target.email,
        invited_until: None,
    })
}

/// Disables a user (signed out everywhere) or lets them sign in again; returns the user as
/// it is now.
pub async fn set_disabled(ctx: &Ctx, id: i64, disabled: bool) -> Result<User, Error> {
    let target = load_own(ctx, id).await?;
    let org = admin_org(ctx).await?;
    if Some(target.id) == ctx.user && disabled {
        return Err(Error::invalid(
            "disabled",
            "You cannot disable your own account; ask another administrator.",
        ));
    }
    if target.password == store::PasswordState::Invited {
        return Err(Error::Conflict(format!(
            "{} has not accepted the invitation yet: send a new invitation, or withdraw it.",
            target.display_name
        )));
    }
    let mut tx = ctx.db.pool.begin().await?;
    store::set_disabled_in_org(&mut tx, org, target.id, disabled).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        },
        &target.email,
        "",
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    load_own(ctx, id).await
}
