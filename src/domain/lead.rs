//! Partner leads: their statuses and the inactivity rule (PRODUCT.md section 6).
//!
//! A lead is open while it is new, contacted or qualified. Any update is activity. A
//! **partner-generated** open lead without activity for more than [`Inactivity::days`] days
//! (90 by default) expires (read-only), with a reminder [`Inactivity::reminder_days`] days
//! before; a **vendor-assigned** lead idle that long is flagged idle for its channel account
//! manager to reassign, and never expires. Won and lost leads are closed by the reseller.
//! Every rule takes the date, so the sweep can run for any day (the 2023-09-18 cleanup is the
//! same code).

use chrono::{Days, NaiveDate};
use std::fmt;

/// Who brought a lead in: the vendor (or a channel account manager) or the reseller itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadSource {
    Vendor,
    Partner,
}

impl LeadSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Vendor => "vendor",
            LeadSource::Partner => "partner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LeadSource::Vendor, LeadSource::Partner]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The inactivity rule's two numbers, settings of the vendor admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inactivity {
    /// A lead inactive for more than this many days is over (expired or idle).
    pub days: u32,
    /// How many days before expiry the reseller is reminded.
    pub reminder_days: u32,
}

impl Default for Inactivity {
    fn default() -> Self {
        Inactivity {
            days: 90,
            reminder_days: 14,
        }
    }
}

impl Inactivity {
    /// The first day on which a lead last active on `last_activity` has been inactive for
    /// more than the limit: the day it expires (partner) or turns idle (vendor).
    pub fn over_on(self, last_activity: NaiveDate) -> NaiveDate {
        last_activity
            .checked_add_days(Days::new(u64::from(self.days) + 1))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The day the reseller is reminded that a partner-generated lead is about to expire.
    pub fn reminder_on(self, last_activity: NaiveDate) -> NaiveDate {
        self.over_on(last_activity)
            .checked_sub_days(Days::new(u64::from(self.reminder_days)))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Leads last active before this day are over on `today` (the SQL form of the rule).
    pub fn cutoff(self, today: NaiveDate) -> NaiveDate {
        today
            .checked_sub_days(Days::new(u64::from(self.days)))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Whether a lead last active on `last_activity` is over on `today`.
    pub fn is_over(self, last_activity: NaiveDate, today: NaiveDate) -> bool {
        today >= self.over_on(last_activity)
    }
}

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

/// In words (the stored form is [`LeadStatus::as_str`]).
impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeadStatus::New => "New",
            LeadStatus::Contacted => "Contacted",
            LeadStatus::Qualified => "Qualified",
            LeadStatus::Won => "Won",
            LeadStatus::Lost => "Lost",
            LeadStatus::Expired => "Expired",
        })
    }
}

/// How a lead stands on a day under the inactivity rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The status a person sees: a partner-generated open lead past the limit is expired
    /// even before the sweep has recorded it.
    pub status: LeadStatus,
    /// A vendor-assigned open lead past the limit: idle, for its CAM to reassign.
    pub idle: bool,
    /// For a partner-generated open lead: the day it expires without more activity.
    pub expires_on: Option<NaiveDate>,
}

/// The lead's standing on `today`.
pub fn standing(
    stored: LeadStatus,
    source: LeadSource,
    last_activity: NaiveDate,
    today: NaiveDate,
    rule: Inactivity,
) -> Standing {
    let over = stored.is_open() && rule.is_over(last_activity, today);
    let partner = source == LeadSource::Partner;
    let status = if over && partner {
        LeadStatus::Expired
    } else {
        stored
    };
    Standing {
        status,
        idle: over && !partner,
        expires_on: (partner && status.is_open()).then(|| rule.over_on(last_activity)),
    }
}

/// Whether the expiry reminder is due on `today` (a partner-generated open lead whose reminder
/// day has come and which has not expired yet). The sweep sends it once per period of
/// inactivity.
pub fn reminder_due(
    stored: LeadStatus,
    source: LeadSource,
    last_activity: NaiveDate,
    today: NaiveDate,
    rule: Inactivity,
) -> bool {
    source == LeadSource::Partner
        && stored.is_open()
        && today >= rule.reminder_on(last_activity)
        && !rule.is_over(last_activity, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn on(stored: LeadStatus, source: LeadSource, last: &str, today: &str) -> Standing {
        standing(stored, source, d(last), d(today), Inactivity::default())
    }

    #[test]
    fn a_partner_lead_expires_after_more_than_ninety_days() {
        let rule = Inactivity::default();
        // 2026-01-01 + 90 days = 2026-04-01: exactly 90 days, still open; the day after, over.
        assert_eq!(rule.over_on(d("2026-01-01")), d("2026-04-02"));
        let open = on(
            LeadStatus::Qualified,
            LeadSource::Partner,
            "2026-01-01",
            "2026-04-01",
        );
        assert_eq!(open.status, LeadStatus::Qualified);
        assert_eq!(open.expires_on, Some(d("2026-04-02")));
        let gone = on(
            LeadStatus::Qualified,
            LeadSource::Partner,
            "2026-01-01",
            "2026-04-02",
        );
        assert_eq!(gone.status, LeadStatus::Expired);
        assert_eq!(gone.expires_on, None);
        assert!(!gone.idle);
    }

    #[test]
    fn the_2023_09_18_cleanup_closes_what_was_inactive_for_more_than_ninety_days() {
        let today = "2023-09-18";
        let kept = on(
            LeadStatus::Contacted,
            LeadSource::Partner,
            "2023-06-20",
            today,
        );
        assert_eq!(kept.status, LeadStatus::Contacted);
        let closed = on(
            LeadStatus::Contacted,
            LeadSource::Partner,
            "2023-06-19",
            today,
        );
        assert_eq!(closed.status, LeadStatus::Expired);
        // The SQL form agrees: last activity before the cutoff is over.
        let cutoff = Inactivity::default().cutoff(d(today));
        assert!(d("2023-06-19") < cutoff && d("2023-06-20") >= cutoff);
    }

    #[test]
    fn a_vendor_lead_turns_idle_and_never_expires() {
        let fresh = on(
            LeadStatus::New,
            LeadSource::Vendor,
            "2023-06-20",
            "2023-09-18",
        );
        assert_eq!((fresh.status, fresh.idle), (LeadStatus::New, false));
        let idle = on(
            LeadStatus::New,
            LeadSource::Vendor,
            "2023-06-19",
            "2023-09-18",
        );
        assert_eq!((idle.status, idle.idle), (LeadStatus::New, true));
        let years = on(
            LeadStatus::Qualified,
            LeadSource::Vendor,
            "2020-01-01",
            "2026-01-01",
        );
        assert_eq!(years.status, LeadStatus::Qualified);
        assert_eq!(years.expires_on, None);
        assert!(!reminder_due(
            LeadStatus::New,
            LeadSource::Vendor,
            d("2023-06-01"),
            d("2023-08-20"),
            Inactivity::default()
        ));
    }

    #[test]
    fn closed_leads_never_expire_nor_idle() {
        for source in [LeadSource::Partner, LeadSource::Vendor] {
            for s in [LeadStatus::Won, LeadStatus::Lost] {
                let st = on(s, source, "2020-01-01", "2026-01-01");
                assert_eq!((st.status, st.idle), (s, false));
            }
        }
    }

    #[test]
    fn the_reminder_is_due_in_the_last_fourteen_days_only() {
        let rule = Inactivity::default();
        let last = d("2023-06-01"); // over on 2023-08-31, reminded from 2023-08-17
        let due =
            |today: &str| reminder_due(LeadStatus::New, LeadSource::Partner, last, d(today), rule);
        assert!(!due("2023-08-16"));
        assert!(due("2023-08-17"));
        assert!(due("2023-08-30"));
        assert!(!due("2023-08-31"));
    }

    #[test]
    fn the_limits_are_settings() {
        let rule = Inactivity {
            days: 30,
            reminder_days: 5,
        };
        assert_eq!(rule.over_on(d("2026-01-01")), d("2026-02-01"));
        assert_eq!(rule.reminder_on(d("2026-01-01")), d("2026-01-27"));
        let st = standing(
            LeadStatus::New,
            LeadSource::Partner,
            d("2026-01-01"),
            d("2026-02-01"),
            rule,
        );
        assert_eq!(st.status, LeadStatus::Expired);
    }

    #[test]
    fn statuses_and_sources_round_trip() {
        for s in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LeadStatus::parse("open"), None);
        assert!(LeadStatus::Expired.is_read_only());
        assert!(!LeadStatus::Won.is_read_only());
        for s in [LeadSource::Vendor, LeadSource::Partner] {
            assert_eq!(LeadSource::parse(s.as_str()), Some(s));
        }
    }
}
