//! Every route × every access role (and an anonymous visitor) → the status each gets.
//! A route added to the portal without a row here fails `every_route_is_in_the_table`.

use crate::helpers::{spawn_app, TestApp, TestClient, Who};
use std::collections::BTreeSet;

/// Who asks, in the column order of the table below.
const COLUMNS: [Option<Who>; 10] = [
    None,
    Some(Who::VendorAdmin),
    Some(Who::ChannelManager),
    Some(Who::DistributorAdmin),
    Some(Who::DistributorStaff),
    Some(Who::ResellerAdmin),
    Some(Who::ResellerUser),
    Some(Who::OtherResellerAdmin),
    // Southbridge supplies Bluepeak and Cobalt, not Acme; the second CAM looks after Cobalt.
    Some(Who::SouthbridgeAdmin),
    Some(Who::SecondChannelManager),
];

struct Row {
    method: &'static str,
    route: &'static str,
    /// The concrete path; `{acme_user}` is a user of the reseller Acme Secure IT, `{acme}`
    /// that reseller, `{cobalt_admin}` a user and `{cobalt_token}` an API token of an
    /// organisation no signed-in tester is in.
    path: &'static str,
    /// Form fields for POSTs (always sent with a valid CSRF token).
    form: &'static [(&'static str, &'static str)],
    //        anon vadm  cam  dadm dstf radm rusr other sadm cam2
    expect: [u16; 10],
}

const fn row(
    method: &'static str,
    route: &'static str,
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    expect: [u16; 10],
) -> Row {
    Row {
        method,
        route,
        path,
        form,
        expect,
    }
}

/// State-changing rows either aim at another organisation's record (404) or send an
/// invalid form (422), so the table changes nothing; sign-out comes last.
const TABLE: &[Row] = &[
    row(
        "GET",
        "/admin/licenses/import",
        "/admin/licenses/import",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/licenses/import",
        "/admin/licenses/import",
        &[],
        [303, 415, 415, 415, 415, 415, 415, 415, 415, 415],
    ),
    // {acme_customer}: Harbour Logistics, an end customer of Acme with entries (supplied by
    // Northwind, not Southbridge).
    row(
        "GET",
        "/licenses/{end_customer}/print",
        "/licenses/{acme_customer}/print",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 404, 404, 403],
    ),
    row(
        "GET",
        "/licenses/{end_customer}/pdf",
        "/licenses/{acme_customer}/pdf",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 404, 404, 403],
    ),
    row(
        "GET",
        "/admin/maintenance",
        "/admin/maintenance",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/maintenance",
        "/admin/maintenance",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/maintenance/{id}/delete",
        "/admin/maintenance/999999/delete",
        &[],
        [303, 404, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/orders",
        "/orders",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "GET",
        "/orders/new",
        "/orders/new",
        &[],
        [303, 403, 403, 200, 200, 403, 403, 403, 200, 403],
    ),
    row(
        "POST",
        "/orders",
        "/orders",
        &[],
        [303, 403, 403, 422, 422, 403, 403, 403, 422, 403],
    ),
    row(
        "POST",
        "/orders/process",
        "/orders/process",
        &[],
        [303, 303, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/licenses",
        "/licenses",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "POST",
        "/licenses/renew",
        "/licenses/renew",
        &[],
        [303, 403, 403, 403, 403, 303, 303, 303, 403, 403],
    ),
    // {acme_entry}: Harbour Logistics' Intercept X subscription.
    row(
        "GET",
        "/licenses/entries/{entry}/change",
        "/licenses/entries/{acme_entry}/change",
        &[],
        [303, 403, 403, 403, 403, 200, 200, 404, 403, 403],
    ),
    row(
        "POST",
        "/licenses/entries/{entry}/change",
        "/licenses/entries/{acme_entry}/change",
        &[],
        [303, 403, 403, 403, 403, 422, 422, 404, 403, 403],
    ),
    row(
        "GET",
        "/orders/{id}",
        "/orders/999999",
        &[],
        [303, 404, 403, 404, 404, 404, 404, 404, 404, 403],
    ),
    row(
        "GET",
        "/licenses.csv",
        "/licenses.csv",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "GET",
        "/admin/pricing",
        "/admin/pricing",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/pricing",
        "/admin/pricing",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/pricing/promotions",
        "/admin/pricing/promotions",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/pricing/promotions/{code}/delete",
        "/admin/pricing/promotions/NO-SUCH-CODE/delete",
        &[],
        [303, 404, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/quote",
        "/inquiries/{acme_inquiry}/quote",
        &[],
        [303, 403, 403, 404, 404, 403, 403, 404, 404, 403],
    ),
    row(
        "GET",
        "/inquiries/{id}/quote/preview",
        "/inquiries/{acme_inquiry}/quote/preview",
        &[],
        [303, 403, 403, 404, 404, 403, 403, 404, 404, 403],
    ),
    // A draft has no quote to answer (409) for its reseller.
    row(
        "GET",
        "/inquiries/{id}/accept",
        "/inquiries/{acme_inquiry}/accept",
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/accept",
        "/inquiries/{acme_inquiry}/accept",
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/decline",
        "/inquiries/{acme_inquiry}/decline",
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "GET",
        "/inquiries",
        "/inquiries",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "GET",
        "/inquiries/new",
        "/inquiries/new",
        &[],
        [303, 403, 403, 403, 403, 200, 200, 200, 403, 403],
    ),
    row(
        "POST",
        "/inquiries",
        "/inquiries",
        &[],
        [303, 403, 403, 403, 403, 422, 422, 422, 403, 403],
    ),
    // {acme_inquiry}: a draft of Acme's; distributors never see drafts.
    row(
        "GET",
        "/inquiries/{id}",
        "/inquiries/{acme_inquiry}",
        &[],
        [303, 200, 403, 404, 404, 200, 200, 404, 404, 403],
    ),
    row(
        "GET",
        "/inquiries/{id}/preview",
        "/inquiries/{acme_inquiry}/preview",
        &[],
        [303, 200, 403, 404, 404, 200, 200, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/lines",
        "/inquiries/{acme_inquiry}/lines",
        // Without the version its page carries, a change is refused as made on another
        // version (409) before anything else is judged.
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/lines/{line}/term",
        "/inquiries/{acme_inquiry}/lines/999999/term",
        &[],
        [303, 403, 403, 404, 404, 404, 404, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/lines/{line}/remove",
        "/inquiries/{acme_inquiry}/lines/999999/remove",
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "POST",
        "/inquiries/{id}/submit",
        "/inquiries/{acme_inquiry}/submit",
        // Without the version its page carries, a change is refused as made on another
        // version (409) before anything else is judged.
        &[],
        [303, 403, 403, 404, 404, 409, 409, 404, 404, 403],
    ),
    row(
        "GET",
        "/msp",
        "/msp",
        &[],
        [303, 200, 200, 200, 200, 403, 403, 200, 200, 200],
    ),
    // Where a reseller joins the MSP program (Bluepeak is an MSP already: it sees its status).
    row(
        "GET",
        "/msp/program",
        "/msp/program",
        &[],
        [303, 403, 403, 403, 403, 200, 200, 200, 403, 403],
    ),
    // Its administrator applies; an empty form is refused field by field, and an MSP is one.
    row(
        "POST",
        "/msp/program",
        "/msp/program",
        &[],
        [303, 403, 403, 403, 403, 422, 403, 409, 403, 403],
    ),
    row(
        "GET",
        "/msp/applications",
        "/msp/applications",
        &[],
        [303, 200, 200, 403, 403, 403, 403, 403, 403, 200],
    ),
    row(
        "GET",
        "/msp/applications/{id}",
        "/msp/applications/999999",
        &[],
        [303, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/msp/applications/{id}/approve",
        "/msp/applications/999999/approve",
        &[("start_month", "2026-04")],
        [303, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/msp/applications/{id}/reject",
        "/msp/applications/999999/reject",
        &[("reason", "x")],
        [303, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/msp/terms",
        "/msp/terms",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    // Acme is not an MSP: the vendor admin is told so (409); nobody else may.
    row(
        "POST",
        "/admin/organisations/{id}/msp-end",
        "/admin/organisations/{acme}/msp-end",
        &[("from_month", "2026-04"), ("confirm", "yes")],
        [303, 409, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/msp/usage",
        "/msp/usage",
        &[],
        [303, 403, 403, 403, 403, 403, 403, 422, 403, 403],
    ),
    // The upload form is multipart; a urlencoded post is refused as the wrong media type.
    row(
        "POST",
        "/msp/upload",
        "/msp/upload",
        &[],
        [303, 415, 415, 415, 415, 415, 415, 415, 415, 415],
    ),
    // With one MSP in view (the demo's Bluepeak), its statement is the one shown.
    row(
        "GET",
        "/msp/statement.csv",
        "/msp/statement.csv",
        &[],
        [303, 200, 200, 200, 200, 403, 403, 200, 200, 404],
    ),
    row(
        "POST",
        "/msp/close",
        "/msp/close",
        &[],
        [303, 400, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/nfr",
        "/nfr",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/nfr/new",
        "/nfr/new",
        &[],
        [303, 403, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "POST",
        "/nfr",
        "/nfr",
        &[],
        [303, 403, 403, 422, 422, 422, 422, 422, 422, 403],
    ),
    // {acme_nfr}: a rejected NFR request of Acme's (so a decision answers 409 and changes nothing).
    row(
        "GET",
        "/nfr/{id}",
        "/nfr/{acme_nfr}",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 404, 404, 404],
    ),
    row(
        "POST",
        "/nfr/{id}/approve",
        "/nfr/{acme_nfr}/approve",
        &[],
        [303, 409, 409, 403, 403, 403, 403, 404, 404, 404],
    ),
    row(
        "POST",
        "/nfr/{id}/reject",
        "/nfr/{acme_nfr}/reject",
        &[],
        [303, 409, 409, 403, 403, 403, 403, 404, 404, 404],
    ),
    row(
        "GET",
        "/admin/nfr",
        "/admin/nfr",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/nfr",
        "/admin/nfr",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/leads",
        "/leads",
        &[],
        [303, 200, 200, 403, 403, 200, 200, 200, 403, 200],
    ),
    row(
        "GET",
        "/leads/new",
        "/leads/new",
        &[],
        [303, 200, 200, 403, 403, 200, 200, 200, 403, 200],
    ),
    row(
        "POST",
        "/leads",
        "/leads",
        &[],
        [303, 422, 422, 403, 403, 422, 422, 422, 403, 422],
    ),
    // {acme_lead}: the demo's lead assigned to Acme (CAM Casey).
    row(
        "GET",
        "/leads/{id}",
        "/leads/{acme_lead}",
        &[],
        [303, 200, 200, 403, 403, 200, 200, 404, 403, 404],
    ),
    row(
        "POST",
        "/leads/{id}",
        "/leads/{acme_lead}",
        &[],
        [303, 422, 422, 403, 403, 422, 422, 404, 403, 404],
    ),
    row(
        "POST",
        "/leads/{id}/reassign",
        "/leads/{acme_lead}/reassign",
        &[],
        [303, 422, 422, 403, 403, 403, 403, 403, 403, 404],
    ),
    row(
        "GET",
        "/admin/settings",
        "/admin/settings",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/settings",
        "/admin/settings",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/account/sessions/{handle}/end",
        "/account/sessions/not-a-handle/end",
        &[],
        [303, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/account/sessions/end-others",
        "/account/sessions/end-others",
        &[],
        [303, 303, 303, 303, 303, 303, 303, 303, 303, 303],
    ),
    row(
        "GET",
        "/quotes",
        "/quotes",
        &[],
        [303, 200, 403, 200, 200, 200, 200, 200, 200, 403],
    ),
    row(
        "GET",
        "/deals",
        "/deals",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/deals/new",
        "/deals/new",
        &[],
        [303, 403, 403, 403, 403, 200, 200, 200, 403, 403],
    ),
    row(
        "POST",
        "/deals",
        "/deals",
        &[],
        [303, 403, 403, 403, 403, 422, 422, 422, 403, 403],
    ),
    // {acme_deal}: the demo's approved registration of Acme (CAM Casey, distributor Northwind).
    row(
        "GET",
        "/deals/{id}",
        "/deals/{acme_deal}",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 404, 404, 404],
    ),
    row(
        "POST",
        "/deals/{id}/approve",
        "/deals/{acme_deal}/approve",
        &[],
        [303, 409, 409, 403, 403, 403, 403, 404, 404, 404],
    ),
    row(
        "POST",
        "/deals/{id}/reject",
        "/deals/{acme_deal}/reject",
        &[],
        [303, 409, 409, 403, 403, 403, 403, 404, 404, 404],
    ),
    row(
        "POST",
        "/deals/{id}/extend",
        "/deals/{acme_deal}/extend",
        &[],
        [303, 409, 409, 403, 403, 403, 403, 404, 404, 404],
    ),
    row(
        "GET",
        "/mailbox",
        "/mailbox",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/mailbox/{file}",
        "/mailbox/1-000001.eml",
        &[],
        [303, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    // The unsubscribe link's token is its credential; without a valid one there is nothing.
    row(
        "GET",
        "/unsubscribe",
        "/unsubscribe?token=nope",
        &[],
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/unsubscribe",
        "/unsubscribe?token=nope",
        &[],
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "GET",
        "/admin/messages",
        "/admin/messages",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/messages",
        "/admin/messages",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/admin/outbox",
        "/admin/outbox",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/outbox/{id}/retry",
        "/admin/outbox/999999/retry",
        &[],
        [303, 404, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/contact-roles",
        "/contact-roles",
        &[],
        [303, 404, 404, 200, 200, 200, 200, 200, 200, 404],
    ),
    // An empty form: stale (409) for admins, refused for other roles, none for the vendor.
    row(
        "POST",
        "/contact-roles",
        "/contact-roles",
        &[],
        [303, 404, 404, 409, 403, 409, 403, 409, 409, 404],
    ),
    row(
        "POST",
        "/contact-roles/cell",
        "/contact-roles/cell",
        &[],
        [303, 404, 404, 400, 403, 400, 403, 400, 400, 404],
    ),
    row(
        "GET",
        "/admin/catalogue",
        "/admin/catalogue",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    // Multipart only: a urlencoded post is refused before anyone is asked.
    row(
        "POST",
        "/admin/catalogue/import",
        "/admin/catalogue/import",
        &[],
        [303, 415, 415, 415, 415, 415, 415, 415, 415, 415],
    ),
    row(
        "POST",
        "/admin/catalogue/settings",
        "/admin/catalogue/settings",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/admin/catalogue/items/{family}/{band}",
        "/admin/catalogue/items/EPIXAD/B10",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/catalogue/items/{family}/{band}",
        "/admin/catalogue/items/EPIXAD/B10",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/catalogue",
        "/catalogue?q=epixad&term=17",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/healthz",
        "/healthz",
        &[],
        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    // Without METRICS_TOKEN the metrics are not there for anyone, signed in or not.
    row(
        "GET",
        "/metrics",
        "/metrics",
        &[],
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "GET",
        "/static/{file:.*}",
        "/static/app.css",
        &[],
        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/login",
        "/login",
        &[],
        [200, 303, 303, 303, 303, 303, 303, 303, 303, 303],
    ),
    row(
        "POST",
        "/login",
        "/login",
        &[
            ("email", "nobody-{col}@x.example"),
            ("password", "wrong-password"),
        ],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/",
        "/",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/account",
        "/account",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "POST",
        "/account/password",
        "/account/password",
        &[],
        [303, 422, 422, 422, 422, 422, 422, 422, 422, 422],
    ),
    row(
        "GET",
        "/users",
        "/users",
        &[],
        [303, 200, 403, 200, 403, 200, 403, 200, 200, 403],
    ),
    row(
        "GET",
        "/users/new",
        "/users/new",
        &[],
        [303, 200, 403, 200, 403, 200, 403, 200, 200, 403],
    ),
    row(
        "POST",
        "/users",
        "/users",
        &[],
        [303, 422, 403, 422, 403, 422, 403, 422, 422, 403],
    ),
    row(
        "GET",
        "/users/{id}",
        "/users/{acme_user}",
        &[],
        [303, 404, 403, 404, 403, 200, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/users/{id}",
        "/users/{acme_user}",
        &[("display_name", "Changed"), ("role", "reseller_user")],
        [303, 404, 403, 404, 403, 303, 403, 404, 404, 403],
    ),
    // Only a reseller's admin chooses; an empty choice changes nothing.
    row(
        "POST",
        "/users/ordering",
        "/users/ordering",
        &[],
        [303, 403, 403, 403, 403, 303, 403, 303, 403, 403],
    ),
    row(
        "POST",
        "/users/{id}/disable",
        "/users/{cobalt_admin}/disable",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/users/{id}/enable",
        "/users/{acme_user}/enable",
        &[],
        [303, 404, 403, 404, 403, 303, 403, 404, 404, 403],
    ),
    // Lee has accepted long ago: his own admin hears so (409); nobody else finds him.
    row(
        "POST",
        "/users/{id}/invite",
        "/users/{acme_user}/invite",
        &[],
        [303, 404, 403, 404, 403, 409, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/users/{id}/withdraw-invitation",
        "/users/{acme_user}/withdraw-invitation",
        &[],
        [303, 404, 403, 404, 403, 409, 403, 404, 404, 403],
    ),
    // The invitation link's token is its credential; without a valid one there is nothing.
    row(
        "GET",
        "/invitations/{token}",
        "/invitations/nope",
        &[],
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "POST",
        "/invitations/{token}",
        "/invitations/nope",
        &[],
        [404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    row(
        "GET",
        "/admin/organisations",
        "/admin/organisations",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/admin/organisations/new",
        "/admin/organisations/new",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/organisations",
        "/admin/organisations",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/admin/organisations/{id}",
        "/admin/organisations/{acme}",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "POST",
        "/admin/organisations/{id}",
        "/admin/organisations/{acme}",
        &[],
        [303, 422, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/admin/audit",
        "/admin/audit",
        &[],
        [303, 200, 403, 403, 403, 403, 403, 403, 403, 403],
    ),
    row(
        "GET",
        "/sku-translator",
        "/sku-translator",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    // The translator's form is multipart; a urlencoded post is refused as the wrong media type.
    row(
        "POST",
        "/sku-translator",
        "/sku-translator",
        &[],
        [303, 415, 415, 415, 415, 415, 415, 415, 415, 415],
    ),
    row(
        "POST",
        "/sku-translator/csv",
        "/sku-translator/csv",
        &[],
        [303, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    ),
    row(
        "GET",
        "/api-tokens",
        "/api-tokens",
        &[],
        [303, 200, 403, 200, 403, 200, 403, 200, 200, 403],
    ),
    row(
        "POST",
        "/api-tokens",
        "/api-tokens",
        &[],
        [303, 422, 403, 422, 403, 422, 403, 422, 422, 403],
    ),
    row(
        "POST",
        "/api-tokens/{id}/revoke",
        "/api-tokens/{cobalt_token}/revoke",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "GET",
        "/webhooks",
        "/webhooks",
        &[],
        [303, 200, 403, 200, 403, 200, 403, 200, 200, 403],
    ),
    row(
        "POST",
        "/webhooks",
        "/webhooks",
        &[],
        [303, 422, 403, 422, 403, 422, 403, 422, 422, 403],
    ),
    row(
        "GET",
        "/webhooks/{id}",
        "/webhooks/{cobalt_webhook}",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/webhooks/{id}",
        "/webhooks/{cobalt_webhook}",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/webhooks/{id}/test",
        "/webhooks/{cobalt_webhook}/test",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/webhooks/{id}/rotate",
        "/webhooks/{cobalt_webhook}/rotate",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/webhooks/{id}/delete",
        "/webhooks/{cobalt_webhook}/delete",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    row(
        "POST",
        "/webhooks/{id}/deliveries/{delivery}/retry",
        "/webhooks/{cobalt_webhook}/deliveries/{cobalt_delivery}/retry",
        &[],
        [303, 404, 403, 404, 403, 404, 403, 404, 404, 403],
    ),
    // The JSON API takes tokens only: a browser session is no credential.
    row(
        "GET",
        "/api/v1/sku/translate",
        "/api/v1/sku/translate?legacy=IXA-U10-N12M",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "POST",
        "/api/v1/sku/translate",
        "/api/v1/sku/translate",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    // The contract holds no data; its reference page is for signed-in people.
    row(
        "GET",
        "/api/v1/openapi.json",
        "/api/v1/openapi.json",
        &[],
        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/api-reference",
        "/api-reference",
        &[],
        [303, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    // Tokens' scopes and organisations: tests/api_resources.rs.
    row(
        "GET",
        "/api/v1/license-schedules",
        "/api/v1/license-schedules",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/end-customers/{id}/schedule",
        "/api/v1/end-customers/1/schedule",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/catalogue",
        "/api/v1/catalogue",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/orders",
        "/api/v1/orders",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "POST",
        "/api/v1/orders",
        "/api/v1/orders",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/orders/{id}",
        "/api/v1/orders/1",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/inquiries",
        "/api/v1/inquiries",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "GET",
        "/api/v1/inquiries/{id}",
        "/api/v1/inquiries/1",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    row(
        "POST",
        "/api/v1/inquiries/{id}/quote",
        "/api/v1/inquiries/1/quote",
        &[],
        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    ),
    // A visitor who is not signed in has no session, so no form token to sign out with.
    row(
        "POST",
        "/logout",
        "/logout",
        &[],
        [403, 303, 303, 303, 303, 303, 303, 303, 303, 303],
    ),
];

#[test]
fn every_route_is_in_the_table() {
    let routes: BTreeSet<(&str, &str)> = partner_portal::web::route_list().into_iter().collect();
    let table: BTreeSet<(&str, &str)> = TABLE.iter().map(|r| (r.method, r.route)).collect();
    let missing: Vec<_> = routes.difference(&table).collect();
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization table: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:?}"
    );
}

/// A webhook endpoint of Cobalt Systems (no tester's organisation) with a dead delivery.
async fn cobalt_webhook(app: &TestApp, cobalt: i64) -> (i64, i64) {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM webhook_endpoints WHERE org_id = $1")
            .bind(cobalt)
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
    let endpoint = match found {
        Some(id) => id,
        None => sqlx::query_scalar(
            "INSERT INTO webhook_endpoints (org_id, url, events, secret, created_at) \
             VALUES ($1, 'https://cobalt.example/hook', 'order.placed', 'whsec_cobalt', 0) RETURNING id",
        )
        .bind(cobalt)
        .fetch_one(&app.db.pool)
        .await
        .unwrap(),
    };
    let delivery: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, dedupe_key, event_id, event_type, payload, status, next_attempt_at, created_at) \
         VALUES ($1, 'table:cobalt', 'evt_cobalt', 'order.placed', '{}', 'dead', 0, 0) \
         ON CONFLICT (dedupe_key) DO UPDATE SET status = 'dead' RETURNING id",
    )
    .bind(endpoint)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (endpoint, delivery)
}

async fn concrete(app: &TestApp, path: &str) -> String {
    let acme_user = app.id_of_user("renewals@reseller.example").await;
    let cobalt_admin = app.id_of_user("admin@cobalt.example").await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let cobalt = app.id_of_org("Cobalt Systems").await;
    let cobalt_token: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_at) \
         VALUES ($1, 'cobalt', $2, 'pp_x', 0) ON CONFLICT (token_hash) DO UPDATE SET name = 'cobalt' RETURNING id",
    )
    .bind(cobalt)
    .bind("hash-of-a-cobalt-token")
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (cobalt_webhook, cobalt_delivery) = cobalt_webhook(app, cobalt).await;
    path.replace("{acme_user}", &acme_user.to_string())
        .replace("{cobalt_webhook}", &cobalt_webhook.to_string())
        .replace("{cobalt_delivery}", &cobalt_delivery.to_string())
        .replace("{cobalt_admin}", &cobalt_admin.to_string())
        .replace("{acme}", &acme.to_string())
        .replace("{cobalt_token}", &cobalt_token.to_string())
        .replace(
            "{acme_deal}",
            &app.scalar("SELECT MIN(id) FROM deal_registrations")
                .await
                .to_string(),
        )
        .replace("{acme_inquiry}", &acme_inquiry(app).await.to_string())
        .replace("{acme_nfr}", &acme_nfr(app).await.to_string())
        .replace(
            "{acme_customer}",
            &app.scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
                .await
                .to_string(),
        )
        .replace(
            "{acme_entry}",
            &app.scalar("SELECT MIN(id) FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%'")
                .await
                .to_string(),
        )
        .replace(
            "{acme_lead}",
            &app.scalar("SELECT id FROM leads WHERE company = 'Northgate Freight'")
                .await
                .to_string(),
        )
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let mut failures = Vec::new();
    for (col, who) in COLUMNS.iter().enumerate() {
        let client: TestClient = match who {
            Some(w) => app.login_as(*w).await,
            None => app.client(),
        };
        for row in TABLE {
            let path = concrete(&app, row.path).await;
            let status = match row.method {
                "GET" => client.get(&path).await.status().as_u16(),
                _ => {
                    // One unknown account per column, so the per-account throttle stays out of it.
                    let form: Vec<(&str, String)> = row
                        .form
                        .iter()
                        .map(|(k, v)| (*k, v.replace("{col}", &col.to_string())))
                        .collect();
                    let form: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    client.post(&path, &form).await.status().as_u16()
                }
            };
            if status != row.expect[col] {
                failures.push(format!(
                    "{} {} as {:?}: got {status}, expected {}",
                    row.method, path, who, row.expect[col]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization table mismatches:\n{}",
        failures.join("\n")
    );
    // The table changed nobody's account: every demo user is still enabled.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE disabled <> 0")
            .await,
        0
    );
    // Role refusals are written to the audit log.
    let refusals = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'permission_refused'")
        .await;
    assert!(refusals >= 30, "refusals audited: {refusals}");
}

/// A draft inquiry of Acme's for Northwind (made once per app).
async fn acme_inquiry(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO inquiries (reference, reseller_id, end_customer_id, distributor_id, status, created_at) \
         SELECT 'PI-TABLE-1', r.id, e.id, d.id, 'draft', 0 FROM organisations r \
         JOIN end_customers e ON e.reseller_id = r.id JOIN organisations d ON d.name = 'Northwind Distribution' \
         WHERE r.name = 'Acme Secure IT' AND e.name = 'Harbour Logistics Ltd' \
         ON CONFLICT (reference) DO UPDATE SET status = 'draft' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A rejected NFR request of Acme's (made once per app).
async fn acme_nfr(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO nfr_requests (reference, reseller_id, justification, status, reason, created_at) \
         SELECT 'NFR-TABLE-1', id, 'Lab', 'rejected', 'No', 0 FROM organisations WHERE name = 'Acme Secure IT' \
         ON CONFLICT (reference) DO UPDATE SET status = 'rejected' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Field names the portal's forms use, so that junk reaches the parsers behind them.
const FIELDS: &[&str] = &[
    "sku",
    "months",
    "quantity",
    "version",
    "entry",
    "entries",
    "expiring",
    "end_customer",
    "reseller",
    "distributor",
    "name",
    "email",
    "password",
    "current_password",
    "new_password",
    "confirm_password",
    "role",
    "status",
    "notes",
    "note",
    "next_step",
    "reason",
    "term",
    "product",
    "kind",
    "subject",
    "body",
    "levels",
    "distributors",
    "message_key",
    "lead_days",
    "lead_reminder_days",
    "renewal_days",
    "company",
    "contact_name",
    "contact_email",
    "interest",
    "families",
    "estimated_msrp",
    "expected_close",
    "decision",
    "days",
    "code",
    "percent",
    "starts",
    "ends",
    "minimum_USD",
    "minimum_EUR",
    "currency",
    "scopes",
    "last_day",
    "per_minute",
    "quote_days",
    "deal_days",
    "month",
    "csv",
    "commit",
    "action",
    "use_sku",
    "note",
    "partner_level",
    "cam_user_id",
    "distributor_ids",
    "is_msp",
    "display_name",
    "new_customer_name",
    "new_customer_email",
    "new_customer_contact",
    "allotment",
    "family",
    "band",
    "message",
    "url",
    "events",
    "description",
    "confirm",
];

/// Values a careless or hostile person types: case-changing and multi-byte characters before
/// separators, huge numbers, impossible dates, markup, formulas, control characters.
const JUNK: &[&str] = &[
    "\u{212A}\u{212A} x 1",
    "İİİ × 3",
    "ǅǆ, 17",
    "99999999999999999999999999",
    "-1",
    "2023-02-30",
    "１２",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"x\")",
    "\u{202E}\u{0000}\t\r\n",
    "",
];

#[tokio::test]
async fn every_post_route_survives_junk_from_every_role() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    // Long values, under the 256 KiB a form may have (a larger one is refused as a whole).
    let huge = "é".repeat(1_500);
    let mut forms: Vec<Vec<(&str, &str)>> = vec![Vec::new()];
    forms.push(FIELDS.iter().map(|f| (*f, huge.as_str())).collect());
    for junk in JUNK {
        forms.push(FIELDS.iter().map(|f| (*f, *junk)).collect());
    }
    // Every field twice, with two different values.
    forms.push(
        FIELDS
            .iter()
            .flat_map(|f| [(*f, JUNK[0]), (*f, JUNK[3])])
            .collect(),
    );
    // Everyone signs in first: junk sent to /login spends the address's sign-in budget.
    let mut clients = Vec::new();
    for who in COLUMNS.iter().flatten() {
        clients.push((*who, app.login_as(*who).await));
    }
    let mut failures = Vec::new();
    for (who, client) in &clients {
        for row in TABLE
            .iter()
            .filter(|r| r.method == "POST" && r.route != "/logout")
        {
            let path = concrete(&app, row.path).await;
            for form in &forms {
                let r = client.post(&path, form).await;
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                if status >= 500 {
                    failures.push(format!(
                        "{path} as {who:?}: {status} for {:?}",
                        form.first()
                    ));
                } else if (400..500).contains(&status)
                    && !(body.contains("</html>")
                        || path.starts_with("/api/") && !body.trim().is_empty())
                {
                    failures.push(format!("{path} as {who:?}: {status} without a page"));
                }
            }
        }
    }
    // Every list and page, with hostile filters in its address.
    let queries = [
        "?q=%C4%B0%C4%B0%C4%B0+x+1&status=%E2%80%AE&page=-1&customer=%25&reseller=_&family=ZZZZZZZ",
        "?ends_from=2023-02-30&ends_to=9999-99-99&month=13&on=yesterday&page=99999999999999999999",
        "?q=%00&status=%00",
        "?renew=1,2,x,99999999999999999999&end_customer=-1",
    ];
    for (who, client) in &clients {
        for row in TABLE.iter().filter(|r| r.method == "GET") {
            let path = concrete(&app, row.path).await;
            for q in queries {
                let status = client.get(&format!("{path}{q}")).await.status().as_u16();
                if status >= 500 {
                    failures.push(format!("GET {path}{q} as {who:?}: {status}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What each column must never see on a list or in a download: the end customers of the demo
/// schedules that are outside its organisation's scope.
fn foreign_customers(who: Who) -> &'static [&'static str] {
    const ACME: [&str; 2] = ["Harbour Logistics Ltd", "Greenfield Clinics"];
    // Nordlicht's, supplied by Rhein.
    const EURO: [&str; 2] = ["Müller Präzisionstechnik GmbH", "Łódź Logistyka Sp. z o.o."];
    match who {
        Who::VendorAdmin => &[],
        // Casey looks after Acme, Bluepeak and Nordlicht, not Cobalt.
        Who::ChannelManager => &["Cobalt Legal LLP"],
        // Northwind supplies Acme and Bluepeak.
        Who::DistributorAdmin | Who::DistributorStaff => &["Cobalt Legal LLP", EURO[0], EURO[1]],
        Who::ResellerAdmin | Who::ResellerUser => &[
            "Northern Retail Group",
            "Cobalt Legal LLP",
            EURO[0],
            EURO[1],
        ],
        Who::OtherResellerAdmin => &[ACME[0], ACME[1], "Cobalt Legal LLP", EURO[0], EURO[1]],
        // Southbridge supplies Bluepeak and Cobalt.
        Who::SouthbridgeAdmin => &[ACME[0], ACME[1], EURO[0], EURO[1]],
        // The second CAM looks after Cobalt only.
        Who::SecondChannelManager => &[ACME[0], ACME[1], "Northern Retail Group", EURO[0], EURO[1]],
        // Rhein supplies Nordlicht only.
        Who::EuroDistributorAdmin | Who::EuroDistributorStaff | Who::EuroResellerAdmin => &[
            ACME[0],
            ACME[1],
            "Northern Retail Group",
            "Cobalt Legal LLP",
        ],
    }
}

#[tokio::test]
async fn lists_and_downloads_show_only_what_is_in_scope() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let lists = [
        "/licenses",
        "/licenses.csv",
        "/licenses?status=expiring",
        "/orders",
        "/inquiries",
        "/deals",
        "/leads",
        "/nfr",
    ];
    let mut failures = Vec::new();
    let mut read = 0;
    // The euro zone's people too: Rhein and Nordlicht see only Nordlicht's customers.
    let euro = [
        Who::EuroDistributorAdmin,
        Who::EuroDistributorStaff,
        Who::EuroResellerAdmin,
    ];
    for who in COLUMNS.iter().flatten().chain(&euro) {
        let client = app.login_as(*who).await;
        for path in lists {
            let r = client.get(path).await;
            if r.status() != 200 {
                continue;
            }
            read += 1;
            let body = r.text().await.unwrap();
            for name in foreign_customers(*who) {
                if body.contains(name) {
                    failures.push(format!("{path} as {who:?} shows {name}"));
                }
            }
        }
    }
    assert!(read > 30, "most lists are readable by someone ({read})");
    // And the positive side: each organisation does see its own.
    let acme = app.login_as(Who::ResellerUser).await;
    assert!(acme
        .text("/licenses.csv")
        .await
        .contains("Harbour Logistics Ltd"));
    let southbridge = app.login_as(Who::SouthbridgeAdmin).await;
    assert!(southbridge
        .text("/licenses")
        .await
        .contains("Cobalt Legal LLP"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
