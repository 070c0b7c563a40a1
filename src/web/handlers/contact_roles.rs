//! Contact roles: an organisation's admin chooses who receives which notices (a matrix of
//! active users × roles, saved one checkbox at a time through htmx or as a whole form);
//! other users see the roles they hold.

use crate::db::{audit, contact_roles, users};
use crate::domain::contact::ContactRole;
use crate::domain::{OrgKind, PageRequest, UserId};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

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

struct State {
    users: Vec<users::User>,
    held: BTreeSet<(i64, ContactRole)>,
    roles: Vec<ContactRole>,
}

async fn load(user: &CurrentUser) -> Result<State, AppError> {
    let pool = &user.state.db.pool;
    let all = users::list_in_org(
        pool,
        user.org_id,
        &PageRequest {
            q: None,
            page: None,
        },
    )
    .await?;
    let mut people = all.items;
    // More than one page of users: fetch the rest.
    let mut page = 1;
    while (people.len() as i64) < all.total {
        page += 1;
        let more = users::list_in_org(
            pool,
            user.org_id,
            &PageRequest {
                q: None,
                page: Some(page),
            },
        )
        .await?;
        if more.items.is_empty() {
            break;
        }
        people.extend(more.items);
    }
    people.retain(|u| !u.disabled);
    let held = contact_roles::assignments(pool, user.org_id)
        .await?
        .into_iter()
        .map(|(u, r)| (u.0, r))
        .collect();
    Ok(State {
        users: people,
        held,
        roles: ContactRole::for_kind(user.org_kind).to_vec(),
    })
}

/// A fingerprint of the assignments, so a whole-form save can tell it is stale.
fn version(held: &BTreeSet<(i64, ContactRole)>) -> String {
    let text: Vec<String> = held
        .iter()
        .map(|(u, r)| format!("{u}:{}", r.as_str()))
        .collect();
    Sha256::digest(text.join(",").as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn warnings(state: &State) -> Vec<String> {
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

fn cell(state: &State, u: &users::User, role: ContactRole) -> Cell {
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
    check_org(&user)?;
    let state = load(&user).await?;
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
    let page = ContactRolesPage {
        chrome: Chrome::new(&user, "/contact-roles", "Contact roles")?,
        editable,
        roles: state.roles.clone(),
        rows,
        warnings: warnings(&state),
        version: version(&state.held),
        mine,
    };
    render::page(&page)
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

/// A `user:role` value of the form, checked against the organisation's active users.
fn parse_pair(state: &State, value: &str) -> Result<(i64, ContactRole), AppError> {
    let bad = || {
        AppError::BadRequest(format!(
            "“{value}” is not a user and contact role of your organisation. Nothing was changed."
        ))
    };
    let (u, r) = value.split_once(':').ok_or_else(bad)?;
    let u: i64 = u.parse().map_err(|_| bad())?;
    let r = ContactRole::parse(r)
        .filter(|r| state.roles.contains(r))
        .ok_or_else(bad)?;
    if !state.users.iter().any(|x| x.id.0 == u) {
        return Err(bad());
    }
    Ok((u, r))
}

async fn apply(
    user: &CurrentUser,
    state: &State,
    changes: &[(i64, ContactRole, bool)],
) -> Result<(), AppError> {
    let mut tx = user.state.db.pool.begin().await?;
    for (u, role, on) in changes {
        let Some(before) = contact_roles::set(&mut tx, user.org_id, UserId(*u), *role, *on).await?
        else {
            return Err(AppError::NotFound);
        };
        if before != *on {
            let who = state
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
                &user.actor(),
                "contact_role_changed",
                who,
                &detail,
                user.now(),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The whole matrix, as a plain form (JavaScript off). A form opened before someone else
/// changed the roles is refused, so nobody overwrites what they did not see.
pub async fn save_matrix(
    user: CurrentUser,
    form: CsrfForm<MatrixForm>,
) -> Result<HttpResponse, AppError> {
    check_org(&user)?;
    user.require(user.role.manages_own_users(), "change contact roles")
        .await?;
    let form = form.0;
    let state = load(&user).await?;
    if form.version != version(&state.held) {
        return Err(AppError::Conflict(
            "The contact roles were changed by someone else after you opened the page. Nothing was saved; \
             reload the page to see the current roles and make your change again."
                .into(),
        ));
    }
    let wanted: BTreeSet<(i64, ContactRole)> = form
        .held
        .iter()
        .map(|v| parse_pair(&state, v))
        .collect::<Result<_, _>>()?;
    let mut changes = Vec::new();
    for u in &state.users {
        for r in &state.roles {
            let key = (u.id.0, *r);
            if wanted.contains(&key) != state.held.contains(&key) {
                changes.push((u.id.0, *r, wanted.contains(&key)));
            }
        }
    }
    apply(&user, &state, &changes).await?;
    let n = changes.len();
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
    user.require(user.role.manages_own_users(), "change contact roles")
        .await?;
    let form = form.0;
    let state = load(&user).await?;
    let pair = format!(
        "{}:{}",
        form.user_id.unwrap_or_default(),
        form.role.unwrap_or_default()
    );
    let (u, role) = parse_pair(&state, &pair)?;
    let on = form.held.contains(&pair);
    apply(&user, &state, &[(u, role, on)]).await?;
    if !htmx.request {
        return Ok(render::see_other("/contact-roles"));
    }
    let state = load(&user).await?;
    let person = state
        .users
        .iter()
        .find(|x| x.id.0 == u)
        .ok_or(AppError::NotFound)?;
    let fragment = CellFragment {
        status: if on {
            "Saved: on".into()
        } else {
            "Saved: off".into()
        },
        cell: cell(&state, person, role),
        warnings: warnings(&state),
        version: version(&state.held),
    };
    render::page(&fragment)
}
