//! Quotes (PRODUCT.md section 4): distributor staff turn a submitted inquiry into a quote
//! with the approved discounts (lowered, never raised, with a reason), and the reseller
//! accepts it (an order is placed through [`orders::place_in`]) or declines it.

use super::orders::{self, NewOrder, Origin};
use super::{Ctx, Error};
use crate::db::inquiries::{self, Inquiry};
use crate::db::{deals, quotes as store};
use crate::domain::contact::ContactRole;
use crate::domain::pricing::{
    adjust, price_line, proposed, totals, Adjustment, Bp, Discount, Level, QuoteContext,
};
use crate::domain::status::{InquiryEvent, InquiryStatus};
use crate::domain::webhook::EventType;
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
        "{} was changed by someone else after you opened it. Nothing was saved: open it again to see the change, then make yours.",
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
    let catalogue = crate::db::catalogue::unpriced(pool).await?;
    let (end_customer, level) = store::pricing_subject(pool, inquiry.id).await?;
    let pricing = QuoteContext {
        partner_level: level
            .as_deref()
            .and_then(PartnerLevel::parse)
            .unwrap_or(PartnerLevel::Authorized),
        end_customer_id: end_customer,
        registrations: store::registrations(pool, end_customer).await?,
        quote_date: ctx.today,
        currency: inquiry.currency.clone(),
    };
    Ok(inquiry
        .lines
        .iter()
        .map(|l| ProposalLine {
            proposed: proposed(
                &rules,
                &pricing,
                (&l.family, catalogue.family_name(&l.family)),
            ),
            line: l.clone(),
        })
        .collect())
}

/// Whether the caller reads the distributor's internal side of a quote (the internal note and
/// reasons not shown to the reseller): the distributor's own people and the vendor.
pub fn sees_internal(ctx: &Ctx, inquiry: &Inquiry) -> bool {
    ctx.org == Some(inquiry.distributor_id)
        || ctx
            .role
            .is_some_and(|r| r.org_kind() == crate::domain::OrgKind::Vendor)
}

/// Every version of the inquiry's quote, newest first, as the caller may read it: for the
/// reseller without the internal note and without the reasons staff kept internal.
pub async fn versions(ctx: &Ctx, inquiry: &Inquiry) -> Result<Vec<store::Quote>, Error> {
    let mut quotes = store::for_inquiry(&ctx.db.pool, ctx.scope, inquiry.id).await?;
    if !sees_internal(ctx, inquiry) {
        for q in &mut quotes {
            q.internal_note.clear();
            for step in q.lines.iter_mut().flat_map(|l| l.steps.iter_mut()) {
                if step.lowered.as_ref().is_some_and(|l| !l.shown) {
                    step.lowered = None;
                }
            }
        }
    }
    Ok(quotes)
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
    /// Whether the reseller reads the reason (it is internal by default).
    pub show_reason: bool,
}

/// A quote as the desk sends it.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    /// The inquiry version the person saw.
    pub version: Option<i64>,
    pub discounts: Vec<TypedDiscount>,
    /// The note to the reseller.
    pub note: String,
    /// The note for the distributor's own staff (and the vendor), never shown to the reseller.
    pub internal_note: String,
}

/// A sent quote.
#[derive(Debug, Clone)]
pub struct Sent {
    pub version: i64,
    /// "sent" for the first version, "revised" after.
    pub what: &'static str,
}

/// The longest note (to the reseller, or internal), and the longest reason for a lowered
/// discount.
pub const MAX_NOTE: usize = 2_000;
pub const MAX_REASON: usize = 500;

/// The form field of one discount level of one line (`bp_<line>_<level>`), its reason
/// (`reason_…`) and the box that shows the reason to the reseller (`show_…`); refusals are
/// reported under these names, a line's own problem under `line_<line>`.
pub fn percent_field(line: i64, level: Level) -> String {
    format!("bp_{line}_{}", level.key())
}
pub fn reason_field(line: i64, level: Level) -> String {
    format!("reason_{line}_{}", level.key())
}
pub fn show_field(line: i64, level: Level) -> String {
    format!("show_{line}_{}", level.key())
}

/// A quote priced from what staff typed: each line's price (absent where refused) and the
/// refusals, by field. The quote desk's live net and the send use this same computation.
#[derive(Debug, Clone, Default)]
pub struct Priced {
    pub lines: Vec<(i64, Option<crate::domain::pricing::PricedLine>)>,
    pub errors: FieldErrors,
    /// The inquiry's currency.
    pub currency: String,
}

impl Priced {
    /// The net of every line, when each line could be priced.
    pub fn total_net(&self) -> Option<crate::domain::Cents> {
        self.lines
            .iter()
            .map(|(_, p)| p.as_ref().map(|p| p.net))
            .try_fold(crate::domain::Cents::new(0), |sum, net| {
                net.map(|n| sum + n)
            })
    }
}

/// Prices every line of the proposal with the typed percentages (a level not typed keeps its
/// approved percentage), checking each cell on its own so that every wrong cell is named.
pub fn price(lines: &[ProposalLine], input: &QuoteInput) -> Priced {
    let mut out = Priced {
        currency: lines
            .first()
            .map(|l| l.line.currency.clone())
            .unwrap_or_default(),
        ..Priced::default()
    };
    for pl in lines {
        let id = pl.line.id;
        let mut adjustments = Vec::new();
        let mut refused = false;
        for d in &pl.proposed {
            let Some(typed) = input
                .discounts
                .iter()
                .find(|t| t.line == id && t.level == d.level)
            else {
                continue;
            };
            let reason = reason_field(id, d.level);
            if typed.reason.trim().chars().count() > MAX_REASON {
                out.errors.add(
                    &reason,
                    format!("Say why in at most {MAX_REASON} characters."),
                );
            }
            let Some(bp) = Bp::parse_percent(&typed.percent) else {
                out.errors.add(
                    &percent_field(id, d.level),
                    format!(
                        "“{}” is not a percentage: type a number from 0 to {}.",
                        typed.percent, d.bp
                    ),
                );
                refused = true;
                continue;
            };
            let adjustment = Adjustment {
                level: d.level,
                bp,
                reason: typed.reason.clone(),
                show_reason: typed.show_reason,
            };
            match adjust(std::slice::from_ref(d), std::slice::from_ref(&adjustment)) {
                Ok(_) => adjustments.push(adjustment),
                // The send is refused, but the net is known: the live preview shows it
                // while the reason is still to be typed.
                Err(e @ crate::domain::pricing::PricingError::ReasonMissing(_)) => {
                    out.errors.add(&reason, e.to_string());
                    adjustments.push(Adjustment {
                        reason: "(to be given)".into(),
                        ..adjustment
                    });
                }
                Err(e) => {
                    out.errors.add(&percent_field(id, d.level), e.to_string());
                    refused = true;
                }
            }
        }
        let quantity = u32::try_from(pl.line.quantity.max(0)).unwrap_or(u32::MAX);
        let priced = match adjust(&pl.proposed, &adjustments)
            .and_then(|discounts| price_line(pl.line.unit_msrp, quantity, &discounts))
        {
            Ok(p) => Some(p).filter(|_| !refused),
            Err(e) => {
                out.errors
                    .add(&format!("line_{id}"), format!("{}: {e}", pl.line.sku));
                None
            }
        };
        out.lines.push((id, priced));
    }
    for (field, note) in [
        ("note", &input.note),
        ("internal_note", &input.internal_note),
    ] {
        if note.trim().chars().count() > MAX_NOTE {
            out.errors
                .add(field, format!("Use at most {MAX_NOTE} characters."));
        }
    }
    out
}

/// Where a revision starts: for each field of the quote form, the value of the last sent
/// version (a percentage no higher than today's approved one, its reason and whether the
/// reseller reads it, and both notes); levels the last version did not have start at the
/// approved percentage. The first quote starts from the approved percentages.
pub fn starting_values(
    lines: &[ProposalLine],
    last: Option<&store::Quote>,
) -> std::collections::HashMap<String, String> {
    let mut values = std::collections::HashMap::new();
    for (i, pl) in lines.iter().enumerate() {
        let sent = last.and_then(|q| q.lines.iter().find(|l| l.line_no == i as i64 + 1));
        for d in &pl.proposed {
            let step = sent.and_then(|l| l.steps.iter().find(|s| s.level == d.level));
            let bp = step.map_or(d.bp, |s| s.bp.min(d.bp));
            values.insert(percent_field(pl.line.id, d.level), bp.as_percent());
            if let Some(lowered) = step.and_then(|s| s.lowered.as_ref()).filter(|_| bp < d.bp) {
                values.insert(reason_field(pl.line.id, d.level), lowered.reason.clone());
                if lowered.shown {
                    values.insert(show_field(pl.line.id, d.level), "on".into());
                }
            }
        }
    }
    if let Some(q) = last {
        values.insert("note".into(), q.note.clone());
        values.insert("internal_note".into(), q.internal_note.clone());
    }
    values
}

/// Sends (or revises) the quote of a submitted inquiry: every typed percentage at most the
/// approved one, a reason for each lowered one, priced through `domain::pricing` by [`price`];
/// the author and the reseller's admins are told.
pub async fn send(ctx: &Ctx, id: InquiryId, input: QuoteInput) -> Result<Sent, Error> {
    let inquiry = load(ctx, id).await?;
    ctx.require(may_quote(ctx, &inquiry), "quote this inquiry")
        .await?;
    // A partner system sends as its organisation (no person): the audit log names its token.
    let user = ctx.user;
    // A desk opened on an older version is refused as such before its values are judged:
    // otherwise the refusal would come back on the new version and the next send would
    // overwrite what someone else sent without anyone saying so.
    if input.version != Some(inquiry.version) {
        return Err(stale(&inquiry));
    }
    let next = inquiry.status.next(InquiryEvent::SendQuote)?;
    let lines = proposal(ctx, &inquiry).await?;
    let checked = price(&lines, &input);
    if !checked.errors.is_empty() {
        return Err(Error::Invalid(checked.errors));
    }
    let priced: Vec<_> = checked.lines.into_iter().filter_map(|(_, p)| p).collect();
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
    let notes = (input.note.trim(), input.internal_note.trim());
    let mut tx = pool.begin().await?;
    if input.version != Some(inquiry.version)
        || !inquiries::bump(&mut tx, inquiry.id, inquiry.version, inquiry.status).await?
    {
        return Err(stale(&inquiry));
    }
    let (_, version) = store::insert(
        &mut tx, inquiry.id, user, ctx.now, ctx.today, valid, notes, &inputs,
    )
    .await?;
    store::set_inquiry_status(&mut tx, inquiry.id, next.as_str()).await?;
    let (_, total_net) = totals(&priced);
    let net = total_net.with_currency(&inquiry.currency);
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
    let quote = super::webhooks::QuoteSummary {
        version,
        valid_until: valid.to_string(),
        currency: inquiry.currency.clone(),
        total_net_cents: total_net.cents(),
    };
    super::webhooks::tell_inquiry(
        &mut tx,
        inquiry.id,
        EventType::QuoteSent,
        Some(quote),
        ctx.now,
    )
    .await?;
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
        order_id: crate::domain::OrderId,
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
    if answer == Answer::Accept
        && po_reference.is_empty()
        && crate::db::orgs::po_required(pool, inquiry.reseller_id).await?
    {
        return Err(Error::invalid(
            "po_reference",
            "Your organisation asks for a purchase-order reference on every order: type it here.",
        ));
    }
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
            currency: inquiry.currency.clone(),
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
            order_id: placed.id,
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
        // The distributor hears of it (its quotes role, or its admins).
        let notice = notices::quote_declined(&inquiry, latest.version, &ctx.public_url);
        crate::mail::notify::notify_role(
            &mut tx,
            inquiry.distributor_id,
            ContactRole::Quotes,
            &format!("inquiry:{}:declined", inquiry.id),
            &notice,
            &ctx.public_url,
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
