//! How records read on pages: dates and times in words, amounts with their currency, labels.
//! The records are db's and app's; these helpers are the web's, so the types stay free of
//! presentation.

use crate::app;
use crate::clock::format_timestamp;
use crate::db::maintenance::SECTIONS;

impl crate::domain::catalogue::CatalogueItem {
    /// "42.00 / 79.80 / 113.40 · monthly 3.85", or the hardware price.
    pub fn prices_label(&self) -> String {
        app::catalogue::prices(self)
    }

    /// "from 2023-01-01" or "2023-01-01 to 2023-06-30".
    pub fn window_label(&self) -> String {
        app::catalogue::window(self)
    }
}

impl crate::db::api_tokens::ApiToken {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    /// When it stops working, in the vendor's zone.
    pub fn expires(&self) -> String {
        self.expires_at.map(format_timestamp).unwrap_or_default()
    }
    pub fn last_used(&self) -> String {
        self.last_used_at
            .map(format_timestamp)
            .unwrap_or_else(|| "never".into())
    }
}

/// Who did something in a record's history: a person's name, or the portal's own jobs.
pub fn actor(name: Option<String>) -> String {
    name.unwrap_or_else(|| PORTAL.into())
}

/// How the history and the audit log name the portal's own jobs.
pub const PORTAL: &str = "The portal";

impl crate::db::audit::Entry {
    pub fn when(&self) -> String {
        format_timestamp(self.at)
    }
    /// "Casey Morgan decided deal registration DR-2026-0002".
    pub fn sentence(&self) -> String {
        let who = self
            .actor_name
            .as_deref()
            .or(self.actor_email.as_deref())
            .unwrap_or(PORTAL);
        crate::domain::audit::sentence(who, &self.action, &self.subject)
    }
}

impl crate::db::deals::Deal {
    pub fn submitted(&self) -> String {
        format_timestamp(self.submitted_at)
    }
    /// "Intercept X Advanced (EPIXAD), Managed Detection and Response (MDRESS)".
    pub fn families_label(&self) -> String {
        self.families
            .iter()
            .zip(&self.family_names)
            .map(|(code, name)| format!("{name} ({code})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
    pub fn validity(&self) -> String {
        match (self.valid_from, self.valid_until) {
            (Some(f), Some(u)) => format!("{f} to {u}"),
            _ => "—".into(),
        }
    }
    /// "Casey Morgan, 2026-03-02 09:00 UTC", once someone has decided.
    pub fn decided(&self) -> Option<String> {
        decided(self.decided_by_name.as_deref(), self.decided_at)
    }
}

impl crate::db::inquiries::Inquiry {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn total(&self) -> String {
        self.total_msrp().with_currency(&self.currency)
    }
}

impl crate::db::inquiries::Line {
    pub fn unit(&self) -> String {
        self.unit_msrp.with_currency(&self.currency)
    }
    pub fn line_total(&self) -> String {
        self.msrp().with_currency(&self.currency)
    }
    /// A warning when the quantity falls outside the SKU's user band.
    pub fn band_warning(&self) -> Option<String> {
        let band = self.sku.get(6..9)?;
        crate::domain::sku::band_warning(band, u32::try_from(self.quantity).ok()?)
    }
}

impl crate::app::quotes::ProposalLine {
    pub fn field(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("bp_{}_{}", self.line.id, d.level.key())
    }
    pub fn reason_field(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("reason_{}_{}", self.line.id, d.level.key())
    }
    pub fn percent(&self, d: &crate::domain::pricing::Discount) -> String {
        format!("{}.{:02}", d.bp.0 / 100, d.bp.0 % 100)
    }
}

impl crate::db::leads::Lead {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn source_label(&self) -> &'static str {
        if self.source == crate::domain::lead::LeadSource::Vendor {
            "Assigned by the vendor"
        } else {
            "Partner-generated"
        }
    }
}

impl crate::db::outbox::Mail {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn next_try(&self) -> String {
        match self.status.as_str() {
            "queued" => format_timestamp(self.next_attempt_at),
            _ => String::new(),
        }
    }
    pub fn sent(&self) -> String {
        self.sent_at.map(format_timestamp).unwrap_or_default()
    }
}

impl crate::db::maintenance::Window {
    pub fn from_label(&self) -> String {
        format_timestamp(self.starts_at)
    }
    pub fn until_label(&self) -> String {
        format_timestamp(self.ends_at)
    }
    pub fn sections_label(&self) -> String {
        let names: Vec<&str> = SECTIONS
            .iter()
            .filter(|(k, _)| self.closes(k))
            .map(|(_, label)| *label)
            .collect();
        if names.is_empty() {
            "none (banner only; orders wait)".into()
        } else {
            names.join(", ")
        }
    }
}

impl crate::db::nfr::Request {
    pub fn submitted(&self) -> String {
        format_timestamp(self.created_at)
    }
    /// "Casey Morgan, 2026-03-02 09:00 UTC", once decided.
    pub fn decided(&self) -> Option<String> {
        decided(self.decided_by_name.as_deref(), self.decided_at)
    }
    pub fn filed_by(&self) -> String {
        match &self.on_behalf_of {
            Some(d) => format!(
                "{} of {d}, on behalf of {}",
                self.requester_name, self.reseller_name
            ),
            None => format!("{} of {}", self.requester_name, self.reseller_name),
        }
    }
}

impl crate::db::orders::Order {
    pub fn placed(&self) -> String {
        format_timestamp(self.created_at)
    }
}

/// What a line that continues a schedule entry does, with the dates it would run if processed
/// on `today` (PRODUCT.md section 5): "Renews the subscription ending 2026-06-30; processed
/// today it runs 2026-07-01 to 2027-06-30, contiguous." or, for a co-termed change, "Changes
/// the subscription ending 2027-03-01; processed today it runs 2026-06-10 to 2027-03-01,
/// co-termed."
fn continues(sku: &str, end: &Option<String>, today: chrono::NaiveDate) -> Option<String> {
    use crate::domain::schedule::renewal;
    let end_text = end.as_deref()?;
    let end = chrono::NaiveDate::parse_from_str(end_text, "%Y-%m-%d").ok();
    let term = crate::domain::Sku::parse(sku)
        .ok()
        .map(|s| u32::from(s.fields().term));
    Some(match (crate::app::orders::is_renewal(sku), end, term) {
        (true, Some(end), Some(term)) => {
            let p = renewal(today, end, term);
            let how = if Some(p.start) == end.succ_opt() {
                "contiguous"
            } else {
                "the subscription has lapsed, so it starts on the day it is processed"
            };
            format!(
                "Renews the subscription ending {end}; processed today it runs {} to {}, {how}.",
                p.start, p.end
            )
        }
        (false, Some(end), _) if end >= today => format!(
            "Changes the subscription ending {end}; processed today it runs {today} to {end}, co-termed."
        ),
        (true, _, _) => format!("Renews the subscription ending {end_text}."),
        (false, _, _) => format!("Changes the subscription ending {end_text}, which has ended."),
    })
}

impl crate::db::inquiries::Line {
    pub fn continues(&self, today: &chrono::NaiveDate) -> Option<String> {
        continues(&self.sku, &self.changes_end, *today)
    }
}

impl crate::db::orders::ShownLine {
    /// For a placed order: the dates it would run if processed today; once processed, which
    /// entry it continued (the entries it created have the dates).
    pub fn continues(&self, today: &chrono::NaiveDate, processed: bool) -> Option<String> {
        if !processed {
            return continues(&self.sku, &self.changes_end, *today);
        }
        let end = self.changes_end.as_deref()?;
        Some(if crate::app::orders::is_renewal(&self.sku) {
            format!("Renewed the subscription ending {end}.")
        } else {
            format!("Changed the subscription ending {end}, co-termed with it.")
        })
    }
}

impl crate::db::quotes::QuoteLine {
    pub fn continues(&self, today: &chrono::NaiveDate) -> Option<String> {
        continues(&self.sku, &self.changes_end, *today)
    }
}

#[cfg(test)]
mod continues_tests {
    use super::continues;

    fn day(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_line_says_the_dates_it_would_run_if_processed_today() {
        let end = Some("2026-06-30".to_string());
        // EPIXADB10SR12 + check character: a 12-month renewal.
        let renewal = crate::domain::Sku::build(crate::domain::SkuFields {
            family: "EPIXAD".into(),
            band: "B10".into(),
            channel: crate::domain::sku::Channel::Standard,
            transaction: crate::domain::sku::Transaction::Renewal,
            term: 12,
        })
        .map(|s| s.to_string())
        .unwrap_or_default();
        assert_eq!(
            continues(&renewal, &end, day("2026-06-01")).as_deref(),
            Some("Renews the subscription ending 2026-06-30; processed today it runs 2026-07-01 to 2027-06-30, contiguous.")
        );
        assert_eq!(
            continues(&renewal, &end, day("2026-07-15")).as_deref(),
            Some("Renews the subscription ending 2026-06-30; processed today it runs 2026-07-15 to 2027-07-14, the subscription has lapsed, so it starts on the day it is processed.")
        );
        let change = renewal.replacen("SR12", "SU01", 1);
        assert_eq!(
            continues(&change, &end, day("2026-06-01")).as_deref(),
            Some("Changes the subscription ending 2026-06-30; processed today it runs 2026-06-01 to 2026-06-30, co-termed.")
        );
        assert_eq!(continues(&renewal, &None, day("2026-06-01")), None);
    }
}

/// The links under a keyset-paged list: how many rows it holds, and first / previous / next /
/// last page, each keeping the list's filters (`base` is the path with its query string).
#[derive(Debug, Clone)]
pub struct Pager {
    pub count: String,
    pub first: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub last: Option<String>,
}

impl Pager {
    /// `count` is the list's count in words ("3,214 entries"); `base` ends in `?` or in a
    /// query string.
    pub fn new<T>(base: &str, window: &crate::domain::paging::Window<T>, count: String) -> Pager {
        use crate::domain::paging::Cursor;
        let href = |c: Cursor| {
            let q = c.query();
            let sep = if base.ends_with('?') || q.is_empty() {
                ""
            } else {
                "&"
            };
            format!("{base}{sep}{q}")
        };
        Pager {
            count,
            first: window.prev.map(|_| href(Cursor::First)),
            prev: window.prev.map(href),
            next: window.next.map(href),
            last: window.next.map(|_| href(Cursor::Last)),
        }
    }
}

impl Pager {
    /// A list's page (`page`) and its pager, with the list's count in words (`noun`: one,
    /// many), the count kept for a few seconds in this process under `key` (which names the
    /// list, scope and filter) and read by `count` otherwise.
    ///
    /// The page and the count are read at the same time, on two connections: a filter's
    /// first ask reads both, and takes the longer of the two instead of their sum. The count
    /// is started first: on SQLite the page is read on this thread once it has its
    /// connection ([`crate::db::lists`]), while the count's statement, handed to its own
    /// connection's thread, runs beside it.
    pub async fn read<T>(
        state: &crate::web::AppState,
        key: String,
        page: impl std::future::Future<Output = Result<crate::domain::paging::Window<T>, sqlx::Error>>,
        count: impl std::future::Future<Output = Result<crate::domain::paging::Count, sqlx::Error>>,
        base: &str,
        (one, many): (&str, &str),
    ) -> Result<(crate::domain::paging::Window<T>, Pager), crate::web::AppError> {
        let (count, window) =
            futures_util::future::try_join(state.counts.get_or(key, count), page).await?;
        let pager = Pager::new(base, &window, count.label(one, many));
        Ok((window, pager))
    }
}

pub use crate::domain::paging::counted;

/// Who decided a record and when, "Casey Morgan, 2026-03-02 09:00 UTC" (none until decided).
fn decided(name: Option<&str>, at: Option<i64>) -> Option<String> {
    Some(format!(
        "{}, {}",
        name.unwrap_or("someone no longer with the portal"),
        format_timestamp(at?)
    ))
}

/// `text` as a query string value (`a b&c` as `a+b%26c`).
pub fn query_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod counted_tests {
    use super::counted;

    #[test]
    fn the_noun_agrees_with_its_number() {
        assert_eq!(counted(0, "license", "licenses"), "0 licenses");
        assert_eq!(counted(1, "license", "licenses"), "1 license");
        assert_eq!(counted(2, "license", "licenses"), "2 licenses");
        assert_eq!(counted(100_000, "row", "rows"), "100,000 rows");
    }
}

/// A date as `YYYY-MM-DD`, written from its digits: the same text as chrono's `Display`,
/// without its general formatting machinery (list pages show two dates a row).
pub struct IsoDate(pub chrono::NaiveDate);

impl std::fmt::Display for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::Datelike;
        let (m, d) = (self.0.month(), self.0.day());
        let Some(y) = u32::try_from(self.0.year()).ok().filter(|y| *y <= 9999) else {
            return write!(f, "{}", self.0);
        };
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let text = [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ];
        // Ten ASCII bytes.
        f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?)
    }
}

#[cfg(test)]
mod iso_date_tests {
    use super::IsoDate;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn writes_what_chrono_writes(days in 0i64..4_000_000) {
            let d = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assert_eq!(IsoDate(d).to_string(), d.to_string());
        }
    }
}
