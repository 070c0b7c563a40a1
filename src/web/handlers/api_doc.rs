//! The partner API's contract: an OpenAPI 3.1 document generated from the handlers and their
//! JSON types (utoipa), served at `/api/v1/openapi.json`, and a reference page in the portal
//! rendered on the server from that same document (no script, nothing from a CDN).

use crate::web::chrome::Chrome;
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partner portal API",
        version = "1",
        description = "For distributors' and resellers' own systems: license schedules, orders, pricing inquiries and quotes, the catalogue. Send an API token made on the portal's API tokens page as `Authorization: Bearer <token>`; each operation needs the scope it names. Errors are RFC 9457 problems (application/problem+json). Amounts are integer minor units with their currency."
    ),
    paths(
        super::api_resources::schedules,
        super::api_resources::customer_schedule,
        super::api_sales::orders,
        super::api_orders::place,
        super::api_sales::order,
        super::api_sales::inquiries,
        super::api_sales::inquiry,
        super::api_sales::send_quote,
        super::api_resources::catalogue,
        super::api::translate_one,
        super::api::translate_many,
    ),
    components(schemas(
        crate::app::webhooks::OrderEventData,
        crate::app::webhooks::InquiryEventData,
        crate::app::webhooks::RenewalEventData,
        crate::app::webhooks::PingEventData,
    )),
    modifiers(&BearerToken),
    tags(
        (name = "Schedules", description = "License schedules: what each end customer holds, from when to when."),
        (name = "Orders", description = "Orders placed with distributors, and the schedule entries their processing created."),
        (name = "Inquiries and quotes", description = "Pricing inquiries, and the distributors' quotes with every discount level."),
        (name = "Catalogue", description = "Products, prices and the legacy SKU translator."),
    )
)]
pub struct ApiDoc;

/// The token scheme every operation names.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from the portal's API tokens page"))
                    .build(),
            ),
        );
    }
}

/// The document, made once per process: utoipa's, with the webhooks (OpenAPI 3.1's
/// `webhooks`, which utoipa does not write) added from the same event types.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    doc["webhooks"] = webhooks();
    serde_json::to_string_pretty(&doc).unwrap_or_default()
});

/// Each event a webhook endpoint can receive, as a POST the portal sends: its headers, its
/// body (the envelope with the event's `data` schema) and the answer it expects.
fn webhooks() -> Value {
    use crate::domain::webhook::{EventType, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER};
    let header = |name: &str, description: &str| {
        serde_json::json!({"name": name, "in": "header", "required": true,
            "description": description, "schema": {"type": "string"}})
    };
    let mut out = serde_json::Map::new();
    for event in EventType::CHOSEN.into_iter().chain([EventType::Ping]) {
        let data = match event {
            EventType::InquirySubmitted | EventType::QuoteSent => "InquiryEventData",
            EventType::OrderPlaced | EventType::OrderProcessed => "OrderEventData",
            EventType::RenewalReminder => "RenewalEventData",
            EventType::Ping => "PingEventData",
        };
        out.insert(
            event.as_str().to_string(),
            serde_json::json!({"post": {
                "summary": event.label(),
                "description": "Sent to the endpoints that chose this event, signed; a 2xx answer within 10 seconds delivers it, anything else (a redirect too) is tried again after 1, 5 and 30 minutes, 2 and 12 hours.",
                "tags": ["Webhooks"],
                "parameters": [
                    header(SIGNATURE_HEADER, "t=<unix seconds>,v1=<hex HMAC-SHA256 of t, a full stop and the body, keyed with the endpoint's secret> (a second v1 for a day after a rotation)"),
                    header(EVENT_ID_HEADER, "The event's id, the same on every try: skip ids you handled"),
                    header(EVENT_TYPE_HEADER, "The event's type"),
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["id", "type", "created_at", "data"],
                    "properties": {
                        "id": {"type": "string", "description": "evt_ and 24 letters and digits"},
                        "type": {"type": "string", "const": event.as_str()},
                        "created_at": {"type": "string", "format": "date-time"},
                        "data": {"$ref": format!("#/components/schemas/{data}")}
                    }
                }}}},
                "responses": {"2XX": {"description": "Received"}}
            }}),
        );
    }
    Value::Object(out)
}

/// `GET /api/v1/openapi.json`: the contract, for anyone (it holds no data).
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(DOCUMENT.as_str())
}

/// One operation as the reference page shows it.
pub struct OperationView {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tag: String,
    pub scopes: String,
    /// (name, where, required, description)
    pub params: Vec<(String, String, bool, String)>,
    /// The request body's schema name, if any.
    pub body: String,
    /// (status, description, schema)
    pub responses: Vec<(String, String, String)>,
}

/// A schema's name from its `$ref` (or what it is).
fn schema_name(schema: &Value) -> String {
    // An event's envelope is named by its data.
    let named = schema["$ref"]
        .as_str()
        .or(schema["properties"]["data"]["$ref"].as_str());
    if let Some(r) = named {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    schema["type"].as_str().unwrap_or("").to_string()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// Every operation of the document, in its order (by path, then method).
pub fn operations() -> Vec<OperationView> {
    operations_in("paths")
}

/// Every webhook event of the document, as the POST the portal sends.
pub fn events() -> Vec<OperationView> {
    operations_in("webhooks")
}

fn operations_in(section: &str) -> Vec<OperationView> {
    let doc: Value = serde_json::from_str(&DOCUMENT).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let Some(paths) = doc[section].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let op = &item[method];
            if op.is_null() {
                continue;
            }
            out.push(operation_view(path, method, op));
        }
    }
    out
}

/// One operation of the document as the page shows it.
fn operation_view(path: &str, method: &str, op: &Value) -> OperationView {
    let scopes = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["token"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                text(&p["name"]),
                text(&p["in"]),
                p["required"].as_bool().unwrap_or(false),
                text(&p["description"]),
            )
        })
        .collect();
    let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            let schema = r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| schema_name(&c["schema"]))
                .unwrap_or_default();
            (status.clone(), text(&r["description"]), schema)
        })
        .collect();
    OperationView {
        anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: text(&op["summary"]),
        description: text(&op["description"]),
        tag: op["tags"][0].as_str().unwrap_or("").to_string(),
        scopes,
        params,
        body: if body.is_null() {
            String::new()
        } else {
            schema_name(&body)
        },
        responses,
    }
}

#[derive(Template)]
#[template(path = "pages/api_reference.html")]
pub struct ReferencePage {
    pub chrome: Chrome,
    pub operations: Vec<OperationView>,
    pub events: Vec<OperationView>,
}

/// `/api-reference`: the API's reference for signed-in people, from the same document.
pub async fn reference(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&ReferencePage {
        chrome: Chrome::new(&user, "/api-reference", "API reference")?,
        operations: operations(),
        events: events(),
    })
}
