//! Orders: placing one (the only way, whatever places it: an accepted quote, the
//! distributor's order form, an approved NFR request, the allotment on joining) and
//! processing the placed ones into license schedule entries (PRODUCT.md section 5).

use super::{shapes, webhooks};
use super::{Ctx, Error};
use crate::db::orders::{self as store, NewOrderLine, OrderSource};
use crate::domain::contact::{ContactRole, Person};
use crate::domain::schedule::{co_termed, hardware_warranty, new_subscription, renewal};
use crate::domain::sku::{Sku, Transaction};
use crate::domain::webhook::EventType;
use crate::domain::{Cents, EntryId, InquiryId, OrderId, OrgId};
use crate::mail::notices;
use crate::mail::notify::{notify_role, queue_for};
use chrono::{Datelike, NaiveDate};
use sqlx::AnyConnection;

/// Where an order comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The reseller accepted this quote of this inquiry.
    Quote { inquiry: InquiryId, quote: i64 },
    /// A distributor entered it on the order form.
    Direct,
    /// Not-for-resale licenses (the allotment on joining, or an approved request).
    Nfr,
}

/// An order to place: who buys, from whom, for which end customer, and the priced lines.
#[derive(Debug)]
pub struct NewOrder {
    pub origin: Origin,
    pub reseller: OrgId,
    pub distributor: OrgId,
    pub end_customer: i64,
    /// The currency of every amount of its lines.
    pub currency: String,
    pub lines: Vec<NewOrderLine>,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub id: OrderId,
    pub reference: String,
    pub total: Cents,
    pub currency: String,
}

/// Places `order` in its own transaction.
pub async fn place(ctx: &Ctx, order: &NewOrder) -> Result<Placed, Error> {
    let mut tx = ctx.db.pool.begin().await?;
    let placed = place_in(&mut tx, ctx, order).await?;
    tx.commit().await?;
    Ok(placed)
}

/// Places `order` inside the caller's transaction (quote acceptance and NFR decisions place
/// the order together with their own change). Checks the rules that hold on every path: a
/// line that renews or changes an entry names one of the end customer's entries, and an
/// entry is renewed once.
pub async fn place_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    order: &NewOrder,
) -> Result<Placed, Error> {
    if order.lines.is_empty() {
        return Err(Error::invalid("lines", "An order needs at least one line."));
    }
    let linked: Vec<EntryId> = order.lines.iter().filter_map(|l| l.changes_entry).collect();
    let known = store::entries_of_customer(conn, order.end_customer, &linked).await?;
    let mut errors = crate::domain::FieldErrors::default();
    for (n, line) in order.lines.iter().enumerate() {
        let Some(entry) = line.changes_entry else {
            continue;
        };
        let field = format!("line_{}", n + 1);
        if !known.contains_key(&entry) {
            errors.add(&field, "Choose an entry of this end customer's schedule.");
            continue;
        }
        if is_renewal(&line.sku) {
            if let Some((id, earlier)) = store::renewed_by(conn, entry).await? {
                errors.add(&field, renewed_already(&earlier));
                errors.link(
                    &field,
                    format!("Open order {earlier}"),
                    format!("/orders/{id}"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let source = match order.origin {
        Origin::Quote { inquiry, quote } => OrderSource {
            inquiry: Some(inquiry.0),
            quote: Some(quote),
        },
        Origin::Direct | Origin::Nfr => OrderSource {
            inquiry: None,
            quote: None,
        },
    };
    let (id, reference) = store::insert(
        conn,
        source,
        order.reseller,
        order.distributor,
        order.end_customer,
        &order.currency,
        &order.lines,
        ctx.user_id(),
        ctx.today.year(),
        ctx.now,
    )
    .await?;
    let total: Cents = order.lines.iter().map(|l| l.net).sum();
    tell_placed(conn, ctx, order, &reference, id).await?;
    tell_systems(conn, ctx, id, EventType::OrderPlaced).await?;
    crate::db::audit::record(
        &mut *conn,
        &ctx.actor,
        "order_placed",
        &reference,
        &format!(
            "{}, net {}",
            crate::domain::paging::counted(order.lines.len(), "line", "lines"),
            total.with_currency(&order.currency)
        ),
        ctx.now,
    )
    .await?;
    Ok(Placed {
        id,
        reference,
        total,
        currency: order.currency.clone(),
    })
}

/// Tells of a placed order (PRODUCT.md section 2): the distributor's quotes role, the
/// reseller's renewals role and, for a quote's order, the inquiry's author. NFR orders are the
/// CAM's decision and told with it.
async fn tell_placed(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    order: &NewOrder,
    reference: &str,
    id: OrderId,
) -> Result<(), Error> {
    let inquiry = match order.origin {
        Origin::Nfr => return Ok(()),
        Origin::Quote { inquiry, .. } => Some(inquiry),
        Origin::Direct => None,
    };
    let (reseller, distributor, customer) =
        store::party_names(conn, order.reseller, order.distributor, order.end_customer).await?;
    let how = match inquiry {
        Some(_) => format!("{reseller} accepted {distributor}'s quote"),
        None => format!("{distributor} entered it directly"),
    };
    let notice = notices::order_placed(
        &notices::OrderPlaced {
            id: id.0,
            reference,
            reseller: &reseller,
            distributor: &distributor,
            end_customer: &customer,
            currency: &order.currency,
            lines: &order.lines,
            how,
        },
        &ctx.public_url,
    );
    let event = format!("order:{}:placed", id.0);
    for (org, role) in [
        (order.distributor, ContactRole::Quotes),
        (order.reseller, ContactRole::Renewals),
    ] {
        notify_role(conn, org, role, &event, &notice, &ctx.public_url, ctx.now).await?;
    }
    if let Some(inquiry) = inquiry {
        if let Some(author) = crate::db::inquiries::author(conn, inquiry).await? {
            queue_for(
                conn,
                &author,
                ContactRole::Quotes,
                &event,
                &notice,
                &ctx.public_url,
                ctx.now,
            )
            .await?;
        }
    }
    Ok(())
}

/// Tells the webhooks of the order's reseller and distributor (and the vendor's) that it was
/// placed or processed: the order as the API lists it and, once processed, the schedule
/// entries it created.
async fn tell_systems(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: OrderId,
    event: EventType,
) -> Result<(), sqlx::Error> {
    let Some(order) = store::get_in(conn, id).await? else {
        return Ok(());
    };
    let entries = match event {
        EventType::OrderProcessed => Some(
            store::entries_of_order(conn, id)
                .await?
                .iter()
                .map(shapes::entry_json)
                .collect(),
        ),
        _ => None,
    };
    let orgs = [order.reseller_id, order.distributor_id];
    let data = webhooks::OrderEventData {
        order: shapes::order_json(&order),
        entries,
    };
    let key = format!("order:{}:{}", id.0, event.as_str());
    let told = webhooks::Event {
        event,
        key: &key,
        orgs: &orgs,
        vendor: true,
        data: &data,
    };
    webhooks::emit(conn, &told, ctx.now).await?;
    Ok(())
}

/// An order as its page shows it.
pub struct OrderView {
    pub order: store::Order,
    pub lines: Vec<store::ShownLine>,
    /// The schedule entries it created: (SKU, description, quantity, start, end).
    pub entries: Vec<(String, String, i64, String, String)>,
    /// For a placed order during a maintenance window: when the window ends (UTC seconds).
    pub waits_until: Option<i64>,
}

/// One order of the caller's organisation (the vendor admin: any); channel account managers
/// do not see orders (403), another organisation's order is not found.
pub async fn show(ctx: &Ctx, id: OrderId) -> Result<OrderView, Error> {
    ctx.require(
        ctx.role != Some(crate::domain::AccessRole::ChannelManager),
        "see orders",
    )
    .await?;
    let pool = &ctx.db.pool;
    let order = store::get(pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)?;
    let waits_until = match order.completed_on {
        Some(_) => None,
        None => crate::db::maintenance::active(pool, ctx.now)
            .await?
            .map(|w| w.ends_at),
    };
    Ok(OrderView {
        lines: store::shown_lines(pool, id).await?,
        entries: store::entries_of_order(&mut *pool.acquire().await?, id).await?,
        waits_until,
        order,
    })
}

/// Why a renewal of an entry is refused: another order renews it already.
fn renewed_already(earlier: &str) -> String {
    format!("This entry is renewed by order {earlier} already: renew the entry that order adds once it is processed.")
}

/// Whether a stored SKU is a renewal (transaction R).
pub fn is_renewal(sku: &str) -> bool {
    Sku::parse(sku).is_ok_and(|s| s.fields().transaction == Transaction::Renewal)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    pub orders: usize,
    pub entries: usize,
    /// Orders left waiting because a maintenance window is in force.
    pub waiting: usize,
}

/// The vendor admin's "process now": every waiting order, completed today; audited.
pub async fn process_now(ctx: &Ctx) -> Result<ProcessStats, Error> {
    ctx.require_vendor_admin("process orders").await?;
    let stats = process_waiting(ctx, ctx.today).await?;
    let detail = format!(
        "{} orders, {} entries, completed {}",
        stats.orders, stats.entries, ctx.today
    );
    crate::db::audit::record(
        &ctx.db.pool,
        &ctx.actor,
        "orders_processed",
        "orders",
        &detail,
        ctx.now,
    )
    .await?;
    Ok(stats)
}

/// Processes every placed order not processed yet, with `completed_on` as the completion date
/// that decides the dates of its entries. Each order is claimed once, so two portal processes
/// never process it twice.
pub async fn process_waiting(ctx: &Ctx, completed_on: NaiveDate) -> anyhow::Result<ProcessStats> {
    let waiting = store::unprocessed(&ctx.db.pool).await?;
    process_these(ctx, waiting, completed_on).await
}

/// Processes one placed order now (an NFR order when it is issued); like
/// [`process_waiting`], it waits during a maintenance window and is never processed twice.
pub async fn process_one(
    ctx: &Ctx,
    order: OrderId,
    completed_on: NaiveDate,
) -> anyhow::Result<ProcessStats> {
    let waiting = store::unprocessed(&ctx.db.pool)
        .await?
        .into_iter()
        .filter(|o| o.id == order)
        .collect();
    process_these(ctx, waiting, completed_on).await
}

async fn process_these(
    ctx: &Ctx,
    waiting: Vec<store::Order>,
    completed_on: NaiveDate,
) -> anyhow::Result<ProcessStats> {
    let mut stats = ProcessStats::default();
    if waiting.is_empty() {
        return Ok(stats);
    }
    // During a maintenance window orders are accepted and wait; after it they are processed
    // with the real completion date.
    if crate::db::maintenance::active(&ctx.db.pool, ctx.now)
        .await?
        .is_some()
    {
        stats.waiting = waiting.len();
        return Ok(stats);
    }
    // For warranty lengths, the same in every price book.
    let snapshot = crate::db::catalogue::unpriced(&ctx.db.pool).await?;
    for order in waiting {
        let mut tx = ctx.db.pool.begin().await?;
        if !store::claim(&mut tx, order.id, completed_on, ctx.user_id(), ctx.now).await? {
            continue;
        }
        let mut issued = Vec::new();
        for line in store::lines(&mut tx, order.id).await? {
            let sku = Sku::parse(&line.sku)
                .map_err(|e| anyhow::anyhow!("order {}: {}: {e}", order.reference, line.sku))?;
            let f = sku.fields();
            let term = u32::from(f.term);
            let period = match (f.transaction, line.changes_entry) {
                (Transaction::Hardware, _) => {
                    let months = snapshot
                        .item_of(&sku)
                        .and_then(|i| i.warranty_months)
                        .unwrap_or(12);
                    hardware_warranty(completed_on, months)
                }
                (Transaction::Renewal | Transaction::Upgrade, Some(changed)) => {
                    let end = store::entry_end(&mut tx, changed).await?.ok_or_else(|| {
                        anyhow::anyhow!(
                            "order {}: entry {changed} is not on any schedule",
                            order.reference
                        )
                    })?;
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
                _ => new_subscription(completed_on, term),
            };
            let entry = store::NewEntry {
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
            store::insert_entry(&mut tx, &entry, ctx.now).await?;
            issued.push(format!(
                "{} × {} ({}): {} to {}",
                line.quantity, line.description, line.sku, period.start, period.end
            ));
            stats.entries += 1;
        }
        schedule_issued(&mut tx, ctx, &order, completed_on, issued).await?;
        tell_systems(&mut tx, ctx, order.id, EventType::OrderProcessed).await?;
        tx.commit().await?;
        stats.orders += 1;
    }
    Ok(stats)
}

/// Mails the issued schedule to the end customer's license contact (when it has an address)
/// and the reseller's renewals role.
async fn schedule_issued(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    order: &store::Order,
    completed_on: NaiveDate,
    issued: Vec<String>,
) -> anyhow::Result<()> {
    let public_url = &ctx.public_url;
    let notice = notices::schedule_issued(order, completed_on, issued, public_url);
    let event = format!("order:{}:issued", order.id);
    if let Some((name, email)) = store::license_contact(tx, order.end_customer_id).await? {
        let person = Person {
            user_id: 0,
            name,
            email,
        };
        queue_for(
            tx,
            &person,
            ContactRole::Renewals,
            &event,
            &notice,
            public_url,
            ctx.now,
        )
        .await?;
    }
    notify_role(
        tx,
        order.reseller_id,
        ContactRole::Renewals,
        &event,
        &notice,
        public_url,
        ctx.now,
    )
    .await?;
    Ok(())
}

/// The most lines a directly entered order may have.
pub const MAX_DIRECT_LINES: usize = 40;

/// One line of the distributor's order form as typed: a SKU (empty asks for the renewal of
/// the entry), a quantity, and the schedule entry a renewal or change continues.
#[derive(Debug, Clone, Default)]
pub struct TypedLine {
    pub sku: String,
    pub quantity: String,
    pub entry: String,
}

/// A directly entered order: one of the distributor's resellers and its end customer.
#[derive(Debug, Clone)]
pub struct DirectOrder {
    pub reseller: OrgId,
    pub end_customer: i64,
    pub lines: Vec<TypedLine>,
}

/// A line after checking: what to show beside it, and the order line when it is right.
#[derive(Debug, Clone, Default)]
pub struct CheckedLine {
    pub typed: TypedLine,
    /// The SKU that will be ordered (a proposal replaces what was typed).
    pub sku: String,
    pub description: String,
    pub net: Option<Cents>,
    /// Why the SKU was replaced, or how a legacy SKU was translated.
    pub note: String,
    pub error: String,
    /// The record the error names (label, path).
    pub link: Option<(String, String)>,
    /// The SKU to use instead of a refused legacy SKU.
    pub suggestion: Option<String>,
}

/// The checked order form.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub lines: Vec<CheckedLine>,
    pub total: Cents,
    /// Lines whose SKU was replaced by a proposal (they must be looked at before placing).
    pub proposals: usize,
    pub order_lines: Vec<NewOrderLine>,
    /// The currency it is priced in: the distributor's.
    pub currency: String,
}

impl Checked {
    pub fn failed(&self) -> bool {
        self.lines.iter().any(|l| !l.error.is_empty())
    }

    /// Every line right as typed, and at least one.
    pub fn ready(&self) -> bool {
        !self.failed() && self.proposals == 0 && !self.order_lines.is_empty()
    }

    /// What keeps the order from being placed, for the form (`placing`: the person asked to
    /// place it, not only to check it).
    pub fn problem(&self, placing: bool) -> Option<&'static str> {
        if self.failed() {
            Some("Correct the marked lines.")
        } else if self.order_lines.is_empty() {
            Some("Enter at least one line: a SKU and a quantity.")
        } else if placing && self.proposals > 0 {
            Some("The marked lines were changed as proposed: check them and place the order again.")
        } else {
            None
        }
    }
}

/// Whether the caller may enter orders: distributor staff.
fn may_enter(ctx: &Ctx) -> bool {
    matches!(
        ctx.role,
        Some(
            crate::domain::AccessRole::DistributorAdmin
                | crate::domain::AccessRole::DistributorStaff
        )
    )
}

/// Checks a directly entered order on `ctx.today` (PRODUCT.md section 5): each SKU is
/// orderable, a renewal or change names an entry of the end customer's schedule (an entry is
/// renewed once), a change uses the months-left SKU (proposed when it does not), and prices
/// are the approved discounts of the day.
pub async fn check_direct(ctx: &Ctx, order: &DirectOrder) -> Result<Checked, Error> {
    use crate::db::{catalogue, deals, quotes};
    use crate::domain::catalogue::Availability;
    use crate::domain::order_line::{check, ChangedEntry, LineCheck};
    use crate::domain::pricing::{price_line, proposed, QuoteContext};
    ctx.require(may_enter(ctx), "enter orders for resellers")
        .await?;
    let distributor = ctx.org.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    if !store::resellers_of(pool, distributor)
        .await?
        .iter()
        .any(|(r, _)| *r == order.reseller)
    {
        return Err(Error::invalid(
            "reseller",
            "Choose one of the resellers you supply.",
        ));
    }
    if !deals::end_customers(pool, ctx.scope, order.reseller)
        .await?
        .iter()
        .any(|(c, _)| *c == order.end_customer)
    {
        return Err(Error::invalid(
            "end_customer",
            "Choose the reseller's end customer.",
        ));
    }
    let entries = store::entries(pool, ctx.scope, Some(order.end_customer)).await?;
    let renewed = store::pending_changes(pool, ctx.scope, order.end_customer).await?;
    // Priced in the distributor's currency.
    let currency = crate::db::orgs::currency_of(pool, distributor)
        .await?
        .ok_or(Error::NotFound)?;
    let snapshot = catalogue::snapshot(pool, &currency).await?;
    let rules = deals::rules(pool).await?;
    let level = crate::db::orgs::get(pool, order.reseller)
        .await?
        .and_then(|o| o.partner_level)
        .unwrap_or(crate::domain::PartnerLevel::Authorized);
    let pricing = QuoteContext {
        partner_level: level,
        end_customer_id: order.end_customer,
        registrations: quotes::registrations(pool, order.end_customer).await?,
        quote_date: ctx.today,
        currency: currency.clone(),
    };
    let mut checked = Checked {
        currency,
        ..Checked::default()
    };
    for typed in order.lines.iter().take(MAX_DIRECT_LINES) {
        let mut line = CheckedLine {
            typed: typed.clone(),
            sku: typed.sku.clone(),
            ..CheckedLine::default()
        };
        if typed.sku.is_empty() && typed.entry.is_empty() {
            checked.lines.push(line);
            continue;
        }
        let entry_id = typed.entry.parse::<EntryId>().ok();
        let entry = match entry_id.map(|id| entries.iter().find(|e| e.id == id)) {
            None => None,
            Some(None) => {
                line.error = "Choose an entry of this end customer's schedule.".into();
                checked.lines.push(line);
                continue;
            }
            Some(Some(e)) => {
                // An empty SKU asks for the renewal; a typed one is a renewal by its R.
                let renewal = typed.sku.is_empty() || is_renewal(&typed.sku);
                if let Some(earlier) = renewed
                    .iter()
                    .find(|p| p.entry == e.id && is_renewal(&p.sku))
                    .filter(|_| renewal)
                {
                    line.error = renewed_already(&earlier.reference);
                    line.link = Some((
                        format!("Open order {}", earlier.reference),
                        format!("/orders/{}", earlier.order),
                    ));
                    checked.lines.push(line);
                    continue;
                }
                Sku::parse(&e.sku)
                    .ok()
                    .map(|sku| ChangedEntry { sku, end: e.end })
            }
        };
        let sku = match (!typed.sku.is_empty()).then(|| typed_sku(&snapshot, &typed.sku, ctx.today))
        {
            None => None,
            Some(Ok((s, note))) => {
                line.note = note;
                Some(s)
            }
            Some(Err((why, suggested))) => {
                line.error = why;
                line.suggestion = suggested;
                checked.lines.push(line);
                continue;
            }
        };
        let sku = match check(sku.as_ref(), entry.as_ref(), ctx.today) {
            LineCheck::Fine(s) => s,
            LineCheck::Proposed { sku, why } => {
                line.sku = sku.to_string();
                line.note = why;
                checked.proposals += 1;
                sku
            }
            LineCheck::Refused(why) => {
                line.error = why;
                checked.lines.push(line);
                continue;
            }
        };
        let (description, msrp) = match snapshot.availability(&sku, ctx.today) {
            Availability::Orderable { description, msrp } => (description, msrp),
            Availability::NotOrderable { reason, .. } => {
                line.error = reason;
                checked.lines.push(line);
                continue;
            }
        };
        line.description = description.clone();
        let quantity = match crate::domain::order_line::parse_quantity(&typed.quantity) {
            Ok(q) => q,
            Err(why) => {
                line.error = why;
                checked.lines.push(line);
                continue;
            }
        };
        let family = &sku.fields().family;
        let discounts = proposed(&rules, &pricing, (family, snapshot.family_name(family)));
        let priced =
            price_line(msrp, quantity, &discounts).map_err(|e| Error::Conflict(e.to_string()))?;
        line.net = Some(priced.net);
        checked.total += priced.net;
        checked.order_lines.push(NewOrderLine {
            sku: sku.to_string(),
            description,
            quantity: i64::from(quantity),
            changes_entry: entry_id,
            unit_msrp: msrp,
            net: priced.net,
        });
        checked.lines.push(line);
    }
    Ok(checked)
}

/// The SKU a line of the order form names: a 14-character SKU as typed, or a legacy SKU (with
/// `x MONTHS` for a 1-month one) under the acceptance rules of `today`, translated (the note
/// says so). Refused: why, and the SKU to use instead when there is one.
fn typed_sku(
    snapshot: &crate::domain::catalogue::Snapshot,
    typed: &str,
    today: NaiveDate,
) -> Result<(Sku, String), (String, Option<String>)> {
    use crate::domain::catalogue::{split_months, LineInput, Outcome};
    if let Ok(sku) = Sku::parse(typed) {
        return Ok((sku, String::new()));
    }
    let (text, months) = split_months(typed).map_err(|why| (why, None))?;
    let t = snapshot.translate(
        &LineInput {
            line: 1,
            sku: text.to_string(),
            months,
        },
        today,
    );
    match &t.outcome {
        Outcome::Accepted { sku, note, .. } => Ok((sku.clone(), note.clone())),
        _ => {
            let suggested = t.suggested();
            let use_it = suggested
                .as_ref()
                .map(|s| format!(" Use {s}."))
                .unwrap_or_default();
            Err((format!("{}{use_it}", t.message()), suggested))
        }
    }
}

/// Places a directly entered order when every line is right as typed; otherwise returns
/// the checked form (with proposals and errors) and places nothing.
pub async fn place_direct(
    ctx: &Ctx,
    order: &DirectOrder,
) -> Result<Result<Placed, Checked>, Error> {
    let mut tx = ctx.db.pool.begin().await?;
    let placed = place_direct_in(&mut tx, ctx, order).await?;
    if placed.is_ok() {
        tx.commit().await?;
    }
    Ok(placed)
}

/// [`place_direct`] inside the caller's transaction (the partner API records the request's
/// idempotency key in the same transaction as the order).
pub async fn place_direct_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    order: &DirectOrder,
) -> Result<Result<Placed, Checked>, Error> {
    let checked = check_direct(ctx, order).await?;
    if !checked.ready() {
        return Ok(Err(checked));
    }
    let distributor = ctx.org.ok_or(Error::Forbidden)?;
    let new = NewOrder {
        origin: Origin::Direct,
        reseller: order.reseller,
        distributor,
        end_customer: order.end_customer,
        currency: checked.currency,
        lines: checked.order_lines,
    };
    Ok(Ok(place_in(conn, ctx, &new).await?))
}
