//! NFR licenses (PRODUCT.md section 6): the allotment a reseller gets when it joins, NFR
//! requests, and their decisions. Both the allotment and an approved request become
//! zero-dollar orders supplied by the vendor, placed through [`orders::place_in`] and
//! processed like any other order (so the dates follow section 5 and the schedule is
//! mailed), onto the reseller's own-use schedule.

use super::orders::{self, NewOrder, Origin, Placed};
use super::{Ctx, Error};
use crate::db::nfr::{self as store, Request, RequestLine};
use crate::db::orders::NewOrderLine;
use crate::db::{catalogue, orgs, users};
use crate::domain::catalogue::{Availability, Snapshot};
use crate::domain::contact::{ContactRole, Person};
use crate::domain::sku::{Channel, Transaction};
use crate::domain::status::NfrEvent;
use crate::domain::{
    AccessRole, Cents, FieldErrors, NfrRequestId, OrgId, PartnerLevel, Sku, SkuFields, UserId,
};
use crate::mail::notices;
use crate::mail::notify::{notify_role, queue_for};
use chrono::{Datelike, NaiveDate};
use sqlx::AnyConnection;

/// The most lines one request may have.
pub const MAX_LINES: usize = 40;
/// The longest justification.
pub const MAX_JUSTIFICATION: usize = 2000;

/// An NFR order's lines: (SKU, quantity) with the catalogue's description, at zero cost.
pub fn zero_dollar_lines(snapshot: &Snapshot, lines: &[(Sku, i64)]) -> Vec<NewOrderLine> {
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
                    .unwrap_or(Cents::new(0)),
                net: Cents::new(0),
            }
        })
        .collect()
}

/// The price book of the currency the reseller trades in: NFR lines cost 0 in it and show
/// its MSRP.
async fn book_of(pool: &sqlx::AnyPool, reseller: OrgId) -> Result<Snapshot, Error> {
    let currency = orgs::currency_of(pool, reseller)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(catalogue::snapshot(pool, &currency).await?)
}

/// Places an NFR order for the reseller (vendor-supplied, own-use end customer) in `tx`.
async fn place_nfr_order(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    reseller: OrgId,
    lines: Vec<NewOrderLine>,
) -> Result<Placed, Error> {
    let pool = &ctx.db.pool;
    let vendor = orgs::vendor(pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no vendor organisation"))?;
    let org = orgs::get(pool, reseller).await?.ok_or(Error::NotFound)?;
    let customer = store::own_use_customer(tx, reseller, &org.name, ctx.now).await?;
    let order = NewOrder {
        origin: Origin::Nfr,
        reseller,
        distributor: vendor.id,
        end_customer: customer,
        currency: org.currency.clone(),
        lines,
    };
    orders::place_in(tx, ctx, &order).await
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
/// processed on the joining date (`ctx.today`; after a maintenance window, on the day it is
/// processed), and tells its partner program role.
pub async fn grant_on_join(
    ctx: &Ctx,
    reseller: OrgId,
    level: PartnerLevel,
) -> Result<Grant, Error> {
    let pool = &ctx.db.pool;
    let joined_on = ctx.today;
    let allotment = store::allotment_of(pool, level).await?;
    let snapshot = book_of(pool, reseller).await?;
    let mut skus = Vec::new();
    for row in &allotment {
        let hardware = snapshot
            .items
            .get(&(row.family.clone(), row.band.clone()))
            .is_some_and(|i| i.kind == crate::domain::catalogue::FamilyKind::Hardware);
        skus.push((
            row.sku(hardware).map_err(anyhow::Error::from)?,
            row.quantity,
        ));
    }
    let lines = zero_dollar_lines(&snapshot, &skus);
    let mut tx = pool.begin().await?;
    if !store::grant_once(&mut tx, reseller, level, joined_on, ctx.now).await? {
        return Ok(Grant::Already);
    }
    if lines.is_empty() {
        tx.commit().await?;
        return Ok(Grant::Nothing);
    }
    let count = lines.len();
    let listed = lines.clone();
    let placed = place_nfr_order(&mut tx, ctx, reseller, lines).await?;
    let notice =
        notices::nfr_allotment_issued(level, joined_on, &listed, placed.id.0, &ctx.public_url);
    store::set_grant_order(&mut tx, reseller, placed.id).await?;
    notify_role(
        &mut tx,
        reseller,
        ContactRole::PartnerProgram,
        &format!("nfr:grant:{}", reseller.0),
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    orders::process_one(ctx, placed.id, joined_on).await?;
    Ok(Grant::Issued {
        order: placed.reference,
        lines: count,
    })
}

/// The NFR SKU a person meant: an NFR-channel SKU as typed, or a standard one turned into its
/// NFR-channel twin (a new term of the same product).
pub fn nfr_sku(typed: &str) -> Result<Sku, String> {
    let sku = Sku::parse(typed).map_err(|e| e.to_string())?;
    let f = sku.fields();
    match f.channel {
        Channel::NotForResale => Ok(sku),
        Channel::MspMonthly => {
            Err("MSP monthly SKUs (channel M) are reported as usage, not requested as NFR.".into())
        }
        Channel::Standard => {
            let transaction = if f.transaction == Transaction::Hardware {
                Transaction::Hardware
            } else {
                Transaction::New
            };
            Sku::build(SkuFields {
                channel: Channel::NotForResale,
                transaction,
                ..f.clone()
            })
            .map_err(|e| e.to_string())
        }
    }
}

/// One line of a request as typed.
#[derive(Debug, Clone, Default)]
pub struct TypedLine {
    pub sku: String,
    pub quantity: String,
}

/// A line checked against the catalogue on `today`: the NFR line, or why not.
pub fn check_line(
    snapshot: &Snapshot,
    line: &TypedLine,
    today: NaiveDate,
) -> Result<RequestLine, String> {
    let sku = nfr_sku(line.sku.trim())?;
    let description = match snapshot.availability(&sku, today) {
        Availability::NotOrderable { reason, .. } => return Err(reason),
        Availability::Orderable { description, .. } => description,
    };
    let quantity = crate::domain::order_line::parse_quantity(&line.quantity)?;
    Ok(RequestLine {
        sku: sku.to_string(),
        description: format!("{description} (NFR)"),
        quantity: i64::from(quantity),
    })
}

/// An NFR request as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    /// For a distributor filing on a reseller's behalf: the reseller it chose (one it
    /// supplies). A reseller files for itself.
    pub reseller: String,
    pub lines: Vec<TypedLine>,
    pub justification: String,
}

/// The reseller a request is for, and the distributor filing on its behalf.
async fn requested_for(ctx: &Ctx, chosen: &str) -> Result<(Option<OrgId>, Option<OrgId>), Error> {
    match (ctx.role, ctx.org) {
        (Some(AccessRole::ResellerAdmin | AccessRole::ResellerUser), Some(org)) => {
            Ok((Some(org), None))
        }
        (Some(AccessRole::DistributorAdmin | AccessRole::DistributorStaff), Some(org)) => {
            let chosen = chosen.trim().parse::<i64>().ok().map(OrgId);
            let supplied = crate::db::orders::resellers_of(&ctx.db.pool, org)
                .await?
                .into_iter()
                .any(|(r, _)| Some(r) == chosen);
            Ok((chosen.filter(|_| supplied), Some(org)))
        }
        _ => {
            ctx.require(false, "file NFR requests").await?;
            Err(Error::Forbidden)
        }
    }
}

/// A filed request.
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: NfrRequestId,
    pub reference: String,
    pub reseller_name: String,
    /// Whether the reseller has a CAM (else the vendor admins decide).
    pub to_cam: bool,
}

/// Files an NFR request: checks each line (errors as `line_<n>`, `lines`, `justification`),
/// records it, and asks the reseller's CAM (the vendor admins without one) to decide.
pub async fn request(ctx: &Ctx, input: NewRequest) -> Result<Filed, Error> {
    let (reseller, on_behalf_of) = requested_for(ctx, &input.reseller).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let pool = &ctx.db.pool;
    let snapshot = match reseller {
        Some(r) => book_of(pool, r).await?,
        None => catalogue::unpriced(pool).await?,
    };
    let mut errors = FieldErrors::default();
    if reseller.is_none() {
        errors.add("reseller", "Choose one of the resellers you supply.");
    }
    let mut lines = Vec::new();
    for (n, typed) in input.lines.iter().take(MAX_LINES).enumerate() {
        if typed.sku.trim().is_empty() && typed.quantity.trim().is_empty() {
            continue;
        }
        match check_line(&snapshot, typed, ctx.today) {
            Ok(line) => lines.push(line),
            Err(why) => errors.add(&format!("line_{}", n + 1), why),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.add(
            "lines",
            "Enter at least one product: its SKU and a quantity.",
        );
    } else if !errors.is_empty() {
        errors.add("lines", "Correct the marked lines.");
    }
    let justification = crate::domain::field_errors::required_text(
        &mut errors,
        "justification",
        &input.justification,
        "why the reseller needs these licenses",
        MAX_JUSTIFICATION,
    );
    let (Some(reseller), true) = (reseller, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let org = orgs::get(pool, reseller).await?.ok_or(Error::NotFound)?;
    let mut tx = pool.begin().await?;
    let (id, reference) = store::insert(
        &mut tx,
        &store::NewRequest {
            reseller,
            by: user,
            on_behalf_of,
            justification: &justification,
            lines: &lines,
        },
        ctx.today.year(),
        ctx.now,
    )
    .await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "nfr_requested",
        &reference,
        &format!("{} lines", lines.len()),
        ctx.now,
    )
    .await?;
    let by = match on_behalf_of {
        Some(distributor) => {
            let name = orgs::get(pool, distributor)
                .await?
                .map(|d| d.name)
                .unwrap_or_default();
            format!("{name} filed it on behalf of {}", org.name)
        }
        None => format!("{} filed it", org.name),
    };
    let notice = notices::nfr_requested(
        id,
        &reference,
        &org.name,
        &by,
        &justification,
        &lines,
        &ctx.public_url,
    );
    for person in &deciders(ctx, org.cam_user_id).await? {
        queue_for(
            &mut tx,
            person,
            ContactRole::PartnerProgram,
            &format!("nfr:{id}:submitted"),
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Filed {
        id,
        reference,
        reseller_name: org.name,
        to_cam: org.cam_user_id.is_some(),
    })
}

/// Who decides on a reseller's requests: its CAM, or every active vendor admin without one.
async fn deciders(ctx: &Ctx, cam: Option<UserId>) -> Result<Vec<Person>, Error> {
    let pool = &ctx.db.pool;
    if let Some(cam) = cam {
        if let Some(u) = users::get_with_org(pool, cam)
            .await?
            .filter(|u| !u.user.disabled)
        {
            return Ok(vec![Person {
                user_id: cam.0,
                name: u.user.display_name,
                email: u.user.email,
            }]);
        }
    }
    Ok(users::vendor_admins(pool).await?)
}

/// Whether the caller decides on this request: the vendor admins, and the reseller's CAM.
pub fn may_decide(ctx: &Ctx, r: &Request) -> bool {
    match ctx.role {
        Some(AccessRole::VendorAdmin) => true,
        Some(AccessRole::ChannelManager) => ctx.user.is_some() && r.cam_user_id == ctx.user,
        _ => false,
    }
}

/// A decision on a request.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

/// What a decision did.
#[derive(Debug, Clone)]
pub struct Decided {
    pub reference: String,
    /// The NFR order an approval placed, and whether it waits for a maintenance window.
    pub order: Option<(String, bool)>,
}

/// Checks a decision (who may, the request's state, the reason) without doing it: the
/// request, the status it moves to, and the reason trimmed.
pub async fn check(
    ctx: &Ctx,
    id: NfrRequestId,
    decision: &Decision,
) -> Result<(Request, crate::domain::status::NfrStatus, String), Error> {
    let pool = &ctx.db.pool;
    let request = store::get(pool, ctx.scope, id)
        .await?
        .ok_or(Error::NotFound)?;
    ctx.require(may_decide(ctx, &request), "decide on NFR requests")
        .await?;
    let event = match decision {
        Decision::Approve => NfrEvent::Approve,
        Decision::Reject { .. } => NfrEvent::Reject,
    };
    let status = request.status.next(event).map_err(|_| {
        Error::Conflict(format!(
            "{} is {} already.",
            request.reference, request.status
        ))
    })?;
    let reason = match &decision {
        Decision::Approve => String::new(),
        Decision::Reject { reason } => reason.trim().to_string(),
    };
    if matches!(decision, Decision::Reject { .. }) && reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "Give the reason for the rejection.",
        ));
    }
    if reason.chars().count() > crate::app::deals::MAX_REASON {
        return Err(Error::invalid(
            "reason",
            format!("Use at most {} characters.", crate::app::deals::MAX_REASON),
        ));
    }
    Ok((request, status, reason))
}

/// Approves (places and processes the zero-dollar order) or rejects (with a reason) a
/// request that waits for a decision, and tells the requester and the partner program role.
pub async fn decide(ctx: &Ctx, id: NfrRequestId, decision: Decision) -> Result<Decided, Error> {
    let pool = &ctx.db.pool;
    let (request, status, reason) = check(ctx, id, &decision).await?;
    let user = ctx.user.ok_or(Error::Forbidden)?;
    let mut tx = pool.begin().await?;
    let mut order = None;
    if matches!(decision, Decision::Approve) {
        let snapshot = book_of(pool, request.reseller_id).await?;
        let mut skus = Vec::new();
        for l in &request.lines {
            let sku = Sku::parse(&l.sku).map_err(|e| anyhow::anyhow!("{}: {e}", l.sku))?;
            skus.push((sku, l.quantity));
        }
        let lines = zero_dollar_lines(&snapshot, &skus);
        order = Some(place_nfr_order(&mut tx, ctx, request.reseller_id, lines).await?);
    }
    let decided = store::decide(
        &mut tx,
        request.id,
        status,
        user,
        ctx.now,
        (!reason.is_empty()).then_some(reason.as_str()),
        order.as_ref().map(|o| o.id),
    )
    .await?;
    if !decided {
        return Err(Error::Conflict(format!(
            "{} was decided by someone else meanwhile; reload the page.",
            request.reference
        )));
    }
    let detail = match &order {
        Some(o) => format!("approved; order {}", o.reference),
        None => format!("rejected: {reason}"),
    };
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "nfr_decided",
        &request.reference,
        &detail,
        ctx.now,
    )
    .await?;
    tell_decision(
        &mut tx,
        ctx,
        &request,
        status.as_str(),
        &reason,
        order.as_ref(),
    )
    .await?;
    tx.commit().await?;
    let order = match order {
        Some(placed) => {
            let stats = orders::process_one(ctx, placed.id, ctx.today).await?;
            Some((placed.reference, stats.waiting > 0))
        }
        None => None,
    };
    Ok(Decided {
        reference: request.reference,
        order,
    })
}

/// Mails a decision to the requester and the reseller's partner program role.
async fn tell_decision(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    request: &Request,
    status: &str,
    reason: &str,
    order: Option<&Placed>,
) -> Result<(), Error> {
    let notice = notices::nfr_decided(
        request,
        status,
        reason,
        order.map(|o| o.reference.as_str()),
        &ctx.public_url,
    );
    let event = format!("nfr:{}:{status}", request.id);
    if let Some(by) = request
        .requested_by
        .filter(|_| !request.requester_email.is_empty())
    {
        let person = Person {
            user_id: by.0,
            name: request.requester_name.clone(),
            email: request.requester_email.clone(),
        };
        queue_for(
            tx,
            &person,
            ContactRole::PartnerProgram,
            &event,
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?;
    }
    notify_role(
        tx,
        request.reseller_id,
        ContactRole::PartnerProgram,
        &event,
        &notice,
        &ctx.public_url,
        ctx.now,
    )
    .await?;
    Ok(())
}

/// A family and band typed as one product code (`EPIXADB10`, the first nine characters of a
/// SKU; spaces and dashes ignored, any case): `(family, band)`, or `None` when it is not
/// nine letters and digits. Works on characters, so no input can split one.
pub fn product_code(typed: &str) -> Option<(String, String)> {
    let code: Vec<char> = typed
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if code.len() != 9 || !code.iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((code[..6].iter().collect(), code[6..].iter().collect()))
}

/// A row of the allotment table as typed.
#[derive(Debug, Clone, Default)]
pub struct AllotmentInput {
    pub partner_level: String,
    pub product: String,
    pub quantity: String,
}

/// Adds a row to the allotment table or changes its quantity (0 removes it); returns the
/// level, the product's description and the quantity. Resellers that joined before keep
/// what they have.
pub async fn set_allotment(
    ctx: &Ctx,
    input: &AllotmentInput,
) -> Result<(PartnerLevel, String, i64), Error> {
    ctx.require_vendor_admin("keep the NFR allotments").await?;
    let pool = &ctx.db.pool;
    let mut errors = FieldErrors::default();
    let level = PartnerLevel::parse(&input.partner_level);
    if level.is_none() {
        errors.add("partner_level", "Choose a partner level.");
    }
    let snapshot = catalogue::unpriced(pool).await?;
    let item = product_code(&input.product).and_then(|key| snapshot.items.get(&key));
    if item.is_none() {
        errors.add("product", "Enter a family and band of the catalogue, e.g. EPIXADB10 (the first nine characters of a SKU).");
    }
    let quantity = input
        .quantity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (0..=i64::from(crate::domain::order_line::MAX_QUANTITY)).contains(q));
    if quantity.is_none() {
        errors.add(
            "quantity",
            "Enter a quantity from 0 to 100,000 (0 removes the row).",
        );
    }
    let (Some(level), Some(item), Some(quantity), true) =
        (level, item, quantity, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let row = crate::domain::nfr::AllotmentRow {
        family: item.family.clone(),
        band: item.band.clone(),
        quantity,
    };
    let mut tx = pool.begin().await?;
    if quantity == 0 {
        store::delete_allotment(&mut tx, level, &row.family, &row.band).await?;
    } else {
        store::set_allotment(&mut tx, level, &row).await?;
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "nfr_allotment_changed",
        &format!("{} {}{}", level.as_str(), row.family, row.band),
        &format!("quantity {quantity}"),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok((level, item.description.clone(), quantity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn product_codes_are_read_by_character() {
        assert_eq!(
            product_code(" epixad-b10 "),
            Some(("EPIXAD".into(), "B10".into()))
        );
        assert_eq!(product_code("EPIXADB1"), None);
        // Nine bytes, but not nine letters: slicing the bytes at 6 would split the 𝔸.
        assert_eq!(product_code("AAA𝔸AA"), None);
        assert_eq!(product_code("ÄÄÄÄÄÄÄÄÄ"), None);
        // U+212A (Kelvin sign) upper-cases to itself and is not ASCII.
        assert_eq!(product_code("\u{212A}PIXADB10"), None);
    }

    proptest! {
        #[test]
        fn any_text_is_a_product_code_or_not_without_panicking(typed in "\\PC{0,16}") {
            if let Some((family, band)) = product_code(&typed) {
                prop_assert_eq!(family.chars().count(), 6);
                prop_assert_eq!(band.chars().count(), 3);
            }
        }
    }
}
