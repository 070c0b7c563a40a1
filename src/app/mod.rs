//! The use cases: one function per thing a person (or a job) does, whatever calls it: a
//! page, the JSON API, a job or another use case. Each takes the request's [`Ctx`] and
//! validated input, owns the transaction, asks `domain` for the rules, calls `db`, writes
//! the audit entry and the notices, commits, and returns what happened.
//!
//! The arrows run `web → app → (domain, db, mail)`: nothing here knows HTTP.

pub mod account;
pub mod api_tokens;
pub mod auth;
pub mod catalogue;
pub mod contact_roles;
pub mod dashboard;
pub mod deals;
pub mod inquiries;
pub mod invitations;
pub mod leads;
pub mod licenses;
pub mod maintenance;
pub mod messages;
pub mod msp;
pub mod msp_program;
pub mod nfr;
pub mod orders;
pub mod orgs;
pub mod password;
pub mod pricing_rules;
pub mod quotes;
pub mod settings;
pub mod shapes;
pub mod translator;
pub mod uploads;
pub mod users;
pub mod webhooks;

use crate::clock::Clock;
use crate::db::audit::Actor;
use crate::db::{Db, Scope};
use crate::domain::{AccessRole, FieldErrors, OrgId, OrgKind, UserId};
use chrono::NaiveDate;

/// Who is asking, and when: built once per request (by the `CurrentUser` extractor) or once
/// per job run, and passed to every use case and every read of organisation data.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub db: Db,
    /// For the audit log.
    pub actor: Actor,
    /// The signed-in person; `None` for a job or the command line.
    pub user: Option<UserId>,
    pub org: Option<OrgId>,
    pub role: Option<AccessRole>,
    /// Whose records this caller reads.
    pub scope: Scope,
    /// The calendar date every date rule uses (in the vendor's time zone).
    pub today: NaiveDate,
    /// Unix seconds, as timestamps are stored.
    pub now: i64,
    /// The vendor's time zone, in which people type and read dates and times.
    pub zone: chrono_tz::Tz,
    /// The portal's public address, for links in mail.
    pub public_url: String,
}

impl Ctx {
    /// A person's context.
    #[allow(clippy::too_many_arguments)]
    pub fn person(
        db: Db,
        actor: Actor,
        user: UserId,
        org: OrgId,
        role: AccessRole,
        clock: &Clock,
        public_url: String,
    ) -> Ctx {
        let now = clock.now();
        Ctx {
            db,
            actor,
            user: Some(user),
            org: Some(org),
            role: Some(role),
            scope: scope_of(role, user, org),
            today: now.with_timezone(&clock.zone()).date_naive(),
            now: now.timestamp(),
            zone: clock.zone(),
            public_url,
        }
    }

    /// A partner system's context (an API token of `org`): it acts for its organisation with
    /// the plainest role of its kind (a distributor's staff, a reseller's user; the vendor's
    /// tokens read only), sees what that role sees, and is named in the audit log by its token.
    pub fn token(
        db: Db,
        (org, kind): (OrgId, OrgKind),
        token: &str,
        clock: &Clock,
        public_url: String,
    ) -> Ctx {
        let role = match kind {
            OrgKind::Distributor => AccessRole::DistributorStaff,
            OrgKind::Reseller => AccessRole::ResellerUser,
            OrgKind::Vendor => AccessRole::VendorAdmin,
        };
        let now = clock.now();
        Ctx {
            db,
            actor: Actor {
                user_id: None,
                email: Some(format!("API token {token}")),
                org_id: Some(org),
                ip: None,
            },
            user: None,
            org: Some(org),
            role: Some(role),
            scope: match kind {
                OrgKind::Vendor => Scope::All,
                OrgKind::Distributor => Scope::Distributor(org),
                OrgKind::Reseller => Scope::Reseller(org),
            },
            today: now.with_timezone(&clock.zone()).date_naive(),
            now: now.timestamp(),
            zone: clock.zone(),
            public_url,
        }
    }

    /// The context of a job or a command: no person, every organisation in scope.
    pub fn system(db: Db, today: NaiveDate, now: i64, public_url: &str) -> Ctx {
        Ctx {
            db,
            actor: Actor::default(),
            user: None,
            org: None,
            role: None,
            scope: Scope::All,
            today,
            now,
            zone: chrono_tz::Tz::UTC,
            public_url: public_url.to_string(),
        }
    }

    /// The same caller on another day (a job run for a chosen date).
    pub fn on(&self, today: NaiveDate) -> Ctx {
        Ctx {
            today,
            ..self.clone()
        }
    }

    /// Refuses (and writes the refusal to the audit log) unless `allowed`.
    pub async fn require(&self, allowed: bool, what: &str) -> Result<(), Error> {
        if allowed {
            return Ok(());
        }
        let role = self.role.map(|r| r.as_str()).unwrap_or("system");
        let detail = format!("role {role} may not {what}");
        if let Err(e) = crate::db::audit::record(
            &self.db.pool,
            &self.actor,
            "permission_refused",
            what,
            &detail,
            self.now,
        )
        .await
        {
            tracing::error!(error = ?e, "could not write the audit log");
        }
        Err(Error::Forbidden)
    }

    /// Refuses (audited) unless the caller is a vendor admin.
    pub async fn require_vendor_admin(&self, what: &str) -> Result<(), Error> {
        self.require(self.role == Some(AccessRole::VendorAdmin), what)
            .await
    }

    /// A job or the command line (run by whoever runs the portal), not a person signed in.
    pub fn is_system(&self) -> bool {
        self.user.is_none() && self.role.is_none()
    }

    /// The person's user id, for records that name who did something.
    pub fn user_id(&self) -> Option<i64> {
        self.user.map(|u| u.0)
    }
}

/// Whose records a person of this role reads.
/// Who decides on a reseller's requests (deal registrations, MSP applications): its active
/// channel account manager, or the vendor admins when it has none (PRODUCT.md section 2).
/// The flag says whether it is the CAM.
pub async fn deciders_for(
    pool: &sqlx::AnyPool,
    org: &crate::db::orgs::Org,
) -> Result<(Vec<crate::domain::contact::Person>, bool), Error> {
    let cam = match org.cam_user_id {
        Some(cam) => crate::db::users::get_with_org(pool, cam)
            .await?
            .filter(|c| !c.user.disabled)
            .map(|c| crate::domain::contact::Person {
                user_id: cam.0,
                name: c.user.display_name,
                email: c.user.email,
            }),
        None => None,
    };
    Ok(match cam {
        Some(cam) => (vec![cam], true),
        None => (crate::db::users::vendor_admins(pool).await?, false),
    })
}

pub fn scope_of(role: AccessRole, user: UserId, org: OrgId) -> Scope {
    match role {
        AccessRole::VendorAdmin => Scope::All,
        AccessRole::ChannelManager => Scope::Cam(user),
        AccessRole::DistributorAdmin | AccessRole::DistributorStaff => Scope::Distributor(org),
        AccessRole::ResellerAdmin | AccessRole::ResellerUser => Scope::Reseller(org),
    }
}

/// Why a use case did not happen. Nothing was changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Missing, or another organisation's (the two look the same).
    #[error("not found")]
    NotFound,
    /// The caller's role may not do this (the refusal is in the audit log).
    #[error("forbidden")]
    Forbidden,
    /// The record changed meanwhile, or its state does not allow this; the message says
    /// what happened and what to do.
    #[error("{0}")]
    Conflict(String),
    /// The input is wrong; each message belongs next to its field.
    #[error("the input was refused: {}", .0.messages().join(" "))]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Unexpected(anyhow::Error::new(e))
    }
}

impl From<crate::domain::status::IllegalTransition> for Error {
    fn from(e: crate::domain::status::IllegalTransition) -> Self {
        Error::Conflict(e.to_string())
    }
}

impl Error {
    /// A unique-key violation (someone took the value meanwhile) as the message next to
    /// `field`; any other database error as it is.
    pub fn unique<'a>(field: &'a str, message: &'a str) -> impl FnOnce(sqlx::Error) -> Error + 'a {
        move |e| {
            if crate::db::is_unique_violation(&e) {
                Error::invalid(field, message)
            } else {
                e.into()
            }
        }
    }

    /// One field's message.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Error::Invalid(errors)
    }
}
