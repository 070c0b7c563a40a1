//! The page that asks before a binding or destructive action: it says what will happen, and
//! a form posts the same fields again with `confirm=yes`. Without JavaScript it is a plain
//! page between two posts.

use crate::web::chrome::Chrome;
use crate::web::{render, AppError};
use actix_web::HttpResponse;
use askama::Template;

/// What the page asks and does.
#[derive(Debug, Clone, Default)]
pub struct Confirm {
    /// "Approve NFR-2026-0003 for Acme Secure IT?"
    pub question: String,
    /// What happens, a sentence each.
    pub consequences: Vec<String>,
    /// Text the person typed that goes with the action (label, text), shown back to them.
    pub quoted: Vec<(String, String)>,
    /// Where the form posts, and the fields it sends again.
    pub action: String,
    pub fields: Vec<(String, String)>,
    /// "Yes, approve".
    pub button: String,
    /// The record to go back to: (label, path).
    pub back: (String, String),
}

/// Whether a form's `confirm` field says the person confirmed.
pub fn confirmed(field: &str) -> bool {
    field == "yes"
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    page: Confirm,
}

/// The confirmation page, in the frame of the section `nav`.
pub fn page(chrome: Chrome, page: Confirm) -> Result<HttpResponse, AppError> {
    render::page(&ConfirmPage { chrome, page })
}
