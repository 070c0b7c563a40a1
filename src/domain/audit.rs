//! Audit log entries in words: who did what to which record, as a sentence ("Casey Morgan
//! decided deal registration DR-2026-0002"), never the event key it is stored under.

/// The sentence of an entry: `who` is the person's name (or their e-mail address, or "The
/// portal" for a job), `subject` the record the entry names.
pub fn sentence(who: &str, action: &str, subject: &str) -> String {
    let s = subject;
    let what = match action {
        "login" => "signed in".to_string(),
        "login_failed" => return format!("A sign-in as {s} failed"),
        "login_throttled" => return format!("Sign-ins as {s} were paused after too many attempts"),
        "logout" => "signed out".into(),
        "password_changed" => "changed their password".into(),
        "sessions_ended" => "signed out their other sessions".into(),
        "permission_refused" => format!("was refused: they may not {s}"),
        "api_token_created" => format!("created the API token “{s}”"),
        "api_token_revoked" => format!("revoked the API token “{s}”"),
        "webhook_registered" => format!("added the webhook endpoint {s}"),
        "webhook_changed" => format!("changed the webhook endpoint {s}"),
        "webhook_secret_rotated" => format!("gave the webhook endpoint {s} a new signing secret"),
        "webhook_deleted" => format!("deleted the webhook endpoint {s}"),
        "catalogue_imported" => "imported the catalogue".into(),
        "catalogue_item_updated" => format!("changed the catalogue item {s}"),
        "contact_role_changed" => format!("changed the contact roles of {s}"),
        "deal_registration_submitted" => format!("submitted deal registration {s}"),
        "deal_registration_decided" => format!("decided deal registration {s}"),
        "deal_registration_approved" => format!("approved deal registration {s}"),
        "deal_registration_approved_in_part" => {
            format!("approved deal registration {s} in part")
        }
        "deal_registration_rejected" => format!("rejected deal registration {s}"),
        "deal_registration_extended" => format!("extended deal registration {s}"),
        "inquiry_created" => format!("started pricing inquiry {s}"),
        "inquiry_submitted" => format!("submitted pricing inquiry {s}"),
        "invitation_accepted" => "accepted their invitation and chose a password".into(),
        "invitation_sent" => format!("sent a new invitation to {s}"),
        "invitation_withdrawn" => format!("withdrew the invitation of {s}"),
        "user_invited" => format!("invited {s}"),
        "user_created" => format!("added the user {s}"),
        "user_updated" => format!("changed the user {s}"),
        "user_disabled" => format!("disabled the user {s}"),
        "user_enabled" => format!("enabled the user {s}"),
        "lead_created" => format!("added {s}"),
        "lead_assigned" => format!("assigned {s}"),
        "lead_reassigned" => format!("gave {s} to another partner"),
        "legacy_dates_changed" => "changed the dates of the legacy SKUs".into(),
        "licenses_imported" => "imported legacy licenses".into(),
        "mail_retried" => format!("sent the message to {s} again"),
        "maintenance_scheduled" => "scheduled a maintenance window".into(),
        "maintenance_cancelled" => "cancelled a maintenance window".into(),
        "message_sent" => format!("sent the message “{s}”"),
        "msp_month_closed" => format!("closed the MSP month {s}"),
        "msp_applied" => format!("applied for {s} to join the MSP program"),
        "msp_application_approved" => format!("approved the MSP program application of {s}"),
        "msp_application_rejected" => format!("rejected the MSP program application of {s}"),
        "msp_ended" => format!("ended the MSP status of {s}"),
        "msp_terms_changed" => "changed the MSP program terms".into(),
        "msp_usage_reported" => format!("reported MSP usage for {s}"),
        "nfr_allotment_changed" => "changed the NFR allotment table".into(),
        "nfr_requested" => format!("asked for NFR licenses with {s}"),
        "nfr_decided" => format!("decided NFR request {s}"),
        "order_placed" => format!("placed order {s}"),
        "orders_processed" => "processed the waiting orders".into(),
        "organisation_created" => format!("created the organisation {s}"),
        "organisation_updated" => format!("changed the organisation {s}"),
        "po_rule_changed" => "changed the purchase-order rule".into(),
        "pricing_rules_changed" => "changed the pricing rules".into(),
        "promotion_added" => format!("added the promotion {s}"),
        "promotion_deleted" => format!("deleted the promotion {s}"),
        "quote_sent" => format!("sent a quote for {s}"),
        "quote_accepted" => format!("accepted the quote for {s}"),
        "quote_declined" => format!("declined the quote for {s}"),
        "time_limits_changed" => "changed the time limits".into(),
        other => {
            let words = other.replace('_', " ");
            if s.is_empty() {
                words
            } else {
                format!("{words}: {s}")
            }
        }
    };
    format!("{who} {what}")
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn entries_read_as_sentences_with_the_record_named() {
        assert_eq!(
            sentence(
                "Casey Morgan",
                "deal_registration_approved",
                "DR-2026-0002 for Blue Harbor Pharmacy"
            ),
            "Casey Morgan approved deal registration DR-2026-0002 for Blue Harbor Pharmacy"
        );
        assert_eq!(
            sentence("Dana Ortiz", "user_invited", "morgan@reseller.example"),
            "Dana Ortiz invited morgan@reseller.example"
        );
        assert_eq!(
            sentence("x", "login_failed", "who@example.com"),
            "A sign-in as who@example.com failed"
        );
        // An action without words of its own still reads without underscores.
        assert_eq!(
            sentence("The portal", "new_thing", ""),
            "The portal new thing"
        );
    }
}
