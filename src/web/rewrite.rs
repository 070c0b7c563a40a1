//! Rewrites of rendered pages that every page needs and no handler should repeat:
//!
//! - **Refill after a 409**: a form refused because its record changed meanwhile is kept (see
//!   [`keep`]); the next time its page opens, that form holds what the person typed, over the
//!   record as it is now (its version and hidden fields stay the page's own), with a note
//!   saying so.
//! - **Paused sections**: during a maintenance window, links into a section it closes become
//!   plain text and buttons of forms that post into one are disabled, so nobody is sent to a
//!   503 from a page that still works.
//!
//! Both use lol_html, a streaming HTML rewriter driven by CSS selectors, rather than scanning
//! the HTML by hand.

use crate::web::error::Typed;
use crate::web::AppState;
use actix_session::{Session, SessionExt};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use lol_html::html_content::{ContentType, Element};
use lol_html::{element, rewrite_str, RewriteStrSettings};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

const KEY: &str = "refill";

/// A refused form, kept for the page that opens its record again.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Refill {
    /// The page (path and query) that opens the record again.
    pub page: String,
    /// The refused form's action: only that form is filled.
    pub action: String,
    /// What was posted, in order (tokens, versions and passwords left out).
    pub fields: Vec<(String, String)>,
    /// The typed text as the 409 page showed it (label, text), for a page that no longer
    /// offers the form.
    pub shown: Vec<(String, String)>,
}

/// Said at the top of the page when the refused form is no longer on it.
#[derive(askama::Template)]
#[template(path = "partials/not_refilled.html")]
struct NotRefilled<'a> {
    shown: &'a [(String, String)],
}

/// The note at the top of a refilled form.
pub const NOTE: &str = "This form holds what you typed before. It was not saved because someone \
changed this record meanwhile: check the record as it is now, then save again.";

/// Fields never put back: they belong to the page as it is now, or must be typed again.
fn kept(name: &str) -> bool {
    name != "csrf_token"
        && name != "version"
        && name != "confirm"
        && !name.contains("password")
        && !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
}

/// A path that can stand in a CSS attribute selector: the portal's own, without quotes.
fn safe_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 500
        && !path
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '\n' | '\r') || c.is_control())
}

impl Refill {
    pub fn new(page: String, action: String, typed: &Typed) -> Option<Refill> {
        let fields: Vec<(String, String)> = typed
            .0
            .iter()
            .filter(|(name, _)| kept(name))
            .map(|(n, v)| (n.clone(), v.chars().take(10_000).collect::<String>()))
            .take(500)
            // The session keeps at most about 64 kB of it.
            .scan(0usize, |size, (n, v)| {
                *size += n.len() + v.len();
                (*size <= 64_000).then_some((n, v))
            })
            .collect();
        (safe_path(&page) && safe_path(&action) && !fields.is_empty()).then(|| Refill {
            page,
            action,
            fields,
            shown: typed.shown(),
        })
    }
}

/// Keeps `refill` for its page; says whether it could.
pub fn keep(session: &Session, refill: Refill) -> bool {
    session.insert(KEY, refill).is_ok()
}

/// The refill waiting for `page`, once.
fn take_for(session: &Session, page: &str) -> Option<Refill> {
    let refill = session.get::<Refill>(KEY).ok().flatten()?;
    if refill.page != page {
        return None;
    }
    session.remove(KEY);
    Some(refill)
}

/// Per form field name, the values posted (in order) and how many of them were used.
#[derive(Default)]
struct Posted {
    values: HashMap<String, (Vec<String>, usize)>,
    select: Option<String>,
    filled: bool,
}

impl Posted {
    fn next(&mut self, name: &str) -> Option<String> {
        let (values, used) = self.values.get_mut(name)?;
        let value = values.get(*used).cloned();
        *used += 1;
        value
    }
    fn has(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|(values, _)| values.iter().any(|v| v == value))
    }
}

fn fill_input(el: &mut Element, posted: &mut Posted) {
    let Some(name) = el.get_attribute("name") else {
        return;
    };
    if !kept(&name) {
        return;
    }
    let kind = el
        .get_attribute("type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    match kind.as_str() {
        "hidden" | "password" | "file" | "submit" | "button" | "reset" | "image" => {}
        "checkbox" | "radio" => {
            let value = el.get_attribute("value").unwrap_or_else(|| "on".into());
            if posted.has(&name, &value) {
                let _ = el.set_attribute("checked", "");
            } else {
                el.remove_attribute("checked");
            }
        }
        _ => {
            if let Some(value) = posted.next(&name) {
                // lol_html escapes the quotes of a value but reads its entities: a typed "&"
                // must stay an "&".
                let _ = el.set_attribute("value", &value.replace('&', "&amp;"));
            }
        }
    }
}

/// `html` with the form whose action is `refill.action` holding the refill's values and the
/// note at its top; when the page no longer has that form, what was typed is shown at the top
/// of its main part instead.
pub fn refill(html: &str, refill: &Refill) -> Option<String> {
    fill(html, refill).or_else(|| {
        let note = askama::Template::render(&NotRefilled {
            shown: &refill.shown,
        })
        .ok()?;
        let handlers = vec![element!("main", move |el| {
            el.prepend(&note, ContentType::Html);
            Ok(())
        })];
        run(html, handlers)
    })
}

/// `html` with the form whose action is `refill.action` holding the refill's values, and the
/// note at its top; `None` when the page has no such form.
fn fill(html: &str, refill: &Refill) -> Option<String> {
    let mut values: HashMap<String, (Vec<String>, usize)> = HashMap::new();
    for (name, value) in &refill.fields {
        values
            .entry(name.clone())
            .or_default()
            .0
            .push(value.clone());
    }
    let posted = Rc::new(RefCell::new(Posted {
        values,
        ..Posted::default()
    }));
    let form = format!("form[action=\"{}\"]", refill.action);
    // `element!` unwraps the parse of its selector: parse the one built from the stored
    // action first, so a path the parser refuses leaves the page as it is.
    if format!("{form} select[name] option")
        .parse::<lol_html::Selector>()
        .is_err()
    {
        return None;
    }
    let (p1, p2, p3, p4, p5) = (
        posted.clone(),
        posted.clone(),
        posted.clone(),
        posted.clone(),
        posted.clone(),
    );
    let handlers = vec![
        element!(form.as_str(), move |el| {
            p1.borrow_mut().filled = true;
            el.prepend(
                &format!("<p class=\"flash flash-warning\" role=\"status\">{NOTE}</p>"),
                ContentType::Html,
            );
            Ok(())
        }),
        element!(format!("{form} input[name]"), move |el| {
            fill_input(el, &mut p2.borrow_mut());
            Ok(())
        }),
        element!(format!("{form} textarea[name]"), move |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            if let Some(value) = kept(&name).then(|| p3.borrow_mut().next(&name)).flatten() {
                el.set_inner_content(&value, ContentType::Text);
            }
            Ok(())
        }),
        element!(format!("{form} select[name]"), move |el| {
            p4.borrow_mut().select = el.get_attribute("name").filter(|n| kept(n));
            Ok(())
        }),
        element!(format!("{form} select[name] option"), move |el| {
            let posted = p5.borrow();
            let Some(select) = posted.select.as_deref() else {
                return Ok(());
            };
            if !posted.values.contains_key(select) {
                return Ok(());
            }
            let value = el.get_attribute("value").unwrap_or_default();
            if posted.has(select, &value) {
                let _ = el.set_attribute("selected", "");
            } else {
                el.remove_attribute("selected");
            }
            Ok(())
        }),
    ];
    let out = run(html, handlers)?;
    let filled = posted.borrow().filled;
    filled.then_some(out)
}

/// `html` rewritten by `handlers` (`None` if the rewriter gives up on it).
fn run<'h>(
    html: &str,
    handlers: Vec<(
        std::borrow::Cow<'_, lol_html::Selector>,
        lol_html::ElementContentHandlers<'h>,
    )>,
) -> Option<String> {
    let settings = handlers.into_iter().fold(
        RewriteStrSettings::new(),
        RewriteStrSettings::append_element_content_handler,
    );
    rewrite_str(html, settings).ok()
}

/// `html` with links into `paused` sections as plain text and the buttons of forms posting
/// into them disabled ("paused for maintenance" beside them).
pub fn pause(html: &str, paused: &[&str]) -> Option<String> {
    let is_paused = |target: &str| {
        crate::web::maintenance::section_of(target).is_some_and(|s| paused.contains(&s))
    };
    let in_paused_form = Rc::new(RefCell::new(false));
    let (f1, f2) = (in_paused_form.clone(), in_paused_form.clone());
    let handlers = vec![
        element!("a[href]", move |el| {
            if el.get_attribute("href").is_some_and(|h| is_paused(&h)) {
                el.set_tag_name("span")?;
                el.remove_attribute("href");
                el.set_attribute("class", "paused-link")?;
                el.set_attribute("title", "Paused for maintenance")?;
            }
            Ok(())
        }),
        element!("form", move |el| {
            let paused_form = el.get_attribute("action").is_some_and(|a| is_paused(&a));
            *f1.borrow_mut() = paused_form;
            if paused_form {
                let flag = f1.clone();
                if let Some(handlers) = el.end_tag_handlers() {
                    let reset: lol_html::EndTagHandler<'static> =
                        Box::new(move |_end: &mut lol_html::html_content::EndTag<'_>| {
                            *flag.borrow_mut() = false;
                            Ok(())
                        });
                    handlers.push(reset);
                }
            }
            Ok(())
        }),
        element!("button, input[type=submit]", move |el| {
            if *f2.borrow() {
                el.set_attribute("disabled", "")?;
                el.after(
                    " <span class=\"muted\">(paused for maintenance)</span>",
                    ContentType::Html,
                );
            }
            Ok(())
        }),
    ];
    run(html, handlers)
}

fn is_html(res: &actix_web::HttpResponse) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The sections a maintenance window closes at this moment.
async fn paused_now(req: &ServiceRequest) -> Vec<&'static str> {
    let Some(state) = req.app_data::<Data<AppState>>() else {
        return Vec::new();
    };
    let now = state.clock.timestamp();
    match state.windows.active(&state.db.pool, now).await {
        Ok(Some(w)) => crate::db::maintenance::SECTIONS
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| w.closes(s))
            .collect(),
        _ => Vec::new(),
    }
}

/// The middleware: refills a page after a 409, and takes paused sections' links out of pages
/// during a window. Wraps inside the session middleware.
pub async fn pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refill = if req.method() == Method::GET {
        let page = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        take_for(&req.get_session(), &page)
    } else {
        None
    };
    let paused = paused_now(&req).await;
    let res = next.call(req).await?.map_into_boxed_body();
    if (refill.is_none() && paused.is_empty())
        || res.status() != StatusCode::OK && res.status() != StatusCode::SERVICE_UNAVAILABLE
        || !is_html(res.response())
    {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(body).await else {
        return Ok(ServiceResponse::new(
            req,
            head.set_body(BoxBody::new(())).map_into_boxed_body(),
        ));
    };
    let mut html = String::from_utf8_lossy(&bytes).into_owned();
    if let Some(filled) = refill.as_ref().and_then(|r| self::refill(&html, r)) {
        html = filled;
    }
    if !paused.is_empty() {
        if let Some(rewritten) = pause(&html, &paused) {
            html = rewritten;
        }
    }
    let mut head = head;
    head.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(html)).map_into_boxed_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(fields: &[(&str, &str)]) -> Typed {
        Typed::of(
            fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn kept_for_quote(fields: &[(&str, &str)]) -> Refill {
        Refill::new(
            "/inquiries/5".into(),
            "/inquiries/5/quote".into(),
            &typed(fields),
        )
        .unwrap_or_else(|| panic!("a refill of {fields:?}"))
    }

    const PAGE: &str = r#"<main><form method="post" action="/inquiries/5/quote">
<input type="hidden" name="csrf_token" value="T"><input type="hidden" name="version" value="4">
<label for="n">Note</label><textarea id="n" name="note">old</textarea>
<input name="pct_1_partner" value="10"><input name="pct_2_partner" value="10">
<input type="checkbox" name="show_1" value="on" checked><input type="checkbox" name="show_2" value="on">
<select name="reseller_id"><option value="1" selected>A</option><option value="2">B</option></select>
<button>Send</button></form>
<form method="post" action="/other"><input name="note" value="other form"></form></main>"#;

    #[test]
    fn the_refused_form_gets_what_was_typed_and_the_page_keeps_its_version() {
        let r = kept_for_quote(&[
            ("csrf_token", "OLD"),
            ("version", "3"),
            ("note", "Price \"agreed\" <b>today</b> — ünïcödé"),
            ("pct_1_partner", "12.5"),
            ("show_2", "on"),
            ("reseller_id", "2"),
        ]);
        let out = fill(PAGE, &r).unwrap_or_default();
        assert!(out.contains(NOTE));
        assert!(out.contains(r#"name="version" value="4""#), "{out}");
        assert!(out.contains(r#"name="csrf_token" value="T""#));
        assert!(
            out.contains("&lt;b&gt;today&lt;/b&gt; — ünïcödé</textarea>"),
            "{out}"
        );
        assert!(
            out.contains(r#"name="pct_1_partner" value="12.5""#),
            "{out}"
        );
        assert!(
            out.contains(r#"name="pct_2_partner" value="10""#),
            "not posted: kept"
        );
        assert!(out.contains(r#"name="show_1" value="on">"#), "{out}");
        assert!(out.contains(r#"name="show_2" value="on" checked"#), "{out}");
        assert!(out.contains(r#"<option value="2" selected"#), "{out}");
        assert!(!out.contains(r#"<option value="1" selected"#), "{out}");
        assert!(
            out.contains(r#"value="other form""#),
            "another form is left alone"
        );
    }

    #[test]
    fn a_quote_in_a_value_does_not_leave_its_attribute() {
        let out = fill(
            PAGE,
            &kept_for_quote(&[("pct_1_partner", "1\" onfocus=\"x")]),
        )
        .unwrap_or_default();
        assert!(out.contains(r#"name="pct_1_partner""#), "filled: {out}");
        assert!(!out.contains(r#"onfocus="x""#), "{out}");
        let out = fill(PAGE, &kept_for_quote(&[("pct_1_partner", "A&amp;B")])).unwrap_or_default();
        assert!(
            out.contains(r#"value="A&amp;amp;B""#),
            "typed text, not an entity: {out}"
        );
    }

    #[test]
    fn a_page_without_the_form_says_what_was_typed_at_its_top() {
        let r = Refill::new(
            "/x".into(),
            "/gone".into(),
            &typed(&[("reason", "Buys <direct>"), ("reseller_id", "7")]),
        )
        .unwrap_or_else(|| panic!("a refill"));
        assert_eq!(fill(PAGE, &r), None);
        let out = refill(PAGE, &r).unwrap_or_default();
        assert!(out.starts_with("<main><section"), "{out}");
        assert!(out.contains("What you typed was not saved"));
        assert!(
            out.contains("<dt>Reason</dt>") && out.contains("Buys &#60;direct&#62;"),
            "{out}"
        );
        assert!(
            !out.contains("Reseller id"),
            "choices are not shown as typed text"
        );
    }

    #[test]
    fn a_huge_form_is_kept_only_in_part() {
        let big = "x".repeat(9_000);
        let fields: Vec<(&str, &str)> = (0..50).map(|_| ("note", big.as_str())).collect();
        let r = kept_for_quote(&fields);
        assert!(r.fields.len() < 10, "{}", r.fields.len());
    }

    #[test]
    fn hostile_paths_and_names_are_not_kept() {
        let note = typed(&[("note", "x")]);
        assert!(Refill::new("/a\"]".into(), "/b".into(), &note).is_none());
        assert!(Refill::new("//evil.example".into(), "/b".into(), &note).is_none());
        assert!(Refill::new("/a".into(), "/b".into(), &typed(&[("a\"b", "x")])).is_none());
    }

    #[test]
    fn links_into_a_paused_section_become_text_and_its_forms_wait() {
        let page = r#"<a href="/licenses?status=expiring">3 renewals</a> <a href="/leads">Leads</a>
<form method="post" action="/orders/7/cancel"><button>Cancel order</button></form>
<form method="get" action="/leads"><button>Filter</button></form>"#;
        let out = pause(page, &["licenses", "orders"]).unwrap_or_default();
        assert!(
            out.contains(
                r#"<span class="paused-link" title="Paused for maintenance">3 renewals</span>"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"<a href="/leads">Leads</a>"#));
        assert!(
            out.contains(r#"<button disabled="">Cancel order</button> <span class="muted">(paused for maintenance)</span>"#),
            "{out}"
        );
        assert!(out.contains("<button>Filter</button>"), "{out}");
    }
}
