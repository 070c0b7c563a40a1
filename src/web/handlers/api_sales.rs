//! The partner API's orders and inquiries (issue 17), read through the same use cases as the
//! order and inquiry pages: an order with its lines and the schedule entries it created, an
//! inquiry with every quote version and each line's discount levels ("why this price"). A
//! reseller's token reads quotes without the distributor's internal note and reasons.

use super::api::{id_in, json_body, ApiClient, ApiError, Page, Problems};
use crate::app;
use crate::app::shapes::{
    entry_json, inquiry_json, order_json, InquiryJson, OrderJson, ScheduleEntryJson,
};
use crate::domain::paging::{Cursor, Window};
use crate::domain::token::ApiScope;
use crate::domain::{InquiryId, OrderId};
use actix_web::web::{Path, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

/// `after`: the cursor of a list's next page (an id the previous page named).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AfterQuery {
    /// The cursor a previous page's `next` carries.
    #[param(value_type = Option<i64>)]
    after: Option<String>,
}

impl AfterQuery {
    fn cursor(&self) -> Result<Cursor, ApiError> {
        match self.after.as_deref().map(str::trim) {
            None => Ok(Cursor::First),
            Some(a) => a.parse().map(Cursor::After).map_err(|_| {
                super::api::refused(
                    "after",
                    format!("after: {a:?} is not an id (a whole number)."),
                )
            }),
        }
    }
}

fn page<T, J>(window: Window<T>, path: &str, json: impl Fn(&T) -> J) -> Page<J> {
    Page {
        items: window.items.iter().map(json).collect(),
        next: match window.next {
            Some(Cursor::After(id)) => Some(format!("{path}?after={id}")),
            _ => None,
        },
    }
}

/// `GET /api/v1/orders` (scope `orders:read`): the orders in the token's scope, newest
/// first, 50 a page.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    tag = "Orders",
    summary = "The organisation's orders, newest first",
    params(AfterQuery),
    responses(
        (status = 200, description = "A page of orders, 50 a page", body = Page<OrderJson>),
        Problems,
    ),
    security(("token" = ["orders:read"]))
)]
pub async fn orders(client: ApiClient, query: Query<AfterQuery>) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::OrdersRead)?;
    let window = crate::db::orders::list(&client.state.db, client.scope(), query.cursor()?).await?;
    Ok(HttpResponse::Ok().json(page(window, "/api/v1/orders", order_json)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderLineJson {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp_cents: i64,
    pub net_cents: i64,
    /// For a renewal or change: the end date of the entry it continues.
    pub continues_entry_ending: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderDetailJson {
    #[serde(flatten)]
    pub order: OrderJson,
    pub lines: Vec<OrderLineJson>,
    /// The schedule entries its processing created.
    pub entries: Vec<ScheduleEntryJson>,
}

/// `GET /api/v1/orders/{id}` (scope `orders:read`): one order with its lines and the entries
/// it created; 404 for another organisation's.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    tag = "Orders",
    summary = "One order with its lines and schedule entries",
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = OrderDetailJson),
        Problems,
    ),
    security(("token" = ["orders:read"]))
)]
pub async fn order(client: ApiClient, path: Path<String>) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::OrdersRead)?;
    let view = app::orders::show(&client.ctx, OrderId(id_in(&path)?)).await?;
    Ok(HttpResponse::Ok().json(OrderDetailJson {
        order: order_json(&view.order),
        lines: view
            .lines
            .iter()
            .map(|l| OrderLineJson {
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity,
                unit_msrp_cents: l.unit_msrp.cents(),
                net_cents: l.net.cents(),
                continues_entry_ending: l.changes_end.clone(),
            })
            .collect(),
        entries: view.entries.iter().map(entry_json).collect(),
    }))
}

/// `GET /api/v1/inquiries` (scope `quotes:read`): the inquiries in the token's scope (a
/// distributor never sees drafts), newest first, 50 a page.
#[utoipa::path(
    get,
    path = "/api/v1/inquiries",
    tag = "Inquiries and quotes",
    summary = "The organisation's pricing inquiries, newest first",
    params(AfterQuery),
    responses(
        (status = 200, description = "A page of inquiries, 50 a page", body = Page<InquiryJson>),
        Problems,
    ),
    security(("token" = ["quotes:read"]))
)]
pub async fn inquiries(
    client: ApiClient,
    query: Query<AfterQuery>,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::QuotesRead)?;
    let window = crate::db::inquiries::list(
        &client.state.db,
        client.scope(),
        &crate::db::inquiries::Filter::default(),
        query.cursor()?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(page(window, "/api/v1/inquiries", inquiry_json)))
}

/// One discount level of a quoted line: the percentage, the rule that gave it, the amount it
/// took off and the price after it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LevelJson {
    /// program, deal_registration or promotion.
    pub level: &'static str,
    pub percent: String,
    pub source: String,
    pub amount_off_cents: i64,
    pub price_after_cents: i64,
    /// When staff lowered the approved percentage: from what.
    pub lowered_from_percent: Option<String>,
    /// Why, when the reseller may read it (always for the distributor).
    pub lowered_reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteLineJson {
    pub line_no: i64,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp_cents: i64,
    pub msrp_cents: i64,
    pub levels: Vec<LevelJson>,
    pub net_cents: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteJson {
    pub version: i64,
    pub quote_date: String,
    pub valid_until: String,
    pub note: String,
    /// The distributor's own note; absent for the reseller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    pub total_msrp_cents: i64,
    pub total_net_cents: i64,
    pub lines: Vec<QuoteLineJson>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InquiryDetailJson {
    #[serde(flatten)]
    pub inquiry: InquiryJson,
    /// Every version of its quote, newest first.
    pub quotes: Vec<QuoteJson>,
    /// For the distributor that may quote it now: each line's approved discount levels
    /// (the most a quote may give; a lower one needs a reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<Vec<ProposedLineJson>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposedLineJson {
    pub line: i64,
    pub sku: String,
    pub levels: Vec<ProposedLevelJson>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposedLevelJson {
    pub level: &'static str,
    pub percent: String,
    pub source: String,
}

/// `GET /api/v1/inquiries/{id}` (scope `quotes:read`): one inquiry with every quote version
/// and every discount level of each line; 404 for another organisation's.
#[utoipa::path(
    get,
    path = "/api/v1/inquiries/{id}",
    tag = "Inquiries and quotes",
    summary = "One inquiry with every quote version and discount level",
    params(("id" = i64, Path, description = "The inquiry's id")),
    responses(
        (status = 200, description = "The inquiry", body = InquiryDetailJson),
        Problems,
    ),
    security(("token" = ["quotes:read"]))
)]
pub async fn inquiry(client: ApiClient, path: Path<String>) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::QuotesRead)?;
    let ctx = &client.ctx;
    let inquiry = app::quotes::load(ctx, InquiryId(id_in(&path)?)).await?;
    let internal = app::quotes::sees_internal(ctx, &inquiry);
    let quotes = app::quotes::versions(ctx, &inquiry).await?;
    let proposed = match app::quotes::may_quote(ctx, &inquiry) {
        false => None,
        true => Some(proposed_json(&app::quotes::proposal(ctx, &inquiry).await?)),
    };
    Ok(HttpResponse::Ok().json(InquiryDetailJson {
        proposed,
        quotes: quotes.iter().map(|q| quote_json(q, internal)).collect(),
        inquiry: inquiry_json(&inquiry),
    }))
}

/// The approved levels of each line, as a distributor quotes from them.
fn proposed_json(lines: &[app::quotes::ProposalLine]) -> Vec<ProposedLineJson> {
    lines
        .iter()
        .map(|p| ProposedLineJson {
            line: p.line.id,
            sku: p.line.sku.clone(),
            levels: p
                .proposed
                .iter()
                .map(|d| ProposedLevelJson {
                    level: d.level.key(),
                    percent: d.bp.two_decimals(),
                    source: d.source.clone(),
                })
                .collect(),
        })
        .collect()
}

/// A quote version as `internal` (the distributor's own people) or the reseller reads it.
fn quote_json(q: &crate::db::quotes::Quote, internal: bool) -> QuoteJson {
    QuoteJson {
        version: q.version,
        quote_date: q.quote_date.to_string(),
        valid_until: q.valid_until.to_string(),
        note: q.note.clone(),
        internal_note: internal.then(|| q.internal_note.clone()),
        total_msrp_cents: q.total_msrp.cents(),
        total_net_cents: q.total_net.cents(),
        lines: q
            .lines
            .iter()
            .map(|l| QuoteLineJson {
                line_no: l.line_no,
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity,
                unit_msrp_cents: l.unit_msrp.cents(),
                msrp_cents: l.msrp.cents(),
                levels: l.steps.iter().map(|s| level_json(s, internal)).collect(),
                net_cents: l.net.cents(),
            })
            .collect(),
    }
}

fn level_json(s: &crate::domain::pricing::Step, internal: bool) -> LevelJson {
    LevelJson {
        level: s.level.key(),
        percent: s.bp.two_decimals(),
        source: s.source.clone(),
        amount_off_cents: s.amount_off.cents(),
        price_after_cents: s.after.cents(),
        lowered_from_percent: s.lowered.as_ref().map(|w| w.from.two_decimals()),
        lowered_reason: s
            .lowered
            .as_ref()
            .filter(|w| internal || w.shown)
            .map(|w| w.reason.clone())
            .filter(|r| !r.is_empty()),
    }
}

/// A discount level as a distributor's system sends it: the line (its id), the level, the
/// percentage, and for a lowered one why (shown to the reseller only when asked).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountRequest {
    pub line: i64,
    /// program, deal_registration or promotion.
    #[schema(pattern = "^(program|deal_registration|promotion)$")]
    pub level: String,
    /// From 0 to 100, at most two decimals ("12.5").
    #[schema(pattern = "^(100(\\.0{1,2})?|[0-9]{1,2}(\\.[0-9]{1,2})?)$")]
    pub percent: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub show_reason: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The inquiry version the quote was prepared on (from GET /api/v1/inquiries/{id}).
    pub version: i64,
    #[serde(default)]
    pub discounts: Vec<DiscountRequest>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub internal_note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SentJson {
    pub version: i64,
    /// sent (the first version) or revised.
    pub status: &'static str,
    pub href: String,
}

/// `POST /api/v1/inquiries/{id}/quote` (scope `quotes:write`, the inquiry's distributor): the
/// quote desk's send with the same checks: a level not sent keeps its approved percentage, a
/// raised one is refused, a lowered one needs a reason; 409 when the inquiry changed since
/// the version sent.
#[utoipa::path(
    post,
    path = "/api/v1/inquiries/{id}/quote",
    tag = "Inquiries and quotes",
    summary = "Send (or revise) the quote of an inquiry",
    params(("id" = i64, Path, description = "The inquiry's id")),
    request_body = QuoteRequest,
    responses(
        (status = 201, description = "The quote version sent", body = SentJson),
        Problems,
    ),
    security(("token" = ["quotes:write"]))
)]
pub async fn send_quote(
    client: ApiClient,
    path: Path<String>,
    body: actix_web::web::Bytes,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::pricing::Level;
    client.require(ApiScope::QuotesWrite)?;
    let request: QuoteRequest = json_body(&body, "a quote")?;
    let mut discounts = Vec::with_capacity(request.discounts.len());
    for d in &request.discounts {
        let level = [Level::Program, Level::DealRegistration, Level::Promotion]
            .into_iter()
            .find(|l| l.key() == d.level)
            .ok_or_else(|| {
                super::api::refused(
                    "level",
                    format!(
                        "level: {:?} is not program, deal_registration or promotion.",
                        d.level
                    ),
                )
            })?;
        discounts.push(app::quotes::TypedDiscount {
            line: d.line,
            level,
            percent: d.percent.clone(),
            reason: d.reason.clone(),
            show_reason: d.show_reason,
        });
    }
    let id = InquiryId(id_in(&path)?);
    let sent = app::quotes::send(
        &client.ctx,
        id,
        app::quotes::QuoteInput {
            version: Some(request.version),
            discounts,
            note: request.note,
            internal_note: request.internal_note,
        },
    )
    .await?;
    let href = format!("/api/v1/inquiries/{}", id.0);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, href.clone()))
        .json(SentJson {
            version: sent.version,
            status: sent.what,
            href,
        }))
}
