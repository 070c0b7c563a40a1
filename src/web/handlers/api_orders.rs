//! `POST /api/v1/orders`: a distributor's system places an order through the same use case
//! as the order form (`app::orders::place_direct_in`), with an `Idempotency-Key`: the same
//! key and body get the first answer again and place nothing twice; the same key with
//! another body is refused (422). The key is claimed in the order's own transaction, so two
//! requests racing with one key place one order.

use super::api::{ApiClient, ApiError, Problem, Problems};
use crate::app::orders::{place_direct_in, Checked, DirectOrder, Placed, TypedLine};
use crate::db::idempotency;
use crate::domain::token::ApiScope;
use crate::domain::{FieldErrors, OrgId};
use actix_web::http::header::{HeaderValue, LOCATION};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};

/// The longest idempotency key taken.
pub const MAX_KEY: usize = 200;
/// The most lines one order takes through the API (as the form).
pub const MAX_LINES: usize = crate::app::orders::MAX_DIRECT_LINES;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    pub reseller_id: i64,
    pub end_customer_id: i64,
    #[schema(min_items = 1, max_items = 40)]
    pub lines: Vec<LineRequest>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    /// A 14-character SKU, or a legacy SKU under the rules of the day.
    pub sku: String,
    pub quantity: i64,
    /// For a renewal or mid-term change: the schedule entry it continues.
    #[serde(default)]
    pub continues_entry: Option<i64>,
}

/// What a placed order answers (201).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlacedJson {
    pub id: i64,
    pub reference: String,
    pub status: &'static str,
    pub currency: String,
    pub total_net_cents: i64,
    /// Where the order reads, with its lines.
    pub href: String,
}

fn placed_json(p: &Placed) -> PlacedJson {
    PlacedJson {
        id: p.id.0,
        reference: p.reference.clone(),
        status: "placed",
        currency: p.currency.clone(),
        total_net_cents: p.total.cents(),
        href: format!("/api/v1/orders/{}", p.id.0),
    }
}

/// The refusal of a checked order: each line's problem (or the SKU proposed in its place) as
/// `line_N`, and what to do.
fn refused(checked: &Checked) -> ApiError {
    let mut errors = FieldErrors::default();
    for (n, l) in checked.lines.iter().enumerate() {
        let field = format!("line_{}", n + 1);
        if !l.error.is_empty() {
            errors.add(&field, l.error.clone());
        } else if l.sku != l.typed.sku.trim() && !l.sku.is_empty() {
            errors.add(
                &field,
                format!("Order {} here: {}", l.sku, l.note.trim_end_matches('.')),
            );
        }
    }
    if let Some(problem) = checked.problem(true) {
        errors.add("lines", problem);
    }
    ApiError::Invalid(errors)
}

/// The key sent, checked: 1 to 200 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key: send a header of 1 to {MAX_KEY} visible characters (e.g. a UUID) that names this order; sending the same order again with it places nothing twice."
        )));
    }
    Ok(key.to_string())
}

/// An answer as kept and as sent.
fn answer(status: u16, body: String, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = HttpResponse::build(status);
    if replayed {
        r.insert_header(("Idempotent-Replayed", "true"));
    }
    let kind = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    r.content_type(kind).body(body)
}

/// The answer kept for the key, when the same request sent it; the refusal when another did.
fn replay(kept: idempotency::Kept, hash: &str) -> Result<HttpResponse, ApiError> {
    if kept.request_hash != hash {
        let mut errors = FieldErrors::default();
        errors.add(
            "Idempotency-Key",
            "This key was sent before with another order: use a new key for a new order.",
        );
        return Err(ApiError::Invalid(errors));
    }
    Ok(answer(kept.status, kept.response, true))
}

/// The problem body of a refusal, as kept.
fn problem_body(e: &ApiError) -> String {
    serde_json::to_string(&Problem::of(e)).unwrap_or_default()
}

impl OrderRequest {
    /// The order as the order form's use case takes it.
    fn direct_order(&self) -> DirectOrder {
        DirectOrder {
            reseller: OrgId(self.reseller_id),
            end_customer: self.end_customer_id,
            lines: self
                .lines
                .iter()
                .map(|l| TypedLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity.to_string(),
                    entry: l.continues_entry.map(|e| e.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Places the order in the key's transaction: the answer to keep (status, body) and, when
/// placed, its address. A failure of the portal keeps nothing (the request may come again).
async fn placement(
    tx: &mut sqlx::AnyConnection,
    ctx: &crate::app::Ctx,
    order: &DirectOrder,
) -> Result<(u16, String, Option<String>), ApiError> {
    Ok(match place_direct_in(tx, ctx, order).await {
        Ok(Ok(placed)) => {
            let json = placed_json(&placed);
            let body = serde_json::to_string(&json).unwrap_or_default();
            (201, body, Some(json.href))
        }
        Ok(Err(checked)) => {
            let e = refused(&checked);
            (e.status_code().as_u16(), problem_body(&e), None)
        }
        Err(e) => match ApiError::from(e) {
            ApiError::Unexpected(e) => return Err(ApiError::Unexpected(e)),
            e => (e.status_code().as_u16(), problem_body(&e), None),
        },
    })
}

/// `POST /api/v1/orders` (scope `orders:write`, distributors): places the order when every
/// line is right as sent (201 with its reference and net), else 422 with each line's problem.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    tag = "Orders",
    summary = "Place an order (distributors), once per Idempotency-Key",
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,200}$", description = "1 to 200 visible characters naming this order; the same key and body answer the first result again")),
    request_body = OrderRequest,
    responses(
        (status = 201, description = "Placed; Location names the order", body = PlacedJson),
        (status = 409, description = "Another request with this key is being answered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Lines refused (errors name line_N), or the key sent before with another order", body = Problem, content_type = "application/problem+json"),
        Problems,
    ),
    security(("token" = ["orders:write"]))
)]
pub async fn place(
    client: ApiClient,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::OrdersWrite)?;
    let key = idempotency_key(&req)?;
    let request: OrderRequest = super::api::json_body(&body, "an order")?;
    if request.lines.is_empty() || request.lines.len() > MAX_LINES {
        return Err(ApiError::BadRequest(format!(
            "lines: send 1 to {MAX_LINES} lines (got {}).",
            request.lines.len()
        )));
    }
    let hash = crate::domain::token::hash(&String::from_utf8_lossy(&body));
    let org: OrgId = client.org.id;
    let pool = &client.state.db.pool;
    if let Some(kept) = idempotency::kept(pool, org, &key).await? {
        return replay(kept, &hash);
    }
    let order = request.direct_order();
    let mut tx = pool.begin().await?;
    if !idempotency::claim(&mut tx, org, &key, &hash, client.ctx.now).await? {
        // Another request with this key was first; its answer is kept now.
        drop(tx);
        return match idempotency::kept(pool, org, &key).await? {
            Some(kept) => replay(kept, &hash),
            None => Err(ApiError::Conflict(
                "Another request with this Idempotency-Key is being answered: send it again in a moment.".into(),
            )),
        };
    }
    let (status, body, location) = placement(&mut tx, &client.ctx, &order).await?;
    idempotency::keep(&mut tx, org, &key, status, &body).await?;
    tx.commit().await?;
    let mut r = answer(status, body, false);
    if let Some(href) = location.and_then(|h| HeaderValue::from_str(&h).ok()) {
        r.headers_mut().insert(LOCATION, href);
    }
    Ok(r)
}
