//! An organisation's own achievements on the market (成果登记): the list with views and
//! inquiries, the form to describe one, sending it to the registration office, and marking it
//! dealt or withdrawing it.
use crate::app::AppState;
use crate::auth::{Auth, Ctx, ManageMarket, OfferAchievements};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::orgs::field_messages;
use crate::page::{Choice, FieldErrors, Shell, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use innocity_core::access::{Principal, Scope};
use innocity_core::market::MODES;
use innocity_core::market::achievements::{AchievementInput, Action, Status, validate};
use innocity_core::projects::money::Money;
use innocity_store::market::{self as store, Achievement};

/// The organisation a principal offers for (an organisation's accounts only).
pub fn own_organisation(ctx: &Ctx, p: &Principal) -> AppResult<i64> {
    match p.scope {
        Scope::Organisation(id) => Ok(id),
        _ => Err(ctx.err(AppError::forbidden())),
    }
}

/// The achievement `id` if it is the principal's organisation's (else not found: others'
/// drafts are not even confirmed to exist).
pub async fn own_achievement(
    state: &AppState,
    ctx: &Ctx,
    p: &Principal,
    id: &str,
) -> AppResult<Achievement> {
    let org = own_organisation(ctx, p)?;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    store::achievement(&state.db, id)
        .await?
        .filter(|a| a.organisation_id == org)
        .ok_or_else(|| ctx.err(AppError::not_found()))
}

pub fn status_label(lang: Lang, status: &str) -> &'static str {
    t(lang, &format!("market.status.{status}"))
}

#[derive(Template)]
#[template(path = "market_mine.html")]
struct MinePage {
    s: Shell,
    list: Vec<MineLine>,
    notice: String,
}

/// One of the organisation's achievements in its list.
struct MineLine {
    id: i64,
    title: String,
    status: String,
    status_code: String,
    registration_no: String,
    views: i64,
    inquiries: usize,
}

/// The organisation's achievements.
pub async fn mine(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let mut list = Vec::new();
    for r in store::of_organisation(&state.db, org).await? {
        list.push(MineLine {
            inquiries: store::inquiries(&state.db, r.id).await?.len(),
            id: r.id,
            title: r.title,
            status: status_label(ctx.lang, &r.status).to_string(),
            status_code: r.status,
            registration_no: r.registration_no.unwrap_or_default(),
            views: r.views,
        });
    }
    let notice = q
        .get("done")
        .map(|d| t(ctx.lang, &format!("market.done.{d}")).to_string())
        .unwrap_or_default();
    Ok(crate::page::render(&MinePage { s: ctx.shell(), list, notice }))
}

#[derive(Template)]
#[template(path = "market_form.html")]
pub struct FormPage {
    pub s: Shell,
    /// 0 for a new one.
    pub id: i64,
    pub version: i64,
    pub input: AchievementInput,
    pub modes: Vec<Choice>,
    pub errors: FieldErrors,
    pub status: String,
    pub status_code: String,
    pub reason: String,
    pub registration_no: String,
    pub editable: bool,
    pub views: i64,
    pub inquiries: Vec<InquiryLine>,
    /// What the viewer may do: (action code, label).
    pub actions: Vec<(String, String)>,
    /// Its documents, and whether more may be added.
    pub files: Vec<super::achievement_files::FileLine>,
    pub may_upload: bool,
}

/// An inquiry as the owner reads it.
pub struct InquiryLine {
    pub name: String,
    pub organisation: String,
    pub contact: String,
    pub message: String,
    pub at: String,
}

/// The form's text of a stored achievement.
pub fn input_of(a: &Achievement) -> AchievementInput {
    AchievementInput {
        title: a.title.clone(),
        description: a.description.clone(),
        keywords: a.keywords.join("；"),
        discipline: a.discipline.clone(),
        maturity: if a.maturity > 0 { a.maturity.to_string() } else { String::new() },
        modes: a.modes.clone(),
        price_wan: a.price_fen.map(|f| Money(f).wan_exact()).unwrap_or_default(),
        ip: a.ip.iter().map(|r| r.number().to_string()).collect::<Vec<_>>().join("\n"),
        team: a.team.clone(),
        contact: a.contact.clone(),
    }
}

fn mode_choices(lang: Lang, chosen: &[String]) -> Vec<Choice> {
    MODES
        .iter()
        .map(|m| {
            Choice::new(m, t(lang, &format!("market.mode.{m}")), chosen.iter().any(|c| c == m))
        })
        .collect()
}

/// The owner's actions in a state.
fn owner_actions(lang: Lang, status: Status) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if status.editable() {
        out.push(("submit".to_string(), t(lang, "market.act.submit").to_string()));
    }
    if status == Status::Listed {
        out.push(("dealt".to_string(), t(lang, "market.act.dealt").to_string()));
    }
    if innocity_core::market::achievements::next(status, Action::Withdraw).is_ok() {
        out.push(("withdraw".to_string(), t(lang, "market.act.withdraw").to_string()));
    }
    out
}

/// A blank form, or a stored achievement's page for its owner.
pub async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    a: Option<&Achievement>,
    input: AchievementInput,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let lang = ctx.lang;
    let status = a.and_then(|a| Status::parse(&a.status)).unwrap_or(Status::Draft);
    let mut inquiries = Vec::new();
    if let Some(a) = a {
        for q in store::inquiries(&state.db, a.id).await? {
            inquiries.push(InquiryLine {
                name: q.name,
                organisation: q.organisation,
                contact: q.contact,
                message: q.message,
                at: crate::auth::format_time(lang, q.created_at),
            });
        }
    }
    Ok(FormPage {
        s: ctx.shell(),
        id: a.map_or(0, |a| a.id),
        version: a.map_or(0, |a| a.version),
        modes: mode_choices(lang, &input.modes),
        input,
        errors,
        status: status_label(lang, status.code()).to_string(),
        status_code: status.code().to_string(),
        reason: a.map(|a| a.status_reason.clone()).unwrap_or_default(),
        registration_no: a.and_then(|a| a.registration_no.clone()).unwrap_or_default(),
        editable: status.editable(),
        views: a.map_or(0, |a| a.views),
        inquiries,
        actions: if a.is_some() { owner_actions(lang, status) } else { vec![] },
        files: match a {
            Some(a) => super::achievement_files::lines(state, ctx, a.id).await?,
            None => vec![],
        },
        may_upload: a.is_some() && !matches!(status, Status::Dealt | Status::Withdrawn),
    })
}

/// A form's fields (modes may repeat), its version and the action chosen.
pub struct Posted {
    pub input: AchievementInput,
    pub version: i64,
    pub action: String,
    pub reason: String,
}

pub fn parse_posted(ctx: &Ctx, body: &[u8]) -> AppResult<Posted> {
    let pairs: Vec<(String, String)> = crate::auth::parse_form(ctx, body)?;
    let mut p = Posted {
        input: AchievementInput::default(),
        version: 0,
        action: String::new(),
        reason: String::new(),
    };
    for (k, v) in pairs {
        let i = &mut p.input;
        match k.as_str() {
            "title" => i.title = v,
            "description" => i.description = v,
            "keywords" => i.keywords = v,
            "discipline" => i.discipline = v,
            "maturity" => i.maturity = v,
            "modes" => i.modes.push(v),
            "price_wan" => i.price_wan = v,
            "ip" => i.ip = v,
            "team" => i.team = v,
            "contact" => i.contact = v,
            "version" => {
                p.version = v.trim().parse().map_err(|_| ctx.err(AppError::malformed("version")))?
            }
            "action" => p.action = v,
            "reason" => p.reason = v,
            _ => {}
        }
    }
    Ok(p)
}

pub async fn new_form(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
) -> AppResult<Response> {
    own_organisation(&a.ctx, &a.principal)?;
    let page = form_page(&state, &a.ctx, None, AchievementInput::default(), FieldErrors::default())
        .await?;
    Ok(crate::page::render(&page))
}

/// Saves a new draft.
pub async fn create(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let org = own_organisation(ctx, &a.principal)?;
    let posted = parse_posted(ctx, &body)?;
    let draft = match validate(&posted.input) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(
                &state,
                ctx,
                None,
                posted.input,
                FieldErrors(field_messages(ctx.lang, &errors)),
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let id = store::create(&state.db, org, &draft, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/mine/{id}?done=saved")).into_response())
}

/// One of the organisation's achievements: its form while it may change, its state, inquiries.
pub async fn view(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let page = form_page(&state, ctx, Some(&r), input_of(&r), FieldErrors::default()).await?;
    Ok(crate::page::render(&page))
}

/// Saves changes, or acts (submit, dealt, withdraw) when the form says which.
pub async fn save(
    State(state): State<AppState>,
    a: Auth<OfferAchievements>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let r = own_achievement(&state, ctx, &a.principal, &id).await?;
    let posted = parse_posted(ctx, &body)?;
    if !posted.action.is_empty() {
        let action = match posted.action.as_str() {
            "submit" => Action::Submit,
            "dealt" => Action::MarkDealt,
            "withdraw" => Action::Withdraw,
            other => return Err(ctx.err(AppError::bad_request(format!("action={other}")))),
        };
        store::act(&state.db, r.id, posted.version, action, &posted.reason, ctx.actor()).await?;
        state.market_changed().await;
        return Ok(
            Redirect::to(&format!("/market/mine/{}?done={}", r.id, posted.action)).into_response()
        );
    }
    let draft = match validate(&posted.input) {
        Ok(d) => d,
        Err(errors) => {
            let page = form_page(
                &state,
                ctx,
                Some(&r),
                posted.input,
                FieldErrors(field_messages(ctx.lang, &errors)),
            )
            .await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    store::update(&state.db, r.id, posted.version, &draft, ctx.actor()).await?;
    Ok(Redirect::to(&format!("/market/mine/{}?done=saved", r.id)).into_response())
}

#[derive(Template)]
#[template(path = "market_registry.html")]
struct RegistryPage {
    s: Shell,
    queue: Vec<QueueLine>,
    registered_this_year: i64,
    year: i32,
    notice: String,
}

/// An achievement waiting for the registration office.
struct QueueLine {
    id: i64,
    version: i64,
    title: String,
    organisation: String,
    discipline: String,
    maturity: i64,
    ip: String,
    description: String,
}

/// The registration office's queue: submitted achievements, oldest first, and the year's count.
pub async fn registry(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let year = chrono::Datelike::year(&ctx.today());
    let queue = store::in_status(&state.db, Status::Submitted, None)
        .await?
        .into_iter()
        .map(|r| QueueLine {
            id: r.id,
            version: r.version,
            ip: r.ip.iter().map(|i| i.number().to_string()).collect::<Vec<_>>().join("；"),
            title: r.title,
            organisation: r.organisation,
            discipline: r.discipline,
            maturity: r.maturity,
            description: r.description,
        })
        .collect();
    let notice = q
        .get("done")
        .map(|d| t(ctx.lang, &format!("market.done.{d}")).to_string())
        .unwrap_or_default();
    Ok(crate::page::render(&RegistryPage {
        s: ctx.shell(),
        queue,
        registered_this_year: store::registered_in(&state.db, year).await?,
        year,
        notice,
    }))
}

/// The office registers and lists, sends back (with a reason) or withdraws an achievement.
pub async fn decide(
    State(state): State<AppState>,
    a: Auth<ManageMarket>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let id: i64 = id.parse().map_err(|_| ctx.err(AppError::not_found()))?;
    let posted = parse_posted(ctx, &body)?;
    let action = match posted.action.as_str() {
        "list" => Action::List,
        "return" => Action::Return,
        "withdraw" => Action::Withdraw,
        other => return Err(ctx.err(AppError::bad_request(format!("action={other}")))),
    };
    store::achievement(&state.db, id).await?.ok_or_else(|| ctx.err(AppError::not_found()))?;
    store::act(&state.db, id, posted.version, action, &posted.reason, ctx.actor()).await?;
    state.market_changed().await;
    if action == Action::List {
        super::notices::after_listing(&state, ctx, id).await;
    }
    Ok(Redirect::to(&format!("/market/registry?done={}", posted.action)).into_response())
}
