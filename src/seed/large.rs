//! `seed-demo --scale large`: the data volume of the performance budgets (PRODUCT.md section 9)
//! on top of the demo data: 50 distributors, 5,000 resellers, 200,000 end customers,
//! 1,000,000 license schedule entries and 200,000 leads.
//!
//! Rows go in as multi-row INSERTs of generated literals (numbers, ISO dates and names made
//! here, never input), in a few large transactions, with explicit ids so that child rows can
//! name their parents without reading them back.

use crate::db::{Backend, Db};
use crate::domain::catalogue::FamilyKind;
use crate::domain::schedule::term_end;
use crate::domain::sku::{Channel, Transaction};
use crate::domain::{Sku, SkuFields};
use anyhow::Context;
use chrono::{Days, NaiveDate};
use std::fmt::Write;

pub const DISTRIBUTORS: i64 = 50;
pub const RESELLERS: i64 = 5_000;
pub const CUSTOMERS_PER_RESELLER: i64 = 40;
pub const ENTRIES_PER_CUSTOMER: i64 = 5;
pub const LEADS_PER_RESELLER: i64 = 40;
/// Rows per INSERT statement.
const BATCH: usize = 1_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub distributors: i64,
    pub resellers: i64,
    pub end_customers: i64,
    pub entries: i64,
    pub leads: i64,
}

async fn next_id(db: &Db, table: &str) -> anyhow::Result<i64> {
    let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
        .fetch_one(&db.pool)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Moves PostgreSQL's identity past explicitly inserted ids (SQLite follows MAX(id) itself).
async fn bump_identity(db: &Db, table: &str) -> anyhow::Result<()> {
    if db.backend == Backend::Postgres {
        sqlx::query(&format!(
            "SELECT CAST(setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table})) AS BIGINT)"
        ))
        .fetch_one(&db.pool)
        .await?;
    }
    Ok(())
}

/// Runs `INSERT INTO {head} VALUES` over `rows`, `BATCH` rows a statement, in one transaction.
async fn insert_all(db: &Db, head: &str, rows: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    let mut sql = String::new();
    let mut n = 0;
    for row in rows {
        if n == 0 {
            sql.clear();
            write!(sql, "INSERT INTO {head} VALUES ")?;
        } else {
            sql.push(',');
        }
        sql.push_str(&row);
        n += 1;
        if n == BATCH {
            sqlx::query(&sql).execute(&mut *tx).await?;
            n = 0;
        }
    }
    if n > 0 {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Loads the large data set once (does nothing when it is there); `today` spreads the dates
/// around the day it runs.
pub async fn seed_large(db: &Db, today: NaiveDate, now: i64) -> anyhow::Result<Option<Counts>> {
    let there: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE name = 'Scale Distributor 001'",
    )
    .fetch_one(&db.pool)
    .await?;
    if there > 0 {
        return Ok(None);
    }
    let snapshot =
        crate::db::catalogue::snapshot(&db.pool, crate::db::catalogue::DEFAULT_CURRENCY).await?;
    let mut products: Vec<(String, String)> = Vec::new();
    let mut items: Vec<_> = snapshot
        .items
        .values()
        .filter(|i| i.kind == FamilyKind::Subscription)
        .collect();
    items.sort_by(|a, b| (&a.family, &a.band).cmp(&(&b.family, &b.band)));
    for item in items {
        for term in [12u8, 24, 36] {
            let sku = Sku::build(SkuFields {
                family: item.family.clone(),
                band: item.band.clone(),
                channel: Channel::Standard,
                transaction: Transaction::New,
                term,
            })?;
            products.push((sku.to_string(), item.describe(&sku).replace('\'', "")));
        }
    }
    anyhow::ensure!(
        !products.is_empty(),
        "the catalogue is empty: seed it first"
    );
    let northwind: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Northwind Distribution'")
            .fetch_optional(&db.pool)
            .await?
            .context("the demo data (Northwind Distribution) is missing: run seed-demo first")?;

    let first_org = next_id(db, "organisations").await?;
    let distributor = |d: i64| first_org + d;
    let reseller = |r: i64| first_org + DISTRIBUTORS + r;
    insert_all(
        db,
        "organisations (id, kind, name, partner_level, cam_user_id, is_msp, currency, created_at)",
        (0..DISTRIBUTORS)
            .map(|d| {
                format!(
                    "({}, 'distributor', 'Scale Distributor {:03}', NULL, NULL, 0, 'USD', {now})",
                    distributor(d),
                    d + 1
                )
            })
            .chain((0..RESELLERS).map(|r| {
                let level = ["authorized", "silver", "gold", "platinum"][(r % 4) as usize];
                format!(
                    "({}, 'reseller', 'Scale Reseller {:04}', '{level}', NULL, {}, 'USD', {now})",
                    reseller(r),
                    r + 1,
                    i64::from(r % 10 == 0)
                )
            })),
    )
    .await?;
    bump_identity(db, "organisations").await?;
    // Each reseller is supplied by one scale distributor; the first 100 also by Northwind, so
    // the demo distributor's pages have volume too.
    insert_all(
        db,
        "reseller_distributors (reseller_id, distributor_id)",
        (0..RESELLERS).flat_map(|r| {
            let mut v = vec![format!(
                "({}, {})",
                reseller(r),
                distributor(r % DISTRIBUTORS)
            )];
            if r < 100 {
                v.push(format!("({}, {northwind})", reseller(r)));
            }
            v
        }),
    )
    .await?;

    let first_customer = next_id(db, "end_customers").await?;
    let customers = RESELLERS * CUSTOMERS_PER_RESELLER;
    insert_all(
        db,
        "end_customers (id, reseller_id, name, contact_name, contact_email, created_at, name_key)",
        (0..customers).map(|c| {
            let id = first_customer + c;
            // The name lower-cased as well (what migration 0040's triggers would otherwise
            // write on SQLite, a second write of each row).
            format!(
                "({id}, {}, 'Customer {:06}', 'License Desk', 'licenses@customer{id}.example', {now}, 'customer {:06}')",
                reseller(c / CUSTOMERS_PER_RESELLER),
                c + 1,
                c + 1
            )
        }),
    )
    .await?;
    bump_identity(db, "end_customers").await?;

    // Starts spread over four years up to a year ahead of today. Each with its end
    // customer's name lower-cased (what migration 0039's triggers would otherwise write).
    let earliest = today.checked_sub_days(Days::new(3 * 365)).unwrap_or(today);
    let entries = customers * ENTRIES_PER_CUSTOMER;
    insert_all(
        db,
        "license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, quantity, \
         start_date, end_date, created_at, customer_key)",
        (0..entries).map(|n| {
            let c = n / ENTRIES_PER_CUSTOMER;
            let (sku, description) = &products[(n as usize * 7) % products.len()];
            let term = u32::from(sku[11..13].parse::<u8>().unwrap_or(12));
            let start = earliest
                .checked_add_days(Days::new(((n * 7919) % (4 * 365)) as u64))
                .unwrap_or(earliest);
            format!(
                "({}, {}, NULL, 'SO-LOAD-{:07}', '{sku}', '{description}', {}, '{start}', '{}', {now}, 'customer {:06}')",
                reseller(c / CUSTOMERS_PER_RESELLER),
                first_customer + c,
                n / 3 + 1,
                5 + n % 200,
                term_end(start, term),
                c + 1
            )
        }),
    )
    .await?;

    // Leads last active over the past 150 days: some past the 90-day limit, some due for the
    // 14-day reminder, most open.
    let leads = RESELLERS * LEADS_PER_RESELLER;
    insert_all(
        db,
        "leads (reseller_id, company, contact_name, contact_email, interest, source, status, next_step, \
         created_by, created_at, last_activity_on)",
        (0..leads).map(|n| {
            let last = today
                .checked_sub_days(Days::new((n * 37 % 150) as u64))
                .unwrap_or(today);
            let status = ["new", "contacted", "qualified", "won", "lost"][(n % 5) as usize];
            format!(
                "({}, 'Prospect {:06}', 'Buyer', 'buyer{n}@prospect.example', 'Endpoint protection', '{}', '{status}', '', \
                 NULL, {now}, '{last}')",
                reseller(n / LEADS_PER_RESELLER),
                n + 1,
                if n % 3 == 0 { "vendor" } else { "partner" },
            )
        }),
    )
    .await?;
    if db.backend == crate::db::Backend::Postgres {
        // What autovacuum would do some minutes later, done now: statistics for the planner,
        // and the visibility map without which an index-only scan still reads every row it
        // passes from the table (a filtered schedule page: 5 ms instead of 0.4 ms). SQLite's
        // planner is left without statistics, as the list queries are written for.
        sqlx::query("VACUUM (ANALYZE)").execute(&db.pool).await?;
    } else {
        // The file written afresh, each table and index in order: a million entries added
        // to eight indexes leave their pages scattered through the file (524 MB against 486
        // after), and a request that reads pages not yet cached pays for it. After the
        // benchmark's minutes of load, 33 of the 1,216 filter combinations took over 50 ms
        // on the file as seeded, 8 on the same data rewritten.
        sqlx::query("VACUUM").execute(&db.pool).await?;
    }
    Ok(Some(Counts {
        distributors: DISTRIBUTORS,
        resellers: RESELLERS,
        end_customers: customers,
        entries,
        leads,
    }))
}
