//! Contact roles (PRODUCT.md section 2): an organisation's admin chooses which of its active
//! users receive which notices, one checkbox at a time or the whole matrix at once (refused
//! when someone changed the roles since the form was shown); every change is audited. A
//! marketing mail's unsubscribe link turns one person's marketing role off.

use super::{Ctx, Error};
use crate::db::audit::{self, Actor};
use crate::db::{contact_roles as store, users, Db};
use crate::domain::contact::ContactRole;
use crate::domain::{AccessRole, OrgId, OrgKind, UserId};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// An organisation's matrix: its active users, who holds which role, the roles it has.
pub struct Matrix {
    pub users: Vec<users::User>,
    pub held: BTreeSet<(i64, ContactRole)>,
    pub roles: Vec<ContactRole>,
}

impl Matrix {
    /// A fingerprint of the assignments, so a whole-form save can tell it is stale.
    pub fn version(&self) -> String {
        let text: Vec<String> = self
            .held
            .iter()
            .map(|(u, r)| format!("{u}:{}", r.as_str()))
            .collect();
        Sha256::digest(text.join(",").as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A `user:role` value of the form, checked against the organisation's active users.
    pub fn parse_pair(&self, value: &str) -> Result<(i64, ContactRole), Error> {
        let bad = || {
            Error::invalid(
                "held",
                format!(
                    "“{value}” is not a user and contact role of your organisation. Nothing was changed."
                ),
            )
        };
        let (u, r) = value.split_once(':').ok_or_else(bad)?;
        let u: i64 = u.parse().map_err(|_| bad())?;
        let r = ContactRole::parse(r)
            .filter(|r| self.roles.contains(r))
            .ok_or_else(bad)?;
        if !self.users.iter().any(|x| x.id.0 == u) {
            return Err(bad());
        }
        Ok((u, r))
    }
}

/// The caller's organisation (a distributor or reseller; the vendor has no contact roles).
fn org_of(ctx: &Ctx) -> Result<(OrgId, OrgKind), Error> {
    match (ctx.org, ctx.role.map(AccessRole::org_kind)) {
        (Some(org), Some(kind)) if kind != OrgKind::Vendor => Ok((org, kind)),
        _ => Err(Error::NotFound),
    }
}

/// The caller's organisation's matrix.
pub async fn matrix(ctx: &Ctx) -> Result<Matrix, Error> {
    let (org, kind) = org_of(ctx)?;
    let pool = &ctx.db.pool;
    let mut people = users::all_in_org(pool, org).await?;
    people.retain(|u| !u.disabled);
    let held = store::assignments(pool, org)
        .await?
        .into_iter()
        .map(|(u, r)| (u.0, r))
        .collect();
    Ok(Matrix {
        users: people,
        held,
        roles: ContactRole::for_kind(kind).to_vec(),
    })
}

async fn require_admin(ctx: &Ctx) -> Result<(), Error> {
    org_of(ctx)?;
    ctx.require(
        ctx.role.is_some_and(AccessRole::manages_own_users),
        "change contact roles",
    )
    .await
}

/// Applies (user, role, on) changes in one transaction, auditing each real change.
async fn apply(ctx: &Ctx, m: &Matrix, changes: &[(i64, ContactRole, bool)]) -> Result<(), Error> {
    let (org, _) = org_of(ctx)?;
    let mut tx = ctx.db.pool.begin().await?;
    for (u, role, on) in changes {
        let Some(before) = store::set(&mut tx, org, UserId(*u), *role, *on).await? else {
            return Err(Error::NotFound);
        };
        if before != *on {
            let who = m
                .users
                .iter()
                .find(|x| x.id.0 == *u)
                .map(|x| x.email.as_str())
                .unwrap_or("");
            let detail = format!(
                "{}: {} -> {}",
                role.as_str(),
                if before { "on" } else { "off" },
                if *on { "on" } else { "off" }
            );
            audit::record(
                &mut *tx,
                &ctx.actor,
                "contact_role_changed",
                who,
                &detail,
                ctx.now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Saves the whole matrix as the form shows it (`held`: the ticked `user:role` values),
/// unless the roles changed since the form's `version`; returns how many changed.
pub async fn save_matrix(ctx: &Ctx, version: &str, held: &[String]) -> Result<usize, Error> {
    require_admin(ctx).await?;
    let m = matrix(ctx).await?;
    if version != m.version() {
        return Err(Error::Conflict(
            "The contact roles were changed by someone else after you opened the page, so nothing was saved. \
             Below are the roles as they are now: make your change again and save."
                .into(),
        ));
    }
    let wanted: BTreeSet<(i64, ContactRole)> = held
        .iter()
        .map(|v| m.parse_pair(v))
        .collect::<Result<_, _>>()?;
    let mut changes = Vec::new();
    for u in &m.users {
        for r in &m.roles {
            let key = (u.id.0, *r);
            if wanted.contains(&key) != m.held.contains(&key) {
                changes.push((u.id.0, *r, wanted.contains(&key)));
            }
        }
    }
    apply(ctx, &m, &changes).await?;
    Ok(changes.len())
}

/// Turns one role of one person on or off (`pair`: `user:role`); returns the person's id and
/// the role.
pub async fn set_one(ctx: &Ctx, pair: &str, on: bool) -> Result<(i64, ContactRole), Error> {
    require_admin(ctx).await?;
    let m = matrix(ctx).await?;
    let (u, role) = m.parse_pair(pair)?;
    apply(ctx, &m, &[(u, role, on)]).await?;
    Ok((u, role))
}

/// Uses an unsubscribe token (the credential: a mail client posts it without a session):
/// the person's marketing role is turned off, once. Returns their e-mail and the role, or
/// `None` for an unknown or used token.
pub async fn unsubscribe(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, ContactRole)>, Error> {
    let Some((user_id, email, role)) = store::unsubscribe_target(&db.pool, token_hash).await?
    else {
        return Ok(None);
    };
    let mut tx = db.pool.begin().await?;
    if store::unsubscribe(&mut tx, token_hash, now).await? {
        let actor = Actor {
            user_id: Some(UserId(user_id)),
            email: Some(email.clone()),
            ..Actor::default()
        };
        let detail = format!("{}: on -> off (unsubscribe link)", role.as_str());
        audit::record(
            &mut *tx,
            &actor,
            "contact_role_changed",
            &email,
            &detail,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some((email, role)))
}
