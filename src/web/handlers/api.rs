//! The JSON API for distributors' systems (token auth): SKU translation.
//!
//! `Authorization: Bearer <token>`; a missing, unknown or revoked token gets 401.

use crate::app::translator::{snapshot_for, to_json, TranslationJson};
use crate::domain::catalogue::{LineInput, Status};
use crate::domain::token::ApiScope;
use crate::web::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Query};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// The most items one POST may translate.
pub const MAX_ITEMS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The token lacks the scope this operation needs.
    #[error("This token may not do this: it needs the scope {0}.")]
    Forbidden(&'static str),
    #[error("There is no such record, or it is not your organisation's.")]
    NotFound,
    /// The organisation may not do this at all (a reseller's token placing an order).
    #[error("Your organisation may not do this.")]
    NotPermitted,
    /// The record's state does not allow this now; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// Values refused, each with the field (or line) it belongs to.
    #[error("{}", .0.messages().join(" "))]
    Invalid(crate::domain::FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    /// The token sent more than its requests a minute: seconds to wait.
    #[error("This token sent more requests than it may a minute: send again in {0} s.")]
    TooMany(u64),
    #[error("the request could not be completed")]
    Unexpected(#[from] anyhow::Error),
}

impl From<crate::app::Error> for ApiError {
    fn from(e: crate::app::Error) -> Self {
        use crate::app::Error;
        match e {
            Error::NotFound => ApiError::NotFound,
            Error::Forbidden => ApiError::NotPermitted,
            Error::Conflict(why) => ApiError::Conflict(why),
            Error::Invalid(errors) => ApiError::Invalid(errors),
            Error::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Unexpected(e.into())
    }
}

/// An RFC 9457 problem: what kind (`type`, a page of the portal's API reference), its
/// `title`, the HTTP `status`, and this occurrence's `detail`.
/// Every operation's problem answer, named once for the contract.
#[derive(utoipa::IntoResponses)]
#[response(
    status = "4XX",
    description = "A problem (RFC 9457): 400 a parameter not understood, 401 no live token, 403 a scope the token lacks, 404 another organisation's record, 429 too many requests",
    content_type = "application/problem+json"
)]
pub struct Problems(pub Problem);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// For refused values: each field (or `line_N`) and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl ApiError {
    /// The problem's type (under `/api/v1/problems/`) and title.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Unauthorized(_) => ("unauthorized", "No valid API token"),
            ApiError::Forbidden(_) => ("scope-missing", "The token lacks a scope"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::NotPermitted => ("not-permitted", "Not permitted"),
            ApiError::Conflict(_) => ("conflict", "Not possible now"),
            ApiError::Invalid(_) => ("invalid", "Values refused"),
            ApiError::BadRequest(_) => ("bad-request", "The request is not understood"),
            ApiError::TooMany(_) => ("too-many-requests", "Too many requests"),
            ApiError::Unexpected(_) => ("unexpected", "The request could not be completed"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::NotPermitted => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Unexpected(e) = self {
            tracing::error!(error = ?e, "API request failed");
        }
        let status = self.status_code();
        let mut r = HttpResponse::build(status);
        if matches!(self, ApiError::Unauthorized(_)) {
            r.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::TooMany(wait) = self {
            r.insert_header(("Retry-After", wait.to_string()));
        }
        r.content_type("application/problem+json")
            .body(serde_json::to_string(&Problem::of(self)).unwrap_or_default())
    }
}

impl Problem {
    /// The problem an error answers.
    pub fn of(e: &ApiError) -> Problem {
        let (kind, title) = e.kind();
        Problem {
            kind: format!("/api/v1/problems/{kind}"),
            title,
            status: e.status_code().as_u16(),
            detail: e.to_string(),
            errors: match e {
                ApiError::Invalid(errors) => errors
                    .pairs()
                    .into_iter()
                    .map(|(field, message)| FieldProblem {
                        field: field.to_string(),
                        message: message.to_string(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// One page of a list and the address of the next one (`null` on the last).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// An API path asked with another method: 405, naming the methods it takes.
pub fn method_not_allowed(allow: &str) -> HttpResponse {
    let problem = Problem {
        kind: "/api/v1/problems/method-not-allowed".into(),
        title: "Method not allowed",
        status: 405,
        detail: format!("This address takes {allow}."),
        errors: Vec::new(),
    };
    HttpResponse::MethodNotAllowed()
        .insert_header(("Allow", allow.to_string()))
        .content_type("application/problem+json")
        .body(serde_json::to_string(&problem).unwrap_or_default())
}

/// The id in a path (`/api/v1/orders/{id}`): anything but a whole number names no record.
pub fn id_in(path: &str) -> Result<i64, ApiError> {
    path.trim().parse().map_err(|_| ApiError::NotFound)
}

/// A JSON body of type `T`, or a problem naming what is wrong with it. A whole number
/// written with a fraction (`25.0`) is the number it is, as JSON Schema's `integer` says.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    let bad = |e: serde_json::Error| ApiError::BadRequest(format!("The body is not {what}: {e}."));
    let mut value: Value = serde_json::from_slice(body).map_err(bad)?;
    whole_numbers(&mut value);
    serde_json::from_value(value).map_err(bad)
}

/// Turns every float without a fraction (within i64) into an integer.
fn whole_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    *v = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The answer to a query string that could not be read at all (a parameter sent twice, …)
/// on an API address: a problem, like every other API refusal.
pub fn query_error(e: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        ApiError::BadRequest(format!("The query string is not understood: {e}.")).into()
    } else {
        actix_web::error::ErrorBadRequest(e)
    }
}

/// A parameter (or body field) whose value is refused: 422, naming it.
pub fn refused(field: &str, message: String) -> ApiError {
    let mut errors = crate::domain::FieldErrors::default();
    errors.add(field, message);
    ApiError::Invalid(errors)
}

pub use crate::app::shapes::rfc3339;

/// The organisation whose token signed the request, and what the token may do.
pub struct ApiClient {
    pub org: crate::db::orgs::Org,
    pub scopes: Vec<ApiScope>,
    pub state: Data<AppState>,
    /// The use cases' context: the organisation acting through this token.
    pub ctx: crate::app::Ctx,
}

impl ApiClient {
    /// Refuses (403) unless the token holds `scope`.
    pub fn require(&self, scope: ApiScope) -> Result<(), ApiError> {
        match self.scopes.contains(&scope) {
            true => Ok(()),
            false => Err(ApiError::Forbidden(scope.as_str())),
        }
    }

    /// What the organisation sees, as its people see it on the pages: a reseller its own, a
    /// distributor its resellers', the vendor everything.
    pub fn scope(&self) -> crate::db::Scope {
        self.ctx.scope
    }
}

impl FromRequest for ApiClient {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<Data<AppState>>().cloned().ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("application state missing"))
            })?;
            let token = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(ApiError::Unauthorized(
                    "Send an API token: Authorization: Bearer <token>.",
                ))?;
            let hash = crate::domain::token::hash(token);
            let bearer =
                crate::db::api_tokens::authenticate(&state.db.pool, &hash, state.clock.timestamp())
                    .await?
                    .ok_or(ApiError::Unauthorized(
                        "This API token is unknown, revoked or past its last day.",
                    ))?;
            state
                .token_limiter
                .check(bearer.id, bearer.per_minute)
                .map_err(ApiError::TooMany)?;
            let org = crate::db::orgs::get(&state.db.pool, bearer.org_id)
                .await?
                .ok_or(ApiError::Unauthorized(
                    "This API token's organisation no longer exists.",
                ))?;
            let ctx = crate::app::Ctx::token(
                state.db.clone(),
                (org.id, org.kind),
                &bearer.named,
                &state.clock,
                state.settings.public_url(),
            );
            Ok(ApiClient {
                org,
                scopes: bearer.scopes,
                state,
                ctx,
            })
        })
    }
}

/// Months of a 1-month legacy SKU: 1 to 60.
fn months(m: &str) -> Result<u32, ApiError> {
    m.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=60).contains(n))
        .ok_or_else(|| {
            refused(
                "months",
                format!("months: {m:?} is not a number of months from 1 to 60."),
            )
        })
}

pub fn parse_on(on: Option<&str>, client: &ApiClient) -> Result<NaiveDate, ApiError> {
    match on {
        None => Ok(client.state.clock.today()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| refused("on", format!("on: {d:?} is not a date (YYYY-MM-DD)."))),
    }
}

async fn translate(
    client: &ApiClient,
    inputs: &[LineInput],
    on: NaiveDate,
) -> Result<Vec<TranslationJson>, ApiError> {
    let snapshot = snapshot_for(&client.state.db, &client.org.currency).await?;
    Ok(inputs
        .iter()
        .map(|i| to_json(&snapshot.translate(i, on), &snapshot.currency))
        .collect())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranslateQuery {
    /// The legacy SKU (or a new one) to translate, e.g. IXA-U10-N12M.
    #[param(required = true, min_length = 1)]
    legacy: Option<String>,
    /// For a 1-month legacy SKU: the number of months.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 60)]
    months: Option<String>,
    /// The day whose rules apply (YYYY-MM-DD; today when absent).
    #[param(value_type = Option<chrono::NaiveDate>)]
    on: Option<String>,
}

/// `GET /api/v1/sku/translate?legacy=...&months=...&on=...`: one SKU. An input that is not
/// a SKU answers 422 with the same object, whose `reason` says what is wrong.
#[utoipa::path(
    get,
    path = "/api/v1/sku/translate",
    tag = "Catalogue",
    summary = "Translate one legacy SKU",
    params(TranslateQuery),
    responses(
        (status = 200, description = "The translation, accepted or refused on the day", body = TranslationJson),
        (status = 422, description = "An input that is not a SKU: the same object, whose reason says what is wrong (application/json); a parameter refused: a problem naming it", content(
            (TranslationJson = "application/json"),
            (Problem = "application/problem+json")
        )),
        Problems,
    ),
    security(("token" = ["catalogue:read"]))
)]
pub async fn translate_one(
    client: ApiClient,
    query: Query<TranslateQuery>,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::CatalogueRead)?;
    let legacy = query
        .legacy
        .clone()
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| {
            refused(
                "legacy",
                "legacy: give the SKU to translate, e.g. ?legacy=IXA-U10-N12M".into(),
            )
        })?;
    let months = match query.months.as_deref() {
        None => None,
        Some(m) => Some(months(m)?),
    };
    let on = parse_on(query.on.as_deref(), &client)?;
    let mut result = translate(
        &client,
        &[LineInput {
            line: 1,
            sku: legacy,
            months,
        }],
        on,
    )
    .await?;
    let one = result.remove(0);
    let status = if one.status == Status::Invalid.as_str() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(one))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    #[schema(min_length = 1)]
    legacy: String,
    #[schema(minimum = 1, maximum = 60)]
    months: Option<u32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    #[schema(value_type = Option<chrono::NaiveDate>)]
    on: Option<String>,
    #[schema(min_items = 1, max_items = 1000)]
    items: Vec<BatchItem>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    on: String,
    results: Vec<TranslationJson>,
}

/// `POST /api/v1/sku/translate` with `{"on": "...", "items": [{"legacy": "...", "months": 17}]}`:
/// up to 1,000 SKUs, each answered in `results` in order (line = position, from 1).
#[utoipa::path(
    post,
    path = "/api/v1/sku/translate",
    tag = "Catalogue",
    summary = "Translate up to 1,000 legacy SKUs",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Each SKU's translation, in the order sent", body = BatchResponse),
        Problems,
    ),
    security(("token" = ["catalogue:read"]))
)]
pub async fn translate_many(
    client: ApiClient,
    body: actix_web::web::Bytes,
) -> Result<HttpResponse, ApiError> {
    client.require(ApiScope::CatalogueRead)?;
    let body: BatchRequest = json_body(&body, "a batch of SKUs")?;
    if body.items.is_empty() || body.items.len() > MAX_ITEMS {
        return Err(ApiError::BadRequest(format!(
            "items: send 1 to {MAX_ITEMS} SKUs per request (got {}).",
            body.items.len()
        )));
    }
    let on = parse_on(body.on.as_deref(), &client)?;
    let inputs = body
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if item.legacy.trim().is_empty() {
                return Err(refused(
                    "items",
                    format!("items[{i}].legacy: give the SKU to translate."),
                ));
            }
            Ok(LineInput {
                line: i + 1,
                sku: item.legacy,
                months: item.months.map(|m| months(&m.to_string())).transpose()?,
            })
        })
        .collect::<Result<Vec<LineInput>, ApiError>>()?;
    let results = translate(&client, &inputs, on).await?;
    Ok(HttpResponse::Ok().json(BatchResponse {
        on: on.to_string(),
        results,
    }))
}
