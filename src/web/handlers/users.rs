//! An organisation's admin manages its own users: create, edit name and access role,
//! disable and re-enable. Every query is scoped to the admin's organisation, so another
//! organisation's user answers 404.

use crate::db::{audit, users};
use crate::domain::{password::check_new_password, AccessRole, Email, PageRequest, Paged, UserId};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/users/list.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub q: String,
    pub list: Paged<users::User>,
    pub me: UserId,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "pages/users/list.html", block = "results")]
pub struct UsersResults<'a> {
    pub q: &'a str,
    pub list: &'a Paged<users::User>,
    pub me: UserId,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "partials/user_row.html")]
pub struct UserRow<'a> {
    pub u: &'a users::User,
    pub me: UserId,
    pub csrf: &'a str,
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
    #[serde(default)]
    pub password: String,
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
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let list = users::list_in_org(&user.state.db.pool, user.org_id, &query).await?;
    let q = query.query().unwrap_or("").to_string();
    let csrf = user.session.csrf_token()?;
    if htmx.wants_fragment() {
        return render::page(&UsersResults {
            q: &q,
            list: &list,
            me: user.id,
            csrf: &csrf,
        });
    }
    let chrome = Chrome::new(&user, "/users", "Users")?;
    render::page(&UsersPage {
        chrome,
        q,
        list,
        me: user.id,
        csrf,
    })
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

/// The role named in a form, if this organisation may give it.
fn parse_role(user: &CurrentUser, value: &str, errors: &mut FieldErrors) -> Option<AccessRole> {
    let role = AccessRole::parse(value).filter(|r| AccessRole::for_kind(user.org_kind).contains(r));
    if role.is_none() {
        errors.add("role", "Choose an access role.");
    }
    role
}

pub async fn create(user: CurrentUser, form: CsrfForm<UserForm>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let form = form.0;
    let pool = &user.state.db.pool;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "display_name",
        &form.display_name,
        "the person's name",
        100,
    );
    let email = match Email::parse(&form.email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.add("email", e.to_string());
            None
        }
    };
    if let Some(e) = &email {
        if users::email_taken(pool, e).await? {
            errors.add("email", "A user with this e-mail address exists already.");
        }
    }
    let role = parse_role(&user, &form.role, &mut errors);
    if let Err(e) = check_new_password(&form.password) {
        errors.add("password", e.to_string());
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        let chrome = Chrome::new(&user, "/users", "New user")?;
        let roles = AccessRole::for_kind(user.org_kind).to_vec();
        let form = UserForm {
            password: String::new(),
            ..form
        };
        return render::invalid(&UserFormPage {
            chrome,
            editing: None,
            form,
            roles,
            errors,
        });
    };
    let hash = crate::password::hash(form.password).await?;
    let mut tx = pool.begin().await?;
    let new = users::NewUser {
        org_id: user.org_id,
        email: &email,
        display_name: &name,
        password_hash: &hash,
        role,
    };
    let id = match users::insert(&mut tx, &new, user.now()).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "A user with this e-mail address was created meanwhile.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let detail = format!("role {}", role.as_str());
    audit::record(
        &mut *tx,
        &user.actor(),
        "user_created",
        email.as_str(),
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session
        .flash("success", format!("{name} ({email}) can now sign in."))?;
    Ok(render::see_other(&format!("/users?created={}", id.0)))
}

async fn load_own(user: &CurrentUser, id: i64) -> Result<users::User, AppError> {
    users::get_in_org(&user.state.db.pool, user.org_id, UserId(id))
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_form(user: CurrentUser, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let target = load_own(&user, *path).await?;
    let form = UserForm {
        display_name: target.display_name.clone(),
        email: target.email.clone(),
        role: target.role.as_str().to_string(),
        password: String::new(),
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
    let target = load_own(&user, *path).await?;
    let form = form.0;
    let mut errors = FieldErrors::default();
    let name = required_text(
        &mut errors,
        "display_name",
        &form.display_name,
        "the person's name",
        100,
    );
    let role = parse_role(&user, &form.role, &mut errors);
    if target.id == user.id && role.is_some_and(|r| r != target.role) {
        errors.add(
            "role",
            "You cannot change your own access role; ask another administrator.",
        );
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let chrome = Chrome::new(&user, "/users", format!("Edit {}", target.display_name))?;
        let roles = AccessRole::for_kind(user.org_kind).to_vec();
        let form = UserForm {
            email: target.email.clone(),
            password: String::new(),
            ..form
        };
        return render::invalid(&UserFormPage {
            chrome,
            editing: Some(target),
            form,
            roles,
            errors,
        });
    };
    let mut tx = user.state.db.pool.begin().await?;
    if !users::update_in_org(&mut tx, user.org_id, target.id, &name, role).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!(
        "name {:?} -> {:?}; role {} -> {}",
        target.display_name,
        name,
        target.role.as_str(),
        role.as_str()
    );
    audit::record(
        &mut *tx,
        &user.actor(),
        "user_updated",
        &target.email,
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session
        .flash("success", format!("Saved the changes to {name}."))?;
    Ok(render::see_other("/users"))
}

async fn set_disabled(
    user: CurrentUser,
    htmx: Htmx,
    id: i64,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    require_admin(&user).await?;
    let target = load_own(&user, id).await?;
    if target.id == user.id && disabled {
        return Err(AppError::BadRequest(
            "You cannot disable your own account; ask another administrator.".into(),
        ));
    }
    let mut tx = user.state.db.pool.begin().await?;
    users::set_disabled_in_org(&mut tx, user.org_id, target.id, disabled).await?;
    let action = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    audit::record(
        &mut *tx,
        &user.actor(),
        action,
        &target.email,
        "",
        user.now(),
    )
    .await?;
    tx.commit().await?;
    let updated = load_own(&user, id).await?;
    if htmx.wants_fragment() {
        let csrf = user.session.csrf_token()?;
        return render::page(&UserRow {
            u: &updated,
            me: user.id,
            csrf: &csrf,
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
