//! Organisations and org units: pages, and the scoped loading the API shares.
pub mod units;
use crate::app::AppState;
use crate::auth::{Auth, CreateOrgs, Ctx, EditOrgs, ViewOrgs, parse_form};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tf};
use crate::page::{FieldErrors, Shell, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope, Target};
use innocity_core::orgs::{FieldError, OrgDraft, OrgInput, OrgKind};
use innocity_store::orgs::{self as store, OrgQuery, OrgUnit, Organisation, Page};
use std::collections::HashMap;

/// Loads an organisation if the principal may use `cap` on it: 404 if it does not exist,
/// 403 if it lies outside the principal's scope.
pub async fn load_scoped(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: i64,
    cap: Capability,
) -> AppResult<Organisation> {
    let org = store::get(&state.db, id).await?.ok_or_else(AppError::not_found)?;
    p.authorize_on(cap, Target { unit_path: &org.unit_path, organisation_id: Some(org.id) })
        .map_err(|_| ctx.err(AppError::forbidden()))?;
    Ok(org)
}

/// Checks the org unit chosen in a form: it must exist and lie in the principal's reach. An
/// organisation's own admins keep their organisation where it is.
pub async fn resolve_unit(
    state: &AppState,
    p: &Principal,
    unit_id: i64,
    current: Option<&Organisation>,
) -> AppResult<Result<OrgUnit, FieldError>> {
    let unit = state.unit(unit_id).await?;
    let Some(unit) = unit else {
        return Ok(Err(FieldError { field: "org_unit_id", key: "err.unit.unknown", args: vec![] }));
    };
    let allowed = match &p.scope {
        Scope::All => true,
        Scope::Subtrees(_) => p.scope.reaches_unit(&unit.path),
        Scope::Organisation(_) => current.is_some_and(|o| o.org_unit_id == unit.id),
        Scope::Nothing => false,
    };
    Ok(if allowed {
        Ok(unit)
    } else {
        Err(FieldError { field: "org_unit_id", key: "err.unit.scope", args: vec![] })
    })
}

pub fn field_messages(lang: Lang, errors: &[FieldError]) -> Vec<(String, String)> {
    errors.iter().map(|e| (e.field.to_string(), tf(lang, e.key, &e.args))).collect()
}

/// Parses, checks the unit, and returns the draft and its unit, or every field error.
pub async fn validate(
    state: &AppState,
    p: &Principal,
    input: &OrgInput,
    current: Option<&Organisation>,
) -> AppResult<Result<(OrgDraft, OrgUnit), Vec<FieldError>>> {
    let parsed = input.parse();
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let mut unit = None;
    if let Ok(unit_id) = input.org_unit_id.trim().parse::<i64>() {
        match resolve_unit(state, p, unit_id, current).await? {
            Ok(u) => unit = Some(u),
            Err(fe) => errors.push(fe),
        }
    }
    match (parsed, unit) {
        (Ok(d), Some(u)) if errors.is_empty() => Ok(Ok((d, u))),
        _ => Ok(Err(errors)),
    }
}

/// Maps a duplicate credit code to a field error on the form instead of a page of its own.
pub fn duplicate_as_field(
    e: innocity_store::StoreError,
) -> Result<innocity_store::StoreError, FieldError> {
    match e {
        innocity_store::StoreError::Duplicate(innocity_store::Unique::CreditCode) => {
            Err(FieldError { field: "credit_code", key: "err.credit_code.duplicate", args: vec![] })
        }
        other => Ok(other),
    }
}

// ---------- list ----------

pub struct ListParams {
    pub text: String,
    pub kind: Option<String>,
    pub unit: Option<i64>,
    pub page: u64,
    pub per_page: u64,
}

/// Reads list parameters leniently: an unknown kind or a bad page number is a 400 naming it.
pub fn list_params(ctx: &Ctx, q: &HashMap<String, String>) -> AppResult<ListParams> {
    let num = |name: &str, default: u64| -> AppResult<u64> {
        match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1 && *n <= 1_000_000)
                .ok_or_else(|| ctx.err(AppError::bad_request(format!("{name}={v}")))),
        }
    };
    let kind = match q.get("kind").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(
            OrgKind::parse(k)
                .ok_or_else(|| ctx.err(AppError::bad_request(format!("kind={k}"))))?
                .code()
                .to_string(),
        ),
    };
    let unit = match q.get("unit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(u) => Some(
            u.parse::<i64>().map_err(|_| ctx.err(AppError::bad_request(format!("unit={u}"))))?,
        ),
    };
    Ok(ListParams {
        text: q.get("q").cloned().unwrap_or_default().chars().take(100).collect(),
        kind,
        unit,
        page: num("page", 1)?,
        per_page: num("per_page", 20)?.min(200),
    })
}

pub async fn query_orgs(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    lp: &ListParams,
) -> AppResult<Page<Organisation>> {
    // A county's list holds its parks' organisations too.
    let within = match lp.unit {
        None => Vec::new(),
        Some(id) => {
            let unit = state.unit(id).await?;
            let unit = unit.ok_or_else(|| ctx.err(AppError::bad_request(format!("unit={id}"))))?;
            store::area_roots(&state.units().await?, &unit)
        }
    };
    let q = OrgQuery {
        text: lp.text.clone(),
        kind: lp.kind.clone(),
        within,
        page: lp.page,
        per_page: lp.per_page,
    };
    store::list(&state.db, &p.scope, &q).await.map_err(|e| ctx.err(e.into()))
}

#[derive(Template)]
#[template(path = "orgs_list.html")]
struct ListPage {
    s: Shell,
    page: Page<Organisation>,
    units: Vec<OrgUnit>,
    kinds: Vec<&'static str>,
    text: String,
    kind: String,
    unit: i64,
    pages: u64,
    can_create: bool,
    prev_href: String,
    next_href: String,
}

impl ListPage {
    fn unit_name(&self, o: &Organisation) -> String {
        if self.s.lang == Lang::Zh { o.unit_name_zh.clone() } else { o.unit_name_en.clone() }
    }
}

/// An org unit to choose in a form: its id and its name, indented by its depth.
pub(crate) struct UnitOption {
    pub(crate) id: i64,
    pub(crate) label: String,
}

impl UnitOption {
    pub(crate) fn of(lang: Lang, u: &OrgUnit) -> UnitOption {
        UnitOption { id: u.id, label: unit_label(lang, u) }
    }
}

pub(crate) fn unit_label(lang: Lang, u: &OrgUnit) -> String {
    let depth = u.path.matches('/').count().saturating_sub(2);
    let name = if lang == Lang::Zh { &u.name_zh } else { &u.name_en };
    format!("{}{}", "　".repeat(depth), name)
}

pub async fn list(
    State(state): State<AppState>,
    a: Auth<ViewOrgs>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lp = list_params(ctx, &q)?;
    let page = query_orgs(&state, ctx, &a.principal, &lp).await?;
    let units = state.units_in_scope(&a.principal.scope).await?;
    let pages = page.total.div_ceil(page.per_page).max(1);
    let href = |n: u64| {
        let mut params = vec![("page", n.to_string())];
        if !lp.text.is_empty() {
            params.push(("q", lp.text.clone()));
        }
        if let Some(k) = &lp.kind {
            params.push(("kind", k.clone()));
        }
        if let Some(u) = lp.unit {
            params.push(("unit", u.to_string()));
        }
        format!("/orgs?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    };
    let view = ListPage {
        s: ctx.shell(),
        prev_href: if page.page > 1 { href(page.page - 1) } else { String::new() },
        next_href: if page.page < pages { href(page.page + 1) } else { String::new() },
        pages,
        page,
        units,
        kinds: OrgKind::ALL.iter().map(|k| k.code()).collect(),
        text: lp.text.clone(),
        kind: lp.kind.clone().unwrap_or_default(),
        unit: lp.unit.unwrap_or(0),
        can_create: a.principal.role.allows(Capability::CreateOrgs),
    };
    Ok(render(&view))
}

// ---------- form ----------

#[derive(Template)]
#[template(path = "org_form.html")]
struct FormPage {
    s: Shell,
    action: String,
    input: OrgInput,
    errors: FieldErrors,
    units: Vec<UnitOption>,
    kinds: Vec<&'static str>,
    version: i64,
    form_token: String,
    cancel: String,
}

impl FormPage {
    fn selected_unit(&self, id: &i64) -> bool {
        self.input.org_unit_id.trim() == id.to_string()
    }
}

async fn form_units(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    current: Option<&Organisation>,
) -> AppResult<Vec<UnitOption>> {
    let units = match (&p.scope, current) {
        (Scope::Organisation(_), Some(o)) => state.unit(o.org_unit_id).await?.into_iter().collect(),
        (scope, _) => state.units_in_scope(scope).await?,
    };
    Ok(units.iter().map(|u| UnitOption::of(ctx.lang, u)).collect())
}

fn input_of(o: &Organisation) -> OrgInput {
    OrgInput {
        credit_code: o.credit_code.clone(),
        name: o.name.clone(),
        kind: o.kind.clone(),
        org_unit_id: o.org_unit_id.to_string(),
        address: o.address.clone(),
        contact: o.contact.clone(),
        phone: o.phone.clone(),
    }
}

/// What the organisation form shows: where it posts, what was typed, what is wrong, the
/// organisation edited (none for a new one), and the answer's status.
struct OrgFormView<'a> {
    action: String,
    input: OrgInput,
    errors: Vec<(String, String)>,
    current: Option<&'a Organisation>,
    status: StatusCode,
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    form: OrgFormView<'_>,
) -> AppResult<Response> {
    let OrgFormView { action, input, errors, current, status } = form;
    let view = FormPage {
        s: ctx.shell(),
        cancel: current.map(|o| format!("/orgs/{}", o.id)).unwrap_or_else(|| "/orgs".into()),
        action,
        input,
        errors: FieldErrors(errors),
        units: form_units(state, ctx, p, current).await?,
        kinds: OrgKind::ALL.iter().map(|k| k.code()).collect(),
        version: current.map(|o| o.version).unwrap_or(0),
        form_token: innocity_store::users::random_token(),
    };
    let mut r = render(&view);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn new_form(State(state): State<AppState>, a: Auth<CreateOrgs>) -> AppResult<Response> {
    form_page(
        &state,
        &a.ctx,
        &a.principal,
        OrgFormView {
            action: "/orgs".into(),
            input: OrgInput::default(),
            errors: vec![],
            current: None,
            status: StatusCode::OK,
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct OrgForm {
    #[serde(flatten)]
    input: OrgInput,
    #[serde(default)]
    _form: String,
    #[serde(default)]
    version: String,
}

pub async fn create(
    State(state): State<AppState>,
    a: Auth<CreateOrgs>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: OrgForm = parse_form(ctx, &body)?;
    let invalid = |errors: Vec<FieldError>, input: OrgInput| {
        let state = state.clone();
        let ctx = ctx.clone();
        let p = a.principal.clone();
        async move {
            form_page(
                &state,
                &ctx,
                &p,
                OrgFormView {
                    action: "/orgs".into(),
                    input,
                    errors: field_messages(ctx.lang, &errors),
                    current: None,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await
        }
    };
    let (draft, unit) = match validate(&state, &a.principal, &f.input, None).await? {
        Ok(x) => x,
        Err(errors) => return invalid(errors, f.input).await,
    };
    match store::create(&state.db, &draft, &unit, ctx.actor(), &f._form).await {
        Ok(org) => Ok(Redirect::to(&format!("/orgs/{}?created=1", org.id)).into_response()),
        Err(e) => match duplicate_as_field(e) {
            Err(fe) => invalid(vec![fe], f.input).await,
            Ok(e) => Err(ctx.err(e.into())),
        },
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let org = load_scoped(&state, ctx, &a.principal, id, Capability::EditOrgs).await?;
    form_page(
        &state,
        ctx,
        &a.principal,
        OrgFormView {
            action: format!("/orgs/{id}"),
            input: input_of(&org),
            errors: vec![],
            current: Some(&org),
            status: StatusCode::OK,
        },
    )
    .await
}

pub fn parse_id(ctx: &Ctx, s: &str) -> AppResult<i64> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| ctx.err(AppError::not_found()))
}

pub async fn update(
    State(state): State<AppState>,
    a: Auth<EditOrgs>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let org = load_scoped(&state, ctx, &a.principal, id, Capability::EditOrgs).await?;
    let f: OrgForm = parse_form(ctx, &body)?;
    if f.version.trim() != org.version.to_string() {
        return Err(ctx.err(AppError::from(innocity_store::StoreError::Stale)));
    }
    let action = format!("/orgs/{id}");
    let (draft, unit) = match validate(&state, &a.principal, &f.input, Some(&org)).await? {
        Ok(x) => x,
        Err(errors) => {
            return form_page(
                &state,
                ctx,
                &a.principal,
                OrgFormView {
                    action,
                    input: f.input,
                    errors: field_messages(ctx.lang, &errors),
                    current: Some(&org),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    match store::update(&state.db, &org, &draft, &unit, ctx.actor(), &f._form).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(e) => match duplicate_as_field(e) {
            Err(fe) => {
                form_page(
                    &state,
                    ctx,
                    &a.principal,
                    OrgFormView {
                        action,
                        input: f.input,
                        errors: field_messages(ctx.lang, &[fe]),
                        current: Some(&org),
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                    },
                )
                .await
            }
            Ok(e) => Err(ctx.err(e.into())),
        },
    }
}

// ---------- view ----------

#[derive(Template)]
#[template(path = "org_view.html")]
struct ViewPage {
    s: Shell,
    org: Organisation,
    people: Vec<store::Person>,
    history: Vec<innocity_core::audit::Entry>,
    can_edit: bool,
    notice: &'static str,
    /// Its qualifications: kind, number, valid until, and `expired`/`soon`/empty.
    certificates: Vec<(String, String, String, &'static str)>,
}

impl ViewPage {
    fn unit_name(&self) -> &str {
        if self.s.lang == Lang::Zh { &self.org.unit_name_zh } else { &self.org.unit_name_en }
    }
}

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ViewOrgs>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id = parse_id(ctx, &id)?;
    let org = load_scoped(&state, ctx, &a.principal, id, Capability::ViewOrgs).await?;
    let people = store::people(&state.db, id).await?;
    let history = if a.principal.role.allows(Capability::ViewAudit) {
        let f = innocity_store::audit::Filter {
            entity: "organisation".into(),
            entity_id: id.to_string(),
            ..Default::default()
        };
        innocity_store::audit::list(&state.db, &f, 20).await?
    } else {
        Vec::new()
    };
    let can_edit = a
        .principal
        .authorize_on(
            Capability::EditOrgs,
            Target { unit_path: &org.unit_path, organisation_id: Some(org.id) },
        )
        .is_ok();
    let notice = if q.contains_key("created") {
        "org.created"
    } else if q.contains_key("saved") {
        "org.saved"
    } else {
        ""
    };
    let certificates = crate::subjects::certificates::of_organisation(&state, ctx, org.id).await?;
    Ok(render(&ViewPage { s: ctx.shell(), org, people, history, can_edit, notice, certificates }))
}

/// Organisations and org units.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/orgs", get(list).post(create))
        .route("/orgs/new", get(new_form))
        .route("/orgs/{id}", get(view).post(update))
        .route("/orgs/{id}/edit", get(edit_form))
        .route("/units", get(units::units).post(units::create_unit))
        .route("/units/new", get(units::new_unit_form))
        .route("/units/{id}/county", axum::routing::post(units::set_unit_county))
}
