//! Turning an event into outbox rows: recipients through contact roles (with the fallback
//! rule), rendered bodies, one dedupe key per event and recipient. Callers pass their own
//! transaction, so the mail is queued exactly when the change that causes it commits.

use crate::db::contact_roles::{self, Group};
use crate::db::outbox;
use crate::domain::contact::{recipients, ContactRole, Person};
use crate::domain::OrgId;
use askama::Template;
use rand::distributions::{Alphanumeric, DistString};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// What a notice says; the greeting and footer are added around it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: String,
    pub subject: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// (label, absolute URL)
    pub action: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    name: &'a str,
    paragraphs: &'a [String],
    action: &'a Option<(String, String)>,
    unsubscribe_url: &'a Option<String>,
    role: &'a str,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    name: &'a str,
    heading: &'a str,
    paragraphs: &'a [String],
    action: &'a Option<(String, String)>,
    unsubscribe_url: &'a Option<String>,
    role: &'a str,
}

/// Queues `notice` for one person. `event` identifies the event (with the recipient it makes
/// the dedupe key). Marketing notices carry a single-use unsubscribe link for that one role.
pub async fn queue_for(
    conn: &mut AnyConnection,
    person: &Person,
    role: ContactRole,
    event: &str,
    notice: &Notice,
    public_url: &str,
    now: i64,
) -> anyhow::Result<bool> {
    queue(conn, person, role, event, notice, public_url, now, false).await
}

/// [`queue_for`]; `held` keeps the message until the (invited) person has chosen a password.
#[allow(clippy::too_many_arguments)]
async fn queue(
    conn: &mut AnyConnection,
    person: &Person,
    role: ContactRole,
    event: &str,
    notice: &Notice,
    public_url: &str,
    now: i64,
    held: bool,
) -> anyhow::Result<bool> {
    let dedupe_key = format!("{event}:{}", person.email);
    // The outbox drops a second message with the same key; a marketing one is looked for
    // first, so that no unsubscribe token is made for a message that is not sent.
    let marketing = role == ContactRole::Marketing;
    if marketing && crate::db::outbox::queued_before(conn, &dedupe_key).await? {
        return Ok(false);
    }
    let unsubscribe_url = if marketing {
        let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 40);
        crate::db::contact_roles::insert_unsubscribe_token(
            conn,
            &crate::domain::token::hash(&token),
            person.user_id,
            role.as_str(),
            now,
        )
        .await?;
        Some(format!("{public_url}/unsubscribe?token={token}"))
    } else {
        None
    };
    let text = NoticeText {
        name: &person.name,
        paragraphs: &notice.paragraphs,
        action: &notice.action,
        unsubscribe_url: &unsubscribe_url,
        role: role.label(),
    }
    .render()?;
    let html = NoticeHtml {
        name: &person.name,
        heading: &notice.heading,
        paragraphs: &notice.paragraphs,
        action: &notice.action,
        unsubscribe_url: &unsubscribe_url,
        role: role.label(),
    }
    .render()?;
    let mail = outbox::NewMail {
        dedupe_key,
        kind: notice.kind.clone(),
        to_address: person.email.clone(),
        to_name: person.name.clone(),
        subject: notice.subject.clone(),
        text_body: text,
        html_body: html,
        unsubscribe_url,
        held_for: held.then_some(crate::domain::UserId(person.user_id)),
    };
    let queued = outbox::enqueue(&mut *conn, &mail, now).await?;
    Ok(queued)
}

/// Queues a notice about a person's own account (their password changed): it goes to them
/// whatever roles they hold, and has no unsubscribe link.
pub async fn queue_personal(
    conn: &mut AnyConnection,
    person: &Person,
    event: &str,
    notice: &Notice,
    public_url: &str,
    now: i64,
) -> anyhow::Result<bool> {
    // Any role but marketing: the role only decides the unsubscribe link.
    queue_for(
        conn,
        person,
        ContactRole::PartnerProgram,
        event,
        notice,
        public_url,
        now,
    )
    .await
}

/// Queues `notice` for whoever receives `role`'s notices in the organisation; returns the
/// people it was queued for (empty for marketing nobody holds).
pub async fn notify_role(
    conn: &mut AnyConnection,
    org: OrgId,
    role: ContactRole,
    event: &str,
    notice: &Notice,
    public_url: &str,
    now: i64,
) -> anyhow::Result<Vec<Person>> {
    Audiences::new(public_url, now)
        .notify(conn, org, role, event, notice)
        .await
}

/// Who receives each organisation's notices of each role, read once: a batch job (the sweep)
/// tells thousands of organisations, and the same distributors over and over. The flag says
/// the people are invited admins of an organisation with nobody active yet: their messages
/// wait until they have accepted the invitation, which stays their first mail.
pub struct Audiences<'u> {
    people: HashMap<(OrgId, ContactRole), (Vec<Person>, bool)>,
    /// The portal's address, for links, and the time the messages are queued at.
    public_url: &'u str,
    now: i64,
}

impl<'u> Audiences<'u> {
    pub fn new(public_url: &'u str, now: i64) -> Audiences<'u> {
        Audiences {
            people: HashMap::new(),
            public_url,
            now,
        }
    }

    /// Reads who receives `role`'s notices in each of `orgs` not read yet: a few statements
    /// for a thousand organisations, instead of two or three for each.
    pub async fn read(
        &mut self,
        conn: &mut AnyConnection,
        role: ContactRole,
        orgs: impl IntoIterator<Item = OrgId>,
    ) -> anyhow::Result<()> {
        let mut new: Vec<OrgId> = orgs
            .into_iter()
            .filter(|o| !self.people.contains_key(&(*o, role)))
            .collect();
        new.sort_unstable();
        new.dedup();
        if new.is_empty() {
            return Ok(());
        }
        let mut holders = contact_roles::people_of(conn, &new, Group::Holders(role)).await?;
        let mut admins = contact_roles::people_of(conn, &new, Group::Admins).await?;
        let mut waiting = Vec::new();
        for org in new {
            let holders = holders.remove(&org).unwrap_or_default();
            let admins = admins.remove(&org).unwrap_or_default();
            let people = recipients(role, &holders, &admins);
            if people.is_empty() && admins.is_empty() && role.falls_back_to_admins() {
                waiting.push(org);
            } else {
                self.people.insert((org, role), (people, false));
            }
        }
        if !waiting.is_empty() {
            let mut invited =
                contact_roles::people_of(conn, &waiting, Group::InvitedAdmins).await?;
            for org in waiting {
                let people = invited.remove(&org).unwrap_or_default();
                self.people.insert((org, role), (people, true));
            }
        }
        Ok(())
    }

    /// [`notify_role`], with the recipients read at most once per organisation and role
    /// (ahead of time for many organisations with [`Audiences::read`]).
    pub async fn notify(
        &mut self,
        conn: &mut AnyConnection,
        org: OrgId,
        role: ContactRole,
        event: &str,
        notice: &Notice,
    ) -> anyhow::Result<Vec<Person>> {
        self.read(conn, role, [org]).await?;
        let Some((people, held)) = self.people.get(&(org, role)) else {
            return Ok(Vec::new());
        };
        let (public_url, now) = (self.public_url, self.now);
        let mut queued = Vec::new();
        for p in people {
            if queue(conn, p, role, event, notice, public_url, now, *held).await? {
                queued.push(p.clone());
            }
        }
        Ok(queued)
    }
}
