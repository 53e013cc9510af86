//! The menu, grouped by area (statistics and monitoring; projects and reviews; market and
//! services; subjects; finance; administration): each person sees only the entries their role
//! may use — and those meant for the kind of organisation they act for — and only the groups that
//! keep at least one. Sixty entries would not fit on one line; six groups do, on a laptop and a
//! phone.
use crate::auth::Ctx;
use crate::i18n::t;
use innocity_core::access::{Capability, Principal};
use innocity_core::orgs::OrgKind;

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// An area of the menu with the entries this person may use.
#[derive(Debug, Clone)]
pub struct MenuGroup {
    pub label: &'static str,
    pub items: Vec<MenuItem>,
    /// The current page lies in it.
    pub active: bool,
}

impl MenuGroup {
    /// A group of one entry is shown as that entry (the workspace).
    pub fn single(&self) -> bool {
        self.items.len() == 1
    }
}

/// The areas, in the menu's order: (its label, the entries: href, label, capability).
type Entry = (&'static str, &'static str, Capability);

const GROUPS: &[(&str, &[Entry])] = &[
    ("nav.workspace", &[("/workspace", "nav.workspace", Capability::ViewWorkspace)]),
    (
        "nav.group.stats",
        &[
            ("/stats", "nav.stats", Capability::ViewStats),
            ("/indicators", "nav.indicators", Capability::ViewIndicators),
            ("/evaluation", "nav.evaluation", Capability::ManageEvaluations),
            ("/evaluation/ours", "nav.evaluation_ours", Capability::ReportEvaluations),
            ("/evaluation/invited", "nav.evaluation_invited", Capability::ScoreEvaluations),
            ("/tasks", "nav.tasks", Capability::ViewTasks),
        ],
    ),
    (
        "nav.group.projects",
        &[
            ("/calls", "nav.calls", Capability::ViewApplications),
            ("/applications", "nav.applications", Capability::ViewApplications),
            ("/projects", "nav.projects", Capability::ViewApplications),
            ("/notices", "nav.notices", Capability::ViewWorkspace),
            ("/projects/board", "nav.board", Capability::ManageProjects),
            ("/programmes", "nav.programmes", Capability::ManageProjects),
            ("/experts", "nav.experts", Capability::ManageExperts),
            ("/reviews", "nav.reviews", Capability::ManageExperts),
            ("/credit", "nav.credit", Capability::ManageCredit),
            ("/my/reviews", "nav.my_reviews", Capability::ReviewAsExpert),
            ("/experts/me", "nav.my_profile", Capability::ReviewAsExpert),
        ],
    ),
    (
        "nav.group.market",
        &[
            ("/market", "nav.market", Capability::ViewWorkspace),
            ("/market/notices", "nav.market_notices", Capability::OfferAchievements),
            ("/market/demands", "nav.demands", Capability::ViewWorkspace),
            ("/market/challenges", "nav.challenges", Capability::ViewWorkspace),
            ("/market/mine", "nav.market_mine", Capability::OfferAchievements),
            ("/market/demands/mine", "demand.mine", Capability::OfferAchievements),
            ("/market/registry", "nav.market_registry", Capability::ManageMarket),
            ("/market/contracts", "nav.contracts", Capability::RegisterContracts),
            ("/market/contracts/office", "nav.contract_office", Capability::ManageMarket),
            ("/market/figures", "nav.market_figures", Capability::ViewWorkspace),
            ("/market/brokerages", "nav.brokerages", Capability::BrokerDeals),
            ("/sharing", "nav.sharing", Capability::ViewWorkspace),
            ("/sharing/bookings", "nav.my_bookings", Capability::BookInstruments),
            ("/sharing/mine", "nav.sharing_mine", Capability::ShareInstruments),
            ("/providers", "nav.providers", Capability::ViewWorkspace),
            ("/services/orders", "nav.service_orders", Capability::BookInstruments),
            ("/providers/mine", "nav.provider_desk", Capability::ShareInstruments),
            ("/providers/registry", "nav.provider_registry", Capability::ManageVouchers),
            ("/sharing/evaluation", "nav.sharing_evaluation", Capability::ManageVouchers),
            ("/vouchers", "nav.vouchers", Capability::ManageVouchers),
            ("/vouchers/mine", "nav.my_vouchers", Capability::ApplyVouchers),
            ("/vouchers/redeem", "nav.redeem_vouchers", Capability::RedeemVouchers),
        ],
    ),
    (
        "nav.group.subjects",
        &[
            ("/orgs", "nav.orgs", Capability::ViewOrgs),
            ("/units", "nav.units", Capability::ViewOrgUnits),
            ("/subjects/self-evaluation", "nav.self_evaluation", Capability::SelfEvaluate),
            ("/subjects/ours", "nav.ours", Capability::SelfEvaluate),
            ("/subjects/precheck", "nav.subjects_precheck", Capability::ManageSubjects),
            ("/subjects/certificates", "nav.certificates", Capability::ManageSubjects),
            ("/subjects/pools", "nav.pools", Capability::ManageSubjects),
            ("/subjects/carriers", "nav.carriers", Capability::ManageSubjects),
            ("/subjects/talent", "nav.talent", Capability::ManageSubjects),
        ],
    ),
    (
        "nav.group.finance",
        &[
            ("/finance/policies", "nav.policies", Capability::ViewWorkspace),
            ("/finance/mine", "nav.my_entitlements", Capability::ReceiveEntitlements),
            ("/finance/my-loans", "nav.my_loans", Capability::ClaimLoanSubsidies),
            ("/finance/financing", "nav.financing", Capability::SeekFinancing),
            ("/finance/products", "nav.financing_desk", Capability::LendUnderFund),
            ("/finance/loans", "nav.fund_loans", Capability::LendUnderFund),
            ("/finance/runs", "nav.policy_runs", Capability::ManagePolicies),
            ("/finance/figures", "nav.policy_figures", Capability::ManagePolicies),
            ("/finance/funds", "nav.loan_funds", Capability::ManageLoanFund),
            ("/finance/fund-figures", "nav.fund_figures", Capability::ManageLoanFund),
            ("/finance/financing/office", "nav.financing_office", Capability::ManageLoanFund),
        ],
    ),
    (
        "nav.group.admin",
        &[
            ("/audit", "nav.audit", Capability::ViewAudit),
            ("/users", "nav.users", Capability::ManageUsers),
            ("/tokens", "nav.tokens", Capability::ManageTokens),
            ("/password", "nav.password", Capability::ViewWorkspace),
            ("/api/docs", "nav.api", Capability::ViewWorkspace),
        ],
    ),
];

/// Entries only for people acting for one kind of organisation: an enterprise's financing and
/// loans, a financial institution's desk (their pages refuse anyone else too).
const FOR_KIND: &[(&str, OrgKind)] = &[
    ("/finance/my-loans", OrgKind::Enterprise),
    ("/finance/financing", OrgKind::Enterprise),
    ("/finance/products", OrgKind::Financial),
    ("/finance/loans", OrgKind::Financial),
];

/// Whether `p` sees the menu entry `href` that needs `cap`.
fn shown(p: &Principal, href: &str, cap: Capability) -> bool {
    p.role.allows(cap)
        && FOR_KIND.iter().filter(|(h, _)| *h == href).all(|(_, kind)| p.org_kind == Some(*kind))
}

/// The menu `p` sees on the page at `ctx.path`.
pub fn menu_for(ctx: &Ctx, p: &Principal) -> Vec<MenuGroup> {
    // The longest entry the path lies under is the current one (/projects/board is the board,
    // not the project list).
    let current = GROUPS
        .iter()
        .flat_map(|(_, entries)| entries.iter())
        .filter(|(href, _, cap)| shown(p, href, *cap))
        .map(|(href, _, _)| *href)
        .filter(|href| ctx.path.starts_with(href))
        .max_by_key(|href| href.len());
    GROUPS
        .iter()
        .map(|(label, entries)| {
            let items: Vec<MenuItem> = entries
                .iter()
                .filter(|(href, _, cap)| shown(p, href, *cap))
                .map(|(href, key, _)| MenuItem {
                    href,
                    label: t(ctx.lang, key),
                    active: Some(*href) == current,
                })
                .collect();
            let active = items.iter().any(|i| i.active);
            MenuGroup { label: t(ctx.lang, label), items, active }
        })
        .filter(|g| !g.items.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_in_one_group_once() {
        let mut hrefs: Vec<&str> =
            GROUPS.iter().flat_map(|(_, e)| e.iter()).map(|(href, _, _)| *href).collect();
        let n = hrefs.len();
        hrefs.sort_unstable();
        hrefs.dedup();
        assert_eq!(hrefs.len(), n, "an entry in two places");
        for (href, _) in FOR_KIND {
            assert!(hrefs.contains(href), "{href} is kind-bound but not in the menu");
        }
    }
}
