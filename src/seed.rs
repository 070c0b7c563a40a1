//! Demo data (PRODUCT.md section 8) and the first vendor administrator.

use crate::db::{orgs, users, Db};
use crate::domain::{AccessRole, Email, OrgId, OrgKind, PartnerLevel, UserId};
use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};

pub const DEMO_PASSWORD: &str = "demo-password";

/// The demo accounts, as the login page lists them in demo mode.
pub const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("admin@vendor.example", "vendor_admin"),
    ("cam@vendor.example", "channel_manager"),
    ("admin@distributor.example", "distributor_admin"),
    ("staff@distributor.example", "distributor_staff"),
    ("admin@reseller.example", "reseller_admin"),
    ("sales@reseller.example", "reseller_user"),
    ("admin@other-reseller.example", "reseller_admin"),
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
        None => orgs::insert(&mut tx, OrgKind::Vendor, &plain_org("Vendor"), now).await?,
    };
    let id = users::insert(
        &mut tx,
        &users::NewUser {
            org_id: vendor,
            email,
            display_name: name,
            password_hash,
            role: AccessRole::VendorAdmin,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn plain_org(name: &str) -> orgs::OrgFields {
    orgs::OrgFields {
        name: name.to_string(),
        partner_level: None,
        cam_user_id: None,
        is_msp: false,
    }
}

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
            password_hash: &self.hash,
            role,
        };
        users::insert(&mut self.tx, &new, self.now)
            .await
            .with_context(|| format!("could not create the demo user {email}"))
    }

    async fn reseller(
        &mut self,
        name: &str,
        level: PartnerLevel,
        cam: UserId,
        msp: bool,
        distributors: &[OrgId],
    ) -> anyhow::Result<OrgId> {
        let fields = orgs::OrgFields {
            name: name.to_string(),
            partner_level: Some(level),
            cam_user_id: Some(cam),
            is_msp: msp,
        };
        let id = self.org(OrgKind::Reseller, fields).await?;
        orgs::set_distributors(&mut self.tx, id, distributors).await?;
        Ok(id)
    }
}

/// Loads the demo organisations and users into an empty portal. Returns false (and changes
/// nothing) when a vendor exists already.
pub async fn seed_demo(db: &Db, now: i64) -> anyhow::Result<bool> {
    if orgs::vendor(&db.pool).await?.is_some() {
        return Ok(false);
    }
    let hash = crate::password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut s = Seeder {
        tx: db.pool.begin().await?,
        hash,
        now,
    };

    let vendor = s
        .org(OrgKind::Vendor, plain_org("Sentinel Security"))
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
        .org(OrgKind::Distributor, plain_org("Northwind Distribution"))
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
        .org(OrgKind::Distributor, plain_org("Southbridge Supply"))
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
            PartnerLevel::Gold,
            cam,
            false,
            &[northwind],
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
            PartnerLevel::Platinum,
            cam,
            true,
            &[northwind, southbridge],
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
            PartnerLevel::Silver,
            cam2,
            false,
            &[southbridge],
        )
        .await?;
    s.user(
        cobalt,
        "admin@cobalt.example",
        "Chris Walker",
        AccessRole::ResellerAdmin,
    )
    .await?;

    s.tx.commit().await?;
    Ok(true)
}
