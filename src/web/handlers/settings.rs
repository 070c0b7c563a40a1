//! The vendor admin's time limits and reminders (lead inactivity, the lead reminder and the
//! renewal reminder days) and the vendor's time zone.

use crate::app;
use crate::app::settings::{Input, TimeLimits};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub lead_days: String,
    #[serde(default)]
    pub lead_reminder_days: String,
    #[serde(default)]
    pub renewal_days: String,
    #[serde(default)]
    pub time_zone: String,
}

impl From<&TimeLimits> for SettingsForm {
    fn from(t: &TimeLimits) -> Self {
        SettingsForm {
            lead_days: t.leads.days.to_string(),
            lead_reminder_days: t.leads.reminder_days.to_string(),
            renewal_days: t.renewals.to_string(),
            time_zone: t.zone.name().to_string(),
        }
    }
}

impl SettingsPage {
    /// Every zone name, for the field's suggestions.
    pub fn zones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
    }
}

#[derive(Template)]
#[template(path = "pages/settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub form: SettingsForm,
    pub errors: FieldErrors,
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let current = app::settings::load(&user.ctx).await?;
    render::page(&SettingsPage {
        chrome: Chrome::new(
            &user,
            "/admin/settings",
            "Time limits, reminders and time zone",
        )?,
        form: SettingsForm::from(&current),
        errors: FieldErrors::default(),
    })
}

pub async fn save(
    user: CurrentUser,
    form: CsrfForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let input = Input {
        lead_days: form.lead_days.clone(),
        lead_reminder_days: form.lead_reminder_days.clone(),
        renewal_days: form.renewal_days.clone(),
        time_zone: form.time_zone.clone(),
    };
    match app::settings::save(&user.ctx, &input).await {
        Ok(saved) => {
            // This process follows at once; the others within seconds.
            user.state.clock.set_zone(saved.zone);
            user.session.flash(
                "success",
                format!(
                    "Saved: a partner's own lead expires after more than {} without activity, with a reminder {} before; renewal reminders go out {} before a subscription ends. Dates and times follow {}: today is {} there.",
                    crate::domain::paging::counted(saved.leads.days, "day", "days"),
                    crate::domain::paging::counted(saved.leads.reminder_days, "day", "days"),
                    saved.renewals.in_words(),
                    saved.zone.name(),
                    user.state.clock.today()
                ),
            )?;
            Ok(render::see_other("/admin/settings"))
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&SettingsPage {
            chrome: Chrome::new(
                &user,
                "/admin/settings",
                "Time limits, reminders and time zone",
            )?,
            form,
            errors,
        }),
        Err(e) => Err(e.into()),
    }
}
