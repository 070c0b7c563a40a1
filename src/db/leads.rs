//! Partner leads and their history. Reads take the caller's scope (a reseller its own, a
//! channel account manager those of its resellers, the vendor admin all); the status shown
//! is the one on the caller's date, so a lead past its inactivity limit reads as expired even
//! before the sweep records it.

pub use super::Scope;
use crate::domain::lead::{self, Inactivity, LeadSource, LeadStatus, Standing};
use crate::domain::paging::{Count, Cursor, Window};
use crate::domain::{LeadId, OrgId, UserId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

/// Leads in scope (`l`, joined to its reseller `r`): a reseller its own, a CAM those of its
/// resellers, the vendor admin all; nobody else any.
pub(crate) fn in_scope(scope: Scope) -> String {
    scope.pick(&[
        ("all", "$2 = $2"),
        ("reseller", "l.reseller_id = $2"),
        ("cam", "r.cam_user_id = $2"),
    ])
}

const COLUMNS: &str = "SELECT l.id, l.reseller_id, r.name AS reseller_name, l.company, l.contact_name, l.contact_email, \
       l.interest, l.source, l.status, l.next_step, l.created_at, l.last_activity_on, l.closed_on";

/// The joins of a lead's columns.
const JOINS: &str = "JOIN organisations r ON r.id = l.reseller_id";

#[derive(Debug, Clone)]
pub struct Lead {
    pub id: LeadId,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub company: String,
    pub contact_name: String,
    pub contact_email: String,
    pub interest: String,
    /// Assigned by the vendor or a channel account manager, or partner-generated.
    pub source: LeadSource,
    /// As stored; see [`Lead::standing`] for what a person sees.
    pub stored_status: LeadStatus,
    pub next_step: String,
    pub created_at: i64,
    pub last_activity_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

impl Lead {
    /// How the lead stands on `today` under the inactivity rule.
    pub fn standing(&self, today: NaiveDate, rule: Inactivity) -> Standing {
        lead::standing(
            self.stored_status,
            self.source,
            self.last_activity_on,
            today,
            rule,
        )
    }
}

/// The setting that holds the lead inactivity limit in days.
pub const INACTIVITY_DAYS: &str = "leads.inactivity_days";
/// The setting that holds how many days before expiry the reseller is reminded.
pub const REMINDER_DAYS: &str = "leads.reminder_days";

/// The vendor admin's inactivity settings (defaults 90 and 14 days).
pub async fn inactivity(pool: &AnyPool) -> Result<Inactivity, sqlx::Error> {
    let default = Inactivity::default();
    let days = |key: &'static str, or: u32| async move {
        Ok::<u32, sqlx::Error>(
            super::catalogue::setting(pool, key)
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(or),
        )
    };
    Ok(Inactivity {
        days: days(INACTIVITY_DAYS, default.days).await?,
        reminder_days: days(REMINDER_DAYS, default.reminder_days).await?,
    })
}

fn lead(r: &dyn super::cells::Cells) -> Result<Lead, sqlx::Error> {
    let status: String = r.get("status")?;
    Ok(Lead {
        id: LeadId(r.get("id")?),
        reseller_id: OrgId(r.get("reseller_id")?),
        reseller_name: r.get("reseller_name")?,
        company: r.get("company")?,
        contact_name: r.get("contact_name")?,
        contact_email: r.get("contact_email")?,
        interest: r.get("interest")?,
        source: {
            let source: String = r.get("source")?;
            LeadSource::parse(&source).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown lead source {source:?}").into())
            })?
        },
        stored_status: LeadStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown lead status {status:?}").into()))?,
        next_step: r.get("next_step")?,
        created_at: r.get("created_at")?,
        last_activity_on: super::date(&r.get::<String>("last_activity_on")?)?,
        closed_on: r
            .get::<Option<String>>("closed_on")?
            .as_deref()
            .map(super::date)
            .transpose()?,
    })
}

/// What the list shows: every lead, those that show as one status, or the idle ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Status(LeadStatus),
    /// Vendor-assigned open leads past the inactivity limit.
    Idle,
}

/// The conditions of `filter`, one per branch of the list (`$3` is the inactivity cutoff:
/// leads last active before it are over). A lead shows under exactly one branch. Each branch
/// is an equality on the status that the index on (status, last activity) reads in the
/// list's order; "expired" and "idle" are a branch per open status instead of one OR, which
/// the database could only answer by sorting every match.
fn filter_branches(filter: Filter) -> Vec<String> {
    let over = "l.last_activity_on < $3";
    let open = || LeadStatus::ALL.into_iter().filter(|s| s.is_open());
    match filter {
        Filter::All => vec!["1 = 1".into()],
        Filter::Idle => open()
            .map(|s| {
                format!(
                    "l.status = '{}' AND l.source = 'vendor' AND {over}",
                    s.as_str()
                )
            })
            .collect(),
        Filter::Status(LeadStatus::Expired) => std::iter::once("l.status = 'expired'".to_string())
            .chain(open().map(|s| {
                format!(
                    "l.status = '{}' AND l.source = 'partner' AND {over}",
                    s.as_str()
                )
            }))
            .collect(),
        Filter::Status(s) if s.is_open() => vec![format!(
            "l.status = '{}' AND NOT (l.source = 'partner' AND {over})",
            s.as_str()
        )],
        Filter::Status(s) => vec![format!("l.status = '{}'", s.as_str())],
    }
}

/// The lead lists' order: most recently active first.
const ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "leads l",
    key: "l.last_activity_on",
    id: "l.id",
    descending: true,
    keeps_ends: true,
};

/// `FROM ... WHERE ...` of each branch (`conditions`, of [`filter_branches`]) of the leads in
/// scope, `cutoff` being the inactivity cutoff. The reseller is joined when `joined` (for its
/// name) or the scope needs it (a channel manager's resellers); otherwise a branch is read
/// from its index alone.
fn leads_where(
    scope: Scope,
    conditions: Vec<String>,
    cutoff: NaiveDate,
    joined: bool,
) -> Vec<super::sql::Sql> {
    let from = match (scope, joined) {
        (Scope::Cam(_), _) | (_, true) => {
            "FROM leads l JOIN organisations r ON r.id = l.reseller_id"
        }
        _ => "FROM leads l",
    };
    conditions
        .into_iter()
        .map(|condition| {
            let mut sql =
                super::sql::Sql::scoped(&format!("{from} WHERE {}", in_scope(scope)), scope);
            sql.push(" AND ")
                .text(cutoff.to_string())
                .push(&format!(" = $3 AND {condition}"));
            sql
        })
        .collect()
}

/// The page at `cursor` of the leads in scope that `filter` shows, most recently active
/// first.
pub async fn list(
    db: &super::Db,
    scope: Scope,
    filter: Filter,
    cutoff: NaiveDate,
    cursor: Cursor,
    per_page: usize,
) -> Result<Window<Lead>, sqlx::Error> {
    // One branch reads its page with the columns; several read their ids from their indexes
    // first and then only the 51 leads kept (a page of each branch read and joined, before
    // 51 of them were kept, cost a third of the expired leads page).
    let conditions = filter_branches(filter);
    let several = conditions.len() > 1;
    let froms = leads_where(scope, conditions, cutoff, !several);
    let branches = super::sql::Branches {
        select: match several {
            true => super::sql::Select::IdsFirst {
                columns: COLUMNS,
                joins: JOINS,
            },
            false => super::sql::Select::Columns(COLUMNS),
        },
        froms: &froms,
        row: &lead,
    };
    ORDER
        .window_of(db, &branches, cursor, per_page, |l: &Lead| l.id.0)
        .await
}

/// How many leads in scope `filter` shows (up to "more than 10,000").
pub async fn count(
    pool: &AnyPool,
    scope: Scope,
    filter: Filter,
    cutoff: NaiveDate,
) -> Result<Count, sqlx::Error> {
    let mut total = 0;
    for branch in leads_where(scope, filter_branches(filter), cutoff, false) {
        total += match branch.count(pool).await? {
            Count::Exact(n) => n,
            Count::MoreThan(n) => n + 1,
        };
    }
    Ok(Count::of(total))
}

pub async fn get(pool: &AnyPool, scope: Scope, id: LeadId) -> Result<Option<Lead>, sqlx::Error> {
    let sql = format!(
        "{COLUMNS} FROM leads l {JOINS} WHERE {} AND l.id = $3",
        in_scope(scope)
    );
    scope
        .one(pool, &sql, id.0)
        .await?
        .as_ref()
        .map(|r| lead(r))
        .transpose()
}

pub struct NewLead<'a> {
    pub reseller: OrgId,
    pub company: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub interest: &'a str,
    pub source: LeadSource,
    /// The first note of the lead's log (empty for none).
    pub notes: &'a str,
    pub next_step: &'a str,
    pub by: UserId,
}

pub async fn insert(
    conn: &mut AnyConnection,
    l: &NewLead<'_>,
    today: NaiveDate,
    now: i64,
) -> Result<LeadId, sqlx::Error> {
    let id = LeadId(sqlx::query_scalar(
        "INSERT INTO leads (reseller_id, company, contact_name, contact_email, interest, source, status, next_step, \
         created_by, created_at, last_activity_on) \
         VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $8, $9, $10) RETURNING id",
    )
    .bind(l.reseller.0)
    .bind(l.company)
    .bind(l.contact_name)
    .bind(l.contact_email)
    .bind(l.interest)
    .bind(l.source.as_str())
    .bind(l.next_step)
    .bind(l.by.0)
    .bind(now)
    .bind(today.to_string())
    .fetch_one(&mut *conn)
    .await?);
    let summary = if l.source == LeadSource::Vendor {
        "Assigned by the vendor"
    } else {
        "Created by the reseller"
    };
    let note = (!l.notes.is_empty()).then_some(l.notes);
    add_event(conn, id, Some(l.by), summary, note, now).await?;
    Ok(id)
}

pub async fn add_event(
    conn: &mut AnyConnection,
    lead: LeadId,
    by: Option<UserId>,
    summary: &str,
    note: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lead_events (lead_id, at, user_id, summary, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(lead.0)
    .bind(now)
    .bind(by.map(|u| u.0))
    .bind(summary)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// The SQL condition "a partner-generated open lead past the limit", `$cutoff` being the
/// inactivity cutoff.
fn expired_sql(cutoff: &str) -> String {
    format!(
        "(status IN {} AND source = 'partner' AND last_activity_on < {cutoff})",
        LeadStatus::OPEN_SQL
    )
}

/// Records an update (activity on `today`) if the lead is not expired on `today` (`cutoff`
/// being the inactivity cutoff of that day); false when it is (or was expired meanwhile), so
/// nothing changes.
pub async fn update(
    conn: &mut AnyConnection,
    id: LeadId,
    status: LeadStatus,
    next_step: &str,
    today: NaiveDate,
    cutoff: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let closed = (!status.is_open()).then(|| today.to_string());
    let done = sqlx::query(&format!(
        "UPDATE leads SET status = $1, next_step = $2, last_activity_on = $3, \
         reminded_for = NULL, closed_on = $4 \
         WHERE id = $5 AND status <> 'expired' AND NOT {}",
        expired_sql("$6")
    ))
    .bind(status.as_str())
    .bind(next_step)
    .bind(today.to_string())
    .bind(closed)
    .bind(id.0)
    .bind(cutoff.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the lead is still open to notes on the day of `cutoff` (not expired, nor past the
/// inactivity limit), read in the transaction that adds one.
pub async fn still_open(
    conn: &mut AnyConnection,
    id: LeadId,
    cutoff: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM leads WHERE id = $1 AND status <> 'expired' AND NOT {}",
        expired_sql("$2")
    ))
    .bind(id.0)
    .bind(cutoff.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// One line of a lead's history: a change, a note, or both.
#[derive(Debug, Clone)]
pub struct Event {
    /// Unix seconds.
    pub at: i64,
    /// The author; none for the portal itself (the sweep).
    pub who: Option<String>,
    pub summary: String,
    /// The text its author added, as written.
    pub note: Option<String>,
}

/// A lead's history, oldest first.
pub async fn events(pool: &AnyPool, scope: Scope, lead: LeadId) -> Result<Vec<Event>, sqlx::Error> {
    let (kind, id) = scope.params();
    let scope_sql = in_scope(scope);
    sqlx::query(&format!(
        "SELECT e.at, u.display_name, e.summary, e.note FROM lead_events e LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.lead_id IN (SELECT l.id FROM leads l JOIN organisations r ON r.id = l.reseller_id WHERE l.id = $3 AND {scope_sql}) \
         ORDER BY e.at, e.id"
    ))
    .bind(kind)
    .bind(id)
    .bind(lead.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Event {
            at: r.try_get("at")?,
            who: r.try_get("display_name")?,
            summary: r.try_get("summary")?,
            note: r.try_get("note")?,
        })
    })
    .collect()
}

/// A lead the sweep has just expired.
#[derive(Debug, Clone)]
pub struct Expired {
    pub id: LeadId,
    pub reseller_id: OrgId,
    pub company: String,
    pub last_activity_on: NaiveDate,
}

/// Records as expired every partner-generated open lead past the inactivity limit on `today`,
/// with an event for each, and returns them by reseller. One update claims them all, so it
/// is quick over any number of leads and safe when two portal processes sweep at once (the
/// second finds nothing left). `closed_on` is the sweep's day; the day the lead expired
/// follows from its last activity.
pub async fn expire(
    conn: &mut AnyConnection,
    today: NaiveDate,
    rule: Inactivity,
    now: i64,
) -> Result<Vec<Expired>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "UPDATE leads SET status = 'expired', closed_on = $1 WHERE {} \
         RETURNING id, reseller_id, company, last_activity_on",
        expired_sql("$2")
    ))
    .bind(today.to_string())
    .bind(rule.cutoff(today).to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut expired = rows
        .iter()
        .map(|r| {
            Ok(Expired {
                id: LeadId(r.try_get("id")?),
                reseller_id: OrgId(r.try_get("reseller_id")?),
                company: r.try_get("company")?,
                last_activity_on: super::date(&r.try_get::<String, _>("last_activity_on")?)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    expired.sort_by_key(|l| (l.reseller_id.0, l.id.0));
    // Each lead's history says why, written a thousand leads per statement.
    for part in expired.chunks(1_000) {
        let mut q =
            super::sql::Sql::new("INSERT INTO lead_events (lead_id, at, user_id, summary) VALUES ");
        q.rows(part, |q, l| {
            q.int(l.id.0)
                .push(", ")
                .int(now)
                .push(", NULL, ")
                .text(format!(
                    "Expired after more than {} without activity (last activity {})",
                    crate::domain::paging::counted(rule.days, "day", "days"),
                    l.last_activity_on
                ));
        });
        q.query().execute(&mut *conn).await?;
    }
    Ok(expired)
}

/// The last activity dates whose expiry reminder is due on `today` (from the inactivity cutoff
/// to `reminder_days` before expiry).
fn reminder_window(today: NaiveDate, rule: Inactivity) -> (NaiveDate, NaiveDate) {
    let until = today
        .checked_sub_days(chrono::Days::new(
            u64::from(rule.days) + 1 - u64::from(rule.reminder_days.min(rule.days + 1)),
        ))
        .unwrap_or(NaiveDate::MIN);
    (rule.cutoff(today), until)
}

/// A lead whose expiry reminder is due and not yet sent for this period of inactivity.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub id: LeadId,
    pub reseller_id: OrgId,
    pub company: String,
    pub last_activity_on: NaiveDate,
}

/// Partner-generated open leads whose reminder day has come on `today`, not expired yet and
/// not yet reminded, by reseller.
pub async fn reminders_due(
    conn: &mut AnyConnection,
    today: NaiveDate,
    rule: Inactivity,
) -> Result<Vec<DueReminder>, sqlx::Error> {
    let (from, until) = reminder_window(today, rule);
    sqlx::query(&format!(
        "SELECT id, reseller_id, company, last_activity_on FROM leads \
         WHERE status IN {} AND source = 'partner' AND last_activity_on >= $1 AND last_activity_on <= $2 \
         AND (reminded_for IS NULL OR reminded_for <> last_activity_on) \
         ORDER BY reseller_id, last_activity_on, id",
        LeadStatus::OPEN_SQL
    ))
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(DueReminder {
            id: LeadId(r.try_get("id")?),
            reseller_id: OrgId(r.try_get("reseller_id")?),
            company: r.try_get("company")?,
            last_activity_on: super::date(&r.try_get::<String, _>("last_activity_on")?)?,
        })
    })
    .collect()
}

/// Marks the reminder sent for these leads' current period of inactivity; returns the leads
/// claimed, leaving out those someone else (another process) marked first and those with
/// activity or a closing meanwhile (no longer in the reminder window of `today`).
pub async fn claim_reminders(
    conn: &mut AnyConnection,
    leads: &[i64],
    today: NaiveDate,
    rule: Inactivity,
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    let (from, until) = reminder_window(today, rule);
    let mut claimed = std::collections::HashSet::new();
    for part in leads.chunks(1_000) {
        let mut q =
            super::sql::Sql::new("UPDATE leads SET reminded_for = last_activity_on WHERE id IN ");
        q.ids(part)
            .push(&format!(
                " AND status IN {} AND last_activity_on >= ",
                LeadStatus::OPEN_SQL
            ))
            .text(from.to_string())
            .push(" AND last_activity_on <= ")
            .text(until.to_string())
            .push(" AND (reminded_for IS NULL OR reminded_for <> last_activity_on) RETURNING id");
        for r in q.query().fetch_all(&mut *conn).await? {
            claimed.insert(r.try_get("id")?);
        }
    }
    Ok(claimed)
}

/// Moves an open lead from reseller `from` to `to`, as new with activity on `today`; false when
/// it was changed meanwhile (another reseller, or closed).
pub async fn reassign(
    conn: &mut AnyConnection,
    id: LeadId,
    from: OrgId,
    to: OrgId,
    today: NaiveDate,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "UPDATE leads SET reseller_id = $1, status = 'new', last_activity_on = $2, reminded_for = NULL \
         WHERE id = $3 AND reseller_id = $4 AND status IN {}",
        LeadStatus::OPEN_SQL
    ))
    .bind(to.0)
    .bind(today.to_string())
    .bind(id.0)
    .bind(from.0)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The resellers a person may assign leads to: all (vendor admin) or a CAM's own.
pub async fn assignable_resellers(
    pool: &AnyPool,
    scope: Scope,
) -> Result<Vec<(OrgId, String)>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query(
        "SELECT r.id, r.name FROM organisations r WHERE r.kind = 'reseller' \
         AND ($1 = 'all' OR ($1 = 'cam' AND r.cam_user_id = $2)) ORDER BY LOWER(r.name)",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((OrgId(r.try_get("id")?), r.try_get("name")?)))
    .collect()
}
