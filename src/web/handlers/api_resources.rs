//! The partner API's read resources (issue 17): license schedules for incremental sync, one
//! end customer's schedule, and the catalogue with its prices. Each reads through the same
//! scoped queries as the pages: a reseller's token sees its own, a distributor's its
//! resellers', the vendor's everything; another organisation's record is 404.

use super::api::{id_in, parse_on, rfc3339, ApiClient, ApiError, Page, Problems};
use crate::db::orders::{self, Entry, EntryFilter};
use crate::domain::paging::Cursor;
use crate::domain::schedule::{status_on, EntryStatus, Period};
use crate::domain::token::ApiScope;
use actix_web::web::{Path, Query};
use actix_web::HttpResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Entries one page answers unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;

/// A schedule entry as the API gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryJson {
    pub id: i64,
    pub reseller: String,
    pub end_customer_id: i64,
    pub end_customer: String,
    pub order_reference: String,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// upcoming, active, expiring (within 90 days) or expired, on the day asked.
    pub status: &'static str,
    /// When it was put on the schedule (RFC 3339, UTC); entries never change afterwards.
    pub added_at: String,
}

fn entry_json(e: &Entry, today: NaiveDate) -> EntryJson {
    let status = status_on(
        Period {
            start: e.start,
            end: e.end,
        },
        today,
    );
    EntryJson {
        id: e.id.0,
        reseller: e.reseller_name.clone(),
        end_customer_id: e.end_customer_id,
        end_customer: e.end_customer_name.clone(),
        order_reference: e.order_reference.clone(),
        sku: e.sku.clone(),
        description: e.description.clone(),
        quantity: e.quantity,
        start_date: e.start,
        end_date: e.end,
        status: status.as_str(),
        added_at: rfc3339(e.added_at),
    }
}

/// The filters of `GET /api/v1/license-schedules`, as sent.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// One end customer's entries (its id).
    #[param(value_type = Option<i64>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer: Option<String>,
    /// One reseller's entries (its id), for distributors and the vendor.
    #[param(value_type = Option<i64>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseller: Option<String>,
    /// upcoming, active, expiring (within 90 days) or expired, today.
    #[param(value_type = Option<EntryStatusName>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A product family code, e.g. EPIXAD.
    #[param(pattern = "^[A-Za-z0-9]{6}$")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Entries ending on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<chrono::NaiveDate>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_from: Option<String>,
    /// Entries ending on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<chrono::NaiveDate>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_to: Option<String>,
    /// Entries added since this time (RFC 3339; a date also works): what changed since the
    /// last sync.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_since: Option<String>,
    /// Entries a page, 1 to 500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The cursor a previous page's `next` carries.
    #[param(value_type = Option<i64>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The statuses an entry may have, as the contract names them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum EntryStatusName {
    Upcoming,
    Active,
    Expiring,
    Expired,
}

/// A parameter's value, trimmed; `None` when absent (a blank one is judged like any other).
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim)
}

fn bad(name: &str, value: &str, expected: &str) -> ApiError {
    super::api::refused(name, format!("{name}: {value:?} is not {expected}."))
}

fn id_param(name: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    given(v)
        .map(|s| {
            s.parse()
                .map_err(|_| bad(name, s, "an id (a whole number)"))
        })
        .transpose()
}

fn date_param(name: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    given(v)
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| bad(name, s, "a date (YYYY-MM-DD)"))
        })
        .transpose()
}

/// `updated_since`: an RFC 3339 time (`2026-03-01T00:00:00Z`) or a date (its start, UTC).
fn since_param(v: &Option<String>) -> Result<Option<i64>, ApiError> {
    let Some(s) = given(v) else { return Ok(None) };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.timestamp()));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc().timestamp()))
        .ok_or_else(|| {
            bad(
                "updated_since",
                s,
                "a time (RFC 3339, e.g. 2026-03-01T00:00:00Z) or a date",
            )
        })
}

impl ScheduleQuery {
    fn filter(&self) -> Result<EntryFilter, ApiError> {
        let status = match given(&self.status) {
            None => None,
            Some(s) => Some(
                [
                    EntryStatus::Upcoming,
                    EntryStatus::Active,
                    EntryStatus::Expiring,
                    EntryStatus::Expired,
                ]
                .into_iter()
                .find(|e| e.as_str() == s)
                .ok_or_else(|| bad("status", s, "upcoming, active, expiring or expired"))?,
            ),
        };
        let product = given(&self.product).map(str::to_uppercase);
        if let Some(product) = product
            .as_deref()
            .filter(|p| p.chars().count() != 6 || !p.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(bad(
                "product",
                product,
                "a product family code such as EPIXAD",
            ));
        }
        Ok(EntryFilter {
            end_customer: id_param("end_customer", &self.end_customer)?,
            reseller_id: id_param("reseller", &self.reseller)?,
            status,
            family: product.unwrap_or_default(),
            ends_from: date_param("ends_from", &self.ends_from)?,
            ends_to: date_param("ends_to", &self.ends_to)?,
            added_since: since_param(&self.updated_since)?,
            ..EntryFilter::default()
        })
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match given(&self.limit) {
            None => Ok(DEFAULT_LIMIT),
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| bad("limit", s, &format!("a number from 1 to {MAX_LIMIT}"))),
        }
    }
}

/// `GET /api/v1/license-schedules` (scope `schedules:read`): the entries in the token's
/// scope matching the filters, by end date, `limit` at a time; `next` is the address of the
/// following page. For incremental sync, `updated_since` names the time of the last sync.
#[utoipa::path(
    get,
    path = "/api/v1/license-schedules",
    tag = "Schedules",
    summary = "License schedule entries, for incremental sync",
    params(ScheduleQuery),
    responses(
        (status = 200, description = "A page of entries by end date, and the next page's address", body = Page<EntryJson>),
        Problems,
    ),
    security(("token" = ["schedules:read"]))
)]
pub async fn schedules(
    client: ApiClient,
    query: Query<ScheduleQuery>,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::SchedulesRead)?;
    let filter = query.filter()?;
    let limit = query.limit()?;
    let cursor = match id_param("after", &query.after)? {
        Some(id) => Cursor::After(id),
        None => Cursor::First,
    };
    let today = client.state.clock.today();
    let window = orders::schedule(
        &client.state.db,
        client.scope(),
        &filter,
        today,
        cursor,
        limit,
    )
    .await?;
    let next = match window.next {
        Some(Cursor::After(id)) => {
            let rest = ScheduleQuery {
                after: Some(id.to_string()),
                ..query.into_inner()
            };
            Some(format!(
                "/api/v1/license-schedules?{}",
                serde_html_form::to_string(&rest).unwrap_or_default()
            ))
        }
        _ => None,
    };
    Ok(HttpResponse::Ok().json(Page {
        items: window.items.iter().map(|e| entry_json(e, today)).collect(),
        next,
    }))
}

/// An end customer's whole schedule.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CustomerSchedule {
    pub end_customer_id: i64,
    pub end_customer: String,
    pub entries: Vec<EntryJson>,
}

/// The most entries one end customer's schedule answers at once.
const MAX_CUSTOMER_ENTRIES: usize = 5_000;

/// `GET /api/v1/end-customers/{id}/schedule` (scope `schedules:read`): every entry of one end
/// customer in the token's scope, by end date; 404 for anyone else's.
#[utoipa::path(
    get,
    path = "/api/v1/end-customers/{id}/schedule",
    tag = "Schedules",
    summary = "One end customer's license schedule",
    params(("id" = i64, Path, description = "The end customer's id")),
    responses(
        (status = 200, description = "Every entry of the end customer", body = CustomerSchedule),
        Problems,
    ),
    security(("token" = ["schedules:read"]))
)]
pub async fn customer_schedule(
    client: ApiClient,
    path: Path<String>,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::SchedulesRead)?;
    let id = id_in(&path)?;
    let pool = &client.state.db.pool;
    let name = orders::end_customer_in_scope(pool, client.scope(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let today = client.state.clock.today();
    let only = EntryFilter {
        end_customer: Some(id),
        ..EntryFilter::default()
    };
    let window = orders::schedule(
        &client.state.db,
        client.scope(),
        &only,
        today,
        Cursor::First,
        MAX_CUSTOMER_ENTRIES,
    )
    .await?;
    Ok(HttpResponse::Ok().json(CustomerSchedule {
        end_customer_id: id,
        end_customer: name,
        entries: window.items.iter().map(|e| entry_json(e, today)).collect(),
    }))
}

/// A catalogue item with its prices in the organisation's price book (minor units; absent
/// where the book has none).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemJson {
    pub family: String,
    pub family_name: String,
    pub band: String,
    pub description: String,
    pub kind: &'static str,
    pub unit: String,
    pub warranty_months: Option<u32>,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    /// Whether it may be ordered on the day asked.
    pub orderable: bool,
    pub currency: String,
    pub msrp_12_cents: Option<i64>,
    pub msrp_24_cents: Option<i64>,
    pub msrp_36_cents: Option<i64>,
    pub msrp_monthly_cents: Option<i64>,
    pub msrp_hardware_cents: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogueJson {
    pub on: NaiveDate,
    pub currency: String,
    pub items: Vec<ItemJson>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The day (YYYY-MM-DD; today when absent).
    #[param(value_type = Option<chrono::NaiveDate>)]
    on: Option<String>,
}

/// `GET /api/v1/catalogue?on=DATE` (scope `catalogue:read`): every item with its prices in
/// the price book of the organisation's currency and whether it is orderable on that day
/// (today when not given). Other terms' MSRP is `round_half_up(msrp_12 × months / 12)`.
#[utoipa::path(
    get,
    path = "/api/v1/catalogue",
    tag = "Catalogue",
    summary = "The catalogue in the organisation's price book",
    params(OnQuery),
    responses(
        (status = 200, description = "Every item, its prices and whether it is orderable that day", body = CatalogueJson),
        Problems,
    ),
    security(("token" = ["catalogue:read"]))
)]
pub async fn catalogue(client: ApiClient, query: Query<OnQuery>) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::CatalogueRead)?;
    let on = parse_on(query.on.as_deref(), &client)?;
    let currency = client.org.currency.clone();
    let snapshot = crate::db::catalogue::snapshot(&client.state.db.pool, &currency).await?;
    let mut items: Vec<ItemJson> = snapshot
        .items
        .values()
        .map(|i| {
            let p = i.price.clone().unwrap_or_default();
            ItemJson {
                family: i.family.clone(),
                family_name: i.family_name.clone(),
                band: i.band.clone(),
                description: i.description.clone(),
                kind: i.kind.as_str(),
                unit: i.unit.clone(),
                warranty_months: i.warranty_months,
                active_from: i.active_from,
                active_until: i.active_until,
                orderable: i.active_on(on) && i.price.is_some(),
                currency: currency.clone(),
                msrp_12_cents: p.msrp_12.map(|c| c.cents()),
                msrp_24_cents: p.msrp_24.map(|c| c.cents()),
                msrp_36_cents: p.msrp_36.map(|c| c.cents()),
                msrp_monthly_cents: p.msrp_monthly.map(|c| c.cents()),
                msrp_hardware_cents: p.msrp_hardware.map(|c| c.cents()),
            }
        })
        .collect();
    items.sort_by(|a, b| (&a.family, &a.band).cmp(&(&b.family, &b.band)));
    Ok(HttpResponse::Ok().json(CatalogueJson {
        on,
        currency,
        items,
    }))
}
