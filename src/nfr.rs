//! NFR licenses as orders: the allotment a reseller gets when it joins, and an approved NFR
//! request, become zero-dollar orders supplied by the vendor, processed like any other order
//! (so the dates follow PRODUCT.md section 5 and the schedule is mailed), onto the
//! reseller's own-use schedule.

use crate::db::orders::{self, NewOrderLine};
use crate::db::{catalogue, nfr, orgs, Db};
use crate::domain::contact::ContactRole;
use crate::domain::{Cents, OrgId, PartnerLevel, Sku, UserId};
use crate::mail::notify::{notify_role, Notice};
use chrono::{Datelike, NaiveDate};

/// An NFR order's lines: (SKU, quantity) with the catalogue's description, at zero cost.
pub fn zero_dollar_lines(
    snapshot: &crate::domain::catalogue::Snapshot,
    lines: &[(Sku, i64)],
) -> Vec<NewOrderLine> {
    lines
        .iter()
        .map(|(sku, quantity)| {
            let item = snapshot.item_of(sku);
            NewOrderLine {
                sku: sku.to_string(),
                description: item
                    .map(|i| format!("{} (NFR)", i.describe(sku)))
                    .unwrap_or_else(|| format!("{sku} (NFR)")),
                quantity: *quantity,
                changes_entry: None,
                unit_msrp: item
                    .and_then(|i| {
                        let f = sku.fields();
                        i.msrp_for(f.channel, f.transaction, f.term)
                    })
                    .unwrap_or(Cents(0)),
                net: Cents(0),
            }
        })
        .collect()
}

/// Places an NFR order for the reseller (vendor-supplied, own-use end customer) in `tx`.
pub async fn place_nfr_order(
    tx: &mut sqlx::AnyConnection,
    db: &Db,
    reseller: OrgId,
    lines: &[NewOrderLine],
    by: UserId,
    today: NaiveDate,
    now: i64,
) -> anyhow::Result<(i64, String)> {
    let vendor = orgs::vendor(&db.pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no vendor organisation"))?;
    let org = orgs::get(&db.pool, reseller)
        .await?
        .ok_or_else(|| anyhow::anyhow!("reseller {} is gone", reseller.0))?;
    let customer = nfr::own_use_customer(tx, reseller, &org.name, now).await?;
    Ok(orders::place_direct(
        tx,
        reseller,
        vendor.id,
        customer,
        lines,
        by,
        today.year(),
        now,
    )
    .await?)
}

/// What joining gave a reseller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// It had its grant already: nothing changed.
    Already,
    /// Its level has no allotment: recorded as joined, nothing to issue.
    Nothing,
    /// An order of these many lines was placed and processed.
    Issued { order: String, lines: usize },
}

/// Gives a reseller that joined at `level` its level's NFR allotment, once: a zero-dollar order
/// processed on the joining date (after a maintenance window, on the day it is processed),
/// and tells its partner program role.
pub async fn grant_on_join(
    db: &Db,
    reseller: OrgId,
    level: PartnerLevel,
    joined_on: NaiveDate,
    by: UserId,
    public_url: &str,
    now: i64,
) -> anyhow::Result<Grant> {
    let allotment = nfr::allotment_of(&db.pool, level).await?;
    let snapshot = catalogue::snapshot(&db.pool, catalogue::DEFAULT_CURRENCY).await?;
    let mut skus = Vec::new();
    for row in &allotment {
        let hardware = snapshot
            .items
            .get(&(row.family.clone(), row.band.clone()))
            .is_some_and(|i| i.kind == crate::domain::catalogue::FamilyKind::Hardware);
        skus.push((row.sku(hardware)?, row.quantity));
    }
    let lines = zero_dollar_lines(&snapshot, &skus);
    let mut tx = db.pool.begin().await?;
    if !nfr::grant_once(&mut tx, reseller, level, joined_on, now).await? {
        return Ok(Grant::Already);
    }
    if lines.is_empty() {
        tx.commit().await?;
        return Ok(Grant::Nothing);
    }
    let (order_id, reference) =
        place_nfr_order(&mut tx, db, reseller, &lines, by, joined_on, now).await?;
    nfr::set_grant_order(&mut tx, reseller, order_id).await?;
    let mut paragraphs = vec![format!(
        "Welcome to the {} partner program. Your not-for-resale (NFR) allotment is issued at no cost, for 12 months from {joined_on}:",
        level.label()
    )];
    paragraphs.extend(
        lines
            .iter()
            .map(|l| format!("{} × {} ({})", l.quantity, l.description, l.sku)),
    );
    paragraphs
        .push("For anything more, ask your channel account manager with an NFR request.".into());
    let notice = Notice {
        kind: "nfr_allotment_issued".into(),
        subject: "Your NFR allotment is issued".into(),
        heading: "Your NFR allotment".into(),
        paragraphs,
        action: Some(("See your NFR licenses".into(), format!("{public_url}/nfr"))),
    };
    notify_role(
        &mut tx,
        reseller,
        ContactRole::PartnerProgram,
        &format!("nfr:grant:{}", reseller.0),
        &notice,
        public_url,
        now,
    )
    .await?;
    tx.commit().await?;
    crate::jobs::process_order(db, order_id, joined_on, Some(by.0), public_url, now).await?;
    Ok(Grant::Issued {
        order: reference,
        lines: lines.len(),
    })
}
