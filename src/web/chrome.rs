//! What the application layout shows around every page: who is signed in, the menu they
//! may use, the flash message, the CSRF token for htmx and the maintenance banner slot.

use crate::domain::AccessRole;
use crate::web::extractors::CurrentUser;
use crate::web::session::Flash;
use crate::web::AppError;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// Closed by the maintenance window in force: shown, not linked.
    pub paused: bool,
}

/// A section of the menu: a plain link when it holds one page, else a disclosure (a
/// `<details>`, keyboard-operable without script) listing its pages.
pub struct NavGroup {
    /// None for a page that stands alone (the dashboard, the mailbox, my account).
    pub label: Option<&'static str>,
    pub items: Vec<NavItem>,
}

impl NavGroup {
    /// Whether the page shown is in this section.
    pub fn current(&self) -> bool {
        self.items.iter().any(|i| i.current)
    }
}

/// The section a page of the menu belongs to.
fn section_of(href: &str) -> Option<&'static str> {
    match href {
        "/inquiries" | "/quotes" | "/orders" | "/deals" | "/leads" => Some("Sales"),
        "/licenses" | "/nfr" | "/msp" | "/msp/program" | "/msp/applications" => Some("Licenses"),
        "/catalogue" | "/sku-translator" => Some("Products"),
        "/users" | "/contact-roles" | "/api-tokens" | "/webhooks" => Some("Organisation"),
        h if h.starts_with("/admin/") => Some("Administration"),
        _ => None,
    }
}

/// The menu in sections, in the order the sections first appear; a section of one page is
/// shown as that page's link.
pub fn grouped(items: Vec<NavItem>) -> Vec<NavGroup> {
    let mut groups: Vec<NavGroup> = Vec::new();
    for item in items {
        let section = section_of(item.href);
        match groups
            .iter_mut()
            .find(|g| section.is_some() && g.label == section)
        {
            Some(g) => g.items.push(item),
            None => groups.push(NavGroup {
                label: section,
                items: vec![item],
            }),
        }
    }
    for g in &mut groups {
        if g.items.len() == 1 {
            g.label = None;
        }
    }
    groups
}

pub struct Chrome {
    pub user_name: String,
    pub org_name: String,
    pub org_kind: &'static str,
    pub role_label: &'static str,
    pub nav: Vec<NavGroup>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// A maintenance window's message while one is in force.
    pub banner: Option<String>,
    pub demo: bool,
    pub title: String,
    /// The sections a maintenance window closes now (`orders`, `licenses`, …).
    pub paused: Vec<&'static str>,
}

/// The menu of a person: their role's, with MSP licensing for everyone but the resellers that
/// are not MSPs.
pub fn menu_for(role: AccessRole, is_msp: bool) -> Vec<(&'static str, &'static str)> {
    let mut items = menu(role);
    if role.org_kind() != crate::domain::OrgKind::Reseller || is_msp {
        let after_nfr = items
            .iter()
            .position(|(h, _)| *h == "/nfr")
            .map_or(1, |p| p + 1);
        items.insert(after_nfr, ("/msp", "MSP licensing"));
    }
    let after_msp = ["/msp", "/nfr"]
        .iter()
        .find_map(|m| items.iter().position(|(h, _)| h == m))
        .map_or(1, |p| p + 1);
    if role.org_kind() == crate::domain::OrgKind::Reseller {
        // Where a reseller joins the program, or sees that it is in it.
        items.insert(after_msp, ("/msp/program", "MSP program"));
    } else if matches!(role, AccessRole::VendorAdmin | AccessRole::ChannelManager) {
        items.insert(after_msp, ("/msp/applications", "MSP applications"));
    }
    items
}

/// The menu of a role: only what it may open, so there are no dead links.
pub fn menu(role: AccessRole) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![
        ("/", "Dashboard"),
        ("/deals", "Deal registrations"),
        ("/catalogue", "Catalogue"),
        ("/sku-translator", "SKU translator"),
    ];
    if role != AccessRole::ChannelManager {
        items.insert(1, ("/inquiries", "Pricing inquiries"));
        items.insert(2, ("/quotes", "Quotes"));
        items.insert(3, ("/orders", "Orders"));
        items.insert(4, ("/licenses", "License schedules"));
    }
    let after_deals = items
        .iter()
        .position(|(h, _)| *h == "/deals")
        .map_or(1, |p| p + 1);
    items.insert(after_deals, ("/nfr", "NFR licenses"));
    if role.org_kind() != crate::domain::OrgKind::Distributor {
        items.insert(after_deals, ("/leads", "Leads"));
    }
    if role.is_vendor_admin() {
        items.push(("/admin/organisations", "Organisations"));
        items.push(("/admin/catalogue", "Price book"));
        items.push(("/admin/pricing", "Pricing rules"));
        items.push(("/admin/settings", "Time limits and zone"));
        items.push(("/admin/nfr", "NFR allotments"));
    }
    if role.manages_own_users() {
        items.push(("/users", "Users"));
    }
    if role.org_kind() != crate::domain::OrgKind::Vendor {
        items.push(("/contact-roles", "Contact roles"));
    }
    if role.manages_own_users() {
        items.push(("/api-tokens", "API tokens"));
        items.push(("/webhooks", "Webhooks"));
    }
    if role.is_vendor_admin() {
        items.push(("/admin/messages", "Messages"));
        items.push(("/admin/outbox", "Outbox"));
        items.push(("/admin/maintenance", "Maintenance"));
        items.push(("/admin/licenses/import", "License import"));
        items.push(("/admin/audit", "Audit log"));
    }
    items.push(("/account", "My account"));
    items
}

impl Chrome {
    pub fn new(
        user: &CurrentUser,
        current: &str,
        title: impl Into<String>,
    ) -> Result<Chrome, AppError> {
        Ok(Chrome {
            user_name: user.name.clone(),
            org_name: user.org_name.clone(),
            org_kind: user.org_kind.label(),
            role_label: user.role.label(),
            nav: grouped(
                menu_for(user.role, user.org_is_msp)
                    .into_iter()
                    .flat_map(|item| {
                        // Demo mode has a mailbox for the mail the portal "sent", before My account.
                        let demo_mailbox = (user.state.demo && item.0 == "/account")
                            .then_some(("/mailbox", "Mailbox"));
                        demo_mailbox.into_iter().chain(std::iter::once(item))
                    })
                    .map(|(href, label)| NavItem {
                        href,
                        label,
                        current: href == current,
                        paused: user.maintenance.as_ref().is_some_and(|w| {
                            crate::web::maintenance::section_of(href)
                                .is_some_and(|section| w.closes(section))
                        }),
                    })
                    .collect(),
            ),
            csrf: user.session.csrf_token()?,
            flash: if user.fragment {
                None
            } else {
                user.session.take_flash()
            },
            banner: user.maintenance.as_ref().map(|w| {
                let paused: Vec<&str> = crate::db::maintenance::SECTIONS
                    .iter()
                    .filter(|(section, _)| w.closes(section))
                    .map(|(_, name)| *name)
                    .collect();
                let paused = if paused.is_empty() {
                    String::new()
                } else {
                    format!(" Paused until then: {}.", paused.join(", "))
                };
                format!(
                    "Maintenance until {}: {}{paused}",
                    crate::clock::format_timestamp(w.ends_at),
                    w.message
                )
            }),
            demo: user.state.demo,
            title: title.into(),
            paused: crate::db::maintenance::SECTIONS
                .iter()
                .map(|(section, _)| *section)
                .filter(|s| user.maintenance.as_ref().is_some_and(|w| w.closes(s)))
                .collect(),
        })
    }

    /// Whether `href` leads into a section a maintenance window closes now: pages show its
    /// text without the link, so nobody is sent to a 503.
    pub fn is_paused(&self, href: &str) -> bool {
        crate::web::maintenance::section_of(href).is_some_and(|s| self.paused.contains(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msp_licensing_is_in_the_menu_of_msps_and_of_those_who_see_them() {
        let has = |r, msp| menu_for(r, msp).iter().any(|(h, _)| *h == "/msp");
        assert!(has(AccessRole::ResellerUser, true));
        assert!(!has(AccessRole::ResellerAdmin, false));
        assert!(has(AccessRole::VendorAdmin, false));
        assert!(has(AccessRole::DistributorStaff, false));
        assert!(has(AccessRole::ChannelManager, false));
    }

    #[test]
    fn the_menu_fits_in_sections_and_a_lone_page_stays_a_link() {
        let nav = |role| {
            grouped(
                menu_for(role, false)
                    .into_iter()
                    .map(|(href, label)| NavItem {
                        href,
                        label,
                        current: href == "/orders",
                        paused: false,
                    })
                    .collect(),
            )
        };
        let vendor = nav(AccessRole::VendorAdmin);
        let labels: Vec<_> = vendor
            .iter()
            .map(|g| g.label.unwrap_or(g.items[0].label))
            .collect();
        assert_eq!(
            labels,
            [
                "Dashboard",
                "Sales",
                "Licenses",
                "Products",
                "Administration",
                "Organisation",
                "My account"
            ]
        );
        assert!(vendor[1].current() && !vendor[2].current());
        assert_eq!(
            vendor[4].items.len(),
            10,
            "every administrative page, in one section"
        );
        // A CAM's organisation section would hold nothing; its products section two pages.
        let cam = nav(AccessRole::ChannelManager);
        assert!(cam.iter().all(|g| g.label != Some("Organisation")));
        assert_eq!(
            cam.iter()
                .find(|g| g.label == Some("Products"))
                .map(|g| g.items.len()),
            Some(2)
        );
    }

    #[test]
    fn menus_by_role() {
        let hrefs = |r| menu(r).into_iter().map(|(h, _)| h).collect::<Vec<_>>();
        let (d, c, t, api) = ("/deals", "/catalogue", "/sku-translator", "/api-tokens");
        let i = "/inquiries";
        let q = "/quotes";
        let (o, l) = ("/orders", "/licenses");
        let ld = "/leads";
        let nfr = "/nfr";
        let orgs = "/admin/organisations";
        let vendor_admin = [
            "/",
            i,
            q,
            o,
            l,
            d,
            ld,
            nfr,
            c,
            t,
            orgs,
            "/admin/catalogue",
            "/admin/pricing",
            "/admin/settings",
            "/admin/nfr",
            "/users",
            api,
            "/webhooks",
            "/admin/messages",
            "/admin/outbox",
            "/admin/maintenance",
            "/admin/licenses/import",
            "/admin/audit",
            "/account",
        ];
        assert_eq!(hrefs(AccessRole::VendorAdmin), vendor_admin);
        let reseller_admin = [
            "/",
            i,
            q,
            o,
            l,
            d,
            ld,
            nfr,
            c,
            t,
            "/users",
            "/contact-roles",
            api,
            "/webhooks",
            "/account",
        ];
        assert_eq!(hrefs(AccessRole::ResellerAdmin), reseller_admin);
        let distributor_admin: Vec<_> = reseller_admin.into_iter().filter(|h| *h != ld).collect();
        assert_eq!(hrefs(AccessRole::DistributorAdmin), distributor_admin);
        assert_eq!(
            hrefs(AccessRole::ResellerUser),
            [
                "/",
                i,
                q,
                o,
                l,
                d,
                ld,
                nfr,
                c,
                t,
                "/contact-roles",
                "/account"
            ]
        );
        assert_eq!(
            hrefs(AccessRole::ChannelManager),
            ["/", d, ld, nfr, c, t, "/account"]
        );
        assert_eq!(
            hrefs(AccessRole::DistributorStaff),
            ["/", i, q, o, l, d, nfr, c, t, "/contact-roles", "/account"]
        );
    }
}
