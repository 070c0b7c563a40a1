//! Sessions: actix-session with the state kept in the portal's own database, so that logging
//! out or disabling a user ends the session on every portal process at once.

use crate::clock::Clock;
use crate::db::users::UserWithOrg;
use crate::db::{sessions, Db};
use crate::domain::UserId;
use crate::web::AppError;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::{Session, SessionExt};
use actix_web::cookie::time::Duration;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::{ready, Ready};

const USER_ID: &str = "user_id";
const LOGIN_AT: &str = "login_at";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";
const REFUSED: &str = "refused:";

/// A form the server refused: the fields as typed (without the CSRF token) and the messages.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Refused {
    pub fields: std::collections::HashMap<String, String>,
    pub errors: crate::domain::FieldErrors,
}
/// The session's public handle, and where it was signed in (see `db::sessions::Details`).
const HANDLE: &str = "handle";
const IP: &str = "ip";
const USER_AGENT: &str = "user_agent";

/// Idle timeout: a session unused this long is gone (PRODUCT.md section 9).
pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
/// Absolute timeout: a sign-in lasts at most this long, however busy.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;

type State = HashMap<String, String>;

/// A session's idle expiry is moved on at most this often (per portal process): reading a
/// page writes nothing to the session table within a minute of the last write, so a session
/// may end up to a minute before its idle timeout counted from its very last request.
pub const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: Clock,
    /// When this process last wrote each session's expiry.
    touched: std::sync::Arc<std::sync::Mutex<HashMap<String, i64>>>,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Clock) -> Self {
        DbSessionStore {
            db,
            clock,
            touched: Default::default(),
        }
    }

    /// Whether this process wrote `key`'s expiry within the last minute; if not, notes that it
    /// is written now (and forgets keys not written for a minute once there are many).
    fn touched_recently(&self, key: &str, now: i64) -> bool {
        let Ok(mut touched) = self.touched.lock() else {
            return false;
        };
        if touched
            .get(key)
            .is_some_and(|at| now - at < TOUCH_EVERY_SECS)
        {
            return true;
        }
        touched.insert(key.to_string(), now);
        if touched.len() > 10_000 {
            touched.retain(|_, at| now - *at < TOUCH_EVERY_SECS);
        }
        false
    }

    fn user_of(state: &State) -> Option<UserId> {
        state
            .get(USER_ID)
            .and_then(|v| serde_json::from_str::<i64>(v).ok())
            .map(UserId)
    }

    fn details_of(state: &State) -> sessions::Details {
        let text = |key: &str| {
            state
                .get(key)
                .and_then(|v| serde_json::from_str::<String>(v).ok())
        };
        sessions::Details {
            handle: text(HANDLE),
            ip: text(IP),
            user_agent: text(USER_AGENT),
        }
    }

    fn new_key() -> Result<SessionKey, anyhow::Error> {
        SessionKey::try_from(Alphanumeric.sample_string(&mut rand::thread_rng(), 64))
            .map_err(|e| anyhow::anyhow!("invalid session key: {e}"))
    }

    async fn insert(&self, state: &State, ttl: &Duration) -> Result<SessionKey, anyhow::Error> {
        let json = serde_json::to_string(state)?;
        let key = Self::new_key()?;
        let now = self.clock.timestamp();
        self.touched_recently(key.as_ref(), now);
        sessions::insert(
            &self.db.pool,
            key.as_ref(),
            Self::user_of(state),
            &json,
            now + ttl.whole_seconds(),
            now,
            &Self::details_of(state),
        )
        .await?;
        Ok(key)
    }
}

tokio::task_local! {
    /// The signed-in user read with the session, for this request's [`signed_in`].
    static SIGNED_IN: std::cell::RefCell<Option<UserWithOrg>>;
}

/// Lets the session store hand the user it read with the session to the request's
/// `CurrentUser` (one query instead of two per signed-in page). Wraps outside the session
/// middleware.
pub async fn keep_signed_in_user(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    SIGNED_IN
        .scope(std::cell::RefCell::new(None), next.call(req))
        .await
}

/// The user read with this request's session, if it is `id` (taken: asked once per request).
pub fn signed_in(id: UserId) -> Option<UserWithOrg> {
    SIGNED_IN
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten()
        .filter(|u| u.user.id == id)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let stored = sessions::load_with_user(&self.db, key.as_ref(), self.clock.timestamp())
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        let Some((json, user)) = stored else {
            return Ok(None);
        };
        // Outside a request (no scope) there is nobody to hand the user to.
        let _ = SIGNED_IN.try_with(|slot| *slot.borrow_mut() = user);
        serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        self.insert(&state, ttl).await.map_err(SaveError::Other)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let now = self.clock.timestamp();
        // A changed state writes the expiry too: it counts as this minute's touch.
        self.touched_recently(key.as_ref(), now);
        let expires = now + ttl.whole_seconds();
        let found = sessions::update(
            &self.db.pool,
            key.as_ref(),
            Self::user_of(&state),
            &json,
            expires,
            &Self::details_of(&state),
        )
        .await
        .map_err(|e| UpdateError::Other(e.into()))?;
        if found {
            return Ok(key);
        }
        // The record was deleted meanwhile (logout elsewhere, user disabled): never bring a
        // sign-in back to life; keep only what an anonymous visitor may have.
        let mut anonymous = state;
        anonymous.remove(USER_ID);
        anonymous.remove(LOGIN_AT);
        anonymous.remove(HANDLE);
        self.insert(&anonymous, ttl)
            .await
            .map_err(UpdateError::Other)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let now = self.clock.timestamp();
        if self.touched_recently(key.as_ref(), now) {
            return Ok(());
        }
        sessions::touch(&self.db.pool, key.as_ref(), now + ttl.whole_seconds()).await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        sessions::delete(&self.db.pool, key.as_ref()).await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `success` or `error`: a CSS class and the ARIA role of the message.
    pub kind: String,
    pub text: String,
    /// Records the message names (label, path), linked after it.
    #[serde(default)]
    pub links: Vec<(String, String)>,
}

/// The session with named, typed entries instead of string keys at every call site.
pub struct TypedSession(pub(crate) Session);

impl TypedSession {
    fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), AppError> {
        self.0
            .insert(key, value)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("could not write the session: {e}")))
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.0.get::<i64>(USER_ID).ok().flatten().map(UserId)
    }

    pub fn login_at(&self) -> Option<i64> {
        self.0.get::<i64>(LOGIN_AT).ok().flatten()
    }

    /// Signs a user in: a new session id (no fixation), a new CSRF token, a new public handle,
    /// and where from (address, browser: at most 300 characters of it).
    pub fn log_in(
        &self,
        user: UserId,
        now: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(), AppError> {
        self.0.renew();
        self.insert(USER_ID, user.0)?;
        self.insert(LOGIN_AT, now)?;
        self.insert(HANDLE, new_token())?;
        if let Some(ip) = ip {
            self.insert(IP, ip)?;
        }
        if let Some(ua) = user_agent {
            self.insert(USER_AGENT, ua.chars().take(300).collect::<String>())?;
        }
        self.insert(CSRF, new_token())
    }

    /// This session's public handle (the account page marks it and keeps it).
    pub fn handle(&self) -> Option<String> {
        self.0.get::<String>(HANDLE).ok().flatten()
    }

    /// Keeps the person signed in under a new session id and CSRF token (after a password
    /// change has ended every stored session of theirs, this one included).
    pub fn renew(&self) -> Result<(), AppError> {
        self.0.renew();
        self.insert(CSRF, new_token())
    }

    pub fn log_out(&self) {
        self.0.purge();
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(t) = self.0.get::<String>(CSRF).ok().flatten() {
            return Ok(t);
        }
        let t = new_token();
        self.insert(CSRF, &t)?;
        Ok(t)
    }

    pub fn stored_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF).ok().flatten()
    }

    pub fn flash(&self, kind: &str, text: impl Into<String>) -> Result<(), AppError> {
        self.insert(
            FLASH,
            Flash {
                kind: kind.to_string(),
                text: text.into(),
                links: Vec::new(),
            },
        )
    }

    /// An error message made of a refusal's messages, linking the records they name.
    pub fn flash_refusal(&self, errors: &crate::web::forms::FieldErrors) -> Result<(), AppError> {
        self.insert(
            FLASH,
            Flash {
                kind: "error".into(),
                text: errors.messages().join(" "),
                links: errors.all_links(),
            },
        )
    }

    /// Keeps a refused form (what was typed, and why it was refused) for the page the refusal
    /// redirects to, so that the address after a failed post is the page's own.
    pub fn keep_refused(&self, form: &str, refused: Refused) -> Result<(), AppError> {
        self.insert(&format!("{REFUSED}{form}"), refused)
    }

    /// The refused form kept for `form`, once.
    pub fn take_refused(&self, form: &str) -> Option<Refused> {
        let key = format!("{REFUSED}{form}");
        let refused = self.0.get::<Refused>(&key).ok().flatten();
        if refused.is_some() {
            self.0.remove(&key);
        }
        refused
    }

    pub fn take_flash(&self) -> Option<Flash> {
        let f = self.0.get::<Flash>(FLASH).ok().flatten();
        if f.is_some() {
            self.0.remove(FLASH);
        }
        f
    }
}

fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 43)
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(TypedSession(req.get_session())))
    }
}

/// `/healthz` answers load balancers without reading or writing the session store: its request
/// loses any cookie before the session middleware (which wraps inside this one) sees it.
pub async fn none_for_health(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.path() == "/healthz" {
        req.headers_mut().remove(actix_web::http::header::COOKIE);
    }
    next.call(req).await
}
