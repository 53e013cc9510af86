//! Technology contract registration on the platform (技术合同认定登记): the registrant's list
//! and form, a registration's page and certificate, and the registration office's queue and
//! decisions. Who may do what to a registration is decided in one place, [`may`].
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageMarket, RegisterContracts, ViewWorkspace};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::field_messages;
use crate::page::{Choice, FieldErrors, Shell, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Capability, Principal, Scope};
use innocity_core::market::contracts::{
    Action, COST_KINDS, ContractInput, REGIONS, Status, TYPES, validate,
};
use innocity_store::market::contracts::{self as store, Contract, Registrant, Step};

/// Rows of costs and payments the form offers.
const COST_ROWS: usize = 3;
const PAYMENT_ROWS: usize = 4;

/// Whether `p` may take `action` on `c` (None: only look): its registrant's accounts resubmit;
/// the registration office decides and cancels; both may look.
pub fn may(p: &Principal, c: &Contract, action: Option<Action>) -> bool {
    let (own, office) = sides(p, c);
    match action {
        None => own || office,
        Some(Action::Resubmit) => own,
        Some(_) => office,
    }
}

/// Whether `p` is the registrant's (own) and whether the office.
fn sides(p: &Principal, c: &Contract) -> (bool, bool) {
    let own = matches!(p.scope, Scope::Organisation(o) if o == c.organisation_id)
        && p.role.allows(Capability::RegisterContracts);
    (own, p.role.allows(Capability::ManageMarket))
}

/// What is recorded on a registration besides its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// The registrant uploads the signed contract's text.
    Upload,
    /// The office sends a large or disputed contract to the experts.
    Experts,
    /// The registrant asks to change a registered contract.
    RequestChange,
    /// The office records an objection, and decides changes and objections.
    Object,
}

/// Whether `p` may record `what` on `c` (with [`may`], the one place of these checks).
pub fn may_record(p: &Principal, c: &Contract, what: Record) -> bool {
    let (own, office) = sides(p, c);
    match what {
        Record::Upload | Record::RequestChange => own,
        Record::Experts | Record::Object => office,
    }
}

/// The registration `id`, if `p` may see it (else not found).
pub async fn visible(state: &AppState, ctx: &Ctx, p: &Principal, id: &str) -> AppResult<Contract> {
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::contract(&state.db, id)
        .await?
        .filter(|c| may(p, c, None))
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub fn type_label(lang: Lang, code: &str) -> &'static str {
    t(lang, &format!("contract.type.{code}"))
}

fn wan(m: innocity_core::projects::money::Money) -> String {
    m.wan_text()
}

/// A registration in a list.
struct Line {
    id: i64,
    title: String,
    buyer: String,
    contract_type: String,
    amount: String,
    status: String,
    status_code: String,
    registration_no: String,
    decide_by: String,
    overdue: bool,
}

fn line(lang: Lang, today: chrono::NaiveDate, c: Contract) -> Line {
    let waiting = c.status == Status::Submitted.code();
    Line {
        id: c.id,
        buyer: c.buyer_name,
        contract_type: type_label(lang, &c.contract_type).to_string(),
        amount: wan(c.amount),
        status: t(lang, &format!("contract.status.{}", c.status)).to_string(),
        overdue: waiting && c.decide_by < today,
        decide_by: if waiting {
            c.decide_by.format("%Y年%m月%d日").to_string()
        } else {
            String::new()
        },
        status_code: c.status,
        registration_no: c.registration_no.unwrap_or_default(),
        title: c.title,
    }
}

#[derive(Template)]
#[template(path = "market_contracts.html")]
struct ListPage {
    s: Shell,
    office: bool,
    list: Vec<Line>,
}

/// The registrant's registrations.
pub async fn mine(
    State(state): State<AppState>,
    a: Auth<RegisterContracts>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let Scope::Organisation(org) = a.principal.scope else {
        return Err(ctx.err(AppError::forbidden()));
    };
    let today = ctx.today();
    let list = store::of_organisation(&state.db, org)
        .await?
        .into_iter()
        .map(|c| line(ctx.lang, today, c))
        .collect();
    Ok(render(&ListPage { s: ctx.shell(), office: false, list }))
}

/// The office's queue: waiting registrations, the nearest time limit first.
pub async fn office(State(state): State<AppState>, a: Auth<ManageMarket>) -> AppResult<Response> {
    let ctx = &a.ctx;
    let today = ctx.today();
    let list =
        store::waiting(&state.db).await?.into_iter().map(|c| line(ctx.lang, today, c)).collect();
    Ok(render(&ListPage { s: ctx.shell(), office: true, list }))
}

#[derive(Template)]
#[template(path = "market_contract_form.html")]
struct FormPage {
    s: Shell,
    input: ContractInput,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    /// Each cost row: (kind choices, amount).
    costs: Vec<(Vec<Choice>, String)>,
    /// Each payment row: (due, amount).
    payments: Vec<(String, String)>,
    errors: FieldErrors,
    /// Where the form goes: a new registration, or a change of registration `change`.
    action: String,
    change: Option<i64>,
    reason: String,
}

fn form_page(ctx: &Ctx, input: ContractInput, errors: FieldErrors) -> FormPage {
    let lang = ctx.lang;
    let types = TYPES
        .iter()
        .map(|ty| Choice::new(ty.code, type_label(lang, ty.code), input.contract_type == ty.code))
        .collect();
    let regions = REGIONS
        .iter()
        .map(|r| Choice::new(r, t(lang, &format!("contract.region.{r}")), input.buyer_region == *r))
        .collect();
    let costs = (0..COST_ROWS)
        .map(|i| {
            let (kind, amount) = input.costs.get(i).cloned().unwrap_or_default();
            let kinds = COST_KINDS
                .iter()
                .map(|k| Choice::new(k, t(lang, &format!("contract.cost.{k}")), kind == *k))
                .collect();
            (kinds, amount)
        })
        .collect();
    let payments =
        (0..PAYMENT_ROWS).map(|i| input.payments.get(i).cloned().unwrap_or_default()).collect();
    FormPage {
        s: ctx.shell(),
        input,
        types,
        regions,
        costs,
        payments,
        errors,
        action: "/market/contracts".into(),
        change: None,
        reason: String::new(),
    }
}

/// A registration's terms as its form shows them (for a change).
fn input_of(c: &Contract) -> ContractInput {
    ContractInput {
        title: c.title.clone(),
        contract_type: c.contract_type.clone(),
        import: c.import,
        seller_name: c.seller_name.clone(),
        seller_code: c.seller_code.clone(),
        buyer_name: c.buyer_name.clone(),
        buyer_code: c.buyer_code.clone(),
        buyer_region: c.buyer_region.clone(),
        ip: c.ip.clone(),
        subject: c.subject.clone(),
        signed_on: c.signed_on.to_string(),
        amount_wan: c.amount.wan_exact(),
        costs: c.costs.iter().map(|x| (x.kind.clone(), x.amount.wan_exact())).collect(),
        payments: c.payments.iter().map(|p| (p.due_on.to_string(), p.amount.wan_exact())).collect(),
        electronic: c.electronic,
    }
}

fn change_page(
    ctx: &Ctx,
    c: &Contract,
    input: ContractInput,
    errors: FieldErrors,
    reason: String,
) -> FormPage {
    FormPage {
        action: format!("/market/contracts/{}/change", c.id),
        change: Some(c.id),
        reason,
        ..form_page(ctx, input, errors)
    }
}

/// The form asking to change a registered contract, filled with its terms (the registrant).
pub async fn change_form(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    if !may_record(&a.principal, &c, Record::RequestChange) {
        return Err(ctx.err(AppError::forbidden()));
    }
    Ok(render(&change_page(ctx, &c, input_of(&c), FieldErrors::default(), String::new())))
}

/// Asks to change a registered contract: the same checks as a registration, a reason, the same
/// parties.
pub async fn request_change(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    if !may_record(&a.principal, &c, Record::RequestChange) {
        return Err(ctx.err(AppError::forbidden()));
    }
    let input = parse_input(ctx, &body)?;
    let reason = crate::auth::parse_form::<Vec<(String, String)>>(ctx, &body)?
        .into_iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let mut errors = match validate(&input) {
        Ok(d) if !reason.trim().is_empty() => {
            innocity_store::market::contract_changes::request_change(
                &state.db,
                c.id,
                &d,
                &reason,
                ctx.actor(),
            )
            .await?;
            return Ok(
                Redirect::to(&format!("/market/contracts/{}?done=change", c.id)).into_response()
            );
        }
        Ok(_) => vec![],
        Err(e) => e,
    };
    if reason.trim().is_empty() {
        errors.push(innocity_core::orgs::FieldError {
            field: "reason",
            key: "err.required",
            args: vec![],
        });
    }
    let page = change_page(ctx, &c, input, FieldErrors(field_messages(ctx.lang, &errors)), reason);
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The registrant's organisation: who it is, for the seller's fields and the check.
async fn own(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
) -> AppResult<innocity_store::orgs::Organisation> {
    let Scope::Organisation(org) = p.scope else { return Err(ctx.err(AppError::forbidden())) };
    innocity_store::orgs::get(&state.db, org).await?.ok_or_else(|| ctx.err(AppError::forbidden()))
}

pub async fn new_form(
    State(state): State<AppState>,
    a: Auth<RegisterContracts>,
) -> AppResult<Response> {
    let org = own(&state, &a.ctx, &a.principal).await?;
    let input = ContractInput {
        seller_name: org.name,
        seller_code: org.credit_code,
        ..ContractInput::default()
    };
    Ok(render(&form_page(&a.ctx, input, FieldErrors::default())))
}

/// The form's fields: costs and payments come as numbered rows.
fn parse_input(ctx: &Ctx, body: &[u8]) -> AppResult<ContractInput> {
    let pairs: Vec<(String, String)> = crate::auth::parse_form(ctx, body)?;
    let mut i = ContractInput::default();
    let mut costs = vec![(String::new(), String::new()); COST_ROWS];
    let mut payments = vec![(String::new(), String::new()); PAYMENT_ROWS];
    for (k, v) in pairs {
        let row = |prefix: &str| k.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
        match k.as_str() {
            "title" => i.title = v,
            "contract_type" => i.contract_type = v,
            "import" => i.import = v == "1",
            "seller_name" => i.seller_name = v,
            "seller_code" => i.seller_code = v,
            "buyer_name" => i.buyer_name = v,
            "buyer_code" => i.buyer_code = v,
            "buyer_region" => i.buyer_region = v,
            "ip" => i.ip = v,
            "subject" => i.subject = v,
            "signed_on" => i.signed_on = v,
            "amount_wan" => i.amount_wan = v,
            "electronic" => i.electronic = v == "1",
            _ => {
                if let Some(n) = row("cost_kind_").filter(|n| *n < COST_ROWS) {
                    costs[n].0 = v;
                } else if let Some(n) = row("cost_wan_").filter(|n| *n < COST_ROWS) {
                    costs[n].1 = v;
                } else if let Some(n) = row("pay_on_").filter(|n| *n < PAYMENT_ROWS) {
                    payments[n].0 = v;
                } else if let Some(n) = row("pay_wan_").filter(|n| *n < PAYMENT_ROWS) {
                    payments[n].1 = v;
                }
            }
        }
    }
    i.costs = costs;
    i.payments = payments;
    Ok(i)
}

/// Submits a contract for registration.
pub async fn submit(
    State(state): State<AppState>,
    a: Auth<RegisterContracts>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own(&state, ctx, &a.principal).await?;
    let input = parse_input(ctx, &body)?;
    let draft = match validate(&input) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(ctx, input, FieldErrors(field_messages(ctx.lang, &errors)));
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let who = Registrant {
        organisation_id: org.id,
        credit_code: &org.credit_code,
        unit_path: &org.unit_path,
    };
    let id = store::submit(&state.db, who, &draft, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/contracts/{id}?done=submitted")).into_response())
}

#[derive(Template)]
#[template(path = "market_contract.html")]
struct ContractPage {
    s: Shell,
    c: ContractView,
    /// The actions the viewer may take: (code, label).
    actions: Vec<(String, String)>,
    types: Vec<Choice>,
    notice: String,
    /// The signed text, the experts, changes and objections.
    r: super::contract_records::Records,
}

/// A registration as its page shows it.
pub struct ContractView {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub contract_type: String,
    pub corrected_from: String,
    pub import: bool,
    pub seller: String,
    pub buyer: String,
    pub buyer_region: String,
    pub ip: String,
    pub subject: String,
    pub signed_on: String,
    pub amount: String,
    pub transaction: String,
    pub costs: Vec<(String, String)>,
    pub payments: Vec<(String, String)>,
    pub status: String,
    pub status_code: String,
    pub reason: String,
    pub decide_by: String,
    pub registration_no: String,
    pub registered_on: String,
}

pub fn view_of(lang: Lang, c: &Contract) -> ContractView {
    let day = |d: chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
    ContractView {
        id: c.id,
        version: c.version,
        title: c.title.clone(),
        contract_type: type_label(lang, &c.contract_type).to_string(),
        corrected_from: if c.declared_type != c.contract_type {
            type_label(lang, &c.declared_type).to_string()
        } else {
            String::new()
        },
        import: c.import,
        seller: format!("{}（{}）", c.seller_name, c.seller_code),
        buyer: format!("{}（{}）", c.buyer_name, c.buyer_code),
        buyer_region: t(lang, &format!("contract.region.{}", c.buyer_region)).to_string(),
        ip: c.ip.clone(),
        subject: c.subject.clone(),
        signed_on: day(c.signed_on),
        amount: wan(c.amount),
        transaction: wan(c.transaction),
        costs: c
            .costs
            .iter()
            .map(|x| (t(lang, &format!("contract.cost.{}", x.kind)).to_string(), wan(x.amount)))
            .collect(),
        payments: c.payments.iter().map(|p| (day(p.due_on), wan(p.amount))).collect(),
        status: t(lang, &format!("contract.status.{}", c.status)).to_string(),
        status_code: c.status.clone(),
        reason: c.status_reason.clone(),
        decide_by: day(c.decide_by),
        registration_no: c.registration_no.clone().unwrap_or_default(),
        registered_on: c.registered_on.map(day).unwrap_or_default(),
    }
}

const ACTIONS: [Action; 5] =
    [Action::Register, Action::AskMaterials, Action::Refuse, Action::Resubmit, Action::Cancel];

pub async fn view(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    let status = Status::parse(&c.status).unwrap_or(Status::Submitted);
    let actions = ACTIONS
        .iter()
        .filter(|x| {
            may(&a.principal, &c, Some(**x))
                && innocity_core::market::contracts::next(status, **x).is_some()
        })
        .map(|x| (x.code().to_string(), t(lang, &format!("contract.act.{}", x.code())).to_string()))
        .collect();
    let types = TYPES
        .iter()
        .map(|ty| Choice::new(ty.code, type_label(lang, ty.code), ty.code == c.contract_type))
        .collect();
    let notice = q
        .get("done")
        .map(|d| t(lang, &format!("contract.done.{d}")).to_string())
        .unwrap_or_default();
    let r = super::contract_records::records(&state, ctx, &a.principal, &c).await?;
    Ok(render(&ContractPage { s: ctx.shell(), c: view_of(lang, &c), actions, types, notice, r }))
}

#[derive(serde::Deserialize)]
struct ActForm {
    action: String,
    version: i64,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    contract_type: String,
    #[serde(default)]
    disputed: String,
}

pub fn action_of(code: &str) -> Option<Action> {
    ACTIONS.iter().copied().find(|a| a.code() == code)
}

/// A step on a registration, by whoever may take it.
pub async fn act(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    let f: ActForm = crate::auth::parse_form(ctx, &body)?;
    let action = action_of(&f.action)
        .ok_or_else(|| ctx.err(AppError::bad_request(format!("action={}", f.action))))?;
    if !may(&a.principal, &c, Some(action)) {
        return Err(ctx.err(AppError::forbidden()));
    }
    let corrected = (action == Action::Register && f.contract_type != c.contract_type)
        .then_some(f.contract_type.as_str());
    let step =
        Step { action, reason: &f.reason, corrected_type: corrected, disputed: f.disputed == "1" };
    store::act(&state.db, c.id, f.version, step, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/contracts/{}?done={}", c.id, action.code())).into_response())
}

/// The registration certificate (PDF): the parties, the type, both amounts, the number.
pub async fn certificate(
    State(state): State<AppState>,
    a: Auth<ViewWorkspace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    use innocity_reports::{Block, Cell, Report};
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let c = visible(&state, ctx, &a.principal, &id).await?;
    if c.status != Status::Registered.code() {
        return Err(ctx.err(AppError::not_found()));
    }
    let v = view_of(lang, &c);
    let row = |k: &str, val: String| vec![Cell::plain(t(lang, k)), Cell::plain(val)];
    let unit = t(lang, "market.wan_yuan");
    let blocks = vec![
        Block::Title(t(lang, "contract.certificate").to_string()),
        Block::Subtitle(format!("{} {}", t(lang, "contract.registration_no"), v.registration_no)),
        Block::Table {
            widths: vec![0.3, 0.7],
            rows: vec![
                row("contract.title", v.title.clone()),
                row("contract.type", v.contract_type.clone()),
                row("contract.seller", v.seller.clone()),
                row("contract.buyer", format!("{}（{}）", v.buyer, v.buyer_region)),
                row("contract.signed_on", v.signed_on.clone()),
                row("contract.amount", format!("{} {unit}", v.amount)),
                row("contract.transaction", format!("{} {unit}", v.transaction)),
                row("contract.registered_on", v.registered_on.clone()),
            ],
        },
        Block::Paragraph(t(lang, "contract.certificate_note").to_string()),
    ];
    let footer = format!("{} · {}", t(lang, "contract.office"), v.registration_no);
    let pdf = innocity_reports::render_pdf(&Report { blocks, footer }).map_err(|e| {
        tracing::error!(error = %e, "certificate");
        ctx.err(AppError::internal(&ctx.request_id))
    })?;
    Ok(crate::http::download(pdf, &format!("{}.pdf", v.registration_no), "application/pdf"))
}
