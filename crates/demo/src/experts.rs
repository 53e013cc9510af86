//! Demo expert libraries and review rounds: 300 experts whose publications are real papers of the
//! CSL sample (grouped by discipline), a call with 150 proposals (other CSL papers), a finished
//! remote review (optimal assignment, every score in) and a panel review in progress (drawn with a
//! committed seed; some reviews in, some drafts, one decline replaced by a redraw), and credit
//! records, one of which suspends an expert.
use chrono::NaiveDate;
use innocity_core::credit::{Nature, Record, Sanction, Severity};
use innocity_core::experts::conflicts::{Tie, TieKind};
use innocity_core::experts::panel::{Composition, MinGroup};
use innocity_core::experts::scoring::Form;
use innocity_core::experts::{Library, Status};
use innocity_store::db::{Db, Result, StoreError};
use innocity_store::experts::{self, ExpertDraft, Item, Mode, NewRound, ReviewInput, Rules};
use innocity_store::orgs::Actor;
use std::collections::BTreeMap;

/// The CSL sample, embedded so the demo is the same on every machine (Apache-2.0, see
/// `data/CSL-README.md`).
pub const CSL: &str = include_str!("../data/csl_papers.tsv");

struct Paper<'a> {
    category: &'a str,
    title: &'a str,
    abstract_: &'a str,
    keywords: &'a str,
    discipline: &'a str,
}

fn papers(tsv: &str) -> Vec<Paper<'_>> {
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Some(Paper {
                category: c.get(5)?.trim(),
                title: c.get(1)?.trim(),
                abstract_: c.get(2)?.trim(),
                keywords: c.get(3)?.trim(),
                discipline: c.get(4)?.trim(),
            })
        })
        .collect()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];
const GIVEN: &[&str] = &[
    "明", "华", "建国", "丽", "伟", "芳", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "超", "秀英", "霞", "平", "刚", "桂英", "文", "斌", "宁", "海燕", "志强", "晓东", "红梅",
    "立新",
];
const TITLES: &[&str] = &["教授", "研究员", "正高级工程师", "副教授", "副研究员", "高级工程师"];
const OUTSIDE: &[(&str, &str)] = &[
    ("西安交通大学", "陕西省"),
    ("四川大学", "四川省"),
    ("中国科学院大连化学物理研究所", "辽宁省"),
    ("北京理工大学", "北京市"),
    ("宁夏大学", "宁夏回族自治区"),
    ("青海大学", "青海省"),
];

fn person(k: usize) -> String {
    format!("{}{}", SURNAMES[k % SURNAMES.len()], GIVEN[(k / SURNAMES.len() + k * 7) % GIVEN.len()])
}

#[derive(Debug, Clone, Default)]
pub struct ExpertsSummary {
    pub experts: usize,
    pub proposals: usize,
    pub reviews: usize,
}

/// Seeds the libraries and the rounds into a demo database that has organisations and accounts.
pub async fn seed_experts(db: &Db, csl_tsv: &str) -> Result<ExpertsSummary> {
    let actor = Actor { user_id: 0, username: "system", request_id: "demo" };
    let all = papers(csl_tsv);
    let mut pool = PaperPool::new(&all);
    let fields = pool.fields();
    if fields.is_empty() {
        return Err(StoreError::Invalid("the CSL sample has too few papers".into()));
    }
    let hosts = read_hosts(db).await?;
    // Dates follow the calendar, so the demo's open round stays open whenever it is made.
    let now = db.clock.today();
    let this_year = i64::from(chrono::Datelike::year(&now));
    let s = Seeding { db, actor, today: now, this_year };
    let codes = seed_library(&s, &mut pool, &fields, &hosts).await?;
    let proposals = draw_proposals(&mut pool, &fields, &hosts.firms, &codes);
    add_ties(&s, &proposals, &codes).await?;
    let (remote_id, mut reviews) = run_remote_review(&s, &proposals).await?;
    reviews += run_panel_review(&s, remote_id, &proposals, &codes).await?;
    seed_credit(db, actor).await?;
    Ok(ExpertsSummary { experts: codes.len(), proposals: proposals.len(), reviews })
}

/// What every step of the expert demo needs: the database, who acts, and the demo's today.
struct Seeding<'a> {
    db: &'a Db,
    actor: Actor<'a>,
    today: NaiveDate,
    this_year: i64,
}

/// An expert of the library: (id, code, name).
type Placed = (i64, String, String);

/// The papers by discipline, handed out in order: the first ones become publications, the
/// rest proposals.
struct PaperPool<'a> {
    by_field: BTreeMap<&'a str, Vec<&'a Paper<'a>>>,
    cursor: BTreeMap<&'a str, usize>,
}

impl<'a> PaperPool<'a> {
    /// Science, engineering, medicine and agriculture: the fields an S&T plan funds.
    fn new(all: &'a [Paper<'a>]) -> Self {
        let mut by_field: BTreeMap<&str, Vec<&Paper>> = BTreeMap::new();
        for p in all.iter().filter(|p| ["工学", "理学", "医学", "农学"].contains(&p.category))
        {
            by_field.entry(p.discipline).or_default().push(p);
        }
        PaperPool { by_field, cursor: BTreeMap::new() }
    }

    /// Disciplines with enough papers for experts and proposals alike.
    fn fields(&self) -> Vec<&'a str> {
        self.by_field.iter().filter(|(_, v)| v.len() >= 25).map(|(k, _)| *k).collect()
    }

    /// The discipline's next paper (none when it has run out).
    fn take(&mut self, field: &str) -> Option<&'a Paper<'a>> {
        let list = self.by_field.get(field)?;
        let k = self.cursor.entry(self.by_field.get_key_value(field)?.0).or_insert(0);
        let p = list.get(*k);
        *k += 1;
        p.copied()
    }
}

/// Where experts work and proposals come from: (name, credit code, unit path) of the
/// universities, institutes and hospitals, and of the first 120 enterprises.
struct Hosts {
    orgs: Vec<(String, String, String)>,
    firms: Vec<(String, String, String)>,
}

async fn read_hosts(db: &Db) -> Result<Hosts> {
    let orgs = db
        .read("SELECT name, credit_code, unit_path FROM organisations WHERE kind IN ('university', 'institute', 'hospital') ORDER BY id", vec![], |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
        .await?;
    let firms = db.read("SELECT name, credit_code, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT 120", vec![], |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?))).await?;
    if orgs.is_empty() || firms.is_empty() {
        return Err(StoreError::Invalid(
            "the demo experts need universities and enterprises".into(),
        ));
    }
    Ok(Hosts { orgs, firms })
}

/// The library's 300 experts, round robin over the disciplines, two publications each; the
/// last ten applied, vetted or exited, every fortieth confirmed two years ago.
async fn seed_library(
    s: &Seeding<'_>,
    pool: &mut PaperPool<'_>,
    fields: &[&str],
    hosts: &Hosts,
) -> Result<Vec<Placed>> {
    let mut codes = Vec::new();
    for k in 0..300usize {
        let field = fields[k % fields.len()];
        let pubs: Vec<&Paper> = (0..2).filter_map(|_| pool.take(field)).collect();
        let d = expert_draft(k, field, &pubs, hosts);
        let code = d.code.clone();
        let status = match k {
            290..=293 => Status::Applied,
            294..=296 => Status::Vetted,
            297..=299 => Status::Exited,
            _ => Status::Active,
        };
        let id = experts::create(
            s.db,
            &d,
            status,
            if k % 40 == 9 { s.this_year - 2 } else { s.this_year },
            s.actor,
        )
        .await?;
        codes.push((id, code, person(k)));
    }
    Ok(codes)
}

/// The k-th expert: publications and keywords from their papers; every tenth from outside the
/// province, every tenth from an enterprise, every twelfth also in finance, every 25th advisory.
fn expert_draft(k: usize, field: &str, pubs: &[&Paper], hosts: &Hosts) -> ExpertDraft {
    let publications = pubs
        .iter()
        .map(|p| format!("《{}》 {}", p.title, p.abstract_))
        .collect::<Vec<_>>()
        .join("\n");
    let keywords = pubs
        .iter()
        .flat_map(|p| p.keywords.split(';'))
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("；");
    let (org_name, credit, path, region) = expert_host(k, hosts);
    let finance = k % 12 == 5;
    ExpertDraft {
        code: format!("E{:04}", k + 1),
        name: person(k),
        user_id: None,
        organisation_name: org_name,
        credit_code: credit,
        unit_path: path,
        title: TITLES[k % TITLES.len()].to_string(),
        fields: if finance {
            vec![field.to_string(), "财务与审计".to_string()]
        } else {
            vec![field.to_string()]
        },
        keywords,
        publications,
        projects: String::new(),
        region,
        contact: format!("1390931{:04}", k),
        groups: if finance { vec!["finance".into()] } else { vec![] },
        available_from: String::new(),
        available_to: String::new(),
        library: Some(if k.is_multiple_of(25) { Library::Advisory } else { Library::Review }),
        yearly_cap: 10,
    }
}

/// The k-th expert's organisation name, credit code, unit path and region.
fn expert_host(k: usize, hosts: &Hosts) -> (String, String, String, String) {
    let outside = k % 10 == 7;
    if outside {
        let (n, r) = OUTSIDE[k % OUTSIDE.len()];
        (n.to_string(), String::new(), String::new(), r.to_string())
    } else if k % 10 == 3 {
        let f = &hosts.firms[k % hosts.firms.len()];
        (f.0.clone(), f.1.clone(), f.2.clone(), "甘肃省".to_string())
    } else {
        let o = &hosts.orgs[k % hosts.orgs.len()];
        (o.0.clone(), o.1.clone(), o.2.clone(), "甘肃省".to_string())
    }
}

/// The call's 150 proposals: the papers left, round robin over the disciplines; every 15th
/// asks to avoid an expert.
fn draw_proposals(
    pool: &mut PaperPool<'_>,
    fields: &[&str],
    firms: &[(String, String, String)],
    codes: &[Placed],
) -> Vec<Item> {
    let mut proposals = Vec::new();
    let mut f = 0usize;
    while proposals.len() < 150 {
        let field = fields[f % fields.len()];
        f += 1;
        if let Some(p) = pool.take(field) {
            let n = proposals.len();
            let firm = &firms[(n * 7) % firms.len()];
            let applicant = person(1000 + n * 3);
            proposals.push(Item {
                id: 0,
                round_id: 0,
                code: format!("LB2026-{:03}", n + 1),
                title: p.title.to_string(),
                body: format!("{}\n关键词：{}", p.abstract_, p.keywords.replace(';', "；")),
                discipline: field.to_string(),
                applicant: applicant.clone(),
                members: vec![person(1001 + n * 3), person(1002 + n * 3)],
                credit_code: firm.1.clone(),
                org_name: firm.0.clone(),
                unit_path: firm.2.clone(),
                avoid: if n % 15 == 4 { vec![codes[(n * 11) % 280].1.clone()] } else { vec![] },
            });
        }
        if f > fields.len() * 200 {
            break;
        }
    }
    proposals
}

/// Ties that make conflicts: co-authors of applicants, a student, a relative.
async fn add_ties(s: &Seeding<'_>, proposals: &[Item], codes: &[Placed]) -> Result<()> {
    for (n, p) in proposals.iter().enumerate().filter(|(n, _)| n % 9 == 2) {
        let (id, _, _) = &codes[(n * 13) % 280];
        let kind = [TieKind::Coauthor, TieKind::Student, TieKind::Relative][(n / 9) % 3];
        experts::add_tie(
            s.db,
            *id,
            &Tie {
                kind,
                name: p.applicant.clone(),
                credit_code: String::new(),
                year: (kind == TieKind::Coauthor).then_some(2024),
            },
            s.actor,
        )
        .await?;
    }
    Ok(())
}

/// The finished remote review (通讯评审): optimal assignment, all scores in, closed. Returns
/// the round and its number of reviews.
async fn run_remote_review(s: &Seeding<'_>, proposals: &[Item]) -> Result<(i64, usize)> {
    let (db, actor, today) = (s.db, s.actor, s.today);
    let remote = remote_round(today, s.this_year);
    let remote_id = experts::create_round(db, &remote, proposals, actor).await?;
    experts::run_assignment(db, remote_id, today, actor).await?;
    let reviews = score_remote_reviews(s, remote_id).await?;
    // The remote review closed on its deadline; its reviews came in the week before.
    let week_before = (today - chrono::Days::new(7))
        .and_hms_opt(10, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(0);
    exec(
        db,
        "UPDATE review_assignments SET submitted_at = ?, saved_at = ? WHERE round_id = ?",
        vec![week_before.into(), week_before.into(), remote_id.into()],
    )
    .await?;
    experts::close_round(db, remote_id, actor).await?;
    Ok((remote_id, reviews))
}

/// The remote review's round: five experts a proposal, at most four proposals an expert, one
/// expert per organisation.
fn remote_round(today: NaiveDate, this_year: i64) -> NewRound {
    NewRound {
        code: "LB2026-TX".into(),
        name: "2026年度兰白自创区科技计划项目 通讯评审".into(),
        call_name: "2026年度兰白自创区科技计划项目申报指南".into(),
        library: Library::Review,
        mode: Mode::Assign,
        demand: 5,
        max_load: 4,
        rules: Rules {
            composition: Composition { max_per_org: 1, ..Default::default() },
            coauthor_years: 3,
            region: "甘肃省".into(),
            ..Default::default()
        },
        form: Form::standard(),
        deadline: today,
        year: this_year,
    }
}

/// A proposal's quality (5.0–9.4), from its code.
fn quality(code: &str) -> f64 {
    5.0 + (code.bytes().map(u64::from).fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b)) % 45)
        as f64
        / 10.0
}

/// Every remote assignment's scores, submitted: they scatter around the proposal's quality,
/// and the busiest reviewer is a harsh one (the results should flag them).
async fn score_remote_reviews(s: &Seeding<'_>, remote_id: i64) -> Result<usize> {
    let db = s.db;
    let mut reviews = 0;
    let remote_asg = experts::assignments(db, remote_id).await?;
    let mut load: BTreeMap<i64, usize> = BTreeMap::new();
    for a in &remote_asg {
        *load.entry(a.expert_id).or_default() += 1;
    }
    let harsh = load.iter().max_by_key(|(id, n)| (**n, -**id)).map(|(id, _)| *id).unwrap_or(0);
    for a in remote_asg {
        let Some(it) = experts::item(db, a.item_id).await? else { continue };
        let e = experts::get(db, a.expert_id).await?.ok_or(StoreError::NotFound)?;
        // One harsh reviewer; the rest scatter around the proposal's quality.
        let bias = if e.id == harsh {
            -2.5
        } else {
            ((a.expert_id * 37 + a.item_id * 11) % 9) as f64 / 6.0 - 0.66
        };
        let user = demo_user_for(db, &e).await?;
        let input = scores_for(quality(&it.code) + bias, a.version);
        experts::save_review(db, a.id, user, &input, s.today, s.actor).await?;
        reviews += 1;
    }
    Ok(reviews)
}

/// The panel review (会议评审) of the best 30, in progress: drawn with a committed seed, the
/// demo expert account in the busiest drawn place. Returns its number of submitted reviews.
async fn run_panel_review(
    s: &Seeding<'_>,
    remote_id: i64,
    proposals: &[Item],
    codes: &[Placed],
) -> Result<usize> {
    let (db, actor, today) = (s.db, s.actor, s.today);
    let (ranked, _) =
        experts::results(db, remote_id, innocity_core::experts::scoring::Method::Trimmed).await?;
    let best: Vec<Item> = ranked
        .iter()
        .take(30)
        .filter_map(|r| proposals.iter().find(|p| p.code == r.item).cloned())
        .collect();
    let panel = panel_round(today, s.this_year);
    let panel_id = experts::create_round(db, &panel, &best, actor).await?;
    experts::commit_seed(db, panel_id, actor).await?;
    experts::run_draw(db, panel_id, today, actor).await?;
    let drawn = experts::assignments(db, panel_id).await?;
    let busiest = place_demo_expert(db, &drawn, codes[SUSPENDED_EXPERT].0).await?;
    enter_panel_reviews(s, &drawn, busiest).await
}

/// The panel review's round: five experts a proposal, at least one in finance, a fifth from
/// outside the province; open for thirty days.
fn panel_round(today: NaiveDate, this_year: i64) -> NewRound {
    NewRound {
        code: "LB2026-HY".into(),
        name: "2026年度兰白自创区科技计划项目 会议评审".into(),
        call_name: "2026年度兰白自创区科技计划项目申报指南".into(),
        library: Library::Review,
        mode: Mode::Draw,
        demand: 5,
        max_load: 6,
        rules: Rules {
            composition: Composition {
                max_per_org: 1,
                min_groups: vec![MinGroup { group: "finance".into(), min: 1 }],
                min_outside_share: 0.2,
            },
            coauthor_years: 3,
            region: "甘肃省".into(),
            ..Default::default()
        },
        form: Form::standard(),
        deadline: today + chrono::Days::new(30),
        year: this_year,
    }
}

/// The demo expert account takes the busiest drawn expert's place in the library, never the
/// expert the credit records suspend (the draw's seed is random, so either may be drawn).
/// Returns that expert.
async fn place_demo_expert(db: &Db, drawn: &[experts::Assignment], suspended: i64) -> Result<i64> {
    let mut per: BTreeMap<i64, usize> = BTreeMap::new();
    for a in drawn.iter().filter(|a| a.expert_id != suspended) {
        *per.entry(a.expert_id).or_default() += 1;
    }
    let busiest = per
        .iter()
        .max_by_key(|(id, n)| (**n, -**id))
        .map(|(id, _)| *id)
        .ok_or(StoreError::NotFound)?;
    exec(db, "UPDATE experts SET user_id = (SELECT id FROM users WHERE username = 'expert') WHERE id = ?", vec![busiest.into()]).await?;
    Ok(busiest)
}

/// The drawn experts' reviews, but the demo account's: the first declines (a redraw replaces
/// them), a third of the rest are drafts. Returns the number submitted.
async fn enter_panel_reviews(
    s: &Seeding<'_>,
    drawn: &[experts::Assignment],
    busiest: i64,
) -> Result<usize> {
    let (db, actor, today) = (s.db, s.actor, s.today);
    let mut reviews = 0;
    let mut declined = false;
    for (k, a) in drawn.iter().enumerate() {
        if a.expert_id == busiest {
            continue; // left for the demo account to review
        }
        let e = experts::get(db, a.expert_id).await?.ok_or(StoreError::NotFound)?;
        let user = demo_user_for(db, &e).await?;
        if !declined {
            experts::withdraw(
                db,
                a.id,
                user,
                false,
                "评审期间出差在外，无法参加会议评审",
                today,
                actor,
            )
            .await?;
            declined = true;
            continue;
        }
        let Some(it) = experts::item(db, a.item_id).await? else { continue };
        let bias = ((a.expert_id * 37 + a.item_id * 11) % 9) as f64 / 6.0 - 0.66;
        let mut input = scores_for(quality(&it.code) + bias, a.version);
        input.submit = k % 3 != 0; // a third are drafts
        experts::save_review(db, a.id, user, &input, today, actor).await?;
        reviews += usize::from(input.submit);
    }
    Ok(reviews)
}

async fn exec(db: &Db, sql: &str, values: Vec<sea_orm::Value>) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(sql, values).await?;
    tx.commit().await
}

/// Demo experts have no accounts; their reviews are entered through a shadow account made for
/// them (role expert, inactive: nobody signs in with it).
pub async fn demo_user_for(db: &Db, e: &experts::Expert) -> Result<i64> {
    if let Some(u) = e.user_id {
        return Ok(u);
    }
    let username = format!("x{}", e.code.to_lowercase());
    let tx = db.begin_write().await?;
    let id = tx
        .insert(
            "INSERT INTO users (username, display_name, password_hash, role, active, created_at) VALUES (?, ?, '!', 'expert', 0, ?)",
            vec![username.into(), e.name.clone().into(), db.clock.now_ms().into()],
        )
        .await?;
    tx.exec("UPDATE experts SET user_id = ? WHERE id = ?", vec![id.into(), e.id.into()]).await?;
    tx.commit().await?;
    Ok(id)
}

pub fn scores_for(level: f64, version: i64) -> ReviewInput {
    let clamp = |x: f64| ((x.clamp(0.0, 10.0)) * 2.0).round() / 2.0;
    let scores: BTreeMap<String, f64> =
        [("innovation", 0.3), ("feasibility", -0.2), ("team", 0.5), ("impact", -0.4)]
            .iter()
            .map(|(c, d)| (c.to_string(), clamp(level + d)))
            .collect();
    let recommendation = if level >= 8.0 {
        "priority"
    } else if level >= 6.5 {
        "fund"
    } else {
        "reject"
    };
    ReviewInput {
        scores,
        recommendation: recommendation.into(),
        comment: "项目研究目标明确，技术路线基本可行，建议进一步细化考核指标与经费测算。".into(),
        submit: true,
        version,
    }
}

/// The expert (by position in the library) whose serious bad record suspends them.
const SUSPENDED_EXPERT: usize = 41;

async fn seed_credit(db: &Db, actor: Actor<'_>) -> Result<()> {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let today = db.clock.today();
    let person = |key: &str, name: &str| innocity_store::credit::Subject {
        kind: "person".into(),
        key: key.into(),
        name: name.into(),
    };
    let e = |k: usize| (format!("E{:04}", k + 1), self::person(k));
    let (k1, n1) = e(SUSPENDED_EXPERT);
    let (k2, n2) = e(87);
    let (k3, n3) = e(150);
    let records = [
        (
            person(&k1, &n1),
            Record {
                id: 0,
                nature: Nature::Bad,
                kind: "评审中泄露评审信息".into(),
                severity: Severity::Serious,
                source: "兰科监〔2026〕7号".into(),
                date: d("2026-06-18"),
                sanction: Sanction::Years(2),
                points: 0,
            },
        ),
        (
            person(&k2, &n2),
            Record {
                id: 0,
                nature: Nature::Bad,
                kind: "项目结题报告数据不实".into(),
                severity: Severity::Minor,
                source: "兰科监〔2025〕12号".into(),
                date: d("2025-03-02"),
                sanction: Sanction::None,
                points: 0,
            },
        ),
        (
            person(&k3, &n3),
            Record {
                id: 0,
                nature: Nature::Good,
                kind: "获甘肃省科技进步奖一等奖".into(),
                severity: Severity::Minor,
                source: "甘政发〔2025〕31号".into(),
                date: d("2025-12-20"),
                sanction: Sanction::None,
                points: 10,
            },
        ),
        (
            person("P-620102198001011234", "钱立"),
            Record {
                id: 0,
                nature: Nature::Bad,
                kind: "抄袭剽窃他人科研成果".into(),
                severity: Severity::Grave,
                source: "国科监〔2024〕3号".into(),
                date: d("2024-05-10"),
                sanction: Sanction::Years(5),
                points: 0,
            },
        ),
    ];
    for (subject, record) in records {
        innocity_store::credit::add(db, &subject, &record, today, actor).await?;
    }
    Ok(())
}
