//! Organisations: the vendor, distributors and resellers, and resellers' partner levels.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    Vendor,
    Distributor,
    Reseller,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Vendor, OrgKind::Distributor, OrgKind::Reseller];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Vendor => "vendor",
            OrgKind::Distributor => "distributor",
            OrgKind::Reseller => "reseller",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Vendor => "Vendor",
            OrgKind::Distributor => "Distributor",
            OrgKind::Reseller => "Reseller",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A reseller's level in the partner program; it decides program discounts and NFR allotments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartnerLevel {
    Authorized,
    Silver,
    Gold,
    Platinum,
}

impl PartnerLevel {
    pub const ALL: [PartnerLevel; 4] = [
        PartnerLevel::Authorized,
        PartnerLevel::Silver,
        PartnerLevel::Gold,
        PartnerLevel::Platinum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerLevel::Authorized => "authorized",
            PartnerLevel::Silver => "silver",
            PartnerLevel::Gold => "gold",
            PartnerLevel::Platinum => "platinum",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PartnerLevel::Authorized => "Authorized",
            PartnerLevel::Silver => "Silver",
            PartnerLevel::Gold => "Gold",
            PartnerLevel::Platinum => "Platinum",
        }
    }
}

impl fmt::Display for PartnerLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_levels_round_trip_through_their_stored_names() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        for l in PartnerLevel::ALL {
            assert_eq!(PartnerLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(
            PartnerLevel::parse("Gold"),
            None,
            "stored names are lower case"
        );
        assert!(PartnerLevel::Platinum > PartnerLevel::Authorized);
    }
}
