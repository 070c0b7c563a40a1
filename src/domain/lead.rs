//! Partner leads: their statuses and the inactivity rule (PRODUCT.md section 6).
//!
//! A lead is open while it is new, contacted or qualified. Any update is activity. An open
//! lead whose last activity is [`EXPIRY_DAYS`] days ago or more is expired (read-only); a
//! reminder goes out [`REMINDER_DAYS`] days before that. Won and lost leads are closed by the
//! reseller and never expire. Every rule takes the date, so the sweep can run for any day.

use chrono::{Days, NaiveDate};
use std::fmt;

/// Days without activity after which an open lead expires.
pub const EXPIRY_DAYS: u64 = 90;
/// Days before expiry that the reseller is reminded.
pub const REMINDER_DAYS: u64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Won,
    Lost,
    Expired,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 6] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Won,
        LeadStatus::Lost,
        LeadStatus::Expired,
    ];
    /// The statuses a reseller may set (expired is the sweep's).
    pub const CHOOSABLE: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];
    /// The statuses the inactivity rule applies to, as SQL: `('new', 'contacted', 'qualified')`.
    pub const OPEN_SQL: &'static str = "('new', 'contacted', 'qualified')";

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
            LeadStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// New, contacted and qualified leads are open: they take updates and can expire.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified
        )
    }

    /// Only expired leads are read-only; won and lost ones can be reopened by an update.
    pub fn is_read_only(self) -> bool {
        self == LeadStatus::Expired
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first day on which an open lead last active on `last_activity` is expired.
pub fn expires_on(last_activity: NaiveDate) -> NaiveDate {
    last_activity
        .checked_add_days(Days::new(EXPIRY_DAYS))
        .unwrap_or(NaiveDate::MAX)
}

/// The day the reseller is reminded that the lead is about to expire.
pub fn reminder_on(last_activity: NaiveDate) -> NaiveDate {
    expires_on(last_activity)
        .checked_sub_days(Days::new(REMINDER_DAYS))
        .unwrap_or(NaiveDate::MIN)
}

/// The status a person sees on `today`: an open lead past its inactivity limit is expired
/// even before the sweep has recorded it.
pub fn status_on(stored: LeadStatus, last_activity: NaiveDate, today: NaiveDate) -> LeadStatus {
    if stored.is_open() && today >= expires_on(last_activity) {
        LeadStatus::Expired
    } else {
        stored
    }
}

/// Whether the 14-day reminder is due on `today` (the reminder day has come and the lead has
/// not expired yet). The sweep sends it once per period of inactivity.
pub fn reminder_due(stored: LeadStatus, last_activity: NaiveDate, today: NaiveDate) -> bool {
    stored.is_open() && today >= reminder_on(last_activity) && today < expires_on(last_activity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_lead_expires_ninety_days_after_its_last_activity() {
        assert_eq!(expires_on(d("2026-01-01")), d("2026-04-01"));
        assert_eq!(reminder_on(d("2026-01-01")), d("2026-03-18"));
        let last = d("2026-01-01");
        assert_eq!(
            status_on(LeadStatus::Qualified, last, d("2026-03-31")),
            LeadStatus::Qualified
        );
        assert_eq!(
            status_on(LeadStatus::Qualified, last, d("2026-04-01")),
            LeadStatus::Expired
        );
    }

    #[test]
    fn closed_leads_never_expire() {
        let last = d("2020-01-01");
        let today = d("2026-01-01");
        assert_eq!(status_on(LeadStatus::Won, last, today), LeadStatus::Won);
        assert_eq!(status_on(LeadStatus::Lost, last, today), LeadStatus::Lost);
        assert!(!reminder_due(LeadStatus::Won, d("2025-11-01"), today));
    }

    #[test]
    fn the_reminder_is_due_in_the_last_fourteen_days_only() {
        let last = d("2023-06-01");
        assert!(!reminder_due(LeadStatus::New, last, d("2023-08-15")));
        assert!(reminder_due(LeadStatus::New, last, d("2023-08-16")));
        assert!(reminder_due(LeadStatus::New, last, d("2023-08-29")));
        assert!(!reminder_due(LeadStatus::New, last, d("2023-08-30")));
    }

    #[test]
    fn the_2023_09_18_cleanup_closes_what_was_inactive_for_ninety_days() {
        let today = d("2023-09-18");
        assert_eq!(
            status_on(LeadStatus::Contacted, d("2023-06-20"), today),
            LeadStatus::Expired
        );
        assert_eq!(
            status_on(LeadStatus::Contacted, d("2023-06-21"), today),
            LeadStatus::Contacted
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LeadStatus::parse("open"), None);
        assert!(LeadStatus::Expired.is_read_only());
        assert!(!LeadStatus::Won.is_read_only());
    }
}
