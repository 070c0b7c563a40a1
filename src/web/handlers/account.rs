//! A user's own account: who they are, and changing their password.

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
    let page = AccountPage {
        chrome: Chrome::new(&user, "/account", "My account")?,
        email: user.email.clone(),
        errors: FieldErrors::default(),
    };
    render::page(&page)
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
            &AccountPage {
                chrome: Chrome::new(&user, "/account", "My account")?,
                email: user.email.clone(),
                errors,
            },
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
        Err(app::Error::Invalid(errors)) => render::invalid(&AccountPage {
            chrome: Chrome::new(&user, "/account", "My account")?,
            email: user.email.clone(),
            errors,
        }),
        Err(e) => Err(e.into()),
    }
}
