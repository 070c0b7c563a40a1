//! The clock, injected so that tests pin dates and times instead of sleeping, and the vendor's
//! time zone: "today" for every date rule is the calendar date there, and times are shown
//! there with the zone's abbreviation (stored timestamps stay UTC).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::sync::{Arc, Mutex, RwLock};

#[derive(Clone, Debug, Default)]
enum Source {
    #[default]
    System,
    /// A clock that stands still until a test moves it.
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

/// The time now and the vendor's zone. Clones share both, so a zone set by the vendor admin
/// (or read from the settings) holds for everything the portal process does.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    source: Source,
    zone: Arc<RwLock<Zone>>,
}

#[derive(Debug, Clone, Copy)]
struct Zone {
    tz: Tz,
    /// When this process last read the zone from the settings.
    read: Option<std::time::Instant>,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            tz: Tz::UTC,
            read: None,
        }
    }
}

/// How long a zone read from the settings stays fresh (several portal processes on one
/// database see a change within this time).
const ZONE_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

impl Clock {
    /// The machine's clock.
    pub fn system() -> Self {
        Clock::default()
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock {
            source: Source::Fixed(Arc::new(Mutex::new(at))),
            ..Clock::default()
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.source {
            Source::System => Utc::now(),
            Source::Fixed(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Unix seconds, as timestamps are stored.
    pub fn timestamp(&self) -> i64 {
        self.now().timestamp()
    }

    /// The vendor's time zone.
    pub fn zone(&self) -> Tz {
        self.zone.read().map_or(Tz::UTC, |z| z.tz)
    }

    /// Sets the vendor's time zone (read from the settings, or just saved).
    pub fn set_zone(&self, tz: Tz) {
        if let Ok(mut z) = self.zone.write() {
            *z = Zone {
                tz,
                read: Some(std::time::Instant::now()),
            };
        }
    }

    /// Whether the zone should be read from the settings again.
    pub fn zone_is_stale(&self) -> bool {
        self.zone
            .read()
            .map_or(true, |z| z.read.is_none_or(|r| r.elapsed() > ZONE_FRESH))
    }

    /// Today's calendar date in the vendor's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.zone()).date_naive()
    }

    /// Moves a fixed clock forward; a system clock cannot be moved.
    pub fn advance(&self, by: chrono::Duration) {
        if let Source::Fixed(t) = &self.source {
            let mut guard = t.lock().unwrap_or_else(|p| p.into_inner());
            *guard += by;
        }
    }

    /// Runs `work` with timestamps shown in this clock's zone ([`format_timestamp`]).
    pub async fn in_zone<F: std::future::Future>(&self, work: F) -> F::Output {
        SHOWN_IN.scope(self.zone(), work).await
    }
}

tokio::task_local! {
    /// The zone the request or job being run shows times in.
    static SHOWN_IN: Tz;
}

/// Parses an IANA zone name ("Europe/Berlin"); `None` for anything else.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// Formats stored Unix seconds for people, in the vendor's zone with its abbreviation:
/// `2026-11-24 18:05 UTC`, `2026-11-24 19:05 CET`. Pages and mails are rendered inside
/// [`Clock::in_zone`]; outside it, UTC.
pub fn format_timestamp(ts: i64) -> String {
    let zone = SHOWN_IN.try_with(|z| *z).unwrap_or(Tz::UTC);
    format_in(ts, zone)
}

/// Formats stored Unix seconds in `zone`.
pub fn format_in(ts: i64, zone: Tz) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| {
            t.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|| "—".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A UTC time of a test (the epoch if it does not exist, which fails the test's dates).
    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2023, 12, 31, 23, 30, 0).unwrap();
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.today(), day(2023, 12, 31));
        clock.advance(chrono::Duration::minutes(31));
        assert_eq!(clock.today(), day(2024, 1, 1));
    }

    #[test]
    fn today_is_the_date_in_the_vendor_s_zone() {
        let clock = Clock::fixed(utc(2026, 3, 1, 23, 30));
        assert_eq!(clock.today(), day(2026, 3, 1), "UTC until set");
        clock.set_zone(chrono_tz::Europe::Berlin);
        assert_eq!(clock.today(), day(2026, 3, 2), "00:30 CET");
        clock.set_zone(chrono_tz::America::New_York);
        assert_eq!(clock.today(), day(2026, 3, 1), "18:30 EST");
        // The clone a job holds sees the same zone.
        let job = clock.clone();
        clock.set_zone(chrono_tz::Asia::Tokyo);
        assert_eq!(job.today(), day(2026, 3, 2));
    }

    #[test]
    fn daylight_saving_does_not_shift_a_date() {
        // Berlin goes from CET to CEST at 01:00 UTC on 2026-03-29 and back at 01:00 UTC on
        // 2026-10-25.
        let at = |m, d, h, min| {
            let c = Clock::fixed(utc(2026, m, d, h, min));
            c.set_zone(chrono_tz::Europe::Berlin);
            c.today()
        };
        assert_eq!(at(3, 28, 22, 59), day(2026, 3, 28), "23:59 CET");
        assert_eq!(at(3, 28, 23, 0), day(2026, 3, 29), "00:00 CET");
        assert_eq!(at(3, 29, 21, 59), day(2026, 3, 29), "23:59 CEST");
        assert_eq!(at(3, 29, 22, 0), day(2026, 3, 30), "00:00 CEST");
        assert_eq!(at(10, 24, 21, 59), day(2026, 10, 24), "23:59 CEST");
        assert_eq!(at(10, 24, 22, 0), day(2026, 10, 25), "00:00 CEST");
        assert_eq!(at(10, 25, 22, 59), day(2026, 10, 25), "23:59 CET");
        assert_eq!(at(10, 25, 23, 0), day(2026, 10, 26), "00:00 CET");
    }

    #[test]
    fn formats_timestamps_in_the_zone_with_its_abbreviation() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_timestamp(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(
            format_in(1_700_000_000, chrono_tz::Europe::Berlin),
            "2023-11-14 23:13 CET"
        );
        // 2026-07-01 12:00 UTC in summer.
        assert_eq!(
            format_in(1_782_907_200, chrono_tz::Europe::Berlin),
            "2026-07-01 14:00 CEST"
        );
    }

    #[tokio::test]
    async fn pages_rendered_in_the_zone_show_its_times() {
        let clock = Clock::fixed(utc(2026, 3, 1, 23, 30));
        clock.set_zone(chrono_tz::Europe::Berlin);
        let shown = clock
            .in_zone(async { format_timestamp(1_700_000_000) })
            .await;
        assert_eq!(shown, "2023-11-14 23:13 CET");
    }

    #[test]
    fn zone_names_are_iana_names() {
        assert_eq!(
            parse_zone(" Europe/Berlin "),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(parse_zone("UTC"), Some(Tz::UTC));
        assert_eq!(parse_zone("Mars/Olympus"), None);
        assert_eq!(parse_zone("Europe/Berlin\u{0}"), None);
        assert_eq!(parse_zone(""), None);
    }
}
