//! The vendor's messages to its channel: marketing (to `marketing` holders only, with an
//! unsubscribe link) and partner program updates, to resellers by partner level and to the
//! distributors' same roles, through the outbox.

use super::{Ctx, Error};
use crate::db::orgs;
use crate::domain::contact::ContactRole;
use crate::domain::field_errors::required_text;
use crate::domain::{FieldErrors, PartnerLevel};
use crate::mail::notices;
use crate::mail::notify::notify_role;

pub const MAX_SUBJECT: usize = 150;
pub const MAX_BODY: usize = 10_000;

/// A message as the form sends it. `message_key` is made when the form is shown, so a
/// double submit queues the message once.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub levels: Vec<String>,
    /// The distributors receive it too (their role of the same name).
    pub distributors: bool,
    pub message_key: String,
}

/// A queued message.
#[derive(Debug, Clone)]
pub struct Queued {
    pub subject: String,
    pub people: usize,
    pub resellers: usize,
    pub distributors: usize,
}

/// Queues a message for the chosen role of every reseller at the chosen levels, and of every
/// distributor when asked.
pub async fn send(ctx: &Ctx, input: NewMessage) -> Result<Queued, Error> {
    ctx.require_vendor_admin("send messages to resellers")
        .await?;
    let mut errors = FieldErrors::default();
    let role = match input.kind.as_str() {
        "marketing" => Some(ContactRole::Marketing),
        "partner_program" => Some(ContactRole::PartnerProgram),
        _ => {
            errors.add(
                "kind",
                "Choose a marketing message or a partner program update.",
            );
            None
        }
    };
    let subject = required_text(
        &mut errors,
        "subject",
        &input.subject,
        "a subject",
        MAX_SUBJECT,
    );
    let body = required_text(&mut errors, "body", &input.body, "the message", MAX_BODY);
    let levels: Vec<PartnerLevel> = input
        .levels
        .iter()
        .filter_map(|l| PartnerLevel::parse(l))
        .collect();
    if levels.is_empty() && !input.distributors {
        errors.add(
            "levels",
            "Choose at least one partner level, or the distributors.",
        );
    }
    if input.message_key.len() < 16 {
        errors.add("kind", "This form is incomplete; reload the page.");
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let resellers = orgs::resellers_at_levels(&ctx.db.pool, &levels).await?;
    let distributors = if input.distributors {
        orgs::distributors(&ctx.db.pool)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    } else {
        Vec::new()
    };
    let notice = notices::vendor_message(role.as_str(), &subject, &body);
    let event = format!("message:{}", input.message_key);
    let mut tx = ctx.db.pool.begin().await?;
    let mut people = 0;
    for org in resellers.iter().chain(&distributors) {
        people += notify_role(
            &mut tx,
            *org,
            role,
            &event,
            &notice,
            &ctx.public_url,
            ctx.now,
        )
        .await?
        .len();
    }
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "message_sent",
        &subject,
        &format!(
            "{}; {} resellers; {} distributors; {people} recipients",
            role.as_str(),
            resellers.len(),
            distributors.len()
        ),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(Queued {
        subject,
        people,
        resellers: resellers.len(),
        distributors: distributors.len(),
    })
}

/// Queues a dead (or any) message of the outbox again for the next delivery run.
pub async fn retry(ctx: &Ctx, id: i64) -> Result<(), Error> {
    ctx.require_vendor_admin("watch the outbox").await?;
    let pool = &ctx.db.pool;
    if !crate::db::outbox::retry(pool, id, ctx.now).await? {
        return Err(Error::NotFound);
    }
    crate::db::audit::record(
        pool,
        &ctx.actor,
        "mail_retried",
        &id.to_string(),
        "",
        ctx.now,
    )
    .await?;
    Ok(())
}
