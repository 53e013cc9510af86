//! The words for the store's refusals: each area's reasons to a message key and its arguments,
//! in the user's language by [`crate::i18n::tf`]. Every refusal is a 409 `refused` unless a page
//! shows it beside a field.
use chrono::NaiveDate;
use innocity_core::projects::FileError;
use innocity_store::StoreError;
use innocity_store::credit::CreditRefusal;
use innocity_store::experts::{ExpertRefusal, ReviewRefusal};
use innocity_store::market::MarketRefusal;
use innocity_store::projects::{
    ApplicationRefusal, CallRefusal, DraftProblem, NoticeRefusal, ProjectRefusal,
};
use innocity_store::sharing::SharingRefusal;
use innocity_store::stats::ReturnRefusal;

/// A message key and its arguments.
pub type Message = (&'static str, Vec<String>);

/// A date as the messages write it: 2025年03月31日.
fn day(d: NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// The message of a refusal; `None` for errors that are not one.
pub fn refusal(e: &StoreError) -> Option<Message> {
    Some(match e {
        StoreError::Applications(r) => application(r),
        StoreError::Calls(r) => call(r),
        StoreError::Projects(r) => project(r),
        StoreError::Notices(r) => notice(r),
        StoreError::Experts(r) => expert(r),
        StoreError::Reviews(r) => review(r),
        StoreError::Returns(r) => stat_return(r),
        StoreError::Credit(r) => credit(r),
        StoreError::Market(r) => market(r),
        StoreError::Sharing(r) => sharing(r),
        StoreError::Finance(r) => finance(r),
        StoreError::Evaluation(r) => evaluation(r),
        _ => return None,
    })
}

pub fn application(r: &ApplicationRefusal) -> Message {
    use ApplicationRefusal as A;
    match r {
        A::CallClosed { closes } => ("apps.err.call_closed", vec![closes.to_string()]),
        A::Draft { field, problem } => {
            let (key, args) = draft(problem);
            (key, [vec![field.clone()], args].concat())
        }
        A::IdNumber => ("apps.err.id_number", vec![]),
        A::NotEditable => ("apps.err.not_editable", vec![]),
        A::ReasonRequired => ("apps.err.reason", vec![]),
        A::Stage { from, action } => ("apps.err.stage", vec![from.to_string(), action.to_string()]),
        A::Deadline { deadline } => ("apps.err.deadline", vec![day(*deadline)]),
        A::Ineligible { rule, detail, missed } => {
            ("apps.err.eligibility", vec![rule.to_string(), detail.clone(), missed.to_string()])
        }
        A::Grant { requested } => ("apps.err.grant", vec![requested.wan_text()]),
        A::NoBudget { year } => ("apps.err.no_budget", vec![year.to_string()]),
        A::Overspent { over, available } => {
            ("apps.err.overspent", vec![over.wan_text(), available.wan_text()])
        }
        A::File { name, problem } => (file(*problem), vec![name.clone()]),
    }
}

fn file(problem: FileError) -> &'static str {
    match problem {
        FileError::Empty => "apps.err.file_empty",
        FileError::TooLarge => "apps.err.file_large",
        FileError::Type => "apps.err.file_type",
        FileError::Disguised => "apps.err.file_disguised",
    }
}

/// A draft's problem, without its field.
pub fn draft(p: &DraftProblem) -> Message {
    use DraftProblem as D;
    match p {
        D::Title => ("apps.err.title", vec![]),
        D::Topic => ("err.choose", vec![]),
        D::SummaryTooLong { max } => ("err.too_long", vec![max.to_string()]),
        D::LeaderName => ("err.required", vec![]),
        D::IdNumber => ("apps.err.id_number", vec![]),
        D::Budget { rule, args } => (budget_key(rule), args.clone()),
        D::Answer { rule, arg } => (answer_key(rule), vec![arg.clone()]),
    }
}

/// The budget rules of `core::projects::funding::check_budget`.
pub const BUDGET_RULES: [&str; 7] =
    ["unknown_category", "twice", "negative", "nothing", "over_limit", "indirect", "co_funding"];

fn budget_key(rule: &str) -> &'static str {
    match rule {
        "unknown_category" => "apps.err.budget.unknown_category",
        "twice" => "apps.err.budget.twice",
        "negative" => "apps.err.budget.negative",
        "nothing" => "apps.err.budget.nothing",
        "over_limit" => "apps.err.budget.over_limit",
        "indirect" => "apps.err.budget.indirect",
        _ => "apps.err.budget.co_funding",
    }
}

/// The answer rules of `core::projects::form::check_answers`.
pub const ANSWER_RULES: [&str; 7] =
    ["required", "too_long", "number", "range", "date", "choice", "unknown"];

fn answer_key(rule: &str) -> &'static str {
    match rule {
        "required" => "apps.err.answer_required",
        "too_long" => "apps.err.answer_long",
        "number" => "apps.err.answer_number",
        "range" => "apps.err.answer_range",
        "date" => "apps.err.answer_date",
        "choice" => "apps.err.answer_choice",
        _ => "apps.err.answer_unknown",
    }
}

pub fn call(r: &CallRefusal) -> Message {
    use CallRefusal as C;
    match r {
        C::Deadlines => ("calls.err.deadlines", vec![]),
        C::Plan { problem } => ("calls.err.plan", vec![problem.to_string()]),
        C::CodeTaken { code } => ("calls.err.code_taken", vec![code.clone()]),
        C::Applied { count } => ("calls.err.applied", vec![count.to_string()]),
        C::NothingToReview => ("calls.err.nothing_to_review", vec![]),
        C::RoundsOpen => ("calls.err.rounds_open", vec![]),
        C::NoScores { round } => ("calls.err.no_scores", vec![round.clone()]),
        C::ProgrammeCodeTaken { code } => ("programmes.err.code_taken", vec![code.clone()]),
        C::BelowCommitted { committed } => {
            ("programmes.err.below_committed", vec![committed.wan_text()])
        }
    }
}

pub fn project(r: &ProjectRefusal) -> Message {
    use ProjectRefusal as P;
    let none = |key| (key, vec![]);
    match r {
        P::NotEstablished => none("projects.err.not_established"),
        P::TaskBook => none("projects.err.task_book"),
        P::Period => none("projects.err.period"),
        P::Milestones => none("projects.err.milestones"),
        P::Cancelled => none("projects.err.cancelled"),
        P::NotPaying { status } => ("projects.err.not_paying", vec![status.code().into()]),
        P::Condition { condition } => ("projects.err.condition", vec![condition.code().into()]),
        P::SamePerson => none("projects.err.same_person"),
        P::NotPrepared => none("projects.err.not_prepared"),
        P::Released => none("projects.err.released"),
        P::NoTaskBook => none("projects.err.no_task_book"),
        P::Change { field, rule } => ("projects.err.change", vec![field.clone(), rule.to_string()]),
        P::Field { field } => ("projects.err.field", vec![field.to_string()]),
        P::LeaderBarred { kind, source } => {
            ("projects.err.leader_barred", vec![format!("{kind}（{source}）")])
        }
        P::Status { status, action } => {
            ("projects.err.status", vec![status.code().into(), action.to_string()])
        }
        P::ChangePending => none("projects.err.change_pending"),
        P::ChangeDecided => none("projects.err.change_decided"),
        P::ReportBody { min } => ("projects.err.report_body", vec![min.to_string()]),
        P::Deliverable { deliverable } => ("projects.err.deliverable", vec![deliverable.clone()]),
        P::ReportIn => none("projects.err.report_in"),
        P::MilestoneReached { milestone } => {
            ("projects.err.milestone_reached", vec![milestone.clone()])
        }
        P::Stage => none("projects.err.stage"),
        P::Score => none("projects.err.score"),
        P::Concluded => none("projects.err.concluded"),
        P::NoReport { kind } => ("projects.err.no_report", vec![kind.code().into()]),
        P::Opinions { required, given } => {
            ("projects.err.opinions", vec![required.to_string(), given.to_string()])
        }
        P::FraudPass => none("projects.err.fraud_pass"),
        P::Rectified => none("projects.err.rectified"),
        P::OutputTwice { reference } => ("projects.err.output_twice", vec![reference.clone()]),
    }
}

pub fn notice(r: &NoticeRefusal) -> Message {
    use NoticeRefusal as N;
    match r {
        N::Minutes => ("announce.err.minutes", vec![]),
        N::Period { field, min_days } => {
            ("announce.err.period", vec![field.to_string(), min_days.to_string()])
        }
        N::Nothing => ("announce.err.nothing", vec![]),
        N::Published => ("announce.err.published", vec![]),
        N::Closed { ended } => ("announce.err.closed", vec![day(*ended)]),
        N::Application { code } => ("announce.err.application", vec![code.clone()]),
        N::Field { field, min, max } => {
            ("announce.err.field", vec![field.to_string(), min.to_string(), max.to_string()])
        }
        N::Duplicate => ("announce.err.duplicate", vec![]),
        N::TooMany { limit } => ("announce.err.too_many", vec![limit.to_string()]),
        N::Resolved => ("announce.err.resolved", vec![]),
        N::Establish { why, notice_ends } => (
            "announce.err.establish",
            vec![why.to_string(), notice_ends.map(day).unwrap_or_default()],
        ),
    }
}

pub fn expert(r: &ExpertRefusal) -> Message {
    use ExpertRefusal as E;
    let key = match r {
        E::Code => "experts.err.code",
        E::Name => "experts.err.name",
        E::Organisation => "experts.err.organisation",
        E::CreditCode => "experts.err.credit_code",
        E::Fields => "experts.err.fields",
        E::Date => "experts.err.date",
        E::Cap => "experts.err.cap",
        E::Reason => "experts.err.reason",
        E::Transition { from, action } => {
            return ("experts.err.transition", vec![from.to_string(), action.to_string()]);
        }
        E::Tie => "experts.err.tie",
    };
    (key, r.field().map(|f| vec![f.to_string()]).unwrap_or_default())
}

pub fn review(r: &ReviewRefusal) -> Message {
    use ReviewRefusal as R;
    let none = |key| (key, vec![]);
    match r {
        R::Already => none("reviews.err.already"),
        R::Bid { bid } => ("reviews.err.bid", vec![bid.clone()]),
        R::Closed => none("reviews.err.closed"),
        R::ConflictAfterScoring => none("reviews.err.conflict_after_scoring"),
        R::Deadline { deadline } => ("reviews.err.deadline", vec![deadline.clone()]),
        R::Demand => none("reviews.err.demand"),
        R::Form { field, message } => ("reviews.err.form", vec![field.clone(), message.clone()]),
        R::Infeasible { why } => ("reviews.err.infeasible", vec![why.clone()]),
        R::Item { position, code } => {
            ("reviews.err.item", vec![position.to_string(), code.clone()])
        }
        R::NotAssignable => none("reviews.err.not_assignable"),
        R::NotAssigned => none("reviews.err.not_assigned"),
        R::Reason => none("reviews.err.reason"),
        R::UnknownCriterion { code } => ("reviews.err.score", vec![code.clone(), "?".into()]),
        R::ScoreRange { criterion, max } => {
            ("reviews.err.score", vec![criterion.clone(), format!("0–{max}")])
        }
        R::Score { field, message } => ("reviews.err.score", vec![field.clone(), message.clone()]),
        R::Seed => none("reviews.err.seed"),
        R::SeedFirst => none("reviews.err.seed_first"),
        R::Submission { field, message } => {
            ("reviews.err.submission", vec![field.clone(), message.clone()])
        }
        R::Submitted => none("reviews.err.submitted"),
    }
}

pub fn stat_return(r: &ReturnRefusal) -> Message {
    use ReturnRefusal as S;
    match r {
        S::NotEditable { status } => ("err.stats.not_editable", vec![status.code().into()]),
        S::SameFile { file_name, by, at } => {
            ("err.stats.same_file", vec![file_name.clone(), by.clone(), at.to_string()])
        }
        S::NotNow { status } => ("err.stats.not_now", vec![status.code().into()]),
        S::UnitApproved => ("err.stats.unit_approved", vec![]),
        S::AlreadyApproved => ("err.stats.already_approved", vec![]),
        S::ApprovePending { count } => ("err.stats.approve_pending", vec![count.to_string()]),
        S::ApproveMissing { count } => ("err.stats.approve_missing", vec![count.to_string()]),
        S::ApproveChildren { unit } => ("err.stats.approve_children", vec![unit.clone()]),
        S::ParentApproved => ("err.stats.parent_approved", vec![]),
    }
}

pub fn market(r: &MarketRefusal) -> Message {
    match r {
        MarketRefusal::NotNow { from, action } => {
            ("market.err.not_now", vec![from.to_string(), action.to_string()])
        }
        MarketRefusal::Reason => ("market.err.reason", vec![]),
        MarketRefusal::NotListed => ("market.err.not_listed", vec![]),
        MarketRefusal::Inquiry => ("market.err.inquiry", vec![]),
        MarketRefusal::NotRegistrant => ("contract.err.registrant", vec![]),
        MarketRefusal::AlreadyRegistered { id } => ("contract.err.twice", vec![id.to_string()]),
        MarketRefusal::ContractType => ("err.choose", vec![]),
        MarketRefusal::Buyer => ("broker.err.buyer", vec![]),
        MarketRefusal::BrokerageClosed => ("broker.err.closed", vec![]),
        MarketRefusal::UnknownContract { number } => ("broker.err.contract", vec![number.clone()]),
        MarketRefusal::DemandClosed => ("challenge.err.demand_closed", vec![]),
        MarketRefusal::ChallengeExists => ("challenge.err.exists", vec![]),
        MarketRefusal::NotTaking { apply_by } => ("challenge.err.not_taking", vec![day(*apply_by)]),
        MarketRefusal::OwnChallenge => ("challenge.err.own", vec![]),
        MarketRefusal::AppliedTwice => ("challenge.err.twice", vec![]),
        MarketRefusal::StillTaking { apply_by } => {
            ("challenge.err.still_taking", vec![day(*apply_by)])
        }
        MarketRefusal::NoProposals => ("challenge.err.no_proposals", vec![]),
        MarketRefusal::RoundOpen => ("challenge.err.round_open", vec![]),
        MarketRefusal::NotAProposal => ("challenge.err.not_a_proposal", vec![]),
        MarketRefusal::Report => ("challenge.err.report", vec![]),
        MarketRefusal::ExpertsFirst => ("contract.err.experts_first", vec![]),
        MarketRefusal::NoExpertsNeeded => ("contract.err.no_experts", vec![]),
        MarketRefusal::NoSignedFile => ("contract.err.no_file", vec![]),
        MarketRefusal::ChangedParties => ("contract.err.parties", vec![]),
        MarketRefusal::NotOpenForChange => ("contract.err.not_open", vec![]),
    }
}

pub fn credit(r: &CreditRefusal) -> Message {
    match r {
        CreditRefusal::Invalid { field, message } => {
            ("credit.invalid", vec![field.to_string(), message.clone()])
        }
        CreditRefusal::Subject => ("credit.err.subject", vec![]),
    }
}

/// A span on the platform's clock, the same in both languages: 2026-12-08 09:00–10:15.
fn span(s: &innocity_core::sharing::booking::Span) -> String {
    format!("{}–{}", s.start.format("%Y-%m-%d %H:%M"), s.end.format("%H:%M"))
}

pub fn sharing(r: &SharingRefusal) -> Message {
    use innocity_core::sharing::booking::{BookingRefusal as B, QuotaPeriod};
    match r {
        SharingRefusal::Booking(b) => match b {
            B::Order => ("sharing.err.order", vec![]),
            B::Past => ("sharing.err.past", vec![]),
            B::Notice { hours } => ("sharing.err.notice", vec![hours.to_string()]),
            B::TooShort { minutes } => ("sharing.err.too_short", vec![minutes.to_string()]),
            B::TooLong { minutes } => ("sharing.err.too_long", vec![minutes.to_string()]),
            B::Closed { hours } => {
                let days: Vec<String> = hours.days_text().chars().map(String::from).collect();
                let (opens, closes) = (hours.opens.format("%H:%M"), hours.closes.format("%H:%M"));
                ("sharing.err.closed", vec![days.join(","), opens.to_string(), closes.to_string()])
            }
            B::Blackout { span: s, reason } => {
                ("sharing.err.blackout", vec![span(s), reason.clone()])
            }
            B::Overlap { span: s } => ("sharing.err.overlap", vec![span(s)]),
            B::Quota { period, limit, used } => (
                match period {
                    QuotaPeriod::Day => "sharing.err.quota_day",
                    QuotaPeriod::Week => "sharing.err.quota_week",
                    QuotaPeriod::Month => "sharing.err.quota_month",
                },
                vec![limit.to_string(), used.to_string()],
            ),
            B::NotOpen => ("sharing.err.not_open", vec![]),
        },
        SharingRefusal::CodeTaken { code } => ("sharing.err.code_taken", vec![code.clone()]),
        SharingRefusal::Status { from, .. } => (
            match *from {
                "requested" => "sharing.err.state.requested",
                "approved" => "sharing.err.state.approved",
                "refused" => "sharing.err.state.refused",
                "cancelled" => "sharing.err.state.cancelled",
                "used" => "sharing.err.state.used",
                "no_show" => "sharing.err.state.no_show",
                _ => "sharing.err.state.started",
            },
            vec![],
        ),
        SharingRefusal::NotStarted => ("sharing.err.not_started", vec![]),
        SharingRefusal::Reason => ("sharing.err.reason", vec![]),
        SharingRefusal::Actual => ("sharing.err.actual", vec![]),
        SharingRefusal::BlackoutMeets { booking_id } => {
            ("sharing.err.blackout_meets", vec![booking_id.to_string()])
        }
        SharingRefusal::BlackoutOrder => ("sharing.err.order", vec![]),
        SharingRefusal::Fee => ("sharing.err.fee", vec![]),
        SharingRefusal::Voucher(v) => voucher(v),
        SharingRefusal::Redemption(r) => redemption(r),
        SharingRefusal::NotOffered => ("provider.err.not_offered", vec![]),
        SharingRefusal::OwnProvider => ("provider.err.own", vec![]),
        SharingRefusal::NoReport => ("provider.err.no_report", vec![]),
        SharingRefusal::Rated => ("provider.err.rated", vec![]),
        SharingRefusal::NotRateable => ("provider.err.not_rateable", vec![]),
        SharingRefusal::OrderStep { from } => (order_state(from), vec![]),
        SharingRefusal::EvaluationYear { year } => {
            ("sharing.eval.err.year", vec![year.to_string()])
        }
        SharingRefusal::Published { year } => {
            ("sharing.eval.err.published", vec![year.to_string()])
        }
        SharingRefusal::OutcomeGrade => ("sharing.eval.err.outcome", vec![]),
        SharingRefusal::Exchange(x) => exchange(x),
        SharingRefusal::ProviderState { from } => (
            if *from == "registered" {
                "provider.err.already_registered"
            } else {
                "provider.err.already_suspended"
            },
            vec![],
        ),
    }
}

fn exchange(x: &innocity_store::sharing::ExchangeRefusal) -> Message {
    use innocity_core::sharing::exchange::FileError as F;
    use innocity_store::sharing::ExchangeRefusal as X;
    match x {
        X::CodeTaken { code } => ("exchange.err.code_taken", vec![code.clone()]),
        X::File(F::Syntax { line, column, .. }) => {
            ("exchange.err.syntax", vec![line.to_string(), column.to_string()])
        }
        X::File(F::Format { found }) => ("exchange.err.format", vec![found.clone()]),
        X::File(F::Signature) => ("exchange.err.signature", vec![]),
        X::Programme { found, .. } => ("exchange.err.programme", vec![found.clone()]),
        X::RosterVoucher { line, number } => {
            ("exchange.err.roster_voucher", vec![line.to_string(), number.clone()])
        }
        X::Lines => ("exchange.err.lines", vec![]),
        X::Month { month } => ("exchange.err.month", vec![month.clone()]),
        X::MonthTaken { month } => ("exchange.err.month_taken", vec![month.clone()]),
        X::NothingToClaim { month } => ("exchange.err.nothing", vec![month.clone()]),
        X::NotOurStatement => ("exchange.err.not_ours", vec![]),
        X::Replied => ("exchange.err.replied", vec![]),
    }
}

fn order_state(from: &str) -> &'static str {
    match from {
        "requested" => "provider.err.order.requested",
        "accepted" => "provider.err.order.accepted",
        "refused" => "provider.err.order.refused",
        "received" => "provider.err.order.received",
        "reported" => "provider.err.order.reported",
        "completed" => "provider.err.order.completed",
        _ => "provider.err.order.cancelled",
    }
}

fn voucher(r: &innocity_store::sharing::VoucherRefusal) -> Message {
    use innocity_store::sharing::VoucherRefusal as V;
    match r {
        V::CodeTaken { code } => ("voucher.err.code_taken", vec![code.clone()]),
        V::NotOpen { from, to } => ("voucher.err.not_open", vec![day(*from), day(*to)]),
        V::NotEnterprise => ("voucher.err.not_enterprise", vec![]),
        V::OutsideArea => ("voucher.err.outside", vec![]),
        V::BadCredit => ("voucher.err.credit", vec![]),
        V::NotTechSme => ("voucher.err.tech_sme", vec![]),
        V::OverApplicationCap { cap } => ("voucher.err.application_cap", vec![cap.wan_text()]),
        V::OverEnterpriseCap { cap, used } => {
            ("voucher.err.enterprise_cap", vec![cap.wan_text(), used.wan_text()])
        }
        V::OverBudget { unissued } => ("voucher.err.budget", vec![unissued.wan_text()]),
        V::Grant => ("voucher.err.grant", vec![]),
        V::Decided => ("voucher.err.decided", vec![]),
        V::Reason => ("sharing.err.reason", vec![]),
        V::IdNumber => ("apps.err.id_number", vec![]),
        V::PersonRecorded => ("relations.err.recorded", vec![]),
    }
}

/// The words of a relation: who stands where in the enterprise and in the provider.
fn related_key(r: &innocity_core::sharing::vouchers::Relation) -> &'static str {
    use innocity_core::sharing::vouchers::Standing as S;
    match (r.in_enterprise, r.in_provider) {
        (S::LegalRepresentative, S::LegalRepresentative) => {
            "voucher.err.related.legal_rep.legal_rep"
        }
        (S::LegalRepresentative, S::Shareholder) => "voucher.err.related.legal_rep.shareholder",
        (S::LegalRepresentative, S::Staff) => "voucher.err.related.legal_rep.staff",
        (S::Shareholder, S::LegalRepresentative) => "voucher.err.related.shareholder.legal_rep",
        (S::Shareholder, S::Shareholder) => "voucher.err.related.shareholder.shareholder",
        (S::Shareholder, S::Staff) => "voucher.err.related.shareholder.staff",
        (S::Staff, S::LegalRepresentative) => "voucher.err.related.staff.legal_rep",
        (S::Staff, S::Shareholder) => "voucher.err.related.staff.shareholder",
        (S::Staff, S::Staff) => "voucher.err.related.staff.staff",
    }
}

fn redemption(r: &innocity_store::sharing::RedemptionRefusal) -> Message {
    use innocity_store::sharing::RedemptionRefusal as R;
    match r {
        R::UnknownVoucher | R::WrongCode { .. } => ("voucher.err.unknown", vec![]),
        R::Locked { until } => {
            ("voucher.err.locked", vec![until.format("%Y-%m-%d %H:%M").to_string()])
        }
        R::Expired { on } => ("voucher.err.expired", vec![day(*on)]),
        R::NotActive => ("voucher.err.not_active", vec![]),
        R::Balance { balance } => ("voucher.err.balance", vec![balance.yuan_text()]),
        R::Copay { most, copay_percent } => {
            ("voucher.err.copay", vec![most.yuan_text(), copay_percent.to_string()])
        }
        R::Service { service } => ("voucher.err.service", vec![service.clone()]),
        R::Related { relation: None } => ("voucher.err.self", vec![]),
        R::Related { relation: Some(rel) } => (related_key(rel), vec![rel.name.clone()]),
        R::NotProvider => ("voucher.err.not_provider", vec![]),
        R::NotRegistered => ("voucher.err.not_registered", vec![]),
        R::NotTheOrder => ("voucher.err.not_the_order", vec![]),
        R::OrderService { kind } => ("voucher.err.order_service", vec![kind.clone()]),
        R::OrderTotal { fee } => ("voucher.err.order_total", vec![fee.yuan_text()]),
        R::OrderPaid { most } => ("voucher.err.order_paid", vec![most.yuan_text()]),
        R::KeyReused => ("voucher.err.key", vec![]),
        R::State { from } => ("voucher.err.state", vec![from.clone()]),
        R::AlreadySettled { id } => ("voucher.err.settled", vec![id.to_string()]),
        R::MonthSettled { month } => ("voucher.err.month", vec![month.clone()]),
        R::NothingToSettle { month } => ("voucher.err.nothing", vec![month.clone()]),
        R::Reason => ("sharing.err.reason", vec![]),
    }
}

/// The words of a policy-library refusal; a rule's problem names its formula and position.
pub fn finance(r: &innocity_store::finance::FinanceRefusal) -> Message {
    use innocity_core::finance::policy::RuleError as E;
    use innocity_store::finance::FinanceRefusal as F;
    match r {
        F::Required { .. } => ("policy.err.required", vec![]),
        F::Date { .. } => ("policy.err.date_order", vec![]),
        F::CodeTaken { code } => ("policy.err.code_taken", vec![code.clone()]),
        // the field the problem is in is named by the form (or the API's `fields`)
        F::Rule(E::Syntax { position, message, .. }) => {
            ("policy.err.syntax", vec![position.to_string(), message.clone()])
        }
        F::Rule(E::UnknownFact { position, name, .. }) => {
            ("policy.err.unknown_fact", vec![position.to_string(), name.clone()])
        }
        F::Rule(E::NotAFact { position, item, .. }) => {
            ("policy.err.not_a_fact", vec![position.to_string(), item.clone()])
        }
        F::Rule(E::Offset { position, offset, .. }) => {
            ("policy.err.offset", vec![position.to_string(), offset.to_string()])
        }
        F::Rule(E::Cap) => ("policy.err.cap", vec![]),
        F::Year { year } => ("policy.err.year", vec![year.to_string()]),
        F::RunExists { run_id } => ("policy.err.run_exists", vec![run_id.to_string()]),
        F::RunStatus { from } => ("policy.err.run_status", vec![from.clone()]),
        F::SameChecker => ("policy.err.same_checker", vec![]),
        F::Reason => ("policy.err.reason", vec![]),
        F::ObjectionPeriod { until } => ("policy.err.period", vec![day(*until)]),
        F::NotListed => ("policy.err.not_listed", vec![]),
        F::Account => ("policy.err.account", vec![]),
        F::PaidAlready { route, reference } => {
            ("policy.err.paid_already", vec![route.clone(), reference.clone()])
        }
        F::Amount { amount } => ("policy.err.amount", vec![amount.wan_text()]),
        F::NotEnterprise => ("policy.err.not_enterprise", vec![]),
        F::Fund(r) => fund(r),
        F::Financing(r) => financing(r),
    }
}

/// Financing demands', products' and follow-ups' refusals.
pub fn financing(r: &innocity_store::finance::financing::FinancingRefusal) -> Message {
    use innocity_core::finance::financing::StepError as S;
    use innocity_store::finance::financing::FinancingRefusal as R;
    match r {
        R::NotEnterprise => ("financing.err.not_enterprise", vec![]),
        R::NotInstitution => ("financing.err.not_institution", vec![]),
        R::DemandClosed => ("financing.err.demand_closed", vec![]),
        R::ProductClosed => ("financing.err.product_closed", vec![]),
        R::KindMismatch { .. } => ("financing.err.kind_mismatch", vec![]),
        R::Step(S::NotYours { .. }) => ("financing.err.not_yours", vec![]),
        R::Step(S::Order { from: None }) => ("financing.err.first_step", vec![]),
        R::Step(S::Order { from: Some(s) }) if s.is_final() => ("financing.err.ended", vec![]),
        R::Step(S::Order { .. }) => ("financing.err.order", vec![]),
        R::OverAsked => ("financing.err.over_asked", vec![]),
        R::OverProduct { max } => ("financing.err.over_product", vec![max.wan_text()]),
        R::Moved { .. } => ("financing.err.moved", vec![]),
    }
}

/// The risk-compensation fund's refusals.
pub fn fund(r: &innocity_store::finance::fund::FundRefusal) -> Message {
    use innocity_core::finance::fund::{LedgerError as L, LoanError as N, TermsError as T};
    use innocity_store::finance::fund::FundRefusal as R;
    match r {
        R::Ledger(L::Amount) => ("fund.err.amount", vec![]),
        R::Ledger(L::Available { available }) => ("fund.err.available", vec![available.wan_text()]),
        R::Ledger(L::Overflow) => ("fund.err.overflow", vec![]),
        R::Terms(T::Share) => ("fund.err.share", vec![]),
        R::Terms(T::Amount { .. }) => ("fund.err.terms_amount", vec![]),
        R::Terms(T::Term) => ("fund.err.terms_term", vec![]),
        R::Terms(T::Rate) => ("fund.err.terms_rate", vec![]),
        R::Terms(T::Dates) => ("fund.err.terms_dates", vec![]),
        R::NotFinancial => ("fund.err.not_financial", vec![]),
        R::AgreementExists => ("fund.err.agreement_exists", vec![]),
        R::NoAgreement => ("fund.err.no_agreement", vec![]),
        R::NotWhiteListed => ("fund.err.not_white_listed", vec![]),
        R::Loan(N::Principal) => ("fund.err.principal", vec![]),
        R::Loan(N::OverLoanCap { cap }) => ("fund.err.loan_cap", vec![cap.wan_text()]),
        R::Loan(N::OverQuota { quota, outstanding }) => {
            ("fund.err.quota", vec![quota.wan_text(), outstanding.wan_text()])
        }
        R::Loan(N::Term { max }) => ("fund.err.term", vec![max.to_string()]),
        R::Loan(N::Rate { max }) => ("fund.err.rate", vec![rate_text(*max)]),
        R::Loan(N::Outside { from, to }) => ("fund.err.outside", vec![day(*from), day(*to)]),
        R::ContractTaken { contract_no } => ("fund.err.contract_taken", vec![contract_no.clone()]),
        R::LoanStatus { status } => ("fund.err.loan_status", vec![status.clone()]),
        R::Instalment { seq } => ("fund.err.instalment", vec![seq.to_string()]),
        R::NotOverdue { from } => ("fund.err.not_overdue", vec![day(*from)]),
        R::NoDefault => ("fund.err.no_default", vec![]),
        R::Steps => ("fund.err.steps", vec![]),
        R::Loss { outstanding } => ("fund.err.loss", vec![outstanding.yuan_text()]),
        R::CompensationCap { cap, used } => {
            ("fund.err.compensation_cap", vec![cap.wan_text(), used.wan_text()])
        }
        R::ClaimStatus { status } => ("fund.err.claim_status", vec![status.clone()]),
        R::Recovery { left } => ("fund.err.recovery", vec![left.yuan_text()]),
        R::NoSubsidy => ("fund.err.no_subsidy", vec![]),
        R::SubsidyTwice { subsidy_id } => ("fund.err.subsidy_twice", vec![subsidy_id.to_string()]),
        R::SubsidyYear { year } => ("fund.err.subsidy_year", vec![year.to_string()]),
        R::NothingPaid { year } => ("fund.err.nothing_paid", vec![year.to_string()]),
        R::Evidence => ("fund.err.evidence", vec![]),
        R::NotOwned { patent_no } => ("fund.err.not_owned", vec![patent_no.clone()]),
        R::Pledged { loan_id } => ("fund.err.pledged", vec![loan_id.to_string()]),
        R::PledgeRegistration => ("fund.err.pledge_registration", vec![]),
        R::NotReleasable => ("fund.err.not_releasable", vec![]),
    }
}

/// An annual rate in basis points as a percentage: 435 → 4.35.
pub fn rate_text(bp: u32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

/// The words for an evaluation campaign's refusals.
pub fn evaluation(r: &innocity_store::evaluation::EvaluationRefusal) -> Message {
    use innocity_core::evaluation::{Problem as P, ScoreProblem as S};
    use innocity_store::evaluation::EvaluationRefusal as E;
    let num = |x: &f64| format!("{x}");
    match r {
        E::Framework(problems) => match problems.first() {
            Some(P::DimensionWeights { sum }) => ("eval.err.dimension_weights", vec![num(sum)]),
            Some(P::ItemWeights { dimension, sum }) => {
                ("eval.err.item_weights", vec![dimension.clone(), num(sum)])
            }
            Some(P::Weight { code, weight }) => {
                ("eval.err.weight", vec![code.clone(), num(weight)])
            }
            Some(P::Unreadable { line, message }) => {
                ("eval.err.framework_line", vec![line.to_string(), message.clone()])
            }
            Some(P::Duplicate { code }) => ("eval.err.framework_duplicate", vec![code.clone()]),
            Some(P::EmptyDimension { dimension }) => {
                ("eval.err.framework_empty", vec![dimension.clone()])
            }
            Some(P::UnknownDimension { item, dimension }) => {
                ("eval.err.framework_dimension", vec![item.clone(), dimension.clone()])
            }
            Some(P::Source { item }) => ("eval.err.framework_source", vec![item.clone()]),
            Some(P::Scale { item }) => ("eval.err.framework_scale", vec![item.clone()]),
            Some(P::Code { code }) => ("eval.err.framework_code", vec![code.clone()]),
            None => ("eval.err.framework", vec![String::new()]),
        },
        E::AfterDeadline { until } => ("eval.err.after_deadline", vec![day(*until)]),
        E::Stage { stage } => (
            match *stage {
                "reporting" => "eval.err.stage.reporting",
                "scoring" => "eval.err.stage.scoring",
                _ => "eval.err.stage.results",
            },
            vec![],
        ),
        E::NotEvaluated => ("eval.err.not_evaluated", vec![]),
        E::Item { item } => ("eval.err.item", vec![item.clone()]),
        E::EmptyReport => ("eval.err.empty", vec![]),
        E::Score(S::NotQualitative { item }) => ("eval.err.item", vec![item.clone()]),
        E::Score(S::OutOfScale { item, score, max }) => {
            ("eval.err.scale", vec![num(score), item.clone(), num(max)])
        }
        E::Score(S::Precision { score }) => ("eval.err.precision", vec![num(score)]),
        E::NotInvited => ("eval.err.not_invited", vec![]),
        E::Conflict => ("eval.err.conflict", vec![]),
        E::ObjectionsDay => ("eval.err.objections_day", vec![]),
        E::ObjectionsOpen { until } => ("eval.err.objections_open", vec![day(*until)]),
        E::Unanswered { count } => ("eval.err.unanswered", vec![count.to_string()]),
        E::Answered => ("eval.err.answered", vec![]),
        E::NoResults { problem } => ("eval.err.no_results", vec![problem.clone()]),
    }
}
