//! How records read on pages: dates and times in words, amounts with their currency, labels.
//! The records are db's and app's; these helpers are the web's, so the types stay free of
//! presentation.

use crate::app;
use crate::clock::format_timestamp;
use crate::db::catalogue;
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
    pub fn last_used(&self) -> String {
        self.last_used_at
            .map(format_timestamp)
            .unwrap_or_else(|| "never".into())
    }
}

impl crate::db::audit::Entry {
    pub fn when(&self) -> String {
        format_timestamp(self.at)
    }
}

impl crate::db::deals::Deal {
    pub fn submitted(&self) -> String {
        format_timestamp(self.submitted_at)
    }
    pub fn families_label(&self) -> String {
        self.families.join(", ")
    }
    pub fn validity(&self) -> String {
        match (self.valid_from, self.valid_until) {
            (Some(f), Some(u)) => format!("{f} to {u}"),
            _ => "—".into(),
        }
    }
}

impl crate::db::inquiries::Inquiry {
    pub fn created(&self) -> String {
        format_timestamp(self.created_at)
    }
    pub fn total(&self) -> String {
        self.total_msrp().with_currency(catalogue::DEFAULT_CURRENCY)
    }
}

impl crate::db::inquiries::Line {
    pub fn unit(&self) -> String {
        self.unit_msrp.with_currency(catalogue::DEFAULT_CURRENCY)
    }
    pub fn line_total(&self) -> String {
        self.msrp().with_currency(catalogue::DEFAULT_CURRENCY)
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

/// "Renews the subscription ending 2026-05-05, from the day after." for a line that continues
/// a schedule entry (a renewal), or "Changes the subscription ending …" (a co-termed change).
fn continues(sku: &str, end: &Option<String>) -> Option<String> {
    let end = end.as_deref()?;
    Some(if crate::app::orders::is_renewal(sku) {
        format!("Renews the subscription ending {end}, from the day after.")
    } else {
        format!("Changes the subscription ending {end}, and ends with it.")
    })
}

impl crate::db::inquiries::Line {
    pub fn continues(&self) -> Option<String> {
        continues(&self.sku, &self.changes_end)
    }
}

impl crate::db::quotes::QuoteLine {
    pub fn continues(&self) -> Option<String> {
        continues(&self.sku, &self.changes_end)
    }
}
