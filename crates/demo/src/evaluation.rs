//! Demo evaluation campaigns of the thirteen counties: the 2025 one finished — every county
//! reported its four qualitative items with evidence, the bureau and two experts scored them,
//! results released, one objection answered, the bulletin published on the public site — and
//! the 2026 one reporting, with most counties' reports in and 榆中县's left for its admin.
use super::Lcg;
use innocity_core::evaluation::BUILT_IN;
use innocity_store::Db;
use innocity_store::db::Result;
use innocity_store::evaluation::{self as ev, NewCampaign};
use innocity_store::orgs::{self, Actor, OrgUnit};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "demo", request_id: "demo" };

#[derive(Debug, Default, Clone)]
pub struct EvaluationSummary {
    pub campaigns: usize,
    pub reports: usize,
    pub scores: usize,
}

/// What a county writes for each qualitative item, with numbers drawn for it (never its
/// name: the evaluators score blind).
fn report_text(item: &str, year: i32, r: &mut Lcg) -> String {
    let n = 2 + r.next() % 5;
    match item {
        "POLICIES" => format!(
            "{year}年本县（区）出台《关于加快科技创新推动高质量发展的若干措施》等政策文件 {n} 件，明确研发费用后补助、科技型企业梯度培育和科技成果转化奖励办法，并纳入县政府年度重点工作督查。"
        ),
        "INSTITUTIONS" => format!(
            "本县（区）成立由县（区）长任组长的科技创新工作领导小组，设立科技服务中心，配备专职科技管理人员 {n} 名，建立季度调度和年度考核制度。"
        ),
        "MONEY_COMMITTED" => format!(
            "{year}年本级财政安排科技专项资金 {} 万元，同比增长 {}%，设立科技成果转化引导资金 {} 万元。",
            300 + r.next() % 1700,
            3 + r.next() % 20,
            100 + r.next() % 400
        ),
        _ => format!(
            "{year}年组织实施县级科技计划项目 {} 项，登记技术合同 {} 项，新增高新技术企业 {n} 家，建成市级以上创新平台 {} 个。",
            10 + r.next() % 30,
            5 + r.next() % 60,
            1 + r.next() % 6
        ),
    }
}

async fn user(db: &Db, name: &str) -> Result<i64> {
    let ids =
        db.read("SELECT id FROM users WHERE username = ?", vec![name.into()], |r| r.int(0)).await?;
    ids.first().copied().ok_or(innocity_store::StoreError::NotFound)
}

/// Each county's four reports (the evidence a PDF each), the ones in `skip` left out.
async fn reports(
    db: &Db,
    files: &std::path::Path,
    c: &ev::Campaign,
    counties: &[OrgUnit],
    skip: &[&str],
    r: &mut Lcg,
) -> Result<usize> {
    let f = c.framework()?;
    let mut n = 0;
    for county in counties.iter().filter(|u| !skip.contains(&u.code.as_str())) {
        for item in f.qualitative() {
            let text = report_text(&item.code, c.year, r);
            let id = ev::report(db, c, county, &item.code, &text, ACTOR).await?;
            let pdf =
                super::providers::report_pdf(&format!("{} {} {}", county.code, item.code, c.year));
            ev::add_evidence(db, files, c, id, &format!("佐证材料-{}.pdf", item.code), &pdf, ACTOR)
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Every evaluator's score of every county's qualitative items (but their own county's), drawn between 45 % and 95 %
/// of the scale.
async fn score_all(
    db: &Db,
    c: &ev::Campaign,
    counties: &[OrgUnit],
    evaluators: &[i64],
    r: &mut Lcg,
) -> Result<usize> {
    let mut n = 0;
    let f = c.framework()?;
    for county in counties {
        for item in f.qualitative() {
            let max = item.max_score.unwrap_or(10.0);
            for &e in evaluators {
                // An evaluator who belongs to the county is withheld from it.
                if ev::conflicted(db, e, county).await? {
                    continue;
                }
                let score = ((max * (0.45 + (r.next() % 50) as f64 / 100.0)) * 10.0).round() / 10.0;
                ev::score(db, c, county, &item.code, e, score, ACTOR).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

pub async fn seed_evaluation(db: &Db, files: &std::path::Path) -> Result<EvaluationSummary> {
    let counties: Vec<OrgUnit> =
        orgs::units(db).await?.into_iter().filter(|u| u.level == "county").collect();
    let today = db.clock.today();
    let mut r = Lcg(2025);
    let mut out = EvaluationSummary::default();
    let weights: Vec<(String, f64)> = Vec::new();
    let evaluators = [user(db, "bureau").await?, user(db, "expert").await?];

    // 2025: finished and published.
    let new = NewCampaign {
        year: 2025,
        title: "2025年度创新型县区评价",
        level: "county",
        framework: BUILT_IN,
        weights: &weights,
        report_until: today,
        method: "trimmed",
    };
    let id = ev::create(db, &new, ACTOR).await?;
    let c = ev::campaign(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
    out.reports += reports(db, files, &c, &counties, &[], &mut r).await?;
    for e in evaluators {
        ev::invite(db, &c, e, ACTOR).await?;
    }
    ev::start_scoring(db, &c, ACTOR).await?;
    let c = ev::campaign(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
    out.scores += score_all(db, &c, &counties, &evaluators, &mut r).await?;
    ev::release_results(db, &c, today, 200, ACTOR).await?;
    let c = ev::campaign(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
    if let Some(county) = counties.iter().find(|u| u.code == "620123") {
        let o = ev::object(
            db,
            &c,
            county,
            "我县2025年新增高新技术企业 6 家，其中 2 家于12月认定，请核实是否计入。",
            ACTOR,
        )
        .await?;
        ev::answer(
            db,
            &c,
            o,
            "经核对科技部火炬中心认定名单，12 月认定的 2 家已计入，名次不变。",
            ACTOR,
        )
        .await?;
    }
    // Published the day after the window (the demo cannot wait: the window is today).
    let tx = db.begin_write().await?;
    tx.exec(
        "UPDATE evaluation_campaigns SET objections_until = ? WHERE id = ?",
        vec![(today - chrono::Days::new(1)).to_string().into(), id.into()],
    )
    .await?;
    tx.commit().await?;
    let c = ev::campaign(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
    ev::publish(db, &c, true, ACTOR).await?;

    // 2026: reporting until the 25th day, 榆中县 and two others still to report.
    let new = NewCampaign {
        year: 2026,
        title: "2026年度创新型县区评价",
        report_until: today + chrono::Days::new(25),
        ..new
    };
    let id = ev::create(db, &new, ACTOR).await?;
    let c = ev::campaign(db, id).await?.ok_or(innocity_store::StoreError::NotFound)?;
    out.reports +=
        reports(db, files, &c, &counties, &["620123", "620422", "620623"], &mut r).await?;
    for e in evaluators {
        ev::invite(db, &c, e, ACTOR).await?;
    }
    out.campaigns = 2;
    Ok(out)
}
