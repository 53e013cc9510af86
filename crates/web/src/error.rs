//! One error type for pages and the API: a status, a stable code, a message in the user's language.
use crate::i18n::{Lang, tf};
use crate::page::Shell;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use innocity_store::{StoreError, Unique};

pub mod refusals;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable machine code, e.g. `forbidden`, `validation`.
    pub code: &'static str,
    /// Message key and arguments.
    pub key: &'static str,
    pub args: Vec<String>,
    /// Field errors for validation failures (field, message).
    pub fields: Vec<(String, String)>,
    pub lang: Lang,
    pub api: bool,
    /// An htmx request: answer with a fragment, not a whole page.
    pub fragment: bool,
    pub shell: Option<Box<Shell>>,
    /// Rendered for a request: its language, page or JSON, and page frame are set (`in_ctx`).
    /// An error a handler returns with a bare `?` is not; the context layer places it.
    pub placed: bool,
}

/// What an error returned with a bare `?` says, carried on its response to the request-context
/// layer ([`crate::auth::context`]), which renders it again in the user's language and form.
#[derive(Clone, Debug)]
pub struct Unplaced {
    status: StatusCode,
    code: &'static str,
    key: &'static str,
    args: Vec<String>,
    fields: Vec<(String, String)>,
}

impl From<Unplaced> for AppError {
    fn from(u: Unplaced) -> Self {
        AppError { args: u.args, fields: u.fields, ..AppError::new(u.status, u.code, u.key) }
    }
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, key: &'static str) -> Self {
        AppError {
            status,
            code,
            key,
            args: vec![],
            fields: vec![],
            lang: Lang::Zh,
            api: false,
            fragment: false,
            shell: None,
            placed: false,
        }
    }
    pub fn args(mut self, args: Vec<String>) -> Self {
        self.args = args;
        self
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "err.not_found")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "err.forbidden")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "err.unauthorized")
    }
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "err.csrf")
    }
    pub fn bad_request(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", "err.bad_request").args(vec![what.into()])
    }
    pub fn malformed(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", "err.malformed").args(vec![what.into()])
    }
    pub fn internal(request_id: &str) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "err.internal")
            .args(vec![request_id.into()])
    }
    /// Sets how the error is rendered: the language, page or JSON, and the page frame.
    pub fn in_ctx(mut self, lang: Lang, api: bool, shell: Option<Shell>) -> Self {
        self.lang = lang;
        self.api = api;
        self.shell = shell.map(Box::new);
        self.placed = true;
        self
    }
    pub fn message(&self) -> String {
        tf(self.lang, self.key, &self.args)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Stale => AppError::new(StatusCode::CONFLICT, "stale", "err.stale"),
            StoreError::Duplicate(Unique::FormToken) => {
                AppError::new(StatusCode::CONFLICT, "duplicate_submit", "err.duplicate_submit")
            }
            StoreError::Duplicate(Unique::CreditCode) => AppError::new(
                StatusCode::CONFLICT,
                "duplicate_credit_code",
                "err.credit_code.duplicate",
            ),
            StoreError::Duplicate(Unique::Other(_)) => {
                AppError::new(StatusCode::CONFLICT, "duplicate", "err.duplicate_submit")
            }
            other => {
                if let Some((key, args)) = refusals::refusal(&other) {
                    return AppError::new(StatusCode::CONFLICT, "refused", key).args(args);
                }
                // The cause goes to the log (no secrets in it), the user gets a request id.
                tracing::error!(error = %other, "store error");
                AppError::internal("")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.placed {
            return self.render();
        }
        let unplaced = Unplaced {
            status: self.status,
            code: self.code,
            key: self.key,
            args: self.args.clone(),
            fields: self.fields.clone(),
        };
        let mut resp = self.render();
        resp.extensions_mut().insert(unplaced);
        resp
    }
}

impl AppError {
    /// The response: a JSON error, an htmx fragment or a whole page.
    fn render(mut self) -> Response {
        let message = self.message();
        if self.api {
            let fields: serde_json::Map<String, serde_json::Value> = self
                .fields
                .iter()
                .map(|(f, m)| (f.clone(), serde_json::Value::String(m.clone())))
                .collect();
            let mut body =
                serde_json::json!({ "error": { "code": self.code, "message": message } });
            if !fields.is_empty() {
                body["error"]["fields"] = serde_json::Value::Object(fields);
            }
            return (self.status, axum::Json(body)).into_response();
        }
        // A message said once: the field's own message is not repeated below the same words.
        self.fields.retain(|(_, m)| *m != message);
        if self.fragment {
            let items: String = self
                .fields
                .iter()
                .map(|(_, m)| format!("<li>{}</li>", crate::page::escape(m)))
                .collect();
            let html = format!(
                "<div class=\"alert alert-error\" id=\"error-message\"><p>{}</p>{}</div>",
                crate::page::escape(&message),
                if items.is_empty() { String::new() } else { format!("<ul>{items}</ul>") }
            );
            return (self.status, axum::response::Html(html)).into_response();
        }
        let shell = self.shell.map(|s| *s).unwrap_or_else(|| Shell::anonymous(self.lang));
        let fields: Vec<String> = self.fields.into_iter().map(|(_, m)| m).collect();
        crate::page::error_page_with(shell, self.status, &message, &fields)
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The message key for why a password is refused.
pub fn password_key(p: innocity_store::users::PasswordProblem) -> &'static str {
    use innocity_store::users::PasswordProblem as P;
    match p {
        P::Short => "err.password.short",
        P::Long => "err.password.long",
        P::Mix => "err.password.mix",
    }
}

#[cfg(test)]
mod tests {
    use super::refusals::{self, ANSWER_RULES, BUDGET_RULES};
    use crate::i18n::{Lang, lookup};
    use axum::http::StatusCode;
    use chrono::NaiveDate;
    use innocity_core::projects::FileError;
    use innocity_core::projects::execution::{ReportKind, Status};
    use innocity_core::projects::funding::Condition;
    use innocity_core::projects::money::Money;
    use innocity_store::credit::CreditRefusal;
    use innocity_store::experts::{ExpertRefusal, ReviewRefusal};
    use innocity_store::projects::{
        ApplicationRefusal as A, CallRefusal as C, DraftProblem as D, NoticeRefusal as N,
        ProjectRefusal as P,
    };
    use innocity_store::stats::ReturnRefusal as S;
    use innocity_store::{StoreError, Unique};

    /// Every refusal, one of each variant (the matches in `refusals` have no catch-all, so a new
    /// variant has no key until it is given one there; listed here, its words are checked).
    fn market_refusals() -> Vec<StoreError> {
        use innocity_store::market::MarketRefusal as M;
        [
            M::NotNow { from: "draft", action: "list" },
            M::Reason,
            M::NotListed,
            M::Inquiry,
            M::NotRegistrant,
            M::AlreadyRegistered { id: 7 },
            M::ContractType,
            M::Buyer,
            M::BrokerageClosed,
            M::UnknownContract { number: "TC2026000009".into() },
            M::DemandClosed,
            M::ChallengeExists,
            M::NotTaking { apply_by: chrono::NaiveDate::MIN },
            M::OwnChallenge,
            M::AppliedTwice,
            M::StillTaking { apply_by: chrono::NaiveDate::MIN },
            M::NoProposals,
            M::RoundOpen,
            M::NotAProposal,
            M::Report,
            M::ExpertsFirst,
            M::NoExpertsNeeded,
            M::NoSignedFile,
            M::ChangedParties,
            M::NotOpenForChange,
        ]
        .into_iter()
        .map(StoreError::Market)
        .collect()
    }

    /// The sharing platform's refusals, every booking rule among them.
    fn sharing_refusals() -> Vec<StoreError> {
        use innocity_core::sharing::booking::{BookingRefusal as B, QuotaPeriod, Span};
        use innocity_core::sharing::instruments::OpeningHours;
        use innocity_store::sharing::SharingRefusal as R;
        let at =
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default().and_time(Default::default());
        let span = Span { start: at, end: at };
        let hours =
            OpeningHours { opens: Default::default(), closes: Default::default(), days: [true; 7] };
        let quota = |period| B::Quota { period, limit: 600, used: 540 };
        let bookings = [
            B::Order,
            B::Past,
            B::Notice { hours: 24 },
            B::TooShort { minutes: 30 },
            B::TooLong { minutes: 240 },
            B::Closed { hours },
            B::Blackout { span, reason: "年度保养".into() },
            B::Overlap { span },
            quota(QuotaPeriod::Day),
            quota(QuotaPeriod::Week),
            quota(QuotaPeriod::Month),
            B::NotOpen,
        ];
        let states =
            ["requested", "approved", "refused", "cancelled", "used", "no_show", "started"];
        bookings
            .into_iter()
            .map(R::Booking)
            .chain(states.into_iter().map(|from| R::Status { from, action: "cancel" }))
            .chain([
                R::CodeTaken { code: "LZU-1".into() },
                R::NotStarted,
                R::Reason,
                R::Actual,
                R::BlackoutMeets { booking_id: 7 },
                R::BlackoutOrder,
                R::Fee,
                R::NotOffered,
                R::OwnProvider,
                R::NoReport,
                R::Rated,
                R::NotRateable,
                R::ProviderState { from: "registered" },
                R::ProviderState { from: "suspended" },
                R::EvaluationYear { year: 2031 },
                R::Published { year: 2026 },
                R::OutcomeGrade,
            ])
            .chain(
                innocity_core::sharing::services::OrderStatus::ALL
                    .map(|s| R::OrderStep { from: s.code() }),
            )
            .chain(voucher_refusals())
            .map(StoreError::Sharing)
            .collect()
    }

    /// Every voucher and redemption refusal, every relation among them.
    fn voucher_refusals() -> Vec<innocity_store::sharing::SharingRefusal> {
        use innocity_core::sharing::vouchers::{Relation, Standing};
        use innocity_store::sharing::{
            RedemptionRefusal as D, SharingRefusal as R, VoucherRefusal as V,
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
        let wan = Money::from_wan(2);
        let vouchers = [
            V::CodeTaken { code: "LZ2026".into() },
            V::NotOpen { from: day, to: day },
            V::NotEnterprise,
            V::OutsideArea,
            V::BadCredit,
            V::NotTechSme,
            V::OverApplicationCap { cap: wan },
            V::OverEnterpriseCap { cap: wan, used: wan },
            V::OverBudget { unissued: wan },
            V::Grant,
            V::Decided,
            V::Reason,
            V::IdNumber,
            V::PersonRecorded,
        ];
        let mut redemptions = vec![
            D::UnknownVoucher,
            D::WrongCode {
                kind: innocity_store::sharing::redemption_checks::CodeTries::Voucher,
                voucher_id: 1,
                provider_id: 2,
                tries: 3,
            },
            D::OrderService { kind: "rd".into() },
            D::Locked {
                until: NaiveDate::from_ymd_opt(2026, 12, 8)
                    .unwrap_or_default()
                    .and_time(Default::default()),
            },
            D::Expired { on: day },
            D::NotActive,
            D::Balance { balance: wan },
            D::Copay { most: wan, copay_percent: 30 },
            D::Service { service: "rd".into() },
            D::Related { relation: None },
            D::NotProvider,
            D::NotRegistered,
            D::NotTheOrder,
            D::OrderTotal { fee: Money::from_yuan(1200) },
            D::OrderPaid { most: Money::from_yuan(300) },
            D::KeyReused,
            D::State { from: "pending".into() },
            D::AlreadySettled { id: 3 },
            D::MonthSettled { month: "202612".into() },
            D::NothingToSettle { month: "202612".into() },
            D::Reason,
        ];
        for a in Standing::ALL {
            for b in Standing::ALL {
                let relation = Relation { name: "张伟".into(), in_enterprise: a, in_provider: b };
                redemptions.push(D::Related { relation: Some(relation) });
            }
        }
        vouchers
            .into_iter()
            .map(R::Voucher)
            .chain(redemptions.into_iter().map(R::Redemption))
            .chain(exchange_refusals().into_iter().map(R::Exchange))
            .collect()
    }

    /// Every refusal of the cross-region exchange.
    fn exchange_refusals() -> Vec<innocity_store::sharing::ExchangeRefusal> {
        use innocity_core::sharing::exchange::FileError as F;
        use innocity_store::sharing::ExchangeRefusal as X;
        vec![
            X::CodeTaken { code: "DX2026".into() },
            X::File(F::Syntax { line: 3, column: 5, detail: "expected value".into() }),
            X::File(F::Format { found: "reply".into() }),
            X::File(F::Signature),
            X::Programme { expected: "DX2026".into(), found: "BY2026".into() },
            X::RosterVoucher { line: 2, number: "DX2026-000002".into() },
            X::Lines,
            X::Month { month: "2026-13".into() },
            X::MonthTaken { month: "2026-11".into() },
            X::NothingToClaim { month: "2026-11".into() },
            X::NotOurStatement,
            X::Replied,
        ]
    }

    /// The policy library's refusals, every kind of rule problem among them.
    fn finance_refusals() -> Vec<StoreError> {
        use innocity_core::finance::policy::{RuleError as E, RulePart};
        use innocity_store::finance::FinanceRefusal as F;
        let part = RulePart::Eligible;
        [
            F::Required { field: "title" },
            F::Date { field: "effective_to" },
            F::CodeTaken { code: "RD-GROWTH".into() },
            F::Rule(E::Syntax { part, position: 3, message: "unexpected ')'".into() }),
            F::Rule(E::UnknownFact { part, position: 1, name: "RD".into() }),
            F::Rule(E::NotAFact { part, position: 1, item: "C{X}".into() }),
            F::Rule(E::Offset { part, position: 1, offset: -3 }),
            F::Rule(E::Cap),
            F::Year { year: 2026 },
            F::RunExists { run_id: 3 },
            F::RunStatus { from: "computed".into() },
            F::SameChecker,
            F::Reason,
            F::ObjectionPeriod { until: NaiveDate::from_ymd_opt(2026, 12, 12).unwrap_or_default() },
            F::NotListed,
            F::Account,
            F::PaidAlready {
                route: "application".into(), reference: "兰科财〔2025〕3号".into()
            },
            F::Amount { amount: Money::ZERO },
            F::NotEnterprise,
        ]
        .into_iter()
        .chain(fund_refusals())
        .chain(financing_refusals())
        .map(StoreError::Finance)
        .collect()
    }

    fn fund_refusals() -> Vec<innocity_store::finance::FinanceRefusal> {
        use innocity_core::finance::fund::{LedgerError as L, LoanError as N, TermsError as T};
        use innocity_store::finance::fund::FundRefusal as R;
        let (m, d) = (Money::from_wan(1), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default());
        [
            R::Ledger(L::Amount),
            R::Ledger(L::Available { available: m }),
            R::Ledger(L::Overflow),
            R::Terms(T::Share),
            R::Terms(T::Amount { field: "loan_cap" }),
            R::Terms(T::Term),
            R::Terms(T::Rate),
            R::Terms(T::Dates),
            R::NotFinancial,
            R::AgreementExists,
            R::NoAgreement,
            R::NotWhiteListed,
            R::Loan(N::Principal),
            R::Loan(N::OverLoanCap { cap: m }),
            R::Loan(N::OverQuota { quota: m, outstanding: m }),
            R::Loan(N::Term { max: 36 }),
            R::Loan(N::Rate { max: 600 }),
            R::Loan(N::Outside { from: d, to: d }),
            R::ContractTaken { contract_no: "兰银贷2025-001".into() },
            R::LoanStatus { status: "repaid".into() },
            R::Instalment { seq: 3 },
            R::NotOverdue { from: d },
            R::NoDefault,
            R::Steps,
            R::Loss { outstanding: m },
            R::CompensationCap { cap: m, used: m },
            R::ClaimStatus { status: "paid".into() },
            R::Recovery { left: m },
            R::NoSubsidy,
            R::SubsidyTwice { subsidy_id: 4 },
            R::SubsidyYear { year: 2027 },
            R::NothingPaid { year: 2025 },
            R::Evidence,
            R::NotOwned { patent_no: "ZL202010123456.2".into() },
            R::Pledged { loan_id: 3 },
            R::PledgeRegistration,
            R::NotReleasable,
        ]
        .into_iter()
        .map(innocity_store::finance::FinanceRefusal::Fund)
        .collect()
    }

    fn financing_refusals() -> Vec<innocity_store::finance::FinanceRefusal> {
        use innocity_core::finance::financing::{Side, Stage, StepError as S};
        use innocity_store::finance::financing::FinancingRefusal as R;
        [
            R::NotEnterprise,
            R::NotInstitution,
            R::DemandClosed,
            R::ProductClosed,
            R::KindMismatch { product: "equity".into() },
            R::Step(S::NotYours { side: Side::Institution }),
            R::Step(S::Order { from: None }),
            R::Step(S::Order { from: Some(Stage::Approved) }),
            R::Step(S::Order { from: Some(Stage::Contacted) }),
            R::OverAsked,
            R::OverProduct { max: Money::from_wan(1_000) },
            R::Moved { stage: None },
        ]
        .into_iter()
        .map(innocity_store::finance::FinanceRefusal::Financing)
        .collect()
    }

    fn every_refusal() -> Vec<StoreError> {
        [
            sharing_refusals(),
            application_refusals(),
            call_refusals(),
            project_refusals(),
            notice_refusals(),
            expert_refusals(),
            return_and_credit_refusals(),
            market_refusals(),
            finance_refusals(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Applications: the call, the draft's fields (every budget and answer rule), files, stages.
    fn application_refusals() -> Vec<StoreError> {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
        let s = String::new;
        let draft = |problem| A::Draft { field: "title".into(), problem };
        let mut all: Vec<StoreError> = vec![
            A::CallClosed { closes: day }.into(),
            draft(D::Title).into(),
            draft(D::Topic).into(),
            draft(D::SummaryTooLong { max: 20_000 }).into(),
            draft(D::LeaderName).into(),
            draft(D::IdNumber).into(),
            A::IdNumber.into(),
            A::NotEditable.into(),
            A::ReasonRequired.into(),
            A::Stage { from: "draft", action: "approve" }.into(),
            A::Deadline { deadline: day }.into(),
            A::Ineligible { rule: "unit", detail: s(), missed: 1 }.into(),
            A::Grant { requested: Money::ZERO }.into(),
            A::NoBudget { year: 2026 }.into(),
            A::Overspent { over: Money::ZERO, available: Money::ZERO }.into(),
        ];
        for problem in
            [FileError::Empty, FileError::TooLarge, FileError::Type, FileError::Disguised]
        {
            all.push(A::File { name: s(), problem }.into());
        }
        for rule in BUDGET_RULES {
            all.push(draft(D::Budget { rule, args: vec![] }).into());
        }
        for rule in ANSWER_RULES {
            all.push(draft(D::Answer { rule, arg: s() }).into());
        }
        all
    }

    /// Calls and programmes.
    fn call_refusals() -> Vec<StoreError> {
        let s = String::new;
        vec![
            C::Deadlines.into(),
            C::Plan { problem: "no_experts" }.into(),
            C::CodeTaken { code: s() }.into(),
            C::Applied { count: 1 }.into(),
            C::NothingToReview.into(),
            C::RoundsOpen.into(),
            C::NoScores { round: s() }.into(),
            C::ProgrammeCodeTaken { code: s() }.into(),
            C::BelowCommitted { committed: Money::ZERO }.into(),
        ]
    }

    /// Projects: task books, instalments, changes, reports, inspections, outputs.
    fn project_refusals() -> Vec<StoreError> {
        let s = String::new;
        vec![
            P::NotEstablished.into(),
            P::TaskBook.into(),
            P::Period.into(),
            P::Milestones.into(),
            P::Cancelled.into(),
            P::NotPaying { status: Status::Suspended }.into(),
            P::Condition { condition: Condition::Signing }.into(),
            P::SamePerson.into(),
            P::NotPrepared.into(),
            P::Released.into(),
            P::NoTaskBook.into(),
            P::Change { field: s(), rule: "once" }.into(),
            P::Field { field: "title" }.into(),
            P::LeaderBarred { kind: s(), source: s() }.into(),
            P::Status { status: Status::Ongoing, action: "report" }.into(),
            P::ChangePending.into(),
            P::ChangeDecided.into(),
            P::ReportBody { min: 20 }.into(),
            P::Deliverable { deliverable: s() }.into(),
            P::ReportIn.into(),
            P::MilestoneReached { milestone: s() }.into(),
            P::Stage.into(),
            P::Score.into(),
            P::Concluded.into(),
            P::NoReport { kind: ReportKind::Final }.into(),
            P::Opinions { required: 3, given: 0 }.into(),
            P::FraudPass.into(),
            P::Rectified.into(),
            P::OutputTwice { reference: s() }.into(),
        ]
    }

    /// Notices (公示) and objections.
    fn notice_refusals() -> Vec<StoreError> {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
        let s = String::new;
        vec![
            N::Minutes.into(),
            N::Period { field: "ends_on", min_days: 7 }.into(),
            N::Nothing.into(),
            N::Published.into(),
            N::Closed { ended: day }.into(),
            N::Application { code: s() }.into(),
            N::Field { field: "name", min: 2, max: 50 }.into(),
            N::Duplicate.into(),
            N::TooMany { limit: 5 }.into(),
            N::Resolved.into(),
            N::Establish { why: "no_notice", notice_ends: None }.into(),
        ]
    }

    /// The expert library and review rounds.
    fn expert_refusals() -> Vec<StoreError> {
        let s = String::new;
        vec![
            ExpertRefusal::Code.into(),
            ExpertRefusal::Name.into(),
            ExpertRefusal::Organisation.into(),
            ExpertRefusal::CreditCode.into(),
            ExpertRefusal::Fields.into(),
            ExpertRefusal::Date.into(),
            ExpertRefusal::Cap.into(),
            ExpertRefusal::Reason.into(),
            ExpertRefusal::Transition { from: "exited", action: "reconfirm" }.into(),
            ExpertRefusal::Tie.into(),
            ReviewRefusal::Already.into(),
            ReviewRefusal::Bid { bid: s() }.into(),
            ReviewRefusal::Closed.into(),
            ReviewRefusal::ConflictAfterScoring.into(),
            ReviewRefusal::Deadline { deadline: s() }.into(),
            ReviewRefusal::Demand.into(),
            ReviewRefusal::Form { field: s(), message: s() }.into(),
            ReviewRefusal::Infeasible { why: s() }.into(),
            ReviewRefusal::Item { position: 1, code: s() }.into(),
            ReviewRefusal::NotAssignable.into(),
            ReviewRefusal::NotAssigned.into(),
            ReviewRefusal::Reason.into(),
            ReviewRefusal::UnknownCriterion { code: s() }.into(),
            ReviewRefusal::ScoreRange { criterion: s(), max: 10.0 }.into(),
            ReviewRefusal::Score { field: s(), message: s() }.into(),
            ReviewRefusal::Seed.into(),
            ReviewRefusal::SeedFirst.into(),
            ReviewRefusal::Submission { field: s(), message: s() }.into(),
            ReviewRefusal::Submitted.into(),
        ]
    }

    /// Statistical returns and credit records.
    fn return_and_credit_refusals() -> Vec<StoreError> {
        let s = String::new;
        vec![
            S::NotEditable { status: innocity_core::stats::status::Status::Locked }.into(),
            S::SameFile { file_name: s(), by: s(), at: 0 }.into(),
            S::NotNow { status: innocity_core::stats::status::Status::Locked }.into(),
            S::UnitApproved.into(),
            S::AlreadyApproved.into(),
            S::ApprovePending { count: 1 }.into(),
            S::ApproveMissing { count: 1 }.into(),
            S::ApproveChildren { unit: s() }.into(),
            S::ParentApproved.into(),
            CreditRefusal::Invalid { field: "sanction", message: s() }.into(),
            CreditRefusal::Subject.into(),
        ]
    }

    #[test]
    fn every_refusal_has_words_in_both_languages() {
        let mut missing = Vec::new();
        for e in every_refusal() {
            let Some((key, _)) = refusals::refusal(&e) else {
                missing.push(format!("{e:?}: not a refusal"));
                continue;
            };
            for lang in [Lang::Zh, Lang::En] {
                if lookup(lang, key).is_none() {
                    missing.push(format!("{e:?}: {key} in {}", lang.code()));
                }
            }
            let app = super::AppError::from(e);
            assert_eq!((app.status, app.code, app.key), (StatusCode::CONFLICT, "refused", key));
        }
        assert!(missing.is_empty(), "refusals without words: {missing:#?}");
    }

    #[test]
    fn duplicates_are_told_apart_by_constraint() {
        let pg = |c: &str| format!("duplicate key value violates unique constraint \"{c}\"");
        for (msg, want) in [
            (pg("form_tokens_pkey"), Unique::FormToken),
            ("UNIQUE constraint failed: form_tokens.token".into(), Unique::FormToken),
            (pg("organisations_credit_code_key"), Unique::CreditCode),
            ("UNIQUE constraint failed: organisations.credit_code".into(), Unique::CreditCode),
        ] {
            assert_eq!(Unique::from_message(&msg), want);
        }
        assert!(matches!(
            Unique::from_message("UNIQUE constraint failed: users.username"),
            Unique::Other(_)
        ));
        let e = super::AppError::from(StoreError::Duplicate(Unique::CreditCode));
        assert_eq!(e.code, "duplicate_credit_code");
    }
}
