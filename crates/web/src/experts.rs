//! The expert libraries, review rounds, experts' own reviews and research credit, as pages.
//! Staff (ManageExperts) see libraries, conflicts and results; an expert (ReviewAsExpert) sees
//! only their own profile and assigned items — never another expert's name or score before the
//! round closes, never a conflict's details about others; applicants see none of it.
use crate::app::AppState;
use crate::auth::{
    Auth, Ctx, ManageCredit, ManageExperts, ReviewAsExpert, field_error, parse_form,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::credit::{self, Nature, Record};
use innocity_core::experts::conflicts::{Tie, TieKind};
use innocity_core::experts::scoring::{Advice, Method};
use innocity_core::experts::{Action, Library, Status};
use innocity_store::credit as credit_store;
use innocity_store::experts::{
    self as store, Assignment, Expert, ExpertQuery, Mode, ProfileEdit, ReviewInput,
};
use std::collections::{BTreeMap, HashMap};

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn status_label(lang: Lang, s: &str) -> &'static str {
    t(lang, &format!("experts.status.{s}"))
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
}

fn notice_text(lang: Lang, q: &Notice) -> String {
    if q.notice.is_empty()
        || !q.notice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return String::new();
    }
    tf(lang, &format!("notice.{}", q.notice), std::slice::from_ref(&q.n))
}

// ---------------------------------------------------------------- the library

#[derive(Template)]
#[template(path = "experts_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    library: String,
    statuses: Vec<(&'static str, &'static str, bool)>,
    field: String,
    text: String,
    counts: Vec<(String, usize)>,
}

struct Row {
    id: i64,
    code: String,
    name: String,
    organisation: String,
    title: String,
    fields: String,
    library: &'static str,
    status: &'static str,
    status_code: String,
    confirmed: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    library: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let lang = a.ctx.lang;
    let query = ExpertQuery {
        library: Library::parse(&q.library),
        status: Status::parse(&q.status),
        field: q.field.clone(),
        text: q.q.clone(),
    };
    let experts = store::list(&state.db, &query).await.map_err(|e| a.ctx.err(e.into()))?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &experts {
        *counts.entry(e.status.code()).or_default() += 1;
    }
    let counts = Status::ALL
        .iter()
        .map(|s| {
            (status_label(lang, s.code()).to_string(), counts.get(s.code()).copied().unwrap_or(0))
        })
        .collect();
    let rows = experts
        .iter()
        .map(|e| Row {
            id: e.id,
            code: e.code.clone(),
            name: e.name.clone(),
            organisation: e.organisation_name.clone(),
            title: e.title.clone(),
            fields: e.fields.join("、"),
            library: t(lang, &format!("experts.library.{}", e.library.code())),
            status: status_label(lang, e.status.code()),
            status_code: e.status.code().to_string(),
            confirmed: e.confirmed_year.to_string(),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|x| (x.code(), status_label(lang, x.code()), x.code() == q.status))
        .collect();
    Ok(render(&ListPage {
        s: a.ctx.shell(),
        rows,
        library: q.library,
        statuses,
        field: q.field,
        text: q.q,
        counts,
    }))
}

#[derive(Template)]
#[template(path = "expert_view.html")]
struct ViewPage {
    s: Shell,
    e: Expert,
    notice: String,
    status: &'static str,
    library: &'static str,
    actions: Vec<(&'static str, &'static str)>,
    ties: Vec<(String, String, String)>,
    credit: Vec<(String, String, String, String, String)>,
    grade: String,
    eligible: String,
    ledger: Vec<(i64, i64, i64)>,
    perf: Vec<(&'static str, String)>,
    advice: &'static str,
    conflicts: Vec<(String, String, &'static str, &'static str, String)>,
    reconfirmation: &'static str,
}

fn tie_label(lang: Lang, k: TieKind) -> &'static str {
    t(lang, &format!("experts.tie.{}", k.code()))
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let db = &state.db;
    let e = store::get(db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let actions = Action::ALL
        .iter()
        .filter(|x| innocity_core::experts::next(e.status, **x, "reason").is_ok())
        .map(|x| (x.code(), t(lang, &format!("experts.action.{}", x.code()))))
        .collect();
    let ties = store::ties(db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|t| {
            (
                tie_label(lang, t.kind).to_string(),
                if t.name.is_empty() { t.credit_code } else { t.name },
                t.year.map(|y| y.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let records = credit_store::records_of(db, &e.code).await.map_err(|e| ctx.err(e.into()))?;
    let grade = credit::grade(&records, today());
    let elig = credit::eligibility(&records, today());
    let credit =
        records.iter().map(|r| credit_row(lang, r)).map(|r| (r.0, r.1, r.2, r.3, r.4)).collect();
    let eligible = match elig.deciding {
        None => t(lang, "credit.eligible").to_string(),
        Some(r) => tf(lang, "credit.barred", &[r.kind, r.source]),
    };
    let ledger = store::ledger(db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|(y, n)| (y, n, (e.yearly_cap - n).max(0)))
        .collect();
    let p = store::performance(db, id).await.map_err(|e| ctx.err(e.into()))?;
    let perf = vec![
        ("experts.perf.invited", p.invited.to_string()),
        ("experts.perf.submitted", p.submitted.to_string()),
        (
            "experts.perf.on_time",
            p.timeliness().map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "—".into()),
        ),
        ("experts.perf.declined", p.declined.to_string()),
        ("experts.perf.conflicts", p.conflicts_declared.to_string()),
        (
            "experts.perf.deviation",
            p.mean_abs_deviation.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (t(lang, k), v))
    .collect();
    let advice = t(
        lang,
        match p.advice() {
            Advice::Keep => "experts.advice.keep",
            Advice::Caution => "experts.advice.caution",
            Advice::Suspend => "experts.advice.suspend",
        },
    );
    let mut conflicts = Vec::new();
    let rounds: HashMap<i64, store::Round> = store::rounds(db)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for c in store::expert_conflicts(db, id).await.map_err(|e| ctx.err(e.into()))? {
        if let Some(it) = store::item(db, c.item_id).await.map_err(|e| ctx.err(e.into()))? {
            let round = rounds.get(&it.round_id).map(|r| r.code.clone()).unwrap_or_default();
            conflicts.push((
                round,
                it.code,
                t(lang, &format!("conflict.{}", c.kind)),
                t(lang, &format!("conflict.source.{}", c.source)),
                c.detail,
            ));
        }
    }
    let reconfirmation = t(
        lang,
        match innocity_core::experts::reconfirmation(e.confirmed_year as i32, today()) {
            innocity_core::experts::Reconfirmation::Current => "experts.reconfirm.current",
            innocity_core::experts::Reconfirmation::Due => "experts.reconfirm.due",
            innocity_core::experts::Reconfirmation::Lapsed => "experts.reconfirm.lapsed",
        },
    );
    Ok(render(&ViewPage {
        s: ctx.shell(),
        notice: notice_text(lang, &q),
        status: status_label(lang, e.status.code()),
        library: t(lang, &format!("experts.library.{}", e.library.code())),
        e,
        actions,
        ties,
        credit,
        grade: format!("{} ({})", grade.letters, grade.score),
        eligible,
        ledger,
        perf,
        advice,
        conflicts,
        reconfirmation,
    }))
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: StatusForm = parse_form(ctx, &body)?;
    let action =
        Action::parse(&f.action).ok_or_else(|| field_error(ctx, "action", "err.choose", vec![]))?;
    if f.reason.chars().count() > 500 {
        return Err(field_error(ctx, "reason", "err.too_long", vec!["500".into()]));
    }
    store::set_status(&state.db, id, action, &f.reason, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/experts/{id}?notice=experts.status_changed")).into_response())
}

#[derive(Template)]
#[template(path = "expert_new.html")]
struct NewPage {
    s: Shell,
    f: NewExpertForm,
    errors: Vec<(String, String)>,
}

#[derive(serde::Deserialize, Default)]
pub struct NewExpertForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation_name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    library: String,
    #[serde(default)]
    finance: String,
    #[serde(default)]
    publications: String,
}

pub async fn new_form(a: Auth<ManageExperts>) -> Response {
    render(&NewPage {
        s: a.ctx.shell(),
        f: NewExpertForm {
            library: "review".into(),
            region: "甘肃省".into(),
            ..Default::default()
        },
        errors: vec![],
    })
}

/// Enters an expert (an application or a nomination): status applied, to be vetted.
pub async fn create(
    State(state): State<AppState>,
    a: Auth<ManageExperts>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: NewExpertForm = parse_form(ctx, &body)?;
    let fields: Vec<String> = f
        .fields
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect();
    let draft = store::ExpertDraft {
        code: f.code.trim().into(),
        name: f.name.trim().into(),
        user_id: None,
        organisation_name: f.organisation_name.trim().into(),
        credit_code: f.credit_code.trim().to_uppercase(),
        unit_path: String::new(),
        title: f.title.trim().into(),
        fields,
        keywords: f.keywords.trim().into(),
        publications: f.publications.clone(),
        projects: String::new(),
        region: f.region.trim().into(),
        contact: f.contact.trim().into(),
        groups: if f.finance == "1" { vec!["finance".into()] } else { vec![] },
        available_from: String::new(),
        available_to: String::new(),
        library: Some(Library::parse(&f.library).unwrap_or(Library::Review)),
        yearly_cap: 0,
    };
    let mut errors = Vec::new();
    if let Err((field, key)) = store::check_draft(&draft) {
        errors.push((field.to_string(), t(ctx.lang, key).to_string()));
    }
    for (field, v, max) in [
        ("code", &f.code, 32),
        ("name", &f.name, 50),
        ("organisation_name", &f.organisation_name, 100),
        ("keywords", &f.keywords, 500),
        ("publications", &f.publications, 20000),
    ] {
        if v.chars().count() > max {
            errors.push((field.to_string(), tf(ctx.lang, "err.too_long", &[max.to_string()])));
        }
    }
    let unit_path = if draft.credit_code.is_empty() {
        None
    } else {
        innocity_store::orgs::by_credit_code(&state.db, &draft.credit_code)
            .await
            .map_err(|e| ctx.err(e.into()))?
            .map(|o| o.unit_path)
    };
    if errors.is_empty() {
        let draft = store::ExpertDraft { unit_path: unit_path.unwrap_or_default(), ..draft };
        match store::create(&state.db, &draft, Status::Applied, 0, ctx.actor()).await {
            Ok(id) => {
                return Ok(
                    Redirect::to(&format!("/experts/{id}?notice=experts.created")).into_response()
                );
            }
            Err(innocity_store::StoreError::Duplicate(_)) => {
                errors.push(("code".into(), t(ctx.lang, "experts.err.duplicate").into()))
            }
            Err(e) => return Err(ctx.err(e.into())),
        }
    }
    let mut resp = render(&NewPage { s: ctx.shell(), f, errors });
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

// ---------------------------------------------------------------- the expert's own profile

#[derive(Template)]
#[template(path = "expert_me.html")]
struct MePage {
    s: Shell,
    e: Expert,
    notice: String,
    status: &'static str,
    ties: Vec<(String, String, String)>,
    tie_kinds: Vec<(&'static str, &'static str)>,
    reconfirm_due: bool,
    year: i32,
}

async fn me(state: &AppState, ctx: &Ctx, user_id: i64) -> AppResult<Expert> {
    store::by_user(&state.db, user_id).await.map_err(|e| ctx.err(e.into()))?.ok_or_else(|| {
        ctx.err(AppError::new(StatusCode::NOT_FOUND, "not_found", "experts.err.no_profile"))
    })
}

pub async fn me_page(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let e = me(&state, ctx, a.principal.user_id).await?;
    let ties = store::ties(&state.db, e.id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .map(|t| {
            (
                tie_label(lang, t.kind).to_string(),
                if t.name.is_empty() { t.credit_code } else { t.name },
                t.year.map(|y| y.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let year = chrono::Datelike::year(&today());
    Ok(render(&MePage {
        s: ctx.shell(),
        notice: notice_text(lang, &q),
        status: status_label(lang, e.status.code()),
        reconfirm_due: e.confirmed_year < i64::from(year),
        e,
        ties,
        tie_kinds: TieKind::ALL.iter().map(|k| (k.code(), tie_label(lang, *k))).collect(),
        year,
    }))
}

#[derive(serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    publications: String,
    #[serde(default)]
    projects: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    available_from: String,
    #[serde(default)]
    available_to: String,
    #[serde(default)]
    version: i64,
}

pub async fn me_save(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: ProfileForm = parse_form(ctx, &body)?;
    let e = me(&state, ctx, a.principal.user_id).await?;
    for (field, v, max) in [
        ("keywords", &f.keywords, 500),
        ("publications", &f.publications, 20000),
        ("projects", &f.projects, 20000),
        ("title", &f.title, 50),
        ("contact", &f.contact, 100),
    ] {
        if v.chars().count() > max {
            return Err(field_error(ctx, field, "err.too_long", vec![max.to_string()]));
        }
    }
    for (field, v) in [("available_from", &f.available_from), ("available_to", &f.available_to)] {
        if !v.is_empty() && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
            return Err(field_error(ctx, field, "experts.err.date", vec![]));
        }
    }
    let edit = ProfileEdit {
        title: f.title,
        keywords: f.keywords,
        publications: f.publications,
        projects: f.projects,
        contact: f.contact,
        available_from: f.available_from,
        available_to: f.available_to,
    };
    store::update_profile(&state.db, e.id, &edit, f.version, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to("/experts/me?notice=experts.saved").into_response())
}

pub async fn me_reconfirm(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let e = me(&state, ctx, a.principal.user_id).await?;
    store::reconfirm(&state.db, e.id, chrono::Datelike::year(&today()), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to("/experts/me?notice=experts.reconfirmed").into_response())
}

#[derive(serde::Deserialize)]
pub struct TieForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    year: String,
}

pub async fn me_tie(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: TieForm = parse_form(ctx, &body)?;
    let e = me(&state, ctx, a.principal.user_id).await?;
    let kind =
        TieKind::parse(&f.kind).ok_or_else(|| field_error(ctx, "kind", "err.choose", vec![]))?;
    let year = match f.year.trim() {
        "" => None,
        y => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (1950..=2100).contains(y))
                .ok_or_else(|| field_error(ctx, "year", "experts.err.year", vec![y.into()]))?,
        ),
    };
    if f.name.trim().is_empty() && f.credit_code.trim().is_empty() {
        return Err(field_error(ctx, "name", "experts.err.tie", vec![]));
    }
    if !f.credit_code.trim().is_empty()
        && innocity_core::orgs::CreditCode::parse(f.credit_code.trim()).is_err()
    {
        return Err(field_error(ctx, "credit_code", "experts.err.credit_code", vec![]));
    }
    if f.name.chars().count() > 50 {
        return Err(field_error(ctx, "name", "err.too_long", vec!["50".into()]));
    }
    store::add_tie(
        &state.db,
        e.id,
        &Tie { kind, name: f.name.trim().into(), credit_code: f.credit_code.trim().into(), year },
        ctx.actor(),
    )
    .await
    .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to("/experts/me?notice=experts.tie_added").into_response())
}

// ---------------------------------------------------------------- rounds (staff)

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
    for r in store::rounds(&state.db).await.map_err(|e| ctx.err(e.into()))? {
        let asg = store::assignments(&state.db, r.id).await.map_err(|e| ctx.err(e.into()))?;
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
    pool_out: Vec<(String, usize)>,
    progress: Vec<(String, String, usize, usize, usize)>,
    results: Vec<ResultRow>,
    outliers: Vec<(String, String, String, usize)>,
    method: String,
    methods: Vec<(&'static str, &'static str)>,
    log: Vec<(String, String, String, String)>,
    conflicts: usize,
    rules: String,
}

struct ItemRow {
    code: String,
    title: String,
    applicant: String,
    conflicts: usize,
    panel: Vec<(String, String, String)>,
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

#[derive(serde::Deserialize, Default)]
pub struct RoundQuery {
    #[serde(default)]
    method: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
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
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let r =
        store::round(db, id).await.map_err(err)?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let its = store::items(db, id).await.map_err(err)?;
    let asg = store::assignments(db, id).await.map_err(err)?;
    let experts: HashMap<i64, Expert> =
        store::list(db, &ExpertQuery { library: Some(r.library), ..Default::default() })
            .await
            .map_err(err)?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    let conflicts = store::round_conflicts(db, id).await.map_err(err)?;
    let mut per_item: HashMap<i64, usize> = HashMap::new();
    for c in &conflicts {
        *per_item.entry(c.item_id).or_default() += 1;
    }
    let name =
        |eid: i64| experts.get(&eid).map(|e| format!("{} {}", e.code, e.name)).unwrap_or_default();
    let items = its
        .iter()
        .map(|it| ItemRow {
            code: it.code.clone(),
            title: it.title.clone(),
            applicant: format!("{}（{}）", it.applicant, it.org_name),
            conflicts: per_item.get(&it.id).copied().unwrap_or(0),
            panel: asg
                .iter()
                .filter(|x| x.item_id == it.id)
                .map(|x| {
                    (
                        name(x.expert_id),
                        t(lang, &format!("reviews.a.{}", x.status)).to_string(),
                        x.total.map(|v| format!("{v:.1}")).unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect();
    let pool = store::pool(db, &r, today()).await.map_err(err)?;
    let mut out: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &pool {
        if let Some((key, _)) = p.excluded {
            *out.entry(key).or_default() += 1;
        }
    }
    let pool_in = pool.iter().filter(|p| p.excluded.is_none()).count();
    let pool_out = out.into_iter().map(|(k, n)| (t(lang, k).to_string(), n)).collect();
    let mut prog: BTreeMap<i64, (usize, usize, usize)> = BTreeMap::new();
    for x in &asg {
        let e = prog.entry(x.expert_id).or_default();
        match x.status.as_str() {
            "submitted" => e.0 += 1,
            "assigned" => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    let progress = prog
        .into_iter()
        .map(|(eid, (done, open, gone))| {
            (
                experts.get(&eid).map(|e| e.code.clone()).unwrap_or_default(),
                experts.get(&eid).map(|e| e.name.clone()).unwrap_or_default(),
                done,
                open,
                gone,
            )
        })
        .collect();
    let method = Method::parse(&q.method).unwrap_or(Method::Trimmed);
    let (ranked, devs) = store::results(db, id, method).await.map_err(err)?;
    let title_of: HashMap<&str, &str> =
        its.iter().map(|i| (i.code.as_str(), i.title.as_str())).collect();
    let results = ranked
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
        .collect();
    let by_code: HashMap<&str, &Expert> = experts.values().map(|e| (e.code.as_str(), e)).collect();
    let outliers = devs
        .iter()
        .filter(|d| d.outlier)
        .map(|d| {
            (
                d.expert.clone(),
                by_code.get(d.expert.as_str()).map(|e| e.name.clone()).unwrap_or_default(),
                format!("{:+.1}", d.mean_signed),
                d.n,
            )
        })
        .collect();
    let drawn = store::drawn(db, id).await.map_err(err)?;
    let log = store::draw_log(db, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|l| {
            (
                l.item_code,
                l.expert_code,
                t(lang, &format!("reviews.log.{}", l.action)).to_string(),
                l.key,
            )
        })
        .collect();
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
    Ok(render(&RoundPage {
        s: ctx.shell(),
        notice: notice_text(lang, &Notice { notice: q.notice.clone(), n: q.n.clone() }),
        mode: t(lang, &format!("reviews.mode.{}", r.mode.code())),
        open: r.is_open(),
        drawn,
        assigned: !asg.is_empty(),
        items,
        pool_in,
        pool_out,
        progress,
        results,
        outliers,
        method: method.code().to_string(),
        methods: Method::ALL
            .iter()
            .map(|m| (m.code(), t(lang, &format!("reviews.method.{}", m.code()))))
            .collect(),
        log,
        conflicts: conflicts.len(),
        rules: rules.join("；"),
        status_label: t(lang, &format!("reviews.status.{}", r.status)),
        r,
    }))
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
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let r =
        store::round(db, id).await.map_err(err)?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    let (notice, n) = match (action.as_str(), r.mode) {
        ("assign", Mode::Assign) => (
            "reviews.assigned",
            store::run_assignment(db, id, today(), ctx.actor())
                .await
                .map_err(err)?
                .pairs
                .to_string(),
        ),
        ("seed", Mode::Draw) => (
            "reviews.seeded",
            store::commit_seed(db, id, ctx.actor()).await.map_err(err)?[..12].to_string(),
        ),
        ("draw", Mode::Draw) => (
            "reviews.drawn",
            store::run_draw(db, id, today(), ctx.actor()).await.map_err(err)?.pairs.to_string(),
        ),
        ("remind", _) => {
            ("reviews.reminded", store::remind(db, id, ctx.actor()).await.map_err(err)?.to_string())
        }
        ("close", _) => {
            store::close_round(db, id, ctx.actor()).await.map_err(err)?;
            ("reviews.closed", String::new())
        }
        ("conflicts", _) => (
            "reviews.recomputed",
            store::recompute_conflicts(db, id).await.map_err(err)?.to_string(),
        ),
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
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let r = store::round(&state.db, id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let its = store::items(&state.db, id).await.map_err(err)?;
    let method = Method::parse(&q.method).unwrap_or(Method::Trimmed);
    let (ranked, _) = store::results(&state.db, id, method).await.map_err(err)?;
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
    })()
    .map_err(|e| {
        tracing::error!(error = %e, "xlsx export");
        ctx.err(AppError::internal(""))
    })?;
    Ok(crate::http::download(bytes, &format!("{}_results.xlsx", r.code), crate::http::XLSX))
}

// ---------------------------------------------------------------- an expert's reviews

#[derive(Template)]
#[template(path = "my_reviews.html")]
struct MyReviewsPage {
    s: Shell,
    rows: Vec<(i64, String, String, String, &'static str, String, bool)>,
    bidding: Vec<(i64, String, String)>,
}

pub async fn my_reviews(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let e = me(&state, ctx, a.principal.user_id).await?;
    let mut rounds: HashMap<i64, store::Round> = HashMap::new();
    let mut rows = Vec::new();
    for x in store::assignments_of_expert(&state.db, e.id).await.map_err(err)? {
        if !rounds.contains_key(&x.round_id)
            && let Some(r) = store::round(&state.db, x.round_id).await.map_err(err)?
        {
            rounds.insert(x.round_id, r);
        }
        let Some(r) = rounds.get(&x.round_id) else { continue };
        let it = store::item(&state.db, x.item_id)
            .await
            .map_err(err)?
            .ok_or_else(|| ctx.err(AppError::not_found()))?;
        rows.push((
            x.id,
            r.name.clone(),
            it.code,
            it.title,
            t(lang, &format!("reviews.a.{}", x.status)),
            r.deadline.clone(),
            x.status == "assigned" && r.is_open(),
        ));
    }
    let bidding = store::biddable(&state.db, &e)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| (r.id, r.name, r.deadline))
        .collect();
    Ok(render(&MyReviewsPage { s: ctx.shell(), rows, bidding }))
}

#[derive(Template)]
#[template(path = "my_review.html")]
struct MyReviewPage {
    s: Shell,
    a: Assignment,
    status_label: &'static str,
    item: store::Item,
    round: store::Round,
    notice: String,
    editable: bool,
    criteria: Vec<(String, String, String, String, String, String)>,
    recommendations: Vec<(String, &'static str)>,
    total: String,
    others: Vec<String>,
}

async fn my_assignment(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    id: i64,
) -> AppResult<(Expert, Assignment)> {
    let e = me(state, ctx, user_id).await?;
    let x = store::assignment(&state.db, id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .filter(|x| x.expert_id == e.id)
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    Ok((e, x))
}

pub async fn my_review(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let (_, x) = my_assignment(&state, ctx, a.principal.user_id, id).await?;
    let round = store::round(&state.db, x.round_id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let item = store::item(&state.db, x.item_id)
        .await
        .map_err(err)?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let editable = x.status == "assigned"
        && round.is_open()
        && round.deadline_date().is_none_or(|d| today() <= d);
    let criteria = round
        .form
        .criteria
        .iter()
        .map(|c| {
            (
                c.code.clone(),
                lang.pick(&c.name_zh, &c.name_en).to_string(),
                format!("{}", c.weight),
                format!("{}", c.max),
                format!("{}", c.step),
                x.scores.get(&c.code).map(|v| format!("{v}")).unwrap_or_default(),
            )
        })
        .collect();
    let recommendations = round
        .form
        .recommendations
        .iter()
        .map(|r| (r.clone(), t(lang, &format!("reviews.rec.{r}"))))
        .collect();
    // Blind until the round closes; then the panel's totals, without names.
    let others = if round.is_open() {
        vec![]
    } else {
        store::assignments(&state.db, round.id)
            .await
            .map_err(err)?
            .into_iter()
            .filter(|o| o.item_id == x.item_id && o.id != x.id)
            .filter_map(|o| o.total)
            .map(|v| format!("{v:.1}"))
            .collect()
    };
    Ok(render(&MyReviewPage {
        s: ctx.shell(),
        status_label: t(lang, &format!("reviews.a.{}", x.status)),
        total: x.total.map(|v| format!("{v:.2}")).unwrap_or_default(),
        notice: notice_text(lang, &q),
        editable,
        criteria,
        recommendations,
        others,
        a: x,
        item,
        round,
    }))
}

pub async fn my_review_save(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let (_, x) = my_assignment(&state, ctx, a.principal.user_id, id).await?;
    let round = store::round(&state.db, x.round_id)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .ok_or_else(|| ctx.err(AppError::not_found()))?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| ctx.err(AppError::malformed("form")))?;
    let get = |k: &str| {
        fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    };
    let mut scores = BTreeMap::new();
    for c in &round.form.criteria {
        let v = get(&format!("score_{}", c.code));
        if v.is_empty() {
            continue;
        }
        let n: f64 = v.parse().map_err(|_| {
            field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.not_number",
                vec![lang_name(ctx.lang, c), v.clone()],
            )
        })?;
        if !n.is_finite()
            || n < 0.0
            || n > c.max
            || ((n / c.step) - (n / c.step).round()).abs() > 1e-6
        {
            return Err(field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.scale",
                vec![lang_name(ctx.lang, c), v, format!("{}", c.max), format!("{}", c.step)],
            ));
        }
        scores.insert(c.code.clone(), n);
    }
    let comment = get("comment");
    if comment.chars().count() > 5000 {
        return Err(field_error(ctx, "comment", "err.too_long", vec!["5000".into()]));
    }
    let submit = get("submit") == "1";
    if submit {
        if let Some(c) = round.form.criteria.iter().find(|c| !scores.contains_key(&c.code)) {
            return Err(field_error(
                ctx,
                &format!("score_{}", c.code),
                "reviews.err.missing",
                vec![lang_name(ctx.lang, c)],
            ));
        }
        if !round.form.recommendations.contains(&get("recommendation")) {
            return Err(field_error(ctx, "recommendation", "err.choose", vec![]));
        }
        if comment.chars().count() < round.form.min_comment_chars {
            return Err(field_error(
                ctx,
                "comment",
                "reviews.err.comment",
                vec![round.form.min_comment_chars.to_string()],
            ));
        }
    }
    let input = ReviewInput {
        scores,
        recommendation: get("recommendation"),
        comment,
        submit,
        version: get("version").parse().unwrap_or(0),
    };
    store::save_review(&state.db, id, a.principal.user_id, &input, today(), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!(
        "/my/reviews/{id}?notice={}",
        if submit { "reviews.submitted" } else { "reviews.draft_saved" }
    ))
    .into_response())
}

fn lang_name(lang: Lang, c: &innocity_core::experts::scoring::Criterion) -> String {
    lang.pick(&c.name_zh, &c.name_en).to_string()
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

/// The expert declines the item or declares a conflict; the item is reassigned.
pub async fn my_review_withdraw(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: WithdrawForm = parse_form(ctx, &body)?;
    my_assignment(&state, ctx, a.principal.user_id, id).await?;
    let conflict = match f.kind.as_str() {
        "conflict" => true,
        "decline" => false,
        _ => return Err(field_error(ctx, "kind", "err.choose", vec![])),
    };
    if f.reason.trim().is_empty() {
        return Err(field_error(ctx, "reason", "err.required", vec![]));
    }
    if f.reason.chars().count() > 500 {
        return Err(field_error(ctx, "reason", "err.too_long", vec!["500".into()]));
    }
    store::withdraw(&state.db, id, a.principal.user_id, conflict, &f.reason, today(), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to("/my/reviews").into_response())
}

#[derive(Template)]
#[template(path = "my_bids.html")]
struct BidsPage {
    s: Shell,
    round: store::Round,
    notice: String,
    items: Vec<(i64, String, String, String, String)>,
}

async fn bid_round(
    state: &AppState,
    ctx: &Ctx,
    e: &Expert,
    round_id: i64,
) -> AppResult<store::Round> {
    store::biddable(&state.db, e)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .into_iter()
        .find(|r| r.id == round_id)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

/// Bidding (eager / willing / unwilling) on a round's items, where the call allows it.
pub async fn my_bids(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let err = |e: innocity_store::StoreError| ctx.err(e.into());
    let e = me(&state, ctx, a.principal.user_id).await?;
    let round = bid_round(&state, ctx, &e, id).await?;
    let bids = store::bids_of(&state.db, id, e.id).await.map_err(err)?;
    let items = store::items(&state.db, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|i| {
            (i.id, i.code, i.title, i.discipline, bids.get(&i.id).cloned().unwrap_or_default())
        })
        .collect();
    Ok(render(&BidsPage { s: ctx.shell(), notice: notice_text(ctx.lang, &q), round, items }))
}

#[derive(serde::Deserialize)]
pub struct BidForm {
    #[serde(default)]
    item: i64,
    #[serde(default)]
    bid: String,
}

pub async fn my_bid(
    State(state): State<AppState>,
    a: Auth<ReviewAsExpert>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: BidForm = parse_form(ctx, &body)?;
    let e = me(&state, ctx, a.principal.user_id).await?;
    bid_round(&state, ctx, &e, id).await?;
    let item = store::item(&state.db, f.item)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .filter(|i| i.round_id == id)
        .ok_or_else(|| field_error(ctx, "item", "err.choose", vec![]))?;
    if !matches!(f.bid.as_str(), "eager" | "willing" | "unwilling") {
        return Err(field_error(ctx, "bid", "err.choose", vec![]));
    }
    store::set_bid(&state.db, item.id, e.id, &f.bid, ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/my/bids/{id}?notice=reviews.bid_saved")).into_response())
}

// ---------------------------------------------------------------- research credit

#[derive(Template)]
#[template(path = "credit.html")]
struct CreditPage {
    s: Shell,
    notice: String,
    rows: Vec<(String, String, String, String, String, String, String)>,
    key: String,
    answer: String,
}

fn credit_row(lang: Lang, r: &Record) -> (String, String, String, String, String) {
    let nature =
        t(lang, if r.nature == Nature::Good { "credit.good" } else { "credit.bad" }).to_string();
    let sanction = match r.sanction {
        credit::Sanction::None => "—".to_string(),
        credit::Sanction::Years(y) => tf(
            lang,
            "credit.ban_years",
            &[
                y.to_string(),
                r.ban_until().map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default(),
            ],
        ),
        credit::Sanction::Permanent => t(lang, "credit.permanent").to_string(),
    };
    (r.date.format("%Y年%m月%d日").to_string(), nature, r.kind.clone(), r.source.clone(), sanction)
}

#[derive(serde::Deserialize, Default)]
pub struct CreditQuery {
    #[serde(default)]
    key: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
}

pub async fn credit_page(
    State(state): State<AppState>,
    a: Auth<ManageCredit>,
    Query(q): Query<CreditQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let rows = credit_store::list(&state.db)
        .await
        .map_err(|e| ctx.err(e.into()))?
        .iter()
        .map(|e| {
            let (date, nature, kind, source, sanction) = credit_row(lang, &e.record);
            (
                format!("{}（{}）", e.subject.name, e.subject.key),
                date,
                nature,
                kind,
                t(
                    lang,
                    &format!("credit.severity.{}", credit_store::severity_code(e.record.severity)),
                )
                .to_string(),
                source,
                sanction,
            )
        })
        .collect();
    let answer = if q.key.trim().is_empty() {
        String::new()
    } else {
        let records = credit_store::records_of(&state.db, q.key.trim())
            .await
            .map_err(|e| ctx.err(e.into()))?;
        let g = credit::grade(&records, today());
        match credit::eligibility(&records, today()).deciding {
            None => tf(
                lang,
                "credit.answer_yes",
                &[q.key.trim().into(), format!("{} ({})", g.letters, g.score)],
            ),
            Some(r) => {
                let until = r
                    .ban_until()
                    .map(|d| d.format("%Y年%m月%d日").to_string())
                    .unwrap_or_else(|| t(lang, "credit.permanent").into());
                tf(lang, "credit.answer_no", &[q.key.trim().into(), r.kind, r.source, until])
            }
        }
    };
    Ok(render(&CreditPage {
        s: ctx.shell(),
        notice: notice_text(lang, &Notice { notice: q.notice, n: q.n }),
        rows,
        key: q.key,
        answer,
    }))
}

#[derive(serde::Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    subject_kind: String,
    #[serde(default)]
    subject_key: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    sanction: String,
    #[serde(default)]
    points: String,
}

pub async fn credit_add(
    State(state): State<AppState>,
    a: Auth<ManageCredit>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: CreditForm = parse_form(ctx, &body)?;
    for (field, v) in [
        ("subject_key", &f.subject_key),
        ("subject_name", &f.subject_name),
        ("kind", &f.kind),
        ("source", &f.source),
    ] {
        if v.trim().is_empty() {
            return Err(field_error(ctx, field, "err.required", vec![]));
        }
        if v.chars().count() > 200 {
            return Err(field_error(ctx, field, "err.too_long", vec!["200".into()]));
        }
    }
    if !matches!(f.subject_kind.as_str(), "person" | "organisation") {
        return Err(field_error(ctx, "subject_kind", "err.choose", vec![]));
    }
    let nature = credit_store::parse_nature(&f.nature)
        .ok_or_else(|| field_error(ctx, "nature", "err.choose", vec![]))?;
    let severity = credit_store::parse_severity(&f.severity)
        .ok_or_else(|| field_error(ctx, "severity", "err.choose", vec![]))?;
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
        .map_err(|_| field_error(ctx, "date", "experts.err.date", vec![]))?;
    let sanction = credit_store::parse_sanction(&f.sanction)
        .ok_or_else(|| field_error(ctx, "sanction", "err.choose", vec![]))?;
    let points = if f.points.trim().is_empty() {
        0
    } else {
        f.points
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=20).contains(p))
            .ok_or_else(|| field_error(ctx, "points", "credit.err.points", vec![]))?
    };
    let record = Record {
        id: 0,
        nature,
        kind: f.kind.trim().into(),
        severity,
        source: f.source.trim().into(),
        date,
        sanction,
        points,
    };
    if let Err(e) = record.check() {
        let key = match e.field {
            "sanction" => "credit.err.sanction",
            "source" => "credit.err.source",
            _ => "credit.err.points_bad",
        };
        return Err(field_error(ctx, e.field, key, vec![]));
    }
    let subject = credit_store::Subject {
        kind: f.subject_kind,
        key: f.subject_key.trim().into(),
        name: f.subject_name.trim().into(),
    };
    let (_, suspended) = credit_store::add(&state.db, &subject, &record, today(), ctx.actor())
        .await
        .map_err(|e| ctx.err(e.into()))?;
    Ok(Redirect::to(&format!("/credit?notice=credit.added&n={}", suspended.len())).into_response())
}
