use crate::app;
use crate::domain::{OrgKind, PartnerLevel};
use crate::web::chrome::Chrome;
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
    /// The currency a distributor trades in, or a reseller's own statements are in.
    pub currency: Option<String>,
    pub distributors: Vec<String>,
    pub overview: app::dashboard::Overview,
    pub chart: Chart,
    pub today: chrono::NaiveDate,
}

impl DashboardPage {
    /// "3 days" since an inquiry was submitted.
    pub fn age(&self, q: &crate::db::inquiries::Queued) -> String {
        super::quotes::age(self.today, q)
    }
    pub fn nothing_waits(&self) -> bool {
        self.overview.items.iter().all(|i| i.count == 0)
    }
}

/// The renewals chart, drawn on the server as SVG (no script): a bar per month whose height is
/// the MSRP value due, the number of subscriptions above it.
pub struct Chart {
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
    pub baseline: u32,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// "Jan", under the bar.
    pub month: String,
    /// "January 2027", for the table and the bar's title.
    pub month_long: String,
    pub entries: i64,
    pub msrp: String,
}

impl Chart {
    /// Whether any month has a renewal due.
    pub fn any(&self) -> bool {
        self.bars.iter().any(|b| b.entries > 0)
    }

    fn of(months: &[app::dashboard::MonthDue], currency: &str) -> Chart {
        const W: u32 = 600;
        const TOP: u32 = 24;
        const BASE: u32 = 180;
        let slot = W / 12;
        let max = months
            .iter()
            .map(|m| m.msrp.cents())
            .max()
            .unwrap_or(0)
            .max(1);
        let bars = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let h =
                    u32::try_from(m.msrp.cents().max(0) * i64::from(BASE - TOP) / max).unwrap_or(0);
                let h = if m.entries > 0 { h.max(2) } else { 0 };
                Bar {
                    x: u32::try_from(i).unwrap_or(0) * slot + 6,
                    y: BASE - h,
                    w: slot - 12,
                    h,
                    month: m.month.format("%b").to_string(),
                    month_long: m.month.format("%B %Y").to_string(),
                    entries: m.entries,
                    msrp: m.msrp.with_currency(currency),
                }
            })
            .collect();
        Chart {
            bars,
            width: W,
            height: BASE + 24,
            baseline: BASE,
        }
    }
}

pub async fn dashboard(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let org = crate::db::orgs::get(&user.state.db.pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let distributors = if org.kind == OrgKind::Reseller {
        crate::db::orgs::suppliers(&user.state.db.pool, org.id)
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect()
    } else {
        vec![]
    };
    let overview = app::dashboard::overview(&user.ctx).await?;
    let page = DashboardPage {
        chrome: Chrome::new(&user, "/", "Dashboard")?,
        org_kind: org.kind.label(),
        partner_level: org.partner_level,
        cam_name: org.cam_name,
        is_msp: org.is_msp,
        currency: (org.kind != OrgKind::Vendor).then_some(org.currency),
        distributors,
        chart: Chart::of(&overview.renewals, &overview.currency),
        overview,
        today: user.ctx.today,
    };
    render::page(&page)
}
