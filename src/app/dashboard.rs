//! The home page: what needs the person now, with counts and links (issue 14), and the
//! renewals due per month for the next twelve months.

use super::{Ctx, Error};
use crate::db::{catalogue, dashboard as store};
use crate::domain::sku::Sku;
use crate::domain::status::InquiryStatus;
use crate::domain::{AccessRole, Cents, OrgKind};
use chrono::{Datelike, Days, Months, NaiveDate};

/// One thing that waits, as a line of the home page: "3 quotes waiting for your answer".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub count: i64,
    /// What is counted, for one and for several: ("quote waiting for your answer", "quotes …").
    pub what: (&'static str, &'static str),
    /// Where the list of them is.
    pub href: String,
    /// A figure beside the count, such as the MSRP value of renewals.
    pub detail: Option<String>,
}

impl Item {
    pub fn label(&self) -> &'static str {
        if self.count == 1 {
            self.what.0
        } else {
            self.what.1
        }
    }
}

/// Renewals due in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthDue {
    /// The month's first day.
    pub month: NaiveDate,
    pub entries: i64,
    pub msrp: Cents,
}

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub items: Vec<Item>,
    /// For distributors: the inquiries waiting longest for a quote (at most five).
    pub oldest: Vec<crate::db::inquiries::Queued>,
    /// The next twelve months, this one first (empty for people who see no schedules).
    pub renewals: Vec<MonthDue>,
    /// The currency of the renewals' MSRP: the caller's organisation's price book.
    pub currency: String,
}

fn item(count: i64, what: (&'static str, &'static str), href: impl Into<String>) -> Item {
    Item {
        count,
        what,
        href: href.into(),
        detail: None,
    }
}

fn day(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_add_days(Days::new(days)).unwrap_or(today)
}

/// What waits for the caller, by role.
pub async fn overview(ctx: &Ctx) -> Result<Overview, Error> {
    let role = ctx.role.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let (scope, today) = (ctx.scope, ctx.today);
    let mut items = Vec::new();
    let mut oldest = Vec::new();
    match role.org_kind() {
        OrgKind::Reseller => {
            let work = super::quotes::work(ctx).await?;
            items.push(item(
                work.to_answer.len() as i64,
                (
                    "quote waiting for your answer",
                    "quotes waiting for your answer",
                ),
                "/quotes",
            ));
            items.push(item(
                store::inquiries(pool, scope, InquiryStatus::Draft.as_str()).await?,
                (
                    "draft pricing inquiry not submitted yet",
                    "draft pricing inquiries not submitted yet",
                ),
                "/inquiries?status=draft",
            ));
        }
        OrgKind::Distributor => {
            let work = super::quotes::work(ctx).await?;
            items.push(item(
                work.waiting.len() as i64,
                (
                    "inquiry waiting for a quote",
                    "inquiries waiting for a quote",
                ),
                "/quotes",
            ));
            items.push(item(
                work.lapsing.len() as i64,
                (
                    "quote lapsing within a week",
                    "quotes lapsing within a week",
                ),
                "/quotes",
            ));
            oldest = work.waiting.into_iter().take(5).collect();
        }
        OrgKind::Vendor => {
            items.push(item(
                store::to_decide(pool, scope, store::Decision::DealRegistration).await?,
                (
                    "deal registration to decide",
                    "deal registrations to decide",
                ),
                "/deals?status=submitted",
            ));
            items.push(item(
                store::to_decide(pool, scope, store::Decision::NfrRequest).await?,
                ("NFR request to decide", "NFR requests to decide"),
                "/nfr",
            ));
            items.push(item(
                store::to_decide(pool, scope, store::Decision::MspApplication).await?,
                (
                    "MSP program application to decide",
                    "MSP program applications to decide",
                ),
                "/msp/applications",
            ));
        }
    }
    if role != AccessRole::ChannelManager {
        items.push(item(
            store::orders_waiting(pool, scope).await?,
            (
                "order waiting to be processed",
                "orders waiting to be processed",
            ),
            "/orders",
        ));
    }
    let rule = super::leads::inactivity(ctx).await?;
    let cutoff = rule.cutoff(today);
    match role.org_kind() {
        OrgKind::Reseller => {
            let soon = day(cutoff, u64::from(rule.reminder_days));
            items.push(item(
                store::leads_last_active(pool, scope, "partner", Some(cutoff), soon).await?,
                (
                    "lead expiring within two weeks",
                    "leads expiring within two weeks",
                ),
                "/leads",
            ));
            items.push(item(
                store::deals_expiring(pool, scope, today, day(today, 30)).await?,
                (
                    "deal registration ending within 30 days",
                    "deal registrations ending within 30 days",
                ),
                "/deals?status=approved",
            ));
        }
        OrgKind::Vendor => {
            items.push(item(
                store::leads_last_active(pool, scope, "vendor", None, cutoff).await?,
                ("idle lead", "idle leads"),
                "/leads?status=idle",
            ));
            if role.is_vendor_admin() {
                items.push(item(
                    store::dead_mail(pool).await?,
                    (
                        "e-mail that could not be delivered",
                        "e-mails that could not be delivered",
                    ),
                    "/admin/outbox?status=dead",
                ));
            }
        }
        OrgKind::Distributor => {}
    }
    let mut renewals = Vec::new();
    let currency = match ctx.org {
        Some(org) => crate::db::orgs::currency_of(&ctx.db.pool, org)
            .await?
            .unwrap_or_else(|| catalogue::DEFAULT_CURRENCY.into()),
        None => catalogue::DEFAULT_CURRENCY.into(),
    };
    if role != AccessRole::ChannelManager {
        let due = renewals_due(ctx, &currency).await?;
        for days in [30, 60, 90] {
            let until = day(today, days - 1);
            let (entries, msrp) = due
                .iter()
                .filter(|d| d.ends <= until)
                .fold((0, Cents::new(0)), |(n, v), d| (n + d.entries, v + d.msrp));
            let what = match days {
                30 => (
                    "subscription to renew within 30 days",
                    "subscriptions to renew within 30 days",
                ),
                60 => (
                    "subscription to renew within 60 days",
                    "subscriptions to renew within 60 days",
                ),
                _ => (
                    "subscription to renew within 90 days",
                    "subscriptions to renew within 90 days",
                ),
            };
            let mut item = item(
                entries,
                what,
                format!("/licenses?ends_from={today}&ends_to={until}"),
            );
            item.detail = Some(format!("MSRP {}", msrp.with_currency(&currency)));
            items.push(item);
        }
        renewals = by_month(today, &due);
    }
    Ok(Overview {
        items,
        oldest,
        renewals,
        currency,
    })
}

/// The MSRP of renewing `licenses` of `sku` today (the price book's price of the same SKU).
fn msrp_of(snapshot: &crate::domain::catalogue::Snapshot, sku: &str, licenses: i64) -> Cents {
    let Ok(sku) = Sku::parse(sku) else {
        return Cents::new(0);
    };
    let f = sku.fields();
    snapshot
        .item_of(&sku)
        .and_then(|i| i.msrp_for(f.channel, f.transaction, f.term))
        .map_or(Cents::new(0), |unit| {
            unit * u32::try_from(licenses.max(0)).unwrap_or(u32::MAX)
        })
}

/// Subscriptions ending on one day (of one SKU), with the MSRP of renewing them.
struct Due {
    ends: NaiveDate,
    entries: i64,
    msrp: Cents,
}

/// The rows of [`store::renewals_due`] by database, scope, dates and version.
type DueRows = Vec<(String, String, i64, i64)>;
static RENEWALS_DUE: std::sync::LazyLock<crate::cache::Ttl<String, DueRows>> =
    std::sync::LazyLock::new(|| crate::cache::Ttl::new(std::time::Duration::from_secs(300)));

/// Subscriptions not renewed yet that end from today to the end of the twelfth month, at the
/// MSRP of `currency`'s price book.
async fn renewals_due(ctx: &Ctx, currency: &str) -> Result<Vec<Due>, Error> {
    let pool = &ctx.db.pool;
    let first = ctx.today.with_day(1).unwrap_or(ctx.today);
    let until = first
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(ctx.today);
    let snapshot = catalogue::snapshot(pool, currency).await?;
    // Reading a year of a million entries takes a fifth of a second; the rows change only
    // when entries or order lines are added or removed, which the key notes, so they are
    // kept (prices are applied fresh each time).
    let key = format!(
        "{} {:?} {} {until} {:?}",
        pool.connect_options().database_url,
        ctx.scope,
        ctx.today,
        store::renewals_version(pool).await?
    );
    let rows = RENEWALS_DUE
        .get_or(key, store::renewals_due(pool, ctx.scope, ctx.today, until))
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(sku, ends, entries, licenses)| {
            Some(Due {
                ends: NaiveDate::parse_from_str(&ends, "%Y-%m-%d").ok()?,
                entries,
                msrp: msrp_of(&snapshot, &sku, licenses),
            })
        })
        .collect())
}

/// The renewals due in each of the twelve calendar months from today's.
fn by_month(today: NaiveDate, due: &[Due]) -> Vec<MonthDue> {
    let first = today.with_day(1).unwrap_or(today);
    (0..12)
        .filter_map(|m| first.checked_add_months(Months::new(m)))
        .map(|month| {
            let (entries, msrp) = due
                .iter()
                .filter(|d| d.ends.year() == month.year() && d.ends.month() == month.month())
                .fold((0, Cents::new(0)), |(n, v), d| (n + d.entries, v + d.msrp));
            MonthDue {
                month,
                entries,
                msrp,
            }
        })
        .collect()
}
