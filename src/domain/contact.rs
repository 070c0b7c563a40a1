//! Contact roles (PRODUCT.md section 2): which people of an organisation receive which
//! notices, who receives a notice when nobody holds its role, and the retry schedule of mail.

use super::org::OrgKind;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactRole {
    Renewals,
    NewLeads,
    DealRegistration,
    PartnerProgram,
    Marketing,
    Quotes,
}

impl ContactRole {
    pub const ALL: [ContactRole; 6] = [
        ContactRole::Renewals,
        ContactRole::NewLeads,
        ContactRole::DealRegistration,
        ContactRole::PartnerProgram,
        ContactRole::Marketing,
        ContactRole::Quotes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactRole::Renewals => "renewals",
            ContactRole::NewLeads => "new_leads",
            ContactRole::DealRegistration => "deal_registration",
            ContactRole::PartnerProgram => "partner_program",
            ContactRole::Marketing => "marketing",
            ContactRole::Quotes => "quotes",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactRole::Renewals => "Renewals",
            ContactRole::NewLeads => "New leads",
            ContactRole::DealRegistration => "Deal registration status",
            ContactRole::PartnerProgram => "Partner program updates",
            ContactRole::Marketing => "Marketing",
            ContactRole::Quotes => "Quotes",
        }
    }

    pub fn explains(self) -> &'static str {
        match self {
            ContactRole::Renewals => {
                "license schedules issued and subscriptions ending in 90, 60 and 30 days"
            }
            ContactRole::NewLeads => "leads assigned to you, and leads about to expire or expired",
            ContactRole::DealRegistration => {
                "deal registrations approved, rejected, extended, expiring or expired"
            }
            ContactRole::PartnerProgram => {
                "partner level changes, NFR allotments and NFR decisions"
            }
            ContactRole::Marketing => "marketing messages from the vendor",
            ContactRole::Quotes => "new pricing inquiries sent to your distributor",
        }
    }

    /// The roles an organisation of this kind hands out.
    pub fn for_kind(kind: OrgKind) -> &'static [ContactRole] {
        use ContactRole::*;
        match kind {
            OrgKind::Reseller => &[
                Renewals,
                NewLeads,
                DealRegistration,
                PartnerProgram,
                Marketing,
            ],
            OrgKind::Distributor => &[Renewals, PartnerProgram, Marketing, Quotes],
            OrgKind::Vendor => &[],
        }
    }

    /// Whether the organisation's admins receive this role's notices when nobody holds it.
    /// Marketing never falls back: no holder means no marketing mail.
    pub fn falls_back_to_admins(self) -> bool {
        self != ContactRole::Marketing
    }
}

impl fmt::Display for ContactRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A person who may receive mail.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

/// Who receives a notice of `role`: its holders; if there are none, the organisation's
/// admins (except for marketing, which then goes to nobody). Only active users are passed in.
pub fn recipients(role: ContactRole, holders: &[Person], admins: &[Person]) -> Vec<Person> {
    let mut people = if !holders.is_empty() {
        holders.to_vec()
    } else if role.falls_back_to_admins() {
        admins.to_vec()
    } else {
        vec![]
    };
    people.sort();
    people.dedup_by(|a, b| a.email == b.email);
    people
}

/// Delays between delivery attempts (PRODUCT.md section 2): 1 min, 5 min, 30 min, 2 h, 12 h.
pub const RETRY_DELAYS_SECS: [i64; 5] = [60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600];

/// After the `failures`-th failed attempt: when to try again, or `None` when the message is
/// dead (the first attempt and its five retries all failed).
pub fn next_attempt(failures: i64, now: i64) -> Option<i64> {
    let index = usize::try_from(failures - 1).ok()?;
    RETRY_DELAYS_SECS.get(index).map(|d| now + d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, email: &str) -> Person {
        Person {
            user_id: id,
            name: format!("User {id}"),
            email: email.into(),
        }
    }

    #[test]
    fn holders_get_the_notice() {
        let got = recipients(
            ContactRole::Renewals,
            &[p(2, "b@x"), p(1, "a@x")],
            &[p(9, "admin@x")],
        );
        assert_eq!(got, [p(1, "a@x"), p(2, "b@x")]);
    }

    #[test]
    fn without_holders_admins_get_it_except_marketing() {
        for role in ContactRole::ALL {
            let got = recipients(role, &[], &[p(9, "admin@x")]);
            if role == ContactRole::Marketing {
                assert!(got.is_empty(), "no holder means no marketing mail");
            } else {
                assert_eq!(got, [p(9, "admin@x")], "{role:?} falls back to the admins");
            }
        }
    }

    #[test]
    fn roles_per_organisation_kind() {
        assert_eq!(ContactRole::for_kind(OrgKind::Reseller).len(), 5);
        assert!(!ContactRole::for_kind(OrgKind::Reseller).contains(&ContactRole::Quotes));
        assert_eq!(
            ContactRole::for_kind(OrgKind::Distributor),
            [
                ContactRole::Renewals,
                ContactRole::PartnerProgram,
                ContactRole::Marketing,
                ContactRole::Quotes
            ]
        );
        for r in ContactRole::ALL {
            assert_eq!(ContactRole::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn retries_after_1_5_30_120_720_minutes_then_dead() {
        let now = 1_000_000;
        let delays: Vec<i64> = (1..=5)
            .map(|n| next_attempt(n, now).unwrap() - now)
            .collect();
        assert_eq!(delays, [60, 300, 1800, 7200, 43200]);
        assert_eq!(next_attempt(6, now), None);
        assert_eq!(next_attempt(0, now), None);
    }
}
