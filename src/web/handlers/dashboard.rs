use crate::domain::{OrgKind, PartnerLevel};
use crate::web::chrome::{menu_for, Chrome};
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub org_kind: &'static str,
    pub partner_level: Option<PartnerLevel>,
    pub cam_name: Option<String>,
    pub is_msp: bool,
    pub distributors: Vec<String>,
    /// The menu, with a sentence each on what it is for.
    pub cards: Vec<(&'static str, &'static str, &'static str)>,
}

fn describe(href: &str) -> &'static str {
    match href {
        "/admin/organisations" => "Create and edit distributors and resellers: partner level, channel account manager, supplying distributors, MSP.",
        "/users" => "Add people to your organisation, set their access role, disable and re-enable them.",
        "/admin/audit" => "Sign-ins, failed sign-ins, refusals and every administrative change.",
        "/account" => "Your name, e-mail and password.",
        "/admin/catalogue" => "Maintain the catalogue, the price book and the legacy SKU table; import them from CSV; set the legacy SKU dates.",
        "/contact-roles" => "Who in your organisation receives which e-mail: renewals, leads, deal registrations, partner program, marketing.",
        "/admin/messages" => "Send a marketing message or a partner program update to resellers of chosen partner levels.",
        "/admin/outbox" => "Every e-mail of the portal: queued, sent, retrying and dead, with a retry button.",
        "/inquiries" => "Ask your distributor for a quote, or answer the inquiries sent to you.",
        "/admin/pricing" => "Partner program and deal registration discounts, promotions, quote and registration validity.",
        "/admin/maintenance" => "Schedule maintenance windows: a banner for everybody, orders wait, chosen sections pause.",
        "/admin/licenses/import" => "Import licenses from the old system into license schedules, with a dry run first.",
        "/orders" => "Orders placed from accepted quotes, and their processing.",
        "/licenses" => "The license schedules of your end customers: what runs from when to when; CSV download.",
        "/msp" => "MSP monthly licensing: usage per end customer and product, monthly statements as CSV; it never stops for maintenance.",
        "/nfr" => "Not-for-resale licenses: the allotment of a partner level, and requests for more, decided by the channel account manager.",
        "/admin/nfr" => "The NFR allotment table: what each partner level gets when a reseller joins.",
        "/leads" => "Work the leads assigned to you or found yourself; 90 days without activity and a lead expires.",
        "/deals" => "Register deals for your end customers, or decide on the registrations of your resellers.",
        "/catalogue" => "Find a product and see its SKU and MSRP for any term from 1 to 60 months.",
        "/api-tokens" => "Tokens that let your organisation's systems call the portal's JSON API.",
        "/sku-translator" => "Turn legacy SKUs into the new 14-character SKUs, with MSRP and whether they are accepted on a date.",
        _ => "",
    }
}

pub async fn dashboard(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let org = crate::db::orgs::get(&user.state.db.pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let distributors = if org.kind == OrgKind::Reseller {
        let ids = crate::db::orgs::distributor_ids_of(&user.state.db.pool, org.id).await?;
        let all = crate::db::orgs::distributors(&user.state.db.pool).await?;
        all.into_iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, n)| n)
            .collect()
    } else {
        vec![]
    };
    let cards = menu_for(user.role, user.org_is_msp)
        .into_iter()
        .filter(|(href, _)| *href != "/")
        .map(|(href, label)| (href, label, describe(href)))
        .collect();
    let page = DashboardPage {
        chrome: Chrome::new(&user, "/", "Dashboard")?,
        org_kind: org.kind.label(),
        partner_level: org.partner_level,
        cam_name: org.cam_name,
        is_msp: org.is_msp,
        distributors,
        cards,
    };
    render::page(&page)
}
