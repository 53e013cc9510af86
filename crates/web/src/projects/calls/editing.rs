//! Setting up a call: the form, checked field by field; creating and editing; its files.
use super::programmes::{read_wan, read_year};
use super::{KINDS, QUALIFICATIONS};
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageProjects, ViewApplications, field_error, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};
use crate::page::{Choice, FieldMessage, Shell, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use innocity_core::projects::form::{self, ReviewPlan};
use innocity_core::projects::funding::BudgetRules;
use innocity_core::projects::{Deadlines, Eligibility};
use innocity_store::projects::{self as store, Call, NewCall};
use std::collections::BTreeMap;

/// A store refusal shown beside `field` (422); other errors as they are.
pub(crate) fn refusal_on(ctx: &Ctx, field: &str, e: innocity_store::StoreError) -> AppError {
    match crate::error::refusals::refusal(&e) {
        Some((key, args)) => field_error(ctx, field, key, args),
        None => ctx.err(e.into()),
    }
}

pub(crate) fn valid_code(code: &str) -> bool {
    let c = code.trim();
    (2..=20).contains(&c.len())
        && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

// ---------------------------------------------------------------- calls

/// The call form's fields, as typed (every one a string, so nothing is lost when it comes back).
#[derive(serde::Deserialize, Default, Clone)]
pub struct CallForm {
    #[serde(default)]
    programme: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    applicant_deadline: String,
    #[serde(default)]
    organisation_deadline: String,
    #[serde(default)]
    zone_deadline: String,
    #[serde(default)]
    guidelines: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    max_ongoing: String,
    #[serde(default)]
    credit_check: String,
    #[serde(default)]
    max_request: String,
    #[serde(default)]
    co_funding: String,
    #[serde(default)]
    indirect_percent: String,
    #[serde(default)]
    form_spec: String,
    #[serde(default)]
    remote_experts: String,
    #[serde(default)]
    panel_experts: String,
    #[serde(default)]
    panel_drawn: String,
    #[serde(default)]
    panel_shortlist: String,
    #[serde(default)]
    department_review: String,
    /// `kind_<code>=1` and `unit_<id>=1` checkboxes.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

impl CallForm {
    fn ticked(&self, name: &str) -> bool {
        self.rest.get(name).is_some_and(|v| v == "1")
    }

    fn defaults(d: chrono::NaiveDate) -> CallForm {
        let day = |n: u64| (d + chrono::Days::new(n)).format("%Y-%m-%d").to_string();
        CallForm {
            year: (d.year() + 1).to_string(),
            opens_on: day(0),
            applicant_deadline: day(45),
            organisation_deadline: day(52),
            zone_deadline: day(59),
            credit_check: "1".into(),
            max_ongoing: "2".into(),
            max_request: "50".into(),
            co_funding: "0".into(),
            indirect_percent: "20".into(),
            remote_experts: "5".into(),
            panel_experts: "0".into(),
            panel_drawn: "1".into(),
            panel_shortlist: "0".into(),
            department_review: "1".into(),
            ..Default::default()
        }
    }

    fn of(c: &Call, units: &[innocity_store::orgs::OrgUnit]) -> CallForm {
        let d = |x: NaiveDate| x.format("%Y-%m-%d").to_string();
        let mut rest = BTreeMap::new();
        for k in &c.eligibility.org_kinds {
            rest.insert(format!("kind_{k}"), "1".to_string());
        }
        for u in units.iter().filter(|u| c.eligibility.unit_paths.contains(&u.path)) {
            rest.insert(format!("unit_{}", u.id), "1".to_string());
        }
        let r = &c.budget_rules;
        let p = &c.review_plan;
        let flag = |b: bool| if b { "1".to_string() } else { String::new() };
        CallForm {
            programme: c.programme_id.to_string(),
            code: c.code.clone(),
            title: c.title.clone(),
            year: c.year.to_string(),
            opens_on: d(c.opens_on),
            applicant_deadline: d(c.deadlines.applicant),
            organisation_deadline: d(c.deadlines.organisation),
            zone_deadline: d(c.deadlines.zone),
            guidelines: c.guidelines.clone(),
            topics: c.topics.join("\n"),
            qualification: c.eligibility.qualification.clone(),
            max_ongoing: c.eligibility.max_ongoing_per_leader.to_string(),
            credit_check: flag(c.eligibility.credit_check),
            max_request: r.max_request.wan_exact(),
            co_funding: r.co_funding.to_string(),
            indirect_percent: format!("{}", (r.indirect_share * 1000.0).round() / 10.0),
            form_spec: form::to_text(&c.form),
            remote_experts: p.remote_experts.to_string(),
            panel_experts: p.panel_experts.to_string(),
            panel_drawn: flag(p.panel_drawn),
            panel_shortlist: p.panel_shortlist.to_string(),
            department_review: flag(p.department_review),
            rest,
        }
    }

    /// The call these fields describe, or the first field at fault.
    fn read(
        &self,
        ctx: &Ctx,
        programmes: &[store::Programme],
        units: &[innocity_store::orgs::OrgUnit],
    ) -> AppResult<NewCall> {
        let programme_id = self
            .programme
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| programmes.iter().any(|p| p.id == *id))
            .ok_or_else(|| field_error(ctx, "programme", "err.choose", vec![]))?;
        if !valid_code(&self.code) {
            return Err(field_error(ctx, "code", "calls.err.code", vec![]));
        }
        let title = self.title.trim();
        if title.chars().count() < 4 || title.chars().count() > 100 {
            return Err(field_error(ctx, "title", "apps.err.title", vec![]));
        }
        let year = read_year(ctx, "year", &self.year)?;
        let (opens_on, deadlines) = self.read_dates(ctx)?;
        let topics = self.read_guidance(ctx)?;
        let eligibility = self.read_eligibility(ctx, units)?;
        let budget_rules = self.read_budget(ctx)?;
        let form = form::parse(&self.form_spec).map_err(|e| {
            let what =
                tf(ctx.lang, &format!("callform.err.{}", e.code), std::slice::from_ref(&e.arg));
            field_error(ctx, "form_spec", "callform.err", vec![e.line.to_string(), what])
        })?;
        let review_plan = self.read_plan(ctx)?;
        Ok(NewCall {
            programme_id,
            code: self.code.trim().to_string(),
            title: title.to_string(),
            year,
            guidelines: self.guidelines.trim().to_string(),
            topics,
            eligibility,
            budget_rules,
            deadlines,
            opens_on,
            form,
            review_plan,
        })
    }

    /// The opening day and the deadlines, in order.
    fn read_dates(&self, ctx: &Ctx) -> AppResult<(NaiveDate, Deadlines)> {
        let opens_on = read_date(ctx, "opens_on", &self.opens_on)?;
        let deadlines = Deadlines {
            applicant: read_date(ctx, "applicant_deadline", &self.applicant_deadline)?,
            organisation: read_date(ctx, "organisation_deadline", &self.organisation_deadline)?,
            zone: read_date(ctx, "zone_deadline", &self.zone_deadline)?,
        };
        if deadlines.check().is_err() || opens_on > deadlines.applicant {
            return Err(field_error(ctx, "applicant_deadline", "calls.err.deadlines", vec![]));
        }
        Ok((opens_on, deadlines))
    }

    /// The guidelines and the qualification checked; the topics, one a line.
    fn read_guidance(&self, ctx: &Ctx) -> AppResult<Vec<String>> {
        if self.guidelines.trim().is_empty() {
            return Err(field_error(ctx, "guidelines", "err.required", vec![]));
        }
        if self.guidelines.chars().count() > 50_000 {
            return Err(field_error(ctx, "guidelines", "err.too_long", vec!["50000".into()]));
        }
        let topics: Vec<String> = self
            .topics
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        if topics.len() > 50 || topics.iter().any(|x| x.chars().count() > 60) {
            return Err(field_error(ctx, "topics", "calls.err.topics", vec![]));
        }
        if !self.qualification.is_empty() && !QUALIFICATIONS.contains(&self.qualification.as_str())
        {
            return Err(field_error(ctx, "qualification", "err.choose", vec![]));
        }
        Ok(topics)
    }

    fn read_eligibility(
        &self,
        ctx: &Ctx,
        units: &[innocity_store::orgs::OrgUnit],
    ) -> AppResult<Eligibility> {
        Ok(Eligibility {
            org_kinds: KINDS
                .iter()
                .filter(|k| self.ticked(&format!("kind_{k}")))
                .map(|k| k.to_string())
                .collect(),
            unit_paths: units
                .iter()
                .filter(|u| self.ticked(&format!("unit_{}", u.id)))
                .map(|u| u.path.clone())
                .collect(),
            qualification: self.qualification.clone(),
            max_ongoing_per_leader: read_whole(ctx, "max_ongoing", &self.max_ongoing, 20)?,
            credit_check: self.credit_check == "1",
        })
    }

    fn read_budget(&self, ctx: &Ctx) -> AppResult<BudgetRules> {
        let max_request = read_wan(ctx, "max_request", "calls.max_request", &self.max_request)?;
        if max_request.0 <= 0 {
            return Err(field_error(
                ctx,
                "max_request",
                "apps.err.money",
                vec![
                    t(ctx.lang, "calls.max_request").to_string(),
                    self.max_request.trim().to_string(),
                ],
            ));
        }
        Ok(BudgetRules {
            max_request,
            co_funding: read_ratio(ctx, "co_funding", &self.co_funding, 10.0)?,
            indirect_share: read_ratio(ctx, "indirect_percent", &self.indirect_percent, 100.0)?
                / 100.0,
        })
    }

    fn read_plan(&self, ctx: &Ctx) -> AppResult<ReviewPlan> {
        let review_plan = ReviewPlan {
            remote_experts: read_whole(ctx, "remote_experts", &self.remote_experts, 15)?,
            panel_experts: read_whole(ctx, "panel_experts", &self.panel_experts, 15)?,
            panel_drawn: self.panel_drawn == "1",
            panel_shortlist: read_whole(ctx, "panel_shortlist", &self.panel_shortlist, 10_000)?,
            department_review: self.department_review == "1",
        };
        if let Err(code) = review_plan.check() {
            return Err(field_error(
                ctx,
                "remote_experts",
                "calls.err.plan",
                vec![code.to_string()],
            ));
        }
        Ok(review_plan)
    }
}

/// A call's date field, `YYYY-MM-DD`.
fn read_date(ctx: &Ctx, field: &str, v: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        field_error(
            ctx,
            field,
            "calls.err.date",
            vec![t(ctx.lang, &format!("calls.field.{field}")).to_string(), v.trim().to_string()],
        )
    })
}

/// A call's whole-number field, at most `max`.
fn read_whole(ctx: &Ctx, field: &str, v: &str, max: u32) -> AppResult<u32> {
    v.trim().parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
        field_error(
            ctx,
            field,
            "calls.err.whole",
            vec![t(ctx.lang, &format!("calls.field.{field}")).to_string(), max.to_string()],
        )
    })
}

/// A call's ratio field, from 0 to `max`.
fn read_ratio(ctx: &Ctx, field: &str, v: &str, max: f64) -> AppResult<f64> {
    v.trim().parse::<f64>().ok().filter(|x| x.is_finite() && (0.0..=max).contains(x)).ok_or_else(
        || {
            field_error(
                ctx,
                field,
                "calls.err.ratio",
                vec![t(ctx.lang, &format!("calls.field.{field}")).to_string(), max.to_string()],
            )
        },
    )
}

#[derive(Template)]
#[template(path = "call_form.html")]
struct CallFormPage {
    s: Shell,
    /// The call being edited, with how many have applied.
    editing: Option<Editing>,
    f: CallForm,
    errors: Vec<FieldMessage>,
    programmes: Vec<Choice>,
    kinds: Vec<Choice>,
    units: Vec<Choice>,
    qualifications: Vec<Choice>,
}

/// The call being edited.
#[derive(Clone, Copy)]
struct Editing {
    id: i64,
    /// How many have applied to it.
    applied: i64,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    editing: Option<Editing>,
    f: CallForm,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let programmes = store::programmes(&state.db)
        .await?
        .into_iter()
        .map(|p| {
            Choice::new(p.id, format!("{} {}", p.code, p.name), p.id.to_string() == f.programme)
        })
        .collect();
    let units = innocity_store::orgs::units(&state.db).await?;
    let kinds = KINDS
        .iter()
        .map(|k| {
            let name = format!("kind_{k}");
            Choice::new(&name, t(lang, &format!("kind.{k}")), f.ticked(&name))
        })
        .collect();
    let units = units
        .iter()
        .filter(|u| matches!(u.level.as_str(), "city" | "zone"))
        .map(|u| {
            let name = format!("unit_{}", u.id);
            Choice::new(&name, lang.pick(&u.name_zh, &u.name_en), f.ticked(&name))
        })
        .collect();
    let qualifications = QUALIFICATIONS
        .iter()
        .map(|q| Choice::new(q, t(lang, &format!("qualification.{q}")), f.qualification == *q))
        .collect();
    let failed = !errors.is_empty();
    let mut resp = render(&CallFormPage {
        s: ctx.shell(),
        editing,
        f,
        errors: FieldMessage::list(&errors),
        programmes,
        kinds,
        units,
        qualifications,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn new_call(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
) -> AppResult<Response> {
    let mut f = CallForm::defaults(a.ctx.today());
    f.guidelines = t(a.ctx.lang, "calls.guidelines_template").to_string();
    form_page(&state, &a.ctx, None, f, vec![]).await
}

async fn applied(state: &AppState, call_id: i64) -> AppResult<i64> {
    Ok(store::board(&state.db).await?.iter().filter(|r| r.call_id == call_id).map(|r| r.n).sum())
}

/// Creates (no id) or edits a call from the form.
async fn save_call(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    body: &[u8],
) -> AppResult<Response> {
    let mut f: CallForm = parse_form(ctx, body)?;
    let editing = match id {
        Some(id) => {
            let c = store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
            f.code = c.code; // a call's code never changes
            Some(Editing { id, applied: applied(state, id).await? })
        }
        None => None,
    };
    let programmes = store::programmes(&state.db).await?;
    let units = innocity_store::orgs::units(&state.db).await?;
    let outcome = match f.read(ctx, &programmes, &units) {
        Ok(call) => match id {
            Some(id) => store::update_call(&state.db, id, &call, ctx.actor())
                .await
                .map(|_| id)
                .map_err(|e| call_refusal(ctx, e)),
            None => store::create_call(&state.db, &call, ctx.actor())
                .await
                .map_err(|e| call_refusal(ctx, e)),
        },
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!(
            "/calls/{id}?notice={}",
            if editing.is_some() { "calls.saved" } else { "calls.created" }
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            form_page(state, ctx, editing, f, e.fields.clone()).await
        }
        Err(e) => Err(e),
    }
}

/// The store's refusals of a call, beside the field they concern.
fn call_refusal(ctx: &Ctx, e: innocity_store::StoreError) -> AppError {
    use innocity_store::StoreError as E;
    use innocity_store::projects::{ApplicationRefusal, CallRefusal};
    let field = match &e {
        E::Calls(CallRefusal::CodeTaken { .. }) => "code",
        E::Applications(ApplicationRefusal::NoBudget { .. }) => "year",
        E::Calls(CallRefusal::Deadlines) => "applicant_deadline",
        E::Calls(CallRefusal::Plan { .. }) => "remote_experts",
        _ => "programme",
    };
    refusal_on(ctx, field, e)
}

pub async fn create_call(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    save_call(&state, &a.ctx, None, &body).await
}

pub async fn edit_call(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let units = innocity_store::orgs::units(&state.db).await?;
    form_page(
        &state,
        ctx,
        Some(Editing { id, applied: applied(&state, id).await? }),
        CallForm::of(&c, &units),
        vec![],
    )
    .await
}

pub async fn update_call(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    save_call(&state, &a.ctx, Some(id), &body).await
}

// ---------------------------------------------------------------- guideline files

/// Adds a file to a call's guidelines (staff): type and content checked, stored outside the web
/// root by its digest.
pub async fn upload(
    State(state): State<AppState>,
    a: Auth<ManageProjects>,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    store::call(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    let (name, bytes) = crate::http::read_upload(ctx, req).await?;
    store::add_call_file(&state.db, &state.config.files_dir, id, &name, &bytes, ctx.actor())
        .await
        .map_err(|e| refusal_on(ctx, "file", e))?;
    let to = format!("/calls/{id}?notice=apps.uploaded");
    Ok(crate::http::go_to(ctx, &to))
}

/// Serves a guideline file to anyone who may read the call, always as a download.
pub async fn file(
    State(state): State<AppState>,
    _: Auth<ViewApplications>,
    Path((id, file)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (f, bytes) = store::call_file(&state.db, &state.config.files_dir, id, file).await?;
    let mut resp = crate::http::download(bytes, &f.name, "application/octet-stream");
    resp.headers_mut()
        .insert("X-Content-Type-Options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(resp)
}

// ---------------------------------------------------------------- guidelines as text
