//! Access roles (PRODUCT.md section 1) and what each may do.

use super::org::OrgKind;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessRole {
    VendorAdmin,
    ChannelManager,
    DistributorAdmin,
    DistributorStaff,
    ResellerAdmin,
    ResellerUser,
}

impl AccessRole {
    pub const ALL: [AccessRole; 6] = [
        AccessRole::VendorAdmin,
        AccessRole::ChannelManager,
        AccessRole::DistributorAdmin,
        AccessRole::DistributorStaff,
        AccessRole::ResellerAdmin,
        AccessRole::ResellerUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::VendorAdmin => "vendor_admin",
            AccessRole::ChannelManager => "channel_manager",
            AccessRole::DistributorAdmin => "distributor_admin",
            AccessRole::DistributorStaff => "distributor_staff",
            AccessRole::ResellerAdmin => "reseller_admin",
            AccessRole::ResellerUser => "reseller_user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessRole::VendorAdmin => "Vendor administrator",
            AccessRole::ChannelManager => "Channel account manager",
            AccessRole::DistributorAdmin => "Distributor administrator",
            AccessRole::DistributorStaff => "Distributor staff",
            AccessRole::ResellerAdmin => "Portal administrator",
            AccessRole::ResellerUser => "Reseller user",
        }
    }

    /// The organisation kind a holder of this role belongs to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            AccessRole::VendorAdmin | AccessRole::ChannelManager => OrgKind::Vendor,
            AccessRole::DistributorAdmin | AccessRole::DistributorStaff => OrgKind::Distributor,
            AccessRole::ResellerAdmin | AccessRole::ResellerUser => OrgKind::Reseller,
        }
    }

    /// The roles an organisation of this kind may give its users.
    pub fn for_kind(kind: OrgKind) -> [AccessRole; 2] {
        match kind {
            OrgKind::Vendor => [AccessRole::VendorAdmin, AccessRole::ChannelManager],
            OrgKind::Distributor => [AccessRole::DistributorAdmin, AccessRole::DistributorStaff],
            OrgKind::Reseller => [AccessRole::ResellerAdmin, AccessRole::ResellerUser],
        }
    }

    /// The administrator role of an organisation kind: its first user gets it.
    pub fn admin_of(kind: OrgKind) -> AccessRole {
        Self::for_kind(kind)[0]
    }

    /// Manages the users of its own organisation.
    pub fn manages_own_users(self) -> bool {
        matches!(
            self,
            AccessRole::VendorAdmin | AccessRole::DistributorAdmin | AccessRole::ResellerAdmin
        )
    }

    /// Creates and edits distributors and resellers, sees the audit log.
    pub fn is_vendor_admin(self) -> bool {
        self == AccessRole::VendorAdmin
    }
}

impl fmt::Display for AccessRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_belongs_to_the_kind_that_offers_it() {
        for role in AccessRole::ALL {
            assert!(AccessRole::for_kind(role.org_kind()).contains(&role));
            assert_eq!(AccessRole::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn only_admins_manage_users() {
        let managers: Vec<_> = AccessRole::ALL
            .into_iter()
            .filter(|r| r.manages_own_users())
            .collect();
        assert_eq!(
            managers,
            [
                AccessRole::VendorAdmin,
                AccessRole::DistributorAdmin,
                AccessRole::ResellerAdmin
            ]
        );
        for kind in OrgKind::ALL {
            assert!(AccessRole::admin_of(kind).manages_own_users());
        }
    }
}
