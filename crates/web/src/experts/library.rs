//! The expert library as staff see it: the list, an expert's page and status, adding one.
use super::{CreditRow, Notice, TieRow, credit_row, notice_text, status_label, tie_row};
use crate::app::AppState;
use crate::auth::{Auth, ManageExperts, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t, tf};
use crate::page::{Choice, FieldMessage, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::credit;
use innocity_core::experts::scoring::{Advice, Performance};
use innocity_core::experts::{Action, Library, Status};
use innocity_store::credit as credit_store;
use innocity_store::experts::{self as store, Expert, ExpertQuery};
use std::collections::{BTreeMap, HashMap};

#[derive(Template)]
#[template(path = "experts_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    library: String,
    statuses: Vec<Choice>,
    field: String,
    text: String,
    counts: Vec<StatusCount>,
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
    let experts = store::list(&state.db, &query).await?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &experts {
        *counts.entry(e.status.code()).or_default() += 1;
    }
    let counts = Status::ALL
        .iter()
        .map(|s| StatusCount {
            status: status_label(lang, s.code()),
            count: counts.get(s.code()).copied().unwrap_or(0),
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
        .map(|x| Choice::new(x.code(), status_label(lang, x.code()), x.code() == q.status))
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
    actions: Vec<Choice>,
    ties: Vec<TieRow>,
    credit: Vec<CreditRow>,
    grade: String,
    eligible: String,
    ledger: Vec<LedgerYear>,
    perf: Vec<PerfTile>,
    advice: &'static str,
    conflicts: Vec<ConflictRow>,
    reconfirmation: &'static str,
}

/// How many of the library's experts have a status.
struct StatusCount {
    status: &'static str,
    count: usize,
}

/// A year of an expert's review load against the yearly cap.
struct LedgerYear {
    year: i64,
    reviews: i64,
    left: i64,
}

/// One figure of an expert's review performance.
struct PerfTile {
    label: &'static str,
    value: String,
}

/// A conflict of interest found or declared for one of the expert's items.
struct ConflictRow {
    round: String,
    item: String,
    kind: &'static str,
    source: &'static str,
    detail: String,
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
    let e = store::get(db, id).await?.ok_or_else(AppError::not_found)?;
    let actions = Action::ALL
        .iter()
        .filter(|x| innocity_core::experts::next(e.status, **x, "reason").is_ok())
        .map(|x| Choice::new(x.code(), t(lang, &format!("experts.action.{}", x.code())), false))
        .collect();
    let ties = store::ties(db, id).await?.into_iter().map(|t| tie_row(lang, t)).collect();
    let records = credit_store::records_of(db, &e.code).await?;
    let grade = credit::grade(&records, ctx.today());
    let elig = credit::eligibility(&records, ctx.today());
    let credit = records.iter().map(|r| credit_row(lang, r)).collect();
    let eligible = match elig.deciding {
        None => t(lang, "credit.eligible").to_string(),
        Some(r) => tf(lang, "credit.barred", &[r.kind, r.source]),
    };
    let ledger = store::ledger(db, id)
        .await?
        .into_iter()
        .map(|y| LedgerYear {
            year: y.year,
            reviews: y.reviews,
            left: (e.yearly_cap - y.reviews).max(0),
        })
        .collect();
    let p = store::performance(db, id).await?;
    let perf = perf_tiles(lang, &p);
    let advice = t(
        lang,
        match p.advice() {
            Advice::Keep => "experts.advice.keep",
            Advice::Caution => "experts.advice.caution",
            Advice::Suspend => "experts.advice.suspend",
        },
    );
    let conflicts = conflicts(&state, lang, id).await?;
    let reconfirmation = t(
        lang,
        match innocity_core::experts::reconfirmation(e.confirmed_year as i32, ctx.today()) {
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

/// The expert's review performance, figure by figure.
fn perf_tiles(lang: Lang, p: &Performance) -> Vec<PerfTile> {
    vec![
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
    .map(|(k, value)| PerfTile { label: t(lang, k), value })
    .collect()
}

/// The conflicts of interest found or declared for the expert's items.
async fn conflicts(state: &AppState, lang: Lang, id: i64) -> AppResult<Vec<ConflictRow>> {
    let db = &state.db;
    let mut conflicts = Vec::new();
    let rounds: HashMap<i64, store::Round> =
        store::rounds(db).await?.into_iter().map(|r| (r.id, r)).collect();
    for c in store::expert_conflicts(db, id).await? {
        if let Some(it) = store::item(db, c.item_id).await? {
            let round = rounds.get(&it.round_id).map(|r| r.code.clone()).unwrap_or_default();
            conflicts.push(ConflictRow {
                round,
                item: it.code,
                kind: t(lang, &format!("conflict.{}", c.kind)),
                source: t(lang, &format!("conflict.source.{}", c.source)),
                detail: c.detail,
            });
        }
    }
    Ok(conflicts)
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
    store::set_status(&state.db, id, action, &f.reason, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/experts/{id}?notice=experts.status_changed")).into_response())
}

#[derive(Template)]
#[template(path = "expert_new.html")]
struct NewPage {
    s: Shell,
    f: NewExpertForm,
    errors: Vec<FieldMessage>,
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
    if let Err(r) = store::check_draft(&draft) {
        let (key, _) = crate::error::refusals::expert(&r);
        errors.push((r.field().unwrap_or_default().to_string(), t(ctx.lang, key).to_string()));
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
            .await?
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
    let mut resp = render(&NewPage { s: ctx.shell(), f, errors: FieldMessage::list(&errors) });
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
