//! A user's own account: who they are, and changing their password.

use crate::db::{audit, users};
use crate::domain::password::check_new_password;
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
    let pool = &user.state.db.pool;
    let mut errors = FieldErrors::default();
    let hash = users::password_hash(pool, user.id).await?;
    if !crate::password::verify(form.current_password, hash).await {
        errors.add("current_password", "This is not your current password.");
    }
    if let Err(e) = check_new_password(&form.new_password) {
        errors.add("new_password", e.to_string());
    } else if form.new_password != form.confirm_password {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    if !errors.is_empty() {
        let chrome = Chrome::new(&user, "/account", "My account")?;
        return render::invalid(&AccountPage {
            chrome,
            email: user.email.clone(),
            errors,
        });
    }
    let hash = crate::password::hash(form.new_password).await?;
    users::set_password(pool, user.id, &hash).await?;
    audit::record(
        pool,
        &user.actor(),
        "password_changed",
        &user.email,
        "",
        user.now(),
    )
    .await?;
    user.session.flash("success", "Your password is changed.")?;
    Ok(render::see_other("/account"))
}
