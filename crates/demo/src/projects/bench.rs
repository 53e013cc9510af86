//! Data for the submission benchmark (`bench/submit.sh`).
use super::*;

/// One applicant of the submission benchmark: an API token and a draft to submit.
#[derive(Debug, Clone, Serialize)]
pub struct BenchApplicant {
    pub token: String,
    pub application: i64,
    pub version: i64,
}

/// Data for `bench/submit.sh` in a database with the demo organisations: an open call,
/// `applicants` researchers (active accounts reached by API token only) each with a draft, and
/// `board_rows` more applications spread over stages for the board.
pub async fn seed_submit_bench(
    db: &Db,
    applicants: usize,
    board_rows: usize,
) -> Result<Vec<BenchApplicant>> {
    let actor = Actor { user_id: 0, username: "bench", request_id: "bench" };
    let today = db.clock.today();
    let call = bench_call(db, today, actor).await?;
    let orgs = db
        .read(
            "SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?;
    let mut out = Vec::with_capacity(applicants);
    for n in 0..applicants {
        let org = &orgs[n % orgs.len()];
        out.push(bench_applicant(db, &call, org, n, today, actor).await?);
    }
    seed_board_rows(db, call.id, &orgs, board_rows).await?;
    p::recount(db).await?;
    Ok(out)
}

/// The benchmark's programme and its open call (no form, no eligibility rules).
async fn bench_call(db: &Db, today: NaiveDate, actor: Actor<'_>) -> Result<p::Call> {
    let year = i64::from(chrono::Datelike::year(&today));
    let prog = p::create_programme(
        db,
        "BENCH",
        "基准测试计划",
        &[(year, Money::from_wan(1_000_000))],
        actor,
    )
    .await?;
    let deadlines = Deadlines {
        applicant: today + Days::new(30),
        organisation: today + Days::new(37),
        zone: today + Days::new(44),
    };
    let rules =
        BudgetRules { max_request: Money::from_wan(100), co_funding: 0.0, indirect_share: 0.2 };
    let call_id = p::create_call(
        db,
        &NewCall {
            programme_id: prog,
            code: "BENCH".into(),
            title: "基准测试申报指南".into(),
            year,
            guidelines: "基准测试".into(),
            topics: vec![],
            eligibility: Eligibility::default(),
            budget_rules: rules,
            deadlines,
            opens_on: today - Days::new(1),
            form: vec![],
            review_plan: ReviewPlan::default(),
        },
        actor,
    )
    .await?;
    p::call(db, call_id).await?.ok_or(StoreError::NotFound)
}

/// The n-th applicant: an active account in the organisation, its API token and a draft.
async fn bench_applicant(
    db: &Db,
    call: &p::Call,
    org: &(i64, String),
    n: usize,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<BenchApplicant> {
    let tx = db.begin_write().await?;
    let uid = tx.insert("INSERT INTO users (username, display_name, password_hash, role, organisation_id, active, created_at) VALUES (?, ?, '!', 'org_member', ?, 1, ?)", vec![format!("bench{n:05}").into(), format!("申报人{n}").into(), org.0.into(), tx.clock.now_ms().into()]).await?;
    tx.commit().await?;
    let token = innocity_store::users::create_token(
        db,
        &innocity_store::users::NewToken {
            user_id: uid,
            name: "bench",
            days: innocity_store::users::DEFAULT_TOKEN_DAYS,
            read_only: false,
            actor: "bench",
            request_id: "bench",
        },
    )
    .await?;
    let draft = Draft {
        title: format!("基准测试项目{n:05}：稀土功能材料制备技术研究"),
        topic: String::new(),
        summary: "基准测试".into(),
        leader_name: format!("申报人{n}"),
        leader_key: demo_id_number(50_000 + n as u64),
        members: vec![],
        budget: vec![Line {
            category: "equipment".into(),
            requested: Money::from_wan(10),
            raised: Money::ZERO,
        }],
        answers: Default::default(),
    };
    let application = p::create_draft(
        db,
        call,
        &draft,
        p::DraftLead { leader_user_id: uid, organisation_id: org.0, unit_path: &org.1 },
        today,
        actor,
    )
    .await?;
    Ok(BenchApplicant { token, application, version: 1 })
}

/// The board's load: many applications over the stages, in one statement per thousand rows.
async fn seed_board_rows(
    db: &Db,
    call_id: i64,
    orgs: &[(i64, String)],
    board_rows: usize,
) -> Result<()> {
    let stages = [
        "draft",
        "submitted",
        "endorsed",
        "recommended",
        "in_review",
        "reviewed",
        "approved",
        "rejected",
        "established",
    ];
    let now = db.clock.now_ms();
    let tx = db.begin_write().await?;
    for chunk in (0..board_rows).collect::<Vec<_>>().chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO applications (call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, created_at, updated_at, submitted_at) VALUES ",
        );
        let mut vals: Vec<sea_orm::Value> = Vec::new();
        for (k, n) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(
                "(?, ?, ?, '', '', 1, '某某', '', '[]', ?, ?, '[]', ?, ?, '', '', ?, ?, 0)",
            );
            let org = &orgs[n % orgs.len()];
            vals.extend([
                call_id.into(),
                format!("BOARD-{n:06}").into(),
                format!("看板项目{n}").into(),
                org.0.into(),
                org.1.clone().into(),
                (((n % 50) as i64 + 10) * 1_000_000).into(),
                stages[n % stages.len()].into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.exec(&sql, vals).await?;
    }
    tx.commit().await?;
    Ok(())
}
