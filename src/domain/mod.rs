//! The pure core of the portal: values and rules of the partner world.
//!
//! Nothing in here knows about sqlx, actix or the clock. Functions that depend
//! on the date take it as an argument, so tests pin dates instead of sleeping.

pub mod audit;
pub mod catalogue;
pub mod contact;
pub mod csv_export;
pub mod email;
pub mod field_errors;
mod hostile_text;
pub mod ids;
pub mod import;
pub mod lead;
pub mod legacy;
pub mod money;
pub mod msp;
pub mod nfr;
pub mod order_line;
pub mod org;
pub mod paging;
pub mod password;
pub mod pricing;
pub mod role;
pub mod schedule;
pub mod sku;
pub mod status;
pub mod token;
pub mod webhook;

pub use email::Email;
pub use field_errors::FieldErrors;
pub use ids::{
    DealId, EndCustomerId, EntryId, InquiryId, LeadId, NfrRequestId, OrderId, OrgId, QuoteId,
    UserId,
};
pub use money::Cents;
pub use org::{OrgKind, PartnerLevel};
pub use paging::{PageRequest, Paged};
pub use role::AccessRole;
pub use sku::{Sku, SkuError, SkuFields};
