//! Demo pricing inquiries in every state (draft, waiting for a quote, quoted, revised,
//! accepted with its order waiting, declined, expired) for Acme Secure IT and Northwind
//! Distribution, and an MSP program application, made through the same use cases as the
//! pages, so that each home page and list has something real to show on first sign-in.

use crate::app::inquiries::{self, NewInquiry, TypedLine};
use crate::app::quotes::{self, Answer, QuoteInput};
use crate::app::{Ctx, Error};
use crate::db::audit::Actor;
use crate::db::Db;
use crate::domain::{AccessRole, InquiryId, OrgId, UserId};
use anyhow::Context;
use chrono::{Days, NaiveDate};

/// A demo person's context on `today`.
async fn person(db: &Db, email: &str, today: NaiveDate, now: i64) -> anyhow::Result<Ctx> {
    let (user, org, role): (i64, i64, String) =
        sqlx::query_as("SELECT id, org_id, role FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&db.pool)
            .await?
            .with_context(|| format!("the demo user {email}"))?;
    let role = AccessRole::parse(&role).context("a demo user's role")?;
    let (user, org) = (UserId(user), OrgId(org));
    Ok(Ctx {
        db: db.clone(),
        actor: Actor {
            user_id: Some(user),
            email: Some(email.to_string()),
            org_id: Some(org),
            ip: None,
        },
        user: Some(user),
        org: Some(org),
        role: Some(role),
        scope: crate::app::scope_of(role, user, org),
        today,
        now,
        zone: chrono_tz::Tz::UTC,
        public_url: super::DEMO_URL.to_string(),
    })
}

/// How far each demo inquiry goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Draft,
    Submitted,
    Quoted,
    Revised,
    Accepted,
    Declined,
    Expired,
}

async fn version(ctx: &Ctx, id: InquiryId) -> Result<Option<i64>, Error> {
    Ok(Some(quotes::load(ctx, id).await?.version))
}

/// Who takes a demo inquiry along: the reseller's person who asks, the distributor's staff
/// member who quotes, and the distributor's name.
type Parties<'a> = (&'a str, &'a str, &'a str);

/// Acme's inquiries to Northwind, in US dollars.
const ACME: Parties = (
    "sales@reseller.example",
    "staff@distributor.example",
    "Northwind Distribution",
);

/// Nordlicht's inquiries to Rhein, in euros.
const NORDLICHT: Parties = (
    "admin@eu-reseller.example",
    "staff@eu-distributor.example",
    "Rhein Distribution GmbH",
);

/// One inquiry for `customer`, taken to `stage`, begun `days_ago`.
async fn journey(
    db: &Db,
    (today, now): (NaiveDate, i64),
    (asker, quoter, distributor): Parties<'_>,
    customer: i64,
    (lines, stage, days_ago): (&[(&str, &str)], Stage, u64),
) -> anyhow::Result<()> {
    let then = today.checked_sub_days(Days::new(days_ago)).unwrap_or(today);
    let lee = person(db, asker, then, now).await?;
    let sam = person(db, quoter, then, now).await?;
    let distributor: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(distributor)
        .fetch_one(&db.pool)
        .await?;
    let id = inquiries::create(
        &lee,
        NewInquiry {
            end_customer: crate::app::deals::TypedEndCustomer {
                selected: customer.to_string(),
                ..Default::default()
            },
            distributor: distributor.to_string(),
            deal: String::new(),
        },
    )
    .await?;
    for (sku, quantity) in lines {
        let line = TypedLine {
            sku: (*sku).into(),
            months: String::new(),
            quantity: (*quantity).into(),
        };
        inquiries::add_line(&lee, id, &line, version(&lee, id).await?).await?;
    }
    if stage == Stage::Draft {
        return Ok(());
    }
    inquiries::submit(&lee, id, version(&lee, id).await?).await?;
    if stage == Stage::Submitted {
        return Ok(());
    }
    let first = QuoteInput {
        version: version(&sam, id).await?,
        ..Default::default()
    };
    quotes::send(&sam, id, first).await?;
    if stage == Stage::Revised {
        let revised = QuoteInput {
            version: version(&sam, id).await?,
            note: "Revised: the promotion now applies to the whole order.".into(),
            internal_note: "Matched the competitor's offer the reseller forwarded.".into(),
            ..Default::default()
        };
        quotes::send(&sam, id, revised).await?;
    }
    // Answers are given today (an expired quote lapses when answered too late).
    let lee = lee.on(today);
    let answer = match stage {
        Stage::Accepted => Answer::Accept,
        Stage::Declined => Answer::Decline,
        Stage::Expired => Answer::Accept,
        _ => return Ok(()),
    };
    match quotes::answer(&lee, id, answer, version(&lee, id).await?, "PO-2026-118").await {
        Ok(_) => Ok(()),
        Err(Error::Conflict(_)) if stage == Stage::Expired => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The lines of a demo inquiry: (SKU, quantity).
type Lines<'a> = &'a [(&'a str, &'a str)];

/// Loads the demo inquiries once (nothing when any inquiry exists).
pub async fn seed_journeys(db: &Db, today: NaiveDate, now: i64) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inquiries")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let customer = |reseller: &'static str, name: &'static str| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT e.id FROM end_customers e JOIN organisations r ON r.id = e.reseller_id \
             WHERE r.name = $1 AND e.name = $2",
        )
        .bind(reseller)
        .bind(name)
        .fetch_optional(&db.pool)
        .await
    };
    let (Some(harbour), Some(greenfield), Some(mueller), Some(lodz)) = (
        customer("Acme Secure IT", "Harbour Logistics Ltd").await?,
        customer("Acme Secure IT", "Greenfield Clinics").await?,
        customer("Nordlicht IT GmbH", "Müller Präzisionstechnik GmbH").await?,
        customer("Nordlicht IT GmbH", "Łódź Logistyka Sp. z o.o.").await?,
    ) else {
        return Ok(false);
    };
    let when = (today, now);
    let endpoint = [("EPIXADB10SN12T", "25")];
    let mixed = [("EPIXADB10SN12T", "40"), ("HWX310000SH00G", "2")];
    #[rustfmt::skip]
    let plan: [(i64, Lines, Stage, u64); 8] = [
        (harbour, &endpoint, Stage::Draft, 1),
        (greenfield, &mixed, Stage::Submitted, 6),
        (harbour, &mixed, Stage::Submitted, 2),
        (greenfield, &endpoint, Stage::Quoted, 4),
        (harbour, &mixed, Stage::Revised, 5),
        (greenfield, &mixed, Stage::Accepted, 3),
        (harbour, &endpoint, Stage::Declined, 12),
        (greenfield, &endpoint, Stage::Expired, 45),
    ];
    for (customer, lines, stage, days_ago) in plan {
        journey(db, when, ACME, customer, (lines, stage, days_ago)).await?;
    }
    // The euro zone: Nordlicht's inquiries to Rhein, priced from the EUR book.
    let xdr = [("EPIXDRB25SN12Y", "40")];
    #[rustfmt::skip]
    let euro: [(i64, Lines, Stage, u64); 3] = [
        (mueller, &endpoint, Stage::Draft, 1),
        (lodz, &xdr, Stage::Submitted, 2),
        (mueller, &mixed, Stage::Quoted, 3),
    ];
    for (customer, lines, stage, days_ago) in euro {
        journey(db, when, NORDLICHT, customer, (lines, stage, days_ago)).await?;
    }
    // Cobalt Systems has applied to join the MSP program: the vendor admin (or Cobalt's CAM)
    // finds it on the home page and decides.
    let cobalt = person(db, "admin@cobalt.example", today, now).await?;
    let trained = today.checked_sub_days(Days::new(9)).unwrap_or(today);
    crate::app::msp_program::apply(
        &cobalt,
        &crate::app::msp_program::ApplicationInput {
            training_completed_on: trained.to_string(),
            trained_people: "Chris Walker, Priya Raman".into(),
            accept_terms: true,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("the demo MSP application: {e}"))?;
    Ok(true)
}
