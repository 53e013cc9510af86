//! The demo's open challenges (揭榜挂帅), one in every state, raised from the demo's demands
//! and worked through the platform's own operations on a timeline: the clock is moved back to
//! when each step happened and returned to today at the end.
use crate::experts::{demo_user_for, scores_for};
use chrono::{Days, Duration, NaiveDate};
use innocity_core::market::challenges::{Milestone, MilestoneStep, Proposal, Raise};
use innocity_core::projects::money::Money;
use innocity_store::db::{Db, Result};
use innocity_store::experts::{self, Mode};
use innocity_store::market::challenges::{self as store, Award, ReviewPlan};
use innocity_store::market::demands;
use innocity_store::orgs::Actor;

/// Seeds the five challenges; returns how many.
pub async fn seed_challenges(db: &Db, actor: Actor<'_>) -> Result<usize> {
    let today = db.clock.today();
    let open = demands::open(db, today).await?;
    let solvers: Vec<i64> = db
        .read(
            "SELECT id FROM organisations WHERE kind IN ('university', 'institute') ORDER BY id",
            vec![],
            |r| r.int(0),
        )
        .await?;
    let experts: Vec<i64> = db.read("SELECT COUNT(*) FROM experts", vec![], |r| r.int(0)).await?;
    // The reviews need the expert library (a demo seeded without it has no challenges).
    if open.len() < 5 || solvers.len() < 3 || experts.first().copied().unwrap_or(0) < 20 {
        return Ok(0);
    }
    let mut t = Timeline { db, today, at: 0 };
    let out = run(&mut t, &open[..5], &solvers, actor).await;
    t.go(0); // whatever happened, the clock is today again
    out
}

/// Where the demo's clock stands, in days before today.
struct Timeline<'a> {
    db: &'a Db,
    today: NaiveDate,
    at: i64,
}

impl Timeline<'_> {
    /// Moves the clock to `days` before today.
    fn go(&mut self, days: i64) {
        self.db.clock.advance(Duration::days(self.at - days));
        self.at = days;
    }
    /// The day `days` before (negative: after) today.
    fn day(&self, days: i64) -> NaiveDate {
        if days >= 0 {
            self.today - Days::new(days as u64)
        } else {
            self.today + Days::new(days.unsigned_abs())
        }
    }
}

async fn version(db: &Db, id: i64) -> Result<i64> {
    Ok(store::challenge(db, id).await?.map(|c| c.version).unwrap_or(0))
}

async fn run(
    t: &mut Timeline<'_>,
    open: &[demands::Demand],
    solvers: &[i64],
    actor: Actor<'_>,
) -> Result<usize> {
    let db = t.db;
    let raise = |d: &demands::Demand, wan: i64, apply_by: NaiveDate, terms: &str| {
        let reward = d.budget.filter(|b| *b > Money::ZERO).unwrap_or(Money::from_wan(wan));
        (d.id, Raise { reward, apply_by, terms: terms.into() })
    };
    let terms =
        "在甘肃省内注册的企业、高等学校、科研院所均可揭榜，可联合揭榜；揭榜方须具备相应研发条件。";
    // 200 days ago: four challenges posted; solvers apply.
    t.go(200);
    let finished = raise(&open[1], 300, t.day(190), terms);
    let awarded = raise(&open[2], 500, t.day(100), terms);
    let reviewing = raise(&open[3], 200, t.day(10), terms);
    let closed = raise(&open[4], 150, t.day(150), terms);
    let mut ids = Vec::new();
    for (demand, r) in [&finished, &awarded, &reviewing, &closed] {
        ids.push(store::raise(db, *demand, r, actor).await?);
    }
    let [finished, awarded, reviewing, closed] = [ids[0], ids[1], ids[2], ids[3]];
    for (k, id) in [finished, awarded, reviewing].into_iter().enumerate() {
        apply_three(db, id, solvers, k, actor).await?;
    }
    // The finished one: reviewed, awarded with three milestones, each accepted in turn.
    t.go(185);
    let plan = milestones(
        t,
        &[
            (120, "完成技术方案与关键部件设计"),
            (60, "完成样机试制与实验室测试"),
            (20, "完成现场应用验证并通过验收"),
        ],
    );
    review_and_award(db, finished, plan, actor).await?;
    t.go(140);
    let v = version(db, closed).await?;
    store::close(
        db,
        closed,
        v,
        "截止日期前未征集到符合揭榜条件的方案，予以撤榜，需求转入常规技术对接。",
        actor,
    )
    .await?;
    for (days, seq) in [(118, 1), (58, 2), (18, 3)] {
        t.go(days);
        report_and_accept(db, finished, seq, true, actor).await?;
    }
    // The awarded one: its first milestone reported, waiting for the office.
    t.go(95);
    let plan =
        milestones(t, &[(-60, "完成工艺路线验证"), (-150, "完成中试"), (-240, "实现产业化应用")]);
    review_and_award(db, awarded, plan, actor).await?;
    t.go(30);
    report_and_accept(db, awarded, 1, false, actor).await?;
    // The one in review: experts assigned, some scores in.
    t.go(5);
    let v = version(db, reviewing).await?;
    let round = store::start_review(db, reviewing, v, &plan_for(t.day(-10)), actor).await?;
    experts::run_assignment(db, round, t.day(5), actor).await?;
    score(db, round, 4, t.day(5), actor).await?;
    // Today: one taking proposals.
    t.go(0);
    let (demand, r) = raise(&open[0], 100, t.day(-30), terms);
    let taking = store::raise(db, demand, &r, actor).await?;
    apply_three(db, taking, &solvers[..2], 3, actor).await?;
    Ok(5)
}

/// Solvers `k`, `k+1`, `k+2` (in turn) apply with proposals written from the demand.
async fn apply_three(db: &Db, id: i64, solvers: &[i64], k: usize, actor: Actor<'_>) -> Result<()> {
    let Some(c) = store::challenge(db, id).await? else { return Ok(()) };
    let approaches =
        ["产学研联合攻关，先中试后推广", "基于已有成果的二次开发与工程化", "引进消化吸收再创新"];
    let leaders = ["王建华", "李晓燕", "陈志强"];
    for n in 0..3.min(solvers.len()) {
        let org = solvers[(k * 3 + n) % solvers.len()];
        let p = Proposal {
            title: format!(
                "{}：{}",
                c.title.trim_start_matches("寻求").trim_end_matches("相关技术解决方案"),
                approaches[n]
            ),
            leader: leaders[n].into(),
            members: vec!["张伟".into(), "刘洋".into()],
            proposal: format!(
                "针对“{}”，拟采用{}的技术路线。{}",
                c.description, approaches[n], c.requirements
            ),
        };
        store::apply(db, id, org, &p, actor).await?;
    }
    Ok(())
}

fn plan_for(deadline: NaiveDate) -> ReviewPlan {
    ReviewPlan { name: "揭榜方案专家评审".into(), mode: Mode::Assign, demand: 3, deadline }
}

/// Milestones due on the given days before today, paying the reward in equal parts (the last
/// takes the remainder); the reward is filled in by [`review_and_award`].
fn milestones(t: &Timeline<'_>, plan: &[(i64, &str)]) -> Vec<Milestone> {
    plan.iter()
        .map(|(days, title)| Milestone {
            due: t.day(*days),
            title: (*title).into(),
            pay: Money::ZERO,
        })
        .collect()
}

/// Sends the proposals to review, assigns and scores them all, closes the round and awards the
/// review's first, the milestones sharing the reward.
async fn review_and_award(
    db: &Db,
    id: i64,
    mut plan: Vec<Milestone>,
    actor: Actor<'_>,
) -> Result<()> {
    let today = db.clock.today();
    let v = version(db, id).await?;
    let round = store::start_review(db, id, v, &plan_for(today + Days::new(10)), actor).await?;
    experts::run_assignment(db, round, today, actor).await?;
    score(db, round, usize::MAX, today, actor).await?;
    experts::close_round(db, round, actor).await?;
    let Some(c) = store::challenge(db, id).await? else { return Ok(()) };
    let ranked = store::ranking(db, &c).await?;
    let apps = store::applications(db, id).await?;
    let first = ranked.iter().find(|r| r.rank == 1).map(|r| r.code.clone());
    let Some(winner) = apps.iter().find(|a| Some(&a.code) == first.as_ref()).or(apps.first())
    else {
        return Ok(());
    };
    let n = plan.len() as i64;
    let share = Money(c.reward.fen() / n);
    for (k, m) in plan.iter_mut().enumerate() {
        m.pay =
            if k as i64 == n - 1 { Money(c.reward.fen() - share.fen() * (n - 1)) } else { share };
    }
    let award = Award { application_id: winner.id, reason: String::new(), milestones: plan };
    store::award(db, id, c.version, &award, actor).await
}

/// Submits up to `most` of the round's assignments with scores around each proposal's quality.
async fn score(db: &Db, round: i64, most: usize, today: NaiveDate, actor: Actor<'_>) -> Result<()> {
    for a in experts::assignments(db, round).await?.into_iter().take(most) {
        let Some(e) = experts::get(db, a.expert_id).await? else { continue };
        let user = demo_user_for(db, &e).await?;
        let level = 6.0 + ((a.item_id * 7 + a.expert_id * 3) % 30) as f64 / 10.0;
        experts::save_review(db, a.id, user, &scores_for(level, a.version), today, actor).await?;
    }
    Ok(())
}

/// The winner reports milestone `seq` done; the office accepts it when `accept`.
async fn report_and_accept(
    db: &Db,
    id: i64,
    seq: i64,
    accept: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let note = "已按计划完成，提交测试报告和现场照片，可供查验。";
    store::milestone_step(db, id, version(db, id).await?, seq, MilestoneStep::Report, note, actor)
        .await?;
    if accept {
        let v = version(db, id).await?;
        store::milestone_step(
            db,
            id,
            v,
            seq,
            MilestoneStep::Accept,
            "经现场查验，验收通过。",
            actor,
        )
        .await?;
    }
    Ok(())
}
