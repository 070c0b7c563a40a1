//! Time-driven jobs. Each takes the date as an input, so tests pin it, and is idempotent:
//! running it twice on a day changes nothing more and mails nobody twice (dedupe keys).

use crate::db::{quotes, Db};
use crate::domain::contact::ContactRole;
use crate::domain::webhook::EventType;
use crate::mail::notices;
use crate::mail::notify::queue_for;
use chrono::{Days, NaiveDate};

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
    let open = quotes::open_quotes(&db.pool).await?;
    let soon = today
        .checked_add_days(Days::new(QUOTE_REMINDER_DAYS))
        .unwrap_or(today);
    for q in &open {
        let (id, reference, version, until) = (q.inquiry, &q.reference, q.version, q.valid_until);
        let mut tx = db.pool.begin().await?;
        if until < today {
            quotes::set_inquiry_status(&mut tx, id, "expired").await?;
            stats.expired += 1;
        } else if until <= soon {
            let people = crate::db::inquiries::quote_recipients(&mut tx, id).await?;
            let notice = notices::quote_expiring(id, reference, version, until, public_url);
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
    let approved = crate::db::deals::approved(&db.pool).await?;
    let soon = today
        .checked_add_days(Days::new(DEAL_REMINDER_DAYS))
        .unwrap_or(today);
    for d in &approved {
        let (id, reference, customer) = (d.id, &d.reference, &d.end_customer_name);
        let (until, reseller) = (d.valid_until, d.reseller);
        let what = if until < today {
            "expired"
        } else if until <= soon {
            "expiring"
        } else {
            continue;
        };
        let mut tx = db.pool.begin().await?;
        if what == "expired" {
            crate::db::deals::mark_expired(&mut tx, id, until, now).await?;
            stats.expired += 1;
        }
        let notice = notices::deal_ending(
            id,
            reference,
            customer,
            until,
            what == "expired",
            public_url,
        );
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

pub use crate::app::orders::ProcessStats;

/// The order-processing timer: processes every waiting order with `completed_on` as the
/// completion date (`app::orders::process_waiting`). `by` is the vendor admin who pressed
/// the button, if any.
pub async fn process_orders(
    db: &Db,
    completed_on: NaiveDate,
    by: Option<i64>,
    public_url: &str,
    now: i64,
) -> anyhow::Result<ProcessStats> {
    let mut ctx = crate::app::Ctx::system(db.clone(), completed_on, now, public_url);
    ctx.user = by.map(crate::domain::UserId);
    crate::app::orders::process_waiting(&ctx, completed_on).await
}

/// Renewal reminders 90, 60 and 30 days before a standard subscription entry ends (PRODUCT.md
/// section 7; hardware warranties, NFR and MSP entries are not renewed by order), once each,
/// unless a placed order renews the entry already: to the reseller's renewals role, and to the
/// renewals role of the distributor that sold the entry (every supplier for an entry imported
/// from the old system, which names no seller). Returns how many messages were queued. A day missed (the portal was down) is caught up: every reminder
/// whose day has come and whose entry has not ended yet goes out once.
pub async fn renewal_reminders(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<usize> {
    let days = crate::db::orders::renewal_reminders(&db.pool).await?;
    let rows = crate::db::orders::reminder_candidates(&db.pool, today, &days).await?;
    struct Due {
        id: i64,
        reseller: i64,
        sold_by: Option<crate::domain::OrgId>,
        what: notices::RenewalDue,
        told: crate::app::webhooks::RenewalDue,
    }
    // Most days nobody's system listens: then no event is built.
    let listened = crate::db::webhooks::anyone_takes(&db.pool, EventType::RenewalReminder).await?;
    let mut due = Vec::with_capacity(rows.len());
    for r in &rows {
        let end = r.end;
        // The nearest reminder whose day has come (30 before 60 before 90), once.
        let Some(days) = days.due(end, today, r.reminded_days) else {
            continue;
        };
        let (customer, description) = (&r.end_customer_name, &r.description);
        due.push(Due {
            id: r.id,
            reseller: r.reseller.0,
            sold_by: r.sold_by,
            told: crate::app::webhooks::RenewalDue {
                entry_id: r.id,
                end_customer_id: r.end_customer_id,
                end_customer: customer.clone(),
                sku: r.sku.clone(),
                description: description.clone(),
                quantity: r.quantity,
                end_date: end.to_string(),
                days_before: days,
            },
            what: notices::RenewalDue {
                days,
                end,
                line: format!(
                    "{} × {description} ({}) of {customer} ends on {end}.",
                    r.quantity, r.sku
                ),
                subject: format!("{customer}: {description} ends on {end}"),
            },
        });
    }
    // One message per reseller and day lists its entries; each distributor's lists those it
    // sold. Resellers are taken a few thousand entries at a time: one transaction claims their
    // entries and queues their mail.
    let suppliers = crate::db::orgs::suppliers_of_every_reseller(&db.pool).await?;
    let mut audiences = crate::mail::notify::Audiences::new(public_url, now);
    let mut queued = 0;
    for batch in batches(
        due.chunk_by(|a, b| a.reseller == b.reseller),
        CLAIMED_AT_ONCE,
    ) {
        let mut tx = db.pool.begin().await?;
        // Claimed first: another process sweeping at the same time finds them marked.
        let mut claimed = std::collections::HashSet::new();
        for days in days.days() {
            let ids: Vec<i64> = batch
                .iter()
                .flat_map(|g| g.iter())
                .filter(|d| d.what.days == *days)
                .map(|d| d.id)
                .collect();
            if !ids.is_empty() {
                claimed.extend(crate::db::orders::claim_reminders(&mut tx, &ids, *days).await?);
            }
        }
        // Who hears, read for every reseller of the batch and its distributors at once.
        let orgs = batch.iter().flat_map(|g| {
            let reseller = crate::domain::OrgId(g[0].reseller);
            std::iter::once(reseller).chain(suppliers.get(&reseller).into_iter().flatten().copied())
        });
        audiences.read(&mut tx, ContactRole::Renewals, orgs).await?;
        for group in batch {
            let claimed: Vec<&Due> = group.iter().filter(|d| claimed.contains(&d.id)).collect();
            let Some(first) = claimed.first() else {
                continue;
            };
            let reseller = crate::domain::OrgId(first.reseller);
            // The reseller hears of all of them; each distributor of the ones it sold (an entry
            // imported from the old system names no seller: every supplier hears of it).
            let mut told = vec![(reseller, claimed.clone())];
            for d in suppliers.get(&reseller).into_iter().flatten() {
                let sold: Vec<&Due> = claimed
                    .iter()
                    .copied()
                    .filter(|e| e.sold_by.is_none_or(|s| s == *d))
                    .collect();
                if !sold.is_empty() {
                    told.push((*d, sold));
                }
            }
            for (org, entries) in told {
                let listed: Vec<&notices::RenewalDue> = entries.iter().map(|d| &d.what).collect();
                let ids: Vec<i64> = entries.iter().map(|d| d.id).collect();
                let renew = (org == reseller).then_some(ids.as_slice());
                let notice = notices::renewals_due(&listed, renew, public_url);
                let event = match entries.as_slice() {
                    [one] => format!("entry:{}:renewal:{}", one.id, one.what.days),
                    _ => format!("renewals:{}:{today}:{}", org.0, entries[0].id),
                };
                queued += audiences
                    .notify(&mut tx, org, ContactRole::Renewals, &event, &notice)
                    .await?
                    .len();
                if listened {
                    let told: Vec<&crate::app::webhooks::RenewalDue> =
                        entries.iter().map(|d| &d.told).collect();
                    // The vendor's systems hear of every entry once, with the reseller.
                    crate::app::webhooks::tell_renewals(
                        &mut tx,
                        org,
                        org == reseller,
                        &event,
                        &told,
                        now,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// How many entries or leads one transaction of the sweep claims (and mails about).
const CLAIMED_AT_ONCE: usize = 2_000;

/// Groups (one per organisation) gathered into batches of about `size` items: a group is
/// never split, so each organisation's message lists all of its items.
fn batches<'a, T>(groups: impl Iterator<Item = &'a [T]>, size: usize) -> Vec<Vec<&'a [T]>> {
    let mut batches: Vec<Vec<&[T]>> = Vec::new();
    let mut filled = size;
    for group in groups {
        if filled >= size {
            batches.push(Vec::new());
            filled = 0;
        }
        filled += group.len();
        if let Some(last) = batches.last_mut() {
            last.push(group);
        }
    }
    batches
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LeadStats {
    /// Leads recorded as expired.
    pub expired: u64,
    /// Leads the reseller was reminded of (one message per reseller lists them all).
    pub reminded: usize,
}

/// Expires every partner-generated open lead without activity for more than the inactivity
/// limit (90 days by default) on `today`, then reminds each reseller once of its leads that
/// expire within the reminder days (14). Vendor-assigned leads never expire (they show as idle
/// for their CAM). Safe with two processes: the expiry is one statement, and a lead's reminder
/// is claimed before it is sent.
pub async fn lead_expiry(
    db: &Db,
    today: NaiveDate,
    public_url: &str,
    now: i64,
) -> anyhow::Result<LeadStats> {
    use crate::db::leads;
    let rule = leads::inactivity(&db.pool).await?;
    let mut tx = db.pool.begin().await?;
    let gone = leads::expire(&mut tx, today, rule, now).await?;
    // In the same transaction: the reseller's new-leads role hears of its expired leads.
    let mut audiences = crate::mail::notify::Audiences::new(public_url, now);
    let resellers = gone.iter().map(|l| l.reseller_id);
    audiences
        .read(&mut tx, ContactRole::NewLeads, resellers)
        .await?;
    for group in gone.chunk_by(|a, b| a.reseller_id == b.reseller_id) {
        let listed: Vec<(i64, &str, NaiveDate)> = group
            .iter()
            .map(|l| (l.id.0, l.company.as_str(), l.last_activity_on))
            .collect();
        let notice = notices::leads_expired(&listed, rule.days, public_url);
        let event = format!(
            "leads:{}:expired:{today}:{}",
            group[0].reseller_id.0, group[0].id
        );
        audiences
            .notify(
                &mut tx,
                group[0].reseller_id,
                ContactRole::NewLeads,
                &event,
                &notice,
            )
            .await?;
    }
    tx.commit().await?;
    let expired = gone.len() as u64;
    let due = {
        let mut conn = db.pool.acquire().await?;
        leads::reminders_due(&mut conn, today, rule).await?
    };
    let mut reminded = 0;
    for batch in batches(
        due.chunk_by(|a, b| a.reseller_id == b.reseller_id),
        CLAIMED_AT_ONCE,
    ) {
        let mut tx = db.pool.begin().await?;
        let ids: Vec<i64> = batch
            .iter()
            .flat_map(|g| g.iter())
            .map(|l| l.id.0)
            .collect();
        let claimed = leads::claim_reminders(&mut tx, &ids, today, rule).await?;
        let resellers = batch.iter().map(|g| g[0].reseller_id);
        audiences
            .read(&mut tx, ContactRole::NewLeads, resellers)
            .await?;
        for group in batch {
            let claimed: Vec<&leads::DueReminder> =
                group.iter().filter(|l| claimed.contains(&l.id.0)).collect();
            let Some(first) = claimed.first() else {
                continue;
            };
            let listed: Vec<(i64, &str, NaiveDate)> = claimed
                .iter()
                .map(|l| (l.id.0, l.company.as_str(), rule.over_on(l.last_activity_on)))
                .collect();
            let notice = notices::leads_expiring(&listed, public_url);
            let event = format!(
                "leads:{}:expiring:{today}:{}",
                first.reseller_id.0, first.id
            );
            audiences
                .notify(
                    &mut tx,
                    first.reseller_id,
                    ContactRole::NewLeads,
                    &event,
                    &notice,
                )
                .await?;
            reminded += claimed.len();
        }
        tx.commit().await?;
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

/// Runs `run` every `every` inside `serve`, recording each run's duration and outcome under
/// `name` in the metrics and logging what a run did (`stats` other than its default).
pub fn repeat<F, Fut, S>(
    name: &'static str,
    every: std::time::Duration,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    run: F,
) where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<S>> + Send,
    S: std::fmt::Debug + Default + PartialEq + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let started = std::time::Instant::now();
            let outcome = run().await;
            metrics.observe_job(name, started.elapsed(), outcome.is_ok());
            match outcome {
                Ok(stats) if stats != S::default() => tracing::info!(job = name, ?stats, "done"),
                Ok(_) => {}
                Err(e) => tracing::warn!(job = name, error = ?e, "run failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn a_batch_holds_whole_groups_of_about_the_size() {
        let items = [1, 1, 1, 2, 2, 3, 4, 4, 4, 4, 5];
        let sizes = |size| -> Vec<Vec<Vec<i32>>> {
            batches(items.chunk_by(|a, b| a == b), size)
                .into_iter()
                .map(|b| b.into_iter().map(<[i32]>::to_vec).collect())
                .collect()
        };
        // A batch closes once it holds `size` items or more; a group is never split.
        assert_eq!(
            sizes(4),
            [
                vec![vec![1, 1, 1], vec![2, 2]],
                vec![vec![3], vec![4, 4, 4, 4]],
                vec![vec![5]],
            ]
        );
        assert_eq!(sizes(100).len(), 1);
        assert_eq!(sizes(1).len(), 5, "one group per batch");
        assert!(batches(std::iter::empty::<&[i32]>(), 3).is_empty());
    }
}
