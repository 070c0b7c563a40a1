//! The vendor admin's organisations: distributors and resellers with their first admin. A
//! reseller that gets its first partner level joins the partner program (its NFR allotment
//! is granted once, `app::nfr::grant_on_join`).

use super::nfr::{grant_on_join, Grant};
use super::{Ctx, Error};
use crate::db::{orgs, users};
use crate::domain::field_errors::required_text;
use crate::domain::{AccessRole, Email, FieldErrors, OrgId, OrgKind, PartnerLevel, UserId};

pub const MAX_NAME: usize = 120;
pub const MAX_PERSON_NAME: usize = 100;

/// Choices the organisation form offers.
pub struct Options {
    pub levels: Vec<PartnerLevel>,
    pub cams: Vec<(UserId, String)>,
    pub distributors: Vec<(OrgId, String)>,
    /// The currencies of the price books.
    pub currencies: Vec<String>,
}

pub async fn options(ctx: &Ctx) -> Result<Options, Error> {
    let pool = &ctx.db.pool;
    Ok(Options {
        levels: PartnerLevel::ALL.to_vec(),
        cams: users::channel_managers(pool).await?,
        distributors: orgs::distributors(pool).await?,
        currencies: crate::db::catalogue::price_books(pool)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect(),
    })
}

/// The organisation part of the form as typed.
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    pub name: String,
    pub partner_level: String,
    pub cam_user_id: String,
    pub distributor_ids: Vec<String>,
    pub is_msp: bool,
    /// The currency it trades in (a price book's).
    pub currency: String,
}

/// The first administrator of a new organisation, as typed.
#[derive(Debug, Clone, Default)]
pub struct AdminInput {
    pub name: String,
    pub email: String,
}

/// Checks the organisation part of the form; resellers need a level, a CAM and a supplier.
fn check_org_fields(
    kind: OrgKind,
    input: &OrgInput,
    options: &Options,
    errors: &mut FieldErrors,
) -> (orgs::OrgFields, Vec<OrgId>) {
    let name = required_text(
        errors,
        "name",
        &input.name,
        "the organisation's name",
        MAX_NAME,
    );
    let currency = input.currency.trim().to_uppercase();
    if !options.currencies.contains(&currency) {
        errors.add(
            "currency",
            "Choose the currency it trades in: one of the price books.",
        );
    }
    if kind != OrgKind::Reseller {
        let fields = orgs::OrgFields {
            name,
            partner_level: None,
            cam_user_id: None,
            is_msp: false,
            currency,
        };
        return (fields, vec![]);
    }
    let level = PartnerLevel::parse(&input.partner_level);
    if level.is_none() {
        errors.add("partner_level", "Choose the reseller's partner level.");
    }
    let cam = input
        .cam_user_id
        .parse::<i64>()
        .ok()
        .map(UserId)
        .filter(|id| options.cams.iter().any(|(c, _)| c == id));
    if cam.is_none() {
        errors.add(
            "cam_user_id",
            "Choose the reseller's channel account manager.",
        );
    }
    let mut suppliers = Vec::new();
    for raw in &input.distributor_ids {
        match raw
            .parse::<i64>()
            .ok()
            .map(OrgId)
            .filter(|id| options.distributors.iter().any(|(d, _)| d == id))
        {
            Some(id) if !suppliers.contains(&id) => suppliers.push(id),
            Some(_) => {}
            None => errors.add(
                "distributor_ids",
                "One of the chosen distributors does not exist any more.",
            ),
        }
    }
    if suppliers.is_empty() {
        errors.add(
            "distributor_ids",
            "Choose at least one distributor that supplies this reseller.",
        );
    }
    let fields = orgs::OrgFields {
        name,
        partner_level: level,
        cam_user_id: cam,
        is_msp: input.is_msp,
        currency,
    };
    (fields, suppliers)
}

/// A one-line summary for the audit log.
fn describe(kind: OrgKind, f: &orgs::OrgFields, suppliers: &[OrgId], options: &Options) -> String {
    if kind != OrgKind::Reseller {
        return format!("{} {:?}, currency {}", kind.as_str(), f.name, f.currency);
    }
    let cam = options
        .cams
        .iter()
        .find(|(id, _)| Some(*id) == f.cam_user_id)
        .map(|(_, n)| n.as_str())
        .unwrap_or("-");
    let names: Vec<&str> = options
        .distributors
        .iter()
        .filter(|(id, _)| suppliers.contains(id))
        .map(|(_, n)| n.as_str())
        .collect();
    format!(
        "reseller {:?}, level {}, CAM {cam}, MSP {}, currency {}, distributors {}",
        f.name,
        f.partner_level.map(|l| l.as_str()).unwrap_or("-"),
        if f.is_msp { "yes" } else { "no" },
        f.currency,
        names.join(", ")
    )
}

/// A reseller joins the partner program when it gets its first partner level.
async fn joined(
    ctx: &Ctx,
    kind: OrgKind,
    id: OrgId,
    before: Option<PartnerLevel>,
    after: Option<PartnerLevel>,
) -> Result<Option<Grant>, Error> {
    match (kind, before, after) {
        (OrgKind::Reseller, None, Some(level)) => Ok(Some(grant_on_join(ctx, id, level).await?)),
        _ => Ok(None),
    }
}

/// What saving an organisation did.
#[derive(Debug, Clone)]
pub struct Saved {
    pub id: OrgId,
    pub name: String,
    /// The NFR allotment granted when the reseller joined with this save.
    pub grant: Option<Grant>,
    /// For a new organisation: its first admin's address and when their invitation expires.
    pub invited: Option<(String, i64)>,
}

/// Creates a distributor or reseller with its first administrator (who is mailed an
/// invitation to choose their password), and grants a new reseller its level's NFR
/// allotment.
pub async fn create(
    ctx: &Ctx,
    kind: &str,
    input: OrgInput,
    admin: AdminInput,
) -> Result<Saved, Error> {
    ctx.require_vendor_admin("manage organisations").await?;
    let pool = &ctx.db.pool;
    let options = options(ctx).await?;
    let mut errors = FieldErrors::default();
    let kind = OrgKind::parse(kind).filter(|k| *k != OrgKind::Vendor);
    if kind.is_none() {
        errors.add(
            "kind",
            "Choose whether this is a distributor or a reseller.",
        );
    }
    let (fields, suppliers) = check_org_fields(
        kind.unwrap_or(OrgKind::Distributor),
        &input,
        &options,
        &mut errors,
    );
    if !errors.has("name") && orgs::name_taken(pool, &fields.name, None).await? {
        errors.add("name", "An organisation with this name exists already.");
    }
    let admin_name = required_text(
        &mut errors,
        "admin_name",
        &admin.name,
        "the administrator's name",
        MAX_PERSON_NAME,
    );
    let admin_email = Email::parse(&admin.email)
        .map_err(|e| errors.add("admin_email", e.to_string()))
        .ok();
    if let Some(e) = &admin_email {
        if users::email_taken(pool, e).await? {
            errors.add(
                "admin_email",
                "A user with this e-mail address exists already.",
            );
        }
    }
    let (Some(kind), Some(admin_email), true) = (kind, admin_email, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = pool.begin().await?;
    let created = async {
        let id = orgs::insert(&mut tx, kind, &fields, ctx.now).await?;
        orgs::set_distributors(&mut tx, id, &suppliers).await?;
        let first = users::NewUser {
            org_id: id,
            email: &admin_email,
            display_name: &admin_name,
            password_hash: None,
            role: AccessRole::admin_of(kind),
        };
        let admin = users::insert(&mut tx, &first, ctx.now).await?;
        Ok::<_, sqlx::Error>((id, admin))
    }
    .await;
    let (id, admin) = created.map_err(Error::unique(
        "name",
        "This name or the administrator's e-mail was taken meanwhile: choose another.",
    ))?;
    let detail = describe(kind, &fields, &suppliers, &options) + &format!("; admin {admin_email}");
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "organisation_created",
        &fields.name,
        &detail,
        ctx.now,
    )
    .await?;
    let until = super::invitations::send(
        &mut tx,
        ctx,
        &super::invitations::Invitee {
            user: admin,
            name: &admin_name,
            email: admin_email.as_str(),
            org_name: &fields.name,
            role: AccessRole::admin_of(kind),
        },
    )
    .await?;
    tx.commit().await?;
    let grant = joined(ctx, kind, id, None, fields.partner_level).await?;
    Ok(Saved {
        id,
        name: fields.name,
        grant,
        invited: Some((admin_email.as_str().to_string(), until)),
    })
}

/// A distributor or reseller the vendor admin manages (never the vendor itself).
pub async fn load(ctx: &Ctx, id: i64) -> Result<orgs::Org, Error> {
    ctx.require_vendor_admin("manage organisations").await?;
    orgs::get(&ctx.db.pool, OrgId(id))
        .await?
        .filter(|o| o.kind != OrgKind::Vendor)
        .ok_or(Error::NotFound)
}

/// What saving `input` does to a reseller's partner level, a sentence each, when it changes
/// the level (the page asks before it is saved); `None` when the level stays.
pub async fn level_change(
    ctx: &Ctx,
    id: i64,
    input: &OrgInput,
) -> Result<Option<Vec<String>>, Error> {
    let org = load(ctx, id).await?;
    validated(ctx, &org, input).await?;
    let after = PartnerLevel::parse(input.partner_level.trim());
    let (OrgKind::Reseller, Some(after)) = (org.kind, after) else {
        return Ok(None);
    };
    let name = &org.name;
    let told = format!("{name}'s partner program contacts are told by e-mail.");
    Ok(match org.partner_level {
        Some(before) if before == after => None,
        Some(before) => Some(vec![
            format!(
                "{name}'s partner level changes from {} to {}.",
                before.label(),
                after.label()
            ),
            format!(
                "Quotes made from today propose the {} program discounts; quotes already sent keep their figures.",
                after.label()
            ),
            format!(
                "The NFR allotment {name} is measured against becomes {}'s; no NFR licenses are issued or taken back.",
                after.label()
            ),
            told,
        ]),
        None => Some(vec![
            format!("{name} joins the partner program at {}.", after.label()),
            format!(
                "Its NFR allotment for {} is issued at no charge as a zero-dollar order and processed onto its license schedule.",
                after.label()
            ),
            told,
        ]),
    })
}

/// The fields of an existing organisation's form, checked.
async fn validated(
    ctx: &Ctx,
    org: &orgs::Org,
    input: &OrgInput,
) -> Result<(orgs::OrgFields, Vec<OrgId>, Options), Error> {
    let options = options(ctx).await?;
    let mut errors = FieldErrors::default();
    let (fields, suppliers) = check_org_fields(org.kind, input, &options, &mut errors);
    if !errors.has("name") && orgs::name_taken(&ctx.db.pool, &fields.name, Some(org.id)).await? {
        errors.add("name", "An organisation with this name exists already.");
    }
    // A month's MSP statement is in one currency: the reseller's usage of a month still open
    // was priced in the currency it has now.
    if org.kind == OrgKind::Reseller && !errors.has("currency") && fields.currency != org.currency {
        let open = crate::db::msp::open_months_of(&ctx.db.pool, org.id).await?;
        if let Some(month) = open.first() {
            errors.add(
                "currency",
                format!(
                    "It has MSP usage for {month}, a month not closed yet, priced in {}: close that month on the MSP page first, then change the currency.",
                    org.currency
                ),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok((fields, suppliers, options))
}

/// Saves an organisation's details; a reseller given its first level joins the program.
pub async fn update(ctx: &Ctx, id: i64, input: OrgInput) -> Result<Saved, Error> {
    let org = load(ctx, id).await?;
    let pool = &ctx.db.pool;
    let (fields, suppliers, options) = validated(ctx, &org, &input).await?;
    let before_suppliers = orgs::distributor_ids_of(pool, org.id).await?;
    let before = describe(
        org.kind,
        &orgs::OrgFields {
            name: org.name.clone(),
            partner_level: org.partner_level,
            cam_user_id: org.cam_user_id,
            is_msp: org.is_msp,
            currency: org.currency.clone(),
        },
        &before_suppliers,
        &options,
    );
    let after = describe(org.kind, &fields, &suppliers, &options);
    let mut tx = pool.begin().await?;
    let updated = orgs::update(&mut tx, org.id, &fields)
        .await
        .map_err(Error::unique(
            "name",
            "Another organisation took this name meanwhile.",
        ))?;
    if !updated {
        return Err(Error::NotFound);
    }
    if org.kind == OrgKind::Reseller {
        orgs::set_distributors(&mut tx, org.id, &suppliers).await?;
    }
    // A level change is told to the reseller's partner-program role (joining, from no level,
    // is told with the NFR allotment instead).
    if let (OrgKind::Reseller, Some(was), Some(now)) =
        (org.kind, org.partner_level, fields.partner_level)
    {
        if was != now {
            crate::mail::notify::notify_role(
                &mut tx,
                org.id,
                crate::domain::contact::ContactRole::PartnerProgram,
                &format!("org:{}:level:{}:{}", org.id.0, now.as_str(), ctx.now),
                &crate::mail::notices::partner_level_changed(was, now, &ctx.public_url),
                &ctx.public_url,
                ctx.now,
            )
            .await?;
        }
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "organisation_updated",
        &fields.name,
        &format!("before: {before}; after: {after}"),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    let grant = joined(
        ctx,
        org.kind,
        org.id,
        org.partner_level,
        fields.partner_level,
    )
    .await?;
    Ok(Saved {
        id: org.id,
        name: fields.name,
        grant,
        invited: None,
    })
}

/// A reseller admin chooses whether accepting a quote needs a purchase-order reference
/// (`choice`: "required" or "optional"); returns whether it is now required.
pub async fn set_po_required(ctx: &Ctx, choice: &str) -> Result<bool, Error> {
    ctx.require(
        ctx.role == Some(crate::domain::AccessRole::ResellerAdmin),
        "choose the purchase-order rule",
    )
    .await?;
    let required = match choice {
        "required" => true,
        "optional" => false,
        _ => {
            return Err(Error::invalid(
                "po",
                "Choose whether the purchase-order reference is optional or required.",
            ))
        }
    };
    let org = ctx.org.ok_or(Error::Forbidden)?;
    let mut tx = ctx.db.pool.begin().await?;
    orgs::set_po_required(&mut tx, org, required).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "po_rule_changed",
        "purchase-order reference",
        if required { "required" } else { "optional" },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(required)
}
