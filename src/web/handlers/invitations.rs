//! The invitation link: a signed-out page where an invited person chooses their password
//! (the link is the credential; the form carries the signed-out double-submit token). A
//! used, expired or withdrawn link says what happened and what to do.

use crate::app;
use crate::app::invitations::Standing;
use crate::web::csrf::CsrfForm;
use crate::web::extractors::client_ip;
use crate::web::forms::FieldErrors;
use crate::web::session::TypedSession;
use crate::web::{render, AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/invitation.html")]
pub struct InvitationPage {
    pub csrf: String,
    pub token: String,
    /// Set for an open link: the person and their organisation.
    pub person: Option<(String, String, String)>,
    /// For a link that no longer works: what happened and what to do.
    pub closed: Option<String>,
    pub errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct ChoiceForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

fn ask(admins: &[String], org: &str) -> String {
    match admins {
        [] => format!("Ask the portal administrator of {org} to send you a new one."),
        [one] => format!("Ask {one} at {org} to send you a new one."),
        [first @ .., last] => format!(
            "Ask {} or {last} at {org} to send you a new one.",
            first.join(", ")
        ),
    }
}

/// The page for `token`, and the status it answers with.
async fn view(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    errors: FieldErrors,
) -> Result<
    (
        InvitationPage,
        StatusCode,
        actix_web::cookie::Cookie<'static>,
    ),
    AppError,
> {
    let (csrf, cookie) = crate::web::csrf::login_token(req, state.demo);
    let standing = app::invitations::look_up(&state.db, token, state.clock.timestamp()).await?;
    let mut page = InvitationPage {
        csrf,
        token: token.to_string(),
        person: None,
        closed: None,
        errors,
    };
    let status = match standing {
        Standing::Open(found) => {
            page.person = Some((found.display_name, found.email, found.org_name));
            StatusCode::OK
        }
        Standing::Unknown => {
            page.closed = Some("This invitation link is not valid: check that the whole link from the e-mail is in the address bar. If it still does not work, ask your organisation's portal administrator to send a new invitation.".into());
            StatusCode::NOT_FOUND
        }
        Standing::Used(found) => {
            page.closed = Some(format!(
                "This invitation was used on {} to choose the password of {}. Sign in with that e-mail address and your password.",
                crate::clock::format_timestamp(found.used_at.unwrap_or_default()),
                found.email
            ));
            StatusCode::GONE
        }
        Standing::Expired(found, admins) => {
            page.closed = Some(format!(
                "This invitation expired on {}. {}",
                crate::clock::format_timestamp(found.expires_at),
                ask(&admins, &found.org_name)
            ));
            StatusCode::GONE
        }
        Standing::Withdrawn(found, admins) => {
            page.closed = Some(format!(
                "This invitation was withdrawn, or a newer one was sent: use the link in the newest invitation e-mail. {}",
                ask(&admins, &found.org_name).replace("to send you a new one", "if you have none")
            ));
            StatusCode::GONE
        }
    };
    Ok((page, status, cookie))
}

fn respond(
    page: &InvitationPage,
    status: StatusCode,
    cookie: &actix_web::cookie::Cookie<'static>,
) -> Result<HttpResponse, AppError> {
    let mut response = render::html(status, page)?;
    response
        .add_cookie(cookie)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("could not set the form cookie: {e}")))?;
    Ok(response)
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (page, status, cookie) = view(&req, &state, &token, FieldErrors::default()).await?;
    respond(&page, status, &cookie)
}

/// Sets the password chosen, activates the account and signs the person in.
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    form: CsrfForm<ChoiceForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.timestamp();
    let Standing::Open(found) = app::invitations::look_up(&state.db, &token, now).await? else {
        let (page, status, cookie) = view(&req, &state, &token, FieldErrors::default()).await?;
        return respond(&page, status, &cookie);
    };
    let actor = crate::db::audit::Actor {
        ip: client_ip(&req),
        ..Default::default()
    };
    let choice = app::invitations::Choice {
        password: form.0.password,
        confirm: form.0.confirm,
    };
    match app::invitations::accept(&state.db, &actor, &found, choice, now).await {
        Ok(user) => {
            let agent = req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            session.log_in(user, now, actor.ip.as_deref(), agent)?;
            session.flash(
                "success",
                format!(
                    "Welcome, {}. Your password is set; from now on you sign in with {} and that password.",
                    found.display_name, found.email
                ),
            )?;
            Ok(render::see_other("/"))
        }
        Err(app::Error::Invalid(errors)) => {
            let (page, _, cookie) = view(&req, &state, &token, errors).await?;
            respond(&page, StatusCode::UNPROCESSABLE_ENTITY, &cookie)
        }
        Err(app::Error::Conflict(_)) => {
            let (page, status, cookie) = view(&req, &state, &token, FieldErrors::default()).await?;
            respond(&page, status, &cookie)
        }
        Err(e) => Err(e.into()),
    }
}
