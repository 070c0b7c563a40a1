//! Quotes (PRODUCT.md section 4): distributor staff turn a submitted inquiry into a quote
//! with the approved discounts (lowered, never raised, with a reason), and the reseller
//! accepts it (an order is placed through [`orders::place_in`]) or declines it.

use super::orders::{self, NewOrder, Origin};
use super::{Ctx, Error};
use crate::db::inquiries::{self, Inquiry};
use crate::db::{catalogue, deals, quotes as store};
use crate::domain::contact::ContactRole;
use crate::domain::pricing::{
    adjust, price_line, proposed, totals, Adjustment, Bp, Discount, Level, QuoteContext,
};
use crate::domain::status::{InquiryEvent, InquiryStatus};
use crate::domain::{AccessRole, FieldErrors, InquiryId, PartnerLevel};
use crate::mail::notices;
use crate::mail::notify::queue_for;

/// An inquiry in the caller's scope (channel account managers see none: 403, audited).
pub async fn load(ctx: &Ctx, id: InquiryId) -> Result<Inquiry, Error> {
    ctx.require(
        ctx.role != Some(AccessRole::ChannelManager),
        "see pricing inquiries",
    )
    .await?;
    inquiries::get(&ctx.db.pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)
}

/// The conflict of a save made on a version someone else changed meanwhile.
pub fn stale(inquiry: &Inquiry) -> Error {
    Error::Conflict(format!(
        "{} was changed by someone else after you opened it. Nothing was saved; reload the page and make your change again.",
        inquiry.reference
    ))
}

/// A line as distributor staff prepare its quote: the proposed (approved) discounts.
pub struct ProposalLine {
    pub line: inquiries::Line,
    pub proposed: Vec<Discount>,
}

/// The approved discounts of each line of the inquiry, on `ctx.today`.
pub async fn proposal(ctx: &Ctx, inquiry: &Inquiry) -> Result<Vec<ProposalLine>, Error> {
    let pool = &ctx.db.pool;
    let rules = deals::rules(pool).await?;
    let (end_customer, level) = store::pricing_subject(pool, inquiry.id).await?;
    let pricing = QuoteContext {
        partner_level: level
            .as_deref()
            .and_then(PartnerLevel::parse)
            .unwrap_or(PartnerLevel::Authorized),
        end_customer_id: end_customer,
        registrations: store::registrations(pool, end_customer).await?,
        quote_date: ctx.today,
    };
    Ok(inquiry
        .lines
        .iter()
        .map(|l| ProposalLine {
            proposed: proposed(&rules, &pricing, &l.family),
            line: l.clone(),
        })
        .collect())
}

/// Whether the caller may quote this inquiry: staff of the distributor it was sent to,
/// while it waits for a quote or has one.
pub fn may_quote(ctx: &Ctx, inquiry: &Inquiry) -> bool {
    matches!(
        ctx.role,
        Some(AccessRole::DistributorAdmin | AccessRole::DistributorStaff)
    ) && ctx.org == Some(inquiry.distributor_id)
        && matches!(
            inquiry.status,
            InquiryStatus::Submitted | InquiryStatus::Quoted
        )
}

/// A percentage staff typed for one discount level of one line.
#[derive(Debug, Clone)]
pub struct TypedDiscount {
    pub line: i64,
    pub level: Level,
    pub percent: String,
    pub reason: String,
}

/// A quote as the desk sends it.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    /// The inquiry version the person saw.
    pub version: Option<i64>,
    pub discounts: Vec<TypedDiscount>,
    pub note: String,
}

/// A sent quote.
#[derive(Debug, Clone)]
pub struct Sent {
    pub version: i64,
    /// "sent" for the first version, "revised" after.
    pub what: &'static str,
}

/// The longest note to the reseller, and the longest reason for a lowered discount.
pub const MAX_NOTE: usize = 2_000;
pub const MAX_REASON: usize = 500;

/// Sends (or revises) the quote of a submitted inquiry: every typed percentage at most the
/// approved one, a reason for each lowered one (errors as `line_<id>`), priced through
/// `domain::pricing`; the author and the reseller's admins are told.
pub async fn send(ctx: &Ctx, id: InquiryId, input: QuoteInput) -> Result<Sent, Error> {
    let inquiry = load(ctx, id).await?;
    ctx.require(may_quote(ctx, &inquiry), "quote this inquiry")
        .await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let next = inquiry.status.next(InquiryEvent::SendQuote)?;
    let lines = proposal(ctx, &inquiry).await?;
    let mut errors = FieldErrors::default();
    let mut priced = Vec::new();
    for pl in &lines {
        let field = format!("line_{}", pl.line.id);
        let mut adjustments = Vec::new();
        for d in &pl.proposed {
            let Some(typed) = input
                .discounts
                .iter()
                .find(|t| t.line == pl.line.id && t.level == d.level)
            else {
                continue;
            };
            if typed.reason.trim().chars().count() > MAX_REASON {
                errors.add(
                    &field,
                    format!(
                        "{}: say why in at most {MAX_REASON} characters.",
                        d.level.label()
                    ),
                );
            }
            match Bp::parse_percent(&typed.percent) {
                Some(bp) => adjustments.push(Adjustment {
                    level: d.level,
                    bp,
                    reason: typed.reason.clone(),
                }),
                None => errors.add(
                    &field,
                    format!(
                        "{}: “{}” is not a percentage.",
                        d.level.label(),
                        typed.percent
                    ),
                ),
            }
        }
        let quantity = u32::try_from(pl.line.quantity.max(0)).unwrap_or(u32::MAX);
        match adjust(&pl.proposed, &adjustments)
            .and_then(|discounts| price_line(pl.line.unit_msrp, quantity, &discounts))
        {
            Ok(p) => priced.push(p),
            Err(e) => errors.add(&field, format!("{}: {e}", pl.line.sku)),
        }
    }
    if input.note.trim().chars().count() > MAX_NOTE {
        errors.add("note", format!("Use at most {MAX_NOTE} characters."));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let pool = &ctx.db.pool;
    let valid =
        crate::domain::status::valid_until(ctx.today, deals::quote_validity_days(pool).await?);
    let inputs: Vec<store::PricedInput> = lines
        .iter()
        .zip(&priced)
        .map(|(pl, p)| store::PricedInput {
            sku: &pl.line.sku,
            description: &pl.line.description,
            quantity: pl.line.quantity,
            unit_msrp: pl.line.unit_msrp,
            priced: p,
            changes_entry: pl.line.changes_entry,
        })
        .collect();
    let note = input.note.trim();
    let mut tx = pool.begin().await?;
    if input.version != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, inquiry.status).await?
    {
        return Err(stale(&inquiry));
    }
    let (_, version) = store::insert(
        &mut tx, inquiry.id, user, ctx.now, ctx.today, valid, note, &inputs,
    )
    .await?;
    store::set_inquiry_status(&mut tx, inquiry.id, next.as_str()).await?;
    let (_, total_net) = totals(&priced);
    let net = total_net.with_currency(catalogue::DEFAULT_CURRENCY);
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "quote_sent",
        &inquiry.reference,
        &format!("version {version}; net {net}"),
        ctx.now,
    )
    .await?;
    let what = if version == 1 { "sent" } else { "revised" };
    let notice = notices::quote_sent(&inquiry, version, total_net, valid, &ctx.public_url);
    let event = format!("inquiry:{}:quote:{version}", inquiry.id);
    for p in &inquiries::quote_recipients(&mut tx, inquiry.id).await? {
        queue_for(
            &mut tx,
            p,
            ContactRole::DealRegistration,
            &event,
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Sent { version, what })
}

/// The reseller's answer to the latest quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
}

/// What an answer did.
#[derive(Debug, Clone)]
pub enum Answered {
    /// The quote of this version is accepted and this order placed with the distributor.
    Accepted {
        version: i64,
        order: String,
        distributor: String,
    },
    Declined {
        reference: String,
    },
}

/// Accepts (placing the order with the quoted lines and prices) or declines the latest quote
/// of an inquiry. A quote past its validity lapses instead (the inquiry is recorded as
/// expired) and the answer is refused.
/// The longest purchase-order reference.
pub const MAX_PO: usize = 100;

/// Accepts (placing the order, with the reseller's purchase-order reference when given) or
/// declines the latest quote of an inquiry.
pub async fn answer(
    ctx: &Ctx,
    id: InquiryId,
    answer: Answer,
    version: Option<i64>,
    po_reference: &str,
) -> Result<Answered, Error> {
    let po_reference = po_reference.trim();
    if po_reference.chars().count() > MAX_PO {
        return Err(Error::invalid(
            "po_reference",
            format!("Use at most {MAX_PO} characters."),
        ));
    }
    let inquiry = load(ctx, id).await?;
    ctx.require(ctx.org == Some(inquiry.reseller_id), "answer this quote")
        .await?;
    let pool = &ctx.db.pool;
    let quotes = store::for_inquiry(pool, ctx.scope, inquiry.id).await?;
    let latest = quotes
        .into_iter()
        .next()
        .ok_or_else(|| Error::Conflict("There is no quote to answer yet.".into()))?;
    let mut tx = pool.begin().await?;
    if version != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, inquiry.status).await?
    {
        return Err(stale(&inquiry));
    }
    if inquiry.status == InquiryStatus::Quoted && ctx.today > latest.valid_until {
        let expired = inquiry.status.next(InquiryEvent::Lapse)?;
        store::set_inquiry_status(&mut tx, inquiry.id, expired.as_str()).await?;
        tx.commit().await?;
        return Err(Error::Conflict(format!(
            "The quote expired on {}; it can no longer be accepted. Ask {} for a new one.",
            latest.valid_until, inquiry.distributor_name
        )));
    }
    let event = match answer {
        Answer::Accept => InquiryEvent::Accept,
        Answer::Decline => InquiryEvent::Decline,
    };
    let next = inquiry.status.next(event)?;
    store::set_inquiry_status(&mut tx, inquiry.id, next.as_str()).await?;
    let answered = if answer == Answer::Accept {
        let (end_customer, _) = store::pricing_subject(pool, inquiry.id).await?;
        let order = NewOrder {
            origin: Origin::Quote {
                inquiry: inquiry.id,
                quote: latest.id,
            },
            reseller: inquiry.reseller_id,
            distributor: inquiry.distributor_id,
            end_customer,
            // The order keeps what was quoted, line by line.
            lines: latest
                .lines
                .iter()
                .map(|l| crate::db::orders::NewOrderLine {
                    sku: l.sku.clone(),
                    description: l.description.clone(),
                    quantity: l.quantity,
                    changes_entry: l.changes_entry,
                    unit_msrp: l.unit_msrp,
                    net: l.net,
                })
                .collect(),
        };
        let placed = orders::place_in(&mut tx, ctx, &order).await?;
        if !po_reference.is_empty() {
            crate::db::orders::set_po_reference(&mut tx, placed.id, po_reference).await?;
        }
        crate::db::audit::record(
            &mut *tx,
            &ctx.actor,
            "quote_accepted",
            &inquiry.reference,
            &placed.reference,
            ctx.now,
        )
        .await?;
        Answered::Accepted {
            version: latest.version,
            order: placed.reference,
            distributor: inquiry.distributor_name.clone(),
        }
    } else {
        crate::db::audit::record(
            &mut *tx,
            &ctx.actor,
            "quote_declined",
            &inquiry.reference,
            "",
            ctx.now,
        )
        .await?;
        Answered::Declined {
            reference: inquiry.reference.clone(),
        }
    };
    tx.commit().await?;
    Ok(answered)
}

/// The quote work of the caller (PRODUCT.md section 8, `/quotes`).
#[derive(Debug, Clone, Default)]
pub struct QuoteWork {
    /// For distributors (and the vendor admin): inquiries waiting for a quote, oldest first.
    pub waiting: Vec<crate::db::inquiries::Queued>,
    /// For distributors: quotes not answered yet that lapse within a week.
    pub lapsing: Vec<crate::db::inquiries::Queued>,
    /// For resellers: quotes waiting for their answer, still valid.
    pub to_answer: Vec<crate::db::inquiries::Queued>,
}

/// How many days before its end an unanswered quote shows as about to lapse.
pub const LAPSING_DAYS: u64 = 7;

pub async fn work(ctx: &Ctx) -> Result<QuoteWork, Error> {
    ctx.require(
        !matches!(ctx.role, Some(AccessRole::ChannelManager)),
        "see quotes",
    )
    .await?;
    let pool = &ctx.db.pool;
    let today = ctx.today;
    let soon = today
        .checked_add_days(chrono::Days::new(LAPSING_DAYS))
        .unwrap_or(today);
    let valid = |q: &crate::db::inquiries::Queued| q.valid_until.is_some_and(|v| v >= today);
    let mut work = QuoteWork::default();
    match ctx.role {
        Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser) => {
            work.to_answer = inquiries::queue(pool, ctx.scope, InquiryStatus::Quoted, 200)
                .await?
                .into_iter()
                .filter(valid)
                .collect();
            work.to_answer.sort_by_key(|q| q.valid_until);
        }
        _ => {
            work.waiting = inquiries::queue(pool, ctx.scope, InquiryStatus::Submitted, 200).await?;
            work.lapsing = inquiries::queue(pool, ctx.scope, InquiryStatus::Quoted, 200)
                .await?
                .into_iter()
                .filter(|q| valid(q) && q.valid_until.is_some_and(|v| v <= soon))
                .collect();
            work.lapsing.sort_by_key(|q| q.valid_until);
        }
    }
    Ok(work)
}
