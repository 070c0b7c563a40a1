//! What each notice says, in one place: one builder per event, taking the records it is about.
//! The use cases decide who hears what and when; these say it. The greeting, the footer and
//! the unsubscribe line are the templates' (`templates/mail/notice.txt` and `.html`).

use super::notify::Notice;
use crate::db::deals::Deal;
use crate::db::inquiries::Inquiry;
use crate::db::nfr::{Request, RequestLine};
use crate::db::orders::{NewOrderLine, Order};
use crate::domain::{Cents, DealId, LeadId, NfrRequestId, PartnerLevel};
use chrono::NaiveDate;

/// A quote sent (version 1) or revised (later versions) to the inquiry's author and the
/// reseller's admins.
pub fn quote_sent(
    inquiry: &Inquiry,
    version: i64,
    net: Cents,
    valid_until: NaiveDate,
    public_url: &str,
) -> Notice {
    let what = if version == 1 { "sent" } else { "revised" };
    Notice {
        kind: format!("quote_{what}"),
        subject: format!(
            "Quote for {} {what} by {}",
            inquiry.reference, inquiry.distributor_name
        ),
        heading: format!("Quote for {}", inquiry.reference),
        paragraphs: vec![format!(
            "{} {what} the quote for {} (version {version}): net {} instead of MSRP {}, valid until {valid_until}.",
            inquiry.distributor_name,
            inquiry.end_customer_name,
            net.with_currency(&inquiry.currency),
            inquiry.total_msrp().with_currency(&inquiry.currency)
        )],
        action: Some((
            "See every discount and accept or decline".into(),
            format!("{public_url}/inquiries/{}", inquiry.id),
        )),
    }
}

/// An order placed (a quote accepted, or a distributor's direct order).
pub struct OrderPlaced<'a> {
    pub id: i64,
    pub reference: &'a str,
    pub reseller: &'a str,
    pub distributor: &'a str,
    pub end_customer: &'a str,
    pub currency: &'a str,
    pub lines: &'a [NewOrderLine],
    /// "Acme accepted quote Q-…" or "Northwind entered it directly".
    pub how: String,
}

/// An order placed, to the distributor's quotes role, the reseller's renewals role and the
/// inquiry's author.
pub fn order_placed(o: &OrderPlaced<'_>, public_url: &str) -> Notice {
    let total: Cents = o.lines.iter().map(|l| l.net).sum();
    let mut paragraphs = vec![format!(
        "Order {} for {} of {} with {} is placed: {}. Net total {}.",
        o.reference,
        o.end_customer,
        o.reseller,
        o.distributor,
        o.how,
        total.with_currency(o.currency)
    )];
    paragraphs.extend(digest(
        o.lines
            .iter()
            .map(|l| format!("{} × {} ({})", l.quantity, l.description, l.sku))
            .collect(),
    ));
    paragraphs.push("The vendor processes it; the license schedule is mailed then.".into());
    Notice {
        kind: "order_placed".into(),
        subject: format!("Order {} placed for {}", o.reference, o.end_customer),
        heading: format!("Order {} placed", o.reference),
        paragraphs,
        action: Some((
            "See the order".into(),
            format!("{public_url}/orders/{}", o.id),
        )),
    }
}

/// A pricing inquiry submitted, to the distributor's quotes role.
pub fn inquiry_submitted(inquiry: &Inquiry, public_url: &str) -> Notice {
    Notice {
        kind: "inquiry_submitted".into(),
        subject: format!(
            "Pricing inquiry {} from {}",
            inquiry.reference, inquiry.reseller_name
        ),
        heading: format!("Pricing inquiry {}", inquiry.reference),
        paragraphs: vec![format!(
            "{} asks for a quote for {} ({}, MSRP {}).",
            inquiry.reseller_name,
            inquiry.end_customer_name,
            crate::domain::paging::counted(inquiry.lines.len(), "line", "lines"),
            inquiry.total_msrp().with_currency(&inquiry.currency)
        )],
        action: Some((
            "Open the inquiry".into(),
            format!("{public_url}/inquiries/{}", inquiry.id),
        )),
    }
}

/// A reseller declined the latest quote of an inquiry (to the distributor's quotes role).
pub fn quote_declined(inquiry: &Inquiry, version: i64, public_url: &str) -> Notice {
    Notice {
        kind: "quote_declined".into(),
        subject: format!(
            "{} declined the quote for {}",
            inquiry.reseller_name, inquiry.reference
        ),
        heading: format!("Quote for {} declined", inquiry.reference),
        paragraphs: vec![format!(
            "{} declined version {version} of your quote for {} (MSRP {}). No order is placed.",
            inquiry.reseller_name,
            inquiry.end_customer_name,
            inquiry.total_msrp().with_currency(&inquiry.currency)
        )],
        action: Some((
            "Open the inquiry".into(),
            format!("{public_url}/inquiries/{}", inquiry.id),
        )),
    }
}

/// The license schedule an order's processing issued (`issued`: one line per new entry).
pub fn schedule_issued(
    order: &Order,
    completed_on: NaiveDate,
    issued: Vec<String>,
    public_url: &str,
) -> Notice {
    // The end customer's license contact reads this: no prices (the reseller's net is not
    // theirs to know), in any currency.
    let mut paragraphs = vec![format!(
        "Order {} is processed on {completed_on}. The license schedule of {} now has:",
        order.reference, order.end_customer_name
    )];
    paragraphs.extend(issued);
    paragraphs.push("There are no license keys: subscriptions are active from their start date to their end date. Renewals are ordered like any order and run from the day after the end date; upgrades and additions apply from the day their order is processed.".into());
    Notice {
        kind: "license_schedule_issued".into(),
        subject: format!(
            "License schedule for {}: order {}",
            order.end_customer_name, order.reference
        ),
        heading: format!("License schedule for {}", order.end_customer_name),
        paragraphs,
        action: Some((
            "See the license schedule".into(),
            format!(
                "{public_url}/licenses?end_customer={}",
                order.end_customer_id
            ),
        )),
    }
}

/// A deal registration submitted, to the reseller's channel account manager.
pub struct DealSubmitted<'a> {
    pub id: DealId,
    pub reference: &'a str,
    pub reseller: &'a str,
    pub families: &'a [String],
    pub end_customer: &'a str,
    pub estimated: Cents,
    pub currency: &'a str,
}

pub fn deal_submitted(d: &DealSubmitted<'_>, public_url: &str) -> Notice {
    Notice {
        kind: "deal_registration_submitted".into(),
        subject: format!(
            "Deal registration {} from {} waits for your decision",
            d.reference, d.reseller
        ),
        heading: format!("Deal registration {}", d.reference),
        paragraphs: vec![format!(
            "{} registered a deal for {} ({}), estimated MSRP {}.",
            d.reseller,
            d.families.join(", "),
            d.end_customer,
            d.estimated.with_currency(d.currency)
        )],
        action: Some((
            "Approve or reject it".into(),
            format!("{public_url}/deals/{}", d.id),
        )),
    }
}

/// A deal registration approved, rejected or extended (`what`), with its new validity and
/// the reason given.
pub fn deal_decided(
    deal: &Deal,
    what: &str,
    valid: Option<(NaiveDate, NaiveDate)>,
    reason: Option<&str>,
    rejected: &[String],
    public_url: &str,
) -> Notice {
    let mut paragraphs = vec![format!(
        "Your deal registration {} for {} ({}) is {what}.",
        deal.reference,
        deal.end_customer_name,
        deal.family_names.join(", ")
    )];
    if !rejected.is_empty() {
        paragraphs.push(format!(
            "It is not approved for {}.",
            rejected.join(" and ")
        ));
    }
    if let Some((_, until)) = valid {
        paragraphs.push(format!("It is valid until {until}; quotes for this end customer and product get the deal registration discount until then."));
    }
    if let Some(r) = reason {
        paragraphs.push(format!("Reason: {r}"));
    }
    Notice {
        kind: "deal_registration_status".into(),
        subject: format!("Deal registration {} {what}", deal.reference),
        heading: format!("Deal registration {} {what}", deal.reference),
        paragraphs,
        action: Some((
            "See the registration".into(),
            format!("{public_url}/deals/{}", deal.id),
        )),
    }
}

/// "3 × Intercept X Advanced (NFR) (EPIXADB10NN12…)".
fn nfr_line(quantity: i64, description: &str, sku: &str) -> String {
    format!("{quantity} × {description} ({sku})")
}

/// The NFR allotment a reseller got on joining at `level`.
pub fn nfr_allotment_issued(
    level: PartnerLevel,
    joined_on: NaiveDate,
    lines: &[NewOrderLine],
    order: i64,
    public_url: &str,
) -> Notice {
    let mut paragraphs = vec![format!(
        "Welcome to the {} partner program. Your not-for-resale (NFR) allotment is issued at no cost, for 12 months from {joined_on}:",
        level.label()
    )];
    paragraphs.extend(
        lines
            .iter()
            .map(|l| nfr_line(l.quantity, &l.description, &l.sku)),
    );
    paragraphs
        .push("For anything more, ask your channel account manager with an NFR request.".into());
    Notice {
        kind: "nfr_allotment_issued".into(),
        subject: "Your NFR allotment is issued".into(),
        heading: "Your NFR allotment".into(),
        paragraphs,
        action: Some((
            "See the NFR order and its licenses".into(),
            format!("{public_url}/orders/{order}"),
        )),
    }
}

/// A person's password was changed (by them, signed in): the other sessions were ended.
pub fn password_changed(when: &str, public_url: &str) -> Notice {
    Notice {
        kind: "password_changed".into(),
        subject: "Your Partner Portal password was changed".into(),
        heading: "Your password was changed".into(),
        paragraphs: vec![
            format!("Your password was changed on {when}. Every other place you were signed in has been signed out."),
            "If you did not change it, tell your organisation's portal administrator at once: they can disable the account.".into(),
        ],
        action: Some(("Sign in".into(), format!("{public_url}/login"))),
    }
}

/// A reseller's partner level changed, for its `partner_program` role.
pub fn partner_level_changed(
    before: PartnerLevel,
    after: PartnerLevel,
    public_url: &str,
) -> Notice {
    let subject = format!("Your partner level is now {}", after.label());
    Notice {
        kind: "partner_level_changed".into(),
        heading: subject.clone(),
        subject,
        paragraphs: vec![
            format!(
                "The vendor changed your partner level from {} to {}.",
                before.label(),
                after.label()
            ),
            "Quotes made from today propose the partner program discounts of the new level; quotes already sent keep their figures.".into(),
        ],
        action: Some(("Open the portal".into(), format!("{public_url}/"))),
    }
}

/// An NFR request filed (`filed_by`: "\<reseller\> filed it", or the distributor's words), to
/// whoever decides it.
pub fn nfr_requested(
    id: NfrRequestId,
    reference: &str,
    reseller: &str,
    filed_by: &str,
    justification: &str,
    lines: &[RequestLine],
    public_url: &str,
) -> Notice {
    let mut paragraphs = vec![format!("{filed_by}. Justification: {justification}")];
    paragraphs.extend(
        lines
            .iter()
            .map(|l| nfr_line(l.quantity, &l.description, &l.sku)),
    );
    Notice {
        kind: "nfr_request_submitted".into(),
        subject: format!("NFR request {reference} from {reseller} waits for your decision"),
        heading: format!("NFR request {reference}"),
        paragraphs,
        action: Some((
            "Approve or reject it".into(),
            format!("{public_url}/nfr/{id}"),
        )),
    }
}

/// An NFR request approved (with the order that issues it) or rejected (with the reason).
pub fn nfr_decided(
    request: &Request,
    status: &str,
    reason: &str,
    order: Option<&str>,
    public_url: &str,
) -> Notice {
    let mut paragraphs = vec![match order {
        Some(order) => format!(
            "NFR request {} for {} is approved. Order {order} puts the licenses on its schedule at no cost, for 12 months from the day it is processed.",
            request.reference, request.reseller_name
        ),
        None => format!("NFR request {} for {} is rejected.", request.reference, request.reseller_name),
    }];
    if !reason.is_empty() {
        paragraphs.push(format!("Reason: {reason}"));
    }
    Notice {
        kind: "nfr_request_decided".into(),
        subject: format!("NFR request {} {status}", request.reference),
        heading: format!("NFR request {} {status}", request.reference),
        paragraphs,
        action: Some((
            "See the request".into(),
            format!("{public_url}/nfr/{}", request.id),
        )),
    }
}

/// A reseller applied to join the MSP program: to its CAM (or the vendor admins).
pub fn msp_applied(
    id: i64,
    reseller: &str,
    training_completed_on: &str,
    people: &str,
    public_url: &str,
) -> Notice {
    Notice {
        kind: "msp_applied".into(),
        subject: format!("{reseller} applies to join the MSP program"),
        heading: format!("{reseller} applies to join the MSP program"),
        paragraphs: vec![
            format!("The MSP training was completed on {training_completed_on} by {people}."),
            "The partner accepted the program terms. Approve it from a start month, or reject it with a reason.".into(),
        ],
        action: Some((
            "Decide on the application".into(),
            format!("{public_url}/msp/applications/{id}"),
        )),
    }
}

/// The decision on a reseller's MSP program application: to its partner program role and the
/// applicant.
pub fn msp_decided(
    reseller: &str,
    start_month: Option<&str>,
    reason: Option<&str>,
    public_url: &str,
) -> Notice {
    let (status, paragraphs) = match start_month {
        Some(month) => (
            "approved",
            vec![format!(
                "{reseller} is in the MSP program from {month}: report each month's usage per end customer from that month on."
            )],
        ),
        None => (
            "rejected",
            vec![
                format!("The MSP program application of {reseller} is rejected."),
                format!("Reason: {}", reason.unwrap_or("")),
            ],
        ),
    };
    Notice {
        kind: "msp_decided".into(),
        subject: format!("MSP program application {status}"),
        heading: format!("MSP program application {status}"),
        paragraphs,
        action: Some((
            "See the MSP program".into(),
            format!("{public_url}/msp/program"),
        )),
    }
}

/// A lead the vendor (or a CAM) assigned to a reseller.
pub struct LeadAssigned<'a> {
    pub id: LeadId,
    pub by: &'a str,
    pub company: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub interest: &'a str,
}

pub fn lead_assigned(l: &LeadAssigned<'_>, public_url: &str) -> Notice {
    let mut paragraphs = vec![format!(
        "{} assigned you a lead: {}, contact {} <{}>.",
        l.by, l.company, l.contact_name, l.contact_email
    )];
    if !l.interest.is_empty() {
        paragraphs.push(format!("Interested in: {}", l.interest));
    }
    paragraphs.push(
        "Record every contact on the lead: one left idle too long may be given to another partner."
            .into(),
    );
    Notice {
        kind: "lead_assigned".into(),
        subject: format!("New lead: {}", l.company),
        heading: format!("New lead: {}", l.company),
        paragraphs,
        action: Some((
            "Open the lead".into(),
            format!("{public_url}/leads/{}", l.id),
        )),
    }
}

/// The vendor's own message (marketing or partner program): paragraphs are separated by a
/// blank line in `body`.
pub fn vendor_message(kind: &str, subject: &str, body: &str) -> Notice {
    Notice {
        kind: kind.to_string(),
        subject: subject.to_string(),
        heading: subject.to_string(),
        paragraphs: body
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        action: None,
    }
}

/// A quote about to lapse, to its author and the reseller's admins.
pub fn quote_expiring(
    inquiry: crate::domain::InquiryId,
    reference: &str,
    version: i64,
    until: NaiveDate,
    public_url: &str,
) -> Notice {
    Notice {
        kind: "quote_expiring".into(),
        subject: format!("The quote for {reference} ends on {until}"),
        heading: format!("The quote for {reference} ends soon"),
        paragraphs: vec![format!(
            "Quote version {version} for {reference} is valid until {until}. Accept or decline it before then; after that it can no longer be accepted."
        )],
        action: Some((
            "Open the quote".into(),
            format!("{public_url}/inquiries/{inquiry}"),
        )),
    }
}

/// An approved deal registration about to end (`expired`: false) or ended (true).
pub fn deal_ending(
    id: DealId,
    reference: &str,
    end_customer: &str,
    until: NaiveDate,
    expired: bool,
    public_url: &str,
) -> Notice {
    let (what, paragraph) = if expired {
        ("expired", format!("Deal registration {reference} for {end_customer} ended on {until}; quotes no longer get its discount."))
    } else {
        ("expiring", format!("Deal registration {reference} for {end_customer} is valid until {until}. Ask your channel account manager to extend it if the deal is still open."))
    };
    Notice {
        kind: format!("deal_registration_{what}"),
        subject: format!("Deal registration {reference} {what}"),
        heading: format!("Deal registration {reference} {what}"),
        paragraphs: vec![paragraph],
        action: Some((
            "See the registration".into(),
            format!("{public_url}/deals/{id}"),
        )),
    }
}

/// The lines of a reminder that lists many records: the first 25, then how many more.
fn digest(lines: Vec<String>) -> Vec<String> {
    const LISTED: usize = 25;
    let more = lines.len().saturating_sub(LISTED);
    let mut out: Vec<String> = lines.into_iter().take(LISTED).collect();
    if more > 0 {
        out.push(format!("… and {more} more."));
    }
    out
}

/// One subscription a renewal reminder lists.
pub struct RenewalDue {
    /// Days before its end this reminder is (90, 60 or 30).
    pub days: u32,
    pub end: NaiveDate,
    /// "40 × Intercept X Advanced (EPIXAD…) of Harbour Logistics ends on 2026-06-30."
    pub line: String,
    /// The subject when it is the only one.
    pub subject: String,
}

/// A reseller's renewal reminder of the day, listing its subscriptions ending soon.
/// `renew`: for the reseller, the entries to tick on its schedule, so the mail's button leads
/// straight to "Ask for renewal pricing"; distributors get the schedule.
pub fn renewals_due(due: &[&RenewalDue], renew: Option<&[i64]>, public_url: &str) -> Notice {
    let mut paragraphs = digest(due.iter().map(|d| d.line.clone()).collect());
    paragraphs
        .push("A renewal ordered before the end continues a subscription without a gap.".into());
    let (subject, heading) = match due {
        [one] => (
            one.subject.clone(),
            format!(
                "Renewal due in {}",
                crate::domain::paging::counted(one.days, "day", "days")
            ),
        ),
        _ => {
            let last = due.iter().map(|d| d.end).max().unwrap_or_default();
            (
                format!("{} subscriptions end by {last}", due.len()),
                format!("Renewals due by {last}"),
            )
        }
    };
    Notice {
        kind: "renewal_reminder".into(),
        subject,
        heading,
        paragraphs,
        action: Some(match renew {
            Some(ids) => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                let first = due.iter().map(|d| d.end).min().unwrap_or_default();
                let last = due.iter().map(|d| d.end).max().unwrap_or_default();
                (
                    "Ask for renewal pricing".into(),
                    format!(
                        "{public_url}/licenses?ends_from={first}&ends_to={last}&renew={}",
                        ids.join(",")
                    ),
                )
            }
            None => (
                "See the license schedule".into(),
                format!("{public_url}/licenses?status=expiring"),
            ),
        }),
    }
}

/// A reseller's reminder of its leads about to expire: (company, expiry day) each.
pub fn leads_expiring(leads: &[(i64, &str, NaiveDate)], public_url: &str) -> Notice {
    let mut paragraphs = digest(
        leads
            .iter()
            .map(|(_, company, on)| format!("{company} expires on {on}."))
            .collect(),
    );
    paragraphs.push(
        "Add a note of any contact, or change the status or next step, to keep a lead open; an expired lead is read-only."
            .into(),
    );
    let subject = match leads {
        [(_, company, on)] => format!("Lead {company} expires on {on}"),
        _ => format!("{} leads expire soon", leads.len()),
    };
    Notice {
        kind: "lead_expiring".into(),
        heading: subject.clone(),
        subject,
        paragraphs,
        action: Some(match leads {
            [(id, _, _)] => ("See the lead".into(), format!("{public_url}/leads/{id}")),
            _ => ("See your leads".into(), format!("{public_url}/leads")),
        }),
    }
}

/// Leads the sweep expired: (company, last activity), for the reseller's new-leads role.
pub fn leads_expired(leads: &[(i64, &str, NaiveDate)], days: u32, public_url: &str) -> Notice {
    let mut paragraphs = digest(
        leads
            .iter()
            .map(|(_, company, last)| format!("{company} (last activity {last})."))
            .collect(),
    );
    paragraphs.push(format!(
        "{} expired after more than {} without activity and {} read-only now.",
        if leads.len() == 1 { "It" } else { "They" },
        crate::domain::paging::counted(days, "day", "days"),
        if leads.len() == 1 { "is" } else { "are" },
    ));
    let subject = match leads {
        [(_, company, _)] => format!("Lead {company} has expired"),
        _ => format!("{} leads have expired", leads.len()),
    };
    Notice {
        kind: "lead_expired".into(),
        heading: subject.clone(),
        subject,
        paragraphs,
        action: Some(match leads {
            [(id, _, _)] => ("See the lead".into(), format!("{public_url}/leads/{id}")),
            _ => (
                "See your expired leads".into(),
                format!("{public_url}/leads?status=expired"),
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_reminder_lists_25_and_counts_the_rest() {
        let on = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default();
        let leads: Vec<String> = (1..=27).map(|i| format!("Lead {i}")).collect();
        let refs: Vec<(i64, &str, NaiveDate)> = leads.iter().map(|c| (7, c.as_str(), on)).collect();
        let n = leads_expiring(&refs, "http://p");
        assert_eq!(n.subject, "27 leads expire soon");
        assert_eq!(n.paragraphs.len(), 25 + 1 + 1);
        assert_eq!(n.paragraphs[25], "… and 2 more.");
        let one = leads_expiring(&refs[..1], "http://p");
        assert_eq!(one.subject, "Lead Lead 1 expires on 2026-04-01");
        // One lead: the mail links the lead itself, not the list.
        assert_eq!(one.action.map(|a| a.1).as_deref(), Some("http://p/leads/7"));
    }

    #[test]
    fn a_vendor_message_keeps_its_paragraphs_and_drops_blank_ones() {
        let n = vendor_message(
            "marketing",
            "News",
            " First.\n\n\n\nSecond line\nof two. \n\n",
        );
        assert_eq!(n.paragraphs, ["First.", "Second line\nof two."]);
        assert_eq!((n.subject.as_str(), n.heading.as_str()), ("News", "News"));
        assert!(n.action.is_none());
    }
}
