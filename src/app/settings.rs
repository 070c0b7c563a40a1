//! The vendor admin's time limits and reminders (PRODUCT.md sections 6 and 7): how long a lead
//! may stay without activity, how many days before its expiry the reseller is reminded, the
//! days before a subscription ends that renewal reminders go out, and the vendor's time zone
//! (whose calendar date is "today" for every date rule). The quote and deal registration
//! validities stay with the pricing rules.

use super::{Ctx, Error};
use crate::db::{catalogue, leads, orders};
use crate::domain::lead::Inactivity;
use crate::domain::schedule::RenewalReminders;
use crate::domain::FieldErrors;
use chrono_tz::Tz;

/// The settings key of the vendor's time zone (an IANA name; UTC when not set).
pub const TIME_ZONE: &str = "vendor.time_zone";

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeLimits {
    pub leads: Inactivity,
    pub renewals: RenewalReminders,
    pub zone: Tz,
}

/// The settings as the form sends them.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub lead_days: String,
    pub lead_reminder_days: String,
    pub renewal_days: String,
    pub time_zone: String,
}

pub async fn load(ctx: &Ctx) -> Result<TimeLimits, Error> {
    ctx.require_vendor_admin("change time limits").await?;
    Ok(TimeLimits {
        leads: leads::inactivity(&ctx.db.pool).await?,
        renewals: orders::renewal_reminders(&ctx.db.pool).await?,
        zone: zone(&ctx.db.pool).await?,
    })
}

/// The vendor's time zone as saved (UTC when not set, or not a zone name).
pub async fn zone(pool: &sqlx::AnyPool) -> Result<Tz, sqlx::Error> {
    Ok(catalogue::setting(pool, TIME_ZONE)
        .await?
        .as_deref()
        .and_then(crate::clock::parse_zone)
        .unwrap_or(Tz::UTC))
}

/// Reads the vendor's zone into `clock` when its last reading is a few seconds old, so that
/// every portal process on one database follows a change; a failed read keeps the zone.
pub async fn refresh_zone(pool: &sqlx::AnyPool, clock: &crate::clock::Clock) {
    if !clock.zone_is_stale() {
        return;
    }
    match zone(pool).await {
        Ok(tz) => clock.set_zone(tz),
        Err(e) => {
            tracing::warn!(error = ?e, "could not read the vendor's time zone");
            clock.set_zone(clock.zone());
        }
    }
}

/// Checks and saves the three settings, all or nothing, with an audit entry of before and
/// after.
pub async fn save(ctx: &Ctx, input: &Input) -> Result<TimeLimits, Error> {
    let before = load(ctx).await?;
    let mut errors = FieldErrors::default();
    let days = |field: &str, value: &str, max: u32, errors: &mut FieldErrors| {
        let n = value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n));
        if n.is_none() {
            errors.add(field, format!("Enter a number of days from 1 to {max}."));
        }
        n
    };
    let lead_days = days("lead_days", &input.lead_days, 365, &mut errors);
    let reminder = days(
        "lead_reminder_days",
        &input.lead_reminder_days,
        365,
        &mut errors,
    );
    if let (Some(limit), Some(r)) = (lead_days, reminder) {
        if r >= limit {
            errors.add(
                "lead_reminder_days",
                format!(
                    "The reminder must come before the lead expires: fewer than {}.",
                    crate::domain::paging::counted(limit, "day", "days")
                ),
            );
        }
    }
    let renewals = RenewalReminders::parse(&input.renewal_days)
        .map_err(|e| errors.add("renewal_days", e))
        .ok();
    let zone = crate::clock::parse_zone(&input.time_zone);
    if zone.is_none() {
        errors.add(
            "time_zone",
            "Enter a time zone name such as Europe/Berlin, America/New_York or UTC.",
        );
    }
    let (Some(days), Some(reminder_days), Some(renewals), Some(zone), true) =
        (lead_days, reminder, renewals, zone, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let after = TimeLimits {
        leads: Inactivity {
            days,
            reminder_days,
        },
        renewals,
        zone,
    };
    let mut tx = ctx.db.pool.begin().await?;
    catalogue::set_setting(&mut tx, leads::INACTIVITY_DAYS, &days.to_string()).await?;
    catalogue::set_setting(&mut tx, leads::REMINDER_DAYS, &reminder_days.to_string()).await?;
    catalogue::set_setting(
        &mut tx,
        orders::RENEWAL_REMINDER_DAYS,
        &after.renewals.to_string(),
    )
    .await?;
    catalogue::set_setting(&mut tx, TIME_ZONE, after.zone.name()).await?;
    let describe = |t: &TimeLimits| {
        format!(
            "leads {} days, reminder {} days; renewal reminders {}; time zone {}",
            t.leads.days,
            t.leads.reminder_days,
            t.renewals,
            t.zone.name()
        )
    };
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "time_limits_changed",
        "settings",
        &format!("{} → {}", describe(&before), describe(&after)),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    super::leads::forget_inactivity();
    Ok(after)
}
