//! Time-driven jobs. Each takes the date as an input, so tests pin it, and is idempotent:
//! running it twice on a day changes nothing more and mails nobody twice (dedupe keys).

use crate::db::{quotes, Db};
use crate::domain::contact::{ContactRole, Person};
use crate::mail::notify::{queue_for, Notice};
use chrono::{Days, NaiveDate};
use sqlx::Row;

/// Quotes end their validity: reminders this many days before.
pub const QUOTE_REMINDER_DAYS: u64 = 3;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QuoteStats {
    pub reminded: usize,
    pub expired: usize,
}

/// Reminds the author and the reseller's admins of quotes ending within three days, and
/// records quotes whose validity has passed as expired.
pub async fn quote_expiry(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<QuoteStats> {
    let mut stats = QuoteStats::default();
    let rows = sqlx::query(
        "SELECT i.id, i.reference, i.reseller_id, i.author_id, q.version, q.valid_until FROM inquiries i \
         JOIN quotes q ON q.inquiry_id = i.id \
         WHERE i.status = 'quoted' AND q.version = (SELECT MAX(version) FROM quotes WHERE inquiry_id = i.id)",
    )
    .fetch_all(&db.pool)
    .await?;
    let soon = today
        .checked_add_days(Days::new(QUOTE_REMINDER_DAYS))
        .unwrap_or(today);
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let reference: String = r.try_get("reference")?;
        let version: i64 = r.try_get("version")?;
        let until = NaiveDate::parse_from_str(&r.try_get::<String, _>("valid_until")?, "%Y-%m-%d")?;
        let mut tx = db.pool.begin().await?;
        if until < today {
            quotes::set_inquiry_status(&mut tx, id, "expired").await?;
            stats.expired += 1;
        } else if until <= soon {
            let people = crate::db::inquiries::quote_recipients(&mut tx, id).await?;
            let notice = Notice {
                kind: "quote_expiring".into(),
                subject: format!("The quote for {reference} ends on {until}"),
                heading: format!("The quote for {reference} ends soon"),
                paragraphs: vec![format!(
                    "Quote version {version} for {reference} is valid until {until}. Accept or decline it before then; after that it can no longer be accepted."
                )],
                action: Some(("Open the quote".into(), format!("{public_url}/inquiries/{id}"))),
            };
            let event = format!("inquiry:{id}:quote:{version}:expiring");
            for p in &people {
                if queue_for(
                    &mut tx,
                    p,
                    ContactRole::DealRegistration,
                    &event,
                    &notice,
                    public_url,
                    now,
                )
                .await?
                {
                    stats.reminded += 1;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(stats)
}

/// Deal registrations: reminders this many days before the last valid day.
pub const DEAL_REMINDER_DAYS: u64 = 14;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DealStats {
    pub reminded: usize,
    pub expired: usize,
}

/// Tells the reseller's deal registration role (or its admins) of approved registrations
/// ending within 14 days, and records and tells of those that ended.
pub async fn deal_expiry(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<DealStats> {
    let mut stats = DealStats::default();
    let rows = sqlx::query(
        "SELECT d.id, d.reference, d.reseller_id, d.valid_until, e.name AS customer FROM deal_registrations d \
         JOIN end_customers e ON e.id = d.end_customer_id WHERE d.status = 'approved' AND d.valid_until IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let soon = today
        .checked_add_days(Days::new(DEAL_REMINDER_DAYS))
        .unwrap_or(today);
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let reference: String = r.try_get("reference")?;
        let customer: String = r.try_get("customer")?;
        let until = NaiveDate::parse_from_str(&r.try_get::<String, _>("valid_until")?, "%Y-%m-%d")?;
        let reseller = crate::domain::OrgId(r.try_get("reseller_id")?);
        let (what, paragraph) = if until < today {
            ("expired", format!("Deal registration {reference} for {customer} ended on {until}; quotes no longer get its discount."))
        } else if until <= soon {
            ("expiring", format!("Deal registration {reference} for {customer} is valid until {until}. Ask your channel account manager to extend it if the deal is still open."))
        } else {
            continue;
        };
        let mut tx = db.pool.begin().await?;
        if what == "expired" {
            sqlx::query("UPDATE deal_registrations SET status = 'expired' WHERE id = $1 AND status = 'approved'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            stats.expired += 1;
        }
        let notice = Notice {
            kind: format!("deal_registration_{what}"),
            subject: format!("Deal registration {reference} {what}"),
            heading: format!("Deal registration {reference} {what}"),
            paragraphs: vec![paragraph],
            action: Some((
                "See the registration".into(),
                format!("{public_url}/deals/{id}"),
            )),
        };
        let event = format!("deal:{id}:{what}:{until}");
        let told = crate::mail::notify::notify_role(
            &mut tx,
            reseller,
            ContactRole::DealRegistration,
            &event,
            &notice,
            public_url,
            now,
        )
        .await?;
        if what == "expiring" {
            stats.reminded += told.len();
        }
        tx.commit().await?;
    }
    Ok(stats)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    pub orders: usize,
    pub entries: usize,
    /// Orders left waiting because a maintenance window is in force.
    pub waiting: usize,
}

/// Processes every placed order not processed yet, with `completed_on` as the completion date
/// that decides the dates of its entries (PRODUCT.md section 5). Each order is claimed once,
/// so two portal processes never process it twice.
///
/// A renewal line that names the entry it renews is contiguous (the day after that entry
/// ends, or the completion date if that has passed); a mid-term change that names its entry
/// is co-termed with it. Lines from quotes name no entry and start on the completion date.
pub async fn process_orders(
    db: &Db,
    completed_on: NaiveDate,
    by: Option<i64>,
    public_url: &str,
    now: i64,
) -> anyhow::Result<ProcessStats> {
    let waiting = crate::db::orders::unprocessed(&db.pool).await?;
    process_these(db, waiting, completed_on, by, public_url, now).await
}

/// Processes one placed order now (an NFR order when it is issued); like [`process_orders`],
/// it waits during a maintenance window and is never processed twice.
pub async fn process_order(
    db: &Db,
    order: i64,
    completed_on: NaiveDate,
    by: Option<i64>,
    public_url: &str,
    now: i64,
) -> anyhow::Result<ProcessStats> {
    let waiting = crate::db::orders::unprocessed(&db.pool)
        .await?
        .into_iter()
        .filter(|o| o.id == order)
        .collect();
    process_these(db, waiting, completed_on, by, public_url, now).await
}

async fn process_these(
    db: &Db,
    waiting: Vec<crate::db::orders::Order>,
    completed_on: NaiveDate,
    by: Option<i64>,
    public_url: &str,
    now: i64,
) -> anyhow::Result<ProcessStats> {
    use crate::domain::schedule::{co_termed, hardware_warranty, new_subscription, renewal};
    use crate::domain::sku::{Sku, Transaction};
    let mut stats = ProcessStats::default();
    if waiting.is_empty() {
        return Ok(stats);
    }
    // During a maintenance window orders are accepted and wait; after it they are processed
    // with the real completion date.
    if crate::db::maintenance::active(&db.pool, now)
        .await?
        .is_some()
    {
        stats.waiting = waiting.len();
        return Ok(stats);
    }
    let snapshot =
        crate::db::catalogue::snapshot(&db.pool, crate::db::catalogue::DEFAULT_CURRENCY).await?;
    for order in waiting {
        let mut tx = db.pool.begin().await?;
        if !crate::db::orders::claim(&mut tx, order.id, completed_on, by, now).await? {
            continue;
        }
        let mut issued = Vec::new();
        for line in crate::db::orders::lines(&mut tx, order.id).await? {
            let sku = Sku::parse(&line.sku)
                .map_err(|e| anyhow::anyhow!("order {}: {}: {e}", order.reference, line.sku))?;
            let f = sku.fields();
            let period = match (f.transaction, line.changes_entry) {
                (Transaction::Hardware, _) => {
                    let months = snapshot
                        .item_of(&sku)
                        .and_then(|i| i.warranty_months)
                        .unwrap_or(12);
                    hardware_warranty(completed_on, months)
                }
                (Transaction::Renewal | Transaction::Upgrade, Some(changed)) => {
                    let end = crate::db::orders::entry_end(&mut tx, changed)
                        .await?
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "order {}: entry {changed} is not on any schedule",
                                order.reference
                            )
                        })?;
                    let term = u32::from(f.term);
                    if f.transaction == Transaction::Renewal {
                        renewal(completed_on, end, term)
                    } else {
                        // A change of a subscription that ended meanwhile (the order waited
                        // out a maintenance window) cannot be co-termed: it runs its own term.
                        co_termed(completed_on, end)
                            .map(|(period, _)| period)
                            .unwrap_or_else(|_| new_subscription(completed_on, term))
                    }
                }
                _ => new_subscription(completed_on, u32::from(f.term)),
            };
            let entry = crate::db::orders::NewEntry {
                reseller: order.reseller_id,
                end_customer: order.end_customer_id,
                order: order.id,
                order_reference: &order.reference,
                sku: &line.sku,
                description: &line.description,
                quantity: line.quantity,
                start: period.start,
                end: period.end,
            };
            crate::db::orders::insert_entry(&mut tx, &entry, now).await?;
            issued.push(format!(
                "{} × {} ({}): {} to {}",
                line.quantity, line.description, line.sku, period.start, period.end
            ));
            stats.entries += 1;
        }
        let mut paragraphs = vec![format!(
            "Order {} is processed on {completed_on}. The license schedule of {} now has:",
            order.reference, order.end_customer_name
        )];
        paragraphs.extend(issued);
        paragraphs.push("There are no license keys: subscriptions are active from their start date, renewals and changes apply by themselves.".into());
        let notice = Notice {
            kind: "license_schedule_issued".into(),
            subject: format!(
                "License schedule for {}: order {}",
                order.end_customer_name, order.reference
            ),
            heading: format!("License schedule for {}", order.end_customer_name),
            paragraphs,
            action: Some((
                "See the license schedule".into(),
                format!(
                    "{public_url}/licenses?end_customer={}",
                    order.end_customer_id
                ),
            )),
        };
        let event = format!("order:{}:issued", order.id);
        let contact: Option<(String, String)> =
            sqlx::query_as("SELECT contact_name, contact_email FROM end_customers WHERE id = $1")
                .bind(order.end_customer_id)
                .fetch_optional(&mut *tx)
                .await?;
        // An end customer imported without a license contact has no address to write to.
        if let Some((name, email)) = contact.filter(|(_, email)| !email.trim().is_empty()) {
            let person = Person {
                user_id: 0,
                name,
                email,
            };
            queue_for(
                &mut tx,
                &person,
                ContactRole::Renewals,
                &event,
                &notice,
                public_url,
                now,
            )
            .await?;
        }
        crate::mail::notify::notify_role(
            &mut tx,
            order.reseller_id,
            ContactRole::Renewals,
            &event,
            &notice,
            public_url,
            now,
        )
        .await?;
        tx.commit().await?;
        stats.orders += 1;
    }
    Ok(stats)
}

/// Renewal reminders 90, 60 and 30 days before a subscription entry ends (PRODUCT.md section 7;
/// hardware warranties are not renewed),
/// once each, to the reseller's renewals role and each supplying distributor's. Returns how
/// many messages were queued. A day missed (the portal was down) is caught up: every reminder
/// whose day has come and whose entry has not ended yet goes out once.
pub async fn renewal_reminders(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<usize> {
    use crate::domain::schedule::reminder_dates;
    let horizon = today.checked_add_days(Days::new(90)).unwrap_or(today);
    let rows = sqlx::query(
        "SELECT l.id, l.reseller_id, l.sku, l.description, l.quantity, l.end_date, e.name AS customer FROM license_entries l \
         JOIN end_customers e ON e.id = l.end_customer_id WHERE l.end_date >= $1 AND l.end_date <= $2 \
         AND SUBSTR(l.sku, 11, 1) <> 'H' \
         AND (l.reminded_days IS NULL OR (l.end_date <= $3 AND l.reminded_days > 30) OR (l.end_date <= $4 AND l.reminded_days > 60)) \
         ORDER BY l.reseller_id, l.end_date, l.id",
    )
    .bind(today.to_string())
    .bind(horizon.to_string())
    .bind(today.checked_add_days(Days::new(30)).unwrap_or(today).to_string())
    .bind(today.checked_add_days(Days::new(60)).unwrap_or(today).to_string())
    .fetch_all(&db.pool)
    .await?;
    struct Due {
        id: i64,
        reseller: i64,
        days: u32,
        end: NaiveDate,
        line: String,
        subject: String,
    }
    let mut due = Vec::with_capacity(rows.len());
    for r in &rows {
        let end = NaiveDate::parse_from_str(&r.try_get::<String, _>("end_date")?, "%Y-%m-%d")?;
        // The nearest reminder whose day has come (30 before 60 before 90).
        let Some((days, _)) = reminder_dates(end)
            .into_iter()
            .rev()
            .find(|(_, on)| *on <= today)
        else {
            continue;
        };
        let customer: String = r.try_get("customer")?;
        let description: String = r.try_get("description")?;
        due.push(Due {
            id: r.try_get("id")?,
            reseller: r.try_get("reseller_id")?,
            days,
            end,
            line: format!(
                "{} × {description} ({}) of {customer} ends on {end}.",
                r.try_get::<i64, _>("quantity")?,
                r.try_get::<String, _>("sku")?
            ),
            subject: format!("{customer}: {description} ends on {end}"),
        });
    }
    // One message per reseller and day lists its entries; its distributors get the same.
    let mut queued = 0;
    for group in due.chunk_by(|a, b| a.reseller == b.reseller) {
        let reseller = crate::domain::OrgId(group[0].reseller);
        let mut tx = db.pool.begin().await?;
        let mut claimed = Vec::new();
        for d in group {
            // Claimed first: another process sweeping at the same time finds it marked.
            let done = sqlx::query(
                "UPDATE license_entries SET reminded_days = $1 WHERE id = $2 AND (reminded_days IS NULL OR reminded_days > $1)",
            )
            .bind(i64::from(d.days))
            .bind(d.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                claimed.push(d);
            }
        }
        let Some(first) = claimed.first() else {
            continue;
        };
        let mut paragraphs = digest(claimed.iter().map(|d| d.line.clone()).collect());
        paragraphs.push(
            "A renewal ordered before the end continues a subscription without a gap.".into(),
        );
        let (subject, heading) = if claimed.len() == 1 {
            (
                first.subject.clone(),
                format!("Renewal due in {} days", first.days),
            )
        } else {
            let last = claimed.iter().map(|d| d.end).max().unwrap_or(first.end);
            (
                format!("{} subscriptions end by {last}", claimed.len()),
                "Renewals due within 90 days".to_string(),
            )
        };
        let notice = Notice {
            kind: "renewal_reminder".into(),
            subject,
            heading,
            paragraphs,
            action: Some((
                "See the license schedule".into(),
                format!("{public_url}/licenses?status=expiring"),
            )),
        };
        let event = if claimed.len() == 1 {
            format!("entry:{}:renewal:{}", first.id, first.days)
        } else {
            format!("renewals:{}:{today}:{}", reseller.0, first.id)
        };
        let distributors: Vec<i64> = sqlx::query_scalar(
            "SELECT distributor_id FROM reseller_distributors WHERE reseller_id = $1",
        )
        .bind(reseller.0)
        .fetch_all(&mut *tx)
        .await?;
        for org in std::iter::once(reseller.0).chain(distributors) {
            queued += crate::mail::notify::notify_role(
                &mut tx,
                crate::domain::OrgId(org),
                ContactRole::Renewals,
                &event,
                &notice,
                public_url,
                now,
            )
            .await?
            .len();
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// The lines of a reminder that lists many records: the first 25, then how many more.
fn digest(lines: Vec<String>) -> Vec<String> {
    const LISTED: usize = 25;
    let more = lines.len().saturating_sub(LISTED);
    let mut out: Vec<String> = lines.into_iter().take(LISTED).collect();
    if more > 0 {
        out.push(format!("… and {more} more."));
    }
    out
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LeadStats {
    /// Leads recorded as expired.
    pub expired: u64,
    /// Leads the reseller was reminded of (one message per reseller lists them all).
    pub reminded: usize,
}

/// Expires every open lead without activity for 90 days on `today`, then reminds each
/// reseller once of its leads that expire within 14 days. Safe with two processes: the
/// expiry is one statement, and a lead's reminder is claimed before it is sent.
pub async fn lead_expiry(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<LeadStats> {
    use crate::db::leads;
    let mut tx = db.pool.begin().await?;
    let expired = leads::expire(&mut tx, today, now).await?;
    tx.commit().await?;
    let due = {
        let mut conn = db.pool.acquire().await?;
        leads::reminders_due(&mut conn, today).await?
    };
    let mut reminded = 0;
    for group in due.chunk_by(|a, b| a.reseller_id == b.reseller_id) {
        let mut tx = db.pool.begin().await?;
        let mut claimed = Vec::new();
        for l in group {
            if leads::mark_reminded(&mut tx, l.id, &l.expires_on).await? {
                claimed.push(l);
            }
        }
        let Some(first) = claimed.first() else {
            continue;
        };
        let mut paragraphs = digest(
            claimed
                .iter()
                .map(|l| format!("{} expires on {}.", l.company, l.expires_on))
                .collect(),
        );
        paragraphs.push(
            "Record any contact, a new status, notes or a next step to keep a lead open for another 90 days; an expired lead is read-only."
                .into(),
        );
        let subject = if claimed.len() == 1 {
            format!("Lead {} expires on {}", first.company, first.expires_on)
        } else {
            format!("{} leads expire within 14 days", claimed.len())
        };
        let notice = Notice {
            kind: "lead_expiring".into(),
            heading: subject.clone(),
            subject,
            paragraphs,
            action: Some(("See your leads".into(), format!("{public_url}/leads"))),
        };
        let event = format!(
            "leads:{}:expiring:{today}:{}",
            first.reseller_id.0, first.id
        );
        crate::mail::notify::notify_role(
            &mut tx,
            first.reseller_id,
            ContactRole::NewLeads,
            &event,
            &notice,
            public_url,
            now,
        )
        .await?;
        tx.commit().await?;
        reminded += claimed.len();
    }
    Ok(LeadStats { expired, reminded })
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepStats {
    pub quotes: QuoteStats,
    pub deals: DealStats,
    pub renewal_reminders: usize,
    pub leads: LeadStats,
    /// How long each part took, for operators and the benchmark.
    pub timings: [(&'static str, std::time::Duration); 4],
}

/// Every date-driven rule for `today`: quote and deal registration expiry and renewal
/// reminders. `partner-portal sweep --as-of DATE` runs it for any date; `serve` runs it for
/// today every ten minutes. Idempotent.
pub async fn sweep(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<SweepStats> {
    let mut clock = std::time::Instant::now();
    let mut lap = || {
        let took = clock.elapsed();
        clock = std::time::Instant::now();
        took
    };
    let quotes = quote_expiry(db, today, public_url, now).await?;
    let quotes_took = lap();
    let deals = deal_expiry(db, today, public_url, now).await?;
    let deals_took = lap();
    let renewal_reminders = renewal_reminders(db, today, public_url, now).await?;
    let renewals_took = lap();
    let leads = lead_expiry(db, today, public_url, now).await?;
    let leads_took = lap();
    Ok(SweepStats {
        quotes,
        deals,
        renewal_reminders,
        leads,
        timings: [
            ("quotes", quotes_took),
            ("deal registrations", deals_took),
            ("renewal reminders", renewals_took),
            ("leads", leads_took),
        ],
    })
}
