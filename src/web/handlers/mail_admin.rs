//! The vendor admin's mail pages: send a marketing message or a partner program update to
//! resellers of chosen partner levels, and watch the outbox (retry dead messages).

use crate::app;
use crate::db::outbox;
use crate::domain::{PageRequest, Paged, PartnerLevel};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/messages.html")]
pub struct MessagesPage {
    pub chrome: Chrome,
    pub form: MessageForm,
    pub levels: Vec<PartnerLevel>,
    pub errors: FieldErrors,
}

impl MessagesPage {
    pub fn level_checked(&self, l: &PartnerLevel) -> bool {
        self.form.levels.iter().any(|x| x == l.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub levels: Vec<String>,
    /// "1" when the distributors receive it too.
    #[serde(default)]
    pub distributors: Option<String>,
    /// Made when the form is shown: sending the same form twice mails once.
    #[serde(default)]
    pub message_key: String,
}

pub async fn form(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("send messages or see the outbox")
        .await?;
    let form = MessageForm {
        kind: "marketing".into(),
        levels: PartnerLevel::ALL
            .iter()
            .map(|l| l.as_str().to_string())
            .collect(),
        distributors: Some("1".into()),
        message_key: Alphanumeric.sample_string(&mut rand::thread_rng(), 24),
        ..MessageForm::default()
    };
    let chrome = Chrome::new(&user, "/admin/messages", "Messages to the channel")?;
    render::page(&MessagesPage {
        chrome,
        form,
        levels: PartnerLevel::ALL.to_vec(),
        errors: FieldErrors::default(),
    })
}

pub async fn send(
    user: CurrentUser,
    form: CsrfForm<MessageForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("send messages or see the outbox")
        .await?;
    let form = form.0;
    let input = app::messages::NewMessage {
        kind: form.kind.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
        levels: form.levels.clone(),
        distributors: form.distributors.is_some(),
        message_key: form.message_key.clone(),
    };
    match app::messages::send(&user.ctx, input).await {
        Ok(q) => {
            user.session.flash(
                "success",
                format!(
                    "Queued “{}” for {} at {} and {}. See the outbox for delivery.",
                    q.subject,
                    crate::domain::paging::counted(q.people, "person", "people"),
                    crate::domain::paging::counted(q.resellers, "reseller", "resellers"),
                    crate::domain::paging::counted(q.distributors, "distributor", "distributors")
                ),
            )?;
            Ok(render::see_other("/admin/outbox"))
        }
        Err(app::Error::Invalid(errors)) => {
            let chrome = Chrome::new(&user, "/admin/messages", "Messages to the channel")?;
            render::invalid(&MessagesPage {
                chrome,
                form,
                levels: PartnerLevel::ALL.to_vec(),
                errors,
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/outbox.html")]
pub struct OutboxPage {
    pub chrome: Chrome,
    pub status: String,
    pub q: String,
    pub counts: Vec<(String, i64)>,
    pub list: Paged<outbox::Mail>,
}

#[derive(Deserialize)]
pub struct StatusFilter {
    status: Option<String>,
}

pub async fn outbox_page(
    user: CurrentUser,
    query: web::Query<PageRequest>,
    filter: web::Query<StatusFilter>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("send messages or see the outbox")
        .await?;
    let status = filter
        .status
        .clone()
        .filter(|s| ["queued", "sending", "sent", "dead"].contains(&s.as_str()))
        .unwrap_or_default();
    let list = outbox::list(&user.state.db.pool, &status, &query).await?;
    let page = OutboxPage {
        chrome: Chrome::new(&user, "/admin/outbox", "Outbox")?,
        q: query.query().unwrap_or("").to_string(),
        counts: outbox::counts(&user.state.db.pool).await?,
        status,
        list,
    };
    render::page(&page)
}

pub async fn retry(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("send messages or see the outbox")
        .await?;
    app::messages::retry(&user.ctx, *path).await?;
    user.session.flash(
        "success",
        "The message is queued again and goes out with the next delivery run.",
    )?;
    Ok(render::see_other("/admin/outbox?status=queued"))
}
