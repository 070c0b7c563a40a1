//! The vendor admin schedules maintenance windows (times in UTC).

use crate::clock::format_timestamp;
use crate::db::audit;
use crate::db::maintenance::{self, Window, SECTIONS};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{required_text, FieldErrors};
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

async fn require_vendor_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.is_vendor_admin(), "schedule maintenance windows")
        .await
}

impl Window {
    pub fn from_label(&self) -> String {
        format_timestamp(self.starts_at)
    }
    pub fn until_label(&self) -> String {
        format_timestamp(self.ends_at)
    }
    pub fn sections_label(&self) -> String {
        let names: Vec<&str> = SECTIONS
            .iter()
            .filter(|(k, _)| self.closes(k))
            .map(|(_, label)| *label)
            .collect();
        if names.is_empty() {
            "none (banner only; orders wait)".into()
        } else {
            names.join(", ")
        }
    }
}

#[derive(Template)]
#[template(path = "pages/maintenance.html")]
pub struct MaintenancePage {
    pub chrome: Chrome,
    pub windows: Vec<Window>,
    pub sections: Vec<(&'static str, &'static str)>,
    pub form: WindowForm,
    pub errors: FieldErrors,
    pub now: i64,
}

impl MaintenancePage {
    pub fn checked(&self, key: &str) -> bool {
        self.form.sections.iter().any(|s| s == key)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub sections: Vec<String>,
}

async fn view(
    user: &CurrentUser,
    form: WindowForm,
    errors: FieldErrors,
) -> Result<MaintenancePage, AppError> {
    Ok(MaintenancePage {
        chrome: Chrome::new(user, "/admin/maintenance", "Maintenance windows")?,
        windows: maintenance::all(&user.state.db.pool).await?,
        sections: SECTIONS.to_vec(),
        form,
        errors,
        now: user.now(),
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    render::page(&view(&user, WindowForm::default(), FieldErrors::default()).await?)
}

fn when(value: &str, field: &str, errors: &mut FieldErrors) -> Option<i64> {
    let parsed = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M"));
    match parsed {
        Ok(t) => Some(t.and_utc().timestamp()),
        Err(_) => {
            errors.add(field, "Enter the date and time (UTC) as YYYY-MM-DD HH:MM.");
            None
        }
    }
}

pub async fn create(
    user: CurrentUser,
    form: CsrfForm<WindowForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let form = form.0;
    let mut errors = FieldErrors::default();
    let starts = when(&form.starts, "starts", &mut errors);
    let ends = when(&form.ends, "ends", &mut errors);
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            errors.add("ends", "The window must end after it starts.");
        } else if e <= user.now() {
            errors.add("ends", "This window would already be over.");
        }
    }
    let message = required_text(
        &mut errors,
        "message",
        &form.message,
        "the message people see",
        300,
    );
    let sections: Vec<String> = form
        .sections
        .iter()
        .filter(|s| SECTIONS.iter().any(|(k, _)| k == s))
        .cloned()
        .collect();
    let (Some(starts), Some(ends), true) = (starts, ends, errors.is_empty()) else {
        return render::invalid(&view(&user, form, errors).await?);
    };
    let mut tx = user.state.db.pool.begin().await?;
    maintenance::insert(
        &mut tx,
        starts,
        ends,
        &message,
        &sections,
        Some(user.id.0),
        user.now(),
    )
    .await?;
    let detail = format!(
        "{} to {}; closes {}",
        format_timestamp(starts),
        format_timestamp(ends),
        sections.join(",")
    );
    audit::record(
        &mut *tx,
        &user.actor(),
        "maintenance_scheduled",
        &message,
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session
        .flash("success", "The maintenance window is scheduled.")?;
    Ok(render::see_other("/admin/maintenance"))
}

pub async fn delete(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let mut tx = user.state.db.pool.begin().await?;
    if !maintenance::delete_unfinished(&mut tx, *path, user.now()).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        "maintenance_cancelled",
        &path.to_string(),
        "",
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        "The maintenance window is cancelled; waiting orders are processed with the next run.",
    )?;
    Ok(render::see_other("/admin/maintenance"))
}
