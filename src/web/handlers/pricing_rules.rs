//! The vendor admin's pricing rules: partner program percentages by level and family, deal
//! registration percentages by family, promotions, and the validity and minimum settings.

use crate::db::{audit, catalogue, deals};
use crate::domain::pricing::{Bp, Promotion, Rules};
use crate::domain::{Cents, PartnerLevel};
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;

async fn require_vendor_admin(user: &CurrentUser) -> Result<(), AppError> {
    user.require(user.role.is_vendor_admin(), "change pricing rules")
        .await
}

#[derive(Template)]
#[template(path = "pages/pricing_rules.html")]
pub struct RulesPage {
    pub chrome: Chrome,
    pub families: Vec<String>,
    pub levels: Vec<PartnerLevel>,
    pub rules: Rules,
    pub minimum: String,
    pub deal_days: u32,
    pub quote_days: u32,
    pub promo: PromoForm,
    pub errors: FieldErrors,
}

impl RulesPage {
    pub fn program(&self, level: &PartnerLevel, family: &str) -> String {
        percent(
            self.rules
                .program
                .get(&(*level, family.to_string()))
                .copied()
                .unwrap_or_default(),
        )
    }
    pub fn deal(&self, family: &str) -> String {
        percent(
            self.rules
                .deal_registration
                .get(family)
                .copied()
                .unwrap_or_default(),
        )
    }
    pub fn families_of(&self, p: &Promotion) -> String {
        if p.families.is_empty() {
            "all families".into()
        } else {
            p.families.join(", ")
        }
    }
}

fn percent(bp: Bp) -> String {
    format!("{}.{:02}", bp.0 / 100, bp.0 % 100)
}

async fn page_view(
    user: &CurrentUser,
    promo: PromoForm,
    errors: FieldErrors,
) -> Result<RulesPage, AppError> {
    let pool = &user.state.db.pool;
    let snapshot = catalogue::snapshot(pool, catalogue::DEFAULT_CURRENCY).await?;
    let mut families: Vec<String> = snapshot.items.values().map(|i| i.family.clone()).collect();
    families.sort();
    families.dedup();
    let (minimum, deal_days) = deals::settings(pool).await?;
    let mut rules = deals::rules(pool).await?;
    rules
        .promotions
        .sort_by(|a, b| (a.starts, &a.code).cmp(&(b.starts, &b.code)));
    Ok(RulesPage {
        chrome: Chrome::new(user, "/admin/pricing", "Pricing rules")?,
        families,
        levels: PartnerLevel::ALL.to_vec(),
        rules,
        minimum: minimum.decimal(),
        deal_days,
        quote_days: deals::quote_validity_days(pool).await?,
        promo,
        errors,
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    render::page(&page_view(&user, PromoForm::default(), FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct PercentForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// Saves every percentage of the page (`program_<level>_<family>`, `deal_<family>`) and the
/// settings, all or nothing.
pub async fn save(
    user: CurrentUser,
    form: CsrfForm<PercentForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let fields = form.0.fields;
    let view = page_view(&user, PromoForm::default(), FieldErrors::default()).await?;
    let mut errors = FieldErrors::default();
    let mut program = Vec::new();
    let mut deal = Vec::new();
    for family in &view.families {
        for level in &view.levels {
            let name = format!("program_{}_{family}", level.as_str());
            if let Some(v) = fields.get(&name) {
                match Bp::parse_percent(v) {
                    Some(bp) => program.push((*level, family.clone(), bp)),
                    None => errors.add(
                        &name,
                        format!("{level} {family}: “{v}” is not a percentage from 0 to 100."),
                    ),
                }
            }
        }
        let name = format!("deal_{family}");
        if let Some(v) = fields.get(&name) {
            match Bp::parse_percent(v) {
                Some(bp) => deal.push((family.clone(), bp)),
                None => errors.add(
                    &name,
                    format!("Deal registration {family}: “{v}” is not a percentage from 0 to 100."),
                ),
            }
        }
    }
    let number = |name: &str, errors: &mut FieldErrors| -> Option<u32> {
        let v = fields.get(name).map(|s| s.trim()).unwrap_or("");
        let n = v.parse::<u32>().ok().filter(|n| (1..=365).contains(n));
        if n.is_none() {
            errors.add(name, "Enter a number of days from 1 to 365.");
        }
        n
    };
    let quote_days = number("quote_days", &mut errors);
    let deal_days = number("deal_days", &mut errors);
    let minimum = Cents::parse(fields.get("minimum").map(String::as_str).unwrap_or(""))
        .map_err(|e| errors.add("minimum", e.to_string()))
        .ok();
    let (Some(quote_days), Some(deal_days), Some(minimum), true) =
        (quote_days, deal_days, minimum, errors.is_empty())
    else {
        let mut view = page_view(&user, PromoForm::default(), errors).await?;
        view.chrome.flash = None;
        return render::invalid(&view);
    };
    let mut tx = user.state.db.pool.begin().await?;
    for (level, family, bp) in &program {
        deals::set_program(&mut tx, *level, family, *bp).await?;
    }
    for (family, bp) in &deal {
        deals::set_deal_registration_discount(&mut tx, family, *bp).await?;
    }
    catalogue::set_setting(&mut tx, "quote.validity_days", &quote_days.to_string()).await?;
    catalogue::set_setting(
        &mut tx,
        "deal_registration.validity_days",
        &deal_days.to_string(),
    )
    .await?;
    catalogue::set_setting(
        &mut tx,
        "deal_registration.minimum_cents",
        &minimum.0.to_string(),
    )
    .await?;
    let detail = format!("{} program and {} deal registration percentages; quotes {quote_days} days; registrations {deal_days} days, minimum {}", program.len(), deal.len(), minimum.decimal());
    audit::record(
        &mut *tx,
        &user.actor(),
        "pricing_rules_changed",
        "pricing",
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        "Saved the pricing rules; quotes from now on use them.",
    )?;
    Ok(render::see_other("/admin/pricing"))
}

#[derive(Debug, Default, Deserialize)]
pub struct PromoForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub families: String,
    #[serde(default)]
    pub percent: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
}

pub async fn add_promotion(
    user: CurrentUser,
    form: CsrfForm<PromoForm>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let form = form.0;
    let view = page_view(&user, PromoForm::default(), FieldErrors::default()).await?;
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 30
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        errors.add(
            "code",
            "Enter a code of up to 30 letters, digits and dashes.",
        );
    } else if view.rules.promotions.iter().any(|p| p.code == code) {
        errors.add("code", "A promotion with this code exists already.");
    }
    let families: Vec<String> = form
        .families
        .split([',', ' '])
        .map(|f| f.trim().to_uppercase())
        .filter(|f| !f.is_empty())
        .collect();
    if let Some(unknown) = families.iter().find(|f| !view.families.contains(f)) {
        errors.add(
            "families",
            format!("{unknown} is not a family of the catalogue."),
        );
    }
    let bp = Bp::parse_percent(&form.percent).filter(|b| b.0 > 0);
    if bp.is_none() {
        errors.add("percent", "Enter a percentage above 0 and up to 100.");
    }
    let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
    let (starts, ends) = (date(&form.starts), date(&form.ends));
    if starts.is_none() {
        errors.add("starts", "Enter the first day as YYYY-MM-DD.");
    }
    match (starts, ends) {
        (_, None) => errors.add("ends", "Enter the last day as YYYY-MM-DD."),
        (Some(s), Some(e)) if e < s => {
            errors.add("ends", "The promotion would end before it starts.")
        }
        _ => {}
    }
    let (Some(bp), Some(starts), Some(ends), true) = (bp, starts, ends, errors.is_empty()) else {
        return render::invalid(&page_view(&user, form, errors).await?);
    };
    let promotion = Promotion {
        code: code.clone(),
        families,
        bp,
        starts,
        ends,
    };
    let mut tx = user.state.db.pool.begin().await?;
    deals::add_promotion(&mut tx, &promotion).await?;
    let detail = format!(
        "{bp} on {} from {starts} to {ends}",
        if promotion.families.is_empty() {
            "all".into()
        } else {
            promotion.families.join(",")
        }
    );
    audit::record(
        &mut *tx,
        &user.actor(),
        "promotion_added",
        &code,
        &detail,
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session
        .flash("success", format!("Promotion {code} added."))?;
    Ok(render::see_other("/admin/pricing"))
}

pub async fn delete_promotion(
    user: CurrentUser,
    path: web::Path<String>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    require_vendor_admin(&user).await?;
    let code = path.into_inner();
    let mut tx = user.state.db.pool.begin().await?;
    if !deals::delete_promotion(&mut tx, &code).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut *tx,
        &user.actor(),
        "promotion_deleted",
        &code,
        "",
        user.now(),
    )
    .await?;
    tx.commit().await?;
    user.session.flash(
        "success",
        format!("Promotion {code} removed; quotes already sent keep it."),
    )?;
    Ok(render::see_other("/admin/pricing"))
}
