//! Who is asking: the signed-in user, loaded fresh on every request, and htmx request info.

use crate::db::audit::Actor;
use crate::db::users;
use crate::domain::{AccessRole, OrgId, OrgKind, UserId};
use crate::web::session::{TypedSession, ABSOLUTE_TIMEOUT_SECS};
use crate::web::{AppError, AppState};
use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use tracing_actix_web::RootSpan;

/// What htmx told us about the request.
#[derive(Debug, Clone, Copy)]
pub struct Htmx {
    pub request: bool,
    pub boosted: bool,
    pub history_restore: bool,
}

impl Htmx {
    pub fn of(req: &HttpRequest) -> Self {
        let has = |h: &str| {
            req.headers()
                .get(h)
                .is_some_and(|v| v.as_bytes() == b"true")
        };
        Htmx {
            request: has("HX-Request"),
            boosted: has("HX-Boosted"),
            history_restore: has("HX-History-Restore-Request"),
        }
    }

    /// A plain htmx request wants just the fragment; boosted and history-restore requests,
    /// and requests without htmx, want the whole page.
    pub fn wants_fragment(&self) -> bool {
        self.request && !self.boosted && !self.history_restore
    }
}

impl FromRequest for Htmx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Htmx::of(req)))
    }
}

/// The signed-in user. Extracting it refuses a missing, expired or disabled sign-in.
pub struct CurrentUser {
    pub id: UserId,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub org_name: String,
    /// The user's organisation is an MSP reseller.
    pub org_is_msp: bool,
    pub email: String,
    pub name: String,
    pub role: AccessRole,
    /// An admin chose this person's password (before invitations): until they choose their
    /// own, every page but their account page sends them there.
    pub must_choose_password: bool,
    pub session: TypedSession,
    pub ip: Option<String>,
    pub state: Data<AppState>,
    /// The maintenance window in force, if any.
    pub maintenance: Option<crate::db::maintenance::Window>,
    /// Who is asking and when, for the use cases and the reads of organisation data.
    pub ctx: crate::app::Ctx,
    /// The request wants only a fragment of its page (a plain htmx request): the page's
    /// chrome leaves the flash message for the next whole page.
    pub fragment: bool,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        self.ctx.actor.clone()
    }

    pub fn now(&self) -> i64 {
        self.state.clock.timestamp()
    }

    /// Whose records this person reads (queries filter by it).
    pub fn scope(&self) -> crate::db::Scope {
        self.ctx.scope
    }

    /// The scope for orders, inquiries and schedules, which channel account managers do not
    /// see (403, audited).
    pub async fn trade_scope(&self, what: &str) -> Result<crate::db::Scope, AppError> {
        self.require(self.role != AccessRole::ChannelManager, what)
            .await?;
        Ok(self.scope())
    }

    /// Refuses (403, written to the audit log) unless this is a vendor admin.
    pub async fn require_vendor_admin(&self, what: &str) -> Result<(), AppError> {
        Ok(self.ctx.require_vendor_admin(what).await?)
    }

    /// Refuses (403, written to the audit log) unless `allowed`.
    pub async fn require(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        Ok(self.ctx.require(allowed, what).await?)
    }
}

pub use crate::web::client::client_ip;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let asked = Htmx::of(&req);
            let htmx = asked.request;
            let state = req.app_data::<Data<AppState>>().cloned().ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("application state missing"))
            })?;
            let session = TypedSession(req.get_session());
            let (Some(id), Some(login_at)) = (session.user_id(), session.login_at()) else {
                return Err(AppError::Unauthenticated { htmx });
            };
            if state.clock.timestamp() - login_at > ABSOLUTE_TIMEOUT_SECS {
                session.log_out();
                return Err(AppError::Unauthenticated { htmx });
            }
            // Read with the session (one query), or on its own when the session was not read
            // from the store in this request.
            let found = match crate::web::session::signed_in(id) {
                Some(found) => Some(found),
                None => users::get_with_org(&state.db.pool, id).await?,
            };
            let Some(found) = found else {
                session.log_out();
                return Err(AppError::Unauthenticated { htmx });
            };
            if found.user.disabled {
                session.log_out();
                return Err(AppError::Unauthenticated { htmx });
            }
            let must_choose_password =
                found.user.password == crate::db::users::PasswordState::Change;
            if must_choose_password
                && !matches!(req.path(), "/account" | "/account/password" | "/logout")
            {
                return Err(AppError::ChoosePassword { htmx });
            }
            if let Some(span) = req.extensions().get::<RootSpan>() {
                span.record("user_id", found.user.id.0);
                span.record("org_id", found.user.org_id.0);
            }
            let maintenance = state
                .windows
                .active(&state.db.pool, state.clock.timestamp())
                .await?;
            let ip = client_ip(&req);
            let actor = Actor {
                user_id: Some(found.user.id),
                email: Some(found.user.email.clone()),
                org_id: Some(found.user.org_id),
                ip: ip.clone(),
            };
            let ctx = crate::app::Ctx::person(
                state.db.clone(),
                actor,
                found.user.id,
                found.user.org_id,
                found.user.role,
                &state.clock,
                state.settings.public_url(),
            );
            Ok(CurrentUser {
                ctx,
                fragment: asked.wants_fragment(),
                maintenance,
                id: found.user.id,
                org_id: found.user.org_id,
                org_kind: found.org_kind,
                org_is_msp: found.org_is_msp,
                org_name: found.org_name,
                email: found.user.email,
                name: found.user.display_name,
                role: found.user.role,
                must_choose_password,
                session,
                ip,
                state,
            })
        })
    }
}
