//! The clock, injected so that tests pin dates and times instead of sleeping.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A clock that stands still until a test moves it.
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock::Fixed(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Unix seconds, as timestamps are stored.
    pub fn timestamp(&self) -> i64 {
        self.now().timestamp()
    }

    /// Today's calendar date in the vendor's time zone (UTC until a vendor setting says otherwise).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves a fixed clock forward; a system clock cannot be moved.
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Fixed(t) = self {
            let mut guard = t.lock().unwrap_or_else(|p| p.into_inner());
            *guard += by;
        }
    }
}

/// Formats stored Unix seconds for people: `2026-11-24 18:05 UTC`.
pub fn format_timestamp(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2023, 12, 31, 23, 30, 0).unwrap();
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2023, 12, 31).unwrap()
        );
        clock.advance(chrono::Duration::minutes(31));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_timestamp(1_700_000_000), "2023-11-14 22:13 UTC");
    }
}
