//! The page frame shared by every HTML page: language, the signed-in person, the menu their
//! role may use, the CSRF token for forms.
use crate::auth::Ctx;
use crate::i18n::{Lang, t, tf};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use innocity_core::access::{Capability, Principal, Role, Scope};
use innocity_core::orgs::OrgKind;

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The menu, each entry with the capability it needs: a role sees only what it may use.
const MENU: &[(&str, &str, Capability)] = &[
    ("/workspace", "nav.workspace", Capability::ViewWorkspace),
    ("/orgs", "nav.orgs", Capability::ViewOrgs),
    ("/units", "nav.units", Capability::ViewOrgUnits),
    ("/stats", "nav.stats", Capability::ViewStats),
    ("/indicators", "nav.indicators", Capability::ViewIndicators),
    ("/calls", "nav.calls", Capability::ViewApplications),
    ("/applications", "nav.applications", Capability::ViewApplications),
    ("/projects", "nav.projects", Capability::ViewApplications),
    ("/notices", "nav.notices", Capability::ViewWorkspace),
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
    ("/subjects/self-evaluation", "nav.self_evaluation", Capability::SelfEvaluate),
    ("/subjects/ours", "nav.ours", Capability::SelfEvaluate),
    ("/subjects/precheck", "nav.subjects_precheck", Capability::ManageSubjects),
    ("/subjects/certificates", "nav.certificates", Capability::ManageSubjects),
    ("/subjects/pools", "nav.pools", Capability::ManageSubjects),
    ("/subjects/carriers", "nav.carriers", Capability::ManageSubjects),
    ("/subjects/talent", "nav.talent", Capability::ManageSubjects),
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
    ("/projects/board", "nav.board", Capability::ManageProjects),
    ("/programmes", "nav.programmes", Capability::ManageProjects),
    ("/experts", "nav.experts", Capability::ManageExperts),
    ("/reviews", "nav.reviews", Capability::ManageExperts),
    ("/credit", "nav.credit", Capability::ManageCredit),
    ("/my/reviews", "nav.my_reviews", Capability::ReviewAsExpert),
    ("/experts/me", "nav.my_profile", Capability::ReviewAsExpert),
    ("/audit", "nav.audit", Capability::ViewAudit),
    ("/users", "nav.users", Capability::ManageUsers),
    ("/tokens", "nav.tokens", Capability::ManageTokens),
    ("/password", "nav.password", Capability::ViewWorkspace),
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

#[derive(Debug, Clone)]
pub struct Shell {
    pub lang: Lang,
    pub user: Option<Principal>,
    pub menu: Vec<MenuItem>,
    pub csrf: String,
    /// The current page in the other language.
    pub switch_href: String,
    pub request_id: String,
    /// Where an error page sends the user back to.
    pub back: String,
}

impl Shell {
    pub fn new(ctx: &Ctx) -> Shell {
        let menu = match &ctx.principal {
            Some(p) => {
                // The longest entry the path lies under is the current one (/projects/board is
                // the board, not the project list).
                let current = MENU
                    .iter()
                    .filter(|(href, _, cap)| shown(p, href, *cap))
                    .map(|m| m.0)
                    .filter(|href| ctx.path.starts_with(href))
                    .max_by_key(|href| href.len());
                MENU.iter()
                    .filter(|(href, _, cap)| shown(p, href, *cap))
                    .map(|(href, key, _)| MenuItem {
                        href,
                        label: t(ctx.lang, key),
                        active: Some(*href) == current,
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let other = ctx.lang.other().code();
        let rest: Vec<&str> =
            ctx.query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("lang=")).collect();
        let switch_href = if rest.is_empty() {
            format!("{}?lang={other}", ctx.path)
        } else {
            format!("{}?{}&lang={other}", ctx.path, rest.join("&"))
        };
        Shell {
            lang: ctx.lang,
            user: ctx.principal.clone(),
            menu,
            csrf: ctx.csrf.clone(),
            switch_href,
            request_id: ctx.request_id.clone(),
            back: ctx.back.clone(),
        }
    }

    pub fn anonymous(lang: Lang) -> Shell {
        Shell {
            lang,
            user: None,
            menu: Vec::new(),
            csrf: String::new(),
            switch_href: format!("/?lang={}", lang.other().code()),
            request_id: String::new(),
            back: "/".into(),
        }
    }

    /// A message in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    pub fn tf(&self, key: &str, arg: &str) -> String {
        tf(self.lang, key, &[arg.to_string()])
    }
    pub fn tf2(&self, key: &str, a: &str, b: &str) -> String {
        tf(self.lang, key, &[a.to_string(), b.to_string()])
    }
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn role_label(&self) -> &'static str {
        self.user.as_ref().map(|u| self.t(&format!("role.{}", u.role.code()))).unwrap_or("")
    }
    pub fn is_role(&self, role: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::parse(role).unwrap_or(Role::Public))
    }
    pub fn scope_is_all(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.scope == Scope::All)
    }
    /// A fresh one-time token that makes a second submit of the same form fail.
    pub fn form_token(&self) -> String {
        innocity_store::users::random_token()
    }
    /// An audit before/after value: a dash when there is none.
    pub fn change(&self, json: &str) -> String {
        if json == "null" || json.is_empty() { "—".into() } else { json.to_string() }
    }
    pub fn time(&self, ms: &i64) -> String {
        crate::auth::format_time(self.lang, *ms)
    }
}

/// Field errors of a form: (field, message in the user's language).
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// The message for `field`, or empty.
    pub fn get(&self, field: &str) -> String {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One option of a select, radio or checkbox list: the value sent, what it says, whether it is
/// chosen.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl ToString, selected: bool) -> Choice {
        Choice { value: value.to_string(), label: label.to_string(), selected }
    }
}

/// A form field's error message, in the user's language.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl FieldMessage {
    /// The messages of an error's `(field, message)` pairs.
    pub fn list(fields: &[(String, String)]) -> Vec<FieldMessage> {
        fields
            .iter()
            .map(|(field, message)| FieldMessage { field: field.clone(), message: message.clone() })
            .collect()
    }
}

/// Renders a template to a response; a template error is logged and shown as a 500 page.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>")).into_response()
        }
    }
}

/// Renders a template with another status than 200 (a form with errors is 422).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    s: Shell,
    status: u16,
    message: &'a str,
    details: &'a [String],
}

pub fn error_page(s: Shell, status: StatusCode, message: &str) -> Response {
    error_page_with(s, status, message, &[])
}

/// An error page with details (each problem of an uploaded file, say).
pub fn error_page_with(
    s: Shell,
    status: StatusCode,
    message: &str,
    details: &[String],
) -> Response {
    let mut r = render(&ErrorPage { s, status: status.as_u16(), message, details });
    *r.status_mut() = status;
    r
}

/// HTML-escapes text for the few fragments built without a template.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
