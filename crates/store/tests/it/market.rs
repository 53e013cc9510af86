//! The technology market's records: the import of achievements and the change log.
use crate::common::*;
use innocity_core::market::import::parse_tsv;
use innocity_store::StoreError;
use innocity_store::market;
use innocity_store::market::MarketRefusal;
use innocity_store::orgs::Actor;

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "cli", request_id: "test" };

#[tokio::test]
async fn importing_again_updates_and_every_write_is_logged_in_order() {
    let t = demo_db(10).await;
    let q = innocity_store::orgs::OrgQuery {
        text: String::new(),
        kind: None,
        within: Vec::new(),
        page: 1,
        per_page: 10,
    };
    let orgs = innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &q)
        .await
        .unwrap()
        .items;
    let (first, second) = (orgs[0].id, orgs[1].id);
    let before = market::last_change(&t.db).await.unwrap();
    let file = "id\ttitle\tabstract\tkeywords\ndev-1\t一种稀土永磁电机\t摘要一\t稀土;电机\ndev-2\t锂电池寿命预测\t摘要二\t锂电池\n";
    let counts =
        market::import(&t.db, first, &parse_tsv(file.as_bytes()).unwrap(), ACTOR).await.unwrap();
    assert_eq!(counts, market::ImportCounts { added: 2, updated: 0 });
    let again = "id\ttitle\tabstract\tkeywords\ndev-2\t锂离子电池寿命预测\t摘要二（修订）\t锂电池;寿命\ndev-3\t氢燃料电池\t摘要三\t氢能\n";
    let counts =
        market::import(&t.db, second, &parse_tsv(again.as_bytes()).unwrap(), ACTOR).await.unwrap();
    assert_eq!(counts, market::ImportCounts { added: 1, updated: 1 });
    let listed = market::listed(&t.db).await.unwrap();
    assert_eq!(listed.len(), 3, "the same id is one achievement");
    let dev2 = listed.iter().find(|a| a.external_id.as_deref() == Some("dev-2")).unwrap();
    assert_eq!(dev2.title, "锂离子电池寿命预测");
    assert_eq!(dev2.keywords, vec!["锂电池", "寿命"]);
    assert_eq!((dev2.organisation_id, dev2.version), (second, 2));
    assert_eq!(dev2.status, market::LISTED);
    // The log: five writes, numbered one after another, in the order they happened.
    let log = market::changes_since(&t.db, before, 100).await.unwrap();
    let seqs: Vec<i64> = log.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (before + 1..=before + 4).collect::<Vec<_>>());
    assert_eq!(log[2].achievement_id, dev2.id, "the second import's first line");
    assert_eq!(market::last_change(&t.db).await.unwrap(), before + 4);
    assert_eq!(market::changes_since(&t.db, before + 3, 100).await.unwrap().len(), 1);
    let both = market::by_ids(&t.db, &[dev2.id, listed[0].id]).await.unwrap();
    assert_eq!(both.len(), 2);
}

#[tokio::test]
async fn an_achievement_is_drafted_checked_listed_asked_about_and_dealt() {
    use innocity_core::market::achievements::{Action, Status};
    let t = demo_db(10).await;
    let id = drafted_submitted_returned_and_submitted_again(&t.db).await;
    assert_eq!(market::in_status(&t.db, Status::Submitted, None).await.unwrap().len(), 1);
    let inquiry = market::NewInquiry {
        user_id: None,
        name: "王工",
        organisation: "兰州某企业",
        contact: "0931-1234567",
        message: "请问许可费用？",
    };
    refused!(
        market::inquire(&t.db, id, &inquiry, ACTOR).await,
        StoreError::Market(MarketRefusal::NotListed)
    );
    assert_eq!(market::act(&t.db, id, 5, Action::List, "", ACTOR).await.unwrap(), Status::Listed);
    let a = market::achievement(&t.db, id).await.unwrap().unwrap();
    let year = t.db.clock.today().format("%Y").to_string();
    assert_eq!(a.registration_no, Some(format!("{year}-000001")));
    assert!(a.listed_at > 0 && a.price_fen.is_none());
    assert_eq!(market::registered_in(&t.db, year.parse().unwrap()).await.unwrap(), 1);
    assert_eq!(market::listed(&t.db).await.unwrap().len(), 1);
    market::inquire(&t.db, id, &inquiry, ACTOR).await.unwrap();
    let blank = market::NewInquiry { message: " ", ..inquiry.clone() };
    refused!(
        market::inquire(&t.db, id, &blank, ACTOR).await,
        StoreError::Market(MarketRefusal::Inquiry)
    );
    market::viewed(&t.db, id).await.unwrap();
    market::viewed(&t.db, id).await.unwrap();
    let a = market::achievement(&t.db, id).await.unwrap().unwrap();
    assert_eq!((a.views, a.version), (2, 6), "views change no version");
    assert_eq!(market::inquiries(&t.db, id).await.unwrap()[0].contact, "0931-1234567");
    assert_eq!(
        market::act(&t.db, id, 6, Action::MarkDealt, "", ACTOR).await.unwrap(),
        Status::Dealt
    );
    assert!(market::listed(&t.db).await.unwrap().is_empty());
    refused!(
        market::act(&t.db, id, 7, Action::Withdraw, "撤回", ACTOR).await,
        StoreError::Market(MarketRefusal::NotNow { .. })
    );
}

/// A draft, edited, submitted, sent back with a reason and submitted again (version 5).
async fn drafted_submitted_returned_and_submitted_again(db: &innocity_store::Db) -> i64 {
    use innocity_core::market::achievements::{AchievementInput, Action, Status, validate};
    let org = db
        .read("SELECT id FROM organisations ORDER BY id LIMIT 1", vec![], |r| r.int(0))
        .await
        .unwrap()[0];
    let input = AchievementInput {
        title: "一种稀土永磁同步电机的无位置传感器控制方法".into(),
        description: "基于滑模观测器估计转子位置。".into(),
        keywords: "稀土永磁；无位置传感器".into(),
        maturity: "6".into(),
        modes: vec!["licence".into()],
        price_wan: "80".into(),
        ip: "ZL202010123456.2".into(),
        ..AchievementInput::default()
    };
    let id = market::create(db, org, &validate(&input).unwrap(), ACTOR).await.unwrap();
    let a = market::achievement(db, id).await.unwrap().unwrap();
    assert_eq!((a.status.as_str(), a.version, a.price_fen), ("draft", 1, Some(80_000_000)));
    assert_eq!(a.ip[0].number(), "ZL202010123456.2");
    assert!(market::listed(db).await.unwrap().is_empty(), "a draft is not public");
    let d2 = validate(&AchievementInput { price_wan: "面议".into(), ..input }).unwrap();
    market::update(db, id, 1, &d2, ACTOR).await.unwrap();
    refused!(market::update(db, id, 1, &d2, ACTOR).await, StoreError::Stale);
    refused!(
        market::act(db, id, 2, Action::List, "", ACTOR).await,
        StoreError::Market(MarketRefusal::NotNow { from: "draft", action: "list" })
    );
    assert_eq!(market::act(db, id, 2, Action::Submit, "", ACTOR).await.unwrap(), Status::Submitted);
    refused!(
        market::update(db, id, 3, &d2, ACTOR).await,
        StoreError::Market(MarketRefusal::NotNow { from: "submitted", action: "edit" })
    );
    refused!(
        market::act(db, id, 3, Action::Return, "  ", ACTOR).await,
        StoreError::Market(MarketRefusal::Reason)
    );
    let back = market::act(db, id, 3, Action::Return, "请补充专利证书。", ACTOR).await.unwrap();
    assert_eq!(back, Status::Returned);
    market::act(db, id, 4, Action::Submit, "", ACTOR).await.unwrap();
    id
}

/// A contract is submitted by its seller only, once; the office asks for materials (the clock
/// restarts on resubmission), registers it with its type corrected and the year's number; it
/// counts in the indicator 技术合同成交额 until it is cancelled.
#[tokio::test]
async fn a_contract_is_registered_counted_and_cancelled() {
    use innocity_core::market::contracts::{Action, Status};
    use innocity_store::market::contracts::{self as c, Step};
    let t = experts_db(30).await;
    let org = innocity_store::orgs::get(&t.db, 1).await.unwrap().unwrap();
    let id = submitted_and_resubmitted(&t.db, &org).await;
    let step = |action, reason| Step { action, reason, corrected_type: None, disputed: false };
    let register = Step { corrected_type: Some("service.general"), ..step(Action::Register, "") };
    let refused = c::act(&t.db, id, 3, register, ACTOR).await.unwrap_err();
    assert!(matches!(refused, StoreError::Market(MarketRefusal::NoSignedFile)), "{refused:?}");
    let files = tempfile::tempdir().unwrap();
    let pdf = b"%PDF-1.4\n%%EOF\n";
    let contract = market::files::Subject::Contract;
    let f = market::files::add_file(&t.db, files.path(), contract, id, "合同.pdf", pdf, ACTOR);
    f.await.unwrap();
    let refused = c::act(&t.db, id, 3, register, ACTOR).await.unwrap_err();
    assert!(matches!(refused, StoreError::Market(MarketRefusal::ExpertsFirst)), "{refused:?}");
    heard_by_experts(&t.db, id).await;
    assert_eq!(c::act(&t.db, id, 4, register, ACTOR).await.unwrap(), Status::Registered);
    let k = c::contract(&t.db, id).await.unwrap().unwrap();
    let year = chrono::Datelike::year(&t.db.clock.today());
    assert_eq!(k.registration_no, Some(format!("TC{year}000001")));
    let types = (k.contract_type.as_str(), k.declared_type.as_str());
    assert_eq!(types, ("service.general", "development.commissioned"));
    // The indicator, from the register: 600 万元 = 0.06 亿元 for the unit and every unit above.
    let lanbai = innocity_core::indicators::targets::Framework::built_in()
        .into_iter()
        .find(|f| f.code == "LANBAI-2020")
        .unwrap();
    let years = [year];
    let compute = || innocity_store::indicators::from_register(&t.db, &lanbai, &years, ACTOR);
    assert!(compute().await.unwrap() >= 2);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let root = units.iter().find(|u| u.parent_id.is_none()).unwrap().id;
    let value = || async {
        let all = innocity_store::indicators::for_unit(&t.db, root, &["TECH_CONTRACTS".into()])
            .await
            .unwrap();
        all.into_iter().find(|v| v.period == year.to_string()).unwrap()
    };
    let v = value().await;
    assert_eq!((v.value, v.source.as_str()), (0.06, "register"));
    let cancel = step(Action::Cancel, "双方解除合同。");
    assert_eq!(c::act(&t.db, id, 5, cancel, ACTOR).await.unwrap(), Status::Cancelled);
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let left = c::registered_between(&t.db, from, t.db.clock.today()).await.unwrap();
    assert!(left.is_empty(), "a cancelled contract leaves the totals");
    compute().await.unwrap();
    assert_eq!(value().await.value, 0.0, "and the indicator");
}

/// A large contract (at version 3) heard by three assigned experts, the round closed.
async fn heard_by_experts(db: &innocity_store::Db, id: i64) {
    use innocity_store::experts::{self, Mode, ReviewPlan};
    let today = db.clock.today();
    let plan =
        ReviewPlan { name: "专家评议".into(), mode: Mode::Assign, demand: 3, deadline: today };
    let round = market::contract_review::send_to_experts(db, id, 3, &plan, ACTOR).await.unwrap();
    experts::run_assignment(db, round, today, ACTOR).await.unwrap();
    for a in experts::assignments(db, round).await.unwrap() {
        let e = experts::get(db, a.expert_id).await.unwrap().unwrap();
        let user = innocity_demo::experts::demo_user_for(db, &e).await.unwrap();
        let input = innocity_demo::experts::scores_for(8.0, a.version);
        experts::save_review(db, a.id, user, &input, today, ACTOR).await.unwrap();
    }
    experts::close_round(db, round, ACTOR).await.unwrap();
}

/// Submitted by the seller only, once; materials asked for and resubmitted ten days later
/// (the clock restarts). Returns the contract's id (version 3).
async fn submitted_and_resubmitted(
    db: &innocity_store::Db,
    org: &innocity_store::orgs::Organisation,
) -> i64 {
    use innocity_core::market::contracts::{Action, ContractInput, Status, validate};
    use innocity_store::market::contracts::{self as c, Registrant, Step};
    let buyer = innocity_core::orgs::CreditCode::complete("91620400MA7000000").unwrap();
    let input = ContractInput {
        title: "盐碱地改良技术服务合同".into(),
        contract_type: "development.commissioned".into(),
        seller_name: org.name.clone(),
        seller_code: org.credit_code.clone(),
        buyer_name: "白银某农业公司".into(),
        buyer_code: buyer.as_str().into(),
        buyer_region: "local".into(),
        subject: "盐碱地改良的技术服务。".into(),
        signed_on: "2025-03-01".into(),
        amount_wan: "600".into(),
        costs: vec![("materials".into(), "50".into())],
        payments: vec![("2025-04-01".into(), "600".into())],
        ..ContractInput::default()
    };
    let d = validate(&input).unwrap();
    let me = Registrant {
        organisation_id: org.id,
        credit_code: &org.credit_code,
        unit_path: &org.unit_path,
    };
    let buyer_side = Registrant { credit_code: buyer.as_str(), ..me };
    let not_seller = c::submit(db, buyer_side, &d, ACTOR).await;
    refused!(not_seller, StoreError::Market(MarketRefusal::NotRegistrant));
    let id = c::submit(db, me, &d, ACTOR).await.unwrap();
    let twice = c::submit(db, me, &d, ACTOR).await;
    refused!(twice, StoreError::Market(MarketRefusal::AlreadyRegistered { .. }));
    let k = c::contract(db, id).await.unwrap().unwrap();
    assert_eq!((k.amount.wan_text(), k.transaction.wan_text()), ("600.00".into(), "550.00".into()));
    let due = innocity_core::market::contracts::after_working_days(db.clock.today(), 30);
    assert_eq!(k.decide_by, due, "large (技术交易额 from 500 万元): 30 working days");
    let step = |action, reason| Step { action, reason, corrected_type: None, disputed: false };
    let no_reason = c::act(db, id, 1, step(Action::AskMaterials, ""), ACTOR).await;
    refused!(no_reason, StoreError::Market(MarketRefusal::Reason));
    let ask = c::act(db, id, 1, step(Action::AskMaterials, "请提供签字页。"), ACTOR).await;
    assert_eq!(ask.unwrap(), Status::Materials);
    db.clock.advance(chrono::Duration::days(10));
    let again = c::act(db, id, 2, step(Action::Resubmit, ""), ACTOR).await;
    assert_eq!(again.unwrap(), Status::Submitted);
    let k = c::contract(db, id).await.unwrap().unwrap();
    assert_eq!(k.submitted_on, db.clock.today(), "the clock restarts");
    id
}

/// The demo's open challenges: one in every state, each reached through the platform's own
/// operations (the finished one's three milestones accepted and the reward paid in full; the
/// awarded one's first milestone reported; the one in review with its round open).
#[tokio::test]
async fn the_demo_has_an_open_challenge_in_every_state() {
    use innocity_core::market::challenges::{MilestoneStatus, Status};
    use innocity_store::market::challenges as ch;
    let t = experts_db(30).await;
    let before = t.db.clock.today();
    innocity_demo::market::seed_market(&t.db, innocity_demo::experts::CSL).await.unwrap();
    assert_eq!(t.db.clock.today(), before, "the demo's timeline puts the clock back");
    let all = ch::list(&t.db, None).await.unwrap();
    let mut states: Vec<&str> = all.iter().map(|c| c.status.code()).collect();
    states.sort_unstable();
    assert_eq!(states, vec!["awarded", "closed", "finished", "open", "reviewing"]);
    let of = |s: Status| all.iter().find(|c| c.status == s).unwrap();
    let finished = ch::milestones(&t.db, of(Status::Finished).id).await.unwrap();
    assert!(finished.iter().all(|m| m.status == MilestoneStatus::Accepted));
    let paid: innocity_core::projects::money::Money = finished.iter().map(|m| m.pay).sum();
    assert_eq!(paid, of(Status::Finished).reward);
    let awarded = ch::milestones(&t.db, of(Status::Awarded).id).await.unwrap();
    assert_eq!(awarded[0].status, MilestoneStatus::Reported);
    let reviewing = of(Status::Reviewing);
    let round = innocity_store::experts::round(&t.db, reviewing.round_id.unwrap()).await.unwrap();
    assert!(round.unwrap().is_open());
    assert!(of(Status::Open).taking_on(before));
    assert!(!of(Status::Closed).closed_reason.is_empty());
    for c in &all {
        let n = ch::applications(&t.db, c.id).await.unwrap().len();
        assert!(c.status == Status::Closed || n >= 2, "{}: {n} proposals", c.code);
    }
}

/// Two applications by one organisation at the same moment: the write transactions take their
/// turn, so exactly one is taken and the other is refused as a second one (never a 500, never
/// two rows).
#[tokio::test]
async fn two_applications_at_once_make_one() {
    use innocity_core::market::challenges::{Proposal, Raise};
    use innocity_core::market::demands::DemandDraft;
    use innocity_core::projects::money::Money;
    use innocity_store::market::{challenges as ch, demands};
    let t = demo_db(20).await;
    let orgs: Vec<i64> =
        t.db.read("SELECT id FROM organisations ORDER BY id LIMIT 2", vec![], |r| r.int(0))
            .await
            .unwrap();
    let today = t.db.clock.today();
    let d = DemandDraft {
        title: "寻求稀土永磁电机高效冷却技术".into(),
        description: "电机温升过高。".into(),
        requirements: String::new(),
        discipline: String::new(),
        budget: Some(Money::from_wan(80)),
        deadline: today + chrono::Days::new(60),
    };
    let demand = demands::publish(&t.db, orgs[0], &d, ACTOR).await.unwrap();
    let raise = Raise {
        reward: Money::from_wan(80),
        apply_by: today + chrono::Days::new(10),
        terms: String::new(),
    };
    let id = ch::raise(&t.db, demand, &raise, ACTOR).await.unwrap();
    let p = Proposal {
        title: "油冷方案".into(),
        leader: "王伟".into(),
        members: vec![],
        proposal: "定子油冷。".into(),
    };
    let (a, b) = tokio::join!(
        ch::apply(&t.db, id, orgs[1], &p, ACTOR),
        ch::apply(&t.db, id, orgs[1], &p, ACTOR)
    );
    let refused = [&a, &b]
        .into_iter()
        .filter(|r| matches!(r, Err(StoreError::Market(MarketRefusal::AppliedTwice))))
        .count();
    assert_eq!((a.is_ok() as u8 + b.is_ok() as u8, refused), (1, 1), "{a:?} {b:?}");
    assert_eq!(ch::applications(&t.db, id).await.unwrap().len(), 1);
}
