//! Webhooks: an organisation's admins register the addresses of their systems and choose the
//! events each takes; the use cases that change a record call [`emit`] inside their own
//! transaction, so an event is queued exactly when its change is stored. The webhook worker
//! (`crate::webhooks`) delivers them, signed, with the mail outbox's retry schedule.

use super::{Ctx, Error};
use crate::db::webhooks as store;
use crate::domain::field_errors::FieldErrors;
use crate::domain::webhook::{check_url, EventType, ROTATION_OVERLAP_SECS};
use crate::domain::{AccessRole, OrgId, Paged};
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use sqlx::AnyConnection;

pub const MAX_DESCRIPTION: usize = 200;
/// The most endpoints one organisation may register.
pub const MAX_ENDPOINTS: usize = 10;

async fn admin_org(ctx: &Ctx) -> Result<OrgId, Error> {
    ctx.require(
        ctx.role.is_some_and(AccessRole::manages_own_users),
        "manage webhooks",
    )
    .await?;
    ctx.org.ok_or(Error::Forbidden)
}

/// An endpoint as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    /// The events ticked ([`EventType::as_str`]).
    pub events: Vec<String>,
}

/// The address and events checked, or the messages for the form.
fn checked(input: &EndpointInput) -> Result<(String, String, Vec<EventType>), Error> {
    let mut errors = FieldErrors::default();
    let url = check_url(&input.url).unwrap_or_else(|message| {
        errors.add("url", message);
        String::new()
    });
    let description = input.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add(
            "description",
            format!("Keep the description to {MAX_DESCRIPTION} characters."),
        );
    }
    let events: Vec<EventType> = EventType::CHOSEN
        .into_iter()
        .filter(|e| input.events.iter().any(|t| t.trim() == e.as_str()))
        .collect();
    if events.is_empty() {
        errors.add("events", "Tick at least one event to send to this address.");
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok((url, description, events))
}

/// A new signing secret: `whsec_` and 32 letters and digits (about 190 bits).
fn new_secret() -> String {
    format!(
        "whsec_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
    )
}

/// The organisation's endpoints.
pub async fn list(ctx: &Ctx) -> Result<Vec<store::Endpoint>, Error> {
    let org = admin_org(ctx).await?;
    Ok(store::list_in_org(&ctx.db.pool, org).await?)
}

/// Registers an endpoint; returns its id and its signing secret, which is shown this once.
pub async fn register(ctx: &Ctx, input: &EndpointInput) -> Result<(i64, String), Error> {
    let org = admin_org(ctx).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let (url, description, events) = checked(input)?;
    let pool = &ctx.db.pool;
    if store::list_in_org(pool, org).await?.len() >= MAX_ENDPOINTS {
        return Err(Error::invalid(
            "url",
            format!("Your organisation has {MAX_ENDPOINTS} endpoints, the most it may have: delete one it no longer uses first."),
        ));
    }
    let secret = new_secret();
    let new = store::NewEndpoint {
        org,
        url: &url,
        description: &description,
        events: &events,
        secret: &secret,
        by: user,
    };
    let id = store::insert(pool, &new, ctx.now).await?;
    crate::db::audit::record(pool, &ctx.actor, "webhook_registered", &url, "", ctx.now).await?;
    Ok((id, secret))
}

/// One of the caller's organisation's endpoints (for its admins), with the organisation;
/// another organisation's is not found.
pub async fn own_endpoint(ctx: &Ctx, id: i64) -> Result<(OrgId, store::Endpoint), Error> {
    let org = admin_org(ctx).await?;
    let endpoint = store::get_in_org(&ctx.db.pool, org, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((org, endpoint))
}

/// One of the organisation's endpoints with a page of its deliveries (`status` "" for all).
pub async fn show(
    ctx: &Ctx,
    id: i64,
    status: &str,
    page: i64,
) -> Result<(store::Endpoint, Paged<store::Delivery>), Error> {
    let (_, endpoint) = own_endpoint(ctx, id).await?;
    let pool = &ctx.db.pool;
    let status = match status {
        "queued" | "sending" | "delivered" | "dead" => status,
        _ => "",
    };
    let deliveries = store::deliveries(pool, id, status, page).await?;
    Ok((endpoint, deliveries))
}

/// Changes an endpoint's address, description and events.
pub async fn update(ctx: &Ctx, id: i64, input: &EndpointInput) -> Result<(), Error> {
    let (org, _) = own_endpoint(ctx, id).await?;
    let pool = &ctx.db.pool;
    let (url, description, events) = checked(input)?;
    if !store::update_in_org(pool, org, id, &url, &description, &events).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(pool, &ctx.actor, "webhook_changed", &url, "", ctx.now).await?;
    Ok(())
}

/// Gives the endpoint a new signing secret (returned, shown once); the old one keeps signing
/// beside it for a day, so the receiver can switch without losing an event.
pub async fn rotate(ctx: &Ctx, id: i64) -> Result<String, Error> {
    let (org, endpoint) = own_endpoint(ctx, id).await?;
    let pool = &ctx.db.pool;
    let secret = new_secret();
    let until = ctx.now + ROTATION_OVERLAP_SECS;
    if !store::rotate_in_org(pool, org, id, &secret, until, ctx.now).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(
        pool,
        &ctx.actor,
        "webhook_secret_rotated",
        &endpoint.url,
        "",
        ctx.now,
    )
    .await?;
    Ok(secret)
}

/// Deletes an endpoint with its deliveries; returns its address.
pub async fn delete(ctx: &Ctx, id: i64) -> Result<String, Error> {
    let (org, endpoint) = own_endpoint(ctx, id).await?;
    let pool = &ctx.db.pool;
    if !store::delete_in_org(pool, org, id).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(
        pool,
        &ctx.actor,
        "webhook_deleted",
        &endpoint.url,
        "",
        ctx.now,
    )
    .await?;
    Ok(endpoint.url)
}

/// Sends a dead (or delivered) delivery again, now, with a fresh round of attempts.
pub async fn retry(ctx: &Ctx, endpoint: i64, delivery: i64) -> Result<(), Error> {
    let (org, _) = own_endpoint(ctx, endpoint).await?;
    let pool = &ctx.db.pool;
    if store::retry_in_org(pool, org, endpoint, delivery, ctx.now).await? {
        Ok(())
    } else {
        Err(Error::Conflict(
            "This delivery is on its way already (or no longer exists); the list shows where it is now.".into(),
        ))
    }
}

/// Queues a test event (`ping`) to one endpoint, to try the receiver.
pub async fn ping(ctx: &Ctx, id: i64) -> Result<(), Error> {
    let (_, endpoint) = own_endpoint(ctx, id).await?;
    let pool = &ctx.db.pool;
    let event_id = new_event_id();
    let payload = envelope(
        &event_id,
        EventType::Ping,
        ctx.now,
        &PingEventData {
            endpoint: endpoint.url.clone(),
        },
    );
    let mut conn = pool.acquire().await?;
    store::enqueue(
        &mut conn,
        &store::NewDelivery {
            endpoint: id,
            dedupe_key: &format!("ping:{event_id}:{id}"),
            event_id: &event_id,
            event: EventType::Ping,
            payload: &payload,
        },
        ctx.now,
    )
    .await?;
    Ok(())
}

/// The `data` of `order.placed` and `order.processed`: the order as the API lists it and,
/// once processed, the schedule entries it created.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderEventData {
    pub order: super::shapes::OrderJson,
    /// In `order.processed` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<super::shapes::ScheduleEntryJson>>,
}

/// The `data` of `inquiry.submitted` and `quote.sent`: the inquiry as the API lists it and
/// the quote sent.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InquiryEventData {
    pub inquiry: super::shapes::InquiryJson,
    /// In `quote.sent` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<QuoteSummary>,
}

/// The `data` of `renewal.reminder`: the entries whose reminder went out to the organisation
/// (a reseller's all, a distributor's those it sold).
#[derive(Serialize, utoipa::ToSchema)]
pub struct RenewalEventData {
    pub entries: Vec<RenewalDue>,
}

/// The `data` of `ping`, the test event sent from the endpoint's page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PingEventData {
    /// The address it was sent to.
    pub endpoint: String,
}

/// An event as a use case tells of it.
pub struct Event<'a, T: Serialize> {
    pub event: EventType,
    /// What happened to which record ("order:17:placed"): an event is queued to an endpoint
    /// once, however often the change is told.
    pub key: &'a str,
    /// The organisations the record belongs to.
    pub orgs: &'a [OrgId],
    /// Whether the vendor's endpoints hear it too (they hear every record once).
    pub vendor: bool,
    /// The event's `data`.
    pub data: &'a T,
}

/// The event's id: `evt_` and 24 letters and digits, the same on every attempt and every
/// endpoint, for the receiver's dedupe.
fn new_event_id() -> String {
    format!(
        "evt_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
    )
}

/// The JSON body of a delivery: `{"id", "type", "created_at", "data"}`.
fn envelope(event_id: &str, event: EventType, now: i64, data: &impl Serialize) -> String {
    #[derive(Serialize)]
    struct Envelope<'a, T: Serialize> {
        id: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        created_at: String,
        data: &'a T,
    }
    serde_json::to_string(&Envelope {
        id: event_id,
        kind: event.as_str(),
        created_at: super::shapes::rfc3339(now),
        data,
    })
    .unwrap_or_default()
}

/// Queues the event for every endpoint that takes it, inside the caller's transaction;
/// returns how many deliveries were queued.
pub async fn emit<T: Serialize>(
    conn: &mut AnyConnection,
    e: &Event<'_, T>,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let subscribers = store::subscribers(conn, e.orgs, e.vendor, e.event).await?;
    if subscribers.is_empty() {
        return Ok(0);
    }
    let event_id = new_event_id();
    let payload = envelope(&event_id, e.event, now, e.data);
    let mut queued = 0;
    for s in subscribers {
        let delivery = store::NewDelivery {
            endpoint: s.endpoint,
            dedupe_key: &format!("{}:{}", e.key, s.endpoint),
            event_id: &event_id,
            event: e.event,
            payload: &payload,
        };
        if store::enqueue(conn, &delivery, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// A quote as its event names it: the version sent, its validity and net total. The levels
/// and notes stay behind the API (`GET /api/v1/inquiries/{id}`), which shows each reader what
/// its organisation may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteSummary {
    pub version: i64,
    pub valid_until: String,
    pub currency: String,
    pub total_net_cents: i64,
}

/// Tells the webhooks of the inquiry's reseller and distributor (and the vendor's) that it
/// was submitted or quoted: the inquiry as the API lists it, and the quote sent.
pub async fn tell_inquiry(
    conn: &mut AnyConnection,
    id: crate::domain::InquiryId,
    event: EventType,
    quote: Option<QuoteSummary>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(inquiry) = crate::db::inquiries::get_in(conn, id).await? else {
        return Ok(());
    };
    let key = match &quote {
        Some(q) => format!("inquiry:{}:quote:{}", id.0, q.version),
        None => format!("inquiry:{}:{}", id.0, event.as_str()),
    };
    let orgs = [inquiry.reseller_id, inquiry.distributor_id];
    let data = InquiryEventData {
        inquiry: super::shapes::inquiry_json(&inquiry),
        quote,
    };
    let told = Event {
        event,
        key: &key,
        orgs: &orgs,
        vendor: true,
        data: &data,
    };
    emit(conn, &told, now).await?;
    Ok(())
}

/// A schedule entry whose renewal reminder went out, as its event lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RenewalDue {
    pub entry_id: i64,
    pub end_customer_id: i64,
    pub end_customer: String,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub end_date: String,
    /// Which reminder: 90, 60 or 30 (days before the end, as the vendor set them).
    pub days_before: u32,
}

/// Tells an organisation's webhooks (and, with the reseller's, the vendor's) of the renewal
/// reminders that went out to it today: a reseller hears of all its entries, a distributor of
/// those it sold. `key` is the reminder mail's event key.
pub async fn tell_renewals(
    conn: &mut AnyConnection,
    org: OrgId,
    vendor: bool,
    key: &str,
    entries: &[&RenewalDue],
    now: i64,
) -> Result<(), sqlx::Error> {
    let key = format!("{key}:to:{}", org.0);
    let told = Event {
        event: EventType::RenewalReminder,
        key: &key,
        orgs: &[org],
        vendor,
        data: &RenewalEventData {
            entries: entries.iter().map(|e| (*e).clone()).collect(),
        },
    };
    emit(conn, &told, now).await?;
    Ok(())
}
