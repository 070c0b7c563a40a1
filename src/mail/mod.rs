//! Mail: notices are rendered and written to the outbox by `notify`, and delivered by the
//! `worker` over SMTP (lettre) when SMTP_URL is set, or else as `.eml` files in the mailbox
//! folder that demo mode shows at /mailbox.

pub mod eml;
pub mod notices;
pub mod notify;
pub mod worker;

use crate::config::Settings;
use crate::db::outbox::Mail;
use anyhow::Context;
use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// `List-Unsubscribe` (RFC 2369), for marketing mail.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Mailbox(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .with_context(|| format!("MAIL_FROM {:?} is not a mail address", settings.mail_from))?;
        let transport = match &settings.smtp_url {
            Some(url) if !url.is_empty() => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
            _ => Transport::Mailbox(PathBuf::from(&settings.mailbox_dir)),
        };
        Ok(Mailer { transport, from })
    }

    pub fn mailbox_dir(&self) -> Option<&PathBuf> {
        match &self.transport {
            Transport::Mailbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Builds the message of an outbox row: plain text and HTML, From, To, Date, Message-ID,
    /// and the unsubscribe headers for marketing.
    pub fn build(&self, mail: &Mail, at: SystemTime) -> Result<(Message, String), String> {
        let to: Mailbox = if mail.to_name.is_empty() {
            mail.to_address.parse()
        } else {
            format!(
                "{} <{}>",
                mail.to_name.replace(['<', '>', '"'], ""),
                mail.to_address
            )
            .parse()
        }
        .map_err(|e| format!("the address {:?} is not valid: {e}", mail.to_address))?;
        let domain = self.from.email.domain().to_string();
        let message_id = format!("<outbox-{}.{}@{domain}>", mail.id, mail.created_at);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .date(at)
            .message_id(Some(message_id.clone()));
        if let Some(url) = &mail.unsubscribe_url {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        let body = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::QuotedPrintable)
                    .body(mail.text_body.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .header(ContentTransferEncoding::QuotedPrintable)
                    .body(mail.html_body.clone()),
            );
        let message = builder
            .multipart(body)
            .map_err(|e| format!("the message could not be built: {e}"))?;
        Ok((message, message_id))
    }

    /// Delivers one message; the error text is kept on the outbox row.
    pub async fn deliver(&self, mail: &Mail, at: SystemTime) -> Result<String, String> {
        let (message, message_id) = self.build(mail, at)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| format!("SMTP: {e}"))?;
            }
            Transport::Mailbox(dir) => {
                let stamp = at
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let path = dir.join(format!("{stamp}-{:06}.eml", mail.id));
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
        Ok(message_id)
    }
}
