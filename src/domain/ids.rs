//! Typed ids, so an organisation id can never be passed where a user id belongs.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                i64::deserialize(d).map($name)
            }
        }
    };
}

typed_id!(OrgId);
typed_id!(UserId);
typed_id!(InquiryId);
typed_id!(QuoteId);
typed_id!(OrderId);
typed_id!(EntryId);
typed_id!(DealId);
typed_id!(LeadId);
typed_id!(NfrRequestId);
typed_id!(EndCustomerId);
