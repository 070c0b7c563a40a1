//! Maintenance windows.

use sqlx::{AnyConnection, AnyPool, Row};

/// The portal sections a window can make unavailable (MSP licensing is never stopped).
pub const SECTIONS: [(&str, &str); 7] = [
    ("inquiries", "Pricing inquiries and quotes"),
    ("orders", "Orders"),
    ("licenses", "License schedules"),
    ("deals", "Deal registrations"),
    ("leads", "Leads"),
    ("catalogue", "Catalogue"),
    ("sku-translator", "SKU translator"),
];

#[derive(Debug, Clone)]
pub struct Window {
    pub id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub message: String,
    pub sections: Vec<String>,
}

impl Window {
    pub fn closes(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s == section)
    }
}

fn window(r: &sqlx::any::AnyRow) -> Result<Window, sqlx::Error> {
    let sections: String = r.try_get("sections")?;
    Ok(Window {
        id: r.try_get("id")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        message: r.try_get("message")?,
        sections: sections
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// The window in force at `now`, if any (the one ending last, when they overlap).
pub async fn active(pool: &AnyPool, now: i64) -> Result<Option<Window>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, starts_at, ends_at, message, sections FROM maintenance_windows \
         WHERE starts_at <= $1 AND ends_at > $1 ORDER BY ends_at DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(window).transpose()
}

pub async fn all(pool: &AnyPool) -> Result<Vec<Window>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, starts_at, ends_at, message, sections FROM maintenance_windows ORDER BY starts_at DESC")
        .fetch_all(pool)
        .await?;
    rows.iter().map(window).collect()
}

pub async fn insert(
    conn: &mut AnyConnection,
    starts_at: i64,
    ends_at: i64,
    message: &str,
    sections: &[String],
    by: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO maintenance_windows (starts_at, ends_at, message, sections, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(starts_at)
    .bind(ends_at)
    .bind(message)
    .bind(sections.join(","))
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Removes a window that has not ended yet; ended ones stay as the record of what happened.
pub async fn delete_unfinished(
    conn: &mut AnyConnection,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM maintenance_windows WHERE id = $1 AND ends_at > $2")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
