//! The JSON shapes of records that leave the portal: the partner API answers with them and
//! the webhooks' events carry them, so a record has one shape wherever a system reads it.

use serde::Serialize;

/// A stored time (UTC seconds) as RFC 3339 ("2026-03-02T09:00:00Z").
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// An order without its lines, as lists give it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderJson {
    pub id: i64,
    pub reference: String,
    /// placed (waiting to be processed) or processed.
    pub status: &'static str,
    pub reseller: String,
    pub distributor: String,
    pub end_customer_id: i64,
    pub end_customer: String,
    pub currency: String,
    pub total_net_cents: i64,
    pub placed_at: String,
    /// The day its schedule entries start from, once processed.
    pub completed_on: Option<String>,
    pub po_reference: Option<String>,
    /// The pricing inquiry whose quote it was placed from.
    pub inquiry: Option<String>,
}

pub fn order_json(o: &crate::db::orders::Order) -> OrderJson {
    OrderJson {
        id: o.id.0,
        reference: o.reference.clone(),
        status: match o.completed_on {
            Some(_) => "processed",
            None => "placed",
        },
        reseller: o.reseller_name.clone(),
        distributor: o.distributor_name.clone(),
        end_customer_id: o.end_customer_id,
        end_customer: o.end_customer_name.clone(),
        currency: o.currency.clone(),
        total_net_cents: o.total_net.cents(),
        placed_at: rfc3339(o.created_at),
        completed_on: o.completed_on.clone(),
        po_reference: o.po_reference.clone(),
        inquiry: o.inquiry.as_ref().map(|(_, r)| r.clone()),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScheduleEntryJson {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InquiryLineJson {
    pub id: i64,
    /// What the reseller typed (a legacy SKU stays readable).
    pub entered: String,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp_cents: i64,
    pub msrp_cents: i64,
}

/// An inquiry as lists give it: its lines at MSRP.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InquiryJson {
    pub id: i64,
    pub reference: String,
    /// draft, submitted, quoted, accepted, declined or expired.
    pub status: &'static str,
    pub reseller: String,
    pub end_customer: String,
    pub distributor: String,
    pub currency: String,
    pub submitted_on: Option<String>,
    pub deal_registration: Option<String>,
    pub total_msrp_cents: i64,
    /// Bumped by every change; a quote is sent for the version it was prepared on.
    pub version: i64,
    pub lines: Vec<InquiryLineJson>,
}

pub fn inquiry_json(i: &crate::db::inquiries::Inquiry) -> InquiryJson {
    InquiryJson {
        id: i.id.0,
        reference: i.reference.clone(),
        status: i.status.as_str(),
        reseller: i.reseller_name.clone(),
        end_customer: i.end_customer_name.clone(),
        distributor: i.distributor_name.clone(),
        currency: i.currency.clone(),
        submitted_on: i.submitted_on.clone(),
        deal_registration: i.deal.as_ref().map(|(_, r)| r.clone()),
        total_msrp_cents: i.total_msrp().cents(),
        version: i.version,
        lines: i
            .lines
            .iter()
            .map(|l| InquiryLineJson {
                id: l.id,
                entered: l.entered.clone(),
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity,
                unit_msrp_cents: l.unit_msrp.cents(),
                msrp_cents: l.msrp().cents(),
            })
            .collect(),
    }
}

/// A schedule entry from its stored (SKU, description, quantity, start, end).
pub fn entry_json(e: &(String, String, i64, String, String)) -> ScheduleEntryJson {
    let (sku, description, quantity, start, end) = e;
    ScheduleEntryJson {
        sku: sku.clone(),
        description: description.clone(),
        quantity: *quantity,
        start_date: start.clone(),
        end_date: end.clone(),
    }
}
