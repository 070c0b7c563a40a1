//! Demo data (PRODUCT.md section 8) and the first vendor administrator.

pub mod journeys;
pub mod large;

use crate::db::{catalogue, orgs, users, Db};
use crate::domain::catalogue::{FamilyKind, Price};
use crate::domain::legacy::legacy_key;
use crate::domain::sku::{Channel, SkuFields, Transaction};
use crate::domain::{AccessRole, Cents, Email, OrgId, OrgKind, PartnerLevel, Sku, UserId};
use anyhow::Context;
use chrono::NaiveDate;
use rand::distributions::{Alphanumeric, DistString};

pub const DEMO_PASSWORD: &str = "demo-password";

/// The demo accounts, as the login page lists them in demo mode.
/// The demo accounts the sign-in page lists: e-mail, organisation, access role.
pub const DEMO_ACCOUNTS: &[(&str, &str, AccessRole)] = &[
    (
        "admin@vendor.example",
        "Sentinel Security (vendor)",
        AccessRole::VendorAdmin,
    ),
    (
        "cam@vendor.example",
        "Sentinel Security (vendor)",
        AccessRole::ChannelManager,
    ),
    (
        "admin@distributor.example",
        "Northwind Distribution",
        AccessRole::DistributorAdmin,
    ),
    (
        "staff@distributor.example",
        "Northwind Distribution",
        AccessRole::DistributorStaff,
    ),
    (
        "admin@reseller.example",
        "Acme Secure IT (reseller)",
        AccessRole::ResellerAdmin,
    ),
    (
        "sales@reseller.example",
        "Acme Secure IT (reseller)",
        AccessRole::ResellerUser,
    ),
    (
        "admin@other-reseller.example",
        "Bluepeak Managed Services (reseller, MSP)",
        AccessRole::ResellerAdmin,
    ),
    (
        "admin@eu-distributor.example",
        "Rhein Distribution GmbH (prices in EUR)",
        AccessRole::DistributorAdmin,
    ),
    (
        "staff@eu-distributor.example",
        "Rhein Distribution GmbH (prices in EUR)",
        AccessRole::DistributorStaff,
    ),
    (
        "admin@eu-reseller.example",
        "Nordlicht IT GmbH (reseller, prices in EUR)",
        AccessRole::ResellerAdmin,
    ),
];
pub fn random_password() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 20)
}

/// Creates the vendor organisation if there is none yet, then a vendor admin in it.
pub async fn create_vendor_admin(
    db: &Db,
    email: &Email,
    name: &str,
    password_hash: &str,
    now: i64,
) -> anyhow::Result<UserId> {
    let mut tx = db.pool.begin().await?;
    let vendor = match orgs::vendor(&db.pool).await? {
        Some(v) => v.id,
        None => {
            let vendor = plain_org("Vendor", catalogue::DEFAULT_CURRENCY);
            orgs::insert(&mut tx, OrgKind::Vendor, &vendor, now).await?
        }
    };
    let id = users::insert(
        &mut tx,
        &users::NewUser {
            org_id: vendor,
            email,
            display_name: name,
            password_hash: Some(password_hash),
            role: AccessRole::VendorAdmin,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn plain_org(name: &str, currency: &str) -> orgs::OrgFields {
    orgs::OrgFields {
        name: name.to_string(),
        partner_level: None,
        cam_user_id: None,
        is_msp: false,
        currency: currency.to_string(),
    }
}

/// The demo's euro price book.
const EUR: &str = "EUR";

struct Seeder<'a> {
    tx: sqlx::Transaction<'a, sqlx::Any>,
    hash: String,
    now: i64,
}

impl Seeder<'_> {
    async fn org(&mut self, kind: OrgKind, fields: orgs::OrgFields) -> anyhow::Result<OrgId> {
        Ok(orgs::insert(&mut self.tx, kind, &fields, self.now).await?)
    }

    async fn user(
        &mut self,
        org: OrgId,
        email: &str,
        name: &str,
        role: AccessRole,
    ) -> anyhow::Result<UserId> {
        let email = Email::parse(email).map_err(|e| anyhow::anyhow!("demo e-mail {email}: {e}"))?;
        let new = users::NewUser {
            org_id: org,
            email: &email,
            display_name: name,
            password_hash: Some(&self.hash),
            role,
        };
        users::insert(&mut self.tx, &new, self.now)
            .await
            .with_context(|| format!("could not create the demo user {email}"))
    }

    async fn reseller(
        &mut self,
        name: &str,
        (level, cam): (PartnerLevel, UserId),
        msp: bool,
        (distributors, currency): (&[OrgId], &str),
    ) -> anyhow::Result<OrgId> {
        let fields = orgs::OrgFields {
            name: name.to_string(),
            partner_level: Some(level),
            cam_user_id: Some(cam),
            is_msp: msp,
            currency: currency.to_string(),
        };
        let id = self.org(OrgKind::Reseller, fields).await?;
        orgs::set_distributors(&mut self.tx, id, distributors).await?;
        Ok(id)
    }
}

/// Loads the demo data into an empty portal: organisations and users, and the catalogue.
/// Each part is loaded only when it is missing; returns whether anything was loaded.
pub async fn seed_demo(db: &Db, now: i64) -> anyhow::Result<bool> {
    let people = seed_people(db, now).await?;
    let catalogue = seed_catalogue(db).await?;
    let deals = seed_deals(db, now).await?;
    let windows = seed_maintenance(db, now).await?;
    let leads = seed_leads(db, now).await?;
    let nfr = seed_nfr_allotments(db).await?;
    Ok(people || catalogue || deals || windows || leads || nfr)
}

/// The demo data and its history: processed orders (license schedules) and MSP usage, for
/// `seed-demo` and `serve --demo`. (Tests start from [`seed_demo`] alone, without orders.)
pub async fn seed_demo_with_history(db: &Db, now: i64) -> anyhow::Result<bool> {
    let base = seed_demo(db, now).await?;
    let schedules = seed_schedules(db, now).await?;
    let msp = seed_msp_usage(db, now).await?;
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive())
        .context("date")?;
    let journeys = journeys::seed_journeys(db, today, now).await?;
    Ok(base || schedules || msp || journeys)
}

async fn seed_people(db: &Db, now: i64) -> anyhow::Result<bool> {
    if orgs::vendor(&db.pool).await?.is_some() {
        return Ok(false);
    }
    let hash = crate::app::password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut s = Seeder {
        tx: db.pool.begin().await?,
        hash,
        now,
    };

    let vendor = s
        .org(
            OrgKind::Vendor,
            plain_org("Sentinel Security", catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        vendor,
        "admin@vendor.example",
        "Avery Whitfield",
        AccessRole::VendorAdmin,
    )
    .await?;
    let cam = s
        .user(
            vendor,
            "cam@vendor.example",
            "Casey Morgan",
            AccessRole::ChannelManager,
        )
        .await?;
    let cam2 = s
        .user(
            vendor,
            "cam2@vendor.example",
            "Jordan Lee",
            AccessRole::ChannelManager,
        )
        .await?;

    let northwind = s
        .org(
            OrgKind::Distributor,
            plain_org("Northwind Distribution", catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        northwind,
        "admin@distributor.example",
        "Morgan Blake",
        AccessRole::DistributorAdmin,
    )
    .await?;
    s.user(
        northwind,
        "staff@distributor.example",
        "Sam Patel",
        AccessRole::DistributorStaff,
    )
    .await?;
    let southbridge = s
        .org(
            OrgKind::Distributor,
            plain_org("Southbridge Supply", catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        southbridge,
        "admin@southbridge.example",
        "Robin Chen",
        AccessRole::DistributorAdmin,
    )
    .await?;

    let acme = s
        .reseller(
            "Acme Secure IT",
            (PartnerLevel::Gold, cam),
            false,
            (&[northwind], catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        acme,
        "admin@reseller.example",
        "Dana Ortiz",
        AccessRole::ResellerAdmin,
    )
    .await?;
    s.user(
        acme,
        "sales@reseller.example",
        "Lee Fischer",
        AccessRole::ResellerUser,
    )
    .await?;
    s.user(
        acme,
        "renewals@reseller.example",
        "Priya Nair",
        AccessRole::ResellerUser,
    )
    .await?;

    let bluepeak = s
        .reseller(
            "Bluepeak Managed Services",
            (PartnerLevel::Platinum, cam),
            true,
            (&[northwind, southbridge], catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        bluepeak,
        "admin@other-reseller.example",
        "Alex Novak",
        AccessRole::ResellerAdmin,
    )
    .await?;
    s.user(
        bluepeak,
        "noc@other-reseller.example",
        "Kim Yamada",
        AccessRole::ResellerUser,
    )
    .await?;

    let cobalt = s
        .reseller(
            "Cobalt Systems",
            (PartnerLevel::Silver, cam2),
            false,
            (&[southbridge], catalogue::DEFAULT_CURRENCY),
        )
        .await?;
    s.user(
        cobalt,
        "admin@cobalt.example",
        "Chris Walker",
        AccessRole::ResellerAdmin,
    )
    .await?;

    // The euro zone: a distributor trading in EUR and a reseller it supplies.
    let rhein = s
        .org(
            OrgKind::Distributor,
            plain_org("Rhein Distribution GmbH", EUR),
        )
        .await?;
    s.user(
        rhein,
        "admin@eu-distributor.example",
        "Lena Hoffmann",
        AccessRole::DistributorAdmin,
    )
    .await?;
    s.user(
        rhein,
        "staff@eu-distributor.example",
        "Jonas Weber",
        AccessRole::DistributorStaff,
    )
    .await?;
    let nordlicht = s
        .reseller(
            "Nordlicht IT GmbH",
            (PartnerLevel::Gold, cam),
            false,
            (&[rhein], EUR),
        )
        .await?;
    s.user(
        nordlicht,
        "admin@eu-reseller.example",
        "Katrin Vogel",
        AccessRole::ResellerAdmin,
    )
    .await?;

    s.tx.commit().await?;
    Ok(true)
}

/// One product family of the demo catalogue.
struct DemoFamily {
    code: &'static str,
    name: &'static str,
    kind: FamilyKind,
    unit: &'static str,
    /// Legacy SKUs of this family start with this.
    legacy_prefix: &'static str,
    /// (band, what it covers, 12-month MSRP per unit in cents)
    bands: &'static [(&'static str, &'static str, i64)],
}

const USER_BANDS: &[(&str, &str, i64)] = &[
    ("B01", "1-9 users", 4800),
    ("B10", "10-24 users", 4200),
    ("B25", "25-49 users", 3800),
    ("B50", "50-99 users", 3400),
    ("C10", "100-199 users", 3000),
    ("C20", "200-499 users", 2700),
    ("C50", "500-999 users", 2400),
    ("D10", "1000+ users", 2100),
];

const DEMO_FAMILIES: &[DemoFamily] = &[
    DemoFamily {
        code: "FWSTND",
        name: "Firewall Standard Protection",
        kind: FamilyKind::Subscription,
        unit: "appliance",
        legacy_prefix: "XGSTD",
        bands: &[("000", "per appliance", 120_000)],
    },
    DemoFamily {
        code: "FWXSTR",
        name: "Firewall Xstream Protection",
        kind: FamilyKind::Subscription,
        unit: "appliance",
        legacy_prefix: "XGXTR",
        bands: &[("000", "per appliance", 200_000)],
    },
    DemoFamily {
        code: "EPIXAD",
        name: "Intercept X Advanced",
        kind: FamilyKind::Subscription,
        unit: "user",
        legacy_prefix: "IXA",
        bands: USER_BANDS,
    },
    DemoFamily {
        code: "EPIXDR",
        name: "Intercept X Advanced with XDR",
        kind: FamilyKind::Subscription,
        unit: "user",
        legacy_prefix: "IXDR",
        bands: &[
            ("B10", "10-24 users", 5900),
            ("B25", "25-49 users", 5300),
            ("B50", "50-99 users", 4800),
            ("C10", "100-199 users", 4200),
            ("C20", "200-499 users", 3800),
        ],
    },
    DemoFamily {
        code: "MDRESS",
        name: "MDR Essentials",
        kind: FamilyKind::Subscription,
        unit: "user",
        legacy_prefix: "MDRE",
        bands: &[
            ("B10", "10-24 users", 9000),
            ("B25", "25-49 users", 8200),
            ("B50", "50-99 users", 7500),
            ("C10", "100-199 users", 6800),
        ],
    },
    DemoFamily {
        code: "EMLADV",
        name: "Email Advanced",
        kind: FamilyKind::Subscription,
        unit: "mailbox",
        legacy_prefix: "EMA",
        bands: &[
            ("B01", "1-9 mailboxes", 3000),
            ("B10", "10-24 mailboxes", 2600),
            ("B25", "25-49 mailboxes", 2300),
            ("B50", "50-99 mailboxes", 2000),
        ],
    },
    DemoFamily {
        code: "HWX310",
        name: "XGS 3100 appliance",
        kind: FamilyKind::Hardware,
        unit: "appliance",
        legacy_prefix: "XGS3100",
        bands: &[("000", "firewall appliance", 349_900)],
    },
];

/// The band part of a legacy SKU: the smallest seat count (`B10` → `-U10`, `C20` → `-U200`,
/// `D10` → `-U1000`); appliances have none.
fn legacy_band(band: &str) -> String {
    let seats: u32 = band[1..].parse().unwrap_or(0);
    match &band[..1] {
        "B" => format!("-U{seats}"),
        "C" => format!("-U{}", seats * 10),
        "D" => format!("-U{}", seats * 100),
        _ => String::new(),
    }
}

/// The demo's euro MSRP of a US dollar MSRP: 92 %, rounded half up to the cent.
fn in_euro(usd: Cents) -> Cents {
    Cents::new(crate::domain::money::mul_div_round_half_up(
        usd.cents(),
        92,
        100,
    ))
}

/// The demo item without a euro price: EUR inquiries and orders refuse it, naming the book.
const NO_EURO_PRICE: (&str, &str) = ("MDRESS", "C10");

/// Loads the demo catalogue, USD and EUR price books and legacy table into an empty catalogue.
/// Returns false (and changes nothing) when a catalogue exists already.
pub async fn seed_catalogue(db: &Db) -> anyhow::Result<bool> {
    if catalogue::has_catalogue(&db.pool).await? {
        return Ok(false);
    }
    let mut tx = db.pool.begin().await?;
    catalogue::insert_price_book(&mut tx, "USD", "US dollar price book").await?;
    catalogue::insert_price_book(&mut tx, EUR, "Euro price book").await?;
    let from = NaiveDate::from_ymd_opt(2023, 1, 1).context("date")?;
    for f in DEMO_FAMILIES {
        let warranty = (f.kind == FamilyKind::Hardware).then_some(12);
        let new = catalogue::NewFamily {
            code: f.code,
            name: f.name,
            kind: f.kind,
            unit: f.unit,
            warranty_months: warranty,
        };
        catalogue::insert_family(&mut tx, &new).await?;
        for &(band, covers, msrp_12) in f.bands {
            // Email Advanced for 1-9 mailboxes was retired in mid-2023: the demo shows a SKU
            // that is no longer orderable.
            let until = (f.code == "EMLADV" && band == "B01")
                .then(|| NaiveDate::from_ymd_opt(2023, 6, 30))
                .flatten();
            catalogue::insert_item(
                &mut tx,
                f.code,
                band,
                &format!("{}, {covers}", f.name),
                from,
                until,
            )
            .await?;
            let price = match f.kind {
                FamilyKind::Hardware => Price {
                    msrp_hardware: Some(Cents::new(msrp_12)),
                    ..Price::default()
                },
                FamilyKind::Subscription => Price {
                    msrp_12: Some(Cents::new(msrp_12)),
                    msrp_24: Some(Cents::new(msrp_12 * 19 / 10)),
                    msrp_36: Some(Cents::new(msrp_12 * 27 / 10)),
                    // MSP monthly: a twelfth of the yearly price plus 10%, rounded half up.
                    msrp_monthly: Some(Cents::new(crate::domain::money::mul_div_round_half_up(
                        msrp_12, 11, 120,
                    ))),
                    msrp_hardware: None,
                },
            };
            catalogue::upsert_price(&mut tx, "USD", f.code, band, &price).await?;
            if (f.code, band) != NO_EURO_PRICE {
                let euro = |c: Option<Cents>| c.map(in_euro);
                let price = Price {
                    msrp_12: euro(price.msrp_12),
                    msrp_24: euro(price.msrp_24),
                    msrp_36: euro(price.msrp_36),
                    msrp_monthly: euro(price.msrp_monthly),
                    msrp_hardware: euro(price.msrp_hardware),
                };
                catalogue::upsert_price(&mut tx, EUR, f.code, band, &price).await?;
            }
            seed_legacy(&mut tx, f, band).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

async fn seed_legacy(
    conn: &mut sqlx::AnyConnection,
    f: &DemoFamily,
    band: &str,
) -> anyhow::Result<()> {
    let sku = |channel, transaction, term| {
        Sku::build(SkuFields {
            family: f.code.into(),
            band: band.into(),
            channel,
            transaction,
            term,
        })
        .map_err(|e| anyhow::anyhow!("demo SKU for {} {band}: {e}", f.code))
    };
    let base = format!("{}{}", f.legacy_prefix, legacy_band(band));
    if f.kind == FamilyKind::Hardware {
        let key = legacy_key(&format!("{base}-HW"));
        catalogue::insert_legacy(
            conn,
            &key,
            &sku(Channel::Standard, Transaction::Hardware, 0)?,
            false,
        )
        .await?;
        return Ok(());
    }
    for (tx_code, transaction) in [("N", Transaction::New), ("R", Transaction::Renewal)] {
        for term in [12u8, 24, 36] {
            let key = legacy_key(&format!("{base}-{tx_code}{term}M"));
            catalogue::insert_legacy(
                conn,
                &key,
                &sku(Channel::Standard, transaction, term)?,
                false,
            )
            .await?;
        }
        let key = legacy_key(&format!("{base}-{tx_code}1M"));
        catalogue::insert_legacy(conn, &key, &sku(Channel::Standard, transaction, 1)?, true)
            .await?;
    }
    Ok(())
}

/// End customers, the discount rules, a promotion and one approved deal registration.
/// Loaded only when there are no end customers yet.
pub async fn seed_deals(db: &Db, now: i64) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM end_customers")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 || orgs::vendor(&db.pool).await?.is_none() {
        return Ok(false);
    }
    let org = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await
    };
    let (Some(acme), Some(bluepeak), Some(cobalt), Some(northwind), Some(nordlicht)) = (
        org("Acme Secure IT").await?,
        org("Bluepeak Managed Services").await?,
        org("Cobalt Systems").await?,
        org("Northwind Distribution").await?,
        org("Nordlicht IT GmbH").await?,
    ) else {
        return Ok(false);
    };
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive())
        .context("date")?;
    let mut tx = db.pool.begin().await?;
    let mut customers = Vec::new();
    for (reseller, name, contact, email) in [
        (
            acme,
            "Harbour Logistics Ltd",
            "Mia Jensen",
            "it@harbour-logistics.example",
        ),
        (
            acme,
            "Greenfield Clinics",
            "Omar Haddad",
            "omar@greenfield-clinics.example",
        ),
        (
            bluepeak,
            "Northern Retail Group",
            "Sara Lind",
            "security@northern-retail.example",
        ),
        (
            cobalt,
            "Cobalt Legal LLP",
            "Tom Price",
            "tom@cobalt-legal.example",
        ),
        (
            nordlicht,
            "Müller Präzisionstechnik GmbH",
            "Jürgen Müller",
            "it@mueller-praezision.example",
        ),
        (
            nordlicht,
            "Łódź Logistyka Sp. z o.o.",
            "Zofia Wójcik",
            "admin@lodz-logistyka.example",
        ),
    ] {
        let id = crate::db::deals::insert_end_customer(
            &mut tx,
            OrgId(reseller),
            name,
            contact,
            email,
            now,
        )
        .await?;
        customers.push(id);
    }
    for (level, bp) in [
        ("authorized", 0),
        ("silver", 500),
        ("gold", 1200),
        ("platinum", 1800),
    ] {
        for family in [
            "FWSTND", "FWXSTR", "EPIXAD", "EPIXDR", "MDRESS", "EMLADV", "HWX310",
        ] {
            let bp = if family == "HWX310" { bp / 2 } else { bp };
            sqlx::query(
                "INSERT INTO program_discounts (partner_level, family, bp) VALUES ($1, $2, $3)",
            )
            .bind(level)
            .bind(family)
            .bind(i64::from(bp))
            .execute(&mut *tx)
            .await?;
        }
    }
    for family in ["FWSTND", "FWXSTR", "EPIXAD", "EPIXDR", "MDRESS", "EMLADV"] {
        sqlx::query("INSERT INTO deal_registration_discounts (family, bp) VALUES ($1, 1000)")
            .bind(family)
            .execute(&mut *tx)
            .await?;
    }
    let promo_end = today
        .checked_add_days(chrono::Days::new(90))
        .unwrap_or(today);
    // Promotions are per price book: the euro one differs.
    for (code, bp, currency) in [
        ("ENDPOINT-SPRING", 700, catalogue::DEFAULT_CURRENCY),
        ("ENDPOINT-EURO", 500, EUR),
    ] {
        crate::db::deals::add_promotion(
            &mut tx,
            &crate::domain::pricing::Promotion {
                code: code.into(),
                currency: currency.into(),
                families: vec!["EPIXAD".into(), "EPIXDR".into()],
                bp: crate::domain::pricing::Bp(bp),
                starts: today,
                ends: promo_end,
            },
        )
        .await?;
    }
    let cam: Option<i64> =
        sqlx::query_scalar("SELECT cam_user_id FROM organisations WHERE id = $1")
            .bind(acme)
            .fetch_one(&mut *tx)
            .await?;
    let dana: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@reseller.example'")
            .fetch_one(&mut *tx)
            .await?;
    let families = vec!["EPIXAD".to_string()];
    let new = crate::db::deals::NewDeal {
        reseller: OrgId(acme),
        end_customer: customers[0],
        distributor: OrgId(northwind),
        estimated_msrp: Cents::new(2_520_000),
        currency: catalogue::DEFAULT_CURRENCY,
        expected_close: today
            .checked_add_days(chrono::Days::new(45))
            .unwrap_or(today),
        notes: "Replacing a competitor's endpoint product at renewal.",
        families: &families,
        by: UserId(dana),
    };
    let (id, _) =
        crate::db::deals::insert(&mut tx, &new, chrono::Datelike::year(&today), now).await?;
    let until = crate::domain::status::valid_until(today, 90);
    crate::db::deals::decide(
        &mut tx,
        id,
        crate::domain::status::DealStatus::Submitted,
        crate::domain::status::DealStatus::Approved,
        UserId(cam.unwrap_or(0)),
        now,
        None,
        Some((today, until)),
    )
    .await?;
    crate::db::deals::set_family_decisions(&mut tx, id, &families).await?;
    crate::db::deals::add_event(
        &mut tx,
        id,
        cam.map(UserId),
        &format!("Approved, valid {today} to {until}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Builds a demo SKU: standard channel unless `channel` says otherwise.
fn demo_sku(
    family: &str,
    band: &str,
    channel: Channel,
    transaction: Transaction,
    term: u8,
) -> anyhow::Result<Sku> {
    Ok(Sku::build(SkuFields {
        family: family.into(),
        band: band.into(),
        channel,
        transaction,
        term,
    })?)
}

/// Demo license schedules: orders Northwind and Southbridge entered, processed on past days,
/// so the schedules show active, expiring and expired entries and a hardware warranty.
pub async fn seed_schedules(db: &Db, now: i64) -> anyhow::Result<bool> {
    use crate::domain::catalogue::Availability;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive())
        .context("date")?;
    #[rustfmt::skip]
    let plan = [
        ("Northwind Distribution", "Acme Secure IT", "Harbour Logistics Ltd", "EPIXAD", "B25", Transaction::New, 12, 40, 300),
        ("Northwind Distribution", "Acme Secure IT", "Greenfield Clinics", "MDRESS", "B10", Transaction::New, 36, 15, 400),
        ("Northwind Distribution", "Acme Secure IT", "Greenfield Clinics", "HWX310", "000", Transaction::Hardware, 0, 1, 400),
        ("Northwind Distribution", "Bluepeak Managed Services", "Northern Retail Group", "EMLADV", "B50", Transaction::New, 24, 80, 30),
        ("Southbridge Supply", "Cobalt Systems", "Cobalt Legal LLP", "FWSTND", "000", Transaction::New, 12, 2, 500),
        // Renewals due within 30, 60 and 90 days and later in the year, for the home pages.
        ("Northwind Distribution", "Acme Secure IT", "Greenfield Clinics", "EPIXAD", "B10", Transaction::New, 12, 25, 350),
        ("Northwind Distribution", "Acme Secure IT", "Harbour Logistics Ltd", "EMLADV", "B25", Transaction::New, 12, 30, 320),
        ("Northwind Distribution", "Acme Secure IT", "Greenfield Clinics", "EMLADV", "B25", Transaction::New, 12, 10, 200),
        // The euro zone's schedule, priced from the EUR book.
        ("Rhein Distribution GmbH", "Nordlicht IT GmbH", "Müller Präzisionstechnik GmbH", "EPIXAD", "B50", Transaction::New, 12, 60, 120),
        ("Rhein Distribution GmbH", "Nordlicht IT GmbH", "Łódź Logistyka Sp. z o.o.", "FWXSTR", "000", Transaction::New, 36, 3, 250),
    ];
    for (distributor, reseller, customer, family, band, transaction, term, quantity, days_ago) in
        plan
    {
        let ids: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT d.id, r.id, e.id FROM organisations d, organisations r JOIN end_customers e ON e.reseller_id = r.id \
             WHERE d.name = $1 AND r.name = $2 AND e.name = $3",
        )
        .bind(distributor)
        .bind(reseller)
        .bind(customer)
        .fetch_optional(&db.pool)
        .await?;
        let Some((distributor, reseller, customer)) = ids else {
            continue;
        };
        let by: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM users WHERE org_id = $1")
            .bind(distributor)
            .fetch_one(&db.pool)
            .await?;
        let Some(by) = by else {
            continue;
        };
        let currency = orgs::currency_of(&db.pool, OrgId(distributor))
            .await?
            .context("the distributor's currency")?;
        let snapshot = catalogue::snapshot(&db.pool, &currency).await?;
        let sku = demo_sku(family, band, Channel::Standard, transaction, term)?;
        let completed = today
            .checked_sub_days(chrono::Days::new(days_ago))
            .unwrap_or(today);
        let Availability::Orderable { description, msrp } = snapshot.availability(&sku, completed)
        else {
            continue;
        };
        let line = crate::db::orders::NewOrderLine {
            sku: sku.to_string(),
            description,
            quantity,
            changes_entry: None,
            unit_msrp: msrp,
            net: msrp * quantity,
        };
        let mut ctx = crate::app::Ctx::system(db.clone(), completed, now, DEMO_URL);
        ctx.user = Some(UserId(by));
        let order = crate::app::orders::NewOrder {
            origin: crate::app::orders::Origin::Direct,
            reseller: OrgId(reseller),
            distributor: OrgId(distributor),
            end_customer: customer,
            currency,
            lines: vec![line],
        };
        let placed = crate::app::orders::place(&ctx, &order).await?;
        crate::app::orders::process_one(&ctx, placed.id, completed).await?;
    }
    Ok(true)
}

/// Where the demo's mail links point (the default address of `serve`).
const DEMO_URL: &str = "http://127.0.0.1:8080";

/// Demo MSP usage of Bluepeak Managed Services: last month's and this month's so far.
pub async fn seed_msp_usage(db: &Db, now: i64) -> anyhow::Result<bool> {
    use crate::domain::catalogue::Availability;
    use crate::domain::msp::{month_bounds, month_of};
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM msp_usage")
        .fetch_one(&db.pool)
        .await?;
    let bluepeak: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM organisations WHERE name = 'Bluepeak Managed Services' AND is_msp <> 0",
    )
    .fetch_optional(&db.pool)
    .await?;
    let alex: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@other-reseller.example'")
            .fetch_optional(&db.pool)
            .await?;
    let (0, Some(bluepeak), Some(alex)) = (existing, bluepeak, alex) else {
        return Ok(false);
    };
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive())
        .context("date")?;
    let this_month = month_of(today);
    let (first, _) = month_bounds(&this_month).context("month")?;
    let last_month = month_of(first.pred_opt().context("date")?);
    let snapshot = catalogue::snapshot(&db.pool, catalogue::DEFAULT_CURRENCY).await?;
    #[rustfmt::skip]
    let usage = [
        (&last_month, "Northern Retail Group", "EPIXAD", "B10", 120),
        (&last_month, "Northern Retail Group", "EMLADV", "B25", 80),
        (&last_month, "Harbourview Hotels", "EPIXAD", "B10", 35),
        (&this_month, "Northern Retail Group", "EPIXAD", "B10", 118),
    ];
    let mut tx = db.pool.begin().await?;
    for (month, customer, family, band, quantity) in usage {
        let sku = demo_sku(family, band, Channel::MspMonthly, Transaction::New, 1)?;
        let Availability::Orderable { description, msrp } = snapshot.availability(&sku, today)
        else {
            continue;
        };
        let end_customer =
            crate::db::deals::end_customer_named(&mut tx, OrgId(bluepeak), customer, now).await?;
        crate::db::msp::record(
            &mut tx,
            &crate::db::msp::NewUsage {
                reseller: OrgId(bluepeak),
                month,
                end_customer,
                sku: sku.as_str(),
                description: &description,
                quantity,
                unit_msrp: msrp,
                currency: &snapshot.currency,
                by: UserId(alex),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The demo NFR allotment table. The demo resellers joined before it, so they have no grant;
/// a reseller the vendor admin creates (or gives its first level) gets its level's rows.
pub async fn seed_nfr_allotments(db: &Db) -> anyhow::Result<bool> {
    use crate::domain::nfr::AllotmentRow;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nfr_allotments")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    #[rustfmt::skip]
    let table = [
        (PartnerLevel::Authorized, "EPIXAD", "B01", 5),
        (PartnerLevel::Silver, "EPIXAD", "B10", 10),
        (PartnerLevel::Silver, "EMLADV", "B01", 5),
        (PartnerLevel::Gold, "EPIXAD", "B10", 25),
        (PartnerLevel::Gold, "EMLADV", "B10", 10),
        (PartnerLevel::Gold, "HWX310", "000", 1),
        (PartnerLevel::Platinum, "EPIXAD", "B25", 50),
        (PartnerLevel::Platinum, "EPIXDR", "B10", 10),
        (PartnerLevel::Platinum, "EMLADV", "B25", 25),
        (PartnerLevel::Platinum, "HWX310", "000", 2),
    ];
    let mut tx = db.pool.begin().await?;
    for (level, family, band, quantity) in table {
        let row = AllotmentRow {
            family: family.into(),
            band: band.into(),
            quantity,
        };
        crate::db::nfr::set_allotment(&mut tx, level, &row).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Demo leads: assigned and partner-generated, one about to expire (its reminder is due), one
/// expired, one won, and one assigned by the vendor idle for its CAM to reassign.
pub async fn seed_leads(db: &Db, now: i64) -> anyhow::Result<bool> {
    use crate::domain::lead::{self, Inactivity, LeadSource, LeadStatus};
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads")
        .fetch_one(&db.pool)
        .await?;
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM users WHERE email IN ('cam@vendor.example', 'admin@reseller.example', 'admin@other-reseller.example')",
    )
    .fetch_all(&db.pool)
    .await?;
    let user = |email: &str| {
        ids.iter()
            .find(|(_, e)| e == email)
            .map(|(id, _)| UserId(*id))
    };
    let org = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await
    };
    let (0, Some(cam), Some(dana), Some(alex), Some(acme), Some(bluepeak)) = (
        existing,
        user("cam@vendor.example"),
        user("admin@reseller.example"),
        user("admin@other-reseller.example"),
        org("Acme Secure IT").await?,
        org("Bluepeak Managed Services").await?,
    ) else {
        return Ok(false);
    };
    let today = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive())
        .context("date")?;
    #[rustfmt::skip]
    let demo = [
        (acme, cam, LeadSource::Vendor, "Northgate Freight", "Omar Haddad", "omar.haddad@northgate.example", "Firewalls for 12 depots", LeadStatus::New, "", 3),
        (acme, dana, LeadSource::Partner, "Riverside Dental Group", "Lena Brooks", "lena@riverside-dental.example", "Endpoint protection, 80 seats", LeadStatus::Qualified, "Send the quote for the 36-month term", 80),
        (acme, dana, LeadSource::Partner, "Old Mill Bakery", "Tom Fraser", "tom@oldmill.example", "Email security", LeadStatus::Contacted, "Call back after the holidays", 120),
        (acme, cam, LeadSource::Vendor, "Summit Legal LLP", "Grace Kim", "grace.kim@summitlegal.example", "MDR service", LeadStatus::Won, "", 20),
        (bluepeak, cam, LeadSource::Vendor, "Coastal Schools Trust", "Ravi Shah", "ravi.shah@coastal-schools.example", "Managed endpoint for 14 schools", LeadStatus::New, "", 100),
        (bluepeak, alex, LeadSource::Partner, "Harbourview Hotels", "Nina Petrova", "nina@harbourview.example", "Firewall refresh", LeadStatus::Contacted, "Site survey on Tuesday", 30),
    ];
    let mut tx = db.pool.begin().await?;
    for (reseller, by, source, company, contact, email, interest, status, next_step, days_ago) in
        demo
    {
        let last = today
            .checked_sub_days(chrono::Days::new(days_ago))
            .unwrap_or(today);
        let new = crate::db::leads::NewLead {
            reseller: OrgId(reseller),
            company,
            contact_name: contact,
            contact_email: email,
            interest,
            source,
            notes: "",
            next_step,
            by,
        };
        // Created on the day of its last activity, so the page's "Source" date and "Last
        // activity" agree.
        let created = now - i64::try_from(days_ago).unwrap_or(0) * 86_400;
        let id = crate::db::leads::insert(&mut tx, &new, last, created).await?;
        let rule = Inactivity::default();
        let stored = lead::standing(status, source, last, today, rule).status;
        sqlx::query("UPDATE leads SET status = $1, closed_on = $2 WHERE id = $3")
            .bind(stored.as_str())
            .bind((!stored.is_open()).then(|| {
                if stored == LeadStatus::Expired {
                    rule.over_on(last).to_string()
                } else {
                    last.to_string()
                }
            }))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The demo's past maintenance window, 2023-10-01 to 2023-10-12 (PRODUCT.md section 7).
pub async fn seed_maintenance(db: &Db, now: i64) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM maintenance_windows")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let at = |d: &str| -> anyhow::Result<i64> {
        Ok(NaiveDate::parse_from_str(d, "%Y-%m-%d")?
            .and_hms_opt(0, 0, 0)
            .context("time")?
            .and_utc()
            .timestamp())
    };
    let sections = vec!["orders".to_string(), "licenses".to_string()];
    let message = "Order system migration: orders are accepted and processed after the window.";
    let mut tx = db.pool.begin().await?;
    crate::db::maintenance::insert(
        &mut tx,
        at("2023-10-01")?,
        at("2023-10-13")?,
        message,
        &sections,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
