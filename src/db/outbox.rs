//! The mail outbox. Rows are written in the transaction of the change that causes them and
//! claimed by the delivery worker; a claim is a lease, so a crashed sender's rows come back.

use super::Backend;
use crate::domain::paging::PER_PAGE;
use crate::domain::{PageRequest, Paged};
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct NewMail {
    pub dedupe_key: String,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    /// Sent only once this invited person has chosen a password (see [`release_held`]).
    pub held_for: Option<crate::domain::UserId>,
}

/// Lets the messages held for a person who was invited go out, after their invitation.
pub async fn release_held(
    conn: &mut AnyConnection,
    user: crate::domain::UserId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE outbox SET held_for = NULL, next_attempt_at = $1 WHERE held_for = $2")
            .bind(now)
            .bind(user.0)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str =
    "id, kind, to_address, to_name, subject, text_body, html_body, unsubscribe_url, status, \
                       attempts, next_attempt_at, last_error, created_at, sent_at";

fn mail(r: &sqlx::any::AnyRow) -> Result<Mail, sqlx::Error> {
    Ok(Mail {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        to_address: r.try_get("to_address")?,
        to_name: r.try_get("to_name")?,
        subject: r.try_get("subject")?,
        text_body: r.try_get("text_body")?,
        html_body: r.try_get("html_body")?,
        unsubscribe_url: r.try_get("unsubscribe_url")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// Queues a message; a message with the same dedupe key is queued once only.
pub async fn enqueue(conn: &mut AnyConnection, m: &NewMail, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO outbox (dedupe_key, kind, to_address, to_name, subject, text_body, html_body, unsubscribe_url, \
         next_attempt_at, created_at, held_for) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&m.dedupe_key)
    .bind(&m.kind)
    .bind(&m.to_address)
    .bind(&m.to_name)
    .bind(&m.subject)
    .bind(&m.text_body)
    .bind(&m.html_body)
    .bind(m.unsubscribe_url.as_deref())
    .bind(now)
    .bind(m.held_for.map(|u| u.0))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims up to `limit` due messages for `lease_secs`. On PostgreSQL `SKIP LOCKED` lets
/// several portal processes claim side by side without taking the same row; SQLite has one
/// writer at a time.
pub async fn claim(
    pool: &AnyPool,
    backend: Backend,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<Mail>, sqlx::Error> {
    let lock = if backend == Backend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', lease_until = $1 WHERE id IN (\
           SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= $2 AND held_for IS NULL) \
           OR (status = 'sending' AND lease_until < $2) ORDER BY id LIMIT $3 {lock}) \
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(now + lease_secs)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    let mut mails: Vec<Mail> = rows.iter().map(mail).collect::<Result<_, _>>()?;
    mails.sort_by_key(|m| m.id);
    Ok(mails)
}

pub async fn mark_sent(
    pool: &AnyPool,
    id: i64,
    message_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, message_id = $2, lease_until = NULL, attempts = attempts + 1, last_error = NULL WHERE id = $3")
        .bind(now)
        .bind(message_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a failed attempt: queued again at `retry_at`, or dead when there is none.
pub async fn mark_failed(
    pool: &AnyPool,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let (status, next) = match retry_at {
        Some(t) => ("queued", t),
        None => ("dead", 0),
    };
    sqlx::query(
        "UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, lease_until = NULL, \
         next_attempt_at = CASE WHEN $1 = 'dead' THEN next_attempt_at ELSE $3 END WHERE id = $4",
    )
    .bind(status)
    .bind(error)
    .bind(next)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A dead message gets a fresh round of attempts.
pub async fn retry(pool: &AnyPool, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $1 WHERE id = $2 AND status = 'dead'")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Newest first; `status` "" for all, or one of queued, sending, sent, dead.
pub async fn list(
    pool: &AnyPool,
    status: &str,
    req: &PageRequest,
) -> Result<Paged<Mail>, sqlx::Error> {
    let filter = "($1 = '' OR status = $1) AND (LOWER(to_address) LIKE $2 ESCAPE '\\' OR LOWER(subject) LIKE $2 ESCAPE '\\')";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM outbox WHERE {filter}"))
        .bind(status)
        .bind(req.like_pattern())
        .fetch_one(pool)
        .await?;
    let page = Paged::<Mail>::clamp_page(req.page(), total, PER_PAGE);
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(status)
    .bind(req.like_pattern())
    .bind(PER_PAGE)
    .bind(Paged::<Mail>::offset(page, PER_PAGE))
    .fetch_all(pool)
    .await?;
    Ok(Paged {
        items: rows.iter().map(mail).collect::<Result<_, _>>()?,
        page,
        total,
        per_page: PER_PAGE,
    })
}

pub async fn counts(pool: &AnyPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect()
}

/// Whether a message with this dedupe key was queued before.
pub async fn queued_before(
    conn: &mut sqlx::AnyConnection,
    dedupe_key: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE dedupe_key = $1")
        .bind(dedupe_key)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}
