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

/// The document, made once per process.
static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default());

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
    if let Some(r) = schema["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    schema["type"].as_str().unwrap_or("").to_string()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// Every operation of the document, in its order (by path, then method).
pub fn operations() -> Vec<OperationView> {
    let doc: Value = serde_json::from_str(&DOCUMENT).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
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
}

/// `/api-reference`: the API's reference for signed-in people, from the same document.
pub async fn reference(user: CurrentUser) -> Result<HttpResponse, AppError> {
    render::page(&ReferencePage {
        chrome: Chrome::new(&user, "/api-reference", "API reference")?,
        operations: operations(),
    })
}
