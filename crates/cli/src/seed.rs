//! `innocity demo` and the benchmark's data: fresh databases filled with made-up data.
use crate::connect;
use crate::server::serve;
use crate::settings::{Settings, init_logs};
use innocity_demo as demo;
use innocity_store::db::redact_url;
use innocity_store::{audit, users};

/// `innocity demo`: a fresh database with demo data, then (unless `no_serve`) the server.
pub(crate) async fn demo_command(
    url: &str,
    s: &Settings,
    listen: Option<String>,
    organisations: u64,
    no_serve: bool,
    audit_entries: u64,
    no_stats: bool,
) -> Result<(), String> {
    init_logs(&s.log_format);
    fresh_sqlite(url)?;
    let db = connect(url).await?;
    let csl = find_csl();
    let summary = demo::seed(&db, organisations, csl.as_deref())
        .await
        .map_err(|e| format!("demo data: {e}"))?;
    let stats = if no_stats {
        demo::StatsSummary::default()
    } else {
        seed_the_rest(&db, csl.as_deref(), std::path::Path::new(&s.files_dir)).await?
    };
    if audit_entries > 0 {
        audit::append_synthetic(&db, audit_entries).await.map_err(|e| e.to_string())?;
    }
    println!(
        "演示数据已创建 / demo data created: {} 个区域单位 units, {} 家单位 organisations, {} 份统计报表 returns ({} 个数据 values) ({})",
        summary.units,
        summary.organisations,
        stats.returns,
        stats.values,
        redact_url(url)
    );
    println!("演示账号 / demo accounts (密码 password: {}):", demo::DEMO_PASSWORD);
    for (user, _, role) in &summary.accounts {
        println!("  {user:<10} {role}");
    }
    if no_serve {
        return Ok(());
    }
    serve(db, &listen.unwrap_or(s.listen.clone()), s).await
}

/// The demo's statistics, approvals, indicators, experts and projects.
async fn seed_the_rest(
    db: &innocity_store::Db,
    csl: Option<&str>,
    files: &std::path::Path,
) -> Result<demo::StatsSummary, String> {
    let s = demo::seed_stats(db, csl).await.map_err(|e| format!("demo statistics: {e}"))?;
    demo::approve_demo_periods(db).await.map_err(|e| format!("demo approvals: {e}"))?;
    demo::seed_indicators(db).await.map_err(|e| format!("demo indicators: {e}"))?;
    let x = demo::experts::seed_experts(db, csl.unwrap_or(demo::experts::CSL))
        .await
        .map_err(|e| format!("demo experts: {e}"))?;
    println!(
        "专家库 / experts: {} 位专家 experts, {} 项申报 proposals, {} 份评审意见 reviews",
        x.experts, x.proposals, x.reviews
    );
    let pj = demo::projects::seed_projects(db, csl.unwrap_or(demo::experts::CSL))
        .await
        .map_err(|e| format!("demo projects: {e}"))?;
    println!(
        "科技计划 / projects: {} 个申报通知 calls, {} 项申报 applications, {} 项已立项 established",
        pj.calls, pj.applications, pj.established
    );
    let listed = demo::market::seed_market(db, csl.unwrap_or(demo::experts::CSL))
        .await
        .map_err(|e| format!("demo market: {e}"))?;
    println!("技术市场 / market: {listed} 项挂牌成果 listed achievements");
    let sub = demo::subjects::seed_subjects(db).await.map_err(|e| format!("demo subjects: {e}"))?;
    println!(
        "创新主体 / subjects: {} 份资质证书 certificates, {} 份企业自评 self-evaluations, {} 家企业入培育库 in cultivation pools",
        sub.certificates, sub.evaluations, sub.pool_entries
    );
    let zt = demo::carriers::seed_carriers(db).await.map_err(|e| format!("demo carriers: {e}"))?;
    println!(
        "创新平台与载体 / carriers: {} 个平台载体 carriers, {} 份年度报表 annual returns, {} 个年度评价等次 grades",
        zt.carriers, zt.returns, zt.grades
    );
    let tl = demo::talent::seed_talent(db).await.map_err(|e| format!("demo talent: {e}"))?;
    println!(
        "人才与团队 / talent: {} 名人才 people, {} 个创新团队 teams, {} 份年度报告 yearly reports",
        tl.people, tl.teams, tl.reports
    );
    let sh = demo::sharing::seed_sharing(db).await.map_err(|e| format!("demo sharing: {e}"))?;
    println!(
        "仪器共享 / instruments: {} 台共享仪器 instruments, {} 次预约 bookings, {} 次已使用计费 used",
        sh.instruments, sh.bookings, sh.used
    );
    let pr = demo::providers::seed_providers(db, files)
        .await
        .map_err(|e| format!("demo providers: {e}"))?;
    println!(
        "科技服务机构 / providers: {} 家登记在册 registered, {} 项服务 services, {} 个订单 orders, {} 条评价 ratings",
        pr.providers, pr.services, pr.orders, pr.ratings
    );
    let vo = demo::vouchers::seed_vouchers(db).await.map_err(|e| format!("demo vouchers: {e}"))?;
    println!(
        "创新券 / vouchers: {} 个年度计划 programmes, {} 张创新券 vouchers, {} 笔兑付 redemptions",
        vo.programmes, vo.vouchers, vo.redemptions
    );
    let ex = demo::exchange::seed_exchange(db).await.map_err(|e| format!("demo exchange: {e}"))?;
    println!(
        "通用通兑 / cross-region: {} 张合作地区创新券 partner vouchers, {} 笔本地兑付 redemptions, {} 份对账单 statements",
        ex.partner_vouchers, ex.redemptions, ex.statements
    );
    seed_finance(db).await?;
    seed_evaluation_and_tasks(db, files).await?;
    demo::count_subjects(db).await.map_err(|e| format!("demo subject counts: {e}"))?;
    let released = seed_releases(db).await.map_err(|e| format!("demo releases: {e}"))?;
    println!("数据发布 / releases: {released} 个季度已发布 quarters released");
    Ok(s)
}

/// The quarterly monitoring computed again now that every register is seeded, then the quarterly
/// framework's ended quarters released to the public, as the bureau would have, but the latest.
async fn seed_releases(db: &innocity_store::Db) -> innocity_store::db::Result<usize> {
    use innocity_core::indicators::targets::Framework;
    use innocity_core::periods::Period;
    demo::refresh_quarters(db).await?;
    let Some(f) = Framework::built_in().into_iter().find(|f| f.code == "LANBAI-Q2026") else {
        return Ok(0);
    };
    let (from, to) = f.years().unwrap_or((0, -1));
    let units = innocity_store::orgs::units(db).await?;
    let Some(whole) = units.iter().find(|u| u.parent_id.is_none()) else { return Ok(0) };
    let today = db.clock.today();
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "bureau", request_id: "demo" };
    let mut n = 0;
    // The latest quarter ended is still being reported (its quick reports are due); the bureau
    // releases it once they are in.
    let ended: Vec<Period> = (from..=to)
        .flat_map(|y| (1..=4).map(move |q| Period::Quarter(y, q)))
        .filter(|q| q.days().1 < today)
        .collect();
    for &q in ended.iter().rev().skip(1).rev() {
        let figures =
            innocity_web::indicators::release::figures_of(db, &f, whole, &units, q, today).await?;
        if figures.has_values() {
            innocity_store::indicators::releases::release(
                db,
                &f.code,
                &q.to_string(),
                &figures,
                actor,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// The demo's county evaluations, then its annual tasks and their progress.
async fn seed_evaluation_and_tasks(
    db: &innocity_store::Db,
    files: &std::path::Path,
) -> Result<(), String> {
    let ev = demo::evaluation::seed_evaluation(db, files)
        .await
        .map_err(|e| format!("demo evaluation: {e}"))?;
    println!(
        "县区评价 / evaluation: {} 次评价 campaigns, {} 项定性填报 reports, {} 个评分 scores",
        ev.campaigns, ev.reports, ev.scores
    );
    let tk = demo::supervision::seed_supervision(db, files)
        .await
        .map_err(|e| format!("demo tasks: {e}"))?;
    println!(
        "任务督办 / tasks: {} 项年度任务 tasks, {} 份月度进展 monthly reports, {} 次督办提醒 reminders",
        tk.tasks, tk.reports, tk.reminders
    );
    Ok(())
}

/// The demo's policy library, then its risk-compensation loan funds.
async fn seed_finance(db: &innocity_store::Db) -> Result<(), String> {
    let po = demo::policies::seed_policies(db).await.map_err(|e| format!("demo policies: {e}"))?;
    println!(
        "政策库 / policies: {} 项政策 policies, {} 份免申即享名单 lists, {} 家次企业 entitled, {} 万元",
        po.policies,
        po.runs,
        po.entitled,
        po.total.wan_text()
    );
    let f = demo::fund::seed_fund(db).await.map_err(|e| format!("demo loan funds: {e}"))?;
    println!(
        "风险补偿资金池 / loan funds: {} 个资金池 funds ({} 万元), {} 家合作银行 banks, {} 家白名单企业 listed, {} 笔贷款 loans ({} 万元, {} 笔已结清 repaid), {} 笔代偿 compensated ({} 万元, 回收 {} 万元 returned); 银行账号 bank accounts: {}",
        f.funds,
        f.capital.wan_text(),
        f.banks,
        f.listed,
        f.loans,
        f.lent.wan_text(),
        f.loans_repaid,
        f.claims,
        f.compensated.wan_text(),
        f.returned.wan_text(),
        f.accounts.join(", ")
    );
    let m = demo::financing::seed_financing(db, &f.bank_ids)
        .await
        .map_err(|e| format!("demo financing: {e}"))?;
    println!(
        "融资对接 / financing: {} 家担保与投资机构 institutions, {} 个金融产品 products, {} 项融资需求 demands, {} 项对接 follow-ups ({} 项获批 approved); 账号 accounts: {}",
        m.institutions,
        m.products,
        m.demands,
        m.followups,
        m.approved,
        m.accounts.join(", ")
    );
    Ok(())
}

/// `innocity bench-seed`: data for bench/submit.sh, the applicants written as JSON to `out`.
pub(crate) async fn bench_seed(
    url: &str,
    applicants: usize,
    applications: usize,
    out: &str,
) -> Result<(), String> {
    fresh_sqlite(url)?;
    let db = connect(url).await?;
    demo::seed(&db, 300, None).await.map_err(|e| format!("demo data: {e}"))?;
    let list = demo::projects::seed_submit_bench(&db, applicants, applications)
        .await
        .map_err(|e| format!("bench data: {e}"))?;
    let bureau: i64 = db
        .query_one("SELECT id FROM users WHERE username = 'bureau'", vec![])
        .await
        .map_err(|e| e.to_string())?
        .and_then(|r| r.try_get_by_index(0).ok())
        .ok_or("no bureau account")?;
    let board_token = users::create_token(
        &db,
        &users::NewToken {
            user_id: bureau,
            name: "bench",
            days: users::DEFAULT_TOKEN_DAYS,
            read_only: false,
            actor: "bench",
            request_id: "bench",
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let body = serde_json::json!({ "applicants": list, "board_token": board_token });
    std::fs::write(out, body.to_string()).map_err(|e| format!("{out}: {e}"))?;
    println!("{} applicants, {} applications for the board", list.len(), applications);
    Ok(())
}

/// An API token for a demo account, for the benchmarks' clients.
async fn token_for(db: &innocity_store::Db, username: &str) -> Result<String, String> {
    let user: i64 = db
        .query_one("SELECT id FROM users WHERE username = ?", vec![username.into()])
        .await
        .map_err(|e| e.to_string())?
        .and_then(|r| r.try_get_by_index(0).ok())
        .ok_or(format!("no {username} account"))?;
    let token = users::NewToken {
        user_id: user,
        name: "bench",
        days: users::DEFAULT_TOKEN_DAYS,
        read_only: false,
        actor: "bench",
        request_id: "bench",
    };
    users::create_token(db, &token).await.map_err(|e| e.to_string())
}

/// `innocity bench-seed-sharing`: data for bench/sharing.sh, written as JSON to `out`.
pub(crate) async fn bench_seed_sharing(
    url: &str,
    instruments: usize,
    vouchers: usize,
    out: &str,
) -> Result<(), String> {
    fresh_sqlite(url)?;
    let db = connect(url).await?;
    demo::seed(&db, 300, None).await.map_err(|e| format!("demo data: {e}"))?;
    let data = demo::sharing_bench::seed_sharing_bench(&db, instruments, vouchers)
        .await
        .map_err(|e| format!("bench data: {e}"))?;
    let mut book_tokens = Vec::new();
    for user in ["orgadmin", "member", "orgadmin2"] {
        book_tokens.push(token_for(&db, user).await?);
    }
    let body = serde_json::json!({
        "instruments": data.instruments, "vouchers": data.vouchers, "programme_id": data.programme_id,
        "book_tokens": book_tokens, "redeem_token": token_for(&db, "provider").await?,
    });
    std::fs::write(out, body.to_string()).map_err(|e| format!("{out}: {e}"))?;
    println!("{} instruments, {} vouchers", data.instruments.len(), data.vouchers.len());
    Ok(())
}

/// `innocity bench-seed-finance`: data for bench/finance.sh, the officers' tokens written as JSON
/// to `out`.
pub(crate) async fn bench_seed_finance(
    url: &str,
    organisations: u64,
    out: &str,
) -> Result<(), String> {
    fresh_sqlite(url)?;
    let db = connect(url).await?;
    demo::seed(&db, organisations, None).await.map_err(|e| format!("demo data: {e}"))?;
    let returns = demo::finance_bench::seed_finance_bench(&db, &[2024, 2025])
        .await
        .map_err(|e| format!("bench data: {e}"))?;
    let body = serde_json::json!({
        "maker_token": token_for(&db, "bureau").await?,
        "checker_token": token_for(&db, "admin").await?,
    });
    std::fs::write(out, body.to_string()).map_err(|e| format!("{out}: {e}"))?;
    println!("{returns} approved 107-2 returns");
    Ok(())
}

/// `innocity bench-seed-fund`: data for the ledger half of bench/finance.sh — a demo with
/// `enterprises` enterprises, all on the white list of a fund sized for `loans` loan lifecycles,
/// the banks' and the two officers' tokens and the borrowers' credit codes, written as JSON to
/// `out`.
pub(crate) async fn bench_seed_fund(
    url: &str,
    enterprises: u64,
    loans: u64,
    out: &str,
) -> Result<(), String> {
    fresh_sqlite(url)?;
    let db = connect(url).await?;
    let organisations = enterprises + demo::fund_bench::NAMED_ORGANISATIONS;
    demo::seed(&db, organisations, None).await.map_err(|e| format!("demo data: {e}"))?;
    let f = demo::fund_bench::seed_fund_bench(&db, loans)
        .await
        .map_err(|e| format!("bench data: {e}"))?;
    let mut bank_tokens = Vec::new();
    for user in &f.bank_users {
        bank_tokens.push(token_for(&db, user).await?);
    }
    let body = serde_json::json!({
        "fund_id": f.fund_id,
        "today": db.clock.today().to_string(),
        "bank_users": f.bank_users,
        "bank_tokens": bank_tokens,
        "shares_pct": demo::fund_bench::SHARES,
        "approve_token": token_for(&db, "bureau").await?,
        "pay_token": token_for(&db, "admin").await?,
        "capital_fen": f.capital.fen(),
        "borrowers": f.borrowers,
    });
    std::fs::write(out, body.to_string()).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "fund {} with {} 万元, {} banks, {} borrowers on the white list",
        f.fund_id,
        f.capital.wan_text(),
        f.banks.len(),
        f.borrowers.len()
    );
    Ok(())
}

/// `demo` starts from a fresh SQLite file; a PostgreSQL database must be empty.
fn fresh_sqlite(url: &str) -> Result<(), String> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if std::path::Path::new(&p).exists() {
                std::fs::remove_file(&p).map_err(|e| format!("{p}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Real Chinese research keywords for demo names, from the shared CSL sample when present.
fn find_csl() -> Option<String> {
    let candidates = [
        std::env::var("INNOCITY_CSL").unwrap_or_default(),
        "../shared/data/csl/csl_papers.tsv".into(),
        "../../shared/data/csl/csl_papers.tsv".into(),
    ];
    candidates
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| Some(demo::experts::CSL.to_string()))
}
