//! Pricing inquiries (PRODUCT.md section 4): a reseller builds one for an end customer from
//! new or legacy SKUs (MSRP only) and submits it to one of its distributors. Legacy SKUs are
//! translated on entry and judged again by the rule of the submission date. Every change
//! carries the version the person saw; a stale one is refused.

use super::deals::{check_end_customer, resolve_end_customer, TypedEndCustomer};
use super::orders::is_renewal;
use super::quotes::{load, stale};
use super::{Ctx, Error};
use crate::db::catalogue;
use crate::db::inquiries::{self as store, Inquiry, NewLine};
use crate::domain::catalogue::{LineInput, Outcome, Snapshot, Status, Translation};
use crate::domain::contact::ContactRole;
use crate::domain::order_line::parse_quantity;
use crate::domain::status::{InquiryEvent, InquiryStatus};
use crate::domain::webhook::EventType;
use crate::domain::{AccessRole, EntryId, FieldErrors, InquiryId, OrgId, Sku};
use crate::mail::notices;
use crate::mail::notify::notify_role;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

fn reseller_of(ctx: &Ctx) -> Option<OrgId> {
    match ctx.role {
        Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser) => ctx.org,
        _ => None,
    }
}

/// An inquiry as the reseller's form starts it.
#[derive(Debug, Clone, Default)]
pub struct NewInquiry {
    pub end_customer: TypedEndCustomer,
    pub distributor: String,
    /// The id of an approved deal registration of the caller's the inquiry is for (empty for
    /// none): its end customer and distributor, and the inquiry names it.
    pub deal: String,
}

/// The caller's approved, valid deal registration `id` (typed), to start an inquiry for.
pub async fn deal_for_inquiry(ctx: &Ctx, id: &str) -> Result<crate::db::deals::Deal, Error> {
    let refused = || Error::invalid("deal", "Choose an approved deal registration of yours.");
    let id = id.trim().parse::<i64>().map_err(|_| refused())?;
    let deal = match super::deals::load(ctx, crate::domain::DealId(id)).await {
        Ok(deal) => deal,
        Err(Error::NotFound) => return Err(refused()),
        Err(e) => return Err(e),
    };
    if Some(deal.reseller_id) != reseller_of(ctx)
        || deal.status_on(ctx.today) != crate::domain::status::DealStatus::Approved
    {
        return Err(Error::invalid(
            "deal",
            format!(
                "{} is not approved and valid today, so quotes would not get its discount.",
                deal.reference
            ),
        ));
    }
    Ok(deal)
}

/// Starts a draft inquiry of the caller's reseller for one of its end customers (or a new
/// one), addressed to one of its distributors. Returns its id.
pub async fn create(ctx: &Ctx, input: NewInquiry) -> Result<InquiryId, Error> {
    let Some(reseller) = reseller_of(ctx) else {
        ctx.require(false, "ask for pricing").await?;
        return Err(Error::Forbidden);
    };
    ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let deal = if input.deal.trim().is_empty() {
        None
    } else {
        Some(deal_for_inquiry(ctx, &input.deal).await?)
    };
    let mut errors = FieldErrors::default();
    let customers = crate::db::deals::end_customers(pool, ctx.scope, reseller).await?;
    let typed = match &deal {
        // The registration's end customer, whatever the form says.
        Some(d) => TypedEndCustomer {
            selected: d.end_customer_id.to_string(),
            ..Default::default()
        },
        None => input.end_customer.clone(),
    };
    let choice = check_end_customer(&customers, &typed, &mut errors);
    let distributor = super::deals::supplier_chosen(
        ctx,
        reseller,
        &input.distributor,
        &mut errors,
        "Choose the distributor the inquiry goes to.",
    )
    .await?;
    let (Some(choice), Some(distributor), true) = (choice, distributor, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = pool.begin().await?;
    let customer = resolve_end_customer(&mut tx, reseller, &choice, ctx.now).await?;
    let detail = deal
        .as_ref()
        .map(|d| format!("for deal registration {}", d.reference))
        .unwrap_or_default();
    let id = open_draft(&mut tx, ctx, (reseller, customer, distributor.id), &detail).await?;
    if let Some(d) = &deal {
        store::set_deal(&mut tx, id, d.id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Inserts a draft inquiry of (reseller, end customer, distributor) for the caller and
/// audits it, in the caller's transaction.
async fn open_draft(
    tx: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    (reseller, customer, distributor): (OrgId, i64, OrgId),
    detail: &str,
) -> Result<InquiryId, Error> {
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let (id, reference) = store::insert(
        &mut *tx,
        reseller,
        customer,
        distributor,
        user,
        ctx.today.year(),
        ctx.now,
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "inquiry_created",
        &reference,
        detail,
        ctx.now,
    )
    .await?;
    Ok(id)
}

/// A line as typed: a new or legacy SKU, the months of a 1-month legacy SKU, a quantity.
#[derive(Debug, Clone, Default)]
pub struct TypedLine {
    pub sku: String,
    pub months: String,
    pub quantity: String,
}

/// Reads a line as typed; the translation is judged on `today`. Messages go to the `sku`,
/// `months` and `quantity` fields.
pub fn judge(
    snapshot: &Snapshot,
    typed: &TypedLine,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<(Translation, u32)> {
    let mut months = match typed.months.trim() {
        "" => None,
        m => match m.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("months", "Enter the number of months, 1 to 60.");
                None
            }
        },
    };
    let quantity = parse_quantity(&typed.quantity)
        .map_err(|why| errors.add("quantity", why))
        .ok();
    if typed.sku.trim().is_empty() {
        errors.add("sku", "Enter a SKU or a legacy SKU.");
        return None;
    }
    // The translator's notation works here too: "IXA-U10-N1M x 17".
    let sku = match crate::domain::catalogue::split_months(typed.sku.trim()) {
        Ok((sku, None)) => sku,
        Ok((sku, Some(m))) => {
            match months {
                Some(given) if given != m => errors.add(
                    "months",
                    format!(
                        "The SKU field says {} and this field {given}; give the months once.",
                        crate::domain::paging::counted(m, "month", "months")
                    ),
                ),
                _ => months = Some(m),
            }
            sku
        }
        Err(why) => {
            errors.add("sku", why);
            return None;
        }
    };
    let t = snapshot.translate(
        &LineInput {
            line: 1,
            sku: sku.to_string(),
            months,
        },
        today,
    );
    if let Outcome::Accepted { sku, .. } = &t.outcome {
        if let Some(elsewhere) = channel_elsewhere(sku) {
            errors.add("sku", elsewhere);
            return None;
        }
    }
    match t.status() {
        Status::Accepted => {}
        Status::Rejected => {
            let suggestion = t
                .suggested()
                .as_ref()
                .map(|s| format!(" Use {s}."))
                .unwrap_or_default();
            if let Some(s) = t.suggested() {
                errors.suggest("sku", s.to_string());
            }
            errors.add("sku", format!("{}{suggestion}", t.message()));
        }
        Status::Invalid => errors.add("sku", t.message().to_string()),
    }
    Some((t, quantity?)).filter(|_| errors.is_empty())
}

/// Where a SKU of a channel that is not priced by inquiry belongs (PRODUCT.md section 6 and 7).
pub fn channel_elsewhere(sku: &Sku) -> Option<&'static str> {
    use crate::domain::sku::Channel;
    match sku.fields().channel {
        Channel::Standard => None,
        Channel::NotForResale => Some(
            "Not-for-resale SKUs (channel N) are not priced: ask for them with an NFR request (NFR licenses).",
        ),
        Channel::MspMonthly => Some(
            "MSP monthly SKUs (channel M) are not priced by inquiry: report them as monthly usage (MSP licensing).",
        ),
    }
}

/// Only the reseller's own people change its drafts.
fn editable(ctx: &Ctx, inquiry: &Inquiry) -> bool {
    inquiry.status == InquiryStatus::Draft && reseller_of(ctx) == Some(inquiry.reseller_id)
}

/// Refuses a change made on a version someone else changed meanwhile, before its values are
/// judged: a refusal of the values would otherwise come back on the new version as if it were
/// the one the person saw. ([`claim_version`] still settles a race inside the transaction.)
fn still_seen(inquiry: &Inquiry, seen: Option<i64>) -> Result<(), Error> {
    if seen == Some(inquiry.version) {
        Ok(())
    } else {
        Err(stale(inquiry))
    }
}

/// Bumps the inquiry's version in `tx` if it is still the one the person saw.
async fn claim_version(
    tx: &mut sqlx::AnyConnection,
    inquiry: &Inquiry,
    seen: Option<i64>,
) -> Result<(), Error> {
    if seen != Some(inquiry.version)
        || !store::bump(tx, inquiry.id, inquiry.version, inquiry.status).await?
    {
        return Err(stale(inquiry));
    }
    Ok(())
}

/// Adds a line to a draft, judged by the legacy rules of today.
pub async fn add_line(
    ctx: &Ctx,
    id: InquiryId,
    typed: &TypedLine,
    seen: Option<i64>,
) -> Result<(), Error> {
    let inquiry = load(ctx, id).await?;
    ctx.require(editable(ctx, &inquiry), "change this inquiry")
        .await?;
    still_seen(&inquiry, seen)?;
    let snapshot = catalogue::snapshot(&ctx.db.pool, &inquiry.currency).await?;
    let mut errors = FieldErrors::default();
    let Some((t, quantity)) = judge(&snapshot, typed, ctx.today, &mut errors) else {
        return Err(Error::Invalid(errors));
    };
    let Outcome::Accepted {
        sku,
        description,
        msrp,
        ..
    } = &t.outcome
    else {
        return Err(Error::invalid("sku", t.message()));
    };
    let mut tx = ctx.db.pool.begin().await?;
    claim_version(&mut tx, &inquiry, seen).await?;
    let sku_text = sku.to_string();
    let line = NewLine {
        entered: t.input.sku.trim(),
        months: t.input.months,
        legacy_sku: t.legacy.as_deref(),
        sku: &sku_text,
        family: &sku.fields().family,
        description,
        quantity,
        unit_msrp: *msrp,
        changes_entry: None,
    };
    store::add_line(&mut tx, inquiry.id, &line).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the term of a draft's renewal line (PRODUCT.md section 5: the entry's term by
/// default, changeable): the renewal SKU of the same product for `term` months (1 to 60), at
/// its MSRP. Messages go to the field `term_<line>`.
pub async fn change_renewal_term(
    ctx: &Ctx,
    id: InquiryId,
    line: i64,
    term: &str,
    seen: Option<i64>,
) -> Result<(), Error> {
    use crate::domain::SkuFields;
    let inquiry = load(ctx, id).await?;
    ctx.require(editable(ctx, &inquiry), "change this inquiry")
        .await?;
    let l = inquiry
        .lines
        .iter()
        .find(|l| l.id == line && l.changes_entry.is_some() && is_renewal(&l.sku))
        .ok_or(Error::NotFound)?;
    still_seen(&inquiry, seen)?;
    let Some(term) = term
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|t| (1..=60).contains(t))
    else {
        return Err(Error::invalid(
            &format!("term_{line}"),
            "Enter a renewal term from 1 to 60 months.",
        ));
    };
    let current = Sku::parse(&l.sku).map_err(anyhow::Error::from)?;
    let sku = Sku::build(SkuFields {
        term,
        ..current.fields().clone()
    })
    .map_err(anyhow::Error::from)?;
    let snapshot = catalogue::snapshot(&ctx.db.pool, &inquiry.currency).await?;
    let (description, msrp) = match snapshot.availability(&sku, ctx.today) {
        crate::domain::catalogue::Availability::Orderable { description, msrp } => {
            (description, msrp)
        }
        crate::domain::catalogue::Availability::NotOrderable { reason, .. } => {
            return Err(Error::invalid(
                &format!("term_{line}"),
                format!("{sku}: {reason}"),
            ))
        }
    };
    let mut tx = ctx.db.pool.begin().await?;
    claim_version(&mut tx, &inquiry, seen).await?;
    if !store::set_continuing_sku(&mut tx, inquiry.id, line, sku.as_str(), &description, msrp)
        .await?
    {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Removes a line of a draft.
pub async fn remove_line(
    ctx: &Ctx,
    id: InquiryId,
    line: i64,
    seen: Option<i64>,
) -> Result<(), Error> {
    let inquiry = load(ctx, id).await?;
    ctx.require(editable(ctx, &inquiry), "change this inquiry")
        .await?;
    still_seen(&inquiry, seen)?;
    let mut tx = ctx.db.pool.begin().await?;
    claim_version(&mut tx, &inquiry, seen).await?;
    if !store::remove_line(&mut tx, inquiry.id, line).await? {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Submits a draft to its distributor when every line is accepted on today's date (errors on
/// the `sku` field, where the page shows them); the distributor's quotes role is told.
pub async fn submit(ctx: &Ctx, id: InquiryId, seen: Option<i64>) -> Result<Inquiry, Error> {
    let inquiry = load(ctx, id).await?;
    ctx.require(
        reseller_of(ctx) == Some(inquiry.reseller_id),
        "submit this inquiry",
    )
    .await?;
    inquiry.status.next(InquiryEvent::Submit)?;
    still_seen(&inquiry, seen)?;
    let snapshot = catalogue::snapshot(&ctx.db.pool, &inquiry.currency).await?;
    let mut errors = FieldErrors::default();
    if inquiry.lines.is_empty() {
        errors.add("lines", "Add at least one line before you submit.");
    }
    // The acceptance rules of the submission date decide, not those of the day a line was added.
    for l in &inquiry.lines {
        let t = snapshot.translate(
            &LineInput {
                line: 1,
                sku: l.entered.clone(),
                months: l.months.and_then(|m| u32::try_from(m).ok()),
            },
            ctx.today,
        );
        if t.status() != Status::Accepted {
            let suggestion = t
                .suggested()
                .map(|s| format!(" Use {s}."))
                .unwrap_or_default();
            errors.add(
                &format!("line_{}", l.id),
                format!(
                    "{}: {}{suggestion} Remove the line and add it again.",
                    l.entered,
                    t.message()
                ),
            );
        }
    }
    // An entry is renewed once: a renewal line whose entry was renewed meanwhile is refused.
    // A change's term is the months left on the day: a month boundary passed since the draft
    // was made asks for the line again.
    let mut conn = ctx.db.pool.acquire().await?;
    for l in inquiry.lines.iter().filter(|l| !is_renewal(&l.sku)) {
        let (Some(entry), Ok(sku)) = (l.changes_entry, Sku::parse(&l.sku)) else {
            continue;
        };
        let Some(end) = crate::db::orders::entry_end(&mut conn, entry).await? else {
            continue;
        };
        let left = crate::domain::schedule::months_left(ctx.today, end)
            .ok()
            .and_then(|m| u8::try_from(m).ok());
        if left != Some(sku.fields().term) {
            errors.add(
                &format!("line_{}", l.id),
                match left {
                    Some(m) => format!(
                        "{}: the subscription it changes has {} left today, not {}. Remove the line and ask again from the license schedule.",
                        l.sku,
                        crate::domain::paging::counted(m, "month", "months"),
                        sku.fields().term
                    ),
                    None => format!("{}: the subscription it changes ended on {end}. Remove the line.", l.sku),
                },
            );
        }
    }
    for l in inquiry.lines.iter().filter(|l| is_renewal(&l.sku)) {
        if let Some(entry) = l.changes_entry {
            if let Some((id, earlier)) = crate::db::orders::renewed_by(&mut conn, entry).await? {
                let field = format!("line_{}", l.id);
                errors.add(
                    &field,
                    format!(
                        "{}: this entry is renewed by order {earlier} already. Remove the line.",
                        l.sku
                    ),
                );
                errors.link(
                    &field,
                    format!("Open order {earlier}"),
                    format!("/orders/{id}"),
                );
            }
        }
    }
    drop(conn);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let mut tx = ctx.db.pool.begin().await?;
    claim_version(&mut tx, &inquiry, seen).await?;
    store::mark_submitted(&mut tx, inquiry.id, &ctx.today.to_string(), ctx.now).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "inquiry_submitted",
        &inquiry.reference,
        &inquiry.distributor_name,
        ctx.now,
    )
    .await?;
    let notice = notices::inquiry_submitted(&inquiry, &ctx.public_url);
    notify_role(
        &mut tx,
        inquiry.distributor_id,
        ContactRole::Quotes,
        &format!("inquiry:{}:submitted", inquiry.id),
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    super::webhooks::tell_inquiry(
        &mut tx,
        inquiry.id,
        EventType::InquirySubmitted,
        None,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(inquiry)
}

/// The most entries one renewal inquiry asks for.
pub const MAX_RENEWALS: usize = 50;
/// The most entries one "Ask for renewal pricing" takes (over several end customers).
pub const MAX_RENEWALS_AT_ONCE: usize = 200;

/// The renewal line of one schedule entry, checked.
struct RenewalLine {
    sku: Sku,
    description: String,
    msrp: crate::domain::Cents,
    quantity: u32,
    entry: EntryId,
}

/// The SKU of a schedule entry that a renewal or a change may continue: a standard
/// subscription, not hardware, NFR or MSP (refused on the `entries` field, saying why).
fn continuable(e: &crate::db::orders::Renewable) -> Result<Sku, Error> {
    use crate::domain::sku::{Channel, Transaction};
    let sku = Sku::parse(&e.sku).map_err(|err| anyhow::anyhow!("entry {}: {err}", e.id))?;
    let f = sku.fields();
    let why = match (f.channel, f.transaction) {
        (_, Transaction::Hardware) => "hardware warranties are not renewed or changed; order a new appliance or its support instead.",
        (Channel::NotForResale, _) => "NFR licenses are renewed through an NFR request, not a pricing inquiry.",
        (Channel::MspMonthly, _) => "MSP licenses are reported as monthly usage, not renewed.",
        _ => return Ok(sku),
    };
    Err(Error::invalid("entries", format!("{}: {why}", e.sku)))
}

/// The renewal line of `e`: same product, transaction R, the entry's term, its quantity; or
/// why it cannot be asked for (hardware, NFR, MSP, renewed already, not orderable).
async fn renewal_line(
    conn: &mut sqlx::AnyConnection,
    snapshot: &crate::domain::catalogue::Snapshot,
    e: &crate::db::orders::Renewable,
    today: chrono::NaiveDate,
) -> Result<RenewalLine, Error> {
    use crate::domain::sku::Transaction;
    use crate::domain::SkuFields;
    let sku = continuable(e)?;
    let f = sku.fields();
    let refuse = |why: String| Error::invalid("entries", format!("{}: {why}", e.sku));
    let refuse_naming = |why: String, (label, path): (String, String)| {
        let mut errors = FieldErrors::default();
        errors.add("entries", format!("{}: {why}", e.sku));
        errors.link("entries", label, path);
        Error::Invalid(errors)
    };
    if let Some((id, earlier)) = crate::db::orders::renewed_by(conn, e.id).await? {
        return Err(refuse_naming(
            format!("this entry is renewed by order {earlier} already."),
            (format!("Open order {earlier}"), format!("/orders/{id}")),
        ));
    }
    if let Some((id, inquiry)) = store::open_renewal_of(conn, e.id).await? {
        return Err(refuse_naming(
            format!("its renewal is asked for on pricing inquiry {inquiry} already: open that one (or remove the line there first)."),
            (format!("Open {inquiry}"), format!("/inquiries/{id}")),
        ));
    }
    let renewal = Sku::build(SkuFields {
        transaction: Transaction::Renewal,
        ..f.clone()
    })
    .map_err(anyhow::Error::from)?;
    match snapshot.availability(&renewal, today) {
        crate::domain::catalogue::Availability::Orderable { description, msrp } => {
            Ok(RenewalLine {
                sku: renewal,
                description,
                msrp,
                quantity: u32::try_from(e.quantity).unwrap_or(u32::MAX),
                entry: e.id,
            })
        }
        crate::domain::catalogue::Availability::NotOrderable { reason, .. } => Err(refuse(
            format!("its renewal {renewal} cannot be ordered: {reason}"),
        )),
    }
}

/// The currency a distributor trades in (its inquiries are priced in it).
async fn trading_currency(pool: &sqlx::AnyPool, distributor: OrgId) -> Result<String, Error> {
    crate::db::orgs::currency_of(pool, distributor)
        .await?
        .ok_or(Error::NotFound)
}

/// The distributor a draft that continues an entry goes to: the one that sold the entry if
/// it still supplies the reseller, or else the reseller's first supplier.
fn distributor_for(sold_by: Option<OrgId>, suppliers: &[OrgId]) -> Result<OrgId, Error> {
    sold_by
        .filter(|d| suppliers.contains(d))
        .or_else(|| suppliers.first().copied())
        .ok_or_else(|| Error::invalid("entries", "Your organisation has no distributor to ask."))
}

/// Adds a line that renews or changes `entry` to a draft, as the SKU it is (not typed).
async fn add_continuing_line(
    conn: &mut sqlx::AnyConnection,
    inquiry: InquiryId,
    sku: &Sku,
    description: &str,
    quantity: u32,
    msrp: crate::domain::Cents,
    entry: EntryId,
) -> Result<(), Error> {
    let text = sku.to_string();
    store::add_line(
        conn,
        inquiry,
        &NewLine {
            entered: &text,
            months: None,
            legacy_sku: None,
            sku: &text,
            family: &sku.fields().family,
            description,
            quantity,
            unit_msrp: msrp,
            changes_entry: Some(entry),
        },
    )
    .await?;
    Ok(())
}

/// Starts draft inquiries that ask for renewal pricing of these schedule entries of the
/// caller's reseller, one per end customer (an inquiry is for one end customer): one line per
/// entry with its renewal SKU (same product, transaction R, the entry's term) and quantity,
/// linked to the entry so that the quote and the order renew it contiguously (PRODUCT.md
/// section 5). Each goes to the distributor that sold its first entry, or else to the
/// reseller's first supplier; a draft can be changed before it is submitted. All drafts or
/// none; problems are reported on the `entries` field.
pub async fn ask_renewal_pricing(ctx: &Ctx, entries: &[EntryId]) -> Result<Vec<InquiryId>, Error> {
    let Some(reseller) = reseller_of(ctx) else {
        ctx.require(false, "ask for renewal pricing").await?;
        return Err(Error::Forbidden);
    };
    ctx.user.ok_or(Error::Forbidden)?;
    if entries.is_empty() || entries.len() > MAX_RENEWALS_AT_ONCE {
        return Err(Error::invalid(
            "entries",
            format!("Choose from 1 to {MAX_RENEWALS_AT_ONCE} schedule entries to renew."),
        ));
    }
    let pool = &ctx.db.pool;
    let found = crate::db::orders::renewable(pool, ctx.scope, entries).await?;
    if found.len() != entries.len() {
        return Err(Error::NotFound);
    }
    let mut groups: Vec<Vec<&crate::db::orders::Renewable>> = Vec::new();
    for e in &found {
        match groups
            .iter_mut()
            .find(|g| g[0].end_customer == e.end_customer)
        {
            Some(g) => g.push(e),
            None => groups.push(vec![e]),
        }
    }
    if groups.iter().any(|g| g.len() > MAX_RENEWALS) {
        return Err(Error::invalid(
            "entries",
            format!("One end customer's inquiry takes at most {MAX_RENEWALS} lines; choose fewer entries."),
        ));
    }
    let suppliers = crate::db::orgs::distributor_ids_of(pool, reseller).await?;
    // Each draft is priced in the currency of the distributor it goes to.
    let mut books: HashMap<String, Snapshot> = HashMap::new();
    let mut conn = pool.acquire().await?;
    let mut drafts = Vec::with_capacity(groups.len());
    for g in &groups {
        let distributor = distributor_for(g[0].sold_by, &suppliers)?;
        let currency = trading_currency(pool, distributor).await?;
        if !books.contains_key(&currency) {
            let book = catalogue::snapshot(pool, &currency).await?;
            books.insert(currency.clone(), book);
        }
        let snapshot = &books[&currency];
        let mut lines = Vec::with_capacity(g.len());
        for e in g {
            lines.push(renewal_line(&mut conn, snapshot, e, ctx.today).await?);
        }
        drafts.push((g[0], distributor, lines));
    }
    drop(conn);
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(drafts.len());
    for (first, distributor, lines) in &drafts {
        let distributor = *distributor;
        let detail = format!("renewal of {} entries", lines.len());
        let id = open_draft(
            &mut tx,
            ctx,
            (reseller, first.end_customer, distributor),
            &detail,
        )
        .await?;
        for l in lines {
            add_continuing_line(
                &mut tx,
                id,
                &l.sku,
                &l.description,
                l.quantity,
                l.msrp,
                l.entry,
            )
            .await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// What "Upgrade or add" offers for one schedule entry: the entry, the months left today
/// (rounded up: the term of the co-termed SKU), and the subscriptions it may change to or add
/// (value `FAMILY-BAND`, label), the entry's own first.
#[derive(Debug, Clone)]
pub struct ChangeOffer {
    pub entry: crate::db::orders::Renewable,
    pub description: String,
    pub months_left: u32,
    pub products: Vec<(String, String)>,
}

impl ChangeOffer {
    /// The entry's own product, as a `products` value.
    pub fn own_product(&self) -> String {
        Sku::parse(&self.entry.sku)
            .map(|s| format!("{}-{}", s.fields().family, s.fields().band))
            .unwrap_or_default()
    }
}

/// The change an entry may get on `ctx.today`: refused for an entry of another reseller (not
/// found), hardware, NFR, MSP, or one that has ended.
pub async fn change_offer(ctx: &Ctx, entry: EntryId) -> Result<ChangeOffer, Error> {
    use crate::domain::catalogue::FamilyKind;
    ctx.require(reseller_of(ctx).is_some(), "ask for upgrade pricing")
        .await?;
    let pool = &ctx.db.pool;
    let e = crate::db::orders::renewable(pool, ctx.scope, &[entry])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let sku = continuable(&e)?;
    let months_left = crate::domain::schedule::months_left(ctx.today, e.end).map_err(|_| {
        Error::invalid(
            "entries",
            format!(
                "This subscription ended on {}: it can be renewed, not changed.",
                e.end
            ),
        )
    })?;
    let snapshot = catalogue::unpriced(pool).await?;
    let own = (sku.fields().family.clone(), sku.fields().band.clone());
    let mut items: Vec<&crate::domain::catalogue::CatalogueItem> = snapshot
        .items
        .values()
        .filter(|i| i.kind == FamilyKind::Subscription && i.active_on(ctx.today))
        .collect();
    items.sort_by_key(|i| {
        (
            (i.family.clone(), i.band.clone()) != own,
            i.family.clone(),
            i.band.clone(),
        )
    });
    let description = snapshot
        .items
        .get(&own)
        .map(|i| i.description.clone())
        .unwrap_or_else(|| e.sku.clone());
    Ok(ChangeOffer {
        products: items
            .into_iter()
            .map(|i| {
                (
                    format!("{}-{}", i.family, i.band),
                    format!("{} ({} {})", i.description, i.family, i.band),
                )
            })
            .collect(),
        description,
        months_left,
        entry: e,
    })
}

/// A change as the "Upgrade or add" form sends it.
#[derive(Debug, Clone, Default)]
pub struct ChangeInput {
    /// `FAMILY-BAND` of the subscription the entry changes to or gets added.
    pub product: String,
    pub quantity: String,
}

/// Starts a draft inquiry asking for the pricing of a mid-term upgrade or add-on of one
/// schedule entry (PRODUCT.md section 5): one line with the chosen product's U SKU whose term
/// is the months left, rounded up, linked to the entry so that the quote and the order co-term
/// it (start on processing, end with the entry).
pub async fn ask_change_pricing(
    ctx: &Ctx,
    entry: EntryId,
    input: &ChangeInput,
) -> Result<InquiryId, Error> {
    use crate::domain::sku::{Channel, Transaction};
    use crate::domain::SkuFields;
    let offer = change_offer(ctx, entry).await?;
    let reseller = reseller_of(ctx).ok_or(Error::Forbidden)?;
    let mut errors = FieldErrors::default();
    let product = offer
        .products
        .iter()
        .find(|(value, _)| *value == input.product.trim())
        .and_then(|(value, _)| value.split_once('-'));
    if product.is_none() {
        errors.add("product", "Choose the subscription to upgrade to or add.");
    }
    let quantity = parse_quantity(&input.quantity)
        .map_err(|why| errors.add("quantity", why))
        .ok();
    let (Some((family, band)), Some(quantity), true) = (product, quantity, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let term = u8::try_from(offer.months_left).map_err(|_| {
        Error::invalid(
            "entries",
            "The subscription ends more than 60 months from now; ask your distributor.",
        )
    })?;
    let sku = Sku::build(SkuFields {
        family: family.to_string(),
        band: band.to_string(),
        channel: Channel::Standard,
        transaction: Transaction::Upgrade,
        term,
    })
    .map_err(anyhow::Error::from)?;
    let pool = &ctx.db.pool;
    let suppliers = crate::db::orgs::distributor_ids_of(pool, reseller).await?;
    let distributor = distributor_for(offer.entry.sold_by, &suppliers)
        .map_err(|_| Error::invalid("product", "Your organisation has no distributor to ask."))?;
    let currency = trading_currency(pool, distributor).await?;
    let snapshot = catalogue::snapshot(pool, &currency).await?;
    let (description, msrp) = match snapshot.availability(&sku, ctx.today) {
        crate::domain::catalogue::Availability::Orderable { description, msrp } => {
            (description, msrp)
        }
        crate::domain::catalogue::Availability::NotOrderable { reason, .. } => {
            return Err(Error::invalid("product", format!("{sku}: {reason}")))
        }
    };
    let mut tx = pool.begin().await?;
    let id = open_draft(
        &mut tx,
        ctx,
        (reseller, offer.entry.end_customer, distributor),
        &format!("change of entry {entry}"),
    )
    .await?;
    add_continuing_line(&mut tx, id, &sku, &description, quantity, msrp, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// The caller's standard subscriptions (of one end customer, or all) ending within the next
/// 90 days and not renewed yet: what "everything expiring" asks renewal pricing for.
pub async fn expiring_entries(ctx: &Ctx, end_customer: Option<i64>) -> Result<Vec<EntryId>, Error> {
    ctx.require(reseller_of(ctx).is_some(), "ask for renewal pricing")
        .await?;
    // "Expiring within 90 days", as the schedule shows it: fewer than 90 days left.
    let until = ctx
        .today
        .checked_add_days(chrono::Days::new(89))
        .unwrap_or(ctx.today);
    let found = crate::db::orders::expiring_unrenewed(
        &ctx.db.pool,
        ctx.scope,
        end_customer,
        ctx.today,
        until,
        MAX_RENEWALS_AT_ONCE + 1,
    )
    .await?;
    if found.is_empty() {
        return Err(Error::invalid(
            "entries",
            "Nothing to renew: no subscription ends within the next 90 days that is not renewed already.",
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfr_and_msp_skus_are_sent_where_they_belong() -> Result<(), crate::domain::SkuError> {
        use crate::domain::sku::{Channel, Transaction};
        let sku = |channel| {
            Sku::build(crate::domain::SkuFields {
                family: "EPIXAD".into(),
                band: "B10".into(),
                channel,
                transaction: Transaction::New,
                term: 12,
            })
        };
        assert_eq!(channel_elsewhere(&sku(Channel::Standard)?), None);
        assert!(channel_elsewhere(&sku(Channel::NotForResale)?)
            .is_some_and(|m| m.contains("NFR request")));
        assert!(channel_elsewhere(&sku(Channel::MspMonthly)?)
            .is_some_and(|m| m.contains("monthly usage")));
        Ok(())
    }
}
