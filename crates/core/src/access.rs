//! Roles, capabilities and scopes: the one place that decides who may do what, where.
//!
//! The web layer asks [`Principal::authorize`] and receives an [`Authorized`] value only when
//! the check passed; handlers that change or read scoped data take that value, so a forgotten
//! check does not compile (the shape of lldap's access-control).
use crate::orgs::in_subtree;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    BureauStaff,
    ZoneAdmin,
    OrgAdmin,
    OrgMember,
    Expert,
    ServiceProvider,
    Public,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::SystemAdmin,
        Self::BureauStaff,
        Self::ZoneAdmin,
        Self::OrgAdmin,
        Self::OrgMember,
        Self::Expert,
        Self::ServiceProvider,
        Self::Public,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::BureauStaff => "bureau_staff",
            Self::ZoneAdmin => "zone_admin",
            Self::OrgAdmin => "org_admin",
            Self::OrgMember => "org_member",
            Self::Expert => "expert",
            Self::ServiceProvider => "service_provider",
            Self::Public => "public",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
    /// Whether an account of this role must be tied to an org unit / an organisation.
    pub fn needs_unit(self) -> bool {
        self == Self::ZoneAdmin
    }
    pub fn needs_organisation(self) -> bool {
        matches!(self, Self::OrgAdmin | Self::OrgMember | Self::ServiceProvider)
    }
}

/// What a role may do at all; the scope then says where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    ViewWorkspace,
    ViewOrgUnits,
    ViewOrgs,
    CreateOrgs,
    EditOrgs,
    ViewAudit,
    ManageUsers,
    ManageTokens,
    ManageOrgUnits,
    /// Statistics: see the forms and the returns in one's scope.
    ViewStats,
    /// Fill in and submit one's own organisation's returns.
    ReportStats,
    /// Review returns, approve areas, send reminders, analyse (never edit a unit's data).
    ReviewStats,
    /// Import form definitions, extend deadlines.
    ManageStatForms,
    /// Monitoring dashboards: indicators against targets, warnings, comparison of zones.
    ViewIndicators,
    /// Import indicator values (yearbooks), recompute them from statistics.
    ManageIndicators,
    /// The expert libraries and review rounds: profiles, status, assignment, drawing, results.
    ManageExperts,
    /// An expert's own profile and assigned reviews.
    ReviewAsExpert,
    /// Research-credit records.
    ManageCredit,
    /// Applications in one's reach: one's own, one's organisation's, one's zone's, all.
    ViewApplications,
    /// Draft and submit applications to calls.
    ApplyProjects,
    /// Calls, formal checks, decisions, the board.
    ManageProjects,
    /// Register one's organisation's achievements on the market, answer inquiries.
    OfferAchievements,
    /// The market's registration office: check, register and list achievements; register
    /// technology contracts.
    ManageMarket,
    /// Register one's organisation's technology contracts (as their seller).
    RegisterContracts,
    /// Broker matches on the market (a technology broker of a service organisation).
    BrokerDeals,
    /// Evaluate one's own organisation against the qualification rules (科技型中小企业, 高企).
    SelfEvaluate,
    /// Innovation subjects in one's scope: enterprises' pre-checks, cultivation pools,
    /// qualifications.
    ManageSubjects,
    /// One's organisation's instruments on the sharing platform: the catalogue entries, their
    /// rules and blackouts, the bookings to approve and close.
    ShareInstruments,
    /// Book shared instruments for one's organisation.
    BookInstruments,
    /// Innovation voucher programmes: open them, grant quotas, verify, settle, expire, claw back.
    ManageVouchers,
    /// Apply for innovation vouchers for one's enterprise and see its vouchers.
    ApplyVouchers,
    /// Redeem innovation vouchers as a provider of the services they buy.
    RedeemVouchers,
    /// The policy library: policies and their rules, runs, their check, publication, objections
    /// and payment, and payments made by application.
    ManagePolicies,
    /// See what one's enterprise is entitled to under the policies, and why.
    ReceiveEntitlements,
    /// Object to one's enterprise's line on a published list and confirm the account it is paid
    /// into.
    ClaimEntitlements,
    /// The risk-compensation fund: its capital, the banks' agreements, the white list, approving
    /// and paying compensation (maker–checker), the ledger and the leverage report.
    ManageLoanFund,
    /// A bank's side of the fund: record its loans and repayments, claim compensation on a
    /// default, report what it recovered; only its own loans and claims.
    LendUnderFund,
    /// An enterprise's loans under the fund and its interest and guarantee-fee subsidy claims.
    ClaimLoanSubsidies,
    /// An enterprise's financing demands, the products that answer them, and applying to one.
    SeekFinancing,
    /// Evaluation campaigns of counties and zones: open them, invite evaluators, release the
    /// results, answer objections, publish the bulletin.
    ManageEvaluations,
    /// A county's or zone's side of a campaign: report its qualitative items with evidence, see
    /// its result, object to it.
    ReportEvaluations,
    /// Score units' qualitative reports in the campaigns one is invited to (bureau staff, experts).
    ScoreEvaluations,
    /// The year's tasks in one's area, their progress and the half-yearly check.
    ViewTasks,
    /// Set the year's tasks, break them down, remind the lead units.
    ManageTasks,
    /// Report the progress of the tasks one's unit leads, with evidence.
    ReportTasks,
    /// Rewrite the service guides (办事指南).
    ManageGuides,
}

impl Capability {
    pub const ALL: [Capability; 46] = [
        Self::ViewWorkspace,
        Self::ViewOrgUnits,
        Self::ViewOrgs,
        Self::CreateOrgs,
        Self::EditOrgs,
        Self::ViewAudit,
        Self::ManageUsers,
        Self::ManageTokens,
        Self::ManageOrgUnits,
        Self::ViewStats,
        Self::ReportStats,
        Self::ReviewStats,
        Self::ManageStatForms,
        Self::ViewIndicators,
        Self::ManageIndicators,
        Self::ManageExperts,
        Self::ReviewAsExpert,
        Self::ManageCredit,
        Self::ViewApplications,
        Self::ApplyProjects,
        Self::ManageProjects,
        Self::OfferAchievements,
        Self::ManageMarket,
        Self::RegisterContracts,
        Self::BrokerDeals,
        Self::SelfEvaluate,
        Self::ManageSubjects,
        Self::ShareInstruments,
        Self::BookInstruments,
        Self::ManageVouchers,
        Self::ApplyVouchers,
        Self::RedeemVouchers,
        Self::ManagePolicies,
        Self::ReceiveEntitlements,
        Self::ClaimEntitlements,
        Self::ManageLoanFund,
        Self::LendUnderFund,
        Self::ClaimLoanSubsidies,
        Self::SeekFinancing,
        Self::ManageEvaluations,
        Self::ReportEvaluations,
        Self::ScoreEvaluations,
        Self::ViewTasks,
        Self::ManageTasks,
        Self::ReportTasks,
        Self::ManageGuides,
    ];
}

impl Role {
    pub fn allows(self, cap: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match cap {
            ViewWorkspace | ManageTokens => self != Public,
            ViewOrgUnits => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            ViewOrgs => matches!(
                self,
                SystemAdmin | BureauStaff | ZoneAdmin | OrgAdmin | OrgMember | ServiceProvider
            ),
            CreateOrgs => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            EditOrgs => {
                matches!(self, SystemAdmin | BureauStaff | ZoneAdmin | OrgAdmin | ServiceProvider)
            }
            ViewAudit | ManageOrgUnits => matches!(self, SystemAdmin | BureauStaff),
            ManageUsers => matches!(self, SystemAdmin),
            ViewStats => {
                matches!(self, SystemAdmin | BureauStaff | ZoneAdmin | OrgAdmin | OrgMember)
            }
            ReportStats => matches!(self, OrgAdmin | OrgMember),
            ReviewStats => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            ManageStatForms => matches!(self, SystemAdmin | BureauStaff),
            ViewIndicators => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            ManageIndicators => matches!(self, SystemAdmin | BureauStaff),
            ManageExperts | ManageCredit => matches!(self, SystemAdmin | BureauStaff),
            ReviewAsExpert => self == Expert,
            ViewApplications => {
                matches!(self, SystemAdmin | BureauStaff | ZoneAdmin | OrgAdmin | OrgMember)
            }
            ApplyProjects => matches!(self, OrgAdmin | OrgMember),
            ManageProjects => matches!(self, SystemAdmin | BureauStaff),
            OfferAchievements => matches!(self, OrgAdmin | OrgMember),
            ManageMarket => matches!(self, SystemAdmin | BureauStaff),
            RegisterContracts => matches!(self, OrgAdmin | OrgMember),
            BrokerDeals => self == ServiceProvider,
            SelfEvaluate => self == OrgAdmin,
            ManageSubjects => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            ShareInstruments => matches!(self, OrgAdmin | ServiceProvider),
            BookInstruments => matches!(self, OrgAdmin | OrgMember),
            ManageVouchers => matches!(self, SystemAdmin | BureauStaff),
            ApplyVouchers => self == OrgAdmin,
            RedeemVouchers => matches!(self, OrgAdmin | ServiceProvider),
            ManagePolicies => matches!(self, SystemAdmin | BureauStaff),
            ReceiveEntitlements => matches!(self, OrgAdmin | OrgMember),
            ClaimEntitlements => self == OrgAdmin,
            ManageLoanFund => matches!(self, SystemAdmin | BureauStaff),
            LendUnderFund => matches!(self, OrgAdmin | OrgMember),
            ClaimLoanSubsidies => self == OrgAdmin,
            SeekFinancing => matches!(self, OrgAdmin | OrgMember),
            ManageEvaluations => matches!(self, SystemAdmin | BureauStaff),
            ReportEvaluations => self == ZoneAdmin,
            ScoreEvaluations => matches!(self, BureauStaff | Expert),
            ViewTasks => matches!(self, SystemAdmin | BureauStaff | ZoneAdmin),
            ManageTasks => matches!(self, SystemAdmin | BureauStaff),
            ReportTasks => self == ZoneAdmin,
            ManageGuides => matches!(self, SystemAdmin | BureauStaff),
        }
    }
}

/// Where a principal's rights reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// The whole city and everything under it.
    All,
    /// The subtrees of some org units, by their materialised paths: a zone's; a county's and
    /// those of the parks that lie in it (a park's place in the tree is under its zone).
    Subtrees(Vec<String>),
    /// One organisation.
    Organisation(i64),
    /// Nothing scoped (experts, the public).
    Nothing,
}

/// A signed-in person, as the web layer loaded them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// The kind of the organisation it acts for (an enterprise, a financial institution…).
    pub org_kind: Option<crate::orgs::OrgKind>,
}

/// The place an action touches: an org unit (by path) and possibly an organisation.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub unit_path: &'a str,
    pub organisation_id: Option<i64>,
}

/// Proof that a capability check passed, for a target or for the principal's own scope.
#[derive(Debug, Clone)]
pub struct Authorized<'p> {
    principal: &'p Principal,
    capability: Capability,
}

impl<'p> Authorized<'p> {
    pub fn principal(&self) -> &'p Principal {
        self.principal
    }
    pub fn capability(&self) -> Capability {
        self.capability
    }
    pub fn scope(&self) -> &'p Scope {
        &self.principal.scope
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("the role may not do this")]
    Role,
    #[error("the target is outside the principal's scope")]
    Scope,
}

impl Principal {
    /// May the principal use `cap` at all (a list page, a create form)?
    pub fn authorize(&self, cap: Capability) -> Result<Authorized<'_>, Denied> {
        if self.role.allows(cap) {
            Ok(Authorized { principal: self, capability: cap })
        } else {
            Err(Denied::Role)
        }
    }

    /// May the principal use `cap` on this target?
    pub fn authorize_on(
        &self,
        cap: Capability,
        target: Target<'_>,
    ) -> Result<Authorized<'_>, Denied> {
        let auth = self.authorize(cap)?;
        if self.scope.covers(target) { Ok(auth) } else { Err(Denied::Scope) }
    }
}

impl Scope {
    /// The roots of the subtrees the scope reaches: `["/"]` for the whole city, none for one
    /// organisation or nothing (whose lists are not by area).
    pub fn roots(&self) -> Vec<String> {
        match self {
            Scope::All => vec!["/".to_string()],
            Scope::Subtrees(roots) => roots.clone(),
            Scope::Organisation(_) | Scope::Nothing => Vec::new(),
        }
    }

    /// Whether the unit at `path` lies in the scope.
    pub fn reaches_unit(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| in_subtree(r, path)),
            Scope::Organisation(_) | Scope::Nothing => false,
        }
    }

    pub fn covers(&self, target: Target<'_>) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| in_subtree(r, target.unit_path)),
            Scope::Organisation(id) => target.organisation_id == Some(*id),
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, scope: Scope) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            scope,
            org_kind: None,
        }
    }

    #[test]
    fn zone_admin_reaches_only_own_subtree() {
        let z = p(Role::ZoneAdmin, Scope::Subtrees(vec!["/1/2/3/".into()]));
        let inside = Target { unit_path: "/1/2/3/8/", organisation_id: Some(5) };
        let outside = Target { unit_path: "/1/2/4/9/", organisation_id: Some(6) };
        assert!(z.authorize_on(Capability::EditOrgs, inside).is_ok());
        assert_eq!(z.authorize_on(Capability::EditOrgs, outside).unwrap_err(), Denied::Scope);
        assert_eq!(z.authorize(Capability::ViewAudit).unwrap_err(), Denied::Role);
    }

    /// A county admin reaches the county's own units and the parks that lie in it, though
    /// those parks sit under zones; not the zone's other parks, nor the zone itself.
    #[test]
    fn county_admin_reaches_the_county_and_its_parks() {
        let county = Scope::Subtrees(vec!["/1/2/30/".into(), "/1/2/3/8/".into()]);
        let c = p(Role::ZoneAdmin, county.clone());
        let at = |unit_path| Target { unit_path, organisation_id: Some(5) };
        assert!(c.authorize_on(Capability::EditOrgs, at("/1/2/30/")).is_ok(), "in the county");
        assert!(c.authorize_on(Capability::EditOrgs, at("/1/2/3/8/")).is_ok(), "its park");
        assert!(c.authorize_on(Capability::EditOrgs, at("/1/2/3/9/")).is_err(), "another park");
        assert!(c.authorize_on(Capability::EditOrgs, at("/1/2/3/")).is_err(), "the zone");
        assert!(county.reaches_unit("/1/2/3/8/") && !county.reaches_unit("/1/2/"));
        assert_eq!(Scope::All.roots(), vec!["/".to_string()]);
        assert!(Scope::Organisation(5).roots().is_empty());
    }

    #[test]
    fn enterprise_sees_only_itself() {
        let e = p(Role::OrgAdmin, Scope::Organisation(5));
        assert!(
            e.authorize_on(
                Capability::ViewOrgs,
                Target { unit_path: "/1/", organisation_id: Some(5) }
            )
            .is_ok()
        );
        assert!(
            e.authorize_on(
                Capability::ViewOrgs,
                Target { unit_path: "/1/", organisation_id: Some(6) }
            )
            .is_err()
        );
        assert!(e.authorize(Capability::CreateOrgs).is_err());
    }

    #[test]
    fn public_and_experts_have_no_org_rights() {
        for r in [Role::Public, Role::Expert] {
            let x = p(r, Scope::Nothing);
            assert!(
                x.authorize_on(
                    Capability::ViewOrgs,
                    Target { unit_path: "/1/", organisation_id: Some(1) }
                )
                .is_err()
            );
        }
        assert!(!Role::Public.allows(Capability::ViewWorkspace));
    }
}
