//! The life of an inquiry and of a deal registration, as explicit state machines: an event
//! either moves a record to its next status or is refused, never silently ignored.

use chrono::{Days, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InquiryStatus {
    Draft,
    Submitted,
    Quoted,
    Accepted,
    Declined,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryEvent {
    /// The reseller sends the inquiry to its distributor.
    Submit,
    /// Distributor staff send a quote (or a revision of it).
    SendQuote,
    Accept,
    Decline,
    /// The quote's validity passed without an answer.
    Lapse,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} cannot be {event} now: its status is “{status}”.")]
pub struct IllegalTransition {
    pub what: &'static str,
    pub event: &'static str,
    pub status: &'static str,
}

impl InquiryStatus {
    pub const ALL: [InquiryStatus; 6] = [
        InquiryStatus::Draft,
        InquiryStatus::Submitted,
        InquiryStatus::Quoted,
        InquiryStatus::Accepted,
        InquiryStatus::Declined,
        InquiryStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::Draft => "draft",
            InquiryStatus::Submitted => "submitted",
            InquiryStatus::Quoted => "quoted",
            InquiryStatus::Accepted => "accepted",
            InquiryStatus::Declined => "declined",
            InquiryStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn next(self, event: InquiryEvent) -> Result<InquiryStatus, IllegalTransition> {
        use InquiryEvent as E;
        use InquiryStatus as S;
        match (self, event) {
            (S::Draft, E::Submit) => Ok(S::Submitted),
            (S::Submitted | S::Quoted, E::SendQuote) => Ok(S::Quoted),
            (S::Quoted, E::Accept) => Ok(S::Accepted),
            (S::Quoted, E::Decline) => Ok(S::Declined),
            (S::Quoted, E::Lapse) => Ok(S::Expired),
            (status, event) => Err(IllegalTransition {
                what: "An inquiry",
                event: match event {
                    E::Submit => "submitted",
                    E::SendQuote => "quoted",
                    E::Accept => "accepted",
                    E::Decline => "declined",
                    E::Lapse => "expired",
                },
                status: status.label(),
            }),
        }
    }
}

impl InquiryStatus {
    /// The status in words, as pages, mail and messages show it.
    pub fn label(self) -> &'static str {
        match self {
            InquiryStatus::Draft => "Draft, not sent yet",
            InquiryStatus::Submitted => "Waiting for a quote",
            InquiryStatus::Quoted => "Quoted, waiting for the reseller's answer",
            InquiryStatus::Accepted => "Accepted, order placed",
            InquiryStatus::Declined => "Declined by the reseller",
            InquiryStatus::Expired => "Expired, the quote lapsed",
        }
    }
}

/// In words (the stored form is [`InquiryStatus::as_str`]).
impl fmt::Display for InquiryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DealStatus {
    Submitted,
    Approved,
    Rejected,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealEvent {
    Approve,
    Reject,
    Extend,
    Lapse,
}

impl DealStatus {
    pub const ALL: [DealStatus; 4] = [
        DealStatus::Submitted,
        DealStatus::Approved,
        DealStatus::Rejected,
        DealStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::Submitted => "submitted",
            DealStatus::Approved => "approved",
            DealStatus::Rejected => "rejected",
            DealStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn next(self, event: DealEvent) -> Result<DealStatus, IllegalTransition> {
        use DealEvent as E;
        use DealStatus as S;
        match (self, event) {
            (S::Submitted, E::Approve) => Ok(S::Approved),
            (S::Submitted, E::Reject) => Ok(S::Rejected),
            (S::Approved, E::Extend) => Ok(S::Approved),
            (S::Approved, E::Lapse) => Ok(S::Expired),
            (status, event) => Err(IllegalTransition {
                what: "A deal registration",
                event: match event {
                    E::Approve => "approved",
                    E::Reject => "rejected",
                    E::Extend => "extended",
                    E::Lapse => "expired",
                },
                status: status.label(),
            }),
        }
    }
}

/// In words (the stored form is [`DealStatus::as_str`]).
impl DealStatus {
    /// The status in words.
    pub fn label(self) -> &'static str {
        match self {
            DealStatus::Submitted => "Waiting for a decision",
            DealStatus::Approved => "Approved",
            DealStatus::Rejected => "Rejected",
            DealStatus::Expired => "Expired",
        }
    }
}

impl fmt::Display for DealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An NFR request: submitted, then approved (its order issued) or rejected, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NfrStatus {
    Submitted,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfrEvent {
    Approve,
    Reject,
}

impl NfrStatus {
    pub const ALL: [NfrStatus; 3] = [
        NfrStatus::Submitted,
        NfrStatus::Approved,
        NfrStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NfrStatus::Submitted => "submitted",
            NfrStatus::Approved => "approved",
            NfrStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn next(self, event: NfrEvent) -> Result<NfrStatus, IllegalTransition> {
        match (self, event) {
            (NfrStatus::Submitted, NfrEvent::Approve) => Ok(NfrStatus::Approved),
            (NfrStatus::Submitted, NfrEvent::Reject) => Ok(NfrStatus::Rejected),
            (status, event) => Err(IllegalTransition {
                what: "An NFR request",
                event: match event {
                    NfrEvent::Approve => "approved",
                    NfrEvent::Reject => "rejected",
                },
                status: status.label(),
            }),
        }
    }
}

/// In words (the stored form is [`NfrStatus::as_str`]).
impl NfrStatus {
    /// The status in words.
    pub fn label(self) -> &'static str {
        match self {
            NfrStatus::Submitted => "Waiting for a decision",
            NfrStatus::Approved => "Approved",
            NfrStatus::Rejected => "Rejected",
        }
    }
}

impl fmt::Display for NfrStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An approved registration is valid through this day: `validity_days` counted from the day
/// of approval (or extension) itself.
pub fn valid_until(from: NaiveDate, validity_days: u32) -> NaiveDate {
    from.checked_add_days(Days::new(u64::from(validity_days.max(1)) - 1))
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_nfr_request_is_decided_once() {
        use NfrEvent::*;
        assert_eq!(NfrStatus::Submitted.next(Approve), Ok(NfrStatus::Approved));
        assert_eq!(NfrStatus::Submitted.next(Reject), Ok(NfrStatus::Rejected));
        for decided in [NfrStatus::Approved, NfrStatus::Rejected] {
            for event in [Approve, Reject] {
                let e = decided.next(event).unwrap_err();
                assert!(e.to_string().starts_with("An NFR request cannot be"), "{e}");
            }
        }
        assert_eq!(NfrStatus::parse("approved"), Some(NfrStatus::Approved));
        assert_eq!(NfrStatus::parse("pending"), None);
    }

    #[test]
    fn inquiries_move_only_along_their_path() {
        use InquiryEvent as E;
        use InquiryStatus as S;
        let legal = [
            (S::Draft, E::Submit, S::Submitted),
            (S::Submitted, E::SendQuote, S::Quoted),
            (S::Quoted, E::SendQuote, S::Quoted),
            (S::Quoted, E::Accept, S::Accepted),
            (S::Quoted, E::Decline, S::Declined),
            (S::Quoted, E::Lapse, S::Expired),
        ];
        for status in S::ALL {
            for event in [E::Submit, E::SendQuote, E::Accept, E::Decline, E::Lapse] {
                let expected = legal
                    .iter()
                    .find(|(s, e, _)| *s == status && *e == event)
                    .map(|(_, _, n)| *n);
                assert_eq!(status.next(event).ok(), expected, "{status:?} + {event:?}");
            }
        }
        let err = S::Expired.next(E::Accept).unwrap_err();
        assert_eq!(
            err.to_string(),
            "An inquiry cannot be accepted now: its status is “Expired, the quote lapsed”."
        );
    }

    #[test]
    fn deal_registrations_move_only_along_their_path() {
        use DealEvent as E;
        use DealStatus as S;
        let legal = [
            (S::Submitted, E::Approve, S::Approved),
            (S::Submitted, E::Reject, S::Rejected),
            (S::Approved, E::Extend, S::Approved),
            (S::Approved, E::Lapse, S::Expired),
        ];
        for status in S::ALL {
            for event in [E::Approve, E::Reject, E::Extend, E::Lapse] {
                let expected = legal
                    .iter()
                    .find(|(s, e, _)| *s == status && *e == event)
                    .map(|(_, _, n)| *n);
                assert_eq!(status.next(event).ok(), expected, "{status:?} + {event:?}");
            }
        }
        assert_eq!(
            S::Rejected.next(E::Approve).unwrap_err().to_string(),
            "A deal registration cannot be approved now: its status is “Rejected”."
        );
    }

    #[test]
    fn ninety_days_of_validity_count_the_first_day() {
        let approved = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            valid_until(approved, 90),
            NaiveDate::from_ymd_opt(2026, 5, 30).unwrap()
        );
        assert_eq!(valid_until(approved, 1), approved);
    }
}
