//! An organisation's admin manages its own users: invite, edit name and access role,
//! disable and re-enable; send an invited person a new link or withdraw it. Every query is scoped to the admin's organisation, so another
//! organisation's user answers 404.

use crate::app;
use crate::db::users;
use crate::domain::paging::Window;
use crate::domain::{AccessRole, PageRequest, UserId};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/users/list.html", blocks = ["results"])]
pub struct UsersPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Window<users::User>,
    pub pager: crate::web::views::Pager,
    pub me: UserId,
    pub csrf: String,
    /// For a reseller's admin: whether its orders need a purchase-order reference.
    pub po_required: Option<bool>,
    /// The invitation of each invited person on the page.
    pub invites: std::collections::HashMap<UserId, Invite>,
}

impl UsersPage {
    pub fn invite_of(&self, u: &users::User) -> Option<Invite> {
        self.invites.get(&u.id).cloned()
    }
}

/// Where an invited person's invitation stands, in words.
#[derive(Debug, Clone)]
pub struct Invite {
    pub status: String,
    /// The link still works (so it can be withdrawn).
    pub open: bool,
}

/// The invitations of `org`'s invited people on `now`.
async fn invites(
    user: &CurrentUser,
) -> Result<std::collections::HashMap<UserId, Invite>, AppError> {
    let now = user.state.clock.timestamp();
    Ok(
        crate::db::invitations::latest_in_org(&user.state.db.pool, user.org_id)
            .await?
            .into_iter()
            .map(|(id, expires_at, withdrawn)| {
                let invite = if withdrawn {
                    Invite {
                        status: "Invitation withdrawn".into(),
                        open: false,
                    }
                } else if expires_at <= now {
                    Invite {
                        status: format!(
                            "Invitation expired {}",
                            crate::clock::format_timestamp(expires_at)
                        ),
                        open: false,
                    }
                } else {
                    Invite {
                        status: format!(
                            "Invited; the link works until {}",
                            crate::clock::format_timestamp(expires_at)
                        ),
                        open: true,
                    }
                };
                (id, invite)
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "partials/user_row.html")]
pub struct UserRow<'a> {
    pub u: &'a users::User,
    pub me: UserId,
    pub csrf: &'a str,
    pub invite: Option<Invite>,
}

#[derive(Template)]
#[template(path = "pages/users/form.html")]
pub struct UserFormPage {
    pub chrome: Chrome,
    /// None for a new user.
    pub editing: Option<users::User>,
    pub form: UserForm,
    pub roles: Vec<AccessRole>,
    pub errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

impl UserFormPage {
    pub fn role_selected(&self, role: &AccessRole) -> bool {
        self.form.role == role.as_str()
    }
}

async fn require_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.manages_own_users(), "manage users")
        .await
}

pub async fn list(
    user: CurrentUser,
    htmx: Htmx,
    query: web::Query<PageRequest>,
    at: web::Query<crate::domain::paging::CursorFields>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let q = query.query().unwrap_or("").to_string();
    let pool = &user.state.db.pool;
    let (list, pager) = crate::web::views::Pager::read(
        &user.state,
        format!("users {} {q}", user.org_id),
        users::list_in_org(&user.state.db, user.org_id, &q, at.cursor()),
        users::count_in_org(pool, user.org_id, &q),
        &format!("/users?q={}", crate::web::views::query_value(&q)),
        ("user", "users"),
    )
    .await?;
    let chrome = Chrome::new(&user, "/users", "Users")?;
    let po_required = if user.role == AccessRole::ResellerAdmin {
        Some(crate::db::orgs::po_required(&user.state.db.pool, user.org_id).await?)
    } else {
        None
    };
    let page = UsersPage {
        invites: invites(&user).await?,
        po_required,
        csrf: chrome.csrf.clone(),
        chrome,
        q,
        list,
        pager,
        me: user.id,
    };
    render::page_or_fragment(&htmx, &page, |p| p.as_results())
}

pub async fn new_form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let roles = AccessRole::for_kind(user.org_kind).to_vec();
    let form = UserForm {
        role: roles[1].as_str().to_string(),
        ..UserForm::default()
    };
    let chrome = Chrome::new(&user, "/users", "New user")?;
    render::page(&UserFormPage {
        chrome,
        editing: None,
        form,
        roles,
        errors: FieldErrors::default(),
    })
}

impl UserForm {
    fn input(&self) -> app::users::UserInput {
        app::users::UserInput {
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role.clone(),
        }
    }
}

/// The user form again, with what was typed and the messages.
fn form_again(
    user: &CurrentUser,
    editing: Option<users::User>,
    form: UserForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let title = match &editing {
        Some(target) => format!("Edit {}", target.display_name),
        None => "New user".to_string(),
    };
    let form = UserForm {
        email: editing
            .as_ref()
            .map(|t| t.email.clone())
            .unwrap_or(form.email),
        ..form
    };
    render::invalid(&UserFormPage {
        chrome: Chrome::new(user, "/users", title)?,
        editing,
        form,
        roles: AccessRole::for_kind(user.org_kind).to_vec(),
        errors,
    })
}

pub async fn create(user: CurrentUser, form: CsrfForm<UserForm>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let form = form.0;
    match app::users::create(&user.ctx, form.input()).await {
        Ok(saved) => {
            let until = saved
                .invited_until
                .map(crate::clock::format_timestamp)
                .unwrap_or_default();
            user.session.flash(
                "success",
                format!(
                    "{} is invited: an e-mail to {} has a link to choose a password, which works once until {until}.",
                    saved.name, saved.email
                ),
            )?;
            Ok(render::see_other(&format!("/users?created={}", saved.id.0)))
        }
        Err(app::Error::Invalid(errors)) => form_again(&user, None, form, errors),
        Err(e) => Err(e.into()),
    }
}

async fn load_own(user: &CurrentUser, id: i64) -> Result<users::User, AppError> {
    Ok(app::users::load_own(&user.ctx, id).await?)
}

pub async fn edit_form(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let target = load_own(&user, *path).await?;
    let form = UserForm {
        display_name: target.display_name.clone(),
        email: target.email.clone(),
        role: target.role.as_str().to_string(),
    };
    let chrome = Chrome::new(&user, "/users", format!("Edit {}", target.display_name))?;
    let roles = AccessRole::for_kind(user.org_kind).to_vec();
    render::page(&UserFormPage {
        chrome,
        editing: Some(target),
        form,
        roles,
        errors: FieldErrors::default(),
    })
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let form = form.0;
    match app::users::update(&user.ctx, *path, form.input()).await {
        Ok(saved) => {
            user.session
                .flash("success", format!("Saved the changes to {}.", saved.name))?;
            Ok(render::see_other("/users"))
        }
        Err(app::Error::Invalid(errors)) => {
            let target = load_own(&user, *path).await?;
            form_again(&user, Some(target), form, errors)
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    user: CurrentUser,
    htmx: Htmx,
    id: i64,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let updated = app::users::set_disabled(&user.ctx, id, disabled).await?;
    if htmx.wants_fragment() {
        let csrf = user.session.csrf_token()?;
        return render::page(&UserRow {
            u: &updated,
            me: user.id,
            csrf: &csrf,
            invite: None,
        });
    }
    let text = if disabled {
        format!(
            "{} is disabled and signed out everywhere.",
            updated.display_name
        )
    } else {
        format!("{} can sign in again.", updated.display_name)
    };
    user.session.flash("success", text)?;
    Ok(render::see_other("/users"))
}

pub async fn disable(
    user: CurrentUser,
    htmx: Htmx,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    set_disabled(user, htmx, *path, true).await
}

pub async fn enable(
    user: CurrentUser,
    htmx: Htmx,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    set_disabled(user, htmx, *path, false).await
}

/// Sends an invited person a new link; the earlier one stops working.
pub async fn invite_again(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (person, until) = app::invitations::resend(&user.ctx, *path).await?;
    user.session.flash(
        "success",
        format!(
            "A new invitation went to {} ({}); its link works until {}. Earlier links no longer work.",
            person.display_name,
            person.email,
            crate::clock::format_timestamp(until)
        ),
    )?;
    Ok(render::see_other(&back_to(&user, &person)))
}

/// Withdraws an invited person's link.
pub async fn withdraw_invitation(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let person = app::invitations::revoke(&user.ctx, *path).await?;
    user.session.flash(
        "success",
        format!(
            "The invitation of {} is withdrawn: its link no longer works. Send a new invitation to let them in.",
            person.display_name
        ),
    )?;
    Ok(render::see_other(&back_to(&user, &person)))
}

/// Where an invitation action returns: the users page for one's own organisation, the
/// organisation's page for the vendor admin inviting another organisation's first admin.
fn back_to(user: &CurrentUser, person: &users::User) -> String {
    if person.org_id == user.org_id {
        "/users".to_string()
    } else {
        format!("/admin/organisations/{}", person.org_id)
    }
}

#[derive(Debug, Deserialize)]
pub struct OrderingForm {
    #[serde(default)]
    po: String,
}

/// A reseller admin's choice: a purchase-order reference required on every order, or not.
pub async fn set_ordering(
    user: CurrentUser,
    form: CsrfForm<OrderingForm>,
) -> Result<HttpResponse, AppError> {
    let message = match app::orgs::set_po_required(&user.ctx, &form.0.po).await {
        Ok(true) => (
            "success",
            "Accepting a quote now asks for your purchase-order reference.".to_string(),
        ),
        Ok(false) => (
            "success",
            "A purchase-order reference is now optional when accepting a quote.".to_string(),
        ),
        Err(app::Error::Invalid(errors)) => ("error", errors.messages().join(" ")),
        Err(e) => return Err(e.into()),
    };
    user.session.flash(message.0, message.1)?;
    Ok(render::see_other("/users#ordering"))
}
