//! Demo mode's mailbox: the mail the portal "sent" (the `.eml` files of the mailbox folder),
//! newest first, readable as mail. The vendor admin sees every message; everybody else
//! sees the messages addressed to them. Outside demo mode there is no mailbox.

use crate::mail::eml::{self, Eml};
use crate::web::chrome::Chrome;
use crate::web::extractors::CurrentUser;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use std::path::PathBuf;

pub struct Entry {
    pub file: String,
    pub eml: Eml,
}

#[derive(Template)]
#[template(path = "pages/mailbox.html")]
pub struct MailboxPage {
    pub chrome: Chrome,
    pub entries: Vec<Entry>,
    pub everyone: bool,
}

#[derive(Template)]
#[template(path = "pages/mailbox_message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub entry: Entry,
}

fn mailbox_dir(user: &CurrentUser) -> Result<PathBuf, AppError> {
    if !user.state.demo {
        return Err(AppError::NotFound);
    }
    Ok(user
        .state
        .mailer
        .mailbox_dir()
        .cloned()
        .unwrap_or_else(|| PathBuf::from(&user.state.settings.mailbox_dir)))
}

fn visible(user: &CurrentUser, eml: &Eml) -> bool {
    user.role.is_vendor_admin() || eml.to.to_lowercase().contains(&format!("<{}>", user.email))
}

async fn read(dir: &std::path::Path, file: &str) -> Option<Entry> {
    let raw = tokio::fs::read_to_string(dir.join(file)).await.ok()?;
    Some(Entry {
        file: file.to_string(),
        eml: eml::parse(&raw),
    })
}

pub async fn list(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let dir = mailbox_dir(&user)?;
    let mut files: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".eml"))
            .collect(),
        Err(_) => vec![],
    };
    // File names start with the sending time: newest first.
    files.sort_by(|a, b| b.cmp(a));
    let mut entries = Vec::new();
    for f in files.iter().take(500) {
        if let Some(e) = read(&dir, f).await.filter(|e| visible(&user, &e.eml)) {
            entries.push(e);
        }
    }
    let page = MailboxPage {
        chrome: Chrome::new(&user, "/mailbox", "Mailbox (demo)")?,
        entries,
        everyone: user.role.is_vendor_admin(),
    };
    render::page(&page)
}

pub async fn message(user: CurrentUser, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let dir = mailbox_dir(&user)?;
    let file = path.into_inner();
    let safe = file.ends_with(".eml")
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !safe || file.contains("..") {
        return Err(AppError::NotFound);
    }
    let entry = read(&dir, &file)
        .await
        .filter(|e| visible(&user, &e.eml))
        .ok_or(AppError::NotFound)?;
    let chrome = Chrome::new(&user, "/mailbox", entry.eml.subject.clone())?;
    render::page(&MessagePage { chrome, entry })
}
