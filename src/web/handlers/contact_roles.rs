//! Contact roles: an organisation's admin chooses who receives which notices (a matrix of
//! active users × roles, saved one checkbox at a time through htmx or as a whole form);
//! other users see the roles they hold.

use crate::app::{self, contact_roles::Matrix};
use crate::db::users;
use crate::domain::contact::ContactRole;
use crate::domain::OrgKind;
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

pub struct Cell {
    pub user_id: i64,
    pub role: ContactRole,
    pub held: bool,
    pub label: String,
}

impl Cell {
    pub fn id(&self) -> String {
        format!("cr-{}-{}", self.user_id, self.role.as_str())
    }
    pub fn value(&self) -> String {
        format!("{}:{}", self.user_id, self.role.as_str())
    }
    pub fn vals(&self) -> String {
        format!(
            "{{\"user_id\": \"{}\", \"role\": \"{}\"}}",
            self.user_id,
            self.role.as_str()
        )
    }
}

pub struct Row {
    pub name: String,
    pub email: String,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "pages/contact_roles.html")]
pub struct ContactRolesPage {
    pub chrome: Chrome,
    pub editable: bool,
    pub roles: Vec<ContactRole>,
    pub rows: Vec<Row>,
    pub warnings: Vec<String>,
    pub version: String,
    pub mine: Vec<ContactRole>,
    /// Set when a save was refused because someone changed the roles meanwhile: the page
    /// shows the roles as they are now.
    pub conflict: Option<String>,
}

/// One cell after an htmx save, with the warnings and the form version swapped out of band.
#[derive(Template)]
#[template(path = "partials/contact_role_cell.html")]
pub struct CellFragment {
    pub cell: Cell,
    pub status: String,
    pub warnings: Vec<String>,
    pub version: String,
}

fn warnings(state: &Matrix) -> Vec<String> {
    let admins: Vec<&str> = state
        .users
        .iter()
        .filter(|u| u.role.manages_own_users())
        .map(|u| u.display_name.as_str())
        .collect();
    state
        .roles
        .iter()
        .filter(|r| !state.held.iter().any(|(_, h)| h == *r))
        .map(|r| {
            if r.falls_back_to_admins() {
                format!(
                    "Nobody holds {}: its notices go to your portal administrators ({}).",
                    r.label(),
                    admins.join(", ")
                )
            } else {
                format!(
                    "Nobody holds {}: no marketing mail will be sent to your organisation.",
                    r.label()
                )
            }
        })
        .collect()
}

fn cell(state: &Matrix, u: &users::User, role: ContactRole) -> Cell {
    Cell {
        user_id: u.id.0,
        role,
        held: state.held.contains(&(u.id.0, role)),
        label: format!("{} for {}", role.label(), u.display_name),
    }
}

fn check_org(user: &CurrentUser) -> Result<(), AppError> {
    if user.org_kind == OrgKind::Vendor {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&page_view(&user, None).await?)
}

async fn page_view(
    user: &CurrentUser,
    conflict: Option<String>,
) -> Result<ContactRolesPage, AppError> {
    check_org(user)?;
    let state = app::contact_roles::matrix(&user.ctx).await?;
    let editable = user.role.manages_own_users();
    let rows = if editable {
        state
            .users
            .iter()
            .map(|u| Row {
                name: u.display_name.clone(),
                email: u.email.clone(),
                cells: state.roles.iter().map(|r| cell(&state, u, *r)).collect(),
            })
            .collect()
    } else {
        vec![]
    };
    let mine = state
        .held
        .iter()
        .filter(|(u, _)| *u == user.id.0)
        .map(|(_, r)| *r)
        .collect();
    Ok(ContactRolesPage {
        chrome: Chrome::new(user, "/contact-roles", "Contact roles")?,
        editable,
        roles: state.roles.clone(),
        rows,
        warnings: warnings(&state),
        version: state.version(),
        mine,
        conflict,
    })
}

#[derive(Deserialize)]
pub struct MatrixForm {
    #[serde(default)]
    held: Vec<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// The whole matrix, as a plain form (JavaScript off). A form opened before someone else
/// changed the roles is refused, so nobody overwrites what they did not see.
pub async fn save_matrix(
    user: CurrentUser,
    form: CsrfForm<MatrixForm>,
) -> Result<HttpResponse, AppError> {
    check_org(&user)?;
    let form = form.0;
    let n = match app::contact_roles::save_matrix(&user.ctx, &form.version, &form.held).await {
        Ok(n) => n,
        // The page again, with the menu and the roles as they are now: nothing of the
        // colleague's change is lost, and the person makes theirs again on what they see.
        Err(app::Error::Conflict(message)) => {
            return render::html(
                actix_web::http::StatusCode::CONFLICT,
                &page_view(&user, Some(message)).await?,
            )
        }
        Err(e) => return Err(e.into()),
    };
    user.session.flash(
        "success",
        if n == 0 {
            "Nothing changed.".to_string()
        } else {
            format!("Saved {n} change{}.", if n == 1 { "" } else { "s" })
        },
    )?;
    Ok(render::see_other("/contact-roles"))
}

/// One checkbox, through htmx: answers with the cell (saved, or why not) and, out of band,
/// the warnings and the form version.
pub async fn save_cell(
    user: CurrentUser,
    htmx: Htmx,
    form: CsrfForm<MatrixForm>,
) -> Result<HttpResponse, AppError> {
    check_org(&user)?;
    let form = form.0;
    let pair = format!(
        "{}:{}",
        form.user_id.unwrap_or_default(),
        form.role.unwrap_or_default()
    );
    let on = form.held.contains(&pair);
    let (u, role) = app::contact_roles::set_one(&user.ctx, &pair, on).await?;
    if !htmx.request {
        return Ok(render::see_other("/contact-roles"));
    }
    let state = app::contact_roles::matrix(&user.ctx).await?;
    let person = state
        .users
        .iter()
        .find(|x| x.id.0 == u)
        .ok_or(AppError::NotFound)?;
    render::page(&CellFragment {
        status: if on { "Saved: on" } else { "Saved: off" }.into(),
        cell: cell(&state, person, role),
        warnings: warnings(&state),
        version: state.version(),
    })
}
