//! Review rounds as staff run them: the list, a round's page and actions, its results.
use super::{Notice, notice_text};
use crate::app::AppState;
use crate::auth::{Auth, ManageExperts};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::experts::scoring::{Deviation, ItemResult, Method};
use innocity_store::experts::{self as store, Expert, ExpertQuery, Mode};
use std::collections::{BTreeMap, HashMap};

#[derive(Template)]
#[template(path = "reviews_list.html")]
struct RoundsPage {
    s: Shell,
    rounds: Vec<RoundLine>,
}

/// A round in the list: its mode and status as shown, and reviews done of those live.
struct RoundLine {
    id: i64,
    code: String,
    name: String,
    mode: &'static str,
    status: String,
    deadline: String,
    done: usize,
    live: usize,
}

pub async fn rounds(State(state): State<AppState>, a: Auth<ManageExperts>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let mut rows = Vec::new();
    for r in store::rounds(&state.db).await? {
        let asg = store::assignments(&state.db, r.id).await?;
        let live =
            asg.iter().filter(|x| matches!(x.status.as_str(), "assigned" | "submitted")).count();
        let done = asg.iter().filter(|x| x.status == "submitted").count();
        rows.push(RoundLine {
            id: r.id,
            code: r.code,
            name: r.name,
            mode: t(lang, &format!("reviews.mode.{}", r.mode.code())),
            status: t(lang, &format!("reviews.status.{}", r.status)).to_string(),
            deadline: r.deadline,
            done,
            live,
        });
    }
    Ok(render(&RoundsPage { s: ctx.shell(), rounds: rows }))
}

#[derive(Template)]
#[template(path = "review_round.html")]
struct RoundPage {
    s: Shell,
    r: store::Round,
    status_label: &'static str,
    notice: String,
    mode: &'static str,
    open: bool,
    drawn: bool,
    assigned: bool,
    items: Vec<ItemRow>,
    pool_in: usize,
    pool_out: Vec<PoolOut>,
    progress: Vec<ProgressRow>,
    results: Vec<ResultRow>,
    outliers: Vec<OutlierRow>,
    method: String,
    methods: Vec<Choice>,
    log: Vec<LogRow>,
    conflicts: usize,
    rules: String,
    /// How the assignment stands: proven optimal, or its gap (empty before one).
    proof: String,
}

struct ItemRow {
    code: String,
    title: String,
    applicant: String,
    conflicts: usize,
    panel: Vec<PanelMember>,
}

/// An expert on an item's panel, with where the review stands.
struct PanelMember {
    expert: String,
    status: &'static str,
    total: String,
}

/// How many experts of the library are left out of the pool for one reason.
struct PoolOut {
    reason: &'static str,
    n: usize,
}

/// An expert's reviews in the round: submitted, still open, withdrawn.
struct ProgressRow {
    code: String,
    name: String,
    done: usize,
    open: usize,
    gone: usize,
}

struct ResultRow {
    rank: usize,
    code: String,
    title: String,
    n: usize,
    score: String,
    mean: String,
    range: String,
    disagreement: bool,
}

/// A reviewer systematically harsher or more lenient than the panels.
struct OutlierRow {
    code: String,
    name: String,
    deviation: String,
    n: usize,
}

/// A line of the draw's log.
struct LogRow {
    item: String,
    expert: String,
    action: &'static str,
    key: String,
}

#[derive(serde::Deserialize, Default)]
pub struct RoundQuery {
    #[serde(default)]
    method: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
}

/// What the round page reads from the store.
struct RoundData {
    r: store::Round,
    items: Vec<store::Item>,
    assignments: Vec<store::Assignment>,
    experts: HashMap<i64, Expert>,
    conflicts: Vec<store::ConflictRow>,
}

pub async fn round_page(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<i64>,
    Query(q): Query<RoundQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let db = &state.db;
    let d = load_round(&state, id).await?;
    let items = item_rows(lang, &d);
    let (pool_in, pool_out) = pool_counts(lang, &store::pool(db, &d.r, ctx.today()).await?);
    let method = Method::parse(&q.method).unwrap_or(Method::Trimmed);
    let (ranked, devs) = store::results(db, id, method).await?;
    let drawn = store::drawn(db, id).await?;
    let log = store::draw_log(db, id)
        .await?
        .into_iter()
        .map(|l| LogRow {
            item: l.item_code,
            expert: l.expert_code,
            action: t(lang, &format!("reviews.log.{}", l.action)),
            key: l.key,
        })
        .collect();
    let progress = progress_rows(&d);
    let results = result_rows(&d, &ranked);
    let outliers = outlier_rows(&d, &devs);
    let r = d.r;
    Ok(render(&RoundPage {
        s: ctx.shell(),
        notice: notice_text(lang, &Notice { notice: q.notice.clone(), n: q.n.clone() }),
        mode: t(lang, &format!("reviews.mode.{}", r.mode.code())),
        open: r.is_open(),
        drawn,
        assigned: !d.assignments.is_empty(),
        items,
        pool_in,
        pool_out,
        progress,
        results,
        outliers,
        method: method.code().to_string(),
        methods: Method::ALL
            .iter()
            .map(|m| {
                Choice::new(
                    m.code(),
                    t(lang, &format!("reviews.method.{}", m.code())),
                    m.code() == method.code(),
                )
            })
            .collect(),
        log,
        conflicts: d.conflicts.len(),
        rules: rules_text(lang, &r),
        proof: proof_text(lang, &r),
        status_label: t(lang, &format!("reviews.status.{}", r.status)),
        r,
    }))
}

/// Whether the round's assignment is proven optimal, and how.
fn proof_text(lang: Lang, r: &store::Round) -> String {
    match (r.assign_gap, r.assign_nodes) {
        (Some(gap), _) if gap > 0.0 => tf(lang, "reviews.proof.gap", &[format!("{gap:.6}")]),
        (Some(_), Some(nodes)) if nodes > 0 => {
            tf(lang, "reviews.proof.optimal", &[nodes.to_string()])
        }
        (Some(_), _) => t(lang, "reviews.proof.flow").to_string(),
        (None, _) => String::new(),
    }
}

async fn load_round(state: &AppState, id: i64) -> AppResult<RoundData> {
    let db = &state.db;
    let r = store::round(db, id).await?.ok_or_else(AppError::not_found)?;
    let items = store::items(db, id).await?;
    let assignments = store::assignments(db, id).await?;
    let experts: HashMap<i64, Expert> =
        store::list(db, &ExpertQuery { library: Some(r.library), ..Default::default() })
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    let conflicts = store::round_conflicts(db, id).await?;
    Ok(RoundData { r, items, assignments, experts, conflicts })
}

fn item_rows(lang: Lang, d: &RoundData) -> Vec<ItemRow> {
    let mut per_item: HashMap<i64, usize> = HashMap::new();
    for c in &d.conflicts {
        *per_item.entry(c.item_id).or_default() += 1;
    }
    let name = |eid: i64| {
        d.experts.get(&eid).map(|e| format!("{} {}", e.code, e.name)).unwrap_or_default()
    };
    d.items
        .iter()
        .map(|it| ItemRow {
            code: it.code.clone(),
            title: it.title.clone(),
            applicant: format!("{}（{}）", it.applicant, it.org_name),
            conflicts: per_item.get(&it.id).copied().unwrap_or(0),
            panel: d
                .assignments
                .iter()
                .filter(|x| x.item_id == it.id)
                .map(|x| PanelMember {
                    expert: name(x.expert_id),
                    status: t(lang, &format!("reviews.a.{}", x.status)),
                    total: x.total.map(|v| format!("{v:.1}")).unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// How many experts are in the pool, and how many are left out for each reason.
fn pool_counts(lang: Lang, pool: &[store::PoolEntry]) -> (usize, Vec<PoolOut>) {
    let mut out: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pool {
        if let Some((key, _)) = p.excluded {
            *out.entry(key).or_default() += 1;
        }
    }
    let pool_in = pool.iter().filter(|p| p.excluded.is_none()).count();
    (pool_in, out.into_iter().map(|(k, n)| PoolOut { reason: t(lang, k), n }).collect())
}

fn progress_rows(d: &RoundData) -> Vec<ProgressRow> {
    let mut prog: BTreeMap<i64, (usize, usize, usize)> = BTreeMap::new();
    for x in &d.assignments {
        let e = prog.entry(x.expert_id).or_default();
        match x.status.as_str() {
            "submitted" => e.0 += 1,
            "assigned" => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    prog.into_iter()
        .map(|(eid, (done, open, gone))| ProgressRow {
            code: d.experts.get(&eid).map(|e| e.code.clone()).unwrap_or_default(),
            name: d.experts.get(&eid).map(|e| e.name.clone()).unwrap_or_default(),
            done,
            open,
            gone,
        })
        .collect()
}

fn result_rows(d: &RoundData, ranked: &[ItemResult]) -> Vec<ResultRow> {
    let title_of: HashMap<&str, &str> =
        d.items.iter().map(|i| (i.code.as_str(), i.title.as_str())).collect();
    ranked
        .iter()
        .map(|x| ResultRow {
            rank: x.rank,
            code: x.item.clone(),
            title: title_of.get(x.item.as_str()).copied().unwrap_or("").to_string(),
            n: x.n,
            score: format!("{:.2}", x.score),
            mean: format!("{:.2}", x.mean),
            range: format!("{:.1}–{:.1}", x.min, x.max),
            disagreement: x.disagreement,
        })
        .collect()
}

fn outlier_rows(d: &RoundData, devs: &[Deviation]) -> Vec<OutlierRow> {
    let by_code: HashMap<&str, &Expert> =
        d.experts.values().map(|e| (e.code.as_str(), e)).collect();
    devs.iter()
        .filter(|x| x.outlier)
        .map(|x| OutlierRow {
            code: x.expert.clone(),
            name: by_code.get(x.expert.as_str()).map(|e| e.name.clone()).unwrap_or_default(),
            deviation: format!("{:+.1}", x.mean_signed),
            n: x.n,
        })
        .collect()
}

/// The round's composition rules in words.
fn rules_text(lang: Lang, r: &store::Round) -> String {
    let c = &r.rules.composition;
    let mut rules =
        vec![tf(lang, "reviews.rule.demand", &[r.demand.to_string(), r.max_load.to_string()])];
    if c.max_per_org > 0 {
        rules.push(tf(lang, "reviews.rule.per_org", &[c.max_per_org.to_string()]));
    }
    for g in &c.min_groups {
        rules.push(tf(
            lang,
            "reviews.rule.group",
            &[g.min.to_string(), t(lang, &format!("experts.group.{}", g.group)).to_string()],
        ));
    }
    if c.min_outside_share > 0.0 {
        rules.push(tf(
            lang,
            "reviews.rule.outside",
            &[format!("{:.0}%", c.min_outside_share * 100.0)],
        ));
    }
    rules.join("；")
}

/// Runs the round's assignment (optimal) or draw (after the seed is committed), sends reminders,
/// or closes it.
pub async fn round_action(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path((id, action)): Path<(i64, String)>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let db = &state.db;
    let r = store::round(db, id).await?.ok_or_else(AppError::not_found)?;
    let (notice, n) = match (action.as_str(), r.mode) {
        ("assign", Mode::Assign) => (
            "reviews.assigned",
            store::run_assignment(db, id, ctx.today(), ctx.actor()).await?.pairs.to_string(),
        ),
        ("seed", Mode::Draw) => {
            ("reviews.seeded", store::commit_seed(db, id, ctx.actor()).await?[..12].to_string())
        }
        ("draw", Mode::Draw) => (
            "reviews.drawn",
            store::run_draw(db, id, ctx.today(), ctx.actor()).await?.pairs.to_string(),
        ),
        ("remind", _) => {
            ("reviews.reminded", store::remind(db, id, ctx.actor()).await?.to_string())
        }
        ("close", _) => {
            store::close_round(db, id, ctx.actor()).await?;
            ("reviews.closed", String::new())
        }
        ("conflicts", _) => {
            ("reviews.recomputed", store::recompute_conflicts(db, id).await?.to_string())
        }
        _ => return Err(ctx.err(AppError::not_found())),
    };
    Ok(Redirect::to(&format!("/reviews/{id}?notice={notice}&n={n}")).into_response())
}

/// The ranked list as a workbook for the decision meeting.
pub async fn results_xlsx(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<i64>,
    Query(q): Query<RoundQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let r = store::round(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let its = store::items(&state.db, id).await?;
    let method = Method::parse(&q.method).unwrap_or(Method::Trimmed);
    let (ranked, _) = store::results(&state.db, id, method).await?;
    let bytes = (|| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let head = Format::new().set_bold().set_background_color("DCE6F1");
        let two = Format::new().set_num_format("0.00");
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, "reviews.results"))?;
        ws.write_string(
            0,
            0,
            format!("{} · {}", r.name, t(lang, &format!("reviews.method.{}", method.code()))),
        )?;
        let cols = [
            "reviews.rank",
            "reviews.item",
            "reviews.title",
            "reviews.applicant",
            "reviews.n",
            "reviews.score",
            "reviews.mean",
            "reviews.min",
            "reviews.max",
            "reviews.sd",
            "reviews.disagreement",
        ];
        for (c, k) in cols.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, t(lang, k), &head)?;
        }
        for (k, x) in ranked.iter().enumerate() {
            let row = 3 + k as u32;
            let it = its.iter().find(|i| i.code == x.item);
            ws.write_number(row, 0, x.rank as f64)?;
            ws.write_string(row, 1, &x.item)?;
            ws.write_string(row, 2, it.map(|i| i.title.as_str()).unwrap_or(""))?;
            ws.write_string(
                row,
                3,
                it.map(|i| format!("{}（{}）", i.applicant, i.org_name)).unwrap_or_default(),
            )?;
            ws.write_number(row, 4, x.n as f64)?;
            for (c, v) in [(5, x.score), (6, x.mean), (7, x.min), (8, x.max), (9, x.sd)] {
                ws.write_number_with_format(row, c, v, &two)?;
            }
            ws.write_string(row, 10, if x.disagreement { t(lang, "reviews.flag") } else { "" })?;
        }
        ws.set_column_width(2, 50)?;
        ws.set_column_width(3, 30)?;
        wb.save_to_buffer()
    })();
    crate::http::xlsx_download(bytes, &format!("{}_results.xlsx", r.code))
}
