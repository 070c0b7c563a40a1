//! The vendor admin's pricing rules: partner program percentages by level and family, deal
//! registration percentages by family, promotions, and the validity and minimum settings.

use crate::app;
use crate::db::deals;
use crate::domain::pricing::{Bp, Promotion, Rules};
use crate::domain::PartnerLevel;
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::extractors::CurrentUser;
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "pages/pricing_rules.html")]
pub struct RulesPage {
    pub chrome: Chrome,
    /// The product families: (code, name), by code.
    pub families: Vec<(String, String)>,
    pub levels: Vec<PartnerLevel>,
    pub rules: Rules,
    /// The deal registration minimum of each price book: (field, label, value).
    pub minimums: Vec<(String, String, String)>,
    /// The price books' currencies, for a promotion's.
    pub currencies: Vec<String>,
    pub deal_days: u32,
    pub quote_days: u32,
    /// How often an approved deal registration may be extended, and within how many last
    /// days of its validity.
    pub deal_extensions: u32,
    pub deal_extension_window: u32,
    pub promo: PromoForm,
    pub errors: FieldErrors,
}

impl RulesPage {
    pub fn program(&self, level: &PartnerLevel, family: &str) -> String {
        Bp::two_decimals(
            self.rules
                .program
                .get(&(*level, family.to_string()))
                .copied()
                .unwrap_or_default(),
        )
    }
    pub fn deal(&self, family: &str) -> String {
        Bp::two_decimals(
            self.rules
                .deal_registration
                .get(family)
                .copied()
                .unwrap_or_default(),
        )
    }
    pub fn currency_options(&self) -> Vec<(String, String)> {
        self.currencies
            .iter()
            .map(|c| (c.clone(), c.clone()))
            .collect()
    }
    /// A promotion's families by name (with the code the form takes).
    pub fn families_of(&self, p: &Promotion) -> String {
        if p.families.is_empty() {
            return "all families".into();
        }
        p.families
            .iter()
            .map(|code| match self.families.iter().find(|(c, _)| c == code) {
                Some((_, name)) => format!("{name} ({code})"),
                None => code.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn page_view(
    user: &CurrentUser,
    mut promo: PromoForm,
    errors: FieldErrors,
) -> Result<RulesPage, AppError> {
    if promo.currency.is_empty() {
        promo.currency = crate::db::catalogue::DEFAULT_CURRENCY.into();
    }
    let pool = &user.state.db.pool;
    let families = app::pricing_rules::families(&user.ctx).await?;
    let settings = deals::settings(pool).await?;
    let deal_days = settings.validity_days;
    let currencies: Vec<String> = crate::db::catalogue::price_books(pool)
        .await?
        .into_iter()
        .map(|(currency, _)| currency)
        .collect();
    let minimums = currencies
        .iter()
        .map(|c| {
            (
                app::pricing_rules::minimum_field(c),
                format!("Minimum estimated MSRP of a deal registration in {c}"),
                settings.minimum(c).decimal(),
            )
        })
        .collect();
    let mut rules = deals::rules(pool).await?;
    rules
        .promotions
        .sort_by(|a, b| (a.starts, &a.code).cmp(&(b.starts, &b.code)));
    Ok(RulesPage {
        chrome: Chrome::new(user, "/admin/pricing", "Pricing rules")?,
        families,
        levels: PartnerLevel::ALL.to_vec(),
        rules,
        minimums,
        currencies,
        deal_days,
        quote_days: deals::quote_validity_days(pool).await?,
        deal_extensions: settings.max_extensions,
        deal_extension_window: settings.extension_window_days,
        promo,
        errors,
    })
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("change pricing rules").await?;
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
    user.require_vendor_admin("change pricing rules").await?;
    match app::pricing_rules::save(&user.ctx, &form.0.fields).await {
        Ok(()) => {
            user.session.flash(
                "success",
                "Saved the pricing rules; quotes from now on use them.",
            )?;
            Ok(render::see_other("/admin/pricing"))
        }
        Err(app::Error::Invalid(errors)) => {
            let mut view = page_view(&user, PromoForm::default(), errors).await?;
            view.chrome.flash = None;
            render::invalid(&view)
        }
        Err(e) => Err(e.into()),
    }
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
    #[serde(default)]
    pub currency: String,
}

pub async fn add_promotion(
    user: CurrentUser,
    form: CsrfForm<PromoForm>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("change pricing rules").await?;
    let form = form.0;
    let input = app::pricing_rules::PromoInput {
        code: form.code.clone(),
        families: form.families.clone(),
        percent: form.percent.clone(),
        starts: form.starts.clone(),
        ends: form.ends.clone(),
        currency: form.currency.clone(),
    };
    match app::pricing_rules::add_promotion(&user.ctx, &input).await {
        Ok(code) => {
            user.session
                .flash("success", format!("Promotion {code} added."))?;
            Ok(render::see_other("/admin/pricing"))
        }
        Err(app::Error::Invalid(errors)) => render::invalid(&page_view(&user, form, errors).await?),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_promotion(
    user: CurrentUser,
    path: web::Path<String>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    user.require_vendor_admin("change pricing rules").await?;
    let code = path.into_inner();
    app::pricing_rules::delete_promotion(&user.ctx, &code).await?;
    user.session.flash(
        "success",
        format!("Promotion {code} removed; quotes already sent keep it."),
    )?;
    Ok(render::see_other("/admin/pricing"))
}
