//! The vendor admin schedules maintenance windows (times in UTC).

use crate::app;
use crate::db::maintenance::{self, Window, SECTIONS};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/maintenance.html")]
pub struct MaintenancePage {
    pub chrome: Chrome,
    pub windows: Vec<Window>,
    pub sections: Vec<(&'static str, &'static str)>,
    pub form: WindowForm,
    pub errors: FieldErrors,
    pub now: i64,
    /// The vendor's time zone, in which the times are typed.
    pub zone: &'static str,
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

impl MaintenancePage {
    /// "Starts (Europe/Berlin)".
    pub fn label(&self, what: &str) -> String {
        format!("{what} ({})", self.zone)
    }
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
        zone: user.ctx.zone.name(),
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("schedule maintenance windows")
        .await?;
    render::page(&view(&user, WindowForm::default(), FieldErrors::default()).await?)
}

pub async fn create(
    user: CurrentUser,
    form: CsrfForm<WindowForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("schedule maintenance windows")
        .await?;
    let form = form.0;
    let input = app::maintenance::NewWindow {
        starts: form.starts.clone(),
        ends: form.ends.clone(),
        message: form.message.clone(),
        sections: form.sections.clone(),
    };
    let scheduled = app::maintenance::schedule(&user.ctx, &input).await;
    user.state.windows.forget();
    match scheduled {
        Ok(()) => {
            user.session
                .flash("success", "The maintenance window is scheduled.")?;
            Ok(render::see_other("/admin/maintenance"))
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&view(&user, form, errors).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    confirm: String,
}

/// What cancelling `window` does at `now`: the question, and a sentence per consequence.
fn cancelling(window: &crate::db::maintenance::Window, now: i64) -> (String, Vec<String>) {
    let running = window.starts_at <= now;
    let question = if running {
        "Cancel the running maintenance window?".to_string()
    } else {
        format!(
            "Cancel the maintenance window from {}?",
            window.from_label()
        )
    };
    let mut consequences = vec![format!(
        "The window from {} until {} is removed{}.",
        window.from_label(),
        window.until_label(),
        if running { " and ends now" } else { "" }
    )];
    if running {
        consequences.push(format!(
            "{} open again at once; the banner goes away for everyone.",
            window.sections_label()
        ));
        consequences.push(
            "Orders waiting for the window are processed with the next run of order processing."
                .into(),
        );
    } else {
        consequences.push("Nothing is paused at the times it would have covered.".into());
    }
    (question, consequences)
}

/// Cancels a window that has not ended: asked first, saying what it does.
pub async fn delete(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<CancelForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("schedule maintenance windows")
        .await?;
    if !crate::web::confirm::confirmed(&form.0.confirm) {
        let now = user.state.clock.timestamp();
        let window = crate::db::maintenance::all(&user.state.db.pool)
            .await?
            .into_iter()
            .find(|w| w.id == *path && w.ends_at > now)
            .ok_or(AppError::NotFound)?;
        let (question, consequences) = cancelling(&window, now);
        return crate::web::confirm::page(
            Chrome::new(&user, "/admin/maintenance", question.clone())?,
            crate::web::confirm::Confirm {
                question,
                consequences,
                quoted: vec![("Its message".to_string(), window.message.clone())],
                action: format!("/admin/maintenance/{}/delete", window.id),
                fields: Vec::new(),
                button: "Yes, cancel the window".into(),
                back: ("Maintenance windows".into(), "/admin/maintenance".into()),
            },
        );
    }
    app::maintenance::cancel(&user.ctx, *path).await?;
    user.state.windows.forget();
    user.session.flash(
        "success",
        "The maintenance window is cancelled; waiting orders are processed with the next run.",
    )?;
    Ok(render::see_other("/admin/maintenance"))
}
