//! `/quotes`: the quote work of the caller. Distributor staff see the inquiries waiting for a
//! quote (oldest first, with their age) and their quotes about to lapse; resellers the quotes
//! waiting for their answer.

use crate::app;
use crate::db::inquiries::{Inquiry, Queued};
use crate::domain::pricing::{Bp, Discount, Level};
use crate::domain::{FieldErrors, InquiryId};
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::CurrentUser;
use crate::web::session::Refused;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "pages/quotes.html")]
pub struct QuotesPage {
    pub chrome: Chrome,
    pub work: app::quotes::QuoteWork,
    pub reseller: bool,
    pub today: chrono::NaiveDate,
}

impl QuotesPage {
    /// "3 days" since the inquiry was submitted.
    pub fn age(&self, q: &Queued) -> String {
        age(self.today, q)
    }
    pub fn valid(&self, q: &Queued) -> String {
        q.valid_until.map(|d| d.to_string()).unwrap_or_default()
    }
    pub fn net(&self, q: &Queued) -> String {
        q.net
            .map(|n| n.with_currency(&q.inquiry.currency))
            .unwrap_or_default()
    }
}

/// "3 days" since the inquiry was submitted (on `today`).
pub fn age(today: chrono::NaiveDate, q: &Queued) -> String {
    let days = q
        .inquiry
        .submitted_on
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(0, |d| (today - d).num_days());
    match days {
        0 => "today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let work = app::quotes::work(&user.ctx).await?;
    render::page(&QuotesPage {
        chrome: Chrome::new(&user, "/quotes", "Quotes")?,
        reseller: user.org_kind == crate::domain::OrgKind::Reseller,
        today: user.ctx.today,
        work,
    })
}

/// The quote desk: one row per line, one column per discount level, the values to edit (a
/// refused save's as typed, else the last sent version's, else the approved ones) and the net
/// they give, computed by `app::quotes::price` as the send will.
pub struct Desk {
    pub levels: Vec<Level>,
    pub rows: Vec<DeskRow>,
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
    pub priced: app::quotes::Priced,
    /// A revision (a version was sent before).
    pub revising: bool,
}

pub struct DeskRow {
    pub line: crate::db::inquiries::Line,
    /// The approved discount of each column's level, where one applies.
    pub cells: Vec<Option<Discount>>,
}

impl Desk {
    pub fn percent_field(&self, row: &DeskRow, d: &Discount) -> String {
        app::quotes::percent_field(row.line.id, d.level)
    }
    pub fn reason_field(&self, row: &DeskRow, d: &Discount) -> String {
        app::quotes::reason_field(row.line.id, d.level)
    }
    pub fn show_field(&self, row: &DeskRow, d: &Discount) -> String {
        app::quotes::show_field(row.line.id, d.level)
    }
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
    pub fn checked(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }
    pub fn error(&self, field: &str) -> &str {
        self.errors.get(field).unwrap_or("")
    }
    /// "Lowered from 12%" when the cell's value is below the approved percentage (its reason
    /// field shows then), else empty.
    pub fn lowered(&self, row: &DeskRow, d: &Discount) -> String {
        lowered_text(&self.values, row.line.id, d)
    }
    pub fn net(&self, line: &i64) -> String {
        net_text(&self.priced, *line)
    }
    pub fn total_net(&self) -> String {
        total_text(&self.priced)
    }
}

fn lowered_text(values: &HashMap<String, String>, line: i64, d: &Discount) -> String {
    let typed = values
        .get(&app::quotes::percent_field(line, d.level))
        .and_then(|v| Bp::parse_percent(v));
    match typed {
        Some(bp) if bp < d.bp => format!("Lowered from {}", d.bp),
        _ => String::new(),
    }
}

fn net_text(priced: &app::quotes::Priced, line: i64) -> String {
    match priced.lines.iter().find(|(id, _)| *id == line) {
        Some((_, Some(p))) => p.net.with_currency(&priced.currency),
        _ => "—".into(),
    }
}

fn total_text(priced: &app::quotes::Priced) -> String {
    priced.total_net().map_or_else(
        || "— (correct the marked cells)".into(),
        |c| c.with_currency(&priced.currency),
    )
}

/// What the desk's fields become as a quote to price or send.
fn input_from(
    fields: &HashMap<String, String>,
    proposal: &[app::quotes::ProposalLine],
) -> app::quotes::QuoteInput {
    let text = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let mut input = app::quotes::QuoteInput {
        version: fields.get("version").and_then(|v| v.parse().ok()),
        note: text("note"),
        internal_note: text("internal_note"),
        discounts: Vec::new(),
    };
    for pl in proposal {
        for d in &pl.proposed {
            let id = pl.line.id;
            if let Some(percent) = fields.get(&app::quotes::percent_field(id, d.level)) {
                input.discounts.push(app::quotes::TypedDiscount {
                    line: id,
                    level: d.level,
                    percent: percent.clone(),
                    reason: text(&app::quotes::reason_field(id, d.level)),
                    show_reason: fields.contains_key(&app::quotes::show_field(id, d.level)),
                });
            }
        }
    }
    input
}

/// The key under which a refused quote of an inquiry waits for its page.
fn refused_key(id: InquiryId) -> String {
    format!("quote:{}", id.0)
}

/// The desk for the inquiry, when the caller may quote it.
pub async fn desk(
    user: &CurrentUser,
    inquiry: &Inquiry,
    sent: &[crate::db::quotes::Quote],
) -> Result<Option<Desk>, AppError> {
    if !app::quotes::may_quote(&user.ctx, inquiry) {
        return Ok(None);
    }
    let proposal = app::quotes::proposal(&user.ctx, inquiry).await?;
    let (values, errors) = match user.session.take_refused(&refused_key(inquiry.id)) {
        Some(refused) => (refused.fields, refused.errors),
        None => (
            app::quotes::starting_values(&proposal, sent.first()),
            FieldErrors::default(),
        ),
    };
    let priced = app::quotes::price(&proposal, &input_from(&values, &proposal));
    let levels: Vec<Level> = Level::ORDER
        .into_iter()
        .filter(|l| {
            proposal
                .iter()
                .any(|pl| pl.proposed.iter().any(|d| d.level == *l))
        })
        .collect();
    let rows = proposal
        .into_iter()
        .map(|pl| DeskRow {
            cells: levels
                .iter()
                .map(|l| pl.proposed.iter().find(|d| d.level == *l).cloned())
                .collect(),
            line: pl.line,
        })
        .collect();
    Ok(Some(Desk {
        levels,
        rows,
        values,
        errors,
        priced,
        revising: !sent.is_empty(),
    }))
}

#[derive(Deserialize)]
pub struct QuoteForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// Sends the quote; a refusal comes back on the inquiry's own page (post, redirect, get) with
/// every value as typed and each message next to its cell.
pub async fn send(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    form: CsrfForm<QuoteForm>,
) -> Result<HttpResponse, AppError> {
    let mut fields = form.0.fields;
    fields.remove("csrf_token");
    let inquiry = app::quotes::load(&user.ctx, *path).await?;
    let proposal = app::quotes::proposal(&user.ctx, &inquiry).await?;
    let page = format!("/inquiries/{}", inquiry.id);
    match app::quotes::send(&user.ctx, inquiry.id, input_from(&fields, &proposal)).await {
        Ok(sent) => {
            user.session.flash(
                "success",
                format!(
                    "Quote version {} for {} is {}; the reseller is told.",
                    sent.version, inquiry.reference, sent.what
                ),
            )?;
            Ok(render::see_other(&page))
        }
        Err(app::Error::Invalid(errors)) => {
            user.session
                .keep_refused(&refused_key(inquiry.id), Refused { fields, errors })?;
            Ok(render::see_other(&format!("{page}#quote-heading")))
        }
        Err(app::Error::Conflict(message)) => {
            // Someone changed the inquiry meanwhile: the 409 page offers to open it again,
            // and the desk then prices what was typed over the inquiry as it is now.
            fields.remove("version");
            let errors = FieldErrors::default();
            user.session
                .keep_refused(&refused_key(inquiry.id), Refused { fields, errors })?;
            Err(AppError::Conflict(message))
        }
        Err(e) => Err(e.into()),
    }
}

/// The live net as staff type: each line's net, the total, and each cell's problem and
/// "lowered" mark, as out-of-band fragments for htmx.
#[derive(Template)]
#[template(path = "partials/quote_preview.html")]
pub struct QuotePreview {
    pub priced: app::quotes::Priced,
    /// (percent field, reason field, lowered text) of every cell.
    pub cells: Vec<(String, String, String)>,
}

impl QuotePreview {
    pub fn net(&self, line: &i64) -> String {
        net_text(&self.priced, *line)
    }
    pub fn total_net(&self) -> String {
        total_text(&self.priced)
    }
    pub fn error(&self, field: &str) -> &str {
        self.priced.errors.get(field).unwrap_or("")
    }
}

pub async fn preview(
    user: CurrentUser,
    path: web::Path<InquiryId>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let inquiry = app::quotes::load(&user.ctx, *path).await?;
    user.ctx
        .require(
            app::quotes::may_quote(&user.ctx, &inquiry),
            "quote this inquiry",
        )
        .await?;
    let proposal = app::quotes::proposal(&user.ctx, &inquiry).await?;
    let priced = app::quotes::price(&proposal, &input_from(&query, &proposal));
    let cells = proposal
        .iter()
        .flat_map(|pl| {
            pl.proposed.iter().map(|d| {
                (
                    app::quotes::percent_field(pl.line.id, d.level),
                    app::quotes::reason_field(pl.line.id, d.level),
                    lowered_text(&query, pl.line.id, d),
                )
            })
        })
        .collect();
    render::page(&QuotePreview { priced, cells })
}
