//! Maintenance windows (PRODUCT.md section 7): the vendor admin schedules one (start, end,
//! message, the sections it closes) or cancels one that has not ended. Orders placed during a
//! window wait and are processed after it (`app::orders`).

use super::{Ctx, Error};
use crate::clock::format_timestamp;
use crate::db::maintenance::{self as store, SECTIONS};
use crate::domain::field_errors::required_text;
use crate::domain::FieldErrors;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

pub const MAX_MESSAGE: usize = 300;

/// A date and time typed in the vendor's time zone, as Unix seconds. A time the clocks skip
/// (the hour daylight saving time begins) is refused; one they pass twice is the first.
fn when(value: &str, field: &str, zone: Tz, errors: &mut FieldErrors) -> Option<i64> {
    use chrono::TimeZone;
    let parsed = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M"));
    let Ok(t) = parsed else {
        errors.add(
            field,
            format!(
                "Enter the date and time ({}) as YYYY-MM-DD HH:MM.",
                zone.name()
            ),
        );
        return None;
    };
    match zone.from_local_datetime(&t).earliest() {
        Some(at) => Some(at.timestamp()),
        None => {
            errors.add(
                field,
                format!(
                    "{} does not exist in {}: the clocks go forward then. Choose a time an hour later.",
                    t.format("%Y-%m-%d %H:%M"),
                    zone.name()
                ),
            );
            None
        }
    }
}

/// A window as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewWindow {
    pub starts: String,
    pub ends: String,
    pub message: String,
    pub sections: Vec<String>,
}

/// Schedules a window that ends in the future.
pub async fn schedule(ctx: &Ctx, input: &NewWindow) -> Result<(), Error> {
    ctx.require_vendor_admin("schedule maintenance windows")
        .await?;
    let mut errors = FieldErrors::default();
    let starts = when(&input.starts, "starts", ctx.zone, &mut errors);
    let ends = when(&input.ends, "ends", ctx.zone, &mut errors);
    if let (Some(s), Some(e)) = (starts, ends) {
        if e <= s {
            errors.add("ends", "The window must end after it starts.");
        } else if e <= ctx.now {
            errors.add("ends", "This window would already be over.");
        }
    }
    let message = required_text(
        &mut errors,
        "message",
        &input.message,
        "the message people see",
        MAX_MESSAGE,
    );
    let sections: Vec<String> = input
        .sections
        .iter()
        .filter(|s| SECTIONS.iter().any(|(k, _)| k == s))
        .cloned()
        .collect();
    let (Some(starts), Some(ends), true) = (starts, ends, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = ctx.db.pool.begin().await?;
    store::insert(
        &mut tx,
        starts,
        ends,
        &message,
        &sections,
        ctx.user_id(),
        ctx.now,
    )
    .await?;
    let detail = format!(
        "{} to {}; closes {}",
        format_timestamp(starts),
        format_timestamp(ends),
        sections.join(",")
    );
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "maintenance_scheduled",
        &message,
        &detail,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a window that has not ended (ended ones stay as the record).
pub async fn cancel(ctx: &Ctx, id: i64) -> Result<(), Error> {
    ctx.require_vendor_admin("schedule maintenance windows")
        .await?;
    let mut tx = ctx.db.pool.begin().await?;
    if !store::delete_unfinished(&mut tx, id, ctx.now).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "maintenance_cancelled",
        &id.to_string(),
        "",
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
