//! An organisation's admin registers webhook endpoints for its own systems, chooses their
//! events, tries them with a test event, rotates their signing secret, and watches (and
//! retries) their deliveries.

use crate::app;
use crate::app::webhooks::EndpointInput;
use crate::clock::format_timestamp;
use crate::db::webhooks::{Delivery, Endpoint};
use crate::domain::webhook::{EventType, SIGNATURE_HEADER};
use crate::domain::Paged;
use crate::web::chrome::Chrome;
use crate::web::confirm::{confirmed, Confirm};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The form of an endpoint, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct EndpointForm {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub events: Vec<String>,
}

impl EndpointForm {
    fn input(&self) -> EndpointInput {
        EndpointInput {
            url: self.url.clone(),
            description: self.description.clone(),
            events: self.events.clone(),
        }
    }

    pub fn ticked(&self, e: &EventType) -> bool {
        self.events.iter().any(|t| t == e.as_str())
    }

    fn of(endpoint: &Endpoint) -> EndpointForm {
        EndpointForm {
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            events: endpoint
                .events
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/webhooks.html")]
pub struct WebhooksPage {
    pub chrome: Chrome,
    pub endpoints: Vec<Endpoint>,
    pub form: EndpointForm,
    pub events: Vec<EventType>,
    pub errors: FieldErrors,
    pub header: &'static str,
}

#[derive(Template)]
#[template(path = "pages/webhook.html")]
pub struct WebhookPage {
    pub chrome: Chrome,
    pub endpoint: Endpoint,
    pub form: EndpointForm,
    pub events: Vec<EventType>,
    pub errors: FieldErrors,
    /// The signing secret just made: shown this once.
    pub secret: Option<String>,
    pub deliveries: Paged<Delivery>,
    pub status: String,
    pub now: i64,
    pub header: &'static str,
}

impl WebhookPage {
    pub fn previous_until(&self) -> Option<String> {
        self.endpoint
            .previous_until
            .filter(|t| *t > self.now)
            .map(format_timestamp)
    }
}

impl Endpoint {
    pub fn event_labels(&self) -> String {
        self.events
            .iter()
            .map(|e| e.label())
            .collect::<Vec<_>>()
            .join("; ")
    }
    pub fn last_label(&self) -> String {
        match &self.last {
            Some((status, at)) => format!("{} {}", status_word(status), format_timestamp(*at)),
            None => "No event yet".into(),
        }
    }
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
}

/// A delivery's status in words.
fn status_word(status: &str) -> &'static str {
    match status {
        "queued" => "Waiting",
        "sending" => "Being sent",
        "delivered" => "Delivered",
        "dead" => "Failed, not retried",
        _ => "Unknown",
    }
}

impl Delivery {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn status_label(&self) -> &'static str {
        status_word(&self.status)
    }
    pub fn event_label(&self) -> &'static str {
        EventType::parse(&self.event_type)
            .map(EventType::label)
            .unwrap_or("An event")
    }
    /// "Next try 2 Mar 2026 09:01" for a waiting one, "2 Mar 2026 09:00" for a delivered one.
    pub fn when_label(&self) -> String {
        match (self.status.as_str(), self.delivered_at) {
            ("queued", _) => format!("Next try {}", format_timestamp(self.next_attempt_at)),
            ("delivered", Some(at)) => format!("Delivered {}", format_timestamp(at)),
            _ => String::new(),
        }
    }
    pub fn answer(&self) -> String {
        match (&self.last_error, self.last_status) {
            (Some(e), _) => e.clone(),
            (None, Some(s)) => format!("HTTP {s}"),
            (None, None) => String::new(),
        }
    }
    pub fn retryable(&self) -> bool {
        self.status == "dead" || self.status == "delivered"
    }
}

async fn list_page(
    user: &CurrentUser,
    form: EndpointForm,
    errors: FieldErrors,
) -> Result<WebhooksPage, AppError> {
    Ok(WebhooksPage {
        chrome: Chrome::new(user, "/webhooks", "Webhooks")?,
        endpoints: app::webhooks::list(&user.ctx).await?,
        form,
        events: EventType::CHOSEN.to_vec(),
        errors,
        header: SIGNATURE_HEADER,
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let form = EndpointForm {
        events: EventType::CHOSEN
            .iter()
            .map(|e| e.as_str().to_string())
            .collect(),
        ..EndpointForm::default()
    };
    render::page(&list_page(&user, form, FieldErrors::default()).await?)
}

pub async fn register(
    user: CurrentUser,
    form: CsrfForm<EndpointForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    match app::webhooks::register(&user.ctx, &form.input()).await {
        // The secret is shown once, on this response; never put in a redirect.
        Ok((id, secret)) => {
            let page = endpoint_page(&user, id, &ShownQuery::default()).await?;
            render::page(&WebhookPage {
                secret: Some(secret),
                ..page
            })
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&list_page(&user, form, errors).await?),
        Err(e) => Err(e.into()),
    }
}

/// The deliveries shown: a status ("" for all) and a page.
#[derive(Debug, Default, Deserialize)]
pub struct ShownQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "crate::domain::paging::lenient_page")]
    pub page: Option<i64>,
}

async fn endpoint_page(
    user: &CurrentUser,
    id: i64,
    shown: &ShownQuery,
) -> Result<WebhookPage, AppError> {
    let page = shown.page.unwrap_or(1).max(1);
    let (endpoint, deliveries) = app::webhooks::show(&user.ctx, id, &shown.status, page).await?;
    let status = match shown.status.as_str() {
        "queued" | "sending" | "delivered" | "dead" => shown.status.clone(),
        _ => String::new(),
    };
    Ok(WebhookPage {
        chrome: Chrome::new(user, "/webhooks", endpoint.url.clone())?,
        form: EndpointForm::of(&endpoint),
        endpoint,
        events: EventType::CHOSEN.to_vec(),
        errors: FieldErrors::default(),
        secret: None,
        deliveries,
        status,
        now: user.state.clock.timestamp(),
        header: SIGNATURE_HEADER,
    })
}

pub async fn show(
    user: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<ShownQuery>,
) -> Result<HttpResponse, AppError> {
    render::page(&endpoint_page(&user, *path, &query).await?)
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<EndpointForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let form = form.0;
    match app::webhooks::update(&user.ctx, id, &form.input()).await {
        Ok(()) => {
            user.session.flash(
                "success",
                "The endpoint is saved; new events go to it as it is now.",
            )?;
            Ok(render::see_other(&format!("/webhooks/{id}")))
        }
        Err(app::Error::Invalid(errors)) => {
            let page = endpoint_page(&user, id, &ShownQuery::default()).await?;
            render::invalid(&WebhookPage {
                form,
                errors,
                ..page
            })
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn test(
    user: CurrentUser,
    path: web::Path<i64>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    app::webhooks::ping(&user.ctx, id).await?;
    user.session.flash(
        "success",
        "A test event is queued: it goes out within a few seconds and shows in the list below.",
    )?;
    Ok(render::see_other(&format!("/webhooks/{id}")))
}

/// `confirm=yes` once the person has read what happens.
#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirm: String,
}

/// The binding actions on an endpoint, asked about first.
#[derive(Clone, Copy)]
enum Binding {
    Rotate,
    Delete,
}

impl Binding {
    fn action(self) -> &'static str {
        match self {
            Binding::Rotate => "rotate",
            Binding::Delete => "delete",
        }
    }
    fn question(self) -> &'static str {
        match self {
            Binding::Rotate => "Give this endpoint a new signing secret?",
            Binding::Delete => "Delete this webhook endpoint?",
        }
    }
    fn consequences(self) -> [&'static str; 2] {
        match self {
            Binding::Rotate => [
                "A new secret is made and shown to you once: put it into the receiving system.",
                "For the next 24 hours every delivery carries two signatures, one with the new secret and one with the old, so nothing is refused while you switch; then only the new secret signs.",
            ],
            Binding::Delete => [
                "No more events are sent to this address; deliveries waiting or failed are dropped with it.",
                "This cannot be undone: to receive events again, add the address anew (with a new secret).",
            ],
        }
    }
    fn button(self) -> &'static str {
        match self {
            Binding::Rotate => "Yes, make a new secret",
            Binding::Delete => "Yes, delete it",
        }
    }
}

/// The page that asks before rotating or deleting (the endpoint must be the organisation's).
async fn ask(user: &CurrentUser, id: i64, binding: Binding) -> Result<HttpResponse, AppError> {
    let (_, endpoint) = app::webhooks::own_endpoint(&user.ctx, id).await?;
    let question = binding.question();
    crate::web::confirm::page(
        Chrome::new(user, "/webhooks", question)?,
        Confirm {
            question: question.into(),
            consequences: binding.consequences().map(String::from).to_vec(),
            quoted: vec![("Endpoint".into(), endpoint.url.clone())],
            action: format!("/webhooks/{id}/{}", binding.action()),
            fields: Vec::new(),
            button: binding.button().into(),
            back: (endpoint.url, format!("/webhooks/{id}")),
        },
    )
}

pub async fn rotate(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    if !confirmed(&form.0.confirm) {
        return ask(&user, id, Binding::Rotate).await;
    }
    let secret = app::webhooks::rotate(&user.ctx, id).await?;
    let page = endpoint_page(&user, id, &ShownQuery::default()).await?;
    render::page(&WebhookPage {
        secret: Some(secret),
        ..page
    })
}

pub async fn delete(
    user: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    if !confirmed(&form.0.confirm) {
        return ask(&user, id, Binding::Delete).await;
    }
    let url = app::webhooks::delete(&user.ctx, id).await?;
    user.session
        .flash("success", format!("The endpoint {url} is deleted."))?;
    Ok(render::see_other("/webhooks"))
}

pub async fn retry(
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    match app::webhooks::retry(&user.ctx, id, delivery).await {
        Ok(()) => user.session.flash(
            "success",
            "The event is queued again and goes out within a few seconds.",
        )?,
        Err(app::Error::Conflict(message)) => user.session.flash("error", message)?,
        Err(e) => return Err(e.into()),
    }
    Ok(render::see_other(&format!("/webhooks/{id}")))
}
