//! A user's own account: who they are, changing their password, and the places they are
//! signed in (any of which they can sign out of).

use crate::app;
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
    pub sessions: Vec<SessionRow>,
    /// The password was chosen by an admin: the page asks for a new one first.
    pub must_choose: bool,
}

/// One signed-in session, in words.
pub struct SessionRow {
    pub handle: Option<String>,
    pub this: bool,
    pub started: String,
    pub last_active: String,
    pub address: String,
    pub browser: String,
}

/// "Firefox on Linux"-like words for a User-Agent header, or the header cut short.
fn browser_of(agent: Option<&str>) -> String {
    let Some(agent) = agent.filter(|a| !a.trim().is_empty()) else {
        return "unknown".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| agent.contains(mark))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        _ => agent.chars().take(60).collect(),
    }
}

async fn session_rows(user: &CurrentUser) -> Result<Vec<SessionRow>, AppError> {
    let current = user.session.handle();
    Ok(app::account::sessions(&user.ctx)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            this: s.handle.is_some() && s.handle == current,
            started: crate::clock::format_timestamp(s.created_at),
            last_active: crate::clock::format_timestamp(
                s.expires_at - crate::web::session::IDLE_TIMEOUT_SECS,
            ),
            address: s.ip.clone().unwrap_or_else(|| "unknown".into()),
            browser: browser_of(s.user_agent.as_deref()),
            handle: s.handle,
        })
        .collect())
}

async fn page(user: &CurrentUser, errors: FieldErrors) -> Result<AccountPage, AppError> {
    Ok(AccountPage {
        chrome: Chrome::new(user, "/account", "My account")?,
        email: user.email.clone(),
        errors,
        sessions: session_rows(user).await?,
        must_choose: user.must_choose_password,
    })
}

/// Signs out of one other session.
pub async fn end_session(
    user: CurrentUser,
    path: actix_web::web::Path<String>,
    _form: CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    let current = user.session.handle();
    app::account::end_sessions(&user.ctx, Some(path.as_str()), current.as_deref()).await?;
    user.session
        .flash("success", "That session is signed out.")?;
    Ok(render::see_other("/account"))
}

/// Signs out of every session but this one.
pub async fn end_other_sessions(
    user: CurrentUser,
    _form: CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    let current = user.session.handle();
    let n = app::account::end_sessions(&user.ctx, None, current.as_deref()).await?;
    user.session.flash(
        "success",
        format!(
            "Signed out everywhere else ({n} session{}).",
            if n == 1 { "" } else { "s" }
        ),
    )?;
    Ok(render::see_other("/account"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn account_page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&page(&user, FieldErrors::default()).await?)
}

pub async fn change_password(
    user: CurrentUser,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    // The current password is guessed no faster than at sign-in (a session left open on a
    // shared computer must not become a password oracle).
    let address = user.ctx.actor.ip.clone().unwrap_or_default();
    if !user.state.login_limiter.attempt(&user.email, &address) {
        let mut errors = FieldErrors::default();
        errors.add(
            "current_password",
            "Too many attempts. Wait a minute, then try again.",
        );
        return render::html(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &page(&user, errors).await?,
        );
    }
    let change = app::account::PasswordChange {
        current: form.current_password,
        new: form.new_password,
        confirm: form.confirm_password,
    };
    match app::account::change_password(&user.ctx, change).await {
        Ok(()) => {
            user.session.renew()?;
            user.session.flash(
                "success",
                "Your password is changed. Everywhere else you were signed in, you are signed out now; a mail confirms the change.",
            )?;
            Ok(render::see_other("/account"))
        }
        Err(app::Error::Invalid(errors)) => {
            if errors.has("current_password") {
                user.state.login_limiter.failed(&user.email, &address);
            }
            render::invalid(&page(&user, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}
