//! HTTP: routes, extractors, rendering, sessions and the security middleware.

pub mod assets;
pub mod cache;
pub mod chrome;
pub mod client;
pub mod confirm;
pub mod csrf;
pub mod error;
pub mod extractors;
pub mod forms;
pub mod handlers;
pub mod limits;
pub mod maintenance;
pub mod metrics;
pub mod panics;
pub mod pdf;
pub mod probes;
pub mod render;
pub mod rewrite;
pub mod security;
pub mod session;
pub mod views;
pub mod zone;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use actix_web::web::{self, ServiceConfig};
use actix_web::Route;

pub use error::AppError;

/// What every handler may reach: the database, settings, the clock and the login limiter.
pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    pub clock: Clock,
    pub demo: bool,
    pub login_limiter: limits::LoginLimiter,
    pub token_limiter: limits::TokenLimiter,
    /// The maintenance window in force, re-read every two seconds.
    pub windows: maintenance::WindowCache,
    /// The catalogue browser's snapshot, re-read every two seconds.
    pub catalogue: handlers::catalogue::SnapshotCache,
    /// The counts of long lists (up to "more than 10,000"), by list, scope, filter and day,
    /// kept ten seconds at most and dropped after this process's own writes.
    pub counts: crate::cache::Ttl<String, crate::domain::paging::Count>,
    /// TRUSTED_PROXIES, parsed.
    pub trusted_proxies: client::TrustedProxies,
    /// How often refusals that look like probing are written to the audit log.
    pub probe_limiter: governor::DefaultKeyedRateLimiter<String>,
    pub mailer: std::sync::Arc<crate::mail::Mailer>,
    /// What `/metrics` reports.
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

/// Every route of the portal, in one table. The authorization test walks this list, so a
/// route added here without an entry in that test's table fails the test.
pub fn route_table() -> Vec<(&'static str, &'static str, Route)> {
    use handlers::*;
    vec![
        ("GET", "/healthz", web::get().to(health::healthz)),
        (
            "GET",
            "/metrics",
            web::get().to(crate::web::metrics::with_token),
        ),
        ("GET", "/static/{file:.*}", web::get().to(assets::asset)),
        ("GET", "/login", web::get().to(auth::login_page)),
        ("POST", "/login", web::post().to(auth::login)),
        ("POST", "/logout", web::post().to(auth::logout)),
        ("GET", "/", web::get().to(dashboard::dashboard)),
        ("GET", "/account", web::get().to(account::account_page)),
        (
            "POST",
            "/account/password",
            web::post().to(account::change_password),
        ),
        (
            "POST",
            "/account/sessions/end-others",
            web::post().to(account::end_other_sessions),
        ),
        (
            "POST",
            "/account/sessions/{handle}/end",
            web::post().to(account::end_session),
        ),
        ("GET", "/users", web::get().to(users::list)),
        ("GET", "/users/new", web::get().to(users::new_form)),
        (
            "POST",
            "/users/ordering",
            web::post().to(users::set_ordering),
        ),
        ("POST", "/users", web::post().to(users::create)),
        ("GET", "/users/{id}", web::get().to(users::edit_form)),
        ("POST", "/users/{id}", web::post().to(users::update)),
        (
            "POST",
            "/users/{id}/disable",
            web::post().to(users::disable),
        ),
        ("POST", "/users/{id}/enable", web::post().to(users::enable)),
        (
            "POST",
            "/users/{id}/invite",
            web::post().to(users::invite_again),
        ),
        (
            "POST",
            "/users/{id}/withdraw-invitation",
            web::post().to(users::withdraw_invitation),
        ),
        (
            "GET",
            "/invitations/{token}",
            web::get().to(invitations::page),
        ),
        (
            "POST",
            "/invitations/{token}",
            web::post().to(invitations::accept),
        ),
        ("GET", "/admin/organisations", web::get().to(orgs::list)),
        (
            "GET",
            "/admin/organisations/new",
            web::get().to(orgs::new_form),
        ),
        ("POST", "/admin/organisations", web::post().to(orgs::create)),
        (
            "GET",
            "/admin/organisations/{id}",
            web::get().to(orgs::edit_form),
        ),
        (
            "POST",
            "/admin/organisations/{id}",
            web::post().to(orgs::update),
        ),
        ("GET", "/admin/audit", web::get().to(audit::list)),
        ("GET", "/sku-translator", web::get().to(translator::page)),
        (
            "POST",
            "/sku-translator",
            web::post().to(translator::submit),
        ),
        (
            "POST",
            "/sku-translator/csv",
            web::post().to(translator::download_csv),
        ),
        ("GET", "/catalogue", web::get().to(catalogue::browse)),
        ("GET", "/inquiries", web::get().to(inquiries::list)),
        ("GET", "/inquiries/new", web::get().to(inquiries::new_form)),
        ("POST", "/inquiries", web::post().to(inquiries::create)),
        ("GET", "/inquiries/{id}", web::get().to(inquiries::show)),
        (
            "GET",
            "/inquiries/{id}/preview",
            web::get().to(inquiries::preview),
        ),
        (
            "POST",
            "/inquiries/{id}/lines",
            web::post().to(inquiries::add_line),
        ),
        (
            "POST",
            "/inquiries/{id}/lines/{line}/remove",
            web::post().to(inquiries::remove_line),
        ),
        (
            "POST",
            "/inquiries/{id}/lines/{line}/term",
            web::post().to(inquiries::change_term),
        ),
        (
            "POST",
            "/inquiries/{id}/submit",
            web::post().to(inquiries::submit),
        ),
        (
            "POST",
            "/inquiries/{id}/quote",
            web::post().to(quotes::send),
        ),
        (
            "GET",
            "/inquiries/{id}/quote/preview",
            web::get().to(quotes::preview),
        ),
        (
            "GET",
            "/inquiries/{id}/accept",
            web::get().to(inquiries::accept_form),
        ),
        (
            "POST",
            "/inquiries/{id}/accept",
            web::post().to(inquiries::accept),
        ),
        (
            "POST",
            "/inquiries/{id}/decline",
            web::post().to(inquiries::decline),
        ),
        ("GET", "/admin/pricing", web::get().to(pricing_rules::page)),
        (
            "POST",
            "/admin/pricing",
            web::post().to(pricing_rules::save),
        ),
        (
            "POST",
            "/admin/pricing/promotions",
            web::post().to(pricing_rules::add_promotion),
        ),
        (
            "POST",
            "/admin/pricing/promotions/{code}/delete",
            web::post().to(pricing_rules::delete_promotion),
        ),
        (
            "GET",
            "/admin/maintenance",
            web::get().to(maintenance_admin::page),
        ),
        (
            "POST",
            "/admin/maintenance",
            web::post().to(maintenance_admin::create),
        ),
        (
            "POST",
            "/admin/maintenance/{id}/delete",
            web::post().to(maintenance_admin::delete),
        ),
        (
            "GET",
            "/admin/licenses/import",
            web::get().to(license_import::page),
        ),
        (
            "POST",
            "/admin/licenses/import",
            web::post().to(license_import::import),
        ),
        ("GET", "/quotes", web::get().to(quotes::page)),
        ("GET", "/orders", web::get().to(orders::list)),
        ("GET", "/orders/new", web::get().to(order_form::new_form)),
        ("POST", "/orders", web::post().to(order_form::submit)),
        ("POST", "/orders/process", web::post().to(orders::process)),
        ("GET", "/orders/{id}", web::get().to(orders::show)),
        ("GET", "/licenses", web::get().to(orders::licenses)),
        (
            "GET",
            "/licenses/entries/{entry}/change",
            web::get().to(orders::change_form),
        ),
        (
            "POST",
            "/licenses/entries/{entry}/change",
            web::post().to(orders::ask_change_pricing),
        ),
        ("GET", "/licenses.csv", web::get().to(orders::licenses_csv)),
        (
            "POST",
            "/licenses/renew",
            web::post().to(orders::ask_renewal_pricing),
        ),
        (
            "GET",
            "/licenses/{end_customer}/print",
            web::get().to(orders::licenses_print),
        ),
        (
            "GET",
            "/licenses/{end_customer}/pdf",
            web::get().to(orders::licenses_pdf),
        ),
        ("GET", "/leads", web::get().to(leads::list)),
        ("GET", "/leads/new", web::get().to(leads::new_form)),
        ("POST", "/leads", web::post().to(leads::create)),
        ("GET", "/leads/{id}", web::get().to(leads::show)),
        ("POST", "/leads/{id}", web::post().to(leads::update)),
        ("GET", "/admin/settings", web::get().to(settings::page)),
        ("POST", "/admin/settings", web::post().to(settings::save)),
        (
            "POST",
            "/leads/{id}/reassign",
            web::post().to(leads::reassign),
        ),
        ("GET", "/msp", web::get().to(msp::show)),
        ("GET", "/msp/program", web::get().to(msp_program::show)),
        ("POST", "/msp/program", web::post().to(msp_program::apply)),
        ("GET", "/msp/applications", web::get().to(msp_program::list)),
        (
            "GET",
            "/msp/applications/{id}",
            web::get().to(msp_program::application),
        ),
        (
            "POST",
            "/msp/applications/{id}/approve",
            web::post().to(msp_program::approve),
        ),
        (
            "POST",
            "/msp/applications/{id}/reject",
            web::post().to(msp_program::reject),
        ),
        (
            "POST",
            "/msp/terms",
            web::post().to(msp_program::save_terms),
        ),
        (
            "POST",
            "/admin/organisations/{id}/msp-end",
            web::post().to(msp_program::end),
        ),
        ("POST", "/msp/usage", web::post().to(msp::report)),
        ("POST", "/msp/upload", web::post().to(msp::upload)),
        (
            "GET",
            "/msp/statement.csv",
            web::get().to(msp::statement_csv),
        ),
        ("POST", "/msp/close", web::post().to(msp::close)),
        ("GET", "/nfr", web::get().to(nfr::list)),
        ("GET", "/nfr/new", web::get().to(nfr::new_form)),
        ("POST", "/nfr", web::post().to(nfr::create)),
        ("GET", "/nfr/{id}", web::get().to(nfr::show)),
        ("POST", "/nfr/{id}/approve", web::post().to(nfr::approve)),
        ("POST", "/nfr/{id}/reject", web::post().to(nfr::reject)),
        ("GET", "/admin/nfr", web::get().to(nfr::admin)),
        ("POST", "/admin/nfr", web::post().to(nfr::admin_save)),
        ("GET", "/deals", web::get().to(deals::list)),
        ("GET", "/deals/new", web::get().to(deals::new_form)),
        ("POST", "/deals", web::post().to(deals::create)),
        ("GET", "/deals/{id}", web::get().to(deals::show)),
        (
            "POST",
            "/deals/{id}/approve",
            web::post().to(deals::approve),
        ),
        ("POST", "/deals/{id}/reject", web::post().to(deals::reject)),
        ("POST", "/deals/{id}/extend", web::post().to(deals::extend)),
        ("GET", "/contact-roles", web::get().to(contact_roles::page)),
        ("GET", "/unsubscribe", web::get().to(unsubscribe::confirm)),
        ("GET", "/mailbox", web::get().to(mailbox::list)),
        ("GET", "/mailbox/{file}", web::get().to(mailbox::message)),
        (
            "POST",
            "/unsubscribe",
            web::post().to(unsubscribe::unsubscribe),
        ),
        ("GET", "/admin/messages", web::get().to(mail_admin::form)),
        ("POST", "/admin/messages", web::post().to(mail_admin::send)),
        (
            "GET",
            "/admin/outbox",
            web::get().to(mail_admin::outbox_page),
        ),
        (
            "POST",
            "/admin/outbox/{id}/retry",
            web::post().to(mail_admin::retry),
        ),
        (
            "POST",
            "/contact-roles",
            web::post().to(contact_roles::save_matrix),
        ),
        (
            "POST",
            "/contact-roles/cell",
            web::post().to(contact_roles::save_cell),
        ),
        (
            "GET",
            "/admin/catalogue",
            web::get().to(admin_catalogue::page),
        ),
        (
            "POST",
            "/admin/catalogue/import",
            web::post().to(admin_catalogue::import),
        ),
        (
            "POST",
            "/admin/catalogue/settings",
            web::post().to(admin_catalogue::save_dates),
        ),
        (
            "GET",
            "/admin/catalogue/items/{family}/{band}",
            web::get().to(admin_catalogue::item_form),
        ),
        (
            "POST",
            "/admin/catalogue/items/{family}/{band}",
            web::post().to(admin_catalogue::update_item),
        ),
        ("GET", "/webhooks", web::get().to(webhooks::page)),
        ("POST", "/webhooks", web::post().to(webhooks::register)),
        ("GET", "/webhooks/{id}", web::get().to(webhooks::show)),
        ("POST", "/webhooks/{id}", web::post().to(webhooks::update)),
        (
            "POST",
            "/webhooks/{id}/test",
            web::post().to(webhooks::test),
        ),
        (
            "POST",
            "/webhooks/{id}/rotate",
            web::post().to(webhooks::rotate),
        ),
        (
            "POST",
            "/webhooks/{id}/delete",
            web::post().to(webhooks::delete),
        ),
        (
            "POST",
            "/webhooks/{id}/deliveries/{delivery}/retry",
            web::post().to(webhooks::retry),
        ),
        ("GET", "/api-tokens", web::get().to(api_tokens::page)),
        ("POST", "/api-tokens", web::post().to(api_tokens::create)),
        (
            "POST",
            "/api-tokens/{id}/revoke",
            web::post().to(api_tokens::revoke),
        ),
        (
            "GET",
            "/api/v1/sku/translate",
            web::get().to(api::translate_one),
        ),
        (
            "POST",
            "/api/v1/sku/translate",
            web::post().to(api::translate_many),
        ),
        (
            "GET",
            "/api/v1/openapi.json",
            web::get().to(api_doc::openapi_json),
        ),
        ("GET", "/api-reference", web::get().to(api_doc::reference)),
        (
            "GET",
            "/api/v1/license-schedules",
            web::get().to(api_resources::schedules),
        ),
        (
            "GET",
            "/api/v1/end-customers/{id}/schedule",
            web::get().to(api_resources::customer_schedule),
        ),
        (
            "GET",
            "/api/v1/catalogue",
            web::get().to(api_resources::catalogue),
        ),
        ("GET", "/api/v1/orders", web::get().to(api_sales::orders)),
        ("POST", "/api/v1/orders", web::post().to(api_orders::place)),
        (
            "GET",
            "/api/v1/orders/{id}",
            web::get().to(api_sales::order),
        ),
        (
            "GET",
            "/api/v1/inquiries",
            web::get().to(api_sales::inquiries),
        ),
        (
            "GET",
            "/api/v1/inquiries/{id}",
            web::get().to(api_sales::inquiry),
        ),
        (
            "POST",
            "/api/v1/inquiries/{id}/quote",
            web::post().to(api_sales::send_quote),
        ),
    ]
}

/// (method, path) of every route, for tests.
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    route_table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

pub fn configure(cfg: &mut ServiceConfig) {
    let table = route_table();
    // An API path asked with a method it does not take answers 405 (a problem naming the
    // methods it takes), registered after its own routes.
    let mut api: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for (method, path, _) in &table {
        if path.starts_with("/api/v1/") {
            match api.iter_mut().find(|(p, _)| p == path) {
                Some((_, methods)) => methods.push(method),
                None => api.push((path, vec![method])),
            }
        }
    }
    // Fixed paths first: the router tries each route in turn, and a path with a `{part}` is
    // matched by a regular expression (a list page behind 26 of them ran all 26, 4% of its
    // work). A fixed path is also the more specific one: `/inquiries/new` before
    // `/inquiries/{id}` whatever their order in the table.
    let (fixed, patterns): (Vec<_>, Vec<_>) = table
        .into_iter()
        .partition(|(_, path, _)| !path.contains('{'));
    for (_, path, route) in fixed.into_iter().chain(patterns) {
        cfg.route(path, route);
    }
    for (path, methods) in api {
        let allow = methods.join(", ");
        cfg.route(
            path,
            web::route().to(move || {
                let allow = allow.clone();
                async move { handlers::api::method_not_allowed(&allow) }
            }),
        );
    }
    cfg.default_service(web::to(handlers::health::not_found));
}
